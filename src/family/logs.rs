//! Log groups, created before the things that write to them so that they always have a
//! retention period (Lambda would otherwise create its own group with none).

use super::setting::{Default, Input, Kind, Rule, Setting, Values};
use super::{Family, Grant, Output, Overlay, Section, Tests, no_inputs};
use crate::aws;
use crate::check::Checker;
use crate::error::ArnOf;
use crate::hcl::reference::{Resource, local, var};
use crate::hcl::{Body, Expr};
use crate::render::tftest::{Mock, Run, arn, eq, follows};
use crate::render::{extend, tagged};
use crate::stack::Stack;

pub(crate) static FAMILY: Family = Family {
    section: Some(Section {
        path: &["logs"],
        overlay: Overlay::SamePath,
        description: "The CloudWatch log groups of the function and the API.",
        settings: &[&RETENTION_DAYS, &KMS_KEY_ARN],
    }),
    file: ("logs.tf", 1),
    document,
    inputs: no_inputs,
    outputs: (outputs, 4),
    grants: &[Grant {
        sid: "WriteOwnLogs",
        actions: &["logs:CreateLogStream", "logs:PutLogEvents"],
        resource: || Expr::template("{}:*", vec![LAMBDA_LOGS.attr("arn")]),
        when: None,
    }],
    aws_services: &["logs"],
    check,
    tests: Tests {
        summary: "both log groups keep logs as long as asked, with the key asked for, and the function logs to its group",
        runs: tests,
        // The function's policy names its group's ARN, which the provider checks.
        mocks: |project| {
            let group = format!(
                "log-group:/aws/lambda/{}-{}",
                project.project, project.environment
            );
            vec![Mock::resource(
                &LAMBDA_LOGS,
                vec![("arn", arn(project, "logs", &group))],
            )]
        },
    },
};

/// Retention CloudWatch keeps logs for unless told otherwise, and the least that checkov
/// accepts without a reason.
const DEFAULT_RETENTION_DAYS: u32 = 365;

pub(crate) static RETENTION_DAYS: Setting = Setting {
    key: "retention_days",
    kind: Kind::Integer,
    default: Default::Integer(DEFAULT_RETENTION_DAYS),
    rule: Rule::OneOfNumbers(aws::RETENTION_DAYS),
    doc: "Days CloudWatch keeps the Lambda and API access logs.",
    input: Some(Input {
        name: "log_retention_days",
        description: "Days CloudWatch keeps the function's logs and the API's access logs.",
        unset: None,
        example: |_| Expr::Number(400),
    }),
};

pub(crate) static KMS_KEY_ARN: Setting = Setting {
    key: "kms_key_arn",
    kind: Kind::String,
    default: Default::None,
    rule: Rule::Any,
    doc: "KMS key ARN that encrypts both log groups. Unset uses CloudWatch's own encryption.",
    input: Some(Input {
        name: "log_kms_key_arn",
        description: "KMS key ARN that encrypts both log groups; null uses CloudWatch's own encryption.",
        unset: None,
        example: |_| var("kms_key_arn"),
    }),
};

fn outputs() -> Vec<Output> {
    vec![
        (
            "lambda_log_group_name",
            "Name of the function's log group.",
            LAMBDA_LOGS.attr("name"),
        ),
        (
            "api_access_log_group_name",
            "Name of the API's access-log group.",
            API_ACCESS_LOGS.attr("name"),
        ),
    ]
}

/// The function's log group.
pub(crate) const LAMBDA_LOGS: Resource = Resource::new("aws_cloudwatch_log_group", "lambda");
/// The API stage's access-log group.
pub(crate) const API_ACCESS_LOGS: Resource =
    Resource::new("aws_cloudwatch_log_group", "api_access");

fn log_group(name: Expr, shortest_retention_days: Option<u32>) -> Body {
    let mut body = Body::new();
    if let Some(days) = shortest_retention_days.filter(|days| *days < DEFAULT_RETENTION_DAYS) {
        body = body.comment(format!(
            "checkov:skip=CKV_AWS_338:Retention of {} days chosen in tapgen.toml (logs.retention_days) for a non-production environment",
            days
        ));
    }
    extend(
        body,
        tagged(
            Body::new()
                .attr("name", name)
                .attr("retention_in_days", var("log_retention_days"))
                .attr("kms_key_id", var("log_kms_key_arn")),
        ),
    )
}

fn document(environments: &[Values]) -> Body {
    // The shortest retention any environment keeps logs for.
    let shortest = environments.iter().map(|v| v.u32(&RETENTION_DAYS)).min();
    Body::new()
        .block(LAMBDA_LOGS.declare(log_group(
            Expr::template("/aws/lambda/{}", vec![local("name")]),
            shortest,
        )))
        .block(API_ACCESS_LOGS.declare(log_group(
            Expr::template("/aws/apigateway/{}/access", vec![local("name")]),
            shortest,
        )))
}

/// The log groups' key is a KMS key ARN of the environment's partition.
fn check(checker: &mut Checker<'_>, stack: &Stack) {
    if let Some(arn) = &stack.values.opt_string(&KMS_KEY_ARN) {
        checker.arn(stack, &["logs", "kms_key_arn"], arn, ArnOf::KmsKey);
    }
}

fn tests(project: &Stack) -> Vec<Run> {
    let mut asserts = Vec::new();
    for group in [LAMBDA_LOGS, API_ACCESS_LOGS] {
        asserts.push(follows(
            group.attr("retention_in_days"),
            &RETENTION_DAYS,
            project,
        ));
        asserts.push(follows(group.attr("kms_key_id"), &KMS_KEY_ARN, project));
    }
    asserts.push((
        eq(
            Expr::from(
                super::lambda::FUNCTION
                    .traversal()
                    .attr("logging_config")
                    .index(0)
                    .attr("log_group"),
            ),
            LAMBDA_LOGS.attr("name"),
        ),
        Expr::string("The function must log to the group the module creates."),
    ));
    vec![Run::asserts("log_groups_follow_inputs", asserts)]
}
