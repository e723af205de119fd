//! `btpcert truststore`: a PKCS#12 truststore Java reads as trusted entries.

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::p12::StoreArgs;
use super::{note, ForceArgs};
use crate::cert::Cert;
use crate::error::{Error, Result, EXIT_OK};
use crate::input;
use crate::output::{write_all, Planned};
use crate::pkcs12::{read_truststore, Profile};
use crate::sanitize::{file_slug, sanitize};
use crate::truststore_ffi::build_truststore;
use crate::zipcerts;

#[derive(Debug, Args)]
pub struct TruststoreArgs {
    /// CA certificates (PEM, DER, bundles) or Connectivity Test zip files
    #[arg(value_name = "CERT|ZIP", required = true)]
    pub inputs: Vec<String>,
    /// The truststore to write (default with --add-to: that file, replaced)
    #[arg(
        short,
        long,
        value_name = "OUT.p12",
        required_unless_present = "add_to"
    )]
    pub output: Option<PathBuf>,
    /// Keep the entries of this existing truststore and add to them
    #[arg(long, value_name = "EXISTING.p12")]
    pub add_to: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub force: ForceArgs,
}

/// The CA certificates of one input (file or zip).
pub fn ca_certs_of(path: &str) -> Result<Vec<Cert>> {
    let (name, bytes) = input::read_source(path)?;
    let name = sanitize(&name).into_owned();
    let certs: Vec<Cert> = if zipcerts::is_zip(&bytes) {
        let z = zipcerts::read(&bytes).map_err(|e| e.context(&name))?;
        z.certs.into_iter().map(|(_, c)| c).collect()
    } else {
        input::load_bytes(&name, &bytes)
            .map_err(|e| e.context(&name))?
            .certs
    };
    let (cas, leaves): (Vec<Cert>, Vec<Cert>) = certs
        .into_iter()
        .partition(|c| c.basic_constraints().is_some_and(|(ca, _)| ca) || c.is_self_signed());
    for l in &leaves {
        note(format!(
            "{name}: '{}' is not a CA certificate and is left out of the truststore",
            sanitize(&l.subject_dn())
        ));
    }
    Ok(cas)
}

/// An alias from the common name, unique among `taken` (Java lower-cases aliases).
fn alias_for(c: &Cert, taken: &mut HashSet<String>) -> String {
    let base = file_slug(&c.common_name());
    let mut alias = base.clone();
    let mut n = 2;
    while !taken.insert(alias.clone()) {
        alias = format!("{base}-{n}");
        n += 1;
    }
    alias
}

pub fn run(args: TruststoreArgs, out: &mut dyn Write) -> Result<i32> {
    let output = args
        .output
        .clone()
        .or_else(|| args.add_to.clone())
        .ok_or_else(|| Error::usage("give -o OUT.p12"))?;
    let replacing_add_to = args.add_to.as_ref() == Some(&output);
    if !args.force.force && !replacing_add_to && output.exists() {
        return Err(Error::input(format!(
            "{}: already exists (use --force to overwrite it)",
            output.display()
        )));
    }
    let mut new = Vec::new();
    for i in &args.inputs {
        new.extend(ca_certs_of(i)?);
    }
    if new.is_empty() {
        return Err(Error::input("no CA certificate in the input"));
    }
    let what = format!("password for {}", output.display());
    let pw = args.store.password(&what, args.add_to.is_none())?;

    let mut entries: Vec<(String, Cert)> = Vec::new();
    let mut taken = HashSet::new();
    if let Some(existing) = &args.add_to {
        let der = std::fs::read(existing).map_err(|e| Error::io(existing, e))?;
        for (alias, c) in read_truststore(&der, &pw).map_err(|e| e.context(existing.display()))? {
            let alias = if alias.is_empty() || taken.contains(&alias) {
                alias_for(&c, &mut taken)
            } else {
                taken.insert(alias.clone());
                alias
            };
            entries.push((alias, c));
        }
    }
    let kept = entries.len();
    let mut seen: HashSet<Vec<u8>> = entries.iter().map(|(_, c)| c.der().to_vec()).collect();
    for c in new {
        if seen.insert(c.der().to_vec()) {
            let alias = alias_for(&c, &mut taken);
            entries.push((alias, c));
        }
    }
    let profile: Profile = args.store.profile.into();
    let der = build_truststore(&entries, profile, &pw)?;
    write_all(
        &[Planned::secret(&output, der)],
        args.force.force || replacing_add_to,
    )?;
    writeln!(
        out,
        "Wrote {}: {} trusted certificate entr{} ({} kept, {} added), {}",
        sanitize(&output.display().to_string()),
        entries.len(),
        if entries.len() == 1 { "y" } else { "ies" },
        kept,
        entries.len() - kept,
        profile.describe()
    )?;
    for (alias, c) in &entries[kept..] {
        writeln!(
            out,
            "  + {alias}  {}  SHA-256 {}",
            sanitize(&c.subject_dn()),
            c.sha256()
        )?;
    }
    Ok(EXIT_OK)
}
