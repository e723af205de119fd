//! `btpcert completions` and `btpcert man`: shell completions and manual
//! pages, generated from the command definitions themselves.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::args::ForceArgs;
use super::Cli;
use crate::error::{ExitStatus, Result};
use crate::ops::docs::{self, CompletionsOptions, CompletionsOutcome, ManOptions, ManOutcome};
use crate::sanitize::sanitize;

/// `btpcert completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, powershell or elvish
    #[arg(value_name = "SHELL")]
    pub shell: Shell,
}

/// `btpcert man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write btpcert.1 and one page per subcommand into DIR instead of
    /// printing btpcert.1
    #[arg(short, long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    #[command(flatten)]
    pub force: ForceArgs,
}

/// Runs `btpcert completions`.
pub fn completions(args: CompletionsArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let opts = CompletionsOptions { shell: args.shell };
    let outcome = docs::completions(Cli::command(), "btpcert", &opts);
    super::finish(out, &outcome, false, None, render_completions)
}

/// The script, as it is.
pub fn render_completions(out: &mut dyn Write, o: &CompletionsOutcome) -> std::io::Result<()> {
    out.write_all(&o.script)
}

/// Runs `btpcert man`.
pub fn man(args: ManArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let opts = ManOptions {
        out_dir: args.out_dir,
    };
    let outcome = docs::man(Cli::command(), &opts)?;
    super::finish(out, &outcome, args.force.force, None, render_man)
}

/// The main page, or where the pages were written.
pub fn render_man(out: &mut dyn Write, o: &ManOutcome) -> std::io::Result<()> {
    match &o.out_dir {
        Some(dir) => writeln!(out, "Wrote manual pages to {}", sanitize(dir)),
        None => out.write_all(&o.page),
    }
}
