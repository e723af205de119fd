//! The entries of a truststore: CA certificates deduplicated by
//! fingerprint, each under a unique alias made from its common name.

use std::collections::HashSet;

use crate::sanitize::file_slug;
use crate::x509::cert::Cert;

/// Whether a certificate belongs in a truststore: a CA, or self-signed.
pub fn is_trust_anchor(c: &Cert) -> bool {
    c.basic_constraints().is_some_and(|(ca, _)| ca) || c.is_self_signed()
}

/// An alias from the common name, unique among `taken` (Java lower-cases aliases).
fn alias_for(c: &Cert, taken: &mut HashSet<String>) -> String {
    let base = file_slug(&c.common_name());
    let mut alias = base.clone();
    let mut n = 2;
    while !taken.insert(alias.clone()) {
        alias = format!("{base}-{n}");
        n += 1;
    }
    alias
}

/// `existing` entries (aliases kept where usable) followed by the `new`
/// certificates not already in them. Returns the entries and how many were kept.
pub fn assemble(existing: Vec<(String, Cert)>, new: Vec<Cert>) -> (Vec<(String, Cert)>, usize) {
    let mut entries: Vec<(String, Cert)> = Vec::new();
    let mut taken = HashSet::new();
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    for (alias, c) in existing {
        if !seen.insert(c.der().to_vec()) {
            continue;
        }
        let alias = if alias.is_empty() || taken.contains(&alias.to_lowercase()) {
            alias_for(&c, &mut taken)
        } else {
            taken.insert(alias.to_lowercase());
            alias
        };
        entries.push((alias, c));
    }
    let kept = entries.len();
    for c in new {
        if seen.insert(c.der().to_vec()) {
            let alias = alias_for(&c, &mut taken);
            entries.push((alias, c));
        }
    }
    (entries, kept)
}
