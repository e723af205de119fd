//! `connectivity`, `instance`, `key-params` and `audit`.

use std::io::Write;
use std::path::Path;

use serde_json::{json, Value};

use crate::common::*;

const DIGICERT_G2: &str = "/usr/share/ca-certificates/mozilla/DigiCert_Global_Root_G2.crt";
const AT: &str = "2030-06-01";

fn g2_der() -> Vec<u8> {
    let pem = std::fs::read(DIGICERT_G2).unwrap_or_else(|_| {
        panic!("this test needs Debian's ca-certificates ({DIGICERT_G2}): run scripts/test")
    });
    openssl::x509::X509::from_pem(&pem)
        .unwrap()
        .to_der()
        .unwrap()
}

#[test]
fn connectivity_finds_the_real_digicert_root_in_a_der_zip() {
    let d = TestDir::new();
    // The server chain as the Connectivity Test gives it; names say nothing.
    let z = d.put("certs.zip", zip_of(&[("x/y/server-root.cer", g2_der())]));
    let out = d.path().join("out");
    let a = btpcert()
        .args(["connectivity", &z, "-o", out.to_str().unwrap(), "--json"])
        .assert()
        .success();
    let v: Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    assert_eq!(
        v["root"]["subject_dn"],
        "C=US, O=DigiCert Inc, OU=www.digicert.com, CN=DigiCert Global Root G2"
    );
    assert_eq!(
        v["root"]["lists"],
        json!(["btp-required", "btp-approved", "xsuaa-x509"])
    );
    let root = std::fs::read(out.join("root.pem")).unwrap();
    assert_eq!(
        openssl::x509::X509::from_pem(&root)
            .unwrap()
            .to_der()
            .unwrap(),
        g2_der()
    );
}

#[test]
fn connectivity_pem_zip_nested_chain_and_truststore() {
    let h = sap();
    let d = TestDir::new();
    let z = d.put(
        "download.zip",
        zip_of(&[
            (
                "deep/er/root-is-not-this-one.cer",
                h.leaf.cert_pem().into_bytes(),
            ),
            ("a.crt", h.root.cert_pem().into_bytes()),
            ("readme.txt", b"hello".to_vec()),
            ("sub/", Vec::new()),
            ("z.cer", h.inter.cert_pem().into_bytes()),
        ]),
    );
    let out = d.path().join("o");
    let pw = d.put("pw", "changeit\n");
    let ts = d.path().join("trust.p12");
    let a = btpcert()
        .args([
            "connectivity",
            &z,
            "--all",
            "-o",
            out.to_str().unwrap(),
            "--truststore",
            ts.to_str().unwrap(),
            "--password-file",
            &pw,
        ])
        .assert()
        .code(1); // a test root is on no SAP list
    let text = stdout_of(&a);
    assert!(
        text.contains("3. root         C=DE, O=btpcert tests, CN=Test Root CA"),
        "{text}"
    );
    assert!(text.contains("✗ not on any SAP list"), "{text}");
    assert!(
        stderr_of(&a).contains("readme.txt: passed over"),
        "{}",
        stderr_of(&a)
    );
    assert_eq!(
        std::fs::read_to_string(out.join("root.pem")).unwrap(),
        h.root.cert_pem()
    );
    assert_eq!(
        std::fs::read_to_string(out.join("chain.pem")).unwrap(),
        h.chain_pem()
    );
    let list = tool("keytool")
        .args([
            "-list",
            "-storetype",
            "PKCS12",
            "-keystore",
            ts.to_str().unwrap(),
            "-storepass",
            "changeit",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&list.stdout).contains("trustedCertEntry"));
}

