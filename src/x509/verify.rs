//! Checks a chain the way SAP's load balancer and XSUAA will, and says in
//! plain words what is wrong: signatures, validity, CA constraints, the
//! Client Authentication EKU, the key, and whether the chain ends at a CA
//! that SAP trusts for the scenario at hand (by fingerprint).

use serde::Serialize;
use time::OffsetDateTime;

use crate::check::{Check, CheckId, Status};
use crate::sap::trust_lists::{self, TrustList};
use crate::x509::cert::{Cert, KeyInfo};
use crate::x509::chain::{self, Chain};
use crate::x509::key::PrivateKey;
use crate::x509::roots::{Origin, RootStore};

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
    pub fn list(self) -> TrustList {
        match self {
            Scenario::Iflow => TrustList::BtpApproved,
            Scenario::Token => TrustList::XsuaaX509,
            Scenario::Server => TrustList::BtpRequired,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Scenario::Iflow => "direct client-certificate call to an integration flow",
            Scenario::Token => "certificate-based token request, OAuth client credentials",
            Scenario::Server => "server chain a sender's truststore must accept",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Scenario::Iflow => "iflow",
            Scenario::Token => "token",
            Scenario::Server => "server",
        }
    }
}

#[derive(Debug, Serialize)]
pub struct CertReport {
    /// 1 for the leaf.
    pub position: usize,
    /// `leaf`, `intermediate` or `root`.
    pub role: &'static str,
    pub origin: Origin,
    pub subject_dn: String,
    pub issuer_dn: String,
    pub fingerprint_sha256: String,
    pub not_after: String,
    pub checks: Vec<Check>,
}

#[derive(Debug, Serialize)]
pub struct Anchor {
    pub subject_dn: String,
    pub fingerprint_sha256: String,
    /// Every list that holds this CA.
    pub lists: Vec<TrustList>,
}

#[derive(Debug, Serialize)]
pub struct ScenarioReport {
    pub scenario: Scenario,
    pub list: TrustList,
    pub trusted: bool,
    pub status: Status,
    /// The CA of the path found on the list, if any.
    pub anchor: Option<Anchor>,
    pub checks: Vec<Check>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub status: Status,
    pub at: String,
    pub certificates: Vec<CertReport>,
    /// Certificates given that belong to no path from the leaf.
    pub unrelated: Vec<String>,
    pub chain: Vec<Check>,
    pub scenarios: Vec<ScenarioReport>,
}

impl Report {
    /// Adds a check about the chain as a whole, from outside the chain
    /// (the service key's own statements, say).
    pub fn add_chain_check(&mut self, c: Check) {
        self.chain.push(c);
        self.refresh_status();
    }

    fn refresh_status(&mut self) {
        self.status = if self.count(Status::Fail) > 0 {
            Status::Fail
        } else if self.count(Status::Warn) > 0 {
            Status::Warn
        } else {
            Status::Ok
        };
    }

    pub fn count(&self, status: Status) -> usize {
        self.certificates
            .iter()
            .flat_map(|c| &c.checks)
            .chain(&self.chain)
            .chain(self.scenarios.iter().flat_map(|s| &s.checks))
            .filter(|c| c.status == status)
            .count()
    }
}

pub struct Options {
    pub at: OffsetDateTime,
    pub warn_days: i64,
    pub scenarios: Vec<Scenario>,
}

/// A chain completed from the store: the certificates and where each came from.
pub struct Path {
    pub chain: Chain,
    pub certs: Vec<(Cert, Origin)>,
    /// The issuer DN that could not be found, when the path ends without a root.
    pub missing_issuer: Option<String>,
}

impl Path {
    pub fn root(&self) -> Option<&Cert> {
        self.certs
            .last()
            .map(|(c, _)| c)
            .filter(|c| c.is_self_signed())
    }
}

/// Orders `certs` and completes the path up to a root: first from
/// certificates given that were on no path (a root given after a gap),
/// then from `store`.
pub fn build_path(certs: &[Cert], store: &RootStore) -> Path {
    let mut chain = chain::order(certs);
    let mut path: Vec<(Cert, Origin)> = chain
        .certs
        .iter()
        .cloned()
        .map(|c| (c, Origin::Chain))
        .collect();
    let mut missing_issuer = None;
    for _ in 0..8 {
        let Some((top, _)) = path.last() else { break };
        if top.is_self_signed() {
            break;
        }
        let top = top.clone();
        if let Some(i) = chain.unrelated.iter().position(|u| top.is_signed_by(u)) {
            path.push((chain.unrelated.remove(i), Origin::Chain));
            continue;
        }
        match store.issuer_of(&top) {
            Some((c, o)) if !path.iter().any(|(p, _)| p.der() == c.der()) => {
                path.push((c.clone(), o.clone()));
            }
            _ => {
                missing_issuer = Some(top.issuer_dn());
                break;
            }
        }
    }
    Path {
        chain,
        certs: path,
        missing_issuer,
    }
}

