//! Text that is not HCL (Markdown) is rendered from minijinja templates embedded in the binary.

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
/// failure is a bug in tapgen, reported as such.
pub fn render(name: &str, context: minijinja::Value) -> String {
    let mut environment = Environment::new();
    for (template_name, source) in TEMPLATES {
        if let Err(error) = environment.add_template(template_name, source) {
            return format!(
                "<!-- bug in tapgen: template {template_name} does not compile: {error} -->\n"
            );
        }
    }
    environment
        .get_template(name)
        .and_then(|template| template.render(context))
        .map(|mut text| {
            if !text.ends_with('\n') {
                text.push('\n');
            }
            text
        })
        .unwrap_or_else(|error| {
            format!("<!-- bug in tapgen: template {name} failed: {error} -->\n")
        })
}
