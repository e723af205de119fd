//! Reads the certificates that complete chains: `--roots` files and the
//! system's CA bundle.

use std::ptr;

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
/// `PEM_read_bio_X509` loop reads them: its blocks are found by OpenSSL's
/// own PEM reader (`PEM_read_bio`), with all its rules on where a block
/// starts and ends; `CERTIFICATE` and `X509 CERTIFICATE` blocks are taken
/// (not `TRUSTED CERTIFICATE`, whose trust settings btpcert would not
/// honour), other blocks passed over. A bundle OpenSSL refuses (a broken
/// block, a certificate block with RFC 1421 headers, a certificate it
/// cannot decode) is an error, as with OpenSSL; a certificate OpenSSL
/// decodes and btpcert does not is left out.
///
/// Only the certificates are not OpenSSL's: OpenSSL 3.0 decodes each
/// public key through its generic decoders, which made reading the system
/// bundle (about 140 certificates) take some 36 ms of every command that
/// needed it.
pub fn bundle_certs(bytes: &[u8]) -> Result<Vec<Cert>> {
    let unreadable = |why: String| Error::input(format!("unreadable CA bundle ({why})"));
    let mut certs = Vec::new();
    for block in pem_blocks(bytes).map_err(unreadable)? {
        if !matches!(block.name.as_str(), "CERTIFICATE" | "X509 CERTIFICATE") {
            continue;
        }
        if !block.header.is_empty() {
            return Err(unreadable(
                "a certificate block with RFC 1421 headers".into(),
            ));
        }
        match Cert::from_der(&block.data) {
            Ok(c) => certs.push(c),
            Err(_) => {
                if let Err(e) = openssl::x509::X509::from_der(&block.data) {
                    return Err(unreadable(crate::error::openssl_reason(&e)));
                }
            }
        }
    }
    Ok(certs)
}

/// A PEM block as OpenSSL's `PEM_read_bio` gives it.
struct PemBlock {
    name: String,
    header: Vec<u8>,
    data: Vec<u8>,
}

