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
    bundle_certs(&bytes).map_err(|e| e.with_path(path.display()))
}

/// The certificates of a CA bundle, in its order, as OpenSSL's
/// `PEM_read_bio_X509` loop reads them: `CERTIFICATE` and
/// `X509 CERTIFICATE` blocks (not `TRUSTED CERTIFICATE`, whose trust
/// settings btpcert would not honour), other blocks and text between
/// blocks passed over; a certificate btpcert cannot parse is left out.
///
/// btpcert's own PEM reader comes first: OpenSSL 3.0 decodes each
/// certificate's public key through its generic decoders, which made
/// reading the system bundle (about 140 certificates) take some 36 ms of
/// every command that needed it. Text that reader refuses (it is strict
/// about cut or mixed blocks) is left to OpenSSL, as before.
pub fn bundle_certs(bytes: &[u8]) -> Result<Vec<Cert>> {
    let blocks = std::str::from_utf8(bytes)
        .ok()
        .and_then(|text| crate::x509::pem::parse_blocks(text).ok());
    if let Some(blocks) = blocks {
        return Ok(blocks
            .iter()
            .filter(|b| matches!(b.tag(), "CERTIFICATE" | "X509 CERTIFICATE"))
            .filter_map(|b| Cert::from_der(b.contents()).ok())
            .collect());
    }
    let stack = openssl::x509::X509::stack_from_pem(bytes).map_err(|e| {
        Error::input(format!(
            "unreadable CA bundle ({})",
            crate::error::openssl_reason(&e)
        ))
    })?;
    Ok(stack
        .iter()
        .filter_map(|x| x.to_der().ok())
        .filter_map(|der| Cert::from_der(&der).ok())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SHA-256 fingerprints of what OpenSSL's PEM reader takes from `bundle`.
    fn openssl_reads(bundle: &str) -> Vec<Vec<u8>> {
        openssl::x509::X509::stack_from_pem(bundle.as_bytes())
            .unwrap()
            .iter()
            .map(|x| {
                x.digest(openssl::hash::MessageDigest::sha256())
                    .unwrap()
                    .to_vec()
            })
            .collect()
    }

    fn fingerprints(certs: &[Cert]) -> Vec<Vec<u8>> {
        certs
            .iter()
            .map(|c| openssl::sha::sha256(c.der()).to_vec())
            .collect()
    }

    fn sample_bundle() -> String {
        let sap = include_str!("../../testdata/sap/SAP-Cloud-Root-CA.pem");
        let chain = include_str!("../../testdata/sap/sap-generated-chain.pem");
        let sample = include_str!("../../testdata/sample-root.pem");
        let key = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n";
        format!("# comment line\n{sap}\nSAP Cloud Root CA\n===\n{chain}{key}{sample}")
    }

    #[test]
    fn a_bundle_reads_as_openssl_reads_it() {
        let bundle = sample_bundle();
        let certs = bundle_certs(bundle.as_bytes()).unwrap();
        assert!(certs.len() >= 3, "{} certificates", certs.len());
        assert_eq!(fingerprints(&certs), openssl_reads(&bundle));
    }

    #[test]
    fn trusted_certificate_blocks_are_passed_over_as_openssl_does() {
        let sample = include_str!("../../testdata/sample-root.pem");
        let trusted = sample.replace("CERTIFICATE-----", "TRUSTED CERTIFICATE-----");
        let sap = include_str!("../../testdata/sap/SAP-Cloud-Root-CA.pem");
        let bundle = format!("{trusted}{sap}");
        let certs = bundle_certs(bundle.as_bytes()).unwrap();
        assert_eq!(certs.len(), 1);
        assert_eq!(fingerprints(&certs), openssl_reads(&bundle));
    }

    #[test]
    fn text_the_strict_reader_refuses_is_left_to_openssl() {
        // A stray END line makes btpcert's PEM reader refuse the text;
        // OpenSSL passes over it and reads the blocks around it.
        let bundle = format!("-----END CERTIFICATE-----\n{}", sample_bundle());
        assert!(crate::x509::pem::parse_blocks(&bundle).is_err());
        let certs = bundle_certs(bundle.as_bytes()).unwrap();
        assert!(certs.len() >= 3);
        assert_eq!(fingerprints(&certs), openssl_reads(&bundle));
    }

    #[test]
    fn a_bundle_without_certificates_holds_none() {
        assert!(bundle_certs(b"no certificates here\n").unwrap().is_empty());
    }
}
