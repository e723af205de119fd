//! Checklist marks and colour for human output. Colour only on a terminal,
//! and never when NO_COLOR is set (<https://no-color.org>).

use std::io::IsTerminal;

use crate::check::{Check, Status};

/// Whether marks and headings are coloured.
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

    /// The mark of a passed check: `✓`, green.
    pub fn ok(&self) -> String {
        self.paint("32", "✓")
    }

    /// The mark of a failed check: `✗`, red.
    pub fn bad(&self) -> String {
        self.paint("31", "✗")
    }

    /// The mark of a warning: `!`, yellow.
    pub fn warn(&self) -> String {
        self.paint("33", "!")
    }

    /// A heading, in bold.
    pub fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }

    /// The mark of a status.
    pub fn mark(&self, s: Status) -> String {
        match s {
            Status::Ok => self.ok(),
            Status::Warn => self.warn(),
            Status::Fail => self.bad(),
        }
    }

    /// One line per check: `{indent}✓ message`.
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

/// `s` after a count other than one: `1 warning`, `2 warnings`.
pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
