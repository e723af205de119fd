//! Orders certificates leaf -> root by their signatures.
//!
//! Names and key identifiers only narrow the search: a certificate is the
//! issuer of another when the names chain (RFC 5280 7.1), its authority key
//! identifier does not name another issuer, *and* the signature verifies
//! with its key. Candidates are looked up by name, never tried one by one
//! (see [`crate::x509::issuers`]). Certificates that belong to no path from
//! the leaf are reported, never dropped; duplicates are counted and removed.

use std::collections::HashSet;

use crate::x509::cert::Cert;
use crate::x509::issuers::IssuerIndex;

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
    let mut seen: HashSet<&[u8]> = HashSet::with_capacity(input.len());
    for c in input {
        if seen.insert(c.der()) {
            certs.push(c);
        } else {
            duplicates.push(c.clone());
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
    // issuer[i] = index of the certificate that signed certs[i]. A
    // self-signed certificate ends a path; among several issuers, a
    // self-signed one is preferred (a root, rather than a cross-certificate
    // of it).
    let index = IssuerIndex::new(certs.iter().copied());
    let issuer_of = |i: usize| {
        if certs[i].is_self_signed() {
            return None;
        }
        let found: Vec<usize> = index
            .issuers(certs[i], |j| certs[j])
            .into_iter()
            .filter(|&j| j != i)
            .collect();
        found
            .iter()
            .copied()
            .find(|&j| certs[j].is_self_signed())
            .or_else(|| found.first().copied())
    };
    // Signature checks dominate a long input: spread them over the cores.
    let issuer: Vec<Option<usize>> = crate::x509::cert::par_map(n, issuer_of);
    let mut issues_someone = vec![false; n];
    for j in issuer.iter().flatten() {
        issues_someone[*j] = true;
    }

    let path_from = |start: usize| -> Vec<usize> {
        let mut on_path = vec![false; n];
        let mut path = vec![start];
        on_path[start] = true;
        let mut at = start;
        while let Some(next) = issuer[at] {
            if on_path[next] {
                break;
            }
            on_path[next] = true;
            path.push(next);
            at = next;
        }
        path
    };
    // The leaf: a certificate that issued none of the others; among several,
    // an end-entity one before a CA, then the one with the longest path, then
    // the first given.
    let lengths = path_lengths(&issuer);
    let rank = |i: usize| (!is_ca(certs[i]), lengths[i]);
    let mut best: Option<usize> = None;
    for i in (0..n).filter(|&i| !issues_someone[i]) {
        if best.is_none_or(|b| rank(i) > rank(b)) {
            best = Some(i);
        }
    }
    let path = path_from(best.unwrap_or(0));
    let reordered = path.windows(2).any(|w| w[0] > w[1]);
    let mut on_path = vec![false; n];
    for &i in &path {
        on_path[i] = true;
    }
    let unrelated = (0..n)
        .filter(|&i| !on_path[i])
        .map(|i| certs[i].clone())
        .collect();
    Chain {
        certs: path.iter().map(|&i| certs[i].clone()).collect(),
        unrelated,
        duplicates,
        reordered,
    }
}

/// The length of the path from each certificate up its issuers, a cycle
/// counted once; in linear time.
fn path_lengths(issuer: &[Option<usize>]) -> Vec<usize> {
    let n = issuer.len();
    let mut len = vec![0usize; n];
    for start in 0..n {
        if len[start] != 0 {
            continue;
        }
        // Walk up until a known length, the top, or a cycle.
        let mut walk = Vec::new();
        let mut on_walk = std::collections::HashMap::new();
        let mut at = Some(start);
        let mut base = 0;
        while let Some(i) = at {
            if len[i] != 0 {
                base = len[i];
                break;
            }
            if let Some(&pos) = on_walk.get(&i) {
                // A cycle: each of its certificates reaches all of it.
                let cycle = walk.len() - pos;
                for &c in &walk[pos..] {
                    len[c] = cycle;
                }
                walk.truncate(pos);
                base = cycle;
                break;
            }
            on_walk.insert(i, walk.len());
            walk.push(i);
            at = issuer[i];
        }
        for &c in walk.iter().rev() {
            base += 1;
            len[c] = base;
        }
    }
    len
}

fn is_ca(c: &Cert) -> bool {
    c.basic_constraints().is_some_and(|(ca, _)| ca)
}
