//! `audit`: a report over folders of service keys, certificates, instance
//! parameters and Connectivity Test zips, one row per file, judged on every
//! core, in file-name order.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use rayon::prelude::*;
use serde::Serialize;
use time::OffsetDateTime;

use crate::error::{ExitStatus, Result};
use crate::input::{self, walk, zip};
use crate::ops::{Outcome, RootOptions};
use crate::sap::audit::{
    audit_instance, audit_zip, judge_material, material_path, AuditContext, KeyComparison,
    KeyFindings, Row,
};
use crate::sap::connectivity;
use crate::sap::trust_lists::{self, ListVersion, TrustList};
use crate::x509::cert::Cert;
use crate::x509::verify::Path;

/// Files judged in parallel between two reports of progress (more on a
/// machine of more than 4 cores, so that every core has tasks: see
/// [`chunk_len`]).
const CHUNK: usize = 256;

/// Files one task takes through each step of judging (reading, parsing,
/// building paths, judging) before the next step, rather than one file
/// through every step: each step's code then stays in the core's caches
/// (15 % less time for a fleet of service keys than file by file). Fewer
/// where a chunk has too few files to give every core tasks of 16.
const STAGED: usize = 16;

/// Fewer files than [`STAGED`] are taken together once their bytes reach
/// this, so that judging in steps holds at most this much beyond one file
/// per core (a folder of big files is judged one file at a time). Zips and
/// instance parameters are judged whole in the step that reads them, and
/// only their rows wait for the others.
const STAGED_BYTES: usize = 256 * 1024;

/// How many files a round of judging takes: [`CHUNK`], or four tasks of
/// [`STAGED`] files for every thread where that is more.
fn chunk_len(threads: usize) -> usize {
    CHUNK.max(4 * STAGED * threads)
}

/// How many files of a chunk of `len` one task takes: [`STAGED`], or
/// fewer where that would leave threads without a task.
fn task_len(len: usize, threads: usize) -> usize {
    (len / threads.max(1)).clamp(1, STAGED)
}

/// Rows kept in memory up to this many; an audit of more keeps them in a
/// temporary file, so that its memory does not grow with the fleet.
const IN_MEMORY: usize = 2048;

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
    /// Also gather every certificate of each file
    /// ([`AuditOutcome::certificates`]), for `--html` and `--prometheus`.
    pub certificates: bool,
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
    pub rows: Rows,
    /// The counts.
    pub summary: Summary,
    /// The trust lists the rows were judged with, and their versions.
    pub trust_lists: Vec<ListVersion>,
    /// Whether any row was judged against a trust list.
    #[serde(skip)]
    pub trust_judged: bool,
    /// Every certificate of each file read (rows with an error have none),
    /// in the rows' order; empty unless [`AuditOptions::certificates`].
    #[serde(skip)]
    pub certificates: Vec<FileCertificates>,
}

impl Outcome for AuditOutcome {
    fn exit_status(&self) -> ExitStatus {
        ExitStatus::problems_if(self.summary.need_action > 0)
    }
}

/// The rows of an audit, in file-name order: in memory for a small audit,
/// else in a temporary file (deleted when the rows are dropped), read
/// back one at a time. What the keys say of each other
/// ([`compare_keys`](crate::sap::audit::compare_keys)) is added as each
/// row is read.
#[derive(Debug)]
pub struct Rows {
    len: usize,
    memory: Vec<Row>,
    spill: Option<std::fs::File>,
    findings: KeyFindings,
}

impl Rows {
    /// How many rows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every row, in order; an error only if the temporary file cannot be
    /// read back.
    pub fn iter(&self) -> impl Iterator<Item = std::io::Result<Row>> + '_ {
        use std::io::{BufRead, Seek};
        let mut reader = self.spill.as_ref().map(|mut f| {
            let at_start = f.seek(std::io::SeekFrom::Start(0));
            (at_start, std::io::BufReader::with_capacity(1 << 16, f))
        });
        let mut line = String::new();
        (0..self.len).map(move |i| {
            let mut row: Row = match &mut reader {
                None => self.memory[i].clone(),
                Some((Err(e), _)) => return Err(std::io::Error::new(e.kind(), e.to_string())),
                Some((Ok(_), r)) => {
                    line.clear();
                    r.read_line(&mut line)?;
                    serde_json::from_str(&line).map_err(std::io::Error::other)?
                }
            };
            self.findings.apply(i, &mut row);
            Ok(row)
        })
    }
}

