//! Fetching a certificate's issuer from the address the certificate itself
//! names: the `caIssuers` URL of its Authority Information Access extension
//! (RFC 5280 section 4.2.2.1), over plain HTTP, as DER, PKCS#7
//! (`.p7c`) or PEM.
//!
//! btpcert stays offline by default: only commands given
//! `--fetch-intermediates` call this. A fetch is bounded in size
//! ([`FetchOptions::max_bytes`]) and time ([`FetchOptions::timeout`]), uses
//! the plain-HTTP proxy as curl chooses it (`http_proxy`, then
//! `all_proxy`; `no_proxy` exempts), and says what came from where. What
//! it fetches is untrusted: it may complete a path only where signatures
//! verify, and a root found this way is judged by fingerprint like any other.

use std::time::Duration;

use serde::Serialize;

use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::sanitize::sanitize;
use crate::x509::cert::Cert;
use crate::x509::roots::{Origin, RootStore};
use crate::x509::verify::{build_path_at, Path};

/// The most issuers fetched for one chain: real paths are a few levels
/// deep, and a server that keeps answering must not keep the run going.
const MAX_FETCHES: usize = 4;

/// OID of `id-ad-caIssuers`.
const CA_ISSUERS: &str = "1.3.6.1.5.5.7.48.2";

/// Bounds of one fetch.
#[derive(Debug, Clone, Copy)]
pub struct FetchOptions {
    /// Time limit of one fetch, connection and answer.
    pub timeout: Duration,
    /// The largest answer read.
    pub max_bytes: u64,
}

impl Default for FetchOptions {
    fn default() -> FetchOptions {
        FetchOptions {
            timeout: Duration::from_secs(10),
            max_bytes: 1 << 20,
        }
    }
}

/// What one fetch brought.
#[derive(Debug, Clone, Serialize)]
pub struct Fetched {
    /// Where from.
    pub url: String,
    /// The subject of the certificate whose issuer was fetched.
    pub for_subject_dn: String,
    /// The certificates the answer held.
    #[serde(serialize_with = "subjects")]
    pub certificates: Vec<Cert>,
}

fn subjects<S: serde::Serializer>(certs: &[Cert], s: S) -> std::result::Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(certs.len()))?;
    for c in certs {
        seq.serialize_element(&serde_json::json!({
            "subject_dn": c.subject_dn(),
            "fingerprint_sha256": c.sha256(),
        }))?;
    }
    seq.end()
}

/// The `caIssuers` URLs of `cert`, in the order it lists them.
pub fn ca_issuers_urls(cert: &Cert) -> Vec<String> {
    use x509_parser::extensions::{GeneralName, ParsedExtension};
    use x509_parser::prelude::{FromDer, X509Certificate};
    let Ok((_, p)) = X509Certificate::from_der(cert.der()) else {
        return Vec::new();
    };
    let mut urls = Vec::new();
    for ext in p.extensions() {
        if let ParsedExtension::AuthorityInfoAccess(aia) = ext.parsed_extension() {
            for d in aia.iter() {
                if d.access_method.to_id_string() == CA_ISSUERS {
                    if let GeneralName::URI(u) = &d.access_location {
                        urls.push(u.to_string());
                    }
                }
            }
        }
    }
    urls
}

/// Fetches the issuer of `cert` from its first `http://` caIssuers URL.
/// `Ok(None)` when the certificate names none; an error (exit status 1)
/// when the fetch fails or the answer holds no certificate.
pub fn fetch_issuer(cert: &Cert, opts: &FetchOptions) -> Result<Option<Fetched>> {
    let urls = ca_issuers_urls(cert);
    let Some(url) = urls
        .iter()
        .find(|u| u.to_ascii_lowercase().starts_with("http://"))
    else {
        return Ok(None);
    };
    let bytes = get(url, opts)?;
    let certificates =
        certs_of(&bytes).map_err(|e| Error::failed(format!("{}: {e}", sanitize(url))))?;
    Ok(Some(Fetched {
        url: url.clone(),
        for_subject_dn: cert.subject_dn(),
        certificates,
    }))
}

/// `GET url` over plain HTTP, bounded by `opts`.
pub fn get(url: &str, opts: &FetchOptions) -> Result<Vec<u8>> {
    let shown = sanitize(url).into_owned();
    let config = ureq::Agent::config_builder()
        .proxy(crate::sap::token::proxy_from(&[
            "http_proxy",
            "all_proxy",
            "ALL_PROXY",
        ])?)
        .timeout_global(Some(opts.timeout))
        .max_redirects(3)
        .http_status_as_error(false)
        .user_agent(concat!("btpcert/", env!("CARGO_PKG_VERSION")))
        .build();
    let agent: ureq::Agent = config.into();
    let mut resp = agent.get(url).call().map_err(|e| {
        Error::failed(match e {
            ureq::Error::Timeout(_) => {
                format!("{shown}: no answer within {} s", opts.timeout.as_secs())
            }
            other => format!("cannot fetch {shown}: {}", sanitize(&other.to_string())),
        })
    })?;
    if resp.status().as_u16() != 200 {
        return Err(Error::failed(format!(
            "{shown} answered HTTP {}",
            resp.status().as_u16()
        )));
    }
    resp.body_mut()
        .with_config()
        .limit(opts.max_bytes)
        .read_to_vec()
        .map_err(|e| {
            Error::failed(match e {
                ureq::Error::BodyExceedsLimit(_) => format!(
                    "{shown}: the answer is larger than {} KiB: not a CA certificate",
                    opts.max_bytes >> 10
                ),
                ureq::Error::Timeout(_) => {
                    format!("{shown}: no answer within {} s", opts.timeout.as_secs())
                }
                other => format!("cannot fetch {shown}: {}", sanitize(&other.to_string())),
            })
        })
}

