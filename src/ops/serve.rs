//! `serve`'s operations: what the local page asks of files the user pasted
//! or dropped. Each runs the same operations as the command line (inspect,
//! verify, connectivity, check-external; p12, postman, extract,
//! truststore) on the uploaded bytes, which stay in memory
//! ([`input::memory`]): the page shows the outcomes those operations
//! return, and offers the files they plan, so nothing is decided twice.

use std::path::PathBuf;

use serde::Serialize;
use time::OffsetDateTime;

use crate::check::Status;
use crate::error::{Error, ExitStatus, Result};
use crate::input::{self, memory};
use crate::keystore::pkcs12::Profile;
use crate::ops::check_external::{self, CheckExternalOptions, CheckExternalOutcome};
use crate::ops::connectivity::{self, ConnectivityOptions, ConnectivityOutcome};
use crate::ops::extract::{self, ExtractOptions};
use crate::ops::inspect::{self, InspectOptions, InspectOutcome};
use crate::ops::p12::{self, P12Options};
use crate::ops::postman::{self, PostmanOptions};
use crate::ops::truststore::{self, TruststoreOptions};
use crate::ops::verify::{self, TruststoreOutcome, Verified, VerifyOptions, VerifyOutcome};
use crate::ops::{IdentityOptions, Outcome, RootOptions, StoreOptions};
use crate::sap::scenario::Scenario;
use crate::secret::{Purpose, Secret, SecretSource};
use crate::write::Planned;

/// One file the page sent.
#[derive(Debug, Clone)]
pub struct Upload {
    /// Its name, as the page gave it (made plain and unique by [`PageInput::new`]).
    pub name: String,
    /// Its contents.
    pub bytes: Vec<u8>,
}

/// What the page sent: the files, and how to read and judge them.
#[derive(Debug, Clone)]
pub struct PageInput {
    /// The files, pasted text first, with plain, unique names.
    pub files: Vec<Upload>,
    /// The password of dropped keystores and encrypted keys.
    pub open_password: Option<Secret>,
    /// The scenario to judge; `None` picks them as `verify` does.
    pub scenario: Option<Scenario>,
    /// The time validity is judged at.
    pub at: OffsetDateTime,
}

impl PageInput {
    /// The input with every name made a plain file name (no folders, no
    /// control characters, at most 100 characters) and unique.
    pub fn new(
        files: Vec<Upload>,
        open_password: Option<Secret>,
        scenario: Option<Scenario>,
        at: OffsetDateTime,
    ) -> PageInput {
        let mut names = crate::sanitize::UniqueNames::new(str::to_string);
        let files = files
            .into_iter()
            .map(|u| Upload {
                name: names.unique(&plain_name(&u.name), |b, n| format!("{b} ({n})")),
                bytes: u.bytes,
            })
            .collect();
        PageInput {
            files,
            open_password,
            scenario,
            at,
        }
    }

    fn in_memory(&self) -> Vec<(String, Vec<u8>)> {
        self.files
            .iter()
            .map(|u| (u.name.clone(), u.bytes.clone()))
            .collect()
    }

    /// Paths of the files that are not zips, and of those that are.
    fn paths(&self) -> (Vec<String>, Vec<String>) {
        let (zips, material): (Vec<&Upload>, Vec<&Upload>) = self
            .files
            .iter()
            .partition(|u| input::zip::is_zip(&u.bytes));
        let path = |u: &&Upload| memory::path_of(&u.name);
        (
            material.iter().map(path).collect(),
            zips.iter().map(path).collect(),
        )
    }
}

/// The last part of a path, without control characters, never empty.
fn plain_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base.chars().filter(|c| !c.is_control()).take(100).collect();
    let clean = clean.trim();
    if clean.is_empty() || clean == "." || clean == ".." {
        "file".to_string()
    } else {
        clean.to_string()
    }
}

/// The passwords typed on the page: one for keystores written, one for
/// files read (the first serves both when the second is empty).
#[derive(Debug, Clone, Default)]
pub struct PageSecrets {
    /// For keystores the page offers.
    pub create: Option<Secret>,
    /// For keystores and encrypted keys dropped on the page.
    pub open: Option<Secret>,
}

