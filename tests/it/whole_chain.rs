//! The whole chain goes to the sender: every file btpcert writes as a
//! sender's identity (extract's certificate.pem, the postman kit, p12, JKS
//! key entries) holds leaf, intermediates and root; what the input lacks is
//! completed and said, and what cannot be completed is said with its fix.

use crate::common::*;
use crate::sapkeys::*;

fn extract_to(
    d: &TestDir,
    input: &str,
    extra: &[&str],
) -> (i32, String, String, std::path::PathBuf) {
    let out = d.path().join(format!("o{}", entries(d.path()).len()));
    let (code, stdout, stderr) =
        run(&[&["extract", input, "-o", out.to_str().unwrap()], extra].concat());
    (code, stdout, stderr, out)
}

#[test]
fn an_external_key_with_roots_gives_leaf_intermediates_and_root() {
    let h = sap();
    let d = TestDir::new();
    let chain = d.put("ca-chain.pem", pems(&[&h.inter, &h.root]));
    for plan in [Plan::IntegrationFlow, Plan::Api] {
        let k = d.put("ext.json", external_key(&h.leaf, plan, Some(true)));
        let (code, out, err, dir) = extract_to(&d, &k, &["--roots", &chain, "--no-system-roots"]);
        assert_eq!(code, 0, "{plan:?}: {out}{err}");
        assert_eq!(
            pem_ders(&dir.join("certificate.pem")),
            h.chain_der(),
            "{plan:?}"
        );
        assert!(
            out.contains("certificate.pem: 3 certificates, leaf first"),
            "{out}"
        );
        assert!(out.contains("C=DE, O=btpcert tests, CN=Test Client CA (valid until 2120-01-01, added from --roots)"), "{out}");
        assert!(
            out.contains("Test Root CA (valid until 2120-01-01, added from --roots)"),
            "{out}"
        );
        assert!(out.contains("CRT file"), "ready for Postman: {out}");
        let (_, v) = run_json(&[
            "extract",
            &k,
            "-o",
            d.path().join("j").to_str().unwrap(),
            "--force",
            "--roots",
            &chain,
            "--no-system-roots",
        ]);
        assert_eq!(v["chain_complete"], true);
        assert_eq!(v["added"].as_array().unwrap().len(), 2);
        assert!(v["chain_problem"].is_null());
    }
}

#[test]
fn an_external_key_without_its_chain_is_not_ready_for_postman() {
    let h = sap();
    let d = TestDir::new();
    for plan in [Plan::IntegrationFlow, Plan::Api] {
        let k = d.put("ext.json", external_key(&h.leaf, plan, None));
        let (code, out, _, dir) = extract_to(&d, &k, &["--no-system-roots"]);
        assert_eq!(code, 1, "{plan:?}");
        // The file is written, and said to be unfit.
        assert_eq!(
            pem_ders(&dir.join("certificate.pem")),
            vec![h.leaf.cert_der()]
        );
        assert!(
            out.contains("✗ certificate.pem does not reach a root"),
            "{out}"
        );
        assert!(
            out.contains("SAP's load balancer takes a client certificate only with its chain"),
            "{out}"
        );
        assert!(out.contains("run again with --roots FILE"), "{out}");
        assert!(!out.contains("  CRT file  "), "{out}");
        assert!(out.contains("is not ready as the CRT file"), "{out}");
    }
}

#[test]
fn a_certificate_key_without_its_root_is_completed_from_roots_or_the_system() {
    let h = sap();
    let d = TestDir::new();
    for plan in [Plan::IntegrationFlow, Plan::Api] {
        let k = d.put(
            "k.json",
            certificate_key(&pems(&[&h.leaf, &h.inter]), &h.leaf, plan),
        );
        let root = d.put("root.pem", h.root.cert_pem());
        let (code, out, _, dir) = extract_to(&d, &k, &["--roots", &root, "--no-system-roots"]);
        assert_eq!(code, 0, "{out}");
        assert_eq!(pem_ders(&dir.join("certificate.pem")), h.chain_der());
        // From the system bundle (SSL_CERT_FILE).
        let out_dir = d.path().join(format!("sys-{plan:?}"));
        let a = btpcert()
            .args(["extract", &k, "-o", out_dir.to_str().unwrap()])
            .env("SSL_CERT_FILE", &root)
            .assert()
            .success();
        assert!(
            stdout_of(&a).contains("added from the system's CA bundle"),
            "{}",
            stdout_of(&a)
        );
        assert_eq!(pem_ders(&out_dir.join("certificate.pem")), h.chain_der());
        // Neither: exit 1, the files written.
        let (code, _, _, dir) = extract_to(&d, &k, &["--no-system-roots"]);
        assert_eq!(code, 1);
        assert!(dir.join("key.pem").exists());
    }
}

#[test]
fn p12_postman_and_jks_carry_the_root() {
    let h = sap();
    let d = TestDir::new();
    let pw = d.put("pw", "changeit\n");
    let partial = d.put(
        "partial.pem",
        format!(
            "{}{}",
            pems(&[&h.leaf, &h.inter]),
            h.leaf.key_traditional_pem()
        ),
    );
    let root = d.put("root.pem", h.root.cert_pem());
    let p12 = d.p("c.p12");
    let (code, _, err) = run(&[
        "p12",
        &partial,
        "-o",
        &p12,
        "--password-file",
        &pw,
        "--roots",
        &root,
        "--no-system-roots",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(
            "completed the chain with 'C=DE, O=btpcert tests, CN=Test Root CA' from --roots"
        ),
        "{err}"
    );
    let (_, v) = run_json(&["inspect", &p12, "--password-file", &pw]);
    assert_eq!(v["files"][0]["certificates"].as_array().unwrap().len(), 3);

    // JKS key entry: the same chain of three.
    let jks = d.p("c.jks");
    let (code, _, err) = run(&[
        "p12",
        &partial,
        "-o",
        &jks,
        "--password-file",
        &pw,
        "--roots",
        &root,
        "--no-system-roots",
    ]);
    assert_eq!(code, 0, "{err}");
    let list = tool("keytool")
        .args(["-list", "-v", "-keystore", &jks, "-storepass", "changeit"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(text.contains("Certificate chain length: 3"), "{text}");

    // --allow-incomplete says what the load balancer will do.
    let (code, _, err) = run(&[
        "p12",
        &partial,
        "-o",
        &d.p("i.p12"),
        "--password-file",
        &pw,
        "--no-system-roots",
        "--allow-incomplete",
    ]);
    assert_eq!(code, 0);
    assert!(
        err.contains("SAP's load balancer rejects a client certificate without its chain"),
        "{err}"
    );

    // The postman kit of an External key: client.crt with leaf, intermediate, root.
    for plan in [Plan::IntegrationFlow, Plan::Api] {
        let k = d.put("ext.json", external_key(&h.leaf, plan, Some(false)));
        let key = d.put("client.key", h.leaf.key_pkcs8_pem());
        let chain = d.put("ca.pem", pems(&[&h.inter, &h.root]));
        let kit = d.path().join(format!("kit-{plan:?}"));
        let (code, out, err) = run(&[
            "postman",
            &k,
            "--key",
            &key,
            "-o",
            kit.to_str().unwrap(),
            "--password-file",
            &pw,
            "--roots",
            &chain,
            "--no-system-roots",
        ]);
        assert_eq!(code, 0, "{out}{err}");
        assert_eq!(pem_ders(&kit.join("client.crt")), h.chain_der());
        assert!(
            out.contains("client.crt (3 certificates, leaf first)"),
            "{out}"
        );
    }
}
