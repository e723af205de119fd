//! Output sets stay whole: writers of one folder take turns, a killed run
//! leaves no folder or the whole set and no temporary file, and folders
//! that hold keys are private whatever the umask.

use std::path::Path;
use std::process::Command;

use crate::common::*;

fn postman(key: &str, dir: &Path, force: bool) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_btpcert"));
    c.args(["postman", key, "-o"])
        .arg(dir)
        .args(["--no-password", "--no-system-roots"]);
    if force {
        c.arg("--force");
    }
    c.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    c
}

/// Whether client.crt's leaf and client.key belong together.
fn kit_matches(dir: &Path) -> bool {
    let crt = std::fs::read(dir.join("client.crt")).unwrap();
    let key = std::fs::read(dir.join("client.key")).unwrap();
    let leaf = openssl::x509::X509::from_pem(&crt).unwrap();
    let key = openssl::pkey::PKey::private_key_from_pem(&key).unwrap();
    leaf.public_key().unwrap().public_eq(&key)
}

fn leftovers(dir: &Path) -> Vec<String> {
    entries(dir)
        .into_iter()
        .filter(|n| n.starts_with(".btpcert-"))
        .collect()
}

#[test]
fn parallel_forced_writers_never_mix_their_sets() {
    let d = TestDir::new();
    let a = d.put("a.json", cockpit_key(sap()));
    let other = Hierarchy::new(Alg::EcP256);
    let b = d.put("b.json", cockpit_key(&other));
    let out = d.path().join("kit");
    postman(&a, &out, false).status().unwrap();
    for round in 0..20 {
        let mut one = postman(&a, &out, true).spawn().unwrap();
        let mut two = postman(&b, &out, true).spawn().unwrap();
        assert!(one.wait().unwrap().success() && two.wait().unwrap().success());
        assert!(
            kit_matches(&out),
            "round {round}: certificate and key of different runs"
        );
        assert!(leftovers(&out).is_empty(), "{:?}", leftovers(&out));
    }
}

#[test]
fn a_run_killed_at_its_rename_leaves_nothing_behind() {
    let d = TestDir::new();
    let key = d.put("k.json", cockpit_key(sap()));
    let out = d.path().join("new/kit");
    // SIGKILL at the first rename: the staged folder never reaches its place.
    let status = tool("strace")
        .args([
            "-f",
            "-o",
            "/dev/null",
            "-e",
            "trace=rename,renameat,renameat2",
        ])
        .args([
            "-e",
            "inject=rename,renameat,renameat2:signal=SIGKILL:when=1",
        ])
        .arg(env!("CARGO_BIN_EXE_btpcert"))
        .args(["postman", &key, "-o"])
        .arg(&out)
        .args(["--no-password", "--no-system-roots"])
        .status()
        .unwrap();
    assert!(!status.success(), "the run was to be killed");
    assert!(!d.path().join("new").exists(), "no half-made folder");
    // What the killed run staged holds a private key: the next run removes it.
    assert_eq!(leftovers(d.path()).len(), 1, "{:?}", entries(d.path()));
    assert!(postman(&key, &out, false).status().unwrap().success());
    assert!(leftovers(d.path()).is_empty(), "{:?}", entries(d.path()));
    assert!(kit_matches(&out));
}

