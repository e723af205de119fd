//! The local server of `btpcert serve`: the page and its two calls, on
//! 127.0.0.1 and `[::1]` only, for the one person who holds the run's token.
//!
//! Every request must carry the token (`?token=` on the page's address, the
//! `X-Btpcert-Token` header on the page's calls), a `Host` of this machine
//! and port (against DNS rebinding), and no `Origin` but the page's own (no
//! CORS); bodies are cut at 16 MiB while they are read. Answers are never
//! cached and carry a Content-Security-Policy that admits the page's own
//! script and stylesheet only. Nothing is written to disk and nothing is
//! logged: the files live in memory for the time of one call.
//!
//! The page's calls run [`crate::ops::serve`]: the operations of the
//! command line on the uploaded bytes.

use std::io::Read;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::input::memory;
use crate::ops::serve::{
    self, DownloadKind, DownloadOptions, ExternalChoices, PageInput, PageSecrets, Upload,
};
use crate::sap::scenario::Scenario;
use crate::secret::Secret;

/// The largest body a call may have: the limit of every input.
pub const BODY_LIMIT: usize = crate::input::MAX_INPUT as usize;
/// The header the page's calls carry the token in.
pub const TOKEN_HEADER: &str = "X-Btpcert-Token";
/// Calls answered at the same time; a call beyond them gets 503.
const WORKERS: usize = 16;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; \
                   frame-ancestors 'none'";

/// The server, bound and not yet serving.
pub struct Server {
    listeners: Vec<(SocketAddr, tiny_http::Server)>,
    shared: Arc<Shared>,
    notes: Vec<String>,
}

struct Shared {
    token: String,
    port: u16,
    busy: AtomicUsize,
}

fn http(l: TcpListener) -> Result<(SocketAddr, tiny_http::Server)> {
    let addr = l
        .local_addr()
        .map_err(|e| Error::io("listening socket", e))?;
    let s = tiny_http::Server::from_listener(l, None)
        .map_err(|e| Error::internal(format!("{addr}: cannot serve: {e}")))?;
    Ok((addr, s))
}

impl Server {
    /// Listens on 127.0.0.1:`port` (`0` takes a free port) and on `[::1]` at
    /// the same port when this machine has IPv6; makes the run's token.
    pub fn bind(port: u16) -> Result<Server> {
        let v4 = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .map_err(|e| Error::input(format!("127.0.0.1:{port}: cannot listen: {e}")))?;
        let first = http(v4)?;
        let port = first.0.port();
        let mut notes = Vec::new();
        let mut listeners = vec![first];
        match TcpListener::bind((Ipv6Addr::LOCALHOST, port)) {
            Ok(l) => listeners.push(http(l)?),
            Err(e) => notes.push(format!(
                "[::1]:{port}: not listening there ({e}); 127.0.0.1 serves the page"
            )),
        }
        let mut bytes = [0u8; 32];
        openssl::rand::rand_bytes(&mut bytes)
            .map_err(|e| Error::internal(format!("no random token: {e}")))?;
        let token = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Ok(Server {
            listeners,
            shared: Arc::new(Shared {
                token,
                port,
                busy: AtomicUsize::new(0),
            }),
            notes,
        })
    }

    /// The page's address, with the token.
    pub fn url(&self) -> String {
        format!(
            "http://127.0.0.1:{}/?token={}",
            self.shared.port, self.shared.token
        )
    }

    /// The addresses listened on.
    pub fn addresses(&self) -> Vec<SocketAddr> {
        self.listeners.iter().map(|(a, _)| *a).collect()
    }

    /// What the user should know (an address not listened on).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Answers calls until the process ends (Ctrl-C ends it: there is
    /// nothing to clean up, as nothing was written).
    pub fn run(mut self) -> Result<()> {
        let (_, last) = self.listeners.pop().expect("one listener at least");
        for (_, s) in self.listeners {
            let shared = Arc::clone(&self.shared);
            std::thread::spawn(move || accept(&s, &shared));
        }
        accept(&last, &self.shared);
        Ok(())
    }
}

