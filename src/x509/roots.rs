//! Where a chain's root comes from when the chain does not carry it: files
//! the user names (`--roots`), and the system's CA bundle for publicly
//! trusted CAs.

use crate::error::{Error, Result};
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

/// The system CA bundle: `SSL_CERT_FILE`, or the usual places.
pub fn system_bundle_path() -> Option<std::path::PathBuf> {
    if let Some(p) = std::env::var_os("SSL_CERT_FILE") {
        return Some(p.into());
    }
    [
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/cert.pem",
    ]
    .iter()
    .map(std::path::PathBuf::from)
    .find(|p| p.is_file())
}

impl RootStore {
    /// Adds every certificate of a `--roots` file; an unreadable file is an error.
    pub fn add_file(&mut self, path: &str) -> Result<()> {
        let loaded = crate::input::load(path)?;
        if loaded.certs.is_empty() {
            return Err(Error::input(format!("{path}: holds no certificate")));
        }
        self.certs
            .extend(loaded.certs.into_iter().map(|c| (c, Origin::RootsFile)));
        Ok(())
    }

    /// Adds the system's CA bundle. A missing bundle adds nothing; a bundle
    /// that cannot be read is an error.
    pub fn add_system(&mut self) -> Result<()> {
        let Some(path) = system_bundle_path() else {
            return Ok(());
        };
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let stack = openssl::x509::X509::stack_from_pem(&bytes).map_err(|e| {
            Error::input(format!(
                "{}: unreadable CA bundle ({})",
                path.display(),
                crate::error::openssl_reason(&e)
            ))
        })?;
        for x in stack {
            if let Ok(der) = x.to_der() {
                if let Ok(c) = Cert::from_der(&der) {
                    self.certs.push((c, Origin::System));
                }
            }
        }
        Ok(())
    }

    /// A certificate of the store that signed `cert` (names and signature).
    pub fn issuer_of(&self, cert: &Cert) -> Option<(&Cert, &Origin)> {
        self.certs
            .iter()
            .find(|(c, _)| c.der() != cert.der() && cert.is_signed_by(c))
            .map(|(c, o)| (c, o))
    }
}
