//! `p12`: a PKCS#12 keystore with the private key and the whole chain.

use std::path::PathBuf;

use serde::Serialize;

use crate::error::{ExitStatus, Result};
use crate::input;
use crate::keystore::pkcs12::{build_keystore, Profile};
use crate::keystore::{jks, Format};
use crate::ops::{identity, IdentityOptions, Outcome, StoreOptions};
use crate::secret::{Purpose, SecretSource};
use crate::write::{ensure_free, Planned};

/// What to build.
#[derive(Debug, Clone)]
pub struct P12Options {
    /// Service key, or certificate and key files.
    pub inputs: Vec<String>,
    /// The PKCS#12 file to write.
    pub output: PathBuf,
    /// Alias (friendly name) of the key entry.
    pub alias: String,
    /// Profile and password.
    pub store: StoreOptions,
    /// How key and chain are taken.
    pub identity: IdentityOptions,
    /// Whether an existing file may be replaced.
    pub force: bool,
}

/// The keystore built.
#[derive(Debug, Serialize)]
pub struct P12Outcome {
    /// The file to write.
    pub output: String,
    /// The alias as Java shows it (lower case).
    pub alias: String,
    /// Certificates in the key entry, leaf first.
    pub certificates: usize,
    /// Encryption and MAC (of a PKCS#12 file).
    pub profile: Profile,
    /// The container written.
    pub format: Format,
    /// What the user should know.
    pub notes: Vec<String>,
    /// The file, planned.
    #[serde(skip)]
    pub files: Vec<Planned>,
}

impl Outcome for P12Outcome {
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

/// Reads the inputs, checks key and chain, and builds the keystore.
pub fn run(opts: &P12Options, secrets: &dyn SecretSource) -> Result<P12Outcome> {
    let bundle = input::load_many(&opts.inputs)?;
    let id = identity::key_and_chain(bundle, &opts.identity, secrets)?;
    ensure_free(&opts.output, opts.force)?;
    let mut notes = id.notes;
    let what = format!("password for {}", opts.output.display());
    let pw = opts
        .store
        .password(&what, Purpose::Create, secrets, &mut notes)?;
    let format = Format::for_output(&opts.output, opts.store.format)?;
    let der = match format {
        Format::Pkcs12 => build_keystore(&id.key, &id.chain, &opts.alias, opts.store.profile, &pw)?,
        Format::Jks => jks::write(
            &[jks::Entry::Key {
                alias: opts.alias.to_lowercase(),
                key: id.key,
                chain: id.chain.clone(),
            }],
            &pw,
        )?,
    };
    Ok(P12Outcome {
        output: opts.output.display().to_string(),
        alias: opts.alias.to_lowercase(),
        certificates: id.chain.len(),
        profile: opts.store.profile,
        format,
        notes,
        files: vec![Planned::secret(&opts.output, der)],
    })
}
