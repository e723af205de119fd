//! Where passwords come from: a terminal prompt, a file, or an environment
//! variable the user names. Never from the command line itself.

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::error::{Error, Result};

/// A password; its `Debug` never shows the value.
#[derive(Clone)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl Password {
    pub fn new(s: impl Into<String>) -> Password {
        Password(s.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Debug, Clone)]
pub enum PasswordSource {
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
    /// errors; `confirm` asks twice on a terminal (for new keystores).
    pub fn read(&self, what: &str, confirm: bool) -> Result<Password> {
        match self {
            PasswordSource::File(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
                let line = text.lines().next().unwrap_or("");
                if line.is_empty() {
                    return Err(Error::input(format!(
                        "{}: the password file is empty",
                        path.display()
                    )));
                }
                Ok(Password(line.to_string()))
            }
            PasswordSource::Env(name) => match std::env::var(name) {
                Ok(v) if !v.is_empty() => Ok(Password(v)),
                Ok(_) => Err(Error::input(format!(
                    "environment variable {name} is empty"
                ))),
                Err(std::env::VarError::NotPresent) => Err(Error::input(format!(
                    "environment variable {name} is not set"
                ))),
                Err(std::env::VarError::NotUnicode(_)) => Err(Error::input(format!(
                    "environment variable {name} is not valid UTF-8"
                ))),
            },
            PasswordSource::Prompt => prompt(what, confirm),
        }
    }
}

fn prompt(what: &str, confirm: bool) -> Result<Password> {
    let no_tty = || {
        Error::usage(format!(
            "{what}: no terminal to ask for the password; use --password-file FILE or --password-env NAME"
        ))
    };
    // Only prompt when a person is at the terminal: a script with a closed
    // or redirected standard input must say where the password is.
    if !std::io::stdin().is_terminal() {
        return Err(no_tty());
    }
    let first = rpassword::prompt_password(format!("{what}: ")).map_err(|_| no_tty())?;
    if first.is_empty() {
        return Err(Error::input(format!("{what}: empty password")));
    }
    if confirm {
        let second =
            rpassword::prompt_password(format!("{what} (again): ")).map_err(|_| no_tty())?;
        if second != first {
            return Err(Error::input(format!("{what}: the two passwords differ")));
        }
    }
    Ok(Password(first))
}
