//! `btpcert probe`: ask the real endpoints of a service key, and say what a
//! refusal means.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::args::{ConnArgs, FetchArgs, ForceArgs, ProfileArg};
use super::style::Style;
use crate::error::{ExitStatus, Result};
use crate::ops::probe::{self, EndpointReport, ProbeOptions, ProbeOutcome};
use crate::ops::StoreOptions;
use crate::sanitize::sanitize;
use crate::sap::diagnosis::Diagnosis;

/// `btpcert probe`.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// The service key, or an https:// URL to probe alone
    #[arg(value_name = "KEYFILE|URL")]
    pub input: String,
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Write the servers' roots into this Java truststore (never a look-alike)
    #[arg(long, value_name = "OUT.p12")]
    pub truststore: Option<PathBuf>,
    /// Encryption profile of the truststore
    #[arg(long, value_enum, default_value = "modern")]
    pub profile: ProfileArg,
    #[command(flatten)]
    pub fetch: FetchArgs,
    #[command(flatten)]
    pub force: ForceArgs,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

/// Runs `btpcert probe`.
pub fn run(args: ProbeArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let opts = ProbeOptions {
        input: args.input,
        conn: args.conn.options(),
        truststore: args.truststore,
        store: StoreOptions {
            profile: args.profile.into(),
            no_password: args.conn.no_password,
            format: None,
        },
        force: args.force.force,
        fetch_intermediates: args.fetch.fetch_intermediates,
    };
    let outcome = probe::run(&opts, &args.conn.secrets())?;
    super::finish(out, &outcome, opts.force, Some(args.json), render)
}

/// The human rendering.
pub fn render(out: &mut dyn Write, o: &ProbeOutcome) -> std::io::Result<()> {
    let st = Style::detect();
    match (&o.key_kind, &o.clientid) {
        (Some(kind), Some(id)) => writeln!(
            out,
            "Probe of {} ({} key, clientid {})",
            sanitize(&o.input),
            kind.describe(),
            sanitize(id)
        )?,
        _ => writeln!(out, "Probe of {}", sanitize(&o.input))?,
    }
    if let Some(c) = &o.client_certificate {
        writeln!(
            out,
            "  client certificate: {}, issued by {} (chain of {} certificate{})",
            sanitize(&c.subject_dn),
            sanitize(&c.issuer_dn),
            c.chain_length,
            if c.chain_length == 1 { "" } else { "s" }
        )?;
    }
    diagnoses(out, &st, &o.diagnosis)?;
    for e in &o.endpoints {
        writeln!(out)?;
        endpoint(out, &st, e)?;
    }
    if let Some(t) = &o.truststore {
        writeln!(out)?;
        writeln!(
            out,
            "Truststore {} ({} root{}):",
            sanitize(&t.path),
            t.roots.len(),
            if t.roots.len() == 1 { "" } else { "s" }
        )?;
        for r in &t.roots {
            writeln!(out, "  {}  {}", sanitize(&r.alias), sanitize(&r.subject_dn))?;
        }
    }
    Ok(())
}

fn endpoint(out: &mut dyn Write, st: &Style, e: &EndpointReport) -> std::io::Result<()> {
    writeln!(
        out,
        "{} ({})",
        st.bold(&sanitize(&e.url)),
        e.role.describe()
    )?;
    if let (Some(v), Some(c)) = (&e.tls_version, &e.cipher) {
        writeln!(out, "  TLS:         {v}, {}", sanitize(c))?;
    }
    if !e.server_chain.is_empty() {
        writeln!(out, "  chain sent:")?;
        for (i, c) in e.server_chain.iter().enumerate() {
            writeln!(out, "    {}. {}", i + 1, sanitize(&c.subject_dn))?;
            writeln!(
                out,
                "       issuer {}; valid until {}",
                sanitize(&c.issuer_dn),
                c.not_after
            )?;
            writeln!(out, "       SHA-256 {}", c.fingerprint_sha256)?;
        }
    }
    if let Some(r) = &e.server_root {
        let from = probe::describe_origin(r.origin);
        writeln!(
            out,
            "  root:        {} ({from}); {}",
            sanitize(&r.subject_dn),
            if e.server_root_on.is_empty() {
                "on no SAP list".to_string()
            } else {
                format!("on {}", e.server_root_on.join(", "))
            }
        )?;
    }
    client_side(out, e)?;
    if let Some(s) = e.http_status {
        writeln!(out, "  HTTP status: {s}")?;
    }
    diagnoses(out, st, &e.diagnosis)
}

fn client_side(out: &mut dyn Write, e: &EndpointReport) -> std::io::Result<()> {
    match e.client_certificate_requested {
        Some(true) if e.acceptable_client_cas.is_empty() => {
            writeln!(out, "  client certificate requested (no CA names given)")?
        }
        Some(true) => {
            writeln!(out, "  client certificate requested; CAs accepted:")?;
            for ca in &e.acceptable_client_cas {
                let reached = e.client_chain_reaches.as_deref() == Some(ca.as_str());
                writeln!(
                    out,
                    "    {}{}",
                    sanitize(ca),
                    if reached {
                        "  <- the chain sent reaches it"
                    } else {
                        ""
                    }
                )?;
            }
        }
        Some(false) => writeln!(out, "  no client certificate requested")?,
        None => {}
    }
    match e.client_certificate_accepted {
        Some(true) => writeln!(out, "  client certificate: accepted"),
        Some(false) => writeln!(out, "  client certificate: refused"),
        None => Ok(()),
    }
}

fn diagnoses(out: &mut dyn Write, st: &Style, list: &[Diagnosis]) -> std::io::Result<()> {
    for d in list {
        writeln!(
            out,
            "  {} {} [{}]",
            st.mark(d.status),
            sanitize(&d.message),
            d.id
        )?;
    }
    Ok(())
}
