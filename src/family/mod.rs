//! The families of resources the module is made of, each one unit in one file: its config
//! table and settings ([`setting`]), its module inputs and outputs, its resources, the IAM
//! statements the function needs for it, the AWS services it calls, and its part of the
//! module's own test suite.
//!
//! [`FAMILIES`] is the only other place a family is named. The module's files, inputs and
//! outputs, the function's policy, the config schema, the provider resource types, the AWS
//! services an emulator must answer for and the module's `tests/` are all derived from it.

pub(crate) mod account;
pub(crate) mod alarms;
pub(crate) mod apigateway;
pub(crate) mod backend;
pub(crate) mod domain;
pub(crate) mod encryption;
pub(crate) mod iam;
pub(crate) mod lambda;
pub(crate) mod logs;
pub(crate) mod project;
pub(crate) mod s3;
pub(crate) mod setting;

use crate::hcl::{Body, Expr};
use crate::render::tftest::{Mock, Run};
use crate::render::variables::Variable;
use crate::stack::Stack;
use setting::{Setting, Values};
use std::collections::BTreeSet;

/// One family of resources.
pub(crate) struct Family {
    /// The family's config table, if it has one.
    pub section: Option<Section>,
    /// The module file holding its resources, and the file's place among the module's files
    /// (the diagram draws them in that order).
    pub file: (&'static str, u8),
    /// Its resources, given every environment's settings (a choice some environment makes
    /// that a scanner flags gets its reason written beside the resource).
    pub document: fn(&[Values]) -> Body,
    /// Module inputs of its own besides its settings', listed before them.
    pub inputs: fn() -> Vec<Variable>,
    /// Its module outputs, and their place among the module's outputs.
    pub outputs: (fn() -> Vec<Output>, u8),
    /// The statements of the function's policy that its resources need.
    pub grants: &'static [Grant],
    /// The AWS services (as the provider's `endpoints` block names them) its resources call.
    pub aws_services: &'static [&'static str],
    /// Its rules beyond each setting's own (several values, AWS's lists, the disk), on one
    /// resolved environment.
    pub check: fn(&mut crate::check::Checker<'_>, &Stack),
    /// Its file of the module's test suite, `tests/<file stem>.tofutest.hcl`. (Each of its
    /// settings' inputs with a rule gets a run that expects a bad value to be refused
    /// without it: [`crate::render::tftest`] makes those from the rules.)
    pub tests: Tests,
}

/// A family's part of the module's test suite, which `tofu test` runs offline.
pub(crate) struct Tests {
    /// What its runs check, for the module's README: "the function's runtime, ... follow
    /// the inputs".
    pub summary: &'static str,
    /// Its runs, given the project's values, which the file passes as every input: each
    /// plans the module and asserts what the family promises, the expected values taken
    /// from the model (`stack.values`), not from the module's own expressions.
    pub runs: fn(&Stack) -> Vec<Run>,
    /// What the mocked provider gives its resource types where a plan needs a value of the
    /// right shape (an ARN another resource checks) or a run reads a computed value; one
    /// mock per type across the families.
    pub mocks: fn(&Stack) -> Vec<Mock>,
}

/// A config table: `[<path>]`, and `[env.NAME.<path>]` overlaying it. The path may name a
/// table inside another's (`["api", "domain"]` for `[api.domain]`), or be empty for keys of
/// the config's top level (`tags`).
pub(crate) struct Section {
    pub path: &'static [&'static str],
    /// Where an environment overlays the table.
    pub overlay: Overlay,
    pub description: &'static str,
    pub settings: &'static [&'static Setting],
}

/// Where `[env.NAME]` overlays a table's keys.
#[derive(Clone, Copy)]
pub(crate) enum Overlay {
    /// At the same path below it: `[env.NAME.lambda]` overlays `[lambda]`.
    SamePath,
    /// In `[env.NAME]` itself: `env.NAME.region` overlays `project.region`, in a table whose
    /// other keys (`name`) no environment changes.
    TopLevel,
}

