//! `btpcert csr`: a new key and a certificate signing request for an
//! External Certificate key.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::args::{CliSecrets, ForceArgs, PasswordArgs};
use crate::error::{ExitStatus, Result};
use crate::ops::csr::{self, CsrOptions, CsrOutcome};
use crate::sanitize::sanitize;
use crate::x509::csr::KeyType;

/// `btpcert csr`.
#[derive(Debug, Args)]
pub struct CsrArgs {
    /// Folder for key.pem (mode 0600) and request.csr (created if missing)
    #[arg(short, long, value_name = "DIR")]
    pub out_dir: PathBuf,
    /// Common name of the certificate
    #[arg(long, value_name = "NAME", required_unless_present = "subject")]
    pub cn: Option<String>,
    /// The whole subject: /C=DE/O=Org/CN=name or CN=name, O=Org, C=DE
    #[arg(long, value_name = "DN", conflicts_with = "cn")]
    pub subject: Option<String>,
    /// rsa:2048, rsa:3072, rsa:4096, ec:p256 or ec:p384
    #[arg(long, value_name = "TYPE", default_value = "rsa:2048", value_parser = KeyType::parse)]
    pub key_type: KeyType,
    #[command(flatten)]
    pub password: PasswordArgs,
    /// Write the private key unencrypted
    #[arg(long, conflicts_with_all = ["password_file", "password_env"])]
    pub no_password: bool,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub force: ForceArgs,
}

/// Runs `btpcert csr`.
pub fn run(args: CsrArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let opts = CsrOptions {
        out_dir: args.out_dir,
        cn: args.cn,
        subject: args.subject,
        key_type: args.key_type,
        no_password: args.no_password,
        force: args.force.force,
    };
    let outcome = csr::run(&opts, &CliSecrets::new(&args.password))?;
    super::finish(out, &outcome, opts.force, Some(args.json), render)
}

/// The human rendering: the files, then the way to an External Certificate key.
pub fn render(out: &mut dyn Write, o: &CsrOutcome) -> std::io::Result<()> {
    let subject: Vec<String> = o.subject.iter().map(|(k, v)| format!("{k}={v}")).collect();
    writeln!(
        out,
        "Wrote {} ({}, {}, mode 0600) and {}",
        sanitize(&o.key_file),
        o.key_type,
        if o.key_encrypted {
            "encrypted"
        } else {
            "not encrypted"
        },
        sanitize(&o.request_file)
    )?;
    writeln!(
        out,
        "Request: {} (keyUsage digitalSignature, extendedKeyUsage clientAuth)",
        sanitize(&subject.join(", "))
    )?;
    writeln!(out, "Next:")?;
    writeln!(
        out,
        "  1. Send {} to your CA; ask for a certificate with Client Authentication",
        sanitize(&o.request_file)
    )?;
    writeln!(
        out,
        "  2. btpcert check-external CERT.pem -o params.json   (checks it, writes the key parameters)"
    )?;
    writeln!(
        out,
        "  3. cf create-service-key INSTANCE KEY -c params.json"
    )?;
    writeln!(
        out,
        "  4. Keep {}: with the certificate it is your sender's identity (btpcert p12 CERT.pem {} -o sender.p12)",
        sanitize(&o.key_file),
        sanitize(&o.key_file)
    )
}
