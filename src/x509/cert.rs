//! One X.509 certificate, and what a user wants to know about it.
//!
//! OpenSSL holds the certificate for signatures and key checks; x509-parser
//! reads names and extensions. [`CertInfo`] is the stable, serialisable
//! summary that `inspect`, `verify` and `audit` print.

use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use openssl::pkey::{Id, PKey, PKeyRef, Public};
use openssl::x509::X509;
use serde::Serialize;
use time::OffsetDateTime;
use x509_parser::der_parser::oid::Oid;
use x509_parser::prelude::{FromDer, GeneralName, ParsedExtension, X509Certificate};

use crate::error::{Error, Result};
use crate::x509::der::{self, oid};
use crate::x509::digest::{self, Sha};
use crate::x509::name;

/// OID of the Client Authentication extended key usage.
pub const OID_CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";

/// Everything read from the certificate once, at construction.
struct Meta {
    subject_dn: String,
    issuer_dn: String,
    common_name: Option<String>,
    subject_raw: Vec<u8>,
    issuer_raw: Vec<u8>,
    /// Subject and issuer in the form RFC 5280 7.1 compares.
    subject_canon: Vec<u8>,
    issuer_canon: Vec<u8>,
    serial_hex: String,
    /// The serial number's content octets, leading zeros removed.
    serial: Vec<u8>,
    subject_key_id: Option<Vec<u8>>,
    authority_key_id: Option<AuthorityKeyId>,
    unhandled_critical: Vec<String>,
    extension_problems: Vec<ExtensionProblem>,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    basic_constraints: Option<(bool, Option<u32>)>,
    key_usage: Option<Vec<String>>,
    key_cert_sign: Option<bool>,
    digital_signature: Option<bool>,
    extended_key_usage: Option<Vec<String>>,
    subject_alt_names: Vec<String>,
    signature_oid: String,
    signature_name: String,
    /// Byte range of the TBSCertificate within the DER.
    tbs: std::ops::Range<usize>,
    signature: Vec<u8>,
    /// Byte range of the SubjectPublicKeyInfo within the DER.
    spki: std::ops::Range<usize>,
    key_info: KeyInfo,
}

/// The authority key identifier, as X509_check_akid reads it.
struct AuthorityKeyId {
    key_id: Option<Vec<u8>>,
    /// authorityCertSerialNumber, leading zeros removed.
    serial: Option<Vec<u8>>,
    /// The first directory name of authorityCertIssuer, canonical.
    issuer: Option<Vec<u8>>,
}

/// An extension a TLS stack cannot use as it is encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionProblem {
    /// What is wrong, e.g. "extension subjectAltName (2.5.29.17) appears twice".
    pub message: String,
    /// Whether a TLS stack refuses the certificate for it (a repeated or
    /// critical extension, or one RFC 5280 defines); a non-critical private
    /// extension that does not decode is ignored by TLS stacks.
    pub fatal: bool,
}

struct Inner {
    der: Vec<u8>,
    meta: Meta,
    /// Signature checks made, by the issuer's SubjectPublicKeyInfo.
    signatures: Mutex<Vec<(Box<[u8]>, bool)>>,
    /// OpenSSL's view, parsed when first needed (keystores, public key).
    x509: OnceLock<Option<X509>>,
    public_key: OnceLock<Option<PKey<Public>>>,
    self_signed: OnceLock<bool>,
    sha256: OnceLock<String>,
}

/// One certificate. Cheap to clone; CA certificates are shared between
/// inputs (an audit reads the same SAP CAs thousands of times).
#[derive(Clone)]
pub struct Cert(Arc<Inner>);

impl std::fmt::Debug for Cert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Cert({})", self.subject_dn())
    }
}

/// CA certificates already read, found by the last eight bytes of their
/// DER (bytes of the signature, which differ from one certificate to the
/// next) and then compared whole: looking a certificate up costs no pass
/// over its bytes. At most [`CA_CACHE_MAX`] certificates, and at most
/// [`CA_BUCKET_MAX`] that share those bytes, so that certificates made to
/// share them cost a few comparisons each, never one per certificate read.
#[derive(Default)]
struct CaCache {
    by_tail: HashMap<u64, Vec<Cert>>,
    len: usize,
}

impl CaCache {
    fn tail(der: &[u8]) -> u64 {
        let mut last = [0u8; 8];
        let n = der.len().min(8);
        last[..n].copy_from_slice(&der[der.len() - n..]);
        u64::from_le_bytes(last) ^ der.len() as u64
    }

    fn get(&self, der: &[u8]) -> Option<Cert> {
        self.by_tail
            .get(&Self::tail(der))?
            .iter()
            .find(|c| c.der() == der)
            .cloned()
    }

    fn insert(&mut self, cert: &Cert) {
        if self.len >= CA_CACHE_MAX {
            return;
        }
        let bucket = self.by_tail.entry(Self::tail(cert.der())).or_default();
        if bucket.len() < CA_BUCKET_MAX && !bucket.iter().any(|c| c.der() == cert.der()) {
            bucket.push(cert.clone());
            self.len += 1;
        }
    }
}

fn ca_cache() -> &'static Mutex<CaCache> {
    static CACHE: OnceLock<Mutex<CaCache>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}
const CA_CACHE_MAX: usize = 4096;
const CA_BUCKET_MAX: usize = 8;

fn range_in(outer: &[u8], inner: &[u8]) -> std::ops::Range<usize> {
    let start = inner.as_ptr() as usize - outer.as_ptr() as usize;
    start..start + inner.len()
}

