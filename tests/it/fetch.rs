//! `--fetch-intermediates` on verify, check-external and connectivity: an
//! intermediate the files lack, fetched from the leaf's caIssuers URL on a
//! plain HTTP server on 127.0.0.1; offline without the option.

use std::sync::atomic::Ordering;

use serde_json::Value;

use crate::common::server::http_server;
use crate::common::*;

/// A root, an intermediate served at `/inter.cer`, and a client leaf whose
/// caIssuers URL names it.
struct Served {
    root: Node,
    inter: Node,
    leaf: Node,
    count: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    port: u16,
}

fn served(path: &'static str, leaf_spec: Spec) -> Served {
    let root = issue(&Spec::ca("Fetch Test Root"), None);
    let inter = issue(
        &Spec {
            path_len: Some(0),
            ..Spec::ca("Fetch Test Issuing CA")
        },
        Some(&root),
    );
    let (port, count) = http_server(vec![("/inter.cer", inter.cert_der())]);
    let leaf = issue(
        &Spec {
            aia: Some(format!("http://127.0.0.1:{port}{path}")),
            ..leaf_spec
        },
        Some(&inter),
    );
    Served {
        root,
        inter,
        leaf,
        count,
        port,
    }
}

/// Every check of a verify report as "id status message" lines.
fn checks(v: &Value) -> String {
    let mut all = v["chain"].to_string();
    for c in v["certificates"].as_array().into_iter().flatten() {
        all.push_str(&c["checks"].to_string());
    }
    all
}