impl SecretSource for PageSecrets {
    fn secret(&self, what: &str, purpose: Purpose) -> Result<Secret> {
        let found = match purpose {
            Purpose::Create => self.create.as_ref(),
            Purpose::Open | Purpose::DecryptKey => self.open.as_ref().or(self.create.as_ref()),
        };
        found.cloned().ok_or_else(|| {
            Error::usage(match purpose {
                Purpose::Create => format!(
                    "{what}: type a password for the file, or choose to write it without one"
                ),
                _ => format!("{what}: type the password of the files you dropped"),
            })
        })
    }
}

/// An operation's outcome, or why it could not run.
#[derive(Debug, Serialize)]
pub struct Section<T> {
    /// The outcome, as the command's `--json` prints it.
    pub outcome: Option<T>,
    /// The error the command would print.
    pub error: Option<String>,
    /// Notes the command would print on standard error.
    pub notes: Vec<String>,
}

impl<T: Outcome> Section<T> {
    fn of(r: Result<T>) -> Section<T> {
        match r {
            Ok(o) => Section {
                notes: o.notes().to_vec(),
                outcome: Some(o),
                error: None,
            },
            Err(e) => Section {
                notes: e.notes().to_vec(),
                outcome: None,
                error: Some(e.to_string()),
            },
        }
    }
}

/// One file of the input, as the page lists it.
#[derive(Debug, Serialize)]
pub struct FileEntry {
    /// Its name.
    pub name: String,
    /// Its size in bytes.
    pub size: usize,
    /// Whether it is a zip archive (a Connectivity Test download).
    pub zip: bool,
}

/// What `inspect`, `verify`, `connectivity` and `check-external` say of
/// the input: what the page shows.
#[derive(Debug, Serialize)]
pub struct CheckOutcome {
    /// The files read.
    pub files: Vec<FileEntry>,
    /// The time validity was judged at, RFC 3339.
    pub at: String,
    /// `inspect` of every file that is no zip.
    pub inspect: Option<InspectOutcome>,
    /// `verify` of those files as one chain.
    pub verify: Option<Section<VerifyOutcome>>,
    /// `verify` of those files when every one is a truststore (certificates
    /// without a key): the SAP lists its certificates are on, and whether
    /// the scenario's list is covered.
    pub truststore: Option<Section<TruststoreOutcome>>,
    /// `connectivity` of each zip.
    pub connectivity: Vec<Section<ConnectivityOutcome>>,
    /// `check-external` of the first file, when it holds one end-entity
    /// certificate and no file is a service key or holds a private key (a
    /// certificate for an External Certificate key).
    pub external: Option<Section<CheckExternalOutcome>>,
}

impl Outcome for CheckOutcome {
    fn exit_status(&self) -> ExitStatus {
        let bad = |s: Status| s == Status::Fail;
        let verify = self
            .verify
            .as_ref()
            .is_some_and(|v| v.outcome.as_ref().is_none_or(|o| bad(o.verdict.status)));
        let truststore = self
            .truststore
            .as_ref()
            .is_some_and(|t| t.outcome.as_ref().is_none_or(|o| bad(o.status)));
        let zips = self
            .connectivity
            .iter()
            .any(|c| c.outcome.as_ref().is_none_or(|o| bad(o.status)));
        ExitStatus::problems_if(verify || truststore || zips)
    }
}

/// Reads and judges the page's files as the command line would: `inspect`
/// and `verify` for certificates, keys and service keys, `connectivity`
/// for each zip, and `check-external` for a lone certificate.
pub fn check(page: &PageInput) -> CheckOutcome {
    let (material, zips) = page.paths();
    let secrets = PageSecrets {
        create: None,
        open: page.open_password.clone(),
    };
    memory::with_files(page.in_memory(), || {
        let inspect = (!material.is_empty()).then(|| {
            inspect::run(
                &InspectOptions {
                    files: material.clone(),
                    at: page.at,
                },
                &secrets,
            )
        });
        let inspect = inspect.transpose().ok().flatten();
        let verified = (!material.is_empty()).then(|| {
            verify::run_any(
                &VerifyOptions {
                    files: material.clone(),
                    key: None,
                    scenario: page.scenario,
                    roots: system_roots(),
                    at: page.at,
                    warn_days: 30,
                },
                &secrets,
            )
        });
        let (verify, truststore) = match verified {
            None => (None, None),
            Some(Ok(Verified::Chain(o))) => (Some(Section::of(Ok(o))), None),
            Some(Ok(Verified::Truststore(t))) => (None, Some(Section::of(Ok(t)))),
            Some(Err(e)) => (Some(Section::of(Err(e))), None),
        };
        let connectivity = zips
            .iter()
            .map(|z| Section::of(connectivity::run(&zip_options(z, None), &secrets)))
            .collect();
        let lone_certificate = inspect.as_ref().is_some_and(|i| {
            i.files
                .iter()
                .all(|f| f.error.is_none() && f.service_key.is_none() && f.private_key.is_none())
                && matches!(i.files[0].certificates.as_slice(), [c] if !c.is_ca)
        });
        let external = lone_certificate.then(|| {
            Section::of(check_external::run(&external_options(
                page,
                &material,
                &ExternalChoices::default(),
                None,
            )))
        });
        CheckOutcome {
            files: page
                .files
                .iter()
                .map(|u| FileEntry {
                    name: u.name.clone(),
                    size: u.bytes.len(),
                    zip: input::zip::is_zip(&u.bytes),
                })
                .collect(),
            at: crate::x509::cert::rfc3339(page.at),
            inspect,
            verify,
            truststore,
            connectivity,
            external,
        }
    })
}

