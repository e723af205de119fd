//! Keystores: PKCS#12 and JKS files with a key and its chain, and Java
//! truststores.

pub mod ffi;
pub mod jks;
pub mod pkcs12;
pub mod profile;
pub mod truststore;

use std::path::Path;

use crate::error::{Error, Result};
use crate::secret::Secret;

/// The container of a keystore file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// PKCS#12 (`.p12`, `.pfx`): Java's default since Java 9, and what
    /// OpenSSL, Node, curl and Postman read.
    Pkcs12,
    /// Java KeyStore (`.jks`): Java's own format before Java 9.
    Jks,
}

impl Format {
    /// The format of a file to write: as asked, else by the file's
    /// extension (`.jks` means JKS), else PKCS#12. A PKCS#12 is never
    /// written under a `.jks` name, nor a JKS under `.p12`/`.pfx`.
    pub fn for_output(path: &Path, asked: Option<Format>) -> Result<Format> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        let by_name = match ext.as_deref() {
            Some("jks") => Some(Format::Jks),
            Some("p12" | "pfx") => Some(Format::Pkcs12),
            _ => None,
        };
        match (asked, by_name) {
            (Some(a), Some(n)) if a != n => Err(Error::usage(format!(
                "{}: the name says {} but {} was asked for; name the file .{} or drop the format option",
                path.display(),
                n.describe(),
                a.describe(),
                if a == Format::Jks { "jks" } else { "p12" }
            ))),
            (Some(a), _) => Ok(a),
            (None, Some(n)) => Ok(n),
            (None, None) => Ok(Format::Pkcs12),
        }
    }

    /// The format of existing bytes, by their magic.
    pub fn of_bytes(bytes: &[u8]) -> Option<Format> {
        if jks::is_jks(bytes) {
            Some(Format::Jks)
        } else if bytes.first() == Some(&0x30) {
            Some(Format::Pkcs12)
        } else {
            None
        }
    }

    /// The name users know.
    pub fn describe(self) -> &'static str {
        match self {
            Format::Pkcs12 => "PKCS#12",
            Format::Jks => "JKS",
        }
    }
}

/// Everything a keystore holds, PKCS#12 or JKS, told apart by the file's
/// magic bytes (never by its name: a PKCS#12 named `.jks` is read as
/// PKCS#12). A JKS file's trusted entries are certificates unrelated to
/// its key; of several key entries, the first is the key.
pub fn read_any(bytes: &[u8], password: &Secret) -> Result<(Format, pkcs12::Store)> {
    if !jks::is_jks(bytes) {
        return Ok((Format::Pkcs12, pkcs12::read_store(bytes, password)?));
    }
    let mut key = None;
    let mut certs = Vec::new();
    for e in jks::read(bytes, password)? {
        match e {
            jks::Entry::Key {
                alias,
                key: k,
                chain,
            } => {
                key.get_or_insert(k);
                let mut chain = chain.into_iter();
                certs.extend(chain.next().map(|c| (Some(alias), c)));
                certs.extend(chain.map(|c| (None, c)));
            }
            jks::Entry::Trusted { alias, cert } => certs.push((Some(alias), cert)),
        }
    }
    Ok((
        Format::Jks,
        pkcs12::Store {
            certs: pkcs12::relate(key.as_ref(), certs),
            key,
            trusted_usage: Vec::new(),
        },
    ))
}

/// The sample key and chain of `testdata/service-key.json`, for tests.
#[cfg(test)]
pub(crate) fn sample_identity() -> (crate::x509::key::PrivateKey, Vec<crate::x509::cert::Cert>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/service-key.json");
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("testdata")).expect("JSON");
    let text = |f: &str| v["oauth"][f].as_str().expect("field").to_string();
    (
        crate::x509::material::key_from_text(&text("key")).expect("key"),
        crate::x509::material::certs_from_text(&text("certificate")).expect("chain"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keystore_is_told_by_its_bytes() {
        let (key, chain) = sample_identity();
        let pw = Secret::new("changeit");
        let p12 = pkcs12::build_keystore(&key, &chain, "a", pkcs12::Profile::Modern, &pw).unwrap();
        let (format, store) = read_any(&p12, &pw).unwrap();
        assert_eq!(format, Format::Pkcs12);
        assert_eq!(store.certs.len(), 3);
        let entries = vec![
            jks::Entry::Key {
                alias: "me".into(),
                key,
                chain: chain[..2].to_vec(),
            },
            jks::Entry::Trusted {
                alias: "root".into(),
                cert: chain[2].clone(),
            },
        ];
        let bytes = jks::write(&entries, &pw).unwrap();
        let (format, store) = read_any(&bytes, &pw).unwrap();
        assert_eq!(format, Format::Jks);
        let relations: Vec<_> = store.certs.iter().map(|(_, _, r)| *r).collect();
        // The trusted root is the chain's issuer: it belongs to the chain.
        assert_eq!(
            relations,
            [
                pkcs12::Relation::Leaf,
                pkcs12::Relation::Chain,
                pkcs12::Relation::Chain
            ]
        );
        assert_eq!(store.certs[0].0.as_deref(), Some("me"));
        assert!(store.key.is_some());
    }

    #[test]
    fn the_name_and_the_option_must_agree() {
        let f = |p: &str, a| Format::for_output(Path::new(p), a);
        assert_eq!(f("ts.jks", None).unwrap(), Format::Jks);
        assert_eq!(f("ts.p12", None).unwrap(), Format::Pkcs12);
        assert_eq!(f("ts", Some(Format::Jks)).unwrap(), Format::Jks);
        assert_eq!(f("ts.store", None).unwrap(), Format::Pkcs12);
        assert!(f("ts.jks", Some(Format::Pkcs12)).is_err());
        assert!(f("ts.p12", Some(Format::Jks)).is_err());
    }
}
