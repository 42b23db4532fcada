use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = tapgen::cli::Cli::parse();
    let code = match tapgen::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            error.exit_code()
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(u8::MAX))
}
