//! The function's IAM policies are least-privilege: no wildcard action anywhere, and a
//! wildcard resource only for actions that have no resource ARN.

use crate::support::{render, repo, test_configs};
use hcl::expr::{Expression, ObjectKey};
use tapgen::output::Document;

/// Actions AWS offers no resource-level permissions for.
const ACTIONS_WITHOUT_RESOURCE_ARN: &[&str] =
    &["xray:PutTraceSegments", "xray:PutTelemetryRecords"];

/// Every object with an `Action` key below `expr`: (actions, resource).
fn statements(expr: &Expression, found: &mut Vec<(Vec<String>, Option<Expression>)>) {
    match expr {
        Expression::Object(object) => {
            let get = |name: &str| {
                object.iter().find_map(|(key, value)| match key {
                    ObjectKey::Identifier(id) if id.as_str() == name => Some(value.clone()),
                    ObjectKey::Expression(Expression::String(s)) if s == name => {
                        Some(value.clone())
                    }
                    _ => None,
                })
            };
            if let Some(action) = get("Action") {
                let actions = match action {
                    Expression::String(s) => vec![s],
                    Expression::Array(items) => items
                        .into_iter()
                        .map(|item| match item {
                            Expression::String(s) => s,
                            other => panic!("non-literal action {other:?}"),
                        })
                        .collect(),
                    other => panic!("non-literal action {other:?}"),
                };
                // Trust policies name a Principal instead of a Resource.
                found.push((actions, get("Resource")));
            }
            for value in object.values() {
                statements(value, found);
            }
        }
        Expression::Array(items) => items.iter().for_each(|item| statements(item, found)),
        Expression::FuncCall(call) => call.args.iter().for_each(|arg| statements(arg, found)),
        Expression::Conditional(cond) => {
            statements(&cond.true_expr, found);
            statements(&cond.false_expr, found);
        }
        Expression::Parenthesis(inner) => statements(inner, found),
        _ => {}
    }
}

#[test]
fn iam_policies_have_no_wildcard_actions_and_scoped_resources() {
    for (config_name, text) in test_configs() {
        let files = render(&text, &repo());
        let iam = files
            .iter()
            .find(|file| file.path.ends_with("iam.tf"))
            .expect("iam.tf");
        let Document::Hcl(body) = &iam.document else {
            panic!("iam.tf is HCL")
        };
        let parsed = hcl::parse(&tapgen::hcl::print(body)).expect("iam.tf parses");
        let mut found = Vec::new();
        for block in parsed.blocks() {
            for attr in block.body().attributes() {
                if attr.key() == "policy" || attr.key() == "assume_role_policy" {
                    statements(attr.expr(), &mut found);
                }
            }
        }
        assert!(
            found.len() >= 6,
            "{config_name}: only {} statements found",
            found.len()
        );
        for (actions, resource) in &found {
            for action in actions {
                assert!(
                    !action.contains('*'),
                    "{config_name}: wildcard action `{action}`"
                );
            }
            if resource.as_ref() == Some(&Expression::String("*".to_owned())) {
                for action in actions {
                    assert!(
                        ACTIONS_WITHOUT_RESOURCE_ARN.contains(&action.as_str()),
                        "{config_name}: `{action}` has a wildcard resource but supports resource ARNs"
                    );
                }
            }
        }
        // Each permission of the function names the resource it touches.
        let text = tapgen::hcl::print(body);
        assert!(text.contains("Resource = \"${aws_cloudwatch_log_group.lambda.arn}:*\""));
        assert!(text.contains("Resource = \"${aws_s3_bucket.logs.arn}/*\""));
        assert!(text.contains("# X-Ray has no resource-level permissions"));
    }
}

/// Features that decide what the function may do, as the module's variables carry them.
#[derive(Clone, Copy, Debug)]
struct Features {
    tracing: bool,
    kms_bucket: bool,
    own_kms_key: bool,
    account_logging_role: bool,
}

fn object(entries: &[(&str, hcl::Value)]) -> hcl::Value {
    hcl::Value::Object(
        entries
            .iter()
            .map(|(key, value)| ((*key).to_owned(), value.clone()))
            .collect(),
    )
}

fn string(value: &str) -> hcl::Value {
    hcl::Value::String(value.to_owned())
}

fn concat(args: hcl::eval::FuncArgs) -> Result<hcl::Value, String> {
    let mut items = Vec::new();
    for arg in args.iter() {
        match arg {
            hcl::Value::Array(list) => items.extend(list.iter().cloned()),
            other => return Err(format!("concat of {other:?}")),
        }
    }
    Ok(hcl::Value::Array(items))
}

