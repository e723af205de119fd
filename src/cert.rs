//! One X.509 certificate, and what a user wants to know about it.
//!
//! OpenSSL holds the certificate for signatures and key checks; x509-parser
//! reads names and extensions. [`CertInfo`] is the stable, serialisable
//! summary that `inspect`, `verify` and `audit` print.

use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey, PKeyRef, Public};
use openssl::x509::X509;
use serde::Serialize;
use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

use crate::error::{openssl_reason, Error, Result};

/// OID of the Client Authentication extended key usage.
pub const OID_CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";

#[derive(Clone)]
pub struct Cert {
    der: Vec<u8>,
    x509: X509,
}

impl std::fmt::Debug for Cert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Cert({})", self.subject_dn())
    }
}

impl Cert {
    /// Parses DER with both OpenSSL and x509-parser: a certificate either
    /// library rejects is refused here, not later.
    pub fn from_der(der: &[u8]) -> Result<Cert> {
        // TRUSTED CERTIFICATE blocks carry OpenSSL aux data after the
        // certificate: keep the first DER element only.
        let der = first_der_element(der).unwrap_or(der);
        let x509 = X509::from_der(der).map_err(|e| {
            Error::input(format!(
                "not a valid X.509 certificate ({})",
                openssl_reason(&e)
            ))
        })?;
        X509Certificate::from_der(der)
            .map_err(|e| Error::input(format!("not a valid X.509 certificate ({e})")))?;
        Ok(Cert {
            der: der.to_vec(),
            x509,
        })
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    pub fn x509(&self) -> &X509 {
        &self.x509
    }

    pub fn to_pem(&self) -> String {
        crate::pemtext::encode_der("CERTIFICATE", &self.der)
    }

    fn parsed(&self) -> X509Certificate<'_> {
        // Cannot fail: from_der checked it.
        X509Certificate::from_der(&self.der)
            .map(|(_, c)| c)
            .expect("certificate was parsed at construction")
    }

    pub fn subject_dn(&self) -> String {
        self.parsed().subject().to_string()
    }

    pub fn issuer_dn(&self) -> String {
        self.parsed().issuer().to_string()
    }

    /// The subject's common name, or the whole DN when it has none.
    pub fn common_name(&self) -> String {
        let p = self.parsed();
        let cn = p
            .subject()
            .iter_common_name()
            .next()
            .and_then(|a| a.as_str().ok().map(str::to_string));
        cn.unwrap_or_else(|| p.subject().to_string())
    }

    pub fn fingerprint(&self, md: MessageDigest) -> String {
        self.x509
            .digest(md)
            .map(|d| hex_colon(&d))
            .unwrap_or_default()
    }

    pub fn sha256(&self) -> String {
        self.fingerprint(MessageDigest::sha256())
    }

    pub fn public_key(&self) -> Result<PKey<Public>> {
        self.x509.public_key().map_err(|e| {
            Error::input(format!(
                "certificate {}: unreadable public key ({})",
                self.subject_dn(),
                openssl_reason(&e)
            ))
        })
    }

    /// Whether `issuer` signed this certificate: names chain and the
    /// signature verifies with the issuer's key.
    pub fn is_signed_by(&self, issuer: &Cert) -> bool {
        let names_match = self
            .x509
            .issuer_name()
            .try_cmp(issuer.x509.subject_name())
            .is_ok_and(|o| o == std::cmp::Ordering::Equal);
        if !names_match {
            return false;
        }
        match issuer.x509.public_key() {
            Ok(k) => self.x509.verify(&k).unwrap_or(false),
            Err(_) => false,
        }
    }

    /// Subject equals issuer and the signature verifies with its own key.
    pub fn is_self_signed(&self) -> bool {
        self.is_signed_by(self)
    }

    pub fn not_before(&self) -> OffsetDateTime {
        self.parsed().validity().not_before.to_datetime()
    }

    pub fn not_after(&self) -> OffsetDateTime {
        self.parsed().validity().not_after.to_datetime()
    }

    pub fn basic_constraints(&self) -> Option<(bool, Option<u32>)> {
        let p = self.parsed();
        p.basic_constraints()
            .ok()
            .flatten()
            .map(|bc| (bc.value.ca, bc.value.path_len_constraint))
    }

