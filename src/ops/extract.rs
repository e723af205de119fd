//! `extract`: a service key (or PEM bundle) in, `certificate.pem` with the
//! whole chain leaf first and `key.pem` (mode 0600) out, and optionally one
//! file per certificate.
//!
//! `certificate.pem` is what a sender presents (Postman's CRT file), so it
//! carries leaf, intermediates and root: SAP's load balancer holds roots
//! only and asks for "a certificate chain that contains a root certificate
//! supported by the load balancer" (`../shared/sap-facts.md`, "Which CAs
//! are trusted, and where"). What the input lacks is completed from
//! `--roots` and the system bundle, and said; what cannot be completed is
//! said too, and the run ends with exit 1, the files written.

use std::path::PathBuf;

use serde::Serialize;

use crate::error::{Error, ExitStatus, Result};
use crate::input::{self, Form};
use crate::ops::{chain::split_plan, Outcome, RootOptions};
use crate::sanitize::sanitize;
use crate::sap::external::default_certificate_parameters;
use crate::sap::servicekey::KeyKind;
use crate::secret::{Purpose, SecretSource};
use crate::write::Planned;
use crate::x509::cert::{Cert, KeyInfo};
use crate::x509::chain::Chain;
use crate::x509::key::{KeyFormat, PrivateKey};
use crate::x509::roots::Origin;

/// What to extract, and how.
#[derive(Debug, Clone)]
pub struct ExtractOptions {
    /// Service key or PEM file; `-` for standard input.
    pub input: String,
    /// The folder to write into (created if missing).
    pub out_dir: PathBuf,
    /// Write the private key as PKCS#8 instead of as given.
    pub pkcs8: bool,
    /// Decrypt an encrypted private key.
    pub decrypt: bool,
    /// Also write each certificate to its own file, leaf first.
    pub split: bool,
    /// Also write the chain as `chain.p7b` (DER PKCS#7, leaf first).
    pub p7b: bool,
    /// Where the certificates that complete the chain come from.
    pub roots: RootOptions,
}

/// One file written.
#[derive(Debug, Serialize)]
pub struct Written {
    /// The file.
    pub path: String,
    /// `certificate-chain`, `certificate`, `private-key` or
    /// `certificate-chain-pkcs7` (`chain.p7b`).
    pub content: &'static str,
    /// Subjects of the certificates in it, in file order.
    pub subjects: Vec<String>,
    /// For the key: how it is written.
    pub key_format: Option<KeyFormat>,
    /// `0644`, or `0600` for the key.
    pub mode: &'static str,
}

/// What was read and what is written; `--json` prints it as it is.
#[derive(Debug, Serialize)]
pub struct ExtractOutcome {
    /// The input as named (`<stdin>` for `-`).
    pub input: String,
    /// How the input was written.
    pub form: Form,
    /// The kind of service key; null for PEM or DER input.
    pub kind: Option<KeyKind>,
    /// The files, in the order they are planned.
    pub files: Vec<Written>,
    /// The host to enter in Postman's certificate settings.
    pub postman_host: Option<String>,
    /// Subjects of the certificates on no path from the leaf.
    pub unrelated_certificates: Vec<String>,
    /// Whether `certificate.pem` reaches a root: what a sender must present.
    pub chain_complete: bool,
    /// Certificates added to complete the chain, each with where it came
    /// from (`C=..., CN=... (from --roots)`).
    pub added: Vec<String>,
    /// Why `certificate.pem` is not ready for a sender, and how to fix it;
    /// null when it is.
    pub chain_problem: Option<String>,
    /// The chain in `certificate.pem`, leaf first.
    #[serde(skip)]
    pub chain: Vec<Cert>,
    /// Where each certificate of `chain` came from.
    #[serde(skip)]
    pub origins: Vec<Origin>,
    /// Algorithm and size of the key written; `None` when there is none or
    /// it stays encrypted.
    #[serde(skip)]
    pub key_info: Option<KeyInfo>,
    /// What the user should know: order, duplicates, unrelated certificates.
    #[serde(skip)]
    pub notes: Vec<String>,
    /// The files, planned.
    #[serde(skip)]
    pub planned: Vec<Planned>,
}