/// Roots as the command line takes them by default: from the chain given,
/// then the system's CA bundle.
fn system_roots() -> RootOptions {
    RootOptions {
        files: Vec::new(),
        system: true,
        fetch: false,
    }
}

fn zip_options(zip: &str, out_dir: Option<PathBuf>) -> ConnectivityOptions {
    ConnectivityOptions {
        zip: zip.to_string(),
        out_dir,
        all: false,
        root_file: None,
        der: false,
        roots: system_roots(),
        accept_look_alike: Vec::new(),
        truststore: None,
        store: store_options(Profile::Modern, false),
        force: true,
    }
}

fn store_options(profile: Profile, no_password: bool) -> StoreOptions {
    StoreOptions {
        profile,
        no_password,
        format: None,
    }
}

/// How `check-external` judges the certificate, as its flags say.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExternalChoices {
    /// `--pinning true`.
    pub pinning: bool,
    /// `--allow-untrusted`.
    pub allow_untrusted: bool,
}

fn external_options(
    page: &PageInput,
    material: &[String],
    choices: &ExternalChoices,
    output: Option<PathBuf>,
) -> CheckExternalOptions {
    CheckExternalOptions {
        cert: material[0].clone(),
        intermediates: material[1..].to_vec(),
        scenario: page.scenario,
        pinning: choices.pinning.then_some(true),
        allow_untrusted: choices.allow_untrusted,
        roots: system_roots(),
        at: page.at,
        output,
    }
}

/// A file the page offers, by the command that plans it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DownloadKind {
    /// `btpcert p12 -o client.p12` (modern profile).
    P12,
    /// `btpcert p12 -o client-compat.p12 --profile compat`.
    P12Compat,
    /// `btpcert postman -o postman`: `client.pfx` and the other files.
    Postman,
    /// `btpcert extract -o pem`: `certificate.pem` and `key.pem`.
    Pem,
    /// `btpcert truststore -o truststore.p12`.
    Truststore,
    /// `btpcert check-external -o params.json`.
    Params,
    /// `btpcert connectivity -o root`: the root of a Connectivity Test zip.
    Root,
}

impl DownloadKind {
    /// The kind as the page names it (`data-file`).
    pub fn from_name(name: &str) -> Option<DownloadKind> {
        Some(match name {
            "p12" => DownloadKind::P12,
            "p12-compat" => DownloadKind::P12Compat,
            "postman" => DownloadKind::Postman,
            "pem" => DownloadKind::Pem,
            "truststore" => DownloadKind::Truststore,
            "params" => DownloadKind::Params,
            "root" => DownloadKind::Root,
            _ => return None,
        })
    }
}

/// What to build for a download.
#[derive(Debug, Clone, Default)]
pub struct DownloadOptions {
    /// The file of the set to take (`client.pfx`); the first planned when `None`.
    pub file: Option<String>,
    /// Passwords of the keystore written and of the files read.
    pub secrets: PageSecrets,
    /// `--no-password`.
    pub no_password: bool,
    /// `--allow-incomplete`.
    pub allow_incomplete: bool,
    /// `check-external`'s choices.
    pub external: ExternalChoices,
}