impl Cert {
    /// Parses DER with x509-parser, which reads names and extensions;
    /// OpenSSL reads the certificate too when it is first needed.
    pub fn from_der(der: &[u8]) -> Result<Cert> {
        // TRUSTED CERTIFICATE blocks carry OpenSSL aux data after the
        // certificate: keep the first DER element only.
        let der = first_der_element(der).unwrap_or(der);
        if let Some(c) = ca_cache().lock().ok().and_then(|m| m.get(der)) {
            return Ok(c);
        }
        // x509-parser's errors name its internal types: say it in words.
        let (_, p) = X509Certificate::from_der(der).map_err(|_| {
            Error::input(format!(
                "not a valid X.509 certificate: {}",
                der_problem(der)
            ))
        })?;
        let meta = meta_of(der, &p);
        let is_ca = meta.basic_constraints.is_some_and(|(ca, _)| ca);
        let cert = Cert(Arc::new(Inner {
            der: der.to_vec(),
            meta,
            signatures: Mutex::new(Vec::new()),
            x509: OnceLock::new(),
            public_key: OnceLock::new(),
            self_signed: OnceLock::new(),
            sha256: OnceLock::new(),
        }));
        if is_ca {
            if let Ok(mut m) = ca_cache().lock() {
                m.insert(&cert);
            }
        }
        Ok(cert)
    }

