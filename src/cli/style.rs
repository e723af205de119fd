//! Checklist marks and colour for human output. Colour only on a terminal,
//! and never when NO_COLOR is set (<https://no-color.org>).

use std::io::IsTerminal;

#[derive(Debug, Clone, Copy)]
pub struct Style {
    colour: bool,
}

impl Style {
    /// Colour decided from standard output and the environment.
    pub fn detect() -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            colour: !no_color && std::io::stdout().is_terminal(),
        }
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    pub fn ok(&self) -> String {
        self.paint("32", "✓")
    }

    pub fn bad(&self) -> String {
        self.paint("31", "✗")
    }

    pub fn warn(&self) -> String {
        self.paint("33", "!")
    }

    pub fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
}

use crate::check::{Check, Status};

impl Style {
    pub fn mark(&self, s: Status) -> String {
        match s {
            Status::Ok => self.ok(),
            Status::Warn => self.warn(),
            Status::Fail => self.bad(),
        }
    }

    /// One line per check: `  ✓ message`.
    pub fn checks(
        &self,
        out: &mut dyn std::io::Write,
        indent: &str,
        checks: &[Check],
    ) -> std::io::Result<()> {
        for c in checks {
            writeln!(
                out,
                "{indent}{} {}",
                self.mark(c.status),
                crate::sanitize::sanitize(&c.message)
            )?;
        }
        Ok(())
    }
}
