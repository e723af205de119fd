//! `btpcert truststore`: a PKCS#12 truststore Java reads as trusted entries.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::args::ForceArgs;
use super::args::StoreArgs;
use super::note;
use crate::error::{Error, Result, EXIT_OK};
use crate::input;
use crate::input::zip;
use crate::keystore::ffi::build_truststore;
use crate::keystore::pkcs12::{read_truststore, Profile};
use crate::keystore::truststore::{assemble, is_trust_anchor};
use crate::sanitize::sanitize;
use crate::write::{write_all, Planned};
use crate::x509::cert::Cert;

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
    let certs: Vec<Cert> = if zip::is_zip(&bytes) {
        let z = zip::read(&bytes).map_err(|e| e.with_path(&name))?;
        z.certs.into_iter().map(|(_, c)| c).collect()
    } else {
        input::load_bytes(&name, &bytes)
            .map_err(|e| e.with_path(&name))?
            .certs
    };
    let (cas, leaves): (Vec<Cert>, Vec<Cert>) = certs.into_iter().partition(is_trust_anchor);
    for l in &leaves {
        note(format!(
            "{name}: '{}' is not a CA certificate and is left out of the truststore",
            sanitize(&l.subject_dn())
        ));
    }
    Ok(cas)
}

/// Truststore entries: (alias, certificate).
pub type Entries = Vec<(String, Cert)>;

/// Plans a truststore at `output` holding `new`, keeping the entries of
/// `add_to` when given (then `output` may replace it). Reads the password
/// and builds the file; writing is the caller's, with its other files.
pub fn plan_truststore(
    output: &Path,
    add_to: Option<&Path>,
    new: Vec<Cert>,
    store: &StoreArgs,
    force: bool,
) -> Result<(Planned, Entries, usize)> {
    let replacing_add_to = add_to == Some(output);
    if !force && !replacing_add_to && output.exists() {
        return Err(Error::input(format!(
            "{}: already exists (use --force to overwrite it)",
            output.display()
        )));
    }
    let what = format!("password for {}", output.display());
    let mut notes = Vec::new();
    let purpose = if add_to.is_none() {
        crate::secret::Purpose::Create
    } else {
        crate::secret::Purpose::Open
    };
    let pw = store.options().password(
        &what,
        purpose,
        &super::args::CliSecrets::new(&store.password),
        &mut notes,
    )?;
    for n in &notes {
        super::note(n);
    }
    let existing = match add_to {
        Some(path) => {
            let der = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            read_truststore(&der, &pw).map_err(|e| e.with_path(path.display()))?
        }
        None => Vec::new(),
    };
    let (entries, kept) = assemble(existing, new);
    let der = build_truststore(&entries, store.profile.into(), &pw)?;
    let mut plan = Planned::secret(output, der);
    if replacing_add_to {
        plan = plan.replacing();
    }
    Ok((plan, entries, kept))
}

pub fn run(args: TruststoreArgs, out: &mut dyn Write) -> Result<i32> {
    let output = args
        .output
        .clone()
        .or_else(|| args.add_to.clone())
        .ok_or_else(|| Error::usage("give -o OUT.p12"))?;
    let mut new = Vec::new();
    for i in &args.inputs {
        new.extend(ca_certs_of(i)?);
    }
    if new.is_empty() {
        return Err(Error::input("no CA certificate in the input"));
    }
    let (plan, entries, kept) = plan_truststore(
        &output,
        args.add_to.as_deref(),
        new,
        &args.store,
        args.force.force,
    )?;
    write_all(&[plan], args.force.force)?;
    let profile: Profile = args.store.profile.into();
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
