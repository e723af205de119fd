//! `btpcert trust list` and `btpcert trust check`: SAP's trust lists.

use std::io::Write;

use clap::{Args, Subcommand};

use super::args::{CliSecrets, OpenEmptyArgs, PasswordArgs, RootArgs};
use crate::error::{ExitStatus, Result};
use crate::ops::trust::{self, CheckOptions, CheckOutcome, ListOptions, ListOutcome};
use crate::sanitize::sanitize;
use crate::sap::trust_lists::TrustList;

/// `btpcert trust`.
#[derive(Debug, Args)]
pub struct TrustArgs {
    /// `list` or `check`.
    #[command(subcommand)]
    pub command: TrustCommand,
}

/// The subcommands of `btpcert trust`.
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
        /// Certificate, chain, service key, keystore or truststore (PKCS#12, JKS)
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
        /// For keystores: where their password comes from
        #[command(flatten)]
        password: PasswordArgs,
        #[command(flatten)]
        open_empty: OpenEmptyArgs,
    },
}

/// Runs `btpcert trust list` or `btpcert trust check`.
pub fn run(args: TrustArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    match args.command {
        TrustCommand::List { list, json } => {
            let opts = ListOptions {
                list: list.as_deref().map(str::parse::<TrustList>).transpose()?,
            };
            let outcome = trust::list(&opts)?;
            super::finish(out, &outcome, false, Some(json), render_list)
        }
        TrustCommand::Check {
            file,
            list,
            roots,
            json,
            password,
            open_empty,
        } => {
            let opts = CheckOptions {
                list: list.parse()?,
                file,
                roots: roots.options(),
            };
            let secrets = CliSecrets::new(&password).open_empty(open_empty);
            let outcome = trust::check_with(&opts, &secrets)?;
            super::finish(out, &outcome, false, Some(json), render_check)
        }
    }
}

/// The human rendering of `trust list`: each list with its entries.
pub fn render_list(out: &mut dyn Write, o: &ListOutcome) -> std::io::Result<()> {
    for id in TrustList::ALL {
        if o.list.is_some_and(|l| l != id) {
            continue;
        }
        let mine: Vec<_> = o.entries.iter().filter(|e| e.list == id).collect();
        writeln!(out, "{id} ({} entries): {}", mine.len(), id.about())?;
        for e in mine {
            writeln!(
                out,
                "  {:<95}  {}",
                e.sha256.unwrap_or("(named only, no fingerprint)"),
                e.subject
            )?;
        }
    }
    Ok(())
}

/// The human rendering of `trust check`: yes or no, and why.
pub fn render_check(out: &mut dyn Write, o: &CheckOutcome) -> std::io::Result<()> {
    let list = o.list;
    if let Some(m) = &o.matched {
        return writeln!(
            out,
            "yes: '{}' (SHA-256 {}) is on {list}",
            sanitize(&m.subject_dn),
            m.fingerprint_sha256
        );
    }
    if o.truststore {
        return writeln!(
            out,
            "no: none of the {} certificate{} of the truststore {} is on {list}",
            o.path.len(),
            if o.path.len() == 1 { "" } else { "s" },
            sanitize(&o.source)
        );
    }
    let Some(top) = o.path.last() else {
        return Ok(());
    };
    writeln!(
        out,
        "no: no certificate of the chain of {} is on {list}; its top is '{}' (SHA-256 {})",
        sanitize(&o.source),
        sanitize(&top.subject_dn),
        top.fingerprint_sha256
    )?;
    if let Some(real) = &o.look_alike {
        writeln!(
            out,
            "    it carries the name of a listed CA, but SAP's '{}' has SHA-256 {}",
            real.subject,
            real.sha256.unwrap_or("-")
        )?;
    }
    Ok(())
}
