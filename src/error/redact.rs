//! Values refused because they look like secrets, kept out of what a report prints.
//!
//! Refusing a credential must not copy it into a terminal or a CI log. A problem that refuses
//! a value as a secret carries it as [`Redacted`]; before a report is laid out, [`Secrets`]
//! gathers every such value of the report and masks it in every diagnostic of it, not only
//! the one that refused it: the string literal under the caret and any copy of the value in
//! a source line (each character replaced, so the caret stays under it), and any copy or long
//! piece of it in a message or a help. Where it is (file, line, column, key) still shows.

use super::{Diagnostic, Location, quoted, shown};
use std::fmt;
use unicode_normalization::UnicodeNormalization;

/// What each character of a masked value becomes.
const MASK: char = '*';

/// The fewest characters of a secret that a message or a source line masks wherever they
/// occur; shorter copies are masked only where they are the whole of a backticked value, so
/// that a short password does not mask every word it is part of.
const MIN_PIECE: usize = 8;

/// A value refused because it looks like a secret. It is never printed: its `Debug` says only
/// how long it is, and [`Secrets`] masks it wherever a report would show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Redacted(String);

impl Redacted {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redacted({} chars)", self.0.chars().count())
    }
}

/// The secrets one report refuses: where each is written, and the forms a message could
/// show it in.
pub(super) struct Secrets<'a> {
    /// The places where a refused value is written, each at the start of its literal.
    places: Vec<&'a Location>,
    /// Every form of every refused value, longest first.
    forms: Vec<String>,
}

impl<'a> Secrets<'a> {
    /// The secrets that `diagnostics` refuse.
    pub(super) fn of(diagnostics: &'a [Diagnostic]) -> Self {
        let mut places = Vec::new();
        let mut forms = Vec::new();
        for diagnostic in diagnostics {
            let Some(value) = diagnostic.problem.secret() else {
                continue;
            };
            places.extend(diagnostic.location.as_ref());
            let value = value.expose();
            let normalized: String = value.nfc().collect();
            for text in [value, normalized.as_str()] {
                forms.push(text.to_owned());
                // As a message shows a value: its first characters, escaped.
                forms.push(shown(text).trim_end_matches('…').to_owned());
                let quoted = quoted(text);
                let inner = quoted.strip_prefix('"').unwrap_or(&quoted);
                let inner = inner.strip_suffix('"').unwrap_or(inner);
                forms.push(inner.trim_end_matches('…').to_owned());
            }
        }
        forms.retain(|form| !form.is_empty());
        // Longest first, so that a copy is masked whole before a shorter form inside it.
        forms.sort_by(|a, b| (b.chars().count(), a.as_str()).cmp(&(a.chars().count(), b.as_str())));
        forms.dedup();
        Self { places, forms }
    }

    /// `location` with every refused value it shows masked: the literal of each that is
    /// written on its line, and any long copy of one.
    pub(super) fn location(&self, location: &Location) -> Location {
        let mut masked = location.clone();
        for place in &self.places {
            if place.file == location.file && place.line == location.line {
                masked.source_line = mask_literal(&masked.source_line, place.column);
            }
        }
        masked.source_line = self.mask_copies(&masked.source_line);
        masked
    }