    /// The certificate's DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.0.der
    }

    fn meta(&self) -> &Meta {
        &self.0.meta
    }

    /// OpenSSL's view of the certificate.
    pub fn x509(&self) -> Result<&X509> {
        self.0
            .x509
            .get_or_init(|| X509::from_der(&self.0.der).ok())
            .as_ref()
            .ok_or_else(|| {
                Error::input(format!(
                    "certificate '{}': OpenSSL cannot read it",
                    self.subject_dn()
                ))
            })
    }

    /// The certificate as one PEM block.
    pub fn to_pem(&self) -> String {
        crate::x509::pem::encode_der("CERTIFICATE", &self.0.der)
    }

    /// The subject as `C=DE, O=..., CN=...`.
    pub fn subject_dn(&self) -> String {
        self.meta().subject_dn.clone()
    }

    /// The issuer as `C=DE, O=..., CN=...`.
    pub fn issuer_dn(&self) -> String {
        self.meta().issuer_dn.clone()
    }

    /// The subject's common name, or the whole DN when it has none.
    pub fn common_name(&self) -> String {
        self.meta()
            .common_name
            .clone()
            .unwrap_or_else(|| self.subject_dn())
    }

    /// The fingerprint with `md`, as colon-separated upper-case hex.
    pub fn fingerprint(&self, md: MessageDigest) -> String {
        openssl::hash::hash(md, &self.0.der)
            .map(|d| hex_colon(&d))
            .unwrap_or_default()
    }

    /// The SHA-256 fingerprint: what trust decisions compare.
    pub fn sha256(&self) -> String {
        self.0
            .sha256
            .get_or_init(|| hex_colon(&digest::sha256(&self.0.der)))
            .clone()
    }

    /// The certificate's public key, as OpenSSL reads it.
    pub fn public_key(&self) -> Result<PKey<Public>> {
        self.public_key_ref().cloned().ok_or_else(|| {
            Error::input(format!(
                "certificate '{}': unreadable public key",
                self.subject_dn()
            ))
        })
    }

    fn public_key_ref(&self) -> Option<&PKey<Public>> {
        self.0
            .public_key
            .get_or_init(|| {
                public_key_of(self.spki_der())
                    .or_else(|| self.x509().ok().and_then(|x| x.public_key().ok()))
            })
            .as_ref()
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> &[u8] {
        &self.0.der[self.meta().spki.clone()]
    }

    /// Whether `issuer` signed this certificate: the names chain, the
    /// authority key identifier does not name another issuer, and the
    /// signature verifies with the issuer's key.
    pub fn is_signed_by(&self, issuer: &Cert) -> bool {
        self.may_be_issued_by(issuer) && self.signature_verifies_with(issuer)
    }

    /// Whether names and authority key identifier allow `issuer` to have
    /// issued this certificate, as OpenSSL's `X509_check_issued` decides
    /// before it checks a signature: the issuer's subject is this
    /// certificate's issuer (RFC 5280 7.1), and the authority key identifier
    /// does not contradict it.
    pub fn may_be_issued_by(&self, issuer: &Cert) -> bool {
        let (m, im) = (self.meta(), issuer.meta());
        let names_match = m.issuer_raw == im.subject_raw || m.issuer_canon == im.subject_canon;
        names_match && !self.authority_key_id_names_another(issuer)
    }

    /// Whether the authority key identifier names another issuer than
    /// `issuer` (OpenSSL's `X509_check_akid`): a key identifier that differs
    /// from the issuer's subject key identifier, a serial number that differs
    /// from the issuer's, or a directory name that differs from the issuer's
    /// own issuer.
    pub fn authority_key_id_names_another(&self, issuer: &Cert) -> bool {
        let Some(aki) = &self.meta().authority_key_id else {
            return false;
        };
        let im = issuer.meta();
        if let (Some(k), Some(s)) = (&aki.key_id, &im.subject_key_id) {
            if k != s {
                return true;
            }
        }
        if aki.serial.as_ref().is_some_and(|s| *s != im.serial) {
            return true;
        }
        aki.issuer.as_ref().is_some_and(|n| *n != im.issuer_canon)
    }

    /// Whether the signature verifies with `issuer`'s public key, names
    /// aside. Each key is tried once per certificate: the result is kept.
    pub fn signature_verifies_with(&self, issuer: &Cert) -> bool {
        let spki = issuer.spki_der();
        if let Some(&(_, ok)) = self
            .0
            .signatures
            .lock()
            .ok()
            .as_ref()
            .and_then(|v| v.iter().find(|(k, _)| **k == *spki))
        {
            return ok;
        }
        let ok = self.verify_with(issuer);
        if let Ok(mut v) = self.0.signatures.lock() {
            v.push((spki.into(), ok));
        }
        ok
    }

    fn verify_with(&self, issuer: &Cert) -> bool {
        let m = self.meta();
        let Some(key) = issuer.public_key_ref() else {
            return false;
        };
        VERIFICATIONS.with(|n| n.set(n.get() + 1));
        match verify_fast(
            &m.signature_oid,
            key,
            &self.0.der[m.tbs.clone()],
            &m.signature,
        ) {
            Some(ok) => ok,
            // Algorithms with parameters (RSA-PSS) and the rest: OpenSSL's X509_verify.
            None => self
                .x509()
                .ok()
                .and_then(|x| x.verify(key).ok())
                .unwrap_or(false),
        }
    }

    /// Subject equals issuer and the signature verifies with its own key.
    pub fn is_self_signed(&self) -> bool {
        *self.0.self_signed.get_or_init(|| self.is_signed_by(self))
    }

    /// Subject equals issuer (RFC 5280 7.1), whoever signed it: a CA's
    /// certificate for a new key of its own is self-issued.
    pub fn is_self_issued(&self) -> bool {
        let m = self.meta();
        m.subject_raw == m.issuer_raw || m.subject_canon == m.issuer_canon
    }

    /// The subject in the form RFC 5280 7.1 compares (for look-ups; never
    /// printed).
    pub fn subject_key(&self) -> &[u8] {
        &self.meta().subject_canon
    }

    /// The issuer in the form RFC 5280 7.1 compares (for look-ups; never
    /// printed).
    pub fn issuer_key(&self) -> &[u8] {
        &self.meta().issuer_canon
    }

    /// The subject key identifier, if the certificate has one.
    pub fn subject_key_id(&self) -> Option<&[u8]> {
        self.meta().subject_key_id.as_deref()
    }

    /// The key identifier of the authority key identifier, if any.
    pub fn authority_key_id(&self) -> Option<&[u8]> {
        self.meta()
            .authority_key_id
            .as_ref()
            .and_then(|a| a.key_id.as_deref())
    }

    /// Critical extensions a TLS stack does not process, by name: OpenSSL
    /// refuses a certificate with any ("unhandled critical extension").
    pub fn unhandled_critical_extensions(&self) -> &[String] {
        &self.meta().unhandled_critical
    }

    /// Extensions given twice, or that do not decode.
    pub fn extension_problems(&self) -> &[ExtensionProblem] {
        &self.meta().extension_problems
    }

    /// Start of validity.
    pub fn not_before(&self) -> OffsetDateTime {
        self.meta().not_before
    }

    /// End of validity.
    pub fn not_after(&self) -> OffsetDateTime {
        self.meta().not_after
    }

    /// Whether the certificate has expired at `at`. As in OpenSSL, the
    /// time counts in whole seconds and validity ends *at* notAfter: at
    /// that second the certificate is expired (RFC 5280 would still count
    /// it as valid; the TLS handshake does not).
    pub fn expired_at(&self, at: OffsetDateTime) -> bool {
        whole_second(at) >= self.not_after()
    }

    /// Whether the certificate is not valid yet at `at` (whole seconds).
    pub fn not_yet_valid_at(&self, at: OffsetDateTime) -> bool {
        whole_second(at) < self.not_before()
    }

    /// basicConstraints: (CA, pathLenConstraint); `None` without the extension.
    pub fn basic_constraints(&self) -> Option<(bool, Option<u32>)> {
        self.meta().basic_constraints
    }

    /// keyUsage bits by name; `None` without the extension.
    pub fn key_usage(&self) -> Option<Vec<String>> {
        self.meta().key_usage.clone()
    }

    /// Whether keyUsage allows keyCertSign; `None` without the extension.
    pub fn has_key_cert_sign(&self) -> Option<bool> {
        self.meta().key_cert_sign
    }

    /// Whether keyUsage allows digitalSignature; `None` without the extension.
    pub fn has_digital_signature(&self) -> Option<bool> {
        self.meta().digital_signature
    }

    /// Extended key usages as names (`clientAuth`) or dotted OIDs; `None`
    /// when the certificate has no EKU extension at all.
    pub fn extended_key_usage(&self) -> Option<Vec<String>> {
        self.meta().extended_key_usage.clone()
    }

    /// True when the certificate allows TLS client authentication: an EKU
    /// extension that lists clientAuth (or anyExtendedKeyUsage).
    pub fn allows_client_auth(&self) -> bool {
        self.meta().extended_key_usage.as_ref().is_some_and(|u| {
            u.iter()
                .any(|x| x == "clientAuth" || x == "anyExtendedKeyUsage")
        })
    }

    /// Subject alternative names as `DNS:...`, `IP:...`, `email:...`, `URI:...`.
    pub fn subject_alt_names(&self) -> Vec<String> {
        self.meta().subject_alt_names.clone()
    }

    /// The serial number as lower-case hex.
    pub fn serial_hex(&self) -> String {
        self.meta().serial_hex.clone()
    }

    /// The signature algorithm's name, e.g. `sha256WithRSAEncryption`.
    pub fn signature_algorithm(&self) -> String {
        self.meta().signature_name.clone()
    }

    /// Algorithm and size of the public key.
    pub fn key_info(&self) -> KeyInfo {
        self.meta().key_info.clone()
    }

    /// The summary printed by `inspect`, with validity judged at `at`.
    pub fn info(&self, at: OffsetDateTime) -> CertInfo {
        let not_before = self.not_before();
        let not_after = self.not_after();
        let (is_ca, path_len) = self.basic_constraints().unwrap_or((false, None));
        CertInfo {
            subject_dn: self.subject_dn(),
            issuer_dn: self.issuer_dn(),
            common_name: self.common_name(),
            serial: self.serial_hex(),
            not_before: rfc3339(not_before),
            not_after: rfc3339(not_after),
            days_left: (not_after - at).whole_days(),
            expired: self.expired_at(at),
            not_yet_valid: self.not_yet_valid_at(at),
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

thread_local! {
    static VERIFICATIONS: Cell<u64> = const { Cell::new(0) };
}

/// How many signatures this thread has verified so far. Tests bound the
/// work of ordering and path building with it, rather than timing it.
#[doc(hidden)]
pub fn signature_verifications() -> u64 {
    VERIFICATIONS.with(Cell::get)
}

/// From this many items on, [`par_map`] spreads them over the cores.
const PARALLEL_FROM: usize = 256;

/// `f` of each of `0..n`, in order: from [`PARALLEL_FROM`] items on on the
/// threads of rayon's pool, counting the signature verifications they make
/// as this thread's own; fewer on this thread.
pub(crate) fn par_map<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync + Send) -> Vec<T> {
    use rayon::prelude::*;
    if n < PARALLEL_FROM {
        return (0..n).map(f).collect();
    }
    let before = signature_verifications();
    let (out, counts): (Vec<T>, Vec<u64>) = (0..n)
        .into_par_iter()
        .map(|i| {
            let start = signature_verifications();
            let r = f(i);
            (r, signature_verifications() - start)
        })
        .unzip();
    // Work that ran on this thread is in `counts` too: set, do not add.
    VERIFICATIONS.with(|c| c.set(before + counts.iter().sum::<u64>()));
    out
}

/// `at` without the fraction of a second: a TLS stack sees the clock so.
fn whole_second(at: OffsetDateTime) -> OffsetDateTime {
    at.replace_nanosecond(0).unwrap_or(at)
}

/// Extensions OpenSSL processes, so may be critical (its
/// `X509_supported_extension`): Netscape cert type, keyUsage,
/// subjectAltName, basicConstraints, certificatePolicies,
/// cRLDistributionPoints, extKeyUsage, IP and AS resources, OCSP no-check,
/// policyConstraints, proxyCertInfo, nameConstraints, policyMappings,
/// inhibitAnyPolicy.
const PROCESSED_EXTENSIONS: [&str; 15] = [
    "2.16.840.1.113730.1.1",
    "2.5.29.15",
    "2.5.29.17",
    "2.5.29.19",
    "2.5.29.32",
    "2.5.29.31",
    "2.5.29.37",
    "1.3.6.1.5.5.7.1.7",
    "1.3.6.1.5.5.7.1.8",
    "1.3.6.1.5.5.7.48.1.5",
    "2.5.29.36",
    "1.3.6.1.5.5.7.1.14",
    "2.5.29.30",
    "2.5.29.33",
    "2.5.29.54",
];

/// Extensions RFC 5280 defines (4.2.1 and 4.2.2).
const RFC5280_EXTENSIONS: [&str; 17] = [
    "2.5.29.35",
    "2.5.29.14",
    "2.5.29.15",
    "2.5.29.32",
    "2.5.29.33",
    "2.5.29.17",
    "2.5.29.18",
    "2.5.29.9",
    "2.5.29.19",
    "2.5.29.30",
    "2.5.29.36",
    "2.5.29.37",
    "2.5.29.31",
    "2.5.29.54",
    "2.5.29.46",
    "1.3.6.1.5.5.7.1.1",
    "1.3.6.1.5.5.7.1.11",
];

/// Whether `oid` is one of `dotted`, compared as DER (encoded once).
fn oid_in(oid: &Oid<'_>, set: &'static OnceLock<Vec<Vec<u8>>>, dotted: &[&str]) -> bool {
    set.get_or_init(|| dotted.iter().map(|d| der::encode_oid(d)).collect())
        .iter()
        .any(|d| d.as_slice() == oid.as_bytes())
}

/// Critical extensions no TLS stack processes, and extensions given twice
/// or that do not decode. Extensions are told apart by their DER: an OID
/// is written out in words only for a message.
fn extension_facts(p: &X509Certificate<'_>) -> (Vec<String>, Vec<ExtensionProblem>) {
    static PROCESSED: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    static RFC5280: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    let mut unhandled = Vec::new();
    let mut problems: Vec<ExtensionProblem> = Vec::new();
    // Sets, so that a certificate of many extensions costs linear time.
    let mut seen: std::collections::HashSet<&[u8]> = std::collections::HashSet::new();
    let mut repeated: std::collections::HashSet<&[u8]> = std::collections::HashSet::new();
    for ext in p.extensions() {
        let name = || {
            let oid = ext.oid.to_id_string();
            match x509_parser::objects::oid2sn(&ext.oid, x509_parser::objects::oid_registry()) {
                Ok(sn) => format!("{sn} ({oid})"),
                Err(_) => oid,
            }
        };
        if !seen.insert(ext.oid.as_bytes()) {
            if repeated.insert(ext.oid.as_bytes()) {
                problems.push(ExtensionProblem {
                    message: format!("extension {} appears more than once", name()),
                    fatal: true,
                });
            }
            continue;
        }
        if ext.critical && !oid_in(&ext.oid, &PROCESSED, &PROCESSED_EXTENSIONS) {
            unhandled.push(name());
        }
        if let ParsedExtension::ParseError { .. } = ext.parsed_extension() {
            problems.push(ExtensionProblem {
                message: format!("extension {} cannot be decoded", name()),
                fatal: ext.critical || oid_in(&ext.oid, &RFC5280, &RFC5280_EXTENSIONS),
            });
        }
    }
    (unhandled, problems)
}

/// The authority key identifier, when the certificate has one that decodes.
fn authority_key_id_of(p: &X509Certificate<'_>) -> Option<AuthorityKeyId> {
    p.extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(a) => Some(AuthorityKeyId {
                key_id: a.key_identifier.as_ref().map(|k| k.0.to_vec()),
                serial: a.authority_cert_serial.map(strip_zeros),
                issuer: a.authority_cert_issuer.as_ref().and_then(|names| {
                    names.iter().find_map(|g| match g {
                        GeneralName::DirectoryName(n) => Some(name::canonical(n)),
                        _ => None,
                    })
                }),
            }),
            _ => None,
        })
}

