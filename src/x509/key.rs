//! Private keys in the forms users have them: PKCS#1 (what SAP generates),
//! PKCS#8, SEC1, encrypted PKCS#8 and legacy encrypted PEM.
//!
//! A key is kept as given until asked to convert: `extract` writes it back
//! in its own form, `--pkcs8` converts, and an encrypted key stays encrypted
//! unless `--decrypt` is given. Nothing here ever prints key material.

use std::sync::OnceLock;

use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::symm::Cipher;
use serde::Serialize;

use crate::error::{openssl_reason, Error, Result};
use crate::secret::Secret;
use crate::x509::cert::{Cert, KeyInfo};
use crate::x509::der::{oid, Reader};

/// How a private key is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyFormat {
    /// `RSA PRIVATE KEY`
    Pkcs1,
    /// `PRIVATE KEY`
    Pkcs8,
    /// `EC PRIVATE KEY`
    Sec1,
    /// `ENCRYPTED PRIVATE KEY`
    EncryptedPkcs8,
    /// `RSA PRIVATE KEY` or `EC PRIVATE KEY` with `Proc-Type: 4,ENCRYPTED`
    LegacyEncrypted,
}

impl KeyFormat {
    /// The format in words, for people.
    pub fn describe(self) -> &'static str {
        match self {
            KeyFormat::Pkcs1 => "PKCS#1",
            KeyFormat::Pkcs8 => "PKCS#8",
            KeyFormat::Sec1 => "SEC1",
            KeyFormat::EncryptedPkcs8 => "encrypted PKCS#8",
            KeyFormat::LegacyEncrypted => "legacy encrypted PEM",
        }
    }

    /// Whether keys in this format are encrypted.
    pub fn is_encrypted(self) -> bool {
        matches!(self, KeyFormat::EncryptedPkcs8 | KeyFormat::LegacyEncrypted)
    }
}

/// The PEM labels that hold private keys.
pub fn is_key_label(label: &str) -> bool {
    matches!(
        label,
        "RSA PRIVATE KEY" | "PRIVATE KEY" | "EC PRIVATE KEY" | "ENCRYPTED PRIVATE KEY"
    )
}

/// A private key as given: its PEM block, and the key itself once
/// decrypted (never shown in `Debug`).
#[derive(Clone)]
pub struct PrivateKey {
    format: KeyFormat,
    block: pem::Pem,
    /// OpenSSL's key: `None` while encrypted. A PKCS#1 key whose DER is
    /// plainly well formed is handed to OpenSSL only when first needed:
    /// comparing it with a certificate needs its numbers alone.
    pkey: OnceLock<Option<PKey<Private>>>,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey({:?}, <redacted>)", self.format)
    }
}

impl PrivateKey {
    /// Reads a decoded PEM block. Unencrypted keys are checked at once (a
    /// plain PKCS#1 key's DER by btpcert, the rest by OpenSSL, which reads
    /// the plain PKCS#1 key when it is first needed); encrypted ones when
    /// [`PrivateKey::decrypt`] is called.
    pub fn from_block(block: pem::Pem) -> Result<PrivateKey> {
        let legacy = block
            .headers()
            .get("Proc-Type")
            .is_some_and(|v| v.contains("ENCRYPTED"));
        let der = block.contents();
        let bad = |what: &str, e: openssl::error::ErrorStack| {
            Error::input(format!(
                "not a valid {what} private key ({})",
                openssl_reason(&e)
            ))
        };
        let (format, pkey) = match block.tag() {
            // Encrypted twice: OpenSSL would undo the header's encryption,
            // then derive the inner key with whatever count it names,
            // before btpcert could count it.
            "ENCRYPTED PRIVATE KEY" if legacy => {
                return Err(Error::input(
                    "an ENCRYPTED PRIVATE KEY block with encryption headers (Proc-Type) is encrypted twice; btpcert does not read it: encrypt the key once (openssl pkcs8 -topk8)",
                ))
            }
            _ if legacy => (KeyFormat::LegacyEncrypted, OnceLock::from(None)),
            "RSA PRIVATE KEY" if is_plain_pkcs1(der) => (KeyFormat::Pkcs1, OnceLock::new()),
            "RSA PRIVATE KEY" => {
                let k = pkcs1_key(der).map_err(|e| bad("PKCS#1 RSA", e))?;
                (KeyFormat::Pkcs1, OnceLock::from(Some(k)))
            }
            "PRIVATE KEY" => {
                let k = PKey::private_key_from_pkcs8(der).map_err(|e| bad("PKCS#8", e))?;
                (KeyFormat::Pkcs8, OnceLock::from(Some(k)))
            }
            "EC PRIVATE KEY" => {
                let ec =
                    openssl::ec::EcKey::private_key_from_der(der).map_err(|e| bad("SEC1 EC", e))?;
                let k = PKey::from_ec_key(ec).map_err(|e| bad("SEC1 EC", e))?;
                (KeyFormat::Sec1, OnceLock::from(Some(k)))
            }
            "ENCRYPTED PRIVATE KEY" => (KeyFormat::EncryptedPkcs8, OnceLock::from(None)),
            other => {
                return Err(Error::input(format!(
                    "'{other}' is not a private key label"
                )));
            }
        };
        Ok(PrivateKey {
            format,
            block,
            pkey,
        })
    }

