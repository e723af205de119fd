//! `btpcert probe` against nginx and `openssl s_server` on 127.0.0.1:
//! server chains, client CA lists, mutual TLS, TLS alerts, token and call
//! refusals, certurl, proxies, truststores and fetched intermediates.
//! No test reaches another address.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use crate::common::server::{fake_jwt, free_port, http_server, Nginx, NginxExtra, Server};
use crate::common::*;

/// Token endpoints and calls that refuse the way SAP's do.
const REFUSING: &str = r#"
        location = /unsupported/token {
            return 401 '{"error":"unauthorized","error_description":"Unsupported instance credential for the x509 binding"}';
        }
        location = /kba3224701/token {
            return 401 '{"error":"invalid_client","error_description":"Either the client certificate is not configured exactly once in a service key of a Process Integration Runtime service instance or client-certificate authentication was not enabled for your tenant"}';
        }
        location = /certmsg/token {
            return 401 '{"error":"unauthorized","error_description":"Client certificate not valid for this client"}';
        }
        location = /http/pinned {
            return 403 'Subject and issuer (subject: CN=sb-test; issuer: CN=Test Client CA) of the provided certificate is not contained in the accepted subjectAndIssuers list of the integration flow';
        }
        location = /http/norole {
            return 403 '{"error":"insufficient_scope","error_description":"Insufficient scope for this resource"}';
        }
"#;

/// A site to start: the certificate nginx presents and what it checks.
struct Site<'a> {
    cert: &'a Node,
    /// Certificates sent after the leaf.
    chain: Vec<&'a Node>,
    client_ca: Option<String>,
    basic: Option<(&'a str, &'a str)>,
    client_id: &'a str,
    extra: NginxExtra<'a>,
}

impl<'a> Site<'a> {
    fn new(cert: &'a Node) -> Site<'a> {
        Site {
            cert,
            chain: Vec::new(),
            client_ca: None,
            basic: None,
            client_id: CLIENT_ID,
            extra: NginxExtra {
                locations: REFUSING,
                ..NginxExtra::default()
            },
        }
    }

    fn mtls(mut self, d: &TestDir) -> Site<'a> {
        self.client_ca = Some(d.put("client-ca.pem", sap().root.cert_pem()));
        self
    }

    fn start(self, d: &TestDir, name: &str) -> Server {
        let mut pem = self.cert.cert_pem();
        for c in &self.chain {
            pem.push_str(&c.cert_pem());
        }
        let cert = d.put(&format!("{name}/server.pem"), pem);
        let key = d.put(&format!("{name}/server.key"), self.cert.key_pkcs8_pem());
        let token = fake_jwt(self.client_id);
        Nginx {
            dir: &d.path().join(name),
            server_cert: &cert,
            server_key: &key,
            client_ca: self.client_ca.as_deref(),
            basic: self
                .basic
                .map(|(id, s)| openssl::base64::encode_block(format!("{id}:{s}").as_bytes())),
            token: &token,
        }
        .start_with(&self.extra)
    }
}

/// A client chain under a root whose name differs from the test root's
/// (the server's CA list holds names only), leaf first, root last.
fn foreign_chain() -> (Node, Node) {
    let root = issue(&Spec::ca("Foreign Root CA"), None);
    let leaf = issue(&Spec::client("foreign client"), Some(&root));
    (root, leaf)
}

/// The server certificate every site uses unless a test needs another.
fn server_cert() -> &'static Node {
    static S: std::sync::OnceLock<Node> = std::sync::OnceLock::new();
    S.get_or_init(|| issue(&Spec::server("127.0.0.1"), Some(&sap().root)))
}

fn base(s: &Server) -> String {
    format!("https://127.0.0.1:{}", s.port)
}

/// A certificate key (the shared test chain) with these addresses.
fn cert_key(d: &TestDir, name: &str, url: &str, tokenurl: &str) -> String {
    let h = sap();
    let mut o = oauth_certificate(&h.chain_pem(), &h.leaf.key_traditional_pem());
    o["url"] = json!(url);
    o["tokenurl"] = json!(tokenurl);
    d.put(name, json!({ "oauth": o }).to_string())
}

