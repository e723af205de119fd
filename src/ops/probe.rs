//! `probe`: ask the real endpoints of a service key (or one URL) what they
//! think of it, and say why where they refuse.
//!
//! For the key's `url` host, its `tokenurl` host and, for certificate keys,
//! the host certificate-based token requests go to (`certurl`, or the
//! inferred `.authentication.cert.` host), it shakes hands once without a
//! client certificate (verification off, so the chain can be shown and
//! judged by btpcert's own checks: path, validity, host name, SAP's lists),
//! reads the CA names the server accepts for client certificates, shakes
//! hands again with the key's identity, then requests a token and makes one
//! authenticated GET of `url`. Every finding is a
//! [`Diagnosis`] from the one catalogue.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::check::Status;
use crate::error::{Error, ExitStatus, Result};
use crate::input::fetch::{self, FetchOptions, Fetched};
use crate::ops::token::{answer_diagnosis, key_mismatch, ConnOptions, Credentials};
use crate::ops::{truststore, Outcome, StoreOptions};
use crate::sanitize::sanitize;
use crate::sap::connectivity::root_info;
use crate::sap::diagnosis::{self, Diagnosis, DiagnosisId};
use crate::sap::handshake::{look, names_host, Look, LookOptions, Target};
use crate::sap::servicekey::KeyKind;
use crate::sap::token::{proxy_from_env, Identity};
use crate::secret::SecretSource;
use crate::write::Planned;
use crate::x509::cert::{rfc3339, Cert};
use crate::x509::roots::{Origin, RootStore};
use crate::x509::verify::build_path;

/// What to probe.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// A service key file, or an `https://` URL.
    pub input: String,
    /// Identity, extra roots, time limit (per endpoint).
    pub conn: ConnOptions,
    /// Write the servers' roots into this Java truststore.
    pub truststore: Option<PathBuf>,
    /// Profile and password of that truststore.
    pub store: StoreOptions,
    /// Whether an existing truststore file may be replaced.
    pub force: bool,
    /// Fetch missing intermediates from the caIssuers URL certificates name.
    pub fetch_intermediates: bool,
}

/// Which of the key's addresses an endpoint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// The key's `url`, or the URL given.
    Url,
    /// The key's `tokenurl`.
    Tokenurl,
    /// Where certificate-based token requests go: `certurl`, or the
    /// `.authentication.cert.` host.
    CertTokenurl,
}

impl Role {
    /// How the role reads in human output.
    pub fn describe(self) -> &'static str {
        match self {
            Role::Url => "url",
            Role::Tokenurl => "tokenurl",
            Role::CertTokenurl => "token URL for certificates",
        }
    }
}

/// One certificate the server sent.
#[derive(Debug, Clone, Serialize)]
pub struct ChainCert {
    /// Its subject.
    pub subject_dn: String,
    /// Its issuer.
    pub issuer_dn: String,
    /// Start of validity, RFC 3339.
    pub not_before: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// SHA-256 fingerprint.
    pub fingerprint_sha256: String,
}

impl ChainCert {
    fn of(c: &Cert) -> ChainCert {
        ChainCert {
            subject_dn: c.subject_dn(),
            issuer_dn: c.issuer_dn(),
            not_before: rfc3339(c.not_before()),
            not_after: rfc3339(c.not_after()),
            fingerprint_sha256: c.sha256(),
        }
    }
}

/// The root the server's chain reaches.
#[derive(Debug, Clone, Serialize)]
pub struct ServerRoot {
    /// Its subject.
    pub subject_dn: String,
    /// SHA-256 fingerprint.
    pub fingerprint_sha256: String,
    /// Where it came from: `sent`, `ca-file` (`--ca`), `system` or `fetched`.
    pub origin: &'static str,
    /// A listed CA with the same name but another fingerprint.
    pub look_alike_of: Option<String>,
    #[serde(skip)]
    cert: Option<Cert>,
}

/// Where a root came from, in words: `sent` reads "sent by the server".
pub fn describe_origin(origin: &str) -> &'static str {
    match origin {
        "sent" => "sent by the server",
        "ca-file" => "from a --ca file",
        "system" => "from the system's CA bundle",
        _ => "fetched",
    }
}

