//! `btpcert extract`: a service key in, certificate.pem and key.pem out.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use super::args::{ForceArgs, PasswordArgs};
use super::{note, print_json};
use crate::error::{Error, Result, EXIT_OK};
use crate::input;
use crate::sanitize::sanitize;
use crate::sap::servicekey::KeyKind;
use crate::write::{write_all, Planned};
use crate::x509::cert::Cert;
use crate::x509::chain;
use crate::x509::key::{KeyFormat, PrivateKey};

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// Service key (cockpit JSON, cf or btp output, flat JSON) or PEM file; - for stdin
    #[arg(value_name = "KEYFILE")]
    pub input: String,
    /// Folder to write into (created if missing)
    #[arg(short, long, value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,
    /// Write the private key as PKCS#8 (BEGIN PRIVATE KEY) instead of as given
    #[arg(long)]
    pub pkcs8: bool,
    /// Decrypt an encrypted private key (asks for its password)
    #[arg(long)]
    pub decrypt: bool,
    /// Also write each certificate to its own file, leaf first
    #[arg(long)]
    pub split: bool,
    /// Print what was written as JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub force: ForceArgs,
    #[command(flatten)]
    pub password: PasswordArgs,
}

#[derive(Serialize)]
struct Written {
    path: String,
    /// `certificate-chain`, `certificate` or `private-key`
    content: &'static str,
    subjects: Vec<String>,
    key_format: Option<KeyFormat>,
    mode: &'static str,
}

#[derive(Serialize)]
struct Report {
    input: String,
    form: input::Form,
    kind: Option<KeyKind>,
    files: Vec<Written>,
    postman_host: Option<String>,
    unrelated_certificates: Vec<String>,
}

pub fn run(args: ExtractArgs, out: &mut dyn Write) -> Result<i32> {
    let loaded = input::load(&args.input)?;
    let name = sanitize(&loaded.name).into_owned();
    let kind = loaded.service_key.as_ref().map(|sk| sk.kind);
    if let Some(sk) = &loaded.service_key {
        if sk.kind == KeyKind::ClientSecret {
            return Err(Error::input(format!(
                "{name}: a ClientId/Secret service key holds no certificate to extract (fields: {}). \
                 Use clientid and clientsecret with HTTP Basic at the tokenurl, or create a key with {{\"key-type\": \"certificate\"}}",
                sk.field_list()
            )));
        }
    }
    if loaded.certs.is_empty() {
        return Err(Error::input(format!(
            "{name}: holds a private key but no certificate; nothing to extract"
        )));
    }
    let ordered = chain::order(&loaded.certs);
    let key = match &loaded.key {
        Some(k) => Some(prepare_key(k, &args, &name)?),
        None => None,
    };
    let leaf = ordered.leaf().expect("non-empty input gives a leaf");
    if let Some(k) = &key {
        if k.matches(leaf) == Some(false) {
            return Err(Error::input(format!(
                "{name}: the private key does not belong to the leaf certificate '{}'",
                sanitize(&leaf.subject_dn())
            )));
        }
    }

    let cert_path = args.out_dir.join("certificate.pem");
    let key_path = args.out_dir.join("key.pem");
    let chain_pem: String = ordered.certs.iter().map(Cert::to_pem).collect();
    let mut plan = vec![Planned::public(&cert_path, chain_pem)];
    let mut report = Report {
        input: loaded.name.clone(),
        form: loaded.form,
        kind,
        files: vec![Written {
            path: cert_path.display().to_string(),
            content: if ordered.certs.len() > 1 {
                "certificate-chain"
            } else {
                "certificate"
            },
            subjects: ordered.certs.iter().map(Cert::subject_dn).collect(),
            key_format: None,
            mode: "0644",
        }],
        postman_host: loaded.service_key.as_ref().and_then(|sk| sk.token_host()),
        unrelated_certificates: ordered.unrelated.iter().map(Cert::subject_dn).collect(),
    };
    if let Some(k) = &key {
        plan.push(Planned::secret(&key_path, k.to_pem()));
        report.files.push(Written {
            path: key_path.display().to_string(),
            content: "private-key",
            subjects: Vec::new(),
            key_format: Some(k.format()),
            mode: "0600",
        });
    }
    if args.split {
        // split_plan names the path first, then the unrelated certificates.
        let certs = ordered.certs.iter().chain(&ordered.unrelated);
        for (f, c) in chain::split_plan(&ordered, &args.out_dir)
            .into_iter()
            .zip(certs)
        {
            report.files.push(Written {
                path: f.path.display().to_string(),
                content: "certificate",
                subjects: vec![c.subject_dn()],
                key_format: None,
                mode: "0644",
            });
            plan.push(f);
        }
    }

    write_all(&plan, args.force.force)?;

    if ordered.reordered {
        note(format!("{name}: the certificates were not in leaf-first order; certificate.pem is ordered leaf first"));
    }
    if !ordered.duplicates.is_empty() {
        note(format!(
            "{name}: {} duplicate certificate(s) written once",
            ordered.duplicates.len()
        ));
    }
    for c in &ordered.unrelated {
        note(format!(
            "{name}: '{}' belongs to no path from the leaf and is left out of certificate.pem",
            sanitize(&c.subject_dn())
        ));
    }
    if args.json {
        print_json(out, &report)?;
        return Ok(EXIT_OK);
    }
    print_human(out, &loaded, &ordered, key.as_ref(), &report)?;
    Ok(EXIT_OK)
}

