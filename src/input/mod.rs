//! Reads whatever the user has: a service key in any of its JSON forms, a
//! PEM file (with or without literal `\n`), or a DER certificate, from a
//! file or standard input, and says which form it was.
//!
//! Every error is prefixed with the file name; errors from inside a service
//! key also name the JSON field and the PEM block.

pub mod fetch;
pub mod memory;
pub mod roots;
pub mod walk;
pub mod zip;

use std::io::Read;

use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::x509::cert::Cert;
use crate::x509::key::PrivateKey;
use crate::x509::material::material_from_text;
use crate::x509::pem as pemtext;

use crate::keystore::pkcs12::Relation;
use crate::sap::servicekey::ServiceKey;

/// Inputs larger than this are no service key or certificate.
pub const MAX_INPUT: u64 = 16 << 20;

/// How the input was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Form {
    /// `{"oauth": {...}}`, as the cockpit shows and downloads it.
    Cockpit,
    /// `cf service-key` of cf v6/v7: a `Getting key` line, then the credentials.
    CfV7,
    /// `cf service-key` of cf v8: a `Getting key` line, then `{"credentials": ...}`.
    CfV8,
    /// `cf service-key --json`: `{"credentials": {...}}` alone.
    CfJson,
    /// `btp --format json get services/binding`: the binding with `credentials`.
    Btp,
    /// A flat object with `clientid`, `certificate`, `key`.
    Flat,
    /// PEM text, possibly with literal `\n`.
    Pem,
    /// A DER certificate.
    Der,
    /// A PKCS#12 keystore (read with a password).
    Pkcs12,
    /// A Java KeyStore (JKS, read with a password).
    Jks,
    /// DER PKCS#7 certificates (`.p7b`, `.p7c`).
    Pkcs7,
}

impl Form {
    /// The form in words, for people.
    pub fn describe(self) -> &'static str {
        match self {
            Form::Cockpit => "service key JSON (cockpit)",
            Form::CfV7 => "cf service-key output (cf v6/v7)",
            Form::CfV8 => "cf service-key output (cf v8)",
            Form::CfJson => "cf service-key --json output",
            Form::Btp => "btp binding JSON",
            Form::Flat => "service key JSON (flat)",
            Form::Pem => "PEM text",
            Form::Der => "DER certificate",
            Form::Pkcs12 => "PKCS#12 keystore",
            Form::Jks => "JKS keystore",
            Form::Pkcs7 => "PKCS#7 certificates (DER)",
        }
    }
}

/// What one input holds.
#[derive(Debug)]
pub struct Loaded {
    /// The file name as given (`-` is shown as `<stdin>`).
    pub name: String,
    /// How it was written.
    pub form: Form,
    /// The service key, when the input is one (its certificates and key
    /// are moved to `certs` and `key`).
    pub service_key: Option<ServiceKey>,
    /// Certificates in input order.
    pub certs: Vec<Cert>,
    /// The private key, if the input holds one.
    pub key: Option<PrivateKey>,
    /// For a keystore: each certificate of `certs` (same order) as the
    /// keystore holds it; empty for other inputs.
    pub entries: Vec<StoreEntry>,
}

impl Loaded {
    /// A keystore that holds certificates and no private key (a
    /// truststore, such as SAP's `required.p12` or `btpcert truststore`'s).
    pub fn is_truststore(&self) -> bool {
        matches!(self.form, Form::Pkcs12 | Form::Jks)
            && self.key.is_none()
            && !self.certs.is_empty()
    }
}

impl Loaded {
    /// For a keystore with a private key: only the key's leaf and chain,
    /// and the subjects of the certificates left out (see
    /// [`Loaded::left_out_note`]); other inputs as they are. An error when
    /// none of the keystore's certificates is its key's.
    pub fn key_chain_only(mut self) -> Result<(Loaded, Vec<String>)> {
        if self.entries.is_empty() || self.key.is_none() {
            return Ok((self, Vec::new()));
        }
        if self
            .entries
            .iter()
            .all(|e| e.relation == Relation::Unrelated)
        {
            let n = self.certs.len();
            return Err(Error::input(format!(
                "{}: holds {n} certificate{} and a private key, but no certificate of that key: the keystore's key has lost its certificate",
                crate::sanitize::sanitize(&self.name),
                if n == 1 { "" } else { "s" }
            )));
        }
        let mut left = Vec::new();
        let (mut certs, mut entries) = (Vec::new(), Vec::new());
        for (c, e) in self.certs.into_iter().zip(self.entries) {
            if e.relation == Relation::Unrelated {
                left.push(c.subject_dn());
            } else {
                certs.push(c);
                entries.push(e);
            }
        }
        self.certs = certs;
        self.entries = entries;
        Ok((self, left))
    }

