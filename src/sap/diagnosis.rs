//! What btpcert can say about a conversation with SAP BTP, in one place:
//! every failure `token`, `call` and `probe` diagnose has a typed id here,
//! with the source it rests on (an SAP knowledge base article, SAP's
//! documentation, a TLS or HTTP rule) and the words the user reads.
//!
//! The functions below classify what a server did (a TLS alert, an HTTP
//! status and body, a transport failure) into a [`Diagnosis`]; the callers
//! only gather the facts. Where a rule is inferred rather than documented,
//! the message says "likely" and quotes the server's own words.

use serde::Serialize;

use crate::check::Status;
use crate::error::Error;
use crate::sanitize::sanitize;

macro_rules! diagnosis_ids {
    ($($(#[$doc:meta])* $variant:ident => $text:literal, $source:literal;)*) => {
        /// The stable identifier of a diagnosis, as `--json` prints it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        pub enum DiagnosisId {
            $($(#[$doc])* #[serde(rename = $text)] $variant,)*
        }

        impl DiagnosisId {
            /// The identifier as text, e.g. `unknown-ca`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(DiagnosisId::$variant => $text,)*
                }
            }

            /// What the diagnosis rests on: a knowledge base article, a
            /// document or a protocol rule.
            pub fn source(self) -> &'static str {
                match self {
                    $(DiagnosisId::$variant => $source,)*
                }
            }

            /// Every id, in catalogue order.
            pub fn all() -> &'static [DiagnosisId] {
                &[$(DiagnosisId::$variant,)*]
            }
        }
    };
}

