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