    /// `text` (a message or a help) with every refused value it shows masked: long copies
    /// and pieces anywhere, short ones where they are a whole backticked value.
    pub(super) fn text(&self, text: &str) -> String {
        if self.forms.is_empty() {
            return text.to_owned();
        }
        let text = self.mask_copies(text);
        // Between backticks: odd parts of a split on them.
        text.split('`')
            .enumerate()
            .map(|(index, part)| {
                // A value shown in quotes, or cut short with `…`, is masked inside them.
                let inner = part.trim_matches('"');
                let inner = inner.strip_suffix('…').unwrap_or(inner);
                let ticked = index % 2 == 1;
                let piece = inner.chars().count() >= MIN_PIECE
                    && self.forms.iter().any(|form| form.contains(inner));
                let whole = self.forms.iter().any(|form| form == inner);
                if ticked && (piece || whole) {
                    part.replace(inner, &masked(inner))
                } else {
                    part.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("`")
    }

    /// `text` with each copy of a form of at least [`MIN_PIECE`] characters masked.
    fn mask_copies(&self, text: &str) -> String {
        self.forms
            .iter()
            .filter(|form| form.chars().count() >= MIN_PIECE)
            .fold(text.to_owned(), |text, form| {
                text.replace(form.as_str(), &masked(form))
            })
    }
}

/// As many mask characters as `text` has characters.
fn masked(text: &str) -> String {
    std::iter::repeat_n(MASK, text.chars().count()).collect()
}

/// `line` with the characters inside the TOML string literal that starts at `column` (1-based,
/// in characters) masked, its quotes kept. Where the literal does not close on the line (a
/// multi-line string, or a line cut short with `…`), the rest of the line is masked. Where no
/// literal starts at `column`, the line is returned as it is.
fn mask_literal(line: &str, column: usize) -> String {
    let chars: Vec<char> = line.chars().collect();
    let start = column.saturating_sub(1);
    let Some(&quote) = chars.get(start).filter(|c| matches!(c, '"' | '\'')) else {
        return line.to_owned();
    };
    let delimiter = if chars[start..].starts_with(&[quote; 3]) {
        3
    } else {
        1
    };
    let close = vec![quote; delimiter];
    let mut end = start + delimiter;
    loop {
        match chars.get(end) {
            None => break,
            // A line cut short for its length ends with `…`, which is no part of the value.
            Some('…') if end + 1 == chars.len() => break,
            Some('\\') if quote == '"' => end += 2,
            Some(_) if chars[end..].starts_with(&close) => break,
            Some(_) => end += 1,
        }
    }
    let end = end.min(chars.len());
    chars
        .iter()
        .enumerate()
        .map(|(at, &c)| {
            if (start + delimiter..end).contains(&at) {
                MASK
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::secrets::Secret;
    use crate::error::{Holder, Problem};

    #[test]
    fn a_literal_is_masked_inside_its_quotes_with_its_escapes() {
        assert_eq!(
            mask_literal("KEY = \"abc\\\"d\" # x", 7),
            "KEY = \"******\" # x"
        );
        assert_eq!(mask_literal("KEY = 'a\\b'", 7), "KEY = '***'");
        assert_eq!(mask_literal("KEY = \"\"\"", 7), "KEY = \"\"\"");
        assert_eq!(mask_literal("KEY = \"\"\"abc", 7), "KEY = \"\"\"***");
        assert_eq!(mask_literal("KEY = \"abc", 7), "KEY = \"***");
        // No literal at the column: nothing to mask there.
        assert_eq!(mask_literal("[tags]", 1), "[tags]");
        assert_eq!(mask_literal("KEY = \"abc\"", 40), "KEY = \"abc\"");
    }

    #[test]
    fn a_line_cut_short_keeps_its_ellipsis() {
        let line = format!("KEY = \"{}…", "a".repeat(120));
        assert_eq!(
            mask_literal(&line, 7),
            format!("KEY = \"{}…", "*".repeat(120))
        );
    }

    fn refusing(value: &str, line: &str, column: usize) -> Diagnostic {
        Diagnostic::in_file(
            Problem::Secret {
                holder: Holder::Tag("Build".to_owned()),
                secret: Secret::Name("password"),
                value: Redacted::new(value),
            },
            "tapgen.toml",
        )
        .at(Some(Location {
            file: "tapgen.toml".to_owned(),
            line: 3,
            column,
            source_line: line.to_owned(),
            width: 5,
        }))
    }

    #[test]
    fn messages_lose_copies_and_long_pieces_of_a_secret_and_keep_the_rest() {
        let secret = "Zx9Qp2Lm7Kt4Rv8Ws1Yn6Bh3Jc5Gd0Fa-_Ue-and-some-more";
        let diagnostics = [refusing(secret, "", 1)];
        let secrets = Secrets::of(&diagnostics);
        // Whole, cut short as a message shows it, and a piece that a reason quotes.
        let text = format!(
            "tag `Build` is `{secret}`, `{}`, `\"{}\"`, `Kt4Rv8Ws1Yn6` and `Rv8Ws1Yn6Bh3Jc…`",
            shown(secret),
            shown(secret)
        );
        let masked = secrets.text(&text);
        assert!(!masked.contains("Zx9Qp2"), "{masked}");
        assert!(!masked.contains("Kt4Rv8"), "{masked}");
        assert!(!masked.contains("Rv8Ws1"), "{masked}");
        assert!(masked.ends_with("`**************…`"), "{masked}");
        assert!(masked.starts_with("tag `Build` is `****"), "{masked}");
        assert!(masked.contains("`\"****"), "{masked}");
    }

    #[test]
    fn a_short_secret_is_masked_only_where_it_is_a_whole_value() {
        let diagnostics = [refusing("pw", "DB_PASSWORD = \"pw\"", 15)];
        let secrets = Secrets::of(&diagnostics);
        assert_eq!(
            secrets.text("`pw` in `DB_PASSWORD` and `pwd`"),
            "`**` in `DB_PASSWORD` and `pwd`"
        );
        let at = secrets.location(diagnostics[0].location.as_ref().unwrap());
        assert_eq!(at.source_line, "DB_PASSWORD = \"**\"");
        assert_eq!(at.width, 5);
    }

    #[test]
    fn a_redacted_value_never_shows_in_debug_output() {
        let debug = format!("{:?}", refusing("hunter2", "", 1));
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("Redacted(7 chars)"), "{debug}");
    }
}
