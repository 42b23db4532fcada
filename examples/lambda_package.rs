//! Builds a Lambda package with its dependencies through the library, as render will once
//! the config carries the architecture and the layer choice; `bench/lambda-deps.sh` times it.
//!
//! Usage: cargo run --example lambda_package -- DIR OUT.zip [RUNTIME] [ARCHITECTURE] [LAYER.zip]
//! (defaults `python3.12`, `x86_64`; with LAYER.zip the dependencies go into a layer).
//! Reads TAPGEN_CACHE_DIR, TAPGEN_PIP and TAPGEN_TOOLS_DIR as tapgen does.

use std::path::PathBuf;
use std::process::ExitCode;
use tapgen::package::{self, Exclusions, Options, Target, Tools};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: lambda_package DIR OUT.zip [RUNTIME] [ARCHITECTURE] [LAYER.zip]");
        return ExitCode::from(2);
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tapgen::print_error(&error);
            ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(1))
        }
    }
}

fn run(args: &[String]) -> Result<(), tapgen::error::Error> {
    let dir = PathBuf::from(&args[0]);
    let out = PathBuf::from(&args[1]);
    let runtime = args.get(2).map_or("python3.12", String::as_str);
    let architecture = args.get(3).map_or("x86_64", String::as_str);
    let layer_out = args.get(4).map(PathBuf::from);
    let tools = Tools::from_env();
    let options = Options {
        target: Target::parse(runtime, architecture)?,
        layer: layer_out.is_some(),
        tools: &tools,
    };
    let built = package::build_for(&dir, &Exclusions::default(), &options)?;
    let write = |path: &PathBuf, bytes: &[u8]| {
        std::fs::write(path, bytes).map_err(|e| tapgen::error::Error::io("write", path, e))
    };
    write(&out, &built.function)?;
    println!(
        "{}  {} bytes  {}",
        tapgen::hex_sha256(&built.function),
        built.function.len(),
        out.display()
    );
    if let (Some(path), Some(layer)) = (&layer_out, &built.layer) {
        write(path, layer)?;
        println!(
            "{}  {} bytes  {}",
            tapgen::hex_sha256(layer),
            layer.len(),
            path.display()
        );
    }
    Ok(())
}
