//! Makes untrusted text safe to print on a terminal.
//!
//! Subjects, JSON fields and file names come from files the user did not
//! write. Control characters (escape sequences), and Unicode bidirectional
//! overrides are shown escaped, so that a certificate cannot rewrite the
//! terminal or disguise what it says.

use std::borrow::Cow;

/// Returns `s` unchanged when it is safe, or a copy with every unsafe
/// character written as `\u{XXXX}`.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A file-name-safe slug of a common name: `*.example.com` -> `wildcard.example.com`.
pub fn file_slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.replace('*', "wildcard").chars() {
        if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches(|c| c == '-' || c == '.').to_string();
    let out: String = out.chars().take(60).collect();
    if out.is_empty() {
        "unnamed".into()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_control() {
        assert_eq!(sanitize("CN=a\u{1b}[31mb"), "CN=a\\u{001b}[31mb");
        assert_eq!(sanitize("plain"), "plain");
        assert_eq!(sanitize("x\u{202e}y"), "x\\u{202e}y");
    }

    #[test]
    fn slugs() {
        assert_eq!(
            file_slug("*.hci.eu.hana.ondemand.com"),
            "wildcard.hci.eu.hana.ondemand.com"
        );
        assert_eq!(file_slug("SAP Cloud Root CA"), "sap-cloud-root-ca");
        assert_eq!(file_slug("../../etc"), "etc");
        assert_eq!(file_slug("///"), "unnamed");
    }
}
