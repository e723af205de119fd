//! Shared helpers: the binary, certificate hierarchies made with OpenSSL at
//! test time, service key JSON in SAP's shapes, and local TLS servers.
#![allow(dead_code)]

pub mod pki;
pub mod server;

use std::path::Path;

pub use pki::*;

/// Tests talk to 127.0.0.1 only: no proxy from the environment, unless a
/// test sets one itself.
const PROXY_VARS: [&str; 8] = [
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "http_proxy",
    "HTTP_PROXY",
    "no_proxy",
    "NO_PROXY",
];

/// The btpcert binary, with a clean environment for colour, passwords,
/// proxies, help text width (clap reads COLUMNS) and the system CA bundle
/// (the system's, not one a caller's SSL_CERT_FILE names).
pub fn btpcert() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::new(env!("CARGO_BIN_EXE_btpcert"));
    c.env_remove("NO_COLOR").env("RUST_BACKTRACE", "0");
    for v in PROXY_VARS
        .iter()
        .chain(&["COLUMNS", "LINES", "SSL_CERT_FILE", "SSL_CERT_DIR"])
    {
        c.env_remove(v);
    }
    c
}

/// Runs an external tool; panics with a clear message when it is missing.
/// The tool gets no proxy, the C locale (no locale warnings from a shell),
/// and /bin/sh as SHELL (which `script` runs its command with), whatever
/// the caller's environment holds.
pub fn tool(name: &str) -> std::process::Command {
    if which(name).is_none() {
        panic!("this test needs '{name}', which is not installed: run scripts/test, or install it");
    }
    let mut c = std::process::Command::new(name);
    without_proxy(&mut c);
    c.env("LC_ALL", "C").env("SHELL", "/bin/sh");
    c
}

/// Removes the proxy variables from a command's environment.
pub fn without_proxy(c: &mut std::process::Command) {
    for v in PROXY_VARS {
        c.env_remove(v);
    }
}

pub fn which(name: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Runs `openssl` with args and returns stdout; panics with stderr on failure.
pub fn openssl(args: &[&str]) -> String {
    let out = tool("openssl").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs `keytool` with args and returns stdout; panics with its output on
/// failure.
pub fn keytool(args: &[&str]) -> String {
    let out = tool("keytool").args(args).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "keytool {args:?} failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// The certificates of the PEM file `certfile` as a DER PKCS#7 (`.p7b`)
/// at `out`, written by OpenSSL as Windows and Cloud Integration write one.
pub fn openssl_p7b(certfile: &str, out: &str) {
    openssl(&[
        "crl2pkcs7",
        "-nocrl",
        "-certfile",
        certfile,
        "-outform",
        "DER",
        "-out",
        out,
    ]);
}

/// The sample service key made a PKCS#12 file `NAME` by `btpcert p12` in
/// `d`, with `password` (kept in the file `pw`) and `extra` options:
/// (the PKCS#12 file, the password file).
pub fn sample_p12(d: &TestDir, name: &str, password: &str, extra: &[&str]) -> (String, String) {
    let key = d.put("k.json", cockpit_key(sap()));
    let pw = d.put("pw", format!("{password}\n"));
    let out = d.p(name);
    btpcert()
        .args(["p12", &key, "-o", &out, "--password-file", &pw])
        .args(extra)
        .assert()
        .success();
    (out, pw)
}

/// Names of the entries of a folder, sorted.
pub fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    v.sort();
    v
}

#[cfg(unix)]
pub fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// stderr of an assert as text.
pub fn stderr_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

pub fn stdout_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).into_owned()
}

/// A scratch folder for a test, removed when dropped.
pub struct TestDir(tempfile::TempDir);

impl TestDir {
    pub fn new() -> TestDir {
        TestDir(tempfile::tempdir().unwrap())
    }

    /// The path of `name` in the folder, as a string for command lines.
    pub fn p(&self, name: &str) -> String {
        self.0.path().join(name).to_str().unwrap().to_string()
    }

    /// Writes `name` (creating folders on the way) and returns its path.
    pub fn put(&self, name: &str, content: impl AsRef<[u8]>) -> String {
        let p = self.0.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, content).unwrap();
        self.p(name)
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }
}

/// A zip archive of (entry name, content), stored uncompressed.
pub fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default();
        for (name, data) in entries {
            w.start_file(*name, opts).unwrap();
            std::io::Write::write_all(&mut w, data).unwrap();
        }
        w.finish().unwrap();
    }
    buf.into_inner()
}

/// Writes `content` as `name` in a fresh folder and runs `btpcert extract`
/// on it into `<folder>/o`, with `extra` arguments.
pub fn extract(
    name: &str,
    content: impl AsRef<[u8]>,
    extra: &[&str],
) -> (TestDir, std::path::PathBuf, assert_cmd::assert::Assert) {
    let dir = TestDir::new();
    let input = dir.put(name, content);
    let out = dir.path().join("o");
    let a = btpcert()
        .arg("extract")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .args(extra)
        .assert();
    (dir, out, a)
}
