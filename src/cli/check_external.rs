//! `btpcert check-external`: is a certificate fit for an External
//! Certificate service key, and the parameters JSON SAP expects for it.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::args::{
    at_or_now, CliSecrets, FetchArgs, ForceArgs, OpenEmptyArgs, PasswordArgs, RootArgs, ScenarioArg,
};
use super::style::Style;
use crate::check::Status;
use crate::error::{ExitStatus, Result};
use crate::ops::check_external::{self, CheckExternalOptions, CheckExternalOutcome};
use crate::sanitize::sanitize;
use crate::sap::external::parameters_text;
use crate::sap::trust_lists::versions_line;

/// `btpcert check-external`.
#[derive(Debug, Args)]
pub struct CheckExternalArgs {
    /// The certificate to put into the service key (the leaf only)
    #[arg(value_name = "CERTFILE")]
    pub cert: String,
    /// Intermediate CA certificates, to check the chain (they are not sent to SAP)
    #[arg(value_name = "INTERMEDIATE")]
    pub intermediates: Vec<String>,
    /// How the key will be used [default: both iflow and token, each judged]
    #[arg(long = "for", value_enum, value_name = "SCENARIO")]
    pub scenario: Option<ScenarioArg>,
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
    #[command(flatten)]
    pub fetch: FetchArgs,
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
    /// For a keystore given as CERTFILE: where its password comes from
    #[command(flatten)]
    pub password: PasswordArgs,
    #[command(flatten)]
    pub open_empty: OpenEmptyArgs,
}

/// Runs `btpcert check-external`.
pub fn run(args: CheckExternalArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let opts = CheckExternalOptions {
        at: at_or_now(&args.at)?,
        cert: args.cert,
        intermediates: args.intermediates,
        scenario: args.scenario.map(Into::into),
        pinning: match (args.pin, args.no_pin) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
        allow_untrusted: args.allow_untrusted,
        roots: args.fetch.with(&args.roots),
        output: args.output,
    };
    let secrets = CliSecrets::new(&args.password).open_empty(args.open_empty);
    let outcome = check_external::run_with(&opts, &secrets)?;
    super::finish(out, &outcome, args.force.force, Some(args.json), render)
}

/// The human rendering: the checks, then the parameters or where they went.
pub fn render(out: &mut dyn Write, o: &CheckExternalOutcome) -> std::io::Result<()> {
    // When standard output carries the parameters, it carries them alone
    // (`> params.json` gives valid JSON): the checklist goes to standard error.
    if let (Some(p), None) = (&o.parameters, &o.output) {
        let mut err = std::io::stderr().lock();
        checklist(&mut err, o)?;
        writeln!(err, "Service key parameters (save as FILE, then: cf create-service-key INSTANCE KEY -c FILE):")?;
        return write!(out, "{}", parameters_text(p));
    }
    checklist(out, o)?;
    let st = Style::detect();
    match (&o.parameters, &o.output) {
        (Some(_), Some(p)) => writeln!(
            out,
            "Parameters written to {}; create the key with:\n  cf create-service-key INSTANCE KEY -c {}",
            sanitize(p),
            sanitize(p)
        ),
        _ => writeln!(
            out,
            "{} not fit for an External Certificate key: no parameters written",
            st.bad()
        ),
    }
}

fn checklist(out: &mut dyn Write, o: &CheckExternalOutcome) -> std::io::Result<()> {
    let st = Style::detect();
    let names: Vec<&str> = o.scenarios.iter().map(|s| s.scenario.name()).collect();
    writeln!(
        out,
        "{} {} (for {}):",
        st.bold("External certificate"),
        sanitize(&o.leaf.subject_dn),
        names.join(" and ")
    )?;
    st.checks(out, "  ", &o.common)?;
    for s in &o.scenarios {
        writeln!(
            out,
            "  {} {} ({}):",
            st.mark(s.status),
            st.bold(&format!("for {}", s.scenario.name())),
            s.scenario.describe()
        )?;
        st.checks(out, "    ", &s.checks)?;
    }
    if !o.asked && o.scenarios.iter().any(|s| s.status == Status::Fail) {
        writeln!(
            out,
            "  (both uses are judged by default; --for iflow or --for token judges the one the key is for)"
        )?;
    }
    writeln!(out, "  Trust lists: {}", versions_line(&o.trust_lists))
}