    /// A key OpenSSL already holds (from a PKCS#12 file), as PKCS#8.
    pub fn from_pkey(k: PKey<Private>) -> Result<PrivateKey> {
        let der = k.private_key_to_pkcs8().map_err(|e| {
            Error::input(format!(
                "cannot convert the key to PKCS#8 ({})",
                openssl_reason(&e)
            ))
        })?;
        Ok(PrivateKey {
            format: KeyFormat::Pkcs8,
            block: pem::Pem::new("PRIVATE KEY", der),
            pkey: OnceLock::from(Some(k)),
        })
    }

    /// How the key is written.
    pub fn format(&self) -> KeyFormat {
        self.format
    }

    /// Whether the key is still encrypted.
    pub fn is_encrypted(&self) -> bool {
        self.format.is_encrypted()
    }

    /// The key, if it is not encrypted (or was decrypted).
    pub fn pkey(&self) -> Option<&PKey<Private>> {
        self.pkey
            .get_or_init(|| pkcs1_key(self.block.contents()).ok())
            .as_ref()
    }

    /// Algorithm and size; `None` while the key is encrypted.
    pub fn info(&self) -> Option<KeyInfo> {
        self.pkey().map(|k| KeyInfo::of(k))
    }

    /// The key in its own form, canonically encoded.
    pub fn to_pem(&self) -> String {
        crate::x509::pem::encode(&self.block)
    }

    /// Decrypts an encrypted key; returns a PKCS#8 key. A key that is not
    /// encrypted is returned as it is.
    pub fn decrypt(&self, password: &Secret) -> Result<PrivateKey> {
        if !self.is_encrypted() {
            return Ok(self.clone());
        }
        if self.format == KeyFormat::EncryptedPkcs8 {
            let max = crate::x509::pbe::MAX_ITERATIONS;
            match crate::x509::pbe::key_iterations(self.block.contents()) {
                Some(n) if n > max => {
                    return Err(Error::input(format!(
                        "the encrypted private key asks for {n} key-derivation iterations, more than the {max} btpcert allows (a few seconds of work): encrypt it again with fewer (OpenSSL uses 2,048)"
                    )))
                }
                Some(_) => {}
                // What OpenSSL could not count it cannot decrypt either;
                // nothing is derived for it.
                None => {
                    return Err(Error::input(
                        "cannot decrypt the private key: its encryption parameters cannot be read (the key is damaged, or encrypted with an algorithm OpenSSL does not know)",
                    ))
                }
            }
        }
        let pass = password.as_bytes();
        let k = match self.format {
            KeyFormat::EncryptedPkcs8 => {
                PKey::private_key_from_pkcs8_passphrase(self.block.contents(), pass)
            }
            _ => PKey::private_key_from_pem_passphrase(self.to_pem().as_bytes(), pass),
        }
        .map_err(|_| {
            Error::input("cannot decrypt the private key: wrong password, or the key is damaged")
        })?;
        PrivateKey::from_pkey(k)
    }

    /// The same key as unencrypted PKCS#8 (`PRIVATE KEY`).
    pub fn to_pkcs8(&self) -> Result<PrivateKey> {
        let k = self.pkey().ok_or_else(|| {
            Error::input("the private key is encrypted: it must be decrypted before conversion")
        })?;
        PrivateKey::from_pkey(k.clone())
    }