#[test]
fn connectivity_spoofed_root_is_on_no_list() {
    let subject = vec![
        ("C", "US".to_string()),
        ("O", "DigiCert Inc".to_string()),
        ("OU", "www.digicert.com".to_string()),
        ("CN", "DigiCert Global Root G2".to_string()),
    ];
    let fake = issue(
        &Spec {
            subject,
            ..Spec::ca("")
        },
        None,
    );
    let d = TestDir::new();
    let z = d.put("c.zip", zip_of(&[("r.cer", fake.cert_der())]));
    let a = btpcert()
        .args(["connectivity", &z, "--json"])
        .assert()
        .code(1);
    let v: Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    assert_eq!(v["root"]["lists"], json!([]));
    assert!(v["root"]["look_alike_of"]
        .as_str()
        .unwrap()
        .contains("CB:3C:CB:B7"));
}

#[test]
fn connectivity_without_root_or_with_bad_archives() {
    let h = sap();
    let d = TestDir::new();
    let z = d.put(
        "noroot.zip",
        zip_of(&[("a.cer", h.leaf.cert_der()), ("b.cer", h.inter.cert_der())]),
    );
    let out = d.path().join("o");
    let a = btpcert()
        .args(["connectivity", &z, "-o", out.to_str().unwrap()])
        .assert()
        .code(1);
    assert!(
        stdout_of(&a).contains("the archive holds no root: the server sent an incomplete chain")
    );
    assert!(!out.exists(), "nothing to write without a root");

    // zip-slip: the entry name is never used as a path.
    let z = d.put("slip.zip", zip_of(&[("../../evil.cer", h.root.cert_der())]));
    let work = d.path().join("w");
    std::fs::create_dir(&work).unwrap();
    btpcert()
        .current_dir(&work)
        .args(["connectivity", &z, "-o", "o"])
        .assert()
        .code(1);
    assert!(!d.path().join("evil.cer").exists() && !Path::new("/evil.cer").exists());
    assert_eq!(entries(&work.join("o")), vec!["root.pem"]);

    // A zip bomb: small on disk, far past the per-entry limit once expanded.
    let mut bomb_zip = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut bomb_zip);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        w.start_file("big.cer", opts).unwrap();
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..8 {
            w.write_all(&zeros).unwrap();
        }
        w.finish().unwrap();
    }
    let bomb = bomb_zip.into_inner();
    assert!(
        bomb.len() < 64 << 10,
        "the bomb should be small: {}",
        bomb.len()
    );
    let z = d.put("bomb.zip", &bomb);
    let a = btpcert().args(["connectivity", &z]).assert().code(2);
    assert!(stderr_of(&a).contains("zip bomb"), "{}", stderr_of(&a));

    // Not a zip, a corrupt zip.
    let z = d.put("not.zip", "hello");
    let a = btpcert().args(["connectivity", &z]).assert().code(2);
    assert!(stderr_of(&a).contains("not.zip: not a zip archive"));
    let mut corrupt = zip_of(&[("a.cer", h.root.cert_der())]);
    corrupt.truncate(corrupt.len() - 30);
    let z = d.put("corrupt.zip", corrupt);
    let a = btpcert().args(["connectivity", &z]).assert().code(2);
    assert!(
        stderr_of(&a).contains("corrupt.zip: not a readable zip archive"),
        "{}",
        stderr_of(&a)
    );
}

#[test]
fn encrypted_zip_is_refused() {
    // A minimal archive with the "encrypted" flag set on its entry.
    let mut z = zip_of(&[("a.cer", sap().root.cert_der())]);
    // Local header flag at offset 6, central directory flag at its offset + 8.
    z[6] |= 1;
    let cd = z.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    z[cd + 8] |= 1;
    let d = TestDir::new();
    let p = d.put("enc.zip", z);
    let a = btpcert().args(["connectivity", &p]).assert().code(2);
    assert!(stderr_of(&a).contains("encrypted"), "{}", stderr_of(&a));
}

const PARAMS: &str = "{\n    \"roles\": [\n        \"ESBMessaging.send\"\n    ],\n    \"grant-types\": [\n        \"client_x509\"\n    ],\n    \"redirect-uris\": [],\n    \"token-validity\": 4200\n}\n";

