//! The command line: parses arguments with clap, turns them into plain
//! options for the library, and maps the outcome to an exit code
//! (0 ok, 1 problems found, 2 usage or input error).

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::error::{Error, Result, EXIT_OK};
use crate::secret::PasswordSource;

mod audit;
mod chain;
mod check_external;
mod connectivity;
mod docs;
mod extract;
mod inspect;
mod instance;
mod key_params;
mod p12;
mod postman;
pub mod style;
mod token;
mod trust;
mod truststore;
mod unescape;
mod verify;

#[derive(Debug, Parser)]
#[command(
    name = "btpcert",
    version,
    about = "Turn SAP BTP service keys into working certificate files",
    long_about = "Turn SAP BTP service keys into working certificate files: extract PEM files, \
                  inspect certificates and keys, and say clearly what is wrong before the TLS \
                  handshake does.\n\nExit codes: 0 ok, 1 problems found, 2 usage or input error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write certificate.pem and key.pem from a service key
    Extract(extract::ExtractArgs),
    /// Turn text with literal \n into proper PEM
    Unescape(unescape::UnescapeArgs),
    /// Show what files hold: service keys, certificates, keys
    Inspect(inspect::InspectArgs),
    /// Check a chain, its key and SAP's trust for a scenario
    Verify(verify::VerifyArgs),
    /// Order and split certificate chains
    Chain(chain::ChainArgs),
    /// SAP's trust lists: list them, or check a chain against one
    Trust(trust::TrustArgs),
    /// Check a certificate for an External Certificate key and print its parameters
    CheckExternal(check_external::CheckExternalArgs),
    /// Write a PKCS#12 keystore with the private key and the whole chain
    P12(p12::P12Args),
    /// Write a PKCS#12 truststore of CA certificates that Java reads
    Truststore(truststore::TruststoreArgs),
    /// Write everything Postman and newman need from one service key
    Postman(postman::PostmanArgs),
    /// Find the root in a Connectivity Test .zip; write it or add it to a truststore
    Connectivity(connectivity::ConnectivityArgs),
    /// Check or migrate service instance parameters (deprecated client_x509 grant)
    Instance(instance::InstanceArgs),
    /// Creation parameters for a new External Certificate key from an old key
    KeyParams(key_params::KeyParamsArgs),
    /// Report on folders of service keys, certificates, instance parameters and zips
    Audit(audit::AuditArgs),
    /// Get an OAuth token with the service key, as Postman does
    Token(token::TokenArgs),
    /// Get a token, then call the endpoint with it
    Call(token::CallArgs),
    /// Print shell completions
    Completions(docs::CompletionsArgs),
    /// Print the manual page, or write all pages into a folder
    Man(docs::ManArgs),
}

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
    pub fn source(&self) -> PasswordSource {
        PasswordSource::from_options(&self.password_file, &self.password_env)
    }
}

/// Parses the command line, runs the command, returns the exit code.
pub fn run() -> i32 {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = dispatch(cli.command, &mut out).and_then(|code| {
        out.flush()?;
        Ok(code)
    });
    match result {
        Ok(code) => code,
        Err(e) if e.is_broken_pipe() => EXIT_OK,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "btpcert: {e}");
            e.exit_code()
        }
    }
}

fn dispatch(command: Command, out: &mut dyn Write) -> Result<i32> {
    match command {
        Command::Extract(a) => extract::run(a, out),
        Command::Unescape(a) => unescape::run(a, out),
        Command::Inspect(a) => inspect::run(a, out),
        Command::Verify(a) => verify::run(a, out),
        Command::Chain(a) => chain::run(a, out),
        Command::Trust(a) => trust::run(a, out),
        Command::CheckExternal(a) => check_external::run(a, out),
        Command::P12(a) => p12::run(a, out),
        Command::Truststore(a) => truststore::run(a, out),
        Command::Postman(a) => postman::run(a, out),
        Command::Connectivity(a) => connectivity::run(a, out),
        Command::Instance(a) => instance::run(a, out),
        Command::KeyParams(a) => key_params::run(a, out),
        Command::Audit(a) => audit::run(a, out),
        Command::Token(a) => token::run(a, out),
        Command::Call(a) => token::call(a, out),
        Command::Completions(a) => docs::completions(a, out),
        Command::Man(a) => docs::man(a, out),
    }
}

/// Prints a note or warning for the user on standard error.
pub fn note(msg: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr(), "btpcert: {msg}");
}

/// Writes a value as pretty JSON followed by a newline.
pub fn print_json(out: &mut dyn Write, value: &impl serde::Serialize) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(|e| Error::Stdout(e.into()))?;
    writeln!(out)?;
    Ok(())
}