fn subject_key_id_of(p: &X509Certificate<'_>) -> Option<Vec<u8>> {
    p.extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
            _ => None,
        })
}

/// An unsigned integer's content octets without leading zeros.
fn strip_zeros(b: &[u8]) -> Vec<u8> {
    let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    b[start..].to_vec()
}

fn meta_of(der: &[u8], p: &X509Certificate<'_>) -> Meta {
    let basic_constraints = p
        .basic_constraints()
        .ok()
        .flatten()
        .map(|bc| (bc.value.ca, bc.value.path_len_constraint));
    let ku = p.key_usage().ok().flatten();
    let key_usage = ku.as_ref().map(|ku| {
        ku.value
            .to_string()
            .split(", ")
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    });
    let extended_key_usage = p.extended_key_usage().ok().flatten().map(|eku| {
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
        out
    });
    let subject_alt_names = match p.subject_alternative_name() {
        Ok(Some(san)) => san
            .value
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
            .collect(),
        _ => Vec::new(),
    };
    let sig_oid = &p.signature_algorithm.algorithm;
    let signature_name =
        x509_parser::objects::oid2sn(sig_oid, x509_parser::objects::oid_registry())
            .map(str::to_string)
            .unwrap_or_else(|_| sig_oid.to_id_string());
    let spki = &p.tbs_certificate.subject_pki;
    let (unhandled_critical, extension_problems) = extension_facts(p);
    Meta {
        subject_dn: p.subject().to_string(),
        issuer_dn: p.issuer().to_string(),
        common_name: p
            .subject()
            .iter_common_name()
            .next()
            .and_then(|a| a.as_str().ok().map(str::to_string)),
        subject_raw: p.subject().as_raw().to_vec(),
        issuer_raw: p.issuer().as_raw().to_vec(),
        subject_canon: name::canonical(p.subject()),
        issuer_canon: name::canonical(p.issuer()),
        serial_hex: p.raw_serial_as_string(),
        serial: strip_zeros(p.raw_serial()),
        subject_key_id: subject_key_id_of(p),
        authority_key_id: authority_key_id_of(p),
        unhandled_critical,
        extension_problems,
        not_before: p.validity().not_before.to_datetime(),
        not_after: p.validity().not_after.to_datetime(),
        basic_constraints,
        key_cert_sign: ku.as_ref().map(|k| k.value.key_cert_sign()),
        digital_signature: ku.as_ref().map(|k| k.value.digital_signature()),
        key_usage,
        extended_key_usage,
        subject_alt_names,
        signature_oid: sig_oid.to_id_string(),
        signature_name,
        tbs: range_in(der, p.tbs_certificate.as_ref()),
        signature: p.signature_value.as_ref().to_vec(),
        spki: range_in(der, spki.raw),
        key_info: key_info_of(spki),
    }
}

