//! The function's execution role, with a least-privilege policy, and the opt-in account-level
//! role that lets API Gateway write logs.

use super::apigateway::{MANAGE_ACCOUNT_LOGGING_ROLE, MANAGE_ACCOUNT_LOGGING_ROLE_INPUT};
use super::setting::Values;
use super::{Family, Grant, Output, Tests, no_checks, no_inputs};
use crate::hcl::reference::{DataSource, Resource, local, var};
use crate::hcl::{Body, Expr};
use crate::render::tftest::{MOCK_ACCOUNT, Mock, Run, eq, inputs_for, showing, statements};
use crate::render::{assume_role_policy, statement, tagged};
use crate::stack::Stack;

pub(crate) static FAMILY: Family = Family {
    section: None,
    file: ("iam.tf", 2),
    document: |_| document(),
    inputs: no_inputs,
    outputs: (outputs, 2),
    grants: &[],
    // The account-level API Gateway settings that name the logging role are here too.
    aws_services: &["iam", "apigateway"],
    check: no_checks,
    tests: Tests {
        summary: "the function's policy holds no wildcard action and exactly the grants the features in use need, each feature both ways; the account-level logging role follows its input",
        runs: tests,
        mocks: |project| {
            vec![
                Mock::data(&PARTITION, vec![("partition", "aws".to_owned())]),
                // The function names its role's ARN, which the provider checks.
                Mock::resource(
                    &LAMBDA_ROLE,
                    vec![(
                        "arn",
                        format!(
                            "arn:aws:iam::{MOCK_ACCOUNT}:role/{}-{}-lambda",
                            project.project, project.environment
                        ),
                    )],
                ),
            ]
        },
    },
};

/// The function's execution role.
pub(crate) const LAMBDA_ROLE: Resource = Resource::new("aws_iam_role", "lambda");
/// The function's least-privilege policy: the statements the families need ([`super::grants`]).
pub(crate) const LAMBDA_ROLE_POLICY: Resource = Resource::new("aws_iam_role_policy", "lambda");
const APIGATEWAY_ROLE: Resource = Resource::new("aws_iam_role", "apigateway_cloudwatch");
const APIGATEWAY_ROLE_POLICY: Resource =
    Resource::new("aws_iam_role_policy_attachment", "apigateway_cloudwatch");
/// The account-level API Gateway settings, made only with `var.manage_account_logging_role`.
pub(crate) const API_ACCOUNT: Resource = Resource::new("aws_api_gateway_account", "this");
/// The partition (`aws`, `aws-cn`, ...) the module is applied in.
pub(crate) const PARTITION: DataSource = DataSource::new("aws_partition", "current");

fn grant_statement(grant: &Grant) -> Expr {
    statement(grant.sid, "Allow", grant.actions, (grant.resource)(), None)
}

/// `concat([always needed...], condition ? [statement] : [], ...)`: the statements every
/// family needs ([`super::grants`]), those for a feature that can be off made per instance.
fn lambda_statements() -> Expr {
    let always = super::grants()
        .filter(|grant| grant.when.is_none())
        .map(grant_statement)
        .collect();
    let mut parts = vec![Expr::Tuple(always)];
    for grant in super::grants() {
        let Some(when) = &grant.when else {
            continue;
        };
        parts.push(Expr::cond(
            (when.condition)(),
            Expr::Tuple(vec![grant_statement(grant)]),
            Expr::Tuple(Vec::new()),
        ));
    }
    Expr::call("concat", parts)
}

fn outputs() -> Vec<Output> {
    vec![(
        "function_role_arn",
        "ARN of the function's execution role.",
        LAMBDA_ROLE.attr("arn"),
    )]
}

fn document() -> Body {
    let policy = crate::render::policy_document(lambda_statements());
    let account_role = || Expr::cond(var(MANAGE_ACCOUNT_LOGGING_ROLE_INPUT), 1i64, 0i64);
    Body::new()
        .block(LAMBDA_ROLE.declare(
            tagged(
                Body::new()
                    .attr("name", Expr::template("{}-lambda", vec![local("name")]))
                    .attr("assume_role_policy", assume_role_policy("lambda.amazonaws.com")),
            ),
        ))
        .block(LAMBDA_ROLE_POLICY.declare(
            Body::new()
                .attr("name", Expr::template("{}-lambda", vec![local("name")]))
                .attr("role", LAMBDA_ROLE.attr("id"))
                .comment("X-Ray has no resource-level permissions: AWS accepts only \"*\" for WriteTraces.")
                .attr("policy", policy),
        ))
        .comment("The account-level role API Gateway uses to write logs: one per account and region,\nso it is opt-in (var.manage_account_logging_role).")
        .block(APIGATEWAY_ROLE.declare(
            tagged(
                Body::new()
                    .attr("count", account_role())
                    .blank()
                    .attr("name", Expr::template("{}-apigw-cloudwatch", vec![local("name")]))
                    .attr("assume_role_policy", assume_role_policy("apigateway.amazonaws.com")),
            ),
        ))
        .block(APIGATEWAY_ROLE_POLICY.declare(
            Body::new()
                .attr("count", account_role())
                .blank()
                .attr("role", APIGATEWAY_ROLE.at(0).attr("name"))
                .attr(
                    "policy_arn",
                    Expr::template(
                        "arn:{}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
                        vec![PARTITION.attr("partition")],
                    ),
                ),
        ))
        .block(API_ACCOUNT.declare(
            Body::new()
                .attr("count", account_role())
                .blank()
                .attr("cloudwatch_role_arn", APIGATEWAY_ROLE.at(0).attr("arn"))
                .blank()
                .attr(
                    "depends_on",
                    Expr::Tuple(vec![APIGATEWAY_ROLE_POLICY.address()]),
                ),
        ))
}

