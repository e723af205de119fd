//! Replays the fuzz seeds (`fuzz/seeds/`) and every saved crash input
//! (`testdata/fuzz/<target>/`) through the fuzz target bodies.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for dir in [
        root.join("fuzz/seeds").join(target),
        root.join("testdata/fuzz").join(target),
    ] {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd {
            let p = e.unwrap().path();
            if p.is_file() && p.file_name().is_some_and(|n| n != ".gitkeep") {
                run(&std::fs::read(&p).unwrap());
                n += 1;
            }
        }
    }
    assert!(n > 0, "no inputs for {target}");
}

#[test]
fn reader_inputs() {
    replay("reader", btpcert::fuzzing::reader);
}

#[test]
fn chain_inputs() {
    replay("chain", btpcert::fuzzing::chain);
}

#[test]
fn zip_inputs() {
    replay("zip", btpcert::fuzzing::zip);
}