fn key_info_of(spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>) -> KeyInfo {
    use x509_parser::public_key::PublicKey;
    let alg = spki.algorithm.algorithm.as_bytes();
    match (alg, spki.parsed()) {
        (_, Ok(PublicKey::RSA(rsa))) => KeyInfo {
            algorithm: "RSA".into(),
            bits: unsigned_bits(rsa.modulus),
            curve: None,
        },
        (_, Ok(PublicKey::EC(point))) => {
            let params = spki.algorithm.parameters.as_ref();
            // as_oid() reads any content as an OID: the tag decides.
            let curve_oid = params
                .filter(|p| p.tag() == x509_parser::asn1_rs::Tag::Oid)
                .and_then(|p| p.as_oid().ok());
            let (curve, bits) = match curve_oid.as_ref().map(|o| o.as_bytes()) {
                Some(oid::P256) => ("P-256".to_string(), 256),
                Some(oid::P384) => ("P-384".to_string(), 384),
                Some(oid::P521) => ("P-521".to_string(), 521),
                Some(oid::P224) => ("P-224".to_string(), 224),
                Some(oid::P192) => ("P-192".to_string(), 192),
                Some(_) => (
                    curve_oid.map(|o| o.to_id_string()).unwrap_or_default(),
                    point.key_size() as u32,
                ),
                // specifiedCurve: the curve spelled out, which RFC 5480 forbids.
                None if params.is_some_and(|p| p.tag() == x509_parser::asn1_rs::Tag::Sequence) => {
                    (EXPLICIT_CURVE.to_string(), point.key_size() as u32)
                }
                None => ("unknown".to_string(), point.key_size() as u32),
            };
            KeyInfo {
                algorithm: "EC".into(),
                bits,
                curve: Some(curve),
            }
        }
        (oid::ED25519, _) => KeyInfo {
            algorithm: "Ed25519".into(),
            bits: 256,
            curve: None,
        },
        (oid::ED448, _) => KeyInfo {
            algorithm: "Ed448".into(),
            bits: 456,
            curve: None,
        },
        (_, Ok(PublicKey::DSA(y))) => KeyInfo {
            algorithm: "DSA".into(),
            // The size of p, which only OpenSSL reads for us.
            bits: PKey::public_key_from_der(spki.raw)
                .map(|k| k.bits())
                .unwrap_or_else(|_| unsigned_bits(y)),
            curve: None,
        },
        _ => KeyInfo {
            algorithm: "unknown".into(),
            bits: 0,
            curve: None,
        },
    }
}

/// The curve of an EC key whose parameters spell the curve out.
pub const EXPLICIT_CURVE: &str = "explicit parameters";

/// The size in bits of an unsigned big-endian integer.
fn unsigned_bits(b: &[u8]) -> u32 {
    let b = &b[b.iter().position(|&x| x != 0).unwrap_or(b.len())..];
    match b.first() {
        Some(first) => 8 * b.len() as u32 - first.leading_zeros(),
        None => 0,
    }
}

