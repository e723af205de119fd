//! `instance check` and `instance migrate`: the deprecated `client_x509`
//! grant type in service instance parameters, reported, and replaced by
//! `client_credentials` as an edit of the original text.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, ExitStatus, Result};
use crate::input::{self, Encoding};
use crate::ops::Outcome;
use crate::sanitize::sanitize;
use crate::sap::instance::{check_params, find, migrate_text, InstanceReport};
use crate::write::Planned;

/// The files to check.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Parameters JSON, `cf service --params` or `btp --show-parameters`
    /// output; `-` for standard input.
    pub files: Vec<String>,
}

/// One file checked: its report, or why it could not be read.
#[derive(Debug, Serialize)]
pub struct CheckRow {
    /// The file as named.
    pub file: String,
    /// Why the file could not be checked.
    pub error: Option<String>,
    /// The instance name, when the file says it (cf and btp output).
    pub instance: Option<String>,
    /// What the parameters hold, and the checks on them.
    #[serde(flatten)]
    pub report: Option<InstanceReport>,
}

/// Every file checked; `--json` prints it as it is.
#[derive(Debug, Serialize)]
pub struct CheckOutcome {
    /// One row per file, in the order given.
    pub files: Vec<CheckRow>,
}

impl Outcome for CheckOutcome {
    /// 2 when a file could not be read, else 1 when one holds the
    /// deprecated grant, else 0.
    fn exit_status(&self) -> ExitStatus {
        if self.files.iter().any(|r| r.error.is_some()) {
            ExitStatus::Input
        } else {
            ExitStatus::problems_if(
                self.files
                    .iter()
                    .any(|r| r.report.as_ref().is_some_and(|r| r.deprecated_grant)),
            )
        }
    }
}

/// Checks every file; a file that cannot be read is a row with its error.
pub fn check(opts: &CheckOptions) -> Result<CheckOutcome> {
    let files = opts
        .files
        .iter()
        .map(|f| {
            let found = input::read_text(f)
                .and_then(|(name, text)| find(&text).map_err(|e| e.with_path(name)));
            match found {
                Ok(p) => CheckRow {
                    file: f.clone(),
                    error: None,
                    instance: p.instance.clone(),
                    report: Some(check_params(&p.value)),
                },
                Err(e) => CheckRow {
                    file: f.clone(),
                    error: Some(e.to_string()),
                    instance: None,
                    report: None,
                },
            }
        })
        .collect();
    Ok(CheckOutcome { files })
}

/// What to migrate, and where to.
#[derive(Debug, Clone)]
pub struct MigrateOptions {
    /// The parameters file; `-` for standard input.
    pub file: String,
    /// Write the result here; `None` (without `in_place`) prints it.
    pub output: Option<PathBuf>,
    /// Rewrite `file` itself.
    pub in_place: bool,
}

/// The migrated parameters, and where they go.
#[derive(Debug, Serialize)]
pub struct MigrateOutcome {
    /// The file read, as named.
    pub file: String,
    /// The instance name, when the file says it (cf and btp output).
    pub instance: Option<String>,
    /// Whether `client_x509` was replaced.
    pub changed: bool,
    /// The file written; `None` when the result goes to standard output, or
    /// when an in-place update has nothing to change.
    pub output: Option<String>,
    /// The result, for standard output.
    #[serde(skip)]
    pub text: Option<String>,
    /// What the user should know.
    #[serde(skip)]
    pub notes: Vec<String>,
    /// The file, planned.
    #[serde(skip)]
    pub files: Vec<Planned>,
}

impl MigrateOutcome {
    /// The instance name for `cf update-service`, or a placeholder.
    pub fn instance_or_placeholder(&self) -> &str {
        self.instance.as_deref().unwrap_or("INSTANCE")
    }
}

impl Outcome for MigrateOutcome {
    fn exit_status(&self) -> ExitStatus {
        ExitStatus::Ok
    }
    fn notes(&self) -> &[String] {
        &self.notes
    }
    fn files(&self) -> &[Planned] {
        &self.files
    }
}

