//! A custom domain for the API: a REGIONAL API Gateway domain name (TLS 1.2) mapped to the
//! stage, and, given a Route 53 hosted zone, an alias record to the domain's regional name.
//!
//! Every input defaults to `null` and each resource is counted on them: the module serves
//! every environment, and one without a domain creates nothing of this file.

use super::apigateway::{REST_API, STAGE};
use super::setting::{Default, Input, Kind, Rule, Setting, Values};
use super::{Family, Output, Overlay, Section, Tests, no_inputs, no_mocks};
use crate::check::Checker;
use crate::error::{ArnOf, Problem};
use crate::hcl::reference::{Resource, var};
use crate::hcl::{BinaryOp, Block, Body, Expr};
use crate::render::tagged;
use crate::render::tftest::{Run, arn, eq};
use crate::stack::Stack;

pub(crate) static FAMILY: Family = Family {
    section: Some(Section {
        path: &["api", "domain"],
        overlay: Overlay::SamePath,
        description: "A custom domain name for the API (REGIONAL, TLS 1.2), with an optional Route 53 alias record.",
        settings: &[&NAME, &CERTIFICATE_ARN, &ZONE_ID, &BASE_PATH],
    }),
    file: ("domain.tf", 6),
    document: |_| document(),
    inputs: no_inputs,
    outputs: (outputs, 6),
    grants: &[],
    aws_services: &["apigateway", "route53"],
    check,
    tests: Tests {
        summary: "with a name, a REGIONAL TLS 1.2 domain mapped to the stage and an alias record in the zone; without one, none of them",
        runs: tests,
        mocks: no_mocks,
    },
};

const NAME_INPUT: &str = "domain_name";
const CERTIFICATE_INPUT: &str = "domain_certificate_arn";
const ZONE_INPUT: &str = "domain_zone_id";
const BASE_PATH_INPUT: &str = "domain_base_path";

/// The longest DNS name: 253 characters written without the final dot.
const DNS_NAME_MAX: usize = 253;

pub(crate) static NAME: Setting = Setting {
    key: "name",
    kind: Kind::String,
    default: Default::None,
    rule: Rule::Pattern {
        // Labels of 1 to 63 lowercase letters, digits and inner hyphens, at least two, the
        // last starting with a letter; `*.` in front for a wildcard name, which API Gateway
        // accepts for REGIONAL custom domains.
        regex: r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$",
        noun: "DNS name",
        message: "a DNS name: dot-separated labels of 1 to 63 lowercase letters, digits and inner hyphens, with an optional leading `*.` for a wildcard",
        example: "api.example.com",
    },
    doc: "DNS name the API is served at. Unset serves it at its invoke URL only.",
    input: Some(Input {
        name: NAME_INPUT,
        description: "Custom domain name of the API, such as api.example.com; null creates no custom domain.",
        unset: None,
        example: |_| var(NAME_INPUT),
    }),
};

pub(crate) static CERTIFICATE_ARN: Setting = Setting {
    key: "certificate_arn",
    kind: Kind::String,
    default: Default::None,
    // Checked in `check`: an ACM certificate of the environment's own region.
    rule: Rule::Any,
    doc: "ARN of the ACM certificate for `name`, in the environment's own region. Required with `name`.",
    input: Some(Input {
        name: CERTIFICATE_INPUT,
        description: "ARN of the ACM certificate for domain_name, in the region the module is applied in; required with domain_name.",
        unset: None,
        example: |_| var(CERTIFICATE_INPUT),
    }),
};

pub(crate) static ZONE_ID: Setting = Setting {
    key: "zone_id",
    kind: Kind::String,
    default: Default::None,
    rule: Rule::Pattern {
        regex: "^[A-Z0-9]{1,32}$",
        noun: "Route 53 hosted zone id",
        message: "a hosted zone id: 1 to 32 uppercase letters and digits",
        example: "Z0123456789ABCDEFGHIJ",
    },
    doc: "Route 53 hosted zone that gets an alias record for `name`. Unset creates no record: point the name at the `api_domain_target` output yourself.",
    input: Some(Input {
        name: ZONE_INPUT,
        description: "Route 53 hosted zone id for an alias record to the custom domain; null creates no record.",
        unset: None,
        example: |_| var(ZONE_INPUT),
    }),
};