impl Section {
    /// The table's path below `[env.NAME]`.
    pub(crate) fn overlay_path(&self) -> &'static [&'static str] {
        match self.overlay {
            Overlay::SamePath => self.path,
            Overlay::TopLevel => &[],
        }
    }

    /// The table's path in an environment's overlay where `in_overlay`, else at the top.
    pub(crate) fn path_in(&self, in_overlay: bool) -> &'static [&'static str] {
        if in_overlay {
            self.overlay_path()
        } else {
            self.path
        }
    }
}

/// Where an environment overlays the value at `key` (its project-wide path, such as
/// `lambda.memory_mb`, `tags.Team` or a table's own path), below `[env.NAME]`; `None` for a
/// value no environment can change (`project.name`, `[module]`, `[publish]`).
pub(crate) fn overlay_path<'k>(key: &[&'k str]) -> Option<Vec<&'k str>> {
    let section = sections()
        .filter(|section| {
            key.starts_with(section.path)
                && key.get(section.path.len()).is_none_or(|first| {
                    section.settings.iter().any(|setting| setting.key == *first)
                })
        })
        .max_by_key(|section| section.path.len())?;
    Some(
        section
            .overlay_path()
            .iter()
            .copied()
            .chain(key[section.path.len()..].iter().copied())
            .collect(),
    )
}

/// One module output: name, description, value.
pub(crate) type Output = (&'static str, &'static str, Expr);

/// One statement of the function's policy.
pub(crate) struct Grant {
    pub sid: &'static str,
    pub actions: &'static [&'static str],
    /// The resource it is scoped to.
    pub resource: fn() -> Expr,
    /// The feature that needs it; `None` for what every function needs. The module serves
    /// every environment, so a grant for a feature that can be off is made in HCL, per
    /// instance.
    pub when: Option<When>,
}

/// The feature a grant is for.
pub(crate) struct When {
    /// Whether it is on, as a condition on the module's variables.
    pub condition: fn() -> Expr,
    /// Whether it is on for one environment's values: what the module's tests expect.
    pub holds: fn(&Values) -> bool,
    /// The values of `stack` with the feature the other way round, which the tests plan
    /// the module with too.
    pub toggled: fn(&Stack) -> Values,
}

impl Family {
    /// Whether an environment with `values` uses the family. A family whose table is all
    /// optional settings (no default) is off where none of them is set: a root leaves its
    /// inputs and outputs out ([`unused`]), and the module's `null` defaults create nothing.
    pub(crate) fn is_used(&self, values: &Values) -> bool {
        self.section.as_ref().is_none_or(|section| {
            section
                .settings
                .iter()
                .any(|setting| values.get(setting).is_some())
        })
    }
}

/// The module inputs and outputs of the families an environment with `values` does not use
/// ([`Family::is_used`]), by name: what its root leaves to the module's defaults.
pub(crate) fn unused(values: &Values) -> BTreeSet<&'static str> {
    let mut names = BTreeSet::new();
    for family in FAMILIES.iter().filter(|family| !family.is_used(values)) {
        names.extend((family.inputs)().iter().map(|variable| variable.name));
        if let Some(section) = &family.section {
            names.extend(section.settings.iter().filter_map(|s| Some(s.input?.name)));
        }
        names.extend((family.outputs.0)().iter().map(|(name, _, _)| *name));
    }
    names
}

/// Every family, in the order their config tables and module inputs are listed.
pub(crate) static FAMILIES: &[&Family] = &[
    &lambda::FAMILY,
    &apigateway::FAMILY,
    &logs::FAMILY,
    &s3::FAMILY,
    &iam::FAMILY,
    &alarms::FAMILY,
    &domain::FAMILY,
];

