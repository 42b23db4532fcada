use std::process::ExitCode;

fn main() -> ExitCode {
    let code = match tapgen::parse(std::env::args_os()) {
        Ok(cli) => match tapgen::run(cli) {
            Ok(code) => code,
            Err(error) => {
                tapgen::print_error(&error);
                error.exit_code()
            }
        },
        Err(code) => code,
    };
    ExitCode::from(u8::try_from(code).unwrap_or(u8::MAX))
}
