//! `btpcert csr`: a new key and a request that openssl accepts, asking for
//! Client Authentication.

use crate::common::*;

#[test]
fn openssl_accepts_the_request_and_the_key_is_private() {
    let d = TestDir::new();
    for (kind, alg) in [("rsa:2048", "rsaEncryption"), ("ec:p384", "id-ecPublicKey")] {
        let dir = d.p(kind.replace(':', "-").as_str());
        let a = btpcert()
            .args([
                "csr",
                "-o",
                &dir,
                "--subject",
                "/C=DE/O=Example/CN=sender one",
            ])
            .args(["--key-type", kind, "--no-password"])
            .assert()
            .success();
        assert!(
            stdout_of(&a).contains("check-external"),
            "{}",
            stdout_of(&a)
        );
        let req = format!("{dir}/request.csr");
        let text = openssl(&["req", "-in", &req, "-verify", "-noout", "-text"]);
        assert!(text.contains("TLS Web Client Authentication"), "{text}");
        assert!(text.contains("Digital Signature"), "{text}");
        assert!(
            text.contains("CN = sender one") || text.contains("CN=sender one"),
            "{text}"
        );
        assert!(text.contains(alg), "{text}");
        let key = std::path::Path::new(&dir).join("key.pem");
        assert_eq!(mode(&key), 0o600);
        assert_eq!(mode(std::path::Path::new(&dir)), 0o700);
        // The key is the request's.
        let k = openssl(&["pkey", "-in", key.to_str().unwrap(), "-pubout"]);
        let r = openssl(&["req", "-in", &req, "-pubkey", "-noout"]);
        assert_eq!(k, r);
    }
}

#[test]
fn an_encrypted_key_with_the_password_options() {
    let d = TestDir::new();
    let pw = d.put("pw", "s3cret\n");
    btpcert()
        .args([
            "csr",
            "-o",
            &d.p("out"),
            "--cn",
            "sender",
            "--password-file",
            &pw,
        ])
        .assert()
        .success();
    let key = d.p("out/key.pem");
    assert!(std::fs::read_to_string(&key)
        .unwrap()
        .contains("ENCRYPTED PRIVATE KEY"));
    openssl(&["pkey", "-in", &key, "-passin", "pass:s3cret", "-noout"]);
    // A second run refuses to replace the key.
    let a = btpcert()
        .args(["csr", "-o", &d.p("out"), "--cn", "x", "--no-password"])
        .assert()
        .code(2);
    assert!(stderr_of(&a).contains("already exists"));
    let a = btpcert()
        .args([
            "csr",
            "-o",
            &d.p("o2"),
            "--cn",
            "x",
            "--key-type",
            "rsa:1024",
        ])
        .assert()
        .code(2);
    assert!(stderr_of(&a).contains("rsa:2048"), "{}", stderr_of(&a));
}
