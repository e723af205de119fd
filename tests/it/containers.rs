//! Every container users have, read by the commands that read certificates:
//! keystores with every certificate and its relation to the key,
//! truststores (btpcert's, keytool's, OpenSSL's, JKS), keystores without a
//! password, DER PKCS#7 (`.p7b`) in and out. Each is made or read back by
//! the tool on the other side (openssl, keytool).

use std::path::Path;

use serde_json::Value;

use crate::common::*;
use crate::sapkeys::DIGICERT_G2;

fn json_of(a: &assert_cmd::assert::Assert) -> Value {
    serde_json::from_str(&stdout_of(a)).unwrap_or_else(|e| panic!("{e}: {}", stdout_of(a)))
}

/// Subjects as `openssl pkcs7 -inform DER -print_certs` lists them, in order.
fn p7b_subjects(file: &Path) -> Vec<String> {
    openssl(&[
        "pkcs7",
        "-inform",
        "DER",
        "-print_certs",
        "-noout",
        "-in",
        file.to_str().unwrap(),
    ])
    .lines()
    .filter_map(|l| l.strip_prefix("subject="))
    .map(|s| s.trim().to_string())
    .collect()
}

fn subject_of(pem: &str, d: &TestDir) -> String {
    let f = d.put("one.pem", pem);
    openssl(&["x509", "-noout", "-subject", "-in", &f])
        .trim()
        .strip_prefix("subject=")
        .unwrap()
        .trim()
        .to_string()
}

/// A keystore made by openssl: key, leaf, intermediate, root, and a
/// certificate of another hierarchy.
fn openssl_keystore(d: &TestDir, pass: &str) -> String {
    let h = sap();
    let other = issue(&Spec::ca("Unrelated Extra CA"), None);
    let key = d.put("leaf.key", h.leaf.key_pkcs8_pem());
    let leaf = d.put("leaf.pem", h.leaf.cert_pem());
    let extra = d.put("extra.pem", pems(&[&other, &h.root, &h.inter]));
    let out = d.p("store.pfx");
    openssl(&[
        "pkcs12",
        "-export",
        "-inkey",
        &key,
        "-in",
        &leaf,
        "-certfile",
        &extra,
        "-name",
        "Sender",
        "-passout",
        &format!("pass:{pass}"),
        "-out",
        &out,
    ]);
    out
}

#[test]
fn inspect_lists_every_certificate_of_a_keystore_with_its_relation() {
    let d = TestDir::new();
    let store = openssl_keystore(&d, "changeit");
    let pw = d.put("pw", "changeit\n");
    let a = btpcert()
        .args(["inspect", "--json", &store, "--password-file", &pw])
        .assert()
        .success();
    let v = json_of(&a);
    let f = &v["files"][0];
    assert_eq!(f["form"], "pkcs12");
    let entries = f["entries"].as_array().unwrap();
    let relations: Vec<&str> = entries
        .iter()
        .map(|e| e["relation"].as_str().unwrap())
        .collect();
    assert_eq!(relations, ["leaf", "chain", "chain", "unrelated"]);
    assert_eq!(entries[0]["alias"], "Sender");
    assert_eq!(entries[0]["fingerprint_sha256"], sap().leaf.sha256());
    assert_eq!(entries[1]["fingerprint_sha256"], sap().inter.sha256());
    assert_eq!(entries[2]["fingerprint_sha256"], sap().root.sha256());
    assert!(entries[3]["subject_dn"]
        .as_str()
        .unwrap()
        .contains("Unrelated Extra CA"));
    assert_eq!(f["certificates"].as_array().unwrap().len(), 4);
    assert_eq!(f["private_key"]["matches_leaf"], true);

    // Human output names the relation and the alias.
    let a = btpcert()
        .args(["inspect", &store, "--password-file", &pw])
        .assert()
        .success();
    let text = stdout_of(&a);
    assert!(text.contains("1. leaf      alias Sender"), "{text}");
    assert!(text.contains("4. unrelated alias -"), "{text}");

    // verify reads the same store: the unrelated certificate is named as such.
    let a = btpcert()
        .args([
            "verify",
            "--json",
            "--no-system-roots",
            &store,
            "--password-file",
            &pw,
        ])
        .assert();
    let v = json_of(&a);
    assert_eq!(v["certificates"].as_array().unwrap().len(), 3, "{v}");
    assert!(v["unrelated"][0]
        .as_str()
        .unwrap()
        .contains("Unrelated Extra CA"));
}

