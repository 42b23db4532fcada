//! Alarms on the function's errors, throttles and duration and the API's 4XX, 5XX and
//! latency, notifying the optional SNS topics on alarm and on recovery.

use super::apigateway::{REST_API, STAGE};
use super::lambda::{FUNCTION, TIMEOUT_S};
use super::setting::{Default, Input, Kind, Rule, Setting};
use super::{Family, Output, Overlay, Section, Tests, no_inputs, no_mocks};
use crate::aws;
use crate::check::Checker;
use crate::error::{ArnOf, Problem};
use crate::hcl::reference::{Resource, local, var};
use crate::hcl::{Block, Body, Expr};
use crate::render::tagged;
use crate::render::tftest::{Run, eq, follows, input_of, shown};
use crate::stack::Stack;

pub(crate) static FAMILY: Family = Family {
    section: Some(Section {
        path: &["alarms"],
        overlay: Overlay::SamePath,
        description: "CloudWatch alarms on the function and the API.",
        settings: &[
            &LAMBDA_ERRORS_THRESHOLD,
            &LAMBDA_THROTTLES_THRESHOLD,
            &LAMBDA_DURATION_P99_MS,
            &API_4XX_THRESHOLD,
            &API_5XX_THRESHOLD,
            &API_LATENCY_P99_MS,
            &PERIOD_S,
            &EVALUATION_PERIODS,
            &SNS_TOPIC_ARNS,
        ],
    }),
    file: ("alarms.tf", 5),
    document: |_| document(),
    inputs: no_inputs,
    outputs: (outputs, 5),
    grants: &[],
    aws_services: &["cloudwatch"],
    check,
    tests: Tests {
        summary: "one alarm per metric, each with its threshold, period, evaluation periods and topics",
        runs: tests,
        mocks: no_mocks,
    },
};

/// A threshold setting: any count or duration, with its module input.
macro_rules! threshold {
    ($key:literal, $default:expr, $doc:literal, $input:literal, $description:literal, $example:literal) => {
        Setting {
            key: $key,
            kind: Kind::Integer,
            default: $default,
            rule: Rule::Any,
            doc: $doc,
            input: Some(Input {
                name: $input,
                description: $description,
                unset: None,
                example: |_| Expr::Number($example),
            }),
        }
    };
}

pub(crate) static LAMBDA_ERRORS_THRESHOLD: Setting = threshold!(
    "lambda_errors_threshold",
    Default::Integer(1),
    "Lambda errors per period that raise the alarm.",
    "alarm_lambda_errors_threshold",
    "Function errors per period that raise the errors alarm.",
    2
);

pub(crate) static LAMBDA_THROTTLES_THRESHOLD: Setting = threshold!(
    "lambda_throttles_threshold",
    Default::Integer(1),
    "Lambda throttles per period that raise the alarm.",
    "alarm_lambda_throttles_threshold",
    "Function throttles per period that raise the throttles alarm.",
    2
);

pub(crate) static LAMBDA_DURATION_P99_MS: Setting = threshold!(
    "lambda_duration_p99_ms",
    Default::Derived {
        prose: "80% of the timeout",
        // A function this slow is about to time out.
        value: |values| values.u32(&TIMEOUT_S).saturating_mul(800).into(),
    },
    "Lambda p99 duration in milliseconds that raises the alarm.",
    "alarm_lambda_duration_p99_ms",
    "p99 function duration in milliseconds that raises the duration alarm.",
    12000
);

pub(crate) static API_4XX_THRESHOLD: Setting = threshold!(
    "api_4xx_threshold",
    Default::Integer(50),
    "API 4XX responses per period that raise the alarm.",
    "alarm_api_4xx_threshold",
    "API 4XX responses per period that raise the 4XX alarm.",
    100
);

pub(crate) static API_5XX_THRESHOLD: Setting = threshold!(
    "api_5xx_threshold",
    Default::Integer(1),
    "API 5XX responses per period that raise the alarm.",
    "alarm_api_5xx_threshold",
    "API 5XX responses per period that raise the 5XX alarm.",
    2
);

pub(crate) static API_LATENCY_P99_MS: Setting = threshold!(
    "api_latency_p99_ms",
    Default::Integer(2000),
    "API p99 latency in milliseconds that raises the alarm.",
    "alarm_api_latency_p99_ms",
    "p99 API latency in milliseconds that raises the latency alarm.",
    3000
);

/// The module input holding the length of one evaluation period.
const PERIOD_INPUT: &str = "alarm_period_seconds";
/// The module input holding the periods that must breach.
const EVALUATION_PERIODS_INPUT: &str = "alarm_evaluation_periods";
/// The module input listing the topics to notify.
const TOPICS_INPUT: &str = "alarm_sns_topic_arns";

