//! The fleet audit's judgement: one row per service key, instance parameter
//! file, certificate or Connectivity Test zip, saying what needs action;
//! what the rows say of each other (a certificate in several keys, unpinned
//! keys that SAP cannot tell apart); and the row as CSV. Finding and
//! reading the files is the input layer's job (`input::walk`), and the
//! operation's.
//!
//! A file that cannot be read is a row with an error, never a crash.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::check::{CheckId, Status};
use crate::error::Error;
use crate::sap::connectivity;
use crate::sap::instance;
use crate::sap::scenario::{judge_as, Choice, Issuance, Scenario, Verdict};
use crate::sap::servicekey::{KeyKind, SerialNumber, ServiceKey};
use crate::sap::trust_lists::TrustList;
use crate::x509::cert::{rfc3339, Cert};
use crate::x509::key::PrivateKey;
use crate::x509::roots::RootStore;
use crate::x509::verify::{build_path_at, Options, Path};

/// What every row is judged against.
#[derive(Debug)]
pub struct AuditContext {
    /// The time validity is judged at.
    pub at: OffsetDateTime,
    /// Flag certificates that expire within this many days.
    pub warn_days: i64,
    /// Certificates to complete chains with (--roots files, the system bundle).
    pub store: RootStore,
}

/// Whether the chain is trusted for each scenario; `None` where the
/// scenario does not apply to the item (shown as `n/a`).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Trust {
    /// Direct calls to integration flows (`btp-approved`).
    pub iflow: Option<bool>,
    /// Certificate-based token requests (`xsuaa-x509`).
    pub token: Option<bool>,
    /// Server chains (`btp-required`).
    pub server: Option<bool>,
}

/// One audited item. Field names are stable (see README).
/// Rows are read back (`Deserialize`) where an audit keeps them in a
/// temporary file rather than in memory.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Row {
    /// The file, as found.
    pub file: String,
    /// `service-key/certificate`, `service-key/external-certificate`,
    /// `service-key/client-secret`, `certificate`, `private-key`,
    /// `instance-parameters`, `connectivity-zip`, or `unreadable`.
    pub kind: String,
    /// The leaf's subject, the root's for a zip, the instance for parameters.
    pub subject: Option<String>,
    /// End of validity, RFC 3339.
    pub not_after: Option<String>,
    /// Days from the time of the audit to the end of validity.
    pub days_left: Option<i64>,
    /// The leaf's serial number, in hex and in decimal.
    pub serial: Option<SerialNumber>,
    /// When the chain stops working: the earliest end among leaf and
    /// intermediates, and which certificate sets it.
    pub effective_expiry: Option<EffectiveExpiry>,
    /// Whether the leaf allows TLS client authentication.
    pub client_auth: Option<bool>,
    /// Trust per scenario.
    pub trust: Trust,
    /// Whether instance parameters still use the `client_x509` grant.
    pub deprecated_grant: Option<bool>,
    /// Whether the private key belongs to the leaf.
    pub key_match: Option<bool>,
    /// Whether anything below needs the user.
    pub needs_action: bool,
    /// What needs action, in words.
    pub problems: Vec<String>,
    /// What the user should know but need not act on: warnings of the
    /// scenarios, a certificate found in several keys.
    pub notes: Vec<String>,
    /// Why the file could not be read.
    pub error: Option<String>,
    /// What [`compare_keys`] needs of a service key's certificate.
    #[serde(skip)]
    pub registered: Option<Registered>,
}

/// A service key's certificate, as SAP registers it: for comparing keys.
#[derive(Debug, Clone, Default)]
pub struct Registered {
    /// The kind of key.
    pub kind: Option<KeyKind>,
    /// SHA-256 of the leaf.
    pub fingerprint: String,
    /// Subject and issuer of the leaf.
    pub subject_dn: String,
    /// Issuer of the leaf.
    pub issuer_dn: String,
    /// `certificate-pinning` as the key says it.
    pub pinning: Option<bool>,
}