/// What one endpoint said.
#[derive(Debug, Serialize)]
pub struct EndpointReport {
    /// The URL probed.
    pub url: String,
    /// Which of the key's addresses it is.
    pub role: Role,
    /// `TLSv1.3`, `TLSv1.2`; `None` when no handshake completed.
    pub tls_version: Option<String>,
    /// The cipher suite.
    pub cipher: Option<String>,
    /// The certificates the server sent, in its order.
    pub server_chain: Vec<ChainCert>,
    /// The root its chain reaches, when one was found.
    pub server_root: Option<ServerRoot>,
    /// SAP lists that hold that root (by fingerprint).
    pub server_root_on: Vec<&'static str>,
    /// Whether the server asked for a client certificate.
    pub client_certificate_requested: Option<bool>,
    /// The CA names the server accepts for client certificates.
    pub acceptable_client_cas: Vec<String>,
    /// The accepted CA name the client chain reaches, if any.
    pub client_chain_reaches: Option<String>,
    /// Whether the server took the client certificate; `None` when none
    /// was presented.
    pub client_certificate_accepted: Option<bool>,
    /// The HTTP status of the last request to it.
    pub http_status: Option<u16>,
    /// What was found, in order.
    pub diagnosis: Vec<Diagnosis>,
}

impl EndpointReport {
    fn new(url: &str, role: Role) -> EndpointReport {
        EndpointReport {
            url: url.to_string(),
            role,
            tls_version: None,
            cipher: None,
            server_chain: Vec::new(),
            server_root: None,
            server_root_on: Vec::new(),
            client_certificate_requested: None,
            acceptable_client_cas: Vec::new(),
            client_chain_reaches: None,
            client_certificate_accepted: None,
            http_status: None,
            diagnosis: Vec::new(),
        }
    }

    fn failed(&self) -> bool {
        self.diagnosis.iter().any(|d| d.status == Status::Fail)
    }
}

/// The client certificate presented.
#[derive(Debug, Serialize)]
pub struct ClientCertificate {
    /// The leaf's subject.
    pub subject_dn: String,
    /// The leaf's issuer.
    pub issuer_dn: String,
    /// The leaf's SHA-256 fingerprint.
    pub fingerprint_sha256: String,
    /// How many certificates are sent (leaf, intermediates, root).
    pub chain_length: usize,
}

/// The truststore written.
#[derive(Debug, Serialize)]
pub struct TruststoreReport {
    /// The file.
    pub path: String,
    /// The roots in it.
    pub roots: Vec<crate::ops::truststore::Entry>,
}

/// Everything the endpoints said.
#[derive(Debug, Serialize)]
pub struct ProbeOutcome {
    /// The key file or URL, as given.
    pub input: String,
    /// The kind of service key; `None` for a URL.
    pub key_kind: Option<KeyKind>,
    /// The key's `clientid`.
    pub clientid: Option<String>,
    /// The client certificate presented, if any.
    pub client_certificate: Option<ClientCertificate>,
    /// What was found before any connection (a key that does not match).
    pub diagnosis: Vec<Diagnosis>,
    /// Each endpoint, in the order probed.
    pub endpoints: Vec<EndpointReport>,
    /// Intermediates fetched (`--fetch-intermediates`), and from where.
    pub fetched: Vec<Fetched>,
    /// The truststore written (`--truststore`).
    pub truststore: Option<TruststoreReport>,
    /// What the user should know.
    #[serde(skip)]
    pub notes: Vec<String>,
    /// The truststore, planned.
    #[serde(skip)]
    pub files: Vec<Planned>,
}

impl ProbeOutcome {
    /// Every diagnosis, the key's first.
    pub fn all_diagnoses(&self) -> impl Iterator<Item = &Diagnosis> {
        self.diagnosis
            .iter()
            .chain(self.endpoints.iter().flat_map(|e| &e.diagnosis))
    }
}

impl Outcome for ProbeOutcome {
    fn exit_status(&self) -> ExitStatus {
        ExitStatus::problems_if(self.all_diagnoses().any(|d| d.status == Status::Fail))
    }
    fn notes(&self) -> &[String] {
        &self.notes
    }
    fn files(&self) -> &[Planned] {
        &self.files
    }
}

/// What every endpoint needs to know.
struct Context<'a> {
    conn: &'a ConnOptions,
    identity: Option<&'a Identity>,
    /// An identity exists but is not presented (its key does not match).
    withheld: bool,
    proxy: Option<ureq::Proxy>,
    store: RootStore,
    fetch: bool,
    fetched: Vec<Fetched>,
    notes: Vec<String>,
}

