//! Certificates that complete a chain when the chain does not carry its
//! root: those the user names (`--roots`) and the system's CA bundle. The
//! store only holds them; reading files is the input layer's job.

use crate::x509::cert::Cert;

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
}

/// Extra CA certificates to complete a chain with.
#[derive(Debug, Default)]
pub struct RootStore {
    certs: Vec<(Cert, Origin)>,
}

impl RootStore {
    /// Adds certificates that came from `origin`.
    pub fn add(&mut self, certs: impl IntoIterator<Item = Cert>, origin: Origin) {
        self.certs
            .extend(certs.into_iter().map(|c| (c, origin.clone())));
    }

    /// Whether the store holds no certificate.
    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }

    /// A certificate of the store that signed `cert` (names and signature).
    pub fn issuer_of(&self, cert: &Cert) -> Option<(&Cert, &Origin)> {
        self.certs
            .iter()
            .find(|(c, _)| c.der() != cert.der() && cert.is_signed_by(c))
            .map(|(c, o)| (c, o))
    }
}
