//! The typed service key: which kind it is and what it holds.
//!
//! SAP wraps every Process Integration Runtime key in `oauth`; `cf` and
//! `btp` wrap that again in `credentials`. [`ServiceKey::from_json`] finds the
//! credentials object under any of those wrappers and reads its fields,
//! naming the JSON path (`credentials.oauth.certificate`) in every error.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::check::{Check, CheckId, Status};
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::x509::cert::Cert;
use crate::x509::key::PrivateKey;

/// The kind of service key, as the cockpit names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyKind {
    /// ClientId/Secret: `clientid` and `clientsecret`, no certificate.
    ClientSecret,
    /// SAP-generated certificate: the chain and its private key.
    Certificate,
    /// External certificate: the leaf only; the private key stays with the user.
    ExternalCertificate,
}

impl KeyKind {
    /// The kind in words, for people.
    pub fn describe(self) -> &'static str {
        match self {
            KeyKind::ClientSecret => "ClientId/Secret",
            KeyKind::Certificate => "Certificate (SAP-generated)",
            KeyKind::ExternalCertificate => "External Certificate",
        }
    }
}

/// The service plan of a Process Integration Runtime instance, which
/// decides what a key's certificate is for (`../shared/sap-facts.md`,
/// "Service instances").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Plan {
    /// `integration-flow`: senders calling integration flow endpoints.
    IntegrationFlow,
    /// `api`: clients of the Cloud Integration OData API.
    Api,
}

impl Plan {
    /// SAP's name of the plan.
    pub fn name(self) -> &'static str {
        match self {
            Plan::IntegrationFlow => "integration-flow",
            Plan::Api => "api",
        }
    }
}

/// The plan a host of a key's `url` belongs to. The runtime host
/// `<sub>.it-cpi<NNN>-rt.cfapps.<region>.hana.ondemand.com` is the
/// integration-flow plan's (sap-facts, "Service key JSON"); the tenant host
/// `<sub>.it-cpi<NNN>.cfapps...` without `-rt` is taken as the api plan's
/// (inferred: SAP documents the runtime host only). Any other host tells
/// nothing.
pub fn plan_of_host(host: &str) -> Option<Plan> {
    let second = host.split('.').nth(1)?;
    let rest = second.strip_prefix("it-cpi")?;
    let (digits, suffix) = rest.split_at(
        rest.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len()),
    );
    if digits.is_empty() {
        return None;
    }
    match suffix {
        "-rt" => Some(Plan::IntegrationFlow),
        "" => Some(Plan::Api),
        _ => None,
    }
}

/// The longest serial number, in octets, also shown in decimal. RFC 5280
/// allows 20; a longer one (broken or hostile: a certificate may carry a
/// serial of megabytes) is shown in hex only, as turning n digits into
/// decimal takes some n² steps.
pub const MAX_DECIMAL_SERIAL_OCTETS: usize = 64;

/// A certificate's serial number in the two forms people meet: hex as
/// `certificatedetails.serialnumber` has it (`0x05ab1e`) and decimal, as
/// some tools and SAP notes show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SerialNumber {
    /// `0x` and lower-case hex, whole bytes (`0x05ab1e`).
    pub hex: String,
    /// The same number in decimal; none (JSON `null`) for a number longer
    /// than [`MAX_DECIMAL_SERIAL_OCTETS`] octets.
    pub decimal: Option<String>,
}

impl SerialNumber {
    /// From hex digits, with or without `0x`, colons or leading zeros.
    pub fn from_hex(hex: &str) -> SerialNumber {
        let digits: Vec<u8> = hex
            .trim()
            .trim_start_matches("0x")
            .chars()
            .filter_map(|c| c.to_digit(16).map(|d| d as u8))
            .skip_while(|d| *d == 0)
            .collect();
        let hex = if digits.is_empty() {
            "0x00".to_string()
        } else {
            let h: String = digits
                .iter()
                .map(|d| char::from_digit(u32::from(*d), 16).expect("a hex digit"))
                .collect();
            let pad = if h.len() % 2 == 1 { "0" } else { "" };
            format!("0x{pad}{h}")
        };
        SerialNumber {
            hex,
            decimal: (digits.len() <= 2 * MAX_DECIMAL_SERIAL_OCTETS).then(|| to_decimal(&digits)),
        }
    }
}

