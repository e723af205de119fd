//! The entries of a truststore: CA certificates deduplicated by
//! fingerprint, each under a unique alias made from its common name.

use std::collections::HashSet;

use crate::sanitize::{file_slug, UniqueNames};
use crate::x509::cert::Cert;

/// Whether a certificate belongs in a truststore: a CA, or self-signed.
pub fn is_trust_anchor(c: &Cert) -> bool {
    c.basic_constraints().is_some_and(|(ca, _)| ca) || c.is_self_signed()
}

/// An alias from the common name, unique among `aliases`.
fn alias_for(c: &Cert, aliases: &mut UniqueNames) -> String {
    aliases.unique(&file_slug(&c.common_name()), |b, n| format!("{b}-{n}"))
}

/// `existing` entries (aliases kept where usable) followed by the `new`
/// certificates not already in them. Returns the entries and how many were kept.
pub fn assemble(existing: Vec<(String, Cert)>, new: Vec<Cert>) -> (Vec<(String, Cert)>, usize) {
    assemble_counted(existing, new).0
}

fn assemble_counted(
    existing: Vec<(String, Cert)>,
    new: Vec<Cert>,
) -> ((Vec<(String, Cert)>, usize), usize) {
    let mut entries: Vec<(String, Cert)> = Vec::new();
    // Java compares aliases lower-cased.
    let mut aliases = UniqueNames::new(str::to_lowercase);
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    for (alias, c) in existing {
        if !seen.insert(c.der().to_vec()) {
            continue;
        }
        let alias = if !alias.is_empty() && aliases.take(&alias) {
            alias
        } else {
            alias_for(&c, &mut aliases)
        };
        entries.push((alias, c));
    }
    let kept = entries.len();
    for c in new {
        if seen.insert(c.der().to_vec()) {
            let alias = alias_for(&c, &mut aliases);
            entries.push((alias, c));
        }
    }
    ((entries, kept), aliases.tried())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` self-signed certificates named `cn` (distinct keys).
    fn named(cn: &str, n: usize) -> Vec<Cert> {
        use openssl::{ec, nid::Nid, pkey::PKey};
        let group = ec::EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        (0..n)
            .map(|_| {
                let key = PKey::from_ec_key(ec::EcKey::generate(&group).unwrap()).unwrap();
                crate::sap::trust_lists::testing::self_signed_ca(&[("CN", cn)], &key)
            })
            .collect()
    }

    #[test]
    fn certificates_of_one_name_are_numbered_in_linear_work() {
        let n = 300;
        let certs = named("Same Name CA", n);
        // One of the existing entries already holds a numbered alias.
        let existing = vec![("same-name-ca-3".to_string(), certs[0].clone())];
        let ((entries, kept), tried) = assemble_counted(existing, certs[1..].to_vec());
        assert_eq!(kept, 1);
        let aliases: Vec<&str> = entries.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(
            &aliases[..4],
            [
                "same-name-ca-3",
                "same-name-ca",
                "same-name-ca-2",
                "same-name-ca-4"
            ]
        );
        assert_eq!(aliases[n - 1], format!("same-name-ca-{}", n));
        let unique: HashSet<&str> = aliases.iter().copied().collect();
        assert_eq!(unique.len(), n);
        // Each alias taken at the first or second try: not n^2 / 2 tries.
        assert!(tried <= 2 * n, "{tried} tries for {n} certificates");
    }

    #[test]
    fn an_existing_alias_is_kept_unless_taken_and_java_ignores_case() {
        let certs = named("Root", 3);
        let existing = vec![
            ("MyRoot".to_string(), certs[0].clone()),
            ("myroot".to_string(), certs[1].clone()),
            (String::new(), certs[2].clone()),
        ];
        let ((entries, kept), _) = assemble_counted(existing, vec![certs[0].clone()]);
        assert_eq!(kept, 3);
        let aliases: Vec<&str> = entries.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(aliases, ["MyRoot", "root", "root-2"]);
    }
}