/// Every PEM block of `bytes`, read by OpenSSL (`PEM_read_bio` until it
/// finds no more); its reason where a block is broken.
#[allow(unsafe_code)]
fn pem_blocks(bytes: &[u8]) -> std::result::Result<Vec<PemBlock>, String> {
    use openssl_sys as ffi;
    use std::ffi::{c_char, c_long, c_uchar, c_void, CStr};
    extern "C" {
        fn PEM_read_bio(
            bp: *mut ffi::BIO,
            name: *mut *mut c_char,
            header: *mut *mut c_char,
            data: *mut *mut c_uchar,
            len: *mut c_long,
        ) -> std::ffi::c_int;
    }
    /// Frees what PEM_read_bio allocated.
    struct Freed(*mut c_void);
    impl Drop for Freed {
        fn drop(&mut self) {
            // SAFETY: the pointer is NULL or was allocated by OpenSSL for us.
            unsafe { ffi::CRYPTO_free(self.0, c"roots.rs".as_ptr(), 0) }
        }
    }
    let len = std::ffi::c_int::try_from(bytes.len()).map_err(|_| "too big".to_string())?;
    // SAFETY: the BIO reads `bytes`, which outlive it (freed below).
    let bio = unsafe { ffi::BIO_new_mem_buf(bytes.as_ptr().cast(), len) };
    if bio.is_null() {
        return Err("out of memory".into());
    }
    let mut blocks = Vec::new();
    let outcome = loop {
        let (mut name, mut header, mut data, mut n) =
            (ptr::null_mut(), ptr::null_mut(), ptr::null_mut(), 0);
        // SAFETY: bio is valid; the out-pointers are written on success.
        let ok = unsafe { PEM_read_bio(bio, &mut name, &mut header, &mut data, &mut n) };
        let owned = [Freed(name.cast()), Freed(header.cast()), Freed(data.cast())];
        if ok != 1 {
            // SAFETY: reads this thread's error queue.
            let e = unsafe { ffi::ERR_peek_last_error() };
            let end = ffi::ERR_GET_LIB(e) == ffi::ERR_LIB_PEM
                && ffi::ERR_GET_REASON(e) == ffi::PEM_R_NO_START_LINE;
            let stack = openssl::error::ErrorStack::get();
            break if end {
                Ok(())
            } else {
                Err(crate::error::openssl_reason(&stack))
            };
        }
        let len = usize::try_from(n).unwrap_or(0);
        // SAFETY: on success name and header are NUL-terminated strings and
        // data holds n bytes, all allocated by OpenSSL.
        let block = unsafe {
            PemBlock {
                name: CStr::from_ptr(name).to_string_lossy().into_owned(),
                header: CStr::from_ptr(header).to_bytes().to_vec(),
                data: std::slice::from_raw_parts(data, len).to_vec(),
            }
        };
        drop(owned);
        blocks.push(block);
    };
    // SAFETY: bio was made above and is freed once.
    unsafe { ffi::BIO_free_all(bio) };
    outcome.map(|()| blocks)
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

    /// One certificate block as `openssl x509` writes it, lines of `width`
    /// (0: all on one line), with `header` lines after BEGIN.
    fn block(der: &[u8], label: &str, width: usize, header: &str) -> String {
        let b64 = openssl::base64::encode_block(der);
        let lines: Vec<&str> = if width == 0 {
            vec![&b64]
        } else {
            b64.as_bytes()
                .chunks(width)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect()
        };
        format!(
            "-----BEGIN {label}-----\n{header}{}\n-----END {label}-----\n",
            lines.join("\n")
        )
    }

    #[test]
    fn odd_bundles_are_read_as_openssl_reads_them_or_refused_as_it_refuses_them() {
        let der = |pem: &str| pem::parse(pem).unwrap().into_contents();
        let a = include_str!("../../testdata/sap/SAP-Cloud-Root-CA.pem").to_string();
        let b = include_str!("../../testdata/sample-root.pem").to_string();
        let c = block(
            &der(include_str!("../../testdata/sap/sap-generated-chain.pem")),
            "CERTIFICATE",
            64,
            "",
        );
        let bd = der(&b);
        let cases: Vec<(&str, Vec<u8>)> = vec![
            (
                "CRLF line ends",
                format!("{a}{b}{c}").replace('\n', "\r\n").into(),
            ),
            (
                "text after the last block",
                format!("{a}{b}garbage \u{1} ----- junk").into(),
            ),
            (
                "a TRUSTED CERTIFICATE between",
                format!(
                    "{a}{}{c}",
                    b.replace("CERTIFICATE-----", "TRUSTED CERTIFICATE-----")
                )
                .into(),
            ),
            (
                "an RFC 1421 header",
                format!(
                    "{a}{}{c}",
                    block(&bd, "CERTIFICATE", 64, "Comment: a header\n\n")
                )
                .into(),
            ),
            (
                "the last block cut",
                format!("{a}{b}{}", &c[..c.len() / 2]).into(),
            ),
            (
                "bytes that are not UTF-8 between",
                [
                    format!("{a}{b}").as_bytes(),
                    b"\xff\xfe \xe9\n",
                    c.as_bytes(),
                ]
                .concat(),
            ),
            ("nothing", Vec::new()),
            (
                "BEGIN after text on its line",
                format!("{a}# note: {b}{c}").into(),
            ),
            (
                "a block on one line",
                format!(
                    "{a}{}\n{c}",
                    block(&bd, "CERTIFICATE", 0, "").replace('\n', "")
                )
                .into(),
            ),
            (
                "base64 on one long line",
                format!("{a}{}{c}", block(&bd, "CERTIFICATE", 0, "")).into(),
            ),
            (
                "literal \\n escapes",
                format!("{a}\"{}\"\n{c}", b.replace('\n', "\\n")).into(),
            ),
            (
                "an X509 CERTIFICATE label",
                format!(
                    "{a}{}{c}",
                    b.replace("CERTIFICATE-----", "X509 CERTIFICATE-----")
                )
                .into(),
            ),
            (
                "spaces after BEGIN",
                format!(
                    "{a}{}{c}",
                    b.replacen("CERTIFICATE-----\n", "CERTIFICATE-----  \n", 1)
                )
                .into(),
            ),
            (
                "a blank line in the base64",
                format!(
                    "{a}{}{c}",
                    b.replacen("\n", "\n\n", 3)
                        .replacen("-----\n\n", "-----\n", 1)
                )
                .into(),
            ),
            (
                "indented base64",
                format!(
                    "{a}{}\n{c}",
                    b.lines()
                        .map(|l| if l.starts_with("-----") {
                            l.to_string()
                        } else {
                            format!("  {l}")
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                )
                .into(),
            ),
            (
                "a certificate block that is not a certificate",
                format!(
                    "{a}{}{c}",
                    block(&[0x30, 3, 2, 1, 0], "CERTIFICATE", 64, "")
                )
                .into(),
            ),
            (
                "PKCS7 and key blocks between",
                format!("{a}-----BEGIN PKCS7-----\nMAA=\n-----END PKCS7-----\n{b}{c}").into(),
            ),
            (
                "bytes after the certificate's DER",
                format!(
                    "{a}{}{c}",
                    block(&[&bd[..], &[5, 0]].concat(), "CERTIFICATE", 64, "")
                )
                .into(),
            ),
            (
                "an END line in a comment",
                format!("{a}# see -----END CERTIFICATE----- here\n{b}{c}").into(),
            ),
            (
                "a BEGIN line in a comment",
                format!("{a}# paste between -----BEGIN CERTIFICATE----- and END\n{b}{c}").into(),
            ),
            (
                "dashes in text",
                format!("{a}-------- section --------\n{b}{c}").into(),
            ),
            (
                "a mismatched END line",
                format!(
                    "{a}{}{c}",
                    b.replace(
                        "-----END CERTIFICATE-----",
                        "-----END X509 CERTIFICATE-----"
                    )
                )
                .into(),
            ),
        ];
        for (what, bytes) in &cases {
            let ours = bundle_certs(bytes);
            let theirs = openssl::x509::X509::stack_from_pem(bytes);
            match (&ours, &theirs) {
                (Ok(ours), Ok(theirs)) => {
                    let theirs: Vec<Vec<u8>> = theirs
                        .iter()
                        .map(|x| {
                            x.digest(openssl::hash::MessageDigest::sha256())
                                .unwrap()
                                .to_vec()
                        })
                        .collect();
                    assert_eq!(fingerprints(ours), theirs, "{what}");
                }
                (Err(e), Err(_)) => assert!(
                    e.to_string().starts_with("unreadable CA bundle"),
                    "{what}: {e}"
                ),
                _ => panic!(
                    "{what}: btpcert {:?}, OpenSSL {:?}",
                    ours.as_ref().map(Vec::len),
                    theirs.as_ref().map(Vec::len)
                ),
            }
        }
    }

    #[test]
    fn a_bundle_without_certificates_holds_none() {
        assert!(bundle_certs(b"no certificates here\n").unwrap().is_empty());
    }
}
