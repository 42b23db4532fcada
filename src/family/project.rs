//! The project-wide values every environment may change: its AWS region (`project.region`,
//! overlaid by `env.NAME.region`) and the tags every resource carries (`tags`, whose
//! entries `env.NAME.tags` merges over). Neither has resources of its own: the region is the
//! provider's, the tags go to the module's `tags` input.

use super::setting::{Default, Kind, Rule, Setting};
use super::{Overlay, RootSection, Section, no_checks};
use crate::aws;
use crate::check::{Checker, invalid, is_tag_char, owned, plain_text_secret};
use crate::error::{Holder, Problem, Rule as Named};
use crate::layout::MANAGED_TAGS;
use crate::stack::Stack;

pub(crate) static PROJECT: RootSection = RootSection {
    section: Section {
        path: &["project"],
        overlay: Overlay::TopLevel,
        description: "The project: its name prefixes every resource name.",
        settings: &[&REGION],
    },
    check: no_checks,
};

pub(crate) static REGION: Setting = Setting {
    key: "region",
    kind: Kind::String,
    default: Default::String(crate::stack::DEFAULT_REGION),
    rule: Rule::Region,
    doc: "The AWS region of every environment that does not set its own (`env.NAME.region`).",
    input: None,
};

pub(crate) static TOP_LEVEL: RootSection = RootSection {
    section: Section {
        path: &[],
        overlay: Overlay::SamePath,
        description: "The config's top level.",
        settings: &[&TAGS],
    },
    check: check_tags,
};

pub(crate) static TAGS: Setting = Setting {
    key: "tags",
    kind: Kind::StringMap,
    default: Default::Empty,
    rule: Rule::Any,
    doc: "Tags added to every taggable resource, after Project, Environment and ManagedBy; `env.NAME.tags` adds or replaces entries for one environment.",
    input: None,
};

/// AWS's tag limits, on the tags the module adds too, and no secret in a tag.
fn check_tags(checker: &mut Checker<'_>, stack: &Stack) {
    let tags = stack.tags();
    let count = tags.len() + MANAGED_TAGS.len();
    if count > aws::MAX_TAGS {
        let problem = Problem::TooManyTags {
            environment: stack.environment.clone(),
            count,
            limit: aws::MAX_TAGS,
            managed: owned(MANAGED_TAGS),
        };
        checker.report(stack, &["tags"], problem);
    }
    // IAM, whose roles carry the same tags, takes keys that differ only in case for one.
    let mut seen_keys: std::collections::BTreeMap<String, &str> = MANAGED_TAGS
        .iter()
        .map(|key| (key.to_lowercase(), *key))
        .collect();
    for (key, value) in &tags {
        let path = ["tags", key.as_str()];
        let key_chars = key.chars().count();
        let same_in_iam = seen_keys
            .insert(key.to_lowercase(), key)
            .filter(|other| other != key);
        let key_problem = if MANAGED_TAGS
            .iter()
            .any(|managed| managed.eq_ignore_ascii_case(key))
        {
            Some(Problem::ManagedTag {
                key: key.clone(),
                managed: owned(MANAGED_TAGS),
            })
        } else if let Some(other) = same_in_iam {
            Some(Problem::TagCaseClash {
                key: key.clone(),
                other: other.to_owned(),
            })
        } else if key.to_lowercase().starts_with("aws:") {
            Some(Problem::ReservedTagPrefix { key: key.clone() })
        } else if !(1..=128).contains(&key_chars) || !key.chars().all(is_tag_char) {
            Some(invalid(Named::TagKey, key, None))
        } else {
            None
        };
        if let Some(problem) = key_problem {
            checker.report(stack, &path, problem);
        }
        if value.chars().count() > 256 || !value.chars().all(is_tag_char) {
            checker.report(stack, &path, invalid(Named::TagValue, key, None));
        }
        // Tags are plain text on every resource, in the console and in billing reports.
        if let Some(problem) = plain_text_secret(Holder::Tag(key.clone()), value) {
            checker.report(stack, &path, problem);
        }
    }
}
