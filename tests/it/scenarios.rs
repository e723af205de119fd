//! The scenario model: which scenarios an input is judged for and why, the
//! token rule (a root the load balancer supports, and for an external
//! certificate a CA on XSUAA's list), the load balancer's public list as a
//! warning, look-alike roots, and the trust-list versions every verdict
//! names. Generated service keys of both plans and all three key types.

use serde_json::Value;

use crate::common::*;
use crate::sapkeys::*;

#[test]
fn the_sample_key_is_judged_for_iflow_and_token() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/service-key.json");
    let (code, v) = verify(&[sample]);
    assert_eq!(scenario_names(&v), ["iflow", "token"]);
    assert_eq!(
        code, 0,
        "a made-up root off SAP's public list is a warning: {v}"
    );
    let chosen = &v["scenarios_chosen"];
    assert_eq!(chosen["scenarios"], serde_json::json!(["iflow", "token"]));
    assert!(chosen["reason"]
        .as_str()
        .unwrap()
        .starts_with("a Certificate key (SAP-generated) of plan integration-flow"));
    let (_, out, _) = run(&["verify", "--at", AT, "--no-system-roots", sample]);
    assert!(
        out.contains("Scenarios judged: iflow, token. Why: a Certificate key"),
        "{out}"
    );
    assert!(out.contains("Scenario token (certificate-based token request, OAuth client credentials, lists btp-approved and xsuaa-x509):"), "{out}");
}

#[test]
fn certificate_keys_follow_their_plan() {
    let h = sap();
    let f = TestDir::new();
    for plan in Plan::ALL {
        let k = f.put("k.json", certificate_key(&h.chain_pem(), &h.leaf, plan));
        let (code, v) = verify(&[&k]);
        assert_eq!(scenario_names(&v), plan.scenarios(), "{plan:?}");
        assert_eq!(code, 0, "{plan:?}: {v}");
        // SAP generated it: XSUAA's list does not apply.
        let ca = scenario_check(&v, "token", "ca-trusted");
        assert_eq!(ca[0].0, "ok", "{plan:?}: {ca:?}");
        assert!(ca[0].1.contains("SAP generated the certificate"));
        // The root is the load balancer's question, for the token too.
        let root = scenario_check(&v, "token", "root-trusted");
        assert_eq!(root[0].0, "warn");
        assert!(root[0].1.contains("SAP Note 2801396"), "{root:?}");
        let reason = v["scenarios_chosen"]["reason"].as_str().unwrap();
        match plan {
            Plan::IntegrationFlow => assert!(reason.contains("plan integration-flow")),
            Plan::Api => assert!(reason.contains("plan api"), "{reason}"),
            Plan::Unknown => assert!(reason.contains("does not tell"), "{reason}"),
        }
    }
}

