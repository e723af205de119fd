//! Java KeyStore (JKS) files: read and written here, because the format is
//! small and fixed (Java has not changed it since 1.2) and the only crate
//! for it is young and single-authored. Proved against `keytool` in tests.
//!
//! Layout (big-endian): magic `FEEDFEED`, version 2 (1 is read too), entry
//! count, entries, then a SHA-1 digest over the password (as UTF-16BE),
//! the words "Mighty Aphrodite" and everything before the digest.
//! An entry is tag 1 (private key: alias, date, the key protected by Sun's
//! `KeyProtector`, the chain) or tag 2 (trusted certificate: alias, date,
//! certificate). `KeyProtector` XORs the PKCS#8 key with a SHA-1 key stream
//! made from the password and a 20-byte salt, and appends a SHA-1 check.

use openssl::hash::MessageDigest;

use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::x509::cert::Cert;
use crate::x509::der;
use crate::x509::key::PrivateKey;

const MAGIC: u32 = 0xFEED_FEED;
const JCEKS_MAGIC: u32 = 0xCECE_CECE;
/// Sun's `KeyProtector` algorithm, 1.3.6.1.4.1.42.2.17.1.1, as DER.
const KEY_PROTECTOR_OID: &[u8] = &[
    0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x2a, 0x02, 0x11, 0x01, 0x01,
];
/// At most this many entries (Debian's `cacerts` has about 150).
const MAX_ENTRIES: u32 = 100_000;

/// True when `bytes` start like a JKS or JCEKS file.
pub fn is_jks(bytes: &[u8]) -> bool {
    bytes.len() >= 4
        && matches!(
            u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
            MAGIC | JCEKS_MAGIC
        )
}

/// One entry of a keystore.
#[derive(Debug)]
pub enum Entry {
    /// A private key with its chain, leaf first.
    Key {
        /// The alias.
        alias: String,
        /// The key, decrypted.
        key: PrivateKey,
        /// Its chain, leaf first.
        chain: Vec<Cert>,
    },
    /// A trusted certificate.
    Trusted {
        /// The alias.
        alias: String,
        /// The certificate.
        cert: Cert,
    },
}

impl Entry {
    /// The entry's alias.
    pub fn alias(&self) -> &str {
        match self {
            Entry::Key { alias, .. } | Entry::Trusted { alias, .. } => alias,
        }
    }
}

fn password_bytes(password: &Secret) -> Vec<u8> {
    password
        .expose()
        .encode_utf16()
        .flat_map(|u| u.to_be_bytes())
        .collect()
}

fn sha1(parts: &[&[u8]]) -> Result<[u8; 20]> {
    let mut h = openssl::hash::Hasher::new(MessageDigest::sha1())
        .map_err(|e| Error::internal(crate::error::openssl_reason(&e)))?;
    for p in parts {
        h.update(p)
            .map_err(|e| Error::internal(crate::error::openssl_reason(&e)))?;
    }
    let d = h
        .finish()
        .map_err(|e| Error::internal(crate::error::openssl_reason(&e)))?;
    let mut out = [0u8; 20];
    out.copy_from_slice(&d);
    Ok(out)
}

fn integrity(password: &Secret, data: &[u8]) -> Result<[u8; 20]> {
    sha1(&[&password_bytes(password), b"Mighty Aphrodite", data])
}

/// A reader that never reads past its end.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| Error::input("the JKS file is cut short or damaged"))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u16(&mut self) -> Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn utf(&mut self) -> Result<String> {
        let n = self.u16()? as usize;
        Ok(String::from_utf8_lossy(self.take(n)?).into_owned())
    }
    fn bytes32(&mut self) -> Result<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }
}

/// Reads every entry; the password checks the file's integrity and opens
/// its keys (keytool uses one password for both).
pub fn read(bytes: &[u8], password: &Secret) -> Result<Vec<Entry>> {
    if bytes.len() < 4 + 4 + 4 + 20 || !is_jks(bytes) {
        return Err(Error::input("not a JKS keystore"));
    }
    let (data, digest) = bytes.split_at(bytes.len() - 20);
    let mut r = Reader { bytes: data, at: 0 };
    if r.u32()? == JCEKS_MAGIC {
        return Err(Error::input(
            "a JCEKS keystore, which btpcert does not read: convert it with keytool -importkeystore -deststoretype pkcs12",
        ));
    }
    let version = r.u32()?;
    if version != 1 && version != 2 {
        return Err(Error::input(format!("JKS version {version} is unknown")));
    }
    let intact = integrity(password, data)? == digest;
    let entries = entries(&mut r, version, data.len(), password);
    if !intact {
        // A key protected with this password says the password is right,
        // whatever the file's own digest says.
        let opens = entries
            .as_ref()
            .is_ok_and(|e| e.iter().any(|e| matches!(e, Entry::Key { .. })));
        return Err(Error::input(if opens {
            "the JKS integrity check fails, yet the password opens its keys: the file was changed or damaged after it was written; export it again"
        } else {
            "wrong password (the JKS integrity check failed)"
        }));
    }
    entries
}

