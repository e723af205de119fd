//! `connectivity`: the root out of a Connectivity Test download (completed
//! from `--roots` or the system bundle when the archive lacks it), written
//! as PEM or DER or added to a Java truststore. A look-alike root (a listed
//! CA's name on another certificate) is written nowhere unless the user
//! names its fingerprint with `--accept-look-alike`.

use crate::input::fetch::Fetched;
use std::path::PathBuf;

use serde::Serialize;

use crate::check::Status;
use crate::error::{ExitStatus, Result};
use crate::input::{self, zip};
use crate::ops::{truststore, Outcome, RootOptions, StoreOptions};
use crate::sanitize::sanitize;
use crate::sap::connectivity::{analyse, root_info, Analysis, RootInfo};
use crate::sap::trust_lists::{self, ListVersion, TrustList};
use crate::secret::SecretSource;
use crate::write::{ensure_free, Planned};
use crate::x509::cert::Cert;
use crate::x509::roots::Origin;

/// What to do with the download.
#[derive(Debug, Clone)]
pub struct ConnectivityOptions {
    /// The `.zip` file.
    pub zip: String,
    /// Folder to write `root.pem` (or `root.cer`) into.
    pub out_dir: Option<PathBuf>,
    /// Also write `chain.pem`.
    pub all: bool,
    /// Write the root to this file: DER for `.cer` and `.der` (or with
    /// `der`), else PEM.
    pub root_file: Option<PathBuf>,
    /// Write the root as DER (`root.cer` in the folder, and `root_file`).
    pub der: bool,
    /// Where a root missing from the archive may come from.
    pub roots: RootOptions,
    /// Fingerprints of look-alike roots the user accepts to write.
    pub accept_look_alike: Vec<String>,
    /// A Java truststore to add the root to (created if missing).
    pub truststore: Option<PathBuf>,
    /// Profile and password of that truststore.
    pub store: StoreOptions,
    /// Whether existing files may be replaced.
    pub force: bool,
}

/// One certificate of the archive.
#[derive(Debug, Serialize)]
pub struct Entry {
    /// Its entry name in the archive.
    pub entry: String,
    /// Its subject.
    pub subject_dn: String,
    /// Whether it is self-signed.
    pub self_signed: bool,
}

/// A certificate of the server's chain, with its role.
#[derive(Debug, Serialize)]
pub struct Link {
    /// `server`, `intermediate` or `root`.
    pub role: &'static str,
    /// Its subject.
    pub subject_dn: String,
}

/// What the download holds and what was done with it.
#[derive(Debug, Serialize)]
pub struct ConnectivityOutcome {
    /// `ok` when the archive has one root and SAP lists it, else `fail`.
    pub status: Status,
    /// The archive, as named.
    pub zip: String,
    /// Every certificate of the archive, in archive order.
    pub entries: Vec<Entry>,
    /// Subjects of the server's chain, leaf first.
    pub chain: Vec<String>,
    /// The chain with each certificate's role.
    pub links: Vec<Link>,
    /// Subjects of certificates on no path from the server's.
    pub unrelated: Vec<String>,
    /// The root, and the SAP lists that hold it.
    pub root: Option<RootInfo>,
    /// When there is no single root: what was found instead.
    pub problem: Option<String>,
    /// The files written.
    pub files: Vec<String>,
    /// The trust lists the root was looked up in, and their versions.
    pub trust_lists: Vec<ListVersion>,
    /// Intermediates fetched (`--fetch-intermediates`), and from where.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fetched: Vec<Fetched>,
    /// Entries passed over, and why.
    #[serde(skip)]
    pub notes: Vec<String>,
    /// The files, planned.
    #[serde(skip)]
    pub planned: Vec<Planned>,
}

impl Outcome for ConnectivityOutcome {
    fn exit_status(&self) -> ExitStatus {
        ExitStatus::problems_if(self.status == Status::Fail)
    }
    fn notes(&self) -> &[String] {
        &self.notes
    }
    fn files(&self) -> &[Planned] {
        &self.planned
    }
}

