//! Every flag group that more than one command shares, in one place (as
//! step CLI keeps its flags): output and `--force`, passwords, keystore
//! profiles, roots, scenarios, the time of a check, and connections. Each
//! group turns itself into the plain options the operations take.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::keystore::pkcs12::Profile;
use crate::ops::{IdentityOptions, RootOptions, StoreOptions};
use crate::sap::scenario::Scenario;
use crate::secret::{Purpose, Secret, SecretSource};
use crate::x509::cert::parse_time;

/// `--force`, shared by every command that writes files.
#[derive(Debug, Args, Clone, Copy)]
pub struct ForceArgs {
    /// Overwrite existing output files
    #[arg(long)]
    pub force: bool,
}

/// Where a password comes from; without either option btpcert asks on the terminal.
#[derive(Debug, Args, Clone)]
pub struct PasswordArgs {
    /// Read the password from the first line of FILE
    #[arg(long, value_name = "FILE", conflicts_with = "password_env")]
    pub password_file: Option<PathBuf>,
    /// Read the password from the environment variable NAME
    #[arg(long, value_name = "NAME")]
    pub password_env: Option<String>,
}

impl PasswordArgs {
    /// Where the password comes from.
    pub fn source(&self) -> PasswordSource {
        PasswordSource::from_options(&self.password_file, &self.password_env)
    }
}

/// `--no-password` of commands that read keystores: open them with the
/// empty password (both of its PKCS#12 encodings are tried), never asking.
#[derive(Debug, Args, Clone, Copy)]
pub struct OpenEmptyArgs {
    /// Open keystores (PKCS#12, JKS) with the empty password, without asking
    #[arg(long = "no-password", conflicts_with_all = ["password_file", "password_env"])]
    pub no_password: bool,
}

/// Where one password comes from; without a file or a variable, btpcert
/// asks on the terminal.
#[derive(Debug, Clone)]
pub enum PasswordSource {
    /// The empty password (`--no-password`), never asked for.
    Empty,
    /// Ask on the terminal (`/dev/tty`).
    Prompt,
    /// The first line of a file, as `openssl -passin file:` reads it.
    File(PathBuf),
    /// The value of a named environment variable.
    Env(String),
}

impl PasswordSource {
    /// A file if given, else a variable if named, else the terminal.
    pub fn from_options(file: &Option<PathBuf>, env: &Option<String>) -> PasswordSource {
        match (file, env) {
            (Some(f), _) => PasswordSource::File(f.clone()),
            (None, Some(n)) => PasswordSource::Env(n.clone()),
            (None, None) => PasswordSource::Prompt,
        }
    }

    /// Reads the password. `what` says what it is for, in the prompt and in
    /// errors; `confirm` asks twice on a terminal (for new files).
    pub fn read(&self, what: &str, confirm: bool) -> Result<Secret> {
        self.read_for(what, confirm, PASSWORD_OPTIONS, Purpose::Open)
    }

    /// [`PasswordSource::read`], naming `options` (the command's options
    /// that give this password) in its errors; opening a keystore
    /// (`purpose`) also names `--no-password`.
    pub fn read_for(
        &self,
        what: &str,
        confirm: bool,
        options: &str,
        purpose: Purpose,
    ) -> Result<Secret> {
        let secret = match self {
            PasswordSource::File(path) => {
                let (_, bytes) = crate::input::read_source(&path.display().to_string())?;
                let text = String::from_utf8(bytes).map_err(|_| {
                    Error::input("the password file is not UTF-8 text").with_path(path.display())
                })?;
                let line = text.lines().next().unwrap_or("");
                if line.is_empty() {
                    return Err(
                        Error::input("the password file is empty").with_path(path.display())
                    );
                }
                Secret::new(line)
            }
            PasswordSource::Env(name) => Secret::new(env_password(name)?),
            PasswordSource::Prompt => prompt(what, confirm, options, purpose)?,
            PasswordSource::Empty => Secret::empty(),
        };
        secret.check_password(what)?;
        Ok(secret)
    }
}

fn env_password(name: &str) -> Result<String> {
    // The name may be a password typed by mistake: never repeat it.
    let valid_name = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let shown = if valid_name {
        format!("environment variable {name}")
    } else {
        "the environment variable named by --password-env".to_string()
    };
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Ok(v),
        Ok(_) => Err(Error::input(format!("{shown} is empty"))),
        Err(std::env::VarError::NotPresent) if valid_name => {
            Err(Error::input(format!("{shown} is not set")))
        }
        Err(std::env::VarError::NotPresent) => Err(Error::usage(format!(
            "{shown} is not set, and its name is not a variable name (letters, digits, _): give the variable's name, not the password"
        ))),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(Error::input(format!("{shown} is not valid UTF-8")))
        }
    }
}

