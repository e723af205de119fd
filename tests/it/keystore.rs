//! `btpcert p12`, `truststore` and `postman`, proved with real clients:
//! openssl, keytool, Node, curl and newman against nginx on 127.0.0.1.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::common::server::{fake_jwt, Nginx};
use crate::common::*;

const PW: &str = "correct horse battery";

fn p12(d: &TestDir, input: &str, out: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
    let pw = d.put("pw", format!("{PW}\n"));
    btpcert()
        .args(["p12", input, "-o", out, "--password-file", &pw])
        .args(extra)
        .assert()
}

fn keytool_list(store: &str, pw_file: &str) -> String {
    let out = tool("keytool")
        .args([
            "-list",
            "-v",
            "-storetype",
            "PKCS12",
            "-keystore",
            store,
            "-storepass:file",
            pw_file,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "keytool failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn p12_both_profiles_read_by_openssl_keytool_and_node() {
    let d = TestDir::new();
    let key = d.put("k.json", cockpit_key(sap()));
    for (profile, pbe, mac) in [
        ("modern", "PBES2, PBKDF2, AES-256-CBC", "MAC: sha256"),
        ("compat", "pbeWithSHA1And3-KeyTripleDES-CBC", "MAC: sha1"),
    ] {
        let out = d.p(&format!("{profile}.p12"));
        let a = p12(
            &d,
            &key,
            &out,
            &["--profile", profile, "--name", "SapClient"],
        )
        .success();
        assert!(stdout_of(&a).contains("key entry 'sapclient' with 3 certificates"));
        assert_eq!(mode(Path::new(&out)), 0o600);

        // OpenSSL 3.0, without -legacy.
        let info = tool("openssl")
            .args([
                "pkcs12",
                "-info",
                "-noout",
                "-in",
                &out,
                "-passin",
                &format!("file:{}", d.p("pw")),
            ])
            .output()
            .unwrap();
        assert!(
            info.status.success(),
            "{profile}: {}",
            String::from_utf8_lossy(&info.stderr)
        );
        let text = String::from_utf8_lossy(&info.stderr).into_owned()
            + &String::from_utf8_lossy(&info.stdout);
        assert!(text.contains(pbe), "{profile}: {text}");
        assert!(text.contains(mac), "{profile}: {text}");
        assert_eq!(text.matches("Certificate bag").count(), 3, "{text}");

        // The key and chain inside are the ones given.
        let pem = openssl(&[
            "pkcs12",
            "-in",
            &out,
            "-passin",
            &format!("file:{}", d.p("pw")),
            "-nodes",
        ]);
        let certs = openssl::x509::X509::stack_from_pem(pem.as_bytes()).unwrap();
        assert_eq!(certs[0].to_der().unwrap(), sap().leaf.cert_der());
        assert!(
            pem.contains("-----BEGIN PRIVATE KEY-----"),
            "key must be PKCS#8"
        );

        // Java.
        let list = keytool_list(&out, &d.p("pw"));
        assert!(list.contains("Alias name: sapclient"), "{list}");
        assert!(list.contains("Entry type: PrivateKeyEntry"), "{list}");
        assert!(list.contains("Certificate chain length: 3"), "{list}");

        // Node (Postman's runtime).
        let js = "const fs=require('fs');require('tls').createSecureContext({pfx: fs.readFileSync(process.argv[1]), passphrase: process.argv[2]});console.log('ok')";
        let node = tool("node").args(["-e", js, &out, PW]).output().unwrap();
        assert!(
            node.status.success(),
            "{profile}: node: {}",
            String::from_utf8_lossy(&node.stderr)
        );
        let wrong = tool("node")
            .args(["-e", js, &out, "wrong"])
            .output()
            .unwrap();
        assert!(!wrong.status.success(), "node accepted a wrong passphrase");
    }
}

#[test]
fn p12_from_separate_files_with_pkcs1_and_encrypted_keys() {
    let h = sap();
    let d = TestDir::new();
    let chain = d.put("chain.pem", h.chain_pem());
    let key1 = d.put("key1.pem", h.leaf.key_traditional_pem());
    p12(&d, &chain, &d.p("a.p12"), &[&key1]).success();
    let enc = d.put("enc.pem", h.leaf.key_encrypted_pem("keypass"));
    let kp = d.put("kp", "keypass\n");
    p12(
        &d,
        &chain,
        &d.p("b.p12"),
        &[&enc, "--key-password-file", &kp],
    )
    .success();
    assert!(keytool_list(&d.p("b.p12"), &d.p("pw")).contains("PrivateKeyEntry"));
    // Without its password and no terminal: the options that give it.
    let a = btpcert()
        .args(["p12", &chain, &enc, "-o", &d.p("c.p12"), "--no-password"])
        .write_stdin("")
        .assert()
        .code(2);
    assert!(
        stderr_of(&a).contains("use --key-password-file FILE or --key-password-env NAME"),
        "{}",
        stderr_of(&a)
    );
}

#[test]
fn p12_bad_input() {
    let h = sap();
    let d = TestDir::new();
    let chain = d.put("chain.pem", h.chain_pem());
    let other = issue(&Spec::client("other"), None);
    let wrong_key = d.put("wrong.pem", other.key_pkcs8_pem());
    let out = d.p("x.p12");

    let a = p12(&d, &chain, &out, &[&wrong_key]).code(2);
    assert!(stderr_of(&a).contains("does not belong to the leaf certificate"));
    let a = p12(&d, &chain, &out, &[]).code(2);
    assert!(stderr_of(&a).contains("no private key in the input"));
    let a = btpcert()
        .args([
            "p12",
            &d.put("k.json", cockpit_key(h)),
            "-o",
            &out,
            "--password-file",
            &d.p("missing"),
        ])
        .assert()
        .code(2);
    assert!(stderr_of(&a).contains("missing: no such file or directory"));
    let a = btpcert()
        .args([
            "p12",
            &d.p("k.json"),
            "-o",
            &out,
            "--password-env",
            "BTPCERT_UNSET_VAR",
        ])
        .env_remove("BTPCERT_UNSET_VAR")
        .assert()
        .code(2);
    assert!(stderr_of(&a).contains("environment variable BTPCERT_UNSET_VAR is not set"));
    let a = btpcert()
        .args(["p12", &d.p("k.json"), "-o", &out])
        .write_stdin("")
        .assert()
        .code(2);
    assert!(stderr_of(&a).contains("no terminal to ask for the password"));
    assert!(!Path::new(&out).exists(), "nothing may be written on error");

    // Incomplete chain: refused unless allowed.
    let partial = d.put(
        "partial.pem",
        format!("{}{}", h.leaf.cert_pem(), h.leaf.key_traditional_pem()),
    );
    let a = btpcert()
        .args([
            "p12",
            &partial,
            "-o",
            &out,
            "--password-file",
            &d.p("pw"),
            "--no-system-roots",
        ])
        .assert()
        .code(2);
    assert!(stderr_of(&a)
        .contains("the chain is incomplete: issuer 'C=DE, O=btpcert tests, CN=Test Client CA'"));
    p12(
        &d,
        &partial,
        &out,
        &["--no-system-roots", "--allow-incomplete"],
    )
    .success();

    // Exists now: refused without --force, kept as it was.
    let before = std::fs::read(&out).unwrap();
    let a = p12(&d, &d.p("k.json"), &out, &[]).code(2);
    assert!(stderr_of(&a).contains("already exists"));
    assert_eq!(std::fs::read(&out).unwrap(), before);
    p12(&d, &d.p("k.json"), &out, &["--force"]).success();

    // A ClientId/Secret key has nothing for a keystore.
    let secret = d.put(
        "s.json",
        json!({"oauth": {"clientid": "c", "clientsecret": "s"}}).to_string(),
    );
    let a = p12(&d, &secret, &d.p("s.p12"), &[]).code(2);
    assert!(stderr_of(&a).contains("ClientId/Secret"));
}

#[test]
fn empty_password_only_when_asked() {
    let d = TestDir::new();
    let key = d.put("k.json", cockpit_key(sap()));
    let out = d.p("e.p12");
    let a = btpcert()
        .args(["p12", &key, "-o", &out, "--no-password"])
        .assert()
        .success();
    assert!(stderr_of(&a).contains("empty password"));
    openssl(&["pkcs12", "-info", "-noout", "-in", &out, "-passin", "pass:"]);
}

#[test]
fn truststore_read_by_keytool_and_openssl() {
    let h = sap();
    let d = TestDir::new();
    let pw = d.put("pw", format!("{PW}\n"));
    let root = d.put("root.pem", h.root.cert_pem());
    // A Connectivity Test download: leaf, intermediate, root as DER.
    let z = d.put(
        "download.zip",
        zip_of(&[
            ("a/leaf.cer", h.leaf.cert_der()),
            ("b.cer", h.inter.cert_der()),
            ("c.cer", h.root.cert_der()),
        ]),
    );
    let out = d.p("trust.p12");
    let a = btpcert()
        .args(["truststore", &root, &z, "-o", &out, "--password-file", &pw])
        .assert()
        .success();
    // The root is given twice: one entry. The leaf is no CA: left out.
    assert!(
        stdout_of(&a).contains("2 trusted certificate entries"),
        "{}",
        stdout_of(&a)
    );
    assert!(stderr_of(&a).contains("is not a CA certificate and is left out"));
    let list = keytool_list(&out, &pw);
    assert_eq!(
        list.matches("Entry type: trustedCertEntry").count(),
        2,
        "{list}"
    );
    assert!(list.contains("Alias name: test-root-ca"), "{list}");
    assert!(list.contains("Alias name: test-client-ca"), "{list}");
    openssl(&[
        "pkcs12",
        "-info",
        "-noout",
        "-in",
        &out,
        "-passin",
        &format!("file:{pw}"),
    ]);

    // Add to it: the old entries stay, their aliases too.
    let g2 = "/usr/share/ca-certificates/mozilla/DigiCert_Global_Root_G2.crt";
    let a = btpcert()
        .args([
            "truststore",
            g2,
            &root,
            "--add-to",
            &out,
            "--password-file",
            &pw,
        ])
        .assert()
        .success();
    assert!(
        stdout_of(&a).contains("3 trusted certificate entries (2 kept, 1 added)"),
        "{}",
        stdout_of(&a)
    );
    let list = keytool_list(&out, &pw);
    assert_eq!(
        list.matches("Entry type: trustedCertEntry").count(),
        3,
        "{list}"
    );
    assert!(list.contains("Alias name: test-root-ca"));
    assert!(list.contains("Alias name: digicert-global-root-g2"));

    // Wrong password for the existing store: an error, the store unchanged.
    let before = std::fs::read(&out).unwrap();
    let bad = d.put("bad", "nope\n");
    let a = btpcert()
        .args(["truststore", g2, "--add-to", &out, "--password-file", &bad])
        .assert()
        .code(2);
    assert!(
        stderr_of(&a).contains("wrong password"),
        "{}",
        stderr_of(&a)
    );
    assert_eq!(std::fs::read(&out).unwrap(), before);
}

#[test]
fn truststore_compat_profile() {
    let d = TestDir::new();
    let pw = d.put("pw", format!("{PW}\n"));
    let root = d.put("root.pem", sap().root.cert_pem());
    let out = d.p("t.p12");
    btpcert()
        .args([
            "truststore",
            &root,
            "-o",
            &out,
            "--password-file",
            &pw,
            "--profile",
            "compat",
        ])
        .assert()
        .success();
    let list = keytool_list(&out, &pw);
    assert!(list.contains("trustedCertEntry"), "{list}");
}

/// Server files: a server certificate for 127.0.0.1 under the test root.
fn server_files(d: &TestDir) -> (String, String, String) {
    let h = sap();
    let server = issue(&Spec::server("127.0.0.1"), Some(&h.root));
    (
        d.put("server.pem", server.cert_pem()),
        d.put("server.key", server.key_pkcs8_pem()),
        d.put("root.pem", h.root.cert_pem()),
    )
}

fn local_key(port: u16, path_kind: &str) -> String {
    let h = sap();
    let mut oauth = oauth_certificate(&h.chain_pem(), &h.leaf.key_traditional_pem());
    oauth["tokenurl"] = json!(format!("https://127.0.0.1:{port}/oauth/token"));
    oauth["url"] = json!(format!("https://127.0.0.1:{port}{path_kind}"));
    json!({ "oauth": oauth }).to_string()
}

/// newman: `$NEWMAN` when set, else the one `scripts/test` installs into
/// the checkout's `.tools/`.
fn newman() -> PathBuf {
    if let Some(p) = std::env::var_os("NEWMAN").filter(|p| !p.is_empty()) {
        return p.into();
    }
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/node_modules/.bin/newman");
    if local.is_file() {
        return local;
    }
    panic!(
        "this test needs newman, which is not in {}: run scripts/test (it installs newman there), or set NEWMAN to a newman binary",
        local.display()
    )
}

/// `newman run` of the collection in `kit`, trusting `root`, with the
/// generated client certificate list or without it.
fn newman_run(kit: &str, root: &str, with_certs: bool) -> std::process::Output {
    let mut c = std::process::Command::new(newman());
    without_proxy(&mut c);
    c.args(["run", &format!("{kit}/btpcert.postman_collection.json")]);
    if with_certs {
        c.args([
            "--ssl-client-cert-list",
            &format!("{kit}/newman-certs.json"),
        ]);
    }
    c.args([
        "--ssl-extra-ca-certs",
        root,
        "--timeout-request",
        "10000",
        "--reporters",
        "cli",
    ]);
    c.output().unwrap()
}

#[test]
fn postman_kit_works_against_an_mtls_server() {
    let d = TestDir::new();
    let (cert, key, root) = server_files(&d);
    let token = fake_jwt(CLIENT_ID);
    let nginx_dir = d.path().join("nginx");
    std::fs::create_dir(&nginx_dir).unwrap();
    let srv = Nginx {
        dir: &nginx_dir,
        server_cert: &cert,
        server_key: &key,
        client_ca: Some(&root),
        basic: None,
        token: &token,
    }
    .start();
    let port = srv.port;
    let k = d.put("key.json", local_key(port, ""));
    let pw = d.put("pw", format!("{PW}\n"));
    let kit = d.p("kit");
    let a = btpcert()
        .args([
            "postman",
            &k,
            "-o",
            &kit,
            "--password-file",
            &pw,
            "--path",
            "/http/orders",
        ])
        .assert()
        .success();
    let text = stdout_of(&a);
    assert!(text.contains("Host      127.0.0.1"), "{text}");
    assert_eq!(
        entries(Path::new(&kit)),
        vec![
            "btpcert.postman_collection.json",
            "client.crt",
            "client.key",
            "client.pfx",
            "newman-certs.json"
        ]
    );
    assert_eq!(mode(&Path::new(&kit).join("client.key")), 0o600);
    assert_eq!(mode(&Path::new(&kit).join("client.pfx")), 0o600);
    let coll: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{kit}/btpcert.postman_collection.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        coll["info"]["schema"],
        "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
    );
    assert_eq!(
        coll["item"][0]["request"]["url"],
        "{{tokenurl}}?grant_type=client_credentials"
    );
    assert_eq!(
        coll["item"][0]["request"]["body"]["urlencoded"][0]["key"],
        "client_id"
    );
    assert_eq!(coll["item"][1]["request"]["method"], "POST");

    let base = format!("https://127.0.0.1:{port}");
    let curl = |args: &[&str], url: &str| {
        let out = tool("curl")
            .args(["-sS", "--max-time", "10", "--cacert", &root, "-X", "POST"])
            .args(args)
            .arg(url)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let token_url = format!("{base}/oauth/token?grant_type=client_credentials");
    // curl with the PEM files.
    let (ok, body, err) = curl(
        &[
            "--cert",
            &format!("{kit}/client.crt"),
            "--key",
            &format!("{kit}/client.key"),
            "-d",
            "client_id=x",
        ],
        &token_url,
    );
    assert!(ok, "curl PEM: {err} {}", srv.log_text());
    assert!(body.contains(&token), "{body}");
    // curl with the PKCS#12 file.
    let (ok, body, err) = curl(
        &[
            "--cert-type",
            "P12",
            "--cert",
            &format!("{kit}/client.pfx:{PW}"),
            "-d",
            "client_id=x",
        ],
        &token_url,
    );
    assert!(ok, "curl P12: {err}");
    assert!(body.contains(&token));
    // Without a client certificate the server refuses.
    let (_, body, _) = curl(&["-d", "client_id=x"], &token_url);
    assert!(
        !body.contains(&token),
        "the server handed out a token without a client certificate"
    );

    // newman, Postman's runtime, with the generated collection and certificate list.
    let run = newman_run(&kit, &root, true);
    let out = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "newman failed: {out}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(out.contains("token received"), "{out}");
    assert!(out.contains("endpoint answered 2xx"), "{out}");
    let access = std::fs::read_to_string(nginx_dir.join("access.log")).unwrap();
    assert!(
        access.contains("POST /oauth/token?grant_type=client_credentials"),
        "{access}"
    );
    assert!(
        access.contains("POST /http/orders HTTP/1.1\" 200"),
        "{access}"
    );

    // Without the certificate list, newman gets no token: the check can fail.
    let run = newman_run(&kit, &root, false);
    assert!(
        !run.status.success(),
        "newman passed without a client certificate"
    );
}

#[test]
fn postman_for_client_secret_and_api_plan() {
    let d = TestDir::new();
    let key = d.put(
        "s.json",
        json!({"oauth": {
            "clientid": CLIENT_ID, "clientsecret": "s3cr3t",
            "url": "https://sub.it-cpi018.cfapps.eu10-002.hana.ondemand.com",
            "tokenurl": "https://sub.authentication.eu10.hana.ondemand.com/oauth/token"
        }})
        .to_string(),
    );
    let kit = d.p("kit");
    btpcert()
        .args(["postman", &key, "-o", &kit])
        .assert()
        .success();
    assert_eq!(
        entries(Path::new(&kit)),
        vec!["btpcert.postman_collection.json"]
    );
    let file = Path::new(&kit).join("btpcert.postman_collection.json");
    assert_eq!(mode(&file), 0o600, "the collection holds the secret");
    let coll: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(coll["item"][0]["request"]["auth"]["type"], "basic");
    assert_eq!(coll["item"][1]["request"]["method"], "GET");
    let endpoint = coll["variable"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["key"] == "endpoint")
        .unwrap();
    assert_eq!(
        endpoint["value"],
        "https://sub.it-cpi018.cfapps.eu10-002.hana.ondemand.com/api/v1/MessageProcessingLogs"
    );
}

/// The password asked twice on a terminal (`script` gives the command a
/// pseudo-terminal; the answers are typed after the prompts appear).
#[test]
fn password_prompt_on_a_terminal() {
    let d = TestDir::new();
    let key = d.put("k.json", cockpit_key(sap()));
    let run = |first: &str, second: &str, out: &str| {
        let cmd = format!("{} p12 {key} -o {out}", env!("CARGO_BIN_EXE_btpcert"));
        let typing = format!(
            "sleep 1.5; printf '%s\\n' '{first}'; sleep 1; printf '%s\\n' '{second}'; sleep 1"
        );
        let shell = format!("({typing}) | script -qec \"{cmd}\" /dev/null");
        let o = tool("bash").args(["-c", &shell]).output().unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let out = d.p("typed.p12");
    let text = run("typed-pass", "typed-pass", &out);
    assert!(text.contains("password for"), "{text}");
    assert!(
        !text.contains("typed-pass"),
        "the password must not be echoed: {text}"
    );
    openssl(&[
        "pkcs12",
        "-info",
        "-noout",
        "-in",
        &out,
        "-passin",
        "pass:typed-pass",
    ]);
    let other = d.p("differ.p12");
    let text = run("one", "two", &other);
    assert!(text.contains("the two passwords differ"), "{text}");
    assert!(!Path::new(&other).exists());
}

#[test]
fn p12_with_an_ec_key_from_sec1() {
    let h = Hierarchy::new(Alg::EcP256);
    let d = TestDir::new();
    let chain = d.put("chain.pem", h.chain_pem());
    let key = d.put("key.pem", h.leaf.key_traditional_pem());
    assert!(std::fs::read_to_string(&key)
        .unwrap()
        .starts_with("-----BEGIN EC PRIVATE KEY-----"));
    let out = d.p("ec.p12");
    p12(&d, &chain, &out, &[&key]).success();
    let list = keytool_list(&out, &d.p("pw"));
    assert!(list.contains("Entry type: PrivateKeyEntry"), "{list}");
    assert!(list.contains("Certificate chain length: 3"), "{list}");
    let pem = openssl(&[
        "pkcs12",
        "-in",
        &out,
        "-passin",
        &format!("file:{}", d.p("pw")),
        "-nodes",
        "-nocerts",
    ]);
    let k = openssl::pkey::PKey::private_key_from_pem(pem.as_bytes()).unwrap();
    assert!(k.public_eq(&h.leaf.key));
}

#[test]
fn a_pkcs12_file_changed_after_it_was_written_is_not_a_wrong_password() {
    use btpcert::x509::der::Reader;
    let d = TestDir::new();
    let key = d.put("k.json", cockpit_key(sap()));
    let out = d.p("c.pfx");
    p12(&d, &key, &out, &[]).success();
    // One byte of the MAC's salt changed: every bag intact, the integrity
    // check failing whatever the password.
    let mut der = std::fs::read(&out).unwrap();
    let mut pfx = Reader::new(&der).read(0x30).unwrap();
    pfx.read(0x02).unwrap();
    pfx.read(0x30).unwrap();
    let mut mac_data = pfx.read(0x30).unwrap();
    mac_data.read(0x30).unwrap();
    let at = mac_data.read(0x04).unwrap().rest().as_ptr() as usize - der.as_ptr() as usize;
    der[at] ^= 0xff;
    let damaged = d.put("d.pfx", der);
    let wrong = d.put("wrong", "nope\n");
    for (password, says) in [
        (d.p("pw"), "d.pfx: the PKCS#12 integrity check fails, yet the password opens what the file holds: the file was changed or damaged after it was written"),
        (wrong, "d.pfx: wrong password (the PKCS#12 integrity check failed)"),
    ] {
        let a = btpcert()
            .args(["inspect", &damaged, "--password-file", &password])
            .assert()
            .code(2);
        let err = stderr_of(&a);
        assert!(err.contains(says), "{err}");
        assert!(err.lines().count() <= 2, "{err}");
    }
}

#[test]
fn inspect_and_verify_read_a_pkcs12_file() {
    let d = TestDir::new();
    let key = d.put("k.json", cockpit_key(sap()));
    let out = d.p("c.pfx");
    p12(&d, &key, &out, &[]).success();
    let a = btpcert()
        .args(["inspect", "--json", &out, "--password-file", &d.p("pw")])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    assert_eq!(v["files"][0]["form"], "pkcs12");
    assert_eq!(v["files"][0]["certificates"].as_array().unwrap().len(), 3);
    assert_eq!(v["files"][0]["private_key"]["matches_leaf"], true);
    let a = btpcert()
        .args([
            "verify",
            "--json",
            "--no-system-roots",
            "--for",
            "iflow",
            &out,
            "--password-file",
            &d.p("pw"),
        ])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    assert!(
        v["chain"]
            .to_string()
            .contains("the private key belongs to the leaf"),
        "{v}"
    );
    let wrong = d.put("wrong", "nope\n");
    let a = btpcert()
        .args(["verify", &out, "--password-file", &wrong])
        .assert()
        .code(2);
    assert!(
        stderr_of(&a).contains("c.pfx: wrong password"),
        "{}",
        stderr_of(&a)
    );
    let a = btpcert()
        .args(["inspect", &out])
        .write_stdin("")
        .assert()
        .code(2);
    assert!(
        stderr_of(&a).contains("no terminal to ask for the password"),
        "{}",
        stderr_of(&a)
    );
    // Opening a keystore: the way to one written without a password is named.
    assert!(
        stderr_of(&a).contains("--no-password for a keystore written without one"),
        "{}",
        stderr_of(&a)
    );
}

#[test]
fn an_encrypted_key_asking_for_billions_of_iterations_is_refused_at_once() {
    use btpcert::x509::der::{tlv, Reader};
    let h = sap();
    let d = TestDir::new();
    let chain = d.put("chain.pem", h.chain_pem());
    let der = h
        .leaf
        .key
        .private_key_to_pkcs8_passphrase(openssl::symm::Cipher::aes_256_cbc(), b"keypass")
        .unwrap();
    // PBES2 with PBKDF2, its iteration count made 2^31 - 1: hours of work
    // for OpenSSL before it could say the password is wrong.
    let mut epki = Reader::new(&der).read(0x30).unwrap();
    let mut alg = epki.read(0x30).unwrap();
    let pbes2 = alg.read(0x06).unwrap().rest();
    let mut params = alg.read(0x30).unwrap();
    let mut kdf = params.read(0x30).unwrap();
    let pbkdf2 = kdf.read(0x06).unwrap().rest();
    let mut p = kdf.read(0x30).unwrap();
    let salt = p.read(0x04).unwrap().rest();
    p.read(0x02).unwrap();
    let p = [
        tlv(0x04, salt),
        tlv(0x02, &[0x7f, 0xff, 0xff, 0xff]),
        p.rest().to_vec(),
    ]
    .concat();
    let kdf = [tlv(0x06, pbkdf2), tlv(0x30, &p)].concat();
    let params = [tlv(0x30, &kdf), params.rest().to_vec()].concat();
    let alg = [tlv(0x06, pbes2), tlv(0x30, &params)].concat();
    let hostile = tlv(0x30, &[tlv(0x30, &alg), epki.rest().to_vec()].concat());
    let body = openssl::base64::encode_block(&hostile);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let pem = format!(
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\n{}\n-----END ENCRYPTED PRIVATE KEY-----\n",
        lines.join("\n")
    );
    let enc = d.put("enc.pem", pem);
    let kp = d.put("kp", "keypass\n");
    let pw = d.put("pw", format!("{PW}\n"));
    let a = btpcert()
        .args([
            "p12",
            &chain,
            &enc,
            "-o",
            &d.p("b.p12"),
            "--password-file",
            &pw,
        ])
        .args(["--key-password-file", &kp])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(2);
    assert!(
        stderr_of(&a).contains("the encrypted private key asks for 2147483647 key-derivation iterations, more than the 5000000 btpcert allows"),
        "{}",
        stderr_of(&a)
    );
    assert!(!Path::new(&d.p("b.p12")).exists());
}
