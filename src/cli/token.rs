//! `btpcert token` and `btpcert call`: get a token and call the endpoint,
//! the way Postman does it in SAP's tutorials.

use std::io::Write;

use clap::Args;

use super::args::ConnArgs;
use super::note;
use crate::error::{ExitStatus, Result};
use crate::ops::token::{self, host_of, CallOptions, CallOutcome, TokenOptions, TokenOutcome};
use crate::ops::Outcome;
use crate::sanitize::sanitize;

/// `btpcert token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The service key
    #[arg(value_name = "KEYFILE")]
    pub input: String,
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Print the access token itself
    #[arg(long)]
    pub show: bool,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

/// Runs `btpcert token`.
pub fn run(args: TokenArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let opts = TokenOptions {
        input: args.input,
        conn: args.conn.options(),
        show: args.show,
    };
    let outcome = token::token(&opts, &args.conn.secrets())?;
    super::finish(out, &outcome, false, Some(args.json), render_token)
}

/// The human rendering of a token.
pub fn render_token(out: &mut dyn Write, t: &TokenOutcome) -> std::io::Result<()> {
    writeln!(
        out,
        "Token from {} ({}):",
        sanitize(&host_of(&t.token_url)),
        sanitize(&t.auth)
    )?;
    writeln!(
        out,
        "  type:        {}",
        t.token_type.as_deref().map(sanitize).unwrap_or_default()
    )?;
    if let (Some(e), Some(at)) = (t.expires_in, &t.expires_at) {
        writeln!(out, "  expires in:  {e} s (at {at})")?;
    }
    if let Some(c) = &t.claims {
        render_claims(out, c)?;
    } else if let Some(scope) = &t.scope {
        writeln!(out, "  scope:       {}", sanitize(scope))?;
    }
    match &t.access_token {
        Some(token) => writeln!(out, "  access_token: {token}"),
        None => writeln!(out, "  (the token itself: --show)"),
    }
}

fn render_claims(out: &mut dyn Write, c: &serde_json::Value) -> std::io::Result<()> {
    for k in ["client_id", "zid", "grant_type"] {
        if let Some(v) = c.get(k).and_then(|v| v.as_str()) {
            writeln!(out, "  {:<12} {}", format!("{k}:"), sanitize(v))?;
        }
    }
    if let Some(scope) = c.get("scope") {
        let list = match scope {
            serde_json::Value::Array(a) => a
                .iter()
                .filter_map(|x| x.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            other => other.as_str().unwrap_or_default().to_string(),
        };
        writeln!(out, "  scope:       {}", sanitize(&list))?;
    }
    if let Some(exp) = c.get("exp").and_then(|v| v.as_i64()) {
        if let Ok(t) = time::OffsetDateTime::from_unix_timestamp(exp) {
            writeln!(out, "  exp:         {}", crate::x509::cert::rfc3339(t))?;
        }
    }
    Ok(())
}

/// `btpcert call`.
#[derive(Debug, Args)]
pub struct CallArgs {
    /// The service key
    #[arg(value_name = "KEYFILE")]
    pub input: String,
    /// Path after the key's url, or a full https:// URL [default: /api/v1/MessageProcessingLogs
    /// for api-plan keys, /http/ otherwise]
    #[arg(value_name = "PATH|URL")]
    pub target: Option<String>,
    /// HTTP method [default: GET, or POST with -d]
    #[arg(short = 'X', long, value_name = "METHOD")]
    pub method: Option<String>,
    /// Request body; @FILE reads it from a file
    #[arg(short = 'd', long, value_name = "DATA")]
    pub data: Option<String>,
    /// Extra request header, 'Name: value'; repeatable
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,
    /// Print the status line and response headers on standard error
    #[arg(short, long)]
    pub verbose: bool,
    #[command(flatten)]
    pub conn: ConnArgs,
}

/// Runs `btpcert call`: the status line on standard error, the body on
/// standard output.
pub fn call(args: CallArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let opts = CallOptions {
        input: args.input,
        target: args.target,
        method: args.method,
        data: args.data,
        headers: args.headers,
        conn: args.conn.options(),
    };
    let outcome = token::call(&opts, &args.conn.secrets())?;
    status_lines(&outcome, args.verbose);
    super::finish(out, &outcome, false, None, |out, o: &CallOutcome| {
        out.write_all(&o.body)
    })
}

fn status_lines(o: &CallOutcome, verbose: bool) {
    let status_line = format!("HTTP {} {}", o.status, o.reason);
    if verbose {
        note(format!("{} {}", o.method, sanitize(&o.url)));
        note(&status_line);
        for (k, v) in &o.headers {
            note(format!("{k}: {}", sanitize(v)));
        }
    } else if o.exit_status() != ExitStatus::Ok || !(200..300).contains(&o.status) {
        note(format!(
            "{status_line} from {} {}",
            o.method,
            sanitize(&o.url)
        ));
    }
}
