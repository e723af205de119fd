//! Nothing lost, nothing leaked, nothing hung: inputs are read with a bound,
//! outputs never replace a file unasked nor follow a link, in-place edits
//! keep the file as it was but for the edit, and messages say what to do.

use std::time::Duration;

use crate::common::*;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/service-key.json");
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/sample-root.pem");

/// Runs btpcert with a deadline: a read without a bound would never end.
fn run(args: &[&str]) -> assert_cmd::assert::Assert {
    btpcert()
        .args(args)
        .timeout(Duration::from_secs(60))
        .assert()
}

/// Asserts the run failed at once with the size message, exit 2.
fn too_large(args: &[&str]) {
    let a = run(args).code(2);
    let err = stderr_of(&a);
    assert!(
        err.contains("/dev/zero: larger than 16 MiB"),
        "{args:?}: {err}"
    );
}

#[cfg(unix)]
#[test]
fn a_device_that_never_ends_is_refused_by_every_reader() {
    let d = TestDir::new();
    let pw = d.put("pw.txt", "changeit\n");
    too_large(&["inspect", "/dev/zero"]);
    too_large(&["verify", ROOT, "--roots", "/dev/zero"]);
    too_large(&[
        "p12",
        SAMPLE,
        "-o",
        &d.p("out.p12"),
        "--password-file",
        "/dev/zero",
    ]);
    too_large(&[
        "truststore",
        ROOT,
        "--add-to",
        "/dev/zero",
        "-o",
        &d.p("ts.p12"),
        "--password-file",
        &pw,
    ]);
    too_large(&["token", SAMPLE, "--ca", "/dev/zero"]);
    too_large(&["token", SAMPLE, "--p12", "/dev/zero"]);
    too_large(&["instance", "check", "/dev/zero"]);
    too_large(&["unescape", "/dev/zero"]);
    assert!(entries(d.path()) == ["pw.txt"], "{:?}", entries(d.path()));
}

/// audit reports each file it cannot read as a row that needs action
/// (exit 1), as for any unreadable file; the run ends at once.
#[cfg(unix)]
#[test]
fn audit_reports_a_device_that_never_ends_as_unreadable() {
    let a = run(&["audit", "/dev/zero", "--no-system-roots"]).code(1);
    let out = stdout_of(&a);
    assert!(out.contains("[unreadable]"), "{out}");
    assert!(out.contains("larger than 16 MiB"), "{out}");
}

const EXTERNAL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/testdata/service-key-external.json"
);

#[test]
fn man_pages_are_replaced_only_with_force() {
    let d = TestDir::new();
    let pages = d.path().join("man/man1");
    let pages_arg = pages.to_str().unwrap();
    run(&["man", "-o", pages_arg]).success();
    let main = pages.join("btpcert.1");
    assert!(std::fs::read_to_string(&main)
        .unwrap()
        .contains(".TH btpcert 1"));
    std::fs::write(&main, "my own page").unwrap();
    let a = run(&["man", "-o", pages_arg]).code(2);
    let err = stderr_of(&a);
    assert!(
        err.contains("already exists (use --force to overwrite it)"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&main).unwrap(), "my own page");
    run(&["man", "-o", pages_arg, "--force"]).success();
    assert!(std::fs::read_to_string(&main)
        .unwrap()
        .contains(".TH btpcert 1"));
}

#[cfg(unix)]
#[test]
fn man_pages_never_write_through_a_link() {
    let d = TestDir::new();
    let target = d.put("elsewhere/notes.txt", "keep me");
    let pages = d.path().join("pages");
    std::fs::create_dir(&pages).unwrap();
    let link = pages.join("btpcert-extract.1");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let pages_arg = pages.to_str().unwrap();
    let a = run(&["man", "-o", pages_arg]).code(2);
    assert!(
        stderr_of(&a).contains("already exists"),
        "{}",
        stderr_of(&a)
    );
    assert_eq!(entries(&pages), ["btpcert-extract.1"], "nothing written");
    run(&["man", "-o", pages_arg, "--force"]).success();
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    let meta = std::fs::symlink_metadata(&link).unwrap();
    assert!(
        meta.file_type().is_file(),
        "the link is replaced by the page"
    );
    assert!(std::fs::read_to_string(&link)
        .unwrap()
        .contains(".TH btpcert-extract 1"));
}

