//! New key pairs and certificate signing requests for client certificates:
//! keyUsage digitalSignature and extendedKeyUsage clientAuth requested, as
//! SAP's load balancer needs for External Certificate keys.

use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::stack::Stack;
use openssl::x509::extension::{ExtendedKeyUsage, KeyUsage};
use openssl::x509::{X509NameBuilder, X509ReqBuilder};

use crate::error::{openssl_reason, Error, Result};
use crate::x509::key::PrivateKey;

/// The kind of key to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum KeyType {
    /// RSA with this many bits (2048, 3072 or 4096).
    Rsa(u32),
    /// EC on NIST P-256.
    P256,
    /// EC on NIST P-384.
    P384,
}

impl KeyType {
    /// Parses `rsa:2048`, `rsa:3072`, `rsa:4096`, `ec:p256` or `ec:p384`.
    pub fn parse(s: &str) -> Result<KeyType> {
        match s.to_ascii_lowercase().as_str() {
            "rsa:2048" | "rsa" => Ok(KeyType::Rsa(2048)),
            "rsa:3072" => Ok(KeyType::Rsa(3072)),
            "rsa:4096" => Ok(KeyType::Rsa(4096)),
            "ec:p256" | "ec:p-256" | "ec" => Ok(KeyType::P256),
            "ec:p384" | "ec:p-384" => Ok(KeyType::P384),
            _ => Err(Error::usage(format!(
                "key type '{}': use rsa:2048, rsa:3072, rsa:4096, ec:p256 or ec:p384",
                crate::sanitize::sanitize(s)
            ))),
        }
    }

    /// As the option writes it.
    pub fn describe(self) -> String {
        match self {
            KeyType::Rsa(bits) => format!("RSA {bits}"),
            KeyType::P256 => "EC P-256".into(),
            KeyType::P384 => "EC P-384".into(),
        }
    }
}

fn fail(e: openssl::error::ErrorStack) -> Error {
    Error::internal(format!(
        "cannot make the key or request ({})",
        openssl_reason(&e)
    ))
}

/// A new private key of `kind`.
pub fn new_key(kind: KeyType) -> Result<PrivateKey> {
    let pkey = match kind {
        KeyType::Rsa(bits) => PKey::from_rsa(Rsa::generate(bits).map_err(fail)?).map_err(fail)?,
        KeyType::P256 | KeyType::P384 => {
            let nid = if kind == KeyType::P256 {
                Nid::X9_62_PRIME256V1
            } else {
                Nid::SECP384R1
            };
            let group = EcGroup::from_curve_name(nid).map_err(fail)?;
            PKey::from_ec_key(EcKey::generate(&group).map_err(fail)?).map_err(fail)?
        }
    };
    PrivateKey::from_pkey(pkey)
}

/// Parses a distinguished name as `openssl req -subj` writes it
/// (`/C=DE/O=Org/CN=name`) or as RFC 4514 does (`CN=name, O=Org, C=DE`,
/// most specific first). Returns (attribute, value) pairs, most general
/// first, as they go into the certificate.
pub fn parse_subject(s: &str) -> Result<Vec<(String, String)>> {
    let bad = |why: &str| {
        Error::usage(format!(
            "subject '{}': {why}; write /C=DE/O=Org/CN=name or CN=name, O=Org, C=DE",
            crate::sanitize::sanitize(s)
        ))
    };
    let slash = s.trim_start().starts_with('/');
    let parts: Vec<&str> = if slash {
        s.trim().trim_start_matches('/').split('/').collect()
    } else {
        s.split(',').collect()
    };
    let mut out = Vec::new();
    for p in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let (k, v) = p.split_once('=').ok_or_else(|| bad("a part without '='"))?;
        let (k, v) = (k.trim(), v.trim());
        if k.is_empty() || v.is_empty() {
            return Err(bad("an empty attribute or value"));
        }
        out.push((k.to_string(), v.to_string()));
    }
    if out.is_empty() {
        return Err(bad("no attribute"));
    }
    if !slash {
        out.reverse();
    }
    Ok(out)
}

/// A PKCS#10 request for `key`, signed with SHA-256, for `subject`, asking
/// for keyUsage digitalSignature (critical) and extendedKeyUsage clientAuth.
pub fn request(key: &PrivateKey, subject: &[(String, String)]) -> Result<String> {
    let pkey = key
        .pkey()
        .ok_or_else(|| Error::input("the private key is still encrypted"))?;
    let mut name = X509NameBuilder::new().map_err(fail)?;
    for (k, v) in subject {
        name.append_entry_by_text(k, v).map_err(|e| {
            Error::usage(format!(
                "subject attribute '{}': {}",
                crate::sanitize::sanitize(k),
                openssl_reason(&e)
            ))
        })?;
    }
    let name = name.build();
    let mut b = X509ReqBuilder::new().map_err(fail)?;
    b.set_version(0).map_err(fail)?;
    b.set_subject_name(&name).map_err(fail)?;
    b.set_pubkey(pkey).map_err(fail)?;
    let mut exts = Stack::new().map_err(fail)?;
    exts.push(
        KeyUsage::new()
            .critical()
            .digital_signature()
            .build()
            .map_err(fail)?,
    )
    .map_err(fail)?;
    exts.push(
        ExtendedKeyUsage::new()
            .client_auth()
            .build()
            .map_err(fail)?,
    )
    .map_err(fail)?;
    b.add_extensions(&exts).map_err(fail)?;
    b.sign(pkey, MessageDigest::sha256()).map_err(fail)?;
    let pem = b.build().to_pem().map_err(fail)?;
    String::from_utf8(pem).map_err(|_| Error::internal("the request is not text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_in_both_notations() {
        let want = vec![
            ("C".to_string(), "DE".to_string()),
            ("O".to_string(), "Org".to_string()),
            ("CN".to_string(), "a b".to_string()),
        ];
        assert_eq!(parse_subject("/C=DE/O=Org/CN=a b").unwrap(), want);
        assert_eq!(parse_subject("CN=a b, O=Org, C=DE").unwrap(), want);
        assert!(parse_subject("nonsense").is_err());
        assert!(parse_subject("/CN=").is_err());
    }

    #[test]
    fn a_request_asks_for_client_authentication() {
        let key = new_key(KeyType::P256).unwrap();
        let pem = request(&key, &parse_subject("/CN=sender").unwrap()).unwrap();
        let req = openssl::x509::X509Req::from_pem(pem.as_bytes()).unwrap();
        assert!(req.verify(key.pkey().unwrap()).unwrap());
        assert_eq!(req.extensions().unwrap().len(), 2);
        assert!(KeyType::parse("rsa:1024").is_err());
        assert_eq!(KeyType::parse("ec:p384").unwrap(), KeyType::P384);
    }
}
