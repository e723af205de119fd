//! SAP's trust lists, embedded from `data/trust-lists.tsv`, and lookups by
//! SHA-256 fingerprint.
//!
//! A CA is trusted when the fingerprint of its certificate is on a list;
//! its name decides nothing, since a self-made root can carry any name. A
//! name match with another fingerprint is reported as a look-alike.

use std::collections::HashMap;

use serde::Serialize;

use crate::error::{Error, Result};

const DATA: &str = include_str!("../../data/trust-lists.tsv");

/// One of SAP's trust lists. Serialises to its id (`btp-approved`...), as
/// `--list` takes it and `--json` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum TrustList {
    /// Roots SAP's load balancer accepts for client certificates.
    #[serde(rename = "btp-approved")]
    BtpApproved,
    /// Roots a sender's truststore needs to reach BTP endpoints.
    #[serde(rename = "btp-required")]
    BtpRequired,
    /// CAs XSUAA accepts for certificate-based token requests.
    #[serde(rename = "xsuaa-x509")]
    XsuaaX509,
}

impl TrustList {
    /// Every list, in the order `trust list` prints them.
    pub const ALL: [TrustList; 3] = [
        TrustList::BtpApproved,
        TrustList::BtpRequired,
        TrustList::XsuaaX509,
    ];

    /// The id, as in `data/trust-lists.tsv` and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            TrustList::BtpApproved => "btp-approved",
            TrustList::BtpRequired => "btp-required",
            TrustList::XsuaaX509 => "xsuaa-x509",
        }
    }

    /// Which list applies where (see README, "Trust").
    pub fn about(self) -> &'static str {
        match self {
            TrustList::BtpApproved => "roots SAP's load balancer accepts for client certificates (BTP Trust Store 'optional', public counterpart of SAP Note 2801396)",
            TrustList::BtpRequired => "roots a sender's truststore needs to reach BTP endpoints (BTP Trust Store 'required')",
            TrustList::XsuaaX509 => "CAs XSUAA accepts for certificate-based token requests (Trusted Authorities for X.509 Certificates)",
        }
    }

    /// The list with this id, if any.
    pub fn from_id(id: &str) -> Option<TrustList> {
        TrustList::ALL.into_iter().find(|l| l.as_str() == id)
    }

    /// Every id, comma-separated, for messages.
    pub fn ids() -> String {
        TrustList::ALL.map(TrustList::as_str).join(", ")
    }

    /// The version of the list btpcert embeds, from the `# version` lines
    /// of `data/trust-lists.tsv`: the BTP Trust Store release
    /// (sap-software/btp-trust-store v3.0.0) or the date of SAP's page
    /// "Trusted Authorities for X.509 Certificates" (edd5613), as
    /// `../shared/sap-facts.md` gives them. Every verdict names it.
    pub fn version(self) -> &'static str {
        index()
            .versions
            .iter()
            .find(|(l, _)| *l == self)
            .map(|(_, v)| *v)
            .unwrap_or("version unknown")
    }
}

/// A list and the version of it a verdict was made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ListVersion {
    /// The list.
    pub list: TrustList,
    /// Its version, as [`TrustList::version`] gives it.
    pub version: &'static str,
}

impl ListVersion {
    /// The version of `list`.
    pub fn of(list: TrustList) -> ListVersion {
        ListVersion {
            list,
            version: list.version(),
        }
    }
}

/// The versions of `lists`, each once, in the order of [`TrustList::ALL`].
pub fn versions(lists: impl IntoIterator<Item = TrustList>) -> Vec<ListVersion> {
    let lists: Vec<TrustList> = lists.into_iter().collect();
    TrustList::ALL
        .into_iter()
        .filter(|l| lists.contains(l))
        .map(ListVersion::of)
        .collect()
}

/// `btp-approved: BTP Trust Store v3.0.0 (2026-06-03); xsuaa-x509: ...`,
/// for the human output of a verdict.
pub fn versions_line(versions: &[ListVersion]) -> String {
    versions
        .iter()
        .map(|v| format!("{}: {}", v.list, v.version))
        .collect::<Vec<_>>()
        .join("; ")
}

