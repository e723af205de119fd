//! The fleet audit: one row per service key, instance parameter file,
//! certificate or Connectivity Test zip, saying what needs action.
//!
//! A file that cannot be read is a row with an error, never a crash.

use std::path::{Path, PathBuf};

use serde::Serialize;
use time::OffsetDateTime;

use crate::check::{CheckId, Status};
use crate::error::{Error, Result};
use crate::input;
use crate::input::zip;
use crate::sap::connectivity;
use crate::sap::instance;
use crate::sap::scenario::{judge, Scenario};
use crate::sap::servicekey::KeyKind;
use crate::x509::cert::Cert;
use crate::x509::roots::RootStore;
use crate::x509::verify::{build_path, Options};

/// File endings audited inside folders (files named explicitly always are).
pub const EXTENSIONS: &[&str] = &[
    "json", "pem", "crt", "cer", "der", "key", "txt", "zip", "p7b", "p7c",
];

pub struct AuditOptions {
    pub at: OffsetDateTime,
    pub warn_days: i64,
    /// Certificates to complete chains with (--roots files, the system bundle).
    pub store: RootStore,
}

#[derive(Debug, Default, Serialize)]
pub struct Trust {
    pub iflow: Option<bool>,
    pub token: Option<bool>,
    pub server: Option<bool>,
}

/// One audited item. Field names are stable (see README).
#[derive(Debug, Default, Serialize)]
pub struct Row {
    pub file: String,
    /// `service-key/certificate`, `service-key/external-certificate`,
    /// `service-key/client-secret`, `certificate`, `private-key`,
    /// `instance-parameters`, `connectivity-zip`, or `unreadable`.
    pub kind: String,
    pub subject: Option<String>,
    pub not_after: Option<String>,
    pub days_left: Option<i64>,
    pub client_auth: Option<bool>,
    pub trust: Trust,
    pub deprecated_grant: Option<bool>,
    pub key_match: Option<bool>,
    pub needs_action: bool,
    pub problems: Vec<String>,
    pub error: Option<String>,
}

