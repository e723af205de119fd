//! Local servers for interop tests (TLS, and plain HTTP for caIssuers
//! URLs): bound to 127.0.0.1 on a free port,
//! run under `timeout` so that they end by themselves, and terminated when
//! dropped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Server {
    pub port: u16,
    child: Child,
    /// Where the server logs, for failure messages.
    pub log: Option<std::path::PathBuf>,
}

impl Drop for Server {
    fn drop(&mut self) {
        // SIGTERM to `timeout`, which passes it on to the server.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    /// Starts `cmd` (which must listen on `port`) and waits until it accepts
    /// connections, for at most 10 seconds.
    pub fn start(mut cmd: Command, port: u16, log: Option<std::path::PathBuf>) -> Server {
        let child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start the test server");
        let mut server = Server { port, child, log };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!(
                    "the test server exited with {status}: {}",
                    server.log_text()
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("the test server did not listen on 127.0.0.1:{port} within 10 s");
    }

    pub fn log_text(&self) -> String {
        self.log
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default()
    }

    /// `openssl s_server` on 127.0.0.1 that requires a client certificate
    /// issued under `ca_file`, and answers with a status page (`-www`).
    pub fn openssl_mtls(cert: &str, key: &str, ca_file: &str) -> Server {
        let port = free_port();
        let mut cmd = super::tool("timeout");
        cmd.args(["120", "openssl", "s_server", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-cert", cert, "-key", key, "-CAfile", ca_file])
            .args(["-Verify", "4", "-verify_return_error", "-www"]);
        Server::start(cmd, port, None)
    }
}

/// What the nginx test server checks.
pub struct Nginx<'a> {
    pub dir: &'a Path,
    pub server_cert: &'a str,
    pub server_key: &'a str,
    /// Require a client certificate issued under this CA file.
    pub client_ca: Option<&'a str>,
    /// Require `Authorization: Basic ...` with this value on the token request.
    pub basic: Option<String>,
    /// The token the token endpoint hands out and the API expects.
    pub token: &'a str,
}

/// What else the nginx test server does, for the probe tests.
#[derive(Default)]
pub struct NginxExtra<'a> {
    /// `ssl_verify_client optional` instead of `on` (with a client CA).
    pub verify_optional: bool,
    /// `ssl_protocols` instead of TLSv1.2 and TLSv1.3.
    pub protocols: Option<&'a str>,
    /// More `location` blocks, e.g. token endpoints that refuse.
    pub locations: &'a str,
}

impl Nginx<'_> {
    /// nginx on 127.0.0.1: `/oauth/token` answers a token JSON to a POST
    /// with `grant_type=client_credentials`; `/api/` and `/http/` want the
    /// Bearer token.
    pub fn start(&self) -> Server {
        self.start_with(&NginxExtra::default())
    }

    /// The same, with `extra`.
    pub fn start_with(&self, extra: &NginxExtra) -> Server {
        let nginx = super::which("nginx")
            .or_else(|| Some("/usr/sbin/nginx".into()).filter(|p: &std::path::PathBuf| p.exists()))
            .unwrap_or_else(|| panic!("this test needs 'nginx', which is not installed: run scripts/test, or apt-get install nginx"));
        let port = free_port();
        let d = self.dir.display();
        let verify = match self.client_ca {
            Some(ca) => format!(
                "ssl_client_certificate {ca};\n        ssl_verify_client {};\n        ssl_verify_depth 4;",
                if extra.verify_optional { "optional" } else { "on" }
            ),
            None => String::new(),
        };
        let basic = match &self.basic {
            Some(b) => format!(
                "if ($http_authorization != \"Basic {b}\") {{ return 401 '{{\"error\":\"unauthorized\",\"error_description\":\"Bad credentials\"}}'; }}"
            ),
            None => String::new(),
        };
        let token = self.token;
        let protocols = extra.protocols.unwrap_or("TLSv1.2 TLSv1.3");
        let locations = extra.locations;
        let conf = format!(
            r#"
pid {d}/nginx.pid;
error_log {d}/error.log info;
worker_processes 1;
events {{ worker_connections 64; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols {protocols};
        {verify}
        default_type application/json;
        location = /oauth/token {{
            if ($request_method != POST) {{ return 405 '{{"error":"method_not_allowed"}}'; }}
            if ($arg_grant_type != "client_credentials") {{ return 400 '{{"error":"unsupported_grant_type"}}'; }}
            {basic}
            return 200 '{{"access_token":"{token}","token_type":"bearer","expires_in":3599,"scope":"uaa.resource","jti":"1"}}';
        }}
        location = /redirect/token {{
            return 302 http://127.0.0.1:{port}/oauth/token;
        }}
        location = /clones/token {{
            return 401 '{{"error":"unauthorized","error_description":"Multiple clones found for certificate CN=sender, CN=Some CA"}}';
        }}
        location = /echo/token {{
            return 401 '{{"error":"invalid_client","error_description":"Bad credentials: $http_authorization"}}';
        }}
        location /api/ {{
            if ($http_authorization != "Bearer {token}") {{ return 401 '{{"error":"invalid_token"}}'; }}
            return 200 '{{"d":{{"results":[]}}}}';
        }}
        location /http/ {{
            if ($http_authorization != "Bearer {token}") {{ return 401 '{{"error":"invalid_token"}}'; }}
            return 200 'called $request_method $uri';
        }}
        {locations}
    }}
}}
"#,
            cert = self.server_cert,
            key = self.server_key,
        );
        let conf_path = self.dir.join("nginx.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let log = self.dir.join("error.log");
        let mut cmd = super::tool("timeout");
        cmd.arg("120")
            .arg(nginx)
            .arg("-p")
            .arg(self.dir)
            .arg("-c")
            .arg(&conf_path)
            .arg("-e")
            .arg(&log)
            .args(["-g", "daemon off; master_process off;"]);
        Server::start(cmd, port, Some(log))
    }
}

/// A JWT-shaped token (not signed) with the claims XSUAA puts in.
pub fn fake_jwt(client_id: &str) -> String {
    use openssl::base64::encode_block;
    let b64url = |s: &str| {
        encode_block(s.as_bytes())
            .replace('+', "-")
            .replace('/', "_")
            .trim_end_matches('=')
            .to_string()
    };
    let header = b64url(r#"{"alg":"RS256","typ":"JWT"}"#);
    let payload = b64url(&format!(
        r#"{{"client_id":"{client_id}","scope":["it-rt-sub!b196.ESBMessaging.send"],"exp":4733510400,"iat":1577836800,"zid":"sub"}}"#
    ));
    format!("{header}.{payload}.c2lnbmF0dXJl")
}

/// A plain HTTP server on 127.0.0.1 serving `routes`; counts requests.
pub fn http_server(routes: Vec<(&'static str, Vec<u8>)>) -> (u16, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let n = count.clone();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut c) = conn else { break };
            n.fetch_add(1, Ordering::SeqCst);
            let mut head = Vec::new();
            let mut b = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                if c.read(&mut b).unwrap_or(0) == 0 {
                    break;
                }
                head.push(b[0]);
            }
            let text = String::from_utf8_lossy(&head).into_owned();
            let path = text.split_whitespace().nth(1).unwrap_or("").to_string();
            let body = routes.iter().find(|(p, _)| *p == path).map(|(_, b)| b);
            let _ = match body {
                Some(b) => c
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/pkix-cert\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            b.len()
                        )
                        .as_bytes(),
                    )
                    .and_then(|_| c.write_all(b)),
                None => c.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
            };
        }
    });
    (port, count)
}
