//! Refuses credentials in values that end up in plain text in generated files and state.
//!
//! Two kinds of evidence: the value has the shape of a credential (an AWS key, a private key,
//! a JWT, a URL with a password, a token with a provider's well-known prefix, a long random or
//! hex string), or the value's name says it is a secret (`*PASSWORD*`, `*SECRET*`, `*TOKEN*`)
//! and the value is not a reference to where the secret lives.

/// Why a value looks like a credential ([`crate::error::Problem::Secret`] words it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secret {
    /// The value has the shape of a credential of this kind ("a JSON Web Token").
    Shape(&'static str),
    /// The name says it is a secret and the value is written out in plain text.
    Name(&'static str),
}

/// Tokens with a provider's well-known prefix: the prefix, the provider's token kind, and the
/// fewest characters of `[A-Za-z0-9_-]` that follow it in a real token (so that the bare
/// prefix or a short word after it is not mistaken for a token).
const PREFIXED_TOKENS: &[(&str, &str, usize)] = &[
    ("sk_live_", "a Stripe secret key", 16),
    ("sk_test_", "a Stripe secret key", 16),
    ("rk_live_", "a Stripe restricted key", 16),
    ("rk_test_", "a Stripe restricted key", 16),
    ("whsec_", "a Stripe webhook secret", 16),
    ("ghp_", "a GitHub token", 30),
    ("gho_", "a GitHub token", 30),
    ("ghu_", "a GitHub token", 30),
    ("ghs_", "a GitHub token", 30),
    ("ghr_", "a GitHub token", 30),
    ("github_pat_", "a GitHub token", 30),
    ("glpat-", "a GitLab token", 20),
    ("xoxb-", "a Slack token", 10),
    ("xoxp-", "a Slack token", 10),
    ("xoxa-", "a Slack token", 10),
    ("xoxr-", "a Slack token", 10),
    ("xoxs-", "a Slack token", 10),
    ("xoxe-", "a Slack token", 10),
    ("xapp-", "a Slack token", 10),
    ("npm_", "an npm token", 30),
    ("pypi-", "a PyPI token", 30),
    ("hf_", "a Hugging Face token", 30),
    ("sk-ant-", "an Anthropic API key", 20),
    ("sk-proj-", "an OpenAI API key", 20),
    ("AIza", "a Google API key", 30),
    ("SG.", "a SendGrid API key", 20),
];

/// Name parts that make a variable a secret, and the word the message uses for each.
const SECRET_NAMES: &[(&str, &str)] = &[
    ("PASSWORD", "password"),
    ("PASSWD", "password"),
    ("SECRET", "secret"),
    ("TOKEN", "token"),
];

/// Last words of a name that say the value is about the secret, not the secret itself
/// (`DB_PASSWORD_ARN`, `TOKEN_TTL`, `SECRET_NAME`).
const QUALIFIERS: &[&str] = &[
    "ARN",
    "NAME",
    "ID",
    "PATH",
    "PARAM",
    "PARAMETER",
    "URL",
    "URI",
    "ENDPOINT",
    "HEADER",
    "TTL",
    "FILE",
    "TYPE",
    "ENABLED",
    "LENGTH",
    "SECONDS",
    "MINUTES",
    "HOURS",
    "DAYS",
    "VERSION",
];

/// Name parts that say a hex string is a digest or an id, not a key (`GIT_SHA`, `BUILD_HASH`).
const DIGEST_NAMES: &[&str] = &[
    "SHA",
    "HASH",
    "DIGEST",
    "CHECKSUM",
    "COMMIT",
    "REVISION",
    "ETAG",
    "FINGERPRINT",
    "ID",
];

/// Why the value of `name` looks like a credential, or `None` when it looks harmless.
pub fn looks_like_secret(name: &str, value: &str) -> Option<Secret> {
    if let Some(kind) = credential_shape(name, value) {
        return Some(Secret::Shape(kind));
    }
    let upper = name.to_ascii_uppercase();
    let (_, word) = SECRET_NAMES.iter().find(|(part, _)| upper.contains(part))?;
    let last = upper.rsplit(['_', '-', '.']).next().unwrap_or_default();
    if QUALIFIERS.contains(&last) || !is_plain_secret_value(value) {
        return None;
    }
    Some(Secret::Name(word))
}

/// The kind of credential `value` has the shape of.
fn credential_shape(name: &str, value: &str) -> Option<&'static str> {
    if contains_access_key_id(value) {
        return Some("an AWS access key id");
    }
    if value.contains("-----BEGIN") && value.contains("PRIVATE KEY") {
        return Some("a private key");
    }
    if contains_jwt(value) {
        return Some("a JSON Web Token");
    }
    if url_with_password(value) {
        return Some("a URL with a password");
    }
    if let Some(kind) = prefixed_token(value) {
        return Some(kind);
    }
    // References to where a secret lives are the recommended alternative, so let them through.
    if is_reference(value) {
        return None;
    }
    if runs(value, |c| c.is_ascii_alphanumeric() || c == '+' || c == '/').any(is_aws_secret_key) {
        return Some("an AWS secret access key");
    }
    if runs(value, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '_' | '-')
    })
    .any(is_high_entropy_token)
    {
        return Some("a long random token");
    }
    let upper = name.to_ascii_uppercase();
    let digest_name = upper
        .split(['_', '-', '.'])
        .any(|word| DIGEST_NAMES.contains(&word));
    if !digest_name && runs(value, |c| c.is_ascii_alphanumeric()).any(is_hex_key) {
        return Some("a hex-encoded key");
    }
    None
}