/// One file to download: the operation's outcome and the file it planned.
#[derive(Debug, Serialize)]
pub struct DownloadOutcome {
    /// The file's name.
    pub file: String,
    /// Whether it holds a private key or keystore.
    pub secret: bool,
    /// Every file the operation planned, by name.
    pub planned: Vec<String>,
    /// The operation's outcome, as its `--json` prints it (null for commands
    /// without `--json`, whose outcome still describes the file).
    pub outcome: serde_json::Value,
    /// What the user should know.
    pub notes: Vec<String>,
    /// The file.
    #[serde(skip)]
    pub files: Vec<Planned>,
}

impl Outcome for DownloadOutcome {
    fn exit_status(&self) -> ExitStatus {
        ExitStatus::Ok
    }
    fn notes(&self) -> &[String] {
        &self.notes
    }
    fn files(&self) -> &[Planned] {
        &self.files
    }
}

/// Builds the files `kind`'s command plans for the page's input, with the
/// same options the page shows for the command line, and takes one of them.
pub fn download(
    page: &PageInput,
    kind: DownloadKind,
    opts: &DownloadOptions,
) -> Result<DownloadOutcome> {
    if page.files.is_empty() {
        return Err(Error::usage("paste a service key or drop files first"));
    }
    memory::with_files(page.in_memory(), || {
        let (material, zips) = page.paths();
        let (outcome, notes, planned) = match kind {
            DownloadKind::P12 | DownloadKind::P12Compat => keystore(&material, kind, opts)?,
            DownloadKind::Postman => postman_kit(&material, opts)?,
            DownloadKind::Pem => pem_files(&material, opts)?,
            DownloadKind::Truststore => trust_file(page, opts)?,
            DownloadKind::Params => params_file(page, &material, opts)?,
            DownloadKind::Root => root_file(&zips, opts)?,
        };
        take(planned, &opts.file, outcome, notes)
    })
}

/// The first of `list`, or an error naming `what` is missing.
fn first(list: &[String], what: &str) -> Result<String> {
    list.first()
        .cloned()
        .ok_or_else(|| Error::usage(format!("no {what} among the files given")))
}

/// How the identity is taken, as `p12` and `postman` take it by default.
fn identity(opts: &DownloadOptions) -> IdentityOptions {
    IdentityOptions {
        allow_incomplete: opts.allow_incomplete,
        roots: system_roots(),
    }
}

/// `btpcert p12 INPUT... -o client.p12 [--profile compat]`.
fn keystore(material: &[String], kind: DownloadKind, opts: &DownloadOptions) -> Result<Parts> {
    let (profile, output) = if kind == DownloadKind::P12 {
        (Profile::Modern, "client.p12")
    } else {
        (Profile::Compat, "client-compat.p12")
    };
    let p12 = P12Options {
        inputs: material.to_vec(),
        output: output.into(),
        alias: "client".into(),
        store: store_options(profile, opts.no_password),
        identity: identity(opts),
        force: true,
    };
    Ok(parts(p12::run(&p12, &opts.secrets)?))
}

/// `btpcert postman KEY [--key KEYFILE] -o postman`.
fn postman_kit(material: &[String], opts: &DownloadOptions) -> Result<Parts> {
    let kit = PostmanOptions {
        input: first(material, "service key")?,
        key: material.get(1).cloned(),
        out_dir: "postman".into(),
        path: None,
        method: None,
        store: store_options(Profile::Modern, opts.no_password),
        identity: identity(opts),
        force: true,
    };
    Ok(parts(postman::run(&kit, &opts.secrets)?))
}

/// `btpcert extract INPUT -o pem`.
fn pem_files(material: &[String], opts: &DownloadOptions) -> Result<Parts> {
    let extract = ExtractOptions {
        input: first(material, "service key or PEM file")?,
        out_dir: "pem".into(),
        pkcs8: false,
        decrypt: false,
        split: false,
        p7b: false,
        roots: system_roots(),
    };
    Ok(parts(extract::run(&extract, &opts.secrets)?))
}

/// `btpcert truststore FILE... -o truststore.p12`.
fn trust_file(page: &PageInput, opts: &DownloadOptions) -> Result<Parts> {
    let store = TruststoreOptions {
        inputs: page
            .files
            .iter()
            .map(|u| memory::path_of(&u.name))
            .collect(),
        output: Some("truststore.p12".into()),
        add_to: None,
        store: store_options(Profile::Modern, opts.no_password),
        force: true,
        accept_look_alike: Vec::new(),
    };
    Ok(parts(truststore::run(&store, &opts.secrets)?))
}

