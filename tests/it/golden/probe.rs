//! Golden output of probe: servers that are down (deterministic), a key
//! that does not match its certificate, and nginx on 127.0.0.1 with mutual
//! TLS, whose port and generated fingerprints are shown as `$PORT` and
//! `$SHA256`.

use super::{compare_or_bless, golden, repo, testdata};
use crate::common::server::Nginx;
use crate::common::*;

/// The sample certificate key with its hosts on 127.0.0.1:9, where nobody
/// listens.
fn key_down(d: &TestDir) {
    let key = std::fs::read_to_string(testdata("service-key.json"))
        .unwrap()
        .replace(
            "https://sample.authentication.cert.eu10.hana.ondemand.com",
            "https://127.0.0.1:9",
        )
        .replace(
            "https://sample.it-cpi018-rt.cfapps.eu10-002.hana.ondemand.com",
            "https://127.0.0.1:9",
        );
    d.put("k.json", key);
}

#[test]
fn probe_when_nobody_answers() {
    let d = TestDir::new();
    key_down(&d);
    golden("probe-down", &d, &["probe", "k.json", "--timeout", "2"]);
    golden(
        "probe-down-json",
        &d,
        &["probe", "k.json", "--timeout", "2", "--json"],
    );
    golden(
        "probe-url-down",
        &d,
        &["probe", "https://127.0.0.1:9/", "--timeout", "2"],
    );
}

#[test]
fn probe_with_a_key_of_another_certificate() {
    let d = TestDir::new();
    key_down(&d);
    d.put("other.key", sap().leaf.key_pkcs8_pem());
    golden(
        "probe-key-mismatch",
        &d,
        &["probe", "k.json", "--key", "other.key", "--timeout", "2"],
    );
}

/// `text` with every SHA-256 fingerprint (32 hex pairs joined by colons)
/// written as `$SHA256`.
fn without_fingerprints(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(|c: char| c.is_ascii_hexdigit()) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let fp_len = 32 * 3 - 1;
        let is_fp = tail.len() >= fp_len
            && tail.as_bytes()[..fp_len].iter().enumerate().all(|(k, b)| {
                if k % 3 == 2 {
                    *b == b':'
                } else {
                    b.is_ascii_hexdigit()
                }
            });
        if is_fp {
            out.push_str("$SHA256");
            rest = &tail[fp_len..];
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// Like [`golden`], with the server's port and fingerprints normalised.
fn golden_normalised(name: &str, dir: &TestDir, port: u16, args: &[&str]) {
    let out = btpcert()
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env("SSL_CERT_FILE", "/nonexistent/no-system-roots.pem")
        .args(args)
        .output()
        .unwrap();
    let shown = |b: &[u8]| {
        let t = String::from_utf8_lossy(b)
            .replace(&dir.path().display().to_string(), "$DIR")
            .replace(&repo().display().to_string(), "$REPO")
            .replace(&format!("127.0.0.1:{port}"), "127.0.0.1:$PORT");
        without_fingerprints(&t)
    };
    let actual = format!(
        "$ btpcert {}\n--- exit {}\n--- stdout\n{}--- stderr\n{}",
        shown(args.join(" ").as_bytes()),
        out.status.code().unwrap_or(-1),
        shown(&out.stdout),
        shown(&out.stderr)
    );
    compare_or_bless(name, &actual);
}

#[test]
fn probe_of_an_mtls_server() {
    let d = TestDir::new();
    let h = sap();
    let server = issue(&Spec::server("127.0.0.1"), Some(&h.root));
    d.put("server.pem", server.cert_pem());
    d.put("server.key", server.key_pkcs8_pem());
    d.put("root.pem", h.root.cert_pem());
    std::fs::create_dir(d.path().join("nginx")).unwrap();
    let s = Nginx {
        dir: &d.path().join("nginx"),
        server_cert: &d.p("server.pem"),
        server_key: &d.p("server.key"),
        client_ca: Some(&d.p("root.pem")),
        basic: None,
        token: &crate::common::server::fake_jwt(CLIENT_ID),
    }
    .start();
    let base = format!("https://127.0.0.1:{}", s.port);
    let mut o = oauth_certificate(&h.chain_pem(), &h.leaf.key_traditional_pem());
    o["url"] = serde_json::json!(base);
    o["tokenurl"] = serde_json::json!(format!("{base}/oauth/token"));
    d.put("k.json", serde_json::json!({ "oauth": o }).to_string());
    golden_normalised(
        "probe-mtls",
        &d,
        s.port,
        &["probe", "k.json", "--ca", "root.pem"],
    );
    d.put("pw", "changeit\n");
    golden_normalised(
        "probe-url-truststore",
        &d,
        s.port,
        &[
            "probe",
            &base,
            "--ca",
            "root.pem",
            "--truststore",
            "trust.p12",
            "--password-file",
            "pw",
        ],
    );
}

#[test]
fn fingerprints_are_normalised() {
    let fp = "8C:28:62:ED:89:39:9E:C0:F9:0E:AB:19:FD:E4:FB:6C:E5:8D:AA:39:B5:89:D6:C1:05:D4:7D:C7:D3:6D:01:93";
    assert_eq!(
        without_fingerprints(&format!("SHA-256 {fp}, port 9")),
        "SHA-256 $SHA256, port 9"
    );
}