/// Hands each request to a worker thread, at most [`WORKERS`] at once.
fn accept(server: &tiny_http::Server, shared: &Arc<Shared>) {
    loop {
        let Ok(rq) = server.recv() else {
            // A failed accept (too many open files, say): wait, then go on.
            std::thread::sleep(std::time::Duration::from_millis(20));
            continue;
        };
        if shared.busy.fetch_add(1, Ordering::SeqCst) >= WORKERS {
            shared.busy.fetch_sub(1, Ordering::SeqCst);
            let _ = rq.respond(
                Reply::error(503, "btpcert is busy with other calls; try again").response(),
            );
            continue;
        }
        let s = Arc::clone(shared);
        let spawned = std::thread::Builder::new().spawn(move || {
            handle(rq, &s);
            s.busy.fetch_sub(1, Ordering::SeqCst);
        });
        if spawned.is_err() {
            shared.busy.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// One answer.
struct Reply {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

impl Reply {
    fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            content_type,
            body: body.into(),
        }
    }

    fn json(status: u16, mut v: Value) -> Reply {
        strip_memory_paths(&mut v);
        Reply::new(
            status,
            "application/json",
            serde_json::to_vec(&v).unwrap_or_default(),
        )
    }

    fn error(status: u16, message: &str) -> Reply {
        Reply::json(status, serde_json::json!({ "error": message }))
    }

    fn response(self) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
        let mut r = tiny_http::Response::from_data(self.body).with_status_code(self.status);
        for (k, v) in [
            ("Content-Type", self.content_type),
            ("Content-Security-Policy", CSP),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"),
            ("Cache-Control", "no-store"),
            ("X-Frame-Options", "DENY"),
            ("Cross-Origin-Opener-Policy", "same-origin"),
            ("Cross-Origin-Resource-Policy", "same-origin"),
        ] {
            if let Ok(h) = tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()) {
                r.add_header(h);
            }
        }
        r
    }
}

/// In-memory paths read as the plain names the user gave.
fn strip_memory_paths(v: &mut Value) {
    match v {
        Value::String(s) if s.contains(memory::PREFIX) => *s = s.replace(memory::PREFIX, ""),
        Value::Array(a) => a.iter_mut().for_each(strip_memory_paths),
        Value::Object(o) => o.values_mut().for_each(strip_memory_paths),
        _ => {}
    }
}

fn handle(mut rq: tiny_http::Request, shared: &Shared) {
    let reply = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        route(&mut rq, shared).unwrap_or_else(|r| r)
    }))
    .unwrap_or_else(|_| Reply::error(500, "btpcert stopped on a bug while answering this call"));
    let _ = rq.respond(reply.response());
}

fn header<'a>(rq: &'a tiny_http::Request, name: &str) -> Option<&'a str> {
    rq.headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

/// The names this server answers to: `127.0.0.1:PORT`, `[::1]:PORT`,
/// `localhost:PORT`.
fn own_host(host: &str, port: u16) -> bool {
    [
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
        format!("localhost:{port}"),
    ]
    .iter()
    .any(|h| h.eq_ignore_ascii_case(host))
}

fn same_text(a: &str, b: &str) -> bool {
    a.len() == b.len() && openssl::memcmp::eq(a.as_bytes(), b.as_bytes())
}

/// The checks every request passes, then the page, its files and its calls.
fn route(rq: &mut tiny_http::Request, s: &Shared) -> std::result::Result<Reply, Reply> {
    let forbidden = |why: &str| Err(Reply::error(403, why));
    if !header(rq, "Host").is_some_and(|h| own_host(h, s.port)) {
        return forbidden(&format!(
            "btpcert answers to 127.0.0.1:{0}, [::1]:{0} and localhost:{0} only",
            s.port
        ));
    }
    if let Some(origin) = header(rq, "Origin") {
        let own = origin
            .strip_prefix("http://")
            .is_some_and(|h| own_host(h, s.port));
        if !own {
            return forbidden("calls from other sites are refused");
        }
    }
    let url = rq.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let token = query
        .split('&')
        .find_map(|p| p.strip_prefix("token="))
        .or_else(|| header(rq, TOKEN_HEADER))
        .unwrap_or("");
    if !same_text(token, &s.token) {
        return forbidden(
            "this address needs the token btpcert printed when it started: open that address",
        );
    }
    let get = *rq.method() == tiny_http::Method::Get;
    let post = *rq.method() == tiny_http::Method::Post;
    match path {
        "/" | "/index.html" if get => Ok(Reply::new(
            200,
            "text/html; charset=utf-8",
            super::fill(super::INDEX_HTML, &[("TOKEN", &s.token)]),
        )),
        "/app.js" if get => Ok(Reply::new(
            200,
            "text/javascript; charset=utf-8",
            super::APP_JS,
        )),
        "/style.css" if get => Ok(Reply::new(200, "text/css; charset=utf-8", super::STYLE_CSS)),
        "/api/check" if post => {
            let req = request(rq)?;
            let page = req.page()?;
            Ok(Reply::json(
                200,
                serde_json::to_value(serve::check(&page)).unwrap_or_default(),
            ))
        }
        "/api/download" if post => {
            let req = request(rq)?;
            download(&req)
        }
        "/" | "/index.html" | "/app.js" | "/style.css" | "/api/check" | "/api/download" => {
            Err(Reply::error(405, "method not allowed"))
        }
        _ => Err(Reply::error(404, "no such page")),
    }
}

