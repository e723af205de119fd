//! What a chain is for at SAP, and whether SAP trusts it for that: a
//! [`Scenario`] names the trust list that applies, and [`judge`] adds the
//! scenario's checks (trust by fingerprint, the whole chain for the load
//! balancer, the extended key usage of the leaf) to the report of
//! `x509::verify`, which knows nothing of SAP.

use serde::Serialize;

use crate::check::{self, Check, CheckId, Status};
use crate::sap::servicekey::KeyKind;
use crate::sap::trust_lists::{self, TrustList};
use crate::x509::cert::Cert;
use crate::x509::key::PrivateKey;
use crate::x509::roots::Origin;
use crate::x509::verify::{self, Options, Path, Report};

/// What the certificate is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// A direct client-certificate call to an integration flow: the root must
    /// be one SAP's load balancer trusts (`btp-approved`).
    Iflow,
    /// A certificate-based token request: a CA of the chain must be in `xsuaa-x509`.
    Token,
    /// A server chain (e.g. from the Connectivity Test): root in `btp-required`.
    Server,
}

impl Scenario {
    /// Every scenario, in the order they are reported.
    pub const ALL: [Scenario; 3] = [Scenario::Iflow, Scenario::Token, Scenario::Server];

    /// The trust list that decides the scenario.
    pub fn list(self) -> TrustList {
        match self {
            Scenario::Iflow => TrustList::BtpApproved,
            Scenario::Token => TrustList::XsuaaX509,
            Scenario::Server => TrustList::BtpRequired,
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

    /// The scenarios the kinds of service keys given are used for: an
    /// External Certificate key for calls and tokens, a Certificate key for
    /// calls; without a service key, every scenario.
    pub fn for_keys(kinds: &[KeyKind]) -> Vec<Scenario> {
        if kinds.contains(&KeyKind::ExternalCertificate) {
            vec![Scenario::Iflow, Scenario::Token]
        } else if kinds.contains(&KeyKind::Certificate) {
            vec![Scenario::Iflow]
        } else {
            Scenario::ALL.to_vec()
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
    /// Its trust list.
    pub list: TrustList,
    /// Whether a CA of the path is on the list (the way the scenario asks).
    pub trusted: bool,
    /// The worst of the checks.
    pub status: Status,
    /// The CA of the path found on the list, if any.
    pub anchor: Option<Anchor>,
    /// What was found, in order.
    pub checks: Vec<Check>,
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

    /// The scenario's report, if it was judged.
    pub fn scenario(&self, s: Scenario) -> Option<&ScenarioReport> {
        self.scenarios.iter().find(|r| r.scenario == s)
    }
}

/// Runs every check of the path, then judges each scenario.
pub fn judge(
    path: &Path,
    key: Option<&PrivateKey>,
    opts: &Options,
    scenarios: &[Scenario],
) -> Verdict {
    let mut verdict = Verdict {
        status: Status::Ok,
        report: verify::verify(path, key, opts),
        scenarios: scenarios
            .iter()
            .map(|&s| scenario_report(s, path))
            .collect(),
    };
    verdict.status = verdict.worst();
    verdict
}

/// The checks of one scenario: trust, the whole chain (calls to an
/// integration flow only), and the leaf's extended key usage.
pub fn scenario_report(s: Scenario, path: &Path) -> ScenarioReport {
    let list = s.list();
    let (trust, anchor) = match s {
        Scenario::Iflow | Scenario::Server => root_trusted(list, path),
        Scenario::Token => ca_trusted(list, path),
    };
    let mut checks = vec![trust];
    if s == Scenario::Iflow {
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
        list,
        trusted: anchor.is_some(),
        status: check::worst(&checks),
        anchor,
        checks,
    }
}

/// `root-trusted`: the root of the path is on `list`.
fn root_trusted(list: TrustList, path: &Path) -> (Check, Option<Anchor>) {
    match path.root() {
        Some(root) if trust_lists::in_list(list, &root.sha256()) => (
            Check::ok(
                CheckId::RootTrusted,
                format!("root '{}' is on {list}", root.common_name()),
            ),
            Some(Anchor::of(root)),
        ),
        Some(root) => (
            Check::fail(CheckId::RootTrusted, not_listed(root, list, "root")),
            None,
        ),
        None => (
            Check::fail(
                CheckId::RootTrusted,
                "the chain does not reach a root, so trust cannot be decided",
            ),
            None,
        ),
    }
}

/// `ca-trusted`: some CA of the path (above the leaf) is on `list`.
fn ca_trusted(list: TrustList, path: &Path) -> (Check, Option<Anchor>) {
    let cas: Vec<&Cert> = path.certs.iter().skip(1).map(|(c, _)| c).collect();
    if let Some(ca) = cas.iter().find(|c| trust_lists::in_list(list, &c.sha256())) {
        return (
            Check::ok(
                CheckId::CaTrusted,
                format!("issued under '{}', which is on {list}", ca.common_name()),
            ),
            Some(Anchor::of(ca)),
        );
    }
    let msg = match (cas.last(), &path.missing_issuer) {
        (Some(top), _) => not_listed(top, list, "CA"),
        (None, Some(issuer)) => {
            format!("the chain holds no CA certificate, and its issuer '{issuer}' was not found")
        }
        (None, None) => "the chain holds no CA certificate".into(),
    };
    (
        Check::fail(
            CheckId::CaTrusted,
            format!("no CA of the chain is on {list}: {msg}"),
        ),
        None,
    )
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

/// `whole-chain`: the sender presents leaf and intermediates, since SAP's
/// load balancer holds roots only. Whether intermediates are missing can
/// only be told of a complete path.
fn whole_chain(path: &Path) -> Vec<Check> {
    if path.root().is_none() {
        return Vec::new();
    }
    let fetched: Vec<&Cert> = path
        .certs
        .iter()
        .skip(1)
        .filter(|(c, o)| *o != Origin::Chain && !c.is_self_signed())
        .map(|(c, _)| c)
        .collect();
    if fetched.is_empty() {
        return vec![Check::ok(
            CheckId::WholeChain,
            "the chain given holds the leaf and every intermediate",
        )];
    }
    fetched
        .into_iter()
        .map(|c| {
            Check::fail(
                CheckId::WholeChain,
                format!(
                    "intermediate '{}' is missing from the chain given: the sender must present leaf and intermediates (SAP's load balancer holds roots only)",
                    c.common_name()
                ),
            )
        })
        .collect()
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
        None => "has no extended key usage".to_string(),
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

    /// The sample Certificate key: its chain and private key.
    fn sample() -> crate::sap::servicekey::ServiceKey {
        let v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        crate::sap::servicekey::ServiceKey::from_json(&v).unwrap()
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
        let iflow = scenario_report(Scenario::Iflow, &path);
        assert_eq!(iflow.list, TrustList::BtpApproved);
        assert_eq!(
            ids(&iflow),
            vec![
                (CheckId::RootTrusted, Status::Fail),
                (CheckId::WholeChain, Status::Ok),
                (CheckId::ClientAuthEku, Status::Ok),
            ]
        );
        assert!(!iflow.trusted && iflow.anchor.is_none());
        assert_eq!(iflow.status, Status::Fail);
        let token = scenario_report(Scenario::Token, &path);
        assert_eq!(token.checks[0].id, CheckId::CaTrusted);
        assert!(token.checks[0].message.contains("is not on xsuaa-x509"));
        let server = scenario_report(Scenario::Server, &path);
        assert_eq!(
            ids(&server),
            vec![
                (CheckId::RootTrusted, Status::Fail),
                (CheckId::ServerAuthEku, Status::Fail),
            ]
        );
    }

    #[test]
    fn an_incomplete_path_cannot_be_trusted() {
        let path = sample_path(true);
        let iflow = scenario_report(Scenario::Iflow, &path);
        assert_eq!(
            iflow.checks[0].message,
            "the chain does not reach a root, so trust cannot be decided"
        );
        assert!(iflow.checks.iter().all(|c| c.id != CheckId::WholeChain));
    }

    #[test]
    fn the_verdict_is_the_worst_of_everything() {
        let path = sample_path(false);
        let mut v = judge(&path, None, &at_2030(), &[Scenario::Iflow]);
        assert_eq!(v.status, Status::Fail);
        assert_eq!(v.count(Status::Fail), 1);
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
                "scenarios"
            ]
        );
        assert_eq!(json["scenarios"][0]["list"], "btp-approved");
    }

    #[test]
    fn scenarios_follow_the_kind_of_key() {
        assert_eq!(
            Scenario::for_keys(&[KeyKind::ExternalCertificate, KeyKind::Certificate]),
            vec![Scenario::Iflow, Scenario::Token]
        );
        assert_eq!(
            Scenario::for_keys(&[KeyKind::Certificate]),
            vec![Scenario::Iflow]
        );
        assert_eq!(Scenario::for_keys(&[]), Scenario::ALL.to_vec());
    }
}
