//! `btpcert inspect`: what files are and what they hold.

use std::collections::{HashMap, HashSet};
use std::io::Write;

use clap::Args;

use super::args::{at_or_now, CliSecrets, OpenEmptyArgs, PasswordArgs};
use super::note;
use crate::error::{ExitStatus, Result};
use crate::input::Form;
use crate::keystore::pkcs12::Relation;
use crate::ops::inspect::{self, FileReport, InspectOptions, InspectOutcome};
use crate::sanitize::sanitize;
use crate::sap::servicekey::SerialNumber;
use crate::x509::cert::CertInfo;

/// `btpcert inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Service keys, PEM, DER, PKCS#7 (.p7b) or keystore files (PKCS#12, JKS); - for stdin
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<String>,
    /// Judge validity at this time instead of now (2026-05-01 or RFC 3339)
    #[arg(long, value_name = "DATETIME")]
    pub at: Option<String>,
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

/// Runs `btpcert inspect`.
pub fn run(args: InspectArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let opts = InspectOptions {
        files: args.files,
        at: at_or_now(&args.at)?,
    };
    let secrets = CliSecrets::new(&args.password).open_empty(args.open_empty);
    let outcome = inspect::run(&opts, &secrets)?;
    let reports = html_report(args.html.as_deref(), &outcome, opts.at);
    // One write per buffer, not one per line: a bundle of ten thousand
    // certificates is a hundred and fifty thousand lines.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    let status = super::finish_with(&mut out, &outcome, reports, false, Some(args.json), render)?;
    match out.flush() {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(crate::error::Error::Stdout(e)),
        _ => Ok(status),
    }
}

/// `--html FILE`: the files as a page.
fn html_report(
    path: Option<&std::path::Path>,
    outcome: &InspectOutcome,
    at: time::OffsetDateTime,
) -> Vec<crate::write::Planned> {
    use crate::web::report::{page, planned, View};
    path.map(|p| {
        let json = serde_json::to_value(outcome).unwrap_or_default();
        planned(p, page(View::Inspect, at, json, None))
    })
    .into_iter()
    .collect()
}

/// The human rendering: the files that could not be read on standard
/// error, then each file read, separated by blank lines.
pub fn render(out: &mut dyn Write, o: &InspectOutcome) -> std::io::Result<()> {
    for e in o.files.iter().filter_map(|r| r.error.as_ref()) {
        note(e);
    }
    for (i, r) in o.files.iter().filter(|r| r.error.is_none()).enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        render_file(out, r)?;
    }
    Ok(())
}

fn render_file(out: &mut dyn Write, r: &FileReport) -> std::io::Result<()> {
    let s = |x: &str| sanitize(x).into_owned();
    let form = r.form.map(Form::describe).unwrap_or("unknown");
    writeln!(out, "{}: {form}", s(&r.file))?;
    if let Some(sk) = &r.service_key {
        writeln!(out, "  kind:           {}", sk.kind.describe())?;
        let opt = |v: &Option<String>| v.as_deref().map(s).unwrap_or_else(|| "-".into());
        writeln!(out, "  clientid:       {}", opt(&sk.clientid))?;
        writeln!(out, "  url host:       {}", opt(&sk.url_host))?;
        writeln!(out, "  tokenurl host:  {}", opt(&sk.tokenurl_host))?;
        if let Some(p) = sk.certificate_pinning {
            writeln!(out, "  pinning:        {p}")?;
        }
        writeln!(out, "  fields:         {}", s(&sk.fields.join(", ")))?;
    }
    // A certificate given again is shown once, with the count.
    let mut copies: HashMap<&str, usize> = HashMap::new();
    for c in &r.certificates {
        *copies.entry(&c.fingerprint_sha256).or_default() += 1;
    }
    let mut shown = HashSet::new();
    for (i, c) in r.certificates.iter().enumerate() {
        if !shown.insert(c.fingerprint_sha256.as_str()) {
            continue;
        }
        render_cert(out, i + 1, c)?;
        match copies[c.fingerprint_sha256.as_str()] - 1 {
            0 => {}
            1 => writeln!(out, "    repeated:     given once more in this file")?,
            n => writeln!(out, "    repeated:     given {n} more times in this file")?,
        }
    }
    render_entries(out, r)?;
    if let Some(e) = &r.effective_expiry {
        let set_by = match e.role {
            "leaf" => "the leaf".to_string(),
            _ => format!("intermediate {}", s(&e.subject_dn)),
        };
        writeln!(
            out,
            "  chain valid until {} ({} days), set by {set_by}",
            e.not_after, e.days_left
        )?;
    }
    if let Some(k) = &r.private_key {
        let what = match &k.key {
            Some(i) => format!("{}, {}", i.describe(), k.format.describe()),
            None => format!("{} (not decrypted)", k.format.describe()),
        };
        writeln!(out, "  private key:    {what}")?;
        match k.matches_leaf {
            Some(true) => writeln!(out, "    matches the leaf certificate")?,
            Some(false) => writeln!(out, "    DOES NOT match the leaf certificate")?,
            None => {}
        }
    }
    Ok(())
}

