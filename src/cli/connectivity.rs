//! `btpcert connectivity`: the root out of a Connectivity Test download.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use super::args::ForceArgs;
use super::args::StoreArgs;
use super::truststore::plan_truststore;
use super::{note, print_json};
use crate::error::{Result, EXIT_OK, EXIT_PROBLEMS};
use crate::input;
use crate::sanitize::sanitize;
use crate::sap::connectivity::{analyse, root_info, RootInfo};
use crate::write::{write_all, Planned};
use crate::x509::cert::Cert;

#[derive(Debug, Args)]
pub struct ConnectivityArgs {
    /// The .zip that Monitor > Connectivity Test > TLS > "Download server certificates" gives
    #[arg(value_name = "ZIP")]
    pub zip: String,
    /// Folder to write root.pem into (created if missing)
    #[arg(short, long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Also write chain.pem: every certificate the server sent, leaf first
    #[arg(long)]
    pub all: bool,
    /// Add the root to this Java truststore (created if missing)
    #[arg(long, value_name = "OUT.p12")]
    pub truststore: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub force: ForceArgs,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report {
    zip: String,
    /// (entry, subject) of each certificate, in archive order.
    entries: Vec<Entry>,
    /// Subjects, leaf first.
    chain: Vec<String>,
    root: Option<RootInfo>,
    /// When there is no single root: what was found instead.
    problem: Option<String>,
    files: Vec<String>,
}

#[derive(Serialize)]
struct Entry {
    entry: String,
    subject_dn: String,
    self_signed: bool,
}

pub fn run(args: ConnectivityArgs, out: &mut dyn Write) -> Result<i32> {
    let (name, bytes) = input::read_source(&args.zip)?;
    let name = sanitize(&name).into_owned();
    let a = analyse(&bytes).map_err(|e| e.with_path(&name))?;
    for (entry, why) in &a.skipped {
        note(format!("{name}: {entry}: passed over ({why})"));
    }
    let top = a.chain.top().expect("the archive holds a certificate");
    let problem = match (&a.root, a.self_signed.len()) {
        (Some(_), 1) => None,
        (Some(r), _) => Some(format!(
            "the archive holds {} self-signed certificates; the chain ends in '{}', which is taken as the root",
            a.self_signed.len(),
            r.common_name()
        )),
        (None, 0) => Some(format!(
            "the archive holds no root: the server sent an incomplete chain. Its top is '{}', issued by '{}'; get that root from its CA or your system's CA bundle",
            top.common_name(),
            top.issuer_dn()
        )),
        (None, _) => Some(format!(
            "no root issued the chain of '{}': the self-signed certificates in the archive ({}) belong to no path from it",
            a.chain.leaf().map(Cert::common_name).unwrap_or_default(),
            a.self_signed.iter().map(Cert::common_name).collect::<Vec<_>>().join(", ")
        )),
    };

    // Everything is checked and built first; then all files are written at once.
    let mut plan = Vec::new();
    if let (Some(root), Some(dir)) = (&a.root, &args.out_dir) {
        plan.push(Planned::public(dir.join("root.pem"), root.to_pem()));
        if args.all {
            plan.push(Planned::public(
                dir.join("chain.pem"),
                a.chain.certs.iter().map(Cert::to_pem).collect::<String>(),
            ));
        }
        for p in &plan {
            if !args.force.force && p.path.exists() {
                return Err(crate::error::Error::input(format!(
                    "{}: already exists (use --force to overwrite it)",
                    p.path.display()
                )));
            }
        }
    }
    if let (Some(root), Some(ts)) = (&a.root, &args.truststore) {
        let add_to = ts.exists().then_some(ts.as_path());
        plan.push(
            plan_truststore(
                ts,
                add_to,
                vec![root.clone()],
                &args.store,
                args.force.force,
            )?
            .0,
        );
    }
    write_all(&plan, args.force.force)?;
    let files: Vec<String> = plan.iter().map(|p| p.path.display().to_string()).collect();
    let info = a.root.as_ref().map(root_info);
    let trusted_root = info.as_ref().is_some_and(|i| !i.lists.is_empty());
    let code = if problem.is_none() && trusted_root {
        EXIT_OK
    } else {
        EXIT_PROBLEMS
    };

    if args.json {
        print_json(
            out,
            &Report {
                zip: name,
                entries: a
                    .entries
                    .iter()
                    .map(|(e, c)| Entry {
                        entry: e.clone(),
                        subject_dn: c.subject_dn(),
                        self_signed: c.is_self_signed(),
                    })
                    .collect(),
                chain: a.chain.certs.iter().map(Cert::subject_dn).collect(),
                root: info,
                problem,
                files,
            },
        )?;
        return Ok(code);
    }
    writeln!(
        out,
        "{name}: {} certificate{} the server sent:",
        a.entries.len(),
        if a.entries.len() == 1 { "" } else { "s" }
    )?;
    for (i, c) in a.chain.certs.iter().enumerate() {
        let role = if a.root.as_ref().is_some_and(|r| r.der() == c.der()) {
            "root"
        } else if i == 0 {
            "server"
        } else {
            "intermediate"
        };
        writeln!(
            out,
            "  {}. {:<12} {}",
            i + 1,
            role,
            sanitize(&c.subject_dn())
        )?;
    }
    for c in &a.chain.unrelated {
        writeln!(
            out,
            "  -  {:<12} {}",
            "unrelated",
            sanitize(&c.subject_dn())
        )?;
    }
    if let Some(p) = &problem {
        writeln!(out, "✗ {}", sanitize(p))?;
    }
    if let (Some(root), Some(i)) = (&a.root, &info) {
        writeln!(out, "Root: {}", sanitize(&root.subject_dn()))?;
        writeln!(out, "  SHA-256 {}", i.fingerprint_sha256)?;
        if i.lists.is_empty() {
            writeln!(
                out,
                "✗ not on any SAP list (btp-required, btp-approved, xsuaa-x509)"
            )?;
            if let Some(real) = &i.look_alike_of {
                writeln!(
                    out,
                    "  it carries the name of a CA SAP lists, but SAP's is {}",
                    sanitize(real)
                )?;
            }
        } else {
            let required = i.lists.contains(&"btp-required");
            writeln!(
                out,
                "{} on {}{}",
                if required { "✓" } else { "!" },
                i.lists.join(", "),
                if required {
                    ": a root BTP endpoints use; it belongs in the sender's truststore"
                } else {
                    ""
                }
            )?;
        }
    }
    for f in &files {
        writeln!(out, "Wrote {}", sanitize(f))?;
    }
    Ok(code)
}