/// The public key of a SubjectPublicKeyInfo for RSA, EC on a named curve
/// and Ed25519, built from its parts: OpenSSL 3's decoders cost tens of
/// microseconds a key, which a chain of thousands of certificates feels.
/// `None` for the rest, which OpenSSL reads from the certificate.
fn public_key_of(spki_der: &[u8]) -> Option<PKey<Public>> {
    use openssl::bn::{BigNum, BigNumContext};
    use openssl::ec::{EcKey, EcPoint};
    use x509_parser::public_key::PublicKey;
    let (_, spki) = x509_parser::x509::SubjectPublicKeyInfo::from_der(spki_der).ok()?;
    let rsa_encryption = spki.algorithm.algorithm.as_bytes() == oid::RSA_ENCRYPTION;
    match spki.parsed().ok()? {
        PublicKey::RSA(rsa) if rsa_encryption => {
            let n = BigNum::from_slice(rsa.modulus).ok()?;
            let e = BigNum::from_slice(rsa.exponent).ok()?;
            PKey::from_rsa(openssl::rsa::Rsa::from_public_components(n, e).ok()?).ok()
        }
        PublicKey::EC(point) => {
            let params = spki.algorithm.parameters.as_ref()?;
            if params.tag() != x509_parser::asn1_rs::Tag::Oid {
                return None;
            }
            let nid = match params.as_oid().ok()?.as_bytes() {
                oid::P256 => Nid::X9_62_PRIME256V1,
                oid::P384 => Nid::SECP384R1,
                oid::P521 => Nid::SECP521R1,
                _ => return None,
            };
            let group = curve(nid)?;
            let mut ctx = BigNumContext::new().ok()?;
            let point = EcPoint::from_bytes(group, point.data(), &mut ctx).ok()?;
            PKey::from_ec_key(EcKey::from_public_key(group, &point).ok()?).ok()
        }
        _ if spki.algorithm.algorithm.as_bytes() == oid::ED25519 => {
            PKey::public_key_from_raw_bytes(&spki.subject_public_key.data, Id::ED25519).ok()
        }
        _ => None,
    }
}

/// The named curves keys are built on, made once: making one costs more
/// than the key.
fn curve(nid: Nid) -> Option<&'static openssl::ec::EcGroup> {
    static CURVES: OnceLock<Vec<(Nid, openssl::ec::EcGroup)>> = OnceLock::new();
    CURVES
        .get_or_init(|| {
            [Nid::X9_62_PRIME256V1, Nid::SECP384R1, Nid::SECP521R1]
                .into_iter()
                .filter_map(|n| Some((n, openssl::ec::EcGroup::from_curve_name(n).ok()?)))
                .collect()
        })
        .iter()
        .find(|(n, _)| *n == nid)
        .map(|(_, g)| g)
}

/// Verifies a signature over `tbs` for the common algorithms, with
/// OpenSSL; `None` for algorithms left to `X509_verify`.
fn verify_fast(oid: &str, key: &PKeyRef<Public>, tbs: &[u8], sig: &[u8]) -> Option<bool> {
    use openssl::sign::Verifier;
    let (md, sha) = match oid {
        "1.2.840.113549.1.1.11" | "1.2.840.10045.4.3.2" => (MessageDigest::sha256(), Sha::Sha256),
        "1.2.840.113549.1.1.12" | "1.2.840.10045.4.3.3" => (MessageDigest::sha384(), Sha::Sha384),
        "1.2.840.113549.1.1.13" | "1.2.840.10045.4.3.4" => (MessageDigest::sha512(), Sha::Sha512),
        "1.2.840.113549.1.1.5" | "1.2.840.10045.4.1" => (MessageDigest::sha1(), Sha::Sha1),
        "1.3.101.112" => {
            if key.id() != Id::ED25519 {
                return Some(false);
            }
            let mut v = Verifier::new_without_digest(key).ok()?;
            return Some(v.verify_oneshot(sig, tbs).unwrap_or(false));
        }
        _ => return None,
    };
    let rsa = oid.starts_with("1.2.840.113549.");
    // The key type must fit the algorithm, as X509_verify insists.
    if rsa != (key.id() == Id::RSA) || (!rsa && key.id() != Id::EC) {
        return Some(false);
    }
    if !rsa {
        // ECDSA on the key itself: EVP would copy a key built from its
        // parts into a provider key, curve and all, at every verification.
        if let Ok(ec) = key.ec_key() {
            let digest = sha.digest(tbs)?;
            let Ok(parsed) = openssl::ecdsa::EcdsaSig::from_der(sig) else {
                return Some(false);
            };
            // As ECDSA_verify: only the DER encoding of the signature counts.
            if parsed.to_der().ok()? != sig {
                return Some(false);
            }
            return Some(parsed.verify(&digest, &ec).unwrap_or(false));
        }
    }
    if rsa {
        if let Some(ok) = verify_pkcs1(oid, key, tbs, sig) {
            return Some(ok);
        }
    }
    let mut v = Verifier::new(md, key).ok()?;
    v.update(tbs).ok()?;
    Some(v.verify(sig).unwrap_or(false))
}

/// RSA PKCS#1 v1.5 with SHA-1 or SHA-2, as `RSA_verify` does it: the
/// signature is as long as the modulus, opens with the public key to a
/// block of type 1, and holds exactly the DER DigestInfo of the TBS
/// digest. Done on the RSA key itself: EVP would copy the key into a
/// provider key at every verification, which costs a third of the check.
/// `None` where this does not apply.
fn verify_pkcs1(oid: &str, key: &PKeyRef<Public>, tbs: &[u8], sig: &[u8]) -> Option<bool> {
    const SHA1: &[u8] = &[
        0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
    ];
    const fn sha2(n: u8, len: u8) -> [u8; 19] {
        [
            0x30,
            0x11 + len,
            0x30,
            0x0d,
            0x06,
            0x09,
            0x60,
            0x86,
            0x48,
            0x01,
            0x65,
            0x03,
            0x04,
            0x02,
            n,
            0x05,
            0x00,
            0x04,
            len,
        ]
    }
    const SHA256: [u8; 19] = sha2(1, 32);
    const SHA384: [u8; 19] = sha2(2, 48);
    const SHA512: [u8; 19] = sha2(3, 64);
    let (prefix, digest): (&[u8], Vec<u8>) = match oid {
        "1.2.840.113549.1.1.11" => (&SHA256, Sha::Sha256.digest(tbs)?),
        "1.2.840.113549.1.1.12" => (&SHA384, Sha::Sha384.digest(tbs)?),
        "1.2.840.113549.1.1.13" => (&SHA512, Sha::Sha512.digest(tbs)?),
        "1.2.840.113549.1.1.5" => (SHA1, Sha::Sha1.digest(tbs)?),
        _ => return None,
    };
    let rsa = key.rsa().ok()?;
    let size = rsa.size() as usize;
    if sig.len() != size {
        return Some(false);
    }
    let mut block = vec![0u8; size];
    let Ok(n) = rsa.public_decrypt(sig, &mut block, openssl::rsa::Padding::PKCS1) else {
        return Some(false);
    };
    let block = &block[..n];
    Some(
        block.len() == prefix.len() + digest.len()
            && block.starts_with(prefix)
            && block.ends_with(&digest),
    )
}

