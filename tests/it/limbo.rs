//! X.509 path-validation conformance with x509-limbo: every case of
//! `testdata/limbo/limbo.json` (C2SP/x509-limbo, see the README there) runs
//! through `btpcert verify --json` and through `openssl verify`, and both
//! verdicts are compared with the case's `expected_result`.
//!
//! # A case as a `btpcert verify` call
//!
//! * Chain files: the peer certificate, then (when there are any) the
//!   untrusted intermediates, as two PEM files in that order. The trusted
//!   certificates go to `--roots FILE`, with `--no-system-roots`, so that
//!   nothing but the case's trust set completes a path.
//! * `--at`: the case's `validation_time` as written (RFC 3339, fractions of
//!   a second kept), or [`FIXED_TIME`] when it has none (limbo's generated
//!   certificates are valid from 1970 to 2969; every real-site chain carries
//!   its own time).
//! * `--for`: a `CLIENT` case, or one asking for `clientAuth`, runs with
//!   `--for iflow` (the `client-auth-eku` check); a `SERVER` case, asking for
//!   `serverAuth` or for no extended key usage, runs with `--for server`
//!   (`server-auth-eku`). A TLS peer always checks the purpose, so a server
//!   case without an EKU request is still judged as a server chain.
//!
//! # btpcert's verdict
//!
//! A case is ACCEPTED by btpcert when no check of the report
//! (`certificates[].checks`, `chain[]`, `scenarios[].checks`) has status
//! `fail`, except the SAP trust-list checks `root-trusted`, `ca-trusted` and
//! `whole-chain`: limbo's roots are on no SAP list. The trust decision those
//! checks make against SAP's lists is made against the case's trust set
//! instead, by the rule `root-trusted` applies for `--for iflow` and
//! `--for server`: the path ends in a self-signed certificate (role `root`)
//! whose SHA-256 fingerprint is one of the `trusted_certs`. Without it a
//! chain ending in a self-signed certificate that nobody trusts
//! (`rfc5280::chain-untrusted-root`, the pathological chains) would count as
//! accepted, although btpcert rejects it for every trust list that does not
//! hold that root. Warnings never reject. An input error (exit status 2, no
//! report) rejects; a crash fails the test.
//!
//! # The handshake: `openssl verify`
//!
//! `openssl verify -CAfile trusted.pem -no-CApath -no-CAstore
//! [-untrusted intermediates.pem] -attime EPOCH -purpose sslserver|sslclient
//! -auth_level 2 leaf.pem`, which is what an OpenSSL 3 TLS handshake checks
//! by default: libssl verifies with the named parameters `ssl_server` /
//! `ssl_client` (purpose and trust, trusted certificates first, no partial
//! chains, no `X509_V_FLAG_X509_STRICT`) and sets the authentication level
//! from the TLS security level, 2 on Debian and upstream since 3.2 (keys and
//! signatures of at least 112 bits). `-x509_strict` is deliberately not
//! used: it adds RFC 5280 profile checks (AKI and SKI present, CA
//! basicConstraints critical, keyCertSign only with cA...) that no handshake
//! makes by default, and with it "openssl rejects" would no longer mean "the
//! handshake fails". EPOCH is the validation time floored to the second, as a
//! handshake sees the clock. No peer name is passed (`-verify_hostname`):
//! btpcert matches no names, and claimed cases are about the chain alone.
//!
//! # Families and features
//!
//! A family is the id's prefix (`rfc5280`, `webpki`, `pathlen`, ...); the
//! feature is what a case tests, decided by [`classify`]. btpcert does not
//! claim these, and their cases count as SKIPPED, by feature:
//!
//! * `crl` (revocation lists), `max-chain-depth` (set by the caller),
//!   `caller-key-usage` (a key usage request other than digitalSignature,
//!   which btpcert requires of every leaf with a keyUsage extension),
//!   `caller-eku` (other requests than serverAuth or clientAuth alone),
//!   `caller-signature-algorithms`;
//! * `name-constraints`, `certificate-policies`;
//! * `peer-name`: matching the leaf to `expected_peer_name(s)`, and the SAN
//!   and CN syntax rules that only matter to that matching;
//! * `issuance-profile`: rules for issuing CAs (RFC 5280 section 4, CA/B
//!   Forum) that path validation (RFC 5280 section 6) and TLS stacks do not
//!   enforce: AKI and SKI presence, serial number form, empty names, the
//!   certificate version, SAN criticality, and limbo's `pedantic-*` features
//!   on serial numbers, EKU and AKI;
//! * `profile-conflict`: of two claimed cases that limbo marks as
//!   `conflicts_with` each other, the one whose expected result the
//!   handshake does not meet.
//!
//! Claimed: `path-building`, `signatures`, `basic-constraints`
//! (basicConstraints and keyUsage), `validity`, `path-length`, `eku`,
//! `key-policy` (key algorithms, sizes, curve encoding) and `extensions`
//! (RFC 5280 4.2: a certificate with a critical extension that cannot be
//! processed, or a malformed or repeated extension, must be rejected).
//!
//! # Judgement and assertions
//!
//! A claimed case is judged against limbo's `expected_result`, except when
//! limbo expects SUCCESS and the handshake rejects the chain: then btpcert
//! has to reject it as the handshake does, and the case is judged against
//! the handshake, outside the agreement ratio, since no checker can both
//! accept it (to agree with limbo) and refuse it (to never pass a chain the
//! handshake refuses). The test asserts that
//!
//! 1. btpcert never crashes and `openssl verify` always runs;
//! 2. the claimed cases judged against limbo agree with `expected_result` on
//!    at least [`MIN_AGREEMENT`];
//! 3. not one claimed case is accepted by btpcert and rejected by
//!    `openssl verify`.
//!
//! The tables and every disagreement are printed (shown when the test fails,
//! or with `--nocapture`); `BTPCERT_LIMBO_RESULTS=FILE` also writes each
//! case's outcome to FILE as JSON.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::common::*;

