//! `btpcert key-params`: creation parameters for new service keys from old
//! ones: an External Certificate key reusing the certificate (leaf only,
//! pinning as before), or a Certificate key with validity and key length.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::args::{CliSecrets, ForceArgs, OpenEmptyArgs, PasswordArgs};
use crate::error::{ExitStatus, Result};
use crate::ops::key_params::{self, KeyParamsOptions, KeyParamsOutcome, KeyType};
use crate::sanitize::sanitize;
use crate::sap::external::parameters_text;

/// The type of key to create, as SAP names it.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KeyTypeArg {
    /// A Certificate key: SAP generates certificate and key
    #[value(name = "certificate")]
    Certificate,
    /// An External Certificate key reusing the old key's certificate
    #[value(name = "certificate_external")]
    CertificateExternal,
}

/// `btpcert key-params`.
#[derive(Debug, Args)]
pub struct KeyParamsArgs {
    /// Existing service keys (External Certificate or Certificate; any kind with --type certificate), or keystores (PKCS#12, JKS) whose leaf to reuse
    #[arg(value_name = "KEYFILE")]
    pub inputs: Vec<String>,
    /// Write the parameters to FILE instead of standard output (one key)
    #[arg(short, long, value_name = "FILE", conflicts_with = "out_dir")]
    pub output: Option<PathBuf>,
    /// Write one NAME-params.json per key into DIR (several keys)
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// The new key's type [default: certificate_external, reusing each old
    /// key's certificate; certificate with --validity or --key-length]
    #[arg(long = "type", value_enum, value_name = "KEY_TYPE")]
    pub key_type: Option<KeyTypeArg>,
    /// Validity of a Certificate key in days, 1 to 365 [default: 365]
    #[arg(long, value_name = "DAYS")]
    pub validity: Option<u32>,
    /// Key length of a Certificate key in bits; SAP documents 2048 [default: 2048]
    #[arg(long, value_name = "BITS")]
    pub key_length: Option<u32>,
    #[command(flatten)]
    pub force: ForceArgs,
    /// For keystores given: where their password comes from
    #[command(flatten)]
    pub password: PasswordArgs,
    #[command(flatten)]
    pub open_empty: OpenEmptyArgs,
}

/// Runs `btpcert key-params`.
pub fn run(args: KeyParamsArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let opts = KeyParamsOptions {
        inputs: args.inputs,
        output: args.output,
        out_dir: args.out_dir,
        key_type: args.key_type.map(|t| match t {
            KeyTypeArg::Certificate => KeyType::Certificate,
            KeyTypeArg::CertificateExternal => KeyType::CertificateExternal,
        }),
        validity: args.validity,
        key_length: args.key_length,
    };
    let secrets = CliSecrets::new(&args.password).open_empty(args.open_empty);
    let outcome = key_params::run_with(&opts, &secrets)?;
    super::finish(out, &outcome, args.force.force, None, render)
}

/// The human rendering: the parameters, or the files they were written to.
pub fn render(out: &mut dyn Write, o: &KeyParamsOutcome) -> std::io::Result<()> {
    if o.keys.iter().all(|k| k.output.is_none()) {
        return write!(out, "{}", parameters_text(&o.parameters));
    }
    for k in &o.keys {
        let Some(p) = &k.output else { continue };
        match &k.input {
            Some(i) if o.keys.len() > 1 => {
                writeln!(out, "Wrote {} (for {})", sanitize(p), sanitize(i))?
            }
            _ => writeln!(out, "Wrote {}", sanitize(p))?,
        }
    }
    Ok(())
}