#[test]
fn extract_names_a_single_certificate_once() {
    let d = TestDir::new();
    // Exit 1: a leaf-only certificate.pem is no sender's chain (the load
    // balancer needs intermediates and root), but the files are written.
    let a = run(&["extract", EXTERNAL, "-o", &d.p("out")]).code(1);
    let out = stdout_of(&a);
    let wrote = out.lines().filter(|l| l.starts_with("Wrote ")).count();
    assert_eq!(wrote, 1, "{out}");
    // With --split the one file per certificate is named too.
    let a = run(&["extract", EXTERNAL, "-o", &d.p("split"), "--split"]).code(1);
    let out = stdout_of(&a);
    assert_eq!(out.matches("Wrote ").count(), 2, "{out}");
}

#[test]
fn an_output_file_in_a_missing_folder_is_an_error_naming_it() {
    let d = TestDir::new();
    let params = d.put(
        "params.json",
        "{\"grant-types\": [\"client_x509\"], \"roles\": [\"r\"]}\n",
    );
    let pem = d.put(
        "one-line.txt",
        std::fs::read_to_string(ROOT).unwrap().replace('\n', "\\n"),
    );
    let missing = d.path().join("missing");
    let file = |name: &str| missing.join(name).to_str().unwrap().to_string();
    let cases: Vec<Vec<String>> = vec![
        vec![
            "p12".into(),
            SAMPLE.into(),
            "-o".into(),
            file("out.p12"),
            "--no-password".into(),
        ],
        vec![
            "truststore".into(),
            ROOT.into(),
            "-o".into(),
            file("ts.p12"),
            "--no-password".into(),
        ],
        vec!["unescape".into(), pem, "-o".into(), file("out.pem")],
        vec![
            "instance".into(),
            "migrate".into(),
            params,
            "-o".into(),
            file("new.json"),
        ],
        vec![
            "key-params".into(),
            EXTERNAL.into(),
            "-o".into(),
            file("params.json"),
        ],
    ];
    for args in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let a = run(&args).code(2);
        let err = stderr_of(&a);
        assert!(
            err.contains(&format!("folder {} does not exist", missing.display())),
            "{args:?}: {err}"
        );
        assert!(!missing.exists(), "{args:?} created the folder");
    }
    // A folder named by -o DIR is created, with the folders above it.
    run(&["extract", SAMPLE, "-o", &d.p("a/b/c")]).success();
    assert_eq!(
        entries(&d.path().join("a/b/c")),
        ["certificate.pem", "key.pem"]
    );
}

/// `instance check` and `instance migrate` read a document alike: escaped
/// names and values, the last of duplicate keys, repeated entries.
#[test]
fn instance_check_and_migrate_agree() {
    let d = TestDir::new();
    let cases = [
        (
            r#"{"roles": ["r"], "grant-types": ["client\u005fx509"]}"#,
            r#"{"roles": ["r"], "grant-types": ["client_credentials"]}"#,
        ),
        (
            r#"{"roles": ["r"], "grant\u002dtypes": ["client_x509"]}"#,
            r#"{"roles": ["r"], "grant\u002dtypes": ["client_credentials"]}"#,
        ),
        (
            r#"{"roles": ["r"], "grant-types": ["password"], "grant-types": ["client_x509"]}"#,
            r#"{"roles": ["r"], "grant-types": ["password"], "grant-types": ["client_credentials"]}"#,
        ),
        (
            r#"{"roles": ["r"], "grant-types": ["client_x509","client_x509","client_x509"]}"#,
            r#"{"roles": ["r"], "grant-types": ["client_credentials"]}"#,
        ),
    ];
    for (n, (old, new)) in cases.iter().enumerate() {
        let file = d.put(&format!("p{n}.json"), format!("{old}\n"));
        run(&["instance", "check", &file]).code(1);
        let out = d.p(&format!("new{n}.json"));
        let a = run(&["instance", "migrate", &file, "-o", &out]).success();
        assert!(stdout_of(&a).contains("client_x509 replaced"), "{old}");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), format!("{new}\n"));
        run(&["instance", "check", &out]).success();
    }
}

const OLD_PARAMS: &str =
    "{\n  \"roles\": [\"ESBMessaging.send\"],\n  \"grant-types\": [\"client_x509\"]\n}\n";

fn new_params() -> String {
    OLD_PARAMS.replace("client_x509", "client_credentials")
}

fn utf16(text: &str, little_endian: bool, bom: bool) -> Vec<u8> {
    let units = bom
        .then_some(0xfeff_u16)
        .into_iter()
        .chain(text.encode_utf16());
    units
        .flat_map(|u| {
            if little_endian {
                u.to_le_bytes()
            } else {
                u.to_be_bytes()
            }
        })
        .collect()
}

