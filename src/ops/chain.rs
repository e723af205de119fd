//! `chain split`: a bundle in, one file per certificate out, numbered leaf
//! first, with the certificates on no path from the leaf after them.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, ExitStatus, Result};
use crate::input;
use crate::ops::Outcome;
use crate::sanitize::{file_slug, sanitize};
use crate::write::Planned;
use crate::x509::cert::Cert;
use crate::x509::chain::{self, Chain};

/// What to split.
#[derive(Debug, Clone)]
pub struct SplitOptions {
    /// Service key, PEM bundle or DER file; `-` for standard input.
    pub file: String,
    /// The folder to write into (created if missing).
    pub out_dir: PathBuf,
    /// Also write the chain (leaf first, unrelated certificates left out)
    /// as `chain.p7b`, DER PKCS#7.
    pub p7b: bool,
}

/// One file of the split.
#[derive(Debug, Serialize)]
pub struct SplitFile {
    /// The file to write.
    pub path: String,
    /// The subject of the certificate it holds.
    pub subject: String,
}

/// The chain as one DER PKCS#7 file.
#[derive(Debug, Serialize)]
pub struct SplitP7b {
    /// The file to write.
    pub path: String,
    /// The subjects of its certificates, leaf first.
    pub subjects: Vec<String>,
}

/// The files planned, in order: the path leaf first, then the unrelated
/// certificates.
#[derive(Debug, Serialize)]
pub struct SplitOutcome {
    /// One entry per file, in the order of `files`.
    pub certificates: Vec<SplitFile>,
    /// What the user should know: order, duplicates, unrelated certificates.
    pub notes: Vec<String>,
    /// With `--p7b`: the `chain.p7b` planned, and the subjects in it, leaf first.
    pub p7b: Option<SplitP7b>,
    /// The files, planned.
    #[serde(skip)]
    pub files: Vec<Planned>,
}

impl Outcome for SplitOutcome {
    fn exit_status(&self) -> ExitStatus {
        ExitStatus::Ok
    }
    fn notes(&self) -> &[String] {
        &self.notes
    }
    fn files(&self) -> &[Planned] {
        &self.files
    }
}

/// Reads the input, orders it and plans one file per certificate.
pub fn split(opts: &SplitOptions) -> Result<SplitOutcome> {
    let loaded = input::load(&opts.file)?;
    if loaded.certs.is_empty() {
        return Err(Error::input(format!(
            "{}: holds no certificate",
            sanitize(&loaded.name)
        )));
    }
    let ordered = chain::order(&loaded.certs);
    let mut notes = Vec::new();
    if ordered.reordered {
        notes.push(
            "the input was not in leaf-first order; the files are numbered leaf first".to_string(),
        );
    }
    if !ordered.duplicates.is_empty() {
        notes.push(format!(
            "{} duplicate certificate(s) written once",
            ordered.duplicates.len()
        ));
    }
    for c in &ordered.unrelated {
        notes.push(format!(
            "'{}' belongs to no path from the leaf",
            c.subject_dn()
        ));
    }
    let (mut files, certificates): (Vec<Planned>, Vec<SplitFile>) =
        split_plan(&ordered, &opts.out_dir)
            .into_iter()
            .map(|(f, c)| {
                let entry = SplitFile {
                    path: f.path.display().to_string(),
                    subject: c.subject_dn(),
                };
                (f, entry)
            })
            .unzip();
    let p7b = opts.p7b.then(|| {
        let path = opts.out_dir.join(crate::ops::extract::P7B);
        files.push(
            Planned::public(&path, crate::x509::material::pkcs7_der(&ordered.certs))
                .creating_folder(),
        );
        SplitP7b {
            path: path.display().to_string(),
            subjects: ordered.certs.iter().map(Cert::subject_dn).collect(),
        }
    });
    Ok(SplitOutcome {
        certificates,
        notes,
        p7b,
        files,
    })
}

/// One file per certificate, with the certificate it holds:
/// `cert-1-<cn>.pem` leaf first, then `unrelated-1-<cn>.pem` for
/// certificates on no path.
pub fn split_plan<'a>(chain: &'a Chain, dir: &Path) -> Vec<(Planned, &'a Cert)> {
    let numbered = chain
        .certs
        .iter()
        .enumerate()
        .map(|(i, c)| (format!("cert-{}", i + 1), c))
        .chain(
            chain
                .unrelated
                .iter()
                .enumerate()
                .map(|(i, c)| (format!("unrelated-{}", i + 1), c)),
        );
    numbered
        .map(|(prefix, c)| {
            let name = format!("{prefix}-{}.pem", file_slug(&c.common_name()));
            (
                Planned::public(dir.join(name), c.to_pem()).creating_folder(),
                c,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/service-key.json");
    const SECRET: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/service-key-secret.json"
    );

    #[test]
    fn plans_one_public_file_per_certificate_leaf_first() {
        let o = split(&SplitOptions {
            p7b: false,
            file: SAMPLE.into(),
            out_dir: "out".into(),
        })
        .unwrap();
        let names: Vec<String> = o
            .files
            .iter()
            .map(|f| f.path.display().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "out/cert-1-sb-00000000-0000-0000-0000-000000000000-b1-it-rt-sample-b2.pem",
                "out/cert-2-btpcert-sample-client-ca.pem",
                "out/cert-3-btpcert-sample-root-ca.pem"
            ]
        );
        assert!(o.files.iter().all(|f| !f.secret && !f.replace));
        assert_eq!(o.certificates.len(), 3);
        assert_eq!(o.certificates[0].path, names[0]);
        assert!(o.certificates[2]
            .subject
            .ends_with("CN=btpcert Sample Root CA"));
        assert!(o.notes.is_empty());
        assert_eq!(o.exit_status(), ExitStatus::Ok);
    }

    #[test]
    fn a_key_without_certificates_is_an_error() {
        let e = split(&SplitOptions {
            p7b: false,
            file: SECRET.into(),
            out_dir: "out".into(),
        })
        .unwrap_err();
        assert!(e.to_string().ends_with("holds no certificate"), "{e}");
    }
}
