//! `[backend]`: an S3 backend for the state of every environment root, each key of which an
//! environment may overlay (`env.NAME.backend.bucket`). Without the table, state stays local.
//! A root concern: rendered in each environment's `backend.tf`, never in the module.

use super::setting::{Default, Kind, Rule, Setting};
use super::{Overlay, RootSection, Section};
use crate::check::{Checker, check_bucket_name, invalid};
use crate::error::{ArnOf, Problem, Rule as Named};
use crate::hcl::{Block, Body};
use crate::stack::Stack;

pub(crate) static ROOT: RootSection = RootSection {
    section: Section {
        path: &["backend"],
        overlay: Overlay::SamePath,
        description: "An S3 backend for the state of every environment root. Without it, state stays local.",
        settings: &[&BUCKET, &KEY, &REGION, &ROLE_ARN, &USE_LOCKFILE],
    },
    check,
};

pub(crate) static BUCKET: Setting = Setting {
    key: "bucket",
    kind: Kind::String,
    default: Default::None,
    rule: Rule::Any,
    doc: "S3 bucket holding the state.",
    input: None,
};

pub(crate) static KEY: Setting = Setting {
    key: "key",
    kind: Kind::String,
    default: Default::None,
    rule: Rule::Any,
    doc: "State object key; `{env}` is replaced by the environment name. Default `<project>/{env}/terraform.tfstate`.",
    input: None,
};

pub(crate) static REGION: Setting = Setting {
    key: "region",
    kind: Kind::String,
    default: Default::None,
    rule: Rule::Region,
    doc: "Region of the state bucket. Default: the environment's region, where the bucket is the environment's own; a bucket that several environments share must say its region.",
    input: None,
};

pub(crate) static ROLE_ARN: Setting = Setting {
    key: "role_arn",
    kind: Kind::String,
    default: Default::None,
    rule: Rule::Any,
    doc: "ARN of an IAM role the backend assumes to reach the state bucket, where the bucket is in another account than the resources (the `[account]` role is the provider's, not the backend's). Unset uses the caller's own credentials.",
    input: None,
};

pub(crate) static USE_LOCKFILE: Setting = Setting {
    key: "use_lockfile",
    kind: Kind::Boolean,
    default: Default::Boolean(true),
    rule: Rule::Any,
    doc: "Lock with an S3 lock file (OpenTofu 1.10+, Terraform 1.10+).",
    input: None,
};

/// One environment's backend, every value decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Backend {
    pub bucket: String,
    pub key: String,
    pub region: String,
    /// Whether some layer writes `region`; else it is the environment's.
    pub region_written: bool,
    pub role_arn: Option<String>,
    pub use_lockfile: bool,
}

impl Backend {
    /// The backend of `stack`, if the project or its environment writes `[backend]`.
    pub fn of(stack: &Stack) -> Option<Self> {
        let values = &stack.values;
        if !values.writes(&ROOT.section) {
            return None;
        }
        let key = values.opt_string(&KEY).unwrap_or_else(|| {
            format!("{}/{{env}}/terraform.tfstate", stack.project.to_lowercase())
        });
        let region = values.opt_string(&REGION);
        Some(Self {
            bucket: values.string(&BUCKET),
            key: key.replace("{env}", &stack.environment),
            region_written: region.is_some(),
            region: region.unwrap_or_else(|| stack.region().to_owned()),
            role_arn: values.opt_string(&ROLE_ARN),
            use_lockfile: values.bool(&USE_LOCKFILE),
        })
    }
}

/// `backend.tf`: the `backend "s3"` block, where the environment has a backend.
pub(crate) fn document(stack: &Stack) -> Option<Body> {
    let backend = Backend::of(stack)?;
    let mut settings = Body::new()
        .attr("bucket", backend.bucket)
        .attr("key", backend.key)
        .attr("region", backend.region)
        .attr("encrypt", true)
        .attr("use_lockfile", backend.use_lockfile);
    if let Some(role) = backend.role_arn {
        settings.push_block(Block::new(
            "assume_role",
            &[],
            Body::new().attr("role_arn", role),
        ));
    }
    Some(Body::new().block(Block::new(
        "terraform",
        &[],
        Body::new().block(Block::new("backend", &["s3"], settings)),
    )))
}

/// The bucket is named as S3 names buckets, the key is relative, the role is an IAM role
/// ARN; a bucket another environment shares says its region.
fn check(checker: &mut Checker<'_>, stack: &Stack) {
    let Some(backend) = Backend::of(stack) else {
        return;
    };
    if backend.bucket.is_empty() {
        let problem = Problem::Missing {
            table: "backend".to_owned(),
            name: BUCKET.key.to_owned(),
            is_table: false,
        };
        checker.report(stack, &["backend", BUCKET.key], problem);
    } else if let Err(problem) = check_bucket_name(&backend.bucket) {
        let problem = invalid(Named::BackendBucket, &backend.bucket, Some(problem));
        checker.report(stack, &["backend", BUCKET.key], problem);
    }
    if backend.key.is_empty() || backend.key.starts_with('/') {
        let problem = invalid(Named::BackendKey, &backend.key, None);
        checker.report(stack, &["backend", KEY.key], problem);
    }
    if let Some(role) = &backend.role_arn {
        checker.arn(stack, &["backend", ROLE_ARN.key], role, ArnOf::IamRole);
    }
    check_shared(checker, stack, &backend);
}

/// A state bucket that several environments share is in one region, which the config must
/// say: taking each environment's own would send each to look for it elsewhere.
fn check_shared(checker: &mut Checker<'_>, stack: &Stack, backend: &Backend) {
    if backend.region_written || backend.bucket.is_empty() {
        return;
    }
    let shared = checker.stacks().iter().any(|other| {
        other.environment != stack.environment
            && Backend::of(other).is_some_and(|theirs| theirs.bucket == backend.bucket)
    });
    if shared {
        let problem = Problem::BackendRegionUnsaid {
            bucket: backend.bucket.clone(),
            environment: stack.environment.clone(),
            region: stack.region().to_owned(),
        };
        checker.report(stack, &["backend", BUCKET.key], problem);
    }
}