fn secret_key(d: &TestDir, name: &str, secret: &str, url: &str, tokenurl: &str) -> String {
    let k = json!({"oauth": {"clientid": CLIENT_ID, "clientsecret": secret,
        "url": url, "tokenurl": tokenurl}});
    d.put(name, k.to_string())
}

/// Runs `probe --json` with `args`; returns the exit code and the JSON.
fn probe(args: &[&str]) -> (i32, Value, String) {
    let a = btpcert()
        .arg("probe")
        .args(args)
        .arg("--json")
        .arg("--timeout")
        .arg("10")
        .assert();
    let out = a.get_output();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (
        out.status.code().unwrap(),
        v,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The diagnosis ids of an endpoint (or of the top level).
fn ids(v: &Value) -> Vec<String> {
    v["diagnosis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect()
}

fn has(v: &Value, id: &str) -> bool {
    ids(v).iter().any(|i| i == id)
}

fn message(v: &Value, id: &str) -> String {
    v["diagnosis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id)
        .map(|d| d["message"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no {id} in {v:#}"))
}

#[test]
fn a_working_certificate_key_passes_every_step() {
    let d = TestDir::new();
    let s = Site::new(server_cert()).mtls(&d).start(&d, "n");
    let root = d.put("root.pem", sap().root.cert_pem());
    let key = cert_key(
        &d,
        "k.json",
        &base(&s),
        &format!("{}/oauth/token", base(&s)),
    );
    let (code, v, err) = probe(&[&key, "--ca", &root]);
    assert_eq!(code, 0, "{v:#}\n{err}");
    assert_eq!(v["key_kind"], "certificate");
    let url = &v["endpoints"][0];
    assert_eq!(url["role"], "url");
    assert_eq!(url["url"], base(&s));
    assert_eq!(url["tls_version"], "TLSv1.3");
    assert_eq!(url["server_chain"].as_array().unwrap().len(), 1);
    assert_eq!(
        url["server_chain"][0]["subject_dn"],
        "C=DE, O=btpcert tests, CN=127.0.0.1"
    );
    assert_eq!(
        url["server_chain"][0]["fingerprint_sha256"],
        server_cert().sha256()
    );
    assert_eq!(url["server_root"]["origin"], "ca-file");
    assert_eq!(
        url["server_root"]["fingerprint_sha256"],
        sap().root.sha256()
    );
    assert_eq!(url["server_root_on"], json!([]));
    assert_eq!(
        url["acceptable_client_cas"],
        json!(["C=DE, O=btpcert tests, CN=Test Root CA"])
    );
    assert_eq!(url["client_certificate_requested"], true);
    assert_eq!(url["client_certificate_accepted"], true);
    assert_eq!(url["http_status"], 200);
    for id in [
        "tls-handshake",
        "server-chain-trusted",
        "server-root-not-on-btp-required",
        "client-certificate-accepted",
        "call-accepted",
    ] {
        assert!(has(url, id), "{id}: {url:#}");
    }
    let token = &v["endpoints"][1];
    assert_eq!(token["role"], "tokenurl");
    assert!(has(token, "token-issued"), "{token:#}");
    assert_eq!(token["http_status"], 200);
    // The token request and the call reached nginx with the certificate.
    let access = std::fs::read_to_string(d.path().join("n/access.log")).unwrap();
    assert!(access.contains("POST /oauth/token?grant_type=client_credentials HTTP/1.1\" 200"));
    assert!(
        access.contains("GET /api/v1/MessageProcessingLogs HTTP/1.1\" 200"),
        "{access}"
    );

    // Human output says the same.
    let a = btpcert()
        .args(["probe", &key, "--ca", &root])
        .env("NO_COLOR", "1")
        .assert()
        .success();
    let out = stdout_of(&a);
    assert!(out.contains("client certificate: accepted"), "{out}");
    assert!(out.contains("<- the chain sent reaches it"), "{out}");
    assert!(out.contains("[token-issued]"), "{out}");
}

#[test]
fn a_secret_key_against_servers_that_ask_for_no_certificate() {
    let d = TestDir::new();
    let mut site = Site::new(server_cert());
    site.basic = Some((CLIENT_ID, "right"));
    let s = site.start(&d, "n");
    let root = d.put("root.pem", sap().root.cert_pem());
    let tokenurl = format!("{}/oauth/token", base(&s));
    let key = secret_key(&d, "k.json", "right", &base(&s), &tokenurl);
    let (code, v, err) = probe(&[&key, "--ca", &root]);
    assert_eq!(code, 0, "{v:#}\n{err}");
    assert_eq!(v["key_kind"], "client-secret");
    assert!(v["client_certificate"].is_null());
    let url = &v["endpoints"][0];
    assert_eq!(url["client_certificate_requested"], false);
    assert!(url["client_certificate_accepted"].is_null());
    assert!(has(url, "call-accepted"), "{url:#}");
    assert!(has(&v["endpoints"][1], "token-issued"));

    // A wrong secret: the catalogue's bad-credentials, without the secret.
    let key = secret_key(&d, "w.json", "wrong-secret", &base(&s), &tokenurl);
    let (code, v, _) = probe(&[&key, "--ca", &root]);
    assert_eq!(code, 1);
    let t = &v["endpoints"][1];
    assert!(has(t, "bad-credentials"), "{t:#}");
    assert_eq!(t["http_status"], 401);
    assert!(!v.to_string().contains("wrong-secret"));
}

#[test]
fn token_refusals_are_explained() {
    let d = TestDir::new();
    let s = Site::new(server_cert()).mtls(&d).start(&d, "n");
    let root = d.put("root.pem", sap().root.cert_pem());
    for (path, id, words) in [
        (
            "/unsupported/token",
            "unsupported-instance-credential",
            "likely",
        ),
        (
            "/kba3224701/token",
            "certificate-not-in-one-key",
            "KBA 3224701",
        ),
        (
            "/certmsg/token",
            "token-certificate-refused",
            "objects to the client certificate",
        ),
    ] {
        let key = cert_key(&d, "k.json", &base(&s), &format!("{}{path}", base(&s)));
        let (code, v, _) = probe(&[&key, "--ca", &root]);
        assert_eq!(code, 1, "{v:#}");
        let t = &v["endpoints"][1];
        assert_eq!(t["http_status"], 401, "{t:#}");
        assert!(message(t, id).contains(words), "{t:#}");
        // `token` says the same, in one line.
        let a = btpcert()
            .args(["token", &key, "--ca", &root])
            .assert()
            .code(1);
        assert!(stderr_of(&a).contains(words), "{}", stderr_of(&a));
    }
}

#[test]
fn call_refusals_are_explained() {
    let d = TestDir::new();
    let s = Site::new(server_cert()).mtls(&d).start(&d, "n");
    let root = d.put("root.pem", sap().root.cert_pem());
    let tokenurl = format!("{}/oauth/token", base(&s));
    for (path, id, words) in [
        ("/http/pinned", "subject-issuer-not-accepted", "KBA 3538749"),
        ("/http/norole", "missing-role", "ESBMessaging.send"),
    ] {
        let key = cert_key(&d, "k.json", &format!("{}{path}", base(&s)), &tokenurl);
        let (code, v, _) = probe(&[&key, "--ca", &root]);
        assert_eq!(code, 1, "{v:#}");
        let u = &v["endpoints"][0];
        assert_eq!(u["http_status"], 403);
        assert!(message(u, id).contains(words), "{u:#}");
        // `call` prints the body and the catalogue's words as a note.
        let a = btpcert()
            .args(["call", &key, &format!("{}{path}", base(&s)), "--ca", &root])
            .assert()
            .code(1);
        assert!(stderr_of(&a).contains(words), "{}", stderr_of(&a));
    }
}

#[test]
fn a_token_for_another_client_is_a_clientid_mismatch() {
    let d = TestDir::new();
    let mut site = Site::new(server_cert()).mtls(&d);
    site.client_id = "sb-other!b9|it-rt-other!b196";
    let s = site.start(&d, "n");
    let root = d.put("root.pem", sap().root.cert_pem());
    let key = cert_key(
        &d,
        "k.json",
        &base(&s),
        &format!("{}/oauth/token", base(&s)),
    );
    let (code, v, _) = probe(&[&key, "--ca", &root]);
    assert_eq!(code, 1);
    let t = &v["endpoints"][1];
    assert!(
        has(t, "token-issued") && has(t, "clientid-mismatch"),
        "{t:#}"
    );
    assert!(message(t, "clientid-mismatch").contains("sb-other!b9"));
}

#[test]
fn a_client_chain_the_server_does_not_accept() {
    let d = TestDir::new();
    let s = Site::new(server_cert()).mtls(&d).start(&d, "n");
    let root = d.put("root.pem", sap().root.cert_pem());
    let (froot, fleaf) = foreign_chain();
    let mut o = oauth_certificate(&pems(&[&fleaf, &froot]), &fleaf.key_traditional_pem());
    o["url"] = json!(base(&s));
    o["tokenurl"] = json!(format!("{}/oauth/token", base(&s)));
    let key = d.put("other.json", json!({ "oauth": o }).to_string());
    let (code, v, _) = probe(&[&key, "--ca", &root]);
    assert_eq!(code, 1);
    let u = &v["endpoints"][0];
    assert!(has(u, "client-ca-not-accepted"), "{u:#}");
    assert!(has(u, "client-certificate-rejected"), "{u:#}");
    assert_eq!(u["client_certificate_accepted"], false);
    assert!(u["client_chain_reaches"].is_null());
    // No token is asked for where the handshake already failed.
    assert!(!has(&v["endpoints"][1], "token-issued"));
}

#[test]
fn optional_client_certificates_and_tls_1_2() {
    let d = TestDir::new();
    let mut site = Site::new(server_cert()).mtls(&d);
    site.extra.verify_optional = true;
    site.extra.protocols = Some("TLSv1.2");
    site.basic = Some((CLIENT_ID, "right"));
    let s = site.start(&d, "n");
    let root = d.put("root.pem", sap().root.cert_pem());
    // A secret key: asked for a certificate, sends none, and gets through.
    let key = secret_key(
        &d,
        "k.json",
        "right",
        &base(&s),
        &format!("{}/oauth/token", base(&s)),
    );
    let (code, v, err) = probe(&[&key, "--ca", &root]);
    assert_eq!(code, 0, "{v:#}\n{err}");
    let u = &v["endpoints"][0];
    assert_eq!(u["tls_version"], "TLSv1.2");
    assert_eq!(u["client_certificate_requested"], true);
    assert_eq!(
        u["acceptable_client_cas"],
        json!(["C=DE, O=btpcert tests, CN=Test Root CA"])
    );
    assert!(has(u, "call-accepted"));
}

#[test]
fn alerts_of_a_strict_server() {
    let d = TestDir::new();
    let h = sap();
    let cert = d.put("server.pem", server_cert().cert_pem());
    let key = d.put("server.key", server_cert().key_pkcs8_pem());
    let root = d.put("root.pem", h.root.cert_pem());
    let s = Server::openssl_mtls(&cert, &key, &root);
    let url = base(&s);

    // No client certificate: certificate_required.
    let (code, v, _) = probe(&[&format!("{url}/"), "--ca", &root]);
    assert_eq!(code, 1, "{v:#}");
    let u = &v["endpoints"][0];
    assert!(has(u, "certificate-required"), "{u:#}");
    assert_eq!(u["client_certificate_requested"], true);

    // A chain from another CA: unknown_ca.
    let (froot, fleaf) = foreign_chain();
    let c = d.put("other.pem", pems(&[&fleaf, &froot]));
    let k = d.put("other.key", fleaf.key_pkcs8_pem());
    let (code, v, _) = probe(&[&url, "--cert", &c, "--key", &k, "--ca", &root]);
    assert_eq!(code, 1);
    let u = &v["endpoints"][0];
    assert!(has(u, "unknown-ca"), "{u:#}");
    assert!(has(u, "client-ca-not-accepted"), "{u:#}");
    assert_eq!(u["client_certificate_accepted"], false);

    // An expired certificate under the right CA: certificate_expired.
    let expired = issue(
        &Spec {
            not_after: Y2020 + DAY,
            ..Spec::client("expired client")
        },
        Some(&h.root),
    );
    let c = d.put("expired.pem", pems(&[&expired, &h.root]));
    let k = d.put("expired.key", expired.key_pkcs8_pem());
    let (code, v, _) = probe(&[&url, "--cert", &c, "--key", &k, "--ca", &root]);
    assert_eq!(code, 1);
    assert!(has(&v["endpoints"][0], "certificate-expired"), "{v:#}");

    // The right certificate: accepted, s_server's status page answers.
    let c = d.put("good.pem", h.chain_pem());
    let k = d.put("good.key", h.leaf.key_pkcs8_pem());
    let (code, v, err) = probe(&[&url, "--cert", &c, "--key", &k, "--ca", &root]);
    assert_eq!(code, 0, "{v:#}\n{err}");
    let u = &v["endpoints"][0];
    assert_eq!(u["client_certificate_accepted"], true);
    assert_eq!(u["http_status"], 200);
}

#[test]
fn a_strict_tls_1_2_server() {
    let d = TestDir::new();
    let h = sap();
    let cert = d.put("server.pem", server_cert().cert_pem());
    let key = d.put("server.key", server_cert().key_pkcs8_pem());
    let root = d.put("root.pem", h.root.cert_pem());
    let port = free_port();
    let mut cmd = tool("timeout");
    cmd.args(["120", "openssl", "s_server", "-tls1_2", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-cert", &cert, "-key", &key, "-CAfile", &root])
        .args(["-Verify", "4", "-verify_return_error", "-www"]);
    let s = Server::start(cmd, port, None);
    // TLS 1.2 refuses a missing certificate with handshake_failure.
    let (code, v, _) = probe(&[&base(&s), "--ca", &root]);
    assert_eq!(code, 1);
    let u = &v["endpoints"][0];
    assert!(has(u, "certificate-required"), "{u:#}");
    assert_eq!(u["client_certificate_requested"], true);
    let c = d.put("good.pem", h.chain_pem());
    let k = d.put("good.key", h.leaf.key_pkcs8_pem());
    let (code, v, err) = probe(&[&base(&s), "--cert", &c, "--key", &k, "--ca", &root]);
    assert_eq!(code, 0, "{v:#}\n{err}");
    let u = &v["endpoints"][0];
    assert_eq!(u["tls_version"], "TLSv1.2");
    assert_eq!(u["client_certificate_accepted"], true);
}

#[test]
fn certurl_takes_certificate_token_requests() {
    let d = TestDir::new();
    let s = Site::new(server_cert()).mtls(&d).start(&d, "n");
    let plain = Site::new(server_cert()).start(&d, "p");
    let root = d.put("root.pem", sap().root.cert_pem());
    let h = sap();
    let mut o = oauth_certificate(&h.chain_pem(), &h.leaf.key_traditional_pem());
    o["url"] = json!(base(&s));
    // The secret host refuses certificates; certurl is the one for them.
    o["tokenurl"] = json!(format!("{}/unsupported/token", base(&plain)));
    o["certurl"] = json!(base(&s));
    let key = d.put("k.json", json!({ "oauth": o }).to_string());
    let (code, v, err) = probe(&[&key, "--ca", &root]);
    assert_eq!(code, 0, "{v:#}\n{err}");
    let roles: Vec<&str> = v["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["url", "tokenurl", "cert-tokenurl"]);
    assert_eq!(
        v["endpoints"][2]["url"],
        format!("{}/oauth/token", base(&s))
    );
    assert!(has(&v["endpoints"][2], "token-issued"));
    assert_eq!(v["endpoints"][1]["client_certificate_requested"], false);
    // `token` uses certurl as well.
    btpcert()
        .args(["token", &key, "--ca", &root])
        .assert()
        .success();

    // A certurl whose server asks for no certificate cannot take them.
    o["certurl"] = json!(base(&plain));
    let key = d.put("k2.json", json!({ "oauth": o }).to_string());
    let (code, v, _) = probe(&[&key, "--ca", &root]);
    assert_eq!(code, 1);
    let c = &v["endpoints"][2];
    assert!(has(c, "client-certificate-not-requested"), "{c:#}");
    assert!(message(c, "client-certificate-not-requested").contains("likely"));
}

#[test]
fn server_chains_that_clients_refuse() {
    let d = TestDir::new();
    let h = sap();
    let root = d.put("root.pem", h.root.cert_pem());
    let expired = issue(
        &Spec {
            not_after: Y2020 + DAY,
            ..Spec::server("127.0.0.1")
        },
        Some(&h.root),
    );
    let s = Site::new(&expired).start(&d, "e");
    let (code, v, _) = probe(&[&base(&s), "--ca", &root]);
    assert_eq!(code, 1);
    let u = &v["endpoints"][0];
    assert!(has(u, "server-certificate-expired"), "{u:#}");
    assert!(message(u, "server-certificate-expired").contains("2020-01-02"));

    let other_name = issue(&Spec::server("localhost"), Some(&h.root));
    let s = Site::new(&other_name).start(&d, "o");
    let (code, v, _) = probe(&[&base(&s), "--ca", &root]);
    assert_eq!(code, 1);
    assert!(has(&v["endpoints"][0], "server-name-mismatch"), "{v:#}");

    // Without --ca the root is nowhere: the sender's truststore needs it.
    let s = Site::new(server_cert()).start(&d, "n");
    let (code, v, _) = probe(&[&base(&s)]);
    assert_eq!(code, 1);
    let u = &v["endpoints"][0];
    assert!(has(u, "server-not-trusted"), "{u:#}");
    assert!(u["server_root"].is_null());
    assert!(message(u, "server-not-trusted").contains("CN=Test Root CA"));
}

#[test]
fn truststore_gets_the_root_and_never_a_look_alike() {
    let d = TestDir::new();
    let h = sap();
    let s = Site::new(server_cert()).start(&d, "n");
    let root = d.put("root.pem", h.root.cert_pem());
    let pw = d.put("pw", "changeit\n");
    let out = d.p("trust.p12");
    let (code, v, err) = probe(&[
        &base(&s),
        "--ca",
        &root,
        "--truststore",
        &out,
        "--password-file",
        &pw,
    ]);
    assert_eq!(code, 0, "{v:#}\n{err}");
    assert_eq!(v["truststore"]["roots"].as_array().unwrap().len(), 1);
    assert_eq!(
        v["truststore"]["roots"][0]["fingerprint_sha256"],
        h.root.sha256()
    );
    let listed = openssl(&[
        "pkcs12",
        "-in",
        &out,
        "-nokeys",
        "-passin",
        &format!("file:{pw}"),
    ]);
    assert!(listed.contains("CN = Test Root CA"), "{listed}");

    // A root that carries the name of DigiCert Global Root G2.
    let fake = issue(
        &Spec {
            subject: vec![
                ("C", "US".into()),
                ("O", "DigiCert Inc".into()),
                ("OU", "www.digicert.com".into()),
                ("CN", "DigiCert Global Root G2".into()),
            ],
            ..Spec::ca("x")
        },
        None,
    );
    let leaf = issue(&Spec::server("127.0.0.1"), Some(&fake));
    let mut site = Site::new(&leaf);
    site.chain = vec![&fake];
    let s = site.start(&d, "f");
    let out = d.p("fake.p12");
    let (code, v, err) = probe(&[&base(&s), "--truststore", &out, "--password-file", &pw]);
    assert_eq!(code, 1);
    let u = &v["endpoints"][0];
    assert!(has(u, "server-root-look-alike"), "{u:#}");
    assert_eq!(u["server_root"]["origin"], "sent");
    assert!(v["truststore"].is_null());
    assert!(!std::path::Path::new(&out).exists());
    assert!(err.contains("not written"), "{err}");
}

#[test]
fn a_key_that_does_not_match_is_found_before_it_is_presented() {
    let d = TestDir::new();
    let s = Site::new(server_cert()).mtls(&d).start(&d, "n");
    let root = d.put("root.pem", sap().root.cert_pem());
    let key = cert_key(
        &d,
        "k.json",
        &base(&s),
        &format!("{}/oauth/token", base(&s)),
    );
    let other = d.put(
        "other.key",
        Hierarchy::new(Alg::EcP256).leaf.key_pkcs8_pem(),
    );
    let (code, v, _) = probe(&[&key, "--key", &other, "--ca", &root]);
    assert_eq!(code, 1);
    assert_eq!(ids(&v), ["key-mismatch"]);
    // The servers are still shown; the identity is never sent.
    let u = &v["endpoints"][0];
    assert_eq!(u["tls_version"], "TLSv1.3");
    assert!(u["client_certificate_accepted"].is_null());
    let access = std::fs::read_to_string(d.path().join("n/access.log")).unwrap_or_default();
    assert!(!access.contains("oauth/token"), "{access}");
}

/// An HTTP CONNECT proxy on 127.0.0.1 that only tunnels to 127.0.0.1 and
/// records the request lines it got.
fn connect_proxy() -> (u16, Arc<Mutex<Vec<String>>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut c) = conn else { break };
            let log = log.clone();
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut b = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if c.read(&mut b).unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(b[0]);
                }
                let line = String::from_utf8_lossy(&head)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_string();
                log.lock().unwrap().push(line.clone());
                let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
                let up = match target.starts_with("127.0.0.1:") {
                    true => TcpStream::connect(&target).ok(),
                    false => None,
                };
                let Some(up) = up else {
                    let _ = c.write_all(b"HTTP/1.1 403 Forbidden\r\n\r\n");
                    return;
                };
                let _ = c.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                let (mut from, mut to) = (c.try_clone().unwrap(), up.try_clone().unwrap());
                let t = std::thread::spawn(move || {
                    let _ = std::io::copy(&mut from, &mut to);
                    let _ = to.shutdown(Shutdown::Write);
                });
                let (mut up, mut c) = (up, c);
                let _ = std::io::copy(&mut up, &mut c);
                let _ = c.shutdown(Shutdown::Write);
                let _ = t.join();
            });
        }
    });
    (port, seen)
}

#[test]
fn probes_go_through_the_https_proxy() {
    let d = TestDir::new();
    let s = Site::new(server_cert()).mtls(&d).start(&d, "n");
    let root = d.put("root.pem", sap().root.cert_pem());
    let key = cert_key(
        &d,
        "k.json",
        &base(&s),
        &format!("{}/oauth/token", base(&s)),
    );
    let (port, seen) = connect_proxy();
    let a = btpcert()
        .args(["probe", &key, "--ca", &root, "--json"])
        .env("HTTPS_PROXY", format!("http://127.0.0.1:{port}"))
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert!(has(&v["endpoints"][1], "token-issued"), "{v:#}");
    let lines = seen.lock().unwrap().clone();
    // Handshakes, token request and call all went through the tunnel.
    assert!(lines.len() >= 5, "{lines:?}");
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with(&format!("CONNECT 127.0.0.1:{} ", s.port))),
        "{lines:?}"
    );

    // A proxy that is down: said per endpoint, as token would.
    let dead = format!("http://127.0.0.1:{}", free_port());
    let a = btpcert()
        .args(["probe", &key, "--ca", &root, "--json", "--timeout", "5"])
        .env("HTTPS_PROXY", &dead)
        .assert()
        .code(1);
    let v: Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert!(has(&v["endpoints"][0], "connection-failed"), "{v:#}");
}

/// A server certificate for 127.0.0.1 under `issuer` whose AIA caIssuers
/// URL is `aia`.
fn server_with_aia(issuer: &Node, aia: &str) -> Node {
    issue(
        &Spec {
            aia: Some(aia.to_string()),
            ..Spec::server("127.0.0.1")
        },
        Some(issuer),
    )
}

#[test]
fn fetch_intermediates_follows_the_aia_url() {
    let d = TestDir::new();
    let root = issue(&Spec::ca("AIA Test Root"), None);
    let inter = issue(
        &Spec {
            path_len: Some(0),
            ..Spec::ca("AIA Test Server CA")
        },
        Some(&root),
    );
    let (hport, count) = http_server(vec![
        ("/inter.cer", inter.cert_der()),
        ("/big.cer", vec![0x30; 2 << 20]),
    ]);
    let leaf = server_with_aia(&inter, &format!("http://127.0.0.1:{hport}/inter.cer"));
    let s = Site::new(&leaf).start(&d, "n");
    let root_file = d.put("root.pem", root.cert_pem());

    // Offline by default: nothing fetched, and it says where the issuer is.
    let (code, v, _) = probe(&[&base(&s), "--ca", &root_file]);
    assert_eq!(code, 1);
    let u = &v["endpoints"][0];
    assert!(has(u, "server-not-trusted"), "{u:#}");
    assert!(message(u, "server-not-trusted").contains("--fetch-intermediates"));
    assert_eq!(count.load(Ordering::SeqCst), 0);

    let (code, v, err) = probe(&[&base(&s), "--ca", &root_file, "--fetch-intermediates"]);
    assert_eq!(code, 0, "{v:#}\n{err}");
    assert_eq!(count.load(Ordering::SeqCst), 1);
    let f = &v["fetched"][0];
    assert_eq!(f["url"], format!("http://127.0.0.1:{hport}/inter.cer"));
    assert_eq!(
        f["certificates"][0]["subject_dn"],
        "C=DE, O=btpcert tests, CN=AIA Test Server CA"
    );
    assert!(
        err.contains("fetched 'C=DE, O=btpcert tests, CN=AIA Test Server CA'"),
        "{err}"
    );
    let u = &v["endpoints"][0];
    assert!(has(u, "server-chain-incomplete"), "{u:#}");
    assert!(has(u, "server-chain-trusted"), "{u:#}");
    assert_eq!(u["server_root"]["fingerprint_sha256"], root.sha256());

    // An answer over 1 MiB is refused.
    let leaf = server_with_aia(&inter, &format!("http://127.0.0.1:{hport}/big.cer"));
    let s = Site::new(&leaf).start(&d, "b");
    let (code, v, err) = probe(&[&base(&s), "--ca", &root_file, "--fetch-intermediates"]);
    assert_eq!(code, 1);
    assert!(v["fetched"].as_array().unwrap().is_empty());
    assert!(err.contains("larger than 1024 KiB"), "{err}");
}

#[test]
fn usage_and_input_errors_exit_2() {
    let d = TestDir::new();
    let a = btpcert()
        .args(["probe", "http://127.0.0.1:9/"])
        .assert()
        .code(2);
    assert!(stderr_of(&a).contains("not an https URL"));
    let a = btpcert()
        .args(["probe", &d.p("missing.json")])
        .assert()
        .code(2);
    assert!(stderr_of(&a).contains("no such file"));
}