impl ExtractOutcome {
    /// The `certificate.pem` entry.
    pub fn chain_file(&self) -> &Written {
        &self.files[0]
    }

    /// The `key.pem` entry, when a key is written.
    pub fn key_file(&self) -> Option<&Written> {
        self.files.iter().find(|f| f.content == "private-key")
    }
}

impl Outcome for ExtractOutcome {
    /// 1 when the files are a sender's identity that lacks its chain.
    fn exit_status(&self) -> ExitStatus {
        ExitStatus::problems_if(self.chain_problem.is_some())
    }
    fn notes(&self) -> &[String] {
        &self.notes
    }
    fn files(&self) -> &[Planned] {
        &self.planned
    }
}

/// Reads the input, orders the chain, checks the key belongs to the leaf,
/// prepares the key as asked (a password, when one is needed, comes from
/// `secrets` as [`Purpose::DecryptKey`]) and plans the files.
pub fn run(opts: &ExtractOptions, secrets: &dyn SecretSource) -> Result<ExtractOutcome> {
    let (loaded, store_unrelated) =
        input::load_with(&opts.input, Some(secrets))?.key_chain_only()?;
    let left_out = loaded.left_out_note(&store_unrelated);
    let name = sanitize(&loaded.name).into_owned();
    let kind = loaded.service_key.as_ref().map(|sk| sk.kind);
    if let Some(sk) = &loaded.service_key {
        if sk.kind == KeyKind::ClientSecret {
            return Err(Error::input(format!(
                "{name}: a ClientId/Secret service key holds no certificate to extract (fields: {}). \
                 Use clientid and clientsecret with HTTP Basic at the tokenurl, or create a key with {} (btpcert key-params --type certificate writes it)",
                sk.field_list(),
                default_certificate_parameters()
            )));
        }
    }
    if loaded.certs.is_empty() {
        return Err(Error::input(format!(
            "{name}: holds a private key but no certificate; nothing to extract"
        )));
    }
    let path = opts.roots.path(&loaded.certs)?;
    let ordered = Chain {
        certs: path.certs.iter().map(|(c, _)| c.clone()).collect(),
        ..path.chain.clone()
    };
    let origins: Vec<Origin> = path.certs.iter().map(|(_, o)| o.clone()).collect();
    let (key, plain) = match &loaded.key {
        Some(k) => {
            let (out, plain) = prepare_key(k, opts, &name, secrets)?;
            (Some(out), plain)
        }
        None => (None, None),
    };
    let leaf = ordered.leaf().expect("non-empty input gives a leaf");
    // The key as decrypted on the way, else as written.
    let checked = plain.as_ref().or(key.as_ref()).map(|k| k.matches(leaf));
    if checked == Some(Some(false)) {
        return Err(Error::input(format!(
            "{name}: the private key does not belong to the leaf certificate '{}'",
            sanitize(&leaf.subject_dn())
        )));
    }
    let unchecked_key = checked == Some(None);
    let added = ordered
        .certs
        .iter()
        .zip(&origins)
        .filter(|(_, o)| **o != Origin::Chain)
        .map(|(c, o)| format!("{} ({})", c.subject_dn(), whence(o)))
        .collect();
    let identity = key.is_some() || kind.is_some();
    let mut notes = notes(&name, &ordered);
    notes.extend(left_out);
    if unchecked_key {
        notes.push(format!(
            "{name}: the private key is encrypted, so btpcert could not check that it belongs to the leaf; --decrypt checks it (and writes it decrypted), as does btpcert verify"
        ));
    }
    let missing = path.missing_issuer.as_ref().map(|issuer| {
        let top = ordered.top().map(Cert::common_name).unwrap_or_default();
        format!(
            "certificate.pem does not reach a root: issuer '{}' of '{}' was not found",
            sanitize(issuer),
            sanitize(&top)
        )
    });
    let chain_problem = match missing {
        Some(m) if identity => Some(format!(
            "{m}. SAP's load balancer takes a client certificate only with its chain up to a root it supports (leaf, intermediates, root), so it will reject this file. Get the intermediates and the root from the certificate's CA and run again with --roots FILE"
        )),
        Some(m) => {
            notes.push(format!("{name}: {m}; --roots FILE completes it"));
            None
        }
        None => None,
    };
    let mut outcome = ExtractOutcome {
        input: loaded.name.clone(),
        form: loaded.form,
        kind,
        files: Vec::new(),
        postman_host: loaded.service_key.as_ref().and_then(|sk| sk.token_host()),
        unrelated_certificates: ordered
            .unrelated
            .iter()
            .map(Cert::subject_dn)
            .chain(store_unrelated)
            .collect(),
        chain_complete: path.missing_issuer.is_none(),
        added,
        chain_problem,
        chain: ordered.certs.clone(),
        origins,
        key_info: key.as_ref().and_then(PrivateKey::info),
        notes,
        planned: Vec::new(),
    };
    plan(&mut outcome, &ordered, key.as_ref(), opts);
    Ok(outcome)
}

