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

/// The certificates of one audited file, for reports that list
/// certificates one by one (`--prometheus`, `--html`).
#[derive(Debug, Serialize)]
pub struct FileCertificates {
    /// The file, as in its row.
    pub file: String,
    /// Its kind, as in its row.
    pub kind: String,
    /// Every certificate it holds, in file order.
    pub certificates: Vec<CertFacts>,
}

/// The parts of a distinguished name monitoring labels carry; empty when
/// absent.
#[derive(Debug, Default, Serialize)]
#[allow(non_snake_case)]
pub struct NameFields {
    /// Country.
    pub C: String,
    /// State or province.
    pub ST: String,
    /// Locality.
    pub L: String,
    /// Organisation.
    pub O: String,
    /// Organisational unit.
    pub OU: String,
    /// Common name.
    pub CN: String,
}

/// One certificate of an audited file.
#[derive(Debug, Serialize)]
pub struct CertFacts {
    /// Subject, as every report shows it.
    pub subject_dn: String,
    /// Issuer, as every report shows it.
    pub issuer_dn: String,
    /// The subject's parts.
    pub subject: NameFields,
    /// The issuer's parts.
    pub issuer: NameFields,
    /// The serial number in decimal.
    pub serial_number: String,
    /// Start of validity, RFC 3339.
    pub not_before: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// Start of validity, Unix seconds.
    pub not_before_unix: i64,
    /// End of validity, Unix seconds.
    pub not_after_unix: i64,
    /// Days from the time of the audit to the end of validity.
    pub days_left: i64,
    /// Whether it had expired at the time of the audit.
    pub expired: bool,
    /// SHA-256 of the DER, upper-case hex with colons.
    pub fingerprint_sha256: String,
}

/// Every certificate of each file the audit read (rows with an error
/// have none), read again after the audit, in the rows' order.
pub fn certificates(outcome: &AuditOutcome, at: OffsetDateTime) -> Vec<FileCertificates> {
    outcome
        .rows
        .par_iter()
        .filter(|r| r.error.is_none())
        .map(|r| FileCertificates {
            file: r.file.clone(),
            kind: r.kind.clone(),
            certificates: certs_of(Path::new(&r.file))
                .iter()
                .map(|c| facts(c, at))
                .collect(),
        })
        .collect()
}

/// The certificates of a zip's entries or of any other input; none when
/// the file holds none or no longer reads.
fn certs_of(path: &Path) -> Vec<crate::x509::cert::Cert> {
    let Ok(bytes) = walk::read_candidate(path) else {
        return Vec::new();
    };
    if zip::is_zip(&bytes) {
        return zip::read(&bytes)
            .map(|z| z.certs.into_iter().map(|(_, c)| c).collect())
            .unwrap_or_default();
    }
    input::load_bytes(&path.display().to_string(), &bytes)
        .map(|l| l.certs)
        .unwrap_or_default()
}

fn facts(c: &crate::x509::cert::Cert, at: OffsetDateTime) -> CertFacts {
    let x = c.x509().ok();
    let fields = |name: Option<&openssl::x509::X509NameRef>| {
        use openssl::nid::Nid;
        let get = |nid: Nid| {
            name.and_then(|n| n.entries_by_nid(nid).next())
                .and_then(|e| e.data().to_string().ok())
                .unwrap_or_default()
        };
        NameFields {
            C: get(Nid::COUNTRYNAME),
            ST: get(Nid::STATEORPROVINCENAME),
            L: get(Nid::LOCALITYNAME),
            O: get(Nid::ORGANIZATIONNAME),
            OU: get(Nid::ORGANIZATIONALUNITNAME),
            CN: get(Nid::COMMONNAME),
        }
    };
    let serial_number = x
        .and_then(|x| x.serial_number().to_bn().ok())
        .and_then(|b| b.to_dec_str().ok())
        .map(|s| s.to_string())
        .unwrap_or_default();
    let info = c.info(at);
    CertFacts {
        subject: fields(x.map(|x| x.subject_name())),
        issuer: fields(x.map(|x| x.issuer_name())),
        subject_dn: info.subject_dn,
        issuer_dn: info.issuer_dn,
        serial_number,
        not_before: info.not_before,
        not_after: info.not_after,
        not_before_unix: c.not_before().unix_timestamp(),
        not_after_unix: c.not_after().unix_timestamp(),
        days_left: info.days_left,
        expired: info.expired,
        fingerprint_sha256: info.fingerprint_sha256,
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
                fetch: false,
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
    #[test]
    fn every_certificate_of_each_file_with_its_names_and_dates() {
        let opts = AuditOptions {
            inputs: vec![concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/service-key.json").into()],
            at: time::macros::datetime!(2030-01-01 0:00 UTC),
            warn_days: 30,
            roots: RootOptions::default(),
        };
        let o = run(&opts, &mut |_, _| {}).unwrap();
        let certs = certificates(&o, opts.at);
        assert_eq!(certs.len(), 1);
        let c = &certs[0].certificates;
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].subject.O, "btpcert samples");
        assert_eq!(c[0].issuer.CN, "btpcert Sample Client CA");
        assert_eq!(c[0].serial_number, "371486", "0x05ab1e in decimal");
        assert_eq!(c[0].not_after, "2126-10-29T18:51:36Z");
        assert_eq!(c[0].not_after_unix, 4_948_973_496);
        assert!(!c[0].expired);
    }
}
