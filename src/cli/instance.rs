//! `btpcert instance check` and `btpcert instance migrate`: the deprecated
//! client_x509 grant type in service instance parameters.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::args::ForceArgs;
use super::note;
use super::style::Style;
use crate::check::Status;
use crate::error::{ExitStatus, Result};
use crate::ops::instance::{self, CheckOptions, CheckOutcome, MigrateOptions, MigrateOutcome};
use crate::sanitize::sanitize;

/// `btpcert instance`.
#[derive(Debug, Args)]
pub struct InstanceArgs {
    #[command(subcommand)]
    pub command: InstanceCommand,
}

/// The subcommands of `btpcert instance`.
#[derive(Debug, Subcommand)]
pub enum InstanceCommand {
    /// Report the deprecated client_x509 grant and anything odd; exit 1 if deprecated
    Check {
        /// Parameters JSON (cockpit), cf service --params or btp --show-parameters output
        #[arg(value_name = "FILE", required = true)]
        files: Vec<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Replace client_x509 by client_credentials, keeping everything else as it is
    Migrate {
        /// Parameters JSON (cockpit), cf service --params or btp --show-parameters output
        #[arg(value_name = "FILE")]
        file: String,
        /// Write the migrated parameters to OUT instead of standard output
        #[arg(short, long, value_name = "OUT", conflicts_with = "in_place")]
        output: Option<PathBuf>,
        /// Rewrite FILE itself
        #[arg(long)]
        in_place: bool,
        #[command(flatten)]
        force: ForceArgs,
    },
}

/// Runs `btpcert instance`.
pub fn run(args: InstanceArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    match args.command {
        InstanceCommand::Check { files, json } => {
            let outcome = instance::check(&CheckOptions { files })?;
            super::finish(out, &outcome, false, Some(json), render_check)
        }
        InstanceCommand::Migrate {
            file,
            output,
            in_place,
            force,
        } => {
            let opts = MigrateOptions {
                file,
                output,
                in_place,
            };
            let outcome = instance::migrate(&opts)?;
            super::finish(out, &outcome, force.force, None, render_migrate)
        }
    }
}

/// The human rendering of a check: a line per file with its checks; the
/// files that could not be read on standard error.
pub fn render_check(out: &mut dyn Write, o: &CheckOutcome) -> std::io::Result<()> {
    let st = Style::detect();
    for r in &o.files {
        match (&r.error, &r.report) {
            (Some(e), _) => note(e),
            (None, Some(rep)) => {
                let what = r
                    .instance
                    .as_deref()
                    .map(|i| format!(" (instance {})", sanitize(i)))
                    .unwrap_or_default();
                let worst = rep.checks.iter().map(|c| c.status).max();
                let mark = st.mark(worst.unwrap_or(Status::Ok));
                writeln!(out, "{mark} {}{what}", sanitize(&r.file))?;
                st.checks(out, "    ", &rep.checks)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// The human rendering of a migration: the file written and how to apply
/// it, or the parameters themselves.
pub fn render_migrate(out: &mut dyn Write, o: &MigrateOutcome) -> std::io::Result<()> {
    if let Some(path) = &o.output {
        let p = sanitize(path);
        if o.changed {
            writeln!(out, "Wrote {p}: client_x509 replaced by client_credentials")?;
            writeln!(
                out,
                "Apply it with:\n  cf update-service {} -c {p}",
                sanitize(o.instance_or_placeholder())
            )?;
            writeln!(
                out,
                "Or, {}",
                crate::sap::instance::NEW_INSTANCE_PATH.replace("FILE", &p)
            )?;
        } else {
            writeln!(out, "Wrote {p}: no client_x509 grant, unchanged")?;
        }
    } else if let Some(text) = &o.text {
        out.write_all(text.as_bytes())?;
    }
    Ok(())
}