    /// The note saying which certificates [`Loaded::key_chain_only`] left
    /// out of this keystore, if any.
    pub fn left_out_note(&self, left: &[String]) -> Option<String> {
        (!left.is_empty()).then(|| {
            format!(
                "{}: left out {} certificate{} of the keystore that {} not in the key's chain: {}",
                crate::sanitize::sanitize(&self.name),
                left.len(),
                if left.len() == 1 { "" } else { "s" },
                if left.len() == 1 { "is" } else { "are" },
                crate::sanitize::sanitize(&left.join("; "))
            )
        })
    }
}

/// How a keystore holds one of its certificates.
#[derive(Debug, Clone, Serialize)]
pub struct StoreEntry {
    /// The alias (friendly name), when there is one.
    pub alias: Option<String>,
    /// Its relation to the keystore's private key.
    pub relation: Relation,
    /// The usages (OIDs) of Oracle's trusted-key-usage attribute, when its
    /// PKCS#12 bag carries one (what Java needs to list it as trusted).
    pub trusted_usage: Option<Vec<String>>,
}

/// Reads a file, or standard input for `-`: the one way btpcert reads its
/// input files. At most [`MAX_INPUT`] bytes are read, counted while
/// reading, whatever size the file claims: a device such as `/dev/zero`
/// says 0 and never ends. A FIFO blocks until its writer writes or closes,
/// as with `cat`.
pub fn read_source(path: &str) -> Result<(String, Vec<u8>)> {
    if let Some(file) = memory::read(path) {
        return file;
    }
    if path == "-" {
        let buf = read_bounded("<stdin>", std::io::stdin().lock())?;
        return Ok(("<stdin>".into(), buf));
    }
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        return Err(Error::input(format!("{path}: is a directory")));
    }
    // A regular file says its size: refuse a big one before reading it.
    check_size(path, meta.len())?;
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let bytes = read_bounded(path, file)?;
    Ok((path.to_string(), bytes))
}

/// Reads to the end, or fails after [`MAX_INPUT`] bytes.
fn read_bounded(name: &str, r: impl Read) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    r.take(MAX_INPUT + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Error::io(name, e))?;
    check_size(name, buf.len() as u64)?;
    Ok(buf)
}

fn check_size(name: &str, len: u64) -> Result<()> {
    if len > MAX_INPUT {
        return Err(Error::input(format!(
            "{name}: larger than {} MiB: not a service key, certificate, keystore or password file",
            MAX_INPUT >> 20
        )));
    }
    Ok(())
}

/// Reads and recognises one input. Errors are prefixed with the file name.
pub fn load(path: &str) -> Result<Loaded> {
    load_with(path, None)
}

/// Like [`load`]; a PKCS#12 keystore is read too when a password source is
/// given (asked only when the file is one).
pub fn load_with(
    path: &str,
    p12_password: Option<&dyn crate::secret::SecretSource>,
) -> Result<Loaded> {
    let (name, bytes) = read_source(path)?;
    let shown = crate::sanitize::sanitize(&name).into_owned();
    if let Some(src) = p12_password {
        if is_keystore(&bytes) {
            let pw = src.secret(
                &format!("password of {shown}"),
                crate::secret::Purpose::Open,
            )?;
            return load_store(name, &bytes, &pw).map_err(|e| e.with_path(&shown));
        }
    }
    load_bytes(&name, &bytes).map_err(|e| e.with_path(shown))
}