diagnosis_ids! {
    // --- Reaching the server ---------------------------------------------
    /// The host name does not resolve. Source: the system's resolver.
    NameNotResolved => "name-not-resolved", "system resolver";
    /// Nobody accepts the TCP connection (server down, wrong port, no
    /// route). Source: the operating system.
    ConnectionFailed => "connection-failed", "operating system";
    /// No answer within `--timeout`. Source: btpcert's own deadline.
    Timeout => "timeout", "btpcert --timeout";
    /// The HTTPS proxy refused or failed the `CONNECT`. Source: RFC 9110
    /// section 9.3.6 (CONNECT).
    ProxyFailed => "proxy-failed", "RFC 9110 9.3.6";
    /// Any other transport failure, with the system's words.
    TransportFailed => "transport-failed", "operating system";

    // --- The server's certificate ----------------------------------------
    /// The TLS handshake worked (protocol and cipher are shown). Source:
    /// RFC 8446 / RFC 5246.
    TlsHandshake => "tls-handshake", "RFC 8446";
    /// The server's chain reaches a root btpcert knows (sent, `--ca`, the
    /// system bundle or fetched). Source: RFC 5280 path validation.
    ServerChainTrusted => "server-chain-trusted", "RFC 5280";
    /// The server's chain reaches no known root: the sender must import it.
    /// Source: SAP BTP Trust Store (sap-software/btp-trust-store).
    ServerNotTrusted => "server-not-trusted", "SAP BTP Trust Store";
    /// A certificate of the server's chain is expired or not valid yet.
    /// Source: RFC 5280 section 4.1.2.5.
    ServerCertificateExpired => "server-certificate-expired", "RFC 5280 4.1.2.5";
    /// The server's certificate does not name the host. Source: RFC 6125.
    ServerNameMismatch => "server-name-mismatch", "RFC 6125";
    /// The server does not send an intermediate CA; clients that do not
    /// fetch it (most senders, Java) fail. Source: RFC 8446 section 4.4.2.
    ServerChainIncomplete => "server-chain-incomplete", "RFC 8446 4.4.2";
    /// The server's root is not on SAP's `btp-required` list, what a
    /// sender's truststore holds to reach BTP. Source: SAP BTP Trust Store
    /// v3.0.0, `required` list.
    ServerRootNotRequired => "server-root-not-on-btp-required", "SAP BTP Trust Store (required)";
    /// The server's root carries the name of a CA SAP lists, with another
    /// fingerprint: a look-alike, never written to a truststore. Source:
    /// SAP BTP Trust Store; btpcert matches by fingerprint.
    ServerRootLookAlike => "server-root-look-alike", "SAP BTP Trust Store";

    // --- The client certificate at the handshake -------------------------
    /// The server asked for no client certificate. Certificate-based token
    /// requests need the `.cert.` host, which asks for one. Source: SAP
    /// documentation on token requests with a client certificate (inferred
    /// host rule, XSUAA `certurl`).
    ClientCertificateNotRequested => "client-certificate-not-requested", "SAP documentation (token request with certificate)";
    /// The client chain reaches none of the CA names the server sent in its
    /// CertificateRequest. Source: RFC 8446 section 4.2.4
    /// (certificate_authorities), RFC 5246 section 7.4.4.
    ClientCaNotAccepted => "client-ca-not-accepted", "RFC 8446 4.2.4";
    /// The server took the client certificate. Source: RFC 8446.
    ClientCertificateAccepted => "client-certificate-accepted", "RFC 8446";
    /// TLS alert `certificate_required` (116), or nginx's "400 No required
    /// SSL certificate was sent": no client certificate reached the server.
    /// Source: RFC 8446 section 6.2; SAP documentation (Postman's
    /// certificate host must match the request's host and port).
    CertificateRequired => "certificate-required", "RFC 8446 6.2";
    /// TLS alert `unknown_ca` (48): the client chain reaches no CA the
    /// server trusts. Source: RFC 8446 section 6.2; SAP documentation (the
    /// sender presents the whole chain, root included).
    UnknownCa => "unknown-ca", "RFC 8446 6.2";
    /// TLS alert `bad_certificate` (42). Source: RFC 8446 section 6.2; SAP
    /// documentation (client certificates need Extended Key Usage
    /// clientAuth since 2026-04).
    BadCertificate => "bad-certificate", "RFC 8446 6.2";
    /// TLS alert `certificate_expired` (45). Source: RFC 8446 section 6.2.
    CertificateExpired => "certificate-expired", "RFC 8446 6.2";
    /// Another TLS alert from the server. Source: RFC 8446 section 6.2.
    TlsAlert => "tls-alert", "RFC 8446 6.2";
    /// nginx-style servers finish the handshake and answer "400 The SSL
    /// certificate error". Source: nginx `ssl_verify_client`.
    ClientCertificateRejected => "client-certificate-rejected", "nginx ssl_verify_client";

    // --- Before any connection -------------------------------------------
    /// The private key does not belong to the client certificate. Source:
    /// RFC 8446 section 4.4.3 (CertificateVerify).
    KeyMismatch => "key-mismatch", "RFC 8446 4.4.3";

    // --- The token request -----------------------------------------------
    /// The token server issued a token. Source: RFC 6749 section 4.4.
    TokenIssued => "token-issued", "RFC 6749 4.4";
    /// HTTP 401 to clientid and clientsecret. Source: RFC 6749 section 5.2.
    BadCredentials => "bad-credentials", "RFC 6749 5.2";
    /// HTTP 401 "Unsupported instance credential": a client certificate sent
    /// to a token host that expects a secret. Source: SAP's security
    /// libraries (SAP/cloud-security-services-integration-library #534:
    /// certificate credentials go to `certurl`, the `.cert.` host); the
    /// it-rt host rule is inferred.
    UnsupportedInstanceCredential => "unsupported-instance-credential", "SAP cloud-security-services-integration-library #534";
    /// HTTP 401 `invalid_client` "Either the client certificate is not
    /// configured exactly once in a service key ...": the certificate is in
    /// no key of the instance, or in several. Source: SAP KBA 3224701.
    CertificateNotInOneKey => "certificate-not-in-one-key", "SAP KBA 3224701";
    /// HTTP 401 whose text says "Multiple clones found for certificate":
    /// two unpinned External Certificate keys carry the same subject and
    /// issuer. Source: SAP KBA 3364579 (`btpcert audit` finds such pairs).
    MultipleClones => "multiple-clones", "SAP KBA 3364579";
    /// HTTP 401 to a certificate-based token request for another reason.
    /// Source: RFC 6749 section 5.2; SAP KBA 3592653 (troubleshooting 401).
    TokenCertificateRefused => "token-certificate-refused", "SAP KBA 3592653";
    /// The token server answered another error status. Source: RFC 6749.
    TokenRequestFailed => "token-request-failed", "RFC 6749 5.2";
    /// HTTP 200 without a usable token. Source: RFC 6749 section 5.1.
    TokenResponseInvalid => "token-response-invalid", "RFC 6749 5.1";
    /// The token was issued to another client than the key's `clientid`:
    /// the certificate belongs to another service key. Source: RFC 6749
    /// section 4.4 (`client_id` claim of XSUAA tokens).
    ClientIdMismatch => "clientid-mismatch", "RFC 6749 4.4";
    /// A redirect, not followed: credentials go only where the key says.
    /// Source: RFC 9110 section 15.4.
    Redirected => "redirected", "RFC 9110 15.4";

    // --- The call --------------------------------------------------------
    /// The endpoint accepted the token. Source: RFC 6750.
    CallAccepted => "call-accepted", "RFC 6750";
    /// HTTP 401 at the endpoint: the token was not accepted. Source: SAP
    /// KBA 3592653 (troubleshooting inbound 401).
    TokenNotAccepted => "token-not-accepted", "SAP KBA 3592653";
    /// HTTP 403 whose text says the certificate's subject and issuer are
    /// not in the accepted subjectAndIssuers list: a renewed or pinned
    /// certificate. Source: SAP KBA 3538749.
    SubjectIssuerNotAccepted => "subject-issuer-not-accepted", "SAP KBA 3538749";
    /// HTTP 403 at the endpoint: the instance likely lacks the role (e.g.
    /// ESBMessaging.send). Source: SAP documentation (instance `roles`);
    /// SAP KBA 3538749 notes that 403 has several causes.
    MissingRole => "missing-role", "SAP documentation (service instance roles)";
    /// HTTP 5xx at the endpoint. Source: RFC 9110 section 15.6.
    EndpointError => "endpoint-error", "RFC 9110 15.6";
}