pub(crate) static BASE_PATH: Setting = Setting {
    key: "base_path",
    kind: Kind::String,
    default: Default::None,
    rule: Rule::Pattern {
        regex: "^[A-Za-z0-9._-]{1,128}$",
        noun: "base path",
        message: "one path segment of 1 to 128 letters, digits, dots, hyphens and underscores, without slashes",
        example: "orders",
    },
    doc: "Path under the domain the stage is mapped to. Unset maps the stage at the domain's root.",
    input: Some(Input {
        name: BASE_PATH_INPUT,
        description: "Path under the custom domain the stage is mapped to; null maps it at the root.",
        unset: None,
        example: |_| var(BASE_PATH_INPUT),
    }),
};

/// The API's custom domain name.
const DOMAIN: Resource = Resource::new("aws_api_gateway_domain_name", "this");
/// The stage, mapped under the domain.
const MAPPING: Resource = Resource::new("aws_api_gateway_base_path_mapping", "this");
/// The alias record in the hosted zone.
const RECORD: Resource = Resource::new("aws_route53_record", "domain");

/// `var.name == null`
fn unset(name: &'static str) -> Expr {
    Expr::binary(var(name), BinaryOp::Eq, Expr::Null)
}

/// `var.domain_name == null ? null : value`: a value that exists only with a domain.
fn with_domain(value: Expr) -> Expr {
    Expr::cond(unset(NAME_INPUT), Expr::Null, value)
}

/// The region part (the fourth field) of an ARN.
fn region_of(arn: Expr) -> Expr {
    Expr::call(
        "element",
        vec![
            Expr::call("split", vec![Expr::string(":"), arn]),
            Expr::Number(3),
        ],
    )
}

fn outputs() -> Vec<Output> {
    vec![
        (
            "api_custom_url",
            "URL of the API's stage on its custom domain; null without a domain.",
            with_domain(Expr::template(
                "https://{}/{}",
                vec![
                    MAPPING.at(0).attr("domain_name").into(),
                    // A `null` base path would fail the template.
                    Expr::cond(
                        unset(BASE_PATH_INPUT),
                        Expr::string(""),
                        var(BASE_PATH_INPUT),
                    ),
                ],
            )),
        ),
        (
            "api_domain_target",
            "Regional domain name a DNS record for the custom domain points at; null without a domain.",
            with_domain(DOMAIN.at(0).attr("regional_domain_name").into()),
        ),
    ]
}

fn document() -> Body {
    let count = || Expr::cond(unset(NAME_INPUT), 0i64, 1i64);
    let domain = || DOMAIN.at(0).attr("domain_name");
    Body::new()
        .block(DOMAIN.declare(
            tagged(
                Body::new()
                    .attr("count", count())
                    .blank()
                    .attr("domain_name", var(NAME_INPUT))
                    .attr("regional_certificate_arn", var(CERTIFICATE_INPUT))
                    .attr("security_policy", "TLS_1_2"),
            )
            .block(Block::new(
                "endpoint_configuration",
                &[],
                Body::new().attr("types", Expr::strings(["REGIONAL"])),
            ))
            .block(Block::new(
                "lifecycle",
                &[],
                Body::new().comment("API Gateway takes a REGIONAL domain's certificate from the API's own region only.").block(Block::new(
                    "precondition",
                    &[],
                    Body::new()
                        .attr(
                            "condition",
                            Expr::call(
                                "try",
                                vec![
                                    Expr::binary(
                                        region_of(var(CERTIFICATE_INPUT)),
                                        BinaryOp::Eq,
                                        region_of(REST_API.attr("arn")),
                                    ),
                                    Expr::Bool(false),
                                ],
                            ),
                        )
                        .attr(
                            "error_message",
                            "domain_certificate_arn must be the ARN of an ACM certificate in the region the module is applied in when domain_name is set.",
                        ),
                )),
            )),
        ))
        .block(MAPPING.declare(
            Body::new()
                .attr("count", count())
                .blank()
                .attr("api_id", REST_API.attr("id"))
                .attr("stage_name", STAGE.attr("stage_name"))
                .attr("domain_name", domain())
                .attr("base_path", var(BASE_PATH_INPUT)),
        ))
        .comment("With a hosted zone, an alias record to the domain's regional name.")
        .block(RECORD.declare(
            Body::new()
                .attr(
                    "count",
                    Expr::cond(
                        unset(NAME_INPUT).or(unset(ZONE_INPUT)),
                        0i64,
                        1i64,
                    ),
                )
                .blank()
                .attr("zone_id", var(ZONE_INPUT))
                .attr("name", domain())
                .attr("type", "A")
                .block(Block::new(
                    "alias",
                    &[],
                    Body::new()
                        .attr("name", DOMAIN.at(0).attr("regional_domain_name"))
                        .attr("zone_id", DOMAIN.at(0).attr("regional_zone_id"))
                        .attr("evaluate_target_health", false),
                )),
        ))
}

