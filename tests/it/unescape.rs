use crate::common::*;

#[test]
fn literal_newlines_to_pem_on_stdout() {
    let h = sap();
    let pasted = h.chain_pem().replace('\n', "\\n");
    let a = btpcert()
        .arg("unescape")
        .write_stdin(pasted)
        .assert()
        .success();
    assert_eq!(stdout_of(&a), h.chain_pem());
}

#[test]
fn to_file_with_key_is_0600() {
    let h = sap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.txt");
    std::fs::write(
        &input,
        format!(
            "\"{}\"",
            h.leaf.key_traditional_pem().replace('\n', "\\r\\n")
        ),
    )
    .unwrap();
    let out = dir.path().join("key.pem");
    btpcert()
        .arg("unescape")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        h.leaf.key_traditional_pem()
    );
    assert_eq!(mode(&out), 0o600);
    // Exists now: refused without --force.
    btpcert()
        .arg("unescape")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
}

#[test]
fn every_block_must_decode() {
    let h = sap();
    let text = format!(
        "{}-----BEGIN CERTIFICATE-----\\nMIIB!!\\n-----END CERTIFICATE-----",
        h.root.cert_pem()
    );
    let a = btpcert().arg("unescape").write_stdin(text).assert().code(2);
    assert!(stderr_of(&a).contains("<stdin>: block 2 (CERTIFICATE): character '!'"));
    assert!(stdout_of(&a).is_empty());
}

#[test]
fn no_pem_at_all() {
    let a = btpcert()
        .arg("unescape")
        .write_stdin("hello\\nworld")
        .assert()
        .code(2);
    assert!(stderr_of(&a).contains("no PEM block found"));
}

#[test]
fn private_key_is_not_printed_to_a_terminal() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("key.txt");
    std::fs::write(&f, sap().leaf.key_traditional_pem().replace('\n', "\\n")).unwrap();
    let cmd = format!("{} unescape {}", env!("CARGO_BIN_EXE_btpcert"), f.display());
    let out = tool("script")
        .args(["-qec", &cmd, "/dev/null"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("holds a private key; write it to a file with -o FILE"),
        "{text}"
    );
    assert!(!text.contains("PRIVATE KEY-----"), "{text}");
    // Into a pipe it is what the user asked for.
    let a = btpcert().arg("unescape").arg(&f).assert().success();
    assert_eq!(stdout_of(&a), sap().leaf.key_traditional_pem());
}
