//! Reads whatever the user has: a service key in any of its JSON forms, a
//! PEM file (with or without literal `\n`), or a DER certificate, from a
//! file or standard input, and says which form it was.
//!
//! Every error is prefixed with the file name; errors from inside a service
//! key also name the JSON field and the PEM block.

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
}

/// Reads a file, or standard input for `-`.
pub fn read_source(path: &str) -> Result<(String, Vec<u8>)> {
    if let Some(file) = memory::read(path) {
        return file;
    }
    if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .take(MAX_INPUT + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Error::io("<stdin>", e))?;
        check_size("<stdin>", buf.len() as u64)?;
        return Ok(("<stdin>".into(), buf));
    }
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        return Err(Error::input(format!("{path}: is a directory")));
    }
    check_size(path, meta.len())?;
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    Ok((path.to_string(), bytes))
}

fn check_size(name: &str, len: u64) -> Result<()> {
    if len > MAX_INPUT {
        return Err(Error::input(format!(
            "{name}: larger than {} MiB: not a service key or certificate file",
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
        if is_pkcs12(&bytes) {
            let pw = src.secret(
                &format!("password of {shown}"),
                crate::secret::Purpose::Open,
            )?;
            let (key, certs) = crate::keystore::pkcs12::read_keystore(&bytes, &pw)
                .map_err(|e| e.with_path(&shown))?;
            return Ok(Loaded {
                name,
                form: Form::Pkcs12,
                service_key: None,
                certs,
                key: Some(key),
            });
        }
    }
    load_bytes(&name, &bytes).map_err(|e| e.with_path(shown))
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
    let text = match std::str::from_utf8(bytes) {
        Ok(t) if bytes[0] != 0x30 || pemtext::has_pem(t) => t,
        _ => {
            let cert = Cert::from_der(bytes).map_err(|_| {
                if is_pkcs12(bytes) {
                    Error::input(
                        "a PKCS#12 keystore: inspect and verify read it with --password-file or --password-env, token and call with --p12",
                    )
                } else {
                    Error::input("binary data that is neither a DER certificate nor PEM text")
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

/// The bytes as text: UTF-8, or UTF-16 with a byte order mark.
pub fn decode_text(bytes: &[u8]) -> Option<String> {
    match utf16_text(bytes) {
        Some(t) => t.ok(),
        None => String::from_utf8(bytes.to_vec()).ok(),
    }
}

/// Reads a text file, or standard input for `-`: UTF-8, or UTF-16 with a
/// byte order mark. Returns the name (`<stdin>` for `-`) and the text.
pub fn read_text(path: &str) -> Result<(String, String)> {
    let (name, bytes) = read_source(path)?;
    match decode_text(&bytes) {
        Some(text) => Ok((name, text)),
        None => Err(Error::input("not text (neither UTF-8 nor UTF-16)").with_path(name)),
    }
}

/// Text with a UTF-16 byte order mark, decoded; `None` without one.
fn utf16_text(bytes: &[u8]) -> Option<std::result::Result<String, std::char::DecodeUtf16Error>> {
    let little = match bytes {
        [0xff, 0xfe, ..] => true,
        [0xfe, 0xff, ..] => false,
        _ => return None,
    };
    let units = bytes[2..].chunks_exact(2).map(|c| {
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
fn parse_json(text: &str, skipped_lines: usize) -> Result<Value> {
    let mut de = serde_json::Deserializer::from_str(text);
    let v = serde::Deserialize::deserialize(&mut de).and_then(|v: Value| de.end().map(|_| v));
    v.map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Eof => "the JSON ends too early (truncated?)".to_string(),
            _ => {
                let s = e.to_string();
                // serde_json appends " at line L column C": we say it ourselves.
                s.split(" at line ").next().unwrap_or(&s).to_string()
            }
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
    let mut b = Bundle::default();
    for f in files {
        let l = load_with(f, p12_password)?;
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
