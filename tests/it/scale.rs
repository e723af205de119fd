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
