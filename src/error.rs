//! The one error type of btpcert, and the exit codes it maps to.
//!
//! Every message names where the problem is (file, JSON field, PEM block) and
//! what is wrong, in words a user can act on. `main` prints it once, prefixed
//! with `btpcert:`, and exits with [`Error::exit_code`].

use std::io;
use std::path::Path;

/// Exit code: everything checked out.
pub const EXIT_OK: i32 = 0;
/// Exit code: the command ran, and found problems the user has to act on.
pub const EXIT_PROBLEMS: i32 = 1;
/// Exit code: bad usage or unreadable input; nothing was done.
pub const EXIT_INPUT: i32 = 2;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that cannot be used as it is: malformed JSON, PEM, DER, zip...
    #[error("{0}")]
    Input(String),
    /// A combination of options or arguments that does not make sense.
    #[error("{0}")]
    Usage(String),
    /// A file could not be read or written.
    #[error("{path}: {}", io_reason(.source))]
    Io { path: String, source: io::Error },
    /// Writing to standard output failed (a closed pipe is not reported).
    #[error("standard output: {0}")]
    Stdout(io::Error),
    /// The command ran and the other side said no: a rejected handshake, a
    /// refused token, an unreachable server. Exit code 1.
    #[error("{0}")]
    Failed(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn input(msg: impl Into<String>) -> Self {
        Error::Input(msg.into())
    }

    pub fn usage(msg: impl Into<String>) -> Self {
        Error::Usage(msg.into())
    }

    pub fn io(path: impl AsRef<Path>, source: io::Error) -> Self {
        Error::Io {
            path: path.as_ref().display().to_string(),
            source,
        }
    }

    /// Puts `prefix: ` in front of the message (a file name, a field path).
    pub fn context(self, prefix: impl std::fmt::Display) -> Self {
        match self {
            Error::Input(m) => Error::Input(format!("{prefix}: {m}")),
            Error::Usage(m) => Error::Usage(format!("{prefix}: {m}")),
            other => other,
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Failed(_) => EXIT_PROBLEMS,
            _ => EXIT_INPUT,
        }
    }

    /// True for a closed standard output (`btpcert inspect x | head -1`).
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Stdout(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl From<io::Error> for Error {
    /// Only for writes to standard output: file errors carry their path.
    fn from(e: io::Error) -> Self {
        Error::Stdout(e)
    }
}

fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::AlreadyExists => "already exists (use --force to overwrite it)".into(),
        _ => {
            // Drop the "(os error N)" tail: it means nothing to a user.
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    }
}

/// Turns an OpenSSL error stack into one short phrase.
pub fn openssl_reason(e: &openssl::error::ErrorStack) -> String {
    let reasons: Vec<String> = e
        .errors()
        .iter()
        .filter_map(|err| err.reason().map(str::to_string))
        .collect();
    if reasons.is_empty() {
        "OpenSSL gave no reason".into()
    } else {
        reasons.join("; ")
    }
}
