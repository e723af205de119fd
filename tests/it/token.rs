//! `btpcert token` and `btpcert call` against nginx on 127.0.0.1: mutual
//! TLS, HTTP Basic, and the usual failures. No test reaches another address.

use std::path::Path;

use serde_json::json;

use crate::common::server::{fake_jwt, free_port, Nginx, Server};
use crate::common::*;

struct Setup {
    dir: tempfile::TempDir,
    root: String,
    token: String,
    server: Server,
}

enum ClientCa {
    None,
    TestRoot,
    File(std::path::PathBuf),
}

impl Setup {
    /// nginx with a server certificate under the test root; mTLS when `mtls`,
    /// HTTP Basic with `basic` (clientid, secret) on the token request.
    fn start(mtls: bool, basic: Option<(&str, &str)>) -> Setup {
        Setup::start_with(
            if mtls {
                ClientCa::TestRoot
            } else {
                ClientCa::None
            },
            basic,
            CLIENT_ID,
        )
    }

    /// The same, with the client CA given, and `client_id` in the token.
    fn start_with(client_ca: ClientCa, basic: Option<(&str, &str)>, client_id: &str) -> Setup {
        let h = sap();
        let dir = tempfile::tempdir().unwrap();
        let server = issue(&Spec::server("127.0.0.1"), Some(&h.root));
        let put = |n: &str, c: String| {
            let p = dir.path().join(n);
            std::fs::write(&p, c).unwrap();
            p.to_str().unwrap().to_string()
        };
        let cert = put("server.pem", server.cert_pem());
        let key = put("server.key", server.key_pkcs8_pem());
        let root = put("root.pem", h.root.cert_pem());
        let token = fake_jwt(client_id);
        let ca = match client_ca {
            ClientCa::None => None,
            ClientCa::TestRoot => Some(root.clone()),
            ClientCa::File(p) => Some(p.to_str().unwrap().to_string()),
        };
        let nginx_dir = dir.path().join("nginx");
        std::fs::create_dir(&nginx_dir).unwrap();
        let server = Nginx {
            dir: &nginx_dir,
            server_cert: &cert,
            server_key: &key,
            client_ca: ca.as_deref(),
            basic: basic
                .map(|(id, s)| openssl::base64::encode_block(format!("{id}:{s}").as_bytes())),
            token: &token,
        }
        .start();
        Setup {
            dir,
            root,
            token,
            server,
        }
    }

    fn base(&self) -> String {
        format!("https://127.0.0.1:{}", self.server.port)
    }

    fn put(&self, name: &str, content: impl AsRef<[u8]>) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        p.to_str().unwrap().to_string()
    }

    fn cert_key(&self) -> String {
        let h = sap();
        let mut o = oauth_certificate(&h.chain_pem(), &h.leaf.key_traditional_pem());
        o["tokenurl"] = json!(format!("{}/oauth/token", self.base()));
        o["url"] = json!(self.base());
        self.put("cert-key.json", json!({ "oauth": o }).to_string())
    }

    fn secret_key(&self, secret: &str) -> String {
        let k = json!({"oauth": {"clientid": CLIENT_ID, "clientsecret": secret,
            "url": self.base(), "tokenurl": format!("{}/oauth/token", self.base())}});
        self.put(&format!("secret-{secret}.json"), k.to_string())
    }
}

fn one_line_error(a: &assert_cmd::assert::Assert) -> String {
    let err = stderr_of(a);
    let lines: Vec<&str> = err.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line: {err}");
    assert!(!err.contains("panicked"), "{err}");
    lines[0].to_string()
}

