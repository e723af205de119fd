//! PKCS#12 keystores: a private key with its whole chain, in a profile the
//! user's client can read, and the reading of existing truststores.
//!
//! Key stores are built with the openssl crate's `Pkcs12Builder`, which
//! gives key and certificate bags a shared `localKeyID` (what Java needs to
//! pair them). Trusted-certificate stores need a bag attribute the builder
//! cannot write: they are built in [`crate::keystore::ffi`].

use openssl::pkcs12::Pkcs12;
use openssl::stack::Stack;
use serde::Serialize;

use crate::error::{openssl_reason, Error, Result};
use crate::secret::Secret;
use crate::x509::cert::Cert;

use crate::x509::key::PrivateKey;
use crate::x509::pbe;

pub use super::profile::{Profile, ITERATIONS};

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

/// A PKCS#12 file opened as OpenSSL parses it, with the trusted-usage
/// attributes of its certificate bags, which that parse drops.
fn open(der: &[u8], password: &Secret) -> Result<super::ffi::Contents> {
    password.check_password("the PKCS#12 password")?;
    Pkcs12::from_der(der)
        .map_err(|_| Error::input("not a keystore (neither PKCS#12 nor JKS), or damaged"))?;
    if uses_pbmac1(der) {
        return Err(Error::input(
            "its integrity check is PBMAC1 (RFC 9579), which OpenSSL 3.0 cannot verify: export it again with the classic HMAC integrity (e.g. without -pbmac1_pbkdf2 in OpenSSL 3.4+, or from Java with keystore.pkcs12.macAlgorithm=HmacPBESHA256)",
        ));
    }
    // What may be derived before anything is decrypted, then, with the
    // safes opened within that bound, the keys they hold. A part btpcert
    // cannot count is one OpenSSL is not asked to derive for.
    let too_many = |n: u64| {
        let n = match n {
            u64::MAX => "a negative or over-long number of".to_string(),
            n => n.to_string(),
        };
        Error::input(format!(
            "asks for {n} key-derivation iterations in all, more than the {} btpcert allows (a few seconds of work): export it again with fewer (OpenSSL and Java use 2,048 to 10,000 a derivation)",
            pbe::MAX_ITERATIONS
        ))
    };
    let uncountable = || {
        Error::input(
            "cannot tell how many key-derivation iterations it asks for (a part of it cannot be read): export it again",
        )
    };
    let outer = super::ffi::outer_iterations(der).ok_or_else(uncountable)?;
    if outer > pbe::MAX_ITERATIONS {
        return Err(too_many(outer));
    }
    use super::ffi::OpenFailure;
    super::ffi::open_file(der, password, outer).map_err(|f| match f {
        // The password may still open what the file holds.
        OpenFailure::Mac => Error::input(if super::ffi::password_opens_contents(der, password) {
            "the PKCS#12 integrity check fails, yet the password opens what the file holds: the file was changed or damaged after it was written; export it again"
        } else {
            "wrong password (the PKCS#12 integrity check failed)"
        }),
        OpenFailure::TooMany(n) => too_many(n),
        OpenFailure::Uncountable => uncountable(),
        OpenFailure::Unreadable(r) if r.contains("unsupported") => Error::input(format!(
            "uses an algorithm OpenSSL 3 refuses without its legacy provider ({r}), such as RC2-40; re-create it"
        )),
        OpenFailure::Unreadable(r) => Error::input(format!("cannot read it ({r})")),
    })
}

/// How a certificate of a keystore relates to its private key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relation {
    /// The key's own certificate: its public key is the key's.
    Leaf,
    /// An issuer on the path up from the leaf.
    Chain,
    /// Neither (a truststore's entries, or an extra certificate).
    Unrelated,
}

/// What a PKCS#12 or JKS file holds.
#[derive(Debug)]
pub struct Store {
    /// The private key, when there is one.
    pub key: Option<PrivateKey>,
    /// Every certificate, leaf and chain first, then the others in file
    /// order; with its alias (friendly name) when it has one.
    pub certs: Vec<(Option<String>, Cert, Relation)>,
    /// Oracle's trusted-key-usage attribute (2.16.840.1.113894.746875.1.1)
    /// of the certificate bags that carry it: the usages (OIDs), by the
    /// certificate's DER. Java lists only such certificates without a key
    /// as trusted entries.
    pub trusted_usage: Vec<(Vec<u8>, Vec<String>)>,
}

