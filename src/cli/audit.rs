//! `btpcert audit`: a report over folders of keys, certificates, instance
//! parameters and Connectivity Test zips, with a progress bar on a terminal.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::args::{at_or_now, RootArgs};
use super::style::plural;
use crate::error::{Error, ExitStatus, Result};
use crate::ops::audit::{self, AuditOptions, AuditOutcome};
use crate::sanitize::sanitize;
use crate::sap::audit::{csv_row, Row, CSV_HEADER};
use crate::sap::trust_lists::versions_line;

/// Fewer files than this are done before a bar would help.
const BAR_FROM: usize = 200;

/// `btpcert audit`.
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
    /// Also write the report as a self-contained HTML page: a sortable table and an expiry timeline (replaced if it exists)
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Also write every certificate's dates as metrics for node_exporter's textfile collector (replaced atomically)
    #[arg(long, value_name = "FILE")]
    pub prometheus: Option<PathBuf>,
}

/// Runs `btpcert audit`.
pub fn run(args: AuditArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let opts = AuditOptions {
        at: at_or_now(&args.at)?,
        inputs: args.inputs.clone(),
        warn_days: args.warn_days,
        roots: args.roots.options(),
        certificates: args.html.is_some() || args.prometheus.is_some(),
    };
    // A bar only where someone watches: counting the files first costs a
    // second walk of the folders.
    let mut bar: Option<ProgressBar> = None;
    let mut progress = |done, total| show_progress(&mut bar, done, total);
    let watched = std::io::stderr().is_terminal();
    let outcome = audit::run(&opts, watched.then_some(&mut progress as _));
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let render = match (args.csv, args.json) {
        (true, _) => render_csv,
        (_, true) => render_json,
        _ => render,
    };
    let outcome = outcome?;
    let reports = reports(&args, &outcome, opts.at)?;
    // Rows come in batches: one write per buffer, not one per line.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    let status = super::finish_with(&mut out, &outcome, reports, false, Some(false), render)?;
    match out.flush() {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Stdout(e)),
        _ => Ok(status),
    }
}

/// `--html FILE` and `--prometheus FILE`.
fn reports(
    args: &AuditArgs,
    outcome: &AuditOutcome,
    at: time::OffsetDateTime,
) -> Result<Vec<crate::write::Planned>> {
    use crate::web::report::{page, planned, View};
    let certs = &outcome.certificates;
    let mut files = Vec::new();
    if let Some(p) = &args.html {
        let json = serde_json::to_value(outcome).unwrap_or_default();
        let certs = serde_json::to_value(certs).ok();
        files.push(planned(p, page(View::Audit, at, json, certs)));
    }
    if let Some(p) = &args.prometheus {
        let text =
            crate::web::prometheus::text(outcome, certs).map_err(crate::error::Error::Stdout)?;
        files.push(planned(p, text));
    }
    Ok(files)
}

/// A bar on standard error, when it is a terminal and the files are many.
fn show_progress(bar: &mut Option<ProgressBar>, done: usize, total: usize) {
    if bar.is_none() && done == 0 && total >= BAR_FROM && std::io::stderr().is_terminal() {
        let b = ProgressBar::new(total as u64);
        b.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} files {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        *bar = Some(b);
    }
    if let Some(b) = bar {
        b.set_position(done as u64);
    }
}

/// `--json`: what `serde_json::to_writer_pretty` writes for the outcome,
/// byte for byte, with the rows formatted on every core.
pub fn render_json(out: &mut dyn Write, o: &AuditOutcome) -> std::io::Result<()> {
    /// The outcome with no rows: the frame the rows go into.
    #[derive(serde::Serialize)]
    struct Frame<'a> {
        rows: [(); 0],
        summary: &'a audit::Summary,
        trust_lists: &'a [crate::sap::trust_lists::ListVersion],
    }
    let frame = serde_json::to_string_pretty(&Frame {
        rows: [],
        summary: &o.summary,
        trust_lists: &o.trust_lists,
    })?;
    const EMPTY: &str = "{\n  \"rows\": []";
    let rest = match frame.strip_prefix(EMPTY) {
        Some(rest) if !o.rows.is_empty() => rest,
        _ => return writeln!(out, "{frame}"),
    };
    out.write_all(b"{\n  \"rows\": [")?;
    o.rows.render_each(
        &|i, row, buf| {
            buf.extend_from_slice(if i == 0 { b"\n    " } else { b",\n    " });
            let text = serde_json::to_string_pretty(row)?;
            for (k, line) in text.split('\n').enumerate() {
                if k > 0 {
                    buf.extend_from_slice(b"\n    ");
                }
                buf.extend_from_slice(line.as_bytes());
            }
            Ok(())
        },
        &mut |bytes| out.write_all(bytes),
    )?;
    out.write_all(b"\n  ]")?;
    writeln!(out, "{rest}")
}

