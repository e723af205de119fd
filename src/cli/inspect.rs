//! `btpcert inspect`: what files are and what they hold.

use std::io::Write;

use clap::Args;
use serde::Serialize;
use time::OffsetDateTime;

use super::print_json;
use crate::error::{Result, EXIT_INPUT, EXIT_OK};
use crate::input::{self, Form, Loaded};
use crate::sanitize::sanitize;
use crate::sap::servicekey::KeyKind;
use crate::x509::cert::{parse_time, CertInfo, KeyInfo};
use crate::x509::key::KeyFormat;

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Service keys, PEM or DER files; - for stdin
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
    pub password: super::args::PasswordArgs,
}

#[derive(Serialize)]
pub struct FileReport {
    pub file: String,
    pub error: Option<String>,
    pub form: Option<Form>,
    pub service_key: Option<ServiceKeyInfo>,
    pub certificates: Vec<CertInfo>,
    pub private_key: Option<PrivateKeyInfo>,
}

#[derive(Serialize)]
pub struct ServiceKeyInfo {
    pub kind: KeyKind,
    pub clientid: Option<String>,
    pub url_host: Option<String>,
    pub tokenurl_host: Option<String>,
    pub createdate: Option<String>,
    pub certificate_pinning: Option<bool>,
    pub fields: Vec<String>,
}

#[derive(Serialize)]
pub struct PrivateKeyInfo {
    pub format: KeyFormat,
    pub encrypted: bool,
    /// Algorithm and size; null while the key is encrypted.
    pub key: Option<KeyInfo>,
    /// Whether the key belongs to the first certificate; null when unknown.
    pub matches_leaf: Option<bool>,
}

#[derive(Serialize)]
struct Report {
    files: Vec<FileReport>,
}

pub fn run(args: InspectArgs, out: &mut dyn Write) -> Result<i32> {
    let at = match &args.at {
        Some(s) => parse_time(s)?,
        None => OffsetDateTime::now_utc(),
    };
    let mut reports = Vec::new();
    let mut failed = false;
    for f in &args.files {
        match input::load_with(f, Some(&super::args::CliSecrets::new(&args.password))) {
            Ok(l) => reports.push(describe(&l, at)),
            Err(e) => {
                failed = true;
                if !args.json {
                    super::note(&e);
                }
                reports.push(FileReport {
                    file: f.clone(),
                    error: Some(e.to_string()),
                    form: None,
                    service_key: None,
                    certificates: Vec::new(),
                    private_key: None,
                });
            }
        }
    }
    if args.json {
        print_json(out, &Report { files: reports })?;
    } else {
        for (i, r) in reports.iter().filter(|r| r.error.is_none()).enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            print_human(out, r)?;
        }
    }
    Ok(if failed { EXIT_INPUT } else { EXIT_OK })
}

pub fn describe(l: &Loaded, at: OffsetDateTime) -> FileReport {
    let leaf = crate::x509::chain::order(&l.certs).leaf().cloned();
    FileReport {
        file: l.name.clone(),
        error: None,
        form: Some(l.form),
        service_key: l.service_key.as_ref().map(|sk| ServiceKeyInfo {
            kind: sk.kind,
            clientid: sk.clientid.clone(),
            url_host: sk.url_host(),
            tokenurl_host: sk.token_host(),
            createdate: sk.createdate.clone(),
            certificate_pinning: sk.certificate_pinning,
            fields: sk.fields.clone(),
        }),
        certificates: l.certs.iter().map(|c| c.info(at)).collect(),
        private_key: l.key.as_ref().map(|k| PrivateKeyInfo {
            format: k.format(),
            encrypted: k.is_encrypted(),
            key: k.info(),
            matches_leaf: leaf.as_ref().and_then(|c| k.matches(c)),
        }),
    }
}

fn print_human(out: &mut dyn Write, r: &FileReport) -> Result<()> {
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
    for (i, c) in r.certificates.iter().enumerate() {
        writeln!(out, "  certificate {}:", i + 1)?;
        writeln!(out, "    subject:      {}", s(&c.subject_dn))?;
        writeln!(out, "    issuer:       {}", s(&c.issuer_dn))?;
        writeln!(out, "    serial:       {}", c.serial)?;
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