const LIMBO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/limbo/limbo.json");

/// The validation time of cases that give none.
const FIXED_TIME: &str = "2025-06-01T00:00:00Z";

/// Checks against SAP's trust lists, which limbo's roots are on none of.
const SAP_TRUST_LIST_CHECKS: [&str; 3] = ["root-trusted", "ca-trusted", "whole-chain"];

/// The OpenSSL authentication level of a TLS handshake at security level 2.
const AUTH_LEVEL: &str = "2";

/// Share of the claimed cases judged against limbo that must agree with it.
const MIN_AGREEMENT: f64 = 0.95;

/// Cases run at the same time (each runs two processes, one after the other).
const WORKERS: usize = 6;

/// Issuing-CA rules that path validation and TLS stacks do not enforce.
const ISSUANCE_PROFILE: &[&str] = &[
    "rfc5280::aki::leaf-missing-aki",
    "rfc5280::aki::intermediate-missing-aki",
    "rfc5280::ski::root-missing-ski",
    "rfc5280::ski::intermediate-missing-ski",
    "rfc5280::ee-empty-issuer",
    "rfc5280::ca-empty-subject",
    "rfc5280::san::noncritical-with-empty-subject",
    "webpki::san::san-critical-with-nonempty-subject",
    "webpki::aki::root-with-aki-missing-keyidentifier",
    "webpki::v1-cert",
];

/// Peer-name cases outside the `webpki::san` and `webpki::cn` groups.
const PEER_NAME: &[&str] = &[
    "rfc5280::san::underscore-dns",
    "rfc5280::san::ip-in-dns",
    "rfc5280::ca-as-leaf-wrong-san",
];

const SIGNATURES: &[&str] = &[
    "invalid::invalid-issuer-key",
    "rfc5280::mismatching-signature-algorithm",
];

const BASIC_CONSTRAINTS: &[&str] = &[
    "rfc5280::intermediate-ca-without-ca-bit",
    "rfc5280::intermediate-ca-missing-basic-constraints",
    "rfc5280::root-missing-basic-constraints",
    "rfc5280::root-non-critical-basic-constraints",
    "rfc5280::root-inconsistent-ca-extensions",
    "rfc5280::ica-ku-keycertsign",
    "rfc5280::leaf-ku-keycertsign",
    "rfc5280::no-keyusage",
    "rfc5280::no-basicconstraints",
    "rfc5280::ca-as-leaf",
    "webpki::ca-as-leaf",
    "webpki::ee-basicconstraints-ca",
];

