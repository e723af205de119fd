//! Scale without surprises: ordering, completing and analysing many
//! certificates costs signature checks in proportion to their number, never
//! one per pair. The bounds are on work (signature verifications, counted
//! by `x509::cert::signature_verifications` on this thread), not on time,
//! so they hold on a loaded machine.

use btpcert::x509::cert::{signature_verifications, Cert};
use btpcert::x509::roots::{Origin, RootStore};
use btpcert::x509::verify::build_path_at;

use crate::common::pki::*;

fn cert(n: &Node) -> Cert {
    Cert::from_der(&n.cert_der()).unwrap()
}

/// Verifications `f` makes on this thread.
fn work<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let before = signature_verifications();
    let out = f();
    (out, signature_verifications() - before)
}

/// `n` self-signed CA certificates with one subject name, each with its
/// own EC key (no authority key identifier: nothing narrows but the key).
fn same_name_cas(n: usize) -> Vec<Node> {
    (0..n)
        .map(|_| {
            issue(
                &Spec {
                    alg: Alg::EcP256,
                    ..Spec::ca("Same Name CA")
                },
                None,
            )
        })
        .collect()
}

fn at() -> time::OffsetDateTime {
    time::macros::datetime!(2030-01-01 0:00 UTC)
}

#[test]
fn a_thousand_cas_of_one_name_cost_a_check_each() {
    const N: usize = 1000;
    let nodes = same_name_cas(N);
    let certs: Vec<Cert> = nodes.iter().map(cert).collect();

    // Ordering: each certificate's own key settles that it is self-signed.
    let (chain, n) = work(|| btpcert::x509::chain::order(&certs));
    assert_eq!(chain.certs.len(), 1);
    assert_eq!(chain.unrelated.len(), N - 1);
    assert!(n <= 2 * N as u64, "ordering took {n} signature checks");

    // The same again costs nothing: every outcome is kept.
    let (_, n) = work(|| btpcert::x509::chain::order(&certs));
    assert_eq!(n, 0, "ordering again took {n} signature checks");

    // A Connectivity Test download of them: its root and the self-signed ones.
    let fresh: Vec<(String, Cert)> = same_name_cas(N)
        .iter()
        .enumerate()
        .map(|(i, c)| (format!("cert-{i}.cer"), cert(c)))
        .collect();
    let (analysis, n) = work(|| btpcert::sap::connectivity::analyse(fresh, Vec::new()));
    assert_eq!(analysis.self_signed.len(), N);
    assert!(n <= 2 * N as u64, "the analysis took {n} signature checks");
}

#[test]
fn a_leaf_under_a_thousand_roots_of_its_issuers_name_is_found_by_key() {
    const N: usize = 1000;
    let nodes = same_name_cas(N);
    let mut store = RootStore::default();
    store.add(nodes.iter().map(cert), Origin::RootsFile);
    // Issued by the last of them, with an authority key identifier.
    let leaf = issue(
        &Spec {
            alg: Alg::EcP256,
            ..Spec::client("leaf")
        },
        Some(&nodes[N - 1]),
    );
    let (path, n) = work(|| build_path_at(&[cert(&leaf)], &store, at()));
    assert_eq!(path.certs.len(), 2);
    assert_eq!(path.certs[1].0.der(), nodes[N - 1].cert_der());
    assert!(path.missing_issuer.is_none());
    // The key identifier picks the one candidate: its signature, and its
    // own (is it a root?).
    assert!(n <= 10, "completing the path took {n} signature checks");
}

#[test]
fn a_long_chain_is_ordered_in_linear_work() {
    const N: usize = 2000;
    let mut nodes = vec![issue(
        &Spec {
            alg: Alg::EcP256,
            ..Spec::ca("Chain Root")
        },
        None,
    )];
    for i in 1..N - 1 {
        let next = issue(
            &Spec {
                alg: Alg::EcP256,
                ..Spec::ca(&format!("Chain CA {i}"))
            },
            nodes.last(),
        );
        nodes.push(next);
    }
    let leaf = issue(
        &Spec {
            alg: Alg::EcP256,
            ..Spec::client("leaf")
        },
        nodes.last(),
    );
    nodes.push(leaf);
    // Root first, so the whole chain has to be reordered.
    let certs: Vec<Cert> = nodes.iter().map(cert).collect();
    let (path, n) = work(|| build_path_at(&certs, &RootStore::default(), at()));
    assert_eq!(path.certs.len(), N);
    assert_eq!(path.certs[0].0.der(), nodes[N - 1].cert_der());
    assert!(path.root().is_some());
    assert!(n <= 2 * N as u64, "ordering took {n} signature checks");
}

