//! The Connectivity Test download: which certificate is the root the
//! sender's truststore needs, found by signatures, never by file names
//! (`../shared/sap-facts.md`, "Connectivity Test .zip" [5d6cbf4, 03bbb5d]:
//! SAP documents neither the entry names nor the encoding; its document
//! says to "select the `*.cer` file of the root certificate and import
//! this", so the entry that holds the root is named).

use serde::Serialize;

use crate::sap::trust_lists;
use crate::x509::cert::Cert;
use crate::x509::chain::{self, Chain};

/// A Connectivity Test download, analysed.
#[derive(Debug)]
pub struct Analysis {
    /// (entry name, certificate), in archive order.
    pub entries: Vec<(String, Cert)>,
    /// (entry name, reason) of the entries passed over.
    pub skipped: Vec<(String, String)>,
    /// The server's chain, leaf first.
    pub chain: Chain,
    /// The self-signed certificate at the top of the chain.
    pub root: Option<Cert>,
    /// Every self-signed certificate of the archive.
    pub self_signed: Vec<Cert>,
}

/// A root and the SAP lists that hold it.
#[derive(Debug, Serialize)]
pub struct RootInfo {
    /// Its subject.
    pub subject_dn: String,
    /// SHA-256 fingerprint.
    pub fingerprint_sha256: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// The lists that hold it, by fingerprint.
    pub lists: Vec<&'static str>,
    /// A listed CA with the same name but another fingerprint.
    pub look_alike_of: Option<String>,
    /// The archive entry that holds the root; `None` when the archive
    /// holds none and the root was completed from elsewhere.
    pub entry: Option<String>,
    /// Where the root came from: `archive`, `roots-file` (`--roots`) or
    /// `system` (the system's CA bundle).
    pub from: &'static str,
}

/// Orders the certificates of a download and finds its root. `entries` are
/// (entry name, certificate) in archive order; `skipped` the entries passed
/// over, with the reason.
pub fn analyse(entries: Vec<(String, Cert)>, skipped: Vec<(String, String)>) -> Analysis {
    let certs: Vec<Cert> = entries.iter().map(|(_, c)| c.clone()).collect();
    let chain = chain::order(&certs);
    let root = chain.top().filter(|c| c.is_self_signed()).cloned();
    let mut self_signed: Vec<Cert> = Vec::new();
    for c in certs.iter().filter(|c| c.is_self_signed()) {
        if !self_signed.iter().any(|s| s.der() == c.der()) {
            self_signed.push(c.clone());
        }
    }
    Analysis {
        entries,
        skipped,
        chain,
        root,
        self_signed,
    }
}

/// What SAP's lists say of a root; [`RootInfo::located`] adds where it is.
pub fn root_info(c: &Cert) -> RootInfo {
    let fp = c.sha256();
    let look = trust_lists::look_alike(&c.common_name(), &fp);
    RootInfo {
        subject_dn: c.subject_dn(),
        lists: trust_lists::lists_for(&fp),
        look_alike_of: look.and_then(|l| l.sha256.map(|s| format!("{} (SHA-256 {s})", l.subject))),
        fingerprint_sha256: fp,
        not_after: crate::x509::cert::rfc3339(c.not_after()),
        entry: None,
        from: "archive",
    }
}

impl RootInfo {
    /// The same, with the archive entry that holds the root, or `from`
    /// (`roots-file`, `system`) when the archive holds none.
    pub fn located(mut self, c: &Cert, a: &Analysis, from: &'static str) -> RootInfo {
        self.entry = a
            .entries
            .iter()
            .find(|(_, e)| e.der() == c.der())
            .map(|(name, _)| name.clone());
        self.from = if self.entry.is_some() {
            "archive"
        } else {
            from
        };
        self
    }
}
