//! Refuses credentials in values that end up in plain text in generated files and state.

/// Why a value looks like a credential, or `None` when it looks harmless.
pub fn looks_like_secret(value: &str) -> Option<&'static str> {
    if contains_access_key_id(value) {
        return Some("an AWS access key id");
    }
    if value.contains("-----BEGIN") && value.contains("PRIVATE KEY") {
        return Some("a private key");
    }
    // References to where a secret lives are the recommended alternative, so let them through.
    if value.starts_with("arn:") || value.starts_with("ssm:") || value.starts_with("{{resolve:") {
        return None;
    }
    if value
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '"' | '\''))
        .any(is_high_entropy_token)
    {
        return Some("a long random token");
    }
    None
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

/// At least 32 characters of base64/hex-like text, mixing letter cases and digits, with
/// more than 4.2 bits of entropy per character: what API keys and tokens look like, and
/// what words, UUIDs and hostnames do not.
fn is_high_entropy_token(token: &str) -> bool {
    if token.len() < 32
        || !token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '_' | '-'))
    {
        return false;
    }
    let has_lower = token.chars().any(|c| c.is_ascii_lowercase());
    let has_upper = token.chars().any(|c| c.is_ascii_uppercase());
    let has_digit = token.chars().any(|c| c.is_ascii_digit());
    has_lower && has_upper && has_digit && shannon_entropy(token) > 4.2
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

    #[test]
    fn refuses_credentials() {
        assert_eq!(
            looks_like_secret("AKIAIOSFODNN7EXAMPLE"),
            Some("an AWS access key id")
        );
        assert_eq!(
            looks_like_secret("key=ASIAY34FZKBOKMUTVV7A;"),
            Some("an AWS access key id")
        );
        assert_eq!(
            looks_like_secret(
                "-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----"
            ),
            Some("a private key")
        );
        assert_eq!(
            looks_like_secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            Some("a long random token")
        );
        assert_eq!(
            looks_like_secret("ghp_8fK2mQ9xLr4TzW7vYb1NcE5hJ3uA6sD0pG2i"),
            Some("a long random token")
        );
    }

    #[test]
    fn lets_harmless_look_alikes_through() {
        for value in [
            "arn:aws:ssm:us-east-1:123456789012:parameter/tap/api-key",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:tap/db-AbCdEf",
            "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
            "this-is-a-rather-long-feature-flag-name-for-staging",
            "https://api.example.com/v1/callback",
            "AKIA-not-a-key",
            "INFO",
            "",
        ] {
            assert_eq!(looks_like_secret(value), None, "{value}");
        }
    }
}
