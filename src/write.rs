//! Writes output files safely: all or nothing, never over an existing file
//! unless forced, secrets with mode 0600.
//!
//! Every file is first written in full beside its target, then renamed
//! into place; see [`write_all`] for how sets of files stay whole. When a
//! target exists and `force` is not set, nothing at all is written.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// One file to write.
#[derive(Debug, Clone)]
pub struct Planned {
    /// Where to write it.
    pub path: PathBuf,
    /// What to write.
    pub contents: Vec<u8>,
    /// Private keys and keystores: mode 0600 instead of 0644.
    pub secret: bool,
    /// May replace an existing file without --force (an in-place update).
    pub replace: bool,
    /// The exact mode to give the file (an in-place update keeps the
    /// file's own); `None`: 0600 for a secret, else 0644.
    pub mode: Option<u32>,
    /// May create the file's missing folders (outputs named by `-o DIR`);
    /// else a missing folder is an error, as for `-o FILE`.
    pub create_folder: bool,
}

impl Planned {
    /// Allows replacing an existing file (an in-place update the user asked for).
    pub fn replacing(mut self) -> Planned {
        self.replace = true;
        self
    }

    /// Allows creating the missing folders on the way (the file goes into
    /// a folder named by `-o DIR`).
    pub fn creating_folder(mut self) -> Planned {
        self.create_folder = true;
        self
    }

    /// A file anyone may read (mode 0644).
    pub fn public(path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) -> Planned {
        Planned {
            path: path.into(),
            contents: contents.into(),
            secret: false,
            replace: false,
            mode: None,
            create_folder: false,
        }
    }

    /// A private key or keystore (mode 0600).
    pub fn secret(path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) -> Planned {
        Planned {
            secret: true,
            ..Planned::public(path, contents)
        }
    }

    /// A file with exactly `mode` (permission bits), such as the mode of
    /// the file an in-place update replaces; secret when others may not
    /// read it.
    pub fn with_mode(path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>, mode: u32) -> Planned {
        Planned {
            secret: mode & 0o077 == 0,
            mode: Some(mode & 0o7777),
            ..Planned::public(path, contents)
        }
    }

