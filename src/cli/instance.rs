//! `btpcert instance check` and `btpcert instance migrate`: the deprecated
//! client_x509 grant type in service instance parameters.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::args::ForceArgs;
use super::style::Style;
use super::{note, print_json};
use crate::check::Status;
use crate::error::{Error, Result, EXIT_INPUT, EXIT_OK, EXIT_PROBLEMS};
use crate::input;
use crate::sanitize::sanitize;
use crate::sap::instance::{check_params, find, migrate_text, InstanceReport};
use crate::write::{write_all, Planned};

#[derive(Debug, Args)]
pub struct InstanceArgs {
    #[command(subcommand)]
    pub command: InstanceCommand,
}

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

#[derive(Serialize)]
struct CheckRow {
    file: String,
    error: Option<String>,
    instance: Option<String>,
    #[serde(flatten)]
    report: Option<InstanceReport>,
}

pub fn run(args: InstanceArgs, out: &mut dyn Write) -> Result<i32> {
    match args.command {
        InstanceCommand::Check { files, json } => check(&files, json, out),
        InstanceCommand::Migrate {
            file,
            output,
            in_place,
            force,
        } => migrate(&file, output, in_place, force.force, out),
    }
}

fn read_text(path: &str) -> Result<(String, String)> {
    let (name, bytes) = input::read_source(path)?;
    let name = sanitize(&name).into_owned();
    let text = input::decode_text(&bytes)
        .ok_or_else(|| Error::input(format!("{name}: not text (neither UTF-8 nor UTF-16)")))?;
    Ok((name, text))
}

fn check(files: &[String], json: bool, out: &mut dyn Write) -> Result<i32> {
    let mut rows = Vec::new();
    for f in files {
        let row = match read_text(f)
            .and_then(|(name, text)| find(&text).map_err(|e| e.with_path(&name)))
        {
            Ok(p) => CheckRow {
                file: f.clone(),
                error: None,
                instance: p.instance.clone(),
                report: Some(check_params(&p.value)),
            },
            Err(e) => CheckRow {
                file: f.clone(),
                error: Some(e.to_string()),
                instance: None,
                report: None,
            },
        };
        rows.push(row);
    }
    let deprecated = rows
        .iter()
        .any(|r| r.report.as_ref().is_some_and(|r| r.deprecated_grant));
    let failed = rows.iter().any(|r| r.error.is_some());
    if json {
        print_json(out, &serde_json::json!({ "files": rows }))?;
    } else {
        let st = Style::detect();
        for r in &rows {
            match (&r.error, &r.report) {
                (Some(e), _) => note(e),
                (None, Some(rep)) => {
                    let what = r
                        .instance
                        .as_deref()
                        .map(|i| format!(" (instance {})", sanitize(i)))
                        .unwrap_or_default();
                    let mark = st.mark(
                        rep.checks
                            .iter()
                            .map(|c| c.status)
                            .max()
                            .unwrap_or(Status::Ok),
                    );
                    writeln!(out, "{mark} {}{what}", sanitize(&r.file))?;
                    st.checks(out, "    ", &rep.checks)?;
                }
                _ => {}
            }
        }
    }
    Ok(if failed {
        EXIT_INPUT
    } else if deprecated {
        EXIT_PROBLEMS
    } else {
        EXIT_OK
    })
}

fn migrate(
    file: &str,
    output: Option<PathBuf>,
    in_place: bool,
    force: bool,
    out: &mut dyn Write,
) -> Result<i32> {
    let (name, text) = read_text(file)?;
    let params = find(&text).map_err(|e| e.with_path(&name))?;
    if in_place && !params.whole_file {
        return Err(Error::usage(format!(
            "{name}: holds more than the parameters (cf or btp output): write them with -o OUT instead of --in-place"
        )));
    }
    if params.re_encoded {
        note(format!(
            "{name}: the parameters were a JSON string; they are written as a JSON object"
        ));
    } else if !params.whole_file {
        note(format!(
            "{name}: only the parameters object is written, as cf update-service -c needs it"
        ));
    }
    let migrated = migrate_text(&params.text).map_err(|e| e.with_path(&name))?;
    let changed = migrated.is_some();
    let result = migrated.unwrap_or_else(|| params.text.clone());
    let result = if params.whole_file {
        text.replacen(&params.text, &result, 1)
    } else {
        ensure_newline(result)
    };
    let instance = params
        .instance
        .as_deref()
        .map(sanitize)
        .map(|s| s.into_owned())
        .unwrap_or_else(|| "INSTANCE".into());
    let target = if in_place {
        Some(PathBuf::from(file))
    } else {
        output
    };
    match &target {
        Some(path) if in_place && !changed => {
            note(format!(
                "{}: no client_x509 grant: nothing to change",
                sanitize(&path.display().to_string())
            ));
            return Ok(EXIT_OK);
        }
        Some(path) => {
            let mut file = Planned::public(path, result.into_bytes());
            if in_place {
                // Keep a private file private.
                if private_file(path) {
                    file.secret = true;
                }
                file = file.replacing();
            }
            write_all(&[file], force)?;
            let p = sanitize(&path.display().to_string()).into_owned();
            if changed {
                writeln!(out, "Wrote {p}: client_x509 replaced by client_credentials")?;
                writeln!(out, "Apply it with:\n  cf update-service {instance} -c {p}")?;
            } else {
                writeln!(out, "Wrote {p}: no client_x509 grant, unchanged")?;
            }
        }
        None => {
            out.write_all(result.as_bytes())?;
            if changed {
                note(format!("client_x509 replaced by client_credentials; save this and apply it with: cf update-service {instance} -c FILE"));
            } else {
                note("no client_x509 grant: nothing to change");
            }
        }
    }
    Ok(EXIT_OK)
}

fn ensure_newline(mut s: String) -> String {
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

#[cfg(unix)]
fn private_file(path: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 == 0)
}

#[cfg(not(unix))]
fn private_file(_path: &std::path::Path) -> bool {
    false
}
