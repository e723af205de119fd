//! `btpcert check-external`: is a certificate fit for an External
//! Certificate service key, and the parameters JSON SAP expects for it.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use super::args::ForceArgs;
use super::args::{at_or_now, RootArgs, ScenarioArg};
use super::print_json;
use super::style::Style;
use crate::check::{Check, CheckId, Status};
use crate::error::{Error, Result, EXIT_OK, EXIT_PROBLEMS};
use crate::input;
use crate::sanitize::sanitize;
use crate::sap::scenario::{judge, Scenario};
use crate::write::{write_all, Planned};
use crate::x509::cert::Cert;
use crate::x509::pem as pemtext;
use crate::x509::verify::{key_strength, Options};

#[derive(Debug, Args)]
pub struct CheckExternalArgs {
    /// The certificate to put into the service key (the leaf only)
    #[arg(value_name = "CERTFILE")]
    pub cert: String,
    /// Intermediate CA certificates, to check the chain (they are not sent to SAP)
    #[arg(value_name = "INTERMEDIATE")]
    pub intermediates: Vec<String>,
    /// How the key will be used
    #[arg(
        long = "for",
        value_enum,
        value_name = "SCENARIO",
        default_value = "iflow"
    )]
    pub scenario: ScenarioArg,
    /// Add "certificate-pinning": true (the presented certificate must match exactly)
    #[arg(long, conflicts_with = "no_pin")]
    pub pin: bool,
    /// Add "certificate-pinning": false (subject and issuer DN are compared)
    #[arg(long)]
    pub no_pin: bool,
    /// Report a CA missing from SAP's public list as a warning, not a problem
    /// (SAP's full load balancer list, SAP Note 2801396, may hold more roots)
    #[arg(long)]
    pub allow_untrusted: bool,
    #[command(flatten)]
    pub roots: RootArgs,
    /// Judge validity at this time instead of now
    #[arg(long, value_name = "DATETIME")]
    pub at: Option<String>,
    /// Write the parameters JSON to FILE (for cf create-service-key -c FILE)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub force: ForceArgs,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Answer {
    status: Status,
    leaf: Leaf,
    checks: Vec<Check>,
    /// The service-key parameters; null when a check failed.
    parameters: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct Leaf {
    subject_dn: String,
    issuer_dn: String,
    fingerprint_sha256: String,
    not_after: String,
}

/// `{"key-type": "certificate_external", "X.509": "<one-line PEM>"}`.
pub fn key_parameters(leaf: &Cert, pinning: Option<bool>) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    m.insert("key-type".into(), "certificate_external".into());
    m.insert(
        "X.509".into(),
        pemtext::one_line("CERTIFICATE", leaf.der()).into(),
    );
    if let Some(p) = pinning {
        m.insert("certificate-pinning".into(), p.into());
    }
    serde_json::Value::Object(m)
}

pub fn run(args: CheckExternalArgs, out: &mut dyn Write) -> Result<i32> {
    let at = at_or_now(&args.at)?;
    let scenario: Scenario = args.scenario.into();
    let loaded = input::load(&args.cert)?;
    let name = sanitize(&loaded.name).into_owned();
    if loaded.certs.is_empty() {
        return Err(Error::input(format!("{name}: holds no certificate")));
    }
    let mut checks = Vec::new();
    let own = crate::x509::chain::order(&loaded.certs);
    let leaf = own.leaf().expect("non-empty").clone();
    if loaded.certs.len() == 1 {
        checks.push(Check {
            status: Status::Ok,
            id: CheckId::SingleLeaf,
            message: format!("{name} holds one certificate, as SAP requires"),
        });
    } else {
        checks.push(Check {
            status: Status::Fail,
            id: CheckId::SingleLeaf,
            message: format!(
                "{name} holds {} certificates: SAP accepts only the leaf in \"X.509\", not the chain; give intermediates as extra files",
                loaded.certs.len()
            ),
        });
    }
    if leaf.basic_constraints().is_some_and(|(ca, _)| ca) {
        checks.push(Check {
            status: Status::Fail,
            id: CheckId::LeafNotCa,
            message: "the certificate is a CA certificate, not a client certificate".into(),
        });
    }
    let mut k = key_strength(&leaf.key_info());
    if k.status == Status::Warn {
        k.status = Status::Fail;
    }
    checks.push(k);

    let mut certs = loaded.certs.clone();
    for f in &args.intermediates {
        certs.extend(input::load(f)?.certs);
    }
    let path = args.roots.options().path(&certs)?;
    let report = judge(&path, None, &Options { at, warn_days: 30 }, &[scenario]);
    // The leaf's own checks, the chain's, and the scenario's.
    if let Some(first) = report.report.certificates.first() {
        checks.extend(
            first
                .checks
                .iter()
                .filter(|c| c.id != CheckId::KeyStrength)
                .cloned(),
        );
    }
    for c in report.report.certificates.iter().skip(1) {
        checks.extend(c.checks.iter().filter(|c| c.status != Status::Ok).cloned());
    }
    checks.extend(
        report
            .report
            .chain
            .iter()
            .filter(|c| c.id != CheckId::Order && c.id != CheckId::Unrelated)
            .cloned(),
    );
    for s in &report.scenarios {
        // The whole-chain rule is for what a sender presents, not for the key.
        checks.extend(
            s.checks
                .iter()
                .filter(|c| c.id != CheckId::WholeChain)
                .cloned(),
        );
    }
    if args.allow_untrusted {
        for c in checks.iter_mut().filter(|c| c.status == Status::Fail) {
            if c.id == CheckId::RootTrusted || c.id == CheckId::CaTrusted {
                c.status = Status::Warn;
                c.message.push_str(" (allowed by --allow-untrusted)");
            }
        }
    }
    let status = checks.iter().map(|c| c.status).max().unwrap_or(Status::Ok);
    let pinning = match (args.pin, args.no_pin) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
    let params = (status != Status::Fail).then(|| key_parameters(&leaf, pinning));

    if let (Some(p), Some(path)) = (&params, &args.output) {
        let text = serde_json::to_string_pretty(p).expect("JSON value") + "\n";
        write_all(&[Planned::public(path, text)], args.force.force)?;
    }
    if args.json {
        print_json(
            out,
            &Answer {
                status,
                leaf: Leaf {
                    subject_dn: leaf.subject_dn(),
                    issuer_dn: leaf.issuer_dn(),
                    fingerprint_sha256: leaf.sha256(),
                    not_after: crate::x509::cert::rfc3339(leaf.not_after()),
                },
                checks,
                parameters: params,
            },
        )?;
    } else {
        let st = Style::detect();
        writeln!(
            out,
            "{} {} (for {}):",
            st.bold("External certificate"),
            sanitize(&leaf.subject_dn()),
            scenario.name()
        )?;
        st.checks(out, "  ", &checks)?;
        match (&params, &args.output) {
            (Some(_), Some(p)) => writeln!(
                out,
                "Parameters written to {}; create the key with:\n  cf create-service-key INSTANCE KEY -c {}",
                sanitize(&p.display().to_string()),
                sanitize(&p.display().to_string())
            )?,
            (Some(p), None) => {
                writeln!(out, "Service key parameters (save as FILE, then: cf create-service-key INSTANCE KEY -c FILE):")?;
                writeln!(out, "{}", serde_json::to_string_pretty(p).expect("JSON value"))?;
            }
            (None, _) => writeln!(out, "{} not fit for an External Certificate key: no parameters written", st.bad())?,
        }
    }
    Ok(if status == Status::Fail {
        EXIT_PROBLEMS
    } else {
        EXIT_OK
    })
}
