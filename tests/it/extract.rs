//! `btpcert extract` from every form of service key users have.

use std::path::Path;

use serde_json::json;

use crate::common::server::Server;
use crate::common::*;

/// Runs extract on `content` and checks certificate.pem and key.pem hold
/// exactly the SAP hierarchy, leaf first, in files openssl accepts.
fn extract_ok(content: &[u8], expect_key: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input");
    std::fs::write(&input, content).unwrap();
    let out = dir.path().join("out");
    btpcert()
        .arg("extract")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    check_outputs(&out, expect_key);
    dir
}

fn check_outputs(out: &Path, expect_key: bool) {
    let h = sap();
    let chain = std::fs::read_to_string(out.join("certificate.pem")).unwrap();
    assert!(!chain.contains('\r'), "CRLF in certificate.pem");
    assert!(chain.ends_with("-----END CERTIFICATE-----\n"));
    assert!(
        chain.lines().all(|l| l.len() <= 64),
        "lines wider than 64 columns"
    );
    let certs: Vec<Vec<u8>> = openssl::x509::X509::stack_from_pem(chain.as_bytes())
        .unwrap()
        .iter()
        .map(|c| c.to_der().unwrap())
        .collect();
    assert_eq!(
        certs,
        h.chain_der(),
        "chain differs from the input or is not leaf first"
    );
    openssl(&[
        "x509",
        "-in",
        out.join("certificate.pem").to_str().unwrap(),
        "-noout",
    ]);
    let key_path = out.join("key.pem");
    if expect_key {
        assert_eq!(mode(&key_path), 0o600);
        assert_eq!(mode(&out.join("certificate.pem")), 0o644);
        let key = std::fs::read_to_string(&key_path).unwrap();
        assert!(
            key.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"),
            "key not kept as PKCS#1"
        );
        let k = openssl::pkey::PKey::private_key_from_pem(key.as_bytes()).unwrap();
        assert!(k.public_eq(&h.leaf.key));
        openssl(&["pkey", "-in", key_path.to_str().unwrap(), "-noout"]);
    } else {
        assert!(!key_path.exists());
    }
}

fn oauth() -> serde_json::Value {
    let h = sap();
    oauth_certificate(&h.chain_pem(), &h.leaf.key_traditional_pem())
}

#[test]
fn cockpit_json() {
    extract_ok(cockpit_key(sap()).as_bytes(), true);
}

#[test]
fn cf_v7_output_with_oauth() {
    let body = serde_json::to_string_pretty(&json!({ "oauth": oauth() })).unwrap();
    let text = format!("Getting key k1 for service instance cpi as dev@example.com...\n\n{body}\n");
    extract_ok(text.as_bytes(), true);
}

#[test]
fn cf_v7_output_flat_credentials() {
    let body = serde_json::to_string_pretty(&oauth())
        .unwrap()
        .replace("  ", " ");
    let text = format!("Getting key k1 for service instance cpi as dev@example.com...\n\n{body}\n");
    extract_ok(text.as_bytes(), true);
}

#[test]
fn cf_v8_output() {
    let body =
        serde_json::to_string_pretty(&json!({ "credentials": { "oauth": oauth() } })).unwrap();
    let text =
        format!("Getting key k1 for service instance cpi as dev@example.com...\n\n{body}\n\n");
    extract_ok(text.as_bytes(), true);
}

#[test]
fn cf_json_output() {
    let body = serde_json::to_string(&json!({ "credentials": { "oauth": oauth() } })).unwrap();
    extract_ok(body.as_bytes(), true);
}

#[test]
fn btp_binding_output() {
    let body = serde_json::to_string_pretty(&json!({
        "id": "6a0d3c1e-0000-4000-8000-00000000000a",
        "name": "k1",
        "service_instance_id": "0f6e",
        "credentials": { "oauth": oauth() },
        "ready": true
    }))
    .unwrap();
    extract_ok(body.as_bytes(), true);
}

#[test]
fn flat_object() {
    let h = sap();
    let body = json!({
        "clientid": CLIENT_ID,
        "certificate": h.chain_pem(),
        "key": h.leaf.key_traditional_pem()
    });
    extract_ok(body.to_string().as_bytes(), true);
}