#[cfg(unix)]
#[test]
fn migrate_in_place_edits_the_file_a_link_points_to() {
    let d = TestDir::new();
    let real = d.put("real/params.json", OLD_PARAMS);
    let link = d.path().join("params.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let a = run(&["instance", "migrate", link.to_str().unwrap(), "--in-place"]).success();
    assert!(stdout_of(&a).contains("client_x509 replaced"));
    assert!(
        std::fs::symlink_metadata(&link).unwrap().is_symlink(),
        "the link stays a link"
    );
    assert_eq!(
        std::fs::read_link(&link).unwrap().to_str(),
        Some(real.as_str())
    );
    assert_eq!(std::fs::read_to_string(&real).unwrap(), new_params());
    run(&["instance", "check", &real]).success();
}

#[test]
fn migrate_in_place_keeps_the_encoding() {
    let d = TestDir::new();
    for little_endian in [true, false] {
        for bom in [true, false] {
            let name = format!("le{little_endian}-bom{bom}.json");
            let file = d.put(&name, utf16(OLD_PARAMS, little_endian, bom));
            run(&["instance", "check", &file]).code(1);
            run(&["instance", "migrate", &file, "--in-place"]).success();
            assert_eq!(
                std::fs::read(&file).unwrap(),
                utf16(&new_params(), little_endian, bom),
                "{name}"
            );
            run(&["instance", "check", &file]).success();
        }
    }
    let file = d.put("bom.json", format!("\u{feff}{OLD_PARAMS}"));
    run(&["instance", "migrate", &file, "--in-place"]).success();
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!("\u{feff}{}", new_params())
    );
}

#[cfg(unix)]
#[test]
fn migrate_in_place_keeps_the_mode() {
    use std::os::unix::fs::PermissionsExt;
    let d = TestDir::new();
    for m in [0o640, 0o660, 0o444, 0o600] {
        let file = d.put(&format!("m{m:o}.json"), OLD_PARAMS);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(m)).unwrap();
        run(&["instance", "migrate", &file, "--in-place"]).success();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), new_params());
        assert_eq!(mode(std::path::Path::new(&file)), m, "{m:o}");
    }
}

#[test]
fn utf16_without_a_byte_order_mark_is_read() {
    let d = TestDir::new();
    let key = std::fs::read_to_string(SAMPLE).unwrap();
    let file = d.put("key.txt", utf16(&key, true, false));
    let a = run(&["inspect", &file]).success();
    assert!(
        stdout_of(&a).contains("service key JSON"),
        "{}",
        stdout_of(&a)
    );
    let file = d.put("params.json", utf16(OLD_PARAMS, false, false));
    run(&["instance", "check", &file]).code(1);
}

#[test]
fn a_pem_body_that_is_no_certificate_is_said_in_words() {
    let d = TestDir::new();
    // Valid base64 of a DER INTEGER: not a certificate.
    let file = d.put(
        "bad.pem",
        "-----BEGIN CERTIFICATE-----\nAgEF\n-----END CERTIFICATE-----\n",
    );
    let a = run(&["inspect", &file]).code(2);
    let err = stderr_of(&a);
    assert!(
        err.contains("bad.pem: block 1 (CERTIFICATE): not a valid X.509 certificate: the DER structure is damaged or of another kind"),
        "{err}"
    );
    assert!(!err.contains("Tag(") && !err.contains("Error"), "{err}");
}

#[test]
fn a_certificate_given_a_thousand_times_is_one_line() {
    let d = TestDir::new();
    let many = d.put(
        "many.pem",
        std::fs::read_to_string(ROOT).unwrap().repeat(1000),
    );
    let a = run(&[
        "verify",
        &many,
        "--no-system-roots",
        "--at",
        "2030-01-01T00:00:00Z",
    ]);
    let out = stdout_of(&a);
    let dup: Vec<&str> = out.lines().filter(|l| l.contains("is given")).collect();
    assert_eq!(
        dup,
        ["  ! 'btpcert Sample Root CA' is given 1000 times"],
        "{out}"
    );
    let a = run(&["inspect", &many]).success();
    let out = stdout_of(&a);
    assert_eq!(out.matches("  certificate ").count(), 1, "{out}");
    assert!(
        out.contains("    repeated:     given 999 more times in this file\n"),
        "{out}"
    );
    assert!(out.lines().count() < 20, "{out}");
}
