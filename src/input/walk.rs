//! Folder walking for `audit`: which files under the folders given are
//! candidates, and reading one of them.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// File endings audited inside folders (files named explicitly always are).
pub const EXTENSIONS: &[&str] = &[
    "json", "pem", "crt", "cer", "der", "key", "txt", "zip", "p7b", "p7c",
];

/// Files to audit under `inputs`: folders are walked (hidden entries and
/// other file endings skipped, symbolic links to folders not followed),
/// files named are taken as they are. Sorted, so that reports are stable.
/// A folder that cannot be read is listed itself: [`read_candidate`] says
/// why.
pub fn collect(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for i in inputs {
        let meta = std::fs::metadata(i).map_err(|e| Error::io(i, e))?;
        if meta.is_dir() {
            walk(i, &mut out);
        } else {
            out.push(i.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        out.push(dir.to_path_buf());
        return;
    };
    for entry in rd {
        let Ok(entry) = entry else { continue };
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            walk(&path, out);
        } else if (ft.is_file() || ft.is_symlink() && path.is_file()) && has_audited_ending(&path) {
            out.push(path);
        }
    }
}

fn has_audited_ending(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// The bytes of a candidate. A folder (one that could not be walked) is an
/// error saying why.
pub fn read_candidate(path: &Path) -> Result<Vec<u8>> {
    if let Some(bytes) = read_regular(path) {
        return Ok(bytes);
    }
    if path.is_dir() {
        return Err(match std::fs::read_dir(path) {
            Err(e) => Error::io(path, e),
            Ok(_) => Error::input(format!("{}: is a directory", path.display())),
        });
    }
    let (_, bytes) = super::read_source(&path.display().to_string())?;
    Ok(bytes)
}

/// A regular file of at most [`MAX_INPUT`](super::MAX_INPUT) bytes, read
/// with one `open`, one `fstat` and a buffer of its size; `None` for
/// anything else (a folder, a device, a file that cannot be opened or has
/// grown too big), which [`super::read_source`] then reads or refuses with
/// its own message.
fn read_regular(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read;
    if path
        .as_os_str()
        .as_encoded_bytes()
        .starts_with(super::memory::PREFIX.as_bytes())
    {
        return None;
    }
    let f = std::fs::File::open(path).ok()?;
    let meta = f.metadata().ok()?;
    if !meta.is_file() || meta.len() > super::MAX_INPUT {
        return None;
    }
    let mut buf = Vec::with_capacity(meta.len() as usize + 1);
    f.take(super::MAX_INPUT + 1).read_to_end(&mut buf).ok()?;
    (buf.len() as u64 <= super::MAX_INPUT).then_some(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_testdata_without_hidden_files_and_other_endings() {
        let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata"));
        let files = collect(std::slice::from_ref(&dir)).unwrap();
        let names: Vec<String> = files
            .iter()
            .filter(|f| f.parent() == Some(dir.as_path()))
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "sample-root.pem",
                "service-key-external.json",
                "service-key-secret.json",
                "service-key.json"
            ]
        );
        let mut sorted = files.clone();
        sorted.sort();
        assert_eq!(files, sorted);
        assert!(read_candidate(&dir)
            .unwrap_err()
            .to_string()
            .ends_with("is a directory"));
        assert!(collect(&[dir.join("missing")]).is_err());
    }
}