/// `btpcert check-external CERT [INTERMEDIATE...] -o params.json`.
fn params_file(page: &PageInput, material: &[String], opts: &DownloadOptions) -> Result<Parts> {
    first(material, "certificate")?;
    let checked = check_external::run(&external_options(
        page,
        material,
        &opts.external,
        Some("params.json".into()),
    ))?;
    if checked.parameters.is_none() {
        return Err(Error::input(
            "a check failed (see the checks): no parameters are written",
        ));
    }
    Ok(parts(checked))
}

/// `btpcert connectivity ZIP -o root`.
fn root_file(zips: &[String], opts: &DownloadOptions) -> Result<Parts> {
    let zip = first(zips, "Connectivity Test zip")?;
    Ok(parts(connectivity::run(
        &zip_options(&zip, Some("root".into())),
        &opts.secrets,
    )?))
}

type Parts = (serde_json::Value, Vec<String>, Vec<Planned>);

/// The outcome as JSON, its notes, and its planned files.
fn parts<O: Outcome + Serialize>(o: O) -> Parts {
    let json = serde_json::to_value(&o).unwrap_or(serde_json::Value::Null);
    let notes = o.notes().to_vec();
    let files = o.files().to_vec();
    (json, notes, files)
}

fn file_name(p: &Planned) -> String {
    p.path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The planned file named `file` (the first when `None`).
fn take(
    planned: Vec<Planned>,
    file: &Option<String>,
    outcome: serde_json::Value,
    notes: Vec<String>,
) -> Result<DownloadOutcome> {
    let names: Vec<String> = planned.iter().map(file_name).collect();
    let at = match file {
        Some(f) => names.iter().position(|n| n == f).ok_or_else(|| {
            Error::usage(format!(
                "{f}: not among the files planned ({})",
                names.join(", ")
            ))
        })?,
        None if planned.is_empty() => return Err(Error::input("no file was planned")),
        None => 0,
    };
    let chosen = planned
        .into_iter()
        .nth(at)
        .expect("index of a planned file");
    Ok(DownloadOutcome {
        file: names[at].clone(),
        secret: chosen.secret,
        planned: names,
        outcome,
        notes,
        files: vec![chosen],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn testdata(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/testdata/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    fn page(files: &[(&str, Vec<u8>)]) -> PageInput {
        PageInput::new(
            files
                .iter()
                .map(|(n, b)| Upload {
                    name: n.to_string(),
                    bytes: b.clone(),
                })
                .collect(),
            None,
            None,
            time::macros::datetime!(2030-01-01 0:00 UTC),
        )
    }

    #[test]
    fn names_are_plain_and_unique() {
        let p = page(&[
            ("../../etc/key.json", vec![]),
            ("C:\\keys\\key.json", vec![]),
            ("\u{1b}[31m", vec![]),
        ]);
        let names: Vec<&str> = p.files.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["key.json", "key.json (2)", "[31m"]);
    }

    #[test]
    fn a_pasted_key_is_inspected_and_verified_as_the_command_line_does() {
        let o = check(&page(&[("pasted", testdata("service-key.json"))]));
        let i = o.inspect.as_ref().unwrap();
        assert_eq!(
            i.files[0].file, "pasted",
            "named without the in-memory prefix"
        );
        assert_eq!(i.files[0].certificates.len(), 3);
        let v = o.verify.as_ref().unwrap().outcome.as_ref().unwrap();
        assert_eq!(v.verdict.report.certificates.len(), 3);
        assert_eq!(
            v.verdict.status,
            Status::Warn,
            "the sample root is not on SAP's public list: a warning"
        );
        assert!(o.external.is_none() && o.connectivity.is_empty());
        assert_eq!(o.exit_status(), ExitStatus::Ok, "warnings only");
    }

    #[test]
    fn a_truststore_is_judged_as_the_command_line_judges_it() {
        let (_, chain) = crate::keystore::sample_identity();
        let pw = Secret::new("pw");
        let entries = vec![("root".to_string(), chain[2].clone())];
        let ts = crate::keystore::ffi::build_truststore(&entries, Profile::Modern, &pw).unwrap();
        let mut p = page(&[("ts.p12", ts)]);
        p.open_password = Some(pw);
        let o = check(&p);
        assert!(o.verify.is_none());
        let t = o.truststore.as_ref().unwrap().outcome.as_ref().unwrap();
        assert_eq!(t.truststores, ["ts.p12"]);
        assert_eq!(t.certificates.len(), 1);
        assert_eq!(t.certificates[0].alias.as_deref(), Some("root"));
        assert!(t.certificates[0].java_trusted);
        assert_eq!(t.scenario, Scenario::Server);
        assert_eq!(
            t.status,
            Status::Fail,
            "the sample root is on no SAP list: {}",
            t.summary
        );
        assert_eq!(o.exit_status(), ExitStatus::Problems);
        let json = serde_json::to_value(&o).unwrap();
        assert_eq!(json["truststore"]["outcome"]["list"], "btp-required");
    }

    #[test]
    fn errors_read_as_the_command_line_prints_them() {
        let o = check(&page(&[("broken.json", b"{\"oauth\": ".to_vec())]));
        let v = o.verify.as_ref().unwrap();
        let e = v.error.as_deref().unwrap();
        assert!(e.starts_with("broken.json: invalid JSON"), "{e}");
        assert!(!e.contains('\0'));
    }

    #[test]
    fn a_lone_certificate_is_checked_for_an_external_key() {
        let v: serde_json::Value =
            serde_json::from_slice(&testdata("service-key-external.json")).unwrap();
        let leaf = v["oauth"]["certificate"]
            .as_str()
            .unwrap()
            .as_bytes()
            .to_vec();
        let o = check(&page(&[
            ("leaf.pem", leaf.clone()),
            ("key.json", testdata("service-key.json")),
        ]));
        assert!(
            o.external.is_none(),
            "not with a service key among the files"
        );
        let o = check(&page(&[("leaf.pem", leaf)]));
        let x = o.external.as_ref().unwrap().outcome.as_ref().unwrap();
        assert_eq!(x.status, Status::Fail, "its issuer is missing");
        let o = check(&page(&[("root.pem", testdata("sample-root.pem"))]));
        assert!(
            o.external.is_none(),
            "a CA certificate is no External Certificate"
        );
    }

    #[test]
    fn downloads_are_the_files_the_commands_plan() {
        let p = page(&[("key.json", testdata("service-key.json"))]);
        let opts = DownloadOptions {
            secrets: PageSecrets {
                create: Some(Secret::new("pw")),
                open: None,
            },
            ..DownloadOptions::default()
        };
        let d = download(&p, DownloadKind::P12, &opts).unwrap();
        assert_eq!((d.file.as_str(), d.secret), ("client.p12", true));
        assert_eq!(d.outcome["certificates"], 3);
        let (_, certs) =
            crate::keystore::pkcs12::read_keystore(&d.files[0].contents, &Secret::new("pw"))
                .unwrap();
        assert_eq!(certs.len(), 3);

        let pick = |file: &str| DownloadOptions {
            file: Some(file.into()),
            ..opts.clone()
        };
        let d = download(&p, DownloadKind::Postman, &pick("client.pfx")).unwrap();
        assert_eq!(d.planned[..3], ["client.crt", "client.key", "client.pfx"]);
        let d = download(&p, DownloadKind::Pem, &pick("key.pem")).unwrap();
        assert!(String::from_utf8_lossy(&d.files[0].contents).contains("PRIVATE KEY"));
        let d = download(&p, DownloadKind::Truststore, &opts).unwrap();
        assert_eq!(d.outcome["entries"].as_array().unwrap().len(), 2);

        let x = page(&[
            ("external.json", testdata("service-key-external.json")),
            ("key.json", testdata("service-key.json")),
        ]);
        let mut allowed = opts.clone();
        let e = download(&x, DownloadKind::Params, &allowed).unwrap_err();
        assert!(e.to_string().contains("a check failed"), "{e}");
        allowed.external.allow_untrusted = true;
        let d = download(&x, DownloadKind::Params, &allowed).unwrap();
        assert_eq!((d.file.as_str(), d.secret), ("params.json", false));
        assert!(String::from_utf8_lossy(&d.files[0].contents).contains("certificate_external"));

        let e = download(&p, DownloadKind::P12, &DownloadOptions::default()).unwrap_err();
        assert!(e.to_string().contains("type a password"), "{e}");
        let e = download(&p, DownloadKind::Root, &opts).unwrap_err();
        assert!(e.to_string().contains("no Connectivity Test zip"), "{e}");
        let e = download(&p, DownloadKind::Postman, &pick("nope")).unwrap_err();
        assert!(e.to_string().starts_with("nope: not among"), "{e}");
    }
}
