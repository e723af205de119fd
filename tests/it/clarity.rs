//! Messages a user can act on, where the libraries underneath speak in
//! their own terms.

use crate::common::*;

#[test]
fn a_bzip2_entry_says_how_to_re_zip() {
    let mut z = zip_of(&[("root.cer", sap().root.cert_der())]);
    // Compression method 12 (bzip2) in the local header and the directory.
    z[8] = 12;
    let cd = z.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    z[cd + 10] = 12;
    let d = TestDir::new();
    let p = d.put("bz.zip", z);
    let a = btpcert().args(["connectivity", &p]).assert().code(2);
    let err = stderr_of(&a);
    assert!(err.contains("bzip2") && err.contains("Deflate"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn a_damaged_zip_names_no_internal_type() {
    let mut z = zip_of(&[("root.cer", sap().root.cert_der())]);
    // The directory's offset points past the end of the file.
    let eocd = z.windows(4).rposition(|w| w == b"PK\x05\x06").unwrap();
    z[eocd + 16..eocd + 20].copy_from_slice(&0x00ff_ffffu32.to_le_bytes());
    let d = TestDir::new();
    let p = d.put("bad.zip", z);
    let a = btpcert().args(["connectivity", &p]).assert().code(2);
    let err = stderr_of(&a);
    assert!(!err.contains("::"), "{err}");
    assert!(err.contains("bad.zip"), "{err}");
}

#[test]
fn postman_asks_for_the_key_of_an_external_certificate_key_by_its_option() {
    let d = TestDir::new();
    let h = sap();
    let k = serde_json::json!({"oauth": {"clientid": CLIENT_ID,
        "certificate": h.leaf.cert_pem(),
        "url": "https://x.it-cpi018-rt.cfapps.eu10-002.hana.ondemand.com",
        "tokenurl": "https://x.authentication.cert.eu10.hana.ondemand.com/oauth/token"}});
    let key = d.put("ext.json", k.to_string());
    let a = btpcert()
        .args(["postman", &key, "-o", &d.p("kit")])
        .assert()
        .code(2);
    let err = stderr_of(&a);
    assert!(err.contains("--key FILE"), "{err}");
    assert!(!err.contains("another INPUT"), "{err}");
}

#[test]
fn check_external_prints_the_parameters_alone_on_standard_output() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let a = btpcert()
        .args(["check-external"])
        .arg(repo.join("testdata/service-key-external.json"))
        .arg(repo.join("testdata/service-key.json"))
        .args([
            "--allow-untrusted",
            "--no-system-roots",
            "--at",
            "2030-01-01T00:00:00Z",
        ])
        .assert()
        .success();
    // `> params.json` gives valid JSON; the checklist is on standard error.
    let v: serde_json::Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    assert_eq!(v["key-type"], "certificate_external");
    assert!(
        stderr_of(&a).contains("External certificate"),
        "{}",
        stderr_of(&a)
    );
}

#[test]
fn audit_csv_escapes_what_certificates_say() {
    let d = TestDir::new();
    let evil = issue(
        &Spec {
            subject: vec![(
                "CN",
                "a\u{1b}[2J\u{1b}]52;c;aGk=\u{7}b\r\u{202e}x".to_string(),
            )],
            ..Spec::client("")
        },
        Some(&sap().inter),
    );
    d.put("evil.pem", evil.cert_pem());
    let a = btpcert()
        .args([
            "audit",
            "--csv",
            "--no-system-roots",
            d.path().to_str().unwrap(),
        ])
        .assert();
    let out = stdout_of(&a);
    for bad in ['\u{1b}', '\u{7}', '\r', '\u{202e}'] {
        assert!(!out.contains(bad), "{bad:?} reached the output: {out:?}");
    }
    assert!(out.contains("\\u{001b}[2J"), "{out}");
}

#[test]
fn no_note_of_a_file_that_was_not_written() {
    let d = TestDir::new();
    let key = d.put("k.json", cockpit_key(sap()));
    // The output's folder is a file: nothing can be written there.
    d.put("blocked", "a file");
    let a = btpcert()
        .args(["p12", &key, "-o", &d.p("blocked/x.p12"), "--no-password"])
        .assert()
        .code(2);
    let err = stderr_of(&a);
    assert!(!err.contains("empty password"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn an_encrypted_key_of_another_certificate_is_refused_or_named_unchecked() {
    let d = TestDir::new();
    let other = Hierarchy::new(Alg::EcP256);
    let plain = d.put("other.key", other.leaf.key_pkcs8_pem());
    let enc = openssl(&[
        "pkcs8",
        "-topk8",
        "-v2",
        "aes-256-cbc",
        "-in",
        &plain,
        "-passout",
        "pass:pw",
    ]);
    let h = sap();
    let key = d.put(
        "k.json",
        serde_json::json!({"oauth": {"clientid": CLIENT_ID,
            "certificate": h.chain_pem(), "key": enc}})
        .to_string(),
    );
    let pw = d.put("pw", "pw\n");
    // Decrypted on the way: the mismatch is found, nothing is written.
    let a = btpcert()
        .args([
            "extract",
            &key,
            "-o",
            &d.p("a"),
            "--decrypt",
            "--password-file",
            &pw,
        ])
        .assert()
        .code(2);
    assert!(
        stderr_of(&a).contains("does not belong to the leaf"),
        "{}",
        stderr_of(&a)
    );
    assert!(!d.path().join("a").exists());
    // Kept encrypted: btpcert says that it could not check it.
    let a = btpcert()
        .args(["extract", &key, "-o", &d.p("b"), "--no-system-roots"])
        .assert();
    let err = stderr_of(&a);
    assert!(
        err.contains("could not check that it belongs to the leaf"),
        "{err}"
    );
}
