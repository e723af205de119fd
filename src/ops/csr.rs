//! `csr`: a new private key and a certificate signing request for an
//! External Certificate key, so the user need not leave for openssl.

use std::path::PathBuf;

use serde::Serialize;

use crate::error::{ExitStatus, Result};
use crate::ops::Outcome;
use crate::secret::{Purpose, SecretSource};
use crate::write::{ensure_free, Planned};
use crate::x509::csr::{new_key, parse_subject, request, KeyType};

/// What to make.
#[derive(Debug, Clone)]
pub struct CsrOptions {
    /// Folder for `key.pem` and `request.csr`.
    pub out_dir: PathBuf,
    /// The common name, when no whole subject is given.
    pub cn: Option<String>,
    /// The whole subject (`/C=DE/O=Org/CN=name` or `CN=name, O=Org, C=DE`).
    pub subject: Option<String>,
    /// The kind of key.
    pub key_type: KeyType,
    /// Write the key unencrypted.
    pub no_password: bool,
    /// Whether existing files may be replaced.
    pub force: bool,
}

/// The key and request made.
#[derive(Debug, Serialize)]
pub struct CsrOutcome {
    /// The private key's file.
    pub key_file: String,
    /// Whether the key file is encrypted.
    pub key_encrypted: bool,
    /// The request's file.
    pub request_file: String,
    /// The kind of key.
    pub key_type: String,
    /// The subject requested, as (attribute, value), most general first.
    pub subject: Vec<(String, String)>,
    /// What the user should know.
    #[serde(skip)]
    pub notes: Vec<String>,
    /// The files, planned.
    #[serde(skip)]
    pub files: Vec<Planned>,
}

impl Outcome for CsrOutcome {
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

/// Makes the key and the request.
pub fn run(opts: &CsrOptions, secrets: &dyn SecretSource) -> Result<CsrOutcome> {
    let subject = match (&opts.subject, &opts.cn) {
        (Some(s), _) => parse_subject(s)?,
        (None, Some(cn)) => vec![("CN".to_string(), cn.clone())],
        (None, None) => {
            return Err(crate::error::Error::usage(
                "give the certificate's name with --cn NAME or --subject DN",
            ))
        }
    };
    let key_path = opts.out_dir.join("key.pem");
    let req_path = opts.out_dir.join("request.csr");
    ensure_free(&key_path, opts.force)?;
    ensure_free(&req_path, opts.force)?;
    let key = new_key(opts.key_type)?;
    let csr = request(&key, &subject)?;
    let mut notes = Vec::new();
    let key_pem = if opts.no_password {
        notes.push(format!(
            "{}: not encrypted, as asked; it is the only copy of your private key",
            key_path.display()
        ));
        key.to_pem()
    } else {
        let what = format!("password for {}", key_path.display());
        let pw = secrets.secret(&what, Purpose::Create)?;
        pw.check_password(&what)?;
        key.to_encrypted_pkcs8(&pw)?.to_pem()
    };
    Ok(CsrOutcome {
        key_file: key_path.display().to_string(),
        key_encrypted: !opts.no_password,
        request_file: req_path.display().to_string(),
        key_type: opts.key_type.describe(),
        subject,
        notes,
        files: vec![
            Planned::secret(&key_path, key_pem).creating_folder(),
            Planned::public(&req_path, csr).creating_folder(),
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::{Fixed, NoSecrets, Secret};

    fn opts() -> CsrOptions {
        CsrOptions {
            out_dir: PathBuf::from("/nonexistent/csr"),
            cn: Some("sender".into()),
            subject: None,
            key_type: KeyType::P256,
            no_password: true,
            force: false,
        }
    }

    #[test]
    fn a_key_and_a_request_are_planned() {
        let o = run(&opts(), &NoSecrets).unwrap();
        assert_eq!(o.files.len(), 2);
        assert!(o.files[0].secret && !o.files[1].secret);
        assert!(String::from_utf8_lossy(&o.files[1].contents).contains("CERTIFICATE REQUEST"));
        assert_eq!(o.subject, vec![("CN".to_string(), "sender".to_string())]);
    }

    #[test]
    fn the_key_is_encrypted_unless_asked_not_to() {
        let mut op = opts();
        op.no_password = false;
        let o = run(&op, &Fixed(Secret::new("pw"))).unwrap();
        assert!(String::from_utf8_lossy(&o.files[0].contents).contains("ENCRYPTED PRIVATE KEY"));
        op.cn = None;
        assert!(run(&op, &NoSecrets).is_err(), "a name is needed");
    }
}