/// Reads the archive, finds the root, and plans the files asked for.
pub fn run(opts: &ConnectivityOptions, secrets: &dyn SecretSource) -> Result<ConnectivityOutcome> {
    let (name, bytes) = input::read_source(&opts.zip)?;
    let name = sanitize(&name).into_owned();
    let z = zip::read(&bytes).map_err(|e| e.with_path(&name))?;
    let a = analyse(z.certs, z.skipped);
    let mut notes: Vec<String> = a
        .skipped
        .iter()
        .map(|(entry, why)| format!("{name}: {entry}: passed over ({why})"))
        .collect();
    let mut fetched = Vec::new();
    let (root_cert, from) = root_of(opts, &a, &name, &mut notes, &mut fetched)?;
    let problem = match &root_cert {
        Some(_) if a.root.is_none() => None,
        _ => problem(&a),
    };
    let root = root_cert
        .as_ref()
        .map(|c| root_info(c).located(c, &a, from));
    let writable = match (&root_cert, &root) {
        (Some(c), Some(info)) => writable(c, info, opts, &mut notes).then_some(c),
        _ => None,
    };
    let planned = plan(opts, &a, writable, secrets, &mut notes)?;
    let trusted_root = root.as_ref().is_some_and(|i| !i.lists.is_empty());
    let status = if problem.is_none() && trusted_root {
        Status::Ok
    } else {
        Status::Fail
    };
    Ok(ConnectivityOutcome {
        status,
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
        links: links(&a),
        unrelated: a.chain.unrelated.iter().map(Cert::subject_dn).collect(),
        zip: name,
        root,
        problem,
        files: planned
            .iter()
            .map(|p| p.path.display().to_string())
            .collect(),
        trust_lists: trust_lists::versions(TrustList::ALL),
        fetched,
        notes,
        planned,
    })
}

/// The root: the archive's, else completed from `--roots` or the system
/// bundle (as `verify` completes a chain), with a note saying so.
fn root_of(
    opts: &ConnectivityOptions,
    a: &Analysis,
    name: &str,
    notes: &mut Vec<String>,
    fetched: &mut Vec<Fetched>,
) -> Result<(Option<Cert>, &'static str)> {
    if let Some(r) = &a.root {
        return Ok((Some(r.clone()), "archive"));
    }
    if a.chain.certs.is_empty() {
        return Ok((None, "archive"));
    }
    let done = opts
        .roots
        .complete_at(&a.chain.certs, time::OffsetDateTime::now_utc())?;
    notes.extend(done.notes);
    fetched.extend(done.fetched);
    let path = done.path;
    let Some(root) = path.root().cloned() else {
        return Ok((None, "archive"));
    };
    let origin = path.certs.last().map(|(_, o)| o);
    let from = match origin {
        Some(Origin::RootsFile) => "roots-file",
        Some(Origin::Fetched) => "fetched",
        _ => "system",
    };
    let whence = origin
        .and_then(Origin::whence)
        .unwrap_or("from the archive");
    notes.push(format!(
        "{name}: the archive holds no root (the server did not send it); completed with '{}' {whence}",
        root.common_name()
    ));
    Ok((Some(root), from))
}

/// Whether the root may be written: a look-alike only when its fingerprint
/// was given with `--accept-look-alike`. Says why not, with both
/// fingerprints.
fn writable(
    root: &Cert,
    info: &RootInfo,
    opts: &ConnectivityOptions,
    notes: &mut Vec<String>,
) -> bool {
    let Some(real) = &info.look_alike_of else {
        return true;
    };
    let fp = &info.fingerprint_sha256;
    if opts
        .accept_look_alike
        .iter()
        .any(|a| trust_lists::same_fingerprint(a, fp))
    {
        notes.push(format!(
            "'{}' (SHA-256 {fp}) is not the CA SAP lists under that name ({real}); written as asked with --accept-look-alike",
            root.common_name()
        ));
        return true;
    }
    if opts.out_dir.is_some() || opts.truststore.is_some() || opts.root_file.is_some() {
        notes.push(format!(
            "'{}' (SHA-256 {fp}) carries the name of a CA SAP lists but is another certificate: SAP's is {real}. It is written nowhere; if you trust it anyway, name it: --accept-look-alike {fp}",
            root.common_name()
        ));
    }
    false
}

