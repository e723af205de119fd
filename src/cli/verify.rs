//! `btpcert verify`: the checklist of a chain, a key, and SAP's trust.

use std::io::Write;

use clap::Args;

use super::args::{
    at_or_now, CliSecrets, FetchArgs, OpenEmptyArgs, PasswordArgs, RootArgs, ScenarioArg,
};
use super::style::{plural, Style};
use crate::check::Status;
use crate::error::{ExitStatus, Result};
use crate::ops::verify::{self, TruststoreOutcome, Verified, VerifyOptions, VerifyOutcome};
use crate::sanitize::sanitize;
use crate::sap::scenario::Scenario;
use crate::sap::trust_lists::versions_line;
use crate::web::report::View;

/// `btpcert verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Service key, PEM bundle, DER, PKCS#7 or keystore (PKCS#12, JKS) files; their certificates form one chain (truststores: their roots are judged)
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<String>,
    /// Private key to match against the leaf (a service key's own key is used otherwise)
    #[arg(long, value_name = "KEYFILE")]
    pub key: Option<String>,
    /// The scenario to judge trust for [default: from the key's kind and plan, or the leaf's extended key usage]
    #[arg(long = "for", value_enum, value_name = "SCENARIO")]
    pub scenario: Option<ScenarioArg>,
    #[command(flatten)]
    pub roots: RootArgs,
    #[command(flatten)]
    pub fetch: FetchArgs,
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
    pub password: PasswordArgs,
    #[command(flatten)]
    pub open_empty: OpenEmptyArgs,
    /// Also write the result as a self-contained HTML page (replaced if it exists)
    #[arg(long, value_name = "FILE")]
    pub html: Option<std::path::PathBuf>,
}

/// Runs `btpcert verify`.
pub fn run(args: VerifyArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let opts = VerifyOptions {
        at: at_or_now(&args.at)?,
        files: args.files,
        key: args.key,
        scenario: args.scenario.map(Into::into),
        roots: args.fetch.with(&args.roots),
        warn_days: args.warn_days,
    };
    let secrets = CliSecrets::new(&args.password).open_empty(args.open_empty);
    match verify::run_any(&opts, &secrets)? {
        Verified::Chain(outcome) => {
            let reports = html_report(args.html.as_deref(), &outcome, View::Verify, opts.at);
            super::finish_with(out, &outcome, reports, false, Some(args.json), render)
        }
        Verified::Truststore(outcome) => {
            let reports = html_report(args.html.as_deref(), &outcome, View::Truststore, opts.at);
            super::finish_with(
                out,
                &outcome,
                reports,
                false,
                Some(args.json),
                render_truststore,
            )
        }
    }
}

/// The human rendering of a truststore's verdict: each certificate with
/// its alias, Java's trusted usage and the lists it is on, then the result.
pub fn render_truststore(out: &mut dyn Write, o: &TruststoreOutcome) -> std::io::Result<()> {
    let st = Style::detect();
    writeln!(
        out,
        "{} {} ({} certificate{}, no private key):",
        st.bold("Truststore"),
        o.truststores.join(", "),
        o.certificates.len(),
        plural(o.certificates.len())
    )?;
    for (i, c) in o.certificates.iter().enumerate() {
        let alias = c.alias.as_deref().map(sanitize).unwrap_or("-".into());
        writeln!(out, "  {}. [{alias}] {}", i + 1, sanitize(&c.subject_dn))?;
        writeln!(out, "       SHA-256 {}", c.fingerprint_sha256)?;
        let lists: Vec<&str> = c.lists.iter().map(|l| l.as_str()).collect();
        let on = if lists.is_empty() {
            "on no SAP list".to_string()
        } else {
            format!("on {}", lists.join(", "))
        };
        let until = if c.expired {
            format!("EXPIRED {}", c.not_after)
        } else {
            format!("valid until {}", c.not_after)
        };
        writeln!(out, "       {on}; {until}; Java trust: {}", c.usage_words())?;
    }
    writeln!(
        out,
        "{} {} ({}, list {}):",
        st.bold("Scenario"),
        o.scenario.name(),
        o.scenario.describe(),
        o.list
    )?;
    let list_status = match o.status {
        Status::Fail => Status::Fail,
        _ if o.summary.contains("expired") => Status::Warn,
        _ => Status::Ok,
    };
    writeln!(out, "  {} {}", st.mark(list_status), o.summary)?;
    for w in &o.warnings {
        writeln!(out, "  {} {}", st.mark(Status::Warn), sanitize(w))?;
    }
    let warns = o.warnings.len() + usize::from(list_status == Status::Warn);
    let verdict = match o.status {
        Status::Ok => format!("{} the truststore serves it", st.ok()),
        Status::Warn => format!(
            "{} serves it, with {warns} warning{}",
            st.warn(),
            plural(warns)
        ),
        Status::Fail => format!("{} 1 problem, {warns} warning{}", st.bad(), plural(warns)),
    };
    writeln!(out, "Result: {verdict}")
}