/// The entries after the header, up to `end`.
fn entries(r: &mut Reader<'_>, version: u32, end: usize, password: &Secret) -> Result<Vec<Entry>> {
    let count = r.u32()?;
    if count > MAX_ENTRIES {
        return Err(Error::input(format!("claims {count} entries: damaged")));
    }
    let mut out = Vec::new();
    for n in 0..count {
        out.push(
            entry(r, version, password)
                .map_err(|e| Error::input(format!("entry {}: {e}", n + 1)))?,
        );
    }
    if r.at != end {
        return Err(Error::input("data after the last entry: damaged"));
    }
    Ok(out)
}

fn cert_of(r: &mut Reader<'_>, version: u32) -> Result<Cert> {
    if version == 2 {
        let kind = r.utf()?;
        if kind != "X.509" {
            return Err(Error::input(format!(
                "a certificate of type '{}', not X.509",
                crate::sanitize::sanitize(&kind)
            )));
        }
    }
    Cert::from_der(r.bytes32()?)
}

fn entry(r: &mut Reader<'_>, version: u32, password: &Secret) -> Result<Entry> {
    let tag = r.u32()?;
    let alias = r.utf()?;
    let _date = r.take(8)?;
    match tag {
        1 => {
            let protected = r.bytes32()?;
            let n = r.u32()?;
            if n > 64 {
                return Err(Error::input(format!(
                    "a chain of {n} certificates: damaged"
                )));
            }
            let mut chain = Vec::new();
            for _ in 0..n {
                chain.push(cert_of(r, version)?);
            }
            let der = unprotect(protected, password)?;
            let pkey = openssl::pkey::PKey::private_key_from_der(&der).map_err(|e| {
                Error::input(format!(
                    "the key of '{}' is not a PKCS#8 key ({})",
                    crate::sanitize::sanitize(&alias),
                    crate::error::openssl_reason(&e)
                ))
            })?;
            Ok(Entry::Key {
                alias,
                key: PrivateKey::from_pkey(pkey)?,
                chain,
            })
        }
        2 => Ok(Entry::Trusted {
            alias,
            cert: cert_of(r, version)?,
        }),
        t => Err(Error::input(format!("unknown entry type {t}"))),
    }
}

/// Sun's `KeyProtector` key stream: SHA-1 of password and the previous block.
fn key_stream(password: &[u8], salt: &[u8], len: usize) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(len + 20);
    let mut digest = salt.to_vec();
    while out.len() < len {
        digest = sha1(&[password, &digest])?.to_vec();
        out.extend_from_slice(&digest);
    }
    out.truncate(len);
    Ok(out)
}

/// The PKCS#8 key inside Sun's EncryptedPrivateKeyInfo.
fn unprotect(epki: &[u8], password: &Secret) -> Result<Vec<u8>> {
    let bad = || Error::input("the protected key is damaged");
    let (_, seq, _) = der::split(epki)
        .filter(|(t, _, _)| *t == 0x30)
        .ok_or_else(bad)?;
    let (_, alg, rest) = der::split(seq)
        .filter(|(t, _, _)| *t == 0x30)
        .ok_or_else(bad)?;
    if !alg.starts_with(KEY_PROTECTOR_OID) {
        return Err(Error::input(
            "the key is protected by an algorithm other than Sun's JKS key protector",
        ));
    }
    let (_, protected, _) = der::split(rest)
        .filter(|(t, _, _)| *t == 0x04)
        .ok_or_else(bad)?;
    if protected.len() < 40 {
        return Err(bad());
    }
    let (salt, rest) = protected.split_at(20);
    let (enc, check) = rest.split_at(rest.len() - 20);
    let pw = password_bytes(password);
    let stream = key_stream(&pw, salt, enc.len())?;
    let plain: Vec<u8> = enc.iter().zip(&stream).map(|(a, b)| a ^ b).collect();
    if sha1(&[&pw, &plain])? != check {
        return Err(Error::input(
            "wrong key password (the key's check digest does not match)",
        ));
    }
    Ok(plain)
}

fn protect(pkcs8: &[u8], password: &Secret) -> Result<Vec<u8>> {
    let mut salt = [0u8; 20];
    openssl::rand::rand_bytes(&mut salt)
        .map_err(|e| Error::internal(crate::error::openssl_reason(&e)))?;
    let pw = password_bytes(password);
    let stream = key_stream(&pw, &salt, pkcs8.len())?;
    let mut protected = salt.to_vec();
    protected.extend(pkcs8.iter().zip(&stream).map(|(a, b)| a ^ b));
    protected.extend(sha1(&[&pw, pkcs8])?);
    let mut alg = KEY_PROTECTOR_OID.to_vec();
    alg.extend([0x05, 0x00]);
    let mut body = der::tlv(0x30, &alg);
    body.extend(der::tlv(0x04, &protected));
    Ok(der::tlv(0x30, &body))
}

