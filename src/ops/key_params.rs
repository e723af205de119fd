//! `key-params`: creation parameters for a new External Certificate key,
//! from an existing service key (leaf only, pinning as before).

use std::path::PathBuf;

use serde::Serialize;

use crate::error::{Error, ExitStatus, Result};
use crate::input;
use crate::ops::Outcome;
use crate::sanitize::sanitize;
use crate::sap::external;
use crate::sap::servicekey::KeyKind;
use crate::write::Planned;
use crate::x509::chain;

/// Where the old key is and where the parameters go.
#[derive(Debug, Clone)]
pub struct KeyParamsOptions {
    /// An existing External Certificate (or Certificate) service key.
    pub input: String,
    /// Write the parameters to this file instead of standard output.
    pub output: Option<PathBuf>,
}

/// The parameters of the new key.
#[derive(Debug, Serialize)]
pub struct KeyParamsOutcome {
    /// `{"key-type": "certificate_external", "X.509": ..., "certificate-pinning": ...}`.
    pub parameters: serde_json::Value,
    /// The file they are written to, if any.
    #[serde(skip)]
    pub output: Option<String>,
    /// What the user should know.
    #[serde(skip)]
    pub notes: Vec<String>,
    /// The parameters file, planned.
    #[serde(skip)]
    pub files: Vec<Planned>,
}

impl Outcome for KeyParamsOutcome {
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

/// Reads the old key and builds the parameters from its leaf and pinning.
pub fn run(opts: &KeyParamsOptions) -> Result<KeyParamsOutcome> {
    let loaded = input::load(&opts.input)?;
    let name = sanitize(&loaded.name).into_owned();
    let sk = loaded
        .service_key
        .as_ref()
        .ok_or_else(|| Error::input(format!("{name}: not a service key")))?;
    if sk.kind == KeyKind::ClientSecret {
        return Err(Error::input(format!(
            "{name}: a ClientId/Secret key has no certificate to re-use"
        )));
    }
    let ordered = chain::order(&loaded.certs);
    let leaf = ordered
        .leaf()
        .ok_or_else(|| Error::input(format!("{name}: holds no certificate")))?;
    let mut notes = Vec::new();
    if loaded.certs.len() > 1 {
        notes.push(format!(
            "{name}: the key holds a chain of {}; only the leaf goes into the parameters",
            loaded.certs.len()
        ));
    }
    notes.push("a certificate can be used in one service key only: delete the old key before creating the new one (cf delete-service-key, then cf create-service-key INSTANCE KEY -c FILE)".into());
    let parameters = external::key_parameters(leaf, sk.certificate_pinning);
    let files = opts
        .output
        .iter()
        .map(|p| Planned::public(p, external::parameters_text(&parameters)))
        .collect();
    Ok(KeyParamsOutcome {
        parameters,
        output: opts.output.as_ref().map(|p| p.display().to_string()),
        notes,
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn testdata(name: &str) -> String {
        format!("{}/testdata/{name}", env!("CARGO_MANIFEST_DIR"))
    }

    #[test]
    fn an_external_key_keeps_its_pinning() {
        let o = run(&KeyParamsOptions {
            input: testdata("service-key-external.json"),
            output: None,
        })
        .unwrap();
        assert_eq!(o.parameters["key-type"], "certificate_external");
        assert_eq!(o.parameters["certificate-pinning"], true);
        assert!(o.files.is_empty());
        assert_eq!(o.notes.len(), 1);
        assert!(o.notes[0].starts_with("a certificate can be used in one service key only"));
    }

    #[test]
    fn a_certificate_key_gives_its_leaf_only_into_a_file() {
        let o = run(&KeyParamsOptions {
            input: testdata("service-key.json"),
            output: Some("new.json".into()),
        })
        .unwrap();
        assert_eq!(o.notes.len(), 2);
        assert!(o.notes[0]
            .ends_with("the key holds a chain of 3; only the leaf goes into the parameters"));
        assert_eq!(o.files.len(), 1);
        assert_eq!(o.files[0].path, PathBuf::from("new.json"));
        assert!(!o.files[0].secret);
        assert_eq!(
            o.files[0].contents,
            external::parameters_text(&o.parameters).into_bytes()
        );
        assert_eq!(o.exit_status(), ExitStatus::Ok);
    }

    #[test]
    fn a_secret_key_or_a_certificate_is_refused() {
        let e = run(&KeyParamsOptions {
            input: testdata("service-key-secret.json"),
            output: None,
        })
        .unwrap_err();
        assert!(e
            .to_string()
            .ends_with("a ClientId/Secret key has no certificate to re-use"));
        let e = run(&KeyParamsOptions {
            input: testdata("sample-root.pem"),
            output: None,
        })
        .unwrap_err();
        assert!(e
            .to_string()
            .ends_with("sample-root.pem: not a service key"));
    }
}