    pub fn key_usage(&self) -> Option<Vec<String>> {
        let p = self.parsed();
        p.key_usage().ok().flatten().map(|ku| {
            ku.value
                .to_string()
                .split(", ")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
    }

    pub fn has_key_cert_sign(&self) -> Option<bool> {
        let p = self.parsed();
        p.key_usage()
            .ok()
            .flatten()
            .map(|ku| ku.value.key_cert_sign())
    }

    pub fn has_digital_signature(&self) -> Option<bool> {
        let p = self.parsed();
        p.key_usage()
            .ok()
            .flatten()
            .map(|ku| ku.value.digital_signature())
    }

    /// Extended key usages as names (`clientAuth`) or dotted OIDs; `None`
    /// when the certificate has no EKU extension at all.
    pub fn extended_key_usage(&self) -> Option<Vec<String>> {
        let p = self.parsed();
        let eku = p.extended_key_usage().ok().flatten()?;
        let e = eku.value;
        let mut out = Vec::new();
        for (set, name) in [
            (e.any, "anyExtendedKeyUsage"),
            (e.server_auth, "serverAuth"),
            (e.client_auth, "clientAuth"),
            (e.code_signing, "codeSigning"),
            (e.email_protection, "emailProtection"),
            (e.time_stamping, "timeStamping"),
            (e.ocsp_signing, "OCSPSigning"),
        ] {
            if set {
                out.push(name.to_string());
            }
        }
        out.extend(e.other.iter().map(|o| o.to_id_string()));
        Some(out)
    }

    /// True when the certificate allows TLS client authentication: an EKU
    /// extension that lists clientAuth (or anyExtendedKeyUsage).
    pub fn allows_client_auth(&self) -> bool {
        self.extended_key_usage().is_some_and(|u| {
            u.iter()
                .any(|x| x == "clientAuth" || x == "anyExtendedKeyUsage")
        })
    }

    pub fn subject_alt_names(&self) -> Vec<String> {
        let p = self.parsed();
        let Ok(Some(san)) = p.subject_alternative_name() else {
            return Vec::new();
        };
        san.value
            .general_names
            .iter()
            .map(|g| match g {
                GeneralName::DNSName(s) => format!("DNS:{s}"),
                GeneralName::RFC822Name(s) => format!("email:{s}"),
                GeneralName::URI(s) => format!("URI:{s}"),
                GeneralName::IPAddress(b) => format!("IP:{}", ip_string(b)),
                GeneralName::DirectoryName(n) => format!("DirName:{n}"),
                other => other.to_string(),
            })
            .collect()
    }

    pub fn serial_hex(&self) -> String {
        self.parsed().raw_serial_as_string()
    }

    pub fn signature_algorithm(&self) -> String {
        let nid = self.x509.signature_algorithm().object().nid();
        nid.long_name().unwrap_or("unknown").to_string()
    }

    pub fn key_info(&self) -> KeyInfo {
        match self.x509.public_key() {
            Ok(k) => KeyInfo::of(&k),
            Err(_) => KeyInfo {
                algorithm: "unknown".into(),
                bits: 0,
                curve: None,
            },
        }
    }

    /// The summary printed by `inspect`, with validity judged at `at`.
    pub fn info(&self, at: OffsetDateTime) -> CertInfo {
        let not_before = self.not_before();
        let not_after = self.not_after();
        let (is_ca, path_len) = match self.basic_constraints() {
            Some((ca, pl)) => (ca, pl),
            None => (false, None),
        };
        CertInfo {
            subject_dn: self.subject_dn(),
            issuer_dn: self.issuer_dn(),
            common_name: self.common_name(),
            serial: self.serial_hex(),
            not_before: rfc3339(not_before),
            not_after: rfc3339(not_after),
            days_left: (not_after - at).whole_days(),
            expired: at > not_after,
            not_yet_valid: at < not_before,
            public_key: self.key_info(),
            signature_algorithm: self.signature_algorithm(),
            subject_alt_names: self.subject_alt_names(),
            key_usage: self.key_usage(),
            extended_key_usage: self.extended_key_usage(),
            client_auth: self.allows_client_auth(),
            is_ca,
            path_len,
            self_signed: self.is_self_signed(),
            fingerprint_sha256: self.sha256(),
            fingerprint_sha1: self.fingerprint(MessageDigest::sha1()),
        }
    }
}

/// Stable JSON shape of one certificate (see README, "JSON output").
#[derive(Debug, Clone, Serialize)]
pub struct CertInfo {
    pub subject_dn: String,
    pub issuer_dn: String,
    pub common_name: String,
    pub serial: String,
    pub not_before: String,
    pub not_after: String,
    pub days_left: i64,
    pub expired: bool,
    pub not_yet_valid: bool,
    pub public_key: KeyInfo,
    pub signature_algorithm: String,
    pub subject_alt_names: Vec<String>,
    pub key_usage: Option<Vec<String>>,
    pub extended_key_usage: Option<Vec<String>>,
    pub client_auth: bool,
    pub is_ca: bool,
    pub path_len: Option<u32>,
    pub self_signed: bool,
    pub fingerprint_sha256: String,
    pub fingerprint_sha1: String,
}

/// Algorithm and size of a public or private key.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KeyInfo {
    /// `RSA`, `EC`, `Ed25519`, `Ed448`, `DSA` or `unknown`.
    pub algorithm: String,
    pub bits: u32,
    /// `P-256`, `P-384`, `P-521` or OpenSSL's curve name; EC keys only.
    pub curve: Option<String>,
}

impl KeyInfo {
    pub fn of<T: openssl::pkey::HasPublic>(k: &PKeyRef<T>) -> KeyInfo {
        let (algorithm, curve) = match k.id() {
            Id::RSA | Id::RSA_PSS => ("RSA", None),
            Id::EC => {
                let curve = k
                    .ec_key()
                    .ok()
                    .and_then(|ec| ec.group().curve_name())
                    .map(curve_name);
                ("EC", curve)
            }
            Id::ED25519 => ("Ed25519", None),
            Id::ED448 => ("Ed448", None),
            Id::DSA => ("DSA", None),
            _ => ("unknown", None),
        };
        KeyInfo {
            algorithm: algorithm.into(),
            bits: k.bits(),
            curve,
        }
    }

