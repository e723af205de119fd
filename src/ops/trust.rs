//! `trust list` and `trust check`: SAP's trust lists, and whether a CA of a
//! chain is on one of them (by fingerprint, never by name).

use serde::Serialize;

use crate::error::{Error, ExitStatus, Result};
use crate::input;
use crate::ops::{Outcome, RootOptions};
use crate::sanitize::sanitize;
use crate::sap::trust_lists::{self, TrustEntry, TrustList};
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

/// Whether a CA of the chain is on the list.
#[derive(Debug, Serialize)]
pub struct CheckOutcome {
    /// The list checked against.
    pub list: TrustList,
    /// Whether a certificate of the path is on it.
    pub trusted: bool,
    /// The first certificate of the path that is on it.
    pub matched: Option<CertLists>,
    /// Every certificate of the path, leaf first, with the lists it is on.
    pub path: Vec<CertLists>,
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
    let loaded = input::load(&opts.file)?;
    if loaded.certs.is_empty() {
        return Err(Error::input(format!(
            "{}: holds no certificate",
            sanitize(&opts.file)
        )));
    }
    let path = opts.roots.path(&loaded.certs)?;
    let all: Vec<CertLists> = path.certs.iter().map(|(c, _)| CertLists::of(c)).collect();
    let matched = all.iter().find(|m| m.lists.contains(&opts.list)).cloned();
    let look_alike = match (&matched, path.certs.last()) {
        (None, Some((top, _))) => trust_lists::look_alike(&top.common_name(), &top.sha256()),
        _ => None,
    };
    Ok(CheckOutcome {
        list: opts.list,
        trusted: matched.is_some(),
        matched,
        path: all,
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
