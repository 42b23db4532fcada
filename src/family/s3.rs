//! The log bucket: private, encrypted, versioned, TLS-only, with expiring objects.

use super::setting::{Default, Input, Kind, Rule, Setting, Values};
use super::{Family, Grant, Output, Overlay, Section, Tests, When, no_inputs};
use crate::aws;
use crate::check::Checker;
use crate::error::{ArnOf, Problem, RequiredValue};
use crate::hcl::reference::{Resource, local, var};
use crate::hcl::{BinaryOp, Block, Body, Expr};
use crate::render::tftest::{Mock, Run, arn, as_list, eq, follows, showing, statements};
use crate::render::{checkov_skips, extend, policy_document, tagged};
use crate::stack::Stack;

pub(crate) static FAMILY: Family = Family {
    section: Some(Section {
        path: &["bucket"],
        overlay: Overlay::SamePath,
        description: "The S3 bucket that receives a record of every request.",
        settings: &[
            &EXPIRATION_DAYS,
            &NONCURRENT_EXPIRATION_DAYS,
            &ABORT_INCOMPLETE_UPLOAD_DAYS,
            &FORCE_DESTROY,
            &ENCRYPTION,
            &KMS_KEY_ARN,
        ],
    }),
    file: ("s3.tf", 0),
    document: |_| document(),
    inputs: no_inputs,
    outputs: (outputs, 3),
    grants: &[
        Grant {
            sid: "WriteRequestRecords",
            actions: &["s3:PutObject"],
            resource: || Expr::template("{}/*", vec![BUCKET.attr("arn")]),
            when: None,
        },
        Grant {
            sid: "EncryptRequestRecords",
            actions: &["kms:GenerateDataKey"],
            resource: || var(KMS_KEY_INPUT),
            // With `aws:kms` and no key of the user's, S3 uses the AWS managed `aws/s3` key,
            // whose key policy already lets S3 use it for the account's principals.
            when: Some(When {
                condition: || kms().and(Expr::binary(var(KMS_KEY_INPUT), BinaryOp::Ne, Expr::Null)),
                holds: encrypts_with_own_key,
                toggled: other_encryption,
            }),
        },
    ],
    aws_services: &["s3"],
    check,
    tests: Tests {
        summary: "the log bucket's name is lowercase and made of project and environment, public access is blocked on all four settings, its policy denies insecure transport, and its settings follow the inputs",
        runs: tests,
        mocks: |project| {
            let name = project.bucket_name();
            vec![Mock::resource(
                &BUCKET,
                vec![("arn", format!("arn:aws:s3:::{name}")), ("id", name)],
            )]
        },
    },
};

/// At least a day, for each of the bucket's expirations.
const AT_LEAST_ONE: Rule = Rule::Range {
    min: 1,
    max: None,
    limit: None,
};

pub(crate) static EXPIRATION_DAYS: Setting = Setting {
    key: "expiration_days",
    kind: Kind::Integer,
    default: Default::Integer(90),
    rule: AT_LEAST_ONE,
    doc: "Days before request records expire.",
    input: Some(Input {
        name: "bucket_expiration_days",
        description: "Days before request records in the log bucket expire.",
        unset: None,
        example: |_| Expr::Number(30),
    }),
};

pub(crate) static NONCURRENT_EXPIRATION_DAYS: Setting = Setting {
    key: "noncurrent_expiration_days",
    kind: Kind::Integer,
    default: Default::Integer(30),
    rule: AT_LEAST_ONE,
    doc: "Days before replaced object versions expire.",
    input: Some(Input {
        name: "bucket_noncurrent_expiration_days",
        description: "Days before replaced object versions in the log bucket expire.",
        unset: None,
        example: |_| Expr::Number(7),
    }),
};

pub(crate) static ABORT_INCOMPLETE_UPLOAD_DAYS: Setting = Setting {
    key: "abort_incomplete_upload_days",
    kind: Kind::Integer,
    default: Default::Integer(7),
    rule: AT_LEAST_ONE,
    doc: "Days before incomplete multipart uploads are aborted.",
    input: Some(Input {
        name: "bucket_abort_incomplete_upload_days",
        description: "Days before incomplete multipart uploads to the log bucket are aborted.",
        unset: None,
        example: |_| Expr::Number(1),
    }),
};

pub(crate) static FORCE_DESTROY: Setting = Setting {
    key: "force_destroy",
    kind: Kind::Boolean,
    default: Default::Boolean(false),
    rule: Rule::Any,
    doc: "Let `tofu destroy` delete a bucket that still holds objects.",
    input: Some(Input {
        name: "bucket_force_destroy",
        description: "Controls whether destroying the stack deletes a log bucket that still holds objects.",
        unset: None,
        example: |_| Expr::Bool(true),
    }),
};