/// A keystore's contents as one input: every certificate (leaf and chain
/// first), each with its entry, and the key if there is one.
fn load_store(name: String, bytes: &[u8], pw: &crate::secret::Secret) -> Result<Loaded> {
    let (format, store) = crate::keystore::read_any(bytes, pw)?;
    let entries = store
        .certs
        .iter()
        .map(|(alias, c, relation)| StoreEntry {
            alias: alias.clone(),
            relation: *relation,
            trusted_usage: store.trusted_usage_of(c).map(<[String]>::to_vec),
        })
        .collect();
    Ok(Loaded {
        name,
        form: match format {
            crate::keystore::Format::Pkcs12 => Form::Pkcs12,
            crate::keystore::Format::Jks => Form::Jks,
        },
        service_key: None,
        certs: store.certs.into_iter().map(|(_, c, _)| c).collect(),
        key: store.key,
        entries,
    })
}

/// True for a keystore: a JKS file (by its magic bytes FEEDFEED) or a DER
/// PKCS#12 file.
pub fn is_keystore(bytes: &[u8]) -> bool {
    crate::keystore::jks::is_jks(bytes) || is_pkcs12(bytes)
}

/// True for a DER PKCS#12 file.
pub fn is_pkcs12(bytes: &[u8]) -> bool {
    bytes.first() == Some(&0x30) && openssl::pkcs12::Pkcs12::from_der(bytes).is_ok()
}

/// Recognises one input already in memory (errors carry no file name).
pub fn load_bytes(name: &str, bytes: &[u8]) -> Result<Loaded> {
    let loaded = |form, service_key: Option<ServiceKey>, certs, key| Loaded {
        name: name.to_string(),
        form,
        service_key,
        certs,
        key,
        entries: Vec::new(),
    };
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::input("the file is empty"));
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Err(Error::input(
            "this is a zip archive; for a Connectivity Test download use 'btpcert connectivity'",
        ));
    }
    // Windows PowerShell 5 writes `cf service-key ... > key.txt` as UTF-16.
    if let Some(text) = utf16_text(bytes) {
        let text = text.map_err(|_| Error::input("invalid UTF-16 text"))?;
        return load_bytes(name, text.as_bytes());
    }
    if bytes.first() != Some(&0x30) && looks_like_utf16(bytes) {
        return Err(Error::input(UTF16_WITHOUT_BOM));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) if bytes[0] != 0x30 || pemtext::has_pem(t) => t,
        _ if crate::x509::material::is_pkcs7_der(bytes) => {
            let certs = crate::x509::material::certs_from_pkcs7(bytes)?;
            return Ok(loaded(Form::Pkcs7, None, certs, None));
        }
        _ if crate::keystore::jks::is_jks(bytes) => {
            return Err(Error::input(
                "a JKS keystore, which is not read here: keystores are read as the FILE of inspect, verify, trust check, extract, check-external and key-params, as postman --key and as --p12 (with --password-file, --password-env or --no-password)",
            ));
        }
        _ => {
            let cert = Cert::from_der(bytes).map_err(|_| {
                if is_pkcs12(bytes) {
                    Error::input(
                        "a PKCS#12 keystore, which is not read here: keystores are read as the FILE of inspect, verify, trust check, extract, check-external and key-params, as postman --key and as --p12 (with --password-file, --password-env or --no-password)",
                    )
                } else {
                    Error::input(match damaged_container(bytes) {
                        Some(what) => format!("{what} that is cut short or damaged"),
                        None => "binary data that is neither a DER certificate nor PEM text".into(),
                    })
                }
            })?;
            return Ok(loaded(Form::Der, None, vec![cert], None));
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let trimmed = text.trim_start();

    if trimmed.starts_with(['{', '[', '"']) {
        match parse_json(trimmed, 0) {
            Ok(Value::String(s)) => {
                // A quoted value: a PEM copied out of JSON, or JSON inside a string.
                if s.trim_start().starts_with('{') {
                    let inner = parse_json(s.trim_start(), 0)?;
                    return from_json(&inner, json_form(&inner, false), loaded);
                }
                let (certs, key) = material_from_text(&s)?;
                return Ok(loaded(Form::Pem, None, certs, key));
            }
            Ok(v) => return from_json(&v, json_form(&v, false), loaded),
            Err(e) => {
                // `"-----BEGIN ...\n...",` pasted with its trailing comma.
                if !(trimmed.starts_with('"') && pemtext::has_pem(trimmed)) {
                    return Err(e);
                }
            }
        }
    } else if let Some((skip, json)) = after_cf_preamble(text) {
        let v = parse_json(json, skip)?;
        return from_json(&v, json_form(&v, true), loaded);
    }

    if pemtext::has_pem(text) {
        let (certs, key) = material_from_text(text)?;
        return Ok(loaded(Form::Pem, None, certs, key));
    }
    if text.contains("-----END") {
        // Let the PEM scanner say what is missing.
        pemtext::parse_blocks(text)?;
    }
    Err(Error::input(
        "neither a service key (JSON), PEM text nor a DER certificate",
    ))
}

