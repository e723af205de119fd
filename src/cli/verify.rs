//! `btpcert verify`: the checklist of a chain, a key, and SAP's trust.

use std::io::Write;

use clap::Args;

use super::args::{at_or_now, RootArgs, ScenarioArg};
use super::print_json;
use super::style::Style;
use crate::check::Status;
use crate::error::{Error, Result, EXIT_OK, EXIT_PROBLEMS};
use crate::input;
use crate::sanitize::sanitize;
use crate::sap::scenario::{judge, Scenario, Verdict};
use crate::sap::servicekey::KeyKind;
use crate::x509::key::PrivateKey;
use crate::x509::verify::Options;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Service key, PEM bundle or DER files; their certificates form one chain
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<String>,
    /// Private key to match against the leaf (a service key's own key is used otherwise)
    #[arg(long, value_name = "KEYFILE")]
    pub key: Option<String>,
    /// The scenario to judge trust for [default: from the service key kind, else all three]
    #[arg(long = "for", value_enum, value_name = "SCENARIO")]
    pub scenario: Option<ScenarioArg>,
    #[command(flatten)]
    pub roots: RootArgs,
    /// Judge validity at this time instead of now (2026-05-01 or RFC 3339)
    #[arg(long, value_name = "DATETIME")]
    pub at: Option<String>,
    /// Warn when a certificate expires within N days
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub warn_days: i64,
    /// Print JSON with a stable shape (see README)
    #[arg(long)]
    pub json: bool,
    /// For PKCS#12 files: where their password comes from
    #[command(flatten)]
    pub password: super::args::PasswordArgs,
}

pub fn run(args: VerifyArgs, out: &mut dyn Write) -> Result<i32> {
    let at = at_or_now(&args.at)?;
    let bundle = input::load_many_with(
        &args.files,
        Some(&super::args::CliSecrets::new(&args.password)),
    )?;
    let mut kinds = Vec::new();
    for (name, sk) in &bundle.service_keys {
        if sk.kind == KeyKind::ClientSecret {
            return Err(Error::input(format!(
                "{name}: a ClientId/Secret service key holds no certificate to verify"
            )));
        }
        kinds.push(sk.kind);
    }
    let certs = bundle.certs;
    let bundle_details = bundle.service_keys;
    let mut key: Option<PrivateKey> = bundle.key.map(|(_, k)| k);
    if let Some(kf) = &args.key {
        let l = input::load(kf)?;
        key = Some(
            l.key
                .ok_or_else(|| Error::input(format!("{}: holds no private key", sanitize(kf))))?,
        );
    }
    if certs.is_empty() {
        return Err(Error::input("no certificate in the files given"));
    }
    let scenarios = match args.scenario {
        Some(s) => vec![s.into()],
        None if kinds.contains(&KeyKind::ExternalCertificate) => {
            vec![Scenario::Iflow, Scenario::Token]
        }
        None if kinds.contains(&KeyKind::Certificate) => vec![Scenario::Iflow],
        None => vec![Scenario::Iflow, Scenario::Token, Scenario::Server],
    };
    let path = args.roots.options().path(&certs)?;
    let details: Vec<_> = match path.certs.first() {
        Some((leaf, _)) => bundle_details
            .iter()
            .filter_map(|(_, sk)| sk.details_check(leaf))
            .collect(),
        None => Vec::new(),
    };
    let mut report = judge(
        &path,
        key.as_ref(),
        &Options {
            at,
            warn_days: args.warn_days,
        },
        &scenarios,
    );
    for d in details {
        report.add_chain_check(d);
    }
    if args.json {
        print_json(out, &report)?;
    } else {
        print_report(out, &report, Style::detect())?;
    }
    Ok(if report.status == Status::Fail {
        EXIT_PROBLEMS
    } else {
        EXIT_OK
    })
}

pub fn print_report(out: &mut dyn Write, r: &Verdict, st: Style) -> Result<()> {
    writeln!(
        out,
        "{} ({} certificate{}, leaf first, checked at {}):",
        st.bold("Chain"),
        r.report.certificates.len(),
        if r.report.certificates.len() == 1 {
            ""
        } else {
            "s"
        },
        r.report.at
    )?;
    for c in &r.report.certificates {
        let whence = match c.origin {
            crate::x509::roots::Origin::Chain => "",
            crate::x509::roots::Origin::RootsFile => " [from --roots]",
            crate::x509::roots::Origin::System => " [from the system CA bundle]",
        };
        writeln!(
            out,
            "  {}. {:<12} {}{whence}",
            c.position,
            c.role,
            sanitize(&c.subject_dn)
        )?;
        st.checks(out, "       ", &c.checks)?;
    }
    for u in &r.report.unrelated {
        writeln!(out, "  -  {:<12} {}", "unrelated", sanitize(u))?;
    }
    writeln!(out, "{}:", st.bold("Chain checks"))?;
    st.checks(out, "  ", &r.report.chain)?;
    for s in &r.scenarios {
        writeln!(
            out,
            "{} {} ({}, list {}):",
            st.bold("Scenario"),
            s.scenario.name(),
            s.scenario.describe(),
            s.list
        )?;
        st.checks(out, "  ", &s.checks)?;
    }
    let fails = r.count(Status::Fail);
    let warns = r.count(Status::Warn);
    let verdict = match r.status {
        Status::Ok => format!("{} all checks passed", st.ok()),
        Status::Warn => format!("{} passed with {warns} warning{}", st.warn(), plural(warns)),
        Status::Fail => format!(
            "{} {fails} problem{}, {warns} warning{}",
            st.bad(),
            plural(fails),
            plural(warns)
        ),
    };
    writeln!(out, "Result: {verdict}")?;
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