/// The certificates of an answer: one DER certificate, a PKCS#7
/// certs-only bundle, or PEM text.
pub fn certs_of(bytes: &[u8]) -> Result<Vec<Cert>> {
    if let Ok(c) = Cert::from_der(bytes) {
        return Ok(vec![c]);
    }
    if let Ok(p7) = openssl::pkcs7::Pkcs7::from_der(bytes) {
        let certs: Vec<Cert> = p7
            .signed()
            .and_then(|s| s.certificates())
            .map(|stack| {
                stack
                    .iter()
                    .filter_map(|c| c.to_der().ok())
                    .filter_map(|d| Cert::from_der(&d).ok())
                    .collect()
            })
            .unwrap_or_default();
        if !certs.is_empty() {
            return Ok(certs);
        }
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        if let Ok(certs) = crate::x509::material::certs_from_text(text) {
            if !certs.is_empty() {
                return Ok(certs);
            }
        }
    }
    Err(Error::failed(
        "the answer holds no certificate (neither DER, PKCS#7 nor PEM)",
    ))
}

/// A path completed by fetching, and what the fetching did.
#[derive(Debug)]
pub struct Completion {
    /// The path, as far as it reaches.
    pub path: Path,
    /// What was fetched, and from where.
    pub fetched: Vec<Fetched>,
    /// What was said along the way: what was fetched from where, or why
    /// nothing could be.
    pub notes: Vec<String>,
}

/// Completes the path of `certs` by fetching, while an issuer is missing,
/// the issuer of the path's last certificate from its caIssuers URL (at
/// most four times). What is fetched joins `store` as
/// [`Origin::Fetched`]: it completes the path only where its signature
/// verifies, and is judged by fingerprint like any other root.
pub fn complete(
    certs: &[Cert],
    store: &mut RootStore,
    at: OffsetDateTime,
    opts: &FetchOptions,
) -> Completion {
    let mut path = build_path_at(certs, store, at);
    let mut fetched: Vec<Fetched> = Vec::new();
    let mut notes = Vec::new();
    while path.missing_issuer.is_some() && fetched.len() < MAX_FETCHES {
        let Some((top, _)) = path.certs.last() else {
            break;
        };
        let top_dn = sanitize(&top.subject_dn()).into_owned();
        match fetch_issuer(top, opts) {
            Ok(Some(f)) => {
                let mut named: Vec<String> = f
                    .certificates
                    .iter()
                    .take(3)
                    .map(|c| format!("'{}'", sanitize(&c.subject_dn())))
                    .collect();
                if f.certificates.len() > 3 {
                    named.push(format!("and {} more", f.certificates.len() - 3));
                }
                notes.push(format!(
                    "fetched {} for '{top_dn}' from {}",
                    named.join(", "),
                    sanitize(&f.url)
                ));
                store.add(f.certificates.iter().cloned(), Origin::Fetched);
                fetched.push(f);
                let before = path.certs.len();
                path = build_path_at(certs, store, at);
                if path.certs.len() == before {
                    notes.push(format!(
                        "what was fetched for '{top_dn}' is not its issuer: the chain stays incomplete"
                    ));
                    break;
                }
            }
            Ok(None) => {
                notes.push(format!(
                    "'{top_dn}' names no http:// caIssuers URL: its issuer cannot be fetched"
                ));
                break;
            }
            Err(e) => {
                notes.push(format!("fetching the issuer of '{top_dn}': {e}"));
                break;
            }
        }
    }
    Completion {
        path,
        fetched,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_chain() -> Vec<Cert> {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/service-key.json"
        ))
        .unwrap();
        crate::input::load_bytes("k", text.as_bytes())
            .unwrap()
            .certs
    }

    #[test]
    fn answers_in_three_encodings() {
        let chain = sample_chain();
        let der = chain[1].der().to_vec();
        assert_eq!(certs_of(&der).unwrap()[0].der(), &der[..]);
        let pem = chain[1].to_pem();
        assert_eq!(certs_of(pem.as_bytes()).unwrap().len(), 1);
        let p7 = openssl::pkcs7::Pkcs7::from_der(&crate::x509::material::pkcs7_der(&chain[1..]))
            .unwrap();
        assert!(p7.signed().is_some());
        assert_eq!(certs_of(&p7.to_der().unwrap()).unwrap().len(), 2);
        assert!(certs_of(b"<html>not found</html>").is_err());
    }

    #[test]
    fn a_certificate_without_aia_names_nothing() {
        let chain = sample_chain();
        assert!(ca_issuers_urls(&chain[0]).is_empty());
        assert!(fetch_issuer(&chain[0], &FetchOptions::default())
            .unwrap()
            .is_none());
    }
}