/// The options that give a password, as errors name them.
const PASSWORD_OPTIONS: &str = "--password-file FILE or --password-env NAME";

fn prompt(what: &str, confirm: bool, options: &str, purpose: Purpose) -> Result<Secret> {
    let options = match purpose {
        Purpose::Open => format!("{options} (--no-password for a keystore written without one)"),
        Purpose::Create => format!("{options}, or --no-password"),
        Purpose::DecryptKey => options.to_string(),
    };
    let no_tty = || {
        Error::usage(format!(
            "{what}: no terminal to ask for the password; use {options}"
        ))
    };
    // Only prompt when a person is at the terminal: a script with a closed
    // or redirected standard input must say where the password is.
    if !std::io::stdin().is_terminal() {
        return Err(no_tty());
    }
    let first = rpassword::prompt_password(format!("{what}: ")).map_err(|_| no_tty())?;
    if first.is_empty() {
        return Err(Error::input(match purpose {
            Purpose::Open => format!(
                "{what}: empty password; for a keystore written without one, use --no-password"
            ),
            _ => format!("{what}: empty password"),
        }));
    }
    if confirm {
        let second =
            rpassword::prompt_password(format!("{what} (again): ")).map_err(|_| no_tty())?;
        if second != first {
            return Err(Error::input(format!("{what}: the two passwords differ")));
        }
    }
    Ok(Secret::new(first))
}

/// The command line's [`SecretSource`]: passwords of files from
/// `--password-*`, passwords of encrypted input keys from `--key-password-*`.
#[derive(Debug, Clone)]
pub struct CliSecrets {
    /// For keystores read or written.
    pub password: PasswordSource,
    /// For encrypted private keys read.
    pub key_password: PasswordSource,
    /// The options that give `key_password`, as errors name them.
    pub key_options: &'static str,
}

impl CliSecrets {
    /// Keystore passwords only; an encrypted key's password is asked for.
    pub fn new(password: &PasswordArgs) -> CliSecrets {
        CliSecrets {
            password: password.source(),
            key_password: PasswordSource::Prompt,
            key_options: PASSWORD_OPTIONS,
        }
    }

    /// With `--no-password`, keystores open with the empty password.
    pub fn open_empty(mut self, empty: OpenEmptyArgs) -> CliSecrets {
        if empty.no_password {
            self.password = PasswordSource::Empty;
        }
        self
    }

    /// Also where an encrypted key's password comes from.
    pub fn with_key_password(mut self, key: &KeyPasswordArgs) -> CliSecrets {
        self.key_password =
            PasswordSource::from_options(&key.key_password_file, &key.key_password_env);
        self.key_options = "--key-password-file FILE or --key-password-env NAME";
        self
    }
}

