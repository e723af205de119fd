//! Golden output of the commands that read and write files: extract,
//! unescape, inspect, chain, instance, completions and man.

use super::{golden, testdata, AT};
use crate::common::{btpcert, TestDir};

/// The sample service key's chain and key, as PEM text.
fn sample_pem() -> (Vec<String>, String) {
    let text = std::fs::read_to_string(testdata("service-key.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let chain = v["oauth"]["certificate"].as_str().unwrap();
    let end = "-----END CERTIFICATE-----";
    let certs = chain
        .split_inclusive(end)
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| format!("{c}\n"))
        .collect();
    (certs, v["oauth"]["key"].as_str().unwrap().to_string())
}

/// The sample chain root first, with the root twice and the key last.
fn shuffled_bundle() -> String {
    let (certs, key) = sample_pem();
    let root = std::fs::read_to_string(testdata("sample-root.pem")).unwrap();
    let mut text: String = certs.iter().rev().cloned().collect();
    text.push_str(&root);
    text.push_str(&key);
    text
}

const OLD_PARAMS: &str = "{\n    \"roles\": [\n        \"ESBMessaging.send\"\n    ],\n    \"grant-types\": [\n        \"client_x509\"\n    ],\n    \"token-validity\": 4200\n}\n";

#[test]
fn extract_the_sample_key() {
    let d = TestDir::new();
    golden(
        "extract",
        &d,
        &["extract", &testdata("service-key.json"), "-o", "out"],
    );
}

#[test]
fn extract_json_pkcs8_and_split() {
    let d = TestDir::new();
    golden(
        "extract-json-split",
        &d,
        &[
            "extract",
            &testdata("service-key.json"),
            "-o",
            "out",
            "--pkcs8",
            "--split",
            "--json",
        ],
    );
}

#[test]
fn extract_an_external_certificate_key() {
    let d = TestDir::new();
    golden(
        "extract-external",
        &d,
        &[
            "extract",
            &testdata("service-key-external.json"),
            "-o",
            "out",
            "--no-system-roots",
        ],
    );
}

#[test]
fn extract_a_shuffled_bundle() {
    let d = TestDir::new();
    d.put("bundle.pem", shuffled_bundle());
    golden(
        "extract-shuffled",
        &d,
        &["extract", "bundle.pem", "-o", "out", "--pkcs8"],
    );
}

#[test]
fn extract_refuses_a_client_secret_key() {
    let d = TestDir::new();
    golden(
        "extract-client-secret",
        &d,
        &["extract", &testdata("service-key-secret.json"), "-o", "out"],
    );
}

#[test]
fn extract_refuses_to_overwrite() {
    let d = TestDir::new();
    d.put("out/key.pem", "keep me\n");
    golden(
        "extract-exists",
        &d,
        &["extract", &testdata("service-key.json"), "-o", "out"],
    );
}

#[test]
fn unescape_to_standard_output() {
    let d = TestDir::new();
    let root = std::fs::read_to_string(testdata("sample-root.pem")).unwrap();
    d.put("pasted.txt", format!("\"{}\"", root.replace('\n', "\\n")));
    golden("unescape", &d, &["unescape", "pasted.txt"]);
}

#[test]
fn unescape_a_key_to_a_file() {
    let d = TestDir::new();
    let (certs, key) = sample_pem();
    let text = format!("{}{key}", certs[0]).replace('\n', "\\n");
    d.put("pasted.txt", text);
    golden(
        "unescape-to-file",
        &d,
        &["unescape", "pasted.txt", "-o", "key.pem"],
    );
}

#[test]
fn unescape_finds_no_pem() {
    let d = TestDir::new();
    d.put("pasted.txt", "hello\\nworld\n");
    golden("unescape-no-pem", &d, &["unescape", "pasted.txt"]);
}

#[test]
fn inspect_the_sample_key() {
    let d = TestDir::new();
    golden(
        "inspect",
        &d,
        &["inspect", &testdata("service-key.json"), "--at", AT],
    );
}

#[test]
fn inspect_as_json() {
    let d = TestDir::new();
    golden(
        "inspect-json",
        &d,
        &[
            "inspect",
            "--json",
            &testdata("service-key-external.json"),
            "missing.pem",
            "--at",
            AT,
        ],
    );
}

#[test]
fn inspect_a_keystore_and_a_missing_file() {
    let d = TestDir::new();
    d.put("pw", "changeit\n");
    btpcert()
        .current_dir(d.path())
        .args(["p12", &testdata("service-key.json"), "-o", "client.p12"])
        .args(["--password-file", "pw", "--no-system-roots"])
        .assert()
        .success();
    golden(
        "inspect-p12",
        &d,
        &[
            "inspect",
            "client.p12",
            "missing.pem",
            &testdata("service-key-secret.json"),
            "--password-file",
            "pw",
            "--at",
            AT,
        ],
    );
}

#[test]
fn chain_split_the_sample_key() {
    let d = TestDir::new();
    golden(
        "chain-split",
        &d,
        &[
            "chain",
            "split",
            &testdata("service-key.json"),
            "-o",
            "split",
        ],
    );
}

#[test]
fn chain_split_a_shuffled_bundle() {
    let d = TestDir::new();
    d.put("bundle.pem", shuffled_bundle());
    golden(
        "chain-split-shuffled",
        &d,
        &["chain", "split", "bundle.pem", "-o", "split"],
    );
}

#[test]
fn chain_split_needs_a_certificate() {
    let d = TestDir::new();
    golden(
        "chain-split-no-certificate",
        &d,
        &["chain", "split", &testdata("service-key-secret.json")],
    );
}

#[test]
fn instance_check_finds_the_deprecated_grant() {
    let d = TestDir::new();
    d.put("old.json", OLD_PARAMS);
    d.put(
        "good.json",
        OLD_PARAMS.replace("client_x509", "client_credentials"),
    );
    golden(
        "instance-check",
        &d,
        &["instance", "check", "old.json", "good.json"],
    );
}

#[test]
fn instance_check_as_json() {
    let d = TestDir::new();
    d.put(
        "odd.json",
        r#"{"roles":[],"grant-types":["magic"],"token-validity":90000}"#,
    );
    d.put("bad.json", "{\"grant-types\": [");
    golden(
        "instance-check-json",
        &d,
        &["instance", "check", "--json", "odd.json", "bad.json"],
    );
}

#[test]
fn instance_check_an_unreadable_file() {
    let d = TestDir::new();
    d.put("bad.json", "{\"grant-types\": [");
    d.put("old.json", OLD_PARAMS);
    golden(
        "instance-check-invalid",
        &d,
        &["instance", "check", "bad.json", "old.json"],
    );
}

#[test]
fn instance_migrate_to_a_file() {
    let d = TestDir::new();
    d.put("old.json", OLD_PARAMS);
    golden(
        "instance-migrate",
        &d,
        &["instance", "migrate", "old.json", "-o", "new.json"],
    );
}

#[test]
fn instance_migrate_cf_output_to_standard_output() {
    let d = TestDir::new();
    d.put(
        "cf.txt",
        format!("Getting parameters for service instance cpi-flows as dev@example.com...\n\n{OLD_PARAMS}"),
    );
    golden(
        "instance-migrate-stdout",
        &d,
        &["instance", "migrate", "cf.txt"],
    );
}

#[test]
fn instance_migrate_in_place_with_nothing_to_change() {
    let d = TestDir::new();
    d.put(
        "good.json",
        OLD_PARAMS.replace("client_x509", "client_credentials"),
    );
    golden(
        "instance-migrate-unchanged",
        &d,
        &["instance", "migrate", "good.json", "--in-place"],
    );
}

#[test]
fn instance_migrate_in_place_needs_the_whole_file() {
    let d = TestDir::new();
    d.put(
        "cf.txt",
        format!("Getting parameters for service instance cpi-flows as dev@example.com...\n\n{OLD_PARAMS}"),
    );
    golden(
        "instance-migrate-in-place-refused",
        &d,
        &["instance", "migrate", "cf.txt", "--in-place"],
    );
}

#[test]
fn man_page_on_standard_output() {
    let d = TestDir::new();
    golden("man", &d, &["man"]);
}

#[test]
fn man_pages_into_a_folder() {
    let d = TestDir::new();
    golden("man-out-dir", &d, &["man", "-o", "pages"]);
    assert!(d.path().join("pages/btpcert.1").is_file());
    assert!(d.path().join("pages/btpcert-chain-split.1").is_file());
}

#[test]
fn completions_for_fish() {
    let d = TestDir::new();
    golden("completions-fish", &d, &["completions", "fish"]);
}

#[test]
fn completions_for_an_unknown_shell() {
    let d = TestDir::new();
    golden("completions-unknown", &d, &["completions", "tcsh"]);
}
