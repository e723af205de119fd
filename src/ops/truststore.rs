//! `truststore`: a PKCS#12 truststore Java reads as trusted entries, new or
//! added to an existing one. A look-alike (a certificate with the name of a
//! CA SAP lists but another fingerprint) is left out unless the user names
//! its fingerprint with `--accept-look-alike`.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, ExitStatus, Result};
use crate::input::{self, zip};
use crate::keystore::ffi::build_truststore;
use crate::keystore::pkcs12::{read_truststore, Profile};
use crate::keystore::truststore::{assemble, is_trust_anchor};
use crate::keystore::{jks, Format};
use crate::ops::{Outcome, StoreOptions};
use crate::sanitize::sanitize;
use crate::sap::trust_lists;
use crate::secret::{Purpose, SecretSource};
use crate::write::{ensure_free, Planned};
use crate::x509::cert::Cert;

/// What to build.
#[derive(Debug, Clone)]
pub struct TruststoreOptions {
    /// CA certificates (PEM, DER, bundles) or Connectivity Test zips.
    pub inputs: Vec<String>,
    /// The truststore to write; `None` means `add_to`, replaced.
    pub output: Option<PathBuf>,
    /// An existing truststore whose entries are kept.
    pub add_to: Option<PathBuf>,
    /// Profile and password.
    pub store: StoreOptions,
    /// Whether an existing file may be replaced.
    pub force: bool,
    /// Fingerprints of look-alike certificates the user accepts to add.
    pub accept_look_alike: Vec<String>,
}

/// One entry of the truststore.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// The alias Java shows.
    pub alias: String,
    /// The certificate's subject.
    pub subject_dn: String,
    /// SHA-256 fingerprint.
    pub fingerprint_sha256: String,
}

/// The truststore built.
#[derive(Debug, Serialize)]
pub struct TruststoreOutcome {
    /// The file to write.
    pub output: String,
    /// Every entry, kept ones first.
    pub entries: Vec<Entry>,
    /// How many entries came from the existing truststore.
    pub kept: usize,
    /// Encryption and MAC (of a PKCS#12 file).
    pub profile: Profile,
    /// The container written.
    pub format: Format,
    /// What the user should know.
    pub notes: Vec<String>,
    /// Look-alikes left out: subject and fingerprint of each.
    pub refused: Vec<Entry>,
    /// The file, planned.
    #[serde(skip)]
    pub files: Vec<Planned>,
}

impl TruststoreOutcome {
    /// The entries this run added.
    pub fn added(&self) -> &[Entry] {
        &self.entries[self.kept..]
    }
}

impl Outcome for TruststoreOutcome {
    /// 1 when a look-alike was left out, else 0.
    fn exit_status(&self) -> ExitStatus {
        ExitStatus::problems_if(!self.refused.is_empty())
    }
    fn notes(&self) -> &[String] {
        &self.notes
    }
    fn files(&self) -> &[Planned] {
        &self.files
    }
}

/// Reads the inputs and builds the truststore.
pub fn run(opts: &TruststoreOptions, secrets: &dyn SecretSource) -> Result<TruststoreOutcome> {
    let output = opts
        .output
        .clone()
        .or_else(|| opts.add_to.clone())
        .ok_or_else(|| Error::usage("give -o OUT.p12"))?;
    let mut notes = Vec::new();
    let mut new = Vec::new();
    for i in &opts.inputs {
        new.extend(ca_certs_of(i, &mut notes)?);
    }
    let refused = refuse_look_alikes(&mut new, &opts.accept_look_alike, &mut notes);
    if new.is_empty() && !refused.is_empty() {
        return Err(Error::input(format!(
            "no CA certificate to add: {}",
            notes.last().map(String::as_str).unwrap_or("")
        )));
    }
    if new.is_empty() {
        return Err(Error::input("no CA certificate in the input"));
    }
    let planned = plan(
        &output,
        opts.add_to.as_deref(),
        new,
        &opts.store,
        opts.force,
        secrets,
        &mut notes,
    )?;
    Ok(TruststoreOutcome {
        output: output.display().to_string(),
        entries: planned.entries,
        kept: planned.kept,
        profile: opts.store.profile,
        format: planned.format,
        notes,
        refused,
        files: vec![planned.file],
    })
}

