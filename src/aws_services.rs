//! Which AWS service each rendered resource or data-source type calls, named as the aws
//! provider's `endpoints` argument names it. The emulator tests point exactly these
//! endpoints at a local AWS emulator and fail on a rendered type this list does not know,
//! so that a new resource can never reach past the emulator unnoticed.
//!
//! Kept by hand for now: once the resource families declare the AWS services they call,
//! the family list derives this one.

/// What the provider calls to manage (or read) one type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Calls {
    /// The AWS service behind this `endpoints` argument of the aws provider.
    Endpoint(&'static str),
    /// Nothing: the provider answers from its own configuration (`aws_partition`).
    Nothing,
}

/// Type prefixes, each a whole number of `_`-separated words (`aws_s3` covers
/// `aws_s3_bucket`, not `aws_s3control_bucket`, which is another service). The longest
/// matching prefix wins, so `aws_cloudwatch_log` (CloudWatch Logs) beats a shorter one.
const TYPES: &[(&str, Calls)] = &[
    ("aws_api_gateway", Calls::Endpoint("apigateway")),
    ("aws_caller_identity", Calls::Endpoint("sts")),
    ("aws_cloudwatch_log", Calls::Endpoint("logs")),
    ("aws_cloudwatch_metric_alarm", Calls::Endpoint("cloudwatch")),
    ("aws_iam", Calls::Endpoint("iam")),
    ("aws_iam_policy_document", Calls::Nothing),
    ("aws_lambda", Calls::Endpoint("lambda")),
    ("aws_partition", Calls::Nothing),
    ("aws_region", Calls::Nothing),
    ("aws_s3", Calls::Endpoint("s3")),
    ("aws_sns", Calls::Endpoint("sns")),
];

/// Endpoints the provider calls for itself whatever the root holds: STS, whose
/// `GetCallerIdentity` gives the account id that goes into ARNs.
pub const PROVIDER_ENDPOINTS: &[&str] = &["sts"];

/// What the provider calls for `type_name` (`aws_lambda_function`); `None` for a type this
/// list does not know yet.
pub fn calls(type_name: &str) -> Option<Calls> {
    TYPES
        .iter()
        .filter(|(prefix, _)| {
            type_name
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('_'))
        })
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(_, calls)| *calls)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_covers_whole_words_only() {
        assert_eq!(calls("aws_s3_bucket"), Some(Calls::Endpoint("s3")));
        assert_eq!(calls("aws_s3"), Some(Calls::Endpoint("s3")));
        assert_eq!(calls("aws_s3control_bucket"), None);
        assert_eq!(calls("aws_lambdas"), None);
    }

    #[test]
    fn the_longest_prefix_wins() {
        assert_eq!(
            calls("aws_cloudwatch_log_group"),
            Some(Calls::Endpoint("logs"))
        );
        assert_eq!(
            calls("aws_cloudwatch_metric_alarm"),
            Some(Calls::Endpoint("cloudwatch"))
        );
        assert_eq!(calls("aws_iam_policy_document"), Some(Calls::Nothing));
        assert_eq!(calls("aws_iam_role"), Some(Calls::Endpoint("iam")));
    }

    #[test]
    fn a_service_not_listed_is_unknown() {
        assert_eq!(calls("aws_cloudwatch_event_rule"), None);
        assert_eq!(calls("aws_kms_key"), None);
    }
}
