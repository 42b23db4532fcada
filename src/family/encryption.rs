//! `[encryption]`: OpenTofu's client-side encryption of state and plan files, with a KMS key.
//! A root concern: the `terraform { encryption { ... } }` block goes into each environment's
//! `versions.tf`, and the module is untouched, so it stays usable with Terraform. Terraform
//! rejects the block, so a root with it declares that it needs OpenTofu, and
//! `tapgen validate` refuses Terraform for it ([`crate::check::refuse_terraform`]).

use super::setting::{Default, Kind, Rule, Setting, Values};
use super::{Overlay, RootSection, Section};
use crate::check::{ArnField, Checker, arn_field};
use crate::error::{ArnOf, Problem};
use crate::hcl::{Block, Body, Expr, Ident, Traversal};
use crate::stack::Stack;
use serde_json::Value as Json;

pub(crate) static ROOT: RootSection = RootSection {
    section: Section {
        path: &["encryption"],
        overlay: Overlay::SamePath,
        description: "OpenTofu only: encrypt each environment's state and plan files with a KMS key (AES-GCM, OpenTofu 1.7+). Terraform rejects such a root; the module stays Terraform-compatible.",
        settings: &[&KMS_KEY_ID, &REGION, &ENFORCED],
    },
    check,
};

pub(crate) static KMS_KEY_ID: Setting = Setting {
    key: "kms_key_id",
    kind: Kind::String,
    default: Default::None,
    rule: Rule::Any,
    doc: "ARN of the symmetric KMS key (or of an alias of it) whose data keys encrypt state and plans, such as `arn:aws:kms:us-east-1:123456789012:alias/tofu-state`. Setting it turns encryption on.",
    input: None,
};

pub(crate) static REGION: Setting = Setting {
    key: "region",
    kind: Kind::String,
    default: Default::Derived {
        prose: "the region in `kms_key_id`",
        value: |values| {
            values
                .opt_string(&KMS_KEY_ID)
                .and_then(|arn| region_of(&arn).map(str::to_owned))
                .map_or(Json::Null, Json::String)
        },
    },
    rule: Rule::Region,
    doc: "Region of the KMS endpoint the key is used through.",
    input: None,
};

pub(crate) static ENFORCED: Setting = Setting {
    key: "enforced",
    kind: Kind::Boolean,
    default: Default::Boolean(true),
    rule: Rule::Any,
    doc: "Refuse to read or write state and plans unencrypted. `false` also reads a plain state or plan (a `fallback` to the `unencrypted` method), for the run that encrypts an existing state.",
    input: None,
};

/// The region in a regional ARN (`arn:PARTITION:SERVICE:REGION:...`).
fn region_of(arn: &str) -> Option<&str> {
    arn_field(arn, ArnField::Region).filter(|region| !region.is_empty())
}

/// The name of the key provider and of the method: one key, one method, for state and plans.
const NAME: &str = "state";

/// `ROOT.KIND.NAME`: a reference to a block inside `encryption`.
fn reference(root: &'static str, kind: &'static str, name: &'static str) -> Expr {
    Traversal::new(Ident::known(root))
        .attr(kind)
        .attr(name)
        .into()
}

/// The `encryption` block of `terraform`, when the environment sets a key.
pub(crate) fn block(values: &Values) -> Option<Block> {
    let key = values.opt_string(&KMS_KEY_ID)?;
    let enforced = values.bool(&ENFORCED);
    let method = reference("method", "aes_gcm", NAME);
    let target = |name: &'static str| {
        let mut body = Body::new()
            .attr("method", method.clone())
            .attr("enforced", enforced);
        if !enforced {
            body.push_blank();
            body.push_block(Block::new(
                "fallback",
                &[],
                Body::new().attr("method", reference("method", "unencrypted", MIGRATE)),
            ));
        }
        Block::new(name, &[], body)
    };
    let mut methods = Body::new().block(Block::new(
        "method",
        &["aes_gcm", NAME],
        Body::new().attr("keys", reference("key_provider", "aws_kms", NAME)),
    ));
    if !enforced {
        // What reads a state or plan written before encryption was turned on.
        methods.push_block(Block::new("method", &["unencrypted", MIGRATE], Body::new()));
    }
    let body = Body::new()
        .comment("KMS generates a data key per write; only its encrypted copy is stored beside")
        .comment("the ciphertext. To rotate keys, see `fallback` in tapgen's README.")
        .block(Block::new(
            "key_provider",
            &["aws_kms", NAME],
            Body::new()
                .attr("kms_key_id", key)
                .opt_attr("region", values.opt_string(&REGION))
                .attr("key_spec", "AES_256"),
        ));
    let body = crate::render::extend(body, methods)
        .block(target("state"))
        .block(target("plan"));
    Some(Block::new("encryption", &[], body))
}

/// The name of the `unencrypted` method that reads a plain state while migrating.
const MIGRATE: &str = "migrate";

/// Whether the environment encrypts its state: what makes its root OpenTofu-only.
pub(crate) fn is_on(values: &Values) -> bool {
    values.opt_string(&KMS_KEY_ID).is_some()
}

/// The key is a KMS key or alias ARN of the environment's partition; the region (the key's
/// own unless set) is the key's.
fn check(checker: &mut Checker<'_>, stack: &Stack) {
    let values = &stack.values;
    let region = values.opt_string(&REGION);
    let Some(key) = values.opt_string(&KMS_KEY_ID) else {
        if region.is_some() {
            let problem = Problem::requires_key("encryption", REGION.key, KMS_KEY_ID.key);
            checker.report(stack, &["encryption", REGION.key], problem);
        }
        return;
    };
    // A key that is no ARN has no region to compare with.
    if !checker.arn(
        stack,
        &["encryption", KMS_KEY_ID.key],
        &key,
        ArnOf::KmsKeyOrAlias,
    ) {
        return;
    }
    let Some(region) = region else { return };
    if let Some(key_region) = region_of(&key)
        && key_region != region
    {
        let problem = Problem::KeyRegionMismatch {
            region,
            key_region: key_region.to_owned(),
        };
        checker.report(stack, &["encryption", REGION.key], problem);
    }
}