impl Store {
    /// The trusted-key-usage OIDs of `cert`, when its bag carries them.
    pub fn trusted_usage_of(&self, cert: &Cert) -> Option<&[String]> {
        self.trusted_usage
            .iter()
            .find(|(der, _)| der.as_slice() == cert.der())
            .map(|(_, u)| u.as_slice())
    }

    /// True when it holds certificates and no key: a truststore.
    pub fn is_truststore(&self) -> bool {
        self.key.is_none() && !self.certs.is_empty()
    }

    /// The key and its chain, leaf first; an error when there is no key.
    pub fn identity(self) -> Result<(PrivateKey, Vec<Cert>)> {
        let key = self
            .key
            .ok_or_else(|| Error::input("holds no private key"))?;
        let chain: Vec<Cert> = self
            .certs
            .into_iter()
            .filter(|(_, _, r)| *r != Relation::Unrelated)
            .map(|(_, c, _)| c)
            .collect();
        if chain.is_empty() {
            return Err(Error::input("holds no certificate for its private key"));
        }
        Ok((key, chain))
    }
}

/// Sorts certificates by their relation to `key`: the leaf is the one
/// whose public key is the key's (never a guess from the CA flag), the
/// chain its issuers by signature, the rest unrelated.
pub fn relate(
    key: Option<&PrivateKey>,
    mut certs: Vec<(Option<String>, Cert)>,
) -> Vec<(Option<String>, Cert, Relation)> {
    let mut out = Vec::with_capacity(certs.len());
    let leaf_at = key.and_then(|k| certs.iter().position(|(_, c)| k.matches(c) == Some(true)));
    if let Some(i) = leaf_at {
        let (alias, leaf) = certs.remove(i);
        let mut top = leaf.clone();
        out.push((alias, leaf, Relation::Leaf));
        while let Some(j) = certs
            .iter()
            .position(|(_, c)| c.der() != top.der() && top.is_signed_by(c))
        {
            if top.is_self_signed() {
                break;
            }
            let (alias, c) = certs.remove(j);
            top = c.clone();
            out.push((alias, c, Relation::Chain));
        }
    }
    out.extend(certs.into_iter().map(|(a, c)| (a, c, Relation::Unrelated)));
    out
}

/// Everything a PKCS#12 file holds: the key, if any, and every certificate
/// with its relation to the key. Certificate-only files (truststores) are
/// read too. An empty password is tried the two ways PKCS#12 encodes it.
pub fn read_store(der: &[u8], password: &Secret) -> Result<Store> {
    let contents = open(der, password)?;
    let key = contents.key.map(PrivateKey::from_pkey).transpose()?;
    let mut certs = contents.certs;
    // As PKCS12_parse splits them: the first certificate of the key, then
    // the others in file order.
    if let Some(k) = &key {
        if let Some(i) = certs.iter().position(|(_, c)| k.matches(c) == Some(true)) {
            let leaf = certs.remove(i);
            certs.insert(0, leaf);
        }
    }
    Ok(Store {
        certs: relate(key.as_ref(), certs),
        key,
        trusted_usage: contents.trusted_usages,
    })
}

/// The key entry of a keystore: the key and its chain, leaf first.
pub fn read_keystore(der: &[u8], password: &Secret) -> Result<(PrivateKey, Vec<Cert>)> {
    read_store(der, password)?.identity()
}

/// Whether the file's MAC algorithm is PBMAC1 (1.2.840.113549.1.5.14).
pub fn uses_pbmac1(der: &[u8]) -> bool {
    super::ffi::mac(der)
        .flatten()
        .is_some_and(|(alg, _)| alg == "1.2.840.113549.1.5.14")
}

