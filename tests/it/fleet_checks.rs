//! What the audit sees across keys (a certificate in several keys, unpinned
//! keys SAP cannot tell apart), the expiry that counts and serial numbers
//! in both forms, and the Connectivity Test zip's root: its entry, DER
//! output, and completion from --roots or the system bundle.

use serde_json::Value;

use crate::common::*;
use crate::sapkeys::*;

fn rows(v: &Value) -> &Vec<Value> {
    v["rows"].as_array().unwrap()
}

fn row<'a>(v: &'a Value, name: &str) -> &'a Value {
    rows(v)
        .iter()
        .find(|r| r["file"].as_str().unwrap().ends_with(name))
        .unwrap_or_else(|| panic!("no row {name}: {v}"))
}

#[test]
fn a_certificate_in_two_keys_is_a_note() {
    let h = sap();
    let d = TestDir::new();
    d.put(
        "old/cert-key.json",
        certificate_key(&h.chain_pem(), &h.leaf, Plan::IntegrationFlow),
    );
    d.put(
        "new/ext-key.json",
        external_key(&h.leaf, Plan::IntegrationFlow, Some(true)),
    );
    d.put("api/ext-key.json", external_key(&h.leaf, Plan::Api, None));
    let chain = d.put("ca.pem", pems(&[&h.inter, &h.root]));
    let dirs = [d.p("old"), d.p("new"), d.p("api")];
    let (code, v) = run_json(
        &[
            &["audit", "--at", AT, "--no-system-roots", "--roots", &chain],
            &dirs.iter().map(String::as_str).collect::<Vec<_>>()[..],
        ]
        .concat(),
    );
    for name in ["old/cert-key.json", "new/ext-key.json", "api/ext-key.json"] {
        let r = row(&v, name);
        let notes = r["notes"].to_string();
        assert!(notes.contains("is in 3 service keys"), "{name}: {notes}");
        assert!(
            notes.contains("Certificate already exists for Follower within Leader"),
            "{notes}"
        );
        assert!(
            !r["problems"].to_string().contains("service keys"),
            "a note, not a problem"
        );
    }
    // Only the External keys' missing XSUAA CA (a test CA) needs action.
    assert_eq!(row(&v, "old/cert-key.json")["needs_action"], false);
    assert_eq!(code, 1);
}

#[test]
fn unpinned_external_keys_with_the_same_subject_and_issuer_are_flagged() {
    let h = sap();
    let d = TestDir::new();
    // Two certificates, same subject and issuer (a renewal kept both).
    let renewed = issue(&Spec::client("sb-test!b1|it-rt-test!b2"), Some(&h.inter));
    d.put(
        "a.json",
        external_key(&h.leaf, Plan::IntegrationFlow, Some(false)),
    );
    d.put(
        "b.json",
        external_key(&renewed, Plan::IntegrationFlow, Some(false)),
    );
    // Pinned ones are told apart by the certificate itself.
    let other = issue(&Spec::client("pinned"), Some(&h.inter));
    let other2 = issue(&Spec::client("pinned"), Some(&h.inter));
    d.put(
        "c.json",
        external_key(&other, Plan::IntegrationFlow, Some(true)),
    );
    d.put("e.json", external_key(&other2, Plan::IntegrationFlow, None));
    let chain = d.put("ca/chain.pem", pems(&[&h.inter, &h.root]));
    let (code, v) = run_json(&[
        "audit",
        "--at",
        AT,
        "--no-system-roots",
        "--roots",
        &chain,
        &d.p("a.json"),
        &d.p("b.json"),
        &d.p("c.json"),
        &d.p("e.json"),
    ]);
    assert_eq!(code, 1);
    for name in ["a.json", "b.json"] {
        let p = row(&v, name)["problems"].to_string();
        assert!(
            p.contains("unpinned External Certificate keys with the same subject"),
            "{p}"
        );
        assert!(
            p.contains("KBA 3364579") && p.contains("Multiple clones found for certificate"),
            "{p}"
        );
    }
    for name in ["c.json", "e.json"] {
        assert!(
            !row(&v, name)["problems"].to_string().contains("unpinned"),
            "{name}"
        );
    }
    let (_, out, _) = run(&[
        "audit",
        "--at",
        AT,
        "--no-system-roots",
        "--roots",
        &chain,
        &d.p("a.json"),
        &d.p("b.json"),
    ]);
    assert!(out.contains("generic 401"), "{out}");
}

#[test]
fn the_effective_expiry_names_an_intermediate_that_ends_first() {
    let root = issue(&Spec::ca("Root CA"), None);
    let inter = issue(
        &Spec {
            not_after: Y2020 + 12 * 365 * DAY, // 2031-12-29
            path_len: Some(0),
            ..Spec::ca("Short Client CA")
        },
        Some(&root),
    );
    let leaf = issue(&Spec::client("sb-test!b1|it-rt-test!b2"), Some(&inter));
    let d = TestDir::new();
    let k = d.put(
        "k.json",
        certificate_key(&pems(&[&leaf, &inter, &root]), &leaf, Plan::IntegrationFlow),
    );
    let (_, v) = run_json(&["audit", "--at", AT, "--no-system-roots", &k]);
    let r = &rows(&v)[0];
    let e = &r["effective_expiry"];
    assert_eq!(e["role"], "intermediate");
    assert_eq!(e["subject_dn"], "C=DE, O=btpcert tests, CN=Short Client CA");
    assert_eq!(e["not_after"], "2031-12-29T00:00:00Z");
    assert_eq!(
        r["not_after"], "2120-01-01T00:00:00Z",
        "the leaf's own end stays"
    );
    assert!(r["notes"]
        .to_string()
        .contains("the chain stops working before its leaf"));
    let (_, out, _) = run(&["audit", "--at", AT, "--no-system-roots", &k]);
    assert!(out.contains("chain valid until 2031-12-29 (576 days), set by intermediate C=DE, O=btpcert tests, CN=Short Client CA"), "{out}");
    let (_, out, _) = run(&["inspect", "--at", AT, &k]);
    assert!(
        out.contains("chain valid until 2031-12-29T00:00:00Z (576 days), set by intermediate"),
        "{out}"
    );
    let (_, v) = run_json(&["inspect", "--at", AT, &k]);
    assert_eq!(v["files"][0]["effective_expiry"]["role"], "intermediate");
}

