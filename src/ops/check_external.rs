//! `check-external`: is a certificate fit for an External Certificate
//! service key, and the parameters JSON SAP expects for it.

use std::path::PathBuf;

use serde::Serialize;
use time::OffsetDateTime;

use crate::check::{self, Check, Status};
use crate::error::{Error, ExitStatus, Result};
use crate::input;
use crate::input::fetch::Fetched;
use crate::ops::{Outcome, RootOptions};
use crate::sanitize::sanitize;
use crate::sap::external;
use crate::sap::scenario::{judge_as, Issuance, Scenario};
use crate::sap::trust_lists::ListVersion;
use crate::write::Planned;
use crate::x509::cert::{rfc3339, Cert};
use crate::x509::chain;
use crate::x509::verify::Options;

/// What to check.
#[derive(Debug, Clone)]
pub struct CheckExternalOptions {
    /// The certificate to put into the service key (the leaf only).
    pub cert: String,
    /// Files of intermediate CA certificates, to check the chain with.
    pub intermediates: Vec<String>,
    /// How the key will be used; `None` judges calls to integration flows
    /// and token requests, both.
    pub scenario: Option<Scenario>,
    /// `"certificate-pinning"` to add, if any.
    pub pinning: Option<bool>,
    /// A CA missing from SAP's public list is a warning, not a problem.
    pub allow_untrusted: bool,
    /// Where the chain's root may come from.
    pub roots: RootOptions,
    /// The time validity is judged at.
    pub at: OffsetDateTime,
    /// Where to write the parameters, if anywhere.
    pub output: Option<PathBuf>,
}

/// The certificate checked.
#[derive(Debug, Serialize)]
pub struct Leaf {
    /// Subject, RFC 4514.
    pub subject_dn: String,
    /// Issuer, RFC 4514.
    pub issuer_dn: String,
    /// SHA-256 of the DER, upper-case hex with colons.
    pub fingerprint_sha256: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
}

impl Leaf {
    fn of(c: &Cert) -> Leaf {
        Leaf {
            subject_dn: c.subject_dn(),
            issuer_dn: c.issuer_dn(),
            fingerprint_sha256: c.sha256(),
            not_after: rfc3339(c.not_after()),
        }
    }
}

/// The verdict of one scenario on the certificate.
#[derive(Debug, Serialize)]
pub struct ScenarioVerdict {
    /// The scenario.
    pub scenario: Scenario,
    /// The worst of its checks.
    pub status: Status,
    /// Whether its trust rules hold by SAP's lists.
    pub trusted: bool,
    /// Its checks: trust and the leaf's extended key usage.
    pub checks: Vec<Check>,
}

/// The checks and, when none failed, the parameters.
#[derive(Debug, Serialize)]
pub struct CheckExternalOutcome {
    /// The worst of the checks.
    pub status: Status,
    /// The certificate checked.
    pub leaf: Leaf,
    /// What was found, in order: the certificate's own checks, then each
    /// scenario's (a check two scenarios share, once).
    pub checks: Vec<Check>,
    /// The verdict of each scenario judged.
    pub scenarios: Vec<ScenarioVerdict>,
    /// The trust lists the scenarios were judged with, and their versions.
    pub trust_lists: Vec<ListVersion>,
    /// The service-key parameters; null when a check failed.
    pub parameters: Option<serde_json::Value>,
    /// Intermediates fetched (`--fetch-intermediates`), and from where.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fetched: Vec<Fetched>,
    /// What fetching said, for standard error.
    #[serde(skip)]
    pub notes: Vec<String>,
    /// The certificate's own checks (leaf, CAs, chain).
    #[serde(skip)]
    pub common: Vec<Check>,
    /// Whether the scenarios were asked for (`--for`) or the default.
    #[serde(skip)]
    pub asked: bool,
    /// The file the parameters are written to, if any.
    #[serde(skip)]
    pub output: Option<String>,
    /// The parameters file, planned.
    #[serde(skip)]
    pub files: Vec<Planned>,
}

