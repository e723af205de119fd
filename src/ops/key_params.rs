//! `key-params`: creation parameters for new service keys, from old ones:
//! an External Certificate key that reuses an old key's certificate (leaf
//! only, pinning as before), or a new Certificate (SAP-generated) key with
//! its validity and key length. Several old keys give one parameters file
//! each. The steps that follow are SAP's (`../shared/sap-facts.md`,
//! "Service key creation parameters" and "Deprecated grant type").

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, ExitStatus, Result};
use crate::input;
use crate::ops::Outcome;
use crate::sanitize::sanitize;
use crate::sap::external;
use crate::sap::servicekey::KeyKind;
use crate::write::Planned;
use crate::x509::chain;

/// The type of key to create, as SAP's `key-type` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum KeyType {
    /// `certificate`: SAP generates certificate and key.
    #[serde(rename = "certificate")]
    Certificate,
    /// `certificate_external`: the user's certificate, the leaf only.
    #[serde(rename = "certificate_external")]
    CertificateExternal,
}

/// Where the old keys are and where the parameters go.
#[derive(Debug, Clone, Default)]
pub struct KeyParamsOptions {
    /// Existing service keys; none is needed for a Certificate key.
    pub inputs: Vec<String>,
    /// With one input (or none): write the parameters to this file instead
    /// of standard output.
    pub output: Option<PathBuf>,
    /// With several inputs: the folder for one `<name>-params.json` each.
    pub out_dir: Option<PathBuf>,
    /// The type of the new keys; `None` reuses each old key's certificate
    /// (External Certificate), or means Certificate when `validity` or
    /// `key_length` is given.
    pub key_type: Option<KeyType>,
    /// Validity of a Certificate key, days.
    pub validity: Option<u32>,
    /// Key length of a Certificate key, bits.
    pub key_length: Option<u32>,
}

/// The parameters of one new key.
#[derive(Debug, Serialize)]
pub struct NewKey {
    /// The old key it replaces, as named; null without one.
    pub input: Option<String>,
    /// The old key's kind.
    pub kind: Option<KeyKind>,
    /// The parameters.
    pub parameters: serde_json::Value,
    /// The file they are written to, if any.
    pub output: Option<String>,
}