#[test]
fn serial_numbers_in_hex_and_decimal() {
    let h = sap();
    let d = TestDir::new();
    let k = d.put(
        "k.json",
        certificate_key(&h.chain_pem(), &h.leaf, Plan::Api),
    );
    let bn = h.leaf.cert.serial_number().to_bn().unwrap();
    let dec = bn.to_dec_str().unwrap().to_string();
    let (_, v) = run_json(&["audit", "--at", AT, "--no-system-roots", &k]);
    let serial = &rows(&v)[0]["serial"];
    assert_eq!(serial["decimal"], dec.as_str());
    let hex = serial["hex"].as_str().unwrap();
    assert!(
        hex.starts_with("0x") && hex.len().is_multiple_of(2),
        "{hex}"
    );
    assert_eq!(
        openssl::bn::BigNum::from_hex_str(&hex[2..])
            .unwrap()
            .to_dec_str()
            .unwrap()
            .to_string(),
        dec
    );
    let (_, out, _) = run(&["inspect", "--at", AT, &k]);
    assert!(out.contains(&format!("({hex}, decimal {dec})")), "{out}");
    let (_, out, _) = run(&["audit", "--at", AT, "--no-system-roots", &k]);
    assert!(
        out.contains(&format!("serial {hex} (decimal {dec})")),
        "{out}"
    );
}

#[test]
fn connectivity_names_the_entry_and_writes_der() {
    let d = TestDir::new();
    let g2 = real_root_der(DIGICERT_G2);
    let z = d.put(
        "download.zip",
        zip_of(&[("certs/0-root-of-chain.cer", g2.clone())]),
    );
    let (code, out, _) = run(&[
        "connectivity",
        &z,
        "-o",
        &d.p("o"),
        "--der",
        "--root-file",
        &d.p("root.cer"),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("zip entry certs/0-root-of-chain.cer: the .cer to import"),
        "{out}"
    );
    assert_eq!(std::fs::read(d.path().join("o/root.cer")).unwrap(), g2);
    assert_eq!(std::fs::read(d.p("root.cer")).unwrap(), g2);
    assert!(
        out.contains("Trust lists: btp-approved: BTP Trust Store v3.0.0"),
        "{out}"
    );
    // PEM for another name.
    let (code, _, _) = run(&["connectivity", &z, "--root-file", &d.p("root.pem")]);
    assert_eq!(code, 0);
    assert!(std::fs::read_to_string(d.p("root.pem"))
        .unwrap()
        .starts_with("-----BEGIN CERTIFICATE-----"));
    let (_, v) = run_json(&["connectivity", &z]);
    assert_eq!(v["root"]["entry"], "certs/0-root-of-chain.cer");
    assert_eq!(v["root"]["from"], "archive");
}

#[test]
fn connectivity_completes_a_missing_root() {
    let h = sap();
    let server = issue(&Spec::server("tenant.example"), Some(&h.inter));
    let d = TestDir::new();
    let z = d.put(
        "noroot.zip",
        zip_of(&[("a.cer", server.cert_der()), ("b.cer", h.inter.cert_der())]),
    );
    let root = d.put("root.pem", h.root.cert_pem());
    // From --roots.
    let out = d.path().join("o");
    let (code, stdout, err) = run(&[
        "connectivity",
        &z,
        "-o",
        out.to_str().unwrap(),
        "--roots",
        &root,
        "--no-system-roots",
    ]);
    assert_eq!(code, 1, "the test root is on no SAP list");
    assert!(err.contains("the archive holds no root (the server did not send it); completed with 'Test Root CA' from --roots"), "{err}");
    assert!(
        stdout.contains("not in the archive: from --roots"),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("root.pem")).unwrap(),
        h.root.cert_pem()
    );
    // From the system bundle.
    let a = btpcert()
        .args(["connectivity", &z, "--json"])
        .env("SSL_CERT_FILE", &root)
        .assert();
    let v: Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    assert_eq!(v["root"]["from"], "system");
    assert!(v["root"]["entry"].is_null());
    assert!(v["problem"].is_null(), "{v}");
    assert!(stderr_of(&a).contains("from the system's CA bundle"));
    // Neither: the problem as before, nothing written.
    let (code, stdout, _) = run(&[
        "connectivity",
        &z,
        "-o",
        d.p("none").as_str(),
        "--no-system-roots",
    ]);
    assert_eq!(code, 1);
    assert!(stdout.contains("the archive holds no root: the server sent an incomplete chain"));
    assert!(!d.path().join("none").exists());
}