/// The document itself is what matters here, not its JSON text.
fn jsonencode(args: hcl::eval::FuncArgs) -> Result<hcl::Value, String> {
    Ok(args[0].clone())
}

/// The module's IAM resources evaluated as OpenTofu would for `features`: every action (and
/// managed policy) granted to a role by a resource whose `count` is not 0.
fn granted(files: &[tapgen::output::File], features: Features) -> Vec<String> {
    use hcl::eval::{Context, Evaluate, FuncDef, ParamType};
    let mut ctx = Context::new();
    ctx.declare_func(
        "concat",
        FuncDef::builder()
            .variadic_param(ParamType::Any)
            .build(concat),
    );
    ctx.declare_func(
        "jsonencode",
        FuncDef::builder().param(ParamType::Any).build(jsonencode),
    );
    ctx.declare_var(
        "var",
        object(&[
            ("lambda_tracing_enabled", hcl::Value::Bool(features.tracing)),
            (
                "bucket_sse_algorithm",
                string(if features.kms_bucket {
                    "aws:kms"
                } else {
                    "AES256"
                }),
            ),
            (
                "bucket_kms_key_arn",
                if features.own_kms_key {
                    string("arn:aws:kms:us-east-1:111122223333:key/k")
                } else {
                    hcl::Value::Null
                },
            ),
            (
                "manage_account_logging_role",
                hcl::Value::Bool(features.account_logging_role),
            ),
        ]),
    );
    let arn = |value: &str| object(&[("arn", string(value))]);
    ctx.declare_var(
        "aws_cloudwatch_log_group",
        object(&[("lambda", arn("arn:aws:logs:log-group"))]),
    );
    ctx.declare_var(
        "aws_s3_bucket",
        object(&[("logs", arn("arn:aws:s3:::bucket"))]),
    );
    ctx.declare_var(
        "data",
        object(&[(
            "aws_partition",
            object(&[("current", object(&[("partition", string("aws"))]))]),
        )]),
    );
    let mut actions = Vec::new();
    for file in files {
        let Document::Hcl(body) = &file.document else {
            continue;
        };
        let parsed = hcl::parse(&tapgen::hcl::print(body)).expect("parses");
        for block in parsed.blocks() {
            let kind = block.labels().first().map(|label| label.as_str());
            if block.identifier() != "resource"
                || !matches!(
                    kind,
                    Some(
                        "aws_iam_role_policy" | "aws_iam_role_policy_attachment" | "aws_iam_policy"
                    )
                )
            {
                continue;
            }
            let attr = |name: &str| {
                block
                    .body()
                    .attributes()
                    .find(|attr| attr.key() == name)
                    .map(|attr| attr.expr().evaluate(&ctx).expect("evaluates"))
            };
            if attr("count").is_some_and(|count| count == hcl::Value::from(0)) {
                continue;
            }
            if let Some(hcl::Value::String(policy_arn)) = attr("policy_arn") {
                actions.push(format!(
                    "managed {}",
                    policy_arn.rsplit('/').next().unwrap()
                ));
            }
            if let Some(policy) = attr("policy") {
                let Some(hcl::Value::Array(statements)) =
                    policy.as_object().and_then(|o| o.get("Statement"))
                else {
                    panic!("Statement is a list: {policy:?}")
                };
                for statement in statements {
                    let Some(hcl::Value::Array(list)) =
                        statement.as_object().and_then(|o| o.get("Action"))
                    else {
                        panic!("Action is a list: {statement:?}")
                    };
                    actions.extend(list.iter().map(|a| a.as_str().unwrap().to_owned()));
                }
            }
        }
    }
    actions.sort();
    actions
}

#[test]
fn roles_are_granted_only_what_the_features_in_use_need() {
    let files = render(tapgen::config::DEFAULT_CONFIG, &repo());
    for tracing in [false, true] {
        for kms_bucket in [false, true] {
            for own_kms_key in [false, true] {
                for account_logging_role in [false, true] {
                    let features = Features {
                        tracing,
                        kms_bucket,
                        own_kms_key,
                        account_logging_role,
                    };
                    let mut expected =
                        vec!["logs:CreateLogStream", "logs:PutLogEvents", "s3:PutObject"];
                    if tracing {
                        expected.extend(["xray:PutTraceSegments", "xray:PutTelemetryRecords"]);
                    }
                    // The AWS managed aws/s3 key needs no grant; a key of one's own does.
                    if kms_bucket && own_kms_key {
                        expected.push("kms:GenerateDataKey");
                    }
                    if account_logging_role {
                        expected.push("managed AmazonAPIGatewayPushToCloudWatchLogs");
                    }
                    expected.sort();
                    assert_eq!(granted(&files, features), expected, "{features:?}");
                }
            }
        }
    }
}