/// Stable JSON shape of one certificate (see README, "JSON output").
#[derive(Debug, Clone, Serialize)]
pub struct CertInfo {
    /// Subject, `C=DE, O=..., CN=...`.
    pub subject_dn: String,
    /// Issuer, `C=DE, O=..., CN=...`.
    pub issuer_dn: String,
    /// The subject's common name.
    pub common_name: String,
    /// Serial number, colon-separated hex.
    pub serial: String,
    /// Start of validity, RFC 3339.
    pub not_before: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// Whole days from the time of the check to the end of validity.
    pub days_left: i64,
    /// Whether it had expired at the time of the check.
    pub expired: bool,
    /// Whether it was not yet valid at the time of the check.
    pub not_yet_valid: bool,
    /// The public key.
    pub public_key: KeyInfo,
    /// The signature algorithm.
    pub signature_algorithm: String,
    /// Subject alternative names.
    pub subject_alt_names: Vec<String>,
    /// keyUsage bits, if the extension is there.
    pub key_usage: Option<Vec<String>>,
    /// Extended key usages, if the extension is there.
    pub extended_key_usage: Option<Vec<String>>,
    /// Whether TLS client authentication is allowed.
    pub client_auth: bool,
    /// basicConstraints CA:TRUE.
    pub is_ca: bool,
    /// pathLenConstraint, for a CA.
    pub path_len: Option<u32>,
    /// Subject equals issuer and the signature verifies with its own key.
    pub self_signed: bool,
    /// SHA-256 fingerprint.
    pub fingerprint_sha256: String,
    /// SHA-1 fingerprint (what older tools show).
    pub fingerprint_sha1: String,
}

/// Algorithm and size of a public or private key.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KeyInfo {
    /// `RSA`, `EC`, `Ed25519`, `Ed448`, `DSA` or `unknown`.
    pub algorithm: String,
    /// Key size in bits.
    pub bits: u32,
    /// `P-256`, `P-384`, `P-521`, `P-224`, `P-192`, another curve's OID or
    /// OpenSSL's name, or `explicit parameters`; EC keys only.
    pub curve: Option<String>,
}

impl KeyInfo {
    /// The algorithm and size of an OpenSSL key.
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