/// Base-16 digits to a decimal string, by long division.
fn to_decimal(hex_digits: &[u8]) -> String {
    let mut num: Vec<u8> = hex_digits.to_vec();
    let mut out = Vec::new();
    while num.iter().any(|d| *d != 0) {
        let mut rem = 0u32;
        for d in num.iter_mut() {
            let cur = rem * 16 + u32::from(*d);
            *d = (cur / 10) as u8;
            rem = cur % 10;
        }
        out.push(char::from_digit(rem, 10).expect("a decimal digit"));
        let first = num.iter().position(|d| *d != 0).unwrap_or(num.len());
        num.drain(..first);
    }
    if out.is_empty() {
        return "0".into();
    }
    out.iter().rev().collect()
}

/// The credentials of a service key, wherever in the JSON they were.
#[derive(Debug)]
pub struct ServiceKey {
    /// Which kind of key.
    pub kind: KeyKind,
    /// JSON path of the credentials object (`oauth`, `credentials.oauth`, or empty).
    pub path: String,
    /// The OAuth client id.
    pub clientid: Option<String>,
    /// The client secret of a ClientId/Secret key.
    pub clientsecret: Option<Secret>,
    /// The runtime URL.
    pub url: Option<String>,
    /// The token endpoint.
    pub tokenurl: Option<String>,
    /// When the key was created, as the key says.
    pub createdate: Option<String>,
    /// `certificate-pinning` of an External Certificate key.
    pub certificate_pinning: Option<bool>,
    /// `certificatedetails` as SAP writes it (issuerdn, subjectdn, serialnumber, validuntil).
    pub details: Map<String, Value>,
    /// Every field name of the credentials object, in order.
    pub fields: Vec<String>,
    /// The certificates of `certificate`, in input order.
    pub certs: Vec<Cert>,
    /// The private key of `key`.
    pub key: Option<PrivateKey>,
}

/// Field names that mark an object as service-key credentials.
const MARKERS: &[&str] = &["clientid", "clientsecret", "certificate", "key", "tokenurl"];

