//! External Certificate service keys: what SAP accepts in `"X.509"` (one
//! leaf fit for client authentication, under a CA SAP trusts), and the
//! parameters a new key is created with (`../shared/sap-facts.md`, "Service
//! key creation parameters" [ae419b6, 19af5e2]).

use crate::check::{Check, CheckId, Status};
use crate::error::{Error, Result};
use crate::sap::scenario::{ScenarioReport, Verdict};
use crate::x509::cert::Cert;
use crate::x509::pem;
use crate::x509::verify::key_strength;

/// The validity SAP accepts for an SAP-generated certificate, in days
/// (sap-facts, "Service key creation parameters": 1-365).
pub const VALIDITY_DAYS: std::ops::RangeInclusive<u32> = 1..=365;

/// The validity btpcert writes unless told otherwise: SAP's example, 365.
pub const DEFAULT_VALIDITY: u32 = 365;

/// The key lengths SAP documents for an SAP-generated certificate: its
/// default, 2048, and no other (sap-facts names no range).
pub const KEY_LENGTHS: &[u32] = &[2048];

/// The key length btpcert writes unless told otherwise: SAP's default.
pub const DEFAULT_KEY_LENGTH: u32 = 2048;

/// `{"key-type": "certificate", "validity": DAYS, "key-length": BITS}`, the
/// parameters of a Certificate (SAP-generated) key. A value outside what
/// SAP documents is refused, naming what it accepts.
pub fn certificate_parameters(
    validity: Option<u32>,
    key_length: Option<u32>,
) -> Result<serde_json::Value> {
    let validity = validity.unwrap_or(DEFAULT_VALIDITY);
    if !VALIDITY_DAYS.contains(&validity) {
        return Err(Error::usage(format!(
            "validity {validity}: SAP accepts {} to {} days for a Certificate key",
            VALIDITY_DAYS.start(),
            VALIDITY_DAYS.end()
        )));
    }
    let key_length = key_length.unwrap_or(DEFAULT_KEY_LENGTH);
    if !KEY_LENGTHS.contains(&key_length) {
        return Err(Error::usage(format!(
            "key length {key_length}: SAP documents {} bits (its default) and no other length for a Certificate key",
            KEY_LENGTHS
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(serde_json::json!({
        "key-type": "certificate",
        "validity": validity,
        "key-length": key_length,
    }))
}

/// [`certificate_parameters`] with SAP's defaults, on one line: the hint
/// for a ClientId/Secret key.
pub fn default_certificate_parameters() -> String {
    format!(
        r#"{{"key-type": "certificate", "validity": {DEFAULT_VALIDITY}, "key-length": {DEFAULT_KEY_LENGTH}}}"#
    )
}

/// `{"key-type": "certificate_external", "X.509": "<one-line PEM>"}`, with
/// `"certificate-pinning"` when `pinning` says so.
pub fn key_parameters(leaf: &Cert, pinning: Option<bool>) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    m.insert("key-type".into(), "certificate_external".into());
    m.insert(
        "X.509".into(),
        pem::one_line("CERTIFICATE", leaf.der()).into(),
    );
    if let Some(p) = pinning {
        m.insert("certificate-pinning".into(), p.into());
    }
    serde_json::Value::Object(m)
}

/// The parameters as a file holds them: pretty JSON and a newline.
pub fn parameters_text(params: &serde_json::Value) -> String {
    serde_json::to_string_pretty(params).expect("a JSON value serialises") + "\n"
}

/// `single-leaf`: the file `name` holds `count` certificates; SAP takes the leaf only.
pub fn single_leaf(name: &str, count: usize) -> Check {
    if count == 1 {
        Check::ok(
            CheckId::SingleLeaf,
            format!("{name} holds one certificate, as SAP requires"),
        )
    } else {
        Check::fail(
            CheckId::SingleLeaf,
            format!(
                "{name} holds {count} certificates: SAP accepts only the leaf in \"X.509\", not the chain; give intermediates as extra files"
            ),
        )
    }
}

/// `single-leaf` for a keystore: of its `count` certificates, the private
/// key's own is the one SAP gets; the others serve as its chain.
pub fn keystore_leaf(name: &str, count: usize) -> Check {
    Check::ok(
        CheckId::SingleLeaf,
        format!(
            "{name}: of its {count} certificates, the private key's own is the one certificate SAP gets in \"X.509\"; the others serve to check its chain"
        ),
    )
}

/// `leaf-not-ca`: a CA certificate is no client certificate.
pub fn leaf_not_ca(leaf: &Cert) -> Option<Check> {
    leaf.basic_constraints().is_some_and(|(ca, _)| ca).then(|| {
        Check::fail(
            CheckId::LeafNotCa,
            "the certificate is a CA certificate, not a client certificate",
        )
    })
}

/// `key-strength` of the leaf, as the chain checks judge every key. SAP
/// documents no key-algorithm limits for client certificates (sap-facts,
/// "Client Authentication EKU"): nothing is refused beyond that judgement.
pub fn leaf_key_strength(leaf: &Cert) -> Check {
    key_strength(&leaf.key_info())
}

/// The checks of a verdict that matter for the certificate itself, whatever
/// the scenario: the leaf's own (its key strength is judged by
/// [`leaf_key_strength`]), the problems of the CAs above it, and the
/// chain's but its order and unrelated certificates.
pub fn common_checks(v: &Verdict) -> Vec<Check> {
    let certs = &v.report.certificates;
    let leaf = certs
        .first()
        .into_iter()
        .flat_map(|c| &c.checks)
        .filter(|c| c.id != CheckId::KeyStrength);
    let cas = certs
        .iter()
        .skip(1)
        .flat_map(|c| &c.checks)
        .filter(|c| c.status != Status::Ok);
    let chain = v
        .report
        .chain
        .iter()
        .filter(|c| c.id != CheckId::Order && c.id != CheckId::Unrelated);
    leaf.chain(cas).chain(chain).cloned().collect()
}

/// The checks of one scenario that matter for the key: all but the
/// whole-chain rule, which is for what a sender presents, not for the
/// certificate registered.
pub fn scenario_checks(s: &ScenarioReport) -> Vec<Check> {
    s.checks
        .iter()
        .filter(|c| c.id != CheckId::WholeChain)
        .cloned()
        .collect()
}

/// Turns failed trust checks into warnings, saying so: SAP's full load
/// balancer list (SAP Note 2801396) may hold more roots than its public
/// one. A look-alike (a listed CA's name on another certificate) stays a
/// failure: no flag makes it trusted.
pub fn allow_untrusted(report: &mut ScenarioReport) {
    if report.look_alike {
        return;
    }
    for c in report
        .checks
        .iter_mut()
        .filter(|c| c.status == Status::Fail)
    {
        if c.id == CheckId::RootTrusted || c.id == CheckId::CaTrusted {
            c.status = Status::Warn;
            c.message.push_str(" (allowed by --allow-untrusted)");
        }
    }
    report.restate();
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

    #[test]
    fn parameters_hold_the_leaf_on_one_line() {
        let l = sample();
        let p = key_parameters(&l.certs[0], Some(false));
        assert_eq!(p["key-type"], "certificate_external");
        assert_eq!(p["certificate-pinning"], false);
        let x = p["X.509"].as_str().unwrap();
        assert!(x.starts_with("-----BEGIN CERTIFICATE-----MII") && !x.contains('\n'));
        assert!(key_parameters(&l.certs[0], None)
            .get("certificate-pinning")
            .is_none());
        assert!(parameters_text(&p).ends_with("}\n"));
    }

    #[test]
    fn certificate_parameters_within_what_sap_documents() {
        let p = certificate_parameters(None, None).unwrap();
        assert_eq!(
            p,
            serde_json::json!({"key-type": "certificate", "validity": 365, "key-length": 2048})
        );
        assert_eq!(
            certificate_parameters(Some(1), Some(2048)).unwrap()["validity"],
            1
        );
        let e = certificate_parameters(Some(366), None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "validity 366: SAP accepts 1 to 365 days for a Certificate key"
        );
        assert!(certificate_parameters(Some(0), None).is_err());
        let e = certificate_parameters(None, Some(4096)).unwrap_err();
        assert!(e.to_string().contains("SAP documents 2048 bits"), "{e}");
        assert_eq!(
            default_certificate_parameters(),
            r#"{"key-type": "certificate", "validity": 365, "key-length": 2048}"#
        );
    }

    #[test]
    fn a_chain_or_a_ca_is_no_external_certificate() {
        let l = sample();
        assert_eq!(single_leaf("f", 1).status, Status::Ok);
        assert_eq!(single_leaf("f", 3).status, Status::Fail);
        assert!(leaf_not_ca(&l.certs[0]).is_none());
        assert_eq!(leaf_not_ca(&l.certs[2]).unwrap().id, CheckId::LeafNotCa);
        assert_eq!(leaf_key_strength(&l.certs[0]).status, Status::Ok);
    }

    fn report(look_alike: bool) -> ScenarioReport {
        ScenarioReport {
            scenario: crate::sap::scenario::Scenario::Token,
            list: crate::sap::trust_lists::TrustList::XsuaaX509,
            trusted: false,
            status: Status::Fail,
            anchor: None,
            checks: vec![
                Check::fail(CheckId::CaTrusted, "r"),
                Check::fail(CheckId::ClientAuthEku, "e"),
            ],
            look_alike,
        }
    }

    #[test]
    fn only_trust_is_allowed_and_never_a_look_alike() {
        let mut r = report(false);
        allow_untrusted(&mut r);
        assert_eq!(r.checks[0].status, Status::Warn);
        assert_eq!(r.checks[0].message, "r (allowed by --allow-untrusted)");
        assert_eq!(r.checks[1].status, Status::Fail);
        assert_eq!(r.status, Status::Fail);
        let mut r = report(true);
        allow_untrusted(&mut r);
        assert_eq!(r.checks[0].status, Status::Fail);
        assert_eq!(scenario_checks(&r).len(), 2);
    }
}