pub(crate) static PERIOD_S: Setting = Setting {
    key: "period_s",
    kind: Kind::Integer,
    default: Default::Integer(300),
    rule: Rule::ValuesOrMultiple {
        values: &[10, 30],
        multiple_of: 60,
        problem: |seconds| Problem::AlarmPeriod { seconds },
    },
    doc: "Length of one evaluation period in seconds.",
    input: Some(Input {
        name: PERIOD_INPUT,
        description: "Length of one alarm evaluation period in seconds: 10, 30 or a multiple of 60.",
        unset: None,
        example: |_| Expr::Number(60),
    }),
};

pub(crate) static EVALUATION_PERIODS: Setting = Setting {
    key: "evaluation_periods",
    kind: Kind::Integer,
    default: Default::Integer(1),
    rule: Rule::Range {
        min: 1,
        max: None,
        limit: None,
    },
    doc: "Periods that must breach before the alarm fires.",
    input: Some(Input {
        name: EVALUATION_PERIODS_INPUT,
        description: "Periods that must breach before an alarm fires.",
        unset: None,
        example: |_| Expr::Number(2),
    }),
};

pub(crate) static SNS_TOPIC_ARNS: Setting = Setting {
    key: "sns_topic_arns",
    kind: Kind::StringList,
    default: Default::Empty,
    rule: Rule::Any,
    doc: "SNS topic ARNs notified on alarm and on recovery. Default none.",
    input: Some(Input {
        name: TOPICS_INPUT,
        description: "SNS topic ARNs notified when an alarm fires and when it recovers.",
        unset: None,
        example: |_| Expr::Tuple(vec![crate::render::module::ALARM_TOPIC.attr("arn")]),
    }),
};

fn outputs() -> Vec<Output> {
    vec![(
        "alarm_arns",
        "ARNs of the CloudWatch alarms, by alarm.",
        Expr::object(
            ALARMS
                .iter()
                .map(|alarm| (alarm.name, alarm.resource().attr("arn"))),
        ),
    )]
}

pub(crate) struct Alarm {
    /// Resource name and alarm-name suffix.
    pub name: &'static str,
    pub description: &'static str,
    pub namespace: &'static str,
    pub metric: &'static str,
    /// `Sum`, or a percentile such as `p99` (an extended statistic).
    pub statistic: &'static str,
    /// The setting holding the threshold, whose module input the alarm reads.
    pub threshold: &'static Setting,
    pub comparison: &'static str,
    pub on_api: bool,
}

pub(crate) const ALARMS: &[Alarm] = &[
    Alarm {
        name: "lambda_errors",
        description: "The function returned errors.",
        namespace: "AWS/Lambda",
        metric: "Errors",
        statistic: "Sum",
        threshold: &LAMBDA_ERRORS_THRESHOLD,
        comparison: "GreaterThanOrEqualToThreshold",
        on_api: false,
    },
    Alarm {
        name: "lambda_throttles",
        description: "Invocations of the function were throttled.",
        namespace: "AWS/Lambda",
        metric: "Throttles",
        statistic: "Sum",
        threshold: &LAMBDA_THROTTLES_THRESHOLD,
        comparison: "GreaterThanOrEqualToThreshold",
        on_api: false,
    },
    Alarm {
        name: "lambda_duration",
        description: "The function's p99 duration is close to its timeout.",
        namespace: "AWS/Lambda",
        metric: "Duration",
        statistic: "p99",
        threshold: &LAMBDA_DURATION_P99_MS,
        comparison: "GreaterThanThreshold",
        on_api: false,
    },
    Alarm {
        name: "api_4xx",
        description: "The API answered many requests with 4XX errors.",
        namespace: "AWS/ApiGateway",
        metric: "4XXError",
        statistic: "Sum",
        threshold: &API_4XX_THRESHOLD,
        comparison: "GreaterThanOrEqualToThreshold",
        on_api: true,
    },
    Alarm {
        name: "api_5xx",
        description: "The API answered requests with 5XX errors.",
        namespace: "AWS/ApiGateway",
        metric: "5XXError",
        statistic: "Sum",
        threshold: &API_5XX_THRESHOLD,
        comparison: "GreaterThanOrEqualToThreshold",
        on_api: true,
    },
    Alarm {
        name: "api_latency",
        description: "The API's p99 latency is above its threshold.",
        namespace: "AWS/ApiGateway",
        metric: "Latency",
        statistic: "p99",
        threshold: &API_LATENCY_P99_MS,
        comparison: "GreaterThanThreshold",
        on_api: true,
    },
];

