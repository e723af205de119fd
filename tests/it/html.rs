//! `--html` reports (self-contained, the outcome embedded as `--json`
//! prints it, drawn offline in Chromium) and `audit --prometheus` (parsed by
//! the Prometheus project's own Python parser).
//!
//! The parser comes from Debian's `python3-prometheus-client` (or pip's
//! `prometheus_client`), which the project's setup installs; set
//! `BTPCERT_PYTHON` to a Python that has it if `python3` does not.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use openssl::x509::X509;
use serde_json::{json, Value};

use crate::common::{
    btpcert, issue, oauth_certificate, sap, stdout_of, zip_of, Spec, TestDir, DAY,
};
use crate::golden::{golden, testdata, AT};
use crate::serve::webdriver;

/// The JSON embedded in a report.
fn embedded(html: &str) -> Value {
    let start =
        html.find("id=\"btpcert-data\">").expect("data block") + "id=\"btpcert-data\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

/// What a report must be: one file that loads nothing.
fn assert_self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'"));
    for outside in [
        "src=\"http",
        "href=\"http",
        "src=\"//",
        "href=\"//",
        "<link",
        "<script src",
    ] {
        assert!(!html.contains(outside), "the report loads {outside}");
    }
}

#[test]
fn verify_and_inspect_reports_embed_the_json_they_print() {
    let d = TestDir::new();
    let key = testdata("service-key.json");
    for cmd in ["verify", "inspect"] {
        let mut args = vec![cmd, &key, "--at", AT];
        if cmd == "verify" {
            args.push("--no-system-roots");
        }
        let plain = btpcert()
            .current_dir(d.path())
            .args(&args)
            .output()
            .unwrap();
        let json = btpcert()
            .current_dir(d.path())
            .args(&args)
            .arg("--json")
            .output()
            .unwrap();
        let report = format!("{cmd}.html");
        let with = btpcert()
            .current_dir(d.path())
            .args(&args)
            .args(["--html", &report])
            .output()
            .unwrap();
        assert_eq!(with.stdout, plain.stdout, "the human output stays as it is");
        assert_eq!(with.status.code(), plain.status.code());
        let html = std::fs::read_to_string(d.path().join(&report)).unwrap();
        assert_self_contained(&html);
        let data = embedded(&html);
        let printed: Value = serde_json::from_slice(&json.stdout).unwrap();
        assert_eq!(
            data["outcome"], printed,
            "{cmd}: the report shows what --json prints"
        );
        assert_eq!(data["view"], cmd);
        assert_eq!(data["at"], AT);
        #[cfg(unix)]
        assert_eq!(crate::common::mode(&d.path().join(&report)), 0o644);
    }
    // A report of an earlier run is replaced.
    let again = btpcert()
        .current_dir(d.path())
        .args([
            "verify",
            &key,
            "--at",
            "2031-01-01T00:00:00Z",
            "--no-system-roots",
            "--html",
            "verify.html",
        ])
        .output()
        .unwrap();
    // The sample root is not on SAP's public list: a warning, exit 0.
    assert_eq!(again.status.code(), Some(0));
    let html = std::fs::read_to_string(d.path().join("verify.html")).unwrap();
    assert_eq!(embedded(&html)["at"], "2031-01-01T00:00:00Z");
    assert_eq!(
        crate::common::entries(d.path()),
        ["inspect.html", "verify.html"],
        "no temporary file left"
    );
}

/// A truststore of the sample root, written by `btpcert truststore`, and
/// the file with its password.
fn sample_truststore(d: &TestDir) -> (String, String) {
    let pw = d.put("ts-pw", "changeit\n");
    let ts = d.p("ts.p12");
    let root = testdata("sample-root.pem");
    btpcert()
        .args(["truststore", &root, "-o", &ts, "--password-file", &pw])
        .assert()
        .success();
    (ts, pw)
}

#[test]
fn a_truststore_verdict_is_a_page_too() {
    let d = TestDir::new();
    let (ts, pw) = sample_truststore(&d);
    let args = ["verify", &ts, "--password-file", &pw, "--at", AT];
    let json = btpcert().args(args).arg("--json").output().unwrap();
    let with = btpcert()
        .current_dir(d.path())
        .args(args)
        .args(["--html", "ts.html"])
        .output()
        .unwrap();
    // The sample root is on no SAP list: no certificate for `server`.
    assert_eq!(with.status.code(), Some(1));
    assert!(
        with.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&with.stderr)
    );
    let html = std::fs::read_to_string(d.path().join("ts.html")).unwrap();
    assert_self_contained(&html);
    assert!(html.contains("<title>btpcert verify: a truststore and SAP's lists</title>"));
    let data = embedded(&html);
    assert_eq!(data["view"], "truststore");
    let printed: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        data["outcome"], printed,
        "the report shows what --json prints"
    );
    assert_eq!(data["outcome"]["list"], "btp-required");
}