/// Runs every check. `key` is the private key to match against the leaf.
pub fn verify(path: &Path, key: Option<&PrivateKey>, opts: &Options) -> Report {
    let certs: Vec<CertReport> = path
        .certs
        .iter()
        .enumerate()
        .map(|(i, (c, origin))| cert_report(i, c, origin, path, opts))
        .collect();
    let chain = chain_checks(path, key);
    let scenarios = opts
        .scenarios
        .iter()
        .map(|&s| scenario_report(s, path))
        .collect();
    let mut report = Report {
        status: Status::Ok,
        at: crate::x509::cert::rfc3339(opts.at.replace_nanosecond(0).unwrap_or(opts.at)),
        certificates: certs,
        unrelated: path.chain.unrelated.iter().map(Cert::subject_dn).collect(),
        chain,
        scenarios,
    };
    report.refresh_status();
    for s in &mut report.scenarios {
        s.status = s
            .checks
            .iter()
            .map(|c| c.status)
            .max()
            .unwrap_or(Status::Ok);
    }
    report
}

fn name(c: &Cert) -> String {
    c.common_name()
}

fn cert_report(i: usize, c: &Cert, origin: &Origin, path: &Path, opts: &Options) -> CertReport {
    let self_signed = c.is_self_signed();
    let role = if i == 0 && !(self_signed && path.certs.len() == 1) {
        "leaf"
    } else if self_signed {
        "root"
    } else {
        "intermediate"
    };
    let mut checks = Vec::new();

    // Signature.
    if let Some((issuer, _)) = path.certs.get(i + 1) {
        checks.push(Check::new(
            Status::Ok,
            CheckId::Signature,
            format!("signature verified with the key of '{}'", name(issuer)),
        ));
    } else if self_signed {
        checks.push(Check::new(
            Status::Ok,
            CheckId::Signature,
            "self-signed: signature verified with its own key",
        ));
    }
    // A top that is not self-signed: the chain check `complete` says what is missing.

    // Validity.
    let nb = c.not_before();
    let na = c.not_after();
    let days = (na - opts.at).whole_days();
    let validity = if opts.at < nb {
        Check::new(
            Status::Fail,
            CheckId::Validity,
            format!(
                "not valid yet: valid from {}",
                crate::x509::cert::rfc3339(nb)
            ),
        )
    } else if opts.at > na {
        Check::new(
            Status::Fail,
            CheckId::Validity,
            format!(
                "expired on {} ({} days ago)",
                crate::x509::cert::rfc3339(na),
                -days
            ),
        )
    } else if days < opts.warn_days {
        Check::new(
            Status::Warn,
            CheckId::Validity,
            format!(
                "expires in {days} days, on {}",
                crate::x509::cert::rfc3339(na)
            ),
        )
    } else {
        Check::new(
            Status::Ok,
            CheckId::Validity,
            format!("valid until {} ({days} days left)", na.date()),
        )
    };
    checks.push(validity);

    // CA constraints above the leaf.
    if i > 0 {
        match c.basic_constraints() {
            Some((true, path_len)) => {
                let below = i - 1; // intermediates between this CA and the leaf
                match path_len {
                    Some(n) if (n as usize) < below => checks.push(Check::new(Status::Fail, CheckId::PathLength,
                        format!("path length limit {n} is exceeded: {below} CA certificates below it"),
                    )),
                    _ => checks.push(Check::new(Status::Ok, CheckId::BasicConstraints, "CA:TRUE")),
                }
            }
            _ => checks.push(Check::new(Status::Fail, CheckId::BasicConstraints,
                "not a CA certificate (basicConstraints CA:TRUE missing), yet it signed the certificate below",
            )),
        }
        if c.has_key_cert_sign() == Some(false) {
            checks.push(Check::new(
                Status::Fail,
                CheckId::KeyUsage,
                "key usage lacks Certificate Sign (keyCertSign)",
            ));
        }
    } else {
        if c.basic_constraints().is_some_and(|(ca, _)| ca) && path.certs.len() > 1 {
            checks.push(Check::new(
                Status::Warn,
                CheckId::BasicConstraints,
                "the leaf is a CA certificate",
            ));
        }
        if c.has_digital_signature() == Some(false) {
            checks.push(Check::new(
                Status::Fail,
                CheckId::KeyUsage,
                "key usage lacks Digital Signature, which TLS client authentication needs",
            ));
        }
    }

    // Key strength and signature algorithm.
    let k = c.key_info();
    checks.push(key_strength(&k));
    let alg = c.signature_algorithm().to_ascii_lowercase();
    if !self_signed && (alg.contains("sha1") || alg.contains("md5")) {
        checks.push(Check::new(
            Status::Fail,
            CheckId::SignatureAlgorithm,
            format!("signed with {alg}, which current TLS stacks refuse"),
        ));
    }

    CertReport {
        position: i + 1,
        role,
        origin: origin.clone(),
        subject_dn: c.subject_dn(),
        issuer_dn: c.issuer_dn(),
        fingerprint_sha256: c.sha256(),
        not_after: crate::x509::cert::rfc3339(na),
        checks,
    }
}

