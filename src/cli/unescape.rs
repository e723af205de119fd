//! `btpcert unescape`: pasted text with literal `\n` in, proper PEM out.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;

use super::args::ForceArgs;
use crate::error::{Error, Result, EXIT_OK};
use crate::input;
use crate::sanitize::sanitize;
use crate::write::{write_all, Planned};
use crate::x509::key::is_key_label;
use crate::x509::material::material_from_text;
use crate::x509::pem as pemtext;

#[derive(Debug, Args)]
pub struct UnescapeArgs {
    /// Text holding PEM blocks, with or without literal \n; - or nothing for stdin
    #[arg(value_name = "FILE", default_value = "-")]
    pub input: String,
    /// Write to FILE instead of standard output (mode 0600 when it holds a private key)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub force: ForceArgs,
}

pub fn run(args: UnescapeArgs, out: &mut dyn Write) -> Result<i32> {
    let (name, bytes) = input::read_source(&args.input)?;
    let name = sanitize(&name).into_owned();
    let text = input::decode_text(&bytes)
        .ok_or_else(|| Error::input(format!("{name}: not text (neither UTF-8 nor UTF-16)")))?;
    let blocks = pemtext::parse_blocks(&text).map_err(|e| e.with_path(&name))?;
    // Certificates and keys must also parse, not only decode.
    let known: String = blocks
        .iter()
        .filter(|b| matches!(b.tag(), "CERTIFICATE" | "X509 CERTIFICATE") || is_key_label(b.tag()))
        .map(pemtext::encode)
        .collect();
    if !known.is_empty() {
        let _ = material_from_text(&known).map_err(|e| e.with_path(&name))?;
    }
    let has_key = blocks.iter().any(|b| is_key_label(b.tag()));
    let pem: String = blocks.iter().map(pemtext::encode).collect();
    match &args.output {
        Some(path) => {
            let file = if has_key {
                Planned::secret(path, pem)
            } else {
                Planned::public(path, pem)
            };
            write_all(&[file], args.force.force)?;
            super::note(format!(
                "wrote {} PEM block{} to {}",
                blocks.len(),
                if blocks.len() == 1 { "" } else { "s" },
                sanitize(&path.display().to_string())
            ));
        }
        None => {
            if has_key && std::io::stdout().is_terminal() {
                return Err(Error::usage(format!(
                    "{name}: holds a private key; write it to a file with -o FILE (mode 0600) or pipe the output"
                )));
            }
            out.write_all(pem.as_bytes())?;
        }
    }
    Ok(EXIT_OK)
}