const EXTENSIONS: &[&str] = &[
    "rfc5280::unknown-critical-extension-ee",
    "rfc5280::unknown-critical-extension-root",
    "rfc5280::unknown-critical-extension-intermediate",
    "rfc5280::duplicate-extensions",
    "rfc5280::san::malformed",
    "rfc5280::ee-aia",
    "rfc5280::ee-critical-aia-invalid",
    "webpki::malformed-aia",
    "rfc5280::aki::critical-aki",
    "rfc5280::ski::critical-ski",
];

#[derive(Deserialize)]
struct Limbo {
    version: u32,
    testcases: Vec<Case>,
}

/// The fields of a limbo test case that the mapping reads.
#[derive(Deserialize)]
struct Case {
    id: String,
    #[serde(default)]
    conflicts_with: Vec<String>,
    #[serde(default)]
    features: Vec<String>,
    validation_kind: String,
    trusted_certs: Vec<String>,
    untrusted_intermediates: Vec<String>,
    peer_certificate: String,
    validation_time: Option<String>,
    #[serde(default)]
    signature_algorithms: Vec<String>,
    #[serde(default)]
    key_usage: Vec<String>,
    #[serde(default)]
    extended_key_usage: Vec<String>,
    expected_result: String,
    max_chain_depth: Option<u64>,
    #[serde(default)]
    crls: Vec<String>,
}

/// Whether btpcert claims what a case tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Claim {
    Claimed,
    Skipped,
}

/// What a case tests (its feature), and whether btpcert claims it. The
/// first rule that matches decides.
fn classify(c: &Case) -> (Claim, &'static str) {
    use Claim::*;
    let id = c.id.as_str();
    let has = |f: &str| c.features.iter().any(|x| x == f);
    let eku: Vec<&str> = c.extended_key_usage.iter().map(String::as_str).collect();
    if !c.crls.is_empty() || has("has-crl") {
        return (Skipped, "crl");
    }
    if c.max_chain_depth.is_some() || has("max-chain-depth") {
        return (Skipped, "max-chain-depth");
    }
    if c.key_usage.iter().any(|k| k != "digitalSignature") {
        return (Skipped, "caller-key-usage");
    }
    if !matches!(eku.as_slice(), [] | ["serverAuth"] | ["clientAuth"]) {
        return (Skipped, "caller-eku");
    }
    if !c.signature_algorithms.is_empty() {
        return (Skipped, "caller-signature-algorithms");
    }
    if id.contains("::nc::")
        || id.contains("nc-dos")
        || id.starts_with("cve::cve-2025-61727")
        || has("name-constraint-dn")
        || has("rfc5280-incompatible-with-webpki")
    {
        return (Skipped, "name-constraints");
    }
    if id.contains("::pc::")
        || has("has-policy-constraints")
        || has("has-cert-policies")
        || has("no-cert-policies")
    {
        return (Skipped, "certificate-policies");
    }
    if has("pedantic-serial-number")
        || has("pedantic-rfc5280")
        || has("pedantic-webpki-eku")
        || ISSUANCE_PROFILE.contains(&id)
    {
        return (Skipped, "issuance-profile");
    }
    if id.starts_with("webpki::san::")
        || id.starts_with("webpki::cn::")
        || has("pedantic-public-suffix-wildcard")
        || PEER_NAME.contains(&id)
    {
        return (Skipped, "peer-name");
    }
    let feature = if id.contains("::validity::") {
        "validity"
    } else if id.starts_with("pathlen::") {
        "path-length"
    } else if id.contains("::eku::") {
        "eku"
    } else if id.starts_with("webpki::forbidden-") || id == "webpki::explicit-curve" {
        "key-policy"
    } else if SIGNATURES.contains(&id) {
        "signatures"
    } else if BASIC_CONSTRAINTS.contains(&id) {
        "basic-constraints"
    } else if EXTENSIONS.contains(&id) {
        "extensions"
    } else {
        "path-building"
    };
    (Claimed, feature)
}

/// A verdict and its reasons: the failing checks, or OpenSSL's error.
#[derive(Debug, Clone)]
struct Verdict {
    accepted: bool,
    why: Vec<String>,
}

impl Verdict {
    fn word(&self) -> &'static str {
        if self.accepted {
            "accepts"
        } else {
            "rejects"
        }
    }
}