/// A pointer to where a secret is kept: an ARN, an SSM parameter path, a dynamic reference.
fn is_reference(value: &str) -> bool {
    value.starts_with("arn:")
        || value.starts_with("ssm:")
        || value.starts_with("{{resolve:")
        || (value.starts_with('/')
            && value.len() > 1
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '.')))
}

/// A value that could be the secret a name promises: not empty, not a reference, not a URL
/// without credentials, not a number or a boolean.
fn is_plain_secret_value(value: &str) -> bool {
    let value = value.trim();
    !(value.is_empty()
        || is_reference(value)
        || (value.contains("://") && !url_with_password(value))
        || value.parse::<i64>().is_ok()
        || matches!(value.to_ascii_lowercase().as_str(), "true" | "false"))
}

/// The maximal runs of characters that `in_token` accepts.
fn runs(value: &str, in_token: fn(char) -> bool) -> impl Iterator<Item = &str> {
    value
        .split(move |c: char| !in_token(c))
        .filter(|t| !t.is_empty())
}

fn contains_access_key_id(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.windows(20).enumerate().any(|(start, window)| {
        let prefix_ok = matches!(&window[..4], b"AKIA" | b"ASIA" | b"ABIA" | b"ACCA");
        let body_ok = window[4..]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        let bounded = start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
        let end = start + 20;
        let bounded_after = end == bytes.len() || !bytes[end].is_ascii_alphanumeric();
        prefix_ok && body_ok && bounded && bounded_after
    })
}

/// `header.payload.signature`, base64url, where header and payload are JSON objects (so both
/// start with `eyJ`, the encoding of `{"`).
fn contains_jwt(value: &str) -> bool {
    runs(value, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
    })
    .any(|token| {
        let parts: Vec<&str> = token.split('.').collect();
        parts.len() == 3
            && parts[..2]
                .iter()
                .all(|part| part.starts_with("eyJ") && part.len() >= 10)
    })
}

/// `scheme://user:password@host`: credentials in the authority part of a URL.
fn url_with_password(value: &str) -> bool {
    value.match_indices("://").any(|(at, _)| {
        let rest = &value[at + 3..];
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        authority
            .rsplit_once('@')
            .and_then(|(userinfo, _)| userinfo.split_once(':'))
            .is_some_and(|(_, password)| !password.is_empty())
    })
}