/// The bytes as text: UTF-8, or UTF-16 (with a byte order mark, or
/// without one when the text starts with ASCII characters).
pub fn decode_text(bytes: &[u8]) -> Option<String> {
    match utf16_text(bytes) {
        Some(t) => t.ok(),
        None => String::from_utf8(bytes.to_vec()).ok(),
    }
}

/// How a text file was written, so that an edit of it is written alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8; `bom`: it starts with a byte order mark.
    Utf8 {
        /// It starts with EF BB BF.
        bom: bool,
    },
    /// UTF-16 (as Windows PowerShell 5 writes redirected output).
    Utf16 {
        /// Little endian (FF FE), else big endian (FE FF).
        little_endian: bool,
        /// It starts with a byte order mark.
        bom: bool,
    },
}

impl Encoding {
    /// The text in this encoding, with the byte order mark if it had one.
    pub fn encode(self, text: &str) -> Vec<u8> {
        match self {
            Encoding::Utf8 { bom } => {
                let mut out = Vec::with_capacity(text.len() + 3);
                if bom {
                    out.extend_from_slice(b"\xef\xbb\xbf");
                }
                out.extend_from_slice(text.as_bytes());
                out
            }
            Encoding::Utf16 { little_endian, bom } => {
                let bom = bom.then_some(0xfeff);
                bom.into_iter()
                    .chain(text.encode_utf16())
                    .flat_map(|u| {
                        if little_endian {
                            u.to_le_bytes()
                        } else {
                            u.to_be_bytes()
                        }
                    })
                    .collect()
            }
        }
    }
}

/// The bytes as text, without a byte order mark, and how they were
/// encoded; `None` when they are neither UTF-8 nor UTF-16.
pub fn decode_encoded(bytes: &[u8]) -> Option<(String, Encoding)> {
    if let Some((little_endian, bom)) = utf16_layout(bytes) {
        let text = utf16_text(bytes)?.ok()?;
        return Some((text, Encoding::Utf16 { little_endian, bom }));
    }
    let text = std::str::from_utf8(bytes).ok()?;
    match text.strip_prefix('\u{feff}') {
        Some(t) => Some((t.to_string(), Encoding::Utf8 { bom: true })),
        None => Some((text.to_string(), Encoding::Utf8 { bom: false })),
    }
}

/// Reads a text file, or standard input for `-`: UTF-8, or UTF-16.
/// Returns the name (`<stdin>` for `-`) and the text.
pub fn read_text(path: &str) -> Result<(String, String)> {
    let (name, bytes) = read_source(path)?;
    match decode_text(&bytes) {
        Some(text) => Ok((name, text)),
        None => Err(not_text(&bytes).with_path(name)),
    }
}

/// Like [`read_text`], for a file to be edited: the text without its byte
/// order mark, and how to write the edit back.
pub fn read_text_encoded(path: &str) -> Result<(String, String, Encoding)> {
    let (name, bytes) = read_source(path)?;
    match decode_encoded(&bytes) {
        Some((text, encoding)) => Ok((name, text, encoding)),
        None => Err(not_text(&bytes).with_path(name)),
    }
}

fn not_text(bytes: &[u8]) -> Error {
    if looks_like_utf16(bytes) {
        Error::input(UTF16_WITHOUT_BOM)
    } else {
        Error::input("not text (neither UTF-8 nor UTF-16)")
    }
}

/// What to say about UTF-16 that cannot be read as such.
const UTF16_WITHOUT_BOM: &str =
    "looks like UTF-16 without a byte order mark, and cannot be read as such; save it as UTF-8";

