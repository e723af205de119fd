//! `btpcert postman`: everything a Postman (or newman) user needs from one
//! service key.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::args::{CliSecrets, ForceArgs, KeyChainArgs, OpenEmptyArgs, StoreArgs};
use crate::error::{ExitStatus, Result};
use crate::ops::postman::{self, PostmanOptions, PostmanOutcome, CERT_LIST, COLLECTION};
use crate::sanitize::sanitize;
use crate::sap::servicekey::KeyKind;

/// `btpcert postman`.
#[derive(Debug, Args)]
pub struct PostmanArgs {
    /// The service key
    #[arg(value_name = "KEYFILE")]
    pub input: String,
    /// Your private key, for an External Certificate key: PEM, or a keystore
    /// (.p12/.pfx, .jks) with key and chain, opened with the kit's password
    /// (--password-file, --password-env, --no-password or a prompt)
    #[arg(long, value_name = "FILE")]
    pub key: Option<String>,
    /// Folder to write into (created if missing)
    #[arg(short, long, value_name = "DIR")]
    pub out_dir: PathBuf,
    /// Path of the endpoint after the key's url [default: /api/v1/MessageProcessingLogs
    /// for api-plan keys, /http/ otherwise]
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,
    /// HTTP method of the endpoint call [default: GET for the API, POST for /http/ paths]
    #[arg(short = 'X', long, value_name = "METHOD")]
    pub method: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub source: KeyChainArgs,
    #[command(flatten)]
    pub force: ForceArgs,
}

/// Runs `btpcert postman`.
pub fn run(args: PostmanArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let opts = PostmanOptions {
        input: args.input,
        key: args.key,
        out_dir: args.out_dir,
        path: args.path,
        method: args.method,
        store: args.store.options(),
        identity: args.source.options(),
        force: args.force.force,
    };
    let secrets = CliSecrets::new(&args.store.password)
        .with_key_password(&args.source.key_password)
        .open_empty(OpenEmptyArgs {
            no_password: args.store.no_password,
        });
    let outcome = postman::run(&opts, &secrets)?;
    super::finish(out, &outcome, opts.force, None, render)
}

/// The human rendering: what was written, and the steps in Postman and newman.
pub fn render(out: &mut dyn Write, o: &PostmanOutcome) -> std::io::Result<()> {
    let d = sanitize(&o.dir);
    if o.kind == KeyKind::ClientSecret {
        writeln!(
            out,
            "Wrote {d}/{COLLECTION} (mode 0600: it holds the client secret)"
        )?;
        writeln!(
            out,
            "Postman: import it and send \"1. Get token\" (HTTP Basic), then \"2. Call endpoint\"."
        )?;
        writeln!(out, "newman:  newman run {d}/{COLLECTION}")?;
    } else {
        writeln!(out, "Wrote {d}/: client.crt ({} certificates, leaf first), client.key (PKCS#8, 0600), client.pfx (0600), {COLLECTION}, {CERT_LIST}", o.certificates)?;
        writeln!(out, "Postman:")?;
        writeln!(out, "  1. Settings > Certificates > Add certificate")?;
        writeln!(out, "       Host      {}", sanitize(&o.host))?;
        writeln!(
            out,
            "       PFX file  {d}/client.pfx, with the passphrase you chose"
        )?;
        writeln!(
            out,
            "       (or CRT file {d}/client.crt and KEY file {d}/client.key)"
        )?;
        writeln!(
            out,
            "  2. Import {d}/{COLLECTION}; send \"1. Get token\", then \"2. Call endpoint\""
        )?;
        writeln!(out, "newman:")?;
        writeln!(
            out,
            "  newman run {d}/{COLLECTION} --ssl-client-cert-list {d}/{CERT_LIST}"
        )?;
    }
    writeln!(out, "Endpoint: {} {}", o.method, sanitize(&o.endpoint))?;
    if o.placeholder {
        writeln!(
            out,
            "  (a placeholder: give your integration flow's path with --path /http/...)"
        )?;
    }
    Ok(())
}
