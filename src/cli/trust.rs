//! `btpcert trust list` and `btpcert trust check`: SAP's trust lists.

use std::io::Write;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::args::RootArgs;
use super::print_json;
use crate::error::{Error, Result, EXIT_OK, EXIT_PROBLEMS};
use crate::input;
use crate::sanitize::sanitize;
use crate::sap::trust_lists;

#[derive(Debug, Args)]
pub struct TrustArgs {
    #[command(subcommand)]
    pub command: TrustCommand,
}

#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Print the embedded trust lists
    List {
        /// Only this list: btp-approved, btp-required or xsuaa-x509
        #[arg(long, value_name = "ID")]
        list: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Is a CA of FILE's chain on a list? Exit 0 yes, 1 no
    Check {
        /// Certificate, chain or service key
        #[arg(value_name = "FILE")]
        file: String,
        /// btp-approved, btp-required or xsuaa-x509
        #[arg(long, value_name = "ID")]
        list: String,
        #[command(flatten)]
        roots: RootArgs,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

fn check_list_id(id: &str) -> Result<()> {
    if trust_lists::is_list(id) {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "unknown list '{}': use one of {}",
            sanitize(id),
            trust_lists::list_ids()
        )))
    }
}

#[derive(Serialize)]
struct CheckAnswer {
    list: String,
    trusted: bool,
    /// The CA of the chain that is on the list.
    matched: Option<Matched>,
    /// Every certificate of the path with the lists it is on.
    path: Vec<Matched>,
}

#[derive(Serialize)]
struct Matched {
    subject_dn: String,
    fingerprint_sha256: String,
    lists: Vec<&'static str>,
}

pub fn run(args: TrustArgs, out: &mut dyn Write) -> Result<i32> {
    match args.command {
        TrustCommand::List { list, json } => {
            if let Some(l) = &list {
                check_list_id(l)?;
            }
            let entries: Vec<&trust_lists::TrustEntry> = trust_lists::entries()
                .iter()
                .filter(|e| list.as_deref().is_none_or(|l| e.list == l))
                .collect();
            if json {
                print_json(out, &serde_json::json!({ "entries": entries }))?;
                return Ok(EXIT_OK);
            }
            for (id, about) in trust_lists::LISTS {
                if list.as_deref().is_some_and(|l| l != *id) {
                    continue;
                }
                let mine: Vec<_> = entries.iter().filter(|e| e.list == *id).collect();
                writeln!(out, "{id} ({} entries): {about}", mine.len())?;
                for e in mine {
                    writeln!(
                        out,
                        "  {:<95}  {}",
                        e.sha256.unwrap_or("(named only, no fingerprint)"),
                        e.subject
                    )?;
                }
            }
            Ok(EXIT_OK)
        }
        TrustCommand::Check {
            file,
            list,
            roots,
            json,
        } => {
            check_list_id(&list)?;
            let loaded = input::load(&file)?;
            if loaded.certs.is_empty() {
                return Err(Error::input(format!(
                    "{}: holds no certificate",
                    sanitize(&file)
                )));
            }
            let path = roots.options().path(&loaded.certs)?;
            let all: Vec<Matched> = path
                .certs
                .iter()
                .map(|(c, _)| {
                    let fp = c.sha256();
                    Matched {
                        subject_dn: c.subject_dn(),
                        lists: trust_lists::lists_for(&fp),
                        fingerprint_sha256: fp,
                    }
                })
                .collect();
            let hit = all.iter().position(|m| m.lists.contains(&list.as_str()));
            if json {
                let answer = CheckAnswer {
                    list: list.clone(),
                    trusted: hit.is_some(),
                    matched: hit.map(|i| Matched {
                        subject_dn: all[i].subject_dn.clone(),
                        fingerprint_sha256: all[i].fingerprint_sha256.clone(),
                        lists: all[i].lists.clone(),
                    }),
                    path: all,
                };
                print_json(out, &answer)?;
            } else {
                match hit {
                    Some(i) => writeln!(
                        out,
                        "yes: '{}' (SHA-256 {}) is on {list}",
                        sanitize(&all[i].subject_dn),
                        all[i].fingerprint_sha256
                    )?,
                    None => {
                        let top = path.certs.last().map(|(c, _)| c).expect("non-empty");
                        let look = trust_lists::look_alike(&top.common_name(), &top.sha256());
                        writeln!(
                            out,
                            "no: no certificate of the chain of {} is on {list}; its top is '{}' (SHA-256 {})",
                            sanitize(&loaded.name),
                            sanitize(&top.subject_dn()),
                            top.sha256()
                        )?;
                        if let Some(real) = look {
                            writeln!(
                                out,
                                "    it carries the name of a listed CA, but SAP's '{}' has SHA-256 {}",
                                real.subject,
                                real.sha256.unwrap_or("-")
                            )?;
                        }
                    }
                }
            }
            Ok(if hit.is_some() {
                EXIT_OK
            } else {
                EXIT_PROBLEMS
            })
        }
    }
}
