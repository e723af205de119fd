//! `btpcert connectivity`: the root out of a Connectivity Test download.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::args::{CliSecrets, FetchArgs, ForceArgs, LookAlikeArgs, RootArgs, StoreArgs};
use crate::error::{ExitStatus, Result};
use crate::ops::connectivity::{self, ConnectivityOptions, ConnectivityOutcome};
use crate::sanitize::sanitize;
use crate::sap::connectivity::RootInfo;
use crate::sap::trust_lists::versions_line;

/// `btpcert connectivity`.
#[derive(Debug, Args)]
pub struct ConnectivityArgs {
    /// The .zip that Monitor > Connectivity Test > TLS > "Download server certificates" gives
    #[arg(value_name = "ZIP")]
    pub zip: String,
    /// Folder to write root.pem (root.cer with --der) into (created if missing)
    #[arg(short, long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Also write chain.pem: every certificate the server sent, leaf first
    #[arg(long)]
    pub all: bool,
    /// Write the root to FILE: DER for a .cer or .der name, PEM otherwise
    #[arg(long, value_name = "FILE")]
    pub root_file: Option<PathBuf>,
    /// Write the root as DER (root.cer, and --root-file whatever its name)
    #[arg(long)]
    pub der: bool,
    #[command(flatten)]
    /// Where a root the archive lacks may come from.
    pub roots: RootArgs,
    #[command(flatten)]
    pub fetch: FetchArgs,
    #[command(flatten)]
    /// A look-alike root written only when named.
    pub look_alike: LookAlikeArgs,
    /// Add the root to this Java truststore (created if missing)
    #[arg(long, value_name = "OUT.p12")]
    pub truststore: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub force: ForceArgs,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
    /// Also write the result as a self-contained HTML page (replaced if it exists)
    #[arg(long, value_name = "FILE")]
    pub html: Option<std::path::PathBuf>,
}

/// Runs `btpcert connectivity`.
pub fn run(args: ConnectivityArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let opts = ConnectivityOptions {
        zip: args.zip,
        out_dir: args.out_dir,
        all: args.all,
        root_file: args.root_file,
        der: args.der,
        roots: args.fetch.with(&args.roots),
        accept_look_alike: args.look_alike.accept_look_alike,
        truststore: args.truststore,
        store: args.store.options(),
        force: args.force.force,
    };
    let outcome = connectivity::run(&opts, &CliSecrets::new(&args.store.password))?;
    let reports = html_report(args.html.as_deref(), &outcome);
    super::finish_with(out, &outcome, reports, opts.force, Some(args.json), render)
}

/// `--html FILE`: the archive's chain as a page.
fn html_report(
    path: Option<&std::path::Path>,
    outcome: &ConnectivityOutcome,
) -> Vec<crate::write::Planned> {
    use crate::web::report::{page, planned, View};
    path.map(|p| {
        let json = serde_json::to_value(outcome).unwrap_or_default();
        let at = time::OffsetDateTime::now_utc();
        planned(p, page(View::Connectivity, at, json, None))
    })
    .into_iter()
    .collect()
}

/// The human rendering.
pub fn render(out: &mut dyn Write, o: &ConnectivityOutcome) -> std::io::Result<()> {
    writeln!(
        out,
        "{}: {} certificate{} the server sent:",
        o.zip,
        o.entries.len(),
        if o.entries.len() == 1 { "" } else { "s" }
    )?;
    for (i, l) in o.links.iter().enumerate() {
        writeln!(
            out,
            "  {}. {:<12} {}",
            i + 1,
            l.role,
            sanitize(&l.subject_dn)
        )?;
    }
    for u in &o.unrelated {
        writeln!(out, "  -  {:<12} {}", "unrelated", sanitize(u))?;
    }
    if let Some(p) = &o.problem {
        writeln!(out, "✗ {}", sanitize(p))?;
    }
    if let Some(root) = &o.root {
        render_root(out, root)?;
    }
    render_versions(out, o)?;
    for f in &o.files {
        writeln!(out, "Wrote {}", sanitize(f))?;
    }
    Ok(())
}

fn render_root(out: &mut dyn Write, root: &RootInfo) -> std::io::Result<()> {
    writeln!(out, "Root: {}", sanitize(&root.subject_dn))?;
    writeln!(out, "  SHA-256 {}", root.fingerprint_sha256)?;
    match (&root.entry, root.from) {
        (Some(e), _) => writeln!(
            out,
            "  zip entry {}: the .cer to import into the sender's truststore",
            sanitize(e)
        )?,
        (None, "roots-file") => writeln!(out, "  not in the archive: from --roots")?,
        (None, "fetched") => writeln!(
            out,
            "  not in the archive: fetched from a caIssuers URL (judged by its fingerprint)"
        )?,
        (None, _) => writeln!(out, "  not in the archive: from the system's CA bundle")?,
    }
    if root.lists.is_empty() {
        writeln!(
            out,
            "✗ not on any SAP list (btp-required, btp-approved, xsuaa-x509)"
        )?;
        if let Some(real) = &root.look_alike_of {
            writeln!(
                out,
                "  it carries the name of a CA SAP lists, but SAP's is {}",
                sanitize(real)
            )?;
        }
        return Ok(());
    }
    let required = root.lists.contains(&"btp-required");
    writeln!(
        out,
        "{} on {}{}",
        if required { "✓" } else { "!" },
        root.lists.join(", "),
        if required {
            ": a root BTP endpoints use; it belongs in the sender's truststore"
        } else {
            ""
        }
    )
}

/// The versions of the lists a root was looked up in.
fn render_versions(out: &mut dyn Write, o: &ConnectivityOutcome) -> std::io::Result<()> {
    if o.root.is_some() {
        writeln!(out, "Trust lists: {}", versions_line(&o.trust_lists))?;
    }
    Ok(())
}
