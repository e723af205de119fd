//! `btpcert serve`: the page in headless Chromium (driven over WebDriver by
//! the small client below), its security over plain HTTP, and the files it
//! offers against those the command line writes.
//!
//! Chromium and chromedriver come from Debian's `chromium` and
//! `chromium-driver` packages, which the project's setup installs; a test
//! that lacks them fails and says so.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use openssl::pkcs12::Pkcs12;
use serde_json::{json, Value};

use crate::common::{btpcert, tool, TestDir};

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(name)
}

/// A running `btpcert serve --no-open --port 0`, stopped when dropped.
pub struct Serve {
    child: Child,
    pub url: String,
    pub port: u16,
    pub token: String,
}

impl Serve {
    pub fn start() -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_btpcert"))
            .args(["serve", "--no-open", "--port", "0"])
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let url = first.trim().to_string();
        let rest = url.strip_prefix("http://127.0.0.1:").expect(&url);
        let (port, token) = rest.split_once("/?token=").expect(&url);
        Serve {
            port: port.parse().unwrap(),
            token: token.to_string(),
            url: url.clone(),
            child,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One raw HTTP/1.1 exchange; returns the status and the body.
fn exchange(port: u16, request: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    // The server may answer (413) before the body is sent whole.
    let _ = s.write_all(request);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// A request with `headers` (`Host` among them when wanted) and a body.
fn request(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut r = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    for (k, v) in headers {
        r.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        r.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    r.push_str("\r\n");
    let mut r = r.into_bytes();
    r.extend_from_slice(body);
    r
}

fn b64(bytes: &[u8]) -> String {
    openssl::base64::encode_block(bytes)
}

/// The page's call body for `files`.
fn page_body(files: &[(&str, Vec<u8>)], extra: Value) -> Vec<u8> {
    let mut v = json!({
        "files": files.iter().map(|(n, b)| json!({"name": n, "data": b64(b)})).collect::<Vec<_>>(),
    });
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    serde_json::to_vec(&v).unwrap()
}

/// A page call with the token, as the page makes it.
fn call(s: &Serve, path: &str, body: &[u8]) -> (u16, Value) {
    let host = s.host();
    let origin = format!("http://{host}");
    let (status, text) = exchange(
        s.port,
        &request(
            "POST",
            path,
            &[
                ("Host", &host),
                ("Origin", &origin),
                ("X-Btpcert-Token", &s.token),
                ("Content-Type", "application/json"),
            ],
            body,
        ),
    );
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[test]
fn refuses_requests_without_token_from_other_hosts_and_origins() {
    let s = Serve::start();
    let host = s.host();
    let page = format!("/?token={}", s.token);
    let get = |path: &str, headers: &[(&str, &str)]| {
        exchange(s.port, &request("GET", path, headers, b""))
    };

    // The page, with the token: every protective header.
    let mut st = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    st.write_all(&request("GET", &page, &[("Host", &host)], b""))
        .unwrap();
    let mut head = String::new();
    st.read_to_string(&mut head).unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    for h in [
        "Content-Security-Policy: default-src 'self'",
        "X-Content-Type-Options: nosniff",
        "Referrer-Policy: no-referrer",
        "Cache-Control: no-store",
    ] {
        assert!(head.contains(h), "{h} missing:\n{head}");
    }
    assert!(
        !head.to_lowercase().contains("access-control-allow"),
        "no CORS"
    );
    assert!(head.contains(&format!("app.js?token={}", s.token)));
    assert_eq!(
        get(&format!("/app.js?token={}", s.token), &[("Host", &host)]).0,
        200
    );
    assert_eq!(
        get(&page, &[("Host", &format!("localhost:{}", s.port))]).0,
        200
    );
    assert_eq!(get(&page, &[("Host", &format!("[::1]:{}", s.port))]).0, 200);

    // No token, a wrong one, a token of the same length but not this run's.
    assert_eq!(get("/", &[("Host", &host)]).0, 403);
    assert_eq!(get("/app.js", &[("Host", &host)]).0, 403);
    assert_eq!(get("/?token=abc", &[("Host", &host)]).0, 403);
    let other = "0".repeat(s.token.len());
    let (status, body) = get(&format!("/?token={other}"), &[("Host", &host)]);
    assert_eq!(status, 403);
    assert!(body.contains("needs the token"), "{body}");

    // DNS rebinding: a foreign Host, or none, or another port.
    for h in [
        "evil.example".to_string(),
        format!("evil.example:{}", s.port),
        format!("127.0.0.1:{}", s.port + 1),
        "127.0.0.1".to_string(),
    ] {
        assert_eq!(get(&page, &[("Host", &h)]).0, 403, "Host: {h}");
    }
    assert_eq!(get(&page, &[]).0, 403, "no Host");

    // A call from another site, even with the token.
    let body = page_body(
        &[(
            "k.json",
            std::fs::read(testdata("service-key.json")).unwrap(),
        )],
        json!({}),
    );
    for origin in [
        "http://evil.example",
        "null",
        &format!("http://127.0.0.1:{}", s.port + 1),
    ] {
        let (status, _) = exchange(
            s.port,
            &request(
                "POST",
                "/api/check",
                &[
                    ("Host", &host),
                    ("Origin", origin),
                    ("X-Btpcert-Token", &s.token),
                    ("Content-Type", "application/json"),
                ],
                &body,
            ),
        );
        assert_eq!(status, 403, "Origin: {origin}");
    }
    // A call without the token header, and one that is no JSON.
    let (status, _) = exchange(
        s.port,
        &request(
            "POST",
            "/api/check",
            &[("Host", &host), ("Content-Type", "application/json")],
            &body,
        ),
    );
    assert_eq!(status, 403);
    let (status, _) = exchange(
        s.port,
        &request(
            "POST",
            "/api/check",
            &[
                ("Host", &host),
                ("X-Btpcert-Token", &s.token),
                ("Content-Type", "text/plain"),
            ],
            &body,
        ),
    );
    assert_eq!(status, 415);
    // The page's own call passes.
    let (status, v) = call(&s, "/api/check", &body);
    assert_eq!(status, 200);
    assert_eq!(v["inspect"]["files"][0]["file"], "k.json");
}

#[test]
fn an_oversize_body_gets_413_declared_or_not() {
    let s = Serve::start();
    let host = s.host();
    let headers = |len: &str| {
        format!(
            "POST /api/check HTTP/1.1\r\nHost: {host}\r\nX-Btpcert-Token: {}\r\nContent-Type: application/json\r\n{len}\r\n",
            s.token
        )
    };
    // Declared too large: refused before reading.
    let mut r = headers(&format!("Content-Length: {}\r\n", (16 << 20) + 1)).into_bytes();
    r.extend_from_slice(b"{\"files\": []");
    let (status, body) = exchange(s.port, &r);
    assert_eq!(status, 413);
    assert!(body.contains("larger than 16 MiB"), "{body}");

    // Chunked, so the size shows only while reading: counted as it comes.
    let mut st = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    st.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    st.write_all(headers("Transfer-Encoding: chunked\r\n").as_bytes())
        .unwrap();
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..17 {
        let mut c = format!("{:x}\r\n", chunk.len()).into_bytes();
        c.extend_from_slice(&chunk);
        c.extend_from_slice(b"\r\n");
        if st.write_all(&c).is_err() {
            break;
        }
    }
    let _ = st.write_all(b"0\r\n\r\n");
    let mut out = Vec::new();
    let _ = st.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.starts_with("HTTP/1.1 413"),
        "{}",
        &text[..text.len().min(200)]
    );
    // And it still serves.
    assert_eq!(call(&s, "/api/check", &page_body(&[], json!({}))).0, 200);
}

/// A small deterministic generator for the random requests.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn a_thousand_random_and_truncated_requests_leave_it_serving() {
    let s = Serve::start();
    let host = s.host();
    let good = request(
        "POST",
        "/api/check",
        &[
            ("Host", &host),
            ("X-Btpcert-Token", &s.token),
            ("Content-Type", "application/json"),
        ],
        &page_body(
            &[(
                "k.json",
                std::fs::read(testdata("service-key.json")).unwrap(),
            )],
            json!({}),
        ),
    );
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let started = Instant::now();
    for i in 0..1000 {
        let bytes: Vec<u8> = match i % 4 {
            // A good request cut anywhere.
            0 => good[..rng.below(good.len())].to_vec(),
            // Random bytes.
            1 => (0..rng.below(600)).map(|_| rng.next() as u8).collect(),
            // A request line and headers with random garbage in them.
            2 => {
                let mut r = good[..good.len().min(200)].to_vec();
                for _ in 0..8 {
                    let at = rng.below(r.len());
                    r[at] = rng.next() as u8;
                }
                r
            }
            // A good request whose body is random bytes.
            _ => {
                let mut r = good.clone();
                let from = good.len() - 300;
                for b in &mut r[from..] {
                    *b = rng.next() as u8;
                }
                r
            }
        };
        let mut st = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
        st.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let _ = st.write_all(&bytes);
        let _ = st.shutdown(std::net::Shutdown::Write);
        let mut sink = Vec::new();
        let _ = st.read_to_end(&mut sink);
    }
    assert!(started.elapsed() < Duration::from_secs(300));
    let (status, v) = call(
        &s,
        "/api/check",
        &page_body(
            &[(
                "k.json",
                std::fs::read(testdata("service-key.json")).unwrap(),
            )],
            json!({}),
        ),
    );
    assert_eq!(status, 200, "still serving");
    assert_eq!(
        v["verify"]["outcome"]["certificates"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

/// Local addresses of the sockets listening on `port`, from /proc/net.
fn listening(port: u16) -> Vec<String> {
    let mut out = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            // local_address is ADDR:PORT in hex; state 0A is LISTEN.
            let (addr, p) = f[1].split_once(':').unwrap();
            if f[3] == "0A" && u16::from_str_radix(p, 16).unwrap() == port {
                out.push(addr.to_string());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn listens_on_loopback_only_and_serves_two_tabs_at_once() {
    let s = Serve::start();
    let addrs = listening(s.port);
    assert!(
        addrs.contains(&"0100007F".to_string()),
        "127.0.0.1: {addrs:?}"
    );
    for a in &addrs {
        assert!(
            a == "0100007F" || a == "00000000000000000000000001000000",
            "{a} is not 127.0.0.1 or ::1 ({addrs:?})"
        );
    }
    // Two tabs asking at once.
    let body = page_body(
        &[(
            "k.json",
            std::fs::read(testdata("service-key.json")).unwrap(),
        )],
        json!({}),
    );
    let tabs: Vec<_> = (0..2)
        .map(|_| {
            let (port, token, body) = (s.port, s.token.clone(), body.clone());
            std::thread::spawn(move || {
                let host = format!("127.0.0.1:{port}");
                exchange(
                    port,
                    &request(
                        "POST",
                        "/api/check",
                        &[
                            ("Host", &host),
                            ("X-Btpcert-Token", &token),
                            ("Content-Type", "application/json"),
                        ],
                        &body,
                    ),
                )
                .0
            })
        })
        .collect();
    for t in tabs {
        assert_eq!(t.join().unwrap(), 200);
    }
}

#[test]
fn ctrl_c_stops_it() {
    let mut s = Serve::start();
    tool("kill")
        .args(["-INT", &s.pid().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = s.child.try_wait().unwrap() {
            assert!(!status.success() || status.code() == Some(0));
            break;
        }
        assert!(Instant::now() < deadline, "still running after Ctrl-C");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut err = String::new();
    s.child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(!err.contains(&s.token), "the token is never logged: {err}");
    assert!(!err.contains("internal error"), "{err}");
}

/// Certificates (leaf first, DER) and the public key of a PKCS#12 file.
fn p12_contents(der: &[u8], password: &str) -> (Vec<Vec<u8>>, Vec<u8>) {
    let p = Pkcs12::from_der(der).unwrap().parse2(password).unwrap();
    let mut certs = vec![p.cert.unwrap().to_der().unwrap()];
    let mut cas: Vec<Vec<u8>> =
        p.ca.map(|s| s.iter().map(|c| c.to_der().unwrap()).collect())
            .unwrap_or_default();
    cas.sort();
    certs.extend(cas);
    (certs, p.pkey.unwrap().public_key_to_der().unwrap())
}

/// The page's download of `kind`/`file`: the bytes.
fn download(
    s: &Serve,
    files: &[(&str, Vec<u8>)],
    kind: &str,
    file: &str,
    password: &str,
) -> Vec<u8> {
    let body = page_body(
        files,
        json!({"kind": kind, "file": file, "password": password}),
    );
    let (status, v) = call(s, "/api/download", &body);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["file"], file);
    openssl::base64::decode_block(v["data"].as_str().unwrap()).unwrap()
}

#[test]
fn the_page_offers_what_the_command_line_writes() {
    let s = Serve::start();
    let key = testdata("service-key.json");
    let files = [("service-key.json", std::fs::read(&key).unwrap())];
    let d = TestDir::new();
    let pw = "same-password-1";
    let cli = |args: &[&str]| {
        btpcert()
            .current_dir(d.path())
            .env("PW", pw)
            .env("SSL_CERT_FILE", "/nonexistent/none.pem")
            .args(args)
            .assert()
            .success();
    };
    let key = key.to_str().unwrap();
    cli(&["p12", key, "-o", "client.p12", "--password-env", "PW"]);
    cli(&[
        "p12",
        key,
        "-o",
        "compat.p12",
        "--profile",
        "compat",
        "--password-env",
        "PW",
    ]);
    cli(&["postman", key, "-o", "postman", "--password-env", "PW"]);
    cli(&["extract", key, "-o", "pem"]);
    cli(&["truststore", key, "-o", "trust.p12", "--password-env", "PW"]);

    let read = |name: &str| std::fs::read(d.path().join(name)).unwrap();
    for (cli_file, kind, file) in [
        ("client.p12", "p12", "client.p12"),
        ("compat.p12", "p12-compat", "client-compat.p12"),
        ("postman/client.pfx", "postman", "client.pfx"),
    ] {
        let page = download(&s, &files, kind, file, pw);
        assert_eq!(
            p12_contents(&page, pw),
            p12_contents(&read(cli_file), pw),
            "{file}"
        );
    }
    // PEM files carry no salt: the very same bytes.
    for (cli_file, kind, file) in [
        ("pem/certificate.pem", "pem", "certificate.pem"),
        ("pem/key.pem", "pem", "key.pem"),
        ("postman/client.crt", "postman", "client.crt"),
        ("postman/client.key", "postman", "client.key"),
        (
            "postman/btpcert.postman_collection.json",
            "postman",
            "btpcert.postman_collection.json",
        ),
    ] {
        assert_eq!(
            download(&s, &files, kind, file, pw),
            read(cli_file),
            "{file}"
        );
    }
    // The truststore: the same CA certificates.
    let trusted = |der: &[u8]| {
        let p = Pkcs12::from_der(der).unwrap().parse2(pw).unwrap();
        let mut v: Vec<Vec<u8>> = p.ca.unwrap().iter().map(|c| c.to_der().unwrap()).collect();
        v.sort();
        v
    };
    let page = download(&s, &files, "truststore", "truststore.p12", pw);
    assert_eq!(trusted(&page), trusted(&read("trust.p12")));
    assert_eq!(trusted(&page).len(), 2);

    // Errors read as the command line's, with the file's plain name.
    let (status, v) = call(
        &s,
        "/api/download",
        &page_body(&files, json!({"kind": "p12", "file": "client.p12"})),
    );
    assert_eq!(status, 422);
    assert!(
        v["error"].as_str().unwrap().contains("type a password"),
        "{v}"
    );
    let (_, v) = call(
        &s,
        "/api/check",
        &page_body(&[("broken.json", b"{\"oauth\": {".to_vec())], json!({})),
    );
    let e = v["verify"]["error"].as_str().unwrap();
    assert!(e.starts_with("broken.json: invalid JSON"), "{e}");
}

// ---- the page in Chromium -------------------------------------------------

/// A tiny W3C WebDriver client for chromedriver.
pub mod webdriver {
    use std::path::Path;
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use serde_json::{json, Value};

    use crate::common::server::free_port;
    use crate::common::which;

    const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

    /// One browser at a time: each test's Chromium has both cores to itself.
    pub fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
        static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
        LOCK.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub struct Browser {
        base: String,
        agent: ureq::Agent,
        driver: Child,
        _profile: tempfile::TempDir,
    }

    impl Browser {
        /// Headless Chromium with downloads going into `downloads`.
        pub fn start(downloads: &Path) -> Browser {
            for t in ["chromium", "chromedriver"] {
                if which(t).is_none() {
                    panic!("this test needs '{t}' (Debian's chromium and chromium-driver), which is not installed: run the project's setup");
                }
            }
            let port = free_port();
            let driver = Command::new("chromedriver")
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .proxy(None)
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(120)))
                .build()
                .into();
            let profile = tempfile::tempdir().unwrap();
            let mut b = Browser {
                base: format!("http://127.0.0.1:{port}"),
                agent,
                driver,
                _profile: profile,
            };
            let deadline = Instant::now() + Duration::from_secs(20);
            while b.try_get("/status").and_then(|v| v.get("ready").cloned())
                != Some(Value::Bool(true))
            {
                assert!(Instant::now() < deadline, "chromedriver did not start");
                std::thread::sleep(Duration::from_millis(100));
            }
            let dir = downloads.display().to_string();
            let caps = json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": "/usr/bin/chromium",
                    "args": [
                        "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--window-size=1200,1700",
                        format!("--user-data-dir={}", b._profile.path().display()),
                    ],
                    "prefs": {
                        "download.default_directory": dir,
                        "download.prompt_for_download": false,
                        "profile.default_content_setting_values.automatic_downloads": 1,
                    },
                },
            }}});
            let v = b.post("/session", caps);
            let id = v["sessionId"]
                .as_str()
                .unwrap_or_else(|| panic!("no session: {v}"))
                .to_string();
            b.base = format!("{}/session/{id}", b.base);
            b.post(
                "/goog/cdp/execute",
                json!({"cmd": "Browser.setDownloadBehavior", "params": {"behavior": "allow", "downloadPath": dir}}),
            );
            b
        }

        fn try_get(&self, path: &str) -> Option<Value> {
            let mut r = self
                .agent
                .get(&format!("{}{path}", self.base))
                .call()
                .ok()?;
            let text = r
                .body_mut()
                .with_config()
                .limit(64 << 20)
                .read_to_string()
                .ok()?;
            Some(serde_json::from_str::<Value>(&text).ok()?["value"].clone())
        }

        fn get(&self, path: &str) -> Value {
            self.try_get(path)
                .unwrap_or_else(|| panic!("GET {path} failed"))
        }

        fn post(&self, path: &str, body: Value) -> Value {
            let mut r = self
                .agent
                .post(&format!("{}{path}", self.base))
                .header("Content-Type", "application/json")
                .send(body.to_string())
                .unwrap();
            let text = r
                .body_mut()
                .with_config()
                .limit(64 << 20)
                .read_to_string()
                .unwrap();
            let v: Value = serde_json::from_str(&text).unwrap();
            if v["sessionId"].is_string() {
                return v;
            }
            v["value"].clone()
        }

        pub fn goto(&self, url: &str) {
            self.post("/url", json!({ "url": url }));
        }

        /// Runs `script` (a function body) with `args`; returns its value.
        pub fn exec(&self, script: &str, args: Value) -> Value {
            self.post("/execute/sync", json!({ "script": script, "args": args }))
        }

        pub fn find(&self, css: &str) -> String {
            let v = self.post("/element", json!({"using": "css selector", "value": css}));
            v[ELEMENT]
                .as_str()
                .unwrap_or_else(|| panic!("{css}: {v}"))
                .to_string()
        }

        pub fn click(&self, css: &str) {
            let id = self.find(css);
            self.post(&format!("/element/{id}/click"), json!({}));
        }

        pub fn type_into(&self, css: &str, text: &str) {
            let id = self.find(css);
            self.post(&format!("/element/{id}/value"), json!({ "text": text }));
        }

        /// Waits until `script` returns true.
        pub fn wait_for(&self, script: &str, what: &str) {
            let deadline = Instant::now() + Duration::from_secs(60);
            while self.exec(script, json!([])) != Value::Bool(true) {
                assert!(Instant::now() < deadline, "waited 60 s for {what}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }

        pub fn screenshot(&self) -> Vec<u8> {
            let v = self.get("/screenshot");
            openssl::base64::decode_block(v.as_str().unwrap()).unwrap()
        }
    }

    impl Drop for Browser {
        fn drop(&mut self) {
            let _ = self.agent.delete(&self.base).call();
            let _ = self.driver.kill();
            let _ = self.driver.wait();
        }
    }
}

/// The SHA-256 fingerprints of the certificates in a service key, in order.
fn fingerprints_of(key: &Path) -> Vec<String> {
    let v: Value = serde_json::from_slice(&std::fs::read(key).unwrap()).unwrap();
    let pem = v["oauth"]["certificate"].as_str().unwrap();
    openssl::x509::X509::stack_from_pem(pem.as_bytes())
        .unwrap()
        .iter()
        .map(|c| {
            c.digest(openssl::hash::MessageDigest::sha256())
                .unwrap()
                .iter()
                .map(|b| format!("{b:02X}"))
                .collect::<Vec<_>>()
                .join(":")
        })
        .collect()
}

#[test]
fn from_a_pasted_key_to_a_downloaded_keystore_in_chromium() {
    let _one = webdriver::one_at_a_time();
    let s = Serve::start();
    let downloads = TestDir::new();
    let b = webdriver::Browser::start(downloads.path());
    b.goto(&s.url);
    b.wait_for("return !!document.querySelector('textarea#servicekey') && !!document.querySelector('button#check')", "the page");

    // Paste the key, as a paste does: the text and one input event.
    let key = std::fs::read_to_string(testdata("service-key.json")).unwrap();
    b.exec(
        "const t = document.querySelector('textarea#servicekey'); t.focus(); t.value = arguments[0];
         window.pastedAt = performance.now();
         t.dispatchEvent(new InputEvent('input', {bubbles: true, inputType: 'insertFromPaste'}));",
        json!([key]),
    );
    b.click("button#check");
    b.wait_for(
        "return document.querySelectorAll('svg#chain [data-role=certificate]').length === 3 \
         && document.querySelectorAll('#verdicts [data-scenario][data-status]').length > 0 \
         && !window.verdictsAt && !!(window.verdictsAt = performance.now())",
        "the chain and the verdicts",
    );
    let ms = b.exec("return window.verdictsAt - window.pastedAt", json!([]));
    eprintln!("paste to verdicts: {ms} ms");

    // The picture: the fixture's certificates, leaf to root.
    let shown = b.exec(
        "return Array.from(document.querySelectorAll('svg#chain [data-role=certificate]')).map(e => e.dataset.fingerprint)",
        json!([]),
    );
    let expected: Vec<Value> = fingerprints_of(&testdata("service-key.json"))
        .into_iter()
        .map(Value::from)
        .collect();
    assert_eq!(shown, Value::Array(expected));
    let text = b.exec(
        "return document.querySelector('svg#chain').textContent",
        json!([]),
    );
    let text = text.as_str().unwrap();
    for needle in [
        "btpcert Sample Root CA",
        "btpcert Sample Client CA",
        "signed by",
        "days left",
        "not on btp-approved",
    ] {
        assert!(
            text.contains(needle),
            "{needle} missing from the picture: {text}"
        );
    }
    // The verdict of the scenario, with each check and its reason.
    let verdicts = b.exec(
        "return Array.from(document.querySelectorAll('#verdicts [data-scenario][data-status]')).map(e => [e.dataset.scenario, e.dataset.status, e.textContent])",
        json!([]),
    );
    // The sample root is not on SAP's public list: a warning that says so.
    assert_eq!(verdicts[0][0], "iflow");
    assert_eq!(verdicts[0][1], "warn");
    let reason = verdicts[0][2].as_str().unwrap();
    assert!(
        reason.contains("⚠") && reason.contains("is not on btp-approved"),
        "{reason}"
    );
    let status = b.exec(
        "return document.querySelector('#status').textContent",
        json!([]),
    );
    assert_eq!(status, "Result: ⚠ passed with 2 warnings");

    assert!(!b
        .exec("return document.body.textContent", json!([]))
        .as_str()
        .unwrap()
        .contains("null"));
    if std::env::var_os("BTPCERT_SCREENSHOT").is_some() {
        b.exec(
            "document.querySelector('#status').scrollIntoView()",
            json!([]),
        );
        let png = b.screenshot();
        std::fs::write(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/serve.png"),
            png,
        )
        .unwrap();
    }

    // A password, then the keystore.
    let pw = "page-password-7";
    b.type_into("input#password", pw);
    b.click("a[download][data-file=p12]");
    let file = downloads.path().join("client.p12");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !file.exists() {
        let msg = b.exec(
            "return document.querySelector('#download-message').textContent",
            json!([]),
        );
        assert!(
            Instant::now() < deadline,
            "no download; the page says: {msg}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(200));
    let out = tool("openssl")
        .args([
            "pkcs12",
            "-info",
            "-noout",
            "-passin",
            &format!("pass:{pw}"),
            "-in",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl pkcs12: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (certs, _) = p12_contents(&std::fs::read(&file).unwrap(), pw);
    assert_eq!(certs.len(), 3);

    // Files chosen instead: a Connectivity Test zip and the keystore just made.
    b.click("button#clear");
    let zip = downloads.put(
        "download.zip",
        crate::common::zip_of(&[(
            "root.cer",
            std::fs::read(testdata("sample-root.pem")).unwrap(),
        )]),
    );
    b.type_into("input#open-password", pw);
    b.type_into(
        "input[type=file]#files",
        &format!("{zip}\n{}", file.display()),
    );
    b.wait_for(
        "return !!document.querySelector('#verdicts [data-block=connectivity][data-status=fail]') \
         && document.querySelectorAll('svg#chain [data-role=certificate]').length === 4",
        "the zip's verdict and both chains",
    );
    let files = b.exec(
        "return Array.from(document.querySelectorAll('#summary .file h3')).map(h => h.textContent)",
        json!([]),
    );
    assert_eq!(
        files,
        json!(["client.p12"]),
        "the keystore read with its password"
    );
    let offered = b.exec(
        "return Array.from(document.querySelectorAll('a[download][data-file]')).map(a => a.dataset.file)",
        json!([]),
    );
    for f in ["p12", "pem", "truststore", "root"] {
        assert!(
            offered.as_array().unwrap().contains(&Value::from(f)),
            "{f} not offered: {offered}"
        );
    }

    // A truststore (the open password still typed): its certificates and
    // the scenario's list, as `btpcert verify` judges them.
    let made = TestDir::new();
    let pw_file = made.put("pw", format!("{pw}\n"));
    let ts = made.p("ts.p12");
    let root = testdata("sample-root.pem").display().to_string();
    btpcert()
        .args(["truststore", &root, "-o", &ts, "--password-file", &pw_file])
        .assert()
        .success();
    b.click("button#clear");
    b.type_into("input[type=file]#files", &ts);
    b.wait_for(
        "return !!document.querySelector('#verdicts [data-block=truststore][data-status=fail]')",
        "the truststore's verdict",
    );
    let text = b.exec(
        "return document.querySelector('#verdicts [data-block=truststore]').textContent",
        json!([]),
    );
    let text = text.as_str().unwrap();
    for needle in [
        "Truststore ts.p12: scenario server",
        "list btp-required",
        "btpcert Sample Root CA: on no SAP list; valid until",
    ] {
        assert!(text.contains(needle), "{needle} missing: {text}");
    }
    assert!(!text.contains("not listed by Java"), "{text}");
    let status = b.exec(
        "return document.querySelector('#status').textContent",
        json!([]),
    );
    assert_eq!(status, "✗ problem");
    assert!(!b
        .exec("return document.body.textContent", json!([]))
        .as_str()
        .unwrap()
        .contains("null"));
}
