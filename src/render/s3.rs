//! The log bucket: private, encrypted, versioned, TLS-only, with expiring objects.

use super::{checkov_skips, extend, policy_document, tagged};
use crate::hcl::reference::{Resource, local, var};
use crate::hcl::{BinaryOp, Block, Body, Expr};

/// The log bucket that receives the function's request records.
pub(crate) const BUCKET: Resource = Resource::new("aws_s3_bucket", "logs");
const PUBLIC_ACCESS_BLOCK: Resource = Resource::new("aws_s3_bucket_public_access_block", "logs");

pub fn document() -> Body {
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
    let kms = || {
        Expr::binary(
            var("bucket_sse_algorithm"),
            BinaryOp::Eq,
            crate::aws::SSE_KMS,
        )
    };
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
                            Body::new()
                                .attr("sse_algorithm", var("bucket_sse_algorithm"))
                                .attr(
                                    "kms_master_key_id",
                                    Expr::cond(kms(), var("bucket_kms_key_arn"), Expr::Null),
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