impl ServiceKey {
    /// Reads the credentials under `root`. Returns the key and the wrapper
    /// path it was found at.
    pub fn from_json(root: &Value) -> Result<ServiceKey> {
        let (obj, path) = find_credentials(root)?;
        let field = |name: &str| -> String {
            if path.is_empty() {
                name.to_string()
            } else {
                format!("{path}.{name}")
            }
        };
        let string = |name: &str| -> Result<Option<String>> {
            match obj.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(other) => Err(Error::input(format!(
                    "{}: expected a string, found {}",
                    field(name),
                    json_type(other)
                ))),
            }
        };
        let pinning = match obj.get("certificate-pinning") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Some(true),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Some(false),
            Some(other) => {
                return Err(Error::input(format!(
                    "{}: expected true or false, found {}",
                    field("certificate-pinning"),
                    json_type(other)
                )))
            }
        };
        let details = match obj.get("certificatedetails") {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };

        let certificate = string("certificate")?.filter(|s| !s.trim().is_empty());
        let key_text = string("key")?.filter(|s| !s.trim().is_empty());
        let secret = string("clientsecret")?;

        let certs = match &certificate {
            Some(text) => crate::x509::material::certs_from_text(text)
                .map_err(|e| e.with_field(field("certificate")))?,
            None => Vec::new(),
        };
        let key = match &key_text {
            Some(text) => Some(
                crate::x509::material::key_from_text(text)
                    .map_err(|e| e.with_field(field("key")))?,
            ),
            None => None,
        };

        let kind = match (certificate.is_some(), key.is_some(), secret.is_some()) {
            (true, true, _) => KeyKind::Certificate,
            (true, false, _) => KeyKind::ExternalCertificate,
            (false, true, _) => {
                return Err(Error::input(format!(
                    "{} is present but {} is missing: the key alone cannot be used",
                    field("key"),
                    field("certificate")
                )))
            }
            (false, false, true) => KeyKind::ClientSecret,
            (false, false, false) => {
                return Err(Error::input(format!(
                    "{}: neither a certificate nor a clientsecret (fields: {})",
                    if path.is_empty() {
                        "service key"
                    } else {
                        &path
                    },
                    field_list(obj)
                )))
            }
        };

        Ok(ServiceKey {
            kind,
            path: path.clone(),
            clientid: string("clientid")?,
            clientsecret: secret.map(Secret::new),
            url: string("url")?,
            tokenurl: string("tokenurl")?,
            createdate: string("createdate")?,
            certificate_pinning: pinning,
            details,
            fields: obj.keys().cloned().collect(),
            certs,
            key,
        })
    }

    /// Every field name, comma-separated, for messages.
    pub fn field_list(&self) -> String {
        self.fields.join(", ")
    }

    /// The host of `tokenurl`: what Postman wants under Settings > Certificates.
    pub fn token_host(&self) -> Option<String> {
        self.tokenurl.as_deref().and_then(url_host)
    }

    /// The host of `url`.
    pub fn url_host(&self) -> Option<String> {
        self.url.as_deref().and_then(url_host)
    }

    /// The plan of the instance the key belongs to: from the host of `url`
    /// ([`plan_of_host`]), else `api` when the key echoes `grant-types` or
    /// `roles` (older api-plan keys do, sap-facts "Service key JSON");
    /// `None` when the key does not tell.
    pub fn plan(&self) -> Option<Plan> {
        self.url_host().and_then(|h| plan_of_host(&h)).or_else(|| {
            self.fields
                .iter()
                .any(|f| f == "grant-types" || f == "roles")
                .then_some(Plan::Api)
        })
    }

    /// Whether `certificatedetails` (serial number, expiry) describe `leaf`:
    /// they do not when the key was edited, or certificate and details come
    /// from different keys. `None` when the key has no details.
    pub fn details_check(&self, leaf: &Cert) -> Option<Check> {
        let serial = self.details.get("serialnumber").and_then(Value::as_str)?;
        let norm = |s: &str| {
            let hex: String = s
                .trim()
                .trim_start_matches("0x")
                .chars()
                .filter(char::is_ascii_hexdigit)
                .collect::<String>()
                .to_ascii_lowercase();
            hex.trim_start_matches('0').to_string()
        };
        let path = if self.path.is_empty() {
            "certificatedetails".to_string()
        } else {
            format!("{}.certificatedetails", self.path)
        };
        if norm(serial) != norm(&leaf.serial_hex()) {
            return Some(Check::new(Status::Warn, CheckId::Details,
                format!(
                    "{path}.serialnumber {} is not the serial number of the leaf ({}): the key's certificate and its details do not belong together",
                    crate::sanitize::sanitize(serial),
                    leaf.serial_hex()
                ),
            ));
        }
        Some(Check::new(
            Status::Ok,
            CheckId::Details,
            format!(
                "{path} describe the leaf (serial number {})",
                leaf.serial_hex()
            ),
        ))
    }
}

/// Walks `credentials` and `oauth` wrappers down to the object with the
/// service key fields.
fn find_credentials(root: &Value) -> Result<(&Map<String, Value>, String)> {
    let mut obj = match root {
        Value::Object(m) => m,
        other => {
            return Err(Error::input(format!(
                "expected a JSON object with the service key, found {}",
                json_type(other)
            )))
        }
    };
    let mut path = String::new();
    for _ in 0..4 {
        if MARKERS.iter().any(|m| obj.contains_key(*m)) {
            return Ok((obj, path));
        }
        let next = ["credentials", "oauth"]
            .iter()
            .find_map(|w| match obj.get(*w) {
                Some(Value::Object(m)) => Some((*w, m)),
                _ => None,
            });
        match next {
            Some((w, m)) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(w);
                obj = m;
            }
            None => break,
        }
    }
    if obj.contains_key("grant-types") || obj.contains_key("roles") {
        return Err(Error::input(
            "this holds service instance parameters (grant-types, roles), not a service key; use 'btpcert instance check'",
        ));
    }
    Err(Error::input(format!(
        "{}no service key fields (clientid, certificate, key, clientsecret) found; fields: {}",
        if path.is_empty() {
            String::new()
        } else {
            format!("{path}: ")
        },
        field_list(obj)
    )))
}