fn prefixed_token(value: &str) -> Option<&'static str> {
    // Each run of token characters once, against every prefix (the prefixes themselves
    // hold only such characters), rather than a search of the whole value per prefix.
    runs(value, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
    })
    .find_map(|token| {
        PREFIXED_TOKENS
            .iter()
            .find(|(prefix, _, min_body)| {
                token.starts_with(prefix) && token.len() - prefix.len() >= *min_body
            })
            .map(|(_, kind, _)| *kind)
    })
}

/// 40 characters of base64, mixing cases and digits, as random as AWS makes them.
fn is_aws_secret_key(token: &str) -> bool {
    token.len() == 40 && mixes_cases_and_digits(token) && shannon_entropy(token) > 4.5
}

/// At least 32 characters of base64/base64url text, mixing letter cases and digits, with
/// more than 4.2 bits of entropy per character: what API keys and tokens look like, and
/// what words, UUIDs and hostnames do not.
fn is_high_entropy_token(token: &str) -> bool {
    token.len() >= 32 && mixes_cases_and_digits(token) && shannon_entropy(token) > 4.2
}

/// At least 32 hex digits in one case, with letters and digits both: an API key or a secret
/// in hex. (UUIDs are split by their hyphens into shorter runs.)
fn is_hex_key(token: &str) -> bool {
    let one_case = token
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
        || token
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
    token.len() >= 32
        && one_case
        && token.chars().all(|c| c.is_ascii_hexdigit())
        && token.chars().any(|c| c.is_ascii_digit())
        && token.chars().any(|c| c.is_ascii_alphabetic())
}

fn mixes_cases_and_digits(token: &str) -> bool {
    token.chars().any(|c| c.is_ascii_lowercase())
        && token.chars().any(|c| c.is_ascii_uppercase())
        && token.chars().any(|c| c.is_ascii_digit())
}