/// A config table that is no family's, with no resources in the module: the project's
/// region and tags, who the provider acts as, how state is encrypted and where it is kept.
/// Its settings come from the same [`Setting`]s as a family's (the schema, the overlay, each
/// value's rule); they have no module input of their own.
pub(crate) struct RootSection {
    pub section: Section,
    /// Its rules beyond each setting's own, on one resolved environment (which may compare
    /// it with the others, [`crate::check::Checker::stacks`]).
    pub check: fn(&mut crate::check::Checker<'_>, &Stack),
}

/// Every root section, listed after the families' tables; their rules run in this order,
/// after the families'.
pub(crate) static ROOT_SECTIONS: &[&RootSection] = &[
    &project::PROJECT,
    &account::ROOT,
    &encryption::ROOT,
    &project::TOP_LEVEL,
    &backend::ROOT,
];

/// AWS services the provider calls whatever the resources: STS, for the account id.
const PROVIDER_SERVICES: &[&str] = &["sts"];

/// Every AWS service the module's resources and its examples' own call, and the provider
/// itself, as the provider's `endpoints` block names them: what an emulator must answer for.
pub fn aws_services() -> BTreeSet<&'static str> {
    FAMILIES
        .iter()
        .flat_map(|family| family.aws_services.iter().copied())
        .chain(PROVIDER_SERVICES.iter().copied())
        .chain(crate::render::module::EXAMPLE_SERVICES.iter().copied())
        .collect()
}

/// The config tables of the families, in order, then the roots' own.
pub(crate) fn sections() -> impl Iterator<Item = &'static Section> {
    FAMILIES
        .iter()
        .filter_map(|family| family.section.as_ref())
        .chain(ROOT_SECTIONS.iter().map(|root| &root.section))
}

/// Every rule beyond the settings' own: the families', then the root sections'.
pub(crate) fn checks() -> impl Iterator<Item = fn(&mut crate::check::Checker<'_>, &Stack)> {
    FAMILIES
        .iter()
        .map(|family| family.check)
        .chain(ROOT_SECTIONS.iter().map(|root| root.check))
}

/// The setting at `table.key`, if there is one: `table` is a section's path, or its path
/// below `[env.NAME]` where `overlay` (`env.NAME.region` is `project.region`).
pub(crate) fn setting(table: &[String], key: &str, overlay: bool) -> Option<&'static Setting> {
    sections()
        .filter(|section| section.path_in(overlay).iter().eq(table.iter()))
        .flat_map(|section| section.settings.iter().copied())
        .find(|setting| setting.key == key)
}

/// The module's inputs from the families, in order: each family's own, then its settings'.
pub(crate) fn variables() -> Vec<Variable> {
    let mut variables = Vec::new();
    for family in FAMILIES {
        variables.extend((family.inputs)());
        if let Some(section) = &family.section {
            variables.extend(
                section
                    .settings
                    .iter()
                    .filter_map(|s| crate::render::variables::of_setting(s)),
            );
        }
    }
    variables
}

/// The module's outputs from the families, in their order.
pub(crate) fn outputs() -> Vec<Output> {
    let mut families: Vec<&Family> = FAMILIES.to_vec();
    families.sort_by_key(|family| family.outputs.1);
    families
        .iter()
        .flat_map(|family| (family.outputs.0)())
        .collect()
}

/// The families' module files, in their order: (file name, resources).
pub(crate) fn documents(environments: &[Values]) -> Vec<(&'static str, Body)> {
    let mut families: Vec<&Family> = FAMILIES.to_vec();
    families.sort_by_key(|family| family.file.1);
    families
        .iter()
        .map(|family| (family.file.0, (family.document)(environments)))
        .collect()
}

/// The statements of the function's policy, in the families' order.
pub(crate) fn grants() -> impl Iterator<Item = &'static Grant> {
    FAMILIES.iter().flat_map(|family| family.grants.iter())
}

/// The JSON Schema of one family table: its settings, and no other key.
pub(crate) fn section_schema(section: &Section) -> serde_json::Value {
    let properties: serde_json::Map<String, serde_json::Value> = section
        .settings
        .iter()
        .map(|setting| (setting.key.to_owned(), setting.schema()))
        .collect();
    serde_json::json!({
        "type": "object",
        "description": section.description,
        "additionalProperties": false,
        "properties": properties,
    })
}

