//! `trust list` and `trust check`: SAP's trust lists, and whether a CA of a
//! chain is on one of them (by fingerprint, never by name).

use serde::Serialize;

use crate::error::{Error, ExitStatus, Result};
use crate::input::{self, Loaded};
use crate::keystore::pkcs12::Relation;
use crate::ops::{Outcome, RootOptions};
use crate::sanitize::sanitize;
use crate::sap::trust_lists::{self, TrustEntry, TrustList};
use crate::secret::SecretSource;
use crate::x509::cert::Cert;

/// Which lists to print.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    /// Only this list; every list when `None`.
    pub list: Option<TrustList>,
}

/// The entries of the lists asked for.
#[derive(Debug, Serialize)]
pub struct ListOutcome {
    /// Every entry of the lists asked for, in file order.
    pub entries: Vec<&'static TrustEntry>,
    /// The one list asked for, if any.
    #[serde(skip)]
    pub list: Option<TrustList>,
}

impl Outcome for ListOutcome {
    fn exit_status(&self) -> ExitStatus {
        ExitStatus::Ok
    }
}

/// The embedded entries, of one list or of all.
pub fn list(opts: &ListOptions) -> Result<ListOutcome> {
    let entries = trust_lists::entries()
        .iter()
        .filter(|e| opts.list.is_none_or(|l| e.list == l))
        .collect();
    Ok(ListOutcome {
        entries,
        list: opts.list,
    })
}

/// What to check against which list.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Certificate, chain or service key.
    pub file: String,
    /// The list a CA of the chain must be on.
    pub list: TrustList,
    /// Where the chain's root may come from.
    pub roots: RootOptions,
}

/// A certificate of the path and the lists that hold it.
#[derive(Debug, Clone, Serialize)]
pub struct CertLists {
    /// Subject, RFC 4514.
    pub subject_dn: String,
    /// SHA-256 of the DER, upper-case hex with colons.
    pub fingerprint_sha256: String,
    /// Every list that holds it.
    pub lists: Vec<TrustList>,
}

impl CertLists {
    fn of(c: &Cert) -> CertLists {
        let fp = c.sha256();
        CertLists {
            subject_dn: c.subject_dn(),
            lists: trust_lists::lists_of(&fp),
            fingerprint_sha256: fp,
        }
    }
}

/// Oracle's trusted-key-usage value anyExtendedKeyUsage, as Java writes it.
pub const ANY_EXTENDED_KEY_USAGE: &str = "2.5.29.37.0";

/// One certificate of a keystore, as `inspect`, `verify` and `trust check`
/// list it.
#[derive(Debug, Clone, Serialize)]
pub struct StoreCert {
    /// The alias (friendly name), when it has one.
    pub alias: Option<String>,
    /// Its relation to the keystore's private key.
    pub relation: Relation,
    /// The usages (OIDs) of Oracle's trusted-key-usage attribute
    /// (2.16.840.1.113894.746875.1.1), when its PKCS#12 bag carries one;
    /// Java lists a certificate without a key as trusted only with it.
    pub trusted_usage: Option<Vec<String>>,
    /// Whether Java (keytool) lists it as a trusted certificate entry: a
    /// JKS trusted entry, or a PKCS#12 certificate without a key that
    /// carries the trusted-key-usage attribute.
    pub java_trusted: bool,
    /// Subject, RFC 4514.
    pub subject_dn: String,
    /// SHA-256 of the DER, upper-case hex with colons.
    pub fingerprint_sha256: String,
    /// Every SAP trust list that holds it.
    pub lists: Vec<TrustList>,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// Whether it has expired at the time of the check.
    pub expired: bool,
}

impl StoreCert {
    /// Every certificate of a loaded keystore, in its order; empty for
    /// other inputs.
    pub fn all_of(l: &Loaded, at: time::OffsetDateTime) -> Vec<StoreCert> {
        l.certs
            .iter()
            .zip(&l.entries)
            .map(|(c, e)| {
                let fp = c.sha256();
                StoreCert {
                    alias: e.alias.clone(),
                    relation: e.relation,
                    trusted_usage: e.trusted_usage.clone(),
                    java_trusted: e.relation == Relation::Unrelated
                        && (l.form == input::Form::Jks || e.trusted_usage.is_some()),
                    subject_dn: c.subject_dn(),
                    lists: trust_lists::lists_of(&fp),
                    fingerprint_sha256: fp,
                    not_after: crate::x509::cert::rfc3339(c.not_after()),
                    expired: c.not_after() < at,
                }
            })
            .collect()
    }