fn shannon_entropy(text: &str) -> f64 {
    let mut counts = [0usize; 256];
    for byte in text.bytes() {
        counts[usize::from(byte)] += 1;
    }
    let len = text.len() as f64;
    counts
        .iter()
        .filter(|&&count| count > 0)
        .map(|&count| {
            let p = count as f64 / len;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(name: &str, value: &str) -> Option<&'static str> {
        match looks_like_secret(name, value) {
            Some(Secret::Shape(kind)) => Some(kind),
            _ => None,
        }
    }

    /// Each realistic credential is refused, with the kind it was recognised as.
    #[test]
    fn refuses_credentials_by_shape() {
        for (value, kind) in [
            ("AKIAIOSFODNN7EXAMPLE", "an AWS access key id"),
            ("key=ASIAY34FZKBOKMUTVV7A;", "an AWS access key id"),
            (
                "-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----",
                "a private key",
            ),
            (
                "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
                "a JSON Web Token",
            ),
            (
                "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.",
                "a JSON Web Token",
            ),
            (
                "postgres://app:hunter2@db.internal:5432/orders",
                "a URL with a password",
            ),
            (
                "redis://:s3cr3t@cache.internal:6379",
                "a URL with a password",
            ),
            ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", "a Stripe secret key"),
            ("sk_test_26PHem9AhJZvU623DfE1x4sd", "a Stripe secret key"),
            ("ghp_8fK2mQ9xLr4TzW7vYb1NcE5hJ3uA6sD0pG2i", "a GitHub token"),
            (
                "github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyzABCDEFGHIJKLMNOP",
                "a GitHub token",
            ),
            (
                "xoxb-123456789012-1234567890123-abcdefghijklmnop",
                "a Slack token",
            ),
            ("glpat-xxxxxxxxxxxxxxxxxxxx", "a GitLab token"),
            (
                "AIzaSyA-1234567890abcdefghijklmnopqrstu",
                "a Google API key",
            ),
            (
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "an AWS secret access key",
            ),
            (
                "aws_secret_access_key:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "an AWS secret access key",
            ),
            (
                "secret=je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
                "an AWS secret access key",
            ),
            ("4f9a1c3e8b2d7f6a5c4e3b2a1d0f9e8c", "a hex-encoded key"),
            (
                "api_key=4f9a1c3e8b2d7f6a5c4e3b2a1d0f9e8c7b6a5d4c",
                "a hex-encoded key",
            ),
            (
                "Zx9Qp2Lm7Kt4Rv8Ws1Yn6Bh3Jc5Gd0Fa-_Ue",
                "a long random token",
            ),
        ] {
            assert_eq!(shape("VALUE", value), Some(kind), "{value}");
        }
    }

    /// Values shaped almost like a credential, and references to secrets, pass.
    #[test]
    fn lets_look_alikes_through() {
        for (name, value) in [
            (
                "DB_PASSWORD_ARN",
                "arn:aws:ssm:us-east-1:123456789012:parameter/tap/api-key",
            ),
            (
                "DB",
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:tap/db-AbCdEf",
            ),
            ("REQUEST_ID", "3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
            (
                "FLAG",
                "this-is-a-rather-long-feature-flag-name-for-staging",
            ),
            ("CALLBACK", "https://api.example.com/v1/callback"),
            ("DB_URL", "postgres://app@db.internal:5432/orders"),
            ("DOCS", "https://example.com/a:b@c"),
            ("KEY", "AKIA-not-a-key"),
            ("LEVEL", "INFO"),
            ("EMPTY", ""),
            ("JWT_ISSUER", "eyJ.eyJ.x"),
            ("VERSION", "1.2.3"),
            ("STRIPE_MODE", "sk_live_"),
            ("PREFIX", "ghp_short"),
            ("CHANNEL", "xoxb-"),
            ("MODE", "task-ask_live_mode"),
            ("GIT_SHA", "4f9a1c3e8b2d7f6a5c4e3b2a1d0f9e8c7b6a5d4c"),
            ("BUILD_HASH", "4f9a1c3e8b2d7f6a5c4e3b2a1d0f9e8c"),
            ("SHORT_HEX", "4f9a1c3e8b2d7f6a"),
            ("PATH", "/opt/app/config"),
            ("CONFIG", "/tap/prod/db-password"),
        ] {
            assert_eq!(looks_like_secret(name, value), None, "{name} = {value}");
        }
    }

    /// A variable named like a secret must point at one, not hold it.
    #[test]
    fn refuses_plain_values_of_variables_named_like_secrets() {
        for (name, word) in [
            ("DB_PASSWORD", "password"),
            ("PASSWD", "password"),
            ("client_secret", "secret"),
            ("JWTSECRETKEY", "secret"),
            ("API_TOKEN", "token"),
            ("GITHUB_TOKEN_VALUE", "token"),
        ] {
            assert_eq!(
                looks_like_secret(name, "hunter2"),
                Some(Secret::Name(word)),
                "{name}"
            );
        }
        for (name, value) in [
            (
                "DB_PASSWORD",
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:tap/db-AbCdEf",
            ),
            ("DB_PASSWORD", "/tap/prod/db-password"),
            ("DB_PASSWORD", "{{resolve:ssm-secure:/tap/db}}"),
            ("DB_PASSWORD", ""),
            ("DB_PASSWORD_ARN", "hunter2"),
            ("SECRET_NAME", "tap/prod/db"),
            ("TOKEN_TTL", "3600"),
            ("TOKEN_URL", "https://auth.example.com/oauth/token"),
            ("TOKEN_REFRESH", "false"),
            ("TOKEN_LIFETIME", "900"),
        ] {
            assert_eq!(looks_like_secret(name, value), None, "{name} = {value}");
        }
    }
}
