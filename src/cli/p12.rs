//! `btpcert p12`: a PKCS#12 keystore with the private key and the whole chain.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::args::{CliSecrets, ForceArgs, FormatArg, KeyChainArgs, StoreArgs};
use crate::error::{ExitStatus, Result};
use crate::keystore::Format;
use crate::ops::p12::{self, P12Options, P12Outcome};
use crate::sanitize::sanitize;

/// `btpcert p12`.
#[derive(Debug, Args)]
pub struct P12Args {
    /// Service key, or certificate and key files in any form btpcert reads
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<String>,
    /// The PKCS#12 file to write (mode 0600)
    #[arg(short, long, value_name = "OUT.p12")]
    pub output: PathBuf,
    /// Alias (friendly name) of the key entry; Java shows it lower-cased
    #[arg(long, value_name = "ALIAS", default_value = "client")]
    pub name: String,
    /// Container to write [default: by the file's name (.jks means JKS), else PKCS#12]
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub source: KeyChainArgs,
    #[command(flatten)]
    pub force: ForceArgs,
}

/// Runs `btpcert p12`.
pub fn run(args: P12Args, out: &mut dyn Write) -> Result<ExitStatus> {
    let opts = P12Options {
        inputs: args.inputs,
        output: args.output,
        alias: args.name,
        store: crate::ops::StoreOptions {
            format: args.format.map(Into::into),
            ..args.store.options()
        },
        identity: args.source.options(),
        force: args.force.force,
    };
    let secrets =
        CliSecrets::new(&args.store.password).with_key_password(&args.source.key_password);
    let outcome = p12::run(&opts, &secrets)?;
    super::finish(out, &outcome, opts.force, None, render)
}

/// The human rendering.
pub fn render(out: &mut dyn Write, o: &P12Outcome) -> std::io::Result<()> {
    writeln!(
        out,
        "Wrote {}: key entry '{}' with {} certificate{} (leaf first), {}, mode 0600",
        sanitize(&o.output),
        sanitize(&o.alias),
        o.certificates,
        if o.certificates == 1 { "" } else { "s" },
        match o.format {
            Format::Pkcs12 => o.profile.describe(),
            Format::Jks => "JKS",
        }
    )
}