    /// What Java makes of it, in words: the trusted usage
    /// (`anyExtendedKeyUsage` or the OIDs), or why it is no trusted entry.
    pub fn usage_words(&self) -> String {
        match &self.trusted_usage {
            None if self.relation != Relation::Unrelated => "none (part of the key entry)".into(),
            None if self.java_trusted => "trusted entry (JKS)".into(),
            None => "none: Java does not list it as trusted".into(),
            Some(u) => u
                .iter()
                .map(|o| {
                    if o == ANY_EXTENDED_KEY_USAGE {
                        "anyExtendedKeyUsage".to_string()
                    } else {
                        o.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// Whether a CA of the chain is on the list.
#[derive(Debug, Serialize)]
pub struct CheckOutcome {
    /// The list checked against.
    pub list: TrustList,
    /// Whether a certificate of the path is on it.
    pub trusted: bool,
    /// The first certificate of the path that is on it.
    pub matched: Option<CertLists>,
    /// Every certificate of the path, leaf first, with the lists it is on
    /// (for a truststore: every certificate it holds, in its order).
    pub path: Vec<CertLists>,
    /// The file is a truststore (certificates, no key): its certificates
    /// are judged as they are, not as a chain.
    pub truststore: bool,
    /// The file checked, as the user named it.
    #[serde(skip)]
    pub source: String,
    /// When nothing is on the list: a listed CA whose name the top of the
    /// path carries, with another fingerprint.
    #[serde(skip)]
    pub look_alike: Option<TrustEntry>,
}

impl Outcome for CheckOutcome {
    fn exit_status(&self) -> ExitStatus {
        ExitStatus::problems_if(!self.trusted)
    }
}

/// Completes the chain of `opts.file` and looks for a CA of it on the list.
pub fn check(opts: &CheckOptions) -> Result<CheckOutcome> {
    check_with(opts, &crate::secret::NoSecrets)
}

/// Like [`check`]; keystores (PKCS#12, JKS) are read with a password from
/// `secrets`. A truststore's certificates are looked up as they are: is
/// one of the roots it holds on the list?
pub fn check_with(opts: &CheckOptions, secrets: &dyn SecretSource) -> Result<CheckOutcome> {
    let loaded = input::load_with(&opts.file, Some(secrets))?;
    if loaded.certs.is_empty() {
        return Err(Error::input(format!(
            "{}: holds no certificate",
            sanitize(&opts.file)
        )));
    }
    let truststore = loaded.is_truststore();
    let (all, top): (Vec<CertLists>, Option<Cert>) = if truststore {
        (loaded.certs.iter().map(CertLists::of).collect(), None)
    } else {
        let path = opts.roots.path(&loaded.certs)?;
        (
            path.certs.iter().map(|(c, _)| CertLists::of(c)).collect(),
            path.certs.last().map(|(c, _)| c.clone()),
        )
    };
    let matched = all.iter().find(|m| m.lists.contains(&opts.list)).cloned();
    let look_alike = match (&matched, top) {
        (None, Some(top)) => trust_lists::look_alike(&top.common_name(), &top.sha256()),
        _ => None,
    };
    Ok(CheckOutcome {
        list: opts.list,
        trusted: matched.is_some(),
        matched,
        path: all,
        truststore,
        source: loaded.name,
        look_alike,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/service-key.json");

    fn no_roots() -> RootOptions {
        RootOptions {
            files: Vec::new(),
            system: false,
            fetch: false,
        }
    }

    #[test]
    fn one_list_or_all() {
        let all = list(&ListOptions::default()).unwrap();
        let one = list(&ListOptions {
            list: Some(TrustList::BtpRequired),
        })
        .unwrap();
        assert_eq!(one.entries.len(), 10);
        assert!(one.entries.iter().all(|e| e.list == TrustList::BtpRequired));
        assert!(all.entries.len() > one.entries.len());
        assert_eq!(all.exit_status(), ExitStatus::Ok);
    }

    #[test]
    fn the_sample_chain_is_on_no_list() {
        let o = check(&CheckOptions {
            file: SAMPLE.into(),
            list: TrustList::BtpApproved,
            roots: no_roots(),
        })
        .unwrap();
        assert!(!o.trusted);
        assert!(o.matched.is_none());
        assert_eq!(o.path.len(), 3);
        assert!(o.path.iter().all(|c| c.lists.is_empty()));
        assert!(o.look_alike.is_none());
        assert_eq!(o.exit_status(), ExitStatus::Problems);
        let v = serde_json::to_value(&o).unwrap();
        assert_eq!(v["list"], "btp-approved");
        assert!(v.get("source").is_none());
    }

    #[test]
    fn a_file_without_certificates_is_an_input_error() {
        let e = check(&CheckOptions {
            file: concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/testdata/service-key-secret.json"
            )
            .into(),
            list: TrustList::XsuaaX509,
            roots: no_roots(),
        })
        .unwrap_err();
        assert!(e
            .to_string()
            .ends_with("service-key-secret.json: holds no certificate"));
    }
}