impl std::fmt::Display for DiagnosisId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding about a conversation with a server: what, how bad, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    /// What was found.
    pub id: DiagnosisId,
    /// How it came out.
    pub status: Status,
    /// Why, in words a user can act on.
    pub message: String,
    /// What it rests on: [`DiagnosisId::source`].
    pub source: &'static str,
}

impl Diagnosis {
    /// A finding with the given status.
    pub fn new(id: DiagnosisId, status: Status, message: impl Into<String>) -> Diagnosis {
        Diagnosis {
            id,
            status,
            message: message.into(),
            source: id.source(),
        }
    }

    /// Something that works.
    pub fn ok(id: DiagnosisId, message: impl Into<String>) -> Diagnosis {
        Diagnosis::new(id, Status::Ok, message)
    }

    /// Works, but the user should know.
    pub fn warn(id: DiagnosisId, message: impl Into<String>) -> Diagnosis {
        Diagnosis::new(id, Status::Warn, message)
    }

    /// Fails: the user has to act.
    pub fn fail(id: DiagnosisId, message: impl Into<String>) -> Diagnosis {
        Diagnosis::new(id, Status::Fail, message)
    }

    /// The error `token` and `call` end with: the message, exit status 1.
    pub fn into_error(self) -> Error {
        Error::Failed(self.message)
    }
}

// --- Transport ------------------------------------------------------------

/// The host name does not resolve.
pub fn name_not_resolved(host: &str) -> Diagnosis {
    Diagnosis::fail(
        DiagnosisId::NameNotResolved,
        format!(
            "cannot resolve {}: check the URL, or set HTTPS_PROXY if you are behind a proxy",
            sanitize(host)
        ),
    )
}

/// Nobody accepts the connection; `refused` when the system said so.
pub fn connection_failed(host: &str, port: u16, refused: bool) -> Diagnosis {
    let why = if refused {
        "connection refused (server down or wrong port)"
    } else {
        "nobody answers there (server down, wrong port, or a proxy is needed)"
    };
    Diagnosis::fail(
        DiagnosisId::ConnectionFailed,
        format!("cannot connect to {}:{port}: {why}", sanitize(host)),
    )
}