#[test]
fn double_escaped_values() {
    // Values holding literal backslash-n, as when a displayed key is copied.
    let h = sap();
    let esc = |s: &str| s.replace('\n', "\\n");
    let body = json!({ "oauth": {
        "clientid": CLIENT_ID,
        "certificate": esc(&h.chain_pem()),
        "key": esc(&h.leaf.key_traditional_pem()),
        "tokenurl": TOKEN_URL
    }});
    let text = body.to_string();
    assert!(text.contains("\\\\n"));
    extract_ok(text.as_bytes(), true);
}

#[test]
fn crlf_trailing_blanks_and_no_final_newline() {
    let h = sap();
    let messy = |s: &str| s.replace('\n', "  \r\n").trim_end().to_string();
    let body = json!({ "oauth": {
        "clientid": CLIENT_ID,
        "certificate": messy(&h.chain_pem()),
        "key": messy(&h.leaf.key_traditional_pem()),
    }});
    extract_ok(body.to_string().as_bytes(), true);
}

#[test]
fn one_line_pem_and_blocks_run_together() {
    let h = sap();
    let one_line = |s: &str| s.replace('\n', "");
    let chain = one_line(&h.chain_pem());
    assert!(chain.contains("-----END CERTIFICATE----------BEGIN CERTIFICATE-----"));
    let body = json!({ "oauth": {
        "clientid": CLIENT_ID,
        "certificate": chain,
        "key": one_line(&h.leaf.key_traditional_pem()),
    }});
    extract_ok(body.to_string().as_bytes(), true);
}

#[test]
fn bare_pem_with_literal_newlines() {
    let h = sap();
    let text = format!("{}{}", h.chain_pem(), h.leaf.key_traditional_pem()).replace('\n', "\\n");
    extract_ok(text.as_bytes(), true);
}

#[test]
fn quoted_value_pasted_from_json() {
    let h = sap();
    let text = format!("\"{}\",\n", h.chain_pem().replace('\n', "\\n"));
    extract_ok(text.as_bytes(), false);
}

#[test]
fn bare_pem_chain_only() {
    extract_ok(sap().chain_pem().as_bytes(), false);
}

#[test]
fn der_certificate() {
    let h = sap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("leaf.cer");
    std::fs::write(&input, h.leaf.cert_der()).unwrap();
    let out = dir.path().join("out");
    btpcert()
        .arg("extract")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let pem = std::fs::read_to_string(out.join("certificate.pem")).unwrap();
    assert_eq!(pem, h.leaf.cert_pem());
}

#[test]
fn standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    btpcert()
        .args(["extract", "-", "-o"])
        .arg(&out)
        .write_stdin(cockpit_key(sap()))
        .assert()
        .success();
    check_outputs(&out, true);
}

#[test]
fn reversed_chain_is_written_leaf_first() {
    let h = sap();
    let reversed = pems(&[&h.root, &h.inter, &h.leaf]);
    let body = json!({ "oauth": {
        "clientid": CLIENT_ID,
        "certificate": reversed,
        "key": h.leaf.key_traditional_pem(),
    }});
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("k.json");
    std::fs::write(&input, body.to_string()).unwrap();
    let out = dir.path().join("out");
    let a = btpcert()
        .arg("extract")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    assert!(stderr_of(&a).contains("not in leaf-first order"));
    check_outputs(&out, true);
}

#[test]
fn prints_postman_host_and_files() {
    let (_dir, _out, a) = extract("k.json", cockpit_key(sap()), &[]);
    let a = a.success();
    let out = stdout_of(&a);
    assert!(
        out.contains("Host      sub.authentication.cert.eu10.hana.ondemand.com"),
        "{out}"
    );
    assert!(
        out.contains("certificate.pem: 3 certificates, leaf first"),
        "{out}"
    );
    assert!(out.contains("RSA 2048, PKCS#1, mode 0600"), "{out}");
    assert!(!out.contains("PRIVATE KEY"), "the key must not be printed");
}

