//! `btpcert extract`: a service key in, certificate.pem and key.pem out.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::args::{CliSecrets, ForceArgs, OpenEmptyArgs, PasswordArgs, RootArgs};
use crate::error::{ExitStatus, Result};
use crate::ops::extract::{self, whence, ExtractOptions, ExtractOutcome};
use crate::sanitize::sanitize;
use crate::sap::servicekey::KeyKind;
use crate::x509::roots::Origin;

/// `btpcert extract`.
#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// Service key (cockpit JSON, cf or btp output, flat JSON), PEM, PKCS#7 or keystore (.p12/.pfx, .jks); - for stdin
    #[arg(value_name = "KEYFILE")]
    pub input: String,
    /// Folder to write into (created if missing)
    #[arg(short, long, value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,
    /// Write the private key as PKCS#8 (BEGIN PRIVATE KEY) instead of as given
    #[arg(long)]
    pub pkcs8: bool,
    /// Decrypt an encrypted private key (asks for its password)
    #[arg(long)]
    pub decrypt: bool,
    /// Also write each certificate to its own file, leaf first
    #[arg(long)]
    pub split: bool,
    /// Also write the chain as chain.p7b (DER PKCS#7, leaf first), as Windows and Cloud Integration take it
    #[arg(long)]
    pub p7b: bool,
    #[command(flatten)]
    /// Where the intermediates and the root a sender must present come from
    /// when the input lacks them (an External Certificate key holds the leaf only).
    pub roots: RootArgs,
    /// Print what was written as JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub force: ForceArgs,
    #[command(flatten)]
    pub password: PasswordArgs,
    #[command(flatten)]
    pub open_empty: OpenEmptyArgs,
}

/// Runs `btpcert extract`.
pub fn run(args: ExtractArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let opts = ExtractOptions {
        input: args.input,
        out_dir: args.out_dir,
        pkcs8: args.pkcs8,
        decrypt: args.decrypt,
        split: args.split,
        p7b: args.p7b,
        roots: args.roots.options(),
    };
    // --password-* give the input keystore's or the input key's password.
    let source = args.password.source();
    let secrets = CliSecrets {
        password: source.clone(),
        key_password: source,
        key_options: "--password-file FILE or --password-env NAME",
    }
    .open_empty(args.open_empty);
    let outcome = extract::run(&opts, &secrets)?;
    super::finish(out, &outcome, args.force.force, Some(args.json), render)
}

/// The human rendering: what was read, what was written, and what to enter
/// in Postman.
pub fn render(out: &mut dyn Write, o: &ExtractOutcome) -> std::io::Result<()> {
    let name = sanitize(&o.input);
    match o.kind {
        Some(kind) => writeln!(
            out,
            "Read {name}: {}, {} key",
            o.form.describe(),
            kind.describe()
        )?,
        None => writeln!(out, "Read {name}: {}", o.form.describe())?,
    }
    let chain_file = &o.chain_file().path;
    writeln!(
        out,
        "Wrote {}: {} certificate{}, leaf first",
        sanitize(chain_file),
        o.chain.len(),
        if o.chain.len() == 1 { "" } else { "s" }
    )?;
    for (i, (c, origin)) in o.chain.iter().zip(&o.origins).enumerate() {
        let added = match origin {
            Origin::Chain => String::new(),
            o => format!(", {}", whence(o)),
        };
        writeln!(
            out,
            "  {}. {} (valid until {}{added})",
            i + 1,
            sanitize(&c.subject_dn()),
            c.not_after().date()
        )?;
    }
    if let Some(p) = &o.chain_problem {
        writeln!(out, "✗ {}", sanitize(p))?;
    }
    render_key(out, o)?;
    // The files of --p7b and --split; certificate.pem was named above.
    for f in o.files.iter().skip(1) {
        match f.content {
            "certificate" => writeln!(out, "Wrote {}", sanitize(&f.path))?,
            "certificate-chain-pkcs7" => writeln!(
                out,
                "Wrote {}: the same chain as DER PKCS#7 (.p7b)",
                sanitize(&f.path)
            )?,
            _ => {}
        }
    }
    render_postman(out, o, chain_file)
}

/// What to enter in Postman, when `certificate.pem` is ready for it.
fn render_postman(
    out: &mut dyn Write,
    o: &ExtractOutcome,
    chain_file: &str,
) -> std::io::Result<()> {
    if o.chain_problem.is_some() {
        if o.postman_host.is_some() {
            writeln!(
                out,
                "Postman: {} is not ready as the CRT file until it holds the whole chain (see above)",
                sanitize(chain_file)
            )?;
        }
        return Ok(());
    }
    if let Some(host) = &o.postman_host {
        writeln!(out, "Postman, Settings > Certificates > Add certificate:")?;
        writeln!(out, "  Host      {}", sanitize(host))?;
        writeln!(out, "  CRT file  {}", sanitize(chain_file))?;
        if let Some(f) = o.key_file() {
            writeln!(out, "  KEY file  {}", sanitize(&f.path))?;
        }
        if o.kind.is_some_and(|k| k != KeyKind::ClientSecret)
            && !host.contains(".cert.")
            && host.contains(".authentication.")
        {
            writeln!(
                out,
                "  Note: certificate-based token requests go to the '.authentication.cert.' host: {}",
                host.replacen(".authentication.", ".authentication.cert.", 1)
            )?;
        }
    }
    Ok(())
}

fn render_key(out: &mut dyn Write, o: &ExtractOutcome) -> std::io::Result<()> {
    match o.key_file() {
        Some(f) => {
            let format = f.key_format.map(|k| k.describe()).unwrap_or_default();
            let what = match &o.key_info {
                Some(i) => format!("{}, {format}", i.describe()),
                None => format!("{format}, still encrypted"),
            };
            writeln!(
                out,
                "Wrote {}: private key, {what}, mode 0600",
                sanitize(&f.path)
            )
        }
        None if o.kind == Some(KeyKind::ExternalCertificate) => writeln!(
            out,
            "No private key: an External Certificate key holds only the certificate; the private key stays with you"
        ),
        None => writeln!(out, "No private key in the input"),
    }
}