/// How [`Rows::render_each`] renders a row (given its position) into a buffer.
pub type RenderRow<'a> = dyn Fn(usize, &Row, &mut Vec<u8>) -> std::io::Result<()> + Sync + 'a;

/// Rows rendered on every core between two writes.
const RENDER_BATCH: usize = 512;

impl Rows {
    /// Renders every row with `render` (given its position) on every core,
    /// a batch at a time, and hands the bytes to `write` in order: the
    /// output of a big audit is formatted in parallel, and never held
    /// whole.
    pub fn render_each(
        &self,
        render: &RenderRow<'_>,
        write: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        use std::io::{BufRead, Seek};
        let one = |i: usize, row: Row| -> std::io::Result<Vec<u8>> {
            let mut row = row;
            self.findings.apply(i, &mut row);
            let mut buf = Vec::with_capacity(1024);
            render(i, &row, &mut buf)?;
            Ok(buf)
        };
        let mut reader = match self.spill.as_ref() {
            Some(mut f) => {
                f.seek(std::io::SeekFrom::Start(0))?;
                Some(std::io::BufReader::with_capacity(1 << 16, f))
            }
            None => None,
        };
        let mut start = 0;
        while start < self.len {
            let end = (start + RENDER_BATCH).min(self.len);
            let rendered: Vec<std::io::Result<Vec<u8>>> = match &mut reader {
                None => self.memory[start..end]
                    .par_iter()
                    .enumerate()
                    .map(|(k, r)| one(start + k, r.clone()))
                    .collect(),
                Some(r) => {
                    let mut lines = Vec::with_capacity(end - start);
                    for _ in start..end {
                        let mut line = String::new();
                        r.read_line(&mut line)?;
                        lines.push(line);
                    }
                    lines
                        .par_iter()
                        .enumerate()
                        .map(|(k, line)| {
                            let row: Row =
                                serde_json::from_str(line).map_err(std::io::Error::other)?;
                            one(start + k, row)
                        })
                        .collect()
                }
            };
            for bytes in rendered {
                write(&bytes?)?;
            }
            start = end;
        }
        Ok(())
    }
}

impl Serialize for Rows {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq};
        let mut seq = s.serialize_seq(Some(self.len))?;
        for r in self.iter() {
            seq.serialize_element(&r.map_err(S::Error::custom)?)?;
        }
        seq.end()
    }
}

/// Where rows go as they are judged: memory, then a temporary file.
#[derive(Default)]
struct Sink {
    memory: Vec<Row>,
    spill: Option<std::io::BufWriter<std::fs::File>>,
    len: usize,
}

impl Sink {
    /// Adds judged rows, in order; past [`IN_MEMORY`] they are
    /// serialised on every core and written to the temporary file.
    fn push(&mut self, rows: Vec<Row>) -> Result<()> {
        self.len += rows.len();
        if self.spill.is_none() && self.memory.len() + rows.len() > IN_MEMORY {
            // No temporary folder: the rows stay in memory.
            if let Ok(f) = tempfile::tempfile() {
                let mut w = std::io::BufWriter::with_capacity(1 << 16, f);
                spill(&mut w, &std::mem::take(&mut self.memory))?;
                self.spill = Some(w);
            }
        }
        match &mut self.spill {
            Some(w) => spill(w, &rows),
            None => {
                self.memory.extend(rows);
                Ok(())
            }
        }
    }

