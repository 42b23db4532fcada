//! In-process benchmark of tapgen's pipeline for one environment (`staging` of the embedded
//! default config): no process start-up, no disk writes. Run with `cargo bench --bench render`;
//! `bench/run.sh` runs it and copies the medians into BENCHMARKS.md.
//!
//! The Lambda source folder is the repository's own `lambda/` (the default config's
//! `source_dir = "lambda"`, resolved against the crate root).

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn base_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load() -> tapgen::config::Loaded {
    tapgen::check::parse(
        tapgen::config::DEFAULT_CONFIG_NAME,
        tapgen::config::DEFAULT_CONFIG.to_owned(),
        base_dir(),
    )
    .unwrap_or_else(|_| panic!("the embedded default config parses"))
}

fn staging() -> Vec<String> {
    vec!["staging".to_owned()]
}

/// Everything `tapgen terraform --env staging` does in memory, up to the bytes it would write.
fn pipeline(base: &Path) -> tapgen::output::Plan {
    let loaded = tapgen::check::parse(
        tapgen::config::DEFAULT_CONFIG_NAME,
        tapgen::config::DEFAULT_CONFIG.to_owned(),
        base.to_path_buf(),
    )
    .unwrap_or_else(|_| panic!("parse"));
    let resolved =
        tapgen::check::validate(&loaded, &staging()).unwrap_or_else(|_| panic!("validate"));
    let (files, owned) =
        tapgen::render_terraform(&loaded, &resolved, base).unwrap_or_else(|_| panic!("render"));
    tapgen::plan(base.to_path_buf(), &files, owned)
}

fn benches(c: &mut Criterion) {
    let base = base_dir();
    let loaded = load();
    let resolved =
        tapgen::check::validate(&loaded, &staging()).unwrap_or_else(|_| panic!("validate"));
    let (module, project, stack) = (&resolved.module, &resolved.project, &resolved.stacks[0]);
    let packages = tapgen::build_packages(&loaded, &resolved, &base, true)
        .unwrap_or_else(|_| panic!("package"));
    let mut files = tapgen::render::module::files(module, project, &packages)
        .unwrap_or_else(|_| panic!("render module"));
    files.extend(
        tapgen::render::root::files(stack, module, &packages)
            .unwrap_or_else(|_| panic!("render root")),
    );
    let bytes: usize = tapgen::plan(base.clone(), &files, Default::default())
        .files
        .iter()
        .map(|(_, b)| b.len())
        .sum();
    eprintln!(
        "one environment: {} files, {} bytes printed",
        files.len(),
        bytes
    );

    let mut g = c.benchmark_group("staging");
    g.bench_function("parse_config", |b| b.iter(|| black_box(load())));
    g.bench_function("validate", |b| {
        b.iter(|| black_box(tapgen::check::validate(&loaded, &staging()).is_ok()))
    });
    g.bench_function("package_lambda_zip", |b| {
        b.iter(|| {
            black_box(
                tapgen::package::build(&base.join("lambda"), &Default::default())
                    .map(|z| z.len())
                    .unwrap_or(0),
            )
        })
    });
    g.bench_function("render_trees", |b| {
        b.iter(|| {
            let mut files = tapgen::render::module::files(black_box(module), project, &packages)
                .unwrap_or_default();
            files.extend(
                tapgen::render::root::files(black_box(stack), module, &packages)
                    .unwrap_or_default(),
            );
            black_box(files)
        })
    });
    g.bench_function("print_bytes", |b| {
        b.iter(|| {
            black_box(tapgen::plan(
                base.clone(),
                black_box(&files),
                Default::default(),
            ))
        })
    });
    g.bench_function("end_to_end_in_memory", |b| {
        b.iter(|| black_box(pipeline(&base)))
    });
    g.finish();
}

criterion_group! {
    name = render;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50);
    targets = benches
}
criterion_main!(render);
