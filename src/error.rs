//! The one error type of btpcert, and the exit status it maps to.
//!
//! Every message names where the problem is and what is wrong, in words a
//! user can act on. Where lives in the context variants ([`Error::WithPath`],
//! [`Error::WithField`], [`Error::WithBlock`]), added on the way up as
//! ripgrep's `ignore::Error` does, so `key.json: oauth.certificate: block 2
//! (CERTIFICATE): ...` is built from structure, not from string prefixes.
//! `main` prints it once, prefixed with `btpcert:`, and exits with
//! [`Error::exit_status`].

use std::fmt;
use std::io;
use std::path::Path;

/// How a run ended, as the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: everything checked out.
    Ok = 0,
    /// 1: the command ran, and found problems the user has to act on.
    Problems = 1,
    /// 2: bad usage or unreadable input; nothing was done.
    Input = 2,
    /// 3: btpcert itself failed (an OpenSSL error while building a keystore,
    /// say); the input was fine.
    Internal = 3,
}

impl ExitStatus {
    /// `Problems` when `problems`, else `Ok`.
    pub fn problems_if(problems: bool) -> ExitStatus {
        if problems {
            ExitStatus::Problems
        } else {
            ExitStatus::Ok
        }
    }

    /// The process exit code.
    pub fn code(self) -> i32 {
        self as i32
    }
}

impl From<ExitStatus> for i32 {
    fn from(s: ExitStatus) -> i32 {
        s.code()
    }
}

/// Exit code: everything checked out.
pub const EXIT_OK: i32 = ExitStatus::Ok as i32;
/// Exit code: the command ran, and found problems the user has to act on.
pub const EXIT_PROBLEMS: i32 = ExitStatus::Problems as i32;
/// Exit code: bad usage or unreadable input; nothing was done.
pub const EXIT_INPUT: i32 = ExitStatus::Input as i32;

/// Everything that can go wrong, with where it went wrong.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that cannot be used as it is: malformed JSON, PEM, DER, zip...
    #[error("{0}")]
    Input(String),
    /// A combination of options or arguments that does not make sense.
    #[error("{0}")]
    Usage(String),
    /// A file could not be read or written.
    #[error("{}: {}", .path, io_reason(.source))]
    Io {
        /// The file, as the user named it.
        path: String,
        /// What the system said.
        source: io::Error,
    },
    /// Writing to standard output failed (a closed pipe is not reported).
    #[error("standard output: {0}")]
    Stdout(io::Error),
    /// The command ran and the other side said no: a rejected handshake, a
    /// refused token, an unreachable server. Exit status 1.
    #[error("{0}")]
    Failed(String),
    /// btpcert failed on good input (an OpenSSL error while building a
    /// keystore). Exit status 3.
    #[error("{0}")]
    Internal(String),
    /// An error in a file (or `<stdin>`).
    #[error("{path}: {err}")]
    WithPath {
        /// The file, as the user named it, made safe to print.
        path: String,
        /// What went wrong in it.
        err: Box<Error>,
    },
    /// An error in a field of a JSON document, e.g. `oauth.certificate`.
    #[error("{field}: {err}")]
    WithField {
        /// The field's path in the document.
        field: String,
        /// What went wrong in it.
        err: Box<Error>,
    },
    /// An error after which the user should still see some notes (a hint
    /// gathered before the failure). Shows as the error; the notes are
    /// printed before it.
    #[error("{err}")]
    WithNotes {
        /// Notes to print first.
        notes: Vec<String>,
        /// What went wrong.
        err: Box<Error>,
    },
    /// An error in the n-th PEM block of a text.
    #[error("block {block} ({label}): {err}")]
    WithBlock {
        /// 1 for the first block.
        block: usize,
        /// The block's PEM label.
        label: String,
        /// What went wrong in it.
        err: Box<Error>,
    },
}

