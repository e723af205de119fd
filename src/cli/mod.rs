//! The command line: parses arguments with clap, turns them into plain
//! options for the library, and maps the outcome to an exit code
//! (0 ok, 1 problems found, 2 usage or input error).

use std::io::Write;

use clap::{Parser, Subcommand};

use crate::error::{Error, ExitStatus, Result, EXIT_OK};
use crate::ops::Outcome;

pub mod args;
mod audit;
mod chain;
mod check_external;
mod connectivity;
mod csr;
mod docs;
mod extract;
mod inspect;
mod instance;
mod key_params;
mod p12;
mod postman;
mod probe;
mod serve;
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
/// The command line, as clap parses it.
pub struct Cli {
    #[command(subcommand)]
    /// The subcommand to run.
    pub command: Command,
}

#[derive(Debug, Subcommand)]
/// Every subcommand.
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
    /// A new key and certificate signing request for an External Certificate key
    Csr(csr::CsrArgs),
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
    /// Ask the key's real endpoints: TLS, client certificate, token, call; say what a refusal means
    Probe(probe::ProbeArgs),
    /// A page on this machine: paste a key, see its chain and verdicts, download the files
    Serve(serve::ServeArgs),
    /// Print shell completions
    Completions(docs::CompletionsArgs),
    /// Print the manual page, or write all pages into a folder
    Man(docs::ManArgs),
}

/// Parses the command line, runs the command, returns the exit code.
///
/// A panic (a bug) prints one line without its message, which could hold a
/// secret, and ends with the internal-error status.
pub fn run() -> i32 {
    std::panic::set_hook(Box::new(|_| {
        let _ = writeln!(
            std::io::stderr(),
            "btpcert: internal error: btpcert stopped on a bug; please report it (details are not shown: they could hold secrets)"
        );
    }));
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if let Some(payload) = std::env::var_os("BTPCERT_TEST_PANIC") {
            // For tests of the hook above: a panic whose text must not show.
            panic!("{}", payload.to_string_lossy());
        }
        dispatch(cli.command, &mut out)
    }));
    let Ok(result) = result else {
        return ExitStatus::Internal.code();
    };
    match result {
        // A closed standard output loses the rest of the output, not the status.
        Ok(code) => match out.flush() {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                let _ = writeln!(std::io::stderr(), "btpcert: standard output: {e}");
                ExitStatus::Input.code()
            }
            _ => code,
        },
        Err(e) if e.is_broken_pipe() => EXIT_OK,
        Err(e) => {
            for n in e.notes() {
                note(crate::sanitize::sanitize(n));
            }
            let _ = writeln!(std::io::stderr(), "btpcert: {e}");
            e.exit_code()
        }
    }
}

#[allow(clippy::useless_conversion)] // until every command returns ExitStatus
fn dispatch(command: Command, out: &mut dyn Write) -> Result<i32> {
    match command {
        Command::Extract(a) => extract::run(a, out).map(i32::from),
        Command::Unescape(a) => unescape::run(a, out).map(i32::from),
        Command::Inspect(a) => inspect::run(a, out).map(i32::from),
        Command::Verify(a) => verify::run(a, out).map(i32::from),
        Command::Chain(a) => chain::run(a, out).map(i32::from),
        Command::Trust(a) => trust::run(a, out).map(i32::from),
        Command::CheckExternal(a) => check_external::run(a, out).map(i32::from),
        Command::Csr(a) => csr::run(a, out).map(i32::from),
        Command::P12(a) => p12::run(a, out).map(i32::from),
        Command::Truststore(a) => truststore::run(a, out).map(i32::from),
        Command::Postman(a) => postman::run(a, out).map(i32::from),
        Command::Connectivity(a) => connectivity::run(a, out).map(i32::from),
        Command::Instance(a) => instance::run(a, out).map(i32::from),
        Command::KeyParams(a) => key_params::run(a, out).map(i32::from),
        Command::Audit(a) => audit::run(a, out).map(i32::from),
        Command::Token(a) => token::run(a, out).map(i32::from),
        Command::Call(a) => token::call(a, out).map(i32::from),
        Command::Probe(a) => probe::run(a, out).map(i32::from),
        Command::Serve(a) => serve::run(a, out).map(i32::from),
        Command::Completions(a) => docs::completions(a, out).map(i32::from),
        Command::Man(a) => docs::man(a, out).map(i32::from),
    }
}

/// The one path every command ends with: write the planned files (all or
/// none), print the notes, then render the outcome, as JSON when
/// `json` is `Some(true)`, else for people, and return its exit status.
/// `json` is `None` for commands without `--json`.
pub fn finish<O: Outcome + serde::Serialize>(
    out: &mut dyn Write,
    outcome: &O,
    force: bool,
    json: Option<bool>,
    render: fn(&mut dyn Write, &O) -> std::io::Result<()>,
) -> Result<ExitStatus> {
    crate::write::write_all(outcome.files(), force)?;
    for n in outcome.notes() {
        note(crate::sanitize::sanitize(n));
    }
    let shown = if json == Some(true) {
        print_json(out, outcome)
    } else {
        render(out, outcome).map_err(Error::Stdout)
    };
    match shown {
        // `btpcert verify ... | head`: the reader left; the verdict stands.
        Err(e) if !e.is_broken_pipe() => Err(e),
        _ => Ok(outcome.exit_status()),
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

/// Like [`finish`], with report files (`--html`, `--prometheus`) written
/// together with the outcome's own files, all or none; the output and the
/// exit status are the outcome's.
pub fn finish_with<O: Outcome + serde::Serialize>(
    out: &mut dyn Write,
    outcome: &O,
    reports: Vec<crate::write::Planned>,
    force: bool,
    json: Option<bool>,
    render: fn(&mut dyn Write, &O) -> std::io::Result<()>,
) -> Result<ExitStatus> {
    if reports.is_empty() {
        return finish(out, outcome, force, json, render);
    }
    let files = outcome.files().iter().cloned().chain(reports).collect();
    let with = WithReports {
        outcome,
        files,
        render,
    };
    finish(out, &with, force, json, render_with_reports::<O>)
}

/// An outcome with report files beside its own.
struct WithReports<'a, O> {
    outcome: &'a O,
    files: Vec<crate::write::Planned>,
    render: fn(&mut dyn Write, &O) -> std::io::Result<()>,
}

impl<O: serde::Serialize> serde::Serialize for WithReports<'_, O> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.outcome.serialize(s)
    }
}

impl<O: Outcome> Outcome for WithReports<'_, O> {
    fn exit_status(&self) -> ExitStatus {
        self.outcome.exit_status()
    }
    fn notes(&self) -> &[String] {
        self.outcome.notes()
    }
    fn files(&self) -> &[crate::write::Planned] {
        &self.files
    }
}

fn render_with_reports<O>(out: &mut dyn Write, w: &WithReports<'_, O>) -> std::io::Result<()> {
    (w.render)(out, w.outcome)
}
