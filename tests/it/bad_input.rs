//! Every bad input gets one clear line naming the file and the problem,
//! exit code 2, and no output file.

use serde_json::json;

use crate::common::*;

/// Runs extract on `content`; asserts exit 2, no file written, no panic,
/// and that stderr contains every one of `expect`.
fn rejects(content: &[u8], expect: &[&str]) {
    let (_dir, out, a) = extract("key.json", content, &[]);
    let a = a.code(2);
    let err = stderr_of(&a);
    assert!(err.starts_with("btpcert: "), "{err}");
    assert!(
        err.contains("key.json"),
        "error does not name the file: {err}"
    );
    for e in expect {
        assert!(err.contains(e), "expected '{e}' in: {err}");
    }
    assert!(err.lines().count() <= 2, "too long: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    assert!(
        entries(&out).is_empty(),
        "files written on error: {:?}",
        entries(&out)
    );
}

#[test]
fn empty_file() {
    rejects(b"", &["the file is empty"]);
    rejects(b"  \n\n", &["the file is empty"]);
}

#[test]
fn truncated_json() {
    let full = cockpit_key(sap());
    let cut = &full[..full.len() / 2];
    rejects(cut.as_bytes(), &["invalid JSON at line", "truncated"]);
}

#[test]
fn json_syntax_error_has_line_and_column() {
    rejects(
        b"{\n  \"oauth\": {\n    \"clientid\": \"a\",,\n  }\n}\n",
        &["invalid JSON at line 3, column"],
    );
}

#[test]
fn binary_garbage() {
    rejects(
        &[0x00, 0xff, 0xfe, 0x01, 0x30, 0x82],
        &["neither a DER certificate nor PEM text"],
    );
    rejects(
        &[0x30, 0x82, 0x01, 0x00, 0x01, 0x02],
        &["neither a DER certificate nor PEM text"],
    );
}

#[test]
fn broken_base64_names_field_and_block() {
    let h = sap();
    let mut chain = h.chain_pem();
    // Damage the second certificate's base64.
    let second = chain
        .match_indices("-----BEGIN CERTIFICATE-----")
        .nth(1)
        .unwrap()
        .0;
    chain.replace_range(second + 40..second + 41, "%");
    let body = json!({ "oauth": oauth_certificate(&chain, &h.leaf.key_traditional_pem()) });
    rejects(
        body.to_string().as_bytes(),
        &["oauth.certificate", "block 2 (CERTIFICATE)", "not base64"],
    );
}

#[test]
fn truncated_pem_block() {
    let h = sap();
    let chain = h.chain_pem();
    let cut = &chain[..chain.len() - 200];
    let body = json!({ "oauth": oauth_certificate(cut, &h.leaf.key_traditional_pem()) });
    rejects(
        body.to_string().as_bytes(),
        &["oauth.certificate", "block 3 (CERTIFICATE) has no END line"],
    );
}

#[test]
fn decodes_but_is_not_a_certificate() {
    let h = sap();
    let fake = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    let body = json!({ "oauth": oauth_certificate(fake, &h.leaf.key_traditional_pem()) });
    rejects(
        body.to_string().as_bytes(),
        &[
            "oauth.certificate",
            "block 1 (CERTIFICATE)",
            "not a valid X.509 certificate",
        ],
    );
}

#[test]
fn missing_fields() {
    rejects(
        json!({"oauth": {"url": "https://x"}})
            .to_string()
            .as_bytes(),
        &["oauth: no service key fields", "fields: url"],
    );
    rejects(b"{}", &["no service key fields"]);
    rejects(
        b"[1, 2]",
        &["expected a JSON object with the service key, found an array"],
    );
}

#[test]
fn key_only_service_key() {
    let h = sap();
    let body = json!({ "oauth": { "clientid": "x", "key": h.leaf.key_traditional_pem() } });
    rejects(
        body.to_string().as_bytes(),
        &["oauth.key is present but oauth.certificate is missing"],
    );
}

#[test]
fn key_only_pem_file() {
    rejects(
        sap().leaf.key_traditional_pem().as_bytes(),
        &["holds a private key but no certificate"],
    );
}

#[test]
fn wrong_pem_label() {
    let text = sap()
        .leaf
        .cert_pem()
        .replace("CERTIFICATE", "CERTIFICATE THING");
    rejects(text.as_bytes(), &["unknown PEM label 'CERTIFICATE THING'"]);
    let h = sap();
    let body = json!({ "oauth": oauth_certificate(&h.leaf.key_traditional_pem(), &h.leaf.key_traditional_pem()) });
    rejects(
        body.to_string().as_bytes(),
        &["oauth.certificate: holds a private key where certificates belong"],
    );
}

#[test]
fn certificate_signing_request() {
    let req = "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n";
    rejects(req.as_bytes(), &["certificate signing request"]);
}

#[test]
fn key_of_another_certificate() {
    let h = sap();
    let other = issue(&Spec::client("other"), Some(&h.inter));
    let body = json!({ "oauth": oauth_certificate(&h.chain_pem(), &other.key_traditional_pem()) });
    rejects(
        body.to_string().as_bytes(),
        &["the private key does not belong to the leaf certificate"],
    );
}