/// Plans certificate.pem, key.pem and, with `--split`, one file per
/// certificate, each with its entry in `files`.
fn plan(o: &mut ExtractOutcome, ordered: &Chain, key: Option<&PrivateKey>, opts: &ExtractOptions) {
    let cert_path = opts.out_dir.join("certificate.pem");
    let chain_pem: String = ordered.certs.iter().map(Cert::to_pem).collect();
    o.files.push(Written {
        path: cert_path.display().to_string(),
        content: if ordered.certs.len() > 1 {
            "certificate-chain"
        } else {
            "certificate"
        },
        subjects: ordered.certs.iter().map(Cert::subject_dn).collect(),
        key_format: None,
        mode: "0644",
    });
    o.planned
        .push(Planned::public(&cert_path, chain_pem).creating_folder());
    if let Some(k) = key {
        let key_path = opts.out_dir.join("key.pem");
        o.files.push(Written {
            path: key_path.display().to_string(),
            content: "private-key",
            subjects: Vec::new(),
            key_format: Some(k.format()),
            mode: "0600",
        });
        o.planned
            .push(Planned::secret(&key_path, k.to_pem()).creating_folder());
    }
    if opts.p7b {
        let p7b_path = opts.out_dir.join(P7B);
        o.files.push(Written {
            path: p7b_path.display().to_string(),
            content: "certificate-chain-pkcs7",
            subjects: ordered.certs.iter().map(Cert::subject_dn).collect(),
            key_format: None,
            mode: "0644",
        });
        o.planned.push(
            Planned::public(&p7b_path, crate::x509::material::pkcs7_der(&ordered.certs))
                .creating_folder(),
        );
    }
    if opts.split {
        for (f, c) in split_plan(ordered, &opts.out_dir) {
            o.files.push(Written {
                path: f.path.display().to_string(),
                content: "certificate",
                subjects: vec![c.subject_dn()],
                key_format: None,
                mode: "0644",
            });
            o.planned.push(f);
        }
    }
}

/// The name of the chain as DER PKCS#7, as Windows and Cloud Integration
/// write it.
pub const P7B: &str = "chain.p7b";

/// Where a certificate of the chain came from, in words.
pub fn whence(o: &Origin) -> String {
    match o.whence() {
        None => "in the input".to_string(),
        Some(w) => format!("added {w}"),
    }
}

fn notes(name: &str, ordered: &Chain) -> Vec<String> {
    let mut notes = Vec::new();
    if ordered.reordered {
        notes.push(format!("{name}: the certificates were not in leaf-first order; certificate.pem is ordered leaf first"));
    }
    if !ordered.duplicates.is_empty() {
        notes.push(format!(
            "{name}: {} duplicate certificate(s) written once",
            ordered.duplicates.len()
        ));
    }
    for c in &ordered.unrelated {
        notes.push(format!(
            "{name}: '{}' belongs to no path from the leaf and is left out of certificate.pem",
            c.subject_dn()
        ));
    }
    notes
}