/// Runs `btpcert postman KEY -o OUT` under strace with `args`, the trace
/// in `trace`.
fn traced_postman(key: &str, out: &Path, trace: &Path, args: &[&str]) -> std::process::ExitStatus {
    tool("strace")
        .args(["-f", "-o"])
        .arg(trace)
        .args(args)
        .arg(env!("CARGO_BIN_EXE_btpcert"))
        .args(["postman", key, "-o"])
        .arg(out)
        .args(["--no-password", "--no-system-roots"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap()
}

/// `btpcert ARGS` under strace with `strace_args`, its calls in `trace`.
fn traced(args: &[&str], trace: &Path, strace_args: &[&str]) -> std::process::ExitStatus {
    tool("strace")
        .args(["-f", "-o"])
        .arg(trace)
        .args(strace_args)
        .arg(env!("CARGO_BIN_EXE_btpcert"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap()
}

/// A chain of `n` certificates, leaf first, in one PEM file.
fn long_chain(d: &TestDir, n: usize) -> String {
    let mut nodes = vec![issue(&Spec::ca("Long Root"), None)];
    for i in 1..n - 1 {
        let next = issue(&Spec::ca(&format!("Long CA {i}")), nodes.last());
        nodes.push(next);
    }
    let leaf = issue(&Spec::client("long-leaf"), nodes.last());
    nodes.push(leaf);
    nodes.reverse();
    d.put("long.pem", pems(&nodes.iter().collect::<Vec<_>>()))
}

const SYNC_CALLS: &str = "trace=fsync,fdatasync,syncfs,rename,renameat,renameat2";

#[cfg(target_os = "linux")]
#[test]
fn a_large_set_of_files_is_synced_once_before_it_is_put_in_place() {
    let d = TestDir::new();
    let chain = long_chain(&d, 20);
    let trace = d.path().join("trace.txt");
    let out = d.p("new/parts");
    let split = ["chain", "split", &chain, "-o", &out];
    assert!(traced(&split, &trace, &["-e", SYNC_CALLS]).success());
    let text = std::fs::read_to_string(&trace).unwrap();
    synced_once_before_the_first_rename(&text);
    // No fsync per file; the one after the rename is the parent folder's.
    assert_eq!(text.matches("fsync(").count(), 1, "{text}");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 20);
    // The same set into the existing folder (--force): staged, synced once, renamed.
    let forced = ["chain", "split", &chain, "-o", &out, "--force"];
    assert!(traced(&forced, &trace, &["-e", SYNC_CALLS]).success());
    let text = std::fs::read_to_string(&trace).unwrap();
    synced_once_before_the_first_rename(&text);
}

/// In an strace of a set written whole: one `syncfs`, before the first
/// rename, and no `fsync` before that rename.
fn synced_once_before_the_first_rename(text: &str) {
    assert_eq!(text.matches("syncfs(").count(), 1, "{text}");
    let lines: Vec<&str> = text.lines().collect();
    let syncfs = lines.iter().position(|l| l.contains("syncfs("));
    let rename = lines.iter().position(|l| l.contains("rename"));
    assert!(
        syncfs.is_some() && rename.is_some() && syncfs < rename,
        "synced before the first rename: {text}"
    );
    assert!(
        lines[..rename.unwrap()]
            .iter()
            .all(|l| !l.contains("fsync(")),
        "no fsync before the first rename: {text}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_small_set_of_files_is_synced_file_by_file() {
    // A few files are not worth flushing the whole file system for.
    let d = TestDir::new();
    let key = d.put("k.json", cockpit_key(sap()));
    let trace = d.path().join("trace.txt");
    let out = d.path().join("new/kit");
    assert!(traced_postman(&key, &out, &trace, &["-e", SYNC_CALLS]).success());
    let text = std::fs::read_to_string(&trace).unwrap();
    assert_eq!(text.matches("syncfs(").count(), 0, "{text}");
    let written = std::fs::read_dir(&out).unwrap().count();
    let lines: Vec<&str> = text.lines().collect();
    let rename = lines.iter().position(|l| l.contains(" rename")).unwrap();
    let synced = lines[..rename]
        .iter()
        .filter(|l| l.contains("fsync("))
        .count();
    assert!(
        synced >= written,
        "{written} files, {synced} fsyncs: {text}"
    );
    assert!(kit_matches(&out));
}

#[cfg(target_os = "linux")]
#[test]
fn a_set_that_cannot_be_synced_is_not_put_in_place() {
    let d = TestDir::new();
    let chain = long_chain(&d, 20);
    let trace = d.path().join("trace.txt");
    let out = d.p("new/parts");
    let status = traced(
        &["chain", "split", &chain, "-o", &out],
        &trace,
        &["-e", "trace=syncfs", "-e", "inject=syncfs:error=EIO"],
    );
    assert!(!status.success());
    assert!(
        !d.path().join("new").exists(),
        "no folder after a failed sync"
    );
    // A small set whose fsync fails: the same.
    let key = d.put("k.json", cockpit_key(sap()));
    let kit = d.path().join("new/kit");
    let status = traced_postman(
        &key,
        &kit,
        &trace,
        &["-e", "trace=fsync", "-e", "inject=fsync:error=EIO"],
    );
    assert!(!status.success());
    assert!(
        !d.path().join("new").exists(),
        "no folder after a failed fsync"
    );
    assert!(leftovers(d.path()).is_empty(), "{:?}", entries(d.path()));
}

#[cfg(unix)]
#[test]
fn folders_for_keys_are_private_under_umask_000() {
    let d = TestDir::new();
    let key = d.put("k.json", cockpit_key(sap()));
    let out = d.path().join("open/kit");
    // `sh -c 'umask 000; exec ...'`: the child runs with no umask at all.
    let status = Command::new("sh")
        .arg("-c")
        .arg("umask 000; exec \"$0\" postman \"$1\" -o \"$2\" --no-password --no-system-roots")
        .arg(env!("CARGO_BIN_EXE_btpcert"))
        .arg(&key)
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(mode(&d.path().join("open")), 0o700);
    assert_eq!(mode(&out), 0o700);
    assert_eq!(mode(&out.join("client.key")), 0o600);
    assert_eq!(mode(&out.join("client.crt")), 0o644);
}
