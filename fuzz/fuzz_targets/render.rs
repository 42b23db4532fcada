//! Any bytes as a config: loading and validating never panic, and any config that is
//! accepted renders HCL that an independent parser (hcl-rs) reads back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;
use tapgen::output::Document;

/// A project folder with a handler, shared by every run.
fn base_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("tapgen-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("lambda")).expect("fuzz base dir");
        std::fs::write(dir.join("lambda/handler.py"), "def handler(event, context):\n    return {}\n").expect("handler");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(loaded) = tapgen::check::parse("fuzz.toml", text.to_owned(), base_dir().clone()) else { return };
    // Keep each run short: an accepted config with thousands of environments is valid
    // but says nothing new about the printer.
    let environments: Vec<String> = tapgen::stack::environments(&loaded.config).into_iter().take(4).collect();
    let Ok(resolved) = tapgen::check::validate(&loaded, &environments) else { return };
    let (files, _) = tapgen::render_terraform(&loaded, &resolved, base_dir()).expect("an accepted config renders");
    for file in files {
        if let Document::Hcl(body) = &file.document {
            let printed = String::from_utf8(file.bytes()).expect("HCL output is UTF-8");
            if let Err(error) = hcl::parse(&printed) {
                panic!("{} does not parse: {error}\n{printed}", file.path.display());
            }
            let _ = body;
        }
    }
});