impl Alarm {
    /// The alarm's resource.
    pub(crate) fn resource(&self) -> Resource {
        Resource::new("aws_cloudwatch_metric_alarm", self.name)
    }
}

fn alarm(alarm: &Alarm) -> Block {
    let dimensions = if alarm.on_api {
        Expr::object([
            ("ApiName", REST_API.attr("name")),
            ("Stage", STAGE.attr("stage_name")),
        ])
    } else {
        Expr::object([("FunctionName", FUNCTION.attr("function_name"))])
    };
    let statistic_key = if alarm.statistic.starts_with('p') {
        "extended_statistic"
    } else {
        "statistic"
    };
    let suffix = alarm.name.replace('_', "-");
    alarm.resource().declare(tagged(
        Body::new()
            .attr(
                "alarm_name",
                Expr::template(&format!("{{}}-{suffix}"), vec![local("name")]),
            )
            .attr("alarm_description", alarm.description)
            .attr("namespace", alarm.namespace)
            .attr("metric_name", alarm.metric)
            .attr(statistic_key, alarm.statistic)
            .attr("comparison_operator", alarm.comparison)
            .attr("threshold", var(input_of(alarm.threshold)))
            .attr("period", var(PERIOD_INPUT))
            .attr("evaluation_periods", var(EVALUATION_PERIODS_INPUT))
            .attr("treat_missing_data", "notBreaching")
            .attr("alarm_actions", var(TOPICS_INPUT))
            .attr("ok_actions", var(TOPICS_INPUT))
            .attr("dimensions", dimensions),
    ))
}

fn document() -> Body {
    let mut body = Body::new();
    for spec in ALARMS {
        body.push_block(alarm(spec));
    }
    body
}

/// The alarms' rules beyond each setting's own: a window CloudWatch takes, a duration
/// threshold the function can reach, topics of the environment's partition.
fn check(checker: &mut Checker<'_>, stack: &Stack) {
    let values = &stack.values;
    let window = u64::from(values.u32(&PERIOD_S)) * u64::from(values.u32(&EVALUATION_PERIODS));
    if window > aws::MAX_ALARM_WINDOW_S {
        checker.report(
            stack,
            &["alarms", "evaluation_periods"],
            Problem::AlarmWindowTooLong { seconds: window },
        );
    }
    let timeout_ms = u64::from(values.u32(&TIMEOUT_S)) * 1000;
    let duration_ms = values.u32(&LAMBDA_DURATION_P99_MS);
    if u64::from(duration_ms) > timeout_ms {
        checker.report(
            stack,
            &["alarms", "lambda_duration_p99_ms"],
            Problem::AlarmNeverFires {
                value: duration_ms,
                timeout_ms,
            },
        );
    }
    for arn in &values.strings(&SNS_TOPIC_ARNS) {
        checker.arn(stack, &["alarms", "sns_topic_arns"], arn, ArnOf::SnsTopic);
    }
}

fn tests(project: &Stack) -> Vec<Run> {
    let topics = project.values.strings(&SNS_TOPIC_ARNS);
    let mut asserts = Vec::new();
    for alarm in ALARMS {
        let resource = alarm.resource();
        let name = shown(&resource.address());
        asserts.push((
            eq(resource.attr("namespace"), alarm.namespace)
                .and(eq(resource.attr("metric_name"), alarm.metric)),
            Expr::string(format!(
                "{name} must watch {} {}.",
                alarm.namespace, alarm.metric
            )),
        ));
        asserts.push(follows(
            resource.attr("threshold"),
            alarm.threshold,
            project,
        ));
        asserts.push(follows(resource.attr("period"), &PERIOD_S, project));
        asserts.push(follows(
            resource.attr("evaluation_periods"),
            &EVALUATION_PERIODS,
            project,
        ));
        // Sets, which equal no list literal.
        let notified = |attribute: &'static str| {
            if topics.is_empty() {
                eq(Expr::call("length", vec![resource.attr(attribute)]), 0i64)
            } else {
                eq(
                    resource.attr(attribute),
                    Expr::call("toset", vec![Expr::strings(&topics)]),
                )
            }
        };
        asserts.push((
            notified("alarm_actions").and(notified("ok_actions")),
            Expr::string(format!(
                "{name} must notify exactly the topics {TOPICS_INPUT} names, on alarm and on recovery."
            )),
        ));
    }
    vec![Run::asserts(
        "one_alarm_per_metric_with_its_threshold",
        asserts,
    )]
}