#[test]
fn truststores_of_btpcert_keytool_and_openssl_are_listed_and_judged() {
    let d = TestDir::new();
    let pw = d.put("pw", "changeit\n");
    let test_root = d.put("root.pem", sap().root.cert_pem());

    // btpcert's own truststore: a listed root and a private one; keytool
    // sees both as trusted entries.
    let ts = d.p("trust.p12");
    btpcert()
        .args([
            "truststore",
            DIGICERT_G2,
            &test_root,
            "-o",
            &ts,
            "--password-file",
            &pw,
        ])
        .assert()
        .success();
    let listing = keytool(&["-list", "-keystore", &ts, "-storepass", "changeit"]);
    assert_eq!(listing.matches("trustedCertEntry").count(), 2, "{listing}");

    let a = btpcert()
        .args(["inspect", "--json", &ts, "--password-file", &pw])
        .assert()
        .success();
    let v = json_of(&a);
    let entries = v["files"][0]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert!(v["files"][0]["private_key"].is_null());
    for e in entries {
        assert_eq!(e["relation"], "unrelated");
        assert_eq!(e["trusted_usage"], serde_json::json!(["2.5.29.37.0"]));
        assert_eq!(e["java_trusted"], true);
        assert!(e["alias"].as_str().is_some_and(|a| !a.is_empty()), "{e}");
    }
    let g2 = entries
        .iter()
        .find(|e| {
            e["subject_dn"]
                .as_str()
                .unwrap()
                .contains("DigiCert Global Root G2")
        })
        .unwrap();
    assert!(g2["lists"]
        .as_array()
        .unwrap()
        .contains(&Value::from("btp-required")));
    let mine = entries
        .iter()
        .find(|e| e["fingerprint_sha256"] == sap().root.sha256())
        .unwrap();
    assert_eq!(mine["lists"], serde_json::json!([]));

    // verify judges its roots instead of refusing it: G2 is on btp-required.
    let a = btpcert()
        .args(["verify", &ts, "--password-file", &pw])
        .assert()
        .success();
    let text = stdout_of(&a);
    assert!(text.contains("Truststore"), "{text}");
    assert!(text.contains("on btp-required"), "{text}");
    assert!(!text.contains("holds no private key"), "{text}");
    let a = btpcert()
        .args([
            "trust",
            "check",
            "--list",
            "btp-required",
            &ts,
            "--password-file",
            &pw,
            "--json",
        ])
        .assert()
        .success();
    let v = json_of(&a);
    assert_eq!(v["truststore"], true);
    assert_eq!(v["path"].as_array().unwrap().len(), 2);
    assert!(v["matched"]["subject_dn"]
        .as_str()
        .unwrap()
        .contains("DigiCert Global Root G2"));

    // A PKCS#12 truststore made by keytool (Java writes the trusted-key-usage
    // attribute itself), holding the test root only: on no list.
    let kt = d.p("keytool.p12");
    keytool(&[
        "-importcert",
        "-noprompt",
        "-alias",
        "Test Root",
        "-file",
        &test_root,
        "-keystore",
        &kt,
        "-storetype",
        "PKCS12",
        "-storepass",
        "changeit",
    ]);
    let a = btpcert()
        .args(["inspect", "--json", &kt, "--password-file", &pw])
        .assert()
        .success();
    let e = &json_of(&a)["files"][0]["entries"][0];
    assert_eq!(e["alias"], "Test Root");
    assert_eq!(e["trusted_usage"], serde_json::json!(["2.5.29.37.0"]));
    let a = btpcert()
        .args(["verify", "--json", &kt, "--password-file", &pw])
        .assert()
        .code(1);
    let v = json_of(&a);
    assert_eq!(
        (v["status"].as_str(), v["list"].as_str()),
        (Some("fail"), Some("btp-required"))
    );
    let a = btpcert()
        .args([
            "trust",
            "check",
            "--list",
            "btp-required",
            &kt,
            "--password-file",
            &pw,
        ])
        .assert()
        .code(1);
    assert!(
        stdout_of(&a).contains("none of the 1 certificate of the truststore"),
        "{}",
        stdout_of(&a)
    );

    // OpenSSL 3.0 writes no trusted-key-usage attribute: Java does not see
    // the certificate, and btpcert says so.
    let os = d.p("openssl.p12");
    openssl(&[
        "pkcs12",
        "-export",
        "-nokeys",
        "-in",
        DIGICERT_G2,
        "-passout",
        "pass:changeit",
        "-out",
        &os,
    ]);
    let listing = keytool(&["-list", "-keystore", &os, "-storepass", "changeit"]);
    assert!(listing.contains("contains 0 entries"), "{listing}");
    let a = btpcert()
        .args(["verify", "--json", &os, "--password-file", &pw])
        .assert()
        .success();
    let v = json_of(&a);
    assert_eq!(v["status"], "warn");
    assert!(
        v["warnings"][0]
            .as_str()
            .unwrap()
            .contains("trusted-key-usage"),
        "{v}"
    );
    assert!(v["certificates"][0]["trusted_usage"].is_null());

    // A JKS truststore made by keytool.
    let jks = d.p("trust.jks");
    keytool(&[
        "-importcert",
        "-noprompt",
        "-alias",
        "g2",
        "-file",
        DIGICERT_G2,
        "-keystore",
        &jks,
        "-storetype",
        "JKS",
        "-storepass",
        "changeit",
    ]);
    let a = btpcert()
        .args(["verify", "--json", &jks, "--password-file", &pw])
        .assert()
        .success();
    let v = json_of(&a);
    assert_eq!(v["status"], "ok", "{v}");
    assert_eq!(v["certificates"][0]["java_trusted"], true);
    let a = btpcert()
        .args(["inspect", "--json", &jks, "--password-file", &pw])
        .assert()
        .success();
    let f = &json_of(&a)["files"][0];
    assert_eq!(f["form"], "jks");
    assert_eq!(f["entries"][0]["alias"], "g2");
    btpcert()
        .args([
            "trust",
            "check",
            "--list",
            "btp-required",
            &jks,
            "--password-file",
            &pw,
        ])
        .assert()
        .success();
}

