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