/// A name AWS accepts (its length, beyond the pattern of its labels), with a certificate
/// of the environment's own region; no other key without a name.
fn check(checker: &mut Checker<'_>, stack: &Stack) {
    let values: &Values = &stack.values;
    let key = |setting: &Setting| ["api", "domain", setting.key];
    let Some(name) = values.opt_string(&NAME) else {
        // Each of these means something only for a domain: each is reported where it is set.
        for set in [&CERTIFICATE_ARN, &ZONE_ID, &BASE_PATH] {
            if values.get(set).is_some() {
                let problem = Problem::requires_key("api.domain", set.key, NAME.key);
                checker.report(stack, &key(set), problem);
            }
        }
        return;
    };
    if name.len() > DNS_NAME_MAX {
        let problem = Problem::NoMatch {
            noun: "DNS name",
            value: name,
            words: "a DNS name of at most 253 characters",
            example: "api.example.com",
        };
        checker.report(stack, &key(&NAME), problem);
    }
    match values.opt_string(&CERTIFICATE_ARN) {
        Some(arn) => {
            checker.arn(stack, &key(&CERTIFICATE_ARN), &arn, ArnOf::Certificate);
        }
        None => {
            let problem = Problem::requires_key("api.domain", NAME.key, CERTIFICATE_ARN.key);
            checker.report(stack, &key(&NAME), problem);
        }
    }
}

/// One run with a domain, a zone and a base path, and one without a domain: what each
/// creates.
fn tests(project: &Stack) -> Vec<Run> {
    const NAME: &str = "api.example.com";
    const ZONE: &str = "Z0123456789ABCDEFGHIJ";
    const PATH: &str = "orders";
    let certificate = arn(
        project,
        "acm",
        "certificate/1234abcd-12ab-34cd-56ef-1234567890ab",
    );
    let count = |resource: &Resource| Expr::call("length", vec![resource.address()]);
    let with_domain = Run::asserts(
        "domain_is_regional_tls_1_2_mapped_to_the_stage_with_an_alias_record",
        vec![
            (
                eq(Expr::from(DOMAIN.at(0).attr("security_policy")), "TLS_1_2"),
                "The custom domain must allow TLS 1.2 and later only.",
            ),
            (
                eq(
                    Expr::from(
                        DOMAIN
                            .at(0)
                            .attr("endpoint_configuration")
                            .index(0)
                            .attr("types"),
                    ),
                    // A tuple literal never equals the planned list.
                    Expr::call("tolist", vec![Expr::strings(["REGIONAL"])]),
                ),
                "The custom domain must be REGIONAL.",
            ),
            (
                eq(
                    Expr::from(DOMAIN.at(0).attr("regional_certificate_arn")),
                    Expr::string(certificate.clone()),
                ),
                "The custom domain must use the certificate asked for.",
            ),
            (
                eq(
                    Expr::from(MAPPING.at(0).attr("stage_name")),
                    STAGE.attr("stage_name"),
                )
                .and(eq(Expr::from(MAPPING.at(0).attr("base_path")), PATH)),
                "The stage must be mapped under the base path asked for.",
            ),
            (
                eq(Expr::from(RECORD.at(0).attr("type")), "A")
                    .and(eq(Expr::from(RECORD.at(0).attr("zone_id")), ZONE)),
                "The zone must get an A alias record for the domain.",
            ),
        ],
    )
    .with(vec![
        (NAME_INPUT, Expr::string(NAME)),
        (CERTIFICATE_INPUT, Expr::string(certificate)),
        (ZONE_INPUT, Expr::string(ZONE)),
        (BASE_PATH_INPUT, Expr::string(PATH)),
    ]);
    let without_domain = Run::asserts(
        "no_domain_name_creates_no_domain_mapping_or_record",
        vec![(
            eq(count(&DOMAIN), 0i64)
                .and(eq(count(&MAPPING), 0i64))
                .and(eq(count(&RECORD), 0i64)),
            "Without domain_name the module must create no custom domain, mapping or record.",
        )],
    )
    .with(
        [NAME_INPUT, CERTIFICATE_INPUT, ZONE_INPUT, BASE_PATH_INPUT]
            .into_iter()
            .map(|input| (input, Expr::Null))
            .collect(),
    );
    vec![with_domain, without_domain]
}
