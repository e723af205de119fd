//! Java KeyStore files, written by btpcert and read by keytool, and written
//! by keytool (and Debian) and read by btpcert.

use std::process::Command;

use crate::common::*;

fn keytool_list(store: &str, pass: &str) -> String {
    let out = tool("keytool")
        .args(["-list", "-v", "-keystore", store, "-storepass", pass])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "keytool -list failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn entries_in(listing: &str) -> usize {
    listing
        .lines()
        .find_map(|l| l.strip_prefix("Your keystore contains "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("keytool prints the entry count")
}

#[test]
fn keytool_reads_the_key_entry_btpcert_writes() {
    let d = TestDir::new();
    let key = d.put("k.json", cockpit_key(sap()));
    let pw = d.put("pw", "changeit\n");
    let out = d.p("client.jks");
    let a = btpcert()
        .args([
            "p12",
            &key,
            "-o",
            &out,
            "--password-file",
            &pw,
            "--name",
            "Client",
        ])
        .assert()
        .success();
    assert!(stdout_of(&a).contains("JKS"), "{}", stdout_of(&a));
    assert_eq!(&std::fs::read(&out).unwrap()[..4], b"\xfe\xed\xfe\xed");
    let text = keytool_list(&out, "changeit");
    assert!(
        text.contains("Keystore type: JKS") || text.contains("Keystore type: jks"),
        "{text}"
    );
    assert!(text.contains("Alias name: client"), "{text}");
    assert!(text.contains("Entry type: PrivateKeyEntry"), "{text}");
    assert!(text.contains("Certificate chain length: 3"), "{text}");
    assert_eq!(mode(std::path::Path::new(&out)), 0o600);
}

#[test]
fn a_jks_truststore_and_debians_cacerts_plus_one() {
    let d = TestDir::new();
    let h = sap();
    let root = d.put("root.pem", h.root.cert_pem());
    let pw = d.put("pw", "changeit\n");
    let ts = d.p("trust.jks");
    btpcert()
        .args(["truststore", &root, "-o", &ts, "--password-file", &pw])
        .assert()
        .success();
    let text = keytool_list(&ts, "changeit");
    assert_eq!(entries_in(&text), 1, "{text}");
    assert!(text.contains("Entry type: trustedCertEntry"), "{text}");

    // Debian's Java truststore: a JKS without extension, password changeit.
    let cacerts = "/etc/ssl/certs/java/cacerts";
    let before = entries_in(&keytool_list(cacerts, "changeit"));
    let copy = d.p("cacerts");
    std::fs::copy(cacerts, &copy).unwrap();
    btpcert()
        .args([
            "truststore",
            &root,
            "--add-to",
            &copy,
            "--password-file",
            &pw,
        ])
        .assert()
        .success();
    assert_eq!(
        &std::fs::read(&copy).unwrap()[..4],
        b"\xfe\xed\xfe\xed",
        "still JKS"
    );
    let after = keytool_list(&copy, "changeit");
    assert_eq!(
        entries_in(&after),
        before + 1,
        "every entry kept, one added"
    );
}

#[test]
fn btpcert_reads_a_jks_that_keytool_wrote() {
    let d = TestDir::new();
    let h = sap();
    let root = d.put("root.cer", h.root.cert_der());
    let store = d.p("kt.jks");
    let st = Command::new("keytool")
        .args([
            "-importcert",
            "-noprompt",
            "-alias",
            "sample",
            "-file",
            &root,
        ])
        .args([
            "-keystore",
            &store,
            "-storetype",
            "JKS",
            "-storepass",
            "secret1",
        ])
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let inter = d.put("inter.pem", h.inter.cert_pem());
    let pw = d.put("pw", "secret1\n");
    let a = btpcert()
        .args([
            "truststore",
            &inter,
            "--add-to",
            &store,
            "--password-file",
            &pw,
        ])
        .assert()
        .success();
    assert!(stdout_of(&a).contains("2 trusted certificate entries (1 kept, 1 added), JKS"));
    let text = keytool_list(&store, "secret1");
    assert!(text.contains("Alias name: sample"), "{text}");

    // The wrong password is refused, and nothing is written.
    let bad = d.put("bad", "nope\n");
    let before = std::fs::read(&store).unwrap();
    let a = btpcert()
        .args([
            "truststore",
            &inter,
            "--add-to",
            &store,
            "--password-file",
            &bad,
        ])
        .assert()
        .code(2);
    assert!(
        stderr_of(&a).contains("wrong password"),
        "{}",
        stderr_of(&a)
    );
    assert_eq!(std::fs::read(&store).unwrap(), before);
}

#[test]
fn a_pkcs12_is_never_written_under_a_jks_name() {
    let d = TestDir::new();
    let key = d.put("k.json", cockpit_key(sap()));
    let a = btpcert()
        .args([
            "p12",
            &key,
            "-o",
            &d.p("x.jks"),
            "--format",
            "pkcs12",
            "--no-password",
        ])
        .assert()
        .code(2);
    assert!(
        stderr_of(&a).contains("the name says JKS"),
        "{}",
        stderr_of(&a)
    );
    assert!(!d.path().join("x.jks").exists());
}

#[test]
fn a_jks_from_keytool_changed_after_it_was_written_is_not_a_wrong_password() {
    let d = TestDir::new();
    let (p12, pw) = sample_p12(&d, "c.p12", "secret1", &[]);
    let jks = d.p("kt.jks");
    keytool(&[
        "-importkeystore",
        "-noprompt",
        "-srckeystore",
        &p12,
        "-srcstoretype",
        "PKCS12",
        "-srcstorepass",
        "secret1",
        "-destkeystore",
        &jks,
        "-deststoretype",
        "JKS",
        "-deststorepass",
        "secret1",
        "-destkeypass",
        "secret1",
    ]);
    btpcert()
        .args(["inspect", &jks, "--password-file", &pw])
        .assert()
        .success();
    // The file's digest (its last byte) changed, the entries intact.
    let mut bytes = std::fs::read(&jks).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    let damaged = d.put("d.jks", bytes);
    let bad = d.put("bad", "nope\n");
    for (password, says) in [
        (&pw, "d.jks: the JKS integrity check fails, yet the password opens its keys: the file was changed or damaged after it was written"),
        (&bad, "d.jks: wrong password (the JKS integrity check failed)"),
    ] {
        let a = btpcert()
            .args(["inspect", &damaged, "--password-file", password])
            .assert()
            .code(2);
        assert!(stderr_of(&a).contains(says), "{}", stderr_of(&a));
    }
}
