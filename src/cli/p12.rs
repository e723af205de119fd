//! `btpcert p12`: a PKCS#12 keystore with the private key and the whole chain.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::verify::RootArgs;
use super::{note, ForceArgs, PasswordArgs};
use crate::error::{Error, Result, EXIT_OK};
use crate::input::{self, Bundle};
use crate::keystore::pkcs12::{build_keystore, Profile};
use crate::sanitize::sanitize;
use crate::sap::servicekey::KeyKind;
use crate::secret::{Password, PasswordSource};
use crate::write::{write_all, Planned};
use crate::x509::cert::Cert;
use crate::x509::key::PrivateKey;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ProfileArg {
    /// AES-256-CBC, PBKDF2, SHA-256 MAC: OpenSSL 3, Java 8u301+, Node, Postman
    Modern,
    /// 3DES, SHA-1 MAC: Java before 8u301, older macOS and Windows keychains
    Compat,
}

impl From<ProfileArg> for Profile {
    fn from(p: ProfileArg) -> Profile {
        match p {
            ProfileArg::Modern => Profile::Modern,
            ProfileArg::Compat => Profile::Compat,
        }
    }
}

/// Profile and password of a PKCS#12 file to write.
#[derive(Debug, Args, Clone)]
pub struct StoreArgs {
    /// Encryption profile of the PKCS#12 file
    #[arg(long, value_enum, default_value = "modern")]
    pub profile: ProfileArg,
    #[command(flatten)]
    pub password: PasswordArgs,
    /// Write the file with an empty password (not recommended)
    #[arg(long, conflicts_with_all = ["password_file", "password_env"])]
    pub no_password: bool,
}

impl StoreArgs {
    /// The password for the file to write; asks twice on a terminal.
    pub fn password(&self, what: &str, confirm: bool) -> Result<Password> {
        if self.no_password {
            note(format!("{what}: written with an empty password, as asked; anyone who has the file has the key"));
            return Ok(Password::new(""));
        }
        self.password.source().read(what, confirm)
    }
}

/// Where the password of an encrypted input key comes from.
#[derive(Debug, Args, Clone)]
pub struct KeyPasswordArgs {
    /// Read the password of an encrypted input key from the first line of FILE
    #[arg(long, value_name = "FILE", conflicts_with = "key_password_env")]
    pub key_password_file: Option<PathBuf>,
    /// Read the password of an encrypted input key from the environment variable NAME
    #[arg(long, value_name = "NAME")]
    pub key_password_env: Option<String>,
}

impl KeyPasswordArgs {
    pub fn decrypt(&self, name: &str, key: PrivateKey) -> Result<PrivateKey> {
        if !key.is_encrypted() {
            return Ok(key);
        }
        let source = PasswordSource::from_options(&self.key_password_file, &self.key_password_env);
        let pw = source.read(
            &format!("password of the private key in {}", sanitize(name)),
            false,
        )?;
        key.decrypt(&pw).map_err(|e| e.with_path(sanitize(name)))
    }
}

#[derive(Debug, Args)]
pub struct P12Args {
    /// Service key, or certificate and key files in any form btpcert reads
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<String>,
    /// The PKCS#12 file to write (mode 0600)
    #[arg(short, long, value_name = "OUT.p12")]
    pub output: PathBuf,
    /// Alias (friendly name) of the key entry; Java shows it lower-cased
    #[arg(long, value_name = "ALIAS", default_value = "client")]
    pub name: String,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub source: KeyChainArgs,
    #[command(flatten)]
    pub force: ForceArgs,
}

/// How the key and its chain are taken from the input.
#[derive(Debug, Args, Clone)]
pub struct KeyChainArgs {
    /// Write the files even when the chain does not reach a root
    #[arg(long)]
    pub allow_incomplete: bool,
    #[command(flatten)]
    pub key_password: KeyPasswordArgs,
    #[command(flatten)]
    pub roots: RootArgs,
}

/// The key, decrypted, and its chain leaf first, checked for a keystore:
/// the key must belong to the leaf, and the chain must reach a root unless
/// `allow_incomplete`.
pub fn key_and_chain(bundle: Bundle, source: &KeyChainArgs) -> Result<(PrivateKey, Vec<Cert>)> {
    let (roots, allow_incomplete, key_password) =
        (&source.roots, source.allow_incomplete, &source.key_password);
    if let Some((name, _)) = bundle
        .service_keys
        .iter()
        .find(|(_, sk)| sk.kind == KeyKind::ClientSecret)
    {
        return Err(Error::input(format!(
            "{name}: a ClientId/Secret service key holds no certificate or key for a keystore"
        )));
    }
    let Some((key_file, key)) = bundle.key else {
        let external = bundle
            .service_keys
            .iter()
            .any(|(_, sk)| sk.kind == KeyKind::ExternalCertificate);
        return Err(Error::input(if external {
            "no private key: an External Certificate key holds only the certificate; give your key file as another INPUT"
        } else {
            "no private key in the input: a keystore needs the key (give the key file as another INPUT)"
        }));
    };
    if bundle.certs.is_empty() {
        return Err(Error::input(
            "no certificate in the input: a keystore needs the key's certificate",
        ));
    }
    let key = key_password.decrypt(&key_file, key)?;
    let path = roots.path(&bundle.certs)?;
    let leaf = &path.certs[0].0;
    if key.matches(leaf) != Some(true) {
        return Err(Error::input(format!(
            "the private key in {} does not belong to the leaf certificate '{}'",
            sanitize(&key_file),
            sanitize(&leaf.subject_dn())
        )));
    }
    if let Some(issuer) = &path.missing_issuer {
        if !allow_incomplete {
            return Err(Error::input(format!(
                "the chain is incomplete: issuer '{}' of '{}' was not found; add it to the input, give it with --roots, or use --allow-incomplete",
                sanitize(issuer),
                sanitize(&path.certs.last().expect("non-empty").0.common_name())
            )));
        }
        note(format!(
            "the chain is incomplete (issuer '{}' not found): written as given",
            sanitize(issuer)
        ));
    }
    for u in &path.chain.unrelated {
        note(format!(
            "'{}' belongs to no path from the leaf and is left out",
            sanitize(&u.subject_dn())
        ));
    }
    Ok((key, path.certs.into_iter().map(|(c, _)| c).collect()))
}

pub fn run(args: P12Args, out: &mut dyn Write) -> Result<i32> {
    let bundle = input::load_many(&args.inputs)?;
    let (key, chain) = key_and_chain(bundle, &args.source)?;
    if !args.force.force && args.output.exists() {
        return Err(Error::input(format!(
            "{}: already exists (use --force to overwrite it)",
            args.output.display()
        )));
    }
    let profile: Profile = args.store.profile.into();
    let what = format!("password for {}", args.output.display());
    let pw = args.store.password(&what, true)?;
    let der = build_keystore(&key, &chain, &args.name, profile, &pw)?;
    write_all(&[Planned::secret(&args.output, der)], args.force.force)?;
    writeln!(
        out,
        "Wrote {}: key entry '{}' with {} certificate{} (leaf first), {}, mode 0600",
        sanitize(&args.output.display().to_string()),
        sanitize(&args.name.to_lowercase()),
        chain.len(),
        if chain.len() == 1 { "" } else { "s" },
        profile.describe()
    )?;
    Ok(EXIT_OK)
}
