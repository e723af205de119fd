//! What a chain is for at SAP, and whether SAP trusts it for that: a
//! [`Scenario`] names the trust lists that apply, [`Choice`] says which
//! scenarios an input is judged for and why, and [`judge_as`] adds the
//! scenario's checks to the report of `x509::verify`, which knows nothing
//! of SAP.
//!
//! The rules, with their sources (`../shared/sap-facts.md`, "Which CAs are
//! trusted, and where" [0fc1446, 4509f60, edd5613, 0f92842]):
//!
//! - **iflow**, a direct client-certificate call to an integration flow:
//!   the chain must end at a root SAP's load balancer trusts. SAP publishes
//!   that list only in SAP Note 2801396; its public counterpart is the BTP
//!   Trust Store's `optional` list (`btp-approved`). A root on it is ✓, a
//!   root missing from it a warning that points to the Note, never a
//!   failure: no source says the two lists are equal. The load balancer
//!   holds roots only, so the sender presents leaf, intermediates and root.
//! - **token**, a certificate-based token request [seeds 001, 003]: two
//!   rules together. (a) "The sender has to pass on a certificate chain that
//!   contains a root certificate supported by the load balancer" (the iflow
//!   rule); (b) an *external* certificate "must be signed by a CA from the
//!   list" of XSUAA's Trusted Authorities for X.509 Certificates
//!   (`xsuaa-x509`), read as: some CA of its chain is on that list. An
//!   SAP-generated certificate (Key Type Certificate) needs no CA on that
//!   list: SAP issued it for the binding.
//! - **server**, a chain a sender's truststore must accept: its root on the
//!   BTP Trust Store's `required` list (`btp-required`).
//!
//! Trust goes by the SHA-256 fingerprint of the CA certificate, never by its
//! name; a certificate with a listed CA's name and another fingerprint is a
//! look-alike, and fails whatever the scenario.

use serde::Serialize;

use crate::check::{self, Check, CheckId, Status};
use crate::sap::servicekey::{KeyKind, Plan};
use crate::sap::trust_lists::{self, ListVersion, TrustList};
use crate::x509::cert::Cert;
use crate::x509::key::PrivateKey;
use crate::x509::roots::Origin;
use crate::x509::verify::{self, Options, Path, Report};

/// SHA-256 of SAP Cloud Root CA, the root of the chains of SAP-generated
/// certificates (sap-facts, "Service key JSON": leaf -> SAP Cloud Platform
/// Client CA or SAP PKI Certificate Service Client CA -> SAP Cloud Root CA;
/// the fingerprint is the one of `data/trust-lists.tsv`).
pub const SAP_CLOUD_ROOT_CA_SHA256: &str = "6F:87:42:22:FA:EA:17:FD:8C:4A:4C:25:EF:26:F2:9F:BE:00:BF:45:82:C3:E1:FE:00:C2:F0:3D:BC:78:B2:81";

/// What the certificate is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// A direct client-certificate call to an integration flow: the root
    /// must be one SAP's load balancer trusts (`btp-approved`, SAP Note
    /// 2801396 for the full list).
    Iflow,
    /// A certificate-based token request: a root the load balancer trusts,
    /// and for an external certificate a CA of the chain in `xsuaa-x509`.
    Token,
    /// A server chain (e.g. from the Connectivity Test): root in `btp-required`.
    Server,
}

impl Scenario {
    /// Every scenario, in the order they are reported.
    pub const ALL: [Scenario; 3] = [Scenario::Iflow, Scenario::Token, Scenario::Server];

    /// The trust list that decides the scenario, as `--json` names it in
    /// `scenarios[].list`; [`Scenario::lists`] gives every list it uses.
    pub fn list(self) -> TrustList {
        match self {
            Scenario::Iflow => TrustList::BtpApproved,
            Scenario::Token => TrustList::XsuaaX509,
            Scenario::Server => TrustList::BtpRequired,
        }
    }

