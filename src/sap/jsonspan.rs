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
    /// Members: (key as written, without quotes, unescaped naively; value).
    Object(Vec<(String, Span)>),
    /// Elements, in order.
    Array(Vec<Span>),
    /// A string; the text between the quotes, as written.
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
                    items.push(self.value()?);
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
                let inner = self.text.get(s..self.i)?.to_string();
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

impl Span {
    /// The member `key` of an object.
    pub fn member(&self, key: &str) -> Option<&Span> {
        match &self.kind {
            Kind::Object(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
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
            Kind::Array(items) => assert_eq!(&t[items[1].start..items[1].end], r#""x\"y""#),
            _ => panic!(),
        }
        assert!(parse("[1,", 0).is_none());
    }
}