impl std::fmt::Display for TrustList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for TrustList {
    type Err = Error;

    /// An id as the user typed it; an unknown one is a usage error that
    /// names the known ones.
    fn from_str(id: &str) -> Result<TrustList> {
        TrustList::from_id(id).ok_or_else(|| {
            Error::usage(format!(
                "unknown list '{}': use one of {}",
                crate::sanitize::sanitize(id),
                TrustList::ids()
            ))
        })
    }
}

/// One CA on one list, as the data file has it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TrustEntry {
    /// The list that holds it.
    pub list: TrustList,
    /// Upper-case, colon-separated; `None` where SAP names the CA only.
    pub sha256: Option<&'static str>,
    /// The subject as SAP publishes it, written as btpcert writes every
    /// distinguished name (`C=US, O=..., CN=...`).
    pub subject: &'static str,
    /// Anything SAP says about it.
    pub note: &'static str,
}

/// Every entry of every list, in file order.
pub fn entries() -> &'static [TrustEntry] {
    &index().entries
}

struct Index {
    entries: Vec<TrustEntry>,
    /// The version of each list, from the `# version` lines.
    versions: Vec<(TrustList, &'static str)>,
    /// Upper-case fingerprint -> lists, in file order.
    by_sha256: HashMap<String, Vec<TrustList>>,
    /// Common name -> entries with a fingerprint.
    by_cn: HashMap<&'static str, Vec<usize>>,
}

fn index() -> &'static Index {
    static INDEX: std::sync::OnceLock<Index> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let entries = parse();
        let mut by_sha256: HashMap<String, Vec<TrustList>> = HashMap::new();
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
            versions: parse_versions(),
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
            // The header row (`list`) names no list; a test sees that every
            // other row does.
            let list = TrustList::from_id(list)?;
            Some(TrustEntry {
                list,
                sha256: (sha != "-").then_some(sha),
                subject,
                note,
            })
        })
        .collect()
}

/// `# version<TAB>list<TAB>version` lines.
fn parse_versions() -> Vec<(TrustList, &'static str)> {
    DATA.lines()
        .filter_map(|l| l.strip_prefix("# version\t"))
        .filter_map(|l| {
            let (list, version) = l.split_once('\t')?;
            Some((TrustList::from_id(list)?, version.trim()))
        })
        .collect()
}

/// The lists that hold a CA with this fingerprint, in file order.
pub fn lists_of(sha256: &str) -> Vec<TrustList> {
    index()
        .by_sha256
        .get(&sha256.to_ascii_uppercase())
        .cloned()
        .unwrap_or_default()
}

/// [`lists_of`] as ids, for callers that print them.
pub fn lists_for(sha256: &str) -> Vec<&'static str> {
    lists_of(sha256)
        .into_iter()
        .map(TrustList::as_str)
        .collect()
}

/// Whether `list` holds a CA with this fingerprint.
pub fn in_list(list: TrustList, sha256: &str) -> bool {
    lists_of(sha256).contains(&list)
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

/// Whether two SHA-256 fingerprints are the same, however written: with or
/// without colons or spaces, in either case.
pub fn same_fingerprint(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_hexdigit)
            .map(|c| c.to_ascii_uppercase())
            .collect()
    };
    let (a, b) = (norm(a), norm(b));
    a.len() == 64 && a == b
}