#[test]
fn instance_check() {
    let d = TestDir::new();
    let old = d.put("old.json", PARAMS);
    let both = d.put(
        "both.json",
        r#"{"roles":["ESBMessaging.send"],"grant-types":["client_credentials","client_x509"]}"#,
    );
    let good = d.put(
        "good.json",
        PARAMS.replace("client_x509", "client_credentials"),
    );
    let odd = d.put(
        "odd.json",
        r#"{"roles":[],"grant-types":["magic"],"token-validity":90000}"#,
    );
    let a = btpcert().args(["instance", "check", &old]).assert().code(1);
    assert!(stdout_of(&a).contains("client_x509 reached end of life in January 2026"));
    btpcert()
        .args(["instance", "check", &both])
        .assert()
        .code(1);
    btpcert()
        .args(["instance", "check", &good])
        .assert()
        .success();
    let a = btpcert()
        .args(["instance", "check", "--json", &odd])
        .assert()
        .success();
    let v: Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    let ids: Vec<&str> = v["files"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![
            "deprecated-grant",
            "unknown-grant",
            "token-validity",
            "roles"
        ]
    );
    let bad = d.put("bad.json", "{\"grant-types\": [");
    let a = btpcert().args(["instance", "check", &bad]).assert().code(2);
    assert!(
        stderr_of(&a).contains("bad.json: invalid JSON at line 1"),
        "{}",
        stderr_of(&a)
    );
}

#[test]
fn instance_migrate_changes_only_the_grant() {
    let d = TestDir::new();
    let old = d.put("old.json", PARAMS);
    let out = d.path().join("new.json");
    let a = btpcert()
        .args(["instance", "migrate", &old, "-o", out.to_str().unwrap()])
        .assert()
        .success();
    assert!(stdout_of(&a).contains("cf update-service INSTANCE -c"));
    let migrated = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        migrated,
        PARAMS.replace("\"client_x509\"", "\"client_credentials\"")
    );

    // Twice: nothing changes the second time.
    let again = d.path().join("again.json");
    btpcert()
        .args([
            "instance",
            "migrate",
            out.to_str().unwrap(),
            "-o",
            again.to_str().unwrap(),
        ])
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&again).unwrap(), migrated);

    // Both grants: client_x509 goes, no duplicate; CRLF and tabs survive.
    let both = "{\r\n\t\"grant-types\": [\"client_x509\", \"client_credentials\"],\r\n\t\"roles\": [\"A\"]\r\n}\r\n";
    let p = d.put("both.json", both);
    btpcert()
        .args(["instance", "migrate", &p, "--in-place"])
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(&p).unwrap(),
        "{\r\n\t\"grant-types\": [\"client_credentials\"],\r\n\t\"roles\": [\"A\"]\r\n}\r\n"
    );
    let a = btpcert()
        .args(["instance", "migrate", &p, "--in-place"])
        .assert()
        .success();
    assert!(stderr_of(&a).contains("nothing to change"));

    // cf output: the JSON part, with the instance name in the command.
    let cf = format!(
        "Getting parameters for service instance cpi-flows as dev@example.com...\n\n{PARAMS}"
    );
    let p = d.put("cf.txt", cf);
    let a = btpcert()
        .args(["instance", "migrate", &p])
        .assert()
        .success();
    assert_eq!(
        stdout_of(&a),
        PARAMS.replace("client_x509", "client_credentials")
    );
    assert!(stderr_of(&a).contains("cf update-service cpi-flows -c FILE"));
    let a = btpcert()
        .args(["instance", "migrate", &p, "--in-place"])
        .assert()
        .code(2);
    assert!(stderr_of(&a).contains("-o OUT instead of --in-place"));

    // btp output with parameters inside.
    let btp = json!({"id": "1", "name": "cpi-api", "parameters": {"grant-types": ["client_x509"], "roles": ["x"]}});
    let p = d.put("btp.json", serde_json::to_string_pretty(&btp).unwrap());
    let a = btpcert()
        .args(["instance", "migrate", &p])
        .assert()
        .success();
    let v: Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    assert_eq!(
        v,
        json!({"grant-types": ["client_credentials"], "roles": ["x"]})
    );
    assert!(stderr_of(&a).contains("cf update-service cpi-api"));
}