/// No answer within `secs` seconds.
pub fn timeout(host: &str, port: u16, secs: u64) -> Diagnosis {
    Diagnosis::fail(
        DiagnosisId::Timeout,
        format!("no answer from {}:{port} within {secs} s", sanitize(host)),
    )
}

/// The proxy did not open a tunnel.
pub fn proxy_failed(proxy: &str, target: &str, what: &str) -> Diagnosis {
    Diagnosis::fail(
        DiagnosisId::ProxyFailed,
        format!(
            "the proxy {} did not open a tunnel to {}: {}; check HTTPS_PROXY and NO_PROXY",
            sanitize(proxy),
            sanitize(target),
            sanitize(what)
        ),
    )
}

/// Any other transport failure.
pub fn transport_failed(host: &str, port: u16, text: &str) -> Diagnosis {
    Diagnosis::fail(
        DiagnosisId::TransportFailed,
        format!(
            "request to {}:{port} failed: {}",
            sanitize(host),
            sanitize(text)
        ),
    )
}

/// The server's certificate did not verify for an HTTP client; `reason` is
/// OpenSSL's, `extra_roots` whether `--ca` was given.
pub fn server_not_trusted(host: &str, reason: &str, extra_roots: bool) -> Diagnosis {
    let host = sanitize(host);
    let message = if extra_roots {
        format!(
            "the certificate of {host} is not trusted ({reason}), not even with the extra roots given: it chains to none of them, or does not name {host}"
        )
    } else {
        format!(
            "the certificate of {host} is not trusted ({reason}); for a private test server give its root with --ca FILE"
        )
    };
    Diagnosis::fail(DiagnosisId::ServerNotTrusted, message)
}

// --- TLS alerts -------------------------------------------------------------

/// The name RFC 8446 gives an alert description.
pub fn alert_name(code: u8) -> &'static str {
    match code {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        22 => "record_overflow",
        40 => "handshake_failure",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        113 => "bad_certificate_status_response",
        115 => "unknown_psk_identity",
        116 => "certificate_required",
        120 => "no_application_protocol",
        _ => "unknown alert",
    }
}

/// The alert an OpenSSL reason names ("tlsv1 alert unknown ca",
/// "sslv3 alert certificate expired", "tlsv13 alert certificate required").
pub fn alert_from_reason(text: &str) -> Option<u8> {
    let lower = text.to_ascii_lowercase();
    let (_, after) = lower.split_once(" alert ")?;
    let wanted = after.trim().replace(' ', "_");
    [
        40u8, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 70, 71, 80, 112, 116, 120,
    ]
    .into_iter()
    .find(|&c| wanted.starts_with(alert_name(c)))
}

/// The server ended the handshake with alert `code`. `sent` describes the
/// client certificate sent (`None`: none was).
pub fn tls_alert(code: u8, host: &str, sent: Option<&str>) -> Diagnosis {
    let host = sanitize(host);
    let name = alert_name(code);
    let cert = match sent {
        Some(s) => format!("the client certificate {s}"),
        None => "no client certificate".to_string(),
    };
    match code {
        116 => Diagnosis::fail(
            DiagnosisId::CertificateRequired,
            format!(
                "{host} ended the handshake with alert certificate_required: it wants a client certificate, and {} reached it (wrong host, or a certificate host in Postman that does not match the request's host and port)",
                if sent.is_some() { "none" } else { "none was sent, so none" }
            ),
        ),
        48 => Diagnosis::fail(
            DiagnosisId::UnknownCa,
            format!(
                "{host} ended the handshake with alert unknown_ca: {cert} does not chain to a CA it trusts; send the whole chain (leaf, intermediates, root) and check that its root is one SAP's load balancer accepts (btpcert verify --for iflow)"
            ),
        ),
        42 => Diagnosis::fail(
            DiagnosisId::BadCertificate,
            format!(
                "{host} ended the handshake with alert bad_certificate: it refused {cert}; since 2026-04 SAP's load balancer wants Extended Key Usage clientAuth, and the key must belong to the certificate (btpcert verify shows both)"
            ),
        ),
        45 => Diagnosis::fail(
            DiagnosisId::CertificateExpired,
            format!(
                "{host} ended the handshake with alert certificate_expired: {cert} (or a CA of its chain) has expired or is not valid yet; create a new service key or renew the certificate"
            ),
        ),
        _ => Diagnosis::fail(
            DiagnosisId::TlsAlert,
            format!(
                "{host} ended the handshake with alert {name} ({code}): {cert} was sent; it must chain to a CA the server trusts and allow Client Authentication"
            ),
        ),
    }
}

