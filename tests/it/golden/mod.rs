//! Golden tests: the whole human output of each command, on the committed
//! fixtures in `testdata/` at a fixed `--at` time, compared line by line
//! with `tests/golden/NAME.txt`. After a deliberate change of wording, run
//! `BTPCERT_BLESS=1 cargo test --test it golden` to write the files anew,
//! and review the diff.
//!
//! Each case records standard output, standard error and the exit code.
//! Scratch folders are shown as `$DIR`.

use std::path::{Path, PathBuf};

use crate::common::{btpcert, TestDir};

/// The time every golden case checks at.
#[allow(dead_code)] // used by the verdict cases
pub const AT: &str = "2030-01-01T00:00:00Z";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file of `testdata/`, as an absolute path.
pub fn testdata(name: &str) -> String {
    repo().join("testdata").join(name).display().to_string()
}

/// Runs btpcert with `args` in `dir` and compares what it printed with the
/// golden file `name`.
pub fn golden(name: &str, dir: &TestDir, args: &[&str]) {
    let out = btpcert()
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env("SSL_CERT_FILE", "/nonexistent/no-system-roots.pem")
        .args(args)
        .output()
        .unwrap();
    let shown = |b: &[u8]| {
        String::from_utf8_lossy(b)
            .replace(&dir.path().display().to_string(), "$DIR")
            .replace(&repo().display().to_string(), "$REPO")
    };
    let actual = format!(
        "$ btpcert {}\n--- exit {}\n--- stdout\n{}--- stderr\n{}",
        args.join(" ")
            .replace(&dir.path().display().to_string(), "$DIR")
            .replace(&repo().display().to_string(), "$REPO"),
        out.status.code().unwrap_or(-1),
        shown(&out.stdout),
        shown(&out.stderr)
    );
    compare_or_bless(name, &actual);
}

/// Compares `actual` with `tests/golden/NAME.txt`, or writes it there
/// under `BTPCERT_BLESS=1`.
pub fn compare_or_bless(name: &str, actual: &str) {
    let file = repo().join("tests/golden").join(format!("{name}.txt"));
    if std::env::var_os("BTPCERT_BLESS").is_some() {
        std::fs::write(&file, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&file).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run BTPCERT_BLESS=1 cargo test --test it golden",
            file.display()
        )
    });
    assert_lines_eq(&file, &expected, actual);
}

/// Fails with the first differing line and both texts, as ripgrep's
/// `eqnice!` does.
fn assert_lines_eq(file: &Path, expected: &str, actual: &str) {
    if expected == actual {
        return;
    }
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let at = e
        .iter()
        .zip(&a)
        .position(|(x, y)| x != y)
        .unwrap_or(e.len().min(a.len()));
    panic!(
        "{} differs at line {}:\n  expected: {:?}\n  actual:   {:?}\n\n===== expected\n{expected}\n===== actual\n{actual}\n(BTPCERT_BLESS=1 refreshes the golden files)",
        file.display(),
        at + 1,
        e.get(at),
        a.get(at)
    );
}

mod files;
mod keystores;
mod probe;
mod verdicts;