fn run(args: &[&str]) -> (i32, Value, String) {
    let out = btpcert().args(args).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap(),
        v,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn verify_fetches_the_missing_intermediate_only_when_asked() {
    let s = served("/inter.cer", Spec::client("fetch-leaf"));
    let d = TestDir::new();
    let leaf = d.put("leaf.pem", s.leaf.cert_pem());
    let root = d.put("root.pem", s.root.cert_pem());
    let base = [
        "verify",
        "--json",
        "--no-system-roots",
        "--for",
        "iflow",
        "--roots",
        &root,
        &leaf,
    ];

    // Offline by default: the chain stops at the leaf, nothing is fetched.
    let (code, v, _) = run(&base);
    assert_eq!(code, 1);
    assert_eq!(v["certificates"].as_array().unwrap().len(), 1, "{v:#}");
    assert!(v.get("fetched").is_none(), "{v:#}");
    assert_eq!(s.count.load(Ordering::SeqCst), 0);

    let mut args = base.to_vec();
    args.push("--fetch-intermediates");
    let (_, v, err) = run(&args);
    assert_eq!(s.count.load(Ordering::SeqCst), 1);
    let certs = v["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 3, "{v:#}");
    assert_eq!(certs[1]["fingerprint_sha256"], s.inter.sha256());
    assert_eq!(certs[1]["origin"], "fetched");
    assert_eq!(certs[2]["fingerprint_sha256"], s.root.sha256());
    let all = checks(&v);
    assert!(all.contains("ends in the root 'Fetch Test Root'"), "{all}");
    assert!(!all.contains("missing"), "{all}");
    assert_eq!(
        v["fetched"][0]["url"],
        format!("http://127.0.0.1:{}/inter.cer", s.port)
    );
    assert_eq!(
        v["fetched"][0]["certificates"][0]["fingerprint_sha256"],
        s.inter.sha256()
    );
    assert!(
        err.contains("fetched 'C=DE, O=btpcert tests, CN=Fetch Test Issuing CA' for 'C=DE, O=btpcert tests, CN=fetch-leaf' from http://127.0.0.1:"),
        "{err}"
    );

    // Human output says where the intermediate came from.
    let human: Vec<&str> = args.iter().copied().filter(|a| *a != "--json").collect();
    let out = btpcert().args(&human).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("[fetched from a caIssuers URL]"), "{text}");
}

#[test]
fn a_failed_fetch_is_said_and_the_chain_stays_incomplete() {
    let s = served("/missing.cer", Spec::client("fetch-404"));
    let d = TestDir::new();
    let leaf = d.put("leaf.pem", s.leaf.cert_pem());
    let root = d.put("root.pem", s.root.cert_pem());
    let (code, v, err) = run(&[
        "verify",
        "--json",
        "--no-system-roots",
        "--roots",
        &root,
        "--fetch-intermediates",
        &leaf,
    ]);
    assert_eq!(code, 1);
    assert_eq!(s.count.load(Ordering::SeqCst), 1);
    assert_eq!(v["certificates"].as_array().unwrap().len(), 1);
    assert!(v.get("fetched").is_none(), "{v:#}");
    assert!(err.contains("answered HTTP 404"), "{err}");
    assert!(
        err.contains("fetching the issuer of 'C=DE, O=btpcert tests, CN=fetch-404'"),
        "{err}"
    );
}

#[test]
fn check_external_completes_the_chain_of_the_leaf_alone() {
    let s = served("/inter.cer", Spec::client("external-leaf"));
    let d = TestDir::new();
    let leaf = d.put("leaf.pem", s.leaf.cert_pem());
    let root = d.put("root.pem", s.root.cert_pem());
    let base = [
        "check-external",
        "--json",
        "--no-system-roots",
        "--allow-untrusted",
        "--roots",
        &root,
        &leaf,
    ];
    let (code, v, _) = run(&base);
    assert_eq!(code, 1, "{v:#}");
    assert!(v["parameters"].is_null());
    assert_eq!(s.count.load(Ordering::SeqCst), 0);

    let mut args = base.to_vec();
    args.push("--fetch-intermediates");
    let (code, v, err) = run(&args);
    assert_eq!(code, 0, "{v:#}\n{err}");
    assert_eq!(s.count.load(Ordering::SeqCst), 1);
    assert_eq!(
        v["fetched"][0]["certificates"][0]["subject_dn"],
        "C=DE, O=btpcert tests, CN=Fetch Test Issuing CA"
    );
    // SAP takes the leaf alone: the fetched intermediate is not in it.
    let x509 = v["parameters"]["X.509"].as_str().unwrap();
    assert_eq!(x509.matches("BEGIN CERTIFICATE").count(), 1);
    assert!(
        err.contains("fetched 'C=DE, O=btpcert tests, CN=Fetch Test Issuing CA'"),
        "{err}"
    );
}

#[test]
fn connectivity_completes_a_chain_sent_without_its_intermediate() {
    let s = served("/inter.cer", Spec::server("tenant.example"));
    let d = TestDir::new();
    let zip = d.put("download.zip", zip_of(&[("server.cer", s.leaf.cert_der())]));
    let root = d.put("root.pem", s.root.cert_pem());
    let base = [
        "connectivity",
        "--json",
        "--no-system-roots",
        "--roots",
        &root,
        &zip,
    ];
    let (code, v, _) = run(&base);
    assert_eq!(code, 1, "{v:#}");
    assert!(v["root"].is_null(), "{v:#}");
    assert_eq!(s.count.load(Ordering::SeqCst), 0);

    let mut args = base.to_vec();
    args.push("--fetch-intermediates");
    let (_, v, err) = run(&args);
    assert_eq!(s.count.load(Ordering::SeqCst), 1);
    assert_eq!(v["root"]["fingerprint_sha256"], s.root.sha256(), "{v:#}");
    assert_eq!(v["root"]["from"], "roots-file", "{v:#}");
    assert_eq!(
        v["fetched"][0]["certificates"][0]["fingerprint_sha256"],
        s.inter.sha256()
    );
    assert!(
        err.contains("fetched 'C=DE, O=btpcert tests, CN=Fetch Test Issuing CA'"),
        "{err}"
    );
}