/// What nginx-style servers answer (HTTP 400) when they refuse a client
/// certificate after the handshake; `None` for any other answer.
pub fn certificate_complaint(status: u16, body: &[u8], sent: Option<&str>) -> Option<Diagnosis> {
    if status != 400 {
        return None;
    }
    let body = String::from_utf8_lossy(body).to_ascii_lowercase();
    if body.contains("no required ssl certificate") {
        Some(Diagnosis::fail(
            DiagnosisId::CertificateRequired,
            "the server requires a client certificate, and none was sent",
        ))
    } else if body.contains("ssl certificate error") {
        Some(Diagnosis::fail(
            DiagnosisId::ClientCertificateRejected,
            format!(
                "the server rejected the client certificate {}: it must chain to a CA the server trusts",
                sent.unwrap_or("none")
            ),
        ))
    } else {
        None
    }
}

// --- Token requests ---------------------------------------------------------

/// How a token request authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    /// HTTP Basic with clientid and clientsecret.
    Secret,
    /// A client certificate over mutual TLS.
    Certificate,
}

/// What a token server said when it refused: status and the JSON fields
/// `error` and `error_description`, already redacted.
#[derive(Debug, Clone, Default)]
pub struct Refusal<'a> {
    /// HTTP status.
    pub status: u16,
    /// Its reason phrase.
    pub reason: &'a str,
    /// `error` of a JSON body.
    pub error: Option<&'a str>,
    /// `error_description` of a JSON body.
    pub description: Option<&'a str>,
    /// The start of a body that is not JSON, quoted.
    pub snippet: Option<&'a str>,
}

impl Refusal<'_> {
    /// `: description` (or `: error`), as the messages quote it.
    fn described(&self) -> String {
        self.description
            .or(self.error)
            .map(|s| format!(": {}", sanitize(s)))
            .unwrap_or_default()
    }

    fn says(&self, what: &str) -> bool {
        [self.description, self.error, self.snippet]
            .iter()
            .flatten()
            .any(|s| s.to_ascii_lowercase().contains(what))
    }
}

/// The diagnosis of a token server that did not hand out a token. `sent`
/// describes the client certificate, when one was sent.
pub fn token_refused(r: &Refusal, auth: AuthKind, sent: Option<&str>) -> Diagnosis {
    let described = r.described();
    let cert = sent.unwrap_or("sent");
    if r.says("unsupported instance credential") {
        return Diagnosis::fail(
            DiagnosisId::UnsupportedInstanceCredential,
            format!(
                "the token server refused the credentials (HTTP {}{described}); this token host does not take this kind of credential: a client certificate likely went to the host for clientsecrets — certificate-based token requests go to the key's certurl, or the '.authentication.cert.' host (--cert-host)",
                r.status
            ),
        );
    }
    if r.says("multiple clones found") {
        return Diagnosis::fail(
            DiagnosisId::MultipleClones,
            format!(
                "the token server refused the credentials (HTTP {}{described}): two unpinned External Certificate keys carry the same subject and issuer as {cert} (SAP KBA 3364579); 'btpcert audit' over your keys finds the pair: delete one, or pin the certificates",
                r.status
            ),
        );
    }
    if r.says("not configured exactly once") {
        return Diagnosis::fail(
            DiagnosisId::CertificateNotInOneKey,
            format!(
                "the token server refused the credentials (HTTP {}{described}); the client certificate {cert} is registered in no service key of a Process Integration Runtime instance, or in more than one, or the tenant does not allow client certificates (SAP KBA 3224701): use the certificate of exactly one key ('btpcert audit' finds keys that share one)",
                r.status
            ),
        );
    }
    if r.status == 401 {
        return match auth {
            AuthKind::Secret => Diagnosis::fail(
                DiagnosisId::BadCredentials,
                format!(
                    "the token server refused the credentials (HTTP 401{described}); check clientid and clientsecret"
                ),
            ),
            AuthKind::Certificate => Diagnosis::fail(
                DiagnosisId::TokenCertificateRefused,
                format!(
                    "the token server refused the credentials (HTTP 401{described}); check that the certificate belongs to this service key{}",
                    if r.says("certificate") {
                        format!(": the server objects to the client certificate {cert}")
                    } else {
                        String::new()
                    }
                ),
            ),
        };
    }
    if r.status == 403 {
        if let Some(d) = forbidden(r, "the token server") {
            return d;
        }
    }
    let detail = if r.error.is_some() || r.description.is_some() {
        described
    } else {
        r.snippet.map(|s| format!(" ({s})")).unwrap_or_default()
    };
    Diagnosis::fail(
        DiagnosisId::TokenRequestFailed,
        format!(
            "the token server answered HTTP {} {}{detail}",
            r.status, r.reason
        ),
    )
}

