//! Writes output files safely: all or nothing, never over an existing file
//! unless forced, secrets with mode 0600.
//!
//! Every file is first written in full to a temporary file beside its
//! target, then renamed into place. When a target exists and `force` is not
//! set, nothing at all is written.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// One file to write.
#[derive(Debug)]
pub struct Planned {
    pub path: PathBuf,
    pub contents: Vec<u8>,
    /// Private keys and keystores: mode 0600 instead of 0644.
    pub secret: bool,
    /// May replace an existing file without --force (an in-place update).
    pub replace: bool,
}

impl Planned {
    /// Allows replacing an existing file (an in-place update the user asked for).
    pub fn replacing(mut self) -> Planned {
        self.replace = true;
        self
    }

    pub fn public(path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) -> Planned {
        Planned {
            path: path.into(),
            contents: contents.into(),
            secret: false,
            replace: false,
        }
    }

    pub fn secret(path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) -> Planned {
        Planned {
            path: path.into(),
            contents: contents.into(),
            secret: true,
            replace: false,
        }
    }
}

/// Fails when `path` exists and may not be replaced: checked before any
/// work (a password prompt, say) that would be wasted.
pub fn ensure_free(path: &Path, force: bool) -> Result<()> {
    if !force && path.symlink_metadata().is_ok() {
        return Err(Error::input(format!(
            "{}: already exists (use --force to overwrite it)",
            path.display()
        )));
    }
    Ok(())
}

/// Writes every planned file, or none. Creates missing parent folders.
pub fn write_all(files: &[Planned], force: bool) -> Result<()> {
    for (i, f) in files.iter().enumerate() {
        if files[..i].iter().any(|g| g.path == f.path) {
            return Err(Error::usage(format!(
                "{}: would be written twice",
                f.path.display()
            )));
        }
        if !(force || f.replace) && f.path.symlink_metadata().is_ok() {
            return Err(Error::input(format!(
                "{}: already exists (use --force to overwrite it)",
                f.path.display()
            )));
        }
        if f.path.is_dir() {
            return Err(Error::input(format!(
                "{}: is a directory",
                f.path.display()
            )));
        }
    }
    let mut staged = Vec::with_capacity(files.len());
    for f in files {
        staged.push((stage(f)?, f));
    }
    let mut done: Vec<&Path> = Vec::new();
    for (tmp, f) in staged {
        let result = if force || f.replace {
            tmp.persist(&f.path).map(|_| ())
        } else {
            tmp.persist_noclobber(&f.path).map(|_| ())
        };
        if let Err(e) = result {
            // Undo what this call created, so that no half set is left.
            if !force {
                for p in done
                    .iter()
                    .filter(|p| !files.iter().any(|f| f.replace && f.path == **p))
                {
                    let _ = std::fs::remove_file(p);
                }
            }
            return Err(Error::io(&f.path, e.error));
        }
        done.push(&f.path);
    }
    Ok(())
}

fn stage(f: &Planned) -> Result<tempfile::NamedTempFile> {
    let dir = match f.path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if dir.exists() && !dir.is_dir() {
        return Err(Error::input(format!(
            "{}: is not a directory",
            dir.display()
        )));
    }
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".btpcert-")
        .tempfile_in(&dir)
        .map_err(|e| Error::io(&dir, e))?;
    set_mode(tmp.as_file(), if f.secret { 0o600 } else { 0o644 })
        .map_err(|e| Error::io(&f.path, e))?;
    tmp.write_all(&f.contents)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| Error::io(&f.path, e))?;
    Ok(tmp)
}

#[cfg(unix)]
fn set_mode(file: &std::fs::File, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_file: &std::fs::File, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_existing_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::fs::write(&b, "old").unwrap();
        let err =
            write_all(&[Planned::public(&a, "x"), Planned::public(&b, "y")], false).unwrap_err();
        assert!(err.to_string().contains("already exists"));
        assert!(!a.exists());
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn modes() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let k = dir.path().join("k");
        let c = dir.path().join("c");
        write_all(&[Planned::secret(&k, "s"), Planned::public(&c, "p")], false).unwrap();
        assert_eq!(
            std::fs::metadata(&k).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            std::fs::metadata(&c).unwrap().permissions().mode() & 0o777,
            0o644
        );
        write_all(&[Planned::public(&c, "q")], true).unwrap();
        assert_eq!(std::fs::read_to_string(&c).unwrap(), "q");
    }
}