fn field_list(obj: &Map<String, Value>) -> String {
    if obj.is_empty() {
        "none".into()
    } else {
        obj.keys()
            .map(|k| crate::sanitize::sanitize(k).into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The type of a JSON value in words, for messages: `a string`, `null`.
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The host part of an URL or bare host name: `https://a.b/oauth/token` -> `a.b`.
pub fn url_host(url: &str) -> Option<String> {
    let s = url.trim();
    let s = s.split_once("://").map_or(s, |(_, rest)| rest);
    let s = s.split(['/', '?', '#']).next()?;
    let s = s.rsplit_once('@').map_or(s, |(_, h)| h);
    let host = if s.starts_with('[') {
        s.split_inclusive(']').next()?
    } else {
        s.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_from_the_url_host() {
        assert_eq!(
            plan_of_host("sub.it-cpi018-rt.cfapps.eu10-002.hana.ondemand.com"),
            Some(Plan::IntegrationFlow)
        );
        assert_eq!(
            plan_of_host("sub.it-cpi018.cfapps.eu10-002.hana.ondemand.com"),
            Some(Plan::Api)
        );
        assert_eq!(plan_of_host("127.0.0.1"), None);
        assert_eq!(plan_of_host("sub.it-cpix-rt.cfapps.x"), None);
        assert_eq!(plan_of_host("example.com"), None);
        assert_eq!(Plan::IntegrationFlow.name(), "integration-flow");
    }

    #[test]
    fn serial_numbers_in_hex_and_decimal() {
        let s = SerialNumber::from_hex("05:ab:1e");
        assert_eq!(
            (s.hex.as_str(), s.decimal.as_deref()),
            ("0x05ab1e", Some("371486"))
        );
        assert_eq!(SerialNumber::from_hex("0x05ab1e"), s);
        let big = SerialNumber::from_hex("0x1000000000000000000000000");
        assert_eq!(
            big.decimal.as_deref(),
            Some("79228162514264337593543950336")
        );
        assert_eq!(SerialNumber::from_hex("00").decimal.as_deref(), Some("0"));
        // 64 octets are shown in decimal (2^512 - 1); one more, in hex only.
        let most = SerialNumber::from_hex(&"ff".repeat(MAX_DECIMAL_SERIAL_OCTETS));
        assert_eq!(most.decimal.as_deref().map(str::len), Some(155));
        assert!(most
            .decimal
            .unwrap()
            .starts_with("134078079299425970995740249982058461274793658205923933"));
        let long = SerialNumber::from_hex(&format!("01{}", "23".repeat(MAX_DECIMAL_SERIAL_OCTETS)));
        assert_eq!(long.decimal, None);
        assert_eq!(long.hex.len(), 2 + 2 * (MAX_DECIMAL_SERIAL_OCTETS + 1));
        assert_eq!(SerialNumber::from_hex("00").hex, "0x00");
        assert_eq!(SerialNumber::from_hex("0x1ff").hex, "0x01ff");
    }

    #[test]
    fn hosts() {
        assert_eq!(
            url_host("https://x.authentication.cert.eu10.hana.ondemand.com/oauth/token").as_deref(),
            Some("x.authentication.cert.eu10.hana.ondemand.com")
        );
        assert_eq!(url_host("h.example:8443").as_deref(), Some("h.example"));
        assert_eq!(url_host("https://[::1]:9/x").as_deref(), Some("[::1]"));
        assert_eq!(url_host(""), None);
    }
}
