//! `token` and `call`: get an OAuth token with a service key, as Postman
//! does in SAP's tutorials, and call the endpoint with it.

use std::time::Duration;

use serde::Serialize;

use crate::error::{Error, ExitStatus, Result};
use crate::input;
use crate::ops::Outcome;
use crate::sanitize::sanitize;
use crate::sap::diagnosis::{self, Diagnosis, DiagnosisId, Refusal};
use crate::sap::servicekey::{url_host, KeyKind, ServiceKey};
use crate::sap::token::{
    cert_host_of, request_token, request_token_diagnosed, Client, HttpOptions, Identity, Token,
    TokenAuth,
};
use crate::secret::{Purpose, Secret, SecretSource};
use crate::x509::cert::{rfc3339, Cert};
use crate::x509::key::PrivateKey;

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

/// A service key read for a connection: what to present, and where to ask
/// for a token. Nothing is checked against a server yet.
pub struct Credentials {
    /// The key file, as named.
    pub name: String,
    /// What kind of key it is.
    pub kind: KeyKind,
    /// The token endpoint to ask: `tokenurl`, or for certificate-based
    /// requests the key's `certurl` (or the `.cert.` host when asked for).
    pub tokenurl: String,
    /// `tokenurl` as the key has it.
    pub key_tokenurl: String,
    /// The key's `certurl`, where it has one (XSUAA's x509 bindings do).
    pub certurl: Option<String>,
    /// The service key's `url`.
    pub url: Option<String>,
    /// The service key's `clientid`.
    pub clientid: String,
    secret: Option<Secret>,
    /// The client certificate to present; `None` for a ClientId/Secret key.
    pub identity: Option<Identity>,
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

/// The `certurl` of a service key, read from the file again: the typed key
/// does not carry it. `None` when the key has none.
fn certurl_of(keyfile: &str, sk: &ServiceKey) -> Option<String> {
    if !sk.fields.iter().any(|f| f == "certurl") {
        return None;
    }
    let (_, bytes) = input::read_source(keyfile).ok()?;
    let text = input::decode_text(&bytes)?;
    let start = text.find('{')?;
    let value: serde_json::Value = serde_json::Deserializer::from_str(&text[start..])
        .into_iter()
        .next()?
        .ok()?;
    find_string(&value, "certurl", 4)
}

/// The first string field `name` under `v`, at most `depth` objects down.
fn find_string(v: &serde_json::Value, name: &str, depth: usize) -> Option<String> {
    let obj = v.as_object()?;
    if let Some(s) = obj.get(name).and_then(serde_json::Value::as_str) {
        return Some(s.to_string());
    }
    if depth == 0 {
        return None;
    }
    obj.values().find_map(|c| find_string(c, name, depth - 1))
}

/// The token URL under `certurl`: the base URL and `/oauth/token`, as
/// SAP's security libraries build it.
fn cert_token_url(certurl: &str) -> String {
    let base = certurl.trim_end_matches('/');
    if base.ends_with("/oauth/token") {
        base.to_string()
    } else {
        format!("{base}/oauth/token")
    }
}

/// The client identity to present: from `--p12`, from `--cert`/`--key`, or
/// the one given (a service key's chain and key); `None` for a
/// ClientId/Secret key. The key is not checked against the certificate
/// here: [`key_mismatch`] does that.
pub fn identity(
    given: Option<(Vec<Cert>, Option<PrivateKey>)>,
    kind: KeyKind,
    name: &str,
    conn: &ConnOptions,
    secrets: &dyn SecretSource,
) -> Result<Option<Identity>> {
    if kind == KeyKind::ClientSecret {
        return Ok(None);
    }
    if let Some(p) = &conn.p12 {
        let (_, der) = input::read_source(p)?;
        let pw = secrets.secret(&format!("password of {}", sanitize(p)), Purpose::Open)?;
        let (key, chain) = crate::keystore::read_any(&der, &pw)
            .and_then(|(_, store)| store.identity())
            .map_err(|e| e.with_path(sanitize(p)))?;
        return Ok(Some(Identity { chain, key }));
    }
    let (given_certs, given_key) = given.unwrap_or_default();
    let chain = match &conn.cert {
        Some(c) => input::load(c)?.certs,
        None => given_certs,
    };
    let key = match (&conn.key, given_key) {
        (Some(k), _) => {
            let l = input::load(k)?;
            let key = l
                .key
                .ok_or_else(|| Error::input("holds no private key").with_path(k))?;
            crate::ops::identity::decrypt(&l.name, key, secrets)?
        }
        (None, Some(k)) => k,
        (None, None) if kind == KeyKind::ExternalCertificate => {
            return Err(Error::usage(
                "an External Certificate key holds no private key: give yours with --key FILE (or --p12 FILE)",
            )
            .with_path(name))
        }
        (None, None) => {
            return Err(Error::usage(
                "no private key for the client certificate: give it with --key FILE (or --p12 FILE)",
            ))
        }
    };
    let chain = crate::x509::chain::order(&chain).certs;
    if chain.is_empty() {
        return Err(Error::input("no client certificate to present"));
    }
    Ok(Some(Identity { chain, key }))
}

/// The diagnosis of a private key that does not belong to the leaf of the
/// identity; `None` when it does (or cannot be told).
pub fn key_mismatch(id: &Identity) -> Option<Diagnosis> {
    let leaf = id.chain.first()?;
    (id.key.matches(leaf) == Some(false)).then(|| {
        Diagnosis::fail(
            DiagnosisId::KeyMismatch,
            format!(
                "the private key does not belong to the client certificate '{}'",
                sanitize(&leaf.subject_dn())
            ),
        )
    })
}

impl Credentials {
    /// Reads the service key and the identity to present, and decides where
    /// the token request goes.
    pub fn read(
        keyfile: &str,
        conn: &ConnOptions,
        secrets: &dyn SecretSource,
    ) -> Result<Credentials> {
        let (loaded, sk, key_tokenurl, clientid) = service_key(keyfile)?;
        let certurl = certurl_of(keyfile, &sk);
        let name = loaded.name.clone();
        let given = (loaded.certs, loaded.key);
        let identity = identity(Some(given), sk.kind, &name, conn, secrets)?;
        let mut notes = Vec::new();
        let mut tokenurl = key_tokenurl.clone();
        if identity.is_some() {
            if let Some(c) = &certurl {
                tokenurl = cert_token_url(c);
            } else if let Some((host, cert_host)) = cert_host_of(&key_tokenurl) {
                if conn.cert_host {
                    tokenurl = key_tokenurl.replacen(&host, &cert_host, 1);
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
        Ok(Credentials {
            name,
            kind: sk.kind,
            tokenurl,
            key_tokenurl,
            certurl,
            url: sk.url.clone(),
            clientid,
            secret: sk.clientsecret.clone(),
            identity,
            auth,
            notes,
        })
    }

    /// A session for the token request and calls, with a client whose one
    /// deadline starts now.
    pub fn session(&self, conn: &ConnOptions) -> Result<Session> {
        let client = Client::new(HttpOptions {
            identity: self.identity.clone(),
            roots: extra_roots(conn)?,
            timeout: conn.timeout.max(Duration::from_secs(1)),
        })?;
        Ok(Session {
            client,
            tokenurl: self.tokenurl.clone(),
            url: self.url.clone(),
            clientid: self.clientid.clone(),
            secret: self.secret.clone(),
            auth: self.auth.clone(),
            notes: self.notes.clone(),
        })
    }
}

/// The roots an HTTP client trusts: `None` for the platform's, or the
/// system's and those of `--ca` (native-tls takes one list).
fn extra_roots(conn: &ConnOptions) -> Result<Option<Vec<Cert>>> {
    if conn.ca.is_empty() {
        return Ok(None);
    }
    let mut list = input::roots::system_roots().unwrap_or_default();
    for c in &conn.ca {
        list.extend(input::load(c)?.certs);
    }
    Ok(Some(list))
}

impl Session {
    /// Reads the service key, picks the identity, and configures the client.
    pub fn open(keyfile: &str, conn: &ConnOptions, secrets: &dyn SecretSource) -> Result<Session> {
        let creds = Credentials::read(keyfile, conn, secrets)?;
        if let Some(d) = creds.identity.as_ref().and_then(key_mismatch) {
            return Err(Error::input(d.message));
        }
        creds.session(conn)
    }

    /// Requests a token.
    pub fn token(&self) -> Result<Token> {
        request_token(
            &self.client,
            &self.tokenurl,
            &self.clientid,
            self.token_auth(),
        )
    }

    /// Requests a token; a failure comes as a [`Diagnosis`] with the HTTP
    /// status, if there was an answer.
    pub fn token_diagnosed(&self) -> Result<std::result::Result<Token, (Diagnosis, Option<u16>)>> {
        request_token_diagnosed(
            &self.client,
            &self.tokenurl,
            &self.clientid,
            self.token_auth(),
        )
    }

    fn token_auth(&self) -> TokenAuth<'_> {
        match &self.secret {
            Some(secret) => TokenAuth::Basic { secret },
            None => TokenAuth::Certificate,
        }
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
    if let Some(d) = s.client.certificate_complaint(&resp) {
        return Err(d.into_error());
    }
    let mut notes = s.notes;
    if (300..400).contains(&resp.status) {
        notes.push(crate::sap::token::redirect_refused(&resp, "the endpoint"));
    }
    if let Some(d) = answer_diagnosis(&resp) {
        notes.push(d.message);
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

/// The catalogue's word on an endpoint's answer (401, 403, 5xx), `None`
/// when it needs none.
pub fn answer_diagnosis(resp: &crate::sap::token::Response) -> Option<Diagnosis> {
    let json: Option<serde_json::Value> = serde_json::from_slice(&resp.body).ok();
    let field = |k: &str| {
        json.as_ref()
            .and_then(|v| v.get(k))
            .and_then(serde_json::Value::as_str)
            .map(str::to_string)
    };
    let (error, description) = (
        field("error"),
        field("error_description").or(field("message")),
    );
    let body = crate::sap::token::snippet(&resp.body);
    diagnosis::endpoint_answer(&Refusal {
        status: resp.status,
        reason: &resp.reason,
        error: error.as_deref(),
        description: description.as_deref(),
        snippet: json.is_none().then_some(body.as_str()),
    })
}

/// The host of a token URL, for messages.
pub fn host_of(url: &str) -> String {
    url_host(url).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoSecrets;
    impl SecretSource for NoSecrets {
        fn secret(&self, what: &str, _: Purpose) -> Result<Secret> {
            Err(Error::usage(format!("{what}: no password in tests")))
        }
    }

    /// The sample certificate key with `tokenurl` and, if given, `certurl`.
    fn sample_key(certurl: Option<&str>) -> tempfile::NamedTempFile {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/service-key.json"
        ))
        .unwrap();
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["oauth"]["tokenurl"] =
            "https://sub.authentication.eu10.hana.ondemand.com/oauth/token".into();
        if let Some(c) = certurl {
            v["oauth"]["certurl"] = c.into();
        }
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), v.to_string()).unwrap();
        f
    }

    #[test]
    fn certificate_token_requests_go_to_certurl_or_the_cert_host() {
        let conn = ConnOptions::default();
        let f = sample_key(Some(
            "https://sub.authentication.cert.eu10.hana.ondemand.com/",
        ));
        let c = Credentials::read(f.path().to_str().unwrap(), &conn, &NoSecrets).unwrap();
        assert_eq!(
            c.tokenurl,
            "https://sub.authentication.cert.eu10.hana.ondemand.com/oauth/token"
        );
        assert!(c.notes.is_empty());

        let f = sample_key(None);
        let path = f.path().to_str().unwrap();
        let c = Credentials::read(path, &conn, &NoSecrets).unwrap();
        assert_eq!(c.tokenurl, c.key_tokenurl);
        assert!(c.notes[0].contains("--cert-host uses it"), "{:?}", c.notes);
        let cert_host = ConnOptions {
            cert_host: true,
            ..ConnOptions::default()
        };
        let c = Credentials::read(path, &cert_host, &NoSecrets).unwrap();
        assert!(c.tokenurl.contains(".authentication.cert.eu10."));
        assert!(key_mismatch(c.identity.as_ref().unwrap()).is_none());
    }

    #[test]
    fn a_key_of_another_certificate_is_a_diagnosis() {
        let f = sample_key(None);
        let c = Credentials::read(
            f.path().to_str().unwrap(),
            &ConnOptions::default(),
            &NoSecrets,
        )
        .unwrap();
        let mut id = c.identity.unwrap();
        let other = openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap());
        id.key = PrivateKey::from_pkey(other.unwrap()).unwrap();
        let d = key_mismatch(&id).unwrap();
        assert_eq!(d.id, DiagnosisId::KeyMismatch);
        assert!(d
            .message
            .contains("does not belong to the client certificate"));
    }
}