/// RSA needs 2048 bits; EC P-256 and P-384 are what SAP accepts.
pub fn key_strength(k: &KeyInfo) -> Check {
    match (k.algorithm.as_str(), k.curve.as_deref()) {
        ("RSA", _) if k.bits < 2048 => Check::new(
            Status::Fail,
            CheckId::KeyStrength,
            format!("RSA key of {} bits: at least 2048 are needed", k.bits),
        ),
        ("RSA", _) => Check::new(
            Status::Ok,
            CheckId::KeyStrength,
            format!("key {}", k.describe()),
        ),
        ("EC", Some("P-256" | "P-384")) => Check::new(
            Status::Ok,
            CheckId::KeyStrength,
            format!("key {}", k.describe()),
        ),
        _ => Check::new(
            Status::Warn,
            CheckId::KeyStrength,
            format!(
                "key {}: SAP documents RSA 2048+ and EC P-256/P-384 only",
                k.describe()
            ),
        ),
    }
}

fn chain_checks(path: &Path, key: Option<&PrivateKey>) -> Vec<Check> {
    let mut out = Vec::new();
    let ch = &path.chain;
    if ch.reordered {
        out.push(Check::new(Status::Warn, CheckId::Order,
            "the certificates were not given leaf first; clients must send the leaf first, then its issuers",
        ));
    } else if ch.certs.len() > 1 {
        out.push(Check::new(Status::Ok, CheckId::Order, "given leaf first"));
    }
    for d in &ch.duplicates {
        out.push(Check::new(
            Status::Warn,
            CheckId::Duplicate,
            format!("'{}' is given twice", name(d)),
        ));
    }
    for u in &ch.unrelated {
        out.push(Check::new(
            Status::Warn,
            CheckId::Unrelated,
            format!("'{}' belongs to no path from the leaf", u.subject_dn()),
        ));
    }
    match (&path.missing_issuer, path.root()) {
        (_, Some(root)) => {
            let origin = &path.certs.last().expect("path has a root").1;
            let whence = match origin {
                Origin::Chain => "in the chain given",
                Origin::RootsFile => "from --roots",
                Origin::System => "from the system's CA bundle",
            };
            out.push(Check::new(
                Status::Ok,
                CheckId::Complete,
                format!("ends in the root '{}' ({whence})", name(root)),
            ));
        }
        (Some(issuer), None) => {
            let top = &path.certs.last().expect("path is never empty").0;
            // A certificate with the right name whose signature does not verify.
            let impostor = ch
                .unrelated
                .iter()
                .find(|u| u.subject_dn() == *issuer && u.der() != top.der());
            let msg = match impostor {
                Some(_) => format!(
                    "incomplete: '{}' names '{issuer}' as issuer, and a certificate of that name was given, but the signature does not verify with its key (wrong or replaced certificate)",
                    name(top)
                ),
                None => format!(
                    "incomplete: issuer '{issuer}' of '{}' not found; add it to the input or give it with --roots",
                    name(top)
                ),
            };
            out.push(Check::new(Status::Fail, CheckId::Complete, msg));
        }
        (None, None) => {}
    }
    if let (Some(k), Some((leaf, _))) = (key, path.certs.first()) {
        match k.matches(leaf) {
            Some(true) => out.push(Check::new(
                Status::Ok,
                CheckId::KeyMatch,
                "the private key belongs to the leaf",
            )),
            Some(false) => out.push(Check::new(
                Status::Fail,
                CheckId::KeyMatch,
                format!(
                    "the private key does not belong to the leaf '{}'",
                    name(leaf)
                ),
            )),
            None => out.push(Check::new(
                Status::Warn,
                CheckId::KeyMatch,
                "the private key is encrypted: not matched against the leaf",
            )),
        }
    }
    out
}

fn anchor(c: &Cert) -> Anchor {
    let fp = c.sha256();
    Anchor {
        subject_dn: c.subject_dn(),
        lists: trust_lists::lists_of(&fp),
        fingerprint_sha256: fp,
    }
}

