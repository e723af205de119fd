//! The fleet audit's judgement: one row per service key, instance parameter
//! file, certificate or Connectivity Test zip, saying what needs action;
//! and the row as CSV. Finding and reading the files is the input layer's
//! job (`input::walk`), and the operation's.
//!
//! A file that cannot be read is a row with an error, never a crash.

use serde::Serialize;
use time::OffsetDateTime;

use crate::check::{CheckId, Status};
use crate::error::Error;
use crate::sap::connectivity;
use crate::sap::instance;
use crate::sap::scenario::{judge, Scenario};
use crate::sap::servicekey::KeyKind;
use crate::sap::trust_lists::TrustList;
use crate::x509::cert::{rfc3339, Cert};
use crate::x509::key::PrivateKey;
use crate::x509::roots::RootStore;
use crate::x509::verify::{build_path, Options};

/// What every row is judged against.
#[derive(Debug)]
pub struct AuditContext {
    /// The time validity is judged at.
    pub at: OffsetDateTime,
    /// Flag certificates that expire within this many days.
    pub warn_days: i64,
    /// Certificates to complete chains with (--roots files, the system bundle).
    pub store: RootStore,
}

/// Whether the chain is trusted for each scenario; `None` where it was not judged.
#[derive(Debug, Default, Serialize)]
pub struct Trust {
    /// Direct calls to integration flows (`btp-approved`).
    pub iflow: Option<bool>,
    /// Certificate-based token requests (`xsuaa-x509`).
    pub token: Option<bool>,
    /// Server chains (`btp-required`).
    pub server: Option<bool>,
}

/// One audited item. Field names are stable (see README).
#[derive(Debug, Default, Serialize)]
pub struct Row {
    /// The file, as found.
    pub file: String,
    /// `service-key/certificate`, `service-key/external-certificate`,
    /// `service-key/client-secret`, `certificate`, `private-key`,
    /// `instance-parameters`, `connectivity-zip`, or `unreadable`.
    pub kind: String,
    /// The leaf's subject, the root's for a zip, the instance for parameters.
    pub subject: Option<String>,
    /// End of validity, RFC 3339.
    pub not_after: Option<String>,
    /// Days from the time of the audit to the end of validity.
    pub days_left: Option<i64>,
    /// Whether the leaf allows TLS client authentication.
    pub client_auth: Option<bool>,
    /// Trust per scenario.
    pub trust: Trust,
    /// Whether instance parameters still use the `client_x509` grant.
    pub deprecated_grant: Option<bool>,
    /// Whether the private key belongs to the leaf.
    pub key_match: Option<bool>,
    /// Whether anything below needs the user.
    pub needs_action: bool,
    /// What needs action, in words.
    pub problems: Vec<String>,
    /// Why the file could not be read.
    pub error: Option<String>,
}

impl Row {
    /// The row of `file`, judged: it needs action when it has problems.
    pub fn done(mut self, file: String) -> Row {
        self.file = file;
        self.needs_action = !self.problems.is_empty();
        self
    }

    /// The row of a file that could not be read or recognised.
    pub fn unreadable(file: String, e: &Error) -> Row {
        Row {
            file,
            kind: "unreadable".into(),
            needs_action: true,
            error: Some(e.to_string()),
            ..Row::default()
        }
    }
}

/// Instance parameters in `text`, if it holds them (`grant-types` or `roles`).
pub fn audit_instance(text: &str) -> Option<Row> {
    if !(text.contains("grant-types") || text.contains("\"roles\"")) {
        return None;
    }
    let p = instance::find(text).ok()?;
    let r = instance::check_params(&p.value);
    Some(Row {
        kind: "instance-parameters".into(),
        subject: p.instance,
        deprecated_grant: Some(r.deprecated_grant),
        problems: r
            .checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .map(|c| c.message.clone())
            .collect(),
        ..Row::default()
    })
}

/// A Connectivity Test download, analysed: its root, and whether SAP lists it.
pub fn audit_zip(a: &connectivity::Analysis, ctx: &AuditContext) -> Row {
    let mut row = Row {
        kind: "connectivity-zip".into(),
        ..Row::default()
    };
    match &a.root {
        Some(root) => {
            let info = connectivity::root_info(root);
            row.subject = Some(info.subject_dn.clone());
            fill_validity(&mut row, root, ctx);
            row.trust.server = Some(info.lists.contains(&TrustList::BtpRequired.as_str()));
            if info.lists.is_empty() {
                row.problems
                    .push(format!("root '{}' is on no SAP list", root.common_name()));
            }
        }
        None => {
            row.subject = a.chain.leaf().map(Cert::subject_dn);
            row.problems
                .push("the archive holds no root: the server sent an incomplete chain".into());
        }
    }
    row
}

fn fill_validity(row: &mut Row, c: &Cert, ctx: &AuditContext) {
    let na = c.not_after();
    row.not_after = Some(rfc3339(na));
    row.days_left = Some((na - ctx.at).whole_days());
}

fn kind_name(kind: Option<KeyKind>, has_certs: bool) -> &'static str {
    match kind {
        Some(KeyKind::Certificate) => "service-key/certificate",
        Some(KeyKind::ExternalCertificate) => "service-key/external-certificate",
        Some(KeyKind::ClientSecret) => "service-key/client-secret",
        None if has_certs => "certificate",
        None => "private-key",
    }
}

/// The scenarios a row's problems are reported for: what the key is for,
/// or for a bare certificate, what its extended key usage allows.
fn applicable(kind: Option<KeyKind>, client_auth: bool) -> &'static [Scenario] {
    match kind {
        Some(KeyKind::Certificate) => &[Scenario::Iflow],
        Some(_) => &[Scenario::Iflow, Scenario::Token],
        None if client_auth => &[Scenario::Iflow, Scenario::Token],
        None => &[Scenario::Server],
    }
}