/// The module input naming the bucket's encryption algorithm.
const SSE_INPUT: &str = "bucket_sse_algorithm";
/// The module input holding the bucket's KMS key.
const KMS_KEY_INPUT: &str = "bucket_kms_key_arn";

pub(crate) static ENCRYPTION: Setting = Setting {
    key: "encryption",
    kind: Kind::String,
    default: Default::String(aws::SSE_AES256),
    rule: Rule::OneOf {
        values: &[aws::SSE_AES256, aws::SSE_KMS],
        refusal: None,
    },
    doc: "Server-side encryption: `AES256` (S3-managed keys) or `aws:kms`.",
    input: Some(Input {
        name: SSE_INPUT,
        description: "Server-side encryption of the log bucket: AES256 or aws:kms.",
        unset: None,
        example: |_| Expr::string(aws::SSE_KMS),
    }),
};

pub(crate) static KMS_KEY_ARN: Setting = Setting {
    key: "kms_key_arn",
    kind: Kind::String,
    default: Default::None,
    rule: Rule::Any,
    doc: "KMS key ARN for `aws:kms`; unset uses the AWS managed `aws/s3` key.",
    input: Some(Input {
        name: KMS_KEY_INPUT,
        description: "KMS key ARN for aws:kms encryption; null uses the AWS managed aws/s3 key.",
        unset: None,
        example: |_| var("kms_key_arn"),
    }),
};

/// `var.bucket_sse_algorithm == "aws:kms"`
fn kms() -> Expr {
    Expr::binary(var(SSE_INPUT), BinaryOp::Eq, aws::SSE_KMS)
}

fn outputs() -> Vec<Output> {
    vec![
        (
            "bucket_name",
            "Name of the log bucket that receives request records.",
            BUCKET.attr("id"),
        ),
        ("bucket_arn", "ARN of the log bucket.", BUCKET.attr("arn")),
    ]
}

/// The log bucket that receives the function's request records.
pub(crate) const BUCKET: Resource = Resource::new("aws_s3_bucket", "logs");
const PUBLIC_ACCESS_BLOCK: Resource = Resource::new("aws_s3_bucket_public_access_block", "logs");
const ENCRYPTION_CONFIGURATION: Resource =
    Resource::new("aws_s3_bucket_server_side_encryption_configuration", "logs");
const BUCKET_POLICY: Resource = Resource::new("aws_s3_bucket_policy", "logs");
const LIFECYCLE: Resource = Resource::new("aws_s3_bucket_lifecycle_configuration", "logs");