/// Explains why `c` is not on `list`: a look-alike, or simply not listed.
fn not_listed(c: &Cert, list: TrustList, what: &str) -> String {
    let fp = c.sha256();
    match trust_lists::look_alike(&c.common_name(), &fp) {
        Some(real) => format!(
            "{what} '{}' is not the CA SAP trusts under that name: its SHA-256 is {fp}, SAP's '{}' has {}",
            name(c),
            real.subject,
            real.sha256.unwrap_or("-")
        ),
        None => format!("{what} '{}' (SHA-256 {fp}) is not on {list}", name(c)),
    }
}

fn scenario_report(s: Scenario, path: &Path) -> ScenarioReport {
    let list = s.list();
    let mut checks = Vec::new();
    let leaf = path.certs.first().map(|(c, _)| c);
    let mut anchor_found = None;

    match s {
        Scenario::Iflow | Scenario::Server => match path.root() {
            Some(root) if trust_lists::in_list(list, &root.sha256()) => {
                checks.push(Check::new(
                    Status::Ok,
                    CheckId::RootTrusted,
                    format!("root '{}' is on {list}", name(root)),
                ));
                anchor_found = Some(anchor(root));
            }
            Some(root) => checks.push(Check::new(
                Status::Fail,
                CheckId::RootTrusted,
                not_listed(root, list, "root"),
            )),
            None => checks.push(Check::new(
                Status::Fail,
                CheckId::RootTrusted,
                "the chain does not reach a root, so trust cannot be decided",
            )),
        },
        Scenario::Token => {
            let cas: Vec<&Cert> = path.certs.iter().skip(1).map(|(c, _)| c).collect();
            match cas.iter().find(|c| trust_lists::in_list(list, &c.sha256())) {
                Some(ca) => {
                    checks.push(Check::new(
                        Status::Ok,
                        CheckId::CaTrusted,
                        format!("issued under '{}', which is on {list}", name(ca)),
                    ));
                    anchor_found = Some(anchor(ca));
                }
                None => {
                    let msg = match (cas.last(), &path.missing_issuer) {
                        (Some(top), _) => not_listed(top, list, "CA"),
                        (None, Some(issuer)) => format!(
                            "the chain holds no CA certificate, and its issuer '{issuer}' was not found"
                        ),
                        (None, None) => "the chain holds no CA certificate".into(),
                    };
                    checks.push(Check::new(
                        Status::Fail,
                        CheckId::CaTrusted,
                        format!("no CA of the chain is on {list}: {msg}"),
                    ));
                }
            }
        }
    }

    // Whether intermediates are missing can only be told of a complete path.
    if s == Scenario::Iflow && path.root().is_some() {
        let fetched: Vec<&Cert> = path
            .certs
            .iter()
            .skip(1)
            .filter(|(c, o)| *o != Origin::Chain && !c.is_self_signed())
            .map(|(c, _)| c)
            .collect();
        if fetched.is_empty() {
            checks.push(Check::new(
                Status::Ok,
                CheckId::WholeChain,
                "the chain given holds the leaf and every intermediate",
            ));
        } else {
            for c in fetched {
                checks.push(Check::new(Status::Fail, CheckId::WholeChain,
                    format!(
                        "intermediate '{}' is missing from the chain given: the sender must present leaf and intermediates (SAP's load balancer holds roots only)",
                        name(c)
                    ),
                ));
            }
        }
    }

    if let Some(leaf) = leaf {
        let eku = leaf.extended_key_usage();
        match s {
            Scenario::Iflow | Scenario::Token => {
                if leaf.allows_client_auth() {
                    checks.push(Check::new(
                        Status::Ok,
                        CheckId::ClientAuthEku,
                        "the leaf allows TLS client authentication (clientAuth)",
                    ));
                } else {
                    let has = match &eku {
                        None => "has no extended key usage".to_string(),
                        Some(v) => format!("has extended key usage {} only", v.join(", ")),
                    };
                    checks.push(Check::new(Status::Fail, CheckId::ClientAuthEku,
                        format!(
                            "the leaf {has}, not Client Authentication (1.3.6.1.5.5.7.3.2): SAP's load balancer rejects it during the handshake since April 2026; ask the CA for a certificate with clientAuth"
                        ),
                    ));
                }
            }
            Scenario::Server => match &eku {
                Some(v)
                    if !v
                        .iter()
                        .any(|u| u == "serverAuth" || u == "anyExtendedKeyUsage") =>
                {
                    checks.push(Check::new(
                        Status::Fail,
                        CheckId::ServerAuthEku,
                        format!(
                            "the leaf has extended key usage {} only, not serverAuth",
                            v.join(", ")
                        ),
                    ))
                }
                _ => checks.push(Check::new(
                    Status::Ok,
                    CheckId::ServerAuthEku,
                    "the leaf may serve TLS",
                )),
            },
        }
    }

    ScenarioReport {
        scenario: s,
        list,
        trusted: anchor_found.is_some(),
        status: Status::Ok,
        anchor: anchor_found,
        checks,
    }
}
