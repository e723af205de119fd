//! Golden output of the commands that judge: verify, trust, check-external,
//! key-params and audit; and the chains extract and connectivity complete.

use super::{golden, testdata, AT};
use crate::common::{zip_of, TestDir};

/// A root SAP lists everywhere, from Debian's ca-certificates (valid to 2038).
const DIGICERT_G2: &str = "/usr/share/ca-certificates/mozilla/DigiCert_Global_Root_G2.crt";

const OLD_PARAMS: &str =
    "{\"roles\": [\"ESBMessaging.send\"], \"grant-types\": [\"client_x509\"], \"token-validity\": 4200}\n";

#[test]
fn verify_the_sample_key() {
    let d = TestDir::new();
    let key = testdata("service-key.json");
    golden(
        "verify-sample",
        &d,
        &["verify", &key, "--at", AT, "--no-system-roots"],
    );
    golden(
        "verify-sample-json",
        &d,
        &["verify", &key, "--at", AT, "--no-system-roots", "--json"],
    );
}

#[test]
fn verify_every_scenario_of_an_external_key() {
    let d = TestDir::new();
    golden(
        "verify-external-roots",
        &d,
        &[
            "verify",
            &testdata("service-key-external.json"),
            "--for",
            "token",
            "--roots",
            &testdata("sample-root.pem"),
            "--at",
            AT,
            "--no-system-roots",
        ],
    );
    golden(
        "verify-external-all",
        &d,
        &[
            "verify",
            &testdata("service-key-external.json"),
            &testdata("service-key.json"),
            "--key",
            &testdata("service-key.json"),
            "--warn-days",
            "40000",
            "--at",
            AT,
            "--no-system-roots",
        ],
    );
}

#[test]
fn verify_a_listed_root_for_servers() {
    let d = TestDir::new();
    golden(
        "verify-listed-root",
        &d,
        &[
            "verify",
            DIGICERT_G2,
            "--for",
            "server",
            "--at",
            AT,
            "--no-system-roots",
        ],
    );
    golden(
        "verify-listed-root-json",
        &d,
        &[
            "verify",
            DIGICERT_G2,
            "--for",
            "server",
            "--at",
            AT,
            "--no-system-roots",
            "--json",
        ],
    );
}

#[test]
fn verify_refuses_a_secret_key() {
    let d = TestDir::new();
    golden(
        "verify-secret",
        &d,
        &["verify", &testdata("service-key-secret.json"), "--at", AT],
    );
}

#[test]
fn trust_list_and_check() {
    let d = TestDir::new();
    golden(
        "trust-list-xsuaa",
        &d,
        &["trust", "list", "--list", "xsuaa-x509"],
    );
    golden(
        "trust-list-unknown",
        &d,
        &["trust", "list", "--list", "nope"],
    );
    golden(
        "trust-check-yes",
        &d,
        &["trust", "check", "--list", "btp-required", DIGICERT_G2],
    );
    golden(
        "trust-check-no",
        &d,
        &[
            "trust",
            "check",
            "--list",
            "btp-approved",
            "--no-system-roots",
            &testdata("service-key.json"),
        ],
    );
    golden(
        "trust-check-json",
        &d,
        &[
            "trust",
            "check",
            "--list",
            "xsuaa-x509",
            "--json",
            "--no-system-roots",
            &testdata("service-key.json"),
        ],
    );
}

#[test]
fn trust_list_everything() {
    let d = TestDir::new();
    golden("trust-list", &d, &["trust", "list"]);
}

#[test]
fn check_external_on_the_sample_leaf() {
    let d = TestDir::new();
    let leaf = testdata("service-key-external.json");
    let chain = testdata("service-key.json");
    golden(
        "check-external-untrusted",
        &d,
        &[
            "check-external",
            &leaf,
            &chain,
            "--at",
            AT,
            "--no-system-roots",
        ],
    );
    golden(
        "check-external-allowed",
        &d,
        &[
            "check-external",
            &leaf,
            &chain,
            "--allow-untrusted",
            "--pin",
            "--at",
            AT,
            "--no-system-roots",
        ],
    );
    golden(
        "check-external-written",
        &d,
        &[
            "check-external",
            &leaf,
            &chain,
            "--allow-untrusted",
            "--for",
            "token",
            "-o",
            "params.json",
            "--at",
            AT,
            "--no-system-roots",
        ],
    );
    golden(
        "check-external-json",
        &d,
        &[
            "check-external",
            &leaf,
            &chain,
            "--allow-untrusted",
            "--no-pin",
            "--json",
            "--at",
            AT,
            "--no-system-roots",
        ],
    );
}

