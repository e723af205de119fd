//! Password-based encryption parameters: how many key-derivation
//! iterations an encrypted key or keystore asks for, read before OpenSSL is
//! asked to derive anything.

use crate::x509::der::{oid, Reader};

/// The key-derivation iterations one file may ask for in all before btpcert
/// refuses to open it: a few seconds of work. OpenSSL and Java write 2,048
/// to 10,000 a derivation, and a PKCS#12 file has three (the MAC, the
/// certificates, the key); .NET refuses more than 600,000 in all. Without a
/// limit, a file of a few hundred bytes asking for 2^31 iterations keeps a
/// reader busy for hours.
pub const MAX_ITERATIONS: u64 = 5_000_000;

/// PBKDF2, 1.2.840.113549.1.5.12.
const PBKDF2: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0c];

/// The iteration count of a password-based encryption algorithm (the
/// content of its AlgorithmIdentifier): PKCS#12 and PBES1 parameters, or
/// PBES2 with PBKDF2; 0 for PBES2 with another key derivation (scrypt,
/// whose memory OpenSSL bounds itself). `None` for other shapes.
pub fn iterations(mut alg: Reader<'_>) -> Option<u64> {
    let id = alg.read(0x06)?.rest();
    let mut params = alg.read(0x30)?;
    if id == oid::PBES2 {
        let mut kdf = params.read(0x30)?;
        if kdf.read(0x06)?.rest() != PBKDF2 {
            return Some(0);
        }
        let mut p = kdf.read(0x30)?;
        p.read_any()?; // the salt
        return Some(count(p.read(0x02)?.rest()));
    }
    params.read(0x04)?; // the salt
    Some(count(params.read(0x02)?.rest()))
}

/// The iterations an EncryptedPrivateKeyInfo (PKCS#8, DER) asks for;
/// `None` where it is not one.
pub fn key_iterations(der: &[u8]) -> Option<u64> {
    iterations(Reader::new(der).read(0x30)?.read(0x30)?)
}

/// A DER INTEGER's content as a count; a negative one, or one longer than
/// 64 bits, as the most there is.
pub fn count(bytes: &[u8]) -> u64 {
    if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        return u64::MAX;
    }
    let digits: &[u8] = match bytes.iter().position(|&b| b != 0) {
        Some(i) => &bytes[i..],
        None => &[],
    };
    if digits.len() > 8 {
        return u64::MAX;
    }
    digits.iter().fold(0, |n, &b| (n << 8) | u64::from(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_read_whole_and_the_odd_ones_as_the_most() {
        assert_eq!(count(&[]), 0);
        assert_eq!(count(&[0x08, 0x00]), 2048);
        assert_eq!(count(&[0x00, 0x80, 0x00]), 32768);
        assert_eq!(count(&[0xff]), u64::MAX, "negative");
        assert_eq!(count(&[0x01; 9]), u64::MAX, "more than 64 bits");
        assert_eq!(count(&[0x00, 0x7f, 0xff, 0xff, 0xff]), 0x7fff_ffff);
    }

    #[test]
    fn an_encrypted_key_tells_its_iterations() {
        use openssl::symm::Cipher;
        let key = openssl::pkey::PKey::from_ec_key(
            openssl::ec::EcKey::generate(
                &openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1)
                    .unwrap(),
            )
            .unwrap(),
        )
        .unwrap();
        // PBES2 with PBKDF2, as OpenSSL writes it (2,048 iterations).
        let der = key
            .private_key_to_pkcs8_passphrase(Cipher::aes_256_cbc(), b"pw")
            .unwrap();
        assert_eq!(key_iterations(&der), Some(2048));
        assert_eq!(key_iterations(b"not DER"), None);
    }
}