/// The Sids the function's policy holds for `values`, sorted.
fn expected_sids(values: &Values) -> Vec<&'static str> {
    let mut sids: Vec<&str> = super::grants()
        .filter(|grant| grant.when.as_ref().is_none_or(|when| (when.holds)(values)))
        .map(|grant| grant.sid)
        .collect();
    sids.sort_unstable();
    sids
}

/// `WriteTraces` as `write_traces`, for a run's name.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() && !out.is_empty() {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

fn tests(project: &Stack) -> Vec<Run> {
    let policy = || statements(LAMBDA_ROLE_POLICY.attr("policy"));
    let actions = Expr::call(
        "flatten",
        vec![Expr::for_each("statement", policy(), |statement| {
            statement.attr("Action").into()
        })],
    );
    let no_wildcard = Expr::call(
        "alltrue",
        vec![Expr::for_each("action", actions.clone(), |action| {
            !Expr::call("strcontains", vec![action.into(), Expr::string("*")])
        })],
    );
    let grants = |values: &Values| -> (Expr, Expr) {
        let expected = expected_sids(values);
        let sids = Expr::call(
            "sort",
            vec![Expr::for_each("statement", policy(), |statement| {
                statement.attr("Sid").into()
            })],
        );
        (
            // `sort` gives a list, which equals no tuple literal.
            eq(
                sids.clone(),
                Expr::call("tolist", vec![Expr::strings(&expected)]),
            ),
            showing(
                &format!(
                    "The function's policy must hold exactly the grants {} for these inputs.",
                    expected.join(", ")
                ),
                Expr::call("jsonencode", vec![sids]),
            ),
        )
    };
    let mut runs = vec![Run::asserts(
        "function_policy_has_no_wildcard_action",
        vec![
            (
                no_wildcard,
                showing(
                    "The function's policy must name every action it allows.",
                    Expr::call("jsonencode", vec![actions]),
                ),
            ),
            grants(&project.values),
        ],
    )];
    // The module planned with each optional grant's feature the other way round.
    for grant in super::grants() {
        let Some(when) = &grant.when else {
            continue;
        };
        let toggled = Stack {
            values: (when.toggled)(project),
            ..project.clone()
        };
        runs.push(
            Run::asserts(
                format!("{}_grant_follows_its_feature", snake_case(grant.sid)),
                vec![grants(&toggled.values)],
            )
            .with(inputs_for(project, &toggled)),
        );
    }
    let accounts = i64::from(project.values.bool(&MANAGE_ACCOUNT_LOGGING_ROLE));
    runs.push(Run::asserts(
        "account_logging_role_follows_input",
        vec![(
            eq(Expr::call("length", vec![API_ACCOUNT.address()]), accounts),
            format!(
                "The module must manage {accounts} account-level API Gateway logging role(s), as {MANAGE_ACCOUNT_LOGGING_ROLE_INPUT} asks."
            ),
        )],
    ));
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_optional_grant_is_expected_one_way_and_then_the_other() {
        let (resolved, _) = crate::render::tests::default_resolved();
        let project = resolved.project;
        let mut optional = 0;
        for grant in super::super::grants() {
            let Some(when) = &grant.when else {
                assert!(expected_sids(&project.values).contains(&grant.sid));
                continue;
            };
            let toggled = (when.toggled)(&project);
            assert_ne!(
                (when.holds)(&toggled),
                (when.holds)(&project.values),
                "{}",
                grant.sid
            );
            assert_ne!(expected_sids(&toggled), expected_sids(&project.values));
            let toggled = Stack {
                values: toggled,
                ..project.clone()
            };
            assert!(!inputs_for(&project, &toggled).is_empty(), "{}", grant.sid);
            optional += 1;
        }
        assert!(optional >= 2);
        assert_eq!(snake_case("WriteTraces"), "write_traces");
    }
}
