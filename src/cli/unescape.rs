//! `btpcert unescape`: pasted text with literal `\n` in, proper PEM out.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;

use super::args::ForceArgs;
use crate::error::{Error, ExitStatus, Result};
use crate::ops::unescape::{self, UnescapeOptions, UnescapeOutcome};
use crate::sanitize::sanitize;

/// `btpcert unescape`.
#[derive(Debug, Args)]
pub struct UnescapeArgs {
    /// Text holding PEM blocks, with or without literal \n; - or nothing for stdin
    #[arg(value_name = "FILE", default_value = "-")]
    pub input: String,
    /// Write to FILE instead of standard output (mode 0600 when it holds a private key)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub force: ForceArgs,
}

/// Runs `btpcert unescape`.
pub fn run(args: UnescapeArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let opts = UnescapeOptions {
        input: args.input,
        output: args.output,
    };
    let outcome = unescape::run(&opts)?;
    if outcome.output.is_none() && outcome.private_key && std::io::stdout().is_terminal() {
        return Err(Error::usage(format!(
            "{}: holds a private key; write it to a file with -o FILE (mode 0600) or pipe the output",
            sanitize(&outcome.input)
        )));
    }
    super::finish(out, &outcome, args.force.force, None, render)
}

/// The human rendering: the PEM text, unless it went to a file.
pub fn render(out: &mut dyn Write, o: &UnescapeOutcome) -> std::io::Result<()> {
    if o.output.is_none() {
        out.write_all(o.pem.as_bytes())?;
    }
    Ok(())
}
