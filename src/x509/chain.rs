//! Orders certificates leaf -> root by their signatures.
//!
//! Names and key identifiers only narrow the search: a certificate is the
//! issuer of another when the names chain *and* the signature verifies with
//! its key. Certificates that belong to no path from the leaf are reported,
//! never dropped; duplicates are counted and removed.

use crate::x509::cert::Cert;

/// Certificates ordered into a path, and what was left over.
#[derive(Debug, Clone)]
pub struct Chain {
    /// The path, leaf first. Empty only for empty input.
    pub certs: Vec<Cert>,
    /// Certificates of the input that are not on the path.
    pub unrelated: Vec<Cert>,
    /// Certificates given more than once (one copy of each is kept).
    pub duplicates: Vec<Cert>,
    /// The input was not in leaf -> root order.
    pub reordered: bool,
}

impl Chain {
    /// The first certificate of the path.
    pub fn leaf(&self) -> Option<&Cert> {
        self.certs.first()
    }

    /// The last certificate of the path.
    pub fn top(&self) -> Option<&Cert> {
        self.certs.last()
    }
}

/// Orders `input` leaf first. See the module documentation.
pub fn order(input: &[Cert]) -> Chain {
    let mut certs: Vec<&Cert> = Vec::with_capacity(input.len());
    let mut duplicates = Vec::new();
    for c in input {
        if certs.iter().any(|k| k.der() == c.der()) {
            duplicates.push(c.clone());
        } else {
            certs.push(c);
        }
    }
    let n = certs.len();
    if n == 0 {
        return Chain {
            certs: Vec::new(),
            unrelated: Vec::new(),
            duplicates,
            reordered: false,
        };
    }
    // issuer[i] = index of the certificate that signed certs[i].
    let issuer: Vec<Option<usize>> = (0..n)
        .map(|i| (0..n).find(|&j| j != i && certs[i].is_signed_by(certs[j])))
        .collect();
    let issues_someone: Vec<bool> = (0..n).map(|j| issuer.contains(&Some(j))).collect();

    let path_from = |start: usize| -> Vec<usize> {
        let mut path = vec![start];
        let mut at = start;
        while let Some(next) = issuer[at] {
            if path.contains(&next) {
                break;
            }
            path.push(next);
            at = next;
        }
        path
    };
    // The leaf: a certificate that issued none of the others; among several,
    // an end-entity one before a CA, then the one with the longest path, then
    // the first given.
    let rank = |p: &Vec<usize>| (!is_ca(certs[p[0]]), p.len());
    let mut best: Option<Vec<usize>> = None;
    for i in (0..n).filter(|&i| !issues_someone[i]) {
        let p = path_from(i);
        if best.as_ref().is_none_or(|b| rank(&p) > rank(b)) {
            best = Some(p);
        }
    }
    let path = best.unwrap_or_else(|| path_from(0));
    let reordered = path.windows(2).any(|w| w[0] > w[1]);
    let unrelated = (0..n)
        .filter(|i| !path.contains(i))
        .map(|i| certs[i].clone())
        .collect();
    Chain {
        certs: path.iter().map(|&i| certs[i].clone()).collect(),
        unrelated,
        duplicates,
        reordered,
    }
}

fn is_ca(c: &Cert) -> bool {
    c.basic_constraints().is_some_and(|(ca, _)| ca)
}