#[test]
fn key_params_from_an_external_key() {
    let h = sap();
    let d = TestDir::new();
    let key = json!({"oauth": {"clientid": CLIENT_ID, "certificate": h.leaf.cert_pem(), "certificate-pinning": false, "tokenurl": TOKEN_URL}});
    let p = d.put("ext.json", key.to_string());
    let a = btpcert().args(["key-params", &p]).assert().success();
    let v: Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    assert_eq!(v["key-type"], "certificate_external");
    assert_eq!(v["certificate-pinning"], false);
    let x = v["X.509"].as_str().unwrap();
    assert!(!x.contains('\n') && x.matches("BEGIN CERTIFICATE").count() == 1);
    // A Certificate key with a chain: only the leaf.
    let p = d.put("cert.json", cockpit_key(h));
    let a = btpcert().args(["key-params", &p]).assert().success();
    let v: Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    let back = btpcert()
        .arg("unescape")
        .write_stdin(v["X.509"].as_str().unwrap())
        .assert()
        .success();
    assert_eq!(stdout_of(&back), h.leaf.cert_pem());
    assert!(v.get("certificate-pinning").is_none());
    let s = d.put(
        "s.json",
        json!({"oauth": {"clientid": "c", "clientsecret": "s"}}).to_string(),
    );
    btpcert().args(["key-params", &s]).assert().code(2);
}