/// Whether the text is UTF-16 and how: (little endian, with a byte order
/// mark). Without a mark, UTF-16 is recognised by its first characters:
/// ASCII with every other byte zero, as `{` and `"` are.
fn utf16_layout(bytes: &[u8]) -> Option<(bool, bool)> {
    match bytes {
        [0xff, 0xfe, ..] => return Some((true, true)),
        [0xfe, 0xff, ..] => return Some((false, true)),
        _ => {}
    }
    let head = &bytes[..bytes.len().min(64) & !1];
    if head.len() < 8 {
        return None;
    }
    let ascii = |b: u8| b != 0 && b.is_ascii();
    let mut pairs = head.chunks_exact(2);
    if pairs.clone().all(|p| ascii(p[0]) && p[1] == 0) {
        Some((true, false))
    } else if pairs.all(|p| p[0] == 0 && ascii(p[1])) {
        Some((false, false))
    } else {
        None
    }
}

/// Many zero bytes at every other position, as in UTF-16 text, even when
/// it does not start as [`utf16_layout`] recognises.
fn looks_like_utf16(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64) & !1];
    let pairs = head.len() / 2;
    let zeros_at = |k: usize| head.chunks_exact(2).filter(|p| p[k] == 0).count();
    pairs >= 4 && (zeros_at(0) * 2 >= pairs || zeros_at(1) * 2 >= pairs)
}

/// UTF-16 text (see [`utf16_layout`]), decoded; `None` when not UTF-16.
fn utf16_text(bytes: &[u8]) -> Option<std::result::Result<String, std::char::DecodeUtf16Error>> {
    let (little, bom) = utf16_layout(bytes)?;
    let body = if bom { &bytes[2..] } else { bytes };
    let units = body.chunks_exact(2).map(|c| {
        if little {
            u16::from_le_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], c[1]])
        }
    });
    Some(char::decode_utf16(units).collect())
}

fn from_json(
    v: &Value,
    form: Form,
    loaded: impl FnOnce(Form, Option<ServiceKey>, Vec<Cert>, Option<PrivateKey>) -> Loaded,
) -> Result<Loaded> {
    let mut sk = ServiceKey::from_json(v)?;
    let certs = std::mem::take(&mut sk.certs);
    let key = sk.key.take();
    Ok(loaded(form, Some(sk), certs, key))
}

fn json_form(v: &Value, cf_preamble: bool) -> Form {
    let obj = v.as_object();
    let has = |k: &str| obj.is_some_and(|o| o.contains_key(k));
    match (cf_preamble, has("credentials")) {
        (true, true) => Form::CfV8,
        (true, false) => Form::CfV7,
        (false, true) if obj.is_some_and(|o| o.len() == 1) => Form::CfJson,
        (false, true) => Form::Btp,
        (false, false) if has("oauth") => Form::Cockpit,
        (false, false) => Form::Flat,
    }
}

/// `Getting key KEY for service instance INSTANCE as USER...`, a blank line,
/// then JSON: returns the number of lines skipped and the JSON text.
fn after_cf_preamble(text: &str) -> Option<(usize, &str)> {
    let first = text.trim_start().lines().next()?;
    if !first.starts_with("Getting key") && !first.starts_with("Getting service key") {
        return None;
    }
    let mut offset = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        if line.trim_start().starts_with('{') {
            return Some((n, &text[offset..]));
        }
        if pemtext::has_pem(line) {
            return None;
        }
        offset += line.len();
    }
    None
}

/// Parses one JSON value; errors give the line and column in the file.
///
/// The document is checked whole, but only what a service key can hold
/// becomes a tree (see [`crate::json::prune`]), so a 15 MB file costs a few
/// times its size in memory, not fifty.
fn parse_json(text: &str, skipped_lines: usize) -> Result<Value> {
    crate::json::parse_pruned(text, &|_| false).map_err(|e| {
        let what = if e.is_eof() {
            "the JSON ends too early (truncated?)"
        } else {
            e.message()
        };
        Error::input(format!(
            "invalid JSON at line {}, column {}: {what}",
            e.line() + skipped_lines,
            e.column()
        ))
    })
}

/// Certificates and one private key pooled from several inputs, as given to
/// `verify`, `p12` and `postman`.
#[derive(Debug, Default)]
pub struct Bundle {
    /// Every certificate, in input order.
    pub certs: Vec<Cert>,
    /// The key, with the name of the file it came from.
    pub key: Option<(String, PrivateKey)>,
    /// Service keys among the inputs, with the name of their file.
    pub service_keys: Vec<(String, ServiceKey)>,
}

/// Loads every input; more than one private key is a usage error.
pub fn load_many(files: &[String]) -> Result<Bundle> {
    load_many_with(files, None)
}

