//! Alarms on the function's errors, throttles and duration and the API's 4XX, 5XX and
//! latency, notifying the optional SNS topics on alarm and on recovery.

use super::apigateway::{REST_API, STAGE};
use super::lambda::FUNCTION;
use super::tagged;
use crate::hcl::reference::{Resource, local, var};
use crate::hcl::{Block, Body, Expr};

pub struct Alarm {
    /// Resource name and alarm-name suffix.
    pub name: &'static str,
    pub description: &'static str,
    pub namespace: &'static str,
    pub metric: &'static str,
    /// `Sum`, or a percentile such as `p99` (an extended statistic).
    pub statistic: &'static str,
    /// The module input holding the threshold.
    pub threshold_variable: &'static str,
    pub comparison: &'static str,
    pub on_api: bool,
}

pub const ALARMS: &[Alarm] = &[
    Alarm {
        name: "lambda_errors",
        description: "The function returned errors.",
        namespace: "AWS/Lambda",
        metric: "Errors",
        statistic: "Sum",
        threshold_variable: "alarm_lambda_errors_threshold",
        comparison: "GreaterThanOrEqualToThreshold",
        on_api: false,
    },
    Alarm {
        name: "lambda_throttles",
        description: "Invocations of the function were throttled.",
        namespace: "AWS/Lambda",
        metric: "Throttles",
        statistic: "Sum",
        threshold_variable: "alarm_lambda_throttles_threshold",
        comparison: "GreaterThanOrEqualToThreshold",
        on_api: false,
    },
    Alarm {
        name: "lambda_duration",
        description: "The function's p99 duration is close to its timeout.",
        namespace: "AWS/Lambda",
        metric: "Duration",
        statistic: "p99",
        threshold_variable: "alarm_lambda_duration_p99_ms",
        comparison: "GreaterThanThreshold",
        on_api: false,
    },
    Alarm {
        name: "api_4xx",
        description: "The API answered many requests with 4XX errors.",
        namespace: "AWS/ApiGateway",
        metric: "4XXError",
        statistic: "Sum",
        threshold_variable: "alarm_api_4xx_threshold",
        comparison: "GreaterThanOrEqualToThreshold",
        on_api: true,
    },
    Alarm {
        name: "api_5xx",
        description: "The API answered requests with 5XX errors.",
        namespace: "AWS/ApiGateway",
        metric: "5XXError",
        statistic: "Sum",
        threshold_variable: "alarm_api_5xx_threshold",
        comparison: "GreaterThanOrEqualToThreshold",
        on_api: true,
    },
    Alarm {
        name: "api_latency",
        description: "The API's p99 latency is above its threshold.",
        namespace: "AWS/ApiGateway",
        metric: "Latency",
        statistic: "p99",
        threshold_variable: "alarm_api_latency_p99_ms",
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
            .attr("threshold", var(alarm.threshold_variable))
            .attr("period", var("alarm_period_seconds"))
            .attr("evaluation_periods", var("alarm_evaluation_periods"))
            .attr("treat_missing_data", "notBreaching")
            .attr("alarm_actions", var("alarm_sns_topic_arns"))
            .attr("ok_actions", var("alarm_sns_topic_arns"))
            .attr("dimensions", dimensions),
    ))
}

pub fn document() -> Body {
    let mut body = Body::new();
    for spec in ALARMS {
        body.push_block(alarm(spec));
    }
    body
}