/// Every key derivation opening the PKCS#12 file `der` with `password`
/// costs, as `openssl pkcs12 -info` lists them: its MAC, each encrypted
/// safe, and each shrouded key, in safe-contents bags and in the encrypted
/// safes too. The safes are decrypted only when what is visible before is
/// within [`pbe::MAX_ITERATIONS`]; beyond, that count is returned. `None`
/// where a part cannot be read.
pub fn key_derivations(der: &[u8], password: &Secret) -> Option<u64> {
    let outer = super::ffi::outer_iterations(der)?;
    if outer > pbe::MAX_ITERATIONS {
        return Some(outer);
    }
    Some(outer.saturating_add(super::ffi::inner_iterations(der, password)?))
}

/// The certificates of an existing truststore, with their aliases.
pub fn read_truststore(der: &[u8], password: &Secret) -> Result<Vec<(String, Cert)>> {
    let contents = open(der, password)?;
    if contents.key.is_some() {
        return Err(Error::input(
            "holds a private key entry: it is a keystore, not a truststore",
        ));
    }
    let out = contents
        .certs
        .into_iter()
        .map(|(alias, cert)| (alias.unwrap_or_default(), cert))
        .collect();
    Ok(out)
}

#[cfg(test)]
mod vector_tests {
    use super::*;
    use crate::x509::der::Reader;

