//! Service keys of both plans and all three key types, made from generated
//! hierarchies, and the real roots of Debian's ca-certificates that SAP
//! lists, for the tests of the scenario model, the whole chain, creation
//! parameters and the fleet audit.
#![allow(dead_code)]

use serde_json::{json, Value};

use crate::common::*;

/// The time the verdicts are judged at.
pub const AT: &str = "2030-06-01T00:00:00Z";

/// The api plan's url: the tenant host, without `-rt`.
pub const API_URL: &str = "https://sub.it-cpi018.cfapps.eu10-002.hana.ondemand.com";

/// DigiCert Global Root G2: on btp-required, btp-approved and xsuaa-x509.
pub const DIGICERT_G2: &str = "/usr/share/ca-certificates/mozilla/DigiCert_Global_Root_G2.crt";
/// Its SHA-256, as the trust lists hold it.
pub const DIGICERT_G2_SHA256: &str =
    "CB:3C:CB:B7:60:31:E5:E0:13:8F:8D:D3:9A:23:F9:DE:47:FF:C3:5E:43:C1:14:4C:EA:27:D4:6A:5A:B1:CB:5F";
/// ISRG Root X1: on btp-approved, not on xsuaa-x509.
pub const ISRG_X1: &str = "/usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt";

/// The plans of a Process Integration Runtime instance, by the key's url.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Plan {
    IntegrationFlow,
    Api,
    /// A url that tells nothing.
    Unknown,
}

impl Plan {
    pub const ALL: [Plan; 3] = [Plan::IntegrationFlow, Plan::Api, Plan::Unknown];

    pub fn url(self) -> &'static str {
        match self {
            Plan::IntegrationFlow => RUNTIME_URL,
            Plan::Api => API_URL,
            Plan::Unknown => "https://integration.example.com",
        }
    }

    /// The scenarios btpcert judges a certificate key of this plan for.
    pub fn scenarios(self) -> Vec<&'static str> {
        match self {
            Plan::Api => vec!["token"],
            _ => vec!["iflow", "token"],
        }
    }
}

/// A Certificate (SAP-generated) key with `chain_pem` and the leaf's key.
pub fn certificate_key(chain_pem: &str, leaf: &Node, plan: Plan) -> String {
    let mut o = oauth_certificate(chain_pem, &leaf.key_traditional_pem());
    o["url"] = json!(plan.url());
    json!({ "oauth": o }).to_string()
}

/// An External Certificate key: the leaf only.
pub fn external_key(leaf: &Node, plan: Plan, pinning: Option<bool>) -> String {
    let mut o = json!({
        "clientid": CLIENT_ID,
        "certificate": leaf.cert_pem(),
        "url": plan.url(),
        "tokenurl": TOKEN_URL,
        "createdate": "2026-05-04T09:12:43.815Z"
    });
    if let Some(p) = pinning {
        o["certificate-pinning"] = json!(p);
    }
    json!({ "oauth": o }).to_string()
}

/// A ClientId/Secret key.
pub fn secret_key(plan: Plan) -> String {
    json!({"oauth": {
        "clientid": CLIENT_ID,
        "clientsecret": "s3cr3t",
        "url": plan.url(),
        "tokenurl": TOKEN_URL.replace(".cert.", "."),
        "createdate": "2026-05-04T09:12:43.815Z"
    }})
    .to_string()
}

/// A certificate made to look like a listed root: the name of DigiCert
/// Global Root G2 over a test key.
pub fn look_alike_g2() -> Node {
    issue(
        &Spec {
            subject: vec![
                ("C", "US".to_string()),
                ("O", "DigiCert Inc".to_string()),
                ("OU", "www.digicert.com".to_string()),
                ("CN", "DigiCert Global Root G2".to_string()),
            ],
            ..Spec::ca("")
        },
        None,
    )
}

/// A hierarchy whose names are SAP's (SAP Cloud Root CA -> SAP Cloud
/// Platform Client CA -> leaf) over test keys: behaviour only, since trust
/// goes by fingerprint.
pub fn sap_named() -> Hierarchy {
    let named = |cn: &str| {
        vec![
            ("C", "DE".to_string()),
            ("L", "Walldorf".to_string()),
            ("O", "SAP SE".to_string()),
            ("CN", cn.to_string()),
        ]
    };
    let root = issue(
        &Spec {
            subject: named("SAP Cloud Root CA"),
            ..Spec::ca("")
        },
        None,
    );
    let inter = issue(
        &Spec {
            subject: named("SAP Cloud Platform Client CA"),
            path_len: Some(0),
            ..Spec::ca("")
        },
        Some(&root),
    );
    let leaf = issue(&Spec::client("sb-test!b1|it-rt-test!b2"), Some(&inter));
    Hierarchy { root, inter, leaf }
}

/// Runs btpcert with `args` and returns (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = btpcert().args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs btpcert with `args` and `--json`; returns (exit code, JSON).
pub fn run_json(args: &[&str]) -> (i32, Value) {
    let (code, out, err) = run(&[args, &["--json"]].concat());
    let v = serde_json::from_str(&out).unwrap_or_else(|_| panic!("no JSON: {out}{err}"));
    (code, v)
}

/// `verify --json --at AT --no-system-roots` plus `args`.
pub fn verify(args: &[&str]) -> (i32, Value) {
    run_json(&[&["verify", "--at", AT, "--no-system-roots"], args].concat())
}

/// The names of the scenarios a verdict judged.
pub fn scenario_names(v: &Value) -> Vec<String> {
    v["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["scenario"].as_str().unwrap().to_string())
        .collect()
}

/// The (status, message) of the check `id` of scenario `name`.
pub fn scenario_check(v: &Value, name: &str, id: &str) -> Vec<(String, String)> {
    v["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["scenario"] == name)
        .flat_map(|s| s["checks"].as_array().unwrap().iter())
        .filter(|c| c["id"] == id)
        .map(|c| {
            (
                c["status"].as_str().unwrap().to_string(),
                c["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The certificates of a PEM file, as DER, in file order.
pub fn pem_ders(path: &std::path::Path) -> Vec<Vec<u8>> {
    let text = std::fs::read(path).unwrap();
    openssl::x509::X509::stack_from_pem(&text)
        .unwrap()
        .iter()
        .map(|c| c.to_der().unwrap())
        .collect()
}

/// A real root from Debian's ca-certificates, as DER.
pub fn real_root_der(path: &str) -> Vec<u8> {
    let pem = std::fs::read(path).unwrap_or_else(|_| {
        panic!("this test needs Debian's ca-certificates ({path}): run .ci/run")
    });
    openssl::x509::X509::from_pem(&pem)
        .unwrap()
        .to_der()
        .unwrap()
}
