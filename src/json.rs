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

/// A tree of raw, already validated JSON without its large arrays and
/// objects: an array above [`PRUNE_ABOVE`] bytes becomes empty, an object
/// above it keeps its members' names with their values pruned alike. The
/// members `keep` names are read whole, whatever their size. As with
/// serde_json, the last of duplicate names wins.
pub fn prune(raw: &RawValue, keep: &dyn Fn(&str) -> bool) -> Value {
    prune_at(raw, keep, 0)
}

fn prune_at(raw: &RawValue, keep: &dyn Fn(&str) -> bool, depth: usize) -> Value {
    let text = raw.get();
    let small = text.len() <= PRUNE_ABOVE;
    match text.as_bytes().first() {
        Some(b'{') if !small && depth < 16 => match serde_json::from_str::<Members>(text) {
            Ok(Members(members)) => {
                let mut map = serde_json::Map::new();
                for (k, v) in members {
                    let value = if keep(&k) {
                        serde_json::from_str(v.get()).unwrap_or(Value::Null)
                    } else {
                        prune_at(v, keep, depth + 1)
                    };
                    map.insert(k, value);
                }
                Value::Object(map)
            }
            Err(_) => Value::Object(serde_json::Map::new()),
        },
        Some(b'[') if !small => Value::Array(Vec::new()),
        _ => serde_json::from_str(text).unwrap_or(Value::Null),
    }
}

/// Parses `text` as one JSON value, pruned as [`prune`] does.
pub fn parse_pruned(text: &str, keep: &dyn Fn(&str) -> bool) -> Result<Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let raw: &RawValue = serde::Deserialize::deserialize(&mut de)?;
    de.end()?;
    Ok(prune(raw, keep))
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
        assert!(parse_pruned("{\"a\": ", &|_| false).is_err());
    }
}
