//! `token` and `call`: get an OAuth token with a service key, as Postman
//! does in SAP's tutorials, and call the endpoint with it.

use std::time::Duration;

use serde::Serialize;

use crate::error::{Error, ExitStatus, Result};
use crate::input;
use crate::ops::Outcome;
use crate::sanitize::sanitize;
use crate::sap::servicekey::{url_host, KeyKind, ServiceKey};
use crate::sap::token::{
    cert_host_of, request_token, Client, HttpOptions, Identity, Token, TokenAuth,
};
use crate::secret::{Purpose, Secret, SecretSource};
use crate::x509::cert::rfc3339;

/// How to reach the token server and the endpoint.
#[derive(Debug, Clone, Default)]
pub struct ConnOptions {
    /// Client certificate (chain) instead of the service key's.
    pub cert: Option<String>,
    /// Private key of that certificate.
    pub key: Option<String>,
    /// Client certificate and key as PKCS#12.
    pub p12: Option<String>,
    /// Send certificate-based token requests to the `.authentication.cert.` host.
    pub cert_host: bool,
    /// Extra roots to trust (a private server).
    pub ca: Vec<String>,
    /// Time limit for connecting and for answers.
    pub timeout: Duration,
}

/// Everything needed to get a token.
pub struct Session {
    /// The HTTP client, with the identity configured.
    pub client: Client,
    /// The token endpoint (the `.cert.` host when asked for).
    pub tokenurl: String,
    /// The service key's `url`.
    pub url: Option<String>,
    /// The service key's `clientid`.
    pub clientid: String,
    secret: Option<Secret>,
    /// What authenticates the token request, for messages.
    pub auth: String,
    /// What the user should know (the certificate host).
    pub notes: Vec<String>,
}

fn service_key(keyfile: &str) -> Result<(input::Loaded, ServiceKey, String, String)> {
    let mut loaded = input::load(keyfile)?;
    let name = loaded.name.clone();
    let sk = loaded.service_key.take().ok_or_else(|| {
        Error::input("not a service key (no tokenurl, no clientid)").with_path(&name)
    })?;
    let need = |v: &Option<String>, f: &str| {
        v.clone()
            .ok_or_else(|| Error::input(format!("the service key has no {f}")).with_path(&name))
    };
    let tokenurl = need(&sk.tokenurl, "tokenurl")?;
    let clientid = need(&sk.clientid, "clientid")?;
    Ok((loaded, sk, tokenurl, clientid))
}

/// The client identity to present: from `--p12`, from `--cert`/`--key`, or
/// the service key's own; `None` for a ClientId/Secret key.
fn identity(
    loaded: input::Loaded,
    kind: KeyKind,
    conn: &ConnOptions,
    secrets: &dyn SecretSource,
) -> Result<Option<Identity>> {
    if kind == KeyKind::ClientSecret {
        return Ok(None);
    }
    if let Some(p) = &conn.p12 {
        let (_, der) = input::read_source(p)?;
        let pw = secrets.secret(&format!("password of {}", sanitize(p)), Purpose::Open)?;
        let (key, chain) =
            crate::keystore::pkcs12::read_keystore(&der, &pw).map_err(|e| e.with_path(p))?;
        return Ok(Some(Identity { chain, key }));
    }
    let chain = match &conn.cert {
        Some(c) => input::load(c)?.certs,
        None => loaded.certs.clone(),
    };
    let key = match (&conn.key, loaded.key) {
        (Some(k), _) => {
            let l = input::load(k)?;
            let key = l
                .key
                .ok_or_else(|| Error::input("holds no private key").with_path(k))?;
            crate::ops::identity::decrypt(&l.name, key, secrets)?
        }
        (None, Some(k)) => k,
        (None, None) => {
            return Err(Error::usage(
                "an External Certificate key holds no private key: give yours with --key FILE (or --p12 FILE)",
            )
            .with_path(&loaded.name))
        }
    };
    let chain = crate::x509::chain::order(&chain).certs;
    let leaf = chain
        .first()
        .ok_or_else(|| Error::input("no client certificate to present"))?;
    if key.matches(leaf) == Some(false) {
        return Err(Error::input(format!(
            "the private key does not belong to the client certificate '{}'",
            sanitize(&leaf.subject_dn())
        )));
    }
    Ok(Some(Identity { chain, key }))
}