    /// The mode the file gets.
    fn file_mode(&self) -> u32 {
        self.mode.unwrap_or(if self.secret { 0o600 } else { 0o644 })
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

/// The prefix of every temporary entry btpcert makes beside its output.
const TEMP_PREFIX: &str = ".btpcert-";
/// The prefix of a staged output folder.
const STAGE_PREFIX: &str = ".btpcert-stage-";

/// Writes every planned file, or none.
///
/// - Writers of one folder take turns: an advisory lock on the folder
///   (`flock`) serialises them, so two runs never mix their files.
/// - Temporary entries of runs that were killed are removed first (they may
///   hold a private key).
/// - Files for a folder that does not exist yet are written into a staged
///   folder beside it, which is renamed into place at once: a run killed at
///   any point leaves no folder or the whole set.
/// - In an existing folder each file is staged and renamed; when a rename
///   fails, the files already replaced are put back, so no mixed set stays.
/// - Created folders are 0700 when they will hold a secret, else 0755,
///   whatever the umask.
pub fn write_all(files: &[Planned], force: bool) -> Result<()> {
    check_plan(files, force)?;
    let mut by_folder: Vec<(PathBuf, Vec<&Planned>)> = Vec::new();
    for f in files {
        let dir = folder_of(&f.path);
        match by_folder.iter_mut().find(|(d, _)| *d == dir) {
            Some((_, list)) => list.push(f),
            None => by_folder.push((dir, vec![f])),
        }
    }
    for (dir, list) in &by_folder {
        if dir.exists() {
            if !dir.is_dir() {
                return Err(Error::input(format!(
                    "{}: is not a directory",
                    dir.display()
                )));
            }
            write_into_existing(dir, list, force)?;
        } else {
            write_new_folder(dir, list)?;
        }
    }
    Ok(())
}

fn check_plan(files: &[Planned], force: bool) -> Result<()> {
    // A set, not a comparison with every earlier file: `chain split` of a
    // long chain plans thousands.
    let mut seen = std::collections::HashSet::with_capacity(files.len());
    // Whether each folder exists, asked once per folder: in a folder that
    // does not exist no file does either.
    let mut folders: std::collections::HashMap<PathBuf, bool> = Default::default();
    for f in files {
        if !seen.insert(f.path.as_path()) {
            return Err(Error::usage(format!(
                "{}: would be written twice",
                f.path.display()
            )));
        }
        let dir = folder_of(&f.path);
        let dir_exists = *folders.entry(dir.clone()).or_insert_with(|| dir.exists());
        if dir_exists && f.path.is_dir() {
            return Err(Error::input(format!(
                "{}: is a directory",
                f.path.display()
            )));
        }
        if !f.create_folder && !dir_exists {
            return Err(Error::input(format!(
                "{}: folder {} does not exist",
                f.path.display(),
                dir.display()
            )));
        }
        if dir_exists && !(force || f.replace) && f.path.symlink_metadata().is_ok() {
            return Err(Error::input(format!(
                "{}: already exists (use --force to overwrite it)",
                f.path.display()
            )));
        }
    }
    Ok(())
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// An exclusive advisory lock on a folder, held until dropped; then removes
/// what killed runs left there.
struct FolderLock {
    _held: std::fs::File,
}

impl FolderLock {
    fn take(dir: &Path) -> Result<FolderLock> {
        let f = std::fs::File::open(dir).map_err(|e| Error::io(dir, e))?;
        f.lock().map_err(|e| Error::io(dir, e))?;
        remove_stale(dir);
        Ok(FolderLock { _held: f })
    }
}

/// Removes the temporary entries of runs that were killed: while the lock
/// is held, no live run has any in this folder.
fn remove_stale(dir: &Path) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if !name.starts_with(TEMP_PREFIX) {
            continue;
        }
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && name.starts_with(STAGE_PREFIX) {
            let _ = std::fs::remove_dir_all(e.path());
        } else if !is_dir {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// The nearest existing folder at or above `dir`, and the first missing one
/// below it.
fn existing_ancestor(dir: &Path) -> (PathBuf, PathBuf) {
    let mut missing = dir.to_path_buf();
    loop {
        let parent = folder_of(&missing);
        if parent.exists() || parent == missing {
            return (parent, missing);
        }
        missing = parent;
    }
}

fn folder_mode(list: &[&Planned]) -> u32 {
    if list.iter().any(|f| f.secret) {
        0o700
    } else {
        0o755
    }
}

/// Stages the files in a new folder beside the first missing folder of the
/// path, then renames it into place in one step.
fn write_new_folder(dir: &Path, list: &[&Planned]) -> Result<()> {
    let (base, first_missing) = existing_ancestor(dir);
    if !base.is_dir() {
        return Err(Error::input(format!(
            "{}: is not a directory",
            base.display()
        )));
    }
    let _lock = FolderLock::take(&base)?;
    let mode = folder_mode(list);
    let stage = tempfile::Builder::new()
        .prefix(STAGE_PREFIX)
        .permissions(dir_permissions(mode))
        .tempdir_in(&base)
        .map_err(|e| Error::io(&base, e))?;
    set_dir_mode(stage.path(), mode).map_err(|e| Error::io(&first_missing, e))?;
    // The staged folder stands for `first_missing`; `dir` may lie below it.
    let inner = dir.strip_prefix(&first_missing).unwrap_or(Path::new(""));
    let target = stage.path().join(inner);
    create_folders(&target, mode)?;
    let batch = sync_as_batch(list.len());
    for f in list {
        let name = f
            .path
            .file_name()
            .ok_or_else(|| Error::usage(format!("{}: not a file name", f.path.display())))?;
        write_file(&target.join(name), f, !batch).map_err(|e| Error::io(&f.path, e))?;
    }
    // Every file's data is on disk before the folder appears.
    if batch {
        sync_file_system(&target).map_err(|e| Error::io(dir, e))?;
    }
    let staged = stage.keep();
    if let Err(e) = std::fs::rename(&staged, &first_missing) {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(Error::io(&first_missing, e));
    }
    sync_dir(&base);
    Ok(())
}

fn create_folders(dir: &Path, mode: u32) -> Result<()> {
    if dir.exists() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(mode);
    }
    b.create(dir).map_err(|e| Error::io(dir, e))?;
    set_dir_mode(dir, mode).map_err(|e| Error::io(dir, e))
}

/// Writes each file to a temporary file beside its target and renames it
/// into place; puts back what was replaced when a later step fails.
fn write_into_existing(dir: &Path, list: &[&Planned], force: bool) -> Result<()> {
    let _lock = FolderLock::take(dir)?;
    // Checked again under the lock: another run may have written meanwhile.
    for f in list {
        if !(force || f.replace) && f.path.symlink_metadata().is_ok() {
            return Err(Error::input(format!(
                "{}: already exists (use --force to overwrite it)",
                f.path.display()
            )));
        }
    }
    let batch = sync_as_batch(list.len());
    let mut staged = Vec::with_capacity(list.len());
    for f in list {
        staged.push((stage(dir, f, !batch)?, *f));
    }
    // Every file's data is on disk before the first one is renamed.
    if batch {
        sync_file_system(dir).map_err(|e| Error::io(dir, e))?;
    }
    let mut done: Vec<(&Planned, Option<tempfile::TempPath>)> = Vec::new();
    for (tmp, f) in staged {
        // Keep what is replaced until the whole set is in place.
        let backup = match f.path.symlink_metadata() {
            Ok(m) if m.is_file() => Some(backup_of(dir, &f.path)?),
            _ => None,
        };
        if let Err(e) = tmp.persist(&f.path) {
            undo(&done);
            if let Some(b) = backup {
                let _ = std::fs::rename(&b, &f.path);
                let _ = b.keep();
            }
            return Err(Error::io(&f.path, e.error));
        }
        done.push((f, backup));
    }
    sync_dir(dir);
    Ok(())
}

/// A hard link to `path` under a temporary name, removed when dropped.
fn backup_of(dir: &Path, path: &Path) -> Result<tempfile::TempPath> {
    let tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .make_in(dir, |p| std::fs::hard_link(path, p))
        .map_err(|e| Error::io(path, e))?;
    Ok(tmp.into_temp_path())
}

/// Puts back the files a failed run replaced, or removes those it created.
fn undo(done: &[(&Planned, Option<tempfile::TempPath>)]) {
    for (f, backup) in done.iter().rev() {
        match backup {
            Some(b) => {
                let _ = std::fs::rename(b, &f.path);
            }
            None => {
                let _ = std::fs::remove_file(&f.path);
            }
        }
    }
}

fn stage(dir: &Path, f: &Planned, sync: bool) -> Result<tempfile::NamedTempFile> {
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    set_mode(tmp.as_file(), f.file_mode()).map_err(|e| Error::io(&f.path, e))?;
    tmp.write_all(&f.contents)
        .and_then(|_| {
            if sync {
                tmp.as_file().sync_all()
            } else {
                Ok(())
            }
        })
        .map_err(|e| Error::io(&f.path, e))?;
    Ok(tmp)
}

/// Writes a new file with its mode from the start; with `sync`, makes it
/// durable too.
fn write_file(path: &Path, f: &Planned, sync: bool) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(f.file_mode());
    }
    let mut file = o.open(path)?;
    set_mode(&file, f.file_mode())?;
    file.write_all(&f.contents)?;
    if sync {
        file.sync_all()?;
    }
    Ok(())
}

/// From how many files a set is made durable at once.
const BATCH_FROM: usize = 16;

/// Whether a set of `n` files is made durable at once, after all are
/// written ([`sync_file_system`]), rather than each with its own `fsync`:
/// on Linux, for [`BATCH_FROM`] files or more (a chain split into ten
/// thousand files would otherwise wait for ten thousand `fsync`s). A
/// smaller set keeps its `fsync`s: `syncfs` also writes out whatever else
/// is pending on that file system, a cost a few files should not impose
/// on a busy server (and before Linux 5.8 it reports no write errors).
fn sync_as_batch(n: usize) -> bool {
    cfg!(target_os = "linux") && n >= BATCH_FROM
}

/// `syncfs` of the file system that holds `dir`: every file written there
/// is on disk when it returns (or it fails, and the set is not put in
/// place).
fn sync_file_system(dir: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        rustix::fs::syncfs(std::fs::File::open(dir)?)?;
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        Ok(())
    }
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(unix)]
fn dir_permissions(mode: u32) -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    std::fs::Permissions::from_mode(mode)
}

