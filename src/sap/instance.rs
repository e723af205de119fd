//! Service instance parameters of Process Integration Runtime: the check
//! for the deprecated `client_x509` grant type, and its migration to
//! `client_credentials` as an edit of the original text.
//!
//! `client_x509` reached end of life in January 2026: affected instances can
//! no longer be updated nor get new keys until the grant is replaced and the
//! instance updated in place (`cf update-service INSTANCE -c FILE`).

use serde::Serialize;
use serde_json::Value;

use crate::check::{Check, CheckId, Status};
use crate::error::{Error, Result};
use crate::sap::jsonspan::{self, Kind, Span};

/// The grant type that reached end of life.
/// SAP's second path off `client_x509`, for an instance whose in-place
/// update is refused (sap-facts: the procedure of 2024-12 to 2025-12):
/// a new instance with the migrated parameters, and every key moved to it
/// as an External Certificate key that reuses the old key's certificate.
pub const NEW_INSTANCE_PATH: &str = "if SAP refuses the update, create a new instance with the same plan and these parameters (cf create-service it-rt PLAN NEW-INSTANCE -c FILE), then move each key: save the old key's certificate and private key first (btpcert extract OLD-KEY.json -o DIR), write its parameters (btpcert key-params OLD-KEY.json -o params.json), delete the old key, then create the new one (cf create-service-key NEW-INSTANCE KEY -c params.json). In that order: a certificate can be in one service key only, and creating the new key first fails with \"Certificate already exists for Follower within Leader with appid [...]\". Between the two commands no key exists and the sender cannot call: plan those minutes";

/// The deprecated grant type.
pub const DEPRECATED: &str = "client_x509";
/// The grant type that replaces it.
pub const REPLACEMENT: &str = "client_credentials";

/// Grant types an it-rt instance may hold.
const KNOWN_GRANTS: &[&str] = &[
    "client_credentials",
    "client_x509",
    "authorization_code",
    "password",
    "refresh_token",
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "urn:ietf:params:oauth:grant-type:saml2-bearer",
];

/// The parameters object found in a file, and where it is.
#[derive(Debug)]
pub struct Params {
    /// The JSON text of the parameters object, exactly as in the file.
    pub text: String,
    /// The parsed parameters.
    pub value: Value,
    /// The instance name, if the file says it (cf output).
    pub instance: Option<String>,
    /// The parameters were the whole file (not inside cf or btp output).
    pub whole_file: bool,
    /// They were a JSON string inside the file, and are re-encoded.
    pub re_encoded: bool,
}

/// True when a JSON value looks like instance parameters.
pub fn looks_like_params(v: &Value) -> bool {
    v.as_object().is_some_and(|o| {
        o.contains_key("grant-types") || (o.contains_key("roles") && !o.contains_key("clientid"))
    })
}