impl Session {
    /// Reads the service key, picks the identity, and configures the client.
    pub fn open(keyfile: &str, conn: &ConnOptions, secrets: &dyn SecretSource) -> Result<Session> {
        let (loaded, sk, mut tokenurl, clientid) = service_key(keyfile)?;
        let identity = identity(loaded, sk.kind, conn, secrets)?;
        let mut notes = Vec::new();
        if identity.is_some() {
            if let Some((host, cert_host)) = cert_host_of(&tokenurl) {
                if conn.cert_host {
                    tokenurl = tokenurl.replacen(&host, &cert_host, 1);
                } else {
                    notes.push(format!(
                        "certificate-based token requests go to {cert_host}, not {host}; --cert-host uses it"
                    ));
                }
            }
        }
        let auth = match (&identity, sk.kind) {
            (_, KeyKind::ClientSecret) => "HTTP Basic with clientid and clientsecret".to_string(),
            (Some(id), _) => format!(
                "client certificate '{}'",
                id.chain
                    .first()
                    .map(|c| c.common_name())
                    .unwrap_or_default()
            ),
            (None, _) => "no credentials".into(),
        };
        let mut roots = None;
        if !conn.ca.is_empty() {
            // The system's roots and the private ones: native-tls takes one list.
            let mut list = input::roots::system_roots().unwrap_or_default();
            for c in &conn.ca {
                list.extend(input::load(c)?.certs);
            }
            roots = Some(list);
        }
        let client = Client::new(HttpOptions {
            identity,
            roots,
            timeout: conn.timeout.max(Duration::from_secs(1)),
        })?;
        Ok(Session {
            client,
            tokenurl,
            url: sk.url.clone(),
            clientid,
            secret: sk.clientsecret.clone(),
            auth,
            notes,
        })
    }

    /// Requests a token.
    pub fn token(&self) -> Result<Token> {
        let auth = match &self.secret {
            Some(secret) => TokenAuth::Basic { secret },
            None => TokenAuth::Certificate,
        };
        request_token(&self.client, &self.tokenurl, &self.clientid, auth)
    }
}

/// What `token` asks for.
#[derive(Debug, Clone)]
pub struct TokenOptions {
    /// The service key.
    pub input: String,
    /// How to connect.
    pub conn: ConnOptions,
    /// Put the access token itself into the outcome.
    pub show: bool,
}

/// The token, and what it says about itself.
#[derive(Debug, Serialize)]
pub struct TokenOutcome {
    /// The token endpoint asked.
    pub token_url: String,
    /// `token_type` of the answer.
    pub token_type: Option<String>,
    /// `expires_in` of the answer, seconds.
    pub expires_in: Option<i64>,
    /// When it expires, RFC 3339.
    pub expires_at: Option<String>,
    /// `scope` of the answer.
    pub scope: Option<String>,
    /// The JWT payload, when the token is a JWT.
    pub claims: Option<serde_json::Value>,
    /// What authenticated the request.
    pub auth: String,
    /// The token itself: only when asked for.
    pub access_token: Option<String>,
    /// What the user should know.
    #[serde(skip)]
    pub notes: Vec<String>,
}

impl Outcome for TokenOutcome {
    fn exit_status(&self) -> ExitStatus {
        ExitStatus::Ok
    }
    fn notes(&self) -> &[String] {
        &self.notes
    }
}

/// Gets a token.
pub fn token(opts: &TokenOptions, secrets: &dyn SecretSource) -> Result<TokenOutcome> {
    let s = Session::open(&opts.input, &opts.conn, secrets)?;
    let t = s.token().map_err(|e| e.with_notes(s.notes.clone()))?;
    let expires_at = t.expires_in.map(|e| {
        let at = time::OffsetDateTime::now_utc() + time::Duration::seconds(e);
        rfc3339(at.replace_nanosecond(0).unwrap_or(at))
    });
    Ok(TokenOutcome {
        token_url: s.tokenurl.clone(),
        token_type: t.token_type.clone(),
        expires_in: t.expires_in,
        expires_at,
        scope: t.scope.clone(),
        claims: t.claims.clone(),
        auth: s.auth.clone(),
        access_token: opts.show.then(|| t.access_token.expose().to_string()),
        notes: s.notes,
    })
}