#[test]
fn a_pkcs12_named_jks_is_read_as_pkcs12_and_a_jks_key_entry_is_read() {
    let d = TestDir::new();
    let pw = d.put("pw", "changeit\n");
    // A PKCS#12 under a .jks name: told by its bytes.
    let fake = d.p("client.jks");
    std::fs::copy(openssl_keystore(&d, "changeit"), &fake).unwrap();
    let a = btpcert()
        .args(["inspect", "--json", &fake, "--password-file", &pw])
        .assert()
        .success();
    assert_eq!(json_of(&a)["files"][0]["form"], "pkcs12");

    // A real JKS key entry made by keytool, with a trusted entry beside it.
    let jks = d.p("real.jks");
    keytool(&[
        "-genkeypair",
        "-alias",
        "me",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-dname",
        "CN=me",
        "-keystore",
        &jks,
        "-storetype",
        "JKS",
        "-storepass",
        "changeit",
        "-keypass",
        "changeit",
    ]);
    let root = d.put("root.pem", sap().root.cert_pem());
    keytool(&[
        "-importcert",
        "-noprompt",
        "-alias",
        "extra",
        "-file",
        &root,
        "-keystore",
        &jks,
        "-storepass",
        "changeit",
    ]);
    let a = btpcert()
        .args(["inspect", "--json", &jks, "--password-file", &pw])
        .assert()
        .success();
    let f = &json_of(&a)["files"][0];
    assert_eq!(f["form"], "jks");
    assert_eq!(f["entries"][0]["relation"], "leaf");
    assert_eq!(f["entries"][0]["alias"], "me");
    assert_eq!(f["entries"][1]["relation"], "unrelated");
    assert_eq!(f["private_key"]["matches_leaf"], true);
    // extract writes its key and leaf, and leaves the trusted entry out.
    let out = d.path().join("o");
    let a = btpcert()
        .args([
            "extract",
            &jks,
            "--password-file",
            &pw,
            "--no-system-roots",
            "-o",
        ])
        .arg(&out)
        .assert();
    assert!(
        stderr_of(&a).contains("left out 1 certificate"),
        "{}",
        stderr_of(&a)
    );
    let chain = std::fs::read_to_string(out.join("certificate.pem")).unwrap();
    assert_eq!(chain.matches("BEGIN CERTIFICATE").count(), 1);
    assert_eq!(subject_of(&chain, &d), "CN = me");
    let key_pub = openssl(&[
        "pkey",
        "-pubout",
        "-in",
        out.join("key.pem").to_str().unwrap(),
    ]);
    let cert_pub = openssl(&[
        "x509",
        "-noout",
        "-pubkey",
        "-in",
        out.join("certificate.pem").to_str().unwrap(),
    ]);
    assert_eq!(key_pub, cert_pub);
    // In JSON, the entry left out is among the unrelated certificates.
    let a = btpcert()
        .args(["extract", &jks, "--password-file", &pw, "--no-system-roots"])
        .args(["--json", "--force", "-o"])
        .arg(&out)
        .assert();
    let v = json_of(&a);
    let unrelated = v["unrelated_certificates"].as_array().unwrap();
    assert_eq!(unrelated.len(), 1, "{v}");
    assert_ne!(unrelated[0], "CN=me", "{v}");
}

