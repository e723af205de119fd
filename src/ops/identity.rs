//! The client identity a keystore or a TLS client needs: the private key,
//! decrypted, and its chain leaf first, checked: the key must belong to the
//! leaf, and the chain must reach a root unless the caller allows less.

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
    /// The chain, leaf first, as far as it could be completed.
    pub chain: Vec<Cert>,
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
            "the chain is incomplete (issuer '{}' not found): written as given",
            sanitize(issuer)
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
        chain: path.certs.into_iter().map(|(c, _)| c).collect(),
        notes,
    })
}