#[test]
fn json_report() {
    let (_dir, _out, a) = extract("k.json", cockpit_key(sap()), &["--json"]);
    let a = a.success();
    let v: serde_json::Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    assert_eq!(v["form"], "cockpit");
    assert_eq!(v["kind"], "certificate");
    assert_eq!(
        v["postman_host"],
        "sub.authentication.cert.eu10.hana.ondemand.com"
    );
    assert_eq!(v["files"][1]["key_format"], "pkcs1");
    assert_eq!(v["files"][0]["subjects"].as_array().unwrap().len(), 3);
    assert!(
        v["files"].as_array().unwrap().len() == 2,
        "no --split: two files"
    );
}

#[test]
fn pkcs8_conversion() {
    let (_dir, out, a) = extract("k.json", cockpit_key(sap()), &["--pkcs8"]);
    a.success();
    let key = std::fs::read_to_string(out.join("key.pem")).unwrap();
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    let k = openssl::pkey::PKey::private_key_from_pem(key.as_bytes()).unwrap();
    assert!(k.public_eq(&sap().leaf.key));
}

#[test]
fn sec1_ec_key_kept() {
    let h = Hierarchy::new(Alg::EcP256);
    let body = json!({ "clientid": "x", "certificate": h.chain_pem(), "key": h.leaf.key_traditional_pem() });
    let (_dir, out, a) = extract("k.json", body.to_string(), &[]);
    let a = a.success();
    assert!(stdout_of(&a).contains("EC P-256, SEC1"));
    let key = std::fs::read_to_string(out.join("key.pem")).unwrap();
    assert!(key.starts_with("-----BEGIN EC PRIVATE KEY-----\n"));
    openssl(&[
        "pkey",
        "-in",
        out.join("key.pem").to_str().unwrap(),
        "-noout",
    ]);
}

#[test]
fn encrypted_pkcs8_kept_or_decrypted() {
    let h = sap();
    let text = format!(
        "{}{}",
        h.chain_pem(),
        h.leaf.key_encrypted_pem("s3cret pass")
    );
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bundle.pem");
    std::fs::write(&input, text).unwrap();

    // Kept encrypted, no password needed.
    let kept = dir.path().join("kept");
    btpcert()
        .arg("extract")
        .arg(&input)
        .arg("-o")
        .arg(&kept)
        .assert()
        .success();
    let key = std::fs::read_to_string(kept.join("key.pem")).unwrap();
    assert!(key.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));

    // Decrypted with a password from a file.
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "s3cret pass\n").unwrap();
    let plain = dir.path().join("plain");
    btpcert()
        .arg("extract")
        .arg(&input)
        .arg("-o")
        .arg(&plain)
        .arg("--decrypt")
        .arg("--password-file")
        .arg(&pw)
        .assert()
        .success();
    let key = std::fs::read_to_string(plain.join("key.pem")).unwrap();
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    let k = openssl::pkey::PKey::private_key_from_pem(key.as_bytes()).unwrap();
    assert!(k.public_eq(&h.leaf.key));

    // Wrong password from an environment variable: error, nothing written.
    let wrong = dir.path().join("wrong");
    let a = btpcert()
        .arg("extract")
        .arg(&input)
        .arg("-o")
        .arg(&wrong)
        .args(["--decrypt", "--password-env", "BTPCERT_TEST_PW"])
        .env("BTPCERT_TEST_PW", "nope")
        .assert()
        .code(2);
    assert!(stderr_of(&a).contains("wrong password"));
    assert!(entries(&wrong).is_empty());

    // No password source and no terminal: a clear error, not a hang.
    let a = btpcert()
        .arg("extract")
        .arg(&input)
        .arg("-o")
        .arg(&wrong)
        .arg("--decrypt")
        .write_stdin("")
        .assert()
        .code(2);
    assert!(stderr_of(&a).contains("use --password-file FILE or --password-env NAME"));
}

#[test]
fn external_certificate_key() {
    let h = sap();
    let body = json!({ "oauth": {
        "clientid": CLIENT_ID,
        "certificate": h.leaf.cert_pem(),
        "certificate-pinning": true,
        "url": RUNTIME_URL,
        "tokenurl": TOKEN_URL,
    }});
    let (_dir, out, a) = extract("ext.json", body.to_string(), &[]);
    // The key holds the leaf only, and the test CA is in no bundle: the
    // files are written, but not as ready for a sender.
    let a = a.code(1);
    assert!(stdout_of(&a).contains("the private key stays with you"));
    assert_eq!(entries(&out), vec!["certificate.pem"]);
}

