//! Certificates out of a zip archive, such as the one Integration Suite's
//! Connectivity Test downloads (one `.cer` per certificate the server sent).
//!
//! Entries are read into memory only, never extracted by name, so an entry
//! called `../../x.cer` cannot escape anywhere. Entry count and sizes are
//! bounded while reading (not trusted from the headers), so a zip bomb is
//! refused. Entry names decide nothing: DER or PEM, any name, any folder.

use std::io::{Cursor, Read};

use crate::error::{Error, Result};
use crate::sanitize::sanitize;
use crate::x509::cert::Cert;

/// At most this many entries.
pub const MAX_ENTRIES: usize = 1000;
/// At most this many bytes in one entry, uncompressed.
pub const MAX_ENTRY: u64 = 1 << 20;
/// At most this many bytes in all entries, uncompressed.
pub const MAX_TOTAL: u64 = 16 << 20;

/// True when `bytes` start like a zip archive.
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// What the archive held.
#[derive(Debug, Default)]
pub struct ZipCerts {
    /// (entry name, certificate), in archive order.
    pub certs: Vec<(String, Cert)>,
    /// (entry name, why it was passed over).
    pub skipped: Vec<(String, String)>,
}

/// Reads every certificate of the archive. Errors carry no file name.
pub fn read(bytes: &[u8]) -> Result<ZipCerts> {
    if !is_zip(bytes) {
        return Err(Error::input("not a zip archive"));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| Error::input(format!("not a readable zip archive: {}", reason(&e))))?;
    if zip.len() > MAX_ENTRIES {
        return Err(Error::input(format!(
            "the archive has {} entries, more than the {MAX_ENTRIES} a certificate download can have",
            zip.len()
        )));
    }
    let mut out = ZipCerts::default();
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| match e {
            zip::result::ZipError::UnsupportedArchive(m) if m.contains("Password") => {
                Error::input(format!(
                    "entry {}: the entry is encrypted; a Connectivity Test download is not",
                    i + 1
                ))
            }
            e => Error::input(format!("entry {}: cannot be read: {}", i + 1, reason(&e))),
        })?;
        let name = entry
            .name()
            .map(|n| sanitize(&n).into_owned())
            .unwrap_or_else(|_| format!("entry {}", i + 1));
        if entry.is_dir() {
            continue;
        }
        if entry.encrypted() {
            return Err(Error::input(format!("{name}: the entry is encrypted")));
        }
        let mut data = Vec::new();
        (&mut entry)
            .take(MAX_ENTRY + 1)
            .read_to_end(&mut data)
            .map_err(|e| Error::input(format!("{name}: corrupt entry: {}", io_reason(&e))))?;
        if data.len() as u64 > MAX_ENTRY {
            return Err(Error::input(format!(
                "{name}: expands to more than {} KiB: not a certificate (zip bomb?)",
                MAX_ENTRY >> 10
            )));
        }
        total += data.len() as u64;
        if total > MAX_TOTAL {
            return Err(Error::input(format!(
                "the entries expand to more than {} MiB: not a certificate download (zip bomb?)",
                MAX_TOTAL >> 20
            )));
        }
        match crate::input::load_bytes(&name, &data) {
            Ok(l) if !l.certs.is_empty() => out
                .certs
                .extend(l.certs.into_iter().map(|c| (name.clone(), c))),
            Ok(_) => out.skipped.push((name, "holds no certificate".into())),
            Err(e) => out.skipped.push((name, e.to_string())),
        }
    }
    if out.certs.is_empty() {
        let why = match out.skipped.first() {
            Some((n, e)) => format!(" ({n}: {e})"),
            None => String::new(),
        };
        return Err(Error::input(format!(
            "the archive holds no certificate{why}"
        )));
    }
    Ok(out)
}

/// A zip error in words: never the crate's internal type names.
fn reason(e: &zip::result::ZipError) -> String {
    use zip::result::ZipError;
    match e {
        ZipError::CompressionMethodNotSupported(m) => {
            let name = match m {
                9 => "Deflate64",
                12 => "bzip2",
                14 => "LZMA",
                93 => "Zstandard",
                95 => "xz",
                98 => "PPMd",
                _ => "an unknown method",
            };
            format!(
                "compressed with {name} (method {m}), which btpcert does not read; re-create the archive with plain Deflate (zip -r NEW.zip FOLDER, or 7-Zip's \"Deflate\" method)"
            )
        }
        ZipError::Io(io) => io_reason(io),
        ZipError::InvalidArchive(_) => {
            "the archive is damaged: its directory does not match its entries (cut short, or not a genuine zip)".into()
        }
        ZipError::UnsupportedArchive(m) => format!("an unsupported zip archive ({})", sanitize(m)),
        other => sanitize(&other.to_string()).into_owned(),
    }
}

/// An error while inflating an entry, in words.
fn io_reason(e: &std::io::Error) -> String {
    if let Some(z) = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<zip::result::ZipError>())
    {
        return reason(z);
    }
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => "the archive is cut short".into(),
        std::io::ErrorKind::InvalidData => {
            "the data does not inflate (damaged, or its checksum does not match)".into()
        }
        _ => {
            let s = e.to_string();
            if s.contains("::") {
                "the data cannot be read (damaged archive)".into()
            } else {
                sanitize(&s).into_owned()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zip_errors_name_no_internal_types() {
        use zip::result::ZipError;
        let m = reason(&ZipError::CompressionMethodNotSupported(12));
        assert!(m.contains("bzip2") && m.contains("Deflate"), "{m}");
        let m = reason(&ZipError::InvalidArchive(
            "zip::format::blocks::ZipCentralEntryBlock".into(),
        ));
        assert!(!m.contains("::") && m.contains("damaged"), "{m}");
    }

    #[test]
    fn a_lying_central_directory_is_explained() {
        // A local header, then an end-of-central-directory record that
        // points at a central directory that is not there.
        let mut z = b"PK\x03\x04".to_vec();
        z.extend([0u8; 26]);
        z.extend(b"PK\x05\x06");
        z.extend([0, 0, 0, 0, 1, 0, 1, 0, 46, 0, 0, 0, 4, 0, 0, 0, 0, 0]);
        let e = read(&z).unwrap_err().to_string();
        assert!(!e.contains("::"), "{e}");
        assert!(e.contains("zip archive"), "{e}");
    }
}
