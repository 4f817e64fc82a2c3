//! Finding the line of a key in the TOML text, and turning the TOML
//! deserializer's errors into "key, line, problem" with a suggestion for a
//! likely typo.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// 1-based line of byte offset `at` in `text`.
fn line_at(text: &str, at: usize) -> usize {
    text.get(..at.min(text.len()))
        .map_or(1, |t| t.matches('\n').count() + 1)
}

/// The line where `key` (a dotted path like `services[2].name`) is set.
pub(super) fn line_of(text: &str, key: &str) -> Option<usize> {
    let doc = DeTable::parse(text).ok()?;
    let mut table: &DeTable = doc.get_ref();
    let mut span = None;
    for part in key.split('.').filter(|p| !p.is_empty()) {
        let (name, index) = match part.split_once('[') {
            Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        let (k, v) = table.get_key_value(name)?;
        span = Some(k.span().start);
        let mut value: &Spanned<DeValue> = v;
        if let Some(i) = index {
            let DeValue::Array(items) = value.get_ref() else {
                break;
            };
            value = items.get(i)?;
            span = Some(value.span().start);
        }
        match value.get_ref() {
            DeValue::Table(t) => table = t,
            _ => break,
        }
    }
    span.map(|s| line_at(text, s))
}

/// The dotted key set on 1-based `line`: the table header in force there
/// (`[[services]]` counted into `services[i]`) plus the key before `=`.
fn key_at_line(text: &str, line: usize) -> String {
    let mut table = String::new();
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut key = String::new();
    for (n, raw) in text.lines().enumerate().take(line) {
        let l = raw.trim();
        if let Some(name) = l.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
            let name = name.trim().to_owned();
            let i = counts.entry(name.clone()).or_insert(0);
            table = format!("{name}[{i}]");
            *i += 1;
        } else if let Some(name) = l.strip_prefix('[').and_then(|r| r.split(']').next()) {
            table = name.trim().to_owned();
        }
        if n + 1 == line {
            key = l
                .split_once('=')
                .map(|(k, _)| k.trim().trim_matches('"').to_owned())
                .unwrap_or_default();
        }
    }
    match (table.is_empty(), key.is_empty()) {
        (_, true) => table,
        (true, false) => key,
        (false, false) => format!("{table}.{key}"),
    }
}

/// Key, line and message for a deserializer error.
pub(super) fn describe_toml_error(
    text: &str,
    e: &toml::de::Error,
) -> (String, Option<usize>, String) {
    let line = e.span().map(|s| line_at(text, s.start));
    let key = line.map(|l| key_at_line(text, l)).unwrap_or_default();
    let mut message = plain_types(e.message().trim());
    if let Some((unknown, expected)) = unknown_field(&message)
        && let Some(best) = closest(&unknown, &expected)
    {
        message = format!("{message}; did you mean `{best}`?");
    }
    (key, line, message)
}

/// Says serde's Rust type names in words: "expected u64" becomes "expected
/// a whole number".
fn plain_types(message: &str) -> String {
    let mut out = message.to_owned();
    for (rust, words) in [
        ("expected u64", "expected a whole number"),
        ("expected u32", "expected a whole number"),
        ("expected u16", "expected a whole number"),
        ("expected u8", "expected a whole number"),
        ("expected usize", "expected a whole number"),
        ("expected f64", "expected a number"),
        ("expected a sequence", "expected a list like [\"a\", \"b\"]"),
    ] {
        if let Some(rest) = out.strip_suffix(rust) {
            out = format!("{rest}{words}");
        }
    }
    out
}

/// Parses serde's "unknown field `x`, expected one of `a`, `b`" message.
fn unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (name, rest) = rest.split_once('`')?;
    let expected = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    Some((name.to_owned(), expected))
}

/// The expected name closest to `unknown`, if it is close enough to be a typo.
fn closest(unknown: &str, expected: &[String]) -> Option<String> {
    expected
        .iter()
        .map(|e| (strsim::levenshtein(unknown, e), e))
        .filter(|(d, e)| *d <= 2.max(e.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, e)| e.clone())
}
