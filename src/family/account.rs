//! `[account]`: which AWS account the provider may act in, and the role it assumes there.
//! A root concern: it is rendered in each environment's `provider "aws"` block, never in the
//! module, which stays usable with any provider configuration.

use super::setting::{Default, Kind, Rule, Setting, Values};
use super::{Overlay, RootSection, Section};
use crate::check::{ArnField, Checker, arn_field};
use crate::error::{ArnOf, Problem};
use crate::hcl::{Block, Body, Expr};
use crate::stack::Stack;

pub(crate) static ROOT: RootSection = RootSection {
    section: Section {
        path: &["account"],
        overlay: Overlay::SamePath,
        description: "The AWS account the environment roots deploy into: the accounts the provider may act in, and the role it assumes.",
        settings: &[
            &ALLOWED_ACCOUNT_IDS,
            &ASSUME_ROLE_ARN,
            &SESSION_NAME,
            &EXTERNAL_ID,
        ],
    },
    check,
};

/// An AWS account id.
const ACCOUNT_ID: Rule = Rule::Pattern {
    regex: "^[0-9]{12}$",
    noun: "AWS account id",
    message: "12 digits",
    example: "123456789012",
};

pub(crate) static ALLOWED_ACCOUNT_IDS: Setting = Setting {
    key: "allowed_account_ids",
    kind: Kind::StringList,
    default: Default::Empty,
    rule: ACCOUNT_ID,
    doc: "Account ids the provider may act in: a plan or apply with credentials of any other account fails before it changes anything. Default: any account.",
    input: None,
};

pub(crate) static ASSUME_ROLE_ARN: Setting = Setting {
    key: "assume_role_arn",
    kind: Kind::String,
    default: Default::None,
    rule: Rule::Any,
    doc: "ARN of an IAM role (in the environment's partition) the provider assumes for every call, such as `arn:aws:iam::123456789012:role/deployer`. Unset uses the caller's own credentials.",
    input: None,
};

pub(crate) static SESSION_NAME: Setting = Setting {
    key: "session_name",
    kind: Kind::String,
    default: Default::None,
    rule: Rule::Pattern {
        regex: "^[A-Za-z0-9_+=,.@-]{2,64}$",
        noun: "role session name",
        message: "2 to 64 letters, digits and `_+=,.@-`",
        example: "tapgen-deploy",
    },
    doc: "Session name of the assumed role, as CloudTrail records it. Only with `assume_role_arn`.",
    input: None,
};

pub(crate) static EXTERNAL_ID: Setting = Setting {
    key: "external_id",
    kind: Kind::String,
    default: Default::None,
    rule: Rule::Pattern {
        regex: "^[A-Za-z0-9_+=,.@:/-]{2,1224}$",
        noun: "external id",
        message: "2 to 1224 letters, digits and `_+=,.@:/-`",
        example: "tapgen-7f3a",
    },
    doc: "External id the role's trust policy requires. Only with `assume_role_arn`.",
    input: None,
};

/// The provider's account settings: `allowed_account_ids` and `assume_role { ... }`, where set.
pub(crate) fn provider_settings(values: &Values) -> Body {
    let allowed = values.strings(&ALLOWED_ACCOUNT_IDS);
    let mut body = Body::new().opt_attr(
        "allowed_account_ids",
        (!allowed.is_empty()).then(|| Expr::strings(&allowed)),
    );
    if let Some(role) = values.opt_string(&ASSUME_ROLE_ARN) {
        body.push_block(Block::new(
            "assume_role",
            &[],
            Body::new()
                .attr("role_arn", role)
                .opt_attr("session_name", values.opt_string(&SESSION_NAME))
                .opt_attr("external_id", values.opt_string(&EXTERNAL_ID)),
        ));
    }
    body
}

/// The role is an IAM role ARN of the environment's partition, in an allowed account; the
/// session name and external id only come with a role.
fn check(checker: &mut Checker<'_>, stack: &Stack) {
    let values = &stack.values;
    let role = values.opt_string(&ASSUME_ROLE_ARN);
    for setting in [&SESSION_NAME, &EXTERNAL_ID] {
        if role.is_none() && values.opt_string(setting).is_some() {
            let problem = Problem::requires_key("account", setting.key, ASSUME_ROLE_ARN.key);
            checker.report(stack, &["account", setting.key], problem);
        }
    }
    let Some(role) = role else {
        return;
    };
    let key = ["account", ASSUME_ROLE_ARN.key];
    if !checker.arn(stack, &key, &role, ArnOf::IamRole) {
        return;
    }
    let allowed = values.strings(&ALLOWED_ACCOUNT_IDS);
    if let Some(account) = arn_field(&role, ArnField::Account)
        && !allowed.is_empty()
        && !allowed.iter().any(|id| id == account)
    {
        let problem = Problem::RoleOutsideAllowedAccounts {
            account: account.to_owned(),
            role: role.clone(),
            allowed,
        };
        checker.report(stack, &key, problem);
    }
}