/// `CN=X` out of a one-line subject.
fn listed_cn(subject: &'static str) -> Option<&'static str> {
    subject
        .split(", ")
        .find_map(|part| part.strip_prefix("CN="))
        .map(|cn| cn.trim_matches('"'))
}

/// Certificates for tests elsewhere in the crate.
#[cfg(test)]
pub(crate) mod testing {
    use crate::x509::cert::Cert;
    use openssl::{
        asn1::Asn1Time,
        hash::MessageDigest,
        pkey::{PKey, Private},
        rsa::Rsa,
        x509,
    };

    /// A self-signed CA certificate with the subject of DigiCert Global
    /// Root G2 over a fresh key: a look-alike.
    pub fn look_alike_g2() -> Cert {
        let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        self_signed_ca(
            &[
                ("C", "US"),
                ("O", "DigiCert Inc"),
                ("OU", "www.digicert.com"),
                ("CN", "DigiCert Global Root G2"),
            ],
            &key,
        )
    }

    /// A self-signed CA certificate named by `fields` over `key`.
    pub fn self_signed_ca(fields: &[(&str, &str)], key: &PKey<Private>) -> Cert {
        let mut name = x509::X509NameBuilder::new().unwrap();
        for (f, v) in fields {
            name.append_entry_by_text(f, v).unwrap();
        }
        let name = name.build();
        let mut b = x509::X509Builder::new().unwrap();
        b.set_version(2).unwrap();
        b.set_subject_name(&name).unwrap();
        b.set_issuer_name(&name).unwrap();
        b.set_pubkey(key).unwrap();
        b.set_not_before(&Asn1Time::from_unix(1_577_836_800).unwrap())
            .unwrap();
        b.set_not_after(&Asn1Time::from_unix(4_733_510_400).unwrap())
            .unwrap();
        b.append_extension(
            x509::extension::BasicConstraints::new()
                .critical()
                .ca()
                .build()
                .unwrap(),
        )
        .unwrap();
        b.sign(key, MessageDigest::sha256()).unwrap();
        Cert::from_der(&b.build().to_der().unwrap()).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const G2: &str = "CB:3C:CB:B7:60:31:E5:E0:13:8F:8D:D3:9A:23:F9:DE:47:FF:C3:5E:43:C1:14:4C:EA:27:D4:6A:5A:B1:CB:5F";

    #[test]
    fn lists_are_complete() {
        let e = entries();
        let count = |l: TrustList| e.iter().filter(|x| x.list == l).count();
        assert_eq!(count(TrustList::BtpRequired), 10);
        assert_eq!(count(TrustList::XsuaaX509), 5);
        assert!(count(TrustList::BtpApproved) >= 50);
        let rows = DATA
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .count();
        assert_eq!(e.len(), rows - 1, "every row but the header names a list");
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
    fn list_ids_round_trip() {
        for l in TrustList::ALL {
            assert_eq!(l.as_str().parse::<TrustList>().unwrap(), l);
            assert_eq!(serde_json::to_value(l).unwrap(), l.as_str());
        }
        assert_eq!(TrustList::ids(), "btp-approved, btp-required, xsuaa-x509");
        let e = "nope".parse::<TrustList>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown list 'nope': use one of btp-approved, btp-required, xsuaa-x509"
        );
        assert!(in_list(TrustList::XsuaaX509, G2));
    }

    #[test]
    fn every_list_names_its_version() {
        for l in TrustList::ALL {
            assert_ne!(l.version(), "version unknown", "{l}");
        }
        assert_eq!(
            TrustList::BtpApproved.version(),
            "BTP Trust Store v3.0.0 (2026-06-03)"
        );
        assert!(TrustList::XsuaaX509.version().contains("2025-04-17"));
        let v = versions([TrustList::XsuaaX509, TrustList::BtpApproved]);
        assert_eq!(
            v.iter().map(|v| v.list).collect::<Vec<_>>(),
            [TrustList::BtpApproved, TrustList::XsuaaX509]
        );
        assert!(versions_line(&v).starts_with("btp-approved: BTP Trust Store v3.0.0"));
        assert_eq!(
            serde_json::to_value(v[0]).unwrap(),
            serde_json::json!({"list": "btp-approved", "version": "BTP Trust Store v3.0.0 (2026-06-03)"})
        );
    }

    #[test]
    fn look_alikes() {
        let l = look_alike("DigiCert Global Root G2", "00:11").unwrap();
        assert_eq!(l.sha256, Some(G2));
        assert!(look_alike("DigiCert Global Root G2", G2).is_none());
        assert!(look_alike("My Root", "00").is_none());
        assert!(same_fingerprint(G2, &G2.replace(':', "").to_lowercase()));
        assert!(!same_fingerprint(G2, "CB:3C"));
        assert!(!same_fingerprint("", ""));
    }
}
