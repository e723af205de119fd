//! `btpcert audit`: a report over folders of keys, certificates, instance
//! parameters and Connectivity Test zips. Uses every core, streams its rows.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;
use rayon::prelude::*;

use super::args::{at_or_now, RootArgs};
use crate::error::{Result, EXIT_OK, EXIT_PROBLEMS};
use crate::sanitize::sanitize;
use crate::sap::audit::{audit_file, collect, csv_row, AuditOptions, Row, CSV_HEADER};

/// Files audited in parallel at a time; rows are printed in file order.
const CHUNK: usize = 512;

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Folders (walked) and files
    #[arg(value_name = "DIR|FILE", required = true)]
    pub inputs: Vec<PathBuf>,
    /// Flag certificates that expire within N days
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub warn_days: i64,
    /// Judge validity at this time instead of now
    #[arg(long, value_name = "DATETIME")]
    pub at: Option<String>,
    #[command(flatten)]
    pub roots: RootArgs,
    /// Print JSON: {"rows": [...], "summary": {...}}
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV with a header line
    #[arg(long)]
    pub csv: bool,
}

pub fn run(args: AuditArgs, out: &mut dyn Write) -> Result<i32> {
    let opts = AuditOptions {
        at: at_or_now(&args.at)?,
        warn_days: args.warn_days,
        store: args.roots.options().store()?,
    };
    let files = collect(&args.inputs)?;
    let bar = if std::io::stderr().is_terminal() && files.len() >= 200 {
        let b = indicatif::ProgressBar::new(files.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} files {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(b)
    } else {
        None
    };
    if args.csv {
        writeln!(out, "{CSV_HEADER}")?;
    } else if args.json {
        write!(out, "{{\"rows\": [")?;
    }
    let (mut items, mut action) = (0usize, 0usize);
    for chunk in files.chunks(CHUNK) {
        let rows: Vec<Row> = chunk.par_iter().map(|f| audit_file(f, &opts)).collect();
        for r in &rows {
            if args.csv {
                writeln!(out, "{}", csv_row(r))?;
            } else if args.json {
                if items > 0 {
                    write!(out, ",")?;
                }
                write!(out, "\n  ")?;
                serde_json::to_writer(&mut *out, r)
                    .map_err(|e| crate::error::Error::Stdout(e.into()))?;
            } else {
                print_row(out, r)?;
            }
            items += 1;
            action += usize::from(r.needs_action);
        }
        if let Some(b) = &bar {
            b.inc(chunk.len() as u64);
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if args.json {
        writeln!(
            out,
            "\n], \"summary\": {{\"items\": {items}, \"need_action\": {action}}}}}"
        )?;
    } else if !args.csv {
        writeln!(
            out,
            "{items} item{}, {action} need{} action",
            if items == 1 { "" } else { "s" },
            if action == 1 { "s" } else { "" }
        )?;
    }
    Ok(if action > 0 { EXIT_PROBLEMS } else { EXIT_OK })
}

fn print_row(out: &mut dyn Write, r: &Row) -> Result<()> {
    let mark = if r.needs_action { "✗" } else { "✓" };
    let yn = |v: Option<bool>| match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "-",
    };
    let mut line = format!("{mark} {}  [{}]", sanitize(&r.file), r.kind);
    if let Some(s) = &r.subject {
        line.push_str(&format!("  {}", sanitize(s)));
    }
    if let (Some(d), Some(na)) = (r.days_left, &r.not_after) {
        line.push_str(&format!("  until {} ({d} days)", &na[..10.min(na.len())]));
    }
    if r.client_auth.is_some() {
        line.push_str(&format!("  clientAuth:{}", yn(r.client_auth)));
    }
    if r.trust.iflow.is_some() || r.trust.server.is_some() {
        line.push_str(&format!(
            "  iflow:{} token:{} server:{}",
            yn(r.trust.iflow),
            yn(r.trust.token),
            yn(r.trust.server)
        ));
    }
    if r.deprecated_grant == Some(true) {
        line.push_str("  client_x509!");
    }
    writeln!(out, "{line}")?;
    for p in &r.problems {
        writeln!(out, "    - {}", sanitize(p))?;
    }
    if let Some(e) = &r.error {
        writeln!(out, "    - {}", sanitize(e))?;
    }
    Ok(())
}
