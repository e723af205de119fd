//! Secrets: passwords, client secrets and tokens. A [`Secret`] never shows
//! its value in `Debug`; the library asks for one through [`SecretSource`],
//! which the command line implements (a prompt, a file, an environment
//! variable), so nothing below the command line prompts or reads a
//! password on its own.

use crate::error::{Error, Result};

/// A password, client secret or token; its `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl Secret {
    /// Wraps a value.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The empty password (`--no-password`).
    pub fn empty() -> Secret {
        Secret(String::new())
    }

    /// The value, to hand to OpenSSL or an HTTP header. Never print it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The value as bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Checks that the value can be a password for OpenSSL, which takes C
    /// strings: a NUL byte would cut it short. `what` names the password.
    pub fn check_password(&self, what: &str) -> Result<()> {
        if self.0.contains('\0') {
            return Err(Error::input(format!(
                "{what}: the password holds a NUL byte, which no PKCS#12 or PEM password may hold"
            )));
        }
        Ok(())
    }
}

/// What a secret is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// To open a keystore that exists (asked once).
    Open,
    /// To protect a new keystore or key (asked twice on a terminal).
    Create,
    /// To decrypt an encrypted private key given as input.
    DecryptKey,
}

/// Where secrets come from; the command line implements it.
pub trait SecretSource {
    /// The secret described by `what` (shown in a prompt and in errors).
    fn secret(&self, what: &str, purpose: Purpose) -> Result<Secret>;
}

/// A source that always gives the same secret: for tests, and for callers
/// that already hold it.
#[derive(Debug, Clone)]
pub struct Fixed(pub Secret);

impl SecretSource for Fixed {
    fn secret(&self, _what: &str, _purpose: Purpose) -> Result<Secret> {
        Ok(self.0.clone())
    }
}

/// A source for commands that must not need a secret: any request fails.
#[derive(Debug, Clone, Copy)]
pub struct NoSecrets;

impl SecretSource for NoSecrets {
    fn secret(&self, what: &str, _purpose: Purpose) -> Result<Secret> {
        Err(Error::usage(format!("{what}: no password was given")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_value() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn a_nul_byte_is_refused_without_showing_the_password() {
        let e = Secret::new("abc\0def")
            .check_password("password of x.p12")
            .unwrap_err();
        let text = e.to_string();
        assert!(text.contains("NUL"), "{text}");
        assert!(!text.contains("abc") && !text.contains("def"), "{text}");
        assert!(Secret::new("abc").check_password("x").is_ok());
    }
}