/// One case, run.
struct Outcome {
    id: String,
    family: String,
    feature: &'static str,
    claim: Claim,
    conflicts_with: Vec<String>,
    expect_success: bool,
    scenario: &'static str,
    at: String,
    btpcert: Verdict,
    /// The path btpcert built, leaf first: subject and origin.
    path: Vec<String>,
    openssl: Verdict,
    /// Claimed, limbo expects SUCCESS, and the handshake rejects.
    judged_by_handshake: bool,
}

impl Outcome {
    fn claimed(&self) -> bool {
        self.claim == Claim::Claimed
    }

    fn agrees(&self) -> bool {
        self.btpcert.accepted == self.expect_success
    }

    /// btpcert accepts what the handshake refuses.
    fn breach(&self) -> bool {
        self.btpcert.accepted && !self.openssl.accepted
    }
}

fn expected_word(success: bool) -> &'static str {
    if success {
        "SUCCESS"
    } else {
        "FAILURE"
    }
}

fn sha256_hex(der: &[u8]) -> String {
    openssl::sha::sha256(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Runs one case through btpcert and openssl.
fn run_case(c: &Case, dir: &TestDir, i: usize) -> Result<Outcome, String> {
    let (claim, feature) = classify(c);
    let client =
        c.validation_kind == "CLIENT" || c.extended_key_usage.iter().any(|e| e == "clientAuth");
    let (scenario, purpose) = if client {
        ("iflow", "sslclient")
    } else {
        ("server", "sslserver")
    };
    let at = c
        .validation_time
        .clone()
        .unwrap_or_else(|| FIXED_TIME.to_string());
    let epoch = time::OffsetDateTime::parse(&at, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("{}: validation time '{at}': {e}", c.id))?
        .unix_timestamp();

    let leaf = dir.put(&format!("{i}/leaf.pem"), &c.peer_certificate);
    let trusted = dir.put(&format!("{i}/trusted.pem"), c.trusted_certs.concat());
    let intermediates = (!c.untrusted_intermediates.is_empty()).then(|| {
        dir.put(
            &format!("{i}/intermediates.pem"),
            c.untrusted_intermediates.concat(),
        )
    });
    let trusted_fps: HashSet<String> = c
        .trusted_certs
        .iter()
        .flat_map(|p| pem::parse_many(p).unwrap_or_default())
        .map(|b| sha256_hex(b.contents()))
        .collect();

    // btpcert.
    let mut cmd = btpcert();
    cmd.args(["verify", "--json", "--no-system-roots", "--roots"])
        .arg(&trusted)
        .args(["--at", &at, "--for", scenario])
        .arg(&leaf);
    if let Some(f) = &intermediates {
        cmd.arg(f);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("{}: btpcert: {e}", c.id))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let (btpcert, path) = match out.status.code() {
        Some(0 | 1) => {
            let v: Value = serde_json::from_slice(&out.stdout)
                .map_err(|e| format!("{}: btpcert printed no JSON ({e}): {stderr}", c.id))?;
            judge_report(&v, &trusted_fps)
        }
        Some(2) => (
            Verdict {
                accepted: false,
                why: vec![format!(
                    "input error: {}",
                    stderr.lines().next().unwrap_or("").trim()
                )],
            },
            Vec::new(),
        ),
        other => {
            return Err(format!(
                "{}: btpcert crashed (exit {other:?}): {}",
                c.id,
                stderr.trim()
            ))
        }
    };

    // openssl verify, as the handshake.
    let mut cmd = tool("openssl");
    cmd.args(["verify", "-CAfile", &trusted, "-no-CApath", "-no-CAstore"]);
    if let Some(f) = &intermediates {
        cmd.args(["-untrusted", f]);
    }
    cmd.args(["-attime", &epoch.to_string(), "-purpose", purpose])
        .args(["-auth_level", AUTH_LEVEL])
        .arg(&leaf);
    let out = cmd
        .output()
        .map_err(|e| format!("{}: openssl: {e}", c.id))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let openssl = match out.status.code() {
        Some(0) => Verdict {
            accepted: true,
            why: Vec::new(),
        },
        Some(2) if !stderr.contains("Could not open file") => Verdict {
            accepted: false,
            why: vec![openssl_reason(&stderr, dir.path().to_str().unwrap_or(""))],
        },
        other => {
            return Err(format!(
                "{}: openssl verify did not run (exit {other:?}): {}",
                c.id,
                stderr.trim()
            ))
        }
    };

    Ok(Outcome {
        id: c.id.clone(),
        family: c.id.split("::").next().unwrap_or("").to_string(),
        feature,
        claim,
        conflicts_with: c.conflicts_with.clone(),
        expect_success: c.expected_result == "SUCCESS",
        scenario,
        at,
        btpcert,
        path,
        openssl,
        judged_by_handshake: false,
    })
}

/// btpcert's verdict from its report: see the module documentation.
fn judge_report(v: &Value, trusted_fps: &HashSet<String>) -> (Verdict, Vec<String>) {
    let empty = Vec::new();
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    let mut why = Vec::new();
    let mut fail = |where_: String, k: &Value| {
        let id = k["id"].as_str().unwrap_or("?");
        if k["status"] == "fail" && !SAP_TRUST_LIST_CHECKS.contains(&id) {
            why.push(format!(
                "{id}{where_}: {}",
                k["message"].as_str().unwrap_or("")
            ));
        }
    };
    let certs = v["certificates"].as_array().unwrap_or(&empty);
    for c in certs {
        for k in list(&c["checks"]) {
            fail(format!(" (certificate {})", c["position"]), &k);
        }
    }
    for k in list(&v["chain"]) {
        fail(String::new(), &k);
    }
    for s in list(&v["scenarios"]) {
        for k in list(&s["checks"]) {
            fail(String::new(), &k);
        }
    }
    // root-trusted, with the case's trust set as the list.
    match certs.last() {
        Some(top)
            if top["role"] == "root"
                && top["fingerprint_sha256"]
                    .as_str()
                    .is_some_and(|f| trusted_fps.contains(f)) => {}
        Some(top) => why.push(format!(
            "root-trusted (the case's trust set): the path ends at '{}', {}",
            top["subject_dn"].as_str().unwrap_or(""),
            if top["role"] == "root" {
                "a self-signed certificate that is not trusted"
            } else {
                "which is not self-signed"
            }
        )),
        None => why.push("the report holds no certificate".to_string()),
    }
    let path = certs
        .iter()
        .map(|c| {
            format!(
                "{} [{}]",
                c["subject_dn"].as_str().unwrap_or(""),
                c["origin"].as_str().unwrap_or("")
            )
        })
        .collect();
    (
        Verdict {
            accepted: why.is_empty(),
            why,
        },
        path,
    )
}

/// Why `openssl verify` refused: its `error N at D depth lookup: ...` line,
/// and the function and reason of each line of OpenSSL's error queue.
fn openssl_reason(stderr: &str, dir: &str) -> String {
    let lookup = stderr.lines().find(|l| l.contains("lookup:"));
    // Queue lines: thread:error:code:library:function:reason:file:line:data.
    let queue: Vec<String> = stderr
        .lines()
        .filter_map(|l| l.split(":error:").nth(1))
        .map(|rest| {
            rest.split(':')
                .skip(2)
                .take(2)
                .collect::<Vec<_>>()
                .join(": ")
        })
        .collect();
    let text = match (lookup, queue.is_empty()) {
        (Some(l), true) => l.trim().to_string(),
        (Some(l), false) => format!("{} ({})", l.trim(), queue.join("; ")),
        (None, false) => queue.join("; "),
        (None, true) => stderr.lines().next().unwrap_or("").trim().to_string(),
    };
    text.replace(dir, "")
}

/// Counts of one row of a table.
#[derive(Default)]
struct Row {
    cases: usize,
    skipped: usize,
    claimed: usize,
    by_limbo: usize,
    agree: usize,
    by_handshake: usize,
    breach: usize,
    skipped_breach: usize,
}

impl Row {
    fn add(&mut self, o: &Outcome) {
        self.cases += 1;
        if !o.claimed() {
            self.skipped += 1;
            self.skipped_breach += usize::from(o.breach());
            return;
        }
        self.claimed += 1;
        self.breach += usize::from(o.breach());
        if o.judged_by_handshake {
            self.by_handshake += 1;
        } else {
            self.by_limbo += 1;
            self.agree += usize::from(o.agrees());
        }
    }

    fn pct(&self) -> String {
        if self.by_limbo == 0 {
            "-".into()
        } else {
            format!("{:.1}%", 100.0 * self.agree as f64 / self.by_limbo as f64)
        }
    }
}

fn table(out: &mut String, title: &str, rows: &BTreeMap<String, Row>) {
    let mut total = Row::default();
    let _ = writeln!(out, "\n{title}");
    let _ = writeln!(
        out,
        "{:<22} {:>5} {:>7} {:>7} {:>8} {:>6} {:>7} {:>10} {:>14} {:>14}",
        "",
        "cases",
        "skipped",
        "claimed",
        "by limbo",
        "agree",
        "agree%",
        "handshake",
        "btp+ ossl-",
        "(skipped: +/-)"
    );
    for (name, r) in rows.iter() {
        let _ = writeln!(
            out,
            "{:<22} {:>5} {:>7} {:>7} {:>8} {:>6} {:>7} {:>10} {:>14} {:>14}",
            name,
            r.cases,
            r.skipped,
            r.claimed,
            r.by_limbo,
            r.agree,
            r.pct(),
            r.by_handshake,
            r.breach,
            r.skipped_breach
        );
        total.cases += r.cases;
        total.skipped += r.skipped;
        total.claimed += r.claimed;
        total.by_limbo += r.by_limbo;
        total.agree += r.agree;
        total.by_handshake += r.by_handshake;
        total.breach += r.breach;
        total.skipped_breach += r.skipped_breach;
    }
    let _ = writeln!(
        out,
        "{:<22} {:>5} {:>7} {:>7} {:>8} {:>6} {:>7} {:>10} {:>14} {:>14}",
        "total",
        total.cases,
        total.skipped,
        total.claimed,
        total.by_limbo,
        total.agree,
        total.pct(),
        total.by_handshake,
        total.breach,
        total.skipped_breach
    );
}

fn describe(out: &mut String, o: &Outcome) {
    let _ = writeln!(
        out,
        "  {}  [{}] expected {}, btpcert {}, openssl {}",
        o.id,
        o.feature,
        expected_word(o.expect_success),
        o.btpcert.word(),
        o.openssl.word()
    );
    for w in &o.btpcert.why {
        let _ = writeln!(out, "      btpcert: {w}");
    }
    for w in &o.openssl.why {
        let _ = writeln!(out, "      openssl: {w}");
    }
}

#[test]
fn limbo_conformance() {
    let started = Instant::now();
    let limbo: Limbo = serde_json::from_slice(&std::fs::read(LIMBO).unwrap()).unwrap();
    assert_eq!(limbo.version, 1, "limbo schema version");
    let cases = &limbo.testcases;
    assert!(!cases.is_empty(), "no limbo case");
    // The id lists name cases that exist: a renamed case must not change
    // its classification silently.
    let ids: HashSet<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    for id in [
        ISSUANCE_PROFILE,
        PEER_NAME,
        SIGNATURES,
        BASIC_CONSTRAINTS,
        EXTENSIONS,
    ]
    .concat()
    {
        assert!(
            ids.contains(id),
            "{id} is listed in limbo.rs but not in limbo.json"
        );
    }
    tool("openssl");

    let dir = TestDir::new();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Outcome, String>>>> =
        Mutex::new((0..cases.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..WORKERS {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= cases.len() {
                    break;
                }
                let r = run_case(&cases[i], &dir, i);
                results.lock().unwrap()[i] = Some(r);
            });
        }
    });
    let mut outcomes = Vec::new();
    let mut problems = Vec::new();
    for r in results.into_inner().unwrap() {
        match r.expect("every case ran") {
            Ok(o) => outcomes.push(o),
            Err(e) => problems.push(e),
        }
    }
    assert!(
        problems.is_empty(),
        "the harness could not run every case:\n{}",
        problems.join("\n")
    );

    // Conflicting pairs: keep the side the handshake meets.
    let claimed: HashSet<String> = outcomes
        .iter()
        .filter(|o| o.claimed())
        .map(|o| o.id.clone())
        .collect();
    for o in &mut outcomes {
        if o.claimed()
            && o.conflicts_with.iter().any(|c| claimed.contains(c))
            && o.expect_success != o.openssl.accepted
        {
            o.claim = Claim::Skipped;
            o.feature = "profile-conflict";
        }
    }
    for o in &mut outcomes {
        o.judged_by_handshake = o.claimed() && o.expect_success && !o.openssl.accepted;
    }

    // Tables.
    let mut by_family: BTreeMap<String, Row> = BTreeMap::new();
    let mut by_claimed_feature: BTreeMap<String, Row> = BTreeMap::new();
    let mut by_skipped_feature: BTreeMap<String, Row> = BTreeMap::new();
    for o in &outcomes {
        by_family.entry(o.family.clone()).or_default().add(o);
        let t = if o.claimed() {
            &mut by_claimed_feature
        } else {
            &mut by_skipped_feature
        };
        t.entry(o.feature.to_string()).or_default().add(o);
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "x509-limbo: {} cases; 'by limbo' = claimed cases judged against expected_result, \
         'handshake' = claimed cases where limbo expects SUCCESS and openssl rejects, \
         'btp+ ossl-' = accepted by btpcert and rejected by openssl, \
         '(skipped: +/-)' = the same among skipped cases, for information",
        outcomes.len()
    );
    table(&mut out, "By family", &by_family);
    table(&mut out, "Claimed, by feature", &by_claimed_feature);
    table(&mut out, "Skipped, by feature", &by_skipped_feature);

    let disagree: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.claimed() && !o.judged_by_handshake && !o.agrees())
        .collect();
    let breaches: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.claimed() && o.breach())
        .collect();
    let _ = writeln!(
        out,
        "\nClaimed cases that disagree with limbo ({}):",
        disagree.len()
    );
    for o in &disagree {
        describe(&mut out, o);
    }
    let _ = writeln!(
        out,
        "\nClaimed cases judged against the handshake (limbo expects SUCCESS, openssl rejects):"
    );
    for o in outcomes.iter().filter(|o| o.judged_by_handshake) {
        describe(&mut out, o);
    }
    let _ = writeln!(
        out,
        "\nClaimed cases accepted by btpcert and rejected by openssl ({}):",
        breaches.len()
    );
    for o in &breaches {
        describe(&mut out, o);
    }
    let by_limbo = disagree.len()
        + outcomes
            .iter()
            .filter(|o| o.claimed() && !o.judged_by_handshake && o.agrees())
            .count();
    let agree = by_limbo - disagree.len();
    let ratio = if by_limbo == 0 {
        1.0
    } else {
        agree as f64 / by_limbo as f64
    };
    let _ = writeln!(
        out,
        "\n{agree} of {by_limbo} claimed cases agree with limbo ({:.1}%); {} accepted by btpcert \
         and rejected by openssl; {:.1} s",
        100.0 * ratio,
        breaches.len(),
        started.elapsed().as_secs_f64()
    );
    println!("{out}");

    if let Some(file) = std::env::var_os("BTPCERT_LIMBO_RESULTS") {
        let rows: Vec<Value> = outcomes
            .iter()
            .map(|o| {
                json!({
                    "id": o.id,
                    "family": o.family,
                    "feature": o.feature,
                    "claimed": o.claimed(),
                    "judged_by_handshake": o.judged_by_handshake,
                    "expected": expected_word(o.expect_success),
                    "scenario": o.scenario,
                    "at": o.at,
                    "btpcert": {"accepted": o.btpcert.accepted, "why": o.btpcert.why, "path": o.path},
                    "openssl": {"accepted": o.openssl.accepted, "why": o.openssl.why},
                })
            })
            .collect();
        std::fs::write(&file, serde_json::to_string_pretty(&rows).unwrap()).unwrap();
    }

    let mut failures = Vec::new();
    if ratio < MIN_AGREEMENT {
        failures.push(format!(
            "claimed cases agree with limbo's expected_result on {agree} of {by_limbo} ({:.1}%), \
             less than {:.0}%",
            100.0 * ratio,
            100.0 * MIN_AGREEMENT
        ));
    }
    if !breaches.is_empty() {
        failures.push(format!(
            "btpcert accepts {} claimed case(s) that openssl verify rejects: {}",
            breaches.len(),
            breaches
                .iter()
                .map(|o| o.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
