//! SAP's trust lists, embedded from `data/trust-lists.tsv`, and lookups by
//! SHA-256 fingerprint.
//!
//! A CA is trusted when the fingerprint of its certificate is on a list;
//! its name decides nothing, since a self-made root can carry any name. A
//! name match with another fingerprint is reported as a look-alike.

use serde::Serialize;

const DATA: &str = include_str!("../data/trust-lists.tsv");

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
    static ENTRIES: std::sync::OnceLock<Vec<TrustEntry>> = std::sync::OnceLock::new();
    ENTRIES.get_or_init(parse)
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
    let mut out: Vec<&'static str> = entries()
        .iter()
        .filter(|e| e.sha256.is_some_and(|s| s.eq_ignore_ascii_case(sha256)))
        .map(|e| e.list)
        .collect();
    out.dedup();
    out
}

pub fn in_list(list: &str, sha256: &str) -> bool {
    lists_for(sha256).contains(&list)
}

/// A listed CA whose common name equals `common_name` but whose fingerprint
/// differs from `sha256`: a look-alike.
pub fn look_alike(common_name: &str, sha256: &str) -> Option<TrustEntry> {
    entries()
        .iter()
        .find(|e| {
            e.sha256.is_some_and(|s| !s.eq_ignore_ascii_case(sha256))
                && listed_cn(e.subject).is_some_and(|cn| cn == common_name)
        })
        .cloned()
}

/// `CN = X` out of an OpenSSL-style one-line subject.
fn listed_cn(subject: &str) -> Option<&str> {
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