/// Finds the parameters, replaces the grant in their text and plans the
/// result: the whole file with only the grant changed when the file held
/// the parameters alone, else the parameters object by itself.
///
/// In place, the file keeps everything but the edit: its mode, its
/// encoding and byte order mark; a symbolic link keeps pointing to the
/// file, which is edited. Nothing is written when nothing changes.
pub fn migrate(opts: &MigrateOptions) -> Result<MigrateOutcome> {
    if opts.in_place && opts.file == "-" {
        return Err(Error::usage(
            "--in-place edits a file: give its name, not - (standard input)",
        ));
    }
    let (name, text, encoding) = input::read_text_encoded(&opts.file)?;
    let name = sanitize(&name).into_owned();
    let params = find(&text).map_err(|e| e.with_path(&name))?;
    if opts.in_place && !params.whole_file {
        return Err(Error::usage(format!(
            "{name}: holds more than the parameters (cf or btp output): write them with -o OUT instead of --in-place"
        )));
    }
    let mut notes = Vec::new();
    if params.re_encoded {
        notes.push(format!(
            "{name}: the parameters were a JSON string; they are written as a JSON object"
        ));
    } else if !params.whole_file {
        notes.push(format!(
            "{name}: only the parameters object is written, as cf update-service -c needs it"
        ));
    }
    let migrated = migrate_text(&params.text).map_err(|e| e.with_path(&name))?;
    let changed = migrated.is_some();
    let result = migrated.unwrap_or_else(|| params.text.clone());
    let result = if params.whole_file {
        text.replacen(&params.text, &result, 1)
    } else {
        ensure_newline(result)
    };
    // Printed or written to -o OUT: UTF-8, for cf; a file that was the
    // parameters alone keeps its UTF-8 byte order mark.
    let keep_bom = params.whole_file && encoding == Encoding::Utf8 { bom: true };
    let result = if keep_bom && !opts.in_place {
        format!("\u{feff}{result}")
    } else {
        result
    };
    let mut outcome = MigrateOutcome {
        file: opts.file.clone(),
        instance: params.instance,
        changed,
        output: None,
        text: None,
        notes,
        files: Vec::new(),
    };
    let target = match (opts.in_place, &opts.output) {
        (true, _) => Some(PathBuf::from(&opts.file)),
        (false, output) => output.clone(),
    };
    match target {
        Some(path) if opts.in_place && !changed => {
            outcome.notes.push(format!(
                "{}: no client_x509 grant: nothing to change",
                path.display()
            ));
        }
        Some(path) => {
            let file = if opts.in_place {
                in_place(&path, encoding.encode(&result))?
            } else {
                Planned::public(&path, result.into_bytes())
            };
            outcome.output = Some(path.display().to_string());
            outcome.files.push(file);
        }
        None => {
            let note = if changed {
                format!(
                    "client_x509 replaced by client_credentials; save this and apply it with: cf update-service {} -c FILE",
                    outcome.instance_or_placeholder()
                )
            } else {
                "no client_x509 grant: nothing to change".to_string()
            };
            outcome.notes.push(note);
            if changed {
                outcome
                    .notes
                    .push(crate::sap::instance::NEW_INSTANCE_PATH.to_string());
            }
            outcome.text = Some(result);
        }
    }
    Ok(outcome)
}

fn ensure_newline(mut s: String) -> String {
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// The update of `path` in place: written at the file a symbolic link
/// points to (the link stays), with the file's own mode.
fn in_place(path: &Path, contents: Vec<u8>) -> Result<Planned> {
    let is_link = path.symlink_metadata().is_ok_and(|m| m.is_symlink());
    let target = if is_link {
        std::fs::canonicalize(path).map_err(|e| Error::io(path, e))?
    } else {
        path.to_path_buf()
    };
    let planned = match file_mode(&target) {
        Some(mode) => Planned::with_mode(target, contents, mode),
        None => Planned::public(target, contents),
    };
    Ok(planned.replacing())
}

/// The permission bits of the file to be replaced: its update keeps them.
#[cfg(unix)]
fn file_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o777)
}