/// Applies `--decrypt` and `--pkcs8`; asks for a password only when
/// needed. Returns the key to write and, when it was decrypted on the way,
/// the decrypted key (to check against the leaf).
fn prepare_key(
    k: &PrivateKey,
    opts: &ExtractOptions,
    name: &str,
    secrets: &dyn SecretSource,
) -> Result<(PrivateKey, Option<PrivateKey>)> {
    let what = format!("password of the private key in {name}");
    if k.is_encrypted() {
        if opts.decrypt {
            let pw = secrets.secret(&what, Purpose::DecryptKey)?;
            let plain = k.decrypt(&pw).map_err(|e| e.with_path(name))?;
            return Ok((plain, None));
        }
        if opts.pkcs8 && k.format() == KeyFormat::LegacyEncrypted {
            // Same password, modern container.
            let pw = secrets.secret(&what, Purpose::DecryptKey)?;
            let plain = k.decrypt(&pw).map_err(|e| e.with_path(name))?;
            return Ok((plain.to_encrypted_pkcs8(&pw)?, Some(plain)));
        }
        return Ok((k.clone(), None));
    }
    if opts.pkcs8 {
        return Ok((k.to_pkcs8()?, None));
    }
    Ok((k.clone(), None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::{Fixed, NoSecrets, Secret};

    const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/service-key.json");
    const EXTERNAL: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/service-key-external.json"
    );
    const SECRET: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/service-key-secret.json"
    );

    fn opts(input: &str) -> ExtractOptions {
        ExtractOptions {
            input: input.into(),
            out_dir: "out".into(),
            pkcs8: false,
            decrypt: false,
            split: false,
            p7b: false,
            roots: RootOptions::default(),
        }
    }

    fn planned(o: &ExtractOutcome) -> Vec<(String, bool)> {
        o.files()
            .iter()
            .map(|f| (f.path.display().to_string(), f.secret))
            .collect()
    }

    #[test]
    fn the_sample_key_gives_the_chain_and_a_private_key_file() {
        let o = run(&opts(SAMPLE), &NoSecrets).unwrap();
        assert_eq!(
            planned(&o),
            [
                ("out/certificate.pem".to_string(), false),
                ("out/key.pem".to_string(), true)
            ]
        );
        assert_eq!(o.form, Form::Cockpit);
        assert_eq!(o.kind, Some(KeyKind::Certificate));
        assert_eq!(o.chain_file().content, "certificate-chain");
        assert_eq!(o.chain_file().subjects.len(), 3);
        assert_eq!(o.key_file().unwrap().key_format, Some(KeyFormat::Pkcs1));
        assert_eq!(o.key_file().unwrap().mode, "0600");
        assert_eq!(o.key_info.as_ref().unwrap().describe(), "RSA 2048");
        assert_eq!(
            o.postman_host.as_deref(),
            Some("sample.authentication.cert.eu10.hana.ondemand.com")
        );
        assert!(o.notes.is_empty() && o.unrelated_certificates.is_empty());
        assert_eq!(o.exit_status(), ExitStatus::Ok);
        let chain = String::from_utf8(o.files()[0].contents.clone()).unwrap();
        assert_eq!(chain.matches("BEGIN CERTIFICATE").count(), 3);
    }

    #[test]
    fn pkcs8_and_split_plan_every_file() {
        let o = run(
            &ExtractOptions {
                pkcs8: true,
                split: true,
                ..opts(SAMPLE)
            },
            &NoSecrets,
        )
        .unwrap();
        let names: Vec<String> = planned(&o).into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            names,
            [
                "out/certificate.pem",
                "out/key.pem",
                "out/cert-1-sb-00000000-0000-0000-0000-000000000000-b1-it-rt-sample-b2.pem",
                "out/cert-2-btpcert-sample-client-ca.pem",
                "out/cert-3-btpcert-sample-root-ca.pem"
            ]
        );
        assert_eq!(o.key_file().unwrap().key_format, Some(KeyFormat::Pkcs8));
        assert!(String::from_utf8_lossy(&o.files()[1].contents)
            .starts_with("-----BEGIN PRIVATE KEY-----"));
        assert_eq!(
            o.files
                .iter()
                .filter(|f| f.content == "certificate")
                .count(),
            3
        );
    }

    #[test]
    fn an_external_certificate_key_has_no_key_file() {
        let o = run(&opts(EXTERNAL), &NoSecrets).unwrap();
        assert_eq!(planned(&o), [("out/certificate.pem".to_string(), false)]);
        assert_eq!(o.kind, Some(KeyKind::ExternalCertificate));
        assert_eq!(o.chain_file().content, "certificate");
        assert!(o.key_file().is_none() && o.key_info.is_none());
    }

    #[test]
    fn an_external_key_is_completed_from_roots_or_said_unfit() {
        // The sample key holds the intermediate and the root.
        let mut o = opts(EXTERNAL);
        o.roots.files = vec![SAMPLE.into()];
        let out = run(&o, &NoSecrets).unwrap();
        assert_eq!(out.chain.len(), 3);
        assert!(out.chain_complete && out.chain_problem.is_none());
        assert_eq!(out.added.len(), 2);
        assert!(out.added[1].ends_with("CN=btpcert Sample Root CA (added from --roots)"));
        assert_eq!(out.exit_status(), ExitStatus::Ok);
        let pem = String::from_utf8(out.files()[0].contents.clone()).unwrap();
        assert_eq!(pem.matches("BEGIN CERTIFICATE").count(), 3);
        // Without: the file is planned, said unfit, and the run ends with 1.
        let out = run(&opts(EXTERNAL), &NoSecrets).unwrap();
        assert!(!out.chain_complete);
        let p = out.chain_problem.as_deref().unwrap();
        assert!(p.contains("SAP's load balancer takes a client certificate only with its chain"));
        assert!(p.ends_with("run again with --roots FILE"));
        assert_eq!(out.files().len(), 1);
        assert_eq!(out.exit_status(), ExitStatus::Problems);
    }

    #[test]
    fn a_client_secret_key_is_refused() {
        let e = run(&opts(SECRET), &NoSecrets).unwrap_err();
        assert!(
            e.to_string()
                .contains("a ClientId/Secret service key holds no certificate"),
            "{e}"
        );
        assert!(e
            .to_string()
            .contains(r#"{"key-type": "certificate", "validity": 365, "key-length": 2048}"#));
    }

    #[test]
    fn an_encrypted_key_is_kept_or_decrypted_with_the_password_asked_for() {
        let sample = input::load(SAMPLE).unwrap();
        let pw = Secret::new("s3cret");
        let encrypted = sample.key.unwrap().to_encrypted_pkcs8(&pw).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bundle.pem");
        let chain: String = sample.certs.iter().map(Cert::to_pem).collect();
        std::fs::write(&file, chain + &encrypted.to_pem()).unwrap();
        let input = file.display().to_string();

        // Kept as it is: no password is needed.
        let kept = run(&opts(&input), &NoSecrets).unwrap();
        let key = kept.key_file().unwrap();
        assert_eq!(key.key_format, Some(KeyFormat::EncryptedPkcs8));
        assert!(kept.key_info.is_none());

        let decrypt = ExtractOptions {
            decrypt: true,
            ..opts(&input)
        };
        let plain = run(&decrypt, &Fixed(pw)).unwrap();
        assert_eq!(plain.key_file().unwrap().key_format, Some(KeyFormat::Pkcs8));
        assert!(plain.key_info.is_some());
        let wrong = run(&decrypt, &Fixed(Secret::new("nope"))).unwrap_err();
        assert!(wrong.to_string().contains("wrong password"), "{wrong}");
        let none = run(&decrypt, &NoSecrets).unwrap_err();
        assert!(none.to_string().contains("no password was given"), "{none}");
    }
}