/// No rules beyond the settings' own.
fn no_checks(_: &mut crate::check::Checker<'_>, _: &Stack) {}

/// No module inputs besides the family's settings'.
fn no_inputs() -> Vec<Variable> {
    Vec::new()
}

/// No mocked values: the plan needs none of the family's computed attributes.
fn no_mocks(_: &Stack) -> Vec<Mock> {
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_files_and_outputs_have_distinct_places() {
        let files: BTreeSet<u8> = FAMILIES.iter().map(|f| f.file.1).collect();
        let outputs: BTreeSet<u8> = FAMILIES.iter().map(|f| f.outputs.1).collect();
        assert_eq!(files.len(), FAMILIES.len());
        assert_eq!(outputs.len(), FAMILIES.len());
    }

    /// Each setting is in the schema at the top level and in every overlay, with its rule,
    /// and its module input (where it has one) in `variables.tf` with the same rule.
    #[test]
    fn every_setting_is_in_the_schema_and_its_input_in_the_module() {
        let schema = crate::config::structure::schema();
        let variables = crate::render::variables::variables();
        for section in sections() {
            for setting in section.settings {
                let places = [
                    ("", section.path),
                    (crate::config::structure::OVERLAY, section.overlay_path()),
                ];
                for (root, path) in places {
                    let pointer = crate::config::structure::table_pointer(schema, root, path)
                        .unwrap_or_else(|| panic!("no table {path:?} in {root:?}"));
                    assert_eq!(
                        schema.pointer(&pointer).unwrap()["properties"][setting.key],
                        setting.schema(),
                        "{}.{}",
                        section.path.join("."),
                        setting.key
                    );
                }
                let Some(input) = setting.input else {
                    continue;
                };
                let variable = variables
                    .iter()
                    .find(|v| v.name == input.name)
                    .unwrap_or_else(|| panic!("no module input {}", input.name));
                let ruled = !matches!(
                    setting.rule,
                    setting::Rule::Any
                        | setting::Rule::Range {
                            min: 0,
                            max: None,
                            ..
                        }
                );
                assert_eq!(variable.validations.is_empty(), !ruled, "{}", input.name);
            }
        }
    }

    /// Where a resource type names its service otherwise than the provider's `endpoints`.
    const ALIASES: &[(&str, &str)] = &[
        ("aws_api_gateway_", "apigateway"),
        ("aws_cloudwatch_log_", "logs"),
        ("aws_cloudwatch_metric_alarm", "cloudwatch"),
    ];

    /// The provider endpoint a type's requests go to, by its name.
    fn service_of(kind: &str) -> String {
        ALIASES
            .iter()
            .find(|(prefix, _)| kind.starts_with(prefix))
            .map(|(_, service)| (*service).to_owned())
            .unwrap_or_else(|| kind.split('_').nth(1).unwrap_or_default().to_owned())
    }

    /// Every type the module and its examples declare calls a service of [`aws_services`]
    /// (the examples' alarm topic too), so an emulator pointed at them answers for all.
    #[test]
    fn every_declared_type_calls_a_listed_service() {
        // Data sources the provider answers from its own configuration.
        const CALL_NOTHING: &[&str] = &["data aws_partition"];
        let services = aws_services();
        let types = crate::render::module::provider_types();
        for kind in types.iter().filter(|t| !CALL_NOTHING.contains(&t.as_str())) {
            let name = kind.split_once(' ').map_or(kind.as_str(), |(_, name)| name);
            let service = service_of(name);
            assert!(
                services.contains(service.as_str()),
                "{kind} calls {service}, not among {services:?}"
            );
        }
        assert!(types.len() > 20, "{types:?}");
    }

    /// Each family lists the AWS service of every resource it declares, so that an emulator
    /// pointed at [`aws_services`] answers for all of them.
    #[test]
    fn each_family_declares_the_services_its_resources_call() {
        let mut checked = 0;
        for family in FAMILIES {
            for item in (family.document)(&[]).items {
                let crate::hcl::Item::Block(block) = item else {
                    continue;
                };
                let Some(kind) = block.labels.first().map(ToString::to_string) else {
                    continue;
                };
                let service = service_of(&kind);
                assert!(
                    family.aws_services.contains(&service.as_str()),
                    "{} declares {kind}, which calls {service}, not among {:?}",
                    family.file.0,
                    family.aws_services
                );
                checked += 1;
            }
        }
        assert!(checked > 20, "only {checked} resources checked");
        assert!(aws_services().contains("sts"));
    }

    /// A pattern that does not compile would refuse every value.
    #[test]
    fn every_settings_pattern_compiles_and_takes_its_example() {
        for section in sections() {
            for setting in section.settings {
                if let setting::Rule::Pattern { regex, example, .. } = setting.rule {
                    let regex = regex::Regex::new(regex).unwrap();
                    assert!(regex.is_match(example), "{}", setting.key);
                    assert_eq!(setting.check(&serde_json::json!(example)), None);
                }
            }
        }
    }

    /// A family whose table has no default anywhere is off until one of its keys is set.
    #[test]
    fn a_family_of_optional_settings_is_used_only_where_one_is_set() {
        static OPTIONAL: Setting = Setting {
            key: "name",
            kind: setting::Kind::String,
            default: setting::Default::None,
            rule: setting::Rule::Any,
            doc: "A name.",
            input: None,
        };
        static DEFAULTED: Setting = Setting {
            key: "size",
            kind: setting::Kind::Integer,
            default: setting::Default::Integer(1),
            rule: setting::Rule::Any,
            doc: "A size.",
            input: None,
        };
        let family = |settings: &'static [&'static Setting]| Family {
            section: Some(Section {
                path: &["optional"],
                overlay: Overlay::SamePath,
                description: "Optional.",
                settings,
            }),
            file: ("optional.tf", 99),
            document: |_| Body::new(),
            inputs: no_inputs,
            outputs: (Vec::new, 99),
            grants: &[],
            aws_services: &[],
            check: no_checks,
            tests: Tests {
                summary: "",
                runs: |_| Vec::new(),
                mocks: no_mocks,
            },
        };
        static ONE: [&Setting; 1] = [&OPTIONAL];
        static BOTH: [&Setting; 2] = [&OPTIONAL, &DEFAULTED];
        let optional = family(&ONE);
        let mut values = Values::default();
        assert!(!optional.is_used(&values));
        values.set(&DEFAULTED, serde_json::json!(1));
        assert!(!optional.is_used(&values));
        assert!(family(&BOTH).is_used(&values));
        values.set(&OPTIONAL, serde_json::json!("x"));
        assert!(optional.is_used(&values));
    }

    /// Where an environment writes a value follows its table's overlay: `env.NAME.region`
    /// for `project.region`, the same path below `[env.NAME]` for the rest; nowhere for what
    /// every environment shares.
    #[test]
    fn a_key_is_overlaid_where_its_table_says() {
        let cases: &[(&[&str], Option<&[&str]>)] = &[
            (&["project", "region"], Some(&["region"])),
            (&["project", "name"], None),
            (&["module", "version"], None),
            (&["publish", "oci"], None),
            (&["tags"], Some(&["tags"])),
            (&["tags", "Team"], Some(&["tags", "Team"])),
            (&["backend", "bucket"], Some(&["backend", "bucket"])),
            (&["backend"], Some(&["backend"])),
            (&["api", "domain", "name"], Some(&["api", "domain", "name"])),
            (
                &["lambda", "environment", "LEVEL"],
                Some(&["lambda", "environment", "LEVEL"]),
            ),
            (&[], Some(&[])),
        ];
        for (key, expected) in cases {
            assert_eq!(overlay_path(key).as_deref(), *expected, "{key:?}");
        }
    }

    #[test]
    fn every_setting_key_is_unique_in_its_table() {
        for section in sections() {
            let keys: BTreeSet<&str> = section.settings.iter().map(|s| s.key).collect();
            assert_eq!(
                keys.len(),
                section.settings.len(),
                "[{}]",
                section.path.join(".")
            );
        }
    }
}