/// `n` CA certificates all named and issued by "CN=X", without key
/// identifiers, each signed by the next one's key: nothing narrows the
/// candidates of any of them.
fn same_name_ring(n: usize) -> Vec<Cert> {
    use openssl::asn1::Asn1Time;
    use openssl::ec::{EcGroup, EcKey};
    use openssl::hash::MessageDigest;
    use openssl::nid::Nid;
    use openssl::pkey::PKey;
    use openssl::x509::{X509Builder, X509NameBuilder};
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let keys: Vec<_> = (0..n)
        .map(|_| PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap())
        .collect();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "X").unwrap();
    let name = name.build();
    (0..n)
        .map(|i| {
            let mut b = X509Builder::new().unwrap();
            b.set_version(2).unwrap();
            b.set_subject_name(&name).unwrap();
            b.set_issuer_name(&name).unwrap();
            b.set_pubkey(&keys[i]).unwrap();
            b.set_not_before(&Asn1Time::from_unix(Y2020).unwrap())
                .unwrap();
            b.set_not_after(&Asn1Time::from_unix(Y2120).unwrap())
                .unwrap();
            b.sign(&keys[(i + 1) % n], MessageDigest::sha256()).unwrap();
            Cert::from_der(&b.build().to_der().unwrap()).unwrap()
        })
        .collect()
}

#[test]
fn many_certificates_of_one_name_that_nothing_narrows_cost_linear_work() {
    const N: usize = 600;
    let certs = same_name_ring(N);
    let (chain, n) = work(|| btpcert::x509::chain::order(&certs));
    assert_eq!(chain.certs.len() + chain.unrelated.len(), N);
    // At most MAX_FAILED_TRIALS misses and one hit per certificate, where
    // trying every pair would be 180,000 checks.
    let bound = ((btpcert::x509::issuers::MAX_FAILED_TRIALS + 1) * N) as u64;
    assert!(
        n <= bound,
        "ordering took {n} signature checks (bound {bound})"
    );
}

/// The sample root with a serial number of `octets` octets (its signature
/// no longer verifies, which inspect and audit only report).
fn with_serial_of(octets: usize) -> Vec<u8> {
    use btpcert::x509::der::{tlv, Reader};
    let pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/sample-root.pem"
    ))
    .unwrap();
    let der = pem::parse(pem).unwrap().into_contents();
    let mut cert = Reader::new(&der).read(0x30).unwrap();
    let mut tbs = cert.read(0x30).unwrap();
    let after_cert_tbs = cert.rest();
    let all = tbs.rest();
    tbs.read_any().unwrap(); // version [0]
    let version = &all[..all.len() - tbs.rest().len()];
    tbs.read(0x02).unwrap(); // the serial
    let mut serial = vec![0x01];
    serial.resize(octets, 0x23);
    let tbs = tlv(0x30, &[version, &tlv(0x02, &serial), tbs.rest()].concat());
    tlv(0x30, &[&tbs[..], after_cert_tbs].concat())
}

#[test]
fn a_serial_of_forty_thousand_octets_is_shown_in_hex_without_decimal() {
    // Decimal from n digits takes some n^2 steps: this one took 11 s, one
    // of megabytes would take hours. It is shown in hex only.
    let d = crate::common::TestDir::new();
    let long = d.put(
        "long.pem",
        btpcert::x509::pem::encode_der("CERTIFICATE", &with_serial_of(40_000)),
    );
    let a = crate::common::btpcert()
        .args(["inspect", &long])
        .assert()
        .success();
    let out = crate::common::stdout_of(&a);
    assert!(
        out.contains("(40000 octets, where RFC 5280 allows 20: no decimal)"),
        "{}",
        &out[..out.len().min(2000)]
    );
    assert!(out.contains("serial:       01:23:23:23"));
    let a = crate::common::btpcert()
        .args(["audit", &long, "--json"])
        .assert()
        .code(1);
    let v: serde_json::Value = serde_json::from_str(&crate::common::stdout_of(&a)).unwrap();
    let serial = &v["rows"][0]["serial"];
    assert_eq!(serial["decimal"], serde_json::Value::Null);
    assert_eq!(serial["hex"].as_str().unwrap().len(), 2 + 2 * 40_000);
    // Sixty-four octets (0x0123...23, 152 decimal digits) keep their decimal.
    let short = d.put(
        "short.pem",
        btpcert::x509::pem::encode_der("CERTIFICATE", &with_serial_of(64)),
    );
    let a = crate::common::btpcert()
        .args(["audit", &short, "--json"])
        .assert()
        .code(1);
    let v: serde_json::Value = serde_json::from_str(&crate::common::stdout_of(&a)).unwrap();
    let decimal = v["rows"][0]["serial"]["decimal"].as_str().unwrap();
    assert_eq!(decimal.len(), 152);
    assert!(
        decimal.starts_with("595628722377964638308282360520"),
        "{decimal}"
    );
}