/// The subjectAndIssuers refusal of KBA 3538749, when the text says so.
fn forbidden(r: &Refusal, who: &str) -> Option<Diagnosis> {
    if r.says("subjectandissuers") || r.says("subject and issuer") {
        return Some(Diagnosis::fail(
            DiagnosisId::SubjectIssuerNotAccepted,
            format!(
                "{who} answered HTTP 403{}: the certificate's subject and issuer are not among those the service key registered — a renewed certificate with another subject or issuer, or a pinned key given a new certificate (SAP KBA 3538749); compare with the key ('btpcert verify KEYFILE') or create the key anew",
                r.described()
            ),
        ));
    }
    None
}

/// The token was issued to `got`, not to the key's `clientid`.
pub fn clientid_mismatch(got: &str, clientid: &str) -> Diagnosis {
    Diagnosis::fail(
        DiagnosisId::ClientIdMismatch,
        format!(
            "the token was issued to client '{}', not to the key's clientid '{}': the certificate belongs to another service key",
            sanitize(got),
            sanitize(clientid)
        ),
    )
}

// --- Calls --------------------------------------------------------------------

/// The diagnosis of an endpoint's answer to a call with a token: `None`
/// for an answer that needs none (2xx, redirects are reported elsewhere).
pub fn endpoint_answer(r: &Refusal) -> Option<Diagnosis> {
    match r.status {
        401 if r.says("multiple clones found") => Some(Diagnosis::fail(
            DiagnosisId::MultipleClones,
            format!(
                "the endpoint answered HTTP 401{}: two unpinned External Certificate keys carry the same subject and issuer (SAP KBA 3364579); 'btpcert audit' over your keys finds the pair",
                r.described()
            ),
        )),
        401 if r.says("not configured exactly once") => Some(Diagnosis::fail(
            DiagnosisId::CertificateNotInOneKey,
            format!(
                "the endpoint answered HTTP 401{}: the client certificate is registered in no service key, or in more than one (SAP KBA 3224701)",
                r.described()
            ),
        )),
        401 => Some(Diagnosis::fail(
            DiagnosisId::TokenNotAccepted,
            format!(
                "the endpoint refused the token (HTTP 401{}): it was issued for another subaccount or instance, has expired, or the endpoint wants another kind of credential (SAP KBA 3592653 walks through the causes)",
                r.described()
            ),
        )),
        403 => Some(forbidden(r, "the endpoint").unwrap_or_else(|| {
            Diagnosis::fail(
                DiagnosisId::MissingRole,
                format!(
                    "the endpoint refused the token (HTTP 403{}): does the instance grant the role it needs (e.g. ESBMessaging.send for /http/ endpoints, MonitoringDataRead for the message processing logs)? Check the instance's roles ('btpcert instance check')",
                    r.described()
                ),
            )
        })),
        s if s >= 500 => Some(Diagnosis::warn(
            DiagnosisId::EndpointError,
            format!(
                "the endpoint answered HTTP {s} {}: the token was accepted, the server failed",
                r.reason
            ),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_have_sources() {
        let mut seen = std::collections::HashSet::new();
        for id in DiagnosisId::all() {
            assert!(seen.insert(id.as_str()), "{id} twice");
            assert!(!id.source().is_empty());
            assert_eq!(
                serde_json::to_value(id).unwrap(),
                serde_json::Value::String(id.as_str().into())
            );
        }
    }

    #[test]
    fn alerts_by_name() {
        assert_eq!(alert_from_reason("tlsv1 alert unknown ca"), Some(48));
        assert_eq!(
            alert_from_reason("sslv3 alert certificate expired"),
            Some(45)
        );
        assert_eq!(
            alert_from_reason("tlsv13 alert certificate required"),
            Some(116)
        );
        assert_eq!(alert_from_reason("sslv3 alert bad certificate"), Some(42));
        assert_eq!(alert_from_reason("sslv3 alert handshake failure"), Some(40));
        assert_eq!(alert_from_reason("certificate verify failed"), None);
        assert_eq!(tls_alert(48, "h", None).id, DiagnosisId::UnknownCa);
        assert_eq!(
            tls_alert(116, "h", None).id,
            DiagnosisId::CertificateRequired
        );
        assert_eq!(tls_alert(40, "h", None).id, DiagnosisId::TlsAlert);
    }

    #[test]
    fn token_refusals_by_their_words() {
        let r = |status, error, description| Refusal {
            status,
            reason: "Unauthorized",
            error,
            description,
            snippet: None,
        };
        let d = token_refused(
            &r(
                401,
                Some("unauthorized"),
                Some("Unsupported instance credential for x"),
            ),
            AuthKind::Certificate,
            None,
        );
        assert_eq!(d.id, DiagnosisId::UnsupportedInstanceCredential);
        assert!(d.message.contains("likely"), "{}", d.message);
        let d = token_refused(
            &r(401, Some("invalid_client"), Some("Either the client certificate is not configured exactly once in a service key of a Process Integration Runtime service instance or client-certificate authentication was not enabled for your tenant")),
            AuthKind::Certificate,
            Some("'CN=x'"),
        );
        assert_eq!(d.id, DiagnosisId::CertificateNotInOneKey);
        assert!(d.message.contains("KBA 3224701"));
        let d = token_refused(
            &r(401, None, Some("Bad credentials")),
            AuthKind::Secret,
            None,
        );
        assert_eq!(d.id, DiagnosisId::BadCredentials);
        assert_eq!(
            d.message,
            "the token server refused the credentials (HTTP 401: Bad credentials); check clientid and clientsecret"
        );
        let d = token_refused(&r(500, None, None), AuthKind::Secret, None);
        assert_eq!(d.id, DiagnosisId::TokenRequestFailed);
    }

    #[test]
    fn endpoint_answers() {
        let r = |status, description| Refusal {
            status,
            reason: "Forbidden",
            error: None,
            description,
            snippet: None,
        };
        let d = endpoint_answer(&r(403, Some("Subject and issuer (subject: CN=a; issuer: CN=b) of the provided certificate is not contained in the accepted subjectAndIssuers list of the integration flow"))).unwrap();
        assert_eq!(d.id, DiagnosisId::SubjectIssuerNotAccepted);
        assert!(d.message.contains("KBA 3538749"));
        assert_eq!(
            endpoint_answer(&r(403, None)).unwrap().id,
            DiagnosisId::MissingRole
        );
        assert_eq!(
            endpoint_answer(&r(401, None)).unwrap().id,
            DiagnosisId::TokenNotAccepted
        );
        assert!(endpoint_answer(&r(200, None)).is_none());
        assert!(endpoint_answer(&r(404, None)).is_none());
    }

    #[test]
    fn nginx_complaints() {
        let d = certificate_complaint(
            400,
            b"<title>400 No required SSL certificate was sent</title>",
            None,
        )
        .unwrap();
        assert_eq!(d.id, DiagnosisId::CertificateRequired);
        let d =
            certificate_complaint(400, b"400 The SSL certificate error", Some("'CN=x'")).unwrap();
        assert_eq!(d.id, DiagnosisId::ClientCertificateRejected);
        assert!(certificate_complaint(200, b"", None).is_none());
    }
}
