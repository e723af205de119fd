//! One TLS handshake as a probe sees it: over TCP (or an HTTP `CONNECT`
//! tunnel through the proxy `token` would use), with certificate
//! verification off so that the chain the server sends can be shown and
//! judged by btpcert's own checks, and with or without a client
//! certificate. It records the protocol, the cipher, the server's chain as
//! sent, whether the server asked for a client certificate and which CA
//! names it accepts, the alert it sent, and the status of one plain
//! request after the handshake (TLS 1.3 servers reject a client
//! certificate only after the client's Finished; nginx answers 400).
//!
//! Nothing here decides what is right or wrong: that is
//! [`crate::sap::diagnosis`]'s and the probe operation's.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use openssl::ssl::{ErrorCode, HandshakeError, SslConnector, SslMethod, SslStream, SslVerifyMode};

use crate::error::{openssl_reason, Error, Result};
use crate::sanitize::sanitize;
use crate::sap::diagnosis::{self, Diagnosis};
use crate::sap::tls_ffi::{self, Seen};
use crate::sap::token::Identity;
use crate::x509::cert::Cert;

/// Handshake type of a CertificateRequest (RFC 8446 section 4).
const CERTIFICATE_REQUEST: u8 = 13;
/// The most of an answer that is read.
const MAX_ANSWER: usize = 64 << 10;

/// Where to connect: host and port of an `https://` URL, and its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Host name or address (IPv6 without brackets).
    pub host: String,
    /// TCP port, 443 unless the URL names one.
    pub port: u16,
    /// Path and query, `/` when the URL has none.
    pub path: String,
}