/// Probes the key's endpoints (or the URL).
pub fn run(opts: &ProbeOptions, secrets: &dyn SecretSource) -> Result<ProbeOutcome> {
    let mut conn = opts.conn.clone();
    // The probe asks where certificate-based token requests belong.
    conn.cert_host = true;
    let is_url = opts.input.starts_with("https://") || opts.input.starts_with("http://");
    let creds = if is_url {
        None
    } else {
        Some(Credentials::read(&opts.input, &conn, secrets)?)
    };
    let url_identity =
        if is_url && (conn.cert.is_some() || conn.key.is_some() || conn.p12.is_some()) {
            crate::ops::token::identity(None, KeyKind::Certificate, &opts.input, &conn, secrets)?
        } else {
            None
        };
    let identity = creds
        .as_ref()
        .and_then(|c| c.identity.clone())
        .or(url_identity);
    let mut top = Vec::new();
    let mismatch = identity.as_ref().and_then(key_mismatch);
    top.extend(mismatch.clone());
    let plan = plan(&opts.input, creds.as_ref())?;
    let mut cx = Context {
        conn: &conn,
        identity: identity.as_ref().filter(|_| mismatch.is_none()),
        withheld: mismatch.is_some(),
        proxy: proxy_from_env()?,
        store: root_store(&conn)?,
        fetch: opts.fetch_intermediates,
        fetched: Vec::new(),
        notes: creds.as_ref().map(|c| c.notes.clone()).unwrap_or_default(),
    };
    let mut endpoints = Vec::new();
    for (role, url) in &plan {
        endpoints.push(probe_endpoint(&mut cx, url, *role)?);
    }
    if let (Some(c), None) = (&creds, &mismatch) {
        token_and_call(&mut cx, c, &mut endpoints)?;
    }
    let mut outcome = ProbeOutcome {
        input: opts.input.clone(),
        key_kind: creds.as_ref().map(|c| c.kind),
        clientid: creds.as_ref().map(|c| c.clientid.clone()),
        client_certificate: identity.as_ref().and_then(client_certificate),
        diagnosis: top,
        endpoints,
        fetched: std::mem::take(&mut cx.fetched),
        truststore: None,
        notes: std::mem::take(&mut cx.notes),
        files: Vec::new(),
    };
    if let Some(path) = &opts.truststore {
        write_truststore(&mut outcome, path, opts, secrets)?;
    }
    Ok(outcome)
}

/// The endpoints to probe: `(role, url)`, each URL once.
fn plan(input: &str, creds: Option<&Credentials>) -> Result<Vec<(Role, String)>> {
    let Some(c) = creds else {
        Target::of_url(input)?;
        return Ok(vec![(Role::Url, input.to_string())]);
    };
    let mut plan: Vec<(Role, String)> = Vec::new();
    let mut add = |role, url: &str| {
        if !plan.iter().any(|(_, u)| u == url) {
            plan.push((role, url.to_string()));
        }
    };
    if let Some(u) = &c.url {
        add(Role::Url, u);
    }
    add(Role::Tokenurl, &c.key_tokenurl);
    if c.identity.is_some() && c.tokenurl != c.key_tokenurl {
        add(Role::CertTokenurl, &c.tokenurl);
    }
    for (_, u) in &plan {
        Target::of_url(u).map_err(|_| {
            Error::usage(format!(
                "'{}' is not an https URL: btpcert sends credentials and tokens over https only",
                sanitize(u)
            ))
            .with_path(&c.name)
        })?;
    }
    Ok(plan)
}

fn root_store(conn: &ConnOptions) -> Result<RootStore> {
    let mut store = RootStore::default();
    for c in &conn.ca {
        store.add(crate::input::load(c)?.certs, Origin::RootsFile);
    }
    store.add(
        crate::input::roots::system_roots().unwrap_or_default(),
        Origin::System,
    );
    Ok(store)
}

fn client_certificate(id: &Identity) -> Option<ClientCertificate> {
    let leaf = id.chain.first()?;
    Some(ClientCertificate {
        subject_dn: leaf.subject_dn(),
        issuer_dn: leaf.issuer_dn(),
        fingerprint_sha256: leaf.sha256(),
        chain_length: id.chain.len(),
    })
}

