//! AWS's own facts, written once: what each service accepts (runtimes, retention periods,
//! limits), the names of its options, and its regions ([`regions`]). Config checks, the
//! settings table and the renderers all read them from here.

pub(crate) mod regions;

/// Python runtimes AWS still accepts for new functions and the aws provider 5.100+ knows.
pub(crate) const SUPPORTED_RUNTIMES: &[&str] = &["python3.11", "python3.12", "python3.13"];

/// Lambda's instruction set architectures.
pub(crate) const LAMBDA_ARCHITECTURES: &[&str] = &["x86_64", "arm64"];

/// The retention periods CloudWatch Logs accepts, in days.
pub(crate) const RETENTION_DAYS: &[u32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// Lambda's memory range, in MB.
pub(crate) const LAMBDA_MEMORY_MB: (u32, u32) = (128, 10_240);
/// Lambda's timeout range, in seconds.
pub(crate) const LAMBDA_TIMEOUT_S: (u32, u32) = (1, 900);

/// The most bytes Lambda allows for a function's environment variables, measured as the JSON
/// object of names and values (Lambda's own error quotes the "string measured").
pub(crate) const MAX_ENVIRONMENT_BYTES: usize = 4096;

/// API Gateway's default account-level throttling quotas: a stage can't go above them.
pub(crate) const API_RATE_LIMIT: u32 = 10_000;
pub(crate) const API_BURST_LIMIT: u32 = 5_000;

/// How methods are authorized: SigV4-signed callers, or anyone.
pub(crate) const AUTHORIZATION_AWS_IAM: &str = "AWS_IAM";
pub(crate) const AUTHORIZATION_NONE: &str = "NONE";

/// S3 server-side encryption algorithms.
pub(crate) const SSE_AES256: &str = "AES256";
pub(crate) const SSE_KMS: &str = "aws:kms";

/// The longest a CloudWatch alarm may look back: its period times its evaluation periods.
pub(crate) const MAX_ALARM_WINDOW_S: u64 = 86_400;

/// The most tags AWS allows on one resource (tags with the reserved `aws:` prefix aside).
pub(crate) const MAX_TAGS: usize = 50;

/// The longest IAM role name.
pub(crate) const IAM_NAME_LIMIT: usize = 64;

/// The IAM policy language version every policy document names.
pub(crate) const POLICY_VERSION: &str = "2012-10-17";