impl Target {
    /// Reads an `https://host[:port][/path]` URL.
    pub fn of_url(url: &str) -> Result<Target> {
        let bad = || Error::usage(format!("'{}' is not an https URL", sanitize(url)));
        let rest = url.trim().strip_prefix("https://").ok_or_else(bad)?;
        let (authority, path) = match rest.find(['/', '?', '#']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(bad)?;
            (h, after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        let port = match port {
            Some(p) => p.parse::<u16>().map_err(|_| bad())?,
            None => 443,
        };
        if host.is_empty() {
            return Err(bad());
        }
        let path = path.split('#').next().unwrap_or("/");
        Ok(Target {
            host: host.to_ascii_lowercase(),
            port,
            path: if path.starts_with('/') {
                path.to_string()
            } else {
                format!("/{path}")
            },
        })
    }

    /// `host:port`, IPv6 in brackets.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// How to look.
pub struct LookOptions<'a> {
    /// The client certificate to present; `None` presents none.
    pub identity: Option<&'a Identity>,
    /// After the handshake, send `GET <path>` and read the status.
    pub request: Option<&'a str>,
    /// When the look must be over.
    pub deadline: Instant,
    /// The time limit the deadline came from, for messages.
    pub timeout: Duration,
    /// The HTTPS proxy to tunnel through (an `http://` one), unless the
    /// host is exempt.
    pub proxy: Option<&'a ureq::Proxy>,
}

/// What one handshake showed.
#[derive(Debug, Default)]
pub struct Look {
    /// The handshake completed on our side.
    pub handshake_done: bool,
    /// `TLSv1.3`, `TLSv1.2`.
    pub version: Option<String>,
    /// The cipher suite, OpenSSL's name.
    pub cipher: Option<String>,
    /// The certificates the server sent, in its order.
    pub peer_chain: Vec<Cert>,
    /// The server sent a CertificateRequest.
    pub certificate_requested: bool,
    /// DER of the CA names of the CertificateRequest, `None` for no list.
    pub client_ca_names: Option<Vec<Vec<u8>>>,
    /// The fatal alert the server sent, if any.
    pub alert_received: Option<u8>,
    /// The alert we sent, if any (e.g. after a broken certificate).
    pub alert_sent: Option<u8>,
    /// HTTP status and the start of the body of the request, if sent.
    pub answer: Option<(u16, Vec<u8>)>,
    /// The connection failed before or outside TLS (name, refused,
    /// time-out, proxy) or TLS failed without an alert.
    pub failure: Option<Diagnosis>,
}

/// Connects to `target` and shakes hands as `opts` say. Errors are only
/// for a client that cannot be set up (an unusable key); everything the
/// server does is in the [`Look`].
pub fn look(target: &Target, opts: &LookOptions) -> Result<Look> {
    let mut look = Look::default();
    let stream = match connect(target, opts) {
        Ok(s) => s,
        Err(d) => {
            look.failure = Some(d);
            return Ok(look);
        }
    };
    let mut ssl = connector(opts.identity)?
        .configure()
        .and_then(|c| {
            c.verify_hostname(false)
                .use_server_name_indication(true)
                .into_ssl(&target.host)
        })
        .map_err(|e| Error::internal(format!("cannot set up TLS ({})", openssl_reason(&e))))?;
    tls_ffi::record_messages(&mut ssl);
    match ssl.connect(stream) {
        Ok(mut s) => {
            look.handshake_done = true;
            note_session(&mut look, s.ssl());
            if let Some(path) = opts.request {
                exchange(&mut look, &mut s, target, path, opts);
            }
        }
        Err(HandshakeError::Failure(mid)) | Err(HandshakeError::WouldBlock(mid)) => {
            note_session(&mut look, mid.ssl());
            let timed_out = mid.error().code() == ErrorCode::WANT_READ
                || mid.error().code() == ErrorCode::WANT_WRITE
                || mid.error().io_error().is_some_and(|e| is_timeout(e.kind()));
            look.failure = Some(if timed_out {
                diagnosis::timeout(&target.host, target.port, opts.timeout.as_secs())
            } else {
                let reason = mid
                    .error()
                    .ssl_error()
                    .map(openssl_reason)
                    .unwrap_or_else(|| mid.error().to_string());
                diagnosis::transport_failed(&target.host, target.port, &reason)
            });
        }
        Err(HandshakeError::SetupFailure(e)) => {
            return Err(Error::internal(format!(
                "cannot set up TLS ({})",
                openssl_reason(&e)
            )))
        }
    }
    for seen in tls_ffi::take_seen() {
        match seen {
            Seen::Handshake(CERTIFICATE_REQUEST) => look.certificate_requested = true,
            Seen::AlertReceived(_, desc) if desc != 0 && look.alert_received.is_none() => {
                look.alert_received = Some(desc)
            }
            Seen::AlertSent(_, desc) if desc != 0 && look.alert_sent.is_none() => {
                look.alert_sent = Some(desc)
            }
            _ => {}
        }
    }
    if look.alert_received.is_some() && look.answer.is_none() {
        // The alert says it all; the transport error is its echo.
        look.failure = None;
    }
    Ok(look)
}

fn connector(identity: Option<&Identity>) -> Result<SslConnector> {
    let setup = |e: openssl::error::ErrorStack| {
        Error::input(format!(
            "cannot use the client certificate and key ({})",
            openssl_reason(&e)
        ))
    };
    let mut b = SslConnector::builder(SslMethod::tls_client()).map_err(setup)?;
    // The first look shows whatever the server sends; btpcert judges it.
    b.set_verify(SslVerifyMode::NONE);
    if let Some(id) = identity {
        let leaf = id
            .chain
            .first()
            .ok_or_else(|| Error::input("no client certificate to present"))?;
        b.set_certificate(leaf.x509()?).map_err(setup)?;
        for c in &id.chain[1..] {
            b.add_extra_chain_cert(c.x509()?.clone()).map_err(setup)?;
        }
        let key = id
            .key
            .pkey()
            .ok_or_else(|| Error::input("the private key is still encrypted"))?;
        b.set_private_key(key).map_err(setup)?;
    }
    Ok(b.build())
}

fn note_session(look: &mut Look, ssl: &openssl::ssl::SslRef) {
    if look.handshake_done {
        look.version = Some(ssl.version_str().to_string());
        look.cipher = ssl.current_cipher().map(|c| c.name().to_string());
    }
    if let Some(chain) = ssl.peer_cert_chain() {
        look.peer_chain = chain
            .iter()
            .filter_map(|c| c.to_der().ok())
            .filter_map(|d| Cert::from_der(&d).ok())
            .collect();
    }
    look.client_ca_names = tls_ffi::client_ca_names(ssl);
}

/// Sends `GET path` and reads the status line and the start of the body.
fn exchange(
    look: &mut Look,
    s: &mut SslStream<TcpStream>,
    target: &Target,
    path: &str,
    opts: &LookOptions,
) {
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: btpcert/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        target.authority(),
        env!("CARGO_PKG_VERSION")
    );
    // A write may fail when the server already refused: read its alert anyway.
    let _ = s.write_all(req.as_bytes()).and_then(|_| s.flush());
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let left = opts.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            look.failure = Some(diagnosis::timeout(
                &target.host,
                target.port,
                opts.timeout.as_secs(),
            ));
            break;
        }
        let _ = s.get_ref().set_read_timeout(Some(left));
        match s.ssl_read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.len() >= MAX_ANSWER {
                    break;
                }
            }
            Err(e) if e.code() == ErrorCode::ZERO_RETURN => break,
            Err(e) if e.code() == ErrorCode::SYSCALL && e.io_error().is_none() => break,
            Err(e) => {
                if e.io_error().is_some_and(|io| is_timeout(io.kind()))
                    || e.code() == ErrorCode::WANT_READ
                {
                    look.failure = Some(diagnosis::timeout(
                        &target.host,
                        target.port,
                        opts.timeout.as_secs(),
                    ));
                } else if buf.is_empty() {
                    let reason = e
                        .ssl_error()
                        .map(openssl_reason)
                        .unwrap_or_else(|| e.to_string());
                    look.failure = Some(diagnosis::transport_failed(
                        &target.host,
                        target.port,
                        &reason,
                    ));
                }
                break;
            }
        }
    }
    look.answer = parse_status(&buf).map(|status| {
        let body = match buf.windows(4).position(|w| w == b"\r\n\r\n") {
            Some(i) => buf[i + 4..].to_vec(),
            None => Vec::new(),
        };
        (status, body)
    });
}

