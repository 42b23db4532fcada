//! The one place where text becomes HCL syntax: string escaping and identifier rules.

use std::fmt::Write as _;

/// Escapes `value` as the inside of an HCL quoted string, so that parsing it gives back
/// exactly `value`.
///
/// Follows hclwrite's escaper: `\n`, `\r`, `\t`, `"` and `\` get backslash escapes; `${`
/// and `%{` are doubled so they stay literal instead of starting a template; other control
/// characters become `\uNNNN`.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if needs_unicode_escape(c) => {
                let code = u32::from(c);
                if code > 0xFFFF {
                    let _ = write!(out, "\\U{code:08x}");
                } else {
                    let _ = write!(out, "\\u{code:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// `value` as a complete quoted HCL string.
pub fn quote(value: &str) -> String {
    format!("\"{}\"", escape(value))
}

/// Characters that would be invisible or would break a line if written raw.
fn needs_unicode_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{200b}'..='\u{200f}'
        )
}

/// An HCL identifier in its ASCII form: `[A-Za-z_][A-Za-z0-9_-]*`.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Whether an object key can be written bare. Keywords are quoted so that a leading `for`
/// is never read as a for-expression and `true`/`null` are never read as literals.
pub fn is_bare_key(key: &str) -> bool {
    is_identifier(key) && !matches!(key, "for" | "in" | "if" | "true" | "false" | "null")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_quotes_backslashes_and_control_characters() {
        assert_eq!(escape("a\"b\\c\nd\te\r"), "a\\\"b\\\\c\\nd\\te\\r");
        assert_eq!(escape("bell\u{7}"), "bell\\u0007");
        assert_eq!(escape("line\u{2028}sep"), "line\\u2028sep");
    }

    #[test]
    fn doubles_only_template_introducers() {
        assert_eq!(escape("${x} %{y} $ % $$ 100%"), "$${x} %%{y} $ % $$ 100%");
        assert_eq!(escape("$${x}"), "$$${x}");
    }

    #[test]
    fn keeps_printable_unicode_raw() {
        assert_eq!(escape("日本 é 😀"), "日本 é 😀");
    }

    #[test]
    fn identifiers_and_keys() {
        assert!(is_identifier("ManagedBy"));
        assert!(is_identifier("cost-center"));
        assert!(!is_identifier("1abc"));
        assert!(!is_identifier("a.b"));
        assert!(!is_identifier(""));
        assert!(!is_bare_key("for"));
        assert!(!is_bare_key("aws:tag"));
    }
}