/// What the page sends with each call.
#[derive(Default, Deserialize)]
#[serde(default)]
struct PageRequest {
    files: Vec<FileIn>,
    open_password: String,
    scenario: String,
    kind: String,
    file: Option<String>,
    password: String,
    no_password: bool,
    allow_incomplete: bool,
    pinning: bool,
    allow_untrusted: bool,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct FileIn {
    name: String,
    /// Base64.
    data: String,
}

fn secret(s: &str) -> Option<Secret> {
    (!s.is_empty()).then(|| Secret::new(s))
}

impl PageRequest {
    fn page(&self) -> std::result::Result<PageInput, Reply> {
        let scenario = match self.scenario.as_str() {
            "" => None,
            "iflow" => Some(Scenario::Iflow),
            "token" => Some(Scenario::Token),
            "server" => Some(Scenario::Server),
            _ => return Err(Reply::error(400, "scenario: iflow, token or server")),
        };
        let now = OffsetDateTime::now_utc();
        let mut files = Vec::with_capacity(self.files.len());
        for f in &self.files {
            let bytes = openssl::base64::decode_block(&f.data).map_err(|_| {
                Reply::error(400, "a file came in broken (its base64 does not decode)")
            })?;
            files.push(Upload {
                name: f.name.clone(),
                bytes,
            });
        }
        Ok(PageInput::new(
            files,
            secret(&self.open_password),
            scenario,
            now.replace_nanosecond(0).unwrap_or(now),
        ))
    }
}

/// The body, cut at [`BODY_LIMIT`] while it is read, as a [`PageRequest`].
fn request(rq: &mut tiny_http::Request) -> std::result::Result<PageRequest, Reply> {
    let too_large = || {
        Reply::error(
            413,
            &format!(
                "the files are larger than {} MiB together: btpcert reads no input that large",
                BODY_LIMIT >> 20
            ),
        )
    };
    let json = header(rq, "Content-Type")
        .is_some_and(|t| t.to_ascii_lowercase().starts_with("application/json"));
    if !json {
        return Err(Reply::error(415, "the page's calls send JSON"));
    }
    if rq.body_length().is_some_and(|n| n > BODY_LIMIT) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    rq.as_reader()
        .take(BODY_LIMIT as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|_| Reply::error(400, "the call's body could not be read"))?;
    if body.len() > BODY_LIMIT {
        return Err(too_large());
    }
    serde_json::from_slice(&body)
        .map_err(|_| Reply::error(400, "the call's body is not the JSON the page sends"))
}

fn download(req: &PageRequest) -> std::result::Result<Reply, Reply> {
    let kind = DownloadKind::from_name(&req.kind).ok_or_else(|| {
        Reply::error(
            400,
            "kind: p12, p12-compat, postman, pem, truststore, params or root",
        )
    })?;
    let page = req.page()?;
    let opts = DownloadOptions {
        file: req.file.clone(),
        secrets: PageSecrets {
            create: secret(&req.password),
            open: secret(&req.open_password),
        },
        no_password: req.no_password,
        allow_incomplete: req.allow_incomplete,
        external: ExternalChoices {
            pinning: req.pinning,
            allow_untrusted: req.allow_untrusted,
        },
    };
    match serve::download(&page, kind, &opts) {
        Ok(d) => {
            let mut v = serde_json::to_value(&d).unwrap_or_default();
            v["data"] = Value::String(openssl::base64::encode_block(&d.files[0].contents));
            Ok(Reply::json(200, v))
        }
        Err(e) => Err(Reply::json(
            422,
            serde_json::json!({ "error": e.to_string(), "notes": e.notes() }),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_this_machine_and_port_only() {
        assert!(own_host("127.0.0.1:8080", 8080));
        assert!(own_host("[::1]:8080", 8080));
        assert!(own_host("LOCALHOST:8080", 8080));
        for h in [
            "127.0.0.1",
            "127.0.0.1:8081",
            "evil.example:8080",
            "localhost.evil:8080",
            "",
        ] {
            assert!(!own_host(h, 8080), "{h}");
        }
    }

    #[test]
    fn memory_paths_are_shown_as_plain_names() {
        let mut v = serde_json::json!({"a": [format!("{}key.json: bad", memory::PREFIX)]});
        strip_memory_paths(&mut v);
        assert_eq!(v["a"][0], "key.json: bad");
    }

    #[test]
    fn the_token_is_fresh_and_long() {
        let a = Server::bind(0).unwrap();
        let b = Server::bind(0).unwrap();
        assert_eq!(a.shared.token.len(), 64);
        assert_ne!(a.shared.token, b.shared.token);
        assert!(a.url().starts_with("http://127.0.0.1:"));
        assert!(a.addresses().iter().all(|s| s.ip().is_loopback()));
    }
}