/// A keystore's entries: alias, relation to the key, Java's trusted
/// usage, fingerprint and the SAP lists each is on.
fn render_entries(out: &mut dyn Write, r: &FileReport) -> std::io::Result<()> {
    if r.entries.is_empty() {
        return Ok(());
    }
    let s = |x: &str| sanitize(x).into_owned();
    let what = if r.private_key.is_some() {
        "keystore"
    } else {
        "truststore: certificates, no private key"
    };
    writeln!(out, "  entries ({what}):")?;
    for (i, e) in r.entries.iter().enumerate() {
        let relation = match e.relation {
            Relation::Leaf => "leaf",
            Relation::Chain => "chain",
            Relation::Unrelated => "unrelated",
        };
        let alias = e.alias.as_deref().map(s).unwrap_or_else(|| "-".into());
        writeln!(out, "    {}. {relation:<9} alias {alias}", i + 1)?;
        writeln!(out, "       subject:       {}", s(&e.subject_dn))?;
        writeln!(out, "       SHA-256:       {}", e.fingerprint_sha256)?;
        writeln!(out, "       Java trust:    {}", e.usage_words())?;
        let lists: Vec<&str> = e.lists.iter().map(|l| l.as_str()).collect();
        writeln!(
            out,
            "       SAP lists:     {}",
            if lists.is_empty() {
                "none".to_string()
            } else {
                lists.join(", ")
            }
        )?;
    }
    Ok(())
}

fn render_cert(out: &mut dyn Write, n: usize, c: &CertInfo) -> std::io::Result<()> {
    let s = |x: &str| sanitize(x).into_owned();
    writeln!(out, "  certificate {n}:")?;
    writeln!(out, "    subject:      {}", s(&c.subject_dn))?;
    writeln!(out, "    issuer:       {}", s(&c.issuer_dn))?;
    let serial = SerialNumber::from_hex(&c.serial);
    match &serial.decimal {
        Some(d) => writeln!(
            out,
            "    serial:       {} ({}, decimal {d})",
            c.serial, serial.hex
        )?,
        None => writeln!(
            out,
            "    serial:       {} ({} octets, where RFC 5280 allows 20: no decimal)",
            c.serial,
            serial.hex.len().saturating_sub(2) / 2
        )?,
    }
    let state = if c.expired {
        format!("EXPIRED {} days ago", -c.days_left)
    } else if c.not_yet_valid {
        "NOT YET VALID".to_string()
    } else {
        format!("{} days left", c.days_left)
    };
    writeln!(
        out,
        "    valid:        {} to {} ({state})",
        c.not_before, c.not_after
    )?;
    writeln!(out, "    key:          {}", c.public_key.describe())?;
    writeln!(out, "    signature:    {}", c.signature_algorithm)?;
    if !c.subject_alt_names.is_empty() {
        writeln!(
            out,
            "    SAN:          {}",
            s(&c.subject_alt_names.join(", "))
        )?;
    }
    let list = |v: &Option<Vec<String>>| {
        v.as_ref()
            .map(|v| v.join(", "))
            .unwrap_or_else(|| "(none)".into())
    };
    writeln!(out, "    key usage:    {}", list(&c.key_usage))?;
    writeln!(out, "    ext. usage:   {}", list(&c.extended_key_usage))?;
    let ca = match (c.is_ca, c.path_len) {
        (true, Some(n)) => format!("CA (path length {n})"),
        (true, None) => "CA".into(),
        (false, _) => "end entity".into(),
    };
    writeln!(
        out,
        "    type:         {ca}{}",
        if c.self_signed { ", self-signed" } else { "" }
    )?;
    writeln!(out, "    SHA-256:      {}", c.fingerprint_sha256)?;
    writeln!(out, "    SHA-1:        {}", c.fingerprint_sha1)?;
    Ok(())
}
