//! The client identity a keystore or a TLS client needs: the private key,
//! decrypted, and its whole chain leaf first, root included, checked: the
//! key must belong to the leaf, and the chain must reach a root unless the
//! caller allows less. A sender presents leaf, intermediates and the root:
//! SAP's load balancer holds roots only and asks for "a certificate chain
//! that contains a root certificate supported by the load balancer"
//! (`../shared/sap-facts.md`, "Which CAs are trusted, and where").

use crate::error::{Error, Result};
use crate::input::Bundle;
use crate::ops::RootOptions;
use crate::sanitize::sanitize;
use crate::sap::servicekey::KeyKind;
use crate::secret::{Purpose, SecretSource};
use crate::x509::cert::Cert;
use crate::x509::key::PrivateKey;

/// How the identity is taken from the input.
#[derive(Debug, Clone, Default)]
pub struct IdentityOptions {
    /// Accept a chain that does not reach a root (with a note).
    pub allow_incomplete: bool,
    /// Where the chain's root may come from.
    pub roots: RootOptions,
}

/// A private key and its chain, leaf first.
#[derive(Debug)]
pub struct Identity {
    /// The private key, decrypted.
    pub key: PrivateKey,
    /// The chain, leaf first, up to and with its root as far as it could
    /// be completed.
    pub chain: Vec<Cert>,
    /// Whether the chain reaches a root.
    pub complete: bool,
    /// What the user should know: an incomplete chain kept, certificates left out.
    pub notes: Vec<String>,
}

/// Decrypts `key` (read from the file `name`) when it is encrypted, with a
/// password from `secrets`.
pub fn decrypt(name: &str, key: PrivateKey, secrets: &dyn SecretSource) -> Result<PrivateKey> {
    if !key.is_encrypted() {
        return Ok(key);
    }
    let what = format!("password of the private key in {}", sanitize(name));
    let pw = secrets.secret(&what, Purpose::DecryptKey)?;
    key.decrypt(&pw).map_err(|e| e.with_path(name))
}

/// The key, decrypted, and its chain leaf first, checked for a keystore or a
/// TLS client.
pub fn key_and_chain(
    bundle: Bundle,
    opts: &IdentityOptions,
    secrets: &dyn SecretSource,
) -> Result<Identity> {
    if let Some((name, _)) = bundle
        .service_keys
        .iter()
        .find(|(_, sk)| sk.kind == KeyKind::ClientSecret)
    {
        return Err(Error::input(
            "a ClientId/Secret service key holds no certificate or key for a keystore",
        )
        .with_path(name));
    }
    let Some((key_file, key)) = bundle.key else {
        let external = bundle
            .service_keys
            .iter()
            .any(|(_, sk)| sk.kind == KeyKind::ExternalCertificate);
        return Err(Error::input(if external {
            "no private key: an External Certificate key holds only the certificate; give your key file as another INPUT"
        } else {
            "no private key in the input: a keystore needs the key (give the key file as another INPUT)"
        }));
    };
    if bundle.certs.is_empty() {
        return Err(Error::input(
            "no certificate in the input: a keystore needs the key's certificate",
        ));
    }
    let key = decrypt(&key_file, key, secrets)?;
    let path = opts.roots.path(&bundle.certs)?;
    let leaf = &path.certs[0].0;
    if key.matches(leaf) != Some(true) {
        return Err(Error::input(format!(
            "the private key in {} does not belong to the leaf certificate '{}'",
            sanitize(&key_file),
            sanitize(&leaf.subject_dn())
        )));
    }
    let mut notes = Vec::new();
    if let Some(issuer) = &path.missing_issuer {
        let top = &path.certs[path.certs.len() - 1].0;
        if !opts.allow_incomplete {
            return Err(Error::input(format!(
                "the chain is incomplete: issuer '{}' of '{}' was not found; add it to the input, give it with --roots, or use --allow-incomplete",
                sanitize(issuer),
                sanitize(&top.common_name())
            )));
        }
        notes.push(format!(
            "the chain is incomplete (issuer '{}' not found): written as given, as --allow-incomplete asks; SAP's load balancer rejects a client certificate without its chain up to a root it supports: give the missing certificates with --roots FILE",
            sanitize(issuer)
        ));
    }
    for (c, o) in path.certs.iter().skip(1) {
        let Some(whence) = o.whence() else {
            continue;
        };
        notes.push(format!(
            "completed the chain with '{}' {whence}",
            sanitize(&c.subject_dn())
        ));
    }
    for u in &path.chain.unrelated {
        notes.push(format!(
            "'{}' belongs to no path from the leaf and is left out",
            sanitize(&u.subject_dn())
        ));
    }
    Ok(Identity {
        key,
        complete: path.missing_issuer.is_none(),
        chain: path.certs.into_iter().map(|(c, _)| c).collect(),
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::NoSecrets;

    const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/service-key.json");
    const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/sample-root.pem");

    /// Leaf, intermediate and key of the sample, without its root.
    fn partial() -> (tempfile::TempDir, String) {
        let l = crate::input::load(SAMPLE).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("partial.pem");
        let text = format!(
            "{}{}{}",
            l.certs[0].to_pem(),
            l.certs[1].to_pem(),
            l.key.unwrap().to_pem()
        );
        std::fs::write(&f, text).unwrap();
        let name = f.display().to_string();
        (dir, name)
    }

    #[test]
    fn the_identity_carries_the_root_and_says_where_it_came_from() {
        let (_dir, f) = partial();
        let opts = IdentityOptions {
            allow_incomplete: false,
            roots: RootOptions {
                files: vec![ROOT.into()],
                system: false,
                fetch: false,
            },
        };
        let bundle = crate::input::load_many(std::slice::from_ref(&f)).unwrap();
        let id = key_and_chain(bundle, &opts, &NoSecrets).unwrap();
        assert_eq!(id.chain.len(), 3);
        assert!(id.complete && id.chain[2].is_self_signed());
        assert_eq!(
            id.notes,
            ["completed the chain with 'C=DE, O=btpcert samples, CN=btpcert Sample Root CA' from --roots"]
        );
        // Allowed to be incomplete: said what the load balancer will do.
        let bundle = crate::input::load_many(&[f]).unwrap();
        let opts = IdentityOptions {
            allow_incomplete: true,
            roots: RootOptions::default(),
        };
        let id = key_and_chain(bundle, &opts, &NoSecrets).unwrap();
        assert!(!id.complete && id.chain.len() == 2);
        assert!(id.notes[0].contains("SAP's load balancer rejects a client certificate"));
    }
}