#[test]
fn a_connectivity_report_shows_the_archive() {
    let d = TestDir::new();
    let zip = d.put(
        "test.zip",
        zip_of(&[(
            "root.pem",
            std::fs::read(testdata("sample-root.pem")).unwrap(),
        )]),
    );
    let a = btpcert()
        .current_dir(d.path())
        .args(["connectivity", &zip, "--html", "c.html"])
        .assert()
        .code(1);
    assert!(stdout_of(&a).contains("Root: C=DE, O=btpcert samples, CN=btpcert Sample Root CA"));
    let data = embedded(&std::fs::read_to_string(d.path().join("c.html")).unwrap());
    assert_eq!(data["view"], "connectivity");
    assert_eq!(data["outcome"]["root"]["lists"], json!([]));
}

/// Key files whose leaves end at the dates given (Unix seconds), under one
/// shared root and intermediate, and one file that cannot be read.
fn fleet(d: &TestDir, ends: &[(&str, i64)]) -> BTreeMap<String, X509> {
    let h = sap();
    let mut leaves = BTreeMap::new();
    for (name, end) in ends {
        let leaf = issue(
            &Spec {
                not_before: end - 400 * DAY,
                not_after: *end,
                ..Spec::client(&format!("sb-{name}!b1|it-rt-fleet!b2"))
            },
            Some(&h.inter),
        );
        let chain = format!(
            "{}{}{}",
            leaf.cert_pem(),
            h.inter.cert_pem(),
            h.root.cert_pem()
        );
        let key = json!({ "oauth": oauth_certificate(&chain, &leaf.key_traditional_pem()) });
        let file = format!("keys/{name}.json");
        d.put(&file, serde_json::to_string_pretty(&key).unwrap());
        leaves.insert(format!("./{file}"), leaf.cert.clone());
    }
    d.put("keys/broken.json", "{\"oauth\": {\"certificate\": ");
    leaves
}

