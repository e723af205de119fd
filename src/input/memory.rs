//! Inputs held in memory: files a page uploaded, read by the same
//! operations as files on disk without ever being written anywhere.
//!
//! [`with_files`] makes files readable, for the closure it runs on this
//! thread only, under paths that start with [`PREFIX`], which no command
//! line can produce (it holds a NUL byte). [`read_source`](super::read_source)
//! serves those paths from here and names each file by its plain name in
//! what it returns, so messages read as they would for a file on disk.

use std::cell::RefCell;

use crate::error::{Error, Result};

/// The start of every in-memory path.
pub const PREFIX: &str = "\u{0}upload/";

thread_local! {
    static FILES: RefCell<Vec<(String, Vec<u8>)>> = const { RefCell::new(Vec::new()) };
}

/// The path under which the file `name` is read inside [`with_files`].
pub fn path_of(name: &str) -> String {
    format!("{PREFIX}{name}")
}

/// Runs `f` with `files` (name, contents) readable at [`path_of`] their
/// name, on this thread; they are gone when `f` returns or panics.
pub fn with_files<R>(files: Vec<(String, Vec<u8>)>, f: impl FnOnce() -> R) -> R {
    struct Restore(Vec<(String, Vec<u8>)>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let before = std::mem::take(&mut self.0);
            FILES.with(|m| *m.borrow_mut() = before);
        }
    }
    let before = FILES.with(|m| std::mem::replace(&mut *m.borrow_mut(), files));
    let _restore = Restore(before);
    f()
}

/// The file at `path` when it is an in-memory path: its plain name and
/// contents, or an error when no such file was given. `None` for any other
/// path.
pub(super) fn read(path: &str) -> Option<Result<(String, Vec<u8>)>> {
    let name = path.strip_prefix(PREFIX)?;
    let found = FILES.with(|m| {
        m.borrow()
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.clone())
    });
    Some(match found {
        Some(bytes) => {
            super::check_size(name, bytes.len() as u64).map(|_| (name.to_string(), bytes))
        }
        None => Err(Error::input(format!("{name}: no such file was given"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_read_by_their_path_inside_the_closure_only() {
        let path = path_of("key.json");
        let got = with_files(vec![("key.json".into(), b"{}".to_vec())], || {
            super::super::read_source(&path).unwrap()
        });
        assert_eq!(got, ("key.json".to_string(), b"{}".to_vec()));
        let e = super::super::read_source(&path).unwrap_err().to_string();
        assert_eq!(e, "key.json: no such file was given");
        assert!(
            read("key.json").is_none(),
            "a plain path is not served from memory"
        );
    }
}
