//! HTTPS the way SAP's tutorials do it with Postman: an OAuth token with
//! client credentials (HTTP Basic, or a client certificate over mutual
//! TLS), then a call with the Bearer token.
//!
//! The client is ureq on native-tls, that is on the same system OpenSSL as
//! the rest of btpcert: no second TLS stack. Proxies come from
//! `HTTPS_PROXY` / `NO_PROXY` as curl reads them; connect and read have
//! time limits. Failures are translated into what the user has to fix.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::sanitize::sanitize;
use crate::sap::diagnosis::{self, AuthKind, Diagnosis, DiagnosisId, Refusal};
use crate::secret::Secret;
use crate::x509::cert::Cert;
use crate::x509::key::PrivateKey;

/// The client certificate to present: the chain, leaf first, and its key.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The chain, leaf first.
    pub chain: Vec<Cert>,
    /// The leaf's private key.
    pub key: PrivateKey,
}

impl Identity {
    /// `'subject' issued by 'issuer'` of the leaf, for messages.
    pub fn describe(&self) -> String {
        match self.chain.first() {
            Some(leaf) => format!(
                "'{}' issued by '{}'",
                sanitize(&leaf.subject_dn()),
                sanitize(&leaf.issuer_dn())
            ),
            None => "no certificate".into(),
        }
    }
}

/// How to build a [`Client`].
pub struct HttpOptions {
    /// The client certificate to present, if any.
    pub identity: Option<Identity>,
    /// The roots to trust: `None` for the platform's own verifier, or
    /// exactly these certificates (the system's and a private server's).
    pub roots: Option<Vec<Cert>>,
    /// Time limit of the whole exchange.
    pub timeout: Duration,
}

/// A configured HTTP client. It speaks https only (every request carries
/// credentials or a token), follows no redirect, and holds one deadline for
/// the whole exchange.
pub struct Client {
    agent: ureq::Agent,
    identity: Option<String>,
    timeout: Duration,
    /// When the exchange must be over; `None` when too far to compute.
    deadline: Option<Instant>,
    /// Whether extra roots were given (a private server).
    extra_roots: bool,
}

impl Client {
    /// A client with the identity, roots and time limit of `opts`, and the
    /// proxy of the environment.
    pub fn new(opts: HttpOptions) -> Result<Client> {
        use ureq::tls::{
            Certificate, ClientCert, PrivateKey as UKey, RootCerts, TlsConfig, TlsProvider,
        };
        let mut tls = TlsConfig::builder().provider(TlsProvider::NativeTls);
        if let Some(id) = &opts.identity {
            let pkcs8 = id.key.to_pkcs8()?.to_pem();
            let key = UKey::from_pem(pkcs8.as_bytes())
                .map_err(|e| Error::input(format!("cannot use the private key ({e})")))?;
            let certs: Vec<Certificate<'static>> = id
                .chain
                .iter()
                .map(|c| Certificate::from_der(c.der()).to_owned())
                .collect();
            tls = tls.client_cert(Some(ClientCert::new_with_certs(&certs, key)));
        }
        match &opts.roots {
            None => tls = tls.root_certs(RootCerts::PlatformVerifier),
            Some(list) => {
                let roots: Vec<Certificate<'static>> = list
                    .iter()
                    .map(|c| Certificate::from_der(c.der()).to_owned())
                    .collect();
                tls = tls.root_certs(RootCerts::new_with_certs(&roots));
            }
        }
        let config = ureq::Agent::config_builder()
            .tls_config(tls.build())
            .proxy(proxy_from_env()?)
            .timeout_connect(Some(opts.timeout))
            .timeout_global(Some(opts.timeout))
            .max_redirects(0)
            .http_status_as_error(false)
            .user_agent(concat!("btpcert/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Client {
            agent: config.into(),
            identity: opts.identity.as_ref().map(Identity::describe),
            timeout: opts.timeout,
            deadline: Instant::now().checked_add(opts.timeout),
            extra_roots: opts.roots.is_some(),
        })
    }