#[test]
fn audit_over_a_mixed_folder() {
    let h = sap();
    let d = TestDir::new();
    let root = d.path();
    let good = cockpit_key(h);
    let expired = {
        let l = issue(
            &Spec {
                not_after: Y2020 + 365 * DAY,
                ..Spec::client("old")
            },
            Some(&h.inter),
        );
        json!({"oauth": oauth_certificate(&pems(&[&l, &h.inter, &h.root]), &l.key_traditional_pem())}).to_string()
    };
    let no_eku = {
        let l = issue(
            &Spec {
                eku: Eku::None,
                ..Spec::client("noeku")
            },
            Some(&h.inter),
        );
        json!({"oauth": oauth_certificate(&pems(&[&l, &h.inter, &h.root]), &l.key_traditional_pem())}).to_string()
    };
    let mismatch = {
        let other = issue(&Spec::client("x"), None);
        json!({"oauth": oauth_certificate(&h.chain_pem(), &other.key_traditional_pem())})
            .to_string()
    };
    let mut n = 0;
    for i in 0..60 {
        d.put(&format!("keys/team-{}/good-{i}.json", i % 3), &good);
        d.put(&format!("keys/expired-{i}.json"), &expired);
        d.put(&format!("keys/noeku-{i}.json"), &no_eku);
        d.put(&format!("keys/mismatch-{i}.json"), &mismatch);
        d.put(&format!("params/old-{i}.json"), PARAMS);
        d.put(
            &format!("params/new-{i}.json"),
            PARAMS.replace("client_x509", "client_credentials"),
        );
        d.put(&format!("broken/trunc-{i}.json"), &good[..good.len() / 3]);
        d.put(&format!("certs/root-{i}.pem"), h.root.cert_pem());
        n += 8;
    }
    d.put("zips/download.zip", zip_of(&[("a.cer", g2_der())]));
    d.put("notes.md", "not audited");
    d.put(".hidden/secret.json", &good);
    n += 1;

    let a = btpcert()
        .args([
            "audit",
            "--json",
            "--at",
            AT,
            "--no-system-roots",
            root.to_str().unwrap(),
        ])
        .assert()
        .code(1);
    let v: Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), n);
    assert_eq!(v["summary"]["items"], n);
    let row = |name: &str| {
        rows.iter()
            .find(|r| r["file"].as_str().unwrap().ends_with(name))
            .unwrap()
    };
    let problems = |name: &str| row(name)["problems"].to_string();

    assert_eq!(row("good-0.json")["kind"], "service-key/certificate");
    assert_eq!(row("good-0.json")["client_auth"], true);
    assert_eq!(row("good-0.json")["key_match"], true);
    assert_eq!(row("good-0.json")["trust"]["iflow"], false);
    assert!(
        problems("expired-0.json").contains("expired on 2020-12-31"),
        "{}",
        problems("expired-0.json")
    );
    // No EKU extension: unrestricted under RFC 5280, a note, not a problem.
    assert!(!problems("noeku-0.json").contains("Client Authentication"));
    assert!(
        row("noeku-0.json")["notes"]
            .to_string()
            .contains("no extended key usage extension"),
        "{}",
        row("noeku-0.json")
    );
    assert_eq!(row("noeku-0.json")["client_auth"], false);
    assert_eq!(row("mismatch-0.json")["key_match"], false);
    assert_eq!(row("old-0.json")["kind"], "instance-parameters");
    assert_eq!(row("old-0.json")["deprecated_grant"], true);
    assert_eq!(row("old-0.json")["needs_action"], true);
    assert_eq!(row("new-0.json")["deprecated_grant"], false);
    assert_eq!(row("new-0.json")["needs_action"], false);
    assert_eq!(row("trunc-0.json")["kind"], "unreadable");
    assert!(row("trunc-0.json")["error"]
        .as_str()
        .unwrap()
        .contains("invalid JSON"));
    assert_eq!(row("root-0.pem")["kind"], "certificate");
    assert_eq!(row("download.zip")["kind"], "connectivity-zip");
    assert_eq!(row("download.zip")["trust"]["server"], true);
    assert_eq!(row("download.zip")["needs_action"], false);
    assert!(!rows
        .iter()
        .any(|r| r["file"].as_str().unwrap().contains(".hidden")
            || r["file"].as_str().unwrap().ends_with(".md")));
    // Every row is its own file's, whichever files were judged together.
    for r in rows {
        let file = r["file"].as_str().unwrap();
        let name = file.rsplit('/').next().unwrap();
        let (kind, key_match) = match name.split('-').next().unwrap() {
            "good" | "noeku" => ("service-key/certificate", json!(true)),
            "expired" => ("service-key/certificate", json!(true)),
            "mismatch" => ("service-key/certificate", json!(false)),
            "old" | "new" => ("instance-parameters", Value::Null),
            "trunc" => ("unreadable", Value::Null),
            "root" => ("certificate", Value::Null),
            _ => ("connectivity-zip", Value::Null),
        };
        assert_eq!(
            (r["kind"].as_str().unwrap(), &r["key_match"]),
            (kind, &key_match),
            "{r}"
        );
        assert_eq!(
            r["problems"].to_string().contains("expired on 2020-12-31"),
            name.starts_with("expired-"),
            "{r}"
        );
        if name.starts_with("old-") || name.starts_with("new-") {
            assert_eq!(r["deprecated_grant"], name.starts_with("old-"), "{r}");
        }
    }
    // Rows come sorted by file name, whatever the thread order.
    let files: Vec<&str> = rows.iter().map(|r| r["file"].as_str().unwrap()).collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted);

    // CSV: a header and one line per item.
    let a = btpcert()
        .args([
            "audit",
            "--csv",
            "--at",
            AT,
            "--no-system-roots",
            root.to_str().unwrap(),
        ])
        .assert()
        .code(1);
    let csv = stdout_of(&a);
    assert!(csv.starts_with("file,kind,subject,not_after,days_left,client_auth,iflow,token,server,deprecated_grant,key_match,needs_action,problems,error\n"));
    assert_eq!(csv.lines().count(), n + 1);

    // Only good items: exit 0.
    let only_good = TestDir::new();
    only_good.put(
        "p.json",
        PARAMS.replace("client_x509", "client_credentials"),
    );
    only_good.put("z.zip", zip_of(&[("a.cer", g2_der())]));
    btpcert()
        .args(["audit", "--at", AT, only_good.path().to_str().unwrap()])
        .assert()
        .success();
}