/// The parameters of the new keys.
#[derive(Debug, Serialize)]
pub struct KeyParamsOutcome {
    /// The parameters of the first (or only) key:
    /// `{"key-type": "certificate_external", "X.509": ..., "certificate-pinning": ...}`
    /// or `{"key-type": "certificate", "validity": ..., "key-length": ...}`.
    pub parameters: serde_json::Value,
    /// One per key, in the order given.
    pub keys: Vec<NewKey>,
    /// The file the first key's parameters are written to, if any.
    #[serde(skip)]
    pub output: Option<String>,
    /// What the user should know: SAP's next steps.
    #[serde(skip)]
    pub notes: Vec<String>,
    /// The parameters files, planned.
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

/// The steps after an External Certificate key's parameters: delete, then
/// create, and mind the minutes between.
pub const EXTERNAL_NEXT_STEPS: &str = "next, for each old key: delete it, then create the new one (cf delete-service-key INSTANCE OLD-KEY, then cf create-service-key INSTANCE NEW-KEY -c FILE). In that order: a certificate can be in one service key only, and creating the new key first fails with \"Certificate already exists for Follower within Leader with appid [...]\". Between the two commands no key exists and the sender cannot call: plan those minutes";

/// The step after a Certificate key's parameters.
pub const CERTIFICATE_NEXT_STEPS: &str = "next: cf create-service-key INSTANCE NEW-KEY -c FILE; SAP generates the certificate and its key (btpcert extract writes them for the sender). The old key can stay until the sender uses the new one";

/// Reads the old keys and builds one set of parameters for each.
pub fn run(opts: &KeyParamsOptions) -> Result<KeyParamsOutcome> {
    run_with(opts, &crate::secret::NoSecrets)
}

/// Like [`run`]; an input may also be a keystore (PKCS#12, JKS), opened
/// with a password from `secrets`: its leaf becomes the certificate of an
/// External Certificate key.
pub fn run_with(
    opts: &KeyParamsOptions,
    secrets: &dyn crate::secret::SecretSource,
) -> Result<KeyParamsOutcome> {
    let key_type = key_type(opts)?;
    let certificate = match key_type {
        KeyType::Certificate => Some(external::certificate_parameters(
            opts.validity,
            opts.key_length,
        )?),
        KeyType::CertificateExternal => None,
    };
    if opts.inputs.len() > 1 && opts.out_dir.is_none() {
        return Err(Error::usage(
            "several keys: give --out-dir DIR, which gets one parameters file per key",
        ));
    }
    if opts.inputs.is_empty() && certificate.is_none() {
        return Err(Error::usage(
            "give the old service key (KEYFILE), or --type certificate for a new Certificate key",
        ));
    }
    let mut notes = Vec::new();
    let mut keys = Vec::new();
    for input in &opts.inputs {
        keys.push(new_key(
            input,
            certificate.as_ref(),
            opts,
            secrets,
            &mut notes,
        )?);
    }
    if keys.is_empty() {
        keys.push(NewKey {
            input: None,
            kind: None,
            parameters: certificate.clone().expect("checked above"),
            output: opts.output.as_ref().map(|p| p.display().to_string()),
        });
    }
    check_names(&keys)?;
    notes.push(
        match key_type {
            KeyType::Certificate => CERTIFICATE_NEXT_STEPS,
            KeyType::CertificateExternal => EXTERNAL_NEXT_STEPS,
        }
        .into(),
    );
    // `--out-dir DIR` is a folder output (created when missing), `-o FILE`
    // a file output (its folder must exist).
    let folder = opts.out_dir.is_some();
    let files = keys
        .iter()
        .filter_map(|k| {
            k.output.as_ref().map(|p| {
                let f = Planned::public(p, external::parameters_text(&k.parameters));
                if folder {
                    f.creating_folder()
                } else {
                    f
                }
            })
        })
        .collect();
    Ok(KeyParamsOutcome {
        parameters: keys[0].parameters.clone(),
        output: keys[0].output.clone(),
        keys,
        notes,
        files,
    })
}

/// The type asked for, or implied: `--validity` and `--key-length` are a
/// Certificate key's.
fn key_type(opts: &KeyParamsOptions) -> Result<KeyType> {
    let sizing = opts.validity.is_some() || opts.key_length.is_some();
    match (opts.key_type, sizing) {
        (Some(KeyType::CertificateExternal), true) => Err(Error::usage(
            "--validity and --key-length are for a Certificate key (--type certificate); an External Certificate key takes your certificate as it is",
        )),
        (Some(t), _) => Ok(t),
        (None, true) => Ok(KeyType::Certificate),
        (None, false) => Ok(KeyType::CertificateExternal),
    }
}

/// The parameters for one old key, and the notes it needs.
fn new_key(
    input: &str,
    certificate: Option<&serde_json::Value>,
    opts: &KeyParamsOptions,
    secrets: &dyn crate::secret::SecretSource,
    notes: &mut Vec<String>,
) -> Result<NewKey> {
    let (loaded, _) = input::load_with(input, Some(secrets))?.key_chain_only()?;
    let name = sanitize(&loaded.name).into_owned();
    let output = match (&opts.out_dir, &opts.output) {
        (Some(dir), _) => Some(dir.join(params_name(input)).display().to_string()),
        (None, Some(p)) => Some(p.display().to_string()),
        (None, None) => None,
    };
    if matches!(loaded.form, input::Form::Pkcs12 | input::Form::Jks) {
        // A keystore's key certificate (the leaf): an External Certificate key.
        let parameters = match certificate {
            Some(p) => p.clone(),
            None => {
                let ordered = chain::order(&loaded.certs);
                let leaf = match loaded.key {
                    Some(_) => loaded.certs.first(),
                    None => ordered.leaf(),
                }
                .ok_or_else(|| Error::input(format!("{name}: holds no certificate")))?
                .clone();
                if loaded.certs.len() > 1 {
                    notes.push(format!(
                        "{name}: the keystore holds a chain of {}; only the leaf goes into the parameters",
                        loaded.certs.len()
                    ));
                }
                external::key_parameters(&leaf, None)
            }
        };
        return Ok(NewKey {
            input: Some(loaded.name.clone()),
            kind: None,
            parameters,
            output,
        });
    }
    let sk = loaded
        .service_key
        .as_ref()
        .ok_or_else(|| Error::input(format!("{name}: not a service key")))?;
    let parameters = match certificate {
        Some(p) => p.clone(),
        None => external_parameters(&loaded, sk.kind, sk.certificate_pinning, &name, notes)?,
    };
    Ok(NewKey {
        input: Some(loaded.name.clone()),
        kind: Some(sk.kind),
        parameters,
        output,
    })
}

/// An External Certificate key's parameters from an old key's leaf.
fn external_parameters(
    loaded: &input::Loaded,
    kind: KeyKind,
    pinning: Option<bool>,
    name: &str,
    notes: &mut Vec<String>,
) -> Result<serde_json::Value> {
    if kind == KeyKind::ClientSecret {
        return Err(Error::input(format!(
            "{name}: a ClientId/Secret key has no certificate to re-use; --type certificate gives the parameters of a new Certificate key, {}",
            external::default_certificate_parameters()
        )));
    }
    let ordered = chain::order(&loaded.certs);
    let leaf = ordered
        .leaf()
        .ok_or_else(|| Error::input(format!("{name}: holds no certificate")))?;
    if loaded.certs.len() > 1 {
        notes.push(format!(
            "{name}: the key holds a chain of {}; only the leaf goes into the parameters",
            loaded.certs.len()
        ));
    }
    if kind == KeyKind::Certificate {
        notes.push(format!(
            "{name}: a Certificate key: save its private key before you delete it (btpcert extract {name} -o DIR). The new External Certificate key reuses this certificate, and SAP keeps no copy of its key"
        ));
    }
    Ok(external::key_parameters(leaf, pinning))
}

/// `old-key.json` -> `old-key-params.json`.
fn params_name(input: &str) -> String {
    let stem = Path::new(input)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty() && s != "-")
        .unwrap_or_else(|| "key".into());
    format!("{stem}-params.json")
}