fn document() -> Body {
    let bucket_id = || BUCKET.attr("id");
    let skips = [
        (
            "CKV_AWS_18",
            "Sink for request records written only by this stack's function role; server access logs for it would need a second bucket this module does not create",
        ),
        (
            "CKV_AWS_144",
            "Request records are operational logs that expire; cross-region replication is not required",
        ),
        (
            "CKV_AWS_145",
            "SSE-S3 (AES256) is the module default (var.bucket_sse_algorithm); set aws:kms with a customer key where policy demands one",
        ),
        (
            "CKV2_AWS_62",
            "No consumer for object-created events on a log sink",
        ),
    ];
    let bucket = extend(
        checkov_skips(&skips),
        tagged(
            Body::new()
                .attr("bucket", local("bucket_name"))
                .attr("force_destroy", var("bucket_force_destroy")),
        ),
    );
    Body::new()
        .block(BUCKET.declare(bucket))
        .block(
            PUBLIC_ACCESS_BLOCK.declare(
                Body::new()
                    .attr("bucket", bucket_id())
                    .attr("block_public_acls", true)
                    .attr("block_public_policy", true)
                    .attr("ignore_public_acls", true)
                    .attr("restrict_public_buckets", true),
            ),
        )
        .comment(
            "ACLs are disabled: the bucket owner owns every object, and access is by policy only.",
        )
        .block(
            Resource::new("aws_s3_bucket_ownership_controls", "logs").declare(
                Body::new().attr("bucket", bucket_id()).block(Block::new(
                    "rule",
                    &[],
                    Body::new().attr("object_ownership", "BucketOwnerEnforced"),
                )),
            ),
        )
        .block(
            ENCRYPTION_CONFIGURATION.declare(
                Body::new().attr("bucket", bucket_id()).block(Block::new(
                    "rule",
                    &[],
                    Body::new()
                        .attr("bucket_key_enabled", kms())
                        .block(Block::new(
                            "apply_server_side_encryption_by_default",
                            &[],
                            Body::new().attr("sse_algorithm", var(SSE_INPUT)).attr(
                                "kms_master_key_id",
                                Expr::cond(kms(), var(KMS_KEY_INPUT), Expr::Null),
                            ),
                        )),
                )),
            ),
        )
        .block(Resource::new("aws_s3_bucket_versioning", "logs").declare(
            Body::new().attr("bucket", bucket_id()).block(Block::new(
                "versioning_configuration",
                &[],
                Body::new().attr("status", "Enabled"),
            )),
        ))
        .block(
            LIFECYCLE.declare(
                Body::new().attr("bucket", bucket_id()).block(Block::new(
                    "rule",
                    &[],
                    Body::new()
                        .attr("id", "expire-request-records")
                        .attr("status", "Enabled")
                        .block(Block::new("filter", &[], Body::new()))
                        .block(Block::new(
                            "expiration",
                            &[],
                            Body::new().attr("days", var("bucket_expiration_days")),
                        ))
                        .block(Block::new(
                            "noncurrent_version_expiration",
                            &[],
                            Body::new()
                                .attr("noncurrent_days", var("bucket_noncurrent_expiration_days")),
                        ))
                        .block(Block::new(
                            "abort_incomplete_multipart_upload",
                            &[],
                            Body::new().attr(
                                "days_after_initiation",
                                var("bucket_abort_incomplete_upload_days"),
                            ),
                        )),
                )),
            ),
        )
        .block(
            BUCKET_POLICY.declare(
                Body::new()
                    .attr("bucket", bucket_id())
                    .attr(
                        "policy",
                        policy_document(Expr::Tuple(vec![Expr::object([
                            ("Sid", Expr::string("DenyInsecureTransport")),
                            ("Effect", Expr::string("Deny")),
                            ("Principal", Expr::string("*")),
                            ("Action", Expr::string("s3:*")),
                            (
                                "Resource",
                                Expr::Tuple(vec![
                                    BUCKET.attr("arn"),
                                    Expr::template("{}/*", vec![BUCKET.attr("arn")]),
                                ]),
                            ),
                            (
                                "Condition",
                                Expr::object([(
                                    "Bool",
                                    Expr::object([("aws:SecureTransport", Expr::string("false"))]),
                                )]),
                            ),
                        ])])),
                    )
                    .blank()
                    .attr(
                        "depends_on",
                        Expr::Tuple(vec![PUBLIC_ACCESS_BLOCK.address()]),
                    ),
            ),
        )
}

/// The bucket's key is a KMS key ARN of the environment's partition, and only set with
/// `aws:kms`, which alone uses it.
fn check(checker: &mut Checker<'_>, stack: &Stack) {
    if let Some(arn) = &stack.values.opt_string(&KMS_KEY_ARN) {
        let encryption = stack.values.string(&ENCRYPTION);
        if encryption != aws::SSE_KMS {
            let problem = Problem::RequiresKey {
                key: format!("bucket.{}", KMS_KEY_ARN.key),
                requires: format!("bucket.{}", ENCRYPTION.key),
                value: Some(RequiredValue {
                    wanted: format!("\"{}\"", aws::SSE_KMS),
                    found: encryption,
                }),
            };
            checker.report(stack, &["bucket", KMS_KEY_ARN.key], problem);
        } else {
            checker.arn(stack, &["bucket", "kms_key_arn"], arn, ArnOf::KmsKey);
        }
    }
}

/// Whether the function's policy lets it use the bucket's key: `aws:kms` with a key of the
/// user's.
fn encrypts_with_own_key(values: &Values) -> bool {
    values.string(&ENCRYPTION) == aws::SSE_KMS && values.opt_string(&KMS_KEY_ARN).is_some()
}

/// `stack`'s values with the key grant's feature the other way round: AES256, or `aws:kms`
/// with a key.
fn other_encryption(stack: &Stack) -> Values {
    let values = stack.values.clone();
    if encrypts_with_own_key(&stack.values) {
        values
            .with(&ENCRYPTION, Some(aws::SSE_AES256.into()))
            .with(&KMS_KEY_ARN, None)
    } else {
        let key = arn(stack, "kms", "key/00000000-0000-0000-0000-000000000000");
        values
            .with(&ENCRYPTION, Some(aws::SSE_KMS.into()))
            .with(&KMS_KEY_ARN, Some(key.into()))
    }
}

