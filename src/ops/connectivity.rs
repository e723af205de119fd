//! `connectivity`: the root out of a Connectivity Test download, written as
//! PEM or added to a Java truststore.

use std::path::PathBuf;

use serde::Serialize;

use crate::check::Status;
use crate::error::{ExitStatus, Result};
use crate::input::{self, zip};
use crate::ops::{truststore, Outcome, StoreOptions};
use crate::sanitize::sanitize;
use crate::sap::connectivity::{analyse, root_info, Analysis, RootInfo};
use crate::secret::SecretSource;
use crate::write::{ensure_free, Planned};
use crate::x509::cert::Cert;

/// What to do with the download.
#[derive(Debug, Clone)]
pub struct ConnectivityOptions {
    /// The `.zip` file.
    pub zip: String,
    /// Folder to write `root.pem` into.
    pub out_dir: Option<PathBuf>,
    /// Also write `chain.pem`.
    pub all: bool,
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
    let problem = problem(&a);
    let planned = plan(opts, &a, secrets, &mut notes)?;
    let root = a.root.as_ref().map(root_info);
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
        notes,
        planned,
    })
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

/// The files asked for: everything is checked and built first; the caller
/// then writes all at once.
fn plan(
    opts: &ConnectivityOptions,
    a: &Analysis,
    secrets: &dyn SecretSource,
    notes: &mut Vec<String>,
) -> Result<Vec<Planned>> {
    let Some(root) = &a.root else {
        return Ok(Vec::new());
    };
    let mut plan = Vec::new();
    if let Some(dir) = &opts.out_dir {
        plan.push(Planned::public(dir.join("root.pem"), root.to_pem()).creating_folder());
        if opts.all {
            plan.push(
                Planned::public(
                    dir.join("chain.pem"),
                    a.chain.certs.iter().map(Cert::to_pem).collect::<String>(),
                )
                .creating_folder(),
            );
        }
        for p in &plan {
            ensure_free(&p.path, opts.force)?;
        }
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
