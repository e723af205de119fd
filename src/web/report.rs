//! Self-contained HTML reports (`--html FILE` of `verify`, `inspect`,
//! `connectivity` and `audit`): one file with the outcome embedded as JSON
//! (exactly what `--json` prints) and the page's own stylesheet and script
//! inline, so it shows the same pictures offline, attached to a ticket.
//! Its Content-Security-Policy admits only that script and stylesheet (by
//! hash): the file loads nothing and sends nothing.

use std::path::Path;

use openssl::hash::{hash, MessageDigest};
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::write::Planned;
use crate::x509::cert::rfc3339;

/// Which command's outcome a report shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// `verify`: the chain picture and every verdict.
    Verify,
    /// `inspect`: what each file holds, its certificates as a picture.
    Inspect,
    /// `connectivity`: the chain a server sent and its root.
    Connectivity,
    /// `audit`: the table of every file and the expiry timeline.
    Audit,
    /// `verify` of a truststore: its certificates and the lists they are on.
    Truststore,
}

impl View {
    /// The command's name.
    pub fn name(self) -> &'static str {
        match self {
            View::Verify => "verify",
            View::Inspect => "inspect",
            View::Connectivity => "connectivity",
            View::Audit => "audit",
            View::Truststore => "truststore",
        }
    }

    fn title(self) -> &'static str {
        match self {
            View::Verify => "btpcert verify: the chain and SAP's verdicts",
            View::Inspect => "btpcert inspect: what the files hold",
            View::Connectivity => "btpcert connectivity: the server's chain and its root",
            View::Audit => "btpcert audit: every file, and when its certificate ends",
            View::Truststore => "btpcert verify: a truststore and SAP's lists",
        }
    }
}

/// `sha256-...` of a text, for a Content-Security-Policy.
fn csp_hash(text: &str) -> String {
    let digest = hash(MessageDigest::sha256(), text.as_bytes()).expect("SHA-256");
    format!("'sha256-{}'", openssl::base64::encode_block(&digest))
}

/// JSON that can stand inside a `<script>` element: no `<`, `>` or `&`
/// outside escapes, so no text in it can end the element.
fn embeddable(v: &Value) -> String {
    serde_json::to_string(v)
        .expect("JSON value")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The report of `outcome` (the command's `--json` value) judged at `at`;
/// `certificates` adds every certificate of each file (audit).
pub fn page(view: View, at: OffsetDateTime, outcome: Value, certificates: Option<Value>) -> String {
    let at = at.replace_nanosecond(0).unwrap_or(at);
    let mut data = json!({
        "view": view.name(),
        "at": rfc3339(at),
        "version": env!("CARGO_PKG_VERSION"),
        "outcome": outcome,
    });
    if let Some(c) = certificates {
        data["certificates"] = c;
    }
    let csp = format!(
        "default-src 'none'; script-src {}; style-src {}; img-src data:; base-uri 'none'; form-action 'none'",
        csp_hash(super::APP_JS),
        csp_hash(super::STYLE_CSS)
    );
    super::fill(
        super::REPORT_HTML,
        &[
            ("CSP", &csp),
            ("TITLE", view.title()),
            ("STYLE", super::STYLE_CSS),
            ("DATA", &embeddable(&data)),
            ("SCRIPT", super::APP_JS),
        ],
    )
}

/// A report file to write: readable by anyone, and replacing the report of
/// an earlier run.
pub fn planned(path: &Path, contents: String) -> Planned {
    Planned::public(path, contents).replacing()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outcome_is_embedded_whole_and_cannot_end_its_element() {
        let outcome = json!({"subject": "CN=</script><script>alert(1)</script>", "n": 1});
        let at = time::macros::datetime!(2030-01-01 0:00 UTC);
        let html = page(View::Verify, at, outcome.clone(), None);
        assert_eq!(
            html.matches("</script>").count(),
            2,
            "only the two real elements end"
        );
        let start = html.find("id=\"btpcert-data\">").unwrap() + "id=\"btpcert-data\">".len();
        let end = start + html[start..].find("</script>").unwrap();
        let data: Value = serde_json::from_str(&html[start..end]).unwrap();
        assert_eq!(data["outcome"], outcome);
        assert_eq!(data["view"], "verify");
        assert_eq!(data["at"], "2030-01-01T00:00:00Z");
        assert!(html.contains(&csp_hash(crate::web::APP_JS)));
        assert!(!html.contains("{{"), "every placeholder is filled");
    }
}