/// Finds the parameters in cockpit JSON, `cf service --params` output or
/// `btp get services/instance --show-parameters` output.
pub fn find(text: &str) -> Result<Params> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // cf prints a line ("Getting parameters for service instance X as U...") first.
    let mut offset = 0;
    let mut found = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with('{') {
            found = Some(offset + line.len() - trimmed.len());
            break;
        }
        offset += line.len();
    }
    let json_at = found.ok_or_else(|| Error::input("no JSON object found"))?;
    let preamble = &text[..json_at];
    let instance = preamble
        .split("service instance ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .map(|s| s.trim_end_matches("...").to_string());
    let json = &text[json_at..];
    let value: Value = {
        // The fields instance parameters hold are read whole; megabytes of
        // other data are not made into a tree.
        let keep = |k: &str| matches!(k, "grant-types" | "roles" | "token-validity" | "parameters");
        crate::json::parse_pruned(json, &keep).map_err(|e| {
            Error::input(format!(
                "invalid JSON at line {}, column {}: {}",
                e.line() + preamble.matches('\n').count(),
                e.column(),
                e.to_string().split(" at line ").next().unwrap_or_default()
            ))
        })?
    };
    let span = jsonspan::parse(json, 0).ok_or_else(|| Error::input("invalid JSON"))?;
    if looks_like_params(&value) {
        return Ok(Params {
            text: json[span.start..span.end].to_string(),
            value,
            instance,
            whole_file: preamble.trim().is_empty() && json[span.end..].trim().is_empty(),
            re_encoded: false,
        });
    }
    // btp: {"name": ..., "parameters": {...}} (or a JSON string).
    if let (Some(p), Some(ps)) = (value.get("parameters"), span.member("parameters")) {
        let instance = value
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or(instance);
        match p {
            Value::Object(_) if looks_like_params(p) => {
                return Ok(Params {
                    text: json[ps.start..ps.end].to_string(),
                    value: p.clone(),
                    instance,
                    whole_file: false,
                    re_encoded: false,
                })
            }
            Value::String(s) => {
                if let Ok(inner) = serde_json::from_str::<Value>(s) {
                    if looks_like_params(&inner) {
                        return Ok(Params {
                            text: serde_json::to_string_pretty(&inner).expect("JSON value") + "\n",
                            value: inner,
                            instance,
                            whole_file: false,
                            re_encoded: true,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    Err(Error::input(
        "no instance parameters found (expected an object with \"grant-types\" or \"roles\")",
    ))
}

/// What instance parameters hold, and the checks on them.
#[derive(Debug, Serialize)]
pub struct InstanceReport {
    /// Whether `grant-types` holds `client_x509`.
    pub deprecated_grant: bool,
    /// `grant-types`, as given.
    pub grant_types: Vec<String>,
    /// `roles`, as given.
    pub roles: Vec<String>,
    /// `token-validity` in seconds, when a whole number.
    pub token_validity: Option<i64>,
    /// The deprecated grant (a problem) and anything odd (warnings).
    pub checks: Vec<Check>,
}

/// Checks the parameters: the deprecated grant (a problem), and anything odd (warnings).
pub fn check_params(v: &Value) -> InstanceReport {
    let strings = |k: &str| -> Option<Vec<String>> {
        v.get(k)?.as_array().map(|a| {
            a.iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| x.to_string())
                })
                .collect()
        })
    };
    let grants = strings("grant-types");
    let roles = strings("roles").unwrap_or_default();
    let validity = v.get("token-validity").and_then(Value::as_i64);
    let mut checks = Vec::new();
    let deprecated = grants
        .as_ref()
        .is_some_and(|g| g.iter().any(|x| x == DEPRECATED));
    match &grants {
        None => checks.push(Check::new(Status::Warn, CheckId::GrantTypes, "no \"grant-types\": SAP applies its default (client_credentials)")),
        Some(g) if g.is_empty() => checks.push(Check::new(Status::Warn, CheckId::GrantTypes, "\"grant-types\" is empty")),
        Some(_) if deprecated => checks.push(Check::new(Status::Fail, CheckId::DeprecatedGrant,
            "grant type client_x509 reached end of life in January 2026: the instance cannot be updated nor get new keys; replace it by client_credentials (btpcert instance migrate) and update the instance",
        )),
        Some(g) => checks.push(Check::new(Status::Ok, CheckId::DeprecatedGrant, format!("grant types: {}", g.join(", ")))),
    }
    for g in grants
        .iter()
        .flatten()
        .filter(|g| !KNOWN_GRANTS.contains(&g.as_str()))
    {
        checks.push(Check::new(
            Status::Warn,
            CheckId::UnknownGrant,
            format!("unknown grant type '{g}'"),
        ));
    }
    if v.get("token-validity").is_some() {
        match validity {
            Some(t) if (3600..=86400).contains(&t) => {}
            Some(t) => checks.push(Check::new(
                Status::Warn,
                CheckId::TokenValidity,
                format!("token-validity {t} is outside 3600-86400 seconds"),
            )),
            None => checks.push(Check::new(
                Status::Warn,
                CheckId::TokenValidity,
                "token-validity is not a whole number of seconds",
            )),
        }
    }
    if roles.is_empty() {
        checks.push(Check::new(
            Status::Warn,
            CheckId::Roles,
            "no roles: tokens will carry no scope for the integration flows",
        ));
    }
    InstanceReport {
        deprecated_grant: deprecated,
        grant_types: grants.unwrap_or_default(),
        roles,
        token_validity: validity,
        checks,
    }
}

/// Replaces `client_x509` by `client_credentials` in the text of a
/// parameters object (or drops it when `client_credentials` is already
/// there), changing nothing else. Returns `None` when there is nothing to do.
///
/// The document is read as [`check_params`] reads it: of duplicate
/// `grant-types` keys the last counts, and names and values are compared
/// with their escapes decoded. Every `client_x509` goes: the first becomes
/// `client_credentials` unless that is there already, the others are
/// dropped with their separators.
pub fn migrate_text(text: &str) -> Result<Option<String>> {
    let root = jsonspan::parse(text, 0).ok_or_else(|| Error::input("invalid JSON"))?;
    let Some(Span {
        kind: Kind::Array(items),
        ..
    }) = root.member("grant-types")
    else {
        return Ok(None);
    };
    let is = |s: &Span, name: &str| matches!(&s.kind, Kind::String(v) if v == name);
    if !items.iter().any(|s| is(s, DEPRECATED)) {
        return Ok(None);
    }
    let has_new = items.iter().any(|s| is(s, REPLACEMENT));
    // Edits as (start, end, replacement), disjoint, applied back to front.
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut keep = vec![true; items.len()];
    let mut replaced = has_new;
    for (i, s) in items.iter().enumerate() {
        if is(s, DEPRECATED) {
            if replaced {
                keep[i] = false;
            } else {
                replaced = true;
                edits.push((s.start, s.end, format!("\"{REPLACEMENT}\"")));
            }
        }
    }
    edits.extend(removals(items, &keep));
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (s, e, r) in edits {
        out.replace_range(s..e, &r);
    }
    // The result must still be the same JSON but for the grant.
    let keep = |k: &str| matches!(k, "grant-types" | "roles" | "token-validity" | "parameters");
    let before: Value =
        crate::json::parse_pruned(text, &keep).map_err(|e| Error::input(e.to_string()))?;
    let after: Value = crate::json::parse_pruned(&out, &keep).map_err(|e| {
        Error::input(format!(
            "the migration produced invalid JSON ({e}); please report this"
        ))
    })?;
    let mut expect = before;
    if let Some(Value::Array(g)) = expect.get_mut("grant-types") {
        let mut seen_new = has_new;
        g.retain_mut(|x| {
            if x == DEPRECATED {
                if seen_new {
                    return false;
                }
                seen_new = true;
                *x = Value::String(REPLACEMENT.into());
            }
            true
        });
    }
    if after != expect {
        return Err(Error::input(
            "the migration changed more than the grant type; please report this",
        ));
    }
    Ok(Some(out))
}

/// The ranges that drop each run of elements not kept: up to the next kept
/// element (its separator goes too), or, at the end, from the previous one.
fn removals(items: &[Span], keep: &[bool]) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < items.len() {
        if keep[i] {
            i += 1;
            continue;
        }
        let first = i;
        while i < items.len() && !keep[i] {
            i += 1;
        }
        let last = i - 1;
        let range = if i < items.len() {
            (items[first].start, items[i].start)
        } else if first > 0 {
            (items[first - 1].end, items[last].end)
        } else {
            (items[first].start, items[last].end)
        };
        out.push((range.0, range.1, String::new()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_alone() {
        let t = "{\n  \"roles\": [\"ESBMessaging.send\"],\n  \"grant-types\": [\"client_x509\"],\n  \"token-validity\": 4200\n}\n";
        let m = migrate_text(t).unwrap().unwrap();
        assert_eq!(m, t.replace("client_x509", "client_credentials"));
        assert!(migrate_text(&m).unwrap().is_none());
    }

    #[test]
    fn drops_when_both() {
        let t = "{\"grant-types\": [\"client_x509\", \"client_credentials\"]}";
        assert_eq!(
            migrate_text(t).unwrap().unwrap(),
            "{\"grant-types\": [\"client_credentials\"]}"
        );
        let t = "{\"grant-types\": [\"client_credentials\",\"client_x509\"]}";
        assert_eq!(
            migrate_text(t).unwrap().unwrap(),
            "{\"grant-types\": [\"client_credentials\"]}"
        );
        let t = "{\n \"grant-types\": [\n  \"client_x509\",\n  \"client_credentials\",\n  \"client_x509\"\n ]\n}";
        assert_eq!(
            migrate_text(t).unwrap().unwrap(),
            "{\n \"grant-types\": [\n  \"client_credentials\"\n ]\n}"
        );
    }

    #[test]
    fn repeated_and_escaped_entries() {
        let t = r#"{"grant-types": ["client_x509","client_x509","client_x509"]}"#;
        assert_eq!(
            migrate_text(t).unwrap().unwrap(),
            r#"{"grant-types": ["client_credentials"]}"#
        );
        let t = "{\"grant-types\": [\n  \"client_x509\",\n  \"password\",\n  \"client_x509\",\n  \"client_x509\"\n]}";
        assert_eq!(
            migrate_text(t).unwrap().unwrap(),
            "{\"grant-types\": [\n  \"client_credentials\",\n  \"password\"\n]}"
        );
        let t = r#"{"grant\u002dtypes": ["client\u005fx509"]}"#;
        assert_eq!(
            migrate_text(t).unwrap().unwrap(),
            r#"{"grant\u002dtypes": ["client_credentials"]}"#
        );
        // Of duplicate keys the last counts, for check and migrate alike.
        let t = r#"{"grant-types": ["password"], "grant-types": ["client_x509"]}"#;
        assert!(check_params(&serde_json::from_str(t).unwrap()).deprecated_grant);
        assert_eq!(
            migrate_text(t).unwrap().unwrap(),
            r#"{"grant-types": ["password"], "grant-types": ["client_credentials"]}"#
        );
        let t = r#"{"grant-types": ["client_x509"], "grant-types": ["password"]}"#;
        assert!(!check_params(&serde_json::from_str(t).unwrap()).deprecated_grant);
        assert!(migrate_text(t).unwrap().is_none());
    }

    /// Whether check calls the text deprecated.
    fn deprecated(text: &str) -> bool {
        check_params(&serde_json::from_str(text).unwrap()).deprecated_grant
    }

    /// For every document: check says deprecated exactly when migrate
    /// changes something, and after migrate check no longer says so.
    fn agree(text: &str) {
        let migrated = migrate_text(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(deprecated(text), migrated.is_some(), "{text}");
        if let Some(m) = migrated {
            assert!(!deprecated(&m), "{text} -> {m}");
            assert!(migrate_text(&m).unwrap().is_none(), "{m}");
        }
    }

    #[test]
    fn check_and_migrate_agree_on_every_document() {
        const ITEMS: [&str; 6] = [
            r#""client_x509""#,
            r#""client\u005fx509""#,
            r#""client_credentials""#,
            r#""\u0063lient_credentials""#,
            r#""password""#,
            "7",
        ];
        let mut arrays = vec![Vec::new()];
        for _ in 0..4 {
            let longer: Vec<Vec<&str>> = arrays
                .iter()
                .filter(|a: &&Vec<&str>| a.len() == arrays.last().unwrap().len())
                .flat_map(|a| {
                    ITEMS.iter().map(move |i| {
                        let mut b = a.clone();
                        b.push(*i);
                        b
                    })
                })
                .collect();
            arrays.extend(longer);
        }
        assert_eq!(arrays.len(), 1 + 6 + 36 + 216 + 1296);
        for (n, a) in arrays.iter().enumerate() {
            let sep = if n % 2 == 0 { ", " } else { ",\n    " };
            let arr = format!("[{}]", a.join(sep));
            agree(&format!("{{\"roles\": [\"r\"], \"grant-types\": {arr}}}"));
            agree(&format!("{{\"grant\\u002dtypes\": {arr}, \"x\": 1}}"));
            for other in [r#"["client_x509"]"#, "[]", r#"["client_credentials"]"#] {
                agree(&format!(
                    "{{\"grant-types\": {other}, \"grant-types\": {arr}}}"
                ));
                agree(&format!(
                    "{{\"grant-types\": {arr}, \"grant\\u002dtypes\": {other}}}"
                ));
            }
        }
    }

    #[test]
    fn checks() {
        let v: Value =
            serde_json::json!({"grant-types": ["client_x509", "magic"], "token-validity": 99});
        let r = check_params(&v);
        assert!(r.deprecated_grant);
        let ids: Vec<&str> = r.checks.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            vec![
                "deprecated-grant",
                "unknown-grant",
                "token-validity",
                "roles"
            ]
        );
    }
}