#[test]
fn check_external_refuses_a_chain() {
    let d = TestDir::new();
    golden(
        "check-external-chain",
        &d,
        &[
            "check-external",
            &testdata("service-key.json"),
            "--at",
            AT,
            "--no-system-roots",
        ],
    );
}

#[test]
fn key_params_from_the_sample_keys() {
    let d = TestDir::new();
    golden(
        "key-params-external",
        &d,
        &["key-params", &testdata("service-key-external.json")],
    );
    golden(
        "key-params-written",
        &d,
        &[
            "key-params",
            &testdata("service-key.json"),
            "-o",
            "new.json",
        ],
    );
    golden(
        "key-params-secret",
        &d,
        &["key-params", &testdata("service-key-secret.json")],
    );
}

fn fleet() -> TestDir {
    let d = TestDir::new();
    let read = |name: &str| std::fs::read(testdata(name)).unwrap();
    d.put("keys/cert.json", read("service-key.json"));
    d.put("keys/external.json", read("service-key-external.json"));
    d.put("keys/secret.json", read("service-key-secret.json"));
    d.put("certs/root.pem", read("sample-root.pem"));
    d.put("params/old.json", OLD_PARAMS);
    d.put(
        "params/new.json",
        OLD_PARAMS.replace("client_x509", "client_credentials"),
    );
    let key = read("service-key.json");
    d.put("broken/trunc.json", &key[..key.len() / 3]);
    d.put(
        "zips/test.zip",
        zip_of(&[("root.pem", read("sample-root.pem"))]),
    );
    d.put("notes.md", "not audited");
    d.put(".hidden/key.json", read("service-key.json"));
    d
}

#[test]
fn audit_a_folder_of_fixtures() {
    let d = fleet();
    let args = ["audit", "--at", AT, "--no-system-roots", "."];
    golden("audit", &d, &args);
    golden("audit-csv", &d, &[&args[..], &["--csv"]].concat());
    golden("audit-json", &d, &[&args[..], &["--json"]].concat());
}

#[test]
fn audit_only_good_items() {
    let d = TestDir::new();
    d.put(
        "new.json",
        OLD_PARAMS.replace("client_x509", "client_credentials"),
    );
    golden(
        "audit-good",
        &d,
        &["audit", "--at", AT, "--no-system-roots", "new.json"],
    );
}

#[test]
fn verify_a_certificate_file_by_what_it_is() {
    let d = TestDir::new();
    golden(
        "verify-root-file",
        &d,
        &[
            "verify",
            &testdata("sample-root.pem"),
            "--at",
            AT,
            "--no-system-roots",
        ],
    );
}

#[test]
fn key_params_for_a_certificate_key_and_several_keys() {
    let d = TestDir::new();
    golden(
        "key-params-certificate",
        &d,
        &["key-params", "--type", "certificate", "--validity", "90"],
    );
    golden(
        "key-params-out-of-range",
        &d,
        &["key-params", "--validity", "400"],
    );
    golden(
        "key-params-several",
        &d,
        &[
            "key-params",
            &testdata("service-key.json"),
            &testdata("service-key-external.json"),
            "--out-dir",
            "new",
        ],
    );
}

#[test]
fn extract_completes_an_external_key_from_roots() {
    let d = TestDir::new();
    golden(
        "extract-external-roots",
        &d,
        &[
            "extract",
            &testdata("service-key-external.json"),
            "--roots",
            &testdata("service-key.json"),
            "--no-system-roots",
            "-o",
            "out",
        ],
    );
}

#[test]
fn connectivity_writes_der_and_completes_a_missing_root() {
    let d = TestDir::new();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(testdata("service-key.json")).unwrap())
            .unwrap();
    let chain = v["oauth"]["certificate"].as_str().unwrap();
    let blocks: Vec<String> = chain
        .split_inclusive("-----END CERTIFICATE-----\n")
        .map(String::from)
        .collect();
    d.put(
        "full.zip",
        zip_of(&[("server/root.cer", blocks[2].clone().into_bytes())]),
    );
    d.put(
        "noroot.zip",
        zip_of(&[
            ("a.cer", blocks[0].clone().into_bytes()),
            ("b.cer", blocks[1].clone().into_bytes()),
        ]),
    );
    golden(
        "connectivity-der",
        &d,
        &["connectivity", "full.zip", "--der", "-o", "out"],
    );
    golden(
        "connectivity-completed",
        &d,
        &[
            "connectivity",
            "noroot.zip",
            "--roots",
            &testdata("sample-root.pem"),
            "--no-system-roots",
        ],
    );
}
