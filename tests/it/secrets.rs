//! Secrets stay secret on the wire and on the screen: https only, no
//! redirect followed with credentials, nothing echoed by a server printed,
//! no password in an error or a panic, one deadline for an exchange.

use std::io::Read;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::server::{Nginx, Server};
use crate::common::*;

const SECRET: &str = "s3cret-value-0042";

fn secret_key(dir: &TestDir, tokenurl: &str) -> String {
    let k = json!({"oauth": {"clientid": CLIENT_ID, "clientsecret": SECRET,
        "url": "https://127.0.0.1:1", "tokenurl": tokenurl}});
    dir.put("secret.json", k.to_string())
}

/// nginx with a server certificate under the test root, no client CA.
fn nginx(d: &TestDir) -> (Server, String) {
    let h = sap();
    let server = issue(&Spec::server("127.0.0.1"), Some(&h.root));
    let cert = d.put("server.pem", server.cert_pem());
    let key = d.put("server.key", server.key_pkcs8_pem());
    let root = d.put("root.pem", h.root.cert_pem());
    std::fs::create_dir(d.path().join("nginx")).unwrap();
    let s = Nginx {
        dir: &d.path().join("nginx"),
        server_cert: &cert,
        server_key: &key,
        client_ca: None,
        basic: None,
        token: "tok",
    }
    .start();
    (s, root)
}

#[test]
fn a_plain_http_tokenurl_is_refused_and_nothing_is_sent() {
    let d = TestDir::new();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let key = secret_key(&d, &format!("http://127.0.0.1:{port}/oauth/token"));
    for cmd in ["token", "call"] {
        let a = btpcert().args([cmd, &key]).assert().code(2);
        let err = stderr_of(&a);
        assert!(err.contains("https only"), "{err}");
        assert!(!err.contains(SECRET), "{err}");
    }
    // Nobody connected: not even the TCP handshake happened.
    assert!(listener.accept().is_err());

    // `call` with a full http:// URL never gets to send the token either.
    let a = btpcert()
        .args(["call", &key, &format!("http://127.0.0.1:{port}/x")])
        .assert()
        .code(2);
    assert!(stderr_of(&a).contains("https only"));
    assert!(listener.accept().is_err());
}

#[test]
fn a_redirect_to_plain_http_is_an_error() {
    let d = TestDir::new();
    let (s, root) = nginx(&d);
    let key = secret_key(&d, &format!("https://127.0.0.1:{}/redirect/token", s.port));
    let a = btpcert()
        .args(["token", &key, "--ca", &root])
        .assert()
        .code(1);
    let err = stderr_of(&a);
    assert!(
        err.contains("HTTP 302 and redirects to http://127.0.0.1"),
        "{err}"
    );
    assert!(err.contains("(plain http)"), "{err}");
    // Only the one request reached the server; the redirect was not followed.
    let log = std::fs::read_to_string(d.path().join("nginx/access.log")).unwrap();
    assert_eq!(log.lines().count(), 1, "{log}");
}

#[test]
fn what_a_server_echoes_back_is_redacted() {
    let d = TestDir::new();
    let (s, root) = nginx(&d);
    let key = secret_key(&d, &format!("https://127.0.0.1:{}/echo/token", s.port));
    let a = btpcert()
        .args(["token", &key, "--ca", &root])
        .assert()
        .code(1);
    let err = stderr_of(&a);
    assert!(err.contains("Bad credentials: [redacted]"), "{err}");
    let basic = openssl::base64::encode_block(format!("{CLIENT_ID}:{SECRET}").as_bytes());
    assert!(!err.contains(&basic) && !err.contains(SECRET), "{err}");
}

