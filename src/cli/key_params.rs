//! `btpcert key-params`: creation parameters for a new External Certificate
//! key, from an existing service key (leaf only, pinning as before).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::args::ForceArgs;
use crate::error::{ExitStatus, Result};
use crate::ops::key_params::{self, KeyParamsOptions, KeyParamsOutcome};
use crate::sanitize::sanitize;
use crate::sap::external::parameters_text;

/// `btpcert key-params`.
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

/// Runs `btpcert key-params`.
pub fn run(args: KeyParamsArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let opts = KeyParamsOptions {
        input: args.input,
        output: args.output,
    };
    let outcome = key_params::run(&opts)?;
    super::finish(out, &outcome, args.force.force, None, render)
}

/// The human rendering: the parameters, or the file they were written to.
pub fn render(out: &mut dyn Write, o: &KeyParamsOutcome) -> std::io::Result<()> {
    match &o.output {
        Some(p) => writeln!(out, "Wrote {}", sanitize(p)),
        None => write!(out, "{}", parameters_text(&o.parameters)),
    }
}
