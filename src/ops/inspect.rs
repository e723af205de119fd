//! `inspect`: what files are and what they hold: the form of the input,
//! the service key's fields, every certificate and the private key.

use serde::Serialize;
use time::OffsetDateTime;

use crate::error::{ExitStatus, Result};
use crate::input::{self, Form, Loaded};
use crate::ops::trust::StoreCert;
use crate::ops::Outcome;
use crate::sap::audit::{effective_expiry, EffectiveExpiry};
use crate::sap::servicekey::KeyKind;
use crate::secret::SecretSource;
use crate::x509::cert::{CertInfo, KeyInfo};
use crate::x509::chain;
use crate::x509::key::KeyFormat;

/// What to inspect.
#[derive(Debug, Clone)]
pub struct InspectOptions {
    /// Service keys, PEM, DER, PKCS#7, PKCS#12 or JKS files; `-` for standard input.
    pub files: Vec<String>,
    /// The time validity is judged at.
    pub at: OffsetDateTime,
}

/// Every file inspected; `--json` prints it as it is.
#[derive(Debug, Serialize)]
pub struct InspectOutcome {
    /// One report per file, in the order given.
    pub files: Vec<FileReport>,
}

impl Outcome for InspectOutcome {
    /// 2 when a file could not be read, else 0.
    fn exit_status(&self) -> ExitStatus {
        if self.files.iter().any(|r| r.error.is_some()) {
            ExitStatus::Input
        } else {
            ExitStatus::Ok
        }
    }
}

/// What one file holds, or why it could not be read.
#[derive(Debug, Serialize)]
pub struct FileReport {
    /// The file as named (`<stdin>` for `-`).
    pub file: String,
    /// Why the file could not be read.
    pub error: Option<String>,
    /// How the input was written.
    pub form: Option<Form>,
    /// The service key's fields, for a service key.
    pub service_key: Option<ServiceKeyInfo>,
    /// Every certificate, in input order.
    pub certificates: Vec<CertInfo>,
    /// When the chain stops working: the earliest end among leaf and
    /// intermediates, and which certificate sets it.
    pub effective_expiry: Option<EffectiveExpiry>,
    /// The private key, without its value.
    pub private_key: Option<PrivateKeyInfo>,
    /// For a keystore (PKCS#12, JKS): each certificate as it holds it
    /// (alias, relation to the key, Java's trusted usage, SAP lists), in the
    /// order of `certificates`; empty for other inputs.
    pub entries: Vec<StoreCert>,
}

/// The fields of a service key worth seeing (never its secrets).
#[derive(Debug, Serialize)]
pub struct ServiceKeyInfo {
    /// Which kind of key.
    pub kind: KeyKind,
    /// The OAuth client id.
    pub clientid: Option<String>,
    /// The host of `url`.
    pub url_host: Option<String>,
    /// The host a token is requested from.
    pub tokenurl_host: Option<String>,
    /// When the key was created, as the key says.
    pub createdate: Option<String>,
    /// `certificate-pinning`, when the key says it.
    pub certificate_pinning: Option<bool>,
    /// Every field name of the key, in order.
    pub fields: Vec<String>,
}

/// What the private key is (never its value).
#[derive(Debug, Serialize)]
pub struct PrivateKeyInfo {
    /// How the key is written.
    pub format: KeyFormat,
    /// Whether it is encrypted.
    pub encrypted: bool,
    /// Algorithm and size; null while the key is encrypted.
    pub key: Option<KeyInfo>,
    /// Whether the key belongs to the first certificate; null when unknown.
    pub matches_leaf: Option<bool>,
}

/// Reads every file (PKCS#12 keystores with a password from `secrets`) and
/// describes it; a file that cannot be read is a report with its error.
pub fn run(opts: &InspectOptions, secrets: &dyn SecretSource) -> Result<InspectOutcome> {
    let files = opts
        .files
        .iter()
        .map(|f| match input::load_with(f, Some(secrets)) {
            Ok(l) => describe(&l, opts.at),
            Err(e) => FileReport {
                file: f.clone(),
                error: Some(e.to_string()),
                form: None,
                service_key: None,
                certificates: Vec::new(),
                effective_expiry: None,
                private_key: None,
                entries: Vec::new(),
            },
        })
        .collect();
    Ok(InspectOutcome { files })
}

