//! `verify`: the checklist of a chain, a key, and SAP's trust for the
//! scenarios the chain is used for.

use serde::Serialize;
use time::OffsetDateTime;

use crate::check::Status;
use crate::error::{Error, ExitStatus, Result};
use crate::input;
use crate::input::fetch::Fetched;
use crate::ops::trust::StoreCert;
use crate::ops::{Outcome, RootOptions};
use crate::sanitize::sanitize;
use crate::sap::scenario::{judge_as, Choice, Issuance, Scenario, Verdict};
use crate::sap::servicekey::KeyKind;
use crate::sap::trust_lists::TrustList;
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
    /// The scenario to judge; `None` picks them from what the input is
    /// (see [`Choice`]).
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
pub struct VerifyOutcome {
    /// Every check of the chain and of each scenario.
    #[serde(flatten)]
    pub verdict: Verdict,
    /// Which scenarios were judged, and why.
    pub scenarios_chosen: Choice,
    /// Intermediates fetched (`--fetch-intermediates`), and from where.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fetched: Vec<Fetched>,
    /// What fetching said, for standard error.
    #[serde(skip)]
    pub notes: Vec<String>,
}

impl Outcome for VerifyOutcome {
    fn exit_status(&self) -> ExitStatus {
        ExitStatus::problems_if(self.verdict.status == Status::Fail)
    }
    fn notes(&self) -> &[String] {
        &self.notes
    }
}

/// What `verify` found: a chain's verdict, or a truststore's.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Verified {
    /// The files form a chain (with a key or not).
    Chain(VerifyOutcome),
    /// Every file is a truststore: certificates without a key.
    Truststore(TruststoreOutcome),
}

impl Outcome for Verified {
    fn exit_status(&self) -> ExitStatus {
        match self {
            Verified::Chain(o) => o.exit_status(),
            Verified::Truststore(o) => o.exit_status(),
        }
    }
}

/// The verdict on truststores: which SAP lists the certificates they hold
/// are on, and whether the list of the scenario is covered.
#[derive(Debug, Serialize)]
pub struct TruststoreOutcome {
    /// The truststores, as named.
    pub truststores: Vec<String>,
    /// Every certificate they hold, in file order.
    pub certificates: Vec<StoreCert>,
    /// The scenario judged: `server` unless asked (a truststore is what a
    /// sender trusts servers with).
    pub scenario: Scenario,
    /// The list that scenario needs a certificate of.
    pub list: TrustList,
    /// `ok`: a valid certificate on the list; `warn`: also expired
    /// certificates; `fail`: none on the list (or only expired ones).
    pub status: Status,
    /// The verdict in one sentence.
    pub summary: String,
    /// What else the user should know (certificates Java does not see).
    pub warnings: Vec<String>,
}

impl Outcome for TruststoreOutcome {
    fn exit_status(&self) -> ExitStatus {
        ExitStatus::problems_if(self.status == Status::Fail)
    }
}

/// Judges certificate-only keystores: for the scenario's list, at least one
/// valid certificate of theirs must be on it.
fn judge_truststores(loaded: &[input::Loaded], opts: &VerifyOptions) -> TruststoreOutcome {
    let scenario = opts.scenario.unwrap_or(Scenario::Server);
    // The token scenario's own list for an external certificate is xsuaa-x509.
    let list = *scenario.lists().last().expect("every scenario has a list");
    let certificates: Vec<StoreCert> = loaded
        .iter()
        .flat_map(|l| StoreCert::all_of(l, opts.at))
        .collect();
    let on_list: Vec<&StoreCert> = certificates
        .iter()
        .filter(|c| c.lists.contains(&list))
        .collect();
    let valid = on_list.iter().filter(|c| !c.expired).count();
    let expired = certificates.iter().filter(|c| c.expired).count();
    let n = certificates.len();
    let mut warnings = Vec::new();
    let hidden = certificates.iter().filter(|c| !c.java_trusted).count();
    if hidden > 0 {
        warnings.push(format!(
            "{hidden} of its {n} certificates {} no trusted entry for Java: the PKCS#12 bag lacks Oracle's trusted-key-usage attribute, so keytool and Java do not see {}; btpcert truststore writes it",
            if hidden == 1 { "is" } else { "are" },
            if hidden == 1 { "it" } else { "them" }
        ));
    }
    let (status, summary) = if valid == 0 {
        let none = if n == 1 {
            "its one certificate is not".to_string()
        } else {
            format!("none of its {n} certificates is")
        };
        (
            Status::Fail,
            format!(
                "{none} on {list} and valid; {list} holds the {}",
                list.about()
            ),
        )
    } else if expired > 0 {
        (
            Status::Warn,
            format!(
                "{valid} of its {n} certificates {} on {list}; {expired} {} expired (remove {})",
                if valid == 1 { "is" } else { "are" },
                if expired == 1 { "is" } else { "are" },
                if expired == 1 { "it" } else { "them" }
            ),
        )
    } else if !warnings.is_empty() {
        (
            Status::Warn,
            format!(
                "{valid} of its {n} certificate{} {} on {list}",
                if n == 1 { "" } else { "s" },
                if valid == 1 { "is" } else { "are" }
            ),
        )
    } else {
        (
            Status::Ok,
            format!(
                "{valid} of its {n} certificate{} {} on {list}",
                if n == 1 { "" } else { "s" },
                if valid == 1 { "is" } else { "are" }
            ),
        )
    };
    TruststoreOutcome {
        truststores: loaded
            .iter()
            .map(|l| sanitize(&l.name).into_owned())
            .collect(),
        certificates,
        scenario,
        list,
        status,
        summary,
        warnings,
    }
}