/// Like [`load_many`], reading PKCS#12 keystores with the password given.
pub fn load_many_with(
    files: &[String],
    p12_password: Option<&dyn crate::secret::SecretSource>,
) -> Result<Bundle> {
    let loaded = files
        .iter()
        .map(|f| load_with(f, p12_password))
        .collect::<Result<Vec<_>>>()?;
    pool(loaded)
}

/// Pools inputs already loaded; more than one private key is a usage error.
pub fn pool(loaded: Vec<Loaded>) -> Result<Bundle> {
    let mut b = Bundle::default();
    for l in loaded {
        b.certs.extend(l.certs);
        if let Some(k) = l.key {
            if let Some((first, _)) = &b.key {
                return Err(Error::usage(format!(
                    "private keys in {} and {}: give one key",
                    crate::sanitize::sanitize(first),
                    crate::sanitize::sanitize(&l.name)
                )));
            }
            b.key = Some((l.name.clone(), k));
        }
        let name = crate::sanitize::sanitize(&l.name).into_owned();
        b.service_keys.extend(l.service_key.map(|sk| (name, sk)));
    }
    Ok(b)
}

/// What a file that no reader took seems to have been, from the object
/// identifier near its start: a PKCS#7 SignedData (`.p7b`) or a PKCS#12
/// file (version 3, then its data), both cut short or damaged.
fn damaged_container(bytes: &[u8]) -> Option<&'static str> {
    const PKCS12_START: &[u8] = &[
        0x02, 0x01, 0x03, 0x30, // version 3, then the authSafe ContentInfo
    ];
    let head = &bytes[..bytes.len().min(24)];
    let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    if bytes.first() != Some(&0x30) {
        None
    } else if has(crate::x509::der::oid::PKCS7_SIGNED_DATA) {
        Some("a PKCS#7 (.p7b) file")
    } else if has(PKCS12_START) {
        Some("a PKCS#12 keystore")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_stops_after_the_limit_whatever_the_source() {
        let e = read_bounded("endless", std::io::repeat(0)).unwrap_err();
        assert!(
            e.to_string().starts_with("endless: larger than 16 MiB"),
            "{e}"
        );
        let exact = std::io::repeat(b'x').take(MAX_INPUT);
        assert_eq!(
            read_bounded("exact", exact).unwrap().len() as u64,
            MAX_INPUT
        );
    }

    fn utf16(text: &str, little_endian: bool, bom: bool) -> Vec<u8> {
        Encoding::Utf16 { little_endian, bom }.encode(text)
    }

    #[test]
    fn utf16_is_read_with_or_without_a_byte_order_mark() {
        let key = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/service-key.json"
        ))
        .unwrap();
        for little_endian in [true, false] {
            for bom in [true, false] {
                let bytes = utf16(&key, little_endian, bom);
                let l = load_bytes("key.json", &bytes).unwrap();
                assert_eq!(l.form, Form::Cockpit);
                assert_eq!(l.certs.len(), 3);
                assert_eq!(decode_text(&bytes).as_deref(), Some(key.as_str()));
                let (text, enc) = decode_encoded(&bytes).unwrap();
                assert_eq!(text, key);
                assert_eq!(enc, Encoding::Utf16 { little_endian, bom });
                assert_eq!(enc.encode(&text), bytes, "written back alike");
            }
        }
        let (text, enc) = decode_encoded(b"\xef\xbb\xbf{}").unwrap();
        assert_eq!((text.as_str(), enc), ("{}", Encoding::Utf8 { bom: true }));
        assert_eq!(enc.encode("{}"), b"\xef\xbb\xbf{}");
    }

    #[test]
    fn utf16_that_cannot_be_read_says_so() {
        // Non-ASCII from the start: not recognised, but named.
        let bytes = utf16("\u{e9}\u{e8}\u{ea}\u{eb}\u{2603}{\"a\": 1}", true, false);
        let e = load_bytes("key.json", &bytes).unwrap_err();
        assert!(
            e.to_string()
                .contains("looks like UTF-16 without a byte order mark"),
            "{e}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_device_that_claims_no_size_is_read_with_the_limit() {
        let e = read_source("/dev/zero").unwrap_err();
        assert!(e.to_string().contains("larger than 16 MiB"), "{e}");
    }
}