/// What a loaded input holds, validity judged at `at`.
pub fn describe(l: &Loaded, at: OffsetDateTime) -> FileReport {
    let ordered = chain::order(&l.certs);
    let leaf = ordered.leaf().cloned();
    FileReport {
        file: l.name.clone(),
        error: None,
        form: Some(l.form),
        service_key: l.service_key.as_ref().map(|sk| ServiceKeyInfo {
            kind: sk.kind,
            clientid: sk.clientid.clone(),
            url_host: sk.url_host(),
            tokenurl_host: sk.token_host(),
            createdate: sk.createdate.clone(),
            certificate_pinning: sk.certificate_pinning,
            fields: sk.fields.clone(),
        }),
        // A long chain's certificates are described on every core.
        certificates: crate::x509::cert::par_map(l.certs.len(), |i| l.certs[i].info(at)),
        // A truststore's roots are no chain: each has its own end.
        effective_expiry: if l.is_truststore() {
            None
        } else {
            effective_expiry(&ordered.certs, at)
        },
        private_key: l.key.as_ref().map(|k| PrivateKeyInfo {
            format: k.format(),
            encrypted: k.is_encrypted(),
            key: k.info(),
            matches_leaf: leaf.as_ref().and_then(|c| k.matches(c)),
        }),
        entries: StoreCert::all_of(l, at),
    }
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

    fn at() -> OffsetDateTime {
        crate::x509::cert::parse_time("2030-01-01T00:00:00Z").unwrap()
    }

    #[test]
    fn a_service_key_with_its_chain_and_key() {
        let o = run(
            &InspectOptions {
                files: vec![SAMPLE.into(), EXTERNAL.into()],
                at: at(),
            },
            &NoSecrets,
        )
        .unwrap();
        assert_eq!(o.exit_status(), ExitStatus::Ok);
        let r = &o.files[0];
        assert_eq!(r.form, Some(Form::Cockpit));
        let sk = r.service_key.as_ref().unwrap();
        assert_eq!(sk.kind, KeyKind::Certificate);
        assert_eq!(
            sk.tokenurl_host.as_deref(),
            Some("sample.authentication.cert.eu10.hana.ondemand.com")
        );
        assert_eq!(r.certificates.len(), 3);
        assert!(r.certificates.iter().all(|c| !c.expired));
        let k = r.private_key.as_ref().unwrap();
        assert_eq!(
            (k.format, k.encrypted, k.matches_leaf),
            (KeyFormat::Pkcs1, false, Some(true))
        );
        let ext = &o.files[1];
        assert_eq!(
            ext.service_key.as_ref().unwrap().kind,
            KeyKind::ExternalCertificate
        );
        assert_eq!(
            ext.service_key.as_ref().unwrap().certificate_pinning,
            Some(true)
        );
        assert!(ext.private_key.is_none());
    }

    #[test]
    fn a_missing_file_is_a_report_with_its_error() {
        let o = run(
            &InspectOptions {
                files: vec!["/nonexistent/key.json".into(), SAMPLE.into()],
                at: at(),
            },
            &NoSecrets,
        )
        .unwrap();
        assert_eq!(o.exit_status(), ExitStatus::Input);
        let e = o.files[0].error.as_deref().unwrap();
        assert!(e.starts_with("/nonexistent/key.json: "), "{e}");
        assert!(o.files[0].form.is_none() && o.files[0].certificates.is_empty());
        assert!(o.files[1].error.is_none());
    }

    #[test]
    fn a_keystore_is_read_with_the_password_from_the_source() {
        let sample = input::load(SAMPLE).unwrap();
        let pw = Secret::new("changeit");
        let der = crate::keystore::pkcs12::build_keystore(
            sample.key.as_ref().unwrap(),
            &sample.certs,
            "client",
            crate::keystore::pkcs12::Profile::Modern,
            &pw,
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("client.p12");
        std::fs::write(&file, der).unwrap();
        let opts = InspectOptions {
            files: vec![file.display().to_string()],
            at: at(),
        };
        let o = run(&opts, &Fixed(pw)).unwrap();
        let r = &o.files[0];
        assert_eq!(r.form, Some(Form::Pkcs12));
        assert_eq!(r.certificates.len(), 3);
        assert_eq!(r.private_key.as_ref().unwrap().matches_leaf, Some(true));

        let o = run(&opts, &NoSecrets).unwrap();
        assert_eq!(o.exit_status(), ExitStatus::Input);
        let e = o.files[0].error.as_deref().unwrap();
        assert!(e.contains("no password was given"), "{e}");
    }
}
