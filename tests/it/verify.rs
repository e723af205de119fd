//! `btpcert verify`, `chain split`, `trust` and `check-external` on
//! generated hierarchies, with the verification time pinned.

use serde_json::Value;

use crate::common::*;

const AT: &str = "2030-06-01T00:00:00Z";
const DIGICERT_G2: &str = "/usr/share/ca-certificates/mozilla/DigiCert_Global_Root_G2.crt";
const DIGICERT_G2_SHA256: &str =
    "CB:3C:CB:B7:60:31:E5:E0:13:8F:8D:D3:9A:23:F9:DE:47:FF:C3:5E:43:C1:14:4C:EA:27:D4:6A:5A:B1:CB:5F";

/// Runs `verify --json --at AT --no-system-roots` plus `args`; returns (exit code, report).
fn verify_json(args: &[&str]) -> (i32, Value) {
    let out = btpcert()
        .args(["verify", "--json", "--at", AT, "--no-system-roots"])
        .args(args)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("no JSON: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), v)
}

/// Every check of the report as (id, status, message).
fn all_checks(v: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut push = |list: &Value| {
        for c in list.as_array().unwrap() {
            out.push((
                c["id"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
                c["message"].as_str().unwrap().to_string(),
            ));
        }
    };
    for c in v["certificates"].as_array().unwrap() {
        push(&c["checks"]);
    }
    push(&v["chain"]);
    for s in v["scenarios"].as_array().unwrap() {
        push(&s["checks"]);
    }
    out
}

fn has(v: &Value, id: &str, status: &str, text: &str) -> bool {
    all_checks(v)
        .iter()
        .any(|(i, s, m)| i == id && s == status && m.contains(text))
}

fn failing(v: &Value) -> Vec<String> {
    all_checks(v)
        .into_iter()
        .filter(|c| c.1 == "fail")
        .map(|c| c.0)
        .collect()
}

#[test]
fn good_chain_passes_every_check_but_trust() {
    let f = TestDir::new();
    let k = f.put("k.json", cockpit_key(sap()));
    let (code, v) = verify_json(&["--for", "iflow", &k]);
    // A root off SAP's public list is a warning pointing to SAP Note 2801396.
    assert_eq!(
        code, 0,
        "a test root is not on SAP's public list: a warning"
    );
    assert!(failing(&v).is_empty());
    assert_eq!(v["certificates"].as_array().unwrap().len(), 3);
    assert_eq!(v["certificates"][0]["role"], "leaf");
    assert_eq!(v["certificates"][1]["role"], "intermediate");
    assert_eq!(v["certificates"][2]["role"], "root");
    assert!(has(&v, "key-match", "ok", "belongs to the leaf"));
    assert!(has(&v, "client-auth-eku", "ok", "clientAuth"));
    assert!(has(&v, "whole-chain", "ok", ""));
    assert!(has(
        &v,
        "complete",
        "ok",
        "ends in the root 'Test Root CA' (in the chain given)"
    ));
    assert!(has(
        &v,
        "root-trusted",
        "warn",
        &format!("(SHA-256 {}) is not on btp-approved", sap().root.sha256())
    ));
    assert_eq!(v["scenarios"][0]["trusted"], false);
}

#[test]
fn default_scenarios_follow_the_key_kind() {
    let f = TestDir::new();
    let k = f.put("k.json", cockpit_key(sap()));
    let (_, v) = verify_json(&[&k]);
    let names: Vec<&str> = v["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["scenario"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["iflow", "token"]);
    let pem = f.put("chain.pem", sap().chain_pem());
    let (_, v) = verify_json(&[&pem]);
    let names: Vec<&str> = v["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["scenario"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["iflow", "token"]);
}

#[test]
fn shuffled_chain_is_ordered_with_a_warning() {
    let h = sap();
    let f = TestDir::new();
    let shuffled = f.put("s.pem", pems(&[&h.inter, &h.root, &h.leaf]));
    let (_, v) = verify_json(&["--for", "iflow", &shuffled]);
    assert!(has(&v, "order", "warn", "not given leaf first"));
    assert_eq!(v["certificates"][0]["fingerprint_sha256"], h.leaf.sha256());
    assert_eq!(v["certificates"][2]["fingerprint_sha256"], h.root.sha256());
    assert!(failing(&v).is_empty());
}

#[test]
fn chain_split_orders_files() {
    let h = sap();
    let f = TestDir::new();
    let shuffled = f.put("s.pem", pems(&[&h.root, &h.leaf, &h.inter]));
    let out = f.p("split");
    btpcert()
        .args(["chain", "split", &shuffled, "-o", &out])
        .assert()
        .success();
    let names = entries(std::path::Path::new(&out));
    assert_eq!(
        names,
        vec![
            "cert-1-sb-test-b1-it-rt-test-b2.pem",
            "cert-2-test-client-ca.pem",
            "cert-3-test-root-ca.pem"
        ]
    );
    assert_eq!(
        std::fs::read_to_string(format!("{out}/cert-1-sb-test-b1-it-rt-test-b2.pem")).unwrap(),
        h.leaf.cert_pem()
    );
    // Again: refused, files exist.
    btpcert()
        .args(["chain", "split", &shuffled, "-o", &out])
        .assert()
        .code(2);
}

#[test]
fn missing_intermediate() {
    let h = sap();
    let f = TestDir::new();
    let pem = f.put("c.pem", pems(&[&h.leaf, &h.root]));
    let (code, v) = verify_json(&["--for", "iflow", &pem]);
    assert_eq!(code, 1);
    assert!(has(
        &v,
        "complete",
        "fail",
        "issuer 'C=DE, O=btpcert tests, CN=Test Client CA' of 'sb-test!b1|it-rt-test!b2' not found"
    ));
    assert!(has(&v, "unrelated", "warn", "Test Root CA"));

    // With the intermediate from --roots the path is complete, but a sender
    // must present it: SAP's load balancer holds roots only.
    let inter = f.put("inter.pem", h.inter.cert_pem());
    let (_, v) = verify_json(&["--for", "iflow", "--roots", &inter, &pem]);
    assert!(has(&v, "complete", "ok", ""));
    assert!(has(
        &v,
        "whole-chain",
        "fail",
        "intermediate 'Test Client CA' is missing from the chain given"
    ));
}

#[test]
fn root_from_roots_file() {
    let h = sap();
    let f = TestDir::new();
    let pem = f.put("c.pem", pems(&[&h.leaf, &h.inter]));
    let root = f.put("root.pem", h.root.cert_pem());
    let (_, v) = verify_json(&["--for", "iflow", "--roots", &root, &pem]);
    assert!(has(
        &v,
        "complete",
        "ok",
        "ends in the root 'Test Root CA' (from --roots)"
    ));
    assert_eq!(v["certificates"][2]["origin"], "roots-file");
    assert!(has(&v, "whole-chain", "ok", ""));
}

#[test]
fn unreadable_roots_file_is_fatal() {
    let f = TestDir::new();
    let pem = f.put("c.pem", sap().chain_pem());
    let bad = f.put("bad.pem", "not a certificate");
    let a = btpcert()
        .args(["verify", &pem, "--roots", &bad])
        .assert()
        .code(2);
    assert!(stderr_of(&a).contains("bad.pem"));
    let a = btpcert()
        .args(["verify", &pem, "--roots", &f.p("missing.pem")])
        .assert()
        .code(2);
    assert!(stderr_of(&a).contains("missing.pem: no such file"));
}

fn chain_with_leaf(leaf: &Spec) -> (TestDir, String) {
    let h = sap();
    let l = issue(leaf, Some(&h.inter));
    let f = TestDir::new();
    let p = f.put("c.pem", pems(&[&l, &h.inter, &h.root]));
    (f, p)
}

#[test]
fn expired_leaf() {
    let (_f, p) = chain_with_leaf(&Spec {
        not_after: Y2020 + 5 * 365 * DAY,
        ..Spec::client("old")
    });
    let (code, v) = verify_json(&["--for", "iflow", &p]);
    assert_eq!(code, 1);
    assert!(has(
        &v,
        "validity",
        "fail",
        "expired on 2024-12-30T00:00:00Z"
    ));
}

#[test]
fn not_yet_valid_leaf() {
    let (_f, p) = chain_with_leaf(&Spec {
        not_before: Y2120 - 365 * DAY,
        ..Spec::client("future")
    });
    let (_, v) = verify_json(&["--for", "iflow", &p]);
    assert!(has(
        &v,
        "validity",
        "fail",
        "not valid yet: valid from 2119-01-01"
    ));
}

#[test]
fn expiring_soon_is_a_warning() {
    // AT is 2030-06-01; this leaf ends 2030-06-11.
    let end = 1_907_366_400; // 2030-06-11T00:00:00Z
    let (_f, p) = chain_with_leaf(&Spec {
        not_after: end,
        ..Spec::client("soon")
    });
    let (_, v) = verify_json(&["--for", "iflow", &p]);
    assert!(has(&v, "validity", "warn", "expires in 10 days"));
    let (_, v) = verify_json(&["--for", "iflow", "--warn-days", "5", &p]);
    assert!(has(&v, "validity", "ok", "10 days left"));
}

#[test]
fn leaf_without_client_auth() {
    let (_f, p) = chain_with_leaf(&Spec {
        eku: Eku::None,
        ..Spec::client("no-eku")
    });
    // RFC 5280: no EKU extension means no restriction; SAP does not say
    // whether its load balancer takes such a leaf, so a warning.
    let (code, v) = verify_json(&["--for", "iflow", &p]);
    assert_eq!(code, 0, "{v}");
    assert!(has(
        &v,
        "client-auth-eku",
        "warn",
        "has no extended key usage extension: RFC 5280 leaves it unrestricted"
    ));
    let (_f, p) = chain_with_leaf(&Spec {
        eku: Eku::ServerAuth,
        ..Spec::client("server-only")
    });
    let (_, v) = verify_json(&["--for", "token", &p]);
    assert!(has(
        &v,
        "client-auth-eku",
        "fail",
        "has extended key usage serverAuth only"
    ));
    // The human output says what to do.
    let a = btpcert()
        .args([
            "verify",
            "--at",
            AT,
            "--no-system-roots",
            "--for",
            "iflow",
            &p,
        ])
        .assert()
        .code(1);
    assert!(stdout_of(&a).contains("✗ the leaf has extended key usage serverAuth only"));
}

#[test]
fn intermediate_without_ca_flag() {
    let h = sap();
    let fake_ca = issue(&Spec::client("Not A CA"), Some(&h.root));
    let leaf = issue(&Spec::client("leaf"), Some(&fake_ca));
    let f = TestDir::new();
    let p = f.put("c.pem", pems(&[&leaf, &fake_ca, &h.root]));
    let (_, v) = verify_json(&["--for", "iflow", &p]);
    assert!(has(
        &v,
        "basic-constraints",
        "fail",
        "not a CA certificate (basicConstraints CA:TRUE missing)"
    ));
}

#[test]
fn path_length_exceeded() {
    let h = sap();
    // h.inter has pathlen 0: a CA below it breaks the constraint.
    let sub = issue(&Spec::ca("Sub CA"), Some(&h.inter));
    let leaf = issue(&Spec::client("leaf"), Some(&sub));
    let f = TestDir::new();
    let p = f.put("c.pem", pems(&[&leaf, &sub, &h.inter, &h.root]));
    let (_, v) = verify_json(&["--for", "iflow", &p]);
    assert!(has(
        &v,
        "path-length",
        "fail",
        "path length limit 0 is exceeded"
    ));
}

#[test]
fn key_mismatch() {
    let f = TestDir::new();
    let p = f.put("c.pem", sap().chain_pem());
    let other = issue(&Spec::client("other"), None);
    let k = f.put("other.key", other.key_pkcs8_pem());
    let (code, v) = verify_json(&["--for", "iflow", "--key", &k, &p]);
    assert_eq!(code, 1);
    assert!(has(
        &v,
        "key-match",
        "fail",
        "does not belong to the leaf 'sb-test!b1|it-rt-test!b2'"
    ));
    let good = f.put("good.key", sap().leaf.key_traditional_pem());
    let (_, v) = verify_json(&["--for", "iflow", "--key", &good, &p]);
    assert!(has(&v, "key-match", "ok", ""));
}

#[test]
fn ec_chain() {
    let h = Hierarchy::new(Alg::EcP256);
    let f = TestDir::new();
    let p = f.put("c.pem", h.chain_pem());
    let k = f.put("k.pem", h.leaf.key_traditional_pem());
    let (_, v) = verify_json(&["--for", "iflow", "--key", &k, &p]);
    assert!(failing(&v).is_empty());
    assert!(has(&v, "key-strength", "ok", "key EC P-256"));
    assert!(has(&v, "key-match", "ok", ""));
}

#[test]
fn weak_rsa_key() {
    let h = sap();
    let weak = PKeyPair::rsa(1024);
    let leaf = issue_with_key(&Spec::client("weak"), Some(&h.inter), weak);
    let f = TestDir::new();
    let p = f.put("c.pem", pems(&[&leaf, &h.inter, &h.root]));
    let (_, v) = verify_json(&["--for", "iflow", &p]);
    assert!(has(&v, "key-strength", "fail", "RSA key of 1024 bits"));
}

#[test]
fn duplicates_are_reported() {
    let h = sap();
    let f = TestDir::new();
    let p = f.put(
        "c.pem",
        format!("{}{}{}", h.chain_pem(), h.leaf.cert_pem(), ""),
    );
    let (_, v) = verify_json(&["--for", "iflow", &p]);
    assert!(has(&v, "duplicate", "warn", "given twice"));
}

fn spoofed_g2() -> Hierarchy {
    let subject = vec![
        ("C", "US".to_string()),
        ("O", "DigiCert Inc".to_string()),
        ("OU", "www.digicert.com".to_string()),
        ("CN", "DigiCert Global Root G2".to_string()),
    ];
    let root = issue(
        &Spec {
            subject,
            ..Spec::ca("")
        },
        None,
    );
    let inter = issue(
        &Spec {
            path_len: Some(0),
            ..Spec::ca("Evil Client CA")
        },
        Some(&root),
    );
    let leaf = issue(&Spec::client("victim"), Some(&inter));
    Hierarchy { root, inter, leaf }
}

#[test]
fn name_spoofed_root_never_passes() {
    let h = spoofed_g2();
    let f = TestDir::new();
    let p = f.put("c.pem", h.chain_pem());
    for scenario in ["iflow", "token", "server"] {
        let (code, v) = verify_json(&["--for", scenario, &p]);
        assert_eq!(code, 1, "{scenario}");
        assert_eq!(v["scenarios"][0]["trusted"], false);
        let msgs: Vec<String> = all_checks(&v)
            .into_iter()
            .filter(|c| c.1 == "fail")
            .map(|c| c.2)
            .collect();
        let joined = msgs.join("\n");
        assert!(
            joined.contains(&h.root.sha256()),
            "{scenario}: own fingerprint missing: {joined}"
        );
        assert!(
            joined.contains(DIGICERT_G2_SHA256),
            "{scenario}: SAP's fingerprint missing: {joined}"
        );
        assert!(
            joined.contains("is not the CA SAP trusts under that name"),
            "{joined}"
        );
    }
    let a = btpcert()
        .args([
            "trust",
            "check",
            "--no-system-roots",
            "--list",
            "btp-required",
            &p,
        ])
        .assert()
        .code(1);
    let out = stdout_of(&a);
    assert!(out.starts_with("no: "), "{out}");
    assert!(out.contains(DIGICERT_G2_SHA256), "{out}");
}

#[test]
fn real_public_root_recognised_by_fingerprint() {
    if !std::path::Path::new(DIGICERT_G2).exists() {
        panic!("this test needs Debian's ca-certificates ({DIGICERT_G2}): run scripts/test");
    }
    let (code, v) = verify_json(&["--for", "server", DIGICERT_G2]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["scenarios"][0]["trusted"], true);
    assert_eq!(
        v["scenarios"][0]["anchor"]["fingerprint_sha256"],
        DIGICERT_G2_SHA256
    );
    assert_eq!(
        v["scenarios"][0]["anchor"]["lists"],
        serde_json::json!(["btp-required", "btp-approved", "xsuaa-x509"])
    );
    for list in ["btp-required", "btp-approved", "xsuaa-x509"] {
        let a = btpcert()
            .args(["trust", "check", "--list", list, DIGICERT_G2])
            .assert()
            .success();
        assert!(stdout_of(&a).starts_with("yes: "));
    }
    // ISRG Root X1 is required but not on XSUAA's list.
    let isrg = "/usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt";
    btpcert()
        .args(["trust", "check", "--list", "btp-required", isrg])
        .assert()
        .success();
    btpcert()
        .args(["trust", "check", "--list", "xsuaa-x509", isrg])
        .assert()
        .code(1);
}

#[test]
fn root_found_in_the_system_bundle() {
    // A chain given without its root: the system bundle completes it. Here
    // the "chain" is a cross-check: a custom bundle via SSL_CERT_FILE.
    let h = sap();
    let f = TestDir::new();
    let bundle = f.put(
        "bundle.pem",
        format!(
            "{}{}",
            std::fs::read_to_string(DIGICERT_G2).unwrap(),
            h.root.cert_pem()
        ),
    );
    let p = f.put("c.pem", pems(&[&h.leaf, &h.inter]));
    let out = btpcert()
        .args(["verify", "--json", "--at", AT, "--for", "iflow", &p])
        .env("SSL_CERT_FILE", &bundle)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["certificates"][2]["origin"], "system");
    assert!(has(&v, "complete", "ok", "from the system's CA bundle"));
}

#[test]
fn trust_list_output() {
    let a = btpcert()
        .args(["trust", "list", "--list", "xsuaa-x509"])
        .assert()
        .success();
    let out = stdout_of(&a);
    assert!(out.starts_with("xsuaa-x509 (5 entries)"), "{out}");
    assert!(out.contains("DigiCert SHA2 Secure Server CA"));
    let a = btpcert()
        .args(["trust", "list", "--json"])
        .assert()
        .success();
    let v: Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    let e = v["entries"].as_array().unwrap();
    assert_eq!(e.iter().filter(|x| x["list"] == "btp-required").count(), 10);
    btpcert()
        .args(["trust", "list", "--list", "nope"])
        .assert()
        .code(2);
}

#[test]
fn check_external_prints_parameters() {
    let h = sap();
    let f = TestDir::new();
    let leaf = f.put("leaf.pem", h.leaf.cert_pem());
    let inter = f.put("inter.pem", h.inter.cert_pem());
    let root = f.put("root.pem", h.root.cert_pem());
    // The test root is not SAP's: a problem, no parameters.
    let a = btpcert()
        .args([
            "check-external",
            "--json",
            "--at",
            AT,
            "--no-system-roots",
            &leaf,
            &inter,
            "--roots",
            &root,
        ])
        .assert()
        .code(1);
    let v: Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    assert!(v["parameters"].is_null());
    // Allowed explicitly: the parameters SAP expects, leaf only, one line.
    let out = f.p("params.json");
    let a = btpcert()
        .args([
            "check-external",
            "--json",
            "--at",
            AT,
            "--no-system-roots",
            "--allow-untrusted",
            "--pin",
        ])
        .args([&leaf, &inter, "--roots", &root, "-o", &out])
        .assert()
        .success();
    let v: Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    assert_eq!(v["status"], "warn");
    let p: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(p, v["parameters"]);
    assert_eq!(p["key-type"], "certificate_external");
    assert_eq!(p["certificate-pinning"], true);
    let x509 = p["X.509"].as_str().unwrap();
    assert!(!x509.contains('\n'));
    assert!(x509.starts_with("-----BEGIN CERTIFICATE-----MII"));
    assert!(x509.ends_with("-----END CERTIFICATE-----"));
    assert_eq!(x509.matches("BEGIN").count(), 1);
    // The one-line PEM is the leaf itself.
    let back = btpcert()
        .arg("unescape")
        .write_stdin(x509)
        .assert()
        .success();
    assert_eq!(stdout_of(&back), h.leaf.cert_pem());
}

#[test]
fn check_external_refuses_a_chain_and_missing_eku() {
    let h = sap();
    let f = TestDir::new();
    let chain = f.put("chain.pem", h.chain_pem());
    let a = btpcert()
        .args([
            "check-external",
            "--json",
            "--at",
            AT,
            "--no-system-roots",
            "--allow-untrusted",
            &chain,
        ])
        .assert()
        .code(1);
    let v: Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    let msgs = v["checks"].to_string();
    assert!(
        msgs.contains("holds 3 certificates: SAP accepts only the leaf"),
        "{msgs}"
    );
    assert!(v["parameters"].is_null());

    let no_eku = issue(
        &Spec {
            eku: Eku::None,
            ..Spec::client("no-eku")
        },
        Some(&h.inter),
    );
    let p = f.put("noeku.pem", no_eku.cert_pem());
    let inter = f.put("inter.pem", h.inter.cert_pem());
    let root = f.put("root.pem", h.root.cert_pem());
    let a = btpcert()
        .args([
            "check-external",
            "--at",
            AT,
            "--no-system-roots",
            "--allow-untrusted",
            &p,
            &inter,
            "--roots",
            &root,
        ])
        .assert()
        .code(0);
    // A warning: the parameters are printed, the checklist goes to stderr.
    let params: Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    assert_eq!(params["key-type"], "certificate_external", "{params}");
    assert!(params["X.509"]
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN CERTIFICATE-----"));
    let err = stderr_of(&a);
    assert!(err.contains("no extended key usage extension"), "{err}");
    assert!(!err.contains("not Client Authentication"), "{err}");
}

#[test]
fn ed25519_chain_and_mixed_algorithms() {
    // An Ed25519 root signing an RSA intermediate signing an EC leaf.
    let root = issue(
        &Spec {
            alg: Alg::Ed25519,
            ..Spec::ca("Ed Root")
        },
        None,
    );
    let inter = issue(&Spec::ca("RSA Inter"), Some(&root));
    let leaf = issue(
        &Spec {
            alg: Alg::EcP256,
            ..Spec::client("ec leaf")
        },
        Some(&inter),
    );
    let f = TestDir::new();
    let p = f.put("c.pem", pems(&[&leaf, &inter, &root]));
    let k = f.put("k.pem", leaf.key_pkcs8_pem());
    let (_, v) = verify_json(&["--for", "iflow", "--key", &k, &p]);
    assert!(
        has(&v, "complete", "ok", "ends in the root 'Ed Root'"),
        "{v}"
    );
    assert!(has(&v, "key-match", "ok", ""));
    assert!(has(&v, "key-strength", "warn", "key Ed25519"));
    assert_eq!(v["certificates"][2]["role"], "root");
}

#[test]
fn tampered_signature_is_caught() {
    let h = sap();
    // Flip one bit in the leaf's signature (the last bytes of the DER).
    let mut der = h.leaf.cert_der();
    let n = der.len();
    der[n - 5] ^= 0x01;
    let tampered = openssl::x509::X509::from_der(&der).unwrap();
    let f = TestDir::new();
    let p = f.put(
        "c.pem",
        format!(
            "{}{}{}",
            String::from_utf8(tampered.to_pem().unwrap()).unwrap(),
            h.inter.cert_pem(),
            h.root.cert_pem()
        ),
    );
    let (code, v) = verify_json(&["--for", "iflow", &p]);
    assert_eq!(code, 1);
    assert!(
        has(
            &v,
            "complete",
            "fail",
            "the signature does not verify with its key (wrong or replaced certificate)"
        ),
        "{v}"
    );
    // A tampered EC signature too.
    let e = Hierarchy::new(Alg::EcP256);
    let mut der = e.leaf.cert_der();
    let n = der.len();
    der[n - 3] ^= 0x01;
    let p = f.put("e.der", &der);
    let inter = f.put("i.pem", e.inter.cert_pem());
    let (_, v) = verify_json(&["--for", "iflow", &p, &inter]);
    assert!(has(&v, "complete", "fail", "does not verify"), "{v}");
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let f = TestDir::new();
    let p = f.put("c.pem", sap().chain_pem());
    let cmd = format!(
        "{} verify --no-system-roots --for server --at {AT} {p}",
        env!("CARGO_BIN_EXE_btpcert")
    );
    // `script` runs the command on a pseudo-terminal.
    let on_tty = |no_color: bool| {
        let mut c = tool("script");
        c.args(["-qec", &cmd, "/dev/null"]).env_remove("NO_COLOR");
        if no_color {
            c.env("NO_COLOR", "1");
        }
        String::from_utf8_lossy(&c.output().unwrap().stdout).into_owned()
    };
    let coloured = on_tty(false);
    assert!(coloured.contains("\u{1b}[31m✗\u{1b}[0m"), "{coloured:?}");
    assert!(coloured.contains("\u{1b}[32m✓\u{1b}[0m"));
    let plain = on_tty(true);
    assert!(
        plain.contains("✗ root 'Test Root CA'") && !plain.contains('\u{1b}'),
        "{plain:?}"
    );
    // Into a pipe: no colour either.
    let a = btpcert()
        .args([
            "verify",
            "--no-system-roots",
            "--for",
            "server",
            "--at",
            AT,
            &p,
        ])
        .assert()
        .code(1);
    assert!(!stdout_of(&a).contains('\u{1b}'));
}

#[test]
fn certificate_details_that_do_not_match_the_leaf() {
    let h = sap();
    let f = TestDir::new();
    let good = f.put("good.json", cockpit_key(h));
    let (_, v) = verify_json(&["--for", "iflow", &good]);
    assert!(
        has(
            &v,
            "details",
            "ok",
            "oauth.certificatedetails describe the leaf"
        ),
        "{v}"
    );
    let mut o = oauth_certificate(&h.chain_pem(), &h.leaf.key_traditional_pem());
    o["certificatedetails"]["serialnumber"] = serde_json::json!("0x1234");
    let bad = f.put("bad.json", serde_json::json!({ "oauth": o }).to_string());
    let (_, v) = verify_json(&["--for", "iflow", &bad]);
    assert!(
        has(
            &v,
            "details",
            "warn",
            "oauth.certificatedetails.serialnumber 0x1234 is not the serial number of the leaf"
        ),
        "{v}"
    );
    // The sample key in testdata is consistent.
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/service-key.json");
    let (_, v) = verify_json(&[sample]);
    assert!(has(&v, "details", "ok", ""), "{v}");
}

#[test]
fn the_path_chosen_is_the_one_valid_at_the_time_asked() {
    // A renewed intermediate in --roots: same name, same key, two validity
    // periods. `--at` inside the first period must pick the first one.
    let root = issue(&Spec::ca("Renewal Root"), None);
    let key = issue(&Spec::ca("Renewed CA"), Some(&root)).key;
    let old = issue_with_key(
        &Spec {
            not_after: Y2020 + 3 * 365 * DAY,
            ..Spec::ca("Renewed CA")
        },
        Some(&root),
        key.clone(),
    );
    let new = issue_with_key(
        &Spec {
            not_before: Y2020 + 4 * 365 * DAY,
            ..Spec::ca("Renewed CA")
        },
        Some(&root),
        key,
    );
    let leaf = issue(&Spec::client("renewal-leaf"), Some(&old));
    let f = TestDir::new();
    let alone = f.put("c.pem", leaf.cert_pem());
    let r = f.put("roots.pem", pems(&[&root, &new, &old]));
    // Or both given in the chain itself, in either order.
    let old_first = f.put("old-first.pem", pems(&[&leaf, &old, &new]));
    let new_first = f.put("new-first.pem", pems(&[&leaf, &new, &old]));
    let run = |at: &str, p: &str| {
        let out = btpcert()
            .args(["verify", "--json", "--no-system-roots", "--for", "server"])
            .args(["--at", at, "--roots", &r, p])
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code().unwrap(), v)
    };
    for (at, want, p) in [
        ("2021-06-01T00:00:00Z", &old, &alone),
        ("2030-06-01T00:00:00Z", &new, &alone),
        ("2021-06-01T00:00:00Z", &old, &new_first),
        ("2030-06-01T00:00:00Z", &new, &old_first),
        ("2021-06-01T00:00:00Z", &old, &old_first),
        ("2030-06-01T00:00:00Z", &new, &new_first),
    ] {
        let (_, v) = run(at, p);
        let inter = &v["certificates"][1];
        assert_eq!(inter["subject_dn"], "C=DE, O=btpcert tests, CN=Renewed CA");
        assert_eq!(
            inter["fingerprint_sha256"],
            want.sha256(),
            "{at} {p}: {inter}"
        );
        assert!(
            !inter["checks"].to_string().contains("\"fail\""),
            "{at}: {inter}"
        );
    }
}