#[test]
fn token_and_call_with_a_client_certificate() {
    let s = Setup::start(true, None);
    let key = s.cert_key();
    let a = btpcert()
        .args(["token", &key, "--ca", &s.root])
        .assert()
        .success();
    let out = stdout_of(&a);
    assert!(
        out.contains("Token from 127.0.0.1 (client certificate 'sb-test!b1|it-rt-test!b2')"),
        "{out}"
    );
    assert!(out.contains(&format!("client_id:   {CLIENT_ID}")), "{out}");
    assert!(
        out.contains("scope:       it-rt-sub!b196.ESBMessaging.send"),
        "{out}"
    );
    assert!(out.contains("exp:         2120-01-01T00:00:00Z"), "{out}");
    assert!(
        !out.contains(&s.token),
        "the token is printed only with --show"
    );
    let a = btpcert()
        .args(["token", &key, "--ca", &s.root, "--show", "--json"])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    assert_eq!(v["access_token"], s.token.as_str());
    assert_eq!(v["expires_in"], 3599);
    assert_eq!(v["claims"]["client_id"], CLIENT_ID);

    // The call: default path for a tenant URL is the OData API.
    let a = btpcert()
        .args(["call", &key, "--ca", &s.root])
        .assert()
        .success();
    assert_eq!(stdout_of(&a), "{\"d\":{\"results\":[]}}");
    let a = btpcert()
        .args([
            "call",
            &key,
            "/http/orders",
            "-d",
            "<order/>",
            "-H",
            "Content-Type: application/xml",
            "-v",
            "--ca",
            &s.root,
        ])
        .assert()
        .success();
    assert_eq!(stdout_of(&a), "called POST /http/orders");
    assert!(stderr_of(&a).contains("HTTP 200 OK"), "{}", stderr_of(&a));
    let access = std::fs::read_to_string(s.dir.path().join("nginx/access.log")).unwrap();
    assert!(
        access.contains("POST /oauth/token?grant_type=client_credentials HTTP/1.1\" 200"),
        "{access}"
    );
}