fn parse_status(buf: &[u8]) -> Option<u16> {
    let line = buf.split(|&b| b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?;
    let mut parts = line.split_whitespace();
    parts.next().filter(|v| v.starts_with("HTTP/"))?;
    parts.next()?.parse().ok()
}

fn is_timeout(kind: std::io::ErrorKind) -> bool {
    matches!(
        kind,
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
    )
}

/// A TCP connection to `target`, directly or through the proxy.
fn connect(target: &Target, opts: &LookOptions) -> std::result::Result<TcpStream, Diagnosis> {
    let uri: Option<ureq::http::Uri> = format!("https://{}/", target.authority()).parse().ok();
    let proxy = opts
        .proxy
        .filter(|p| uri.as_ref().is_none_or(|u| !p.is_no_proxy(u)));
    let Some(p) = proxy else {
        return tcp(&target.host, target.port, opts);
    };
    let shown = format!("{}:{}", p.host(), p.port());
    if p.protocol() != ureq::ProxyProtocol::Http {
        return Err(diagnosis::proxy_failed(
            &shown,
            &target.authority(),
            "probe tunnels through http:// proxies only (HTTP CONNECT)",
        ));
    }
    let mut s = tcp(p.host(), p.port(), opts)?;
    let mut req = format!(
        "CONNECT {0} HTTP/1.1\r\nHost: {0}\r\nUser-Agent: btpcert/{1}\r\n",
        target.authority(),
        env!("CARGO_PKG_VERSION")
    );
    if let Some(user) = p.username() {
        let creds = format!("{user}:{}", p.password().unwrap_or(""));
        req.push_str(&format!(
            "Proxy-Authorization: Basic {}\r\n",
            openssl::base64::encode_block(creds.as_bytes())
        ));
    }
    req.push_str("\r\n");
    let failed = |what: String| diagnosis::proxy_failed(&shown, &target.authority(), &what);
    s.write_all(req.as_bytes())
        .map_err(|e| failed(format!("cannot send CONNECT ({e})")))?;
    // Read the answer's head byte by byte: the TLS bytes follow it.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte) {
            Ok(1) if head.len() < 8192 => head.push(byte[0]),
            Ok(_) => {
                return Err(failed(
                    "it closed the connection, or answered too much".into(),
                ))
            }
            Err(e) if is_timeout(e.kind()) => {
                return Err(diagnosis::timeout(
                    p.host(),
                    p.port(),
                    opts.timeout.as_secs(),
                ))
            }
            Err(e) => return Err(failed(format!("{e}"))),
        }
    }
    match parse_status(&head) {
        Some(200) => Ok(s),
        Some(code) => Err(failed(format!("it answered HTTP {code}"))),
        None => Err(failed("its answer is not HTTP".into())),
    }
}

fn tcp(host: &str, port: u16, opts: &LookOptions) -> std::result::Result<TcpStream, Diagnosis> {
    let addrs: Vec<_> = match (host, port).to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(_) => return Err(diagnosis::name_not_resolved(host)),
    };
    if addrs.is_empty() {
        return Err(diagnosis::name_not_resolved(host));
    }
    let mut refused = false;
    for a in addrs {
        let left = opts.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match TcpStream::connect_timeout(&a, left) {
            Ok(s) => {
                let _ = s.set_read_timeout(Some(left));
                let _ = s.set_write_timeout(Some(left));
                return Ok(s);
            }
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => refused = true,
            Err(e) if is_timeout(e.kind()) => {}
            Err(_) => {}
        }
    }
    if !refused && Instant::now() >= opts.deadline {
        return Err(diagnosis::timeout(host, port, opts.timeout.as_secs()));
    }
    Err(diagnosis::connection_failed(host, port, refused))
}

