//! `audit`: a report over folders of service keys, certificates, instance
//! parameters and Connectivity Test zips, one row per file, judged on every
//! core, in file-name order.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;
use time::OffsetDateTime;

use crate::error::{ExitStatus, Result};
use crate::input::{self, walk, zip};
use crate::ops::{Outcome, RootOptions};
use crate::sap::audit::{
    audit_instance, audit_material, audit_zip, compare_keys, AuditContext, Row,
};
use crate::sap::connectivity;
use crate::sap::trust_lists::{self, ListVersion, TrustList};

/// Files judged in parallel between two reports of progress.
const CHUNK: usize = 128;

/// What to audit, and how.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    /// Folders (walked) and files.
    pub inputs: Vec<PathBuf>,
    /// The time validity is judged at.
    pub at: OffsetDateTime,
    /// Flag certificates that expire within this many days.
    pub warn_days: i64,
    /// Where chains are completed from.
    pub roots: RootOptions,
}

/// How many items there are, and how many need action.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// Rows.
    pub items: usize,
    /// Rows that need action.
    pub need_action: usize,
}

/// The rows, in file-name order, and their summary.
#[derive(Debug, Serialize)]
pub struct AuditOutcome {
    /// One per file.
    pub rows: Vec<Row>,
    /// The counts.
    pub summary: Summary,
    /// The trust lists the rows were judged with, and their versions.
    pub trust_lists: Vec<ListVersion>,
}

impl Outcome for AuditOutcome {
    fn exit_status(&self) -> ExitStatus {
        ExitStatus::problems_if(self.summary.need_action > 0)
    }
}

/// Finds the files and judges each. `progress` hears (files done, files in
/// all): once before the first file, then as the work goes on.
pub fn run(opts: &AuditOptions, progress: &mut dyn FnMut(usize, usize)) -> Result<AuditOutcome> {
    let ctx = AuditContext {
        at: opts.at,
        warn_days: opts.warn_days,
        store: opts.roots.store()?,
    };
    let files = walk::collect(&opts.inputs)?;
    progress(0, files.len());
    let mut rows = Vec::with_capacity(files.len());
    for chunk in files.chunks(CHUNK) {
        rows.par_extend(chunk.par_iter().map(|f| audit_file(f, &ctx)));
        progress(rows.len(), files.len());
    }
    compare_keys(&mut rows);
    let need_action = rows.iter().filter(|r| r.needs_action).count();
    Ok(AuditOutcome {
        summary: Summary {
            items: rows.len(),
            need_action,
        },
        rows,
        trust_lists: trust_lists::versions(TrustList::ALL),
    })
}

/// The row of one file; a file that cannot be read or recognised is a row
/// with its error.
fn audit_file(path: &Path, ctx: &AuditContext) -> Row {
    let file = path.display().to_string();
    match judge_file(path, &file, ctx) {
        Ok(row) => row.done(file),
        Err(e) => Row::unreadable(file, &e),
    }
}

/// A zip, a service key, certificates or a key, or else instance parameters.
fn judge_file(path: &Path, name: &str, ctx: &AuditContext) -> Result<Row> {
    let bytes = walk::read_candidate(path)?;
    if zip::is_zip(&bytes) {
        let z = crate::input::zip::read(&bytes)?;
        return Ok(audit_zip(&connectivity::analyse(z.certs, z.skipped), ctx));
    }
    match input::load_bytes(name, &bytes) {
        Ok(l) => Ok(audit_material(
            l.service_key.as_ref(),
            &l.certs,
            l.key.as_ref(),
            ctx,
        )),
        Err(e) => input::decode_text(&bytes)
            .and_then(|text| audit_instance(&text))
            .ok_or(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixtures_need_action() {
        let opts = AuditOptions {
            inputs: vec![concat!(env!("CARGO_MANIFEST_DIR"), "/testdata").into()],
            at: time::macros::datetime!(2030-01-01 0:00 UTC),
            warn_days: 30,
            roots: RootOptions {
                files: Vec::new(),
                system: false,
            },
        };
        let mut calls = Vec::new();
        let o = run(&opts, &mut |done, total| calls.push((done, total))).unwrap();
        let n = o.rows.len();
        assert_eq!(o.summary.items, n);
        assert_eq!(calls.first(), Some(&(0, n)));
        assert_eq!(calls.last(), Some(&(n, n)));
        let row = |name: &str| {
            o.rows
                .iter()
                .find(|r| r.file.ends_with(&format!("/testdata/{name}")))
                .unwrap()
        };
        assert_eq!(row("service-key.json").kind, "service-key/certificate");
        assert_eq!(row("service-key.json").key_match, Some(true));
        assert_eq!(
            row("service-key-secret.json").kind,
            "service-key/client-secret"
        );
        assert!(!row("service-key-secret.json").needs_action);
        assert_eq!(row("sample-root.pem").kind, "certificate");
        assert_eq!(
            o.summary.need_action,
            o.rows.iter().filter(|r| r.needs_action).count()
        );
        assert_eq!(o.exit_status(), ExitStatus::Problems);
        let files: Vec<&String> = o.rows.iter().map(|r| &r.file).collect();
        let mut sorted = files.clone();
        sorted.sort();
        assert_eq!(files, sorted);
    }
}