/// The result of everything in btpcert.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Input that cannot be used.
    pub fn input(msg: impl Into<String>) -> Self {
        Error::Input(msg.into())
    }

    /// Options that do not fit together.
    pub fn usage(msg: impl Into<String>) -> Self {
        Error::Usage(msg.into())
    }

    /// The other side said no.
    pub fn failed(msg: impl Into<String>) -> Self {
        Error::Failed(msg.into())
    }

    /// btpcert failed on good input.
    pub fn internal(msg: impl Into<String>) -> Self {
        Error::Internal(msg.into())
    }

    /// A file that could not be read or written.
    pub fn io(path: impl AsRef<Path>, source: io::Error) -> Self {
        Error::Io {
            path: crate::sanitize::sanitize(&path.as_ref().display().to_string()).into_owned(),
            source,
        }
    }

    /// This error happened in the file `path`.
    pub fn with_path(self, path: impl fmt::Display) -> Self {
        Error::WithPath {
            path: crate::sanitize::sanitize(&path.to_string()).into_owned(),
            err: Box::new(self),
        }
    }

    /// This error happened in the JSON field `field`.
    pub fn with_field(self, field: impl Into<String>) -> Self {
        Error::WithField {
            field: field.into(),
            err: Box::new(self),
        }
    }

    /// This error happened in PEM block `block` labelled `label`.
    pub fn with_block(self, block: usize, label: impl Into<String>) -> Self {
        Error::WithBlock {
            block,
            label: label.into(),
            err: Box::new(self),
        }
    }

    /// Notes the user should see before this error; nothing when `notes`
    /// is empty.
    pub fn with_notes(self, notes: Vec<String>) -> Self {
        if notes.is_empty() {
            return self;
        }
        Error::WithNotes {
            notes,
            err: Box::new(self),
        }
    }

    /// The notes to print before the error.
    pub fn notes(&self) -> &[String] {
        match self {
            Error::WithNotes { notes, .. } => notes,
            Error::WithPath { err, .. }
            | Error::WithField { err, .. }
            | Error::WithBlock { err, .. } => err.notes(),
            _ => &[],
        }
    }

    /// The error without its context.
    pub fn root(&self) -> &Error {
        match self {
            Error::WithPath { err, .. }
            | Error::WithField { err, .. }
            | Error::WithBlock { err, .. }
            | Error::WithNotes { err, .. } => err.root(),
            other => other,
        }
    }

    /// The exit status this error ends the run with.
    pub fn exit_status(&self) -> ExitStatus {
        match self.root() {
            Error::Failed(_) => ExitStatus::Problems,
            Error::Internal(_) => ExitStatus::Internal,
            _ => ExitStatus::Input,
        }
    }

    /// The process exit code of [`Error::exit_status`].
    pub fn exit_code(&self) -> i32 {
        self.exit_status().code()
    }

    /// True for a closed standard output (`btpcert inspect x | head -1`).
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self.root(), Error::Stdout(e) if e.kind() == io::ErrorKind::BrokenPipe)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_reads_outside_in() {
        let e = Error::input("character '%' is not base64")
            .with_block(2, "CERTIFICATE")
            .with_field("oauth.certificate")
            .with_path("key.json");
        assert_eq!(
            e.to_string(),
            "key.json: oauth.certificate: block 2 (CERTIFICATE): character '%' is not base64"
        );
        assert_eq!(e.exit_status(), ExitStatus::Input);
    }

    #[test]
    fn exit_status_follows_the_root_cause() {
        assert_eq!(
            Error::failed("no").with_path("x").exit_status(),
            ExitStatus::Problems
        );
        assert_eq!(Error::internal("x").exit_code(), 3);
        let pipe = Error::Stdout(io::Error::from(io::ErrorKind::BrokenPipe)).with_path("-");
        assert!(pipe.is_broken_pipe());
    }

    #[test]
    fn paths_are_made_safe_to_print() {
        let e = Error::input("bad").with_path("a\x1b[2Jb");
        assert!(!e.to_string().contains('\x1b'));
    }
}