    /// Every list the scenario is judged with: the token scenario asks the
    /// load balancer's (`btp-approved`) and XSUAA's (`xsuaa-x509`).
    pub fn lists(self) -> &'static [TrustList] {
        match self {
            Scenario::Iflow => &[TrustList::BtpApproved],
            Scenario::Token => &[TrustList::BtpApproved, TrustList::XsuaaX509],
            Scenario::Server => &[TrustList::BtpRequired],
        }
    }

    /// What the scenario is, in words.
    pub fn describe(self) -> &'static str {
        match self {
            Scenario::Iflow => "direct client-certificate call to an integration flow",
            Scenario::Token => "certificate-based token request, OAuth client credentials",
            Scenario::Server => "server chain a sender's truststore must accept",
        }
    }

    /// The name, as `--for` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Iflow => "iflow",
            Scenario::Token => "token",
            Scenario::Server => "server",
        }
    }

    /// `iflow, token`, for messages.
    pub fn names(scenarios: &[Scenario]) -> String {
        scenarios
            .iter()
            .map(|s| s.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Who issued the client certificate, as far as the input tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Issuance {
    /// SAP, for the binding: the certificate of a Certificate key.
    SapGenerated,
    /// Someone else: the certificate of an External Certificate key.
    External,
    /// The input does not say (a certificate file).
    Unknown,
}

impl Issuance {
    /// From the kinds of the service keys given: any External Certificate
    /// key makes the stricter rule apply.
    pub fn of_kinds(kinds: &[KeyKind]) -> Issuance {
        if kinds.contains(&KeyKind::ExternalCertificate) {
            Issuance::External
        } else if kinds.contains(&KeyKind::Certificate) {
            Issuance::SapGenerated
        } else {
            Issuance::Unknown
        }
    }
}

/// The scenarios an input is judged for, and why: `--json` prints it as
/// `scenarios_chosen`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    /// The scenarios, in the order of [`Scenario::ALL`].
    pub scenarios: Vec<Scenario>,
    /// Why these, in words.
    pub reason: String,
}

impl Choice {
    /// The one scenario asked for with `--for`.
    pub fn asked(s: Scenario) -> Choice {
        Choice {
            scenarios: vec![s],
            reason: format!("asked for with --for {}", s.name()),
        }
    }

    /// A service key of `kind` and `plan` (sap-facts, "Service instances"
    /// and "Certificate used to get a token"): on plan `integration-flow`
    /// the certificate calls integration flows and gets tokens (SAP's
    /// Postman tutorial creates a Certificate key "for the step to retrieve
    /// the access token"); on plan `api` it authenticates at the token
    /// server only. When the plan cannot be told, both.
    pub fn for_key(kind: KeyKind, plan: Option<Plan>) -> Choice {
        let what = match kind {
            KeyKind::Certificate => "a Certificate key (SAP-generated)",
            KeyKind::ExternalCertificate => "an External Certificate key",
            KeyKind::ClientSecret => {
                return Choice {
                    scenarios: Vec::new(),
                    reason: "a ClientId/Secret key holds no certificate".into(),
                }
            }
        };
        let (scenarios, reason) = match plan {
            Some(Plan::IntegrationFlow) => (
                vec![Scenario::Iflow, Scenario::Token],
                format!("{what} of plan integration-flow (its url is the runtime host): calls to integration flows and token requests"),
            ),
            Some(Plan::Api) => (
                vec![Scenario::Token],
                format!("{what} of plan api: the certificate gets tokens for the API; direct calls to integration flows do not apply"),
            ),
            None => (
                vec![Scenario::Iflow, Scenario::Token],
                format!("{what} whose plan its url does not tell: judged for both plans, calls to integration flows and token requests"),
            ),
        };
        Choice { scenarios, reason }
    }

    /// Several service keys: every scenario any of them is for.
    pub fn for_keys(keys: &[(KeyKind, Option<Plan>)]) -> Choice {
        let choices: Vec<Choice> = keys.iter().map(|(k, p)| Choice::for_key(*k, *p)).collect();
        let mut reasons: Vec<String> = Vec::new();
        for c in &choices {
            if !reasons.contains(&c.reason) {
                reasons.push(c.reason.clone());
            }
        }
        Choice {
            scenarios: Scenario::ALL
                .into_iter()
                .filter(|s| choices.iter().any(|c| c.scenarios.contains(s)))
                .collect(),
            reason: reasons.join("; "),
        }
    }

    /// A certificate without a service key: what its extended key usage
    /// allows. clientAuth means a client (iflow and token), serverAuth a
    /// server, both or any every scenario; without the extension the leaf
    /// does not tell, and every scenario is judged. A CA certificate given
    /// alone is a root for a truststore: the server scenario.
    pub fn for_leaf(leaf: &Cert) -> Choice {
        if leaf.basic_constraints().is_some_and(|(ca, _)| ca) {
            return Choice {
                scenarios: vec![Scenario::Server],
                reason: "a CA certificate alone: judged as the root a sender's truststore holds (--for picks another scenario)".into(),
            };
        }
        let Some(eku) = leaf.extended_key_usage() else {
            return Choice {
                scenarios: Scenario::ALL.to_vec(),
                reason: "the leaf has no extended key usage, so it does not tell what it is for: every scenario is judged (--for picks one)".into(),
            };
        };
        let has = |u: &str| eku.iter().any(|x| x == u);
        let any = has("anyExtendedKeyUsage");
        let (client, server) = (any || has("clientAuth"), any || has("serverAuth"));
        let (scenarios, reason) = match (client, server) {
            (true, false) => (
                vec![Scenario::Iflow, Scenario::Token],
                "the leaf allows clientAuth, not serverAuth: a client certificate, for calls to integration flows and token requests",
            ),
            (false, true) => (
                vec![Scenario::Server],
                "the leaf allows serverAuth, not clientAuth: a server chain",
            ),
            (true, true) => (
                Scenario::ALL.to_vec(),
                "the leaf allows both clientAuth and serverAuth: every scenario",
            ),
            (false, false) => (
                Scenario::ALL.to_vec(),
                "the leaf allows neither clientAuth nor serverAuth, so it does not tell what it is for: every scenario is judged (--for picks one)",
            ),
        };
        Choice {
            scenarios,
            reason: reason.into(),
        }
    }
}

/// The CA of the path found on a list.
#[derive(Debug, Serialize)]
pub struct Anchor {
    /// Subject, RFC 4514.
    pub subject_dn: String,
    /// SHA-256 of the DER, upper-case hex with colons.
    pub fingerprint_sha256: String,
    /// Every list that holds this CA.
    pub lists: Vec<TrustList>,
}

impl Anchor {
    fn of(c: &Cert) -> Anchor {
        let fp = c.sha256();
        Anchor {
            subject_dn: c.subject_dn(),
            lists: trust_lists::lists_of(&fp),
            fingerprint_sha256: fp,
        }
    }
}

/// The checks of one scenario.
#[derive(Debug, Serialize)]
pub struct ScenarioReport {
    /// The scenario judged.
    pub scenario: Scenario,
    /// Its deciding trust list ([`Scenario::list`]).
    pub list: TrustList,
    /// Whether the scenario's trust rules hold by the lists (the root, and
    /// for tokens the CA, on them); `status` says how bad it is if not.
    pub trusted: bool,
    /// The worst of the checks.
    pub status: Status,
    /// The CA of the path found on the list, if any.
    pub anchor: Option<Anchor>,
    /// What was found, in order.
    pub checks: Vec<Check>,
    /// A CA of the path carries a listed CA's name but is another
    /// certificate: no flag may turn that into a warning.
    #[serde(skip)]
    pub look_alike: bool,
}

impl ScenarioReport {
    /// Recomputes the status after checks were changed.
    pub fn restate(&mut self) {
        self.status = check::worst(&self.checks);
    }
}

/// The report of a path with the scenarios judged: what `verify --json`
/// prints.
#[derive(Debug, Serialize)]
pub struct Verdict {
    /// The worst of every check.
    pub status: Status,
    /// The checks of the certificates and the chain.
    #[serde(flatten)]
    pub report: Report,
    /// One report per scenario asked for.
    pub scenarios: Vec<ScenarioReport>,
    /// The trust lists the scenarios were judged with, and their versions.
    pub trust_lists: Vec<ListVersion>,
}

impl Verdict {
    /// Adds a check about the chain as a whole, from outside the chain
    /// (the service key's own statements, say).
    pub fn add_chain_check(&mut self, c: Check) {
        self.report.chain.push(c);
        self.status = self.worst();
    }

    /// Every check: certificates, chain, then scenarios.
    pub fn checks(&self) -> impl Iterator<Item = &Check> {
        self.report
            .checks()
            .chain(self.scenarios.iter().flat_map(|s| &s.checks))
    }

    /// How many checks came out as `status`.
    pub fn count(&self, status: Status) -> usize {
        self.checks().filter(|c| c.status == status).count()
    }

    fn worst(&self) -> Status {
        check::worst(self.checks())
    }

    /// Recomputes the status after scenario checks were changed.
    pub fn restate(&mut self) {
        for s in &mut self.scenarios {
            s.restate();
        }
        self.status = self.worst();
    }

    /// The scenario's report, if it was judged.
    pub fn scenario(&self, s: Scenario) -> Option<&ScenarioReport> {
        self.scenarios.iter().find(|r| r.scenario == s)
    }
}

/// Runs every check of the path, then judges each scenario for a
/// certificate whose issuer the input does not tell.
pub fn judge(
    path: &Path,
    key: Option<&PrivateKey>,
    opts: &Options,
    scenarios: &[Scenario],
) -> Verdict {
    judge_as(path, key, opts, scenarios, Issuance::Unknown)
}

/// Runs every check of the path, then judges each scenario for a
/// certificate issued as `issuance` says.
pub fn judge_as(
    path: &Path,
    key: Option<&PrivateKey>,
    opts: &Options,
    scenarios: &[Scenario],
    issuance: Issuance,
) -> Verdict {
    let mut verdict = Verdict {
        status: Status::Ok,
        report: verify::verify(path, key, opts),
        scenarios: scenarios
            .iter()
            .map(|&s| scenario_report(s, path, issuance))
            .collect(),
        trust_lists: trust_lists::versions(
            scenarios.iter().flat_map(|s| s.lists().iter().copied()),
        ),
    };
    verdict.status = verdict.worst();
    verdict
}

/// A trust check and what it found.
struct Found {
    check: Check,
    anchor: Option<Anchor>,
    look_alike: bool,
}

impl Found {
    fn ok(&self) -> bool {
        self.check.status == Status::Ok
    }
}

/// The checks of one scenario: trust, the whole chain (what a sender
/// presents to the load balancer: calls and tokens), and the leaf's
/// extended key usage.
pub fn scenario_report(s: Scenario, path: &Path, issuance: Issuance) -> ScenarioReport {
    let mut found = Vec::new();
    match s {
        Scenario::Iflow => found.push(load_balancer_root(path)),
        Scenario::Token => {
            found.push(load_balancer_root(path));
            found.push(token_ca(path, issuance));
        }
        Scenario::Server => found.push(root_trusted(TrustList::BtpRequired, path)),
    }
    let trusted = found.iter().all(Found::ok);
    let look_alike = found.iter().any(|f| f.look_alike);
    let mut checks: Vec<Check> = found.iter().map(|f| f.check.clone()).collect();
    let anchor = found.into_iter().rev().find_map(|f| f.anchor);
    if s != Scenario::Server {
        checks.extend(whole_chain(path));
    }
    if let Some(leaf) = path.leaf() {
        checks.push(match s {
            Scenario::Iflow | Scenario::Token => client_auth_eku(leaf),
            Scenario::Server => server_auth_eku(leaf),
        });
    }
    ScenarioReport {
        scenario: s,
        list: s.list(),
        trusted,
        status: check::worst(&checks),
        anchor,
        checks,
        look_alike,
    }
}

/// `root-trusted` for SAP's load balancer: the root of the path on
/// `btp-approved` is ✓; a root missing from it is a warning that points to
/// SAP Note 2801396, the load balancer's own list, which is not public; a
/// look-alike, or a chain without a root, fails.
fn load_balancer_root(path: &Path) -> Found {
    let list = TrustList::BtpApproved;
    let found = root_trusted(list, path);
    match path.root() {
        Some(root) if found.check.status == Status::Fail && !found.look_alike => Found {
            check: Check::warn(
                CheckId::RootTrusted,
                format!(
                    "root '{}' (SHA-256 {}) is not on {list}, SAP's public list of the roots its load balancer accepts; the load balancer's own list is SAP Note 2801396 (SAP login needed): check that the root is there before you rely on it",
                    root.common_name(),
                    root.sha256()
                ),
            ),
            ..found
        },
        _ => found,
    }
}

/// `ca-trusted` for a token: an SAP-generated certificate needs no CA on
/// XSUAA's list; an external one needs some CA of its chain on it. A
/// certificate file whose chain ends at SAP Cloud Root CA is taken as
/// SAP-generated (inferred: SAP issues the certificates of Certificate keys
/// under that root), and the check says so.
fn token_ca(path: &Path, issuance: Issuance) -> Found {
    let sap_root = path
        .root()
        .is_some_and(|r| r.sha256().eq_ignore_ascii_case(SAP_CLOUD_ROOT_CA_SHA256));
    let why = match issuance {
        Issuance::SapGenerated => Some("the key is of type Certificate: SAP generated the certificate for the binding"),
        Issuance::Unknown if sap_root => Some("the chain ends at SAP Cloud Root CA, under which SAP generates the certificates of Certificate keys (inferred from the root; the input is no service key)"),
        _ => None,
    };
    match why {
        Some(why) => Found {
            check: Check::ok(
                CheckId::CaTrusted,
                format!(
                    "{why}; XSUAA's list ({}) is for external certificates only",
                    TrustList::XsuaaX509
                ),
            ),
            anchor: None,
            look_alike: false,
        },
        None => ca_trusted(TrustList::XsuaaX509, path),
    }
}

/// `root-trusted`: the root of the path is on `list`.
fn root_trusted(list: TrustList, path: &Path) -> Found {
    match path.root() {
        Some(root) if trust_lists::in_list(list, &root.sha256()) => Found {
            check: Check::ok(
                CheckId::RootTrusted,
                format!("root '{}' is on {list}", root.common_name()),
            ),
            anchor: Some(Anchor::of(root)),
            look_alike: false,
        },
        Some(root) => Found {
            check: Check::fail(CheckId::RootTrusted, not_listed(root, list, "root")),
            anchor: None,
            look_alike: is_look_alike(root),
        },
        None => Found {
            check: Check::fail(
                CheckId::RootTrusted,
                "the chain does not reach a root, so trust cannot be decided",
            ),
            anchor: None,
            look_alike: false,
        },
    }
}

/// `ca-trusted`: some CA of the path (above the leaf) is on `list`.
fn ca_trusted(list: TrustList, path: &Path) -> Found {
    let cas: Vec<&Cert> = path.certs.iter().skip(1).map(|(c, _)| c).collect();
    if let Some(ca) = cas.iter().find(|c| trust_lists::in_list(list, &c.sha256())) {
        return Found {
            check: Check::ok(
                CheckId::CaTrusted,
                format!("issued under '{}', which is on {list}", ca.common_name()),
            ),
            anchor: Some(Anchor::of(ca)),
            look_alike: false,
        };
    }
    let msg = match (cas.last(), &path.missing_issuer) {
        (Some(top), _) => not_listed(top, list, "CA"),
        (None, Some(issuer)) => {
            format!("the chain holds no CA certificate, and its issuer '{issuer}' was not found")
        }
        (None, None) => "the chain holds no CA certificate".into(),
    };
    Found {
        check: Check::fail(
            CheckId::CaTrusted,
            format!("no CA of the chain is on {list}: {msg}"),
        ),
        anchor: None,
        look_alike: cas.iter().any(|c| is_look_alike(c)),
    }
}

/// Whether `c` carries the name of a listed CA but is another certificate.
fn is_look_alike(c: &Cert) -> bool {
    trust_lists::look_alike(&c.common_name(), &c.sha256()).is_some()
}

/// Why `c` is not on `list`: a look-alike of a listed CA, or simply not listed.
fn not_listed(c: &Cert, list: TrustList, what: &str) -> String {
    let fp = c.sha256();
    match trust_lists::look_alike(&c.common_name(), &fp) {
        Some(real) => format!(
            "{what} '{}' is not the CA SAP trusts under that name: its SHA-256 is {fp}, SAP's '{}' has {}",
            c.common_name(),
            real.subject,
            real.sha256.unwrap_or("-")
        ),
        None => format!(
            "{what} '{}' (SHA-256 {fp}) is not on {list}",
            c.common_name()
        ),
    }
}

/// `whole-chain`: the sender presents leaf, intermediates and the root,
/// since SAP's load balancer holds roots only and SAP asks for "a
/// certificate chain that contains a root certificate supported by the load
/// balancer". An intermediate missing from the chain given fails; a root
/// missing from it is a warning (btpcert's files add it). Whether anything
/// is missing can only be told of a complete path.
fn whole_chain(path: &Path) -> Vec<Check> {
    let Some(root) = path.root() else {
        return Vec::new();
    };
    let fetched: Vec<&Cert> = path
        .certs
        .iter()
        .skip(1)
        .filter(|(c, o)| *o != Origin::Chain && !c.is_self_signed())
        .map(|(c, _)| c)
        .collect();
    let root_origin = path.certs.last().map(|(_, o)| o.clone());
    let root_given = path.certs.len() == 1 || root_origin == Some(Origin::Chain);
    let mut checks: Vec<Check> = fetched
        .iter()
        .map(|c| {
            Check::fail(
                CheckId::WholeChain,
                format!(
                    "intermediate '{}' is missing from the chain given: the sender must present leaf and intermediates (SAP's load balancer holds roots only)",
                    c.common_name()
                ),
            )
        })
        .collect();
    if fetched.is_empty() {
        checks.push(Check::ok(
            CheckId::WholeChain,
            if root_given {
                "the chain given holds the leaf, every intermediate and the root"
            } else {
                "the chain given holds the leaf and every intermediate"
            },
        ));
    }
    if !root_given {
        let whence = match root_origin {
            Some(Origin::RootsFile) => "from --roots",
            _ => "from the system's CA bundle",
        };
        checks.push(Check::warn(
            CheckId::WholeChain,
            format!(
                "the root '{}' is not in the chain given ({whence}): the sender must present it too, as SAP asks for a chain that contains a root the load balancer supports; btpcert extract, p12 and postman write it",
                root.common_name()
            ),
        ));
    }
    checks
}

/// `client-auth-eku`: the leaf allows TLS client authentication.
fn client_auth_eku(leaf: &Cert) -> Check {
    if leaf.allows_client_auth() {
        return Check::ok(
            CheckId::ClientAuthEku,
            "the leaf allows TLS client authentication (clientAuth)",
        );
    }
    let has = match leaf.extended_key_usage() {
        None => {
            return Check::warn(
                CheckId::ClientAuthEku,
                "the leaf has no extended key usage extension: RFC 5280 leaves it unrestricted, but SAP's load balancer requires Client Authentication (1.3.6.1.5.5.7.3.2) since April 2026 and does not say whether it accepts a certificate without the extension; ask the CA for one with clientAuth to be sure",
            );
        }
        Some(v) if v.is_empty() => "has an empty extended key usage extension".to_string(),
        Some(v) => format!("has extended key usage {} only", v.join(", ")),
    };
    Check::fail(
        CheckId::ClientAuthEku,
        format!(
            "the leaf {has}, not Client Authentication (1.3.6.1.5.5.7.3.2): SAP's load balancer rejects it during the handshake since April 2026; ask the CA for a certificate with clientAuth"
        ),
    )
}

/// `server-auth-eku`: the leaf may serve TLS.
fn server_auth_eku(leaf: &Cert) -> Check {
    match leaf.extended_key_usage() {
        Some(v)
            if !v
                .iter()
                .any(|u| u == "serverAuth" || u == "anyExtendedKeyUsage") =>
        {
            Check::fail(
                CheckId::ServerAuthEku,
                if v.is_empty() {
                    "the leaf has an empty extended key usage extension, which allows no purpose: not serverAuth".to_string()
                } else {
                    format!(
                        "the leaf has extended key usage {} only, not serverAuth",
                        v.join(", ")
                    )
                },
            )
        }
        _ => Check::ok(CheckId::ServerAuthEku, "the leaf may serve TLS"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::x509::roots::RootStore;

    const SAMPLE: &str = include_str!("../../testdata/service-key.json");
    const EXTERNAL: &str = include_str!("../../testdata/service-key-external.json");

    fn key(text: &str) -> crate::sap::servicekey::ServiceKey {
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        crate::sap::servicekey::ServiceKey::from_json(&v).unwrap()
    }

    /// The sample Certificate key: its chain and private key.
    fn sample() -> crate::sap::servicekey::ServiceKey {
        key(SAMPLE)
    }

    fn sample_path(drop_root: bool) -> Path {
        let l = sample();
        let mut certs = l.certs;
        if drop_root {
            certs.pop();
        }
        verify::build_path(&certs, &RootStore::default())
    }

    fn at_2030() -> Options {
        Options {
            at: time::macros::datetime!(2030-01-01 0:00 UTC),
            warn_days: 30,
        }
    }

    fn ids(r: &ScenarioReport) -> Vec<(CheckId, Status)> {
        r.checks.iter().map(|c| (c.id, c.status)).collect()
    }

    #[test]
    fn each_scenario_checks_its_own_things() {
        let path = sample_path(false);
        let iflow = scenario_report(Scenario::Iflow, &path, Issuance::SapGenerated);
        assert_eq!(iflow.list, TrustList::BtpApproved);
        // A root missing from the public list is a warning (SAP Note 2801396).
        assert_eq!(
            ids(&iflow),
            vec![
                (CheckId::RootTrusted, Status::Warn),
                (CheckId::WholeChain, Status::Ok),
                (CheckId::ClientAuthEku, Status::Ok),
            ]
        );
        assert!(iflow.checks[0].message.contains("SAP Note 2801396"));
        assert!(!iflow.trusted && iflow.anchor.is_none() && !iflow.look_alike);
        assert_eq!(iflow.status, Status::Warn);
        let server = scenario_report(Scenario::Server, &path, Issuance::SapGenerated);
        assert_eq!(
            ids(&server),
            vec![
                (CheckId::RootTrusted, Status::Fail),
                (CheckId::ServerAuthEku, Status::Fail),
            ]
        );
    }

    #[test]
    fn a_token_needs_the_load_balancer_root_and_for_external_keys_an_xsuaa_ca() {
        let path = sample_path(false);
        // SAP-generated: XSUAA's list does not apply; the root is still the
        // load balancer's question.
        let sap = scenario_report(Scenario::Token, &path, Issuance::SapGenerated);
        assert_eq!(
            ids(&sap),
            vec![
                (CheckId::RootTrusted, Status::Warn),
                (CheckId::CaTrusted, Status::Ok),
                (CheckId::WholeChain, Status::Ok),
                (CheckId::ClientAuthEku, Status::Ok),
            ]
        );
        assert!(sap.checks[1]
            .message
            .contains("SAP generated the certificate"));
        assert!(!sap.trusted, "the sample root is on no list");
        assert_eq!(sap.status, Status::Warn);
        // External, or not told: some CA of the chain must be on xsuaa-x509.
        for issuance in [Issuance::External, Issuance::Unknown] {
            let ext = scenario_report(Scenario::Token, &path, issuance);
            assert_eq!(ext.checks[1].id, CheckId::CaTrusted);
            assert_eq!(ext.checks[1].status, Status::Fail);
            assert!(ext.checks[1].message.contains("is not on xsuaa-x509"));
            assert_eq!(ext.status, Status::Fail);
        }
        assert_eq!(
            Scenario::Token.lists(),
            [TrustList::BtpApproved, TrustList::XsuaaX509]
        );
    }

    #[test]
    fn sap_cloud_root_ca_is_the_listed_one() {
        let e = trust_lists::entries()
            .iter()
            .find(|e| e.subject.ends_with("CN=SAP Cloud Root CA"))
            .unwrap();
        assert_eq!(e.sha256, Some(SAP_CLOUD_ROOT_CA_SHA256));
        assert!(trust_lists::in_list(
            TrustList::BtpApproved,
            SAP_CLOUD_ROOT_CA_SHA256
        ));
        assert!(!trust_lists::in_list(
            TrustList::XsuaaX509,
            SAP_CLOUD_ROOT_CA_SHA256
        ));
    }

    #[test]
    fn an_incomplete_path_cannot_be_trusted() {
        let path = sample_path(true);
        let iflow = scenario_report(Scenario::Iflow, &path, Issuance::SapGenerated);
        assert_eq!(iflow.checks[0].status, Status::Fail);
        assert_eq!(
            iflow.checks[0].message,
            "the chain does not reach a root, so trust cannot be decided"
        );
        assert!(iflow.checks.iter().all(|c| c.id != CheckId::WholeChain));
    }

    #[test]
    fn a_root_from_elsewhere_must_be_presented_too() {
        let l = sample();
        let mut store = RootStore::default();
        store.add([l.certs[2].clone()], Origin::RootsFile);
        let path = verify::build_path(&l.certs[..2], &store);
        let r = scenario_report(Scenario::Iflow, &path, Issuance::SapGenerated);
        let whole: Vec<(Status, &str)> = r
            .checks
            .iter()
            .filter(|c| c.id == CheckId::WholeChain)
            .map(|c| (c.status, c.message.as_str()))
            .collect();
        assert_eq!(whole.len(), 2);
        assert_eq!(whole[0].0, Status::Ok);
        assert_eq!(whole[1].0, Status::Warn);
        assert!(whole[1]
            .1
            .contains("(from --roots): the sender must present it too"));
    }

    #[test]
    fn the_verdict_is_the_worst_of_everything() {
        let path = sample_path(false);
        let mut v = judge(&path, None, &at_2030(), &[Scenario::Server]);
        assert_eq!(v.status, Status::Fail);
        assert_eq!(v.count(Status::Fail), 2);
        assert!(v.scenario(Scenario::Token).is_none());
        v.add_chain_check(Check::warn(CheckId::Details, "x"));
        assert_eq!(v.count(Status::Warn), 1);
        let json = serde_json::to_value(&v).unwrap();
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "status",
                "at",
                "certificates",
                "unrelated",
                "chain",
                "scenarios",
                "trust_lists"
            ]
        );
        assert_eq!(json["scenarios"][0]["list"], "btp-required");
        assert_eq!(
            json["trust_lists"],
            serde_json::json!([{"list": "btp-required", "version": "BTP Trust Store v3.0.0 (2026-06-03)"}])
        );
        let v = judge_as(
            &path,
            None,
            &at_2030(),
            &[Scenario::Iflow, Scenario::Token],
            Issuance::SapGenerated,
        );
        assert_eq!(v.status, Status::Warn);
        assert_eq!(v.trust_lists.len(), 2);
    }

    #[test]
    fn scenarios_follow_the_key_and_its_plan() {
        let both = vec![Scenario::Iflow, Scenario::Token];
        for kind in [KeyKind::Certificate, KeyKind::ExternalCertificate] {
            let c = Choice::for_key(kind, Some(Plan::IntegrationFlow));
            assert_eq!(c.scenarios, both);
            assert!(c.reason.contains("plan integration-flow"), "{}", c.reason);
            let c = Choice::for_key(kind, Some(Plan::Api));
            assert_eq!(c.scenarios, vec![Scenario::Token]);
            let c = Choice::for_key(kind, None);
            assert_eq!(c.scenarios, both);
            assert!(c.reason.contains("does not tell"), "{}", c.reason);
        }
        let c = Choice::for_keys(&[
            (KeyKind::Certificate, Some(Plan::Api)),
            (KeyKind::ExternalCertificate, Some(Plan::IntegrationFlow)),
        ]);
        assert_eq!(c.scenarios, both);
        assert!(c
            .reason
            .starts_with("a Certificate key (SAP-generated) of plan api"));
        assert!(c
            .reason
            .contains("; an External Certificate key of plan integration-flow"));
        assert_eq!(
            Choice::asked(Scenario::Server).scenarios,
            [Scenario::Server]
        );
        assert_eq!(
            Issuance::of_kinds(&[KeyKind::Certificate, KeyKind::ExternalCertificate]),
            Issuance::External
        );
        assert_eq!(
            Issuance::of_kinds(&[KeyKind::Certificate]),
            Issuance::SapGenerated
        );
        assert_eq!(Issuance::of_kinds(&[]), Issuance::Unknown);
        // The sample keys' url is the runtime host: integration-flow.
        assert_eq!(key(SAMPLE).plan(), Some(Plan::IntegrationFlow));
        assert_eq!(key(EXTERNAL).plan(), Some(Plan::IntegrationFlow));
    }

    #[test]
    fn a_certificate_file_is_judged_by_its_extended_key_usage() {
        let l = sample();
        let leaf = Choice::for_leaf(&l.certs[0]);
        assert_eq!(leaf.scenarios, vec![Scenario::Iflow, Scenario::Token]);
        assert!(leaf.reason.contains("clientAuth"));
        // A CA certificate alone is a root for a truststore.
        let root = Choice::for_leaf(&l.certs[2]);
        assert_eq!(root.scenarios, vec![Scenario::Server]);
        assert!(root.reason.starts_with("a CA certificate alone"));
    }
}