/// Whether `cert` names `host` (subjectAltName DNS or IP entries, `*.`
/// wildcards in the left-most label; the common name only when the
/// certificate has no subjectAltName), as RFC 6125 has it.
pub fn names_host(cert: &Cert, host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let sans = cert.subject_alt_names();
    let matches = |name: &str| {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        match name.strip_prefix("*.") {
            Some(rest) => host
                .split_once('.')
                .is_some_and(|(first, tail)| !first.is_empty() && tail == rest),
            None => name == host,
        }
    };
    if sans.is_empty() {
        return matches(&cert.common_name());
    }
    sans.iter().any(|s| {
        if let Some(dns) = s.strip_prefix("DNS:") {
            host.parse::<std::net::IpAddr>().is_err() && matches(dns)
        } else if let Some(ip) = s.strip_prefix("IP:") {
            ip.parse::<std::net::IpAddr>().ok() == host.parse::<std::net::IpAddr>().ok()
                && host.parse::<std::net::IpAddr>().is_ok()
        } else {
            false
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_from_urls() {
        let t = Target::of_url("https://a.example:8443/oauth/token?x=1").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.path.as_str()),
            ("a.example", 8443, "/oauth/token?x=1")
        );
        let t = Target::of_url("https://A.example").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.path.as_str()),
            ("a.example", 443, "/")
        );
        let t = Target::of_url("https://[::1]:9/").unwrap();
        assert_eq!(
            (t.host.as_str(), t.authority()),
            ("::1", "[::1]:9".to_string())
        );
        assert!(Target::of_url("http://a.example").is_err());
        assert!(Target::of_url("https://a.example:x/").is_err());
    }

    /// A certificate with these subjectAltName entries (`DNS:x`, `IP:x`).
    fn cert_naming(cn: &str, sans: &[&str]) -> Cert {
        use openssl::x509::extension::SubjectAlternativeName;
        let key = openssl::pkey::PKey::generate_ed25519().unwrap();
        let mut name = openssl::x509::X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", cn).unwrap();
        let name = name.build();
        let mut b = openssl::x509::X509Builder::new().unwrap();
        b.set_version(2).unwrap();
        b.set_subject_name(&name).unwrap();
        b.set_issuer_name(&name).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&openssl::asn1::Asn1Time::from_unix(0).unwrap())
            .unwrap();
        b.set_not_after(&openssl::asn1::Asn1Time::days_from_now(1).unwrap())
            .unwrap();
        if !sans.is_empty() {
            let mut san = SubjectAlternativeName::new();
            for s in sans {
                match s.split_once(':') {
                    Some(("IP", ip)) => san.ip(ip),
                    Some((_, dns)) => san.dns(dns),
                    None => unreachable!(),
                };
            }
            let ext = san.build(&b.x509v3_context(None, None)).unwrap();
            b.append_extension(ext).unwrap();
        }
        b.sign(&key, openssl::hash::MessageDigest::null()).unwrap();
        Cert::from_der(&b.build().to_der().unwrap()).unwrap()
    }

    #[test]
    fn host_names_as_rfc_6125_has_them() {
        let c = cert_naming(
            "x",
            &[
                "DNS:*.authentication.eu10.hana.ondemand.com",
                "IP:127.0.0.1",
            ],
        );
        assert!(names_host(&c, "sub.authentication.eu10.hana.ondemand.com"));
        assert!(!names_host(
            &c,
            "a.sub.authentication.eu10.hana.ondemand.com"
        ));
        assert!(!names_host(&c, "authentication.eu10.hana.ondemand.com"));
        assert!(names_host(&c, "127.0.0.1"));
        assert!(!names_host(&c, "127.0.0.2"));
        // The common name counts only without subjectAltName.
        assert!(!names_host(&c, "x"));
        assert!(names_host(
            &cert_naming("host.example", &[]),
            "HOST.example"
        ));
    }

    #[test]
    fn status_lines() {
        assert_eq!(parse_status(b"HTTP/1.1 400 Bad Request\r\n"), Some(400));
        assert_eq!(parse_status(b"garbage"), None);
    }
}