    /// `RSA 2048 bits`, `EC P-256`, ...
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

/// A time as RFC 3339 in UTC, to the second.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

/// Bytes as colon-separated upper-case hex.
pub fn hex_colon(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
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
/// Why DER that should be a certificate is none, in words.
fn der_problem(der: &[u8]) -> &'static str {
    if der_header(der).is_some_and(|(len, hdr)| der.len() < hdr + len) {
        "the DER structure ends early (the data is cut off?)"
    } else {
        "the DER structure is damaged or of another kind"
    }
}

fn first_der_element(der: &[u8]) -> Option<&[u8]> {
    let (len, hdr) = der_header(der)?;
    der.get(..hdr + len)
}

/// The length and header size of the SEQUENCE that starts `der`.
fn der_header(der: &[u8]) -> Option<(usize, usize)> {
    if der.len() < 2 || der[0] != 0x30 {
        return None;
    }
    Some(match der[1] {
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
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn par_map_keeps_the_order_and_counts_the_workers_checks() {
        for n in [0, 1, PARALLEL_FROM - 1, PARALLEL_FROM, 1000] {
            let before = signature_verifications();
            let out = par_map(n, |i| {
                // Each item counts as one check, on whichever thread runs it.
                VERIFICATIONS.with(|c| c.set(c.get() + 1));
                i * 3
            });
            assert_eq!(out, (0..n).map(|i| i * 3).collect::<Vec<_>>(), "n = {n}");
            assert_eq!(signature_verifications() - before, n as u64, "n = {n}");
        }
    }

    #[test]
    fn ca_certificates_sharing_their_last_bytes_are_told_apart_and_bounded() {
        let root = pem::parse(include_str!("../../testdata/sample-root.pem")).unwrap();
        let der = root.contents().to_vec();
        let (_, p) = X509Certificate::from_der(&der).unwrap();
        let serial_at = range_in(&der, p.raw_serial()).start;
        // Twenty CA certificates that differ in their serial number only:
        // the same last bytes (their signatures are not checked here).
        let variants: Vec<Vec<u8>> = (0..20u8)
            .map(|i| {
                let mut d = der.clone();
                d[serial_at] = 0x10 + i;
                d
            })
            .collect();
        let first: Vec<Cert> = variants
            .iter()
            .map(|d| Cert::from_der(d).unwrap())
            .collect();
        for (d, c) in variants.iter().zip(&first) {
            assert_eq!(c.der(), d.as_slice());
            assert_eq!(Cert::from_der(d).unwrap().der(), d.as_slice());
        }
        let tail = CaCache::tail(&der);
        let cache = ca_cache().lock().unwrap();
        let bucket = &cache.by_tail[&tail];
        assert!(bucket.len() <= CA_BUCKET_MAX, "{}", bucket.len());
        assert!(bucket
            .iter()
            .all(|c| c.der()[..serial_at] == der[..serial_at]));
    }

    #[test]
    fn object_identifiers_are_encoded_as_der() {
        for (dotted, der) in [
            ("1.2.840.113549.1.1.1", oid::RSA_ENCRYPTION),
            ("1.2.840.10045.3.1.7", oid::P256),
            ("1.2.840.10045.3.1.1", oid::P192),
            ("1.3.132.0.33", oid::P224),
            ("1.3.132.0.34", oid::P384),
            ("1.3.132.0.35", oid::P521),
            ("1.3.101.112", oid::ED25519),
            ("1.3.101.113", oid::ED448),
            ("1.2.840.113549.1.7.1", oid::PKCS7_DATA),
            ("1.2.840.113549.1.7.2", oid::PKCS7_SIGNED_DATA),
            ("1.2.840.113549.1.5.14", oid::PBMAC1),
            ("1.2.840.113549.1.5.13", oid::PBES2),
            ("1.2.840.113549.1.7.6", oid::PKCS7_ENCRYPTED_DATA),
            ("1.2.840.113549.1.12.10.1.2", oid::PKCS12_SHROUDED_KEY_BAG),
            ("1.2.840.113549.1.12.10.1.3", oid::PKCS12_CERT_BAG),
            ("1.2.840.113549.1.9.22.1", oid::PKCS9_X509_CERTIFICATE),
        ] {
            assert_eq!(der::encode_oid(dotted), der, "{dotted}");
            assert_eq!(Oid::new(der.into()).to_id_string(), dotted);
        }
        for dotted in PROCESSED_EXTENSIONS.iter().chain(&RFC5280_EXTENSIONS) {
            let der = der::encode_oid(dotted);
            assert_eq!(Oid::new(der.as_slice().into()).to_id_string(), *dotted);
        }
    }
    use openssl::ec::{EcGroup, EcKey};
    use openssl::pkey::PKey;
    use openssl::sign::Signer;

    #[test]
    fn hex_with_colons_is_upper_case_and_whole_bytes() {
        assert_eq!(hex_colon(&[0x0a, 0xff, 0x00, 0x5b]), "0A:FF:00:5B");
        assert_eq!(hex_colon(&[7]), "07");
        assert_eq!(hex_colon(&[]), "");
        let all: Vec<u8> = (0..=255).collect();
        let expect: Vec<String> = all.iter().map(|b| format!("{b:02X}")).collect();
        assert_eq!(hex_colon(&all), expect.join(":"));
    }

    #[test]
    fn rsa_signatures_verify_as_openssl_verifies_them() {
        let private = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
        let public = public_key_of(&private.public_key_to_der().unwrap()).unwrap();
        let other = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
        let other = public_key_of(&other.public_key_to_der().unwrap()).unwrap();
        let tbs = b"to be signed";
        let cases = [
            ("1.2.840.113549.1.1.5", MessageDigest::sha1()),
            ("1.2.840.113549.1.1.11", MessageDigest::sha256()),
            ("1.2.840.113549.1.1.12", MessageDigest::sha384()),
            ("1.2.840.113549.1.1.13", MessageDigest::sha512()),
        ];
        for (oid, md) in cases {
            let mut signer = Signer::new(md, &private).unwrap();
            let sig = signer.sign_oneshot_to_vec(tbs).unwrap();
            let evp = |key: &PKey<Public>, data: &[u8], sig: &[u8]| {
                let mut v = openssl::sign::Verifier::new(md, key).unwrap();
                v.update(data).unwrap();
                v.verify(sig).unwrap_or(false)
            };
            assert_eq!(verify_pkcs1(oid, &public, tbs, &sig), Some(true), "{oid}");
            assert_eq!(verify_fast(oid, &public, tbs, &sig), Some(true), "{oid}");
            let mut flipped = sig.clone();
            flipped[10] ^= 1;
            let short = &sig[1..];
            for (data, sig, key) in [
                (&b"other"[..], &sig[..], &public),
                (&tbs[..], &flipped[..], &public),
                (&tbs[..], short, &public),
                (&tbs[..], &sig[..], &other),
            ] {
                assert!(!evp(key, data, sig));
                assert_eq!(verify_pkcs1(oid, key, data, sig), Some(false), "{oid}");
            }
        }
        // A signature made with another digest than the algorithm names.
        let mut signer = Signer::new(MessageDigest::sha384(), &private).unwrap();
        let sig = signer.sign_oneshot_to_vec(tbs).unwrap();
        assert_eq!(
            verify_pkcs1("1.2.840.113549.1.1.11", &public, tbs, &sig),
            Some(false)
        );
        assert_eq!(
            verify_pkcs1("1.2.840.113549.1.1.10", &public, tbs, &sig),
            None,
            "PSS"
        );
    }

    #[test]
    fn ecdsa_signatures_verify_in_their_der_encoding_only() {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        let private = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
        let public =
            public_key_of(&private.public_key_to_der().unwrap()).expect("a P-256 key from parts");
        let tbs = b"to be signed";
        let mut signer = Signer::new(MessageDigest::sha256(), &private).unwrap();
        let sig = signer.sign_oneshot_to_vec(tbs).unwrap();
        let ecdsa_sha256 = "1.2.840.10045.4.3.2";
        assert_eq!(verify_fast(ecdsa_sha256, &public, tbs, &sig), Some(true));
        assert_eq!(
            verify_fast(ecdsa_sha256, &public, b"other", &sig),
            Some(false)
        );
        // The same signature with a long-form length: BER, not DER.
        assert!(sig[1] < 0x80);
        let mut ber = vec![0x30, 0x81];
        ber.extend_from_slice(&sig[1..]);
        assert_eq!(verify_fast(ecdsa_sha256, &public, tbs, &ber), Some(false));
        // A key of another type never verifies.
        assert_eq!(
            verify_fast("1.2.840.113549.1.1.11", &public, tbs, &sig),
            Some(false)
        );
    }
}
