//! Turns pasted PEM text, in any shape users have it, into decoded blocks.
//!
//! Service keys carry PEM with JSON escapes; users copy values out of a
//! displayed key and get literal `\n` (two characters), CRLF, trailing blanks,
//! a PEM on one line, or two blocks run together. [`normalize`] undoes all
//! that and [`parse_blocks`] finds every block, checks it, and decodes it with
//! the `pem` crate. Unlike `pem::parse_many`, a truncated block, an END line
//! without BEGIN, or text with no PEM at all is an error, never an empty or
//! shortened success.

use crate::error::{Error, Result};

const BEGIN: &str = "-----BEGIN ";
const END: &str = "-----END ";
const DASHES: &str = "-----";

/// Replaces literal escape sequences left in pasted text (`\n`, `\r\n`,
/// `\\n`, `\/`, `\t`) by what they stand for, and CRLF or CR by LF.
pub fn normalize(text: &str) -> String {
    normalized(text).into_owned()
}

/// [`normalize`], borrowing text that needs no change (the common case).
fn normalized(text: &str) -> std::borrow::Cow<'_, str> {
    if memchr::memchr2(b'\\', b'\r', text.as_bytes()).is_none() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            // A run of backslashes (double-escaped JSON) followed by n, r, t or /.
            let mut run = 1;
            while chars.peek() == Some(&'\\') {
                chars.next();
                run += 1;
            }
            match chars.peek() {
                Some('n') => {
                    chars.next();
                    out.push('\n');
                }
                Some('r') => {
                    chars.next();
                }
                Some('t') => {
                    chars.next();
                    out.push(' ');
                }
                Some('/') => {
                    chars.next();
                    out.push('/');
                }
                _ => out.extend(std::iter::repeat_n('\\', run)),
            }
        } else if c == '\r' {
            if chars.peek() != Some(&'\n') {
                out.push('\n');
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// True when the text holds at least one PEM BEGIN line.
pub fn has_pem(text: &str) -> bool {
    text.contains(BEGIN)
}

/// The markers of PEM text.
#[derive(Clone, Copy)]
enum Marker {
    /// `-----BEGIN `
    Begin,
    /// `-----END `
    End,
    /// `-----`
    Dashes,
}

/// Where `marker` first occurs in `hay`, with a searcher built once.
fn find(hay: &str, marker: Marker) -> Option<usize> {
    use memchr::memmem::Finder;
    static FINDERS: std::sync::OnceLock<[Finder<'static>; 3]> = std::sync::OnceLock::new();
    let finders =
        FINDERS.get_or_init(|| [Finder::new(BEGIN), Finder::new(END), Finder::new(DASHES)]);
    finders[marker as usize].find(hay.as_bytes())
}

/// Finds and decodes every PEM block of `text` (already or not yet
/// normalised). Errors name the block by number (from 1) and label.
///
/// One pass: each byte is searched at most twice (for the next BEGIN
/// line, and for an END line where none may be), so a file of ten
/// thousand blocks costs ten thousand times one block.
pub fn parse_blocks(text: &str) -> Result<Vec<pem::Pem>> {
    let text = normalized(text);
    let mut blocks = Vec::new();
    let mut rest: &str = &text;
    let mut number = 0usize;
    loop {
        // An END line cannot overlap a BEGIN line: one before the next
        // BEGIN lies wholly before it.
        let begin_at = find(rest, Marker::Begin);
        let before = &rest[..begin_at.unwrap_or(rest.len())];
        let Some(b) = begin_at else {
            if find(before, Marker::End).is_some() {
                return Err(Error::input(format!(
                    "an END line after block {number} has no BEGIN line (the start of a block is missing)"
                )));
            }
            break;
        };
        if find(before, Marker::End).is_some() {
            return Err(Error::input(format!(
                "an END line before block {} has no BEGIN line (the start of a block is missing)",
                number + 1
            )));
        }
        number += 1;
        let after_begin = &rest[b + BEGIN.len()..];
        let label_end = find(after_begin, Marker::Dashes)
            .ok_or_else(|| Error::input(format!("block {number}: the BEGIN line is cut off")))?;
        let label = &after_begin[..label_end];
        check_label(label).map_err(|m| Error::input(format!("block {number}: {m}")))?;
        let body_and_rest = &after_begin[label_end + DASHES.len()..];
        // The END line, unless another BEGIN line comes first.
        let end_pos = match find(body_and_rest, Marker::End) {
            Some(p) if find(&body_and_rest[..p], Marker::Begin).is_none() => p,
            _ => {
                return Err(Error::input(format!(
                    "block {number} ({label}) has no END line: the text is truncated or two blocks are mixed"
                )))
            }
        };
        let marker = &body_and_rest[end_pos + END.len()..];
        if !(marker.starts_with(label) && marker[label.len()..].starts_with(DASHES)) {
            let found: String = body_and_rest[end_pos..]
                .chars()
                .take_while(|&c| c != '\n')
                .take(64)
                .collect();
            return Err(Error::input(format!(
                "block {number} ({label}) ends with '{}' instead of '{END}{label}{DASHES}'",
                crate::sanitize::sanitize(found.trim_end())
            )));
        }
        let body = &body_and_rest[..end_pos];
        blocks.push(decode_block(number, label, body)?);
        rest = &marker[label.len() + DASHES.len()..];
    }
    if blocks.is_empty() {
        return Err(Error::input(
            "no PEM block found (expected a line '-----BEGIN CERTIFICATE-----' or similar)",
        ));
    }
    Ok(blocks)
}

fn check_label(label: &str) -> std::result::Result<(), String> {
    if label.is_empty() {
        return Err("the BEGIN line has an empty label".into());
    }
    if label.len() > 64
        || !label
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == ' ')
    {
        return Err(format!(
            "the BEGIN line has a malformed label '{}'",
            crate::sanitize::sanitize(&label.chars().take(64).collect::<String>())
        ));
    }
    Ok(())
}

/// Splits RFC 1421 headers (`Proc-Type: ...`) from the base64, checks the
/// alphabet, and lets the `pem` crate decode a canonical copy of the block.
fn decode_block(number: usize, label: &str, body: &str) -> Result<pem::Pem> {
    // The common case, ASCII base64 in lines and no RFC 1421 header: the
    // lines, blanks trimmed, are copied together and decoded at once.
    // Anything else (headers, blanks inside a line, other blanks, bad
    // base64) fails to decode here and takes the careful way below, which
    // gives the same result or names the fault.
    if body.is_ascii() && memchr::memchr(b':', body.as_bytes()).is_none() {
        let bytes = body.as_bytes();
        let mut b64 = Vec::with_capacity(bytes.len());
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', bytes).chain([bytes.len()]) {
            b64.extend_from_slice(bytes[start..end].trim_ascii());
            start = end + 1;
        }
        use base64::Engine;
        if !b64.is_empty() {
            if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(&b64) {
                return Ok(pem::Pem::new(label, der));
            }
        }
    }
    decode_block_careful(number, label, body)
}

/// [`decode_block`] line by line: RFC 1421 headers, Unicode blanks, and a
/// message that names a character outside the alphabet.
fn decode_block_careful(number: usize, label: &str, body: &str) -> Result<pem::Pem> {
    let mut headers = Vec::new();
    let mut b64 = String::with_capacity(body.len());
    for line in body.split('\n') {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if b64.is_empty() && line.contains(':') {
            headers.push(line.to_string());
            continue;
        }
        if line.bytes().any(|b| b.is_ascii_whitespace()) {
            b64.extend(line.chars().filter(|c| !c.is_whitespace()));
        } else {
            b64.push_str(line);
        }
    }
    if b64.is_empty() {
        return Err(Error::input(format!("block {number} ({label}) is empty")));
    }
    if headers.is_empty() {
        // The common case: decode the body once, directly. The base64
        // decoder refuses every byte outside the alphabet, so the alphabet
        // is checked (for a message that names the character) only when
        // decoding fails.
        use base64::Engine;
        return match base64::engine::general_purpose::STANDARD.decode(b64.as_bytes()) {
            Ok(der) => Ok(pem::Pem::new(label, der)),
            Err(d) => {
                check_alphabet(number, label, &b64)?;
                Err(Error::input(format!(
                    "block {number} ({label}): invalid base64 ({d}); is the block truncated?"
                )))
            }
        };
    }
    check_alphabet(number, label, &b64)?;
    // RFC 1421 headers (legacy encrypted keys): the pem crate keeps them.
    let mut canonical = format!("{BEGIN}{label}{DASHES}\n");
    for h in &headers {
        canonical.push_str(h);
        canonical.push('\n');
    }
    canonical.push('\n');
    for chunk in b64.as_bytes().chunks(64) {
        canonical.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        canonical.push('\n');
    }
    canonical.push_str(&format!("{END}{label}{DASHES}\n"));
    pem::parse(&canonical).map_err(|e| {
        let reason = match e {
            pem::PemError::InvalidData(d) => {
                format!("invalid base64 ({d}); is the block truncated?")
            }
            other => other.to_string(),
        };
        Error::input(format!("block {number} ({label}): {reason}"))
    })
}

/// Fails on the first character of `b64` outside the base64 alphabet,
/// naming its position.
fn check_alphabet(number: usize, label: &str, b64: &str) -> Result<()> {
    if let Some((pos, bad)) = b64
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='))
    {
        let hint = if bad == '\\' {
            " (an escape sequence that is not \\n)"
        } else {
            ""
        };
        return Err(Error::input(format!(
            "block {number} ({label}): character '{}' at position {} of the base64 is not base64{hint}",
            bad.escape_default(),
            pos + 1
        )));
    }
    Ok(())
}

/// Encodes one block as PEM with LF line endings and 64-column base64.
pub fn encode(block: &pem::Pem) -> String {
    pem::encode_config(
        block,
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

/// Encodes DER content under `label`.
pub fn encode_der(label: &str, der: &[u8]) -> String {
    encode(&pem::Pem::new(label, der.to_vec()))
}

/// One-line PEM, as SAP wants it in `X.509` service-key parameters.
pub fn one_line(label: &str, der: &[u8]) -> String {
    encode_der(label, der).replace('\n', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    const B64: &str = "MIIBPQIBAAJBAOsfi5AGYhdRs/x6q5H7kScxA0Kzzqe6WI6gf6+tc6IvKQJo5rQc";

    #[test]
    fn normalizes_escapes() {
        assert_eq!(normalize("a\\nb"), "a\nb");
        assert_eq!(normalize("a\\r\\nb"), "a\nb");
        assert_eq!(normalize("a\\\\nb"), "a\nb");
        assert_eq!(normalize("a\r\nb\rc"), "a\nb\nc");
        assert_eq!(normalize("a\\/b"), "a/b");
        assert_eq!(normalize("C:\\x"), "C:\\x");
    }

    #[test]
    fn one_line_and_run_together() {
        let one =
            format!("-----BEGIN X-----{B64}-----END X----------BEGIN Y-----{B64}-----END Y-----");
        let blocks = parse_blocks(&one).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].tag(), "X");
        assert_eq!(blocks[1].tag(), "Y");
        assert_eq!(blocks[0].contents(), blocks[1].contents());
    }

    #[test]
    fn the_quick_way_and_the_careful_way_decode_alike() {
        let lines = [&B64[..32], &B64[32..]];
        let bodies = [
            format!("\n{}\n{}\n", lines[0], lines[1]),
            format!("\r\n  {}\t\r\n{} \n\n", lines[0], lines[1]),
            format!("\n{} {}\n", lines[0], lines[1]),
            format!("\n{}\u{a0}\n{}\n", lines[0], lines[1]),
            format!("\n{}\u{2003}{}\n", lines[0], lines[1]),
            B64.to_string(),
            "\n \n".to_string(),
            format!("\n{}$\n", lines[0]),
            format!("\n{}\n{}=\n", lines[0], lines[1]),
        ];
        for body in &bodies {
            let quick = decode_block(1, "X", body).map_err(|e| e.to_string());
            let careful = decode_block_careful(1, "X", body).map_err(|e| e.to_string());
            assert_eq!(
                quick.as_ref().map(|p| p.contents()),
                careful.as_ref().map(|p| p.contents()),
                "{body:?}"
            );
        }
        assert!(decode_block(1, "X", &bodies[1]).is_ok());
        assert!(decode_block(1, "X", &bodies[3]).is_ok());
        assert!(decode_block(1, "X", &bodies[6]).is_err());
    }

    #[test]
    fn truncated_block_is_an_error() {
        let text = format!("-----BEGIN A-----\n{B64}\n-----END A-----\n-----BEGIN A-----\n{B64}\n");
        let e = parse_blocks(&text).unwrap_err().to_string();
        assert!(e.contains("block 2 (A) has no END line"), "{e}");
    }

    #[test]
    fn no_pem_is_an_error() {
        assert!(parse_blocks("hello")
            .unwrap_err()
            .to_string()
            .contains("no PEM block"));
    }

    #[test]
    fn mismatched_end() {
        let text = format!("-----BEGIN A-----\n{B64}\n-----END B-----\n");
        let e = parse_blocks(&text).unwrap_err().to_string();
        assert!(e.contains("instead of '-----END A-----'"), "{e}");
    }

    #[test]
    fn bad_base64_names_block() {
        let text = format!(
            "-----BEGIN A-----\n{B64}\n-----END A-----\n-----BEGIN B-----\nMII$\n-----END B-----\n"
        );
        let e = parse_blocks(&text).unwrap_err().to_string();
        assert!(e.starts_with("block 2 (B): character '$'"), "{e}");
    }

    #[test]
    fn keeps_headers() {
        let text = format!("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n{B64}\n-----END RSA PRIVATE KEY-----\n");
        let b = parse_blocks(&text).unwrap();
        assert_eq!(b[0].headers().get("Proc-Type"), Some("4,ENCRYPTED"));
    }
}
