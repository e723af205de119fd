//! `verify`: the checklist of a chain, a key, and SAP's trust for the
//! scenarios the chain is used for.

use serde::Serialize;
use time::OffsetDateTime;

use crate::check::Status;
use crate::error::{Error, ExitStatus, Result};
use crate::input;
use crate::ops::{Outcome, RootOptions};
use crate::sanitize::sanitize;
use crate::sap::scenario::{judge, Scenario, Verdict};
use crate::sap::servicekey::KeyKind;
use crate::secret::SecretSource;
use crate::x509::key::PrivateKey;
use crate::x509::verify::Options;

/// What to check.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Service keys, PEM bundles, DER or PKCS#12 files: their certificates form one chain.
    pub files: Vec<String>,
    /// A file with the private key to match against the leaf, instead of
    /// the one among `files`.
    pub key: Option<String>,
    /// The scenario to judge; `None` picks them from the kind of service key.
    pub scenario: Option<Scenario>,
    /// Where the chain's root may come from.
    pub roots: RootOptions,
    /// The time validity is judged at.
    pub at: OffsetDateTime,
    /// Warn when a certificate expires within this many days.
    pub warn_days: i64,
}

/// The verdict, as `verify --json` prints it.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct VerifyOutcome {
    /// Every check of the chain and of each scenario.
    pub verdict: Verdict,
}

impl Outcome for VerifyOutcome {
    fn exit_status(&self) -> ExitStatus {
        ExitStatus::problems_if(self.verdict.status == Status::Fail)
    }
}

/// Reads the files (PKCS#12 with a password from `secrets`), completes the
/// chain, and runs every check.
pub fn run(opts: &VerifyOptions, secrets: &dyn SecretSource) -> Result<VerifyOutcome> {
    let bundle = input::load_many_with(&opts.files, Some(secrets))?;
    let mut kinds = Vec::new();
    for (name, sk) in &bundle.service_keys {
        if sk.kind == KeyKind::ClientSecret {
            return Err(Error::input(format!(
                "{name}: a ClientId/Secret service key holds no certificate to verify"
            )));
        }
        kinds.push(sk.kind);
    }
    let mut key: Option<PrivateKey> = bundle.key.map(|(_, k)| k);
    if let Some(kf) = &opts.key {
        let l = input::load(kf)?;
        key = Some(
            l.key
                .ok_or_else(|| Error::input(format!("{}: holds no private key", sanitize(kf))))?,
        );
    }
    if bundle.certs.is_empty() {
        return Err(Error::input("no certificate in the files given"));
    }
    let scenarios = match opts.scenario {
        Some(s) => vec![s],
        None => Scenario::for_keys(&kinds),
    };
    let path = opts.roots.path(&bundle.certs)?;
    let mut verdict = judge(
        &path,
        key.as_ref(),
        &Options {
            at: opts.at,
            warn_days: opts.warn_days,
        },
        &scenarios,
    );
    // What the service keys say of their certificate, against the leaf found.
    if let Some(leaf) = path.leaf() {
        for (_, sk) in &bundle.service_keys {
            if let Some(c) = sk.details_check(leaf) {
                verdict.add_chain_check(c);
            }
        }
    }
    Ok(VerifyOutcome { verdict })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::CheckId;
    use crate::secret::{Purpose, Secret};

    const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/service-key.json");
    const EXTERNAL: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/service-key-external.json"
    );
    const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/sample-root.pem");

    /// No passwords here: every test input is unencrypted.
    struct NoSecrets;
    impl SecretSource for NoSecrets {
        fn secret(&self, what: &str, _: Purpose) -> Result<Secret> {
            Err(Error::usage(format!("{what}: no password in tests")))
        }
    }

    fn opts(files: &[&str]) -> VerifyOptions {
        VerifyOptions {
            files: files.iter().map(|f| f.to_string()).collect(),
            key: None,
            scenario: None,
            roots: RootOptions {
                files: Vec::new(),
                system: false,
            },
            at: time::macros::datetime!(2030-01-01 0:00 UTC),
            warn_days: 30,
        }
    }

    fn failing(o: &VerifyOutcome) -> Vec<CheckId> {
        o.verdict
            .checks()
            .filter(|c| c.status == Status::Fail)
            .map(|c| c.id)
            .collect()
    }

    #[test]
    fn the_sample_key_fails_only_on_sap_trust() {
        let o = run(&opts(&[SAMPLE]), &NoSecrets).unwrap();
        assert_eq!(o.exit_status(), ExitStatus::Problems);
        assert_eq!(failing(&o), vec![CheckId::RootTrusted]);
        let v = &o.verdict;
        assert_eq!(v.report.certificates.len(), 3);
        // A Certificate key is judged for calls to integration flows only.
        let names: Vec<_> = v.scenarios.iter().map(|s| s.scenario).collect();
        assert_eq!(names, vec![Scenario::Iflow]);
        let chain: Vec<_> = v.report.chain.iter().map(|c| c.id).collect();
        assert_eq!(
            chain,
            vec![
                CheckId::Order,
                CheckId::Complete,
                CheckId::KeyMatch,
                CheckId::Details
            ]
        );
    }

    #[test]
    fn an_external_key_is_judged_for_calls_and_tokens() {
        let mut o = opts(&[EXTERNAL]);
        o.roots.files = vec![ROOT.into()];
        let out = run(&o, &NoSecrets).unwrap();
        let names: Vec<_> = out.verdict.scenarios.iter().map(|s| s.scenario).collect();
        assert_eq!(names, vec![Scenario::Iflow, Scenario::Token]);
        assert!(failing(&out).contains(&CheckId::Complete));
    }

    #[test]
    fn a_scenario_asked_for_and_a_key_from_another_file() {
        let mut o = opts(&[EXTERNAL, SAMPLE]);
        o.scenario = Some(Scenario::Server);
        o.key = Some(SAMPLE.into());
        o.warn_days = 40_000;
        let out = run(&o, &NoSecrets).unwrap();
        assert_eq!(out.verdict.scenarios.len(), 1);
        assert_eq!(out.verdict.scenarios[0].scenario, Scenario::Server);
        assert!(out
            .verdict
            .report
            .chain
            .iter()
            .any(|c| c.id == CheckId::KeyMatch && c.status == Status::Ok));
        assert!(
            out.verdict.count(Status::Warn) >= 3,
            "every certificate expires within 40000 days"
        );
    }

    #[test]
    fn inputs_without_a_chain_are_refused() {
        let secret = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/service-key-secret.json"
        );
        let e = run(&opts(&[secret]), &NoSecrets).unwrap_err();
        assert!(e
            .to_string()
            .contains("a ClientId/Secret service key holds no certificate"));
        let mut o = opts(&[SAMPLE]);
        o.key = Some(ROOT.into());
        let e = run(&o, &NoSecrets).unwrap_err();
        assert!(e
            .to_string()
            .ends_with("sample-root.pem: holds no private key"));
    }
}