/// Applies --decrypt and --pkcs8; asks for a password only when needed.
fn prepare_key(k: &PrivateKey, args: &ExtractArgs, name: &str) -> Result<PrivateKey> {
    let what = format!("password of the private key in {name}");
    if k.is_encrypted() {
        if args.decrypt {
            let pw = args.password.source().read(&what, false)?;
            let plain = k.decrypt(&pw).map_err(|e| e.with_path(name))?;
            return Ok(plain);
        }
        if args.pkcs8 && k.format() == KeyFormat::LegacyEncrypted {
            // Same password, modern container.
            let pw = args.password.source().read(&what, false)?;
            let plain = k.decrypt(&pw).map_err(|e| e.with_path(name))?;
            return plain.to_encrypted_pkcs8(&pw);
        }
        return Ok(k.clone());
    }
    if args.pkcs8 {
        return k.to_pkcs8();
    }
    Ok(k.clone())
}

fn print_human(
    out: &mut dyn Write,
    loaded: &input::Loaded,
    ordered: &chain::Chain,
    key: Option<&PrivateKey>,
    report: &Report,
) -> Result<()> {
    let name = sanitize(&loaded.name);
    match &loaded.service_key {
        Some(sk) => writeln!(
            out,
            "Read {name}: {}, {} key",
            loaded.form.describe(),
            sk.kind.describe()
        )?,
        None => writeln!(out, "Read {name}: {}", loaded.form.describe())?,
    }
    let chain_file = &report.files[0].path;
    writeln!(
        out,
        "Wrote {}: {} certificate{}, leaf first",
        sanitize(chain_file),
        ordered.certs.len(),
        if ordered.certs.len() == 1 { "" } else { "s" }
    )?;
    for (i, c) in ordered.certs.iter().enumerate() {
        writeln!(
            out,
            "  {}. {} (valid until {})",
            i + 1,
            sanitize(&c.subject_dn()),
            c.not_after().date()
        )?;
    }
    let key_file = report.files.iter().find(|f| f.content == "private-key");
    match (key, key_file) {
        (Some(k), Some(f)) => {
            let what = match k.info() {
                Some(i) => format!("{}, {}", i.describe(), k.format().describe()),
                None => format!("{}, still encrypted", k.format().describe()),
            };
            writeln!(
                out,
                "Wrote {}: private key, {what}, mode 0600",
                sanitize(&f.path)
            )?;
        }
        _ => {
            if loaded
                .service_key
                .as_ref()
                .is_some_and(|sk| sk.kind == KeyKind::ExternalCertificate)
            {
                writeln!(out, "No private key: an External Certificate key holds only the certificate; the private key stays with you")?;
            } else {
                writeln!(out, "No private key in the input")?;
            }
        }
    }
    for f in report.files.iter().filter(|f| f.content == "certificate") {
        writeln!(out, "Wrote {}", sanitize(&f.path))?;
    }
    if let Some(host) = &report.postman_host {
        writeln!(out, "Postman, Settings > Certificates > Add certificate:")?;
        writeln!(out, "  Host      {}", sanitize(host))?;
        writeln!(out, "  CRT file  {}", sanitize(chain_file))?;
        if let Some(f) = key_file {
            writeln!(out, "  KEY file  {}", sanitize(&f.path))?;
        }
        let sk = loaded.service_key.as_ref();
        if sk.is_some_and(|sk| sk.kind != KeyKind::ClientSecret)
            && !host.contains(".cert.")
            && host.contains(".authentication.")
        {
            writeln!(
                out,
                "  Note: certificate-based token requests go to the '.authentication.cert.' host: {}",
                host.replacen(".authentication.", ".authentication.cert.", 1)
            )?;
        }
    }
    Ok(())
}
