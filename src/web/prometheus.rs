//! The audit as metrics: node_exporter's textfile-collector format,
//! named and labelled as x509-certificate-exporter names its metrics, so
//! its dashboards and alert rules work on btpcert's files unchanged.
//!
//! One series per certificate of each file: `x509_cert_not_before`,
//! `x509_cert_not_after` (Unix seconds) and `x509_cert_expired` (at the
//! time of the audit), labelled `filename`, `filepath`, `serial_number`
//! (decimal), `subject_C` … `subject_CN`, `issuer_C` … `issuer_CN`, and
//! `key_kind` (the audit's kind of the file); `x509_cert_error` per file
//! (1 when it could not be read) and `x509_read_errors`, the number of
//! files that could not be read.

use std::collections::HashSet;
use std::fmt::Write;

use crate::ops::audit::{AuditOutcome, CertFacts, FileCertificates, NameFields};

/// A label value as the exposition format wants it: `\`, `"` and line
/// feeds escaped.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn labels(pairs: &[(&str, &str)]) -> String {
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

fn name_labels<'a>(prefix: &str, n: &'a NameFields) -> Vec<(String, &'a str)> {
    [
        ("C", &n.C),
        ("CN", &n.CN),
        ("L", &n.L),
        ("O", &n.O),
        ("OU", &n.OU),
        ("ST", &n.ST),
    ]
    .into_iter()
    .map(|(k, v)| (format!("{prefix}_{k}"), v.as_str()))
    .collect()
}

/// The labels of one certificate of `file`, in name order.
fn cert_labels(file: &FileCertificates, c: &CertFacts) -> String {
    let filename = std::path::Path::new(&file.file)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let issuer = name_labels("issuer", &c.issuer);
    let subject = name_labels("subject", &c.subject);
    let mut pairs: Vec<(&str, &str)> = vec![
        ("filename", &filename),
        ("filepath", &file.file),
        ("key_kind", &file.kind),
        ("serial_number", &c.serial_number),
    ];
    pairs.extend(issuer.iter().map(|(k, v)| (k.as_str(), *v)));
    pairs.extend(subject.iter().map(|(k, v)| (k.as_str(), *v)));
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    labels(&pairs)
}

/// A per-certificate metric: name, help, value.
type Metric = (&'static str, &'static str, fn(&CertFacts) -> i64);

fn family(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
}

/// The metrics of an audit: `certificates` are those of
/// [`AuditOutcome::certificates`] for the same outcome. A certificate held
/// twice by one file gives one series. An error only if the outcome's rows
/// cannot be read back.
pub fn text(outcome: &AuditOutcome, certificates: &[FileCertificates]) -> std::io::Result<String> {
    let mut seen = HashSet::new();
    let series: Vec<(String, &CertFacts)> = certificates
        .iter()
        .flat_map(|f| f.certificates.iter().map(move |c| (cert_labels(f, c), c)))
        .filter(|(l, _)| seen.insert(l.clone()))
        .collect();
    let mut out = String::new();
    let metrics: [Metric; 3] = [
        (
            "x509_cert_not_before",
            "Indicates the certificate's not before timestamp",
            |c| c.not_before_unix,
        ),
        (
            "x509_cert_not_after",
            "Indicates the certificate's not after timestamp",
            |c| c.not_after_unix,
        ),
        (
            "x509_cert_expired",
            "Indicates if the certificate is expired (at the time of the audit)",
            |c| i64::from(c.expired),
        ),
    ];
    for (name, help, value) in metrics {
        family(&mut out, name, help);
        for (l, c) in &series {
            let _ = writeln!(out, "{name}{l} {}", value(c));
        }
    }
    family(
        &mut out,
        "x509_cert_error",
        "Indicates whether the file could not be read (1) or was read (0)",
    );
    let mut errors = 0;
    for r in outcome.rows.iter() {
        let r = r?;
        errors += usize::from(r.error.is_some());
        let filename = std::path::Path::new(&r.file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let l = labels(&[
            ("filename", &filename),
            ("filepath", &r.file),
            ("key_kind", &r.kind),
        ]);
        let _ = writeln!(out, "x509_cert_error{l} {}", u8::from(r.error.is_some()));
    }
    family(
        &mut out,
        "x509_read_errors",
        "Indicates the number of read failure(s)",
    );
    let _ = writeln!(out, "x509_read_errors {errors}");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
        assert_eq!(labels(&[("a", "x\"y")]), "{a=\"x\\\"y\"}");
    }
}