/// Both handshakes with one endpoint.
fn probe_endpoint(cx: &mut Context, url: &str, role: Role) -> Result<EndpointReport> {
    let target = Target::of_url(url)?;
    let mut r = EndpointReport::new(url, role);
    let timeout = cx.conn.timeout.max(Duration::from_secs(1));
    let deadline = Instant::now() + timeout;
    // Without an identity, one plain GET shows whether the server insists
    // on a client certificate (TLS 1.3 alerts and nginx come after it).
    let plain_get = (cx.identity.is_none() && !cx.withheld).then_some(target.path.as_str());
    let first = look(
        &target,
        &LookOptions {
            identity: None,
            request: plain_get,
            deadline,
            timeout,
            proxy: cx.proxy.as_ref(),
        },
    )?;
    if first.peer_chain.is_empty() {
        r.diagnosis.extend(first.failure.clone().or_else(|| {
            first
                .alert_received
                .map(|a| diagnosis::tls_alert(a, &target.host, None))
        }));
        if r.diagnosis.is_empty() {
            r.diagnosis.push(diagnosis::transport_failed(
                &target.host,
                target.port,
                "the server sent no certificate",
            ));
        }
        return Ok(r);
    }
    r.tls_version = first.version.clone();
    r.cipher = first.cipher.clone();
    if let (Some(v), Some(c)) = (&first.version, &first.cipher) {
        r.diagnosis.push(Diagnosis::ok(
            DiagnosisId::TlsHandshake,
            format!("{} shakes hands with {v}, {c}", sanitize(&target.host)),
        ));
    }
    r.server_chain = first.peer_chain.iter().map(ChainCert::of).collect();
    judge_server(cx, &target, &first.peer_chain, &mut r);
    client_cas(cx, &target, &first, &mut r);
    if let Some(id) = cx.identity {
        if first.certificate_requested || first.alert_received == Some(116) {
            mutual(cx, &target, id, deadline, timeout, &mut r)?;
        } else if first.version.is_some() && role == Role::CertTokenurl {
            r.diagnosis.push(Diagnosis::fail(
                DiagnosisId::ClientCertificateNotRequested,
                format!(
                    "{} asks for no client certificate, so a certificate-based token request cannot work there; it is likely not the host for certificates (the key's certurl, or the '.authentication.cert.' host)",
                    sanitize(&target.host)
                ),
            ));
        }
    }
    Ok(r)
}

/// What the CertificateRequest said, and whether the client chain fits it.
fn client_cas(cx: &Context, target: &Target, first: &Look, r: &mut EndpointReport) {
    let requested = first.certificate_requested || first.alert_received == Some(116);
    r.client_certificate_requested = Some(requested);
    let names = first.client_ca_names.clone().unwrap_or_default();
    r.acceptable_client_cas = names.iter().map(|n| dn_of(n)).collect();
    if cx.identity.is_none() && !cx.withheld {
        if let Some((status, body)) = &first.answer {
            r.http_status = Some(*status);
            r.diagnosis
                .extend(diagnosis::certificate_complaint(*status, body, None));
        } else if let Some(a) = first.alert_received {
            // TLS 1.2 servers refuse a missing certificate with handshake_failure.
            let a = if a == 40 && requested { 116 } else { a };
            r.diagnosis
                .push(diagnosis::tls_alert(a, &target.host, None));
        } else if let Some(f) = &first.failure {
            r.diagnosis.push(f.clone());
        }
    }
    let Some(id) = cx.identity else { return };
    if names.is_empty() {
        return;
    }
    r.client_chain_reaches = reached_ca(id, &names);
    if r.client_chain_reaches.is_none() {
        r.diagnosis.push(Diagnosis::warn(
            DiagnosisId::ClientCaNotAccepted,
            format!(
                "{} accepts client certificates under {}; the chain sent ('{}' ...) reaches none of them",
                sanitize(&target.host),
                r.acceptable_client_cas
                    .iter()
                    .map(|n| format!("'{}'", sanitize(n)))
                    .collect::<Vec<_>>()
                    .join(", "),
                sanitize(&id.chain[0].subject_dn())
            ),
        ));
    }
}