    /// The same key as encrypted PKCS#8 (AES-256-CBC, PBKDF2).
    pub fn to_encrypted_pkcs8(&self, password: &Secret) -> Result<PrivateKey> {
        let k = self.pkey().ok_or_else(|| {
            Error::input("the private key is encrypted: it must be decrypted before conversion")
        })?;
        let der = k
            .private_key_to_pkcs8_passphrase(Cipher::aes_256_cbc(), password.as_bytes())
            .map_err(|e| {
                Error::input(format!("cannot encrypt the key ({})", openssl_reason(&e)))
            })?;
        Ok(PrivateKey {
            format: KeyFormat::EncryptedPkcs8,
            block: pem::Pem::new("ENCRYPTED PRIVATE KEY", der),
            pkey: OnceLock::from(None),
        })
    }

    /// Whether this key belongs to `cert`; `None` while the key is encrypted.
    pub fn matches(&self, cert: &Cert) -> Option<bool> {
        if self.is_encrypted() {
            return None;
        }
        // An RSA key whose modulus and exponent are the certificate's, byte
        // for byte (DER integers are minimal): no OpenSSL encoder needed.
        if let (Some(own), Some(cert)) = (self.rsa_public(), rsa_public_of_spki(cert.spki_der())) {
            if own == cert {
                return Some(true);
            }
        }
        let k = self.pkey()?;
        // The same SubjectPublicKeyInfo bytes: no need to read the certificate's key.
        if k.public_key_to_der()
            .is_ok_and(|der| der == cert.spki_der())
        {
            return Some(true);
        }
        let public = cert.public_key().ok()?;
        Some(k.public_eq(&public))
    }
}

impl PrivateKey {
    /// Modulus and public exponent of an unencrypted RSA key (PKCS#1, or
    /// PKCS#8 holding PKCS#1), as their DER content bytes.
    fn rsa_public(&self) -> Option<(&[u8], &[u8])> {
        let der = self.block.contents();
        let pkcs1 = match self.format {
            KeyFormat::Pkcs1 => der,
            KeyFormat::Pkcs8 => {
                // PrivateKeyInfo: version, AlgorithmIdentifier, OCTET STRING.
                let mut seq = Reader::new(der).read(0x30)?;
                seq.read(0x02)?;
                if seq.read(0x30)?.read(0x06)?.rest() != oid::RSA_ENCRYPTION {
                    return None;
                }
                seq.read(0x04)?.rest()
            }
            _ => return None,
        };
        // RSAPrivateKey: version, modulus, publicExponent, ...
        let mut seq = Reader::new(pkcs1).read(0x30)?;
        seq.read(0x02)?;
        Some((seq.read(0x02)?.rest(), seq.read(0x02)?.rest()))
    }
}

/// OpenSSL's key from PKCS#1 DER.
fn pkcs1_key(der: &[u8]) -> std::result::Result<PKey<Private>, openssl::error::ErrorStack> {
    PKey::from_rsa(Rsa::private_key_from_der(der)?)
}

/// Whether `der` is an RSAPrivateKey of two primes in plain DER: version
/// 0 and eight positive integers, minimally encoded, nothing after them.
/// OpenSSL reads every such key; anything else is read by OpenSSL at once,
/// so that its verdict and its words are what the user sees.
fn is_plain_pkcs1(der: &[u8]) -> bool {
    let mut outer = Reader::new(der);
    let Some(mut seq) = outer.read(0x30) else {
        return false;
    };
    if !outer.rest().is_empty() || seq.read(0x02).map(|v| v.rest()) != Some(&[0][..]) {
        return false;
    }
    for _ in 0..8 {
        let Some(int) = seq.read(0x02) else {
            return false;
        };
        match int.rest() {
            [] => return false,
            [first, ..] if *first >= 0x80 => return false,
            [0, second, ..] if *second < 0x80 => return false,
            _ => {}
        }
    }
    seq.rest().is_empty()
}