/// Two old keys of the same name would write one file twice.
fn check_names(keys: &[NewKey]) -> Result<()> {
    for (i, k) in keys.iter().enumerate() {
        if let Some(out) = &k.output {
            if keys[..i].iter().any(|o| o.output.as_ref() == Some(out)) {
                return Err(Error::usage(format!(
                    "two keys would both be written to {}: rename one of them",
                    sanitize(out)
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn testdata(name: &str) -> String {
        format!("{}/testdata/{name}", env!("CARGO_MANIFEST_DIR"))
    }

    fn one(input: &str) -> KeyParamsOptions {
        KeyParamsOptions {
            inputs: vec![testdata(input)],
            ..KeyParamsOptions::default()
        }
    }

    #[test]
    fn an_external_key_keeps_its_pinning() {
        let o = run(&one("service-key-external.json")).unwrap();
        assert_eq!(o.parameters["key-type"], "certificate_external");
        assert_eq!(o.parameters["certificate-pinning"], true);
        assert!(o.files.is_empty());
        assert_eq!(o.notes, [EXTERNAL_NEXT_STEPS]);
        assert!(o.notes[0].contains("Certificate already exists for Follower within Leader"));
        assert!(o.notes[0].contains("plan those minutes"));
    }

    #[test]
    fn a_certificate_key_gives_its_leaf_only_into_a_file() {
        let o = run(&KeyParamsOptions {
            output: Some("new.json".into()),
            ..one("service-key.json")
        })
        .unwrap();
        assert_eq!(o.notes.len(), 3);
        assert!(o.notes[0]
            .ends_with("the key holds a chain of 3; only the leaf goes into the parameters"));
        assert!(o.notes[1].contains("save its private key before you delete it (btpcert extract"));
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
    fn several_keys_give_one_file_each() {
        let opts = KeyParamsOptions {
            inputs: vec![
                testdata("service-key.json"),
                testdata("service-key-external.json"),
            ],
            out_dir: Some("new".into()),
            ..KeyParamsOptions::default()
        };
        let o = run(&opts).unwrap();
        let names: Vec<_> = o.files.iter().map(|f| f.path.clone()).collect();
        assert_eq!(
            names,
            [
                PathBuf::from("new/service-key-params.json"),
                PathBuf::from("new/service-key-external-params.json")
            ]
        );
        assert_eq!(o.keys[1].kind, Some(KeyKind::ExternalCertificate));
        assert_eq!(o.notes.last().unwrap(), EXTERNAL_NEXT_STEPS);
        // Without a folder: refused, naming the option.
        let e = run(&KeyParamsOptions {
            out_dir: None,
            ..opts.clone()
        })
        .unwrap_err();
        assert!(e.to_string().contains("--out-dir DIR"), "{e}");
        // The same name twice: refused.
        let e = run(&KeyParamsOptions {
            inputs: vec![testdata("service-key.json"), testdata("service-key.json")],
            ..opts
        })
        .unwrap_err();
        assert!(e.to_string().contains("rename one of them"), "{e}");
    }

    #[test]
    fn a_certificate_key_with_validity_and_key_length() {
        let o = run(&KeyParamsOptions {
            validity: Some(90),
            ..KeyParamsOptions::default()
        })
        .unwrap();
        assert_eq!(
            o.parameters,
            serde_json::json!({"key-type": "certificate", "validity": 90, "key-length": 2048})
        );
        assert_eq!(o.notes, [CERTIFICATE_NEXT_STEPS]);
        // For a ClientId/Secret key too, one per key.
        let o = run(&KeyParamsOptions {
            key_type: Some(KeyType::Certificate),
            ..one("service-key-secret.json")
        })
        .unwrap();
        assert_eq!(o.parameters["validity"], 365);
        assert_eq!(o.keys[0].kind, Some(KeyKind::ClientSecret));
        for (validity, key_length, text) in [
            (Some(0), None, "validity 0: SAP accepts 1 to 365 days"),
            (Some(366), None, "validity 366: SAP accepts 1 to 365 days"),
            (None, Some(4096), "key length 4096: SAP documents 2048 bits"),
        ] {
            let e = run(&KeyParamsOptions {
                validity,
                key_length,
                ..KeyParamsOptions::default()
            })
            .unwrap_err();
            assert!(e.to_string().starts_with(text), "{e}");
            assert_eq!(e.exit_code(), 2);
        }
        let e = run(&KeyParamsOptions {
            key_type: Some(KeyType::CertificateExternal),
            validity: Some(30),
            ..one("service-key.json")
        })
        .unwrap_err();
        assert!(e.to_string().contains("are for a Certificate key"), "{e}");
    }

    #[test]
    fn a_secret_key_or_a_certificate_is_refused() {
        let e = run(&one("service-key-secret.json")).unwrap_err();
        assert!(e
            .to_string()
            .contains("a ClientId/Secret key has no certificate to re-use; --type certificate"));
        let e = run(&one("sample-root.pem")).unwrap_err();
        assert!(e
            .to_string()
            .ends_with("sample-root.pem: not a service key"));
        let e = run(&KeyParamsOptions::default()).unwrap_err();
        assert!(e.to_string().contains("--type certificate"), "{e}");
    }
}