    /// Sends a request; returns status, headers and body. Transport failures
    /// are explained (TLS, DNS, refused connections, time-outs).
    pub fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
    ) -> Result<Response> {
        self.send_diagnosed(method, url, headers, body)?
            .map_err(Diagnosis::into_error)
    }

    /// Like [`Client::send`], with a transport failure as a [`Diagnosis`]
    /// (the outer error is for requests that cannot be sent at all: not
    /// https, not a URL).
    pub fn send_diagnosed(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
    ) -> Result<std::result::Result<Response, Diagnosis>> {
        let uri: ureq::http::Uri = url
            .parse()
            .map_err(|_| Error::usage(format!("'{}' is not a valid URL", sanitize(url))))?;
        if uri.scheme_str() != Some("https") {
            return Err(Error::usage(format!(
                "'{}' is not an https URL: btpcert sends credentials and tokens over https only",
                sanitize(url)
            )));
        }
        let mut req = ureq::http::Request::builder().method(method).uri(&uri);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        let req = req
            .body(body.unwrap_or_default())
            .map_err(|e| Error::usage(format!("cannot build the request ({e})")))?;
        let host = uri.host().unwrap_or("").to_string();
        let port = uri.port_u16().unwrap_or(443);
        // What is left of the one deadline of the exchange.
        let left = match self.deadline {
            Some(d) => d.saturating_duration_since(Instant::now()),
            None => self.timeout,
        };
        if left.is_zero() {
            return Ok(Err(diagnosis::timeout(&host, port, self.timeout.as_secs())));
        }
        let req = self
            .agent
            .configure_request(req)
            .timeout_global(Some(left))
            .build();
        let mut resp = match self.agent.run(req) {
            Ok(r) => r,
            Err(e) => return Ok(Err(self.explain(e, &host, port))),
        };
        let status = resp.status().as_u16();
        let reason = resp.status().canonical_reason().unwrap_or("").to_string();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = match resp.body_mut().with_config().limit(64 << 20).read_to_vec() {
            Ok(b) => b,
            Err(e) => return Ok(Err(self.explain(e, &host, port))),
        };
        Ok(Ok(Response {
            status,
            reason,
            headers,
            body,
        }))
    }

    fn explain(&self, e: ureq::Error, host: &str, port: u16) -> Diagnosis {
        let text = e.to_string();
        let lower = text.to_ascii_lowercase();
        let resolve = lower.contains("failed to lookup address")
            || lower.contains("name or service not known")
            || lower.contains("no address associated")
            || lower.contains("temporary failure in name resolution");
        match e {
            ureq::Error::HostNotFound => diagnosis::name_not_resolved(host),
            _ if resolve => diagnosis::name_not_resolved(host),
            ureq::Error::ConnectionFailed => diagnosis::connection_failed(host, port, false),
            ureq::Error::Timeout(_) => diagnosis::timeout(host, port, self.timeout.as_secs()),
            _ if lower.contains("connection refused") => {
                diagnosis::connection_failed(host, port, true)
            }
            _ if lower.contains("certificate verify failed")
                || lower.contains("unable to get local issuer")
                || lower.contains("self-signed")
                || lower.contains("self signed") =>
            {
                diagnosis::server_not_trusted(host, &tls_reason(&text), self.extra_roots)
            }
            _ if diagnosis::alert_from_reason(&text).is_some_and(|a| a != 40) => {
                let alert = diagnosis::alert_from_reason(&text).unwrap_or_default();
                diagnosis::tls_alert(alert, host, self.identity.as_deref())
            }
            _ if lower.contains("alert")
                || lower.contains("handshake")
                || lower.contains("certificate required")
                || lower.contains("unknown ca")
                || lower.contains("bad certificate") =>
            {
                let sent = match &self.identity {
                    Some(id) => format!("the client certificate sent was {id}"),
                    None => "no client certificate was sent".into(),
                };
                Diagnosis::fail(
                    DiagnosisId::TlsAlert,
                    format!(
                        "{host} rejected the TLS handshake ({}): {sent}; it must chain to a CA the server trusts and allow Client Authentication",
                        tls_reason(&text)
                    ),
                )
            }
            _ => diagnosis::transport_failed(host, port, &text),
        }
    }

    /// What a rejected client certificate looks like behind nginx-style
    /// servers, which finish the handshake and answer 400.
    pub fn certificate_complaint(&self, resp: &Response) -> Option<Diagnosis> {
        diagnosis::certificate_complaint(resp.status, &resp.body, self.identity.as_deref())
    }

    /// The client certificate sent, described; `None` when none is.
    pub fn identity(&self) -> Option<&str> {
        self.identity.as_deref()
    }
}

