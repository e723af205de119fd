//! Reads the certificates that complete chains: `--roots` files and the
//! system's CA bundle.

use crate::error::{Error, Result};
use crate::x509::cert::Cert;

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

/// Every certificate of a `--roots` file; a file without one is an error.
pub fn roots_file(path: &str) -> Result<Vec<Cert>> {
    let loaded = super::load(path)?;
    if loaded.certs.is_empty() {
        return Err(Error::input("holds no certificate").with_path(path));
    }
    Ok(loaded.certs)
}

/// The certificates of the system's CA bundle. A missing bundle gives none;
/// a bundle that cannot be read is an error.
pub fn system_roots() -> Result<Vec<Cert>> {
    let Some(path) = system_bundle_path() else {
        return Ok(Vec::new());
    };
    let (_, bytes) = super::read_source(&path.display().to_string())?;
    let stack = openssl::x509::X509::stack_from_pem(&bytes).map_err(|e| {
        Error::input(format!(
            "unreadable CA bundle ({})",
            crate::error::openssl_reason(&e)
        ))
        .with_path(path.display())
    })?;
    Ok(stack
        .iter()
        .filter_map(|x| x.to_der().ok())
        .filter_map(|der| Cert::from_der(&der).ok())
        .collect())
}