#[test]
fn a_keystore_without_a_password_is_read_back_with_no_password() {
    let d = TestDir::new();
    let key = d.put("k.json", cockpit_key(sap()));
    let p12 = d.p("open.p12");
    btpcert()
        .args(["p12", &key, "-o", &p12, "--no-password"])
        .assert()
        .success();
    // OpenSSL reads it with the empty password, as btpcert does.
    openssl(&[
        "pkcs12", "-in", &p12, "-passin", "pass:", "-nokeys", "-noout",
    ]);
    let a = btpcert()
        .args(["inspect", "--json", &p12, "--no-password"])
        .assert()
        .success();
    let f = &json_of(&a)["files"][0];
    assert_eq!(f["certificates"].as_array().unwrap().len(), 3);
    assert_eq!(f["private_key"]["matches_leaf"], true);
    // Without --no-password and without a terminal: no prompt, an error.
    let a = btpcert().args(["inspect", &p12]).assert().code(2);
    assert!(
        stderr_of(&a).contains("--password-file"),
        "{}",
        stderr_of(&a)
    );
    // --no-password with a password option is a usage error.
    let pw = d.put("pw", "x\n");
    btpcert()
        .args(["verify", &p12, "--no-password", "--password-file", &pw])
        .assert()
        .code(2);

    // The test hierarchy is on no SAP list: a verdict (exit 1), not an input error.
    let a = btpcert()
        .args([
            "verify",
            "--json",
            &p12,
            "--no-password",
            "--no-system-roots",
        ])
        .assert()
        .code(1);
    assert_eq!(json_of(&a)["certificates"].as_array().unwrap().len(), 3);
    btpcert()
        .args([
            "trust",
            "check",
            "--list",
            "btp-required",
            &p12,
            "--no-password",
            "--no-system-roots",
        ])
        .assert()
        .code(1);

    // extract from the keystore writes the files a service key gives.
    let out = d.path().join("pem");
    btpcert()
        .args(["extract", &p12, "--no-password", "--no-system-roots", "-o"])
        .arg(&out)
        .assert()
        .success();
    let chain = std::fs::read_to_string(out.join("certificate.pem")).unwrap();
    assert_eq!(chain, sap().chain_pem());
    assert_eq!(mode(&out.join("key.pem")), 0o600);
    let key_pub = openssl(&[
        "pkey",
        "-pubout",
        "-in",
        out.join("key.pem").to_str().unwrap(),
    ]);
    let leaf = d.put("leaf.pem", sap().leaf.cert_pem());
    assert_eq!(
        key_pub,
        openssl(&["x509", "-noout", "-pubkey", "-in", &leaf])
    );

    // check-external and key-params take its leaf.
    let a = btpcert()
        .args([
            "check-external",
            &p12,
            "--no-password",
            "--no-system-roots",
            "--allow-untrusted",
            "--json",
        ])
        .assert();
    let v = json_of(&a);
    assert_eq!(v["leaf"]["fingerprint_sha256"], sap().leaf.sha256(), "{v}");
    let single = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "single-leaf")
        .unwrap();
    assert_eq!(single["status"], "ok", "{single}");
    assert!(
        single["message"].as_str().unwrap().contains(
            "of its 3 certificates, the private key's own is the one certificate SAP gets"
        ),
        "{single}"
    );
    let a = btpcert()
        .args(["key-params", &p12, "--no-password"])
        .assert()
        .success();
    let v: Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    assert_eq!(v["key-type"], "certificate_external");
    let one_line: String = sap().leaf.cert_pem().lines().collect();
    assert_eq!(v["X.509"], one_line);
}

