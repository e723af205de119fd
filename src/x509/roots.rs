//! Certificates that complete a chain when the chain does not carry its
//! root: those the user names (`--roots`) and the system's CA bundle. The
//! store only holds them; reading files is the input layer's job.

use time::OffsetDateTime;

use crate::x509::cert::Cert;
use crate::x509::issuers::IssuerIndex;

/// Where a certificate of the path came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// Given by the user as part of the chain.
    Chain,
    /// From a `--roots` file.
    RootsFile,
    /// From the system's CA bundle.
    System,
    /// Fetched from a certificate's caIssuers URL (`--fetch-intermediates`).
    Fetched,
}

impl Origin {
    /// Where a certificate added to a chain came from, in words (`from
    /// --roots`); `None` for one of the chain given.
    pub fn whence(&self) -> Option<&'static str> {
        match self {
            Origin::Chain => None,
            Origin::RootsFile => Some("from --roots"),
            Origin::System => Some("from the system's CA bundle"),
            Origin::Fetched => Some("fetched from a caIssuers URL"),
        }
    }
}

/// Extra CA certificates to complete a chain with, indexed by subject.
#[derive(Debug, Default)]
pub struct RootStore {
    certs: Vec<(Cert, Origin)>,
    index: IssuerIndex,
}

impl RootStore {
    /// Adds certificates that came from `origin`.
    pub fn add(&mut self, certs: impl IntoIterator<Item = Cert>, origin: Origin) {
        for c in certs {
            self.index.push(self.certs.len(), &c);
            self.certs.push((c, origin.clone()));
        }
    }

    /// Whether the store holds no certificate.
    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }

    /// The certificates of the store that issued `cert` (names, authority
    /// key identifier and signature), best first: valid at `at` before
    /// expired or not yet valid, then self-signed (a root) before a
    /// cross-certificate, then the order they were added in.
    fn issuers(&self, cert: &Cert, at: OffsetDateTime) -> Vec<(&Cert, &Origin)> {
        let mut found: Vec<(&Cert, &Origin)> = self
            .index
            .issuers(cert, |i| &self.certs[i].0)
            .into_iter()
            .map(|i| (&self.certs[i].0, &self.certs[i].1))
            .filter(|(c, _)| c.der() != cert.der())
            .collect();
        found.sort_by_key(|(c, _)| {
            (
                c.expired_at(at) || c.not_yet_valid_at(at),
                !c.is_self_signed(),
            )
        });
        found
    }

    /// The certificate of the store that issued `cert`, the best by the
    /// order of preference above.
    pub fn issuer_of(&self, cert: &Cert, at: OffsetDateTime) -> Option<(&Cert, &Origin)> {
        self.issuers(cert, at).into_iter().next()
    }

    /// A self-signed certificate of the store that issued `cert`: a trust
    /// anchor the path can end at, valid at `at` preferred.
    pub fn anchor_for(&self, cert: &Cert, at: OffsetDateTime) -> Option<(&Cert, &Origin)> {
        self.issuers(cert, at)
            .into_iter()
            .find(|(c, _)| c.is_self_signed())
    }
}