    /// The files of rows `wanted` (positions), read back from the rows.
    fn files_of(&mut self, wanted: &[usize]) -> Result<HashMap<usize, String>> {
        use std::io::{BufRead, Seek};
        let mut out = HashMap::with_capacity(wanted.len());
        if wanted.is_empty() {
            return Ok(out);
        }
        let Some(w) = &mut self.spill else {
            for &i in wanted {
                if let Some(r) = self.memory.get(i) {
                    out.insert(i, r.file.clone());
                }
            }
            return Ok(out);
        };
        #[derive(serde::Deserialize)]
        struct FileOnly {
            file: String,
        }
        w.flush().map_err(spill_error)?;
        let mut f = w.get_ref();
        f.seek(std::io::SeekFrom::Start(0)).map_err(spill_error)?;
        let mut reader = std::io::BufReader::with_capacity(1 << 16, f);
        let mut wanted: Vec<usize> = wanted.to_vec();
        wanted.sort_unstable();
        wanted.dedup();
        let mut line = String::new();
        let mut at = 0;
        for i in wanted {
            while at <= i {
                line.clear();
                if reader.read_line(&mut line).map_err(spill_error)? == 0 {
                    return Ok(out);
                }
                at += 1;
            }
            let row: FileOnly =
                serde_json::from_str(&line).map_err(|e| spill_error(std::io::Error::other(e)))?;
            out.insert(i, row.file);
        }
        // Rows are appended after what was written.
        w.get_ref()
            .seek(std::io::SeekFrom::End(0))
            .map_err(spill_error)?;
        Ok(out)
    }

    fn finish(self, findings: KeyFindings) -> Result<Rows> {
        let spill = match self.spill {
            Some(w) => Some(w.into_inner().map_err(|e| spill_error(e.into_error()))?),
            None => None,
        };
        Ok(Rows {
            len: self.len,
            memory: self.memory,
            spill,
            findings,
        })
    }
}

/// Writes rows as JSON lines, serialised on every core.
fn spill(w: &mut impl std::io::Write, rows: &[Row]) -> Result<()> {
    let lines: Vec<Vec<u8>> = rows
        .par_iter()
        .map(|r| {
            let mut line = serde_json::to_vec(r).map_err(|e| spill_error(e.into()))?;
            line.push(b'\n');
            Ok(line)
        })
        .collect::<Result<_>>()?;
    for line in lines {
        w.write_all(&line).map_err(spill_error)?;
    }
    Ok(())
}

fn spill_error(e: std::io::Error) -> crate::error::Error {
    crate::error::Error::io(std::env::temp_dir(), e)
}

/// Finds the files and judges each. `progress`, where given, hears (files
/// done, files in all): once before the first file, then as the work goes
/// on; the files are then counted first.
pub fn run(
    opts: &AuditOptions,
    progress: Option<&mut dyn FnMut(usize, usize)>,
) -> Result<AuditOutcome> {
    let ctx = AuditContext {
        at: opts.at,
        warn_days: opts.warn_days,
        store: opts.roots.store()?,
    };
    // A walk holds the listings of the folders it is in, not the paths of
    // the fleet, so that an audit's memory does not grow with the fleet's
    // names; counting for a progress bar walks the folders once more.
    let mut files = walk::Walk::new(&opts.inputs)?;
    let mut progress = progress.map(|p| {
        let total = walk::Walk::new(&opts.inputs).map_or(0, |w| w.count());
        p(0, total);
        (p, total)
    });
    let mut gathered = Gathered::default();
    let threads = rayon::current_num_threads();
    let mut next: Vec<PathBuf> = files.by_ref().take(chunk_len(threads)).collect();
    let mut judged: Vec<Judged> = Vec::new();
    // Each round judges one chunk on every core while one task takes in
    // the chunk judged before and lists the next: the walk and the rows'
    // bookkeeping overlap the judging instead of leaving cores idle.
    while !next.is_empty() || !judged.is_empty() {
        let chunk = std::mem::take(&mut next);
        let before = std::mem::take(&mut judged);
        let (now, taken) = rayon::join(
            || {
                chunk
                    .par_chunks(task_len(chunk.len(), threads))
                    .flat_map_iter(|files| audit_files(files, &ctx, opts.certificates))
                    .collect::<Vec<Judged>>()
            },
            || -> Result<Vec<PathBuf>> {
                gathered.take_in(before)?;
                Ok(files.by_ref().take(chunk_len(threads)).collect())
            },
        );
        next = taken?;
        judged = now;
        if let Some((p, total)) = progress.as_mut().filter(|_| !judged.is_empty()) {
            let done = gathered.sink.len + judged.len();
            p(done, (*total).max(done));
        }
    }
    let Gathered {
        mut sink,
        mut keys,
        needs_action,
        trust_judged,
        certificates,
    } = gathered;
    let items = needs_action.len();
    // The rows that findings name: their files, read back from the rows.
    let names = sink.files_of(&keys.named_rows())?;
    let findings = keys.finish(items, |i| names.get(&i).cloned().unwrap_or_default());
    let need_action = (0..items)
        .filter(|&i| needs_action[i] || findings.adds_problem(i))
        .count();
    Ok(AuditOutcome {
        summary: Summary { items, need_action },
        rows: sink.finish(findings)?,
        trust_lists: trust_lists::versions(TrustList::ALL),
        trust_judged,
        certificates,
    })
}