#[test]
fn one_deadline_for_the_whole_exchange() {
    // A server that accepts and then says nothing.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hold = std::thread::spawn(move || {
        let mut held = Vec::new();
        listener.set_nonblocking(true).unwrap();
        let end = Instant::now() + Duration::from_secs(20);
        while Instant::now() < end {
            if let Ok((mut c, _)) = listener.accept() {
                let mut b = [0u8; 16];
                let _ = c.set_read_timeout(Some(Duration::from_millis(10)));
                let _ = c.read(&mut b);
                held.push(c);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    let d = TestDir::new();
    let key = secret_key(&d, &format!("https://127.0.0.1:{port}/oauth/token"));
    let start = Instant::now();
    let a = btpcert()
        .args(["token", &key, "--timeout", "2"])
        .assert()
        .code(1);
    let took = start.elapsed();
    let err = stderr_of(&a);
    assert!(
        err.contains("within 2 s") || err.contains("timed out"),
        "{err}"
    );
    // One deadline of 2 s, not one per phase: well under two of them.
    assert!(took < Duration::from_secs(4), "took {took:?}");
    drop(hold);

    // A time-out that would overflow is a usage error, not a panic.
    let a = btpcert()
        .args(["token", &key, "--timeout", "6148914691236517206"])
        .assert()
        .code(2);
    assert!(!stderr_of(&a).contains("panicked"));
}

#[test]
fn a_password_env_name_that_looks_like_a_password_is_not_echoed() {
    let d = TestDir::new();
    let a = btpcert()
        .args([
            "p12",
            &d.put("k.json", cockpit_key(sap())),
            "-o",
            &d.p("x.p12"),
            "--password-env",
            "hunter2-Pa$$word!",
        ])
        .assert()
        .code(2);
    let err = stderr_of(&a);
    assert!(!err.contains("hunter2"), "{err}");
    assert!(err.contains("not a variable name"), "{err}");
}

#[test]
fn a_password_with_a_nul_byte_is_refused_without_a_panic() {
    let d = TestDir::new();
    let key = d.put("k.json", cockpit_key(sap()));
    let pw = d.put("pw", b"abc\0def\n");
    for args in [
        vec!["p12", &key, "-o", "x.p12", "--password-file", &pw],
        vec!["postman", &key, "-o", "kit", "--password-file", &pw],
    ] {
        let a = btpcert().current_dir(d.path()).args(&args).assert().code(2);
        let err = stderr_of(&a);
        assert!(err.contains("NUL byte"), "{err}");
        assert!(!err.contains("panicked") && !err.contains("abc"), "{err}");
    }
    assert!(!d.path().join("x.p12").exists() && !d.path().join("kit").exists());
}

#[test]
fn a_panic_prints_one_line_without_its_text() {
    let a = btpcert()
        .args(["trust", "list"])
        .env("BTPCERT_TEST_PANIC", "password=hunter2")
        .assert()
        .code(3);
    let err = stderr_of(&a);
    assert!(err.contains("internal error"), "{err}");
    assert!(
        !err.contains("hunter2") && !err.contains("panicked"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn a_closed_standard_output_keeps_the_exit_status() {
    let d = TestDir::new();
    let root = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/sample-root.pem"),
    )
    .unwrap();
    let z = d.put("d.zip", zip_of(&[("r.cer", root)]));
    // A pipe whose reader is gone before btpcert writes: every write fails.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_btpcert"))
        .args(["connectivity", &z])
        .stdout(writer)
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1), "problems found, output or not");
}

#[test]
fn an_untrusted_server_with_roots_given_is_not_told_to_give_roots() {
    let d = TestDir::new();
    let (s, _root) = nginx(&d);
    let key = secret_key(&d, &format!("https://127.0.0.1:{}/oauth/token", s.port));
    // A root that did not issue the server's certificate.
    let other = d.put("other.pem", Hierarchy::new(Alg::EcP256).root.cert_pem());
    let a = btpcert()
        .args(["token", &key, "--ca", &other])
        .assert()
        .code(1);
    let err = stderr_of(&a);
    assert!(err.contains("not trusted"), "{err}");
    assert!(!err.contains("give its root with --ca"), "{err}");
    let a = btpcert().args(["token", &key]).assert().code(1);
    assert!(stderr_of(&a).contains("--ca"), "{}", stderr_of(&a));
}

#[test]
fn sap_multiple_clones_text_is_diagnosed() {
    let d = TestDir::new();
    let (s, root) = nginx(&d);
    let key = secret_key(&d, &format!("https://127.0.0.1:{}/clones/token", s.port));
    let a = btpcert()
        .args(["token", &key, "--ca", &root])
        .assert()
        .code(1);
    let err = stderr_of(&a);
    assert!(err.contains("KBA 3364579"), "{err}");
    assert!(err.contains("btpcert audit"), "{err}");
}