#[cfg(not(unix))]
fn file_mode(_path: &Path) -> Option<u32> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{CheckId, Status};

    const OLD: &str = "{\n  \"roles\": [\"ESBMessaging.send\"],\n  \"grant-types\": [\"client_x509\"],\n  \"token-validity\": 4200\n}\n";

    struct Files(tempfile::TempDir);

    impl Files {
        fn new() -> Files {
            Files(tempfile::tempdir().unwrap())
        }
        fn put(&self, name: &str, text: &str) -> String {
            let p = self.0.path().join(name);
            std::fs::write(&p, text).unwrap();
            p.display().to_string()
        }
    }

    fn new_params() -> String {
        OLD.replace("client_x509", "client_credentials")
    }

    #[test]
    fn check_reports_the_deprecated_grant_and_unreadable_files() {
        let d = Files::new();
        let old = d.put("old.json", OLD);
        let good = d.put("good.json", &new_params());
        let o = check(&CheckOptions {
            files: vec![old.clone(), good.clone()],
        })
        .unwrap();
        assert_eq!(o.exit_status(), ExitStatus::Problems);
        let rep = o.files[0].report.as_ref().unwrap();
        assert!(rep.deprecated_grant);
        assert_eq!(rep.checks[0].id, CheckId::DeprecatedGrant);
        assert_eq!(rep.checks[0].status, Status::Fail);
        assert!(!o.files[1].report.as_ref().unwrap().deprecated_grant);

        let o = check(&CheckOptions { files: vec![good] }).unwrap();
        assert_eq!(o.exit_status(), ExitStatus::Ok);

        // An opening brace, then JSON cut off after its first array.
        let bad = d.put("bad.json", "\u{7b}\"grant-types\": [");
        let o = check(&CheckOptions {
            files: vec![old, bad],
        })
        .unwrap();
        assert_eq!(o.exit_status(), ExitStatus::Input);
        let e = o.files[1].error.as_deref().unwrap();
        assert!(e.contains("bad.json: invalid JSON at line 1"), "{e}");
        assert!(o.files[1].report.is_none());
    }

    #[test]
    fn migrate_to_a_file_changes_only_the_grant() {
        let d = Files::new();
        let old = d.put("old.json", OLD);
        let o = migrate(&MigrateOptions {
            file: old,
            output: Some("new.json".into()),
            in_place: false,
        })
        .unwrap();
        assert!(o.changed && o.text.is_none() && o.notes.is_empty());
        assert_eq!(o.output.as_deref(), Some("new.json"));
        assert_eq!(o.files.len(), 1);
        assert_eq!(o.files[0].contents, new_params().as_bytes());
        assert!(!o.files[0].secret && !o.files[0].replace);
        assert_eq!(o.instance_or_placeholder(), "INSTANCE");
    }

    #[test]
    fn migrate_cf_output_prints_the_parameters_alone() {
        let d = Files::new();
        let cf = d.put(
            "cf.txt",
            &format!(
                "Getting parameters for service instance cpi-flows as dev@example.com...\n\n{OLD}"
            ),
        );
        let o = migrate(&MigrateOptions {
            file: cf.clone(),
            output: None,
            in_place: false,
        })
        .unwrap();
        assert_eq!(o.text.as_deref(), Some(new_params().as_str()));
        assert!(o.files.is_empty() && o.output.is_none());
        assert_eq!(o.instance.as_deref(), Some("cpi-flows"));
        assert!(o.notes[0]
            .ends_with("only the parameters object is written, as cf update-service -c needs it"));
        assert!(o.notes[1].contains("cf update-service cpi-flows -c FILE"));

        let e = migrate(&MigrateOptions {
            file: cf,
            output: None,
            in_place: true,
        })
        .unwrap_err();
        assert!(
            e.to_string().contains("-o OUT instead of --in-place"),
            "{e}"
        );
    }

    #[test]
    fn migrate_in_place_keeps_a_private_file_private_and_skips_no_change() {
        let d = Files::new();
        let old = d.put("old.json", OLD);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let o = migrate(&MigrateOptions {
            file: old.clone(),
            output: None,
            in_place: true,
        })
        .unwrap();
        assert_eq!(o.files.len(), 1);
        assert!(o.files[0].replace);
        assert_eq!(o.files[0].secret, cfg!(unix));
        assert_eq!(o.output.as_deref(), Some(old.as_str()));

        let good = d.put("good.json", &new_params());
        let o = migrate(&MigrateOptions {
            file: good,
            output: None,
            in_place: true,
        })
        .unwrap();
        assert!(!o.changed && o.files.is_empty() && o.output.is_none() && o.text.is_none());
        assert!(o.notes[0].ends_with("good.json: no client_x509 grant: nothing to change"));
    }

    fn utf16(text: &str, little_endian: bool) -> Vec<u8> {
        input::Encoding::Utf16 {
            little_endian,
            bom: true,
        }
        .encode(text)
    }

    #[test]
    fn migrate_in_place_keeps_the_encoding_and_its_byte_order_mark() {
        let d = Files::new();
        for little_endian in [true, false] {
            let p = d.0.path().join(format!("le-{little_endian}.json"));
            std::fs::write(&p, utf16(OLD, little_endian)).unwrap();
            let o = migrate(&MigrateOptions {
                file: p.display().to_string(),
                output: None,
                in_place: true,
            })
            .unwrap();
            assert_eq!(o.files[0].contents, utf16(&new_params(), little_endian));
        }
        let bom = d.put("bom.json", &format!("\u{feff}{OLD}"));
        let o = migrate(&MigrateOptions {
            file: bom,
            output: None,
            in_place: true,
        })
        .unwrap();
        assert_eq!(
            o.files[0].contents,
            format!("\u{feff}{}", new_params()).as_bytes()
        );
        // Written elsewhere, UTF-16 becomes UTF-8, as cf reads it.
        let p = d.0.path().join("utf16.json");
        std::fs::write(&p, utf16(OLD, true)).unwrap();
        let o = migrate(&MigrateOptions {
            file: p.display().to_string(),
            output: Some(d.0.path().join("out.json")),
            in_place: false,
        })
        .unwrap();
        assert_eq!(o.files[0].contents, new_params().as_bytes());
    }

    #[cfg(unix)]
    #[test]
    fn migrate_in_place_keeps_the_mode_and_edits_the_target_of_a_link() {
        use std::os::unix::fs::PermissionsExt;
        let d = Files::new();
        for mode in [0o640, 0o660, 0o444, 0o600, 0o644] {
            let p = d.put(&format!("m{mode:o}.json"), OLD);
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
            let o = migrate(&MigrateOptions {
                file: p,
                output: None,
                in_place: true,
            })
            .unwrap();
            assert_eq!(o.files[0].mode, Some(mode));
            assert_eq!(o.files[0].secret, mode & 0o077 == 0);
        }
        let real = d.put("real.json", OLD);
        let link = d.0.path().join("link.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let o = migrate(&MigrateOptions {
            file: link.display().to_string(),
            output: None,
            in_place: true,
        })
        .unwrap();
        assert_eq!(
            o.files[0].path,
            std::fs::canonicalize(&real).unwrap(),
            "the file the link points to is edited"
        );
        assert_eq!(o.output.as_deref(), Some(link.to_str().unwrap()));
    }

    #[test]
    fn migrate_in_place_needs_a_file() {
        let e = migrate(&MigrateOptions {
            file: "-".into(),
            output: None,
            in_place: true,
        })
        .unwrap_err();
        assert!(e.to_string().contains("--in-place edits a file"), "{e}");
    }
}
