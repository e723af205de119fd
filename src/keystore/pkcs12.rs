//! PKCS#12 keystores: a private key with its whole chain, in a profile the
//! user's client can read, and the reading of existing truststores.
//!
//! Key stores are built with the openssl crate's `Pkcs12Builder`, which
//! gives key and certificate bags a shared `localKeyID` (what Java needs to
//! pair them). Trusted-certificate stores need a bag attribute the builder
//! cannot write: they are built in [`crate::keystore::ffi`].

use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::stack::Stack;
use serde::Serialize;

use crate::error::{openssl_reason, Error, Result};
use crate::secret::Secret;
use crate::x509::cert::Cert;
use crate::x509::key::PrivateKey;

/// Encryption and MAC of a PKCS#12 file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// AES-256-CBC with PBKDF2 for keys and certificates, SHA-256 MAC:
    /// OpenSSL 3, Java 8u301 and later, Node, Postman.
    Modern,
    /// 3DES for keys and certificates, SHA-1 MAC: Java before 8u301, older
    /// macOS and Windows keychains. (Never RC2-40: OpenSSL 3 and Node >= 17
    /// refuse it.)
    Compat,
}

/// Iterations for key derivation and MAC (OpenSSL's default).
pub const ITERATIONS: u32 = 2048;

impl Profile {
    pub fn pbe(self) -> Nid {
        match self {
            Profile::Modern => Nid::AES_256_CBC,
            Profile::Compat => Nid::PBE_WITHSHA1AND3_KEY_TRIPLEDES_CBC,
        }
    }

    pub fn mac(self) -> MessageDigest {
        match self {
            Profile::Modern => MessageDigest::sha256(),
            Profile::Compat => MessageDigest::sha1(),
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Profile::Modern => "AES-256-CBC, PBKDF2, SHA-256 MAC",
            Profile::Compat => "3DES, SHA-1 MAC",
        }
    }
}

/// A key store: the key (stored as PKCS#8, whatever its input form) and the
/// chain, leaf first, under `alias`.
pub fn build_keystore(
    key: &PrivateKey,
    chain: &[Cert],
    alias: &str,
    profile: Profile,
    password: &Secret,
) -> Result<Vec<u8>> {
    let pkey = key
        .pkey()
        .ok_or_else(|| Error::input("the private key is still encrypted"))?;
    let (leaf, rest) = chain
        .split_first()
        .ok_or_else(|| Error::input("no certificate for the key"))?;
    password.check_password("the keystore password")?;
    // The input was checked: OpenSSL failing here is btpcert's problem.
    let fail = |e: openssl::error::ErrorStack| {
        Error::internal(format!(
            "cannot build the PKCS#12 file ({})",
            openssl_reason(&e)
        ))
    };
    let mut ca = Stack::new().map_err(fail)?;
    for c in rest {
        ca.push(c.x509()?.clone()).map_err(fail)?;
    }
    let mut b = Pkcs12::builder();
    b.name(alias)
        .pkey(pkey)
        .cert(leaf.x509()?)
        .ca(ca)
        .key_algorithm(profile.pbe())
        .cert_algorithm(profile.pbe())
        .key_iter(ITERATIONS)
        .mac_iter(ITERATIONS)
        .mac_md(profile.mac());
    let p12 = b.build2(password.expose()).map_err(fail)?;
    p12.to_der().map_err(fail)
}

fn open(der: &[u8], password: &Secret) -> Result<openssl::pkcs12::ParsedPkcs12_2> {
    let p12 = Pkcs12::from_der(der).map_err(|_| Error::input("not a PKCS#12 file (or damaged)"))?;
    p12.parse2(password.expose()).map_err(|e| {
        let r = openssl_reason(&e);
        if r.contains("mac verify failure") {
            Error::input("wrong password (the PKCS#12 integrity check failed)")
        } else if r.contains("unsupported") {
            Error::input(format!(
                "uses an algorithm OpenSSL 3 refuses without its legacy provider ({r}), such as RC2-40; re-create it"
            ))
        } else {
            Error::input(format!("cannot read it ({r})"))
        }
    })
}

/// The key entry of a keystore: the key and its chain, leaf first.
pub fn read_keystore(der: &[u8], password: &Secret) -> Result<(PrivateKey, Vec<Cert>)> {
    let parsed = open(der, password)?;
    let key = parsed
        .pkey
        .ok_or_else(|| Error::input("holds no private key"))?;
    let mut chain = Vec::new();
    for x in parsed
        .cert
        .into_iter()
        .chain(parsed.ca.into_iter().flatten())
    {
        let der = x.to_der().map_err(|e| Error::input(openssl_reason(&e)))?;
        chain.push(Cert::from_der(&der)?);
    }
    let chain = crate::x509::chain::order(&chain).certs;
    Ok((PrivateKey::from_pkey(key)?, chain))
}

/// The certificates of an existing truststore, with their aliases.
pub fn read_truststore(der: &[u8], password: &Secret) -> Result<Vec<(String, Cert)>> {
    let parsed = open(der, password)?;
    if parsed.pkey.is_some() {
        return Err(Error::input(
            "holds a private key entry: it is a keystore, not a truststore",
        ));
    }
    let mut out = Vec::new();
    let certs = parsed.ca.into_iter().flatten().chain(parsed.cert);
    for x in certs {
        let alias = x
            .alias()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .unwrap_or_default();
        let der = x.to_der().map_err(|e| Error::input(openssl_reason(&e)))?;
        out.push((alias, Cert::from_der(&der)?));
    }
    Ok(out)
}