fn unix(t: time::OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

/// The fleet every audit test here reads, judged at 2030-01-15.
fn sample_fleet(d: &TestDir) -> BTreeMap<String, X509> {
    use time::macros::datetime;
    fleet(
        d,
        &[
            ("overdue-long", unix(datetime!(2029-06-30 12:00 UTC))),
            ("overdue", unix(datetime!(2029-12-01 12:00 UTC))),
            ("jan", unix(datetime!(2030-01-20 12:00 UTC))),
            ("feb", unix(datetime!(2030-02-10 12:00 UTC))),
            ("apr-a", unix(datetime!(2030-04-01 12:00 UTC))),
            ("apr-b", unix(datetime!(2030-04-28 12:00 UTC))),
            ("dec", unix(datetime!(2030-12-31 12:00 UTC))),
            ("later", unix(datetime!(2031-02-01 12:00 UTC))),
        ],
    )
}

const FLEET_AT: &str = "2030-01-15T00:00:00Z";

/// A Python with the Prometheus project's parser.
fn python() -> String {
    let candidates = std::env::var("BTPCERT_PYTHON")
        .ok()
        .into_iter()
        .chain(["python3".to_string(), "/usr/bin/python3".to_string()]);
    for p in candidates {
        let ok = Command::new(&p)
            .args(["-c", "import prometheus_client.parser"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return p;
        }
    }
    panic!("this test needs Python's prometheus_client (Debian: python3-prometheus-client), which is not installed: run the project's setup, or set BTPCERT_PYTHON");
}

/// Every sample of an exposition-format file, as the Prometheus parser reads it.
fn parse_metrics(file: &Path) -> Vec<(String, BTreeMap<String, String>, f64)> {
    let script = "import json, sys\n\
                  from prometheus_client.parser import text_string_to_metric_families\n\
                  out = []\n\
                  for f in text_string_to_metric_families(open(sys.argv[1]).read()):\n\
                  \x20   assert f.type == 'gauge', f.type\n\
                  \x20   for s in f.samples:\n\
                  \x20       out.append([s.name, s.labels, s.value])\n\
                  print(json.dumps(out))\n";
    let out = Command::new(python())
        .args(["-c", script])
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the parser refused it: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn prometheus_metrics_parse_and_carry_each_certificates_dates() {
    let d = TestDir::new();
    let leaves = sample_fleet(&d);
    let args = [
        "audit",
        "--at",
        FLEET_AT,
        "--no-system-roots",
        ".",
        "--prometheus",
        "m.prom",
    ];
    let plain = btpcert()
        .current_dir(d.path())
        .args(&args[..5])
        .output()
        .unwrap();
    let a = btpcert().current_dir(d.path()).args(args).assert().code(1);
    assert_eq!(
        a.get_output().stdout,
        plain.stdout,
        "the human output stays as it is"
    );
    let samples = parse_metrics(&d.path().join("m.prom"));
    let of = |name: &str| samples.iter().filter(|s| s.0 == name).collect::<Vec<_>>();
    assert_eq!(of("x509_read_errors").len(), 1);
    assert_eq!(of("x509_read_errors")[0].2, 1.0, "keys/broken.json");
    let errors: Vec<_> = of("x509_cert_error")
        .into_iter()
        .filter(|s| s.2 == 1.0)
        .collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].1["filepath"], "./keys/broken.json");
    // Three certificates per key file, each with its labels.
    assert_eq!(of("x509_cert_not_after").len(), 3 * leaves.len());
    let epoch = openssl::asn1::Asn1Time::from_unix(0).unwrap();
    let seconds = |t: &openssl::asn1::Asn1TimeRef| {
        let d = epoch.diff(t).unwrap();
        i64::from(d.days) * 86_400 + i64::from(d.secs)
    };
    for (file, leaf) in &leaves {
        let serial = leaf
            .serial_number()
            .to_bn()
            .unwrap()
            .to_dec_str()
            .unwrap()
            .to_string();
        let find = |name: &str| {
            of(name)
                .into_iter()
                .find(|s| s.1["filepath"] == *file && s.1["serial_number"] == serial)
                .unwrap_or_else(|| panic!("no {name} for the leaf of {file}"))
        };
        let na = find("x509_cert_not_after");
        assert_eq!(na.2 as i64, seconds(leaf.not_after()), "{file}");
        assert_eq!(
            find("x509_cert_not_before").2 as i64,
            seconds(leaf.not_before()),
            "{file}"
        );
        let expired = file.contains("overdue");
        assert_eq!(
            find("x509_cert_expired").2,
            if expired { 1.0 } else { 0.0 },
            "{file}"
        );
        let stem = Path::new(file).file_stem().unwrap().to_str().unwrap();
        assert_eq!(na.1["subject_CN"], format!("sb-{stem}!b1|it-rt-fleet!b2"));
        assert_eq!(na.1["issuer_CN"], "Test Client CA");
        assert_eq!(na.1["subject_O"], "btpcert tests");
        assert_eq!(
            na.1["filename"],
            Path::new(file).file_name().unwrap().to_str().unwrap()
        );
        assert_eq!(na.1["key_kind"], "service-key/certificate");
    }
    // The collector may read at any moment: the file is replaced whole.
    btpcert().current_dir(d.path()).args(args).assert().code(1);
    assert_eq!(crate::common::mode(&d.path().join("m.prom")), 0o644);
    assert!(crate::common::entries(d.path())
        .iter()
        .all(|e| !e.starts_with(".btpcert")));
}

#[test]
fn prometheus_output_of_the_fixtures() {
    let d = TestDir::new();
    let read = |n: &str| std::fs::read(testdata(n)).unwrap();
    d.put("keys/cert.json", read("service-key.json"));
    d.put("keys/external.json", read("service-key-external.json"));
    d.put("keys/secret.json", read("service-key-secret.json"));
    d.put("certs/root.pem", read("sample-root.pem"));
    d.put("broken/trunc.json", &read("service-key.json")[..2000]);
    d.put(
        "zips/test.zip",
        zip_of(&[("root.pem", read("sample-root.pem"))]),
    );
    golden(
        "audit-prometheus",
        &d,
        &[
            "audit",
            "--at",
            AT,
            "--no-system-roots",
            ".",
            "--prometheus",
            "metrics.prom",
        ],
    );
    let actual = std::fs::read_to_string(d.path().join("metrics.prom")).unwrap();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/audit-prometheus.prom");
    if std::env::var_os("BTPCERT_BLESS").is_some() {
        std::fs::write(&file, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        expected == actual,
        "{} differs (BTPCERT_BLESS=1 refreshes it):\n===== actual\n{actual}",
        file.display()
    );
    parse_metrics(&d.path().join("metrics.prom"));
}

#[test]
fn reports_render_offline_in_chromium() {
    let d = TestDir::new();
    let leaves = sample_fleet(&d);
    btpcert()
        .current_dir(d.path())
        .args([
            "audit",
            "--at",
            FLEET_AT,
            "--no-system-roots",
            "keys",
            "--html",
            "audit.html",
        ])
        .assert()
        .code(1);
    let key = testdata("service-key.json");
    btpcert()
        .current_dir(d.path())
        .args([
            "verify",
            &key,
            "--at",
            AT,
            "--no-system-roots",
            "--html",
            "verify.html",
        ])
        .assert()
        .code(0);

    let (ts, pw) = sample_truststore(&d);
    btpcert()
        .current_dir(d.path())
        .args([
            "verify",
            &ts,
            "--password-file",
            &pw,
            "--at",
            AT,
            "--html",
            "ts.html",
        ])
        .assert()
        .code(1);

    let _one = webdriver::one_at_a_time();
    let downloads = TestDir::new();
    let b = webdriver::Browser::start(downloads.path());
    b.goto(&format!("file://{}", d.path().join("audit.html").display()));
    b.wait_for(
        "return !!document.querySelector('svg#expiry')",
        "the audit report",
    );
    let rows = b.exec(
        "return document.querySelectorAll('tr[data-file]').length",
        json!([]),
    );
    assert_eq!(
        rows,
        leaves.len() + 1,
        "one row per key file, the broken one too"
    );
    let bars = b.exec(
        "const o = {}; document.querySelectorAll('svg#expiry [data-bucket]').forEach(g => o[g.dataset.bucket] = +g.dataset.count); return o",
        json!([]),
    );
    let expected = json!({
        "overdue": 2, "2030-01": 1, "2030-02": 1, "2030-03": 0, "2030-04": 2, "2030-05": 0, "2030-06": 0,
        "2030-07": 0, "2030-08": 0, "2030-09": 0, "2030-10": 0, "2030-11": 0, "2030-12": 1
    });
    assert_eq!(bars, expected);
    let later = b.exec(
        "return document.querySelector('svg#expiry [data-later]').dataset.later",
        json!([]),
    );
    assert_eq!(later, "1");
    // Sorted by days left: the longest overdue first, then the rest in order.
    b.click("th[data-col=days_left] button");
    let order = b.exec(
        "return Array.from(document.querySelectorAll('tr[data-file]')).map(r => r.dataset.file)",
        json!([]),
    );
    assert_eq!(order[0], "keys/overdue-long.json");
    assert_eq!(order[1], "keys/overdue.json");
    assert_eq!(
        order[leaves.len()],
        "keys/broken.json",
        "rows without a date last"
    );
    assert_eq!(
        b.exec(
            "return document.querySelector('th[data-col=days_left]').getAttribute('aria-sort')",
            json!([])
        ),
        "ascending"
    );
    // The issuer column comes from each file's certificates.
    let issuer = b.exec(
        "return document.querySelector('tr[data-file] td[data-col=issuer]').textContent",
        json!([]),
    );
    assert_eq!(issuer, "Test Client CA");

    b.goto(&format!(
        "file://{}",
        d.path().join("verify.html").display()
    ));
    b.wait_for(
        "return document.querySelectorAll('svg#chain [data-role=certificate]').length === 3",
        "the chain",
    );
    let scenarios = b.exec(
        "return Array.from(document.querySelectorAll('#verdicts [data-scenario][data-status]')).map(e => e.dataset.scenario + ':' + e.dataset.status)",
        json!([]),
    );
    // A Certificate key of plan integration-flow: iflow and token, each a
    // warning (the sample root is not on SAP's public list).
    assert_eq!(scenarios, json!(["iflow:warn", "token:warn"]));

    b.goto(&format!("file://{}", d.path().join("ts.html").display()));
    b.wait_for(
        "return !!document.querySelector('#verdicts [data-block=truststore][data-status=fail]')",
        "the truststore's verdict",
    );
    let text = b.exec(
        "return document.querySelector('#report').textContent",
        json!([]),
    );
    let text = text.as_str().unwrap();
    for needle in [
        "✗ problem",
        "Truststore ",
        "list btp-required",
        "btpcert Sample Root CA: on no SAP list; valid until",
    ] {
        assert!(text.contains(needle), "{needle} missing: {text}");
    }
    assert!(
        !text.contains("null") && !text.contains("undefined"),
        "{text}"
    );
}