/// What keeps the archive from having one root.
fn problem(a: &Analysis) -> Option<String> {
    let top = a.chain.top()?;
    match (&a.root, a.self_signed.len()) {
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
    }
}

fn links(a: &Analysis) -> Vec<Link> {
    a.chain
        .certs
        .iter()
        .enumerate()
        .map(|(i, c)| Link {
            role: if a.root.as_ref().is_some_and(|r| r.der() == c.der()) {
                "root"
            } else if i == 0 {
                "server"
            } else {
                "intermediate"
            },
            subject_dn: c.subject_dn(),
        })
        .collect()
}

/// The root as the file `path` wants it: DER when asked, or for a `.cer`
/// or `.der` name; PEM otherwise.
fn root_file(path: PathBuf, root: &Cert, der: bool) -> Planned {
    let by_name = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("cer") || e.eq_ignore_ascii_case("der"));
    if der || by_name {
        Planned::public(path, root.der().to_vec())
    } else {
        Planned::public(path, root.to_pem())
    }
}

/// The files asked for: everything is checked and built first; the caller
/// then writes all at once.
fn plan(
    opts: &ConnectivityOptions,
    a: &Analysis,
    root: Option<&Cert>,
    secrets: &dyn SecretSource,
    notes: &mut Vec<String>,
) -> Result<Vec<Planned>> {
    let Some(root) = root else {
        return Ok(Vec::new());
    };
    let mut plan = Vec::new();
    if let Some(dir) = &opts.out_dir {
        let name = if opts.der { "root.cer" } else { "root.pem" };
        plan.push(root_file(dir.join(name), root, opts.der).creating_folder());
        if opts.all {
            let mut chain: String = a.chain.certs.iter().map(Cert::to_pem).collect();
            if a.chain.top().is_some_and(|t| t.der() != root.der()) {
                chain.push_str(&root.to_pem());
            }
            plan.push(Planned::public(dir.join("chain.pem"), chain).creating_folder());
        }
    }
    if let Some(f) = &opts.root_file {
        plan.push(root_file(f.clone(), root, opts.der));
    }
    for p in &plan {
        ensure_free(&p.path, opts.force)?;
    }
    if let Some(ts) = &opts.truststore {
        let add_to = ts.exists().then_some(ts.as_path());
        let store = truststore::plan(
            ts,
            add_to,
            vec![root.clone()],
            &opts.store,
            opts.force,
            secrets,
            notes,
        )?;
        plan.push(store.file);
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keystore::pkcs12::Profile;
    use crate::sap::trust_lists::testing::look_alike_g2;
    use crate::secret::NoSecrets;

    const SAMPLE: &str = include_str!("../../testdata/service-key.json");

    fn sample_certs() -> Vec<Cert> {
        let v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        crate::sap::servicekey::ServiceKey::from_json(&v)
            .unwrap()
            .certs
    }

    /// A zip of (entry, DER) in a fresh folder; returns the folder and the file.
    fn zip_file(entries: &[(&str, Vec<u8>)]) -> (tempfile::TempDir, String) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("download.zip");
        let mut w = ::zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        for (name, data) in entries {
            w.start_file(*name, ::zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(&mut w, data).unwrap();
        }
        w.finish().unwrap();
        let file = path.display().to_string();
        (dir, file)
    }

    fn opts(zip: &str, out: Option<PathBuf>) -> ConnectivityOptions {
        ConnectivityOptions {
            zip: zip.into(),
            out_dir: out,
            all: false,
            root_file: None,
            der: false,
            roots: RootOptions::default(),
            accept_look_alike: Vec::new(),
            truststore: None,
            store: StoreOptions {
                profile: Profile::Modern,
                no_password: true,
                format: None,
            },
            force: false,
        }
    }

    #[test]
    fn the_root_entry_is_named_and_written_as_der_when_asked() {
        let certs = sample_certs();
        let (dir, zip) = zip_file(&[
            ("x/leaf.cer", certs[0].der().to_vec()),
            ("x/the-root.cer", certs[2].der().to_vec()),
            ("x/ca.cer", certs[1].der().to_vec()),
        ]);
        let mut o = opts(&zip, Some(dir.path().join("out")));
        o.der = true;
        o.root_file = Some(dir.path().join("r.pem"));
        let out = run(&o, &NoSecrets).unwrap();
        let root = out.root.as_ref().unwrap();
        assert_eq!(root.entry.as_deref(), Some("x/the-root.cer"));
        assert_eq!(root.from, "archive");
        assert_eq!(out.planned.len(), 2);
        assert!(out.planned[0].path.ends_with("out/root.cer"));
        assert_eq!(out.planned[0].contents, certs[2].der());
        // --der decides for --root-file too, whatever its name.
        assert_eq!(out.planned[1].contents, certs[2].der());
        assert_eq!(out.trust_lists.len(), 3);
        o.der = false;
        o.out_dir = None;
        let out = run(&o, &NoSecrets).unwrap();
        assert!(String::from_utf8_lossy(&out.planned[0].contents).starts_with("-----BEGIN"));
    }

    #[test]
    fn a_missing_root_is_completed_from_roots() {
        let certs = sample_certs();
        let (dir, zip) = zip_file(&[
            ("a.cer", certs[0].der().to_vec()),
            ("b.cer", certs[1].der().to_vec()),
        ]);
        let root_file = dir.path().join("root.pem");
        std::fs::write(&root_file, certs[2].to_pem()).unwrap();
        let mut o = opts(&zip, Some(dir.path().join("out")));
        o.roots.files = vec![root_file.display().to_string()];
        let out = run(&o, &NoSecrets).unwrap();
        let root = out.root.as_ref().unwrap();
        assert_eq!((root.entry.as_deref(), root.from), (None, "roots-file"));
        assert!(out.problem.is_none());
        assert!(out.notes[0].ends_with("completed with 'btpcert Sample Root CA' from --roots"));
        assert_eq!(out.planned.len(), 1);
        // Without roots: the problem, nothing planned.
        let out = run(&opts(&zip, Some(dir.path().join("o2"))), &NoSecrets).unwrap();
        assert!(out.root.is_none() && out.planned.is_empty());
        assert!(out
            .problem
            .unwrap()
            .starts_with("the archive holds no root"));
    }

    #[test]
    fn a_look_alike_root_is_written_only_when_named() {
        let fake = look_alike_g2();
        let (dir, zip) = zip_file(&[("r.cer", fake.der().to_vec())]);
        let mut o = opts(&zip, Some(dir.path().join("out")));
        o.truststore = Some(dir.path().join("t.p12"));
        let out = run(&o, &NoSecrets).unwrap();
        assert!(out.planned.is_empty() && out.files.is_empty());
        assert_eq!(out.status, Status::Fail);
        let note = out.notes.last().unwrap();
        assert!(
            note.contains(&fake.sha256()) && note.contains("CB:3C:CB:B7"),
            "{note}"
        );
        o.accept_look_alike = vec![fake.sha256()];
        let out = run(&o, &NoSecrets).unwrap();
        assert_eq!(out.planned.len(), 2, "root.pem and the truststore");
        assert!(out.notes.iter().any(|n| n.contains("written as asked")));
    }
}
