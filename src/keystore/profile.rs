//! How a PKCS#12 file is protected when btpcert writes one: the encryption
//! and MAC profile and the iteration count, shared by the key-store writer
//! (pkcs12) and the truststore writer (ffi).

use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use serde::Serialize;

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
    /// The password-based encryption of keys and certificates.
    pub fn pbe(self) -> Nid {
        match self {
            Profile::Modern => Nid::AES_256_CBC,
            Profile::Compat => Nid::PBE_WITHSHA1AND3_KEY_TRIPLEDES_CBC,
        }
    }

    /// The digest of the integrity MAC.
    pub fn mac(self) -> MessageDigest {
        match self {
            Profile::Modern => MessageDigest::sha256(),
            Profile::Compat => MessageDigest::sha1(),
        }
    }

    /// The profile in words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Profile::Modern => "AES-256-CBC, PBKDF2, SHA-256 MAC",
            Profile::Compat => "3DES, SHA-1 MAC",
        }
    }
}
