//! SHA digests through algorithms fetched from OpenSSL's providers once.
//!
//! In OpenSSL 3, the one-call forms (`SHA256()`, `EVP_Digest`, and so
//! `openssl::sha::sha256` and `openssl::hash::hash`) look the algorithm up
//! in the provider store at every call, under a lock shared by every
//! thread: for a certificate's few hundred bytes that costs as much as the
//! hashing. Here each algorithm is fetched once (`EVP_MD_fetch`) and used
//! through a digest context, which keeps to the configured providers (a
//! FIPS provider, for one) without the look-up.

use std::sync::OnceLock;

use openssl::md::Md;
use openssl::md_ctx::MdCtx;

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha::Sha256
        .digest(data)
        .and_then(|d| d.try_into().ok())
        .unwrap_or_else(|| openssl::sha::sha256(data))
}

/// The SHA family members certificates are signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sha {
    /// SHA-1.
    Sha1 = 0,
    /// SHA-256.
    Sha256 = 1,
    /// SHA-384.
    Sha384 = 2,
    /// SHA-512.
    Sha512 = 3,
}

impl Sha {
    /// The digest of `data`; `None` only where the providers have no such
    /// digest (then no other way of asking OpenSSL has it either).
    pub fn digest(self, data: &[u8]) -> Option<Vec<u8>> {
        with(self.fetched()?, data)
    }

    /// The algorithm, fetched at its first use.
    fn fetched(self) -> Option<&'static Md> {
        static FETCHED: OnceLock<[Option<Md>; 4]> = OnceLock::new();
        FETCHED.get_or_init(|| {
            ["SHA1", "SHA2-256", "SHA2-384", "SHA2-512"]
                .map(|name| Md::fetch(None, name, None).ok())
        })[self as usize]
            .as_ref()
    }
}

fn with(md: &Md, data: &[u8]) -> Option<Vec<u8>> {
    let mut ctx = MdCtx::new().ok()?;
    ctx.digest_init(md).ok()?;
    ctx.digest_update(data).ok()?;
    let mut out = vec![0; md.size()];
    let n = ctx.digest_final(&mut out).ok()?;
    out.truncate(n);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::hash::{hash, MessageDigest};

    impl Sha {
        fn message_digest(self) -> MessageDigest {
            match self {
                Sha::Sha1 => MessageDigest::sha1(),
                Sha::Sha256 => MessageDigest::sha256(),
                Sha::Sha384 => MessageDigest::sha384(),
                Sha::Sha512 => MessageDigest::sha512(),
            }
        }
    }

    #[test]
    fn each_digest_is_what_evp_gives() {
        for len in [0, 1, 55, 56, 64, 1000] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            for sha in [Sha::Sha1, Sha::Sha256, Sha::Sha384, Sha::Sha512] {
                assert!(sha.fetched().is_some(), "{sha:?}");
                let expected = hash(sha.message_digest(), &data).unwrap().to_vec();
                assert_eq!(sha.digest(&data), Some(expected), "{sha:?} {len}");
            }
            assert_eq!(Some(sha256(&data).to_vec()), Sha::Sha256.digest(&data));
        }
    }
}