/// The CA name of `names` that the identity's chain reaches: a certificate
/// of the chain with that subject, or the top's issuer.
fn reached_ca(id: &Identity, names: &[Vec<u8>]) -> Option<String> {
    let der = |c: &Cert, issuer: bool| {
        c.x509().ok().and_then(|x| {
            if issuer {
                x.issuer_name().to_der().ok()
            } else {
                x.subject_name().to_der().ok()
            }
        })
    };
    let mut candidates: Vec<(Vec<u8>, String)> = id
        .chain
        .iter()
        .skip(1)
        .filter_map(|c| der(c, false).map(|d| (d, c.subject_dn())))
        .collect();
    candidates.extend(
        id.chain
            .iter()
            .filter_map(|c| der(c, true).map(|d| (d, c.issuer_dn()))),
    );
    candidates
        .into_iter()
        .find(|(d, _)| names.iter().any(|n| n == d))
        .map(|(_, s)| s)
}

/// A DN from its DER, written as btpcert writes subjects.
fn dn_of(der: &[u8]) -> String {
    use x509_parser::prelude::FromDer;
    x509_parser::x509::X509Name::from_der(der)
        .map(|(_, n)| n.to_string())
        .unwrap_or_else(|_| "(unreadable name)".into())
}

/// The handshake with the client certificate, and one plain GET.
fn mutual(
    cx: &Context,
    target: &Target,
    id: &Identity,
    deadline: Instant,
    timeout: Duration,
    r: &mut EndpointReport,
) -> Result<()> {
    let second = look(
        target,
        &LookOptions {
            identity: Some(id),
            request: Some(&target.path),
            deadline,
            timeout,
            proxy: cx.proxy.as_ref(),
        },
    )?;
    if r.tls_version.is_none() {
        // A TLS 1.2 server that insists on a certificate ends the first look.
        r.tls_version = second.version.clone();
        r.cipher = second.cipher.clone();
    }
    let sent = id.describe();
    if let Some(a) = second.alert_received {
        r.client_certificate_accepted = Some(false);
        r.diagnosis
            .push(diagnosis::tls_alert(a, &target.host, Some(&sent)));
        return Ok(());
    }
    if let Some((status, body)) = &second.answer {
        r.http_status = Some(*status);
        if let Some(d) = diagnosis::certificate_complaint(*status, body, Some(&sent)) {
            r.client_certificate_accepted = Some(false);
            r.diagnosis.push(d);
        } else {
            r.client_certificate_accepted = Some(true);
            r.diagnosis.push(Diagnosis::ok(
                DiagnosisId::ClientCertificateAccepted,
                format!(
                    "{} accepts the client certificate {sent} (GET {} without a token: HTTP {status})",
                    sanitize(&target.host),
                    sanitize(&target.path)
                ),
            ));
        }
        return Ok(());
    }
    r.diagnosis.push(second.failure.unwrap_or_else(|| {
        diagnosis::transport_failed(
            &target.host,
            target.port,
            "the server closed the connection without an answer",
        )
    }));
    Ok(())
}

/// The server's chain judged: path to a root, validity, host name, SAP's
/// lists; intermediates fetched when asked and needed.
fn judge_server(cx: &mut Context, target: &Target, sent: &[Cert], r: &mut EndpointReport) {
    let path = complete_path(cx, target, sent);
    validity_and_name(target, &path, r);
    let host = sanitize(&target.host).into_owned();
    let sent_ders: Vec<&[u8]> = sent.iter().map(|c| c.der()).collect();
    let not_sent: Vec<String> = path
        .certs
        .iter()
        .filter(|(c, _)| !c.is_self_signed() && !sent_ders.contains(&c.der()))
        .map(|(c, _)| format!("'{}'", sanitize(&c.subject_dn())))
        .collect();
    if !not_sent.is_empty() {
        r.diagnosis.push(Diagnosis::warn(
            DiagnosisId::ServerChainIncomplete,
            format!(
                "{host} does not send the intermediate {}: senders that do not fetch it (Java, most clients) fail the handshake; the server should send it",
                not_sent.join(", ")
            ),
        ));
    }
    judge_root(cx, target, &path, r);
}