/// One file's row, and its certificates' facts where asked for.
type Judged = (Row, Option<Vec<CertFacts>>);

/// What an audit keeps of the rows judged so far.
#[derive(Default)]
struct Gathered {
    sink: Sink,
    keys: KeyComparison,
    needs_action: Vec<bool>,
    trust_judged: bool,
    certificates: Vec<FileCertificates>,
}

impl Gathered {
    /// Takes in judged rows, in order.
    fn take_in(&mut self, judged: Vec<Judged>) -> Result<()> {
        if judged.is_empty() {
            return Ok(());
        }
        let mut rows = Vec::with_capacity(judged.len());
        for (row, certs) in judged {
            let i = self.needs_action.len();
            if let Some(reg) = &row.registered {
                self.keys.add(i, reg);
            }
            self.needs_action.push(row.needs_action);
            let t = &row.trust;
            self.trust_judged |= t.iflow.is_some() || t.token.is_some() || t.server.is_some();
            if let Some(certs) = certs {
                self.certificates.push(FileCertificates {
                    file: row.file.clone(),
                    kind: row.kind.clone(),
                    certificates: certs,
                });
            }
            rows.push(row);
        }
        self.sink.push(rows)
    }
}

/// The rows of `files`, in their order, and with `certificates` the facts
/// of every certificate each holds (none for a row with an error); a file
/// that cannot be read or recognised is a row with its error. Each step is
/// taken for several files before the next (see [`STAGED`],
/// [`STAGED_BYTES`]).
fn audit_files(files: &[PathBuf], ctx: &AuditContext, certificates: bool) -> Vec<Judged> {
    let mut judged = Vec::with_capacity(files.len());
    let mut rest = files;
    while !rest.is_empty() {
        let read = read_some(&mut rest, STAGED_BYTES, walk::read_candidate);
        judged.extend(judge_read(read, ctx, certificates));
    }
    judged
}

/// Files from the front of `rest`, each with its name, read with `read`
/// until their bytes reach `budget` (at least one file); `rest` keeps the
/// others.
fn read_some(
    rest: &mut &[PathBuf],
    budget: usize,
    read: impl Fn(&std::path::Path) -> Result<Vec<u8>>,
) -> Vec<(String, Result<Vec<u8>>)> {
    let mut out = Vec::new();
    let mut held = 0;
    while let Some((file, tail)) = rest.split_first() {
        if !out.is_empty() && held >= budget {
            break;
        }
        let bytes = read(file);
        held += bytes.as_ref().map_or(0, Vec::len);
        out.push((file.display().to_string(), bytes));
        *rest = tail;
    }
    out
}

/// The rows of files read, each step taken for all of them before the next.
fn judge_read(
    read: Vec<(String, Result<Vec<u8>>)>,
    ctx: &AuditContext,
    certificates: bool,
) -> Vec<Judged> {
    let taken: Vec<Taken> = read
        .into_iter()
        .map(|(file, bytes)| take(file, bytes, ctx, certificates))
        .collect();
    let paths: Vec<Option<Path>> = taken
        .iter()
        .map(|t| match t {
            Taken::Material(_, l) => material_path(&l.certs, ctx),
            Taken::Judged(_) => None,
        })
        .collect();
    taken
        .into_iter()
        .zip(paths)
        .map(|(taken, path)| match taken {
            Taken::Material(file, l) => {
                let row = judge_material(l.service_key.as_ref(), path, l.key.as_ref(), ctx);
                finish(file, Ok((row, l.certs)), ctx, certificates)
            }
            Taken::Judged(judged) => judged,
        })
        .collect()
}