#[test]
fn token_with_a_pkcs12_file_and_an_external_key() {
    let s = Setup::start(true, None);
    let h = sap();
    // External Certificate key: the leaf only, the key stays with the user.
    let ext = s.put(
        "ext.json",
        json!({"oauth": {"clientid": CLIENT_ID, "certificate": h.leaf.cert_pem(), "certificate-pinning": true,
            "url": s.base(), "tokenurl": format!("{}/oauth/token", s.base())}})
        .to_string(),
    );
    let a = btpcert()
        .args(["token", &ext, "--ca", &s.root])
        .assert()
        .code(2);
    assert!(one_line_error(&a).contains("holds no private key: give yours with --key FILE"));
    let key = s.put("client.key", h.leaf.key_pkcs8_pem());
    let chain = s.put("chain.pem", pems(&[&h.leaf, &h.inter]));
    btpcert()
        .args([
            "token", &ext, "--key", &key, "--cert", &chain, "--ca", &s.root,
        ])
        .assert()
        .success();

    // A PKCS#12 made by btpcert itself.
    let pw = s.put("pw", "pfx-pass\n");
    let p12 = s.dir.path().join("c.p12");
    btpcert()
        .args([
            "p12",
            &s.cert_key(),
            "-o",
            p12.to_str().unwrap(),
            "--password-file",
            &pw,
        ])
        .assert()
        .success();
    btpcert()
        .args([
            "token",
            &ext,
            "--p12",
            p12.to_str().unwrap(),
            "--password-file",
            &pw,
            "--ca",
            &s.root,
        ])
        .assert()
        .success();

    // The same identity as a JKS made by keytool: read by its magic bytes.
    let jks = s.dir.path().join("c.jks");
    let out = tool("keytool")
        .args(["-importkeystore", "-noprompt", "-srckeystore"])
        .arg(&p12)
        .args(["-srcstoretype", "PKCS12", "-srcstorepass", "pfx-pass"])
        .arg("-destkeystore")
        .arg(&jks)
        .args(["-deststoretype", "JKS", "-deststorepass", "pfx-pass"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(&std::fs::read(&jks).unwrap()[..4], b"\xfe\xed\xfe\xed");
    let token_with = |store: &Path, extra: &[&str]| {
        btpcert()
            .args([
                "token",
                &ext,
                "--p12",
                store.to_str().unwrap(),
                "--ca",
                &s.root,
            ])
            .args(extra)
            .assert()
    };
    token_with(&jks, &["--password-file", &pw]).success();
    let bad = s.put("bad-pw", "not-it\n");
    let a = token_with(&jks, &["--password-file", &bad]).code(2);
    assert!(
        stderr_of(&a).contains("wrong password (the JKS integrity check failed)"),
        "{}",
        stderr_of(&a)
    );

    // A PKCS#12 without a password, opened with --no-password and no prompt
    // (standard input is no terminal: a prompt would fail the command).
    let open = s.dir.path().join("open.p12");
    btpcert()
        .args([
            "p12",
            &s.cert_key(),
            "-o",
            open.to_str().unwrap(),
            "--no-password",
        ])
        .assert()
        .success();
    token_with(&open, &["--no-password"]).success();
    let a = token_with(&open, &[]).code(2);
    assert!(
        stderr_of(&a).contains("--password-file"),
        "{}",
        stderr_of(&a)
    );
}

#[test]
fn token_with_client_secret() {
    let s = Setup::start(false, Some((CLIENT_ID, "right")));
    let a = btpcert()
        .args(["token", &s.secret_key("right"), "--ca", &s.root])
        .assert()
        .success();
    assert!(stdout_of(&a).contains("HTTP Basic with clientid and clientsecret"));
    let a = btpcert()
        .args(["token", &s.secret_key("wrong"), "--ca", &s.root])
        .assert()
        .code(1);
    let line = one_line_error(&a);
    assert!(
        line.contains(
            "refused the credentials (HTTP 401: Bad credentials); check clientid and clientsecret"
        ),
        "{line}"
    );
    assert!(
        !line.contains("wrong"),
        "the secret must not be printed: {line}"
    );
}

#[test]
fn failures_say_what_to_fix() {
    let s = Setup::start(true, None);
    // A client certificate from another CA.
    let other = Hierarchy::new(Alg::EcP256);
    let mut o = oauth_certificate(&other.chain_pem(), &other.leaf.key_traditional_pem());
    o["tokenurl"] = json!(format!("{}/oauth/token", s.base()));
    let wrong = s.put("wrong.json", json!({ "oauth": o }).to_string());
    let a = btpcert()
        .args(["token", &wrong, "--ca", &s.root])
        .assert()
        .code(1);
    let line = one_line_error(&a);
    assert!(line.contains("rejected the client certificate"), "{line}");
    assert!(
        line.contains("sb-test!b1|it-rt-test!b2"),
        "names the certificate sent: {line}"
    );

    // No client certificate (a ClientId/Secret key against an mTLS server).
    let a = btpcert()
        .args(["token", &s.secret_key("x"), "--ca", &s.root])
        .assert()
        .code(1);
    assert!(one_line_error(&a).contains("requires a client certificate, and none was sent"));

    // The server's certificate is not trusted without --ca.
    let a = btpcert().args(["token", &s.cert_key()]).assert().code(1);
    let line = one_line_error(&a);
    assert!(
        line.contains("the certificate of 127.0.0.1 is not trusted"),
        "{line}"
    );
    assert!(line.contains("--ca FILE"), "{line}");

    // Server down.
    let port = free_port();
    let h = sap();
    let mut o = oauth_certificate(&h.chain_pem(), &h.leaf.key_traditional_pem());
    o["tokenurl"] = json!(format!("https://127.0.0.1:{port}/oauth/token"));
    let down = s.put("down.json", json!({ "oauth": o }).to_string());
    let a = btpcert()
        .args(["token", &down, "--ca", &s.root, "--timeout", "5"])
        .assert()
        .code(1);
    let line = one_line_error(&a);
    assert!(
        line.contains(&format!("cannot connect to 127.0.0.1:{port}")),
        "{line}"
    );
}

#[test]
fn proxies_from_the_environment() {
    let s = Setup::start(true, None);
    let key = s.cert_key();
    let dead_proxy = format!("http://127.0.0.1:{}", free_port());
    // NO_PROXY exempts the host, as curl does it.
    btpcert()
        .args(["token", &key, "--ca", &s.root])
        .env("HTTPS_PROXY", &dead_proxy)
        .env("NO_PROXY", "127.0.0.1")
        .assert()
        .success();
    // http_proxy is for plain HTTP only, as curl has it.
    btpcert()
        .args(["token", &key, "--ca", &s.root])
        .env("HTTP_PROXY", &dead_proxy)
        .env("http_proxy", &dead_proxy)
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .assert()
        .success();
    // A proxy setting that is no URL is an error, not silently ignored.
    let a = btpcert()
        .args(["token", &key, "--ca", &s.root])
        .env("HTTPS_PROXY", "ftp://nowhere")
        .assert()
        .code(2);
    assert!(one_line_error(&a).contains("HTTPS_PROXY: 'ftp://nowhere' is not a proxy URL"));
    // Without it, the request goes to the proxy, which is down.
    let a = btpcert()
        .args(["token", &key, "--ca", &s.root, "--timeout", "5"])
        .env("HTTPS_PROXY", &dead_proxy)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .assert()
        .code(1);
    assert!(
        one_line_error(&a).contains("cannot connect"),
        "{}",
        stderr_of(&a)
    );
}

#[test]
fn certificate_token_requests_go_to_the_cert_host() {
    let d = tempfile::tempdir().unwrap();
    let h = sap();
    let mut o = oauth_certificate(&h.chain_pem(), &h.leaf.key_traditional_pem());
    o["tokenurl"] = json!("https://sub.authentication.eu10.hana.ondemand.com/oauth/token");
    let p = d.path().join("k.json");
    std::fs::write(&p, json!({ "oauth": o }).to_string()).unwrap();
    // A proxy on 127.0.0.1 that is down: nothing leaves this machine, not even DNS.
    let proxy = format!("http://127.0.0.1:{}", free_port());
    let a = btpcert()
        .args(["token", p.to_str().unwrap(), "--timeout", "5"])
        .env("HTTPS_PROXY", &proxy)
        .env_remove("NO_PROXY")
        .assert()
        .code(1);
    assert!(
        stderr_of(&a).contains(
            "certificate-based token requests go to sub.authentication.cert.eu10.hana.ondemand.com"
        ),
        "{}",
        stderr_of(&a)
    );
    let a = btpcert()
        .args([
            "token",
            p.to_str().unwrap(),
            "--cert-host",
            "--timeout",
            "5",
        ])
        .env("HTTPS_PROXY", &proxy)
        .env_remove("NO_PROXY")
        .assert()
        .code(1);
    assert!(!stderr_of(&a).contains("--cert-host uses it"));
}

#[test]
fn the_sample_key_in_testdata_gets_a_token_and_calls() {
    // The committed sample key, its hosts pointed at the local server, whose
    // client CA is the sample root.
    let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let s = Setup::start_with(
        ClientCa::File(testdata.join("sample-root.pem")),
        None,
        "sample",
    );
    let mut k: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(testdata.join("service-key.json")).unwrap())
            .unwrap();
    k["oauth"]["tokenurl"] = json!(format!("{}/oauth/token", s.base()));
    k["oauth"]["url"] = json!(s.base());
    let kf = s.put("key.json", k.to_string());
    let a = btpcert()
        .args(["token", &kf, "--ca", &s.root])
        .assert()
        .success();
    assert!(stdout_of(&a).contains("client_id:   sample"));
    let a = btpcert()
        .args(["call", &kf, "/http/ping", "-X", "POST", "--ca", &s.root])
        .assert()
        .success();
    assert_eq!(stdout_of(&a), "called POST /http/ping");
}
