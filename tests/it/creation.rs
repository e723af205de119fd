//! Creation parameters: a Certificate key's validity and key length within
//! what SAP documents, several old keys at once, and SAP's next steps.

use serde_json::Value;

use crate::common::*;
use crate::sapkeys::*;

#[test]
fn key_params_refuses_values_sap_does_not_accept() {
    for (args, text) in [
        (
            vec!["--validity", "0"],
            "validity 0: SAP accepts 1 to 365 days",
        ),
        (
            vec!["--validity", "366"],
            "validity 366: SAP accepts 1 to 365 days",
        ),
        (
            vec!["--key-length", "4096"],
            "key length 4096: SAP documents 2048 bits",
        ),
        (
            vec!["--type", "certificate", "--key-length", "1024"],
            "key length 1024",
        ),
    ] {
        let (code, out, err) = run(&[&["key-params"], &args[..]].concat());
        assert_eq!(code, 2, "{args:?}");
        assert!(out.is_empty());
        assert!(err.contains(text), "{args:?}: {err}");
    }
    let (code, _, err) = run(&[
        "key-params",
        "--type",
        "certificate_external",
        "--validity",
        "30",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("are for a Certificate key"), "{err}");
}

#[test]
fn key_params_writes_a_certificate_keys_parameters() {
    let (code, out, _) = run(&["key-params", "--type", "certificate"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"key-type": "certificate", "validity": 365, "key-length": 2048})
    );
    let (_, out, err) = run(&["key-params", "--validity", "1", "--key-length", "2048"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["validity"], 1);
    assert!(
        err.contains("cf create-service-key INSTANCE NEW-KEY -c FILE"),
        "{err}"
    );
    // From a ClientId/Secret key of either plan, when asked.
    let d = TestDir::new();
    for plan in [Plan::IntegrationFlow, Plan::Api] {
        let k = d.put("s.json", secret_key(plan));
        let (code, out, _) = run(&[
            "key-params",
            &k,
            "--type",
            "certificate",
            "--validity",
            "90",
        ]);
        assert_eq!(code, 0);
        assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["validity"], 90);
    }
}

#[test]
fn extract_hints_at_the_whole_certificate_parameters() {
    let d = TestDir::new();
    let k = d.put("s.json", secret_key(Plan::IntegrationFlow));
    let (code, _, err) = run(&["extract", &k, "-o", d.p("o").as_str()]);
    assert_eq!(code, 2);
    assert!(
        err.contains(r#"{"key-type": "certificate", "validity": 365, "key-length": 2048}"#),
        "{err}"
    );
}

#[test]
fn key_params_takes_several_keys_and_says_what_sap_says() {
    let h = sap();
    let other = issue(&Spec::client("other"), Some(&h.inter));
    let d = TestDir::new();
    let cert_flow = d.put(
        "cert-flow.json",
        certificate_key(&h.chain_pem(), &h.leaf, Plan::IntegrationFlow),
    );
    let cert_api = d.put(
        "cert-api.json",
        certificate_key(&pems(&[&other, &h.inter, &h.root]), &other, Plan::Api),
    );
    let ext_flow = d.put(
        "ext-flow.json",
        external_key(&h.leaf, Plan::IntegrationFlow, Some(false)),
    );
    let ext_api = d.put("ext-api.json", external_key(&other, Plan::Api, None));
    let out = d.path().join("new");
    let (code, stdout, err) = run(&[
        "key-params",
        &cert_flow,
        &cert_api,
        &ext_flow,
        &ext_api,
        "--out-dir",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        entries(&out),
        [
            "cert-api-params.json",
            "cert-flow-params.json",
            "ext-api-params.json",
            "ext-flow-params.json"
        ]
    );
    assert!(stdout.contains("-params.json (for "), "{stdout}");
    let params = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(out.join(name)).unwrap()).unwrap()
    };
    assert_eq!(params("ext-flow-params.json")["certificate-pinning"], false);
    assert!(params("ext-api-params.json")
        .get("certificate-pinning")
        .is_none());
    for name in ["cert-flow-params.json", "cert-api-params.json"] {
        let p = params(name);
        assert_eq!(p["key-type"], "certificate_external");
        assert_eq!(
            p["X.509"]
                .as_str()
                .unwrap()
                .matches("BEGIN CERTIFICATE")
                .count(),
            1
        );
    }
    // SAP's steps: delete before create, the error otherwise, the minutes
    // without a key, and the private key of a Certificate key saved first.
    assert!(err.contains("delete it, then create the new one"), "{err}");
    assert!(err.contains("Certificate already exists for Follower within Leader with appid [...]"));
    assert!(err.contains("no key exists and the sender cannot call: plan those minutes"));
    assert_eq!(
        err.matches("save its private key before you delete it")
            .count(),
        2,
        "{err}"
    );
    assert!(
        err.contains(&format!("btpcert extract {cert_flow} -o DIR")),
        "{err}"
    );
    // Several keys need a folder.
    let (code, _, err) = run(&["key-params", &cert_flow, &ext_flow]);
    assert_eq!(code, 2);
    assert!(err.contains("--out-dir DIR"), "{err}");
}