/// The path from the server's chain to a root: from the chain, the `--ca`
/// files and the system's bundle, and (when asked) what the certificates'
/// caIssuers URLs give.
fn complete_path(cx: &mut Context, target: &Target, sent: &[Cert]) -> crate::x509::verify::Path {
    if !cx.fetch {
        return build_path(sent, &cx.store);
    }
    let host = sanitize(&target.host).into_owned();
    let now = time::OffsetDateTime::now_utc();
    let done = fetch::complete(sent, &mut cx.store, now, &FetchOptions::default());
    cx.notes
        .extend(done.notes.into_iter().map(|n| format!("{host}: {n}")));
    cx.fetched.extend(done.fetched);
    done.path
}

/// Validity of every certificate of the path, and the leaf's names.
fn validity_and_name(target: &Target, path: &crate::x509::verify::Path, r: &mut EndpointReport) {
    let host = sanitize(&target.host).into_owned();
    let now = time::OffsetDateTime::now_utc();
    for (c, _) in &path.certs {
        if now > c.not_after() || now < c.not_before() {
            r.diagnosis.push(Diagnosis::fail(
                DiagnosisId::ServerCertificateExpired,
                format!(
                    "the certificate '{}' of {host}'s chain {} {}: clients refuse the handshake",
                    sanitize(&c.common_name()),
                    if now > c.not_after() {
                        "expired on"
                    } else {
                        "is valid only from"
                    },
                    rfc3339(if now > c.not_after() {
                        c.not_after()
                    } else {
                        c.not_before()
                    })
                ),
            ));
        }
    }
    if let Some((leaf, _)) = path.certs.first() {
        if !names_host(leaf, &target.host) {
            let names = leaf.subject_alt_names();
            r.diagnosis.push(Diagnosis::fail(
                DiagnosisId::ServerNameMismatch,
                format!(
                    "the certificate of {host} does not name it (it names {}): clients refuse the handshake",
                    if names.is_empty() {
                        format!("'{}'", sanitize(&leaf.common_name()))
                    } else {
                        sanitize(&names.join(", ")).into_owned()
                    }
                ),
            ));
        }
    }
}

/// Where the path ends: a root (where from, SAP's lists, a look-alike), or
/// an issuer nobody has.
fn judge_root(
    cx: &Context,
    target: &Target,
    path: &crate::x509::verify::Path,
    r: &mut EndpointReport,
) {
    let host = sanitize(&target.host).into_owned();
    let Some(root) = path.root().cloned() else {
        let top = path.certs.last().map(|(c, _)| c.clone());
        let issuer = path.missing_issuer.clone().unwrap_or_default();
        let aia = top.as_ref().map(fetch::ca_issuers_urls).unwrap_or_default();
        r.diagnosis.push(Diagnosis::fail(
            DiagnosisId::ServerNotTrusted,
            format!(
                "the chain of {host} ends at '{}', whose issuer '{}' is neither sent, nor in a --ca file, nor in the system's CA bundle: the sender's truststore needs that root; give it with --ca FILE to check it{}",
                sanitize(&top.map(|c| c.subject_dn()).unwrap_or_default()),
                sanitize(&issuer),
                match aia.first() {
                    Some(u) if !cx.fetch => format!(", or let --fetch-intermediates get the issuer from {}", sanitize(u)),
                    _ => String::new(),
                }
            ),
        ));
        return;
    };
    let origin = match path.certs.last().map(|(_, o)| o) {
        Some(Origin::RootsFile) => "ca-file",
        Some(Origin::System) => "system",
        Some(Origin::Fetched) => "fetched",
        _ => "sent",
    };
    let info = root_info(&root);
    r.server_root_on = info.lists.clone();
    r.server_root = Some(ServerRoot {
        subject_dn: info.subject_dn.clone(),
        fingerprint_sha256: info.fingerprint_sha256.clone(),
        origin,
        look_alike_of: info.look_alike_of.clone(),
        cert: Some(root.clone()),
    });
    let root_dn = sanitize(&info.subject_dn).into_owned();
    if let Some(real) = &info.look_alike_of {
        r.diagnosis.push(Diagnosis::fail(
            DiagnosisId::ServerRootLookAlike,
            format!(
                "the root '{root_dn}' of {host} carries the name of a CA SAP lists, but SAP's is {}: a look-alike, never imported (nor written by --truststore)",
                sanitize(real)
            ),
        ));
        return;
    }
    let shown_origin = describe_origin(origin);
    r.diagnosis.push(Diagnosis::ok(
        DiagnosisId::ServerChainTrusted,
        format!(
            "the chain of {host} reaches the root '{root_dn}' ({shown_origin}, SHA-256 {}): the root a sender's truststore must hold (--truststore FILE writes it)",
            info.fingerprint_sha256
        ),
    ));
    if !info.lists.contains(&"btp-required") {
        r.diagnosis.push(Diagnosis::warn(
            DiagnosisId::ServerRootNotRequired,
            format!(
                "the root '{root_dn}' is not on btp-required, the roots a sender's truststore holds to reach BTP{}: right for a private server, a surprise for a BTP endpoint",
                if info.lists.is_empty() {
                    String::new()
                } else {
                    format!(" (it is on {})", info.lists.join(", "))
                }
            ),
        ));
    }
}

