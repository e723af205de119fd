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

/// Names made unique by a number from the second of a kind on (`name`,
/// `name-2`, `name-3`, ... in the form the caller gives), in work linear in
/// the names: each name remembers the next number to try, so a thousand
/// entries of one name take a thousand steps, not half a million.
#[derive(Debug)]
pub struct UniqueNames {
    taken: std::collections::HashSet<String>,
    next: std::collections::HashMap<String, usize>,
    fold: fn(&str) -> String,
    tried: usize,
}

impl UniqueNames {
    /// No name taken yet; names compare as `fold` makes them (Java, for
    /// one, compares aliases lower-cased).
    pub fn new(fold: fn(&str) -> String) -> UniqueNames {
        UniqueNames {
            taken: Default::default(),
            next: Default::default(),
            fold,
            tried: 0,
        }
    }

    /// Takes `name` if no name that compares equal is taken.
    pub fn take(&mut self, name: &str) -> bool {
        self.tried += 1;
        self.taken.insert((self.fold)(name))
    }

    /// `base` if free, else the first free `numbered(base, n)` for n = 2,
    /// 3, ... after the numbers given for `base` before; taken.
    pub fn unique(&mut self, base: &str, numbered: impl Fn(&str, usize) -> String) -> String {
        let mut n = self.next.get(base).copied().unwrap_or(1);
        let mut name = if n == 1 {
            base.to_string()
        } else {
            numbered(base, n)
        };
        while !self.take(&name) {
            n = n.max(1) + 1;
            name = numbered(base, n);
        }
        self.next.insert(base.to_string(), n + 1);
        name
    }

    /// How many names were tried: tests bound the work with it.
    pub fn tried(&self) -> usize {
        self.tried
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_one_kind_are_numbered_in_linear_work() {
        let mut names = UniqueNames::new(str::to_lowercase);
        assert!(names.take("Root-3"));
        let got: Vec<String> = (0..1000)
            .map(|_| names.unique("root", |b, n| format!("{b}-{n}")))
            .collect();
        assert_eq!(&got[..4], ["root", "root-2", "root-4", "root-5"]);
        assert_eq!(got[999], "root-1001");
        assert!(names.tried() <= 2 * 1001, "{} tries", names.tried());
        // Another kind starts from its own base; the case-sensitive fold
        // keeps "File" and "file" apart.
        let mut files = UniqueNames::new(str::to_string);
        assert_eq!(files.unique("file", |b, n| format!("{b} ({n})")), "file");
        assert_eq!(files.unique("File", |b, n| format!("{b} ({n})")), "File");
        assert_eq!(
            files.unique("file", |b, n| format!("{b} ({n})")),
            "file (2)"
        );
    }

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