/// The human rendering: a line per item with its problems, then the counts.
pub fn render(out: &mut dyn Write, o: &AuditOutcome) -> std::io::Result<()> {
    o.rows
        .render_each(&|_, r, buf| render_row(buf, r), &mut |bytes| {
            out.write_all(bytes)
        })?;
    if o.trust_judged {
        writeln!(out, "Trust lists: {}", versions_line(&o.trust_lists))?;
    }
    let (items, action) = (o.summary.items, o.summary.need_action);
    writeln!(
        out,
        "{items} item{}, {action} need{} action",
        plural(items),
        if action == 1 { "s" } else { "" }
    )
}

/// The CSV rendering: a header, then a line per item.
pub fn render_csv(out: &mut dyn Write, o: &AuditOutcome) -> std::io::Result<()> {
    writeln!(out, "{CSV_HEADER}")?;
    o.rows
        .render_each(&|_, r, buf| writeln!(buf, "{}", csv_row(r)), &mut |bytes| {
            out.write_all(bytes)
        })
}

fn render_row(out: &mut dyn Write, r: &Row) -> std::io::Result<()> {
    let mark = if r.needs_action { "✗" } else { "✓" };
    let yn = |v: Option<bool>| match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "-",
    };
    let trust = |v: Option<bool>| match v {
        None => "n/a",
        v => yn(v),
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
    let t = &r.trust;
    if t.iflow.is_some() || t.token.is_some() || t.server.is_some() {
        line.push_str(&format!(
            "  iflow:{} token:{} server:{}",
            trust(t.iflow),
            trust(t.token),
            trust(t.server)
        ));
    }
    if r.deprecated_grant == Some(true) {
        line.push_str("  client_x509!");
    }
    writeln!(out, "{line}")?;
    render_details(out, r)?;
    for p in r.problems.iter().chain(&r.error) {
        writeln!(out, "    - {}", sanitize(p))?;
    }
    for n in &r.notes {
        writeln!(out, "    note: {}", sanitize(n))?;
    }
    Ok(())
}

/// The leaf's serial number and the chain's effective expiry.
fn render_details(out: &mut dyn Write, r: &Row) -> std::io::Result<()> {
    let mut parts = Vec::new();
    if let Some(s) = &r.serial {
        parts.push(match &s.decimal {
            Some(d) => format!("serial {} (decimal {d})", s.hex),
            None => format!("serial {}", s.hex),
        });
    }
    if let Some(e) = &r.effective_expiry {
        let date = &e.not_after[..10.min(e.not_after.len())];
        parts.push(match e.role {
            "leaf" => format!("chain valid until {date}, set by the leaf"),
            _ => format!(
                "chain valid until {date} ({} days), set by intermediate {}",
                e.days_left,
                sanitize(&e.subject_dn)
            ),
        });
    }
    if !parts.is_empty() {
        writeln!(out, "    {}", parts.join("; "))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::RootOptions;

    fn audit_of(inputs: Vec<PathBuf>) -> AuditOutcome {
        let opts = AuditOptions {
            inputs,
            at: time::macros::datetime!(2030-01-01 0:00 UTC),
            warn_days: 30,
            roots: RootOptions::default(),
            certificates: false,
        };
        audit::run(&opts, None).unwrap()
    }

    fn both(o: &AuditOutcome) -> (String, String) {
        let mut ours = Vec::new();
        render_json(&mut ours, o).unwrap();
        let mut serde = serde_json::to_vec_pretty(o).unwrap();
        serde.push(b'\n');
        (
            String::from_utf8(ours).unwrap(),
            String::from_utf8(serde).unwrap(),
        )
    }

    #[test]
    fn json_is_what_serde_json_writes_byte_for_byte() {
        let testdata = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata"));
        let o = audit_of(vec![testdata]);
        assert!(o.rows.len() > 3);
        let (ours, serde) = both(&o);
        assert_eq!(ours, serde);
        // No rows: the frame alone.
        let empty = tempfile::tempdir().unwrap();
        let o = audit_of(vec![empty.path().to_path_buf()]);
        assert!(o.rows.is_empty());
        let (ours, serde) = both(&o);
        assert!(ours.contains("\"rows\": []"), "{ours}");
        assert_eq!(ours, serde);
        // Rows read back from the temporary file, and the human and CSV
        // renderings of them, as of rows held in memory.
        let dir = tempfile::tempdir().unwrap();
        let key = include_str!("../../testdata/service-key.json");
        for i in 0..2100 {
            std::fs::write(dir.path().join(format!("k{i:04}.json")), key).unwrap();
        }
        let o = audit_of(vec![dir.path().to_path_buf()]);
        let (ours, serde) = both(&o);
        assert_eq!(ours, serde);
        let mut human = Vec::new();
        render(&mut human, &o).unwrap();
        let mut by_row = Vec::new();
        for r in o.rows.iter() {
            render_row(&mut by_row, &r.unwrap()).unwrap();
        }
        assert!(human.starts_with(&by_row));
        assert!(String::from_utf8(human)
            .unwrap()
            .ends_with("2100 items, 0 need action\n"));
        let mut csv = Vec::new();
        render_csv(&mut csv, &o).unwrap();
        assert_eq!(String::from_utf8(csv).unwrap().lines().count(), 2101);
    }
}
