//! `btpcert serve`: the local page, in the user's browser.

use std::io::Write;

use clap::Args;

use super::note;
use crate::error::{Error, ExitStatus, Result};
use crate::web::server::Server;

/// `btpcert serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port to listen on, on 127.0.0.1 and [::1]; 0 takes a free one
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub port: u16,
    /// Do not open the browser; only print the page's address
    #[arg(long)]
    pub no_open: bool,
}

/// Runs `btpcert serve`: prints the page's address (with its token) as the
/// first line of standard output, opens it unless `--no-open`, and serves
/// until Ctrl-C ends the process.
pub fn run(args: ServeArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let server = Server::bind(args.port)?;
    // Ctrl-C stops the page, also when the shell started btpcert with SIGINT
    // ignored (a background job of a script): nothing was written, so there
    // is nothing to clean up.
    ctrlc::set_handler(|| std::process::exit(0))
        .map_err(|e| Error::internal(format!("cannot handle Ctrl-C ({e})")))?;
    writeln!(out, "{}", server.url())
        .and_then(|_| out.flush())
        .map_err(Error::Stdout)?;
    for n in server.notes() {
        note(n);
    }
    let addresses: Vec<String> = server.addresses().iter().map(|a| a.to_string()).collect();
    note(format!(
        "serving the page on {} (this machine only); Ctrl-C stops",
        addresses.join(" and ")
    ));
    if !args.no_open {
        if let Err(e) = open::that_detached(server.url()) {
            note(format!(
                "no browser could be opened ({e}): open the address above yourself"
            ));
        }
    }
    server.run()?;
    Ok(ExitStatus::Ok)
}