/// Takes the look-alikes out of `certs`, but those whose fingerprint is in
/// `accepted`; a note names each, with both fingerprints.
fn refuse_look_alikes(
    certs: &mut Vec<Cert>,
    accepted: &[String],
    notes: &mut Vec<String>,
) -> Vec<Entry> {
    let mut refused = Vec::new();
    certs.retain(|c| {
        let fp = c.sha256();
        let Some(real) = trust_lists::look_alike(&c.common_name(), &fp) else {
            return true;
        };
        let listed = real.sha256.unwrap_or("-");
        if accepted.iter().any(|a| trust_lists::same_fingerprint(a, &fp)) {
            notes.push(format!(
                "'{}' (SHA-256 {fp}) is not the CA SAP lists under that name (SAP's has {listed}); added as asked with --accept-look-alike",
                c.common_name()
            ));
            return true;
        }
        notes.push(format!(
            "'{}' (SHA-256 {fp}) carries the name of a CA SAP lists but is another certificate (SAP's has SHA-256 {listed}): left out; if you trust it anyway, name it: --accept-look-alike {fp}",
            c.common_name()
        ));
        refused.push(Entry {
            alias: String::new(),
            subject_dn: c.subject_dn(),
            fingerprint_sha256: fp,
        });
        false
    });
    refused
}

/// The CA certificates of one input (file or zip); other certificates are
/// left out with a note.
pub fn ca_certs_of(path: &str, notes: &mut Vec<String>) -> Result<Vec<Cert>> {
    let (name, bytes) = input::read_source(path)?;
    let name = sanitize(&name).into_owned();
    let certs: Vec<Cert> = if zip::is_zip(&bytes) {
        let z = zip::read(&bytes).map_err(|e| e.with_path(&name))?;
        z.certs.into_iter().map(|(_, c)| c).collect()
    } else {
        input::load_bytes(&name, &bytes)
            .map_err(|e| e.with_path(&name))?
            .certs
    };
    let (cas, leaves): (Vec<Cert>, Vec<Cert>) = certs.into_iter().partition(is_trust_anchor);
    for l in &leaves {
        notes.push(format!(
            "{name}: '{}' is not a CA certificate and is left out of the truststore",
            l.subject_dn()
        ));
    }
    Ok(cas)
}

/// A truststore planned: the file and its entries.
#[derive(Debug)]
pub struct PlannedStore {
    /// The file to write.
    pub file: Planned,
    /// Its entries, kept ones first.
    pub entries: Vec<Entry>,
    /// How many were kept from the existing truststore.
    pub kept: usize,
    /// The container written.
    pub format: Format,
}