/// The token request where credentials allow, then one GET of `url`.
fn token_and_call(
    cx: &mut Context,
    c: &Credentials,
    endpoints: &mut [EndpointReport],
) -> Result<()> {
    if c.kind != KeyKind::ClientSecret && cx.identity.is_none() {
        return Ok(());
    }
    let Some(ti) = endpoints.iter().position(|e| e.url == c.tokenurl) else {
        return Ok(());
    };
    if endpoints[ti].failed() {
        cx.notes.push(format!(
            "no token requested from {}: it was not reached, or refused the handshake",
            sanitize(&c.tokenurl)
        ));
        return Ok(());
    }
    let session = c.session(cx.conn)?;
    let token = match session.token_diagnosed()? {
        Ok(t) => t,
        Err((d, status)) => {
            endpoints[ti].http_status = status.or(endpoints[ti].http_status);
            endpoints[ti].diagnosis.push(d);
            return Ok(());
        }
    };
    endpoints[ti].http_status = Some(200);
    endpoints[ti].diagnosis.push(Diagnosis::ok(
        DiagnosisId::TokenIssued,
        format!(
            "token issued ({}{})",
            session.auth,
            token
                .expires_in
                .map(|e| format!(", valid for {e} s"))
                .unwrap_or_default()
        ),
    ));
    let got = token
        .claims
        .as_ref()
        .and_then(|v| v.get("client_id").or_else(|| v.get("cid")))
        .and_then(|v| v.as_str());
    if let Some(got) = got.filter(|g| *g != c.clientid) {
        endpoints[ti]
            .diagnosis
            .push(diagnosis::clientid_mismatch(got, &c.clientid));
    }
    let Some(ui) = endpoints.iter().position(|e| e.role == Role::Url) else {
        return Ok(());
    };
    if endpoints[ui].failed() {
        return Ok(());
    }
    let url = get_url(&endpoints[ui].url);
    let headers = vec![
        (
            "Authorization".to_string(),
            format!("Bearer {}", token.access_token.expose()),
        ),
        ("Accept".to_string(), "*/*".to_string()),
    ];
    let e = &mut endpoints[ui];
    match session.client.send_diagnosed("GET", &url, &headers, None)? {
        Err(d) => e.diagnosis.push(d),
        Ok(resp) => {
            e.http_status = Some(resp.status);
            let d = if (300..400).contains(&resp.status) {
                Some(Diagnosis::warn(
                    DiagnosisId::Redirected,
                    crate::sap::token::redirect_refused(&resp, "the endpoint"),
                ))
            } else {
                session
                    .client
                    .certificate_complaint(&resp)
                    .or_else(|| answer_diagnosis(&resp))
            };
            e.diagnosis.push(d.unwrap_or_else(|| {
                Diagnosis::ok(
                    DiagnosisId::CallAccepted,
                    format!(
                        "GET {} with the token: HTTP {} {}",
                        sanitize(&url),
                        resp.status,
                        resp.reason
                    ),
                )
            }));
        }
    }
    Ok(())
}

/// What to GET: `url` itself when it has a path, else the path `call`
/// takes by default for the key's plan.
fn get_url(url: &str) -> String {
    match Target::of_url(url) {
        Ok(t) if t.path != "/" => url.to_string(),
        _ => format!(
            "{}{}",
            url.trim_end_matches('/'),
            crate::sap::postman::default_path(url)
        ),
    }
}