#[test]
fn postman_takes_the_key_and_chain_of_a_keystore() {
    let d = TestDir::new();
    let h = sap();
    let key = d.put("k.json", cockpit_key(h));
    let p12 = d.p("mine.p12");
    let pw = d.put("pw", "kit-pass\n");
    btpcert()
        .args(["p12", &key, "-o", &p12, "--password-file", &pw])
        .assert()
        .success();
    let mut oauth = oauth_certificate(&h.leaf.cert_pem(), "");
    let o = oauth.as_object_mut().unwrap();
    o.remove("key");
    o.remove("certificatedetails");
    o.insert("certificate-pinning".into(), Value::Bool(true));
    let ext = d.put(
        "ext.json",
        serde_json::json!({ "oauth": oauth }).to_string(),
    );
    let kit = d.path().join("kit");
    btpcert()
        .args([
            "postman",
            &ext,
            "--key",
            &p12,
            "--password-file",
            &pw,
            "--no-system-roots",
            "-o",
        ])
        .arg(&kit)
        .assert()
        .success();
    let crt = std::fs::read_to_string(kit.join("client.crt")).unwrap();
    assert_eq!(crt, h.chain_pem());
    // The PFX written is read by OpenSSL with the kit's password.
    let certs = openssl(&[
        "pkcs12",
        "-in",
        kit.join("client.pfx").to_str().unwrap(),
        "-passin",
        "pass:kit-pass",
        "-nokeys",
    ]);
    assert_eq!(certs.matches("BEGIN CERTIFICATE").count(), 3);
}