/// The proxy for HTTPS as curl chooses it: `https_proxy` / `HTTPS_PROXY`,
/// else `all_proxy` / `ALL_PROXY` (never `http_proxy`, which curl uses for
/// plain HTTP only), with the hosts of `no_proxy` / `NO_PROXY` exempt.
pub fn proxy_from_env() -> Result<Option<ureq::Proxy>> {
    proxy_from(&["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"])
}

/// The proxy named by the first of the variables `names` that is set, with
/// the hosts of `no_proxy` / `NO_PROXY` exempt. For plain HTTP, curl reads
/// `http_proxy`.
pub fn proxy_from(names: &[&str]) -> Result<Option<ureq::Proxy>> {
    use ureq::ProxyProtocol;
    let var = |names: &[&str]| {
        names.iter().find_map(|n| {
            std::env::var(n)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .map(|v| (n.to_string(), v.trim().to_string()))
        })
    };
    let Some((name, value)) = var(names) else {
        return Ok(None);
    };
    let bad = || Error::usage(format!("{name}: '{}' is not a proxy URL", sanitize(&value)));
    let url = if value.contains("://") {
        value.clone()
    } else {
        format!("http://{value}")
    };
    let uri: ureq::http::Uri = url.parse().map_err(|_| bad())?;
    let protocol = match uri.scheme_str() {
        Some("http") => ProxyProtocol::Http,
        Some("https") => ProxyProtocol::Https,
        Some("socks4") => ProxyProtocol::Socks4,
        Some("socks4a") => ProxyProtocol::Socks4A,
        Some("socks5") => ProxyProtocol::Socks5,
        Some("socks5h") => ProxyProtocol::Socks5h,
        _ => return Err(bad()),
    };
    let mut b = ureq::Proxy::builder(protocol).host(uri.host().ok_or_else(bad)?);
    if let Some(port) = uri.port_u16() {
        b = b.port(port);
    }
    if let Some((user, _)) = uri.authority().and_then(|a| a.as_str().rsplit_once('@')) {
        let (u, p) = user.split_once(':').unwrap_or((user, ""));
        b = b.username(u).password(p);
    }
    if let Some((_, exempt)) = var(&["no_proxy", "NO_PROXY"]) {
        for e in exempt.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            b = b.no_proxy(e);
        }
    }
    b.build().map(Some).map_err(|_| bad())
}

fn tls_reason(text: &str) -> String {
    // OpenSSL's reason is after the last "error:...:" part, if any.
    let t = text.rsplit(":SSL routines:").next().unwrap_or(text);
    let t = t.split(':').next_back().unwrap_or(t);
    sanitize(t.trim()).chars().take(160).collect()
}

/// An HTTP answer.
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Its reason phrase.
    pub reason: String,
    /// Response headers.
    pub headers: Vec<(String, String)>,
    /// Response body.
    pub body: Vec<u8>,
}

/// How the token request authenticates.
pub enum TokenAuth<'a> {
    /// HTTP Basic with clientid and this clientsecret.
    Basic {
        /// The clientsecret.
        secret: &'a Secret,
    },
    /// The client certificate of the connection.
    Certificate,
}

/// A token, and what it says about itself.
pub struct Token {
    /// The token itself; never printed unless asked for.
    pub access_token: Secret,
    /// `token_type` of the answer.
    pub token_type: Option<String>,
    /// `expires_in` of the answer, in seconds.
    pub expires_in: Option<i64>,
    /// `scope` of the answer.
    pub scope: Option<String>,
    /// The JWT payload, when the token is a JWT.
    pub claims: Option<Value>,
}

/// `POST <tokenurl>?grant_type=client_credentials` with `client_id` in the body.
pub fn request_token(
    client: &Client,
    tokenurl: &str,
    client_id: &str,
    auth: TokenAuth,
) -> Result<Token> {
    request_token_diagnosed(client, tokenurl, client_id, auth)?.map_err(|(d, _)| d.into_error())
}

