//! Certificates and keys from PEM text: every block decoded by its label,
//! PKCS#7 bundles opened, a CSR or bare public key refused with its name.

use crate::error::{Error, Result};
use crate::x509::cert::Cert;
use crate::x509::der;
use crate::x509::key::{is_key_label, PrivateKey};
use crate::x509::pem as pemtext;

/// Certificates and at most one private key from PEM text.
pub fn material_from_text(text: &str) -> Result<(Vec<Cert>, Option<PrivateKey>)> {
    let blocks = pemtext::parse_blocks(text)?;
    let is_cert = |label: &str| {
        matches!(
            label,
            "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE"
        )
    };
    // A long bundle's certificates are read on every core.
    let mut parsed: Vec<Option<Result<Cert>>> = crate::x509::cert::par_map(blocks.len(), |i| {
        let b = &blocks[i];
        is_cert(b.tag()).then(|| Cert::from_der(b.contents()))
    });
    let mut certs = Vec::new();
    let mut keys = Vec::new();
    for (i, block) in blocks.into_iter().enumerate() {
        let n = i + 1;
        let label = block.tag().to_string();
        let ctx = |e: Error| e.with_block(n, label.clone());
        match label.as_str() {
            l if is_cert(l) => {
                let cert = match parsed.get_mut(i).and_then(Option::take) {
                    Some(c) => c,
                    None => Cert::from_der(block.contents()),
                };
                certs.push(cert.map_err(ctx)?)
            }
            "PKCS7" => certs.extend(certs_from_pkcs7(block.contents()).map_err(ctx)?),
            l if is_key_label(l) => keys.push(PrivateKey::from_block(block).map_err(ctx)?),
            "EC PARAMETERS" => {}
            "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => {
                return Err(Error::input(format!(
                    "block {n} is a certificate signing request (CSR), not a certificate: have it signed by your CA first"
                )))
            }
            "PUBLIC KEY" | "RSA PUBLIC KEY" => {
                return Err(Error::input(format!(
                    "block {n} ({label}) is a bare public key, not a certificate or private key"
                )))
            }
            other => {
                return Err(Error::input(format!(
                    "block {n}: unknown PEM label '{other}' (expected CERTIFICATE or a PRIVATE KEY)"
                )))
            }
        }
    }
    if keys.len() > 1 {
        return Err(Error::input(format!(
            "holds {} private keys; give one key per input",
            keys.len()
        )));
    }
    Ok((certs, keys.pop()))
}

/// The certificates of a PEM value that must hold certificates only.
pub fn certs_from_text(text: &str) -> Result<Vec<Cert>> {
    let (certs, key) = material_from_text(text)?;
    if key.is_some() {
        return Err(Error::input(
            "holds a private key where certificates belong",
        ));
    }
    if certs.is_empty() {
        return Err(Error::input("holds no certificate"));
    }
    Ok(certs)
}

/// The private key of a PEM value that must hold one key only.
pub fn key_from_text(text: &str) -> Result<PrivateKey> {
    let (certs, key) = material_from_text(text)?;
    if !certs.is_empty() {
        return Err(Error::input(
            "holds a certificate where the private key belongs",
        ));
    }
    key.ok_or_else(|| Error::input("holds no private key"))
}

/// True when `der` is a DER PKCS#7 `ContentInfo` of type SignedData (a
/// `.p7b`/`.p7c` file): a SEQUENCE whose first element is that OID. Told
/// by its content, never by a file's extension.
pub fn is_pkcs7_der(der: &[u8]) -> bool {
    der::Reader::new(der)
        .read(0x30)
        .and_then(|mut info| info.read(0x06))
        .is_some_and(|t| t.rest() == der::oid::PKCS7_SIGNED_DATA)
}

/// The certificates as a DER PKCS#7 SignedData without signers (a
/// "certs-only" `.p7b`, as `openssl crl2pkcs7 -nocrl -outform DER`,
/// Windows and Cloud Integration write it), in the order given.
pub fn pkcs7_der(certs: &[Cert]) -> Vec<u8> {
    let all: Vec<u8> = certs.iter().flat_map(|c| c.der().to_vec()).collect();
    let mut sd = vec![0x02, 0x01, 0x01]; // version 1
    sd.extend(der::tlv(0x31, &[])); // digestAlgorithms
    sd.extend(der::tlv(0x30, &der::tlv(0x06, der::oid::PKCS7_DATA))); // contentInfo
    sd.extend(der::tlv(0xa0, &all)); // certificates [0] IMPLICIT
    sd.extend(der::tlv(0x31, &[])); // signerInfos
    let mut ci = der::tlv(0x06, der::oid::PKCS7_SIGNED_DATA);
    ci.extend(der::tlv(0xa0, &der::tlv(0x30, &sd)));
    der::tlv(0x30, &ci)
}

/// The certificates of a DER PKCS#7 structure, in its order.
pub fn certs_from_pkcs7(der: &[u8]) -> Result<Vec<Cert>> {
    let p7 = openssl::pkcs7::Pkcs7::from_der(der).map_err(|e| {
        Error::input(format!(
            "not a valid PKCS#7 structure ({})",
            crate::error::openssl_reason(&e)
        ))
    })?;
    let stack = p7.signed().and_then(|s| s.certificates());
    let mut out = Vec::new();
    for c in stack.into_iter().flatten() {
        let der = c
            .to_der()
            .map_err(|e| Error::input(crate::error::openssl_reason(&e)))?;
        out.push(Cert::from_der(&der)?);
    }
    if out.is_empty() {
        return Err(Error::input("the PKCS#7 structure holds no certificate"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pkcs7_written_is_read_back_in_order() {
        let key: serde_json::Value =
            serde_json::from_str(include_str!("../../testdata/service-key.json")).unwrap();
        let chain = certs_from_text(key["oauth"]["certificate"].as_str().unwrap()).unwrap();
        assert_eq!(chain.len(), 3);
        let der = pkcs7_der(&chain);
        assert!(is_pkcs7_der(&der));
        assert!(!is_pkcs7_der(chain[0].der()));
        let back = certs_from_pkcs7(&der).unwrap();
        assert_eq!(back.len(), chain.len());
        for (a, b) in back.iter().zip(&chain) {
            assert_eq!(a.der(), b.der());
        }
    }

    fn block(der: &[u8]) -> String {
        pemtext::encode_der("CERTIFICATE", der)
    }

    #[test]
    fn a_body_that_is_no_certificate_is_named_in_words() {
        let root = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/sample-root.pem"
        ))
        .unwrap();
        let der = pemtext::parse_blocks(&root).unwrap()[0].contents().to_vec();
        let cases = [
            (
                b"hello world, no certificate".to_vec(),
                "is damaged or of another kind",
            ),
            (vec![0x02, 0x01, 0x05], "is damaged or of another kind"),
            (
                der[..der.len() / 2].to_vec(),
                "ends early (the data is cut off?)",
            ),
        ];
        for (body, expect) in cases {
            let e = material_from_text(&block(&body)).unwrap_err().to_string();
            assert!(
                e.starts_with(
                    "block 1 (CERTIFICATE): not a valid X.509 certificate: the DER structure "
                ),
                "{e}"
            );
            assert!(e.ends_with(expect), "{e}");
            assert!(!e.contains("Error") && !e.contains("Tag("), "{e}");
        }
    }
}