/// What `call` asks for.
#[derive(Debug, Clone)]
pub struct CallOptions {
    /// The service key.
    pub input: String,
    /// A path after the key's url, or a full URL; by plan if `None`.
    pub target: Option<String>,
    /// HTTP method; GET, or POST with a body, if `None`.
    pub method: Option<String>,
    /// Request body; `@FILE` reads it from a file.
    pub data: Option<String>,
    /// Extra headers, `Name: value`.
    pub headers: Vec<String>,
    /// How to connect.
    pub conn: ConnOptions,
}

/// The endpoint's answer.
#[derive(Debug, Serialize)]
pub struct CallOutcome {
    /// The method sent.
    pub method: String,
    /// The URL called.
    pub url: String,
    /// HTTP status.
    pub status: u16,
    /// Its reason phrase.
    pub reason: String,
    /// Response headers.
    pub headers: Vec<(String, String)>,
    /// Response body, as received.
    #[serde(skip)]
    pub body: Vec<u8>,
    /// What the user should know.
    #[serde(skip)]
    pub notes: Vec<String>,
}

impl Outcome for CallOutcome {
    fn exit_status(&self) -> ExitStatus {
        ExitStatus::problems_if(!(200..400).contains(&self.status))
    }
    fn notes(&self) -> &[String] {
        &self.notes
    }
}

fn headers_of(list: &[String]) -> Result<Vec<(String, String)>> {
    list.iter()
        .map(|h| {
            let (k, v) = h.split_once(':').ok_or_else(|| {
                Error::usage(format!("header '{}' is not 'Name: value'", sanitize(h)))
            })?;
            Ok((k.trim().to_string(), v.trim().to_string()))
        })
        .collect()
}

fn target_url(target: &Option<String>, url: &Option<String>) -> Result<String> {
    match target {
        Some(t) if t.starts_with("https://") || t.starts_with("http://") => Ok(t.clone()),
        other => {
            let base = url
                .clone()
                .ok_or_else(|| Error::input("the service key has no url: give a full URL"))?;
            let path = other
                .clone()
                .unwrap_or_else(|| crate::sap::postman::default_path(&base).to_string());
            Ok(format!(
                "{}/{}",
                base.trim_end_matches('/'),
                path.trim_start_matches('/')
            ))
        }
    }
}

/// Gets a token, then calls the endpoint with it.
pub fn call(opts: &CallOptions, secrets: &dyn SecretSource) -> Result<CallOutcome> {
    let mut headers = headers_of(&opts.headers)?;
    let body = match &opts.data {
        Some(d) if d.starts_with('@') => Some(input::read_source(&d[1..])?.1),
        Some(d) => Some(d.clone().into_bytes()),
        None => None,
    };
    let s = Session::open(&opts.input, &opts.conn, secrets)?;
    let url = target_url(&opts.target, &s.url)?;
    let method = opts
        .method
        .clone()
        .unwrap_or_else(|| if body.is_some() { "POST" } else { "GET" }.into())
        .to_uppercase();
    let t = s.token().map_err(|e| e.with_notes(s.notes.clone()))?;
    headers.push((
        "Authorization".into(),
        format!("Bearer {}", t.access_token.expose()),
    ));
    let resp = s.client.send(&method, &url, &headers, body)?;
    if let Some(c) = s.client.certificate_complaint(&resp) {
        return Err(Error::Failed(c));
    }
    let mut notes = s.notes;
    if (300..400).contains(&resp.status) {
        notes.push(crate::sap::token::redirect_refused(&resp, "the endpoint"));
    }
    if resp.status == 401 || resp.status == 403 {
        notes.push("the endpoint refused the token: does the instance grant the role it needs (e.g. ESBMessaging.send for /http/ endpoints)?".into());
    }
    Ok(CallOutcome {
        method,
        url,
        status: resp.status,
        reason: resp.reason,
        headers: resp.headers,
        body: resp.body,
        notes,
    })
}

/// The host of a token URL, for messages.
pub fn host_of(url: &str) -> String {
    url_host(url).unwrap_or_default()
}