/// Like [`request_token`], with a failure as a [`Diagnosis`] and the HTTP
/// status, when there was an answer (the outer error is for requests that
/// cannot be sent at all).
pub fn request_token_diagnosed(
    client: &Client,
    tokenurl: &str,
    client_id: &str,
    auth: TokenAuth,
) -> Result<std::result::Result<Token, (Diagnosis, Option<u16>)>> {
    let sep = if tokenurl.contains('?') { '&' } else { '?' };
    let url = format!("{tokenurl}{sep}grant_type=client_credentials");
    let mut headers = vec![
        (
            "Content-Type".to_string(),
            "application/x-www-form-urlencoded".to_string(),
        ),
        ("Accept".to_string(), "application/json".to_string()),
    ];
    if let TokenAuth::Basic { secret } = &auth {
        let creds =
            openssl::base64::encode_block(format!("{client_id}:{}", secret.expose()).as_bytes());
        headers.push(("Authorization".into(), format!("Basic {creds}")));
    }
    let body = format!("client_id={}", form_encode(client_id));
    // What we send that a server must never get us to print.
    let mut sent: Vec<String> = headers
        .iter()
        .filter(|(k, _)| k == "Authorization")
        .map(|(_, v)| v.clone())
        .collect();
    if let TokenAuth::Basic { secret } = &auth {
        sent.push(secret.expose().to_string());
        sent.extend(sent[0].strip_prefix("Basic ").map(str::to_string));
    }
    let redact = |s: &str| redact(s, &sent);
    let resp = match client.send_diagnosed("POST", &url, &headers, Some(body.into_bytes()))? {
        Ok(r) => r,
        Err(d) => return Ok(Err((d, None))),
    };
    let status = Some(resp.status);
    if (300..400).contains(&resp.status) {
        let d = Diagnosis::fail(
            DiagnosisId::Redirected,
            redirect_refused(&resp, "the token server"),
        );
        return Ok(Err((d, status)));
    }
    if let Some(d) = client.certificate_complaint(&resp) {
        return Ok(Err((d, status)));
    }
    let json: Option<Value> = serde_json::from_slice(&resp.body).ok();
    if resp.status != 200 {
        let field = |k: &str| {
            json.as_ref()
                .and_then(|v| v.get(k))
                .and_then(Value::as_str)
                .map(&redact)
        };
        let (error, description) = (field("error"), field("error_description"));
        let body = redact(&snippet(&resp.body));
        let kind = match auth {
            TokenAuth::Basic { .. } => AuthKind::Secret,
            TokenAuth::Certificate => AuthKind::Certificate,
        };
        let refusal = Refusal {
            status: resp.status,
            reason: &resp.reason,
            error: error.as_deref(),
            description: description.as_deref(),
            snippet: json.is_none().then_some(body.as_str()),
        };
        let d = diagnosis::token_refused(&refusal, kind, client.identity());
        return Ok(Err((d, status)));
    }
    let invalid = |m: String| {
        Ok(Err((
            Diagnosis::fail(DiagnosisId::TokenResponseInvalid, m),
            status,
        )))
    };
    let Some(v) = json else {
        return invalid(format!(
            "the token endpoint answered HTTP 200 but not with JSON: {}",
            redact(&snippet(&resp.body))
        ));
    };
    let Some(access) = v.get("access_token").and_then(Value::as_str) else {
        return invalid("the token endpoint's JSON has no access_token".into());
    };
    Ok(Ok(Token {
        claims: jwt_claims(access),
        access_token: Secret::new(access),
        token_type: v
            .get("token_type")
            .and_then(Value::as_str)
            .map(str::to_string),
        expires_in: v.get("expires_in").and_then(Value::as_i64),
        scope: v.get("scope").map(|s| match s {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }),
    }))
}

/// `text` with every value of `secrets` (longer than 3 characters) replaced
/// by `[redacted]`: a server that echoes what it was sent must not get a
/// secret printed.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    let mut list: Vec<&String> = secrets.iter().filter(|s| s.len() > 3).collect();
    list.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for s in list {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), "[redacted]");
        }
    }
    out
}

/// The message for a redirect that is not followed: credentials and tokens
/// go only where the service key says.
pub fn redirect_refused(resp: &Response, who: &str) -> String {
    let location = resp
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("location"))
        .map(|(_, v)| v.as_str())
        .unwrap_or("nowhere");
    let plain = if location.starts_with("http://") {
        " (plain http)"
    } else {
        ""
    };
    format!(
        "{who} answered HTTP {} and redirects to {}{plain}: btpcert does not send credentials or tokens on to another address; if that address is right, use it instead",
        resp.status,
        sanitize(location)
    )
}

