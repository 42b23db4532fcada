//! The folders the Lambda packages are built from, as the config names them: each must exist
//! and hold the file its handler is in. This is the one look at the disk that judges the
//! config, so it belongs to the package step, not to the checks of the resolved model
//! ([`crate::check::check`], which read nothing); its problems are config problems all the
//! same, located at the key that names the folder or the handler.

use crate::check::{Checker, config_error};
use crate::config::Loaded;
use crate::error::{Diagnostic, Error, Problem};
use crate::family::lambda::{handler_file, source_dir};
use crate::stack::{Resolved, Stack};

/// The problems of every folder a package of `resolved` is built from: each environment's
/// and the project's own (which the module's examples are built from). For the commands to
/// report with the checks' ([`crate::check::OnDisk`]).
pub fn problems(loaded: &Loaded, resolved: &Resolved) -> Vec<Diagnostic> {
    problems_of(loaded, &resolved.project, &resolved.stacks)
}

/// Refuses what [`problems`] finds in the folders of `project` and `stacks`, before their
/// packages are built.
pub(crate) fn check(loaded: &Loaded, project: &Stack, stacks: &[Stack]) -> Result<(), Error> {
    let diagnostics = problems_of(loaded, project, stacks);
    if diagnostics.is_empty() {
        return Ok(());
    }
    Err(config_error(loaded, diagnostics))
}

fn problems_of(loaded: &Loaded, project: &Stack, stacks: &[Stack]) -> Vec<Diagnostic> {
    let mut checker = Checker::new(loaded, stacks);
    for stack in stacks {
        let dir = loaded.base_dir.join(source_dir(stack));
        if !dir.is_dir() {
            checker.report(stack, &["lambda", "source_dir"], missing_dir(&dir));
        } else if let Some(file) = handler_file(stack)
            && !dir.join(&file).is_file()
        {
            let handler = stack.values.string(&crate::family::lambda::HANDLER);
            checker.report(
                stack,
                &["lambda", "handler"],
                Problem::MissingHandlerFile {
                    handler,
                    path: dir.join(&file).display().to_string(),
                    file,
                    dir: dir.display().to_string(),
                },
            );
        }
    }
    // The examples' package is built from the project-wide folder even where every
    // environment has its own; its handler is only an example's, so only the folder counts.
    // Where an environment shares the folder, the problem is the same one, reported once.
    let dir = loaded.base_dir.join(source_dir(project));
    if !dir.is_dir() {
        checker.report_project(&["lambda", "source_dir"], missing_dir(&dir));
    }
    checker.into_diagnostics()
}

fn missing_dir(dir: &std::path::Path) -> Problem {
    Problem::MissingSourceDir {
        dir: dir.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each problem as `(line, key, problem kind)`.
    fn located(diagnostics: &[Diagnostic]) -> Vec<(usize, String, &'static str)> {
        diagnostics
            .iter()
            .map(|d| {
                let kind = match d.problem {
                    Problem::MissingSourceDir { .. } => "folder",
                    Problem::MissingHandlerFile { .. } => "handler",
                    _ => "other",
                };
                let line = d.location.as_ref().map_or(0, |l| l.line);
                (line, d.key.clone().unwrap_or_default(), kind)
            })
            .collect()
    }

    #[test]
    fn the_package_step_finds_what_the_checks_leave_to_it_at_the_keys_as_written() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("lambda")).unwrap();
        // dev: the folder is there, the handler's `app.py` is not; prod: no folder at all.
        let config = "[project]\nname = \"tap\"\n\n[lambda]\nhandler = \"app.main\"\n\n[env.dev]\n\n[env.prod]\nlambda.source_dir = \"src/fn\"\n";
        let loaded =
            crate::check::parse("tapgen.toml", config.to_owned(), dir.path().to_path_buf())
                .unwrap();
        let resolved = crate::stack::resolve(&loaded);
        assert!(crate::check::check(&loaded, &resolved).is_empty());
        let expected = vec![
            (5, "lambda.handler".to_owned(), "handler"),
            (10, "env.prod.lambda.source_dir".to_owned(), "folder"),
        ];
        assert_eq!(located(&problems(&loaded, &resolved)), expected);
        // Validation with the look at the disk reports them together, in file order...
        let Err(Error::Config { diagnostics, .. }) =
            crate::check::validate_with(&loaded, &["dev".to_owned()], problems)
        else {
            panic!("validation passed");
        };
        assert_eq!(located(&diagnostics), expected);
        // ...and the build step refuses them itself, for what it builds.
        let resolved = crate::check::validate(&loaded, &["prod".to_owned()]).unwrap();
        let Err(Error::Config { diagnostics, .. }) =
            crate::build_packages(&loaded, &resolved, dir.path(), true)
        else {
            panic!("the packages were built");
        };
        assert_eq!(located(&diagnostics), expected[1..]);
    }

    #[test]
    fn the_project_wide_folder_the_examples_are_built_from_must_exist_too() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("lambda")).unwrap();
        std::fs::write(dir.path().join("lambda/handler.py"), "").unwrap();
        let config = "[project]\nname = \"tap\"\n\n[lambda]\nsource_dir = \"gone\"\n\n[env.dev]\nlambda.source_dir = \"lambda\"\n";
        let loaded =
            crate::check::parse("tapgen.toml", config.to_owned(), dir.path().to_path_buf())
                .unwrap();
        let resolved = crate::stack::resolve(&loaded);
        let expected = vec![(5, "lambda.source_dir".to_owned(), "folder")];
        assert_eq!(located(&problems(&loaded, &resolved)), expected);
        let Err(Error::Config { diagnostics, .. }) =
            crate::build_packages(&loaded, &resolved, dir.path(), false)
        else {
            panic!("the examples' package was built");
        };
        assert_eq!(located(&diagnostics), expected);
    }
}
