//! Finding, reading and parsing the config file.

use super::model::ConfigFile;
use super::source::Source;
use super::{DEFAULT_CONFIG, DEFAULT_CONFIG_NAME};
use crate::error::{Diagnostic, Error};
use std::path::{Path, PathBuf};

/// A parsed config with what is needed to report on it.
pub struct Loaded {
    pub config: ConfigFile,
    pub source: Source,
    /// The folder that `lambda.source_dir` and the default output are relative to: the config
    /// file's folder, or the current folder for the embedded default.
    pub base_dir: PathBuf,
    /// The config file read, if any: never packaged with the Lambda handler.
    pub path: Option<PathBuf>,
}

/// The file tapgen reads when `--config` is not given.
pub const CONFIG_FILE_NAME: &str = "tapgen.toml";

/// Loads `--config PATH`; without one, `./tapgen.toml`, or the embedded default where there is none.
pub fn load(path: Option<&Path>) -> Result<Loaded, Error> {
    let path = match path {
        Some(path) => path.to_path_buf(),
        None if Path::new(CONFIG_FILE_NAME).is_file() => PathBuf::from(CONFIG_FILE_NAME),
        None => {
            return parse(
                DEFAULT_CONFIG_NAME,
                DEFAULT_CONFIG.to_owned(),
                PathBuf::from("."),
            );
        }
    };
    if path.is_dir() {
        return Err(Error::usage(
            format!("config `{}` is a directory, not a file", path.display()),
            Some(format!(
                "pass the file itself, such as `--config {}`",
                path.join(CONFIG_FILE_NAME).display()
            )),
        ));
    }
    let bytes = std::fs::read(&path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::usage(
                format!("config file `{}` does not exist", path.display()),
                Some("create one with `tapgen init`, or leave out `--config` to use the embedded default".to_owned()),
            )
        } else {
            Error::io("read config", &path, source)
        }
    })?;
    let name = path.display().to_string();
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let offset = error.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(error.as_bytes()).into_owned();
            let source = Source::new(name.clone(), lossy);
            let diagnostic = Diagnostic {
                message: "config file is not valid UTF-8".to_owned(),
                key: None,
                location: Some(source.location(offset..offset + 1)),
                file: name.clone(),
                help: Some("save the file as UTF-8; TOML files must be UTF-8".to_owned()),
            };
            return Err(Error::Config {
                file: name,
                diagnostics: vec![diagnostic],
            });
        }
    };
    let base_dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut loaded = parse(&name, text, base_dir)?;
    loaded.path = Some(path);
    Ok(loaded)
}

/// Parses config text; `name` is what error messages call the file.
pub fn parse(name: &str, text: String, base_dir: PathBuf) -> Result<Loaded, Error> {
    let source = Source::new(name, text);
    match toml::from_str::<ConfigFile>(&source.text) {
        Ok(config) => Ok(Loaded {
            config,
            source,
            base_dir,
            path: None,
        }),
        Err(error) => {
            let message = error.message().trim().to_owned();
            let help = parse_error_help(&message, &source, error.span());
            let diagnostic = Diagnostic {
                location: error.span().map(|span| source.location(span)),
                message: format!("invalid config: {message}"),
                key: None,
                file: name.to_owned(),
                help,
            };
            Err(Error::Config {
                file: name.to_owned(),
                diagnostics: vec![diagnostic],
            })
        }
    }
}

/// A did-you-mean for unknown keys and variants, else a pointer to the schema.
fn parse_error_help(
    message: &str,
    source: &Source,
    span: Option<std::ops::Range<usize>>,
) -> Option<String> {
    let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    if let Some((given, expected)) = quoted.split_first()
        && (message.starts_with("unknown field") || message.starts_with("unknown variant"))
    {
        if let Some(best) = crate::suggest::closest(given, expected.iter().copied()) {
            return Some(format!("did you mean `{best}`?"));
        }
        return Some(format!(
            "allowed here: {}",
            expected
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let _ = (source, span);
    Some("`tapgen schema` prints every key with its type and meaning".to_owned())
}