/// The project's name with at least one capital, so the run proves the module lowercases it.
fn mixed_case(project: &str) -> String {
    if project.chars().any(|c| c.is_ascii_uppercase()) {
        return project.to_owned();
    }
    let mut chars = project.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

fn tests(project: &Stack) -> Vec<Run> {
    let name = mixed_case(&project.project);
    let expected = crate::stack::bucket_name(&name, &project.environment);
    let bucket = || BUCKET.attr("bucket");
    let naming = Run::asserts(
        "bucket_name_is_lowercase_and_made_of_project_and_environment",
        vec![
            (
                eq(bucket(), expected.as_str()),
                showing(
                    &format!(
                        "The log bucket must be named {expected}, from project {name} and environment {}.",
                        project.environment
                    ),
                    bucket(),
                ),
            ),
            (
                eq(bucket(), Expr::call("lower", vec![bucket()])),
                showing("S3 bucket names must be lowercase.", bucket()),
            ),
        ],
    )
    .with(vec![("project", Expr::string(&name))]);
    // Written here rather than shared with the document: this list is what the test
    // promises, and a setting dropped from the document must fail it.
    let public_access = Run::asserts(
        "public_access_is_blocked",
        [
            "block_public_acls",
            "block_public_policy",
            "ignore_public_acls",
            "restrict_public_buckets",
        ]
        .into_iter()
        .map(|setting| {
            (
                eq(PUBLIC_ACCESS_BLOCK.attr(setting), true),
                format!("The log bucket's public access block must set {setting}."),
            )
        })
        .collect(),
    );
    let tls_only = Run::asserts(
        "policy_denies_insecure_transport",
        vec![(
            Expr::call("anytrue", vec![denies_insecure_transport()]),
            "The log bucket's policy must deny every s3 action on the bucket and its objects when aws:SecureTransport is false.",
        )],
    );
    let algorithm = project.values.string(&ENCRYPTION);
    let algorithms = Expr::for_each("rule", ENCRYPTION_CONFIGURATION.attr("rule"), |rule| {
        rule.attr("apply_server_side_encryption_by_default")
            .index(0)
            .attr("sse_algorithm")
            .into()
    });
    let lifecycle = |block: &'static str, days: &'static str| -> Expr {
        LIFECYCLE
            .traversal()
            .attr("rule")
            .index(0)
            .attr(block)
            .index(0)
            .attr(days)
            .into()
    };
    let settings = Run::asserts(
        "bucket_follows_inputs",
        vec![
            follows(BUCKET.attr("force_destroy"), &FORCE_DESTROY, project),
            (
                Expr::call("contains", vec![algorithms, Expr::string(&algorithm)]),
                format!("The log bucket must be encrypted with {algorithm}, as {SSE_INPUT} asks.")
                    .into(),
            ),
            follows(lifecycle("expiration", "days"), &EXPIRATION_DAYS, project),
            follows(
                lifecycle("noncurrent_version_expiration", "noncurrent_days"),
                &NONCURRENT_EXPIRATION_DAYS,
                project,
            ),
            follows(
                lifecycle("abort_incomplete_multipart_upload", "days_after_initiation"),
                &ABORT_INCOMPLETE_UPLOAD_DAYS,
                project,
            ),
        ],
    );
    vec![naming, public_access, tls_only, settings]
}

/// `[for statement in <the bucket policy's statements> : <it denies every s3 action on the
/// bucket and its objects without TLS>]`
fn denies_insecure_transport() -> Expr {
    let arn = || BUCKET.attr("arn");
    Expr::for_each(
        "statement",
        statements(BUCKET_POLICY.attr("policy")),
        |statement| {
            let field = |name: &'static str| Expr::from(statement.clone().attr(name));
            let resources = || as_list(field("Resource"));
            let insecure = Expr::call(
                "lookup",
                vec![
                    statement.clone().attr("Condition").attr("Bool").into(),
                    Expr::string("aws:SecureTransport"),
                    Expr::string(""),
                ],
            );
            // `try`: a statement without a condition simply does not match.
            Expr::call(
                "try",
                vec![
                    eq(field("Effect"), "Deny")
                        .and(eq(field("Principal"), "*"))
                        .and(Expr::call(
                            "contains",
                            vec![as_list(field("Action")), Expr::string("s3:*")],
                        ))
                        .and(eq(insecure, "false"))
                        .and(Expr::call("contains", vec![resources(), arn()]))
                        .and(Expr::call(
                            "contains",
                            vec![resources(), Expr::template("{}/*", vec![arn()])],
                        )),
                    Expr::Bool(false),
                ],
            )
        },
    )
}
