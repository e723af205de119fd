//! SAP's trust lists, embedded from `data/trust-lists.tsv`, and lookups by
//! SHA-256 fingerprint.
//!
//! A CA is trusted when the fingerprint of its certificate is on a list;
//! its name decides nothing, since a self-made root can carry any name. A
//! name match with another fingerprint is reported as a look-alike.

use std::collections::HashMap;

use serde::Serialize;

const DATA: &str = include_str!("../../data/trust-lists.tsv");

/// Which list applies where (see README, "Trust").
pub const LISTS: &[(&str, &str)] = &[
    (
        "btp-approved",
        "roots SAP's load balancer accepts for client certificates (BTP Trust Store 'optional', public counterpart of SAP Note 2801396)",
    ),
    (
        "btp-required",
        "roots a sender's truststore needs to reach BTP endpoints (BTP Trust Store 'required')",
    ),
    (
        "xsuaa-x509",
        "CAs XSUAA accepts for certificate-based token requests (Trusted Authorities for X.509 Certificates)",
    ),
];

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TrustEntry {
    pub list: &'static str,
    /// Upper-case, colon-separated; `None` where SAP names the CA only.
    pub sha256: Option<&'static str>,
    pub subject: &'static str,
    pub note: &'static str,
}

/// Every entry of every list, in file order.
pub fn entries() -> &'static [TrustEntry] {
    &index().entries
}

struct Index {
    entries: Vec<TrustEntry>,
    /// Upper-case fingerprint -> lists, in file order.
    by_sha256: HashMap<String, Vec<&'static str>>,
    /// Common name -> entries with a fingerprint.
    by_cn: HashMap<&'static str, Vec<usize>>,
}

fn index() -> &'static Index {
    static INDEX: std::sync::OnceLock<Index> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let entries = parse();
        let mut by_sha256: HashMap<String, Vec<&'static str>> = HashMap::new();
        let mut by_cn: HashMap<&'static str, Vec<usize>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            if let Some(fp) = e.sha256 {
                let lists = by_sha256.entry(fp.to_ascii_uppercase()).or_default();
                if !lists.contains(&e.list) {
                    lists.push(e.list);
                }
                if let Some(cn) = listed_cn(e.subject) {
                    by_cn.entry(cn).or_default().push(i);
                }
            }
        }
        Index {
            entries,
            by_sha256,
            by_cn,
        }
    })
}

fn parse() -> Vec<TrustEntry> {
    DATA.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut f = l.split('\t');
            let list = f.next()?;
            let sha = f.next()?;
            let subject = f.next().unwrap_or("");
            let note = f.next().unwrap_or("");
            if list == "list" {
                return None; // the header row
            }
            Some(TrustEntry {
                list,
                sha256: (sha != "-").then_some(sha),
                subject,
                note,
            })
        })
        .collect()
}

/// Whether `id` names a list.
pub fn is_list(id: &str) -> bool {
    LISTS.iter().any(|(l, _)| *l == id)
}

pub fn list_ids() -> String {
    LISTS.iter().map(|(l, _)| *l).collect::<Vec<_>>().join(", ")
}

/// The lists that hold a CA with this fingerprint.
pub fn lists_for(sha256: &str) -> Vec<&'static str> {
    index()
        .by_sha256
        .get(&sha256.to_ascii_uppercase())
        .cloned()
        .unwrap_or_default()
}

pub fn in_list(list: &str, sha256: &str) -> bool {
    lists_for(sha256).contains(&list)
}

/// A listed CA whose common name equals `common_name` but whose fingerprint
/// differs from `sha256`: a look-alike.
pub fn look_alike(common_name: &str, sha256: &str) -> Option<TrustEntry> {
    let idx = index();
    idx.by_cn.get(common_name)?.iter().find_map(|&i| {
        let e = &idx.entries[i];
        e.sha256
            .is_some_and(|s| !s.eq_ignore_ascii_case(sha256))
            .then(|| e.clone())
    })
}

/// `CN = X` out of an OpenSSL-style one-line subject.
fn listed_cn(subject: &'static str) -> Option<&'static str> {
    subject
        .split(", ")
        .find_map(|part| part.strip_prefix("CN = "))
        .map(|cn| cn.trim_matches('"'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const G2: &str = "CB:3C:CB:B7:60:31:E5:E0:13:8F:8D:D3:9A:23:F9:DE:47:FF:C3:5E:43:C1:14:4C:EA:27:D4:6A:5A:B1:CB:5F";

    #[test]
    fn lists_are_complete() {
        let e = entries();
        let count = |l: &str| e.iter().filter(|x| x.list == l).count();
        assert_eq!(count("btp-required"), 10);
        assert_eq!(count("xsuaa-x509"), 5);
        assert!(count("btp-approved") >= 50);
        assert!(e.iter().all(|x| is_list(x.list)));
        assert!(e
            .iter()
            .filter_map(|x| x.sha256)
            .all(|s| s.len() == 95 && s.chars().all(|c| c == ':' || c.is_ascii_hexdigit())));
    }

    #[test]
    fn digicert_g2_is_everywhere() {
        assert_eq!(
            lists_for(G2),
            vec!["btp-required", "btp-approved", "xsuaa-x509"]
        );
        assert_eq!(lists_for(&G2.to_lowercase()).len(), 3);
        assert!(lists_for("00:11").is_empty());
    }

    #[test]
    fn look_alikes() {
        let l = look_alike("DigiCert Global Root G2", "00:11").unwrap();
        assert_eq!(l.sha256, Some(G2));
        assert!(look_alike("DigiCert Global Root G2", G2).is_none());
        assert!(look_alike("My Root", "00").is_none());
    }
}
