//! `btpcert chain split`: a bundle in, one ordered file per certificate out.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::args::ForceArgs;
use crate::error::{ExitStatus, Result};
use crate::ops::chain::{self, SplitOptions, SplitOutcome};
use crate::sanitize::sanitize;

/// `btpcert chain`.
#[derive(Debug, Args)]
pub struct ChainArgs {
    #[command(subcommand)]
    pub command: ChainCommand,
}

/// The subcommands of `btpcert chain`.
#[derive(Debug, Subcommand)]
pub enum ChainCommand {
    /// Write each certificate to its own file, ordered leaf first
    Split {
        /// Service key, PEM bundle, DER or PKCS#7 file; - for stdin
        #[arg(value_name = "FILE")]
        file: String,
        /// Folder to write into (created if missing)
        #[arg(short, long, value_name = "DIR", default_value = ".")]
        out_dir: PathBuf,
        /// Also write the chain as chain.p7b (DER PKCS#7, leaf first), as Windows and Cloud Integration take it
        #[arg(long)]
        p7b: bool,
        #[command(flatten)]
        force: ForceArgs,
    },
}

/// Runs `btpcert chain`.
pub fn run(args: ChainArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let ChainCommand::Split {
        file,
        out_dir,
        p7b,
        force,
    } = args.command;
    let outcome = chain::split(&SplitOptions { file, out_dir, p7b })?;
    super::finish(out, &outcome, force.force, None, render)
}

/// The human rendering: each file with the subject it holds (one write
/// for them all: a chain of ten thousand is ten thousand lines).
pub fn render(out: &mut dyn Write, o: &SplitOutcome) -> std::io::Result<()> {
    use std::fmt::Write as _;
    let mut text = String::new();
    for f in &o.certificates {
        let _ = writeln!(text, "{}  {}", sanitize(&f.path), sanitize(&f.subject));
    }
    if let Some(p) = &o.p7b {
        let _ = writeln!(
            text,
            "{}  the chain, {} certificate{} leaf first (PKCS#7, DER)",
            sanitize(&p.path),
            p.subjects.len(),
            if p.subjects.len() == 1 { "" } else { "s" }
        );
    }
    out.write_all(text.as_bytes())
}