#[test]
fn wrong_types_in_json() {
    let body = json!({ "oauth": { "clientid": "x", "certificate": 42 } });
    rejects(
        body.to_string().as_bytes(),
        &["oauth.certificate: expected a string, found a number"],
    );
}

#[test]
fn instance_parameters_are_not_a_key() {
    let body = json!({ "roles": ["ESBMessaging.send"], "grant-types": ["client_credentials"] });
    rejects(body.to_string().as_bytes(), &["instance parameters"]);
}

#[test]
fn end_without_begin() {
    let cert = sap().leaf.cert_pem();
    let cut = &cert[30..];
    rejects(cut.as_bytes(), &["has no BEGIN line"]);
}

#[test]
fn missing_file_and_directory() {
    let dir = tempfile::tempdir().unwrap();
    let a = btpcert()
        .arg("extract")
        .arg(dir.path().join("nope.json"))
        .assert()
        .code(2);
    assert!(stderr_of(&a).contains("nope.json: no such file or directory"));
    let a = btpcert().arg("extract").arg(dir.path()).assert().code(2);
    assert!(stderr_of(&a).contains("is a directory"));
}

#[test]
fn terminal_escapes_in_field_names_are_sanitised() {
    let body = json!({ "oauth": { "evil\u{1b}[2J": "x" } });
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("key.json");
    std::fs::write(&input, body.to_string()).unwrap();
    let a = btpcert().arg("extract").arg(&input).assert().code(2);
    let err = stderr_of(&a);
    assert!(!err.contains('\u{1b}'), "{err:?}");
    assert!(err.contains("evil\\u{001b}[2J"), "{err}");
}

#[test]
fn a_pkcs12_file_is_named_as_such() {
    let d = tempfile::tempdir().unwrap();
    let k = d.path().join("k.json");
    std::fs::write(&k, cockpit_key(sap())).unwrap();
    let p12 = d.path().join("c.p12");
    btpcert()
        .args([
            "p12",
            k.to_str().unwrap(),
            "-o",
            p12.to_str().unwrap(),
            "--no-password",
        ])
        .assert()
        .success();
    // chain split reads no keystore: it says what the file is.
    let a = btpcert()
        .args(["chain", "split"])
        .arg(&p12)
        .arg("-o")
        .arg(d.path().join("o"))
        .assert()
        .code(2);
    assert!(
        stderr_of(&a).contains("c.p12: a PKCS#12 keystore"),
        "{}",
        stderr_of(&a)
    );
    // extract reads it, and without a terminal it says where a password comes from.
    let a = btpcert()
        .arg("extract")
        .arg(&p12)
        .arg("-o")
        .arg(d.path().join("o"))
        .assert()
        .code(2);
    assert!(
        stderr_of(&a).contains("password of")
            && stderr_of(&a).contains("c.p12")
            && stderr_of(&a).contains("--password-file"),
        "{}",
        stderr_of(&a)
    );
}

#[test]
fn output_folder_that_is_a_file() {
    let d = tempfile::tempdir().unwrap();
    let k = d.path().join("k.json");
    std::fs::write(&k, cockpit_key(sap())).unwrap();
    let not_dir = d.path().join("file");
    std::fs::write(&not_dir, "x").unwrap();
    let a = btpcert()
        .arg("extract")
        .arg(&k)
        .arg("-o")
        .arg(&not_dir)
        .assert()
        .code(2);
    assert!(
        stderr_of(&a).contains("file: is not a directory"),
        "{}",
        stderr_of(&a)
    );
}

#[test]
fn client_secret_keys_where_a_certificate_is_needed_name_the_file() {
    let d = tempfile::tempdir().unwrap();
    let s = d.path().join("secret-key.json");
    std::fs::write(
        &s,
        json!({"oauth": {"clientid": "c", "clientsecret": "s"}}).to_string(),
    )
    .unwrap();
    for args in [
        vec!["verify"],
        vec!["p12", "-o", "x.p12", "--no-password"],
        vec!["extract"],
    ] {
        let a = btpcert()
            .current_dir(d.path())
            .args(&args)
            .arg(&s)
            .assert()
            .code(2);
        let err = stderr_of(&a);
        assert!(
            err.contains("secret-key.json: a ClientId/Secret service key holds no certificate"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn a_cut_short_p7b_or_p12_is_named_as_such() {
    let h = sap();
    let d = TestDir::new();
    let chain = d.put("chain.pem", h.chain_pem());
    let p7b = d.p("chain.p7b");
    openssl_p7b(&chain, &p7b);
    let der = std::fs::read(&p7b).unwrap();
    rejects(
        &der[..300],
        &["a PKCS#7 (.p7b) file that is cut short or damaged"],
    );
    let p12 = d.p("k.p12");
    let key = d.put("k.json", cockpit_key(h));
    btpcert()
        .args([
            "p12",
            &key,
            "-o",
            &p12,
            "--no-password",
            "--no-system-roots",
        ])
        .assert()
        .success();
    let der = std::fs::read(&p12).unwrap();
    rejects(
        &der[..500],
        &["a PKCS#12 keystore that is cut short or damaged"],
    );
    rejects(
        &[0x30, 0x03, 0x02, 0x01, 0x05],
        &["neither a DER certificate nor PEM text"],
    );
}