/// Reads the files (PKCS#12 with a password from `secrets`), completes the
/// chain, and runs every check. Truststores are refused here: see [`run_any`].
pub fn run(opts: &VerifyOptions, secrets: &dyn SecretSource) -> Result<VerifyOutcome> {
    match run_any(opts, secrets)? {
        Verified::Chain(o) => Ok(o),
        Verified::Truststore(_) => Err(Error::input(
            "holds certificates and no private key (a truststore): btpcert verify on the command line judges its roots",
        )),
    }
}

/// Like [`run`], and when every file is a truststore (certificates from a
/// PKCS#12 or JKS file without a key), judges the roots they hold.
pub fn run_any(opts: &VerifyOptions, secrets: &dyn SecretSource) -> Result<Verified> {
    let loaded = opts
        .files
        .iter()
        .map(|f| input::load_with(f, Some(secrets)))
        .collect::<Result<Vec<_>>>()?;
    if !loaded.is_empty() && opts.key.is_none() && loaded.iter().all(|l| l.is_truststore()) {
        return Ok(Verified::Truststore(judge_truststores(&loaded, opts)));
    }
    let bundle = input::pool(loaded)?;
    let mut keys = Vec::new();
    for (name, sk) in &bundle.service_keys {
        if sk.kind == KeyKind::ClientSecret {
            return Err(Error::input(format!(
                "{name}: a ClientId/Secret service key holds no certificate to verify"
            )));
        }
        keys.push((sk.kind, sk.plan()));
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
    let done = opts.roots.complete_at(&bundle.certs, opts.at)?;
    let path = done.path;
    let chosen = match (opts.scenario, path.leaf()) {
        (Some(s), _) => Choice::asked(s),
        (None, _) if !keys.is_empty() => Choice::for_keys(&keys),
        (None, Some(leaf)) => Choice::for_leaf(leaf),
        (None, None) => Choice::for_keys(&[]),
    };
    let kinds: Vec<KeyKind> = keys.iter().map(|(k, _)| *k).collect();
    let mut verdict = judge_as(
        &path,
        key.as_ref(),
        &Options {
            at: opts.at,
            warn_days: opts.warn_days,
        },
        &chosen.scenarios,
        Issuance::of_kinds(&kinds),
    );
    // What the service keys say of their certificate, against the leaf found.
    if let Some(leaf) = path.leaf() {
        for (_, sk) in &bundle.service_keys {
            if let Some(c) = sk.details_check(leaf) {
                verdict.add_chain_check(c);
            }
        }
    }
    Ok(Verified::Chain(VerifyOutcome {
        verdict,
        scenarios_chosen: chosen,
        fetched: done.fetched,
        notes: done.notes,
    }))
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
                fetch: false,
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
    fn the_sample_key_is_judged_for_calls_and_tokens() {
        let o = run(&opts(&[SAMPLE]), &NoSecrets).unwrap();
        // Its made-up root is on no SAP list: a warning that points to
        // SAP Note 2801396, not a failure.
        assert_eq!(o.exit_status(), ExitStatus::Ok);
        assert_eq!(o.verdict.status, Status::Warn);
        assert!(failing(&o).is_empty());
        let v = &o.verdict;
        assert_eq!(v.report.certificates.len(), 3);
        // A Certificate key of plan integration-flow: calls and tokens.
        let names: Vec<_> = v.scenarios.iter().map(|s| s.scenario).collect();
        assert_eq!(names, vec![Scenario::Iflow, Scenario::Token]);
        assert_eq!(o.scenarios_chosen.scenarios, names);
        assert!(o
            .scenarios_chosen
            .reason
            .starts_with("a Certificate key (SAP-generated) of plan integration-flow"));
        let token = v.scenario(Scenario::Token).unwrap();
        assert!(token
            .checks
            .iter()
            .any(|c| c.id == CheckId::CaTrusted && c.status == Status::Ok));
        assert_eq!(v.trust_lists.len(), 2);
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
        assert!(out
            .scenarios_chosen
            .reason
            .starts_with("an External Certificate key"));
    }

    #[test]
    fn a_certificate_file_is_judged_for_what_its_leaf_allows() {
        // certificate.pem of the sample: a clientAuth leaf, no service key.
        let dir = tempfile::tempdir().unwrap();
        let pem = dir.path().join("chain.pem");
        let certs = crate::sap::servicekey::ServiceKey::from_json(
            &serde_json::from_str(&std::fs::read_to_string(SAMPLE).unwrap()).unwrap(),
        )
        .unwrap()
        .certs;
        let text: String = certs.iter().map(|c| c.to_pem()).collect();
        std::fs::write(&pem, text).unwrap();
        let out = run(&opts(&[pem.to_str().unwrap()]), &NoSecrets).unwrap();
        let names: Vec<_> = out.verdict.scenarios.iter().map(|s| s.scenario).collect();
        assert_eq!(names, vec![Scenario::Iflow, Scenario::Token]);
        assert!(out.scenarios_chosen.reason.contains("clientAuth"));
        // Not told who issued it, and not under SAP Cloud Root CA: the
        // token rule for external certificates applies.
        assert!(failing(&out).contains(&CheckId::CaTrusted));
        let v = serde_json::to_value(&out).unwrap();
        assert_eq!(
            v["scenarios_chosen"]["scenarios"],
            serde_json::json!(["iflow", "token"])
        );
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
        assert_eq!(out.scenarios_chosen.reason, "asked for with --for server");
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