/// The start of a body, made printable.
pub fn snippet(body: &[u8]) -> String {
    let s = String::from_utf8_lossy(&body[..body.len().min(120)]).replace(['\n', '\r'], " ");
    format!("'{}'", sanitize(s.trim()))
}

fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The payload of a JWT, decoded (not verified: the server that issued it
/// checks it; this is for showing scope, client and expiry).
pub fn jwt_claims(token: &str) -> Option<Value> {
    let mut parts = token.split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    let mut b64: String = payload.replace('-', "+").replace('_', "/");
    while !b64.len().is_multiple_of(4) {
        b64.push('=');
    }
    let bytes = openssl::base64::decode_block(&b64).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_claims() {
        // {"alg":"none"} . {"client_id":"sb-x|it!b1","exp":4733510400}
        let t =
            "eyJhbGciOiJub25lIn0.eyJjbGllbnRfaWQiOiJzYi14fGl0IWIxIiwiZXhwIjo0NzMzNTEwNDAwfQ.c2ln";
        let c = jwt_claims(t).unwrap();
        assert_eq!(c["client_id"], "sb-x|it!b1");
        assert_eq!(c["exp"], 4733510400i64);
        assert!(jwt_claims("opaque-token").is_none());
    }

    #[test]
    fn redacts_what_was_sent() {
        let sent = vec!["Basic YTpi".to_string(), "s3cret".to_string()];
        assert_eq!(
            redact("bad header Basic YTpi and s3cret", &sent),
            "bad header [redacted] and [redacted]"
        );
        assert_eq!(redact("nothing here", &sent), "nothing here");
    }

    #[test]
    fn plain_http_is_refused_before_anything_is_sent() {
        let c = Client::new(HttpOptions {
            identity: None,
            roots: None,
            timeout: Duration::from_secs(1),
        })
        .unwrap();
        let Err(e) = c.send("POST", "http://127.0.0.1:9/oauth/token", &[], None) else {
            panic!("sent over plain http");
        };
        assert!(e.to_string().contains("https only"), "{e}");
    }

    #[test]
    fn transport_failures_come_from_the_catalogue() {
        let c = Client::new(HttpOptions {
            identity: None,
            roots: None,
            timeout: Duration::from_secs(1),
        })
        .unwrap();
        let d = c.explain(ureq::Error::HostNotFound, "sub.example.invalid", 443);
        assert_eq!(d.id, DiagnosisId::NameNotResolved);
        assert!(d.message.contains("cannot resolve sub.example.invalid"));
        let d = c.explain(ureq::Error::ConnectionFailed, "127.0.0.1", 9);
        assert_eq!(d.id, DiagnosisId::ConnectionFailed);
    }

    #[test]
    fn encodes_form_values() {
        assert_eq!(
            form_encode("sb-1!b2|it-rt-x!b3"),
            "sb-1%21b2%7Cit-rt-x%21b3"
        );
    }
}

/// The token host for certificate-based requests, when `tokenurl` names the
/// other one: `(host, cert_host)` for `x.authentication.eu10...` gives
/// `x.authentication.cert.eu10...`. SAP's keys for certificates carry the
/// `.cert.` host already; an inferred rule, so callers say "likely".
pub fn cert_host_of(tokenurl: &str) -> Option<(String, String)> {
    let host = crate::sap::servicekey::url_host(tokenurl)?;
    if host.contains(".authentication.") && !host.contains(".authentication.cert.") {
        let cert_host = host.replacen(".authentication.", ".authentication.cert.", 1);
        return Some((host, cert_host));
    }
    None
}

#[cfg(test)]
mod cert_host_tests {
    use super::cert_host_of;

    #[test]
    fn the_cert_host_is_inferred_once() {
        assert_eq!(
            cert_host_of("https://a.authentication.eu10.hana.ondemand.com/oauth/token"),
            Some((
                "a.authentication.eu10.hana.ondemand.com".into(),
                "a.authentication.cert.eu10.hana.ondemand.com".into()
            ))
        );
        assert_eq!(
            cert_host_of("https://a.authentication.cert.eu10.hana.ondemand.com/oauth/token"),
            None
        );
        assert_eq!(cert_host_of("https://127.0.0.1:8443/oauth/token"), None);
    }
}