impl Outcome for CheckExternalOutcome {
    fn exit_status(&self) -> ExitStatus {
        ExitStatus::problems_if(self.status == Status::Fail)
    }
    fn files(&self) -> &[Planned] {
        &self.files
    }
    fn notes(&self) -> &[String] {
        &self.notes
    }
}

/// Checks the certificate alone, then its chain for each scenario (calls to
/// integration flows and token requests unless one is asked for), and
/// plans the parameters file when nothing failed.
pub fn run(opts: &CheckExternalOptions) -> Result<CheckExternalOutcome> {
    run_with(opts, &crate::secret::NoSecrets)
}

/// Like [`run`]; the certificate may also come from a keystore (PKCS#12,
/// JKS) opened with a password from `secrets`: its leaf is the certificate
/// checked, the rest of its chain counts as intermediates.
pub fn run_with(
    opts: &CheckExternalOptions,
    secrets: &dyn crate::secret::SecretSource,
) -> Result<CheckExternalOutcome> {
    let (mut loaded, _) = input::load_with(&opts.cert, Some(secrets))?.key_chain_only()?;
    let name = sanitize(&loaded.name).into_owned();
    if loaded.certs.is_empty() {
        return Err(Error::input(format!("{name}: holds no certificate")));
    }
    // A keystore's leaf is the key's certificate; the rest is its chain.
    let from_store = if loaded.entries.is_empty() || loaded.key.is_none() {
        Vec::new()
    } else {
        loaded.certs.split_off(1)
    };
    let leaf = chain::order(&loaded.certs)
        .leaf()
        .expect("non-empty")
        .clone();
    let mut checks = vec![if from_store.is_empty() {
        external::single_leaf(&name, loaded.certs.len())
    } else {
        external::keystore_leaf(&name, from_store.len() + 1)
    }];
    checks.extend(external::leaf_not_ca(&leaf));
    checks.push(external::leaf_key_strength(&leaf));

    let mut certs = loaded.certs;
    certs.extend(from_store);
    for f in &opts.intermediates {
        certs.extend(input::load(f)?.certs);
    }
    let done = opts.roots.complete_at(&certs, opts.at)?;
    let path = done.path;
    let at = Options {
        at: opts.at,
        warn_days: 30,
    };
    let scenarios = match opts.scenario {
        Some(s) => vec![s],
        None => vec![Scenario::Iflow, Scenario::Token],
    };
    let mut verdict = judge_as(&path, None, &at, &scenarios, Issuance::External);
    checks.extend(external::common_checks(&verdict));
    if opts.allow_untrusted {
        verdict
            .scenarios
            .iter_mut()
            .for_each(external::allow_untrusted);
    }
    let common = checks.clone();
    let scenarios: Vec<ScenarioVerdict> = verdict
        .scenarios
        .iter()
        .map(|s| {
            let checks = external::scenario_checks(s);
            ScenarioVerdict {
                scenario: s.scenario,
                status: check::worst(&checks),
                trusted: s.trusted,
                checks,
            }
        })
        .collect();
    for c in scenarios.iter().flat_map(|s| &s.checks) {
        if !checks.contains(c) {
            checks.push(c.clone());
        }
    }
    let status = check::worst(&checks);
    let parameters =
        (status != Status::Fail).then(|| external::key_parameters(&leaf, opts.pinning));
    let files = match (&parameters, &opts.output) {
        (Some(p), Some(out)) => vec![Planned::public(out, external::parameters_text(p))],
        _ => Vec::new(),
    };
    Ok(CheckExternalOutcome {
        status,
        leaf: Leaf::of(&leaf),
        checks,
        scenarios,
        trust_lists: verdict.trust_lists,
        parameters,
        fetched: done.fetched,
        notes: done.notes,
        common,
        asked: opts.scenario.is_some(),
        output: opts.output.as_ref().map(|p| p.display().to_string()),
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::CheckId;

    const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/service-key.json");
    const EXTERNAL: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/service-key-external.json"
    );

    fn opts(cert: &str, intermediates: &[&str]) -> CheckExternalOptions {
        CheckExternalOptions {
            cert: cert.into(),
            intermediates: intermediates.iter().map(|f| f.to_string()).collect(),
            scenario: None,
            pinning: None,
            allow_untrusted: false,
            roots: RootOptions {
                files: Vec::new(),
                system: false,
                fetch: false,
            },
            at: time::macros::datetime!(2030-01-01 0:00 UTC),
            output: Some("params.json".into()),
        }
    }

    fn ids(o: &CheckExternalOutcome) -> Vec<(CheckId, Status)> {
        o.checks.iter().map(|c| (c.id, c.status)).collect()
    }

    #[test]
    fn both_scenarios_are_judged_and_an_untrusted_ca_plans_nothing() {
        let o = run(&opts(EXTERNAL, &[SAMPLE])).unwrap();
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.exit_status(), ExitStatus::Problems);
        assert!(o.parameters.is_none() && o.files.is_empty());
        assert_eq!(
            ids(&o),
            vec![
                (CheckId::SingleLeaf, Status::Ok),
                (CheckId::KeyStrength, Status::Ok),
                (CheckId::Signature, Status::Ok),
                (CheckId::Validity, Status::Ok),
                (CheckId::Duplicate, Status::Warn),
                (CheckId::Complete, Status::Ok),
                // The root is on no list: a warning for the load balancer
                // (SAP Note 2801396), shared by both scenarios...
                (CheckId::RootTrusted, Status::Warn),
                (CheckId::ClientAuthEku, Status::Ok),
                // ...and a failure for XSUAA, which wants a CA of its list.
                (CheckId::CaTrusted, Status::Fail),
            ]
        );
        let s: Vec<(Scenario, Status)> =
            o.scenarios.iter().map(|s| (s.scenario, s.status)).collect();
        assert_eq!(
            s,
            [
                (Scenario::Iflow, Status::Warn),
                (Scenario::Token, Status::Fail)
            ]
        );
        assert_eq!(o.trust_lists.len(), 2);
        assert!(!o.asked);
    }

    #[test]
    fn for_iflow_alone_a_root_off_the_public_list_is_a_warning() {
        let mut op = opts(EXTERNAL, &[SAMPLE]);
        op.scenario = Some(Scenario::Iflow);
        let o = run(&op).unwrap();
        assert_eq!(o.status, Status::Warn);
        assert!(o.parameters.is_some());
        assert_eq!(o.files.len(), 1);
        assert!(o.asked);
    }

    #[test]
    fn allowed_untrusted_gives_parameters_and_a_file() {
        let mut o = opts(EXTERNAL, &[SAMPLE]);
        o.allow_untrusted = true;
        o.pinning = Some(true);
        o.scenario = Some(Scenario::Token);
        let out = run(&o).unwrap();
        assert_eq!(out.status, Status::Warn);
        assert_eq!(out.exit_status(), ExitStatus::Ok);
        assert!(out.checks.iter().any(|c| c.id == CheckId::CaTrusted
            && c.status == Status::Warn
            && c.message.ends_with("(allowed by --allow-untrusted)")));
        let p = out.parameters.as_ref().unwrap();
        assert_eq!(p["certificate-pinning"], true);
        assert_eq!(out.files.len(), 1);
        assert_eq!(out.files[0].path, PathBuf::from("params.json"));
        assert!(!out.files[0].secret);
        let v = serde_json::to_value(&out).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "status",
                "leaf",
                "checks",
                "scenarios",
                "trust_lists",
                "parameters"
            ]
        );
    }

    #[test]
    fn a_whole_chain_is_refused() {
        let o = run(&opts(SAMPLE, &[])).unwrap();
        assert_eq!(o.checks[0].id, CheckId::SingleLeaf);
        assert_eq!(o.checks[0].status, Status::Fail);
        assert!(o.checks[0].message.contains("holds 3 certificates"));
        assert_eq!(
            o.leaf.issuer_dn,
            "C=DE, O=btpcert samples, CN=btpcert Sample Client CA"
        );
    }
}