/// The end of a chain's validity: the earliest `notAfter` among the leaf
/// and its intermediates (the root, a trust anchor, is left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EffectiveExpiry {
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// Days from the time of the audit to then.
    pub days_left: i64,
    /// `leaf` or `intermediate`: the certificate that sets it.
    #[serde(deserialize_with = "role")]
    pub role: Role,
    /// Its subject.
    pub subject_dn: String,
}

/// `leaf` or `intermediate` (an alias, so that serde does not take the
/// field for text borrowed from its input).
pub type Role = &'static str;

/// A role read back: `leaf`, else `intermediate`.
fn role<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<&'static str, D::Error> {
    let s = String::deserialize(d)?;
    Ok(if s == "leaf" { "leaf" } else { "intermediate" })
}

/// The effective expiry of `path` (leaf first) judged at `at`; `None` for
/// no certificate. Of equal ends the leaf's is named.
pub fn effective_expiry(path: &[Cert], at: OffsetDateTime) -> Option<EffectiveExpiry> {
    let n = if path.len() > 1 && path[path.len() - 1].is_self_signed() {
        path.len() - 1
    } else {
        path.len()
    };
    let (i, c) = path[..n]
        .iter()
        .enumerate()
        .min_by_key(|(i, c)| (c.not_after(), *i))?;
    Some(EffectiveExpiry {
        not_after: rfc3339(c.not_after()),
        days_left: (c.not_after() - at).whole_days(),
        role: if i == 0 { "leaf" } else { "intermediate" },
        subject_dn: c.subject_dn(),
    })
}

impl Row {
    /// The row of `file`, judged: it needs action when it has problems.
    pub fn done(mut self, file: String) -> Row {
        self.file = file;
        self.needs_action = !self.problems.is_empty();
        self
    }

    /// The row of a file that could not be read or recognised.
    pub fn unreadable(file: String, e: &Error) -> Row {
        Row {
            file,
            kind: "unreadable".into(),
            needs_action: true,
            error: Some(e.to_string()),
            ..Row::default()
        }
    }
}

/// Instance parameters in `text`, if it holds them (`grant-types` or `roles`).
pub fn audit_instance(text: &str) -> Option<Row> {
    if !(text.contains("grant-types") || text.contains("\"roles\"")) {
        return None;
    }
    let p = instance::find(text).ok()?;
    let r = instance::check_params(&p.value);
    Some(Row {
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
    })
}

/// A Connectivity Test download, analysed: its root (from the archive, or
/// completed from the audit's roots), and whether SAP lists it.
pub fn audit_zip(a: &connectivity::Analysis, ctx: &AuditContext) -> Row {
    let mut row = Row {
        kind: "connectivity-zip".into(),
        ..Row::default()
    };
    let completed = match &a.root {
        Some(_) => None,
        None => build_path_at(&a.chain.certs, &ctx.store, ctx.at)
            .root()
            .cloned(),
    };
    if let Some(root) = &completed {
        row.notes.push(format!(
            "the archive holds no root; completed with '{}' from the roots given",
            root.common_name()
        ));
    }
    match a.root.as_ref().or(completed.as_ref()) {
        Some(root) => {
            let info = connectivity::root_info(root);
            row.subject = Some(info.subject_dn.clone());
            fill_validity(&mut row, root, ctx);
            row.trust.server = Some(info.lists.contains(&TrustList::BtpRequired.as_str()));
            match (&info.look_alike_of, info.lists.is_empty()) {
                (Some(real), _) => row.problems.push(format!(
                    "root '{}' (SHA-256 {}) carries the name of a CA SAP lists, but is another certificate: SAP's is {real}",
                    root.common_name(),
                    info.fingerprint_sha256
                )),
                (None, true) => row
                    .problems
                    .push(format!("root '{}' is on no SAP list", root.common_name())),
                (None, false) => {}
            }
        }
        None => {
            row.subject = a.chain.leaf().map(Cert::subject_dn);
            row.problems
                .push("the archive holds no root: the server sent an incomplete chain".into());
        }
    }
    row
}

