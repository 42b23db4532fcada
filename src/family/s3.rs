//! The log bucket: private, encrypted, versioned, TLS-only, with expiring objects.

use super::setting::{Default, Input, Kind, Rule, Setting};
use super::{Family, Grant, Output, Section, no_inputs};
use crate::aws;
use crate::check::Checker;
use crate::error::{ArnOf, Problem};
use crate::hcl::reference::{Resource, local, var};
use crate::hcl::{BinaryOp, Block, Body, Expr};
use crate::render::{checkov_skips, extend, policy_document, tagged};
use crate::stack::Stack;

pub(crate) static FAMILY: Family = Family {
    section: Some(Section {
        path: &["bucket"],
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
            when: Some(|| kms().and(Expr::binary(var(KMS_KEY_INPUT), BinaryOp::Ne, Expr::Null))),
        },
    ],
    aws_services: &["s3"],
    check,
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
            Resource::new("aws_s3_bucket_server_side_encryption_configuration", "logs").declare(
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
            Resource::new("aws_s3_bucket_lifecycle_configuration", "logs").declare(
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
            Resource::new("aws_s3_bucket_policy", "logs").declare(
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
        if stack.values.string(&ENCRYPTION) != aws::SSE_KMS {
            checker.report(stack, &["bucket", "kms_key_arn"], Problem::KmsKeyIgnored);
        } else {
            checker.arn(stack, &["bucket", "kms_key_arn"], arn, ArnOf::KmsKey);
        }
    }
}
