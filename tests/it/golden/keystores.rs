//! Golden output of the commands that write keystores and kits: p12,
//! truststore, postman, connectivity, token and call.

use super::{golden, testdata};
use crate::common::TestDir;

#[test]
fn p12_from_the_sample_key() {
    let d = TestDir::new();
    d.put("pw", "changeit\n");
    golden(
        "p12",
        &d,
        &[
            "p12",
            &testdata("service-key.json"),
            "-o",
            "out.p12",
            "--password-file",
            "pw",
            "--no-system-roots",
        ],
    );
}

#[test]
fn p12_refuses_a_secret_key() {
    let d = TestDir::new();
    golden(
        "p12-secret-key",
        &d,
        &["p12", &testdata("service-key-secret.json"), "-o", "out.p12"],
    );
}

#[test]
fn truststore_new_and_added_to() {
    let d = TestDir::new();
    d.put("pw", "changeit\n");
    let root = testdata("sample-root.pem");
    golden(
        "truststore",
        &d,
        &[
            "truststore",
            &root,
            "-o",
            "trust.p12",
            "--password-file",
            "pw",
        ],
    );
    golden(
        "truststore-add-to",
        &d,
        &[
            "truststore",
            &root,
            &testdata("service-key.json"),
            "--add-to",
            "trust.p12",
            "--password-file",
            "pw",
        ],
    );
}

#[test]
fn postman_kits() {
    let d = TestDir::new();
    d.put("pw", "changeit\n");
    golden(
        "postman-certificate",
        &d,
        &[
            "postman",
            &testdata("service-key.json"),
            "-o",
            "kit",
            "--password-file",
            "pw",
            "--no-system-roots",
        ],
    );
    golden(
        "postman-secret",
        &d,
        &[
            "postman",
            &testdata("service-key-secret.json"),
            "-o",
            "secret-kit",
            "--path",
            "/http/orders",
        ],
    );
    golden(
        "postman-external-without-key",
        &d,
        &[
            "postman",
            &testdata("service-key-external.json"),
            "-o",
            "ext",
        ],
    );
}

#[test]
fn connectivity_with_a_root_on_no_list() {
    let d = TestDir::new();
    let root = std::fs::read(testdata("sample-root.pem")).unwrap();
    d.put(
        "download.zip",
        crate::common::zip_of(&[("server/root.cer", root), ("notes.txt", b"x".to_vec())]),
    );
    golden(
        "connectivity",
        &d,
        &["connectivity", "download.zip", "-o", "out"],
    );
    golden(
        "connectivity-json",
        &d,
        &["connectivity", "download.zip", "--json"],
    );
}

#[test]
fn token_and_call_when_nobody_answers() {
    let d = TestDir::new();
    let key = std::fs::read_to_string(testdata("service-key-secret.json"))
        .unwrap()
        .replace(
            "https://sample.authentication.eu10.hana.ondemand.com",
            "https://127.0.0.1:9",
        );
    d.put("k.json", key);
    golden("token-down", &d, &["token", "k.json", "--timeout", "2"]);
    golden(
        "call-down",
        &d,
        &["call", "k.json", "/http/x", "--timeout", "2"],
    );
}

#[test]
fn csr_refuses_a_missing_name() {
    let d = TestDir::new();
    golden(
        "csr-no-name",
        &d,
        &["csr", "-o", "out", "--no-password", "--key-type", "ec:p256"],
    );
}

#[test]
fn csr_writes_a_key_and_a_request() {
    let d = TestDir::new();
    golden(
        "csr",
        &d,
        &[
            "csr",
            "-o",
            "sender",
            "--subject",
            "/C=DE/O=Example/CN=order-sender",
            "--key-type",
            "ec:p256",
            "--no-password",
        ],
    );
}

#[test]
fn a_truststore_listed_and_judged() {
    let d = TestDir::new();
    d.put("pw", "changeit\n");
    crate::common::btpcert()
        .current_dir(d.path())
        .args(["truststore", &testdata("sample-root.pem")])
        .arg("/usr/share/ca-certificates/mozilla/DigiCert_Global_Root_G2.crt")
        .args(["-o", "trust.p12", "--password-file", "pw"])
        .assert()
        .success();
    let with_pw = |cmd: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = cmd.iter().map(|s| s.to_string()).collect();
        v.extend(["trust.p12", "--password-file", "pw"].map(String::from));
        v
    };
    let args = with_pw(&["inspect", "--at", super::AT]);
    golden(
        "inspect-truststore",
        &d,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let args = with_pw(&["verify", "--at", super::AT]);
    golden(
        "verify-truststore",
        &d,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let args = with_pw(&["trust", "check", "--list", "xsuaa-x509"]);
    golden(
        "trust-check-truststore",
        &d,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
}

#[test]
fn chain_split_with_a_p7b() {
    let d = TestDir::new();
    golden(
        "chain-split-p7b",
        &d,
        &[
            "chain",
            "split",
            &testdata("service-key.json"),
            "-o",
            "split",
            "--p7b",
        ],
    );
}