/// Plans the truststore of the roots found, look-alikes never.
fn write_truststore(
    outcome: &mut ProbeOutcome,
    path: &std::path::Path,
    opts: &ProbeOptions,
    secrets: &dyn SecretSource,
) -> Result<()> {
    let mut roots: Vec<Cert> = Vec::new();
    for e in &outcome.endpoints {
        let Some(r) = &e.server_root else { continue };
        if r.look_alike_of.is_some() {
            continue;
        }
        if let Some(c) = &r.cert {
            if !roots.iter().any(|k| k.der() == c.der()) {
                roots.push(c.clone());
            }
        }
    }
    if roots.is_empty() {
        outcome.notes.push(format!(
            "{}: not written: no server root was found that could go into it",
            path.display()
        ));
        return Ok(());
    }
    let planned = truststore::plan(
        path,
        None,
        roots,
        &opts.store,
        opts.force,
        secrets,
        &mut outcome.notes,
    )?;
    outcome.truststore = Some(TruststoreReport {
        path: path.display().to_string(),
        roots: planned.entries,
    });
    outcome.files.push(planned.file);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keystore::pkcs12::Profile;
    use crate::secret::{Purpose, Secret};

    struct NoSecrets;
    impl SecretSource for NoSecrets {
        fn secret(&self, what: &str, _: Purpose) -> Result<Secret> {
            Err(Error::usage(format!("{what}: no password in tests")))
        }
    }

    fn key_with(url: &str, tokenurl: &str) -> tempfile::NamedTempFile {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/service-key.json"
        ))
        .unwrap();
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["oauth"]["url"] = url.into();
        v["oauth"]["tokenurl"] = tokenurl.into();
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), v.to_string()).unwrap();
        f
    }

    fn opts(input: &str) -> ProbeOptions {
        ProbeOptions {
            input: input.into(),
            conn: ConnOptions {
                timeout: Duration::from_secs(2),
                ..ConnOptions::default()
            },
            truststore: None,
            store: StoreOptions {
                profile: Profile::Modern,
                no_password: true,
                format: None,
            },
            force: false,
            fetch_intermediates: false,
        }
    }

    #[test]
    fn endpoints_of_a_certificate_key() {
        let f = key_with(
            "https://127.0.0.1:9",
            "https://sub.authentication.eu10.hana.ondemand.com/oauth/token",
        );
        let conn = ConnOptions {
            cert_host: true,
            ..ConnOptions::default()
        };
        let c = Credentials::read(f.path().to_str().unwrap(), &conn, &NoSecrets).unwrap();
        let p = plan("", Some(&c)).unwrap();
        let roles: Vec<Role> = p.iter().map(|(r, _)| *r).collect();
        assert_eq!(roles, vec![Role::Url, Role::Tokenurl, Role::CertTokenurl]);
        assert_eq!(
            p[2].1,
            "https://sub.authentication.cert.eu10.hana.ondemand.com/oauth/token"
        );
    }

    #[test]
    fn a_server_that_is_down_is_diagnosed_per_endpoint() {
        let f = key_with("https://127.0.0.1:9", "https://127.0.0.1:9/oauth/token");
        let o = run(&opts(f.path().to_str().unwrap()), &NoSecrets).unwrap();
        assert_eq!(o.endpoints.len(), 2);
        for e in &o.endpoints {
            assert_eq!(e.diagnosis[0].id, DiagnosisId::ConnectionFailed, "{e:?}");
            assert!(e.tls_version.is_none() && e.client_certificate_accepted.is_none());
        }
        assert_eq!(o.exit_status(), ExitStatus::Problems);
        assert_eq!(o.key_kind, Some(KeyKind::Certificate));
    }

    #[test]
    fn a_plain_http_url_is_a_usage_error() {
        let f = key_with("http://127.0.0.1:9", "https://127.0.0.1:9/oauth/token");
        let e = run(&opts(f.path().to_str().unwrap()), &NoSecrets).unwrap_err();
        assert_eq!(e.exit_status(), ExitStatus::Input);
        assert!(e.to_string().contains("https only"), "{e}");
        let e = run(&opts("http://127.0.0.1:9/"), &NoSecrets).unwrap_err();
        assert_eq!(e.exit_status(), ExitStatus::Input);
    }

    #[test]
    fn urls_to_get() {
        assert_eq!(
            get_url("https://a.example/http/ping"),
            "https://a.example/http/ping"
        );
        assert_eq!(
            get_url("https://sub.it-cpi018-rt.cfapps.eu10-002.hana.ondemand.com"),
            "https://sub.it-cpi018-rt.cfapps.eu10-002.hana.ondemand.com/http/"
        );
    }
}