/// A file read: a service key, certificates or a key, still to be judged;
/// or the row of what else it was (a zip, instance parameters) or of why it
/// cannot be read.
enum Taken {
    Material(String, input::Loaded),
    Judged(Judged),
}

/// A zip, a service key, certificates or a key, or else instance
/// parameters. Everything but the service key, certificates or key is
/// judged here, its certificates dropped once their facts are taken.
fn take(file: String, bytes: Result<Vec<u8>>, ctx: &AuditContext, certificates: bool) -> Taken {
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => return Taken::Judged(finish(file, Err(e), ctx, certificates)),
    };
    let judged = if zip::is_zip(&bytes) {
        crate::input::zip::read(&bytes).map(|z| {
            let certs = z.certs.iter().map(|(_, c)| c.clone()).collect();
            (
                audit_zip(&connectivity::analyse(z.certs, z.skipped), ctx),
                certs,
            )
        })
    } else {
        match input::load_bytes(&file, &bytes) {
            Ok(l) => return Taken::Material(file, l),
            Err(e) => input::decode_text(&bytes)
                .and_then(|text| audit_instance(&text))
                .map(|row| (row, Vec::new()))
                .ok_or(e),
        }
    };
    Taken::Judged(finish(file, judged, ctx, certificates))
}

/// The row of `file`, with `certificates` the facts of every certificate it
/// holds (none for a row with an error).
fn finish(
    file: String,
    judged: Result<(Row, Vec<Cert>)>,
    ctx: &AuditContext,
    certificates: bool,
) -> Judged {
    match judged {
        Ok((row, certs)) => {
            let facts = certificates.then(|| certs.iter().map(|c| facts(c, ctx.at)).collect());
            (row.done(file), facts)
        }
        Err(e) => (Row::unreadable(file, &e), None),
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
    /// The serial number in decimal, signed as OpenSSL reads it; empty
    /// for one longer than
    /// [`MAX_DECIMAL_SERIAL_OCTETS`](crate::sap::servicekey::MAX_DECIMAL_SERIAL_OCTETS)
    /// octets.
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

fn facts(c: &Cert, at: OffsetDateTime) -> CertFacts {
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
    // BN_bn2dec takes some n² steps for n digits: a serial of megabytes
    // would keep it busy for hours.
    let short = |x: &&openssl::x509::X509| {
        x.serial_number().to_bn().is_ok_and(|b| {
            b.num_bytes() as usize <= crate::sap::servicekey::MAX_DECIMAL_SERIAL_OCTETS
        })
    };
    let serial_number = x
        .filter(short)
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
            certificates: false,
        };
        let mut calls = Vec::new();
        let o = run(&opts, Some(&mut |done, total| calls.push((done, total)))).unwrap();
        let rows: Vec<Row> = o.rows.iter().map(Result::unwrap).collect();
        let n = rows.len();
        assert_eq!(o.summary.items, n);
        assert_eq!(calls.first(), Some(&(0, n)));
        assert_eq!(calls.last(), Some(&(n, n)));
        let row = |name: &str| {
            rows.iter()
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
            rows.iter().filter(|r| r.needs_action).count()
        );
        assert_eq!(o.exit_status(), ExitStatus::Problems);
        let files: Vec<&String> = rows.iter().map(|r| &r.file).collect();
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
            certificates: true,
        };
        let o = run(&opts, None).unwrap();
        let certs = &o.certificates;
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

    #[test]
    fn every_thread_gets_tasks_whatever_the_chunk() {
        for threads in [1, 2, 3, 8, 16, 64, 256] {
            let chunk = chunk_len(threads);
            for len in [1, 2, 5, 15, 16, 17, 100, chunk] {
                let task = task_len(len, threads);
                assert!((1..=STAGED).contains(&task), "{len} {threads}: {task}");
                // As many tasks as threads, or tasks of STAGED files.
                assert!(
                    len.div_ceil(task) >= threads.min(len) || task == STAGED,
                    "{len} files, {threads} threads: tasks of {task}"
                );
            }
            assert!(chunk / STAGED >= threads, "{threads}: chunk {chunk}");
        }
        assert_eq!(task_len(256, 2), STAGED);
        assert_eq!((task_len(16, 2), task_len(3, 2), task_len(1, 2)), (8, 1, 1));
        assert_eq!(chunk_len(2), CHUNK);
    }

    #[test]
    fn files_are_judged_together_up_to_a_budget_of_bytes_each_read_once() {
        let sizes = [100, 100, 100, 1, 20_000, 1, 1, 0, 0, 0];
        let files: Vec<PathBuf> = (0..sizes.len())
            .map(|i| PathBuf::from(i.to_string()))
            .collect();
        let reads = std::cell::RefCell::new(Vec::new());
        let read = |p: &std::path::Path| {
            let i: usize = p.to_str().unwrap().parse().unwrap();
            reads.borrow_mut().push(i);
            Ok(vec![0u8; sizes[i]])
        };
        let mut rest = files.as_slice();
        let mut groups = Vec::new();
        while !rest.is_empty() {
            let names: Vec<String> = read_some(&mut rest, 250, read)
                .into_iter()
                .map(|(name, bytes)| {
                    assert_eq!(bytes.unwrap().len(), sizes[name.parse::<usize>().unwrap()]);
                    name
                })
                .collect();
            groups.push(names.join(","));
        }
        // A group ends with the file that brings it to the budget: a big
        // file after small ones is held with them, never with another.
        assert_eq!(groups, ["0,1,2", "3,4", "5,6,7,8,9"]);
        assert_eq!(*reads.borrow(), (0..sizes.len()).collect::<Vec<_>>());
        // Nothing but errors: one group, each file read once.
        let mut rest = files.as_slice();
        let all = read_some(&mut rest, 250, |_| {
            Err(crate::error::Error::input("unreadable".to_string()))
        });
        assert_eq!((all.len(), rest.len()), (files.len(), 0));
    }

    #[test]
    fn many_rows_go_through_a_temporary_file_and_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let key = include_str!("../../testdata/service-key.json");
        let n = IN_MEMORY + 5;
        for i in 0..n {
            std::fs::write(dir.path().join(format!("k{i:05}.json")), key).unwrap();
        }
        let opts = AuditOptions {
            inputs: vec![dir.path().to_path_buf()],
            at: time::macros::datetime!(2030-01-01 0:00 UTC),
            warn_days: 30,
            roots: RootOptions::default(),
            certificates: false,
        };
        let mut calls = Vec::new();
        let o = run(&opts, Some(&mut |done, total| calls.push((done, total)))).unwrap();
        assert!(o.rows.spill.is_some() && o.rows.memory.is_empty());
        let rows: Vec<Row> = o.rows.iter().map(Result::unwrap).collect();
        assert_eq!((rows.len(), o.rows.len(), o.summary.items), (n, n, n));
        // Chunks judged while the one before is taken in: the rows keep
        // the files' order.
        for (i, r) in rows.iter().enumerate() {
            assert!(
                r.file.ends_with(&format!("k{i:05}.json")),
                "{i}: {}",
                r.file
            );
        }
        assert_eq!(calls.first(), Some(&(0, n)));
        assert_eq!(calls.last(), Some(&(n, n)));
        assert!(calls.windows(2).all(|w| w[0].0 < w[1].0), "{calls:?}");
        assert_eq!(rows[0].key_match, Some(true));
        assert_eq!(
            rows[0].serial.as_ref().unwrap().decimal.as_deref(),
            Some("371486")
        );
        // The same certificate in every key: each row has the note, naming
        // ten files and counting the others.
        let more = format!("and {} more", n - crate::sap::audit::NAMED_FILES);
        assert!(rows
            .iter()
            .all(|r| r.notes.iter().any(|t| t.contains(&more))));
        // The files named are the first ten, read back from the
        // temporary file: the walk keeps no list of names.
        let note = rows[n - 1]
            .notes
            .iter()
            .find(|t| t.contains(&more))
            .unwrap();
        for i in 0..crate::sap::audit::NAMED_FILES {
            let name = dir.path().join(format!("k{i:05}.json"));
            assert!(note.contains(&name.display().to_string()), "{note}");
        }
        assert!(!note.contains("k00010.json"), "{note}");
        // Read twice, the same rows.
        let again: Vec<Row> = o.rows.iter().map(Result::unwrap).collect();
        assert_eq!(
            serde_json::to_string(&rows).unwrap(),
            serde_json::to_string(&again).unwrap()
        );
    }
}
