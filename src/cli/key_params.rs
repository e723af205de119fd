//! `btpcert key-params`: creation parameters for a new External Certificate
//! key, from an existing service key (leaf only, pinning as before).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::args::ForceArgs;
use super::check_external::key_parameters;
use super::note;
use crate::error::{Error, Result, EXIT_OK};
use crate::input;
use crate::sanitize::sanitize;
use crate::sap::servicekey::KeyKind;
use crate::write::{write_all, Planned};
use crate::x509::chain;

#[derive(Debug, Args)]
pub struct KeyParamsArgs {
    /// An existing External Certificate (or Certificate) service key
    #[arg(value_name = "KEYFILE")]
    pub input: String,
    /// Write the parameters to FILE instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub force: ForceArgs,
}

pub fn run(args: KeyParamsArgs, out: &mut dyn Write) -> Result<i32> {
    let loaded = input::load(&args.input)?;
    let name = sanitize(&loaded.name).into_owned();
    let sk = loaded
        .service_key
        .as_ref()
        .ok_or_else(|| Error::input(format!("{name}: not a service key")))?;
    if sk.kind == KeyKind::ClientSecret {
        return Err(Error::input(format!(
            "{name}: a ClientId/Secret key has no certificate to re-use"
        )));
    }
    let ordered = chain::order(&loaded.certs);
    let leaf = ordered.leaf().expect("a certificate key has a certificate");
    if loaded.certs.len() > 1 {
        note(format!(
            "{name}: the key holds a chain of {}; only the leaf goes into the parameters",
            loaded.certs.len()
        ));
    }
    let params = key_parameters(leaf, sk.certificate_pinning);
    let text = serde_json::to_string_pretty(&params).expect("JSON value") + "\n";
    match &args.output {
        Some(p) => {
            write_all(&[Planned::public(p, text)], args.force.force)?;
            writeln!(out, "Wrote {}", sanitize(&p.display().to_string()))?;
        }
        None => out.write_all(text.as_bytes())?,
    }
    note("a certificate can be used in one service key only: delete the old key before creating the new one (cf delete-service-key, then cf create-service-key INSTANCE KEY -c FILE)");
    Ok(EXIT_OK)
}
