//! `btpcert token` and `btpcert call`: get a token and call the endpoint,
//! the way Postman does it in SAP's tutorials.

use std::io::Write;
use std::time::Duration;

use clap::Args;
use serde::Serialize;

use super::args::ConnArgs;
use super::{note, print_json};
use crate::error::{Error, Result, EXIT_OK, EXIT_PROBLEMS};
use crate::input;
use crate::sanitize::sanitize;
use crate::sap::servicekey::{url_host, KeyKind};
use crate::sap::token::{request_token, Client, HttpOptions, Identity, Token, TokenAuth};
use crate::secret::Secret;

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The service key
    #[arg(value_name = "KEYFILE")]
    pub input: String,
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Print the access token itself
    #[arg(long)]
    pub show: bool,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

/// Everything needed to get a token.
pub struct Session {
    pub client: Client,
    pub tokenurl: String,
    pub url: Option<String>,
    pub clientid: String,
    secret: Option<Secret>,
    /// What authenticates the token request, for messages.
    pub auth: String,
}

impl Session {
    pub fn open(keyfile: &str, conn: &ConnArgs) -> Result<Session> {
        let loaded = input::load(keyfile)?;
        let name = sanitize(&loaded.name).into_owned();
        let sk = loaded.service_key.ok_or_else(|| {
            Error::input(format!(
                "{name}: not a service key (no tokenurl, no clientid)"
            ))
        })?;
        let tokenurl = sk
            .tokenurl
            .clone()
            .ok_or_else(|| Error::input(format!("{name}: the service key has no tokenurl")))?;
        let clientid = sk
            .clientid
            .clone()
            .ok_or_else(|| Error::input(format!("{name}: the service key has no clientid")))?;

        let identity = if sk.kind == KeyKind::ClientSecret {
            None
        } else if let Some(p) = &conn.p12 {
            let der = std::fs::read(p).map_err(|e| Error::io(p, e))?;
            let pw = conn
                .password
                .source()
                .read(&format!("password of {}", sanitize(p)), false)?;
            let (key, chain) = crate::keystore::pkcs12::read_keystore(&der, &pw)
                .map_err(|e| e.with_path(sanitize(p)))?;
            Some(Identity { chain, key })
        } else {
            let chain = match &conn.cert {
                Some(c) => input::load(c)?.certs,
                None => loaded.certs.clone(),
            };
            let key = match (&conn.key, loaded.key) {
                (Some(k), _) => {
                    let l = input::load(k)?;
                    let key = l.key.ok_or_else(|| Error::input(format!("{}: holds no private key", sanitize(k))))?;
                    crate::ops::identity::decrypt(&l.name, key, &super::args::CliSecrets::new(&conn.password).with_key_password(&conn.key_password))?
                }
                (None, Some(k)) => k,
                (None, None) => {
                    return Err(Error::usage(format!(
                        "{name}: an External Certificate key holds no private key: give yours with --key FILE (or --p12 FILE)"
                    )))
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
            Some(Identity { chain, key })
        };

        let mut tokenurl = tokenurl;
        if identity.is_some() {
            let host = url_host(&tokenurl).unwrap_or_default();
            if host.contains(".authentication.") && !host.contains(".authentication.cert.") {
                let cert_host = host.replacen(".authentication.", ".authentication.cert.", 1);
                if conn.cert_host {
                    tokenurl = tokenurl.replacen(&host, &cert_host, 1);
                } else {
                    note(format!(
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
            timeout: Duration::from_secs(conn.timeout.max(1)),
        })?;
        Ok(Session {
            client,
            tokenurl,
            url: sk.url.clone(),
            clientid,
            secret: sk.clientsecret.clone(),
            auth,
        })
    }

    pub fn token(&self) -> Result<Token> {
        let auth = match &self.secret {
            Some(secret) => TokenAuth::Basic { secret },
            None => TokenAuth::Certificate,
        };
        request_token(&self.client, &self.tokenurl, &self.clientid, auth)
    }
}

#[derive(Serialize)]
struct TokenReport {
    token_url: String,
    token_type: Option<String>,
    expires_in: Option<i64>,
    scope: Option<String>,
    claims: Option<serde_json::Value>,
    /// Only with --show.
    access_token: Option<String>,
}

pub fn run(args: TokenArgs, out: &mut dyn Write) -> Result<i32> {
    let s = Session::open(&args.input, &args.conn)?;
    let t = s.token()?;
    if args.json {
        print_json(
            out,
            &TokenReport {
                token_url: s.tokenurl.clone(),
                token_type: t.token_type.clone(),
                expires_in: t.expires_in,
                scope: t.scope.clone(),
                claims: t.claims.clone(),
                access_token: args.show.then(|| t.access_token.expose().to_string()),
            },
        )?;
        return Ok(EXIT_OK);
    }
    let host = url_host(&s.tokenurl).unwrap_or_default();
    writeln!(
        out,
        "Token from {} ({}):",
        sanitize(&host),
        sanitize(&s.auth)
    )?;
    writeln!(
        out,
        "  type:        {}",
        t.token_type.as_deref().map(sanitize).unwrap_or_default()
    )?;
    if let Some(e) = t.expires_in {
        let at = time::OffsetDateTime::now_utc() + time::Duration::seconds(e);
        writeln!(
            out,
            "  expires in:  {e} s (at {})",
            crate::x509::cert::rfc3339(at.replace_nanosecond(0).unwrap_or(at))
        )?;
    }
    if let Some(c) = &t.claims {
        for k in ["client_id", "zid", "grant_type"] {
            if let Some(v) = c.get(k).and_then(|v| v.as_str()) {
                writeln!(out, "  {:<12} {}", format!("{k}:"), sanitize(v))?;
            }
        }
        if let Some(scope) = c.get("scope") {
            let list = match scope {
                serde_json::Value::Array(a) => a
                    .iter()
                    .filter_map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                other => other.as_str().unwrap_or_default().to_string(),
            };
            writeln!(out, "  scope:       {}", sanitize(&list))?;
        }
        if let Some(exp) = c.get("exp").and_then(|v| v.as_i64()) {
            if let Ok(t) = time::OffsetDateTime::from_unix_timestamp(exp) {
                writeln!(out, "  exp:         {}", crate::x509::cert::rfc3339(t))?;
            }
        }
    } else if let Some(scope) = &t.scope {
        writeln!(out, "  scope:       {}", sanitize(scope))?;
    }
    if args.show {
        writeln!(out, "  access_token: {}", t.access_token.expose())?;
    } else {
        writeln!(out, "  (the token itself: --show)")?;
    }
    Ok(EXIT_OK)
}

#[derive(Debug, Args)]
pub struct CallArgs {
    /// The service key
    #[arg(value_name = "KEYFILE")]
    pub input: String,
    /// Path after the key's url, or a full https:// URL [default: /api/v1/MessageProcessingLogs
    /// for api-plan keys, /http/ otherwise]
    #[arg(value_name = "PATH|URL")]
    pub target: Option<String>,
    /// HTTP method [default: GET, or POST with -d]
    #[arg(short = 'X', long, value_name = "METHOD")]
    pub method: Option<String>,
    /// Request body; @FILE reads it from a file
    #[arg(short = 'd', long, value_name = "DATA")]
    pub data: Option<String>,
    /// Extra request header, 'Name: value'; repeatable
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,
    /// Print the status line and response headers on standard error
    #[arg(short, long)]
    pub verbose: bool,
    #[command(flatten)]
    pub conn: ConnArgs,
}

pub fn call(args: CallArgs, out: &mut dyn Write) -> Result<i32> {
    let mut headers = Vec::new();
    for h in &args.headers {
        let (k, v) = h.split_once(':').ok_or_else(|| {
            Error::usage(format!("header '{}' is not 'Name: value'", sanitize(h)))
        })?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let body = match &args.data {
        Some(d) if d.starts_with('@') => {
            Some(std::fs::read(&d[1..]).map_err(|e| Error::io(&d[1..], e))?)
        }
        Some(d) => Some(d.clone().into_bytes()),
        None => None,
    };
    let s = Session::open(&args.input, &args.conn)?;
    let url = match &args.target {
        Some(t) if t.starts_with("https://") || t.starts_with("http://") => t.clone(),
        other => {
            let base = s
                .url
                .clone()
                .ok_or_else(|| Error::input("the service key has no url: give a full URL"))?;
            let path = other
                .clone()
                .unwrap_or_else(|| crate::sap::postman::default_path(&base).to_string());
            format!(
                "{}/{}",
                base.trim_end_matches('/'),
                path.trim_start_matches('/')
            )
        }
    };
    let method = args
        .method
        .clone()
        .unwrap_or_else(|| if body.is_some() { "POST" } else { "GET" }.into())
        .to_uppercase();
    let t = s.token()?;
    headers.push((
        "Authorization".into(),
        format!("Bearer {}", t.access_token.expose()),
    ));
    let resp = s.client.send(&method, &url, &headers, body)?;
    if let Some(c) = s.client.certificate_complaint(&resp) {
        return Err(Error::Failed(c));
    }
    let status_line = format!("HTTP {} {}", resp.status, resp.reason);
    if args.verbose {
        note(format!("{method} {}", sanitize(&url)));
        note(&status_line);
        for (k, v) in &resp.headers {
            note(format!("{k}: {}", sanitize(v)));
        }
    } else if !(200..300).contains(&resp.status) {
        note(format!("{status_line} from {method} {}", sanitize(&url)));
    }
    if resp.status == 401 || resp.status == 403 {
        note("the endpoint refused the token: does the instance grant the role it needs (e.g. ESBMessaging.send for /http/ endpoints)?");
    }
    out.write_all(&resp.body)?;
    Ok(if (200..400).contains(&resp.status) {
        EXIT_OK
    } else {
        EXIT_PROBLEMS
    })
}
