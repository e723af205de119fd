//! Byte positions of JSON values, for edits that keep the rest of a file
//! exactly as it was (field order, indentation, line endings).
//!
//! serde_json checks the file first; this scanner only measures it.

/// A value's byte range in the text, and its parts.
#[derive(Debug, Clone)]
pub struct Span {
    /// Byte offset of the value's first character.
    pub start: usize,
    /// Byte offset just after the value.
    pub end: usize,
    /// What the value is, with its parts.
    pub kind: Kind,
}

/// The kind of a JSON value, with the spans of its parts.
#[derive(Debug, Clone)]
pub enum Kind {
    /// Members in order: (key, its escapes decoded; value). Duplicate keys
    /// are all kept; [`Span::member`] takes the last.
    Object(Vec<(String, Span)>),
    /// Elements, in order.
    Array(Vec<Span>),
    /// A string, its escapes decoded (`"client\u005fx509"` is
    /// `client_x509`), as a JSON parser reads it.
    String(String),
    /// Number, true, false, null.
    Scalar,
}

/// Measures the JSON value that starts at `pos` (after white space).
pub fn parse(text: &str, pos: usize) -> Option<Span> {
    let mut p = Parser {
        b: text.as_bytes(),
        text,
        i: pos,
    };
    p.ws();
    p.value()
}

struct Parser<'a> {
    b: &'a [u8],
    text: &'a str,
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn value(&mut self) -> Option<Span> {
        let start = self.i;
        match *self.b.get(self.i)? {
            b'{' => {
                self.i += 1;
                let mut members = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Some(Span {
                        start,
                        end: self.i,
                        kind: Kind::Object(members),
                    });
                }
                loop {
                    self.ws();
                    let key = match self.value()?.kind {
                        Kind::String(s) => s,
                        _ => return None,
                    };
                    self.ws();
                    if self.b.get(self.i) != Some(&b':') {
                        return None;
                    }
                    self.i += 1;
                    self.ws();
                    let v = self.value()?;
                    members.push((key, v));
                    self.ws();
                    match self.b.get(self.i)? {
                        b',' => self.i += 1,
                        b'}' => {
                            self.i += 1;
                            return Some(Span {
                                start,
                                end: self.i,
                                kind: Kind::Object(members),
                            });
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Some(Span {
                        start,
                        end: self.i,
                        kind: Kind::Array(items),
                    });
                }
                loop {
                    self.ws();
                    // Objects and arrays inside arrays are measured, not
                    // taken apart: instance parameters need none of them,
                    // and a file may hold megabytes of them.
                    items.push(match self.b.get(self.i)? {
                        b'{' | b'[' => self.skip()?,
                        _ => self.value()?,
                    });
                    self.ws();
                    match self.b.get(self.i)? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(Span {
                                start,
                                end: self.i,
                                kind: Kind::Array(items),
                            });
                        }
                        _ => return None,
                    }
                }
            }
            b'"' => {
                self.i += 1;
                let s = self.i;
                while *self.b.get(self.i)? != b'"' {
                    if self.b[self.i] == b'\\' {
                        self.i += 1;
                    }
                    self.i += 1;
                }
                let inner = unescape(self.text.get(s..self.i)?)?;
                self.i += 1;
                Some(Span {
                    start,
                    end: self.i,
                    kind: Kind::String(inner),
                })
            }
            _ => {
                while self.i < self.b.len()
                    && !matches!(
                        self.b[self.i],
                        b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'
                    )
                {
                    self.i += 1;
                }
                (self.i > start).then_some(Span {
                    start,
                    end: self.i,
                    kind: Kind::Scalar,
                })
            }
        }
    }
}

impl Parser<'_> {
    /// Measures the object or array at the cursor without its parts.
    fn skip(&mut self) -> Option<Span> {
        let start = self.i;
        let open = self.b[self.i];
        let mut depth = 0usize;
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'"' => {
                    self.i += 1;
                    while *self.b.get(self.i)? != b'"' {
                        if self.b[self.i] == b'\\' {
                            self.i += 1;
                        }
                        self.i += 1;
                    }
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        self.i += 1;
                        let kind = if open == b'{' {
                            Kind::Object(Vec::new())
                        } else {
                            Kind::Array(Vec::new())
                        };
                        return Some(Span {
                            start,
                            end: self.i,
                            kind,
                        });
                    }
                }
                _ => {}
            }
            self.i += 1;
        }
        None
    }
}

/// The text of a JSON string between its quotes, its escapes decoded;
/// `None` for an escape JSON does not know.
fn unescape(raw: &str) -> Option<String> {
    if !raw.contains('\\') {
        return Some(raw.to_string());
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            '/' => out.push('/'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'u' => {
                let first = hex4(&mut chars)?;
                let code = if (0xd800..0xdc00).contains(&first) {
                    // A surrogate pair: `\uD83D\uDE00`.
                    if chars.next()? != '\\' || chars.next()? != 'u' {
                        return None;
                    }
                    let second = hex4(&mut chars)?;
                    if !(0xdc00..0xe000).contains(&second) {
                        return None;
                    }
                    0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00)
                } else {
                    first
                };
                out.push(char::from_u32(code)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// The four hex digits of a `\u` escape.
fn hex4(chars: &mut std::str::Chars) -> Option<u32> {
    let mut n = 0;
    for _ in 0..4 {
        n = n * 16 + chars.next()?.to_digit(16)?;
    }
    Some(n)
}

impl Span {
    /// The member `key` of an object (its name compared with escapes
    /// decoded); of duplicate keys the last, as serde_json and most JSON
    /// parsers read them.
    pub fn member(&self, key: &str) -> Option<&Span> {
        match &self.kind {
            Kind::Object(m) => m.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_nested_values() {
        let t = r#" {"a": [1, "x\"y", {"b": null}], "c": "d"} "#;
        let s = parse(t, 0).unwrap();
        assert_eq!(
            &t[s.start..s.end],
            r#"{"a": [1, "x\"y", {"b": null}], "c": "d"}"#
        );
        let a = s.member("a").unwrap();
        assert_eq!(&t[a.start..a.end], r#"[1, "x\"y", {"b": null}]"#);
        match &a.kind {
            Kind::Array(items) => {
                assert_eq!(&t[items[1].start..items[1].end], r#""x\"y""#);
                assert!(matches!(&items[1].kind, Kind::String(s) if s == "x\"y"));
            }
            _ => panic!(),
        }
        assert!(parse("[1,", 0).is_none());
    }

    #[test]
    fn names_and_strings_are_read_as_json_reads_them() {
        let t = r#"{"grant\u002dtypes": ["client\u005fx509", "\ud83d\ude00\n\/"], "a": 1, "a": 2}"#;
        let s = parse(t, 0).unwrap();
        let g = s.member("grant-types").expect("the escaped name is found");
        match &g.kind {
            Kind::Array(items) => {
                assert!(matches!(&items[0].kind, Kind::String(v) if v == "client_x509"));
                assert!(matches!(&items[1].kind, Kind::String(v) if v == "\u{1f600}\n/"));
            }
            _ => panic!(),
        }
        // Duplicate keys: the last counts, as for serde_json.
        let a = s.member("a").unwrap();
        assert_eq!(&t[a.start..a.end], "2");
        let v: serde_json::Value = serde_json::from_str(t).unwrap();
        assert_eq!(v["a"], 2);
        assert!(parse(r#""\x""#, 0).is_none());
    }
}