    pub fn describe(&self) -> String {
        match &self.curve {
            Some(c) => format!("{} {}", self.algorithm, c),
            None if self.algorithm.starts_with("Ed") => self.algorithm.clone(),
            None => format!("{} {}", self.algorithm, self.bits),
        }
    }
}

fn curve_name(nid: Nid) -> String {
    match nid {
        Nid::X9_62_PRIME256V1 => "P-256".into(),
        Nid::SECP384R1 => "P-384".into(),
        Nid::SECP521R1 => "P-521".into(),
        other => other.short_name().unwrap_or("unknown").to_string(),
    }
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

pub fn hex_colon(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn ip_string(b: &[u8]) -> String {
    match b.len() {
        4 => std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string(),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            std::net::Ipv6Addr::from(a).to_string()
        }
        _ => hex_colon(b),
    }
}

/// Length of the first DER element (tag + length + content), if well formed.
fn first_der_element(der: &[u8]) -> Option<&[u8]> {
    if der.len() < 2 || der[0] != 0x30 {
        return None;
    }
    let (len, hdr) = match der[1] {
        l if l < 0x80 => (l as usize, 2),
        0x81 => (*der.get(2)? as usize, 3),
        0x82 => (((*der.get(2)? as usize) << 8) | *der.get(3)? as usize, 4),
        0x83 => (
            ((*der.get(2)? as usize) << 16)
                | ((*der.get(3)? as usize) << 8)
                | *der.get(4)? as usize,
            5,
        ),
        _ => return None,
    };
    der.get(..hdr + len)
}

/// Parses a point in time as users write it: RFC 3339
/// (`2026-05-01T12:00:00Z`), or a date (`2026-05-01`, midnight UTC).
pub fn parse_time(s: &str) -> Result<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = time::Date::parse(s, &fmt) {
        return Ok(d.midnight().assume_utc());
    }
    Err(Error::usage(format!(
        "'{}' is not a date: use 2026-05-01 or 2026-05-01T12:00:00Z",
        crate::sanitize::sanitize(s)
    )))
}
