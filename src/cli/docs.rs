//! `btpcert completions` and `btpcert man`: shell completions and manual
//! pages, generated from the command definitions themselves.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Cli;
use crate::error::{Error, Result, EXIT_OK};

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, powershell or elvish
    #[arg(value_name = "SHELL")]
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write btpcert.1 and one page per subcommand into DIR instead of
    /// printing btpcert.1
    #[arg(short, long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

pub fn completions(args: CompletionsArgs, out: &mut dyn Write) -> Result<i32> {
    let mut cmd = Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "btpcert", out);
    Ok(EXIT_OK)
}

pub fn man(args: ManArgs, out: &mut dyn Write) -> Result<i32> {
    let cmd = Cli::command();
    match args.out_dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            clap_mangen::generate_to(cmd, &dir).map_err(|e| Error::io(&dir, e))?;
            writeln!(
                out,
                "Wrote manual pages to {}",
                crate::sanitize::sanitize(&dir.display().to_string())
            )?;
        }
        None => clap_mangen::Man::new(cmd).render(out)?,
    }
    Ok(EXIT_OK)
}