fn fill_validity(row: &mut Row, c: &Cert, ctx: &AuditContext) {
    let na = c.not_after();
    row.not_after = Some(rfc3339(na));
    row.days_left = Some((na - ctx.at).whole_days());
}

fn kind_name(kind: Option<KeyKind>, has_certs: bool) -> &'static str {
    match kind {
        Some(KeyKind::Certificate) => "service-key/certificate",
        Some(KeyKind::ExternalCertificate) => "service-key/external-certificate",
        Some(KeyKind::ClientSecret) => "service-key/client-secret",
        None if has_certs => "certificate",
        None => "private-key",
    }
}

/// The path [`judge_material`] judges: `certs` ordered, completed from
/// the audit's roots and their signatures checked; none without
/// certificates.
pub fn material_path(certs: &[Cert], ctx: &AuditContext) -> Option<Path> {
    (!certs.is_empty()).then(|| build_path_at(certs, &ctx.store, ctx.at))
}

/// The row of a service key, certificate or key file: the service key if
/// it is one, the [`material_path`] of its certificates and its private
/// key. The scenarios judged are those `verify` would choose ([`Choice`]):
/// by the key's kind and plan, or the leaf's extended key usage; the
/// others show as not applicable. An audit builds the paths of several
/// files, then judges them (see `ops::audit`).
pub fn judge_material(
    sk: Option<&ServiceKey>,
    path: Option<Path>,
    key: Option<&PrivateKey>,
    ctx: &AuditContext,
) -> Row {
    let kind = sk.map(|k| k.kind);
    let mut row = Row {
        kind: kind_name(kind, path.is_some()).into(),
        ..Row::default()
    };
    let Some(path) = path else {
        return row;
    };
    // A path built from certificates starts with one.
    let Some(leaf) = path.certs.first().map(|(c, _)| c.clone()) else {
        row.problems
            .push("no certificate path could be built".into());
        return row;
    };
    row.subject = Some(leaf.subject_dn());
    fill_validity(&mut row, &leaf, ctx);
    row.serial = Some(SerialNumber::from_hex(&leaf.serial_hex()));
    let chain: Vec<Cert> = path.certs.iter().map(|(c, _)| c.clone()).collect();
    row.effective_expiry = effective_expiry(&chain, ctx.at);
    if let Some(e) = row.effective_expiry.as_ref().filter(|e| e.role != "leaf") {
        row.notes.push(format!(
            "the chain stops working before its leaf: intermediate '{}' ends on {}, the leaf on {}",
            e.subject_dn,
            &e.not_after[..10.min(e.not_after.len())],
            leaf.not_after().date()
        ));
    }
    let client_auth = leaf.allows_client_auth();
    row.client_auth = Some(client_auth);
    if let Some(sk) = sk.filter(|k| k.kind != KeyKind::ClientSecret) {
        row.registered = Some(Registered {
            kind,
            fingerprint: leaf.sha256(),
            subject_dn: leaf.subject_dn(),
            issuer_dn: leaf.issuer_dn(),
            pinning: sk.certificate_pinning,
        });
    }
    let chosen = match sk {
        Some(k) => Choice::for_key(k.kind, k.plan()),
        None => Choice::for_leaf(&leaf),
    };
    let opts = Options {
        at: ctx.at,
        warn_days: ctx.warn_days,
    };
    let issuance = Issuance::of_kinds(&kind.into_iter().collect::<Vec<_>>());
    let verdict = judge_as(&path, key, &opts, &chosen.scenarios, issuance);
    let trusted = |s| verdict.scenario(s).map(|r| r.trusted);
    row.trust = Trust {
        iflow: trusted(Scenario::Iflow),
        token: trusted(Scenario::Token),
        server: trusted(Scenario::Server),
    };
    for c in verdict.report.checks() {
        if c.status == Status::Fail || (c.status == Status::Warn && c.id == CheckId::Validity) {
            row.problems.push(c.message.clone());
        }
        if c.id == CheckId::KeyMatch {
            row.key_match = Some(c.status == Status::Ok);
        }
    }
    row.problems
        .extend(scenario_findings(&verdict, Status::Fail));
    row.notes.extend(scenario_findings(&verdict, Status::Warn));
    row
}

