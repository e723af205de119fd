//! JSON documents read without building trees of what nobody reads: a
//! service key or instance parameters file may carry megabytes of other
//! data beside the few fields btpcert needs.

use serde_json::value::RawValue;
use serde_json::Value;

/// Arrays and objects above this size are not made into trees.
pub const PRUNE_ABOVE: usize = 64 << 10;

/// The members of a JSON object, in order, their values unread.
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Members<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = Members<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut m: M,
            ) -> Result<Members<'a>, M::Error> {
                let mut out = Vec::new();
                while let Some(kv) = m.next_entry::<String, &'de RawValue>()? {
                    out.push(kv);
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// Why a document could not be read, and where: the line and column are
/// the document's, also for a value found wrong inside a large document
/// that was read a member at a time.
#[derive(Debug)]
pub struct Error {
    message: String,
    line: usize,
    column: usize,
    eof: bool,
}

impl Error {
    /// `e`, found in `part`, a slice of `doc`, placed in `doc`.
    fn located(doc: &str, part: &str, e: &serde_json::Error) -> Error {
        let offset = (part.as_ptr() as usize)
            .checked_sub(doc.as_ptr() as usize)
            .filter(|&o| o <= doc.len())
            .unwrap_or(0);
        let before = &doc.as_bytes()[..offset];
        let lines = memchr::memchr_iter(b'\n', before).count();
        let line_start = memchr::memrchr(b'\n', before).map_or(0, |p| p + 1);
        let text = e.to_string();
        Error {
            // serde_json appends " at line L column C": the place is ours.
            message: text.split(" at line ").next().unwrap_or(&text).to_string(),
            line: lines + e.line(),
            column: if e.line() <= 1 {
                offset - line_start + e.column()
            } else {
                e.column()
            },
            eof: e.classify() == serde_json::error::Category::Eof,
        }
    }

    /// The line, from 1.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The column, from 1.
    pub fn column(&self) -> usize {
        self.column
    }

    /// What is wrong, without the place.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether the document ends too early.
    pub fn is_eof(&self) -> bool {
        self.eof
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} at line {} column {}",
            self.message, self.line, self.column
        )
    }
}

impl std::error::Error for Error {}

/// A tree of raw, already validated JSON without its large arrays and
/// objects: an array above [`PRUNE_ABOVE`] bytes becomes empty, an object
/// above it keeps its members' names with their values pruned alike. The
/// members `keep` names are read whole, whatever their size. As with
/// serde_json, the last of duplicate names wins. A value read that is
/// valid JSON text but no value serde_json holds (a number out of range, a
/// lone surrogate escape, nesting too deep) is an error, in a large
/// document as in a small one; only what is pruned goes unread.
pub fn prune(doc: &str, raw: &RawValue, keep: &dyn Fn(&str) -> bool) -> Result<Value, Error> {
    prune_at(doc, raw, keep, 0)
}

fn prune_at(
    doc: &str,
    raw: &RawValue,
    keep: &dyn Fn(&str) -> bool,
    depth: usize,
) -> Result<Value, Error> {
    let text = raw.get();
    let small = text.len() <= PRUNE_ABOVE;
    let whole = |t: &str| serde_json::from_str(t).map_err(|e| Error::located(doc, t, &e));
    match text.as_bytes().first() {
        Some(b'{') if !small && depth < 16 => {
            let Members(members) =
                serde_json::from_str(text).map_err(|e| Error::located(doc, text, &e))?;
            let mut map = serde_json::Map::new();
            for (k, v) in members {
                let value = if keep(&k) {
                    whole(v.get())?
                } else {
                    prune_at(doc, v, keep, depth + 1)?
                };
                map.insert(k, value);
            }
            Ok(Value::Object(map))
        }
        Some(b'[') if !small => Ok(Value::Array(Vec::new())),
        _ => whole(text),
    }
}

/// Parses `text` as one JSON value, pruned as [`prune`] does; a document
/// too small to prune is read into a tree in one pass.
pub fn parse_pruned(text: &str, keep: &dyn Fn(&str) -> bool) -> Result<Value, Error> {
    if text.len() <= PRUNE_ABOVE {
        return serde_json::from_str(text).map_err(|e| Error::located(text, text, &e));
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let raw: &RawValue = serde::Deserialize::deserialize(&mut de)
        .and_then(|raw| de.end().map(|_| raw))
        .map_err(|e| Error::located(text, text, &e))?;
    prune(text, raw, keep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_inner_values_are_pruned_and_kept_ones_read() {
        let big: Vec<u32> = (0..40_000).collect();
        let doc = serde_json::json!({
            "oauth": {"clientid": "c", "junk": big.clone()},
            "grant-types": big,
            "a": 1, "a": 2
        })
        .to_string();
        let v = parse_pruned(&doc, &|k| k == "grant-types").unwrap();
        assert_eq!(v["oauth"]["clientid"], "c");
        assert_eq!(v["oauth"]["junk"], serde_json::json!([]));
        assert_eq!(v["grant-types"].as_array().unwrap().len(), 40_000);
        let small = r#"{"a": 1, "a": 2, "b": [1, 2]}"#;
        assert_eq!(
            parse_pruned(small, &|_| false).unwrap(),
            serde_json::from_str::<Value>(small).unwrap()
        );
        assert!(parse_pruned("{\"a\": ", &|_| false).unwrap_err().is_eof());
    }

    #[test]
    fn a_value_serde_json_cannot_hold_is_an_error_at_its_place_in_any_size() {
        let junk = "x".repeat(PRUNE_ABOVE + 10);
        for bad in ["1e999", "\"\\udc00x\"", &"[".repeat(200)] {
            let closing = if bad.starts_with('[') {
                "]".repeat(200)
            } else {
                String::new()
            };
            let small = format!("{{\n  \"a\": 1,\n  \"b\": {bad}{closing}\n}}");
            let large = format!(
                "{{\n  \"junk\": \"{junk}\",\n  \"o\": {{\"pad\": \"{junk}\",\n  \"b\": {bad}{closing}}}\n}}"
            );
            let s = parse_pruned(&small, &|_| false).unwrap_err();
            let l = parse_pruned(&large, &|_| false).unwrap_err();
            assert_eq!(s.message(), l.message(), "{bad}");
            assert_eq!((s.line(), l.line()), (3, 4), "{bad}");
            // The column where serde_json stops, on the value's line.
            let line = large.lines().nth(3).unwrap();
            assert!(l.column() > line.find(bad).unwrap(), "{bad}: {l}");
            assert!(l.column() <= line.len() + 1, "{bad}: {l}");
        }
        // What is pruned is not read.
        let pruned = format!("{{\"junk\": [\"{junk}\", 1e999], \"a\": 1}}");
        assert_eq!(parse_pruned(&pruned, &|_| false).unwrap()["a"], 1);
    }
}