fn put_utf(out: &mut Vec<u8>, s: &str) -> Result<()> {
    if s.contains('\0') || s.chars().any(|c| c as u32 > 0xFFFF) || s.len() > 0xFFFF {
        return Err(Error::input(format!(
            "alias '{}' cannot be written to a JKS file",
            crate::sanitize::sanitize(s)
        )));
    }
    out.extend((s.len() as u16).to_be_bytes());
    out.extend(s.as_bytes());
    Ok(())
}

fn put_cert(out: &mut Vec<u8>, c: &Cert) -> Result<()> {
    put_utf(out, "X.509")?;
    out.extend((c.der().len() as u32).to_be_bytes());
    out.extend(c.der());
    Ok(())
}

/// Writes a JKS file holding `entries`; keys are protected with the store
/// password, as keytool does.
pub fn write(entries: &[Entry], password: &Secret) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    out.extend(MAGIC.to_be_bytes());
    out.extend(2u32.to_be_bytes());
    out.extend((entries.len() as u32).to_be_bytes());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    for e in entries {
        match e {
            Entry::Key { alias, key, chain } => {
                out.extend(1u32.to_be_bytes());
                put_utf(&mut out, alias)?;
                out.extend(now.to_be_bytes());
                let pkcs8 = key
                    .pkey()
                    .ok_or_else(|| Error::input("the private key is still encrypted"))?
                    .private_key_to_pkcs8()
                    .map_err(|e| Error::internal(crate::error::openssl_reason(&e)))?;
                let protected = protect(&pkcs8, password)?;
                out.extend((protected.len() as u32).to_be_bytes());
                out.extend(protected);
                out.extend((chain.len() as u32).to_be_bytes());
                for c in chain {
                    put_cert(&mut out, c)?;
                }
            }
            Entry::Trusted { alias, cert } => {
                out.extend(2u32.to_be_bytes());
                put_utf(&mut out, alias)?;
                out.extend(now.to_be_bytes());
                put_cert(&mut out, cert)?;
            }
        }
    }
    let digest = integrity(password, &out)?;
    out.extend(digest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (PrivateKey, Vec<Cert>) {
        crate::keystore::sample_identity()
    }

    #[test]
    fn what_is_written_reads_back() {
        let (key, chain) = sample();
        let pw = Secret::new("changeit");
        let bytes = write(
            &[
                Entry::Key {
                    alias: "client".into(),
                    key,
                    chain: chain.clone(),
                },
                Entry::Trusted {
                    alias: "root".into(),
                    cert: chain[2].clone(),
                },
            ],
            &pw,
        )
        .unwrap();
        assert!(is_jks(&bytes));
        let back = read(&bytes, &pw).unwrap();
        assert_eq!(back.len(), 2);
        match &back[0] {
            Entry::Key {
                alias,
                key,
                chain: c,
            } => {
                assert_eq!(alias, "client");
                assert_eq!(c.len(), 3);
                assert_eq!(key.matches(&c[0]), Some(true));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(back[1].alias(), "root");
    }

    #[test]
    fn a_wrong_password_or_a_cut_file_is_an_error() {
        let (_, chain) = sample();
        let bytes = write(
            &[Entry::Trusted {
                alias: "r".into(),
                cert: chain[2].clone(),
            }],
            &Secret::new("changeit"),
        )
        .unwrap();
        let e = read(&bytes, &Secret::new("other")).unwrap_err();
        assert!(e.to_string().contains("wrong password"), "{e}");
        for cut in [10, 40, bytes.len() - 21] {
            assert!(read(&bytes[..cut], &Secret::new("changeit")).is_err());
        }
    }

    #[test]
    fn a_file_changed_after_it_was_written_is_told_from_a_wrong_password_by_its_keys() {
        let (key, chain) = sample();
        let pw = Secret::new("changeit");
        let with_key = write(
            &[Entry::Key {
                alias: "client".into(),
                key,
                chain: chain.clone(),
            }],
            &pw,
        )
        .unwrap();
        let trusted = write(
            &[Entry::Trusted {
                alias: "r".into(),
                cert: chain[2].clone(),
            }],
            &pw,
        )
        .unwrap();
        // The file's digest (its last 20 bytes) changed, the entries intact.
        let damage = |b: &[u8]| {
            let mut b = b.to_vec();
            let last = b.len() - 1;
            b[last] ^= 0xff;
            b
        };
        let wrong = Secret::new("other");
        let e = read(&damage(&with_key), &pw).unwrap_err().to_string();
        assert!(
            e.contains("the password opens its keys: the file was changed or damaged"),
            "{e}"
        );
        for (bytes, password) in [
            (damage(&with_key), &wrong),
            (with_key.clone(), &wrong),
            // Nothing but the digest can tell a password of a truststore.
            (damage(&trusted), &pw),
        ] {
            let e = read(&bytes, password).unwrap_err().to_string();
            assert_eq!(e, "wrong password (the JKS integrity check failed)");
        }
    }
}
