//! Folder walking for `audit`: which files under the folders given are
//! candidates, and reading one of them.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
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
    Ok(Walk::new(inputs)?.collect())
}

/// The files of [`collect`], in the same order, one at a time: each folder
/// is listed and sorted when the walk enters it, so that a walk holds the
/// listings of the folders it is in, never the paths of the whole fleet.
/// (A folder's entries sorted by name, each folder's files at its place,
/// is the order of the sorted list of every path.) Inputs inside other
/// inputs are merged in order; a path found twice is given once.
pub struct Walk {
    /// The next path of each input's walk, smallest first.
    heads: BinaryHeap<Reverse<(PathBuf, usize)>>,
    walks: Vec<InputWalk>,
    last: Option<PathBuf>,
}

impl Walk {
    /// A walk of `inputs`; the first input that does not exist, in the
    /// order given, is an error. Where two inputs reach one file under two
    /// spellings (`a//b.json`, `a/b.json`), the one given first names it.
    pub fn new(inputs: &[PathBuf]) -> Result<Walk> {
        let mut walks = Vec::with_capacity(inputs.len());
        for i in inputs {
            let meta = std::fs::metadata(i).map_err(|e| Error::io(i, e))?;
            walks.push(if meta.is_dir() {
                InputWalk::Folder(vec![vec![(i.clone(), true)].into_iter()])
            } else {
                InputWalk::File(Some(i.clone()))
            });
        }
        let mut heads = BinaryHeap::with_capacity(walks.len());
        for (k, w) in walks.iter_mut().enumerate() {
            if let Some(p) = w.next() {
                heads.push(Reverse((p, k)));
            }
        }
        Ok(Walk {
            heads,
            walks,
            last: None,
        })
    }
}

impl Iterator for Walk {
    type Item = PathBuf;

    fn next(&mut self) -> Option<PathBuf> {
        loop {
            let Reverse((path, k)) = self.heads.pop()?;
            if let Some(p) = self.walks[k].next() {
                self.heads.push(Reverse((p, k)));
            }
            if self.last.as_ref() != Some(&path) {
                self.last = Some(path.clone());
                return Some(path);
            }
        }
    }
}

/// One input's paths, in order.
enum InputWalk {
    /// A file named: itself.
    File(Option<PathBuf>),
    /// A folder: the sorted entries still to come of each folder entered,
    /// innermost last, each with whether it is a folder to enter.
    Folder(Vec<std::vec::IntoIter<(PathBuf, bool)>>),
}

impl InputWalk {
    fn next(&mut self) -> Option<PathBuf> {
        let stack = match self {
            InputWalk::File(f) => return f.take(),
            InputWalk::Folder(stack) => stack,
        };
        loop {
            let (path, folder) = match stack.last_mut()?.next() {
                Some(e) => e,
                None => {
                    stack.pop();
                    continue;
                }
            };
            if !folder {
                return Some(path);
            }
            match list(&path) {
                Some(entries) => stack.push(entries.into_iter()),
                None => return Some(path),
            }
        }
    }
}

/// The entries of a folder the walk takes (folders to enter, and files
/// with an audited ending), sorted by name, each with whether it is a
/// folder (symbolic links to folders are not); `None` if it cannot be read.
fn list(dir: &Path) -> Option<Vec<(PathBuf, bool)>> {
    let rd = std::fs::read_dir(dir).ok()?;
    let mut out = Vec::new();
    for entry in rd {
        let Ok(entry) = entry else { continue };
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            out.push((path, true));
        } else if (ft.is_file() || ft.is_symlink() && path.is_file()) && has_audited_ending(&path) {
            out.push((path, false));
        }
    }
    out.sort_unstable_by(|a, b| a.0.file_name().cmp(&b.0.file_name()));
    Some(out)
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

    /// Every path first, then sorted: what the walk must give one at a time.
    fn every_path_sorted(inputs: &[PathBuf]) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            let Ok(rd) = std::fs::read_dir(dir) else {
                out.push(dir.to_path_buf());
                return;
            };
            for entry in rd.flatten() {
                if entry.file_name().to_string_lossy().starts_with('.') {
                    continue;
                }
                let path = entry.path();
                let ft = entry.file_type().unwrap();
                if ft.is_dir() {
                    walk(&path, out);
                } else if (ft.is_file() || ft.is_symlink() && path.is_file())
                    && has_audited_ending(&path)
                {
                    out.push(path);
                }
            }
        }
        let mut out = Vec::new();
        for i in inputs {
            if i.is_dir() {
                walk(i, &mut out);
            } else {
                out.push(i.clone());
            }
        }
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn the_walk_gives_every_path_in_sorted_order_one_folder_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for f in [
            "a.json",
            "a-b.json",
            "a/b.json",
            "a/b/c.pem",
            "a/b.pem/x.json",
            "a/.hidden.json",
            "a/notes.md",
            "a0/z.key",
            "b.zip",
            "B.json",
            "é.json",
            ".git/x.json",
        ] {
            let p = d.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, b"x").unwrap();
        }
        std::os::unix::fs::symlink(d.join("a"), d.join("link-to-a")).unwrap();
        std::os::unix::fs::symlink(d.join("b.zip"), d.join("link-to-b.zip")).unwrap();
        let cases: Vec<Vec<PathBuf>> = vec![
            vec![d.to_path_buf()],
            vec![d.join("a"), d.to_path_buf()],
            vec![
                d.join("a/.hidden.json"),
                d.to_path_buf(),
                d.join("a/notes.md"),
            ],
            vec![d.join("b.zip"), d.join("a"), d.join("b.zip")],
            vec![d.join("link-to-a")],
            vec![d.join("a//b.json"), d.to_path_buf()],
            vec![d.to_path_buf(), d.join("a/./b.json")],
            vec![d.join("./a/b.json"), d.join("a"), d.join("a/b.json")],
        ];
        for inputs in cases {
            let expected = every_path_sorted(&inputs);
            assert!(!expected.is_empty());
            let walked = collect(&inputs).unwrap();
            assert_eq!(walked, expected, "{inputs:?}");
            // The same spelling too, not only equal paths.
            let spelled = |v: &[PathBuf]| -> Vec<String> {
                v.iter().map(|p| p.display().to_string()).collect()
            };
            assert_eq!(spelled(&walked), spelled(&expected), "{inputs:?}");
        }
        // The first missing input named, in the order given.
        let e = collect(&[d.join("zzz-missing"), d.join("aaa-missing")]).unwrap_err();
        assert!(e.to_string().contains("zzz-missing"), "{e}");
        let all = collect(&[d.to_path_buf()]).unwrap();
        assert!(all.contains(&d.join("link-to-b.zip")));
        assert!(!all.iter().any(|p| p.starts_with(d.join("link-to-a"))));
        assert!(!all.iter().any(|p| p.starts_with(d.join(".git"))));
    }

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