/// The scenario checks of `status`, each message once, prefixed by the
/// scenarios that found it (`iflow, token: root ...`).
fn scenario_findings(verdict: &Verdict, status: Status) -> Vec<String> {
    let mut found: Vec<(String, Vec<&str>)> = Vec::new();
    for s in &verdict.scenarios {
        for c in s.checks.iter().filter(|c| c.status == status) {
            match found.iter_mut().find(|(m, _)| *m == c.message) {
                Some((_, names)) => names.push(s.scenario.name()),
                None => found.push((c.message.clone(), vec![s.scenario.name()])),
            }
        }
    }
    found
        .into_iter()
        .map(|(m, names)| format!("{}: {m}", names.join(", ")))
        .collect()
}

/// At most this many files are named in a finding about several keys;
/// the rest are counted ("and 990 more"), so that a fleet where one
/// certificate sits in thousands of archived keys does not repeat thousands
/// of names on each of their rows.
pub const NAMED_FILES: usize = 10;

/// What the service keys of an audit say of each other, added to their
/// rows:
///
/// - the same certificate in two or more keys is a note: SAP lets a
///   certificate be in one service key only, so creating a key with it
///   fails while another holds it ("Certificate already exists for
///   Follower within Leader with appid [...]", sap-facts "Deprecated grant
///   type"); archived copies of old keys are normal;
/// - unpinned External Certificate keys with the same subject and issuer
///   are a problem: while both exist, inbound calls fail with a generic 401
///   and only the audit log says "Multiple clones found for certificate"
///   (SAP KBA 3364579).
pub fn compare_keys(rows: &mut [Row]) {
    let mut keys = KeyComparison::default();
    for (i, r) in rows.iter().enumerate() {
        if let Some(reg) = &r.registered {
            keys.add(i, reg);
        }
    }
    let findings = keys.finish(rows.len(), |i| rows[i].file.clone());
    for (i, r) in rows.iter_mut().enumerate() {
        findings.apply(i, r);
    }
}

/// What [`compare_keys`] gathers, one registered certificate at a time, so
/// that an audit need not hold its rows: the fingerprint's raw bytes, and
/// the positions of the rows, in order.
#[derive(Debug, Default)]
pub struct KeyComparison {
    /// Each registered certificate's fingerprint and row, 36 bytes a key:
    /// sorted once at the end to find the certificates in several keys.
    certs: Vec<([u8; 32], u32)>,
    /// Fingerprints that are not 32 colon-separated bytes, as given.
    odd: HashMap<[u8; 32], String>,
    unpinned: BTreeMap<SubjectIssuer, Vec<(u32, [u8; 32])>>,
}

/// A leaf's subject and issuer, as SAP tells unpinned keys apart.
type SubjectIssuer = (String, String);

/// What the keys say of each other: per row, the note and the problem it
/// gets (each text kept once, however many rows share it).
#[derive(Debug, Default)]
pub struct KeyFindings {
    texts: Vec<String>,
    /// Per row: the note's and the problem's text, [`NONE`] for none.
    of_row: Vec<[u32; 2]>,
}

/// No text.
const NONE: u32 = u32::MAX;

