//! Text that is not HCL (Markdown) is rendered from minijinja templates embedded in the binary.

use crate::error::Error;
use minijinja::Environment;

const TEMPLATES: &[(&str, &str)] = &[
    (
        "module-readme.md",
        include_str!("../templates/module-readme.md"),
    ),
    (
        "example-readme.md",
        include_str!("../templates/example-readme.md"),
    ),
];

/// Renders an embedded template. The templates and their contexts are tapgen's own, so a
/// failure is a bug in tapgen: an [`Error::Internal`], never text written into a file.
pub(crate) fn render(name: &str, context: minijinja::Value) -> Result<String, Error> {
    let broken = injected_break();
    let templates = TEMPLATES.iter().map(|&(template, source)| {
        // The template a test breaks stops compiling, as an edit gone wrong would.
        let source = if broken.as_deref() == Some(template) {
            "{% if %}"
        } else {
            source
        };
        (template, source)
    });
    render_from(templates, name, context)
}

/// Renders `name` from `templates` (name, source).
fn render_from<'s>(
    templates: impl IntoIterator<Item = (&'s str, &'s str)>,
    name: &str,
    context: minijinja::Value,
) -> Result<String, Error> {
    let mut environment = Environment::new();
    for (template_name, source) in templates {
        environment
            .add_template(template_name, source)
            .map_err(|error| {
                Error::internal(format!(
                    "template `{template_name}` does not compile: {error}"
                ))
            })?;
    }
    let mut text = environment
        .get_template(name)
        .and_then(|template| template.render(context))
        .map_err(|error| Error::internal(format!("template `{name}` failed to render: {error}")))?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

/// Debug builds let tests break one template, to see what a bug in it does:
/// `TAPGEN_TEST_BREAK_TEMPLATE=module-readme.md`.
fn injected_break() -> Option<String> {
    if cfg!(debug_assertions) {
        std::env::var("TAPGEN_TEST_BREAK_TEMPLATE").ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_that_does_not_compile_is_an_internal_error_and_no_text() {
        let result = render_from(
            [("good.md", "fine"), ("broken.md", "{% if %}")],
            "good.md",
            minijinja::context! {},
        );
        let Err(error) = result else {
            panic!("a broken template rendered text: {result:?}");
        };
        assert!(matches!(error, Error::Internal { .. }), "{error:?}");
        assert_eq!(error.exit_code(), crate::error::exit::INTERNAL);
        let text = error.render();
        assert!(
            text.starts_with("error: internal: template `broken.md` does not compile: "),
            "{text}"
        );
        assert!(
            text.ends_with(
                "= help: this is a bug in tapgen; please report it, with the command you ran"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_template_that_fails_to_render_is_an_internal_error_and_no_text() {
        // Calling what is not a function fails at render time, not when compiling.
        let result = render_from(
            [("calls.md", "{{ nothing() }}")],
            "calls.md",
            minijinja::context! {},
        );
        assert!(
            matches!(&result, Err(Error::Internal { what }) if what.starts_with("template `calls.md` failed to render")),
            "{result:?}"
        );
        let missing = render_from([("a.md", "a")], "b.md", minijinja::context! {});
        assert!(
            matches!(missing, Err(Error::Internal { .. })),
            "{missing:?}"
        );
    }

    #[test]
    fn the_embedded_templates_compile() {
        for (name, _) in TEMPLATES {
            assert!(
                render_from(TEMPLATES.iter().copied(), name, minijinja::context! {}).is_ok(),
                "{name}"
            );
        }
    }
}