/// Files to audit under `inputs`: folders are walked (hidden entries and
/// other file endings skipped, symbolic links to folders not followed),
/// files named are taken as they are. Sorted, so that reports are stable.
pub fn collect(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for i in inputs {
        let meta = std::fs::metadata(i).map_err(|e| Error::io(i, e))?;
        if meta.is_dir() {
            walk(i, &mut out)?;
        } else {
            out.push(i.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(_) => {
            // A folder that cannot be read is a row of its own (see audit_inner).
            out.push(dir.to_path_buf());
            return Ok(());
        }
    };
    for entry in rd {
        let Ok(entry) = entry else { continue };
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            walk(&path, out)?;
        } else if (ft.is_file() || ft.is_symlink() && path.is_file())
            && path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Audits one file.
pub fn audit_file(path: &Path, opts: &AuditOptions) -> Row {
    let file = path.display().to_string();
    match audit_inner(path, opts) {
        Ok(mut row) => {
            row.file = file;
            row.needs_action = !row.problems.is_empty();
            row
        }
        Err(e) => Row {
            file,
            kind: "unreadable".into(),
            needs_action: true,
            error: Some(e.to_string()),
            ..Row::default()
        },
    }
}

fn audit_inner(path: &Path, opts: &AuditOptions) -> Result<Row> {
    if path.is_dir() {
        return Err(match std::fs::read_dir(path) {
            Err(e) => Error::io(path, e),
            Ok(_) => Error::input(format!("{}: is a directory", path.display())),
        });
    }
    let (_, bytes) = input::read_source(&path.display().to_string())?;
    if zip::is_zip(&bytes) {
        return audit_zip(&bytes, opts);
    }
    let name = path.display().to_string();
    match input::load_bytes(&name, &bytes) {
        Ok(l) => audit_loaded(l, opts),
        Err(e) => {
            let text = input::decode_text(&bytes).unwrap_or_default();
            if text.contains("grant-types") || text.contains("\"roles\"") {
                if let Ok(p) = instance::find(&text) {
                    let r = instance::check_params(&p.value);
                    return Ok(Row {
                        kind: "instance-parameters".into(),
                        subject: p.instance,
                        deprecated_grant: Some(r.deprecated_grant),
                        problems: r
                            .checks
                            .iter()
                            .filter(|c| c.status == Status::Fail)
                            .map(|c| c.message.clone())
                            .collect(),
                        ..Row::default()
                    });
                }
            }
            Err(e)
        }
    }
}

fn audit_zip(bytes: &[u8], opts: &AuditOptions) -> Result<Row> {
    let a = connectivity::analyse(bytes)?;
    let mut row = Row {
        kind: "connectivity-zip".into(),
        ..Row::default()
    };
    match &a.root {
        Some(root) => {
            let info = connectivity::root_info(root);
            row.subject = Some(info.subject_dn.clone());
            fill_validity(&mut row, root, opts);
            row.trust.server = Some(info.lists.contains(&"btp-required"));
            if info.lists.is_empty() {
                row.problems
                    .push(format!("root '{}' is on no SAP list", root.common_name()));
            }
        }
        None => {
            row.subject = a.chain.leaf().map(Cert::subject_dn);
            row.problems
                .push("the archive holds no root: the server sent an incomplete chain".into());
        }
    }
    Ok(row)
}

fn fill_validity(row: &mut Row, c: &Cert, opts: &AuditOptions) {
    let na = c.not_after();
    let days = (na - opts.at).whole_days();
    row.not_after = Some(crate::x509::cert::rfc3339(na));
    row.days_left = Some(days);
}

fn audit_loaded(l: input::Loaded, opts: &AuditOptions) -> Result<Row> {
    let kind_name = |k: KeyKind| match k {
        KeyKind::Certificate => "service-key/certificate",
        KeyKind::ExternalCertificate => "service-key/external-certificate",
        KeyKind::ClientSecret => "service-key/client-secret",
    };
    let kind = l.service_key.as_ref().map(|sk| sk.kind);
    let mut row = Row {
        kind: match kind {
            Some(k) => kind_name(k).into(),
            None if l.certs.is_empty() => "private-key".into(),
            None => "certificate".into(),
        },
        ..Row::default()
    };
    if l.certs.is_empty() {
        return Ok(row);
    }
    let path = build_path(&l.certs, &opts.store);
    let leaf = path.certs[0].0.clone();
    row.subject = Some(leaf.subject_dn());
    fill_validity(&mut row, &leaf, opts);
    let client_auth = leaf.allows_client_auth();
    row.client_auth = Some(client_auth);
    let applicable = match kind {
        Some(KeyKind::Certificate) => vec![Scenario::Iflow],
        Some(_) => vec![Scenario::Iflow, Scenario::Token],
        None if client_auth => vec![Scenario::Iflow, Scenario::Token],
        None => vec![Scenario::Server],
    };
    let report = judge(
        &path,
        l.key.as_ref(),
        &Options {
            at: opts.at,
            warn_days: opts.warn_days,
        },
        &Scenario::ALL,
    );
    for s in &report.scenarios {
        let t = Some(s.trusted);
        match s.scenario {
            Scenario::Iflow => row.trust.iflow = t,
            Scenario::Token => row.trust.token = t,
            Scenario::Server => row.trust.server = t,
        }
    }
    let mut problems = Vec::new();
    for c in report.report.checks() {
        if c.status == Status::Fail || (c.status == Status::Warn && c.id == CheckId::Validity) {
            problems.push(c.message.clone());
        }
        if c.id == CheckId::KeyMatch {
            row.key_match = Some(c.status == Status::Ok);
        }
    }
    for s in report
        .scenarios
        .iter()
        .filter(|s| applicable.contains(&s.scenario))
    {
        for c in s.checks.iter().filter(|c| c.status == Status::Fail) {
            let msg = format!("{}: {}", s.scenario.name(), c.message);
            if !problems.contains(&msg) {
                problems.push(msg);
            }
        }
    }
    row.problems = problems;
    Ok(row)
}

/// The CSV header, and a row as CSV. Values that a spreadsheet would run as
/// a formula are prefixed with `'`.
pub const CSV_HEADER: &str =
    "file,kind,subject,not_after,days_left,client_auth,iflow,token,server,deprecated_grant,key_match,needs_action,problems,error";

pub fn csv_row(r: &Row) -> String {
    fn field(s: &str) -> String {
        let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{s}")
        } else {
            s.to_string()
        };
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    }
    let b = |v: Option<bool>| v.map(|b| b.to_string()).unwrap_or_default();
    [
        field(&r.file),
        field(&r.kind),
        field(r.subject.as_deref().unwrap_or("")),
        field(r.not_after.as_deref().unwrap_or("")),
        r.days_left.map(|d| d.to_string()).unwrap_or_default(),
        b(r.client_auth),
        b(r.trust.iflow),
        b(r.trust.token),
        b(r.trust.server),
        b(r.deprecated_grant),
        b(r.key_match),
        r.needs_action.to_string(),
        field(&r.problems.join("; ")),
        field(r.error.as_deref().unwrap_or("")),
    ]
    .join(",")
}