impl SecretSource for CliSecrets {
    fn secret(&self, what: &str, purpose: Purpose) -> Result<Secret> {
        match purpose {
            Purpose::Open => self
                .password
                .read_for(what, false, PASSWORD_OPTIONS, purpose),
            Purpose::Create => self
                .password
                .read_for(what, true, PASSWORD_OPTIONS, purpose),
            Purpose::DecryptKey => {
                self.key_password
                    .read_for(what, false, self.key_options, purpose)
            }
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
/// The encryption profile of a PKCS#12 file to write.
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

/// The container of a keystore file to write.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// PKCS#12 (.p12, .pfx): Java 9+, OpenSSL, Node, curl, Postman
    Pkcs12,
    /// Java KeyStore (.jks): Java before 9, and systems that ask for JKS
    Jks,
}

impl From<FormatArg> for crate::keystore::Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Pkcs12 => crate::keystore::Format::Pkcs12,
            FormatArg::Jks => crate::keystore::Format::Jks,
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
    /// Where the password of the file comes from.
    pub password: PasswordArgs,
    /// Write the file with an empty password (not recommended)
    #[arg(long, conflicts_with_all = ["password_file", "password_env"])]
    pub no_password: bool,
}

impl StoreArgs {
    /// The options of the keystore to write.
    pub fn options(&self) -> StoreOptions {
        StoreOptions {
            profile: self.profile.into(),
            no_password: self.no_password,
            format: None,
        }
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

/// How the key and its chain are taken from the input.
#[derive(Debug, Args, Clone)]
pub struct KeyChainArgs {
    /// Write the files even when the chain does not reach a root
    #[arg(long)]
    pub allow_incomplete: bool,
    #[command(flatten)]
    /// Where the password of an encrypted input key comes from.
    pub key_password: KeyPasswordArgs,
    #[command(flatten)]
    /// Where the chain's root may come from.
    pub roots: RootArgs,
}

impl KeyChainArgs {
    /// The options of the identity to take from the input.
    pub fn options(&self) -> IdentityOptions {
        IdentityOptions {
            allow_incomplete: self.allow_incomplete,
            roots: self.roots.options(),
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
/// The scenario to judge trust for.
pub enum ScenarioArg {
    /// Direct client-certificate call to an integration flow (btp-approved)
    Iflow,
    /// Certificate-based token request (xsuaa-x509)
    Token,
    /// Server chain a sender must trust (btp-required)
    Server,
}

impl From<ScenarioArg> for Scenario {
    fn from(s: ScenarioArg) -> Scenario {
        match s {
            ScenarioArg::Iflow => Scenario::Iflow,
            ScenarioArg::Token => Scenario::Token,
            ScenarioArg::Server => Scenario::Server,
        }
    }
}

/// Where roots come from, shared by verify, trust check and check-external.
#[derive(Debug, Args, Clone)]
pub struct RootArgs {
    /// Extra CA certificates to complete the chain with (PEM or DER); repeatable
    #[arg(long, value_name = "FILE")]
    pub roots: Vec<String>,
    /// Do not look for the root in the system's CA bundle
    #[arg(long)]
    pub no_system_roots: bool,
}

impl RootArgs {
    /// Where roots come from.
    pub fn options(&self) -> RootOptions {
        RootOptions {
            files: self.roots.clone(),
            system: !self.no_system_roots,
            fetch: false,
        }
    }
}

/// Fetching a missing intermediate: opt-in, btpcert stays offline without it.
#[derive(Debug, Args, Clone)]
pub struct FetchArgs {
    /// Fetch an intermediate missing from the chain from the caIssuers URL
    /// of the certificate it issued (plain HTTP, at most 1 MiB and 10 s
    /// each); off by default
    #[arg(long)]
    pub fetch_intermediates: bool,
}

impl FetchArgs {
    /// `roots`, fetching as asked.
    pub fn with(&self, roots: &RootArgs) -> RootOptions {
        RootOptions {
            fetch: self.fetch_intermediates,
            ..roots.options()
        }
    }
}

/// The one way a look-alike root (a certificate with the name of a CA SAP
/// lists, but another fingerprint) reaches a file: named by its SHA-256.
#[derive(Debug, Args, Clone)]
pub struct LookAlikeArgs {
    /// Write this certificate although it carries the name of a CA SAP lists
    /// but is another certificate (a look-alike); give its SHA-256 as
    /// btpcert prints it. Repeatable
    #[arg(long, value_name = "SHA256")]
    pub accept_look_alike: Vec<String>,
}

/// The time to check at: `--at`, or now.
pub fn at_or_now(at: &Option<String>) -> Result<OffsetDateTime> {
    match at {
        Some(s) => parse_time(s),
        None => Ok(OffsetDateTime::now_utc()),
    }
}

/// How to reach the token server and the endpoint.
#[derive(Debug, Args, Clone)]
pub struct ConnArgs {
    /// Client certificate (chain, leaf first) instead of the service key's
    #[arg(long, value_name = "FILE", conflicts_with = "p12")]
    pub cert: Option<String>,
    /// Private key of the client certificate (an External Certificate key holds none)
    #[arg(long, value_name = "FILE", conflicts_with = "p12")]
    pub key: Option<String>,
    /// Client certificate and key as PKCS#12 or JKS (password: --password-file/--password-env/--no-password or a prompt)
    #[arg(long, value_name = "FILE")]
    pub p12: Option<String>,
    #[command(flatten)]
    /// Where the password of a `--p12` file comes from.
    pub password: PasswordArgs,
    /// The --p12 file has the empty password: no prompt (probe: the truststore written gets it too)
    #[arg(long, conflicts_with_all = ["password_file", "password_env"])]
    pub no_password: bool,
    #[command(flatten)]
    /// Where the password of an encrypted `--key` comes from.
    pub key_password: KeyPasswordArgs,
    /// Send a certificate-based token request to the '.authentication.cert.' host
    #[arg(long)]
    pub cert_host: bool,
    /// Also trust this root certificate (a private test server); repeatable
    #[arg(long, value_name = "FILE")]
    pub ca: Vec<String>,
    /// Seconds the whole exchange (connections, token, call) may take, 1 to 86400
    #[arg(long, value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: u64,
}

impl ConnArgs {
    /// The connection options.
    pub fn options(&self) -> crate::ops::token::ConnOptions {
        crate::ops::token::ConnOptions {
            cert: self.cert.clone(),
            key: self.key.clone(),
            p12: self.p12.clone(),
            cert_host: self.cert_host,
            ca: self.ca.clone(),
            timeout: std::time::Duration::from_secs(self.timeout),
        }
    }

    /// Where the passwords come from.
    pub fn secrets(&self) -> CliSecrets {
        CliSecrets::new(&self.password)
            .with_key_password(&self.key_password)
            .open_empty(OpenEmptyArgs {
                no_password: self.no_password,
            })
    }
}