#[test]
fn split_writes_one_file_per_certificate() {
    let (_dir, out, a) = extract("k.json", cockpit_key(sap()), &["--split"]);
    a.success();
    let names = entries(&out);
    assert_eq!(
        names,
        vec![
            "cert-1-sb-test-b1-it-rt-test-b2.pem",
            "cert-2-test-client-ca.pem",
            "cert-3-test-root-ca.pem",
            "certificate.pem",
            "key.pem"
        ]
    );
    let root = std::fs::read_to_string(out.join("cert-3-test-root-ca.pem")).unwrap();
    assert_eq!(root, sap().root.cert_pem());
}

#[test]
fn no_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("k.json");
    std::fs::write(&input, cockpit_key(sap())).unwrap();
    let out = dir.path().join("o");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("key.pem"), "keep me").unwrap();
    let a = btpcert()
        .arg("extract")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    assert!(stderr_of(&a).contains("key.pem: already exists (use --force to overwrite it)"));
    assert_eq!(
        entries(&out),
        vec!["key.pem"],
        "certificate.pem must not be written either"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("key.pem")).unwrap(),
        "keep me"
    );
    btpcert()
        .arg("extract")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .arg("--force")
        .assert()
        .success();
    check_outputs(&out, true);
}

/// The written files work for a real client: curl presents them to an
/// OpenSSL server on 127.0.0.1 that requires a client certificate.
#[test]
fn curl_accepts_written_files_for_mtls() {
    let h = sap();
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let server = issue(&Spec::server("127.0.0.1"), Some(&h.root));
    std::fs::write(p("server.pem"), server.cert_pem()).unwrap();
    std::fs::write(p("server.key"), server.key_pkcs8_pem()).unwrap();
    std::fs::write(p("root.pem"), h.root.cert_pem()).unwrap();
    std::fs::write(p("k.json"), cockpit_key(h)).unwrap();
    btpcert()
        .args(["extract", &p("k.json"), "-o", &p("o")])
        .assert()
        .success();
    let srv = Server::openssl_mtls(&p("server.pem"), &p("server.key"), &p("root.pem"));
    let url = format!("https://127.0.0.1:{}/", srv.port);
    let curl = |with_cert: bool| {
        let mut c = tool("curl");
        c.args([
            "-sS",
            "--max-time",
            "10",
            "--cacert",
            &p("root.pem"),
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
        ]);
        if with_cert {
            c.args([
                "--cert",
                &format!("{}/certificate.pem", p("o")),
                "--key",
                &format!("{}/key.pem", p("o")),
            ]);
        }
        c.arg(&url).output().unwrap()
    };
    let ok = curl(true);
    assert!(
        ok.status.success(),
        "curl with the extracted files failed: {}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&ok.stdout), "200");
    // The server really checks client certificates.
    assert!(
        !curl(false).status.success(),
        "the server accepted a client without certificate"
    );
}

#[test]
fn unrelated_certificate_is_reported_and_kept_apart() {
    let h = sap();
    let stray = issue(&Spec::ca("Stray CA"), None);
    let chain = pems(&[&h.leaf, &stray, &h.inter, &h.root]);
    let body = json!({ "oauth": oauth_certificate(&chain, &h.leaf.key_traditional_pem()) });
    let (_dir, out, a) = extract("k.json", body.to_string(), &["--split"]);
    let a = a.success();
    assert!(stderr_of(&a)
        .contains("'C=DE, O=btpcert tests, CN=Stray CA' belongs to no path from the leaf"));
    check_outputs(&out, true);
    assert!(
        entries(&out).contains(&"unrelated-1-stray-ca.pem".to_string()),
        "{:?}",
        entries(&out)
    );
}

#[test]
fn utf16_file_from_windows_powershell() {
    // `cf service-key cpi k1 > key.txt` in Windows PowerShell 5: UTF-16 LE with BOM, CRLF.
    let body = serde_json::to_string_pretty(&json!({ "oauth": oauth() })).unwrap();
    let text = format!(
        "Getting key k1 for service instance cpi as dev@example.com...\r\n\r\n{}\r\n",
        body.replace('\n', "\r\n")
    );
    let mut bytes = vec![0xff, 0xfe];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    extract_ok(&bytes, true);
}