/// A service key, certificate or key file: `kind` of service key if it is
/// one, its certificates and its private key. Trust is judged for every
/// scenario; problems are reported for those that apply.
pub fn audit_material(
    kind: Option<KeyKind>,
    certs: &[Cert],
    key: Option<&PrivateKey>,
    ctx: &AuditContext,
) -> Row {
    let mut row = Row {
        kind: kind_name(kind, !certs.is_empty()).into(),
        ..Row::default()
    };
    if certs.is_empty() {
        return row;
    }
    let path = build_path(certs, &ctx.store);
    let leaf = path.certs[0].0.clone();
    row.subject = Some(leaf.subject_dn());
    fill_validity(&mut row, &leaf, ctx);
    let client_auth = leaf.allows_client_auth();
    row.client_auth = Some(client_auth);
    let opts = Options {
        at: ctx.at,
        warn_days: ctx.warn_days,
    };
    let verdict = judge(&path, key, &opts, &Scenario::ALL);
    let trusted = |s| verdict.scenario(s).map(|r| r.trusted);
    row.trust = Trust {
        iflow: trusted(Scenario::Iflow),
        token: trusted(Scenario::Token),
        server: trusted(Scenario::Server),
    };
    for c in verdict.report.checks() {
        if c.status == Status::Fail || (c.status == Status::Warn && c.id == CheckId::Validity) {
            row.problems.push(c.message.clone());
        }
        if c.id == CheckId::KeyMatch {
            row.key_match = Some(c.status == Status::Ok);
        }
    }
    let applicable = applicable(kind, client_auth);
    for s in verdict
        .scenarios
        .iter()
        .filter(|s| applicable.contains(&s.scenario))
    {
        for c in s.checks.iter().filter(|c| c.status == Status::Fail) {
            let msg = format!("{}: {}", s.scenario.name(), c.message);
            if !row.problems.contains(&msg) {
                row.problems.push(msg);
            }
        }
    }
    row
}

/// The CSV header, the columns of [`csv_row`].
pub const CSV_HEADER: &str =
    "file,kind,subject,not_after,days_left,client_auth,iflow,token,server,deprecated_grant,key_match,needs_action,problems,error";

/// A row as CSV. Values that a spreadsheet would run as a formula are
/// prefixed with `'`.
pub fn csv_row(r: &Row) -> String {
    fn field(s: &str) -> String {
        // Subjects and messages come from files: no escape sequence, no
        // carriage return, no bidirectional override reaches a terminal.
        let s = crate::sanitize::sanitize(s);
        let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{s}")
        } else {
            s.to_string()
        };
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    }
    let b = |v: Option<bool>| v.map(|b| b.to_string()).unwrap_or_default();
    [
        field(&r.file),
        field(&r.kind),
        field(r.subject.as_deref().unwrap_or("")),
        field(r.not_after.as_deref().unwrap_or("")),
        r.days_left.map(|d| d.to_string()).unwrap_or_default(),
        b(r.client_auth),
        b(r.trust.iflow),
        b(r.trust.token),
        b(r.trust.server),
        b(r.deprecated_grant),
        b(r.key_match),
        r.needs_action.to_string(),
        field(&r.problems.join("; ")),
        field(r.error.as_deref().unwrap_or("")),
    ]
    .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../testdata/service-key.json");

    /// The sample Certificate key: its chain and private key.
    fn sample() -> crate::sap::servicekey::ServiceKey {
        let v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        crate::sap::servicekey::ServiceKey::from_json(&v).unwrap()
    }

    fn ctx() -> AuditContext {
        AuditContext {
            at: time::macros::datetime!(2030-01-01 0:00 UTC),
            warn_days: 30,
            store: RootStore::default(),
        }
    }

    #[test]
    fn a_certificate_key_is_judged_for_calls() {
        let l = sample();
        let row = audit_material(Some(KeyKind::Certificate), &l.certs, l.key.as_ref(), &ctx())
            .done("k.json".into());
        assert_eq!(row.kind, "service-key/certificate");
        assert_eq!(row.client_auth, Some(true));
        assert_eq!(row.key_match, Some(true));
        assert_eq!(row.trust.iflow, Some(false));
        assert_eq!(row.problems.len(), 1);
        assert!(row.problems[0].starts_with("iflow: root 'btpcert Sample Root CA'"));
        assert!(row.needs_action);
    }

    #[test]
    fn instance_parameters_and_unreadable_files() {
        let old = audit_instance(r#"{"grant-types": ["client_x509"]}"#).unwrap();
        assert_eq!(old.deprecated_grant, Some(true));
        assert!(old.done("p.json".into()).needs_action);
        assert!(audit_instance("{}").is_none());
        let row = Row::unreadable("x".into(), &Error::input("bad"));
        assert_eq!(
            (row.kind.as_str(), row.error.as_deref()),
            ("unreadable", Some("bad"))
        );
    }

    #[test]
    fn csv_defuses_formulas_and_quotes() {
        let row = Row {
            file: "=1+2.pem".into(),
            kind: "certificate".into(),
            subject: Some("C=DE, O=x".into()),
            ..Row::default()
        };
        assert!(csv_row(&row).starts_with("'=1+2.pem,certificate,\"C=DE, O=x\","));
        assert_eq!(
            csv_row(&row).split(',').count(),
            CSV_HEADER.split(',').count() + 1
        );
    }
}
