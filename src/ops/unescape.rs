//! `unescape`: pasted text with literal `\n` (from JSON, a chat, a ticket)
//! in, proper PEM out, every certificate and key checked on the way.

use std::path::PathBuf;

use serde::Serialize;

use crate::error::{ExitStatus, Result};
use crate::input;
use crate::ops::Outcome;
use crate::write::Planned;
use crate::x509::key::is_key_label;
use crate::x509::material::material_from_text;
use crate::x509::pem as pemtext;

/// What to unescape, and where to.
#[derive(Debug, Clone)]
pub struct UnescapeOptions {
    /// The text; `-` for standard input.
    pub input: String,
    /// The file to write; `None` for standard output.
    pub output: Option<PathBuf>,
}

/// The PEM text, and the file it goes to.
#[derive(Debug, Serialize)]
pub struct UnescapeOutcome {
    /// The input as named (`<stdin>` for `-`).
    pub input: String,
    /// PEM blocks found.
    pub blocks: usize,
    /// Whether a private key is among them.
    pub private_key: bool,
    /// The file written; `None` when the PEM goes to standard output.
    pub output: Option<String>,
    /// The PEM text, one block after the other.
    #[serde(skip)]
    pub pem: String,
    /// What the user should know.
    #[serde(skip)]
    pub notes: Vec<String>,
    /// The file, planned (mode 0600 when it holds a private key).
    #[serde(skip)]
    pub files: Vec<Planned>,
}

impl Outcome for UnescapeOutcome {
    fn exit_status(&self) -> ExitStatus {
        ExitStatus::Ok
    }
    fn notes(&self) -> &[String] {
        &self.notes
    }
    fn files(&self) -> &[Planned] {
        &self.files
    }
}

/// Reads the text, decodes every PEM block (certificates and keys must also
/// parse) and plans the file, if one is asked for.
pub fn run(opts: &UnescapeOptions) -> Result<UnescapeOutcome> {
    let (name, text) = input::read_text(&opts.input)?;
    let blocks = pemtext::parse_blocks(&text).map_err(|e| e.with_path(&name))?;
    let known: String = blocks
        .iter()
        .filter(|b| matches!(b.tag(), "CERTIFICATE" | "X509 CERTIFICATE") || is_key_label(b.tag()))
        .map(pemtext::encode)
        .collect();
    if !known.is_empty() {
        let _ = material_from_text(&known).map_err(|e| e.with_path(&name))?;
    }
    let private_key = blocks.iter().any(|b| is_key_label(b.tag()));
    let pem: String = blocks.iter().map(pemtext::encode).collect();
    let mut outcome = UnescapeOutcome {
        input: name,
        blocks: blocks.len(),
        private_key,
        output: None,
        pem,
        notes: Vec::new(),
        files: Vec::new(),
    };
    if let Some(path) = &opts.output {
        let shown = path.display().to_string();
        outcome.notes.push(format!(
            "wrote {} PEM block{} to {shown}",
            blocks.len(),
            if blocks.len() == 1 { "" } else { "s" },
        ));
        outcome.files.push(if private_key {
            Planned::secret(path, outcome.pem.clone())
        } else {
            Planned::public(path, outcome.pem.clone())
        });
        outcome.output = Some(shown);
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/sample-root.pem");
    const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/service-key.json");

    fn pasted(text: &str) -> (tempfile::TempDir, String) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pasted.txt");
        std::fs::write(&file, text.replace('\n', "\\n")).unwrap();
        let name = file.display().to_string();
        (dir, name)
    }

    #[test]
    fn literal_newlines_become_pem_for_standard_output() {
        let root = std::fs::read_to_string(ROOT).unwrap();
        let (_dir, input) = pasted(&root);
        let o = run(&UnescapeOptions {
            input,
            output: None,
        })
        .unwrap();
        assert_eq!(o.pem, root);
        assert_eq!((o.blocks, o.private_key), (1, false));
        assert!(o.files.is_empty() && o.notes.is_empty() && o.output.is_none());
        assert_eq!(o.exit_status(), ExitStatus::Ok);
    }

    #[test]
    fn a_private_key_is_planned_with_mode_0600() {
        let key = input::load(SAMPLE).unwrap().key.unwrap().to_pem();
        let (_dir, input) = pasted(&key);
        let o = run(&UnescapeOptions {
            input,
            output: Some("key.pem".into()),
        })
        .unwrap();
        assert!(o.private_key);
        assert_eq!(o.files.len(), 1);
        assert!(o.files[0].secret);
        assert_eq!(o.files[0].contents, key.as_bytes());
        assert_eq!(o.notes, ["wrote 1 PEM block to key.pem"]);
    }

    #[test]
    fn text_without_pem_is_an_error() {
        let (_dir, input) = pasted("hello\nworld");
        let e = run(&UnescapeOptions {
            input,
            output: None,
        })
        .unwrap_err();
        assert!(e.to_string().contains("no PEM block found"), "{e}");
    }
}
