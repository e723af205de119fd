//! `btpcert chain split`: a bundle in, one ordered file per certificate out.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::args::ForceArgs;
use super::note;
use crate::error::{Error, Result, EXIT_OK};
use crate::input;
use crate::sanitize::sanitize;
use crate::write::write_all;
use crate::x509::chain;

#[derive(Debug, Args)]
pub struct ChainArgs {
    #[command(subcommand)]
    pub command: ChainCommand,
}

#[derive(Debug, Subcommand)]
pub enum ChainCommand {
    /// Write each certificate to its own file, ordered leaf first
    Split {
        /// Service key, PEM bundle or DER file; - for stdin
        #[arg(value_name = "FILE")]
        file: String,
        /// Folder to write into (created if missing)
        #[arg(short, long, value_name = "DIR", default_value = ".")]
        out_dir: PathBuf,
        #[command(flatten)]
        force: ForceArgs,
    },
}

pub fn run(args: ChainArgs, out: &mut dyn Write) -> Result<i32> {
    let ChainCommand::Split {
        file,
        out_dir,
        force,
    } = args.command;
    let loaded = input::load(&file)?;
    if loaded.certs.is_empty() {
        return Err(Error::input(format!(
            "{}: holds no certificate",
            sanitize(&loaded.name)
        )));
    }
    let ordered = chain::order(&loaded.certs);
    let plan = chain::split_plan(&ordered, &out_dir);
    write_all(&plan, force.force)?;
    if ordered.reordered {
        note("the input was not in leaf-first order; the files are numbered leaf first");
    }
    if !ordered.duplicates.is_empty() {
        note(format!(
            "{} duplicate certificate(s) written once",
            ordered.duplicates.len()
        ));
    }
    let all = ordered.certs.iter().chain(&ordered.unrelated);
    for (f, c) in plan.iter().zip(all) {
        writeln!(
            out,
            "{}  {}",
            sanitize(&f.path.display().to_string()),
            sanitize(&c.subject_dn())
        )?;
    }
    for c in &ordered.unrelated {
        note(format!(
            "'{}' belongs to no path from the leaf",
            sanitize(&c.subject_dn())
        ));
    }
    Ok(EXIT_OK)
}