/// The 32 bytes of a colon-separated upper-case SHA-256 fingerprint, and
/// whether they give it back; any other string is hashed, so that equal
/// strings still compare equal.
fn fingerprint_bytes(fp: &str) -> ([u8; 32], bool) {
    let mut out = [0u8; 32];
    let mut n = 0;
    for part in fp.split(':') {
        match (n < 32, u8::from_str_radix(part, 16)) {
            (true, Ok(b)) if part.len() == 2 => out[n] = b,
            _ => return (crate::x509::digest::sha256(fp.as_bytes()), false),
        }
        n += 1;
    }
    if n == 32 && crate::x509::cert::hex_colon(&out) == fp {
        (out, true)
    } else {
        (crate::x509::digest::sha256(fp.as_bytes()), false)
    }
}

impl KeyComparison {
    /// Adds the registered certificate of row `i` (rows added in order).
    pub fn add(&mut self, i: usize, reg: &Registered) {
        let (fp, exact) = fingerprint_bytes(&reg.fingerprint);
        if !exact {
            self.odd
                .entry(fp)
                .or_insert_with(|| reg.fingerprint.clone());
        }
        let i = i as u32;
        self.certs.push((fp, i));
        if reg.kind == Some(KeyKind::ExternalCertificate) && reg.pinning == Some(false) {
            self.unpinned
                .entry((reg.subject_dn.clone(), reg.issuer_dn.clone()))
                .or_default()
                .push((i, fp));
        }
    }

    /// The rows whose files the findings will name (see [`Self::finish`]).
    pub fn named_rows(&mut self) -> Vec<usize> {
        self.certs.sort_unstable();
        let mut out: Vec<usize> = self
            .certs
            .chunk_by(|a, b| a.0 == b.0)
            .filter(|same| same.len() > 1)
            .flat_map(|same| same.iter().take(NAMED_FILES).map(|(_, i)| *i as usize))
            .collect();
        for idx in self.unpinned.values() {
            out.extend(idx.iter().take(NAMED_FILES).map(|(i, _)| *i as usize));
        }
        out
    }

    /// The findings for `rows` rows; `file(i)` names row `i` (called for
    /// the rows [`Self::named_rows`] gives only).
    pub fn finish(mut self, rows: usize, file: impl Fn(usize) -> String) -> KeyFindings {
        let files = |idx: &mut dyn Iterator<Item = u32>, n: usize| -> String {
            let mut names: Vec<String> = idx.take(NAMED_FILES).map(|i| file(i as usize)).collect();
            if n > NAMED_FILES {
                names.push(format!("and {} more", n - NAMED_FILES));
            }
            names.join(", ")
        };
        let mut out = KeyFindings::default();
        // Equal fingerprints side by side, each certificate's rows in order.
        self.certs.sort_unstable();
        let mut groups: Vec<([u8; 32], Vec<u32>)> = self
            .certs
            .chunk_by(|a, b| a.0 == b.0)
            .filter(|same| same.len() > 1)
            .map(|same| (same[0].0, same.iter().map(|(_, i)| *i).collect()))
            .collect();
        if groups.is_empty() && self.unpinned.is_empty() {
            return out;
        }
        out.of_row = vec![[NONE; 2]; rows];
        groups.sort_by_key(|(_, v)| v[0]);
        for (bytes, idx) in groups {
            let fp = match self.odd.get(&bytes) {
                Some(given) => given.clone(),
                None => crate::x509::cert::hex_colon(&bytes),
            };
            let note = format!(
                "the same certificate (SHA-256 {fp}) is in {} service keys: {}. A certificate can be in one service key only: creating a key with it fails while another key holds it (\"Certificate already exists for Follower within Leader with appid [...]\"); archived copies of old keys are fine",
                idx.len(),
                files(&mut idx.iter().copied(), idx.len())
            );
            let t = out.texts.len() as u32;
            out.texts.push(note);
            for &i in &idx {
                out.of_row[i as usize][0] = t;
            }
        }
        for ((subject, issuer), idx) in &self.unpinned {
            let distinct = idx
                .iter()
                .map(|(_, fp)| fp)
                .collect::<std::collections::BTreeSet<_>>();
            if distinct.len() < 2 {
                continue;
            }
            let problem = format!(
                "unpinned External Certificate keys with the same subject '{subject}' and issuer '{issuer}': {}. While both exist in BTP, inbound calls fail with a generic 401, and only the subaccount's audit log says \"Multiple clones found for certificate\" (SAP KBA 3364579): delete the old key, or pin the certificates",
                files(&mut idx.iter().map(|(i, _)| *i), idx.len())
            );
            let t = out.texts.len() as u32;
            out.texts.push(problem);
            for (i, _) in idx {
                out.of_row[*i as usize][1] = t;
            }
        }
        out
    }
}