#[test]
fn der_pkcs7_is_read_everywhere_and_written_by_extract_and_chain_split() {
    let d = TestDir::new();
    let h = sap();
    let chain = d.put("chain.pem", h.chain_pem());
    let p7b = d.p("chain.p7b");
    openssl_p7b(&chain, &p7b);
    // Named .bin: told by its content type, not by its name.
    let bin = d.p("bundle.bin");
    std::fs::copy(&p7b, &bin).unwrap();
    for f in [&p7b, &bin] {
        let a = btpcert().args(["inspect", "--json", f]).assert().success();
        let v = json_of(&a);
        assert_eq!(v["files"][0]["form"], "pkcs7");
        let fps: Vec<&str> = v["files"][0]["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["fingerprint_sha256"].as_str().unwrap())
            .collect();
        assert_eq!(fps, [h.leaf.sha256(), h.inter.sha256(), h.root.sha256()]);
    }
    let a = btpcert()
        .args(["verify", "--json", "--no-system-roots", &p7b])
        .assert();
    let v = json_of(&a);
    assert_eq!(v["certificates"].as_array().unwrap().len(), 3, "{v}");
    assert_eq!(v["certificates"][2]["role"], "root");

    // extract --p7b: chain.p7b lists what certificate.pem holds, in order.
    let out = d.path().join("x");
    let a = btpcert()
        .args(["extract", &p7b, "--p7b", "--no-system-roots", "-o"])
        .arg(&out)
        .assert()
        .success();
    assert!(stdout_of(&a).contains("chain.p7b"), "{}", stdout_of(&a));
    let pem = std::fs::read_to_string(out.join("certificate.pem")).unwrap();
    assert_eq!(pem, h.chain_pem());
    let want: Vec<String> = [&h.leaf, &h.inter, &h.root]
        .iter()
        .map(|n| subject_of(&n.cert_pem(), &d))
        .collect();
    assert_eq!(p7b_subjects(&out.join("chain.p7b")), want);

    // chain split --p7b from shuffled PEM: the p7b is ordered leaf first.
    let shuffled = d.put("shuffled.pem", pems(&[&h.root, &h.leaf, &h.inter]));
    let split = d.path().join("s");
    let a = btpcert()
        .args(["chain", "split", &shuffled, "--p7b", "-o"])
        .arg(&split)
        .assert()
        .success();
    assert!(stdout_of(&a).contains("chain.p7b"), "{}", stdout_of(&a));
    assert_eq!(p7b_subjects(&split.join("chain.p7b")), want);
    // And btpcert reads its own p7b back.
    let a = btpcert()
        .args([
            "inspect",
            "--json",
            split.join("chain.p7b").to_str().unwrap(),
        ])
        .assert()
        .success();
    assert_eq!(
        json_of(&a)["files"][0]["certificates"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn audit_reads_a_der_p7b() {
    let d = TestDir::new();
    let h = sap();
    let chain = d.put("chain.pem", h.chain_pem());
    std::fs::create_dir(d.path().join("scan")).unwrap();
    let p7b = d.p("scan/windows-export.p7b");
    openssl_p7b(&chain, &p7b);
    let a = btpcert()
        .args(["audit", "--json", "--no-system-roots", &d.p("scan")])
        .assert();
    let v = json_of(&a);
    let rows = v["rows"].as_array().unwrap();
    assert!(!rows.is_empty(), "{v}");
    assert!(rows.iter().all(|r| r["kind"] != "unreadable"), "{v}");
    assert!(
        rows.iter()
            .any(|r| r["subject"].as_str().is_some_and(|s| s.contains("sb-test"))),
        "{v}"
    );
}

#[test]
fn a_keystore_whose_key_has_no_certificate_is_said_to_be_so() {
    // A private key and three certificates, none of them the key's.
    let h = sap();
    let other = issue(&Spec::client("other"), None);
    let mut cas = openssl::stack::Stack::new().unwrap();
    for n in [&h.leaf, &h.inter, &h.root] {
        cas.push(n.cert.clone()).unwrap();
    }
    let mut b = openssl::pkcs12::Pkcs12::builder();
    b.pkey(&other.key).ca(cas);
    let der = b.build2("").unwrap().to_der().unwrap();
    let d = TestDir::new();
    let p12 = d.put("nomatch.p12", der);
    for cmd in [
        vec!["check-external", &p12, "--no-password", "--no-system-roots"],
        vec!["key-params", &p12, "--no-password"],
        vec!["extract", &p12, "--no-password", "-o", &d.p("out")],
    ] {
        let a = btpcert().args(&cmd).assert().code(2);
        let err = stderr_of(&a);
        assert!(
            err.contains("holds 3 certificates and a private key, but no certificate of that key"),
            "{cmd:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    assert!(!Path::new(&d.p("out")).exists());
}

/// The iterations `openssl pkcs12 -info` reports for the file's MAC, its
/// encrypted safes and its shrouded keys, added up.
fn openssl_iterations(file: &str, password: &str) -> u64 {
    let out = tool("openssl")
        .args(["pkcs12", "-info", "-noout", "-nokeys", "-in", file])
        .args(["-passin", &format!("pass:{password}")])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    text.lines()
        .filter_map(|l| l.split("Iteration ").nth(1))
        .map(|n| {
            n.split(|c: char| !c.is_ascii_digit())
                .next()
                .unwrap()
                .parse::<u64>()
                .unwrap()
        })
        .sum()
}

#[test]
fn key_derivations_are_counted_as_openssl_reports_them() {
    use btpcert::keystore::pkcs12::key_derivations;
    let d = TestDir::new();
    let mut files: Vec<(String, String)> = Vec::new();
    for profile in ["modern", "compat"] {
        let (out, _) = sample_p12(
            &d,
            &format!("{profile}.p12"),
            "changeit",
            &["--profile", profile],
        );
        files.push((out, "changeit".into()));
    }
    let key = d.p("k.json");
    // OpenSSL's own export, with iterations of its choosing.
    let pem = d.p("pem");
    btpcert()
        .args(["extract", &key, "-o", &pem])
        .assert()
        .success();
    let by_openssl = d.p("openssl.p12");
    let (cert, key_pem) = (format!("{pem}/certificate.pem"), format!("{pem}/key.pem"));
    openssl(&[
        "pkcs12",
        "-export",
        "-iter",
        "3000",
        "-maciter",
        "-in",
        &cert,
        "-inkey",
        &key_pem,
        "-out",
        &by_openssl,
        "-passout",
        "pass:changeit",
    ]);
    files.push((by_openssl, "changeit".into()));
    let vectors = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pkcs12-vectors");
    for (name, password) in [
        ("name-all-pwd.p12", "password"),
        ("cert-key-aes256cbc.p12", "cryptography"),
        ("cert-aes256cbc-no-key.p12", "cryptography"),
        ("no-cert-key-aes256cbc.p12", "cryptography"),
    ] {
        files.push((vectors.join(name).display().to_string(), password.into()));
    }
    for (file, password) in &files {
        let der = std::fs::read(file).unwrap();
        let ours = key_derivations(&der, &btpcert::secret::Secret::new(password));
        assert_eq!(ours, Some(openssl_iterations(file, password)), "{file}");
        assert!(ours.unwrap() >= 2048, "{file}");
    }
}

/// The standard error of `inspect` of a PKCS#12 file that must be refused
/// (exit 2) before OpenSSL derives a key: a file asking for billions of
/// iterations would keep it busy for hours, which the timeout catches; six
/// million take seconds.
fn refused_at_once(file: &str, password_file: &str) -> String {
    let a = btpcert()
        .args(["inspect", file, "--password-file", password_file])
        .timeout(std::time::Duration::from_secs(30))
        .assert()
        .code(2);
    stderr_of(&a)
}

#[test]
fn a_pkcs12_file_asking_for_billions_of_iterations_is_refused_at_once() {
    use btpcert::x509::der::{tlv, Reader};
    let d = TestDir::new();
    let (good, pw) = sample_p12(&d, "good.p12", "changeit", &[]);
    // The same file with its MAC asking for 2^31 - 1 iterations: hours of
    // work for OpenSSL before it could say anything. With the safe of
    // certificates and the key, 2,048 each, that would be 2,147,487,743 in
    // all; the MAC's count alone is beyond the bound, and is what is said.
    let der = std::fs::read(&good).unwrap();
    let mut pfx = Reader::new(&der).read(0x30).unwrap();
    let version = pfx.read(0x02).unwrap().rest();
    let auth_safe = pfx.read(0x30).unwrap().rest();
    let mut mac_data = pfx.read(0x30).unwrap();
    let digest_info = mac_data.read(0x30).unwrap().rest();
    let salt = mac_data.read(0x04).unwrap().rest();
    let mac = [
        tlv(0x30, digest_info),
        tlv(0x04, salt),
        tlv(0x02, &[0x7f, 0xff, 0xff, 0xff]),
    ]
    .concat();
    let hostile = tlv(
        0x30,
        &[tlv(0x02, version), tlv(0x30, auth_safe), tlv(0x30, &mac)].concat(),
    );
    let bad = d.put("bad.p12", hostile);
    let started = std::time::Instant::now();
    let err = refused_at_once(&bad, &pw);
    assert!(
        err.contains("bad.p12: asks for 2147483647 key-derivation iterations in all, more than the 5000000 btpcert allows"),
        "{err}"
    );
    eprintln!("refused in {:?}", started.elapsed());
    // The same in BER, its outer SEQUENCE of indefinite length, as some
    // Windows exports are: OpenSSL reads that form too, and so is it counted.
    let content = Reader::new(&std::fs::read(&bad).unwrap())
        .read(0x30)
        .unwrap()
        .rest()
        .to_vec();
    let ber = d.put("ber.p12", [&[0x30, 0x80][..], &content, &[0, 0]].concat());
    let err = refused_at_once(&ber, &pw);
    assert!(
        err.contains("ber.p12: asks for 2147483647 key-derivation iterations in all"),
        "{err}"
    );
    // And the file as written opens.
    btpcert()
        .args(["inspect", &good, "--password-file", &pw])
        .assert()
        .success();
}

#[test]
fn odd_and_hostile_pkcs12_files_are_counted_wherever_their_derivations_hide() {
    // testdata/pkcs12-hostile: derivations in BER parameters, in
    // safe-contents bags and inside encrypted safes; each file is refused
    // before OpenSSL derives more than the bound, or opens.
    use btpcert::keystore::pkcs12::key_derivations;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pkcs12-hostile");
    let d = TestDir::new();
    let pw = d.put("pw", "changeit");
    let refused = [
        ("r1-mac-huge-undecodable-safes.p12", 2_147_483_647u64),
        ("r2-ber-params-mac-huge.p12", 2_147_483_647),
        ("r3-nested-key-6m-valid.p12", 6_004_096),
        ("r3-nested-key-huge.p12", 2_147_487_743),
        ("r4a-enc-safe-key-6m.p12", 6_004_096),
        ("r4b-enc-safe-key-huge-plus-ber-bag.p12", 2_147_489_791),
        ("r4c-enc-safe-nested-key-6m.p12", 6_004_096),
    ];
    for (name, n) in refused {
        let file = dir.join(name).display().to_string();
        let err = refused_at_once(&file, &pw);
        assert!(
            err.contains(&format!(
                "{name}: asks for {n} key-derivation iterations in all"
            )),
            "{err}"
        );
    }
    // Within the bound: they open, and the count is what OpenSSL lists.
    for name in [
        "r2-ber-params-valid.p12",
        "r4d-enc-safe-key-2048.p12",
        "t-ber-outer-valid.p12",
    ] {
        let file = dir.join(name).display().to_string();
        btpcert()
            .args(["inspect", &file, "--password-file", &pw])
            .assert()
            .success();
        let der = std::fs::read(&file).unwrap();
        let ours = key_derivations(&der, &btpcert::secret::Secret::new("changeit"));
        assert_eq!(ours, Some(openssl_iterations(&file, "changeit")), "{name}");
        assert_eq!(ours, Some(6_144), "{name}");
    }
}

#[test]
fn odd_pkcs12_bags_are_read_as_pkcs12_parse_reads_them() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pkcs12-hostile");
    let d = TestDir::new();
    let pw = d.put("pw", "changeit");
    let inspect = |name: &str| {
        btpcert()
            .args(["inspect", &dir.join(name).display().to_string()])
            .args(["--password-file", &pw, "--json"])
            .assert()
    };
    let aliases = |name: &str| -> Vec<serde_json::Value> {
        let v: serde_json::Value =
            serde_json::from_str(&stdout_of(&inspect(name).success())).unwrap();
        v["files"][0]["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["alias"].clone())
            .collect()
    };
    // A name OpenSSL cannot convert gives no alias; one holding a NUL
    // is kept whole.
    assert_eq!(aliases("n-emoji.p12"), [serde_json::Value::Null]);
    assert_eq!(aliases("n-nulname.p12"), [serde_json::json!("ab\u{0}cd")]);
    // A certificate in BER opens, as OpenSSL decodes it.
    assert_eq!(aliases("n-bercert.p12").len(), 1);
    // A friendly name that is no BMPString is refused, as OpenSSL does.
    let v: serde_json::Value =
        serde_json::from_str(&stdout_of(&inspect("n-utf8name.p12").code(2))).unwrap();
    let e = v["files"][0]["error"].as_str().unwrap();
    assert!(e.contains("a friendly name that is not a BMPString"), "{e}");
}
