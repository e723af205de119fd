//! `check-external`: is a certificate fit for an External Certificate
//! service key, and the parameters JSON SAP expects for it.

use std::path::PathBuf;

use serde::Serialize;
use time::OffsetDateTime;

use crate::check::{self, Check, Status};
use crate::error::{Error, ExitStatus, Result};
use crate::input;
use crate::ops::{Outcome, RootOptions};
use crate::sanitize::sanitize;
use crate::sap::external;
use crate::sap::scenario::{judge, Scenario};
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
    /// How the key will be used.
    pub scenario: Scenario,
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

/// The checks and, when none failed, the parameters.
#[derive(Debug, Serialize)]
pub struct CheckExternalOutcome {
    /// The worst of the checks.
    pub status: Status,
    /// The certificate checked.
    pub leaf: Leaf,
    /// What was found, in order.
    pub checks: Vec<Check>,
    /// The service-key parameters; null when a check failed.
    pub parameters: Option<serde_json::Value>,
    /// The scenario judged.
    #[serde(skip)]
    pub scenario: Scenario,
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
}

/// Checks the certificate alone, then its chain for the scenario, and plans
/// the parameters file when nothing failed.
pub fn run(opts: &CheckExternalOptions) -> Result<CheckExternalOutcome> {
    let loaded = input::load(&opts.cert)?;
    let name = sanitize(&loaded.name).into_owned();
    if loaded.certs.is_empty() {
        return Err(Error::input(format!("{name}: holds no certificate")));
    }
    let leaf = chain::order(&loaded.certs)
        .leaf()
        .expect("non-empty")
        .clone();
    let mut checks = vec![external::single_leaf(&name, loaded.certs.len())];
    checks.extend(external::leaf_not_ca(&leaf));
    checks.push(external::leaf_key_strength(&leaf));

    let mut certs = loaded.certs;
    for f in &opts.intermediates {
        certs.extend(input::load(f)?.certs);
    }
    let path = opts.roots.path(&certs)?;
    let at = Options {
        at: opts.at,
        warn_days: 30,
    };
    checks.extend(external::from_verdict(&judge(
        &path,
        None,
        &at,
        &[opts.scenario],
    )));
    if opts.allow_untrusted {
        external::allow_untrusted(&mut checks);
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
        parameters,
        scenario: opts.scenario,
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
            scenario: Scenario::Iflow,
            pinning: None,
            allow_untrusted: false,
            roots: RootOptions {
                files: Vec::new(),
                system: false,
            },
            at: time::macros::datetime!(2030-01-01 0:00 UTC),
            output: Some("params.json".into()),
        }
    }

    fn ids(o: &CheckExternalOutcome) -> Vec<(CheckId, Status)> {
        o.checks.iter().map(|c| (c.id, c.status)).collect()
    }

    #[test]
    fn an_untrusted_root_fails_and_plans_nothing() {
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
                (CheckId::RootTrusted, Status::Fail),
                (CheckId::ClientAuthEku, Status::Ok),
            ]
        );
    }

    #[test]
    fn allowed_untrusted_gives_parameters_and_a_file() {
        let mut o = opts(EXTERNAL, &[SAMPLE]);
        o.allow_untrusted = true;
        o.pinning = Some(true);
        o.scenario = Scenario::Token;
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
        assert_eq!(keys, ["status", "leaf", "checks", "parameters"]);
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