#[test]
fn audit_csv_defuses_formulas() {
    let d = TestDir::new();
    d.put("=1+2.pem", sap().root.cert_pem());
    let a = btpcert()
        .current_dir(d.path())
        .args(["audit", "--csv", "--no-system-roots", "=1+2.pem"])
        .assert();
    let csv = stdout_of(&a);
    let line = csv.lines().nth(1).unwrap();
    assert!(line.starts_with("'=1+2.pem,certificate,"), "{csv}");
}

#[test]
fn audit_shows_progress_on_a_terminal_only() {
    let d = TestDir::new();
    for i in 0..250 {
        d.put(
            &format!("p-{i:03}.json"),
            PARAMS.replace("client_x509", "client_credentials"),
        );
    }
    let cmd = format!(
        "{} audit {}",
        env!("CARGO_BIN_EXE_btpcert"),
        d.path().display()
    );
    // The bar needs a terminal that is not `dumb` (an unset TERM counts as
    // dumb): set it rather than take the caller's.
    let out = tool("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("TERM", "xterm")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("/250 files"), "{text}");
    assert!(text.contains("250 items, 0 need action"));
    let a = btpcert()
        .args(["audit", d.path().to_str().unwrap()])
        .assert()
        .success();
    assert!(
        !stderr_of(&a).contains("files"),
        "no progress bar into a pipe"
    );
}

#[test]
fn audit_reports_unreadable_folders_as_rows() {
    use std::os::unix::fs::PermissionsExt;
    let d = TestDir::new();
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    d.put(
        "ok/p.json",
        PARAMS.replace("client_x509", "client_credentials"),
    );
    d.put("locked/p.json", PARAMS);
    std::fs::set_permissions(d.path().join("ok"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(
        d.path().join("ok/p.json"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    std::fs::set_permissions(
        d.path().join("locked"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    // Root reads any folder: run as nobody then (setpriv, from util-linux).
    let root = std::fs::read_dir(d.path().join("locked")).is_ok();
    let mut cmd = if root {
        // A copy of the binary where nobody may run it, whatever the checkout's folder modes.
        let bin = d.path().join("btpcert-copy");
        std::fs::copy(env!("CARGO_BIN_EXE_btpcert"), &bin).unwrap();
        let mut c = tool("setpriv");
        c.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
            .arg(&bin);
        c
    } else {
        std::process::Command::new(env!("CARGO_BIN_EXE_btpcert"))
    };
    let out = cmd
        .args(["audit", "--json", d.path().to_str().unwrap()])
        .output()
        .unwrap();
    std::fs::set_permissions(
        d.path().join("locked"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["summary"]["items"], 2, "{v}"); // the copy of the binary is no candidate
    let rows = v["rows"].as_array().unwrap();
    let locked = rows
        .iter()
        .find(|r| r["file"].as_str().unwrap().ends_with("locked"))
        .unwrap();
    assert_eq!(locked["kind"], "unreadable");
    assert!(
        locked["error"]
            .as_str()
            .unwrap()
            .contains("permission denied"),
        "{locked}"
    );
    let ok = rows
        .iter()
        .find(|r| r["file"].as_str().unwrap().ends_with("ok/p.json"))
        .unwrap();
    assert_eq!(ok["needs_action"], false);
}

#[test]
fn instance_parameters_in_utf16() {
    let d = TestDir::new();
    let mut bytes = vec![0xff, 0xfe];
    for u in PARAMS.replace('\n', "\r\n").encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let p = d.put("ps.txt", bytes);
    btpcert().args(["instance", "check", &p]).assert().code(1);
    let a = btpcert()
        .args(["instance", "migrate", &p])
        .assert()
        .success();
    assert_eq!(
        stdout_of(&a),
        PARAMS
            .replace('\n', "\r\n")
            .replace("client_x509", "client_credentials")
    );
}
