//! `completions` and `man`: shell completions and manual pages, generated
//! from the command definitions themselves.
//!
//! The definitions belong to the command line, which hands them in as a
//! [`clap::Command`]; the operations only generate text from them.

use std::path::{Path, PathBuf};

use clap_complete::Shell;
use clap_mangen::Man;
use serde::Serialize;

use crate::error::{Error, ExitStatus, Result};
use crate::ops::Outcome;
use crate::write::Planned;

/// Which completions to generate.
#[derive(Debug, Clone, Copy)]
pub struct CompletionsOptions {
    /// The shell.
    pub shell: Shell,
}

/// The completion script.
#[derive(Debug, Serialize)]
pub struct CompletionsOutcome {
    /// The shell it is for.
    pub shell: String,
    /// The script, for standard output.
    #[serde(skip)]
    pub script: Vec<u8>,
}

impl Outcome for CompletionsOutcome {
    fn exit_status(&self) -> ExitStatus {
        ExitStatus::Ok
    }
}

/// The completion script of `cmd`, named `bin`, for the shell asked for.
pub fn completions(
    mut cmd: clap::Command,
    bin: &str,
    opts: &CompletionsOptions,
) -> CompletionsOutcome {
    let mut script = Vec::new();
    clap_complete::generate(opts.shell, &mut cmd, bin, &mut script);
    CompletionsOutcome {
        shell: opts.shell.to_string(),
        script,
    }
}

/// Where the manual pages go.
#[derive(Debug, Clone, Default)]
pub struct ManOptions {
    /// Write the main page and one per subcommand into this folder; `None`
    /// prints the main page.
    pub out_dir: Option<PathBuf>,
}

/// The manual pages.
#[derive(Debug, Serialize)]
pub struct ManOutcome {
    /// The folder the pages are written to; `None` for standard output.
    pub out_dir: Option<String>,
    /// The file names of the pages written, subcommands first.
    pub pages: Vec<String>,
    /// The main page, for standard output (empty when written to a folder).
    #[serde(skip)]
    pub page: Vec<u8>,
    /// The pages, planned.
    #[serde(skip)]
    pub files: Vec<Planned>,
}

impl Outcome for ManOutcome {
    fn exit_status(&self) -> ExitStatus {
        ExitStatus::Ok
    }
    fn files(&self) -> &[Planned] {
        &self.files
    }
}

/// The main manual page of `cmd`, or, with a folder, one page per command
/// and subcommand planned into it, as `clap_mangen::generate_to` names them.
/// The folder is created when missing; existing pages are replaced only
/// with `--force`, as every output file.
pub fn man(cmd: clap::Command, opts: &ManOptions) -> Result<ManOutcome> {
    let Some(dir) = &opts.out_dir else {
        return Ok(ManOutcome {
            out_dir: None,
            pages: Vec::new(),
            page: render(Man::new(cmd))?,
            files: Vec::new(),
        });
    };
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let mut files = Vec::new();
    plan_pages(cmd, dir, &mut files)?;
    Ok(ManOutcome {
        out_dir: Some(dir.display().to_string()),
        pages: files
            .iter()
            .filter_map(|f| f.path.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .collect(),
        page: Vec::new(),
        files,
    })
}

/// The pages of `cmd`'s visible subcommands, depth first, then its own.
fn plan_pages(cmd: clap::Command, dir: &Path, files: &mut Vec<Planned>) -> Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned() {
        plan_pages(sub, dir, files)?;
    }
    let man = Man::new(cmd);
    let path = dir.join(man.get_filename());
    files.push(Planned::public(path, render(man)?).creating_folder());
    Ok(())
}

fn render(man: Man) -> Result<Vec<u8>> {
    let mut page = Vec::new();
    man.render(&mut page)
        .map_err(|e| Error::internal(format!("cannot render the manual page: {e}")))?;
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> clap::Command {
        clap::Command::new("demo")
            .version("1.0")
            .about("A demo")
            .subcommand(
                clap::Command::new("pair")
                    .about("Two of them")
                    .subcommand(clap::Command::new("left").about("The left one")),
            )
            .subcommand(clap::Command::new("secret").hide(true))
    }

    #[test]
    fn the_main_page_for_standard_output() {
        let o = man(demo(), &ManOptions::default()).unwrap();
        let page = String::from_utf8(o.page).unwrap();
        assert!(page.contains(".TH demo 1"), "{page}");
        assert!(o.files.is_empty() && o.pages.is_empty() && o.out_dir.is_none());
    }

    #[test]
    fn one_page_per_visible_command_planned_into_the_folder() {
        let o = man(
            demo(),
            &ManOptions {
                out_dir: Some("pages".into()),
            },
        )
        .unwrap();
        assert_eq!(o.pages, ["demo-pair-left.1", "demo-pair.1", "demo.1"]);
        assert_eq!(o.files[2].path, Path::new("pages/demo.1"));
        assert!(o
            .files
            .iter()
            .all(|f| !f.replace && !f.secret && f.create_folder));
        let page = String::from_utf8_lossy(&o.files[1].contents);
        assert!(page.contains(".TH demo-pair 1"), "{page}");
        assert_eq!(o.exit_status(), ExitStatus::Ok);
    }

    #[test]
    fn completions_name_the_subcommands() {
        let o = completions(demo(), "demo", &CompletionsOptions { shell: Shell::Bash });
        assert_eq!(o.shell, "bash");
        let script = String::from_utf8(o.script).unwrap();
        assert!(script.contains("pair"), "{script}");
    }
}
