//! SHA digests through OpenSSL's SHA functions themselves.
//!
//! In OpenSSL 3, the one-call forms (`SHA256()`, `EVP_Digest`, and so
//! `openssl::sha::sha256` and `openssl::hash::hash`) look the algorithm up
//! in the provider store at every call, under a lock shared by every
//! thread: for a certificate's few hundred bytes that costs as much as the
//! hashing. The `SHA*_Init/Update/Final` functions behind
//! `openssl::sha::Sha256` and its siblings do not.

use openssl::sha::{Sha1, Sha256, Sha384, Sha512};

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(data);
    h.finish()
}

/// The SHA family members certificates are signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sha {
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl Sha {
    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Sha::Sha1 => {
                let mut h = Sha1::new();
                h.update(data);
                h.finish().to_vec()
            }
            Sha::Sha256 => sha256(data).to_vec(),
            Sha::Sha384 => {
                let mut h = Sha384::new();
                h.update(data);
                h.finish().to_vec()
            }
            Sha::Sha512 => {
                let mut h = Sha512::new();
                h.update(data);
                h.finish().to_vec()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::hash::{hash, MessageDigest};

    #[test]
    fn each_digest_is_what_evp_gives() {
        for len in [0, 1, 55, 56, 64, 1000] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            for (sha, md) in [
                (Sha::Sha1, MessageDigest::sha1()),
                (Sha::Sha256, MessageDigest::sha256()),
                (Sha::Sha384, MessageDigest::sha384()),
                (Sha::Sha512, MessageDigest::sha512()),
            ] {
                assert_eq!(
                    sha.digest(&data),
                    hash(md, &data).unwrap().to_vec(),
                    "{sha:?} {len}"
                );
            }
            assert_eq!(sha256(&data).to_vec(), Sha::Sha256.digest(&data));
        }
    }
}
