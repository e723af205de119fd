//! Finding who issued a certificate among many, without trying every
//! certificate of the same name: candidates come from an index of subjects
//! (compared as RFC 5280 7.1 says), the authority key identifier narrows
//! and orders them, and a signature is verified only for a candidate's key
//! that was not tried yet. Once one key verifies, no other key can: the
//! remaining candidates are those with that same key.
//!
//! A thousand CA certificates sharing one name thus cost a thousand
//! signature checks to order, not a million. Where neither key identifiers
//! nor keys narrow the candidates (hostile input: many certificates of one
//! name, each signed by another's key, without key identifiers), a
//! certificate is tried against at most [`MAX_FAILED_TRIALS`] candidates
//! whose signature does not verify: the work stays linear, and such an
//! input ends with an issuer not found rather than hours of checks.

use std::collections::HashMap;

use crate::x509::cert::Cert;

/// How many candidates whose signature does not verify are tried for one
/// certificate before its issuer is given up as not found. Real paths have
/// a handful of certificates per name, and their key identifiers put the
/// issuer first.
pub const MAX_FAILED_TRIALS: usize = 16;

/// Positions of certificates, by subject.
#[derive(Debug, Default, Clone)]
pub struct IssuerIndex {
    by_subject: HashMap<Vec<u8>, Vec<usize>>,
}

impl IssuerIndex {
    /// An index of `certs`, each known by its position.
    pub fn new<'a>(certs: impl IntoIterator<Item = &'a Cert>) -> IssuerIndex {
        let mut index = IssuerIndex::default();
        for (i, c) in certs.into_iter().enumerate() {
            index.push(i, c);
        }
        index
    }

    /// Adds `cert`, known by position `i`.
    pub fn push(&mut self, i: usize, cert: &Cert) {
        self.by_subject
            .entry(cert.subject_key().to_vec())
            .or_default()
            .push(i);
    }

    /// The positions of the certificates that issued `child`: their
    /// subject is its issuer, its authority key identifier does not name
    /// another issuer, and its signature verifies with their key. Those
    /// whose subject key identifier is the child's authority key identifier
    /// come first, then the order the certificates were added in. `cert(i)`
    /// gives the certificate at position `i`.
    pub fn issuers<'a>(&self, child: &Cert, cert: impl Fn(usize) -> &'a Cert) -> Vec<usize> {
        let Some(named) = self.by_subject.get(child.issuer_key()) else {
            return Vec::new();
        };
        let mut candidates: Vec<usize> = named
            .iter()
            .copied()
            .filter(|&i| child.may_be_issued_by(cert(i)))
            .collect();
        if let Some(aki) = child.authority_key_id() {
            // Stable: a matching key identifier first, the order kept otherwise.
            candidates.sort_by_key(|&i| cert(i).subject_key_id() != Some(aki));
        }
        // A self-signed certificate's signature verifies with its own key:
        // only certificates with that key can have issued it.
        let mut key: Option<&[u8]> =
            (child.is_self_issued() && child.is_self_signed()).then(|| child.spki_der());
        let mut out = Vec::new();
        let mut failed = 0;
        for i in candidates {
            let c = cert(i);
            match key {
                Some(k) if c.spki_der() == k => out.push(i),
                Some(_) => {}
                None if failed >= MAX_FAILED_TRIALS => break,
                None => {
                    if child.signature_verifies_with(c) {
                        key = Some(c.spki_der());
                        out.push(i);
                    } else {
                        failed += 1;
                    }
                }
            }
        }
        out
    }
}