    fn vector(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/testdata/pkcs12-vectors/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn every_certificate_with_its_relation_to_the_key() {
        let s = read_store(&vector("name-all-pwd.p12"), &Secret::new("password")).unwrap();
        assert!(s.key.is_some());
        assert_eq!(s.certs.len(), 3);
        let (alias, leaf, r) = &s.certs[0];
        assert_eq!(*r, Relation::Leaf);
        assert_eq!(alias.as_deref(), Some("name"));
        assert_eq!(s.key.as_ref().unwrap().matches(leaf), Some(true));
        let (key, chain) = s.identity().unwrap();
        assert_eq!(key.matches(&chain[0]), Some(true));
    }

    #[test]
    fn passwordless_and_empty_password_files_open() {
        let s = read_store(&vector("name-all-no-pwd.p12"), &Secret::empty()).unwrap();
        assert_eq!(s.certs.len(), 3);
        // Written by Java with an empty password: a truststore without a key.
        let s = read_store(&vector("java-truststore.p12"), &Secret::empty()).unwrap();
        assert!(s.key.is_none());
        assert_eq!(s.certs.len(), 2);
        assert!(s.certs.iter().all(|(_, _, r)| *r == Relation::Unrelated));
    }

    #[test]
    fn the_trusted_usage_attribute_is_read_whatever_the_password_encoding() {
        // Java wrote this truststore with an empty password, and the
        // attribute on each certificate bag.
        let s = read_store(&vector("java-truststore.p12"), &Secret::empty()).unwrap();
        for (_, c, _) in &s.certs {
            assert_eq!(
                s.trusted_usage_of(c),
                Some(&["2.5.29.37.0".to_string()][..]),
                "{}",
                c.subject_dn()
            );
        }
        // btpcert's own truststore, with a password.
        let (_, chain) = crate::keystore::sample_identity();
        let pw = Secret::new("changeit");
        let entries = vec![("root".to_string(), chain[2].clone())];
        let der = crate::keystore::ffi::build_truststore(&entries, Profile::Modern, &pw).unwrap();
        let s = read_store(&der, &pw).unwrap();
        assert!(s.is_truststore());
        assert_eq!(s.certs[0].0.as_deref(), Some("root"));
        assert!(s.trusted_usage_of(&chain[2]).is_some());
        // A key store has none.
        let (key, chain) = crate::keystore::sample_identity();
        let der = build_keystore(&key, &chain, "a", Profile::Compat, &pw).unwrap();
        let s = read_store(&der, &pw).unwrap();
        assert!(s.trusted_usage.is_empty() && !s.is_truststore());
    }

    /// `der` with a byte of its MAC salt changed: every bag intact, the
    /// integrity check failing whatever the password. `PFX ::= SEQUENCE {
    /// version, authSafe ContentInfo, macData MacData ::= SEQUENCE { mac
    /// DigestInfo, macSalt OCTET STRING, iterations } }` (RFC 7292).
    fn with_damaged_mac_salt(der: &[u8]) -> Vec<u8> {
        let mut pfx = Reader::new(der).read(0x30).unwrap();
        pfx.read(0x02).unwrap();
        pfx.read(0x30).unwrap();
        let mut mac_data = pfx.read(0x30).unwrap();
        mac_data.read(0x30).unwrap();
        let salt = mac_data.read(0x04).unwrap().rest();
        let at = salt.as_ptr() as usize - der.as_ptr() as usize;
        let mut out = der.to_vec();
        out[at] ^= 0xff;
        out
    }

    #[test]
    fn a_file_changed_after_it_was_written_is_told_from_a_wrong_password() {
        let (key, chain) = crate::keystore::sample_identity();
        let pw = Secret::new("changeit");
        let mut files = vec![
            (
                "btpcert modern".to_string(),
                build_keystore(&key, &chain, "a", Profile::Modern, &pw).unwrap(),
                pw.clone(),
            ),
            (
                "btpcert compat".to_string(),
                build_keystore(&key, &chain, "a", Profile::Compat, &pw).unwrap(),
                pw.clone(),
            ),
            (
                "name-all-pwd.p12".to_string(),
                vector("name-all-pwd.p12"),
                Secret::new("password"),
            ),
        ];
        // Third-party files: a key and a certificate, a certificate only (in
        // an encrypted safe), a key only (in a shrouded key bag).
        for name in [
            "cert-key-aes256cbc.p12",
            "cert-aes256cbc-no-key.p12",
            "no-cert-key-aes256cbc.p12",
        ] {
            files.push((name.to_string(), vector(name), Secret::new("cryptography")));
        }
        let wrong = Secret::new("not the password");
        for (name, der, right) in &files {
            assert!(read_store(der, right).is_ok(), "{name}");
            let e = read_store(der, &wrong).unwrap_err().to_string();
            assert!(e.starts_with("wrong password"), "{name}: {e}");
            let damaged = with_damaged_mac_salt(der);
            let e = read_store(&damaged, right).unwrap_err().to_string();
            assert!(
                e.contains("changed or damaged after it was written"),
                "{name}: {e}"
            );
            assert!(!e.contains("wrong password"), "{name}: {e}");
            let e = read_store(&damaged, &wrong).unwrap_err().to_string();
            assert!(e.starts_with("wrong password"), "{name}: {e}");
        }
    }

    #[test]
    fn certificate_only_and_key_only_files() {
        let pw = Secret::new("cryptography");
        let s = read_store(&vector("cert-aes256cbc-no-key.p12"), &pw).unwrap();
        assert!(s.key.is_none() && s.certs.len() == 1);
        let e = read_keystore(&vector("cert-aes256cbc-no-key.p12"), &pw).unwrap_err();
        assert!(e.to_string().contains("no private key"), "{e}");
        let s = read_store(&vector("no-cert-key-aes256cbc.p12"), &pw).unwrap();
        assert!(s.key.is_some() && s.certs.is_empty());
    }

    #[test]
    fn rc2_stays_refused_with_its_reason() {
        let e = read_store(
            &vector("cert-rc2-key-3des.p12"),
            &Secret::new("cryptography"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("legacy") && e.contains("RC2"), "{e}");
    }

    #[test]
    fn a_pbmac1_file_is_named_as_such() {
        // A file with a SHA-256 MAC whose MAC algorithm OID is replaced by
        // PBMAC1's (both have 9 bytes).
        let (key, chain) = crate::keystore::sample_identity();
        let pw = Secret::new("cryptography");
        let mut der = build_keystore(&key, &chain, "a", Profile::Modern, &pw).unwrap();
        assert!(!uses_pbmac1(&der));
        let sha256 = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
        let at = der.windows(9).rposition(|w| w == sha256).unwrap();
        der[at..at + 9].copy_from_slice(crate::x509::der::oid::PBMAC1);
        assert!(uses_pbmac1(&der));
        let e = read_store(&der, &Secret::new("cryptography"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("PBMAC1") && e.contains("RFC 9579"), "{e}");
    }
}

#[cfg(test)]
mod counting_tests {
    use super::*;
    use crate::keystore::ffi::outer_iterations;
    use crate::keystore::ffi::testing::key_in_encrypted_safe;
    use crate::x509::der::{tlv, Reader};
    use std::ffi::CString;

    /// `der` with its MAC asking for `iter` iterations (its value no longer
    /// checks, which no test here reaches).
    fn with_mac_iterations(der: &[u8], iter: u32) -> Vec<u8> {
        let mut pfx = Reader::new(der).read(0x30).unwrap();
        let version = pfx.read(0x02).unwrap().rest();
        let auth_safe = pfx.read(0x30).unwrap().rest();
        let mut mac_data = pfx.read(0x30).unwrap();
        let digest_info = mac_data.read(0x30).unwrap().rest();
        let salt = mac_data.read(0x04).unwrap().rest();
        let mut count = iter.to_be_bytes().to_vec();
        while count.len() > 1 && count[0] == 0 && count[1] & 0x80 == 0 {
            count.remove(0);
        }
        let mac = [tlv(0x30, digest_info), tlv(0x04, salt), tlv(0x02, &count)].concat();
        tlv(
            0x30,
            &[tlv(0x02, version), tlv(0x30, auth_safe), tlv(0x30, &mac)].concat(),
        )
    }

    /// `der` with its outermost SEQUENCE in BER's indefinite-length form,
    /// as some Windows exports are: OpenSSL reads it, a DER reader does not.
    fn indefinite(der: &[u8]) -> Vec<u8> {
        let content = Reader::new(der).read(0x30).unwrap().rest();
        [&[0x30, 0x80][..], content, &[0, 0]].concat()
    }

    #[test]
    fn a_key_inside_an_encrypted_safe_is_counted_once_the_safe_is_opened() {
        let pass = CString::new("changeit").unwrap();
        let pw = Secret::new("changeit");
        let der = key_in_encrypted_safe(100_000, &pass);
        assert_eq!(outer_iterations(&der), Some(2048 + 2048));
        assert_eq!(key_derivations(&der, &pw), Some(2048 + 2048 + 100_000));
        // A wrong password opens nothing: the outer count alone.
        assert_eq!(key_derivations(&der, &Secret::new("wrong")), Some(4096));
        let s = read_store(&der, &pw).unwrap();
        assert!(s.key.is_some() && s.certs.len() == 1);
        // A key of 6,000,000 iterations inside the encrypted safe, with a
        // valid MAC of 2,048: within bounds before the safe is opened,
        // beyond them with the key, refused before the key is derived.
        let r4a = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/pkcs12-hostile/r4a-enc-safe-key-6m.p12"
        ))
        .unwrap();
        assert_eq!(outer_iterations(&r4a), Some(4096));
        let e = read_store(&r4a, &pw).unwrap_err().to_string();
        assert!(
            e.starts_with(
                "asks for 6004096 key-derivation iterations in all, more than the 5000000"
            ),
            "{e}"
        );
    }

    #[test]
    fn a_ber_file_is_counted_as_its_der_twin() {
        let pass = CString::new("changeit").unwrap();
        let pw = Secret::new("changeit");
        let der = key_in_encrypted_safe(2048, &pass);
        let ber = indefinite(&der);
        assert!(Pkcs12::from_der(&ber).is_ok(), "OpenSSL reads the BER form");
        assert_eq!(key_derivations(&ber, &pw), key_derivations(&der, &pw));
        assert!(read_store(&ber, &pw).unwrap().key.is_some());
        // A MAC asking for 2^31 - 1 iterations is refused in BER as in DER,
        // before OpenSSL derives anything, on its count alone.
        let hostile = indefinite(&with_mac_iterations(&der, 0x7fff_ffff));
        let e = read_store(&hostile, &pw).unwrap_err().to_string();
        assert!(
            e.starts_with("asks for 2147483647 key-derivation iterations in all"),
            "{e}"
        );
    }
}