impl KeyFindings {
    /// Adds to row `i` what the other keys say of it.
    pub fn apply(&self, i: usize, row: &mut Row) {
        let Some(&[note, problem]) = self.of_row.get(i) else {
            return;
        };
        if note != NONE {
            row.notes.push(self.texts[note as usize].clone());
        }
        if problem != NONE {
            row.problems.push(self.texts[problem as usize].clone());
            row.needs_action = true;
        }
    }

    /// Whether row `i` gets a problem (and so needs action).
    pub fn adds_problem(&self, i: usize) -> bool {
        self.of_row.get(i).is_some_and(|[_, p]| *p != NONE)
    }
}

/// The CSV header, the columns of [`csv_row`].
pub const CSV_HEADER: &str =
    "file,kind,subject,not_after,days_left,client_auth,iflow,token,server,deprecated_grant,key_match,needs_action,problems,error";

/// A row as CSV. Values that a spreadsheet would run as a formula are
/// prefixed with `'`.
pub fn csv_row(r: &Row) -> String {
    fn field(s: &str) -> String {
        // Subjects and messages come from files: no escape sequence, no
        // carriage return, no bidirectional override reaches a terminal.
        let s = crate::sanitize::sanitize(s);
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

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../testdata/service-key.json");

    /// The sample Certificate key: its chain and private key.
    fn sample() -> crate::sap::servicekey::ServiceKey {
        let v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        crate::sap::servicekey::ServiceKey::from_json(&v).unwrap()
    }

    fn ctx() -> AuditContext {
        AuditContext {
            at: time::macros::datetime!(2030-01-01 0:00 UTC),
            warn_days: 30,
            store: RootStore::default(),
        }
    }

    #[test]
    fn a_certificate_key_is_judged_for_calls_and_tokens() {
        let l = sample();
        let ctx = ctx();
        let path = material_path(&l.certs, &ctx);
        let row = judge_material(Some(&l), path, l.key.as_ref(), &ctx).done("k.json".into());
        assert_eq!(row.kind, "service-key/certificate");
        assert_eq!(row.client_auth, Some(true));
        assert_eq!(row.key_match, Some(true));
        // Plan integration-flow: iflow and token; server does not apply.
        assert_eq!(
            (row.trust.iflow, row.trust.token, row.trust.server),
            (Some(false), Some(false), None)
        );
        // A root off SAP's public list is a note (SAP Note 2801396), not a problem.
        assert!(row.problems.is_empty(), "{:?}", row.problems);
        assert!(!row.needs_action);
        assert!(row.notes[0].starts_with("iflow, token: root 'btpcert Sample Root CA'"));
        assert!(row.notes[0].contains("SAP Note 2801396"));
        let serial = row.serial.as_ref().unwrap();
        assert_eq!(
            (serial.hex.as_str(), serial.decimal.as_deref()),
            ("0x05ab1e", Some("371486"))
        );
        assert_eq!(row.effective_expiry.as_ref().unwrap().role, "leaf");
    }

    #[test]
    fn the_effective_expiry_is_the_earliest_end_below_the_root() {
        let l = sample();
        let e = effective_expiry(&l.certs, ctx().at).unwrap();
        assert_eq!(e.role, "leaf", "equal ends name the leaf");
        assert!(e.subject_dn.contains("it-rt-sample"));
        assert_eq!(e.not_after, rfc3339(l.certs[0].not_after()));
        // A lone root is its own end.
        let root = effective_expiry(&l.certs[2..], ctx().at).unwrap();
        assert_eq!(root.subject_dn, l.certs[2].subject_dn());
        assert!(effective_expiry(&[], ctx().at).is_none());
    }

    fn registered(file: &str, fp: &str, subject: &str, pinning: Option<bool>) -> Row {
        Row {
            file: file.into(),
            kind: "service-key/external-certificate".into(),
            registered: Some(Registered {
                kind: Some(KeyKind::ExternalCertificate),
                fingerprint: fp.into(),
                subject_dn: subject.into(),
                issuer_dn: "CN=CA".into(),
                pinning,
            }),
            ..Row::default()
        }
    }

    #[test]
    fn keys_are_compared_with_each_other() {
        let mut rows = vec![
            registered("a.json", "AA", "CN=x", Some(true)),
            registered("b.json", "AA", "CN=x", Some(true)),
            registered("c.json", "CC", "CN=y", Some(false)),
            registered("d.json", "DD", "CN=y", Some(false)),
            registered("e.json", "EE", "CN=y", None),
        ];
        compare_keys(&mut rows);
        // One certificate in two keys: a note on both, no action.
        assert!(rows[0].notes[0].contains("is in 2 service keys: a.json, b.json"));
        assert!(rows[0].notes[0].contains("Certificate already exists for Follower within Leader"));
        assert!(rows[0].problems.is_empty() && !rows[1].needs_action);
        // Two unpinned keys, same subject and issuer: a problem (KBA 3364579).
        for r in &rows[2..4] {
            assert!(r.needs_action);
            assert!(r.problems[0].contains("c.json, d.json"), "{:?}", r.problems);
            assert!(r.problems[0].contains("KBA 3364579"));
        }
        // A key whose pinning is not stated is pinned (SAP's default).
        assert!(rows[4].problems.is_empty());
    }

    #[test]
    fn a_certificate_in_many_keys_names_ten_files_and_counts_the_rest() {
        let mut rows: Vec<Row> = (0..25)
            .map(|i| registered(&format!("k{i:02}.json"), "AA", "CN=x", Some(true)))
            .collect();
        compare_keys(&mut rows);
        for r in &rows {
            assert_eq!(r.notes.len(), 1);
            let n = &r.notes[0];
            assert!(
                n.contains("is in 25 service keys: k00.json, k01.json,"),
                "{n}"
            );
            assert!(n.contains("k09.json, and 15 more. A certificate"), "{n}");
            assert!(!n.contains("k10.json"), "{n}");
        }
    }

    #[test]
    fn instance_parameters_and_unreadable_files() {
        let old = audit_instance(r#"{"grant-types": ["client_x509"]}"#).unwrap();
        assert_eq!(old.deprecated_grant, Some(true));
        assert!(old.done("p.json".into()).needs_action);
        assert!(audit_instance("{}").is_none());
        let row = Row::unreadable("x".into(), &Error::input("bad"));
        assert_eq!(
            (row.kind.as_str(), row.error.as_deref()),
            ("unreadable", Some("bad"))
        );
    }

    #[test]
    fn csv_defuses_formulas_and_quotes() {
        let row = Row {
            file: "=1+2.pem".into(),
            kind: "certificate".into(),
            subject: Some("C=DE, O=x".into()),
            ..Row::default()
        };
        assert!(csv_row(&row).starts_with("'=1+2.pem,certificate,\"C=DE, O=x\","));
        assert_eq!(
            csv_row(&row).split(',').count(),
            CSV_HEADER.split(',').count() + 1
        );
    }
}
