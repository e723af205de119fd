use crate::common::*;

#[test]
fn json_shape_for_a_service_key() {
    let h = sap();
    let dir = TestDir::new();
    let f = dir.put("k.json", cockpit_key(h));
    let a = btpcert()
        .args(["inspect", "--json", "--at", "2030-01-01", &f])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    let file = &v["files"][0];
    assert_eq!(file["form"], "cockpit");
    assert_eq!(file["service_key"]["kind"], "certificate");
    assert_eq!(file["service_key"]["clientid"], CLIENT_ID);
    assert_eq!(
        file["service_key"]["tokenurl_host"],
        "sub.authentication.cert.eu10.hana.ondemand.com"
    );
    let certs = file["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 3);
    let leaf = &certs[0];
    assert_eq!(
        leaf["subject_dn"],
        "C=DE, O=btpcert tests, CN=sb-test!b1|it-rt-test!b2"
    );
    assert_eq!(
        leaf["issuer_dn"],
        "C=DE, O=btpcert tests, CN=Test Client CA"
    );
    assert_eq!(leaf["not_before"], "2020-01-01T00:00:00Z");
    assert_eq!(leaf["not_after"], "2120-01-01T00:00:00Z");
    assert_eq!(leaf["days_left"], 32871); // 90 years, 21 leap days (2100 is none)
    assert_eq!(leaf["client_auth"], true);
    assert_eq!(
        leaf["extended_key_usage"],
        serde_json::json!(["clientAuth"])
    );
    assert_eq!(leaf["public_key"]["algorithm"], "RSA");
    assert_eq!(leaf["public_key"]["bits"], 2048);
    assert_eq!(leaf["fingerprint_sha256"], h.leaf.sha256());
    assert_eq!(leaf["self_signed"], false);
    assert_eq!(certs[2]["self_signed"], true);
    assert_eq!(certs[1]["is_ca"], true);
    assert_eq!(certs[1]["path_len"], 0);
    assert_eq!(file["private_key"]["format"], "pkcs1");
    assert_eq!(file["private_key"]["matches_leaf"], true);
    // The key itself is never printed.
    assert!(!stdout_of(&a).contains("PRIVATE KEY"));
    assert!(!stdout_of(&a).contains("MII"));
}

#[test]
fn human_output_and_fingerprints_match_openssl() {
    let h = sap();
    let dir = TestDir::new();
    let f = dir.put("leaf.der", h.leaf.cert_der());
    let a = btpcert().args(["inspect", &f]).assert().success();
    let out = stdout_of(&a);
    assert!(out.contains("DER certificate"), "{out}");
    let fp = openssl(&[
        "x509",
        "-inform",
        "DER",
        "-in",
        &f,
        "-noout",
        "-fingerprint",
        "-sha256",
    ]);
    let fp = fp.trim().split('=').nth(1).unwrap();
    assert!(out.contains(&format!("SHA-256:      {fp}")), "{out}");
    assert!(out.contains("ext. usage:   clientAuth"));
}

#[test]
fn client_secret_key_shows_fields_not_secret() {
    let dir = TestDir::new();
    let body = serde_json::json!({"oauth": {"clientid": "cid", "clientsecret": "TOPSECRET", "url": RUNTIME_URL, "tokenurl": TOKEN_URL}});
    let f = dir.put("s.json", body.to_string());
    let a = btpcert().args(["inspect", &f]).assert().success();
    let out = stdout_of(&a);
    assert!(out.contains("ClientId/Secret"));
    assert!(out.contains("clientsecret"));
    assert!(!out.contains("TOPSECRET"));
    let a = btpcert().args(["inspect", "--json", &f]).assert().success();
    assert!(!stdout_of(&a).contains("TOPSECRET"));
}

#[test]
fn several_files_with_one_broken() {
    let dir = TestDir::new();
    let good = dir.put("good.pem", sap().root.cert_pem());
    let bad = dir.put(
        "bad.pem",
        "-----BEGIN CERTIFICATE-----\n@@\n-----END CERTIFICATE-----\n",
    );
    let a = btpcert()
        .args(["inspect", "--json", &good, &bad])
        .assert()
        .code(2);
    let v: serde_json::Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    assert!(v["files"][0]["error"].is_null());
    assert!(v["files"][1]["error"]
        .as_str()
        .unwrap()
        .contains("bad.pem: block 1 (CERTIFICATE)"));
}

#[test]
fn encrypted_key_file() {
    let dir = TestDir::new();
    let f = dir.put("k.pem", sap().leaf.key_encrypted_pem("pw"));
    let a = btpcert().args(["inspect", &f]).assert().success();
    assert!(stdout_of(&a).contains("encrypted PKCS#8 (not decrypted)"));
}

#[test]
fn bad_at_is_a_usage_error() {
    let dir = TestDir::new();
    let f = dir.put("r.pem", sap().root.cert_pem());
    let a = btpcert()
        .args(["inspect", "--at", "yesterday", &f])
        .assert()
        .code(2);
    assert!(stderr_of(&a).contains("'yesterday' is not a date"));
}

/// The JSON shapes the README documents; a change here is a change for
/// every script that reads them.
#[test]
fn json_shapes_are_stable() {
    fn keys(v: &serde_json::Value) -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    }
    fn sorted(v: &[&str]) -> Vec<String> {
        let mut k: Vec<String> = v.iter().map(|s| s.to_string()).collect();
        k.sort();
        k
    }
    let dir = TestDir::new();
    let f = dir.put("k.json", cockpit_key(sap()));
    let a = btpcert().args(["inspect", "--json", &f]).assert().success();
    let v: serde_json::Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    let file = &v["files"][0];
    assert_eq!(
        keys(file),
        sorted(&[
            "file",
            "error",
            "form",
            "service_key",
            "certificates",
            "effective_expiry",
            "private_key",
            "entries"
        ])
    );
    assert_eq!(
        keys(&file["service_key"]),
        sorted(&[
            "kind",
            "clientid",
            "url_host",
            "tokenurl_host",
            "createdate",
            "certificate_pinning",
            "fields"
        ])
    );
    assert_eq!(
        keys(&file["certificates"][0]),
        sorted(&[
            "subject_dn",
            "issuer_dn",
            "common_name",
            "serial",
            "not_before",
            "not_after",
            "days_left",
            "expired",
            "not_yet_valid",
            "public_key",
            "signature_algorithm",
            "subject_alt_names",
            "key_usage",
            "extended_key_usage",
            "client_auth",
            "is_ca",
            "path_len",
            "self_signed",
            "fingerprint_sha256",
            "fingerprint_sha1",
        ])
    );
    assert_eq!(
        keys(&file["private_key"]),
        sorted(&["format", "encrypted", "key", "matches_leaf"])
    );

    // The test root is off SAP's public list: warnings, exit 0.
    let a = btpcert()
        .args(["verify", "--json", "--no-system-roots", &f])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    assert_eq!(
        keys(&v),
        sorted(&[
            "status",
            "at",
            "certificates",
            "unrelated",
            "chain",
            "scenarios",
            "trust_lists",
            "scenarios_chosen"
        ])
    );
    assert_eq!(
        keys(&v["certificates"][0]),
        sorted(&[
            "position",
            "role",
            "origin",
            "subject_dn",
            "issuer_dn",
            "fingerprint_sha256",
            "not_after",
            "checks"
        ])
    );
    assert_eq!(
        keys(&v["scenarios"][0]),
        sorted(&["scenario", "list", "trusted", "status", "anchor", "checks"])
    );
    assert_eq!(keys(&v["chain"][0]), sorted(&["status", "id", "message"]));

    let a = btpcert()
        .args(["audit", "--json", "--no-system-roots", &f])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    assert_eq!(keys(&v), sorted(&["rows", "summary", "trust_lists"]));
    assert_eq!(
        keys(&v["rows"][0]),
        sorted(&[
            "file",
            "kind",
            "subject",
            "not_after",
            "days_left",
            "serial",
            "effective_expiry",
            "client_auth",
            "trust",
            "deprecated_grant",
            "key_match",
            "needs_action",
            "problems",
            "notes",
            "error",
        ])
    );
    assert_eq!(
        keys(&v["rows"][0]["trust"]),
        sorted(&["iflow", "token", "server"])
    );
}