/// Modulus and public exponent of an RSA SubjectPublicKeyInfo.
fn rsa_public_of_spki(spki: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut seq = Reader::new(spki).read(0x30)?;
    if seq.read(0x30)?.read(0x06)?.rest() != oid::RSA_ENCRYPTION {
        return None;
    }
    let bits = seq.read(0x03)?.rest();
    let (0, key) = bits.split_first()? else {
        return None;
    };
    let mut key = Reader::new(key).read(0x30)?;
    Some((key.read(0x02)?.rest(), key.read(0x02)?.rest()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_encrypted_key_wrapped_in_legacy_encryption_too_is_refused() {
        // Inside: PBKDF2 asking for 2^31 - 1 iterations, which OpenSSL would
        // derive once it had removed the outer layer.
        let text =
            include_str!("../../testdata/pkcs12-hostile/legacy-wrapped-encrypted-key.pem.in");
        let e = PrivateKey::from_block(pem::parse(text).unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("encrypted twice"), "{e}");
    }

    const SAMPLE: &str = include_str!("../../testdata/service-key.json");

    fn sample() -> (Cert, PrivateKey) {
        let v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        let leaf = pem::parse(v["oauth"]["certificate"].as_str().unwrap()).unwrap();
        let leaf = Cert::from_der(leaf.contents()).unwrap();
        let key = pem::parse(v["oauth"]["key"].as_str().unwrap()).unwrap();
        (leaf, PrivateKey::from_block(key).unwrap())
    }

    #[test]
    fn a_plain_pkcs1_key_is_read_by_openssl_when_needed_and_others_at_once() {
        let (leaf, key) = sample();
        let der = key.block.contents().to_vec();
        assert!(is_plain_pkcs1(&der));
        assert!(key.pkey.get().is_none(), "read at once");
        assert_eq!(key.matches(&leaf), Some(true));
        assert!(key.pkey.get().is_none(), "read to compare numbers");
        assert!(key.pkey().is_some());
        assert_eq!(key.info().map(|i| i.bits), Some(2048));
        // Not plain: trailing data, another version, a negative or padded
        // integer. OpenSSL reads each at once and has the last word.
        let len = der.len();
        let mut trailing = der.clone();
        trailing.push(0);
        let mut version = der.clone();
        version[6] = 1;
        assert_eq!(&der[..7], &[0x30, 0x82, der[2], der[3], 0x02, 0x01, 0x00]);
        // The modulus: 02 82 01 01, then 00 before its high bit.
        assert_eq!(&der[7..12], &[0x02, 0x82, 0x01, 0x01, 0x00]);
        let mut negative = der.clone();
        negative[11] = 0xff;
        let mut other_bytes = der.clone();
        other_bytes[len - 1] ^= 0x01;
        for (what, bytes, plain) in [
            ("trailing", trailing, false),
            ("version 1", version, false),
            ("negative modulus", negative, false),
            ("other numbers", other_bytes, true),
        ] {
            assert_eq!(is_plain_pkcs1(&bytes), plain, "{what}");
            let block = pem::Pem::new("RSA PRIVATE KEY", bytes.clone());
            let ours = PrivateKey::from_block(block);
            let openssl = Rsa::private_key_from_der(&bytes).is_ok();
            assert_eq!(ours.is_ok(), plain || openssl, "{what}");
            if let Ok(k) = ours {
                assert_eq!(k.pkey().is_some(), openssl, "{what}");
            }
        }
        let truncated = &der[..len - 1];
        assert!(!is_plain_pkcs1(truncated));
        let block = pem::Pem::new("RSA PRIVATE KEY", truncated.to_vec());
        let e = PrivateKey::from_block(block).unwrap_err().to_string();
        assert!(e.starts_with("not a valid PKCS#1 RSA private key"), "{e}");
    }

    #[test]
    fn an_rsa_key_is_matched_by_its_numbers_in_both_forms() {
        let (leaf, key) = sample();
        assert_eq!(key.format(), KeyFormat::Pkcs1);
        let (n, e) = key.rsa_public().unwrap();
        assert_eq!((n, e), rsa_public_of_spki(leaf.spki_der()).unwrap());
        assert_eq!(key.matches(&leaf), Some(true));
        let pkcs8 = key.to_pkcs8().unwrap();
        assert_eq!(pkcs8.rsa_public(), Some((n, e)));
        assert_eq!(pkcs8.matches(&leaf), Some(true));
        // Another key of the same size: the numbers differ, and so does the answer.
        let other = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let other = PrivateKey::from_pkey(other).unwrap();
        assert_ne!(other.rsa_public().unwrap().0, n);
        assert_eq!(other.matches(&leaf), Some(false));
    }

    #[test]
    fn the_der_reader_refuses_what_it_cannot_read() {
        assert!(Reader::new(&[]).read(0x30).is_none());
        assert!(
            Reader::new(&[0x30, 0x05, 0x01]).read(0x30).is_none(),
            "too short"
        );
        assert!(
            Reader::new(&[0x02, 0x01, 0x01]).read(0x30).is_none(),
            "wrong tag"
        );
        assert!(
            Reader::new(&[0x30, 0x80]).read(0x30).is_none(),
            "indefinite"
        );
        let long = [&[0x04, 0x81, 0x02][..], &[7, 8]].concat();
        assert_eq!(Reader::new(&long).read(0x04).unwrap().rest(), &[7, 8]);
        assert!(rsa_public_of_spki(&[0x30, 0x00]).is_none());
    }
}