#[cfg(not(unix))]
fn dir_permissions(_mode: u32) -> std::fs::Permissions {
    std::fs::metadata(".").map(|m| m.permissions()).unwrap()
}

#[cfg(unix)]
fn set_dir_mode(dir: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_dir_mode(_dir: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
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

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_new_folder_appears_whole() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("a/b");
        write_all(
            &[
                Planned::public(out.join("cert.pem"), "c").creating_folder(),
                Planned::secret(out.join("key.pem"), "k").creating_folder(),
            ],
            false,
        )
        .unwrap();
        assert_eq!(names(&out), ["cert.pem", "key.pem"]);
        assert_eq!(names(dir.path()), ["a"], "no staging folder is left");
    }

    #[cfg(unix)]
    #[test]
    fn folders_for_secrets_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let s = Planned::secret(dir.path().join("s/k"), "k").creating_folder();
        let p = Planned::public(dir.path().join("p/c"), "c").creating_folder();
        write_all(&[s], false).unwrap();
        write_all(&[p], false).unwrap();
        assert_eq!(mode(&dir.path().join("s")), 0o700);
        assert_eq!(mode(&dir.path().join("p")), 0o755);
    }

    #[test]
    fn a_missing_folder_is_created_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("missing/out.p12");
        let err = write_all(&[Planned::secret(&out, "k")], false).unwrap_err();
        assert!(
            err.to_string().ends_with(&format!(
                "folder {} does not exist",
                dir.path().join("missing").display()
            )),
            "{err}"
        );
        // Nothing is written when one file of the set may not be.
        let ok = Planned::public(dir.path().join("new/a"), "a").creating_folder();
        assert!(write_all(&[ok, Planned::public(&out, "k")], false).is_err());
        assert!(names(dir.path()).is_empty());
        write_all(&[Planned::secret(&out, "k").creating_folder()], false).unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "k");
    }

    #[cfg(unix)]
    #[test]
    fn a_given_mode_is_kept_exactly() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        for m in [0o640, 0o660, 0o444, 0o600] {
            let f = dir.path().join(format!("f{m:o}"));
            std::fs::write(&f, "old").unwrap();
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(m)).unwrap();
            let p = Planned::with_mode(&f, "new", m).replacing();
            assert_eq!(p.secret, m & 0o077 == 0);
            write_all(&[p], false).unwrap();
            assert_eq!(std::fs::read_to_string(&f).unwrap(), "new");
            assert_eq!(mode(&f), m, "{m:o}");
        }
    }

    #[test]
    fn leftovers_of_killed_runs_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".btpcert-abc123"), "a key").unwrap();
        std::fs::create_dir(dir.path().join(".btpcert-stage-x")).unwrap();
        std::fs::write(dir.path().join(".btpcert-stage-x/key.pem"), "k").unwrap();
        std::fs::write(dir.path().join("mine.txt"), "kept").unwrap();
        write_all(&[Planned::public(dir.path().join("c"), "c")], false).unwrap();
        assert_eq!(names(dir.path()), ["c", "mine.txt"]);
    }

    #[test]
    fn a_failed_forced_set_puts_back_what_it_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        std::fs::write(&a, "old a").unwrap();
        // "b" cannot be replaced: it is a non-empty folder.
        let b = dir.path().join("b");
        std::fs::create_dir(&b).unwrap();
        std::fs::write(b.join("x"), "").unwrap();
        let planned = [Planned::public(&a, "new a"), Planned::public(&b, "new b")];
        assert!(write_all(&planned, true).is_err());
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old a");
        assert_eq!(names(dir.path()), ["a", "b"]);
    }
}