#[test]
fn external_keys_follow_their_plan_and_need_a_ca_on_xsuaas_list() {
    let h = sap();
    let f = TestDir::new();
    let chain = f.put("chain.pem", pems(&[&h.inter, &h.root]));
    for plan in Plan::ALL {
        let k = f.put("ext.json", external_key(&h.leaf, plan, Some(true)));
        let (code, v) = verify(&[&k, "--roots", &chain]);
        assert_eq!(scenario_names(&v), plan.scenarios(), "{plan:?}");
        assert_eq!(code, 1, "{plan:?}");
        let ca = scenario_check(&v, "token", "ca-trusted");
        assert_eq!(ca[0].0, "fail");
        assert!(ca[0].1.contains("is not on xsuaa-x509"), "{ca:?}");
        assert!(v["scenarios_chosen"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("an External Certificate key"));
    }
}

#[test]
fn a_client_secret_key_has_no_scenario() {
    let f = TestDir::new();
    for plan in Plan::ALL {
        let k = f.put("s.json", secret_key(plan));
        let (code, _, err) = run(&["verify", "--no-system-roots", &k]);
        assert_eq!(code, 2);
        assert!(err.contains("a ClientId/Secret service key holds no certificate"));
        // audit: a row without trust columns.
        let (code, v) = run_json(&["audit", "--no-system-roots", &k]);
        assert_eq!(code, 0);
        assert_eq!(v["rows"][0]["kind"], "service-key/client-secret");
        assert!(v["rows"][0]["trust"]["token"].is_null());
    }
}

#[test]
fn certificate_files_are_judged_by_their_extended_key_usage() {
    let h = sap();
    let f = TestDir::new();
    let cases = [
        (
            Eku::ClientAuth,
            vec!["iflow", "token"],
            "clientAuth, not serverAuth",
        ),
        (
            Eku::ServerAuth,
            vec!["server"],
            "serverAuth, not clientAuth",
        ),
        (
            Eku::None,
            vec!["iflow", "token", "server"],
            "no extended key usage",
        ),
    ];
    for (eku, names, reason) in cases {
        let leaf = issue(
            &Spec {
                eku,
                ..Spec::client("leaf")
            },
            Some(&h.inter),
        );
        let p = f.put("c.pem", pems(&[&leaf, &h.inter, &h.root]));
        let (_, v) = verify(&[&p]);
        assert_eq!(scenario_names(&v), names, "{eku:?}");
        let why = v["scenarios_chosen"]["reason"].as_str().unwrap();
        assert!(why.contains(reason), "{eku:?}: {why}");
    }
    // A CA certificate alone is a root for a truststore.
    let root = f.put("root.pem", h.root.cert_pem());
    let (_, v) = verify(&[&root]);
    assert_eq!(scenario_names(&v), ["server"]);
    // --for overrides every default.
    let p = f.put("chain.pem", h.chain_pem());
    let (_, v) = verify(&["--for", "server", &p]);
    assert_eq!(scenario_names(&v), ["server"]);
    assert_eq!(
        v["scenarios_chosen"]["reason"],
        "asked for with --for server"
    );
}

#[test]
fn a_root_off_the_public_list_is_a_warning_for_calls_and_a_look_alike_fails() {
    let h = sap();
    let f = TestDir::new();
    let p = f.put("c.pem", h.chain_pem());
    let (code, v) = verify(&["--for", "iflow", &p]);
    assert_eq!(code, 0);
    assert_eq!(v["status"], "warn");
    assert_eq!(v["scenarios"][0]["trusted"], false);
    let root = scenario_check(&v, "iflow", "root-trusted");
    assert_eq!(root[0].0, "warn");
    assert!(root[0]
        .1
        .contains("is not on btp-approved, SAP's public list"));
    assert!(root[0].1.contains("SAP Note 2801396"));
    // A look-alike of a listed root fails, with both fingerprints.
    let fake = look_alike_g2();
    let inter = issue(&Spec::ca("Evil CA"), Some(&fake));
    let leaf = issue(&Spec::client("victim"), Some(&inter));
    let p = f.put("fake.pem", pems(&[&leaf, &inter, &fake]));
    for scenario in ["iflow", "token"] {
        let (code, v) = verify(&["--for", scenario, &p]);
        assert_eq!(code, 1);
        let root = scenario_check(&v, scenario, "root-trusted");
        assert_eq!(root[0].0, "fail", "{scenario}");
        assert!(root[0].1.contains(&fake.sha256()) && root[0].1.contains(DIGICERT_G2_SHA256));
    }
    // check-external's --allow-untrusted does not allow a look-alike.
    let leaf_file = f.put("leaf.pem", leaf.cert_pem());
    let chain = f.put("ca.pem", pems(&[&inter, &fake]));
    let (code, v) = run_json(&[
        "check-external",
        "--at",
        AT,
        "--no-system-roots",
        "--allow-untrusted",
        &leaf_file,
        "--roots",
        &chain,
    ]);
    assert_eq!(code, 1, "{v}");
    assert!(v["parameters"].is_null());
}

#[test]
fn the_token_rule_against_real_roots() {
    // A chain that ends at a real root needs the root's private key, which
    // no test has. The rule decides by the root's fingerprint, so the path
    // is put together by hand around the real certificates of Debian's
    // ca-certificates: DigiCert Global Root G2 (btp-approved and xsuaa-x509)
    // and ISRG Root X1 (btp-approved only).
    use btpcert::sap::scenario::{scenario_report, Issuance, Scenario};
    use btpcert::x509::cert::Cert;
    use btpcert::x509::chain::Chain;
    use btpcert::x509::roots::Origin;
    use btpcert::x509::verify::Path;

    let leaf = Cert::from_der(&sap().leaf.cert_der()).unwrap();
    let inter = Cert::from_der(&sap().inter.cert_der()).unwrap();
    let path = |root: &str| {
        let root = Cert::from_der(&real_root_der(root)).unwrap();
        let certs = vec![leaf.clone(), inter.clone(), root];
        Path {
            chain: Chain {
                certs: certs.clone(),
                unrelated: Vec::new(),
                duplicates: Vec::new(),
                reordered: false,
            },
            certs: certs.into_iter().map(|c| (c, Origin::Chain)).collect(),
            missing_issuer: None,
            not_needed: Vec::new(),
        }
    };
    let status = |r: &btpcert::sap::scenario::ScenarioReport| {
        serde_json::to_value(r.status)
            .unwrap()
            .as_str()
            .unwrap()
            .to_string()
    };
    let g2 = path(DIGICERT_G2);
    for issuance in [
        Issuance::SapGenerated,
        Issuance::External,
        Issuance::Unknown,
    ] {
        let t = scenario_report(Scenario::Token, &g2, issuance);
        assert!(t.trusted, "{issuance:?}: {:?}", t.checks);
        assert_eq!(status(&t), "ok");
        let i = scenario_report(Scenario::Iflow, &g2, issuance);
        assert!(i.trusted && status(&i) == "ok", "{:?}", i.checks);
    }
    let isrg = path(ISRG_X1);
    // SAP-generated: the load balancer's root is enough.
    let t = scenario_report(Scenario::Token, &isrg, Issuance::SapGenerated);
    assert!(t.trusted, "{:?}", t.checks);
    // External: ISRG Root X1 is on no XSUAA list.
    let t = scenario_report(Scenario::Token, &isrg, Issuance::External);
    assert!(!t.trusted);
    assert_eq!(status(&t), "fail");
    assert!(scenario_report(Scenario::Iflow, &isrg, Issuance::External).trusted);
}

#[test]
fn sap_named_cas_over_test_keys_are_not_sap() {
    // Names decide nothing: SAP Cloud Root CA's name over a test key is a
    // look-alike, and the certificate file is not taken as SAP-generated.
    let h = sap_named();
    let f = TestDir::new();
    let p = f.put("c.pem", h.chain_pem());
    let (code, v) = verify(&[&p]);
    assert_eq!(code, 1);
    assert_eq!(scenario_names(&v), ["iflow", "token"]);
    let root = scenario_check(&v, "iflow", "root-trusted");
    assert_eq!(root[0].0, "fail");
    assert!(
        root[0]
            .1
            .contains("is not the CA SAP trusts under that name"),
        "{root:?}"
    );
    // As a Certificate key, the key says SAP generated it; the root still fails.
    let k = f.put(
        "k.json",
        certificate_key(&h.chain_pem(), &h.leaf, Plan::IntegrationFlow),
    );
    let (code, v) = verify(&[&k]);
    assert_eq!(code, 1);
    assert_eq!(scenario_check(&v, "token", "ca-trusted")[0].0, "ok");
    assert_eq!(scenario_check(&v, "token", "root-trusted")[0].0, "fail");
}

#[test]
fn check_external_shows_both_verdicts() {
    let h = sap();
    let f = TestDir::new();
    let leaf = f.put("leaf.pem", h.leaf.cert_pem());
    let inter = f.put("inter.pem", h.inter.cert_pem());
    let root = f.put("root.pem", h.root.cert_pem());
    let args = [
        "check-external",
        "--at",
        AT,
        "--no-system-roots",
        &leaf,
        &inter,
        "--roots",
        &root,
    ];
    let (code, v) = run_json(&args);
    assert_eq!(code, 1);
    let s: Vec<(&str, &str)> = v["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["scenario"].as_str().unwrap(),
                s["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(s, [("iflow", "warn"), ("token", "fail")]);
    assert_eq!(v["trust_lists"].as_array().unwrap().len(), 2);
    let (_, out, _) = run(&args);
    assert!(out.contains("(for iflow and token):"), "{out}");
    assert!(
        out.contains("! for iflow (direct client-certificate call"),
        "{out}"
    );
    assert!(
        out.contains("✗ for token (certificate-based token request"),
        "{out}"
    );
    assert!(out.contains("--for iflow or --for token judges the one the key is for"));
    // For iflow alone, the root off the public list is a warning: parameters.
    let (code, v) = run_json(&[&args[..], &["--for", "iflow"]].concat());
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["parameters"]["key-type"], "certificate_external");
    assert_eq!(v["scenarios"].as_array().unwrap().len(), 1);
}

#[test]
fn every_verdict_names_the_trust_list_versions() {
    let f = TestDir::new();
    let k = f.put("k.json", cockpit_key(sap()));
    let (_, v) = verify(&[&k]);
    let lists: Vec<(&str, &str)> = v["trust_lists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["list"].as_str().unwrap(), l["version"].as_str().unwrap()))
        .collect();
    assert_eq!(
        lists,
        [
            ("btp-approved", "BTP Trust Store v3.0.0 (2026-06-03)"),
            (
                "xsuaa-x509",
                "Trusted Authorities for X.509 Certificates of 2025-04-17"
            )
        ]
    );
    let (_, out, _) = run(&["verify", "--at", AT, "--no-system-roots", &k]);
    assert!(out.contains("Trust lists: btp-approved: BTP Trust Store v3.0.0 (2026-06-03); xsuaa-x509: Trusted Authorities for X.509 Certificates of 2025-04-17"));
    let (_, v) = run_json(&["audit", "--at", AT, "--no-system-roots", &k]);
    assert_eq!(v["trust_lists"].as_array().unwrap().len(), 3);
    let (_, out, _) = run(&["audit", "--at", AT, "--no-system-roots", &k]);
    assert!(
        out.contains("Trust lists: btp-approved: BTP Trust Store v3.0.0"),
        "{out}"
    );
}

#[test]
fn look_alike_roots_reach_no_file_without_the_flag() {
    let fake = look_alike_g2();
    let d = TestDir::new();
    let z = d.put("c.zip", zip_of(&[("certs/root.cer", fake.cert_der())]));
    let pw = d.put("pw", "changeit\n");
    let out = d.path().join("o");
    let ts = d.p("trust.p12");
    let (code, stdout, err) = run(&[
        "connectivity",
        &z,
        "-o",
        out.to_str().unwrap(),
        "--all",
        "--truststore",
        &ts,
        "--password-file",
        &pw,
    ]);
    assert_eq!(code, 1);
    assert!(
        !out.exists() && !std::path::Path::new(&ts).exists(),
        "{stdout}{err}"
    );
    assert!(
        err.contains(&fake.sha256()) && err.contains(DIGICERT_G2_SHA256),
        "{err}"
    );
    assert!(
        err.contains(&format!("--accept-look-alike {}", fake.sha256())),
        "{err}"
    );
    // Named explicitly: written, with a note.
    let (_, _, err) = run(&[
        "connectivity",
        &z,
        "-o",
        out.to_str().unwrap(),
        "--accept-look-alike",
        &fake.sha256().replace(':', "").to_lowercase(),
    ]);
    assert!(
        err.contains("written as asked with --accept-look-alike"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("root.pem")).unwrap(),
        fake.cert_pem()
    );

    // truststore: left out with both fingerprints, exit 1; the rest is added.
    let fake_file = d.put("fake.pem", fake.cert_pem());
    let real = d.put("real.pem", sap().root.cert_pem());
    let ts2 = d.p("t2.p12");
    let (code, stdout, err) = run(&[
        "truststore",
        &fake_file,
        &real,
        "-o",
        &ts2,
        "--password-file",
        &pw,
    ]);
    assert_eq!(code, 1, "{stdout}{err}");
    assert!(stdout.contains("1 trusted certificate entry"), "{stdout}");
    assert!(stdout.contains("(a look-alike: left out)"), "{stdout}");
    assert!(
        err.contains(DIGICERT_G2_SHA256) && err.contains(&fake.sha256()),
        "{err}"
    );
    // Alone: nothing to write.
    let (code, _, err) = run(&[
        "truststore",
        &fake_file,
        "-o",
        &d.p("t3.p12"),
        "--password-file",
        &pw,
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("no CA certificate to add"), "{err}");
    // Accepted: added, exit 0.
    let (code, stdout, _) = run(&[
        "truststore",
        &fake_file,
        "-o",
        &d.p("t4.p12"),
        "--password-file",
        &pw,
        "--accept-look-alike",
        &fake.sha256(),
    ]);
    assert_eq!(code, 0);
    assert!(stdout.contains("1 added"), "{stdout}");
}

#[test]
fn audit_shows_scenarios_that_do_not_apply_as_n_a() {
    let h = sap();
    let d = TestDir::new();
    d.put(
        "api.json",
        certificate_key(&h.chain_pem(), &h.leaf, Plan::Api),
    );
    d.put(
        "flow.json",
        certificate_key(&h.chain_pem(), &h.leaf, Plan::IntegrationFlow),
    );
    d.put("root.pem", h.root.cert_pem());
    let (_, v) = run_json(&[
        "audit",
        "--at",
        AT,
        "--no-system-roots",
        d.path().to_str().unwrap(),
    ]);
    let row = |name: &str| -> Value {
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["file"].as_str().unwrap().ends_with(name))
            .unwrap()
            .clone()
    };
    let api = row("api.json");
    assert!(api["trust"]["iflow"].is_null() && api["trust"]["server"].is_null());
    assert_eq!(api["trust"]["token"], false);
    let flow = row("flow.json");
    assert_eq!(flow["trust"]["iflow"], false);
    assert!(flow["trust"]["server"].is_null());
    let root = row("root.pem");
    assert!(root["trust"]["iflow"].is_null());
    assert_eq!(root["trust"]["server"], false);
    let (_, out, _) = run(&[
        "audit",
        "--at",
        AT,
        "--no-system-roots",
        d.path().to_str().unwrap(),
    ]);
    assert!(out.contains("iflow:n/a token:no server:n/a"), "{out}");
}

/// SAP Cloud Root CA as SAP publishes it (testdata/sap): on the lists by
/// its fingerprint, written to a truststore; a certificate with its name
/// over another key is not, without the flag that names it.
#[test]
fn sap_s_published_root_is_on_its_lists_and_its_look_alike_is_not() {
    let real = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/sap/SAP-Cloud-Root-CA.pem"
    );
    const SAP_ROOT_SHA256: &str = "6F:87:42:22:FA:EA:17:FD:8C:4A:4C:25:EF:26:F2:9F:BE:00:BF:45:82:C3:E1:FE:00:C2:F0:3D:BC:78:B2:81";
    for (list, code) in [("btp-required", 0), ("btp-approved", 0), ("xsuaa-x509", 1)] {
        let (c, v) = run_json(&["trust", "check", "--no-system-roots", "--list", list, real]);
        assert_eq!(c, code, "{list}: {v}");
        assert_eq!(v["trusted"], code == 0, "{list}: {v}");
    }
    let (_, v) = run_json(&["verify", "--no-system-roots", "--for", "server", real]);
    assert_eq!(
        v["scenarios"][0]["anchor"]["fingerprint_sha256"], SAP_ROOT_SHA256,
        "{v}"
    );
    assert_eq!(v["scenarios"][0]["trusted"], true, "{v}");

    let h = sap_named();
    let f = TestDir::new();
    let fake = f.put("fake-root.pem", h.root.cert_pem());
    let out = f.p("ts.p12");
    let a = btpcert()
        .args(["truststore", "--no-password", "-o", &out, real, &fake])
        .assert();
    // Written without the look-alike, which is named with both
    // fingerprints; exit 1 as something was left out.
    assert_eq!(a.get_output().status.code(), Some(1));
    let err = stderr_of(&a);
    assert!(err.contains(SAP_ROOT_SHA256), "{err}");
    assert!(err.contains(&h.root.sha256()), "{err}");
    let listed = |out: &str| {
        let list = std::process::Command::new("keytool")
            .args(["-list", "-v", "-storetype", "pkcs12", "-storepass", ""])
            .args(["-keystore", out])
            .output()
            .unwrap();
        assert!(list.status.success());
        String::from_utf8_lossy(&list.stdout).into_owned()
    };
    let text = listed(&out);
    assert!(text.contains(SAP_ROOT_SHA256), "{text}");
    assert!(!text.contains(&h.root.sha256()), "{text}");
    // Named with --accept-look-alike, it goes in too.
    let out = f.p("ts2.p12");
    btpcert()
        .args(["truststore", "--no-password", "-o", &out, real, &fake])
        .args(["--accept-look-alike", &h.root.sha256()])
        .assert()
        .code(0);
    let text = listed(&out);
    assert!(text.contains(SAP_ROOT_SHA256), "{text}");
    assert!(text.contains(&h.root.sha256()), "{text}");
}

/// A chain SAP generated (testdata/sap: leaf, SAP Cloud Platform Client
/// CA, SAP Cloud Root CA, all real): trusted for calls to integration
/// flows and for token requests, as `openssl verify` accepts it, at a time
/// the leaf was valid.
#[test]
fn a_real_sap_generated_chain_is_trusted_for_iflow_and_token() {
    let chain = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/sap/sap-generated-chain.pem"
    );
    let root = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/sap/SAP-Cloud-Root-CA.pem"
    );
    let (code, v) = run_json(&["verify", "--no-system-roots", "--at", "2021-07-30", chain]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(scenario_names(&v), ["iflow", "token"]);
    for s in v["scenarios"].as_array().unwrap() {
        assert_eq!(s["trusted"], true, "{s:#}");
        assert_ne!(s["status"], "fail", "{s:#}");
    }
    let certs = v["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 3);
    assert_eq!(
        certs[1]["subject_dn"],
        "C=DE, L=EU10, O=SAP SE, OU=SAP Cloud Platform Clients, CN=SAP Cloud Platform Client CA"
    );
    // The handshake's judge agrees at that time.
    let f = TestDir::new();
    let text = std::fs::read_to_string(chain).unwrap();
    let blocks: Vec<&str> = text
        .split_inclusive("-----END CERTIFICATE-----\n")
        .collect();
    let leaf = f.put("leaf.pem", blocks[0]);
    let inter = f.put("inter.pem", blocks[1]);
    let ok = std::process::Command::new("openssl")
        .args([
            "verify",
            "-no-CApath",
            "-attime",
            "1627603200",
            "-purpose",
            "sslclient",
        ])
        .args(["-CAfile", root, "-untrusted", &inter, &leaf])
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    // Today the leaf has expired: a failure of validity, the trust stays.
    let (code, v) = run_json(&["verify", "--no-system-roots", "--at", "2026-01-01", chain]);
    assert_eq!(code, 1);
    assert!(
        v["certificates"][0]["checks"]
            .to_string()
            .contains("expired"),
        "{v:#}"
    );
    assert_eq!(v["scenarios"][0]["trusted"], true);
}
