//! `btpcert truststore`: a PKCS#12 truststore Java reads as trusted entries.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::args::{CliSecrets, ForceArgs, FormatArg, LookAlikeArgs, StoreArgs};
use crate::error::{ExitStatus, Result};
use crate::keystore::Format;
use crate::ops::truststore::{self, TruststoreOptions, TruststoreOutcome};
use crate::sanitize::sanitize;

/// `btpcert truststore`.
#[derive(Debug, Args)]
pub struct TruststoreArgs {
    /// CA certificates (PEM, DER, bundles) or Connectivity Test zip files
    #[arg(value_name = "CERT|ZIP", required = true)]
    pub inputs: Vec<String>,
    /// The truststore to write (default with --add-to: that file, replaced)
    #[arg(
        short,
        long,
        value_name = "OUT.p12",
        required_unless_present = "add_to"
    )]
    pub output: Option<PathBuf>,
    /// Keep the entries of this existing truststore and add to them
    #[arg(long, value_name = "EXISTING.p12")]
    pub add_to: Option<PathBuf>,
    /// Container to write [default: by the file's name (.jks means JKS), else
    /// as the --add-to store, else PKCS#12]
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    /// A look-alike added only when named.
    pub look_alike: LookAlikeArgs,
    #[command(flatten)]
    pub force: ForceArgs,
}

/// Runs `btpcert truststore`.
pub fn run(args: TruststoreArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let opts = TruststoreOptions {
        inputs: args.inputs,
        output: args.output,
        add_to: args.add_to,
        store: crate::ops::StoreOptions {
            format: args.format.map(Into::into),
            ..args.store.options()
        },
        force: args.force.force,
        accept_look_alike: args.look_alike.accept_look_alike,
    };
    let outcome = truststore::run(&opts, &CliSecrets::new(&args.store.password))?;
    super::finish(out, &outcome, opts.force, None, render)
}

/// The human rendering.
pub fn render(out: &mut dyn Write, o: &TruststoreOutcome) -> std::io::Result<()> {
    let n = o.entries.len();
    writeln!(
        out,
        "Wrote {}: {} trusted certificate entr{} ({} kept, {} added), {}",
        sanitize(&o.output),
        n,
        if n == 1 { "y" } else { "ies" },
        o.kept,
        n - o.kept,
        match o.format {
            Format::Pkcs12 => o.profile.describe(),
            Format::Jks => "JKS",
        }
    )?;
    for e in o.added() {
        writeln!(
            out,
            "  + {}  {}  SHA-256 {}",
            e.alias,
            sanitize(&e.subject_dn),
            e.fingerprint_sha256
        )?;
    }
    for e in &o.refused {
        writeln!(
            out,
            "  ✗ {}  SHA-256 {}  (a look-alike: left out)",
            sanitize(&e.subject_dn),
            e.fingerprint_sha256
        )?;
    }
    Ok(())
}