/// Plans a truststore at `output` holding `new`, keeping the entries of
/// `add_to` when given (then `output` may replace it). Asks for the
/// password and builds the file; writing is the caller's.
pub fn plan(
    output: &Path,
    add_to: Option<&Path>,
    new: Vec<Cert>,
    store: &StoreOptions,
    force: bool,
    secrets: &dyn SecretSource,
    notes: &mut Vec<String>,
) -> Result<PlannedStore> {
    let replacing_add_to = add_to == Some(output);
    if !replacing_add_to {
        ensure_free(output, force)?;
    }
    let what = format!("password for {}", output.display());
    let purpose = if add_to.is_none() {
        Purpose::Create
    } else {
        Purpose::Open
    };
    let pw = store.password(&what, purpose, secrets, notes)?;
    let (existing, existing_format) = match add_to {
        Some(path) => {
            let (_, bytes) = input::read_source(&path.display().to_string())?;
            read_trusted(&bytes, &pw).map_err(|e| e.with_path(path.display()))?
        }
        None => (Vec::new(), None),
    };
    // As asked, else by name, else as the store added to (Debian's
    // `cacerts` is a JKS without extension), else PKCS#12.
    let format = match (store.format, Format::for_output(output, None)) {
        (Some(f), _) => Format::for_output(output, Some(f))?,
        (None, Ok(f)) if output.extension().is_some() => f,
        _ => existing_format.unwrap_or(Format::Pkcs12),
    };
    let (entries, kept) = assemble(existing, new);
    let der = match format {
        Format::Pkcs12 => build_truststore(&entries, store.profile, &pw)?,
        Format::Jks => {
            let list: Vec<jks::Entry> = entries
                .iter()
                .map(|(alias, cert)| jks::Entry::Trusted {
                    alias: alias.clone(),
                    cert: cert.clone(),
                })
                .collect();
            jks::write(&list, &pw)?
        }
    };
    let mut file = Planned::secret(output, der);
    if replacing_add_to {
        file = file.replacing();
    }
    let entries = entries
        .iter()
        .map(|(alias, c)| Entry {
            alias: alias.clone(),
            subject_dn: c.subject_dn(),
            fingerprint_sha256: c.sha256(),
        })
        .collect();
    Ok(PlannedStore {
        file,
        entries,
        kept,
        format,
    })
}

/// Truststore entries: (alias, certificate).
type Entries = Vec<(String, Cert)>;

/// The trusted certificates of an existing PKCS#12 or JKS truststore, with
/// their aliases, and its format.
fn read_trusted(bytes: &[u8], pw: &crate::secret::Secret) -> Result<(Entries, Option<Format>)> {
    if jks::is_jks(bytes) {
        let mut out = Vec::new();
        for e in jks::read(bytes, pw)? {
            match e {
                jks::Entry::Trusted { alias, cert } => out.push((alias, cert)),
                jks::Entry::Key { alias, .. } => {
                    return Err(Error::input(format!(
                        "holds the private key entry '{}': it is a keystore, not a truststore",
                        sanitize(&alias)
                    )))
                }
            }
        }
        return Ok((out, Some(Format::Jks)));
    }
    Ok((read_truststore(bytes, pw)?, Some(Format::Pkcs12)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keystore::pkcs12::Profile;
    use crate::sap::trust_lists::testing::look_alike_g2;
    use crate::secret::NoSecrets;

    const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/sample-root.pem");

    fn opts(inputs: Vec<String>) -> TruststoreOptions {
        TruststoreOptions {
            inputs,
            output: Some("/nonexistent/trust.p12".into()),
            add_to: None,
            store: StoreOptions {
                profile: Profile::Modern,
                no_password: true,
                format: None,
            },
            force: false,
            accept_look_alike: Vec::new(),
        }
    }

    #[test]
    fn a_look_alike_is_left_out_unless_named() {
        let fake = look_alike_g2();
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("fake.pem");
        std::fs::write(&f, fake.to_pem()).unwrap();
        let inputs = vec![f.display().to_string(), ROOT.to_string()];
        let o = run(&opts(inputs.clone()), &NoSecrets).unwrap();
        assert_eq!(o.entries.len(), 1);
        assert_eq!(o.refused.len(), 1);
        assert_eq!(o.refused[0].fingerprint_sha256, fake.sha256());
        assert_eq!(o.exit_status(), ExitStatus::Problems);
        assert!(o.notes.iter().any(|n| n.contains("--accept-look-alike")));
        let mut accept = opts(inputs);
        accept.accept_look_alike = vec![fake.sha256().to_lowercase()];
        let o = run(&accept, &NoSecrets).unwrap();
        assert_eq!((o.entries.len(), o.refused.len()), (2, 0));
        assert_eq!(o.exit_status(), ExitStatus::Ok);
        let e = run(&opts(vec![f.display().to_string()]), &NoSecrets).unwrap_err();
        assert!(e.to_string().starts_with("no CA certificate to add"), "{e}");
    }
}