/// `--html FILE`: the verdict as a page.
fn html_report(
    path: Option<&std::path::Path>,
    outcome: &impl serde::Serialize,
    view: View,
    at: time::OffsetDateTime,
) -> Vec<crate::write::Planned> {
    use crate::web::report::{page, planned};
    path.map(|p| {
        let json = serde_json::to_value(outcome).unwrap_or_default();
        planned(p, page(view, at, json, None))
    })
    .into_iter()
    .collect()
}

/// The human rendering: each certificate with its checks, the chain's
/// checks, each scenario's, and the result.
pub fn render(out: &mut dyn Write, o: &VerifyOutcome) -> std::io::Result<()> {
    let st = Style::detect();
    let (v, r) = (&o.verdict, &o.verdict.report);
    writeln!(
        out,
        "{} ({} certificate{}, leaf first, checked at {}):",
        st.bold("Chain"),
        r.certificates.len(),
        plural(r.certificates.len()),
        r.at
    )?;
    for c in &r.certificates {
        let whence = c
            .origin
            .whence()
            .map(|w| format!(" [{w}]"))
            .unwrap_or_default();
        writeln!(
            out,
            "  {}. {:<12} {}{whence}",
            c.position,
            c.role,
            sanitize(&c.subject_dn)
        )?;
        st.checks(out, "       ", &c.checks)?;
    }
    for u in &r.unrelated {
        writeln!(out, "  -  {:<12} {}", "unrelated", sanitize(u))?;
    }
    writeln!(out, "{}:", st.bold("Chain checks"))?;
    st.checks(out, "  ", &r.chain)?;
    let chosen = &o.scenarios_chosen;
    writeln!(
        out,
        "{} {}. Why: {}",
        st.bold("Scenarios judged:"),
        Scenario::names(&chosen.scenarios),
        chosen.reason
    )?;
    for s in &v.scenarios {
        let lists: Vec<&str> = s.scenario.lists().iter().map(|l| l.as_str()).collect();
        writeln!(
            out,
            "{} {} ({}, list{} {}):",
            st.bold("Scenario"),
            s.scenario.name(),
            s.scenario.describe(),
            plural(lists.len()),
            lists.join(" and ")
        )?;
        st.checks(out, "  ", &s.checks)?;
    }
    if !v.trust_lists.is_empty() {
        writeln!(out, "Trust lists: {}", versions_line(&v.trust_lists))?;
    }
    let (fails, warns) = (v.count(Status::Fail), v.count(Status::Warn));
    let verdict = match v.status {
        Status::Ok => format!("{} all checks passed", st.ok()),
        Status::Warn => format!("{} passed with {warns} warning{}", st.warn(), plural(warns)),
        Status::Fail => format!(
            "{} {fails} problem{}, {warns} warning{}",
            st.bad(),
            plural(fails),
            plural(warns)
        ),
    };
    writeln!(out, "Result: {verdict}")
}
