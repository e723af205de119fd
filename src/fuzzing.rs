//! The bodies of the fuzz targets (`fuzz/`), shared with the regression
//! test that replays saved inputs under `cargo test`. Each may reject any
//! input; none may panic, and each checks a property of what it accepts.

use crate::sap::scenario::{judge, Scenario};
use crate::x509::cert::Cert;
use crate::x509::roots::RootStore;
use crate::x509::verify::{build_path, Options};

/// Service keys, PEM, DER; the PEM scanner; instance parameters and their
/// migration, which must give JSON without the deprecated grant, and be final.
pub fn reader(data: &[u8]) {
    if let Ok(loaded) = crate::input::load_bytes("fuzz", data) {
        for c in &loaded.certs {
            let _ = c.info(time::OffsetDateTime::UNIX_EPOCH);
        }
        if let (Some(k), Some(c)) = (&loaded.key, loaded.certs.first()) {
            let _ = k.matches(c);
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::x509::pem::parse_blocks(text);
        if let Ok(p) = crate::sap::instance::find(text) {
            let _ = crate::sap::instance::check_params(&p.value);
            if let Ok(Some(m)) = crate::sap::instance::migrate_text(&p.text) {
                let v: serde_json::Value = serde_json::from_str(&m).expect("migrated text is JSON");
                assert!(!crate::sap::instance::check_params(&v).deprecated_grant);
                assert_eq!(
                    crate::sap::instance::migrate_text(&m).expect("re-read"),
                    None
                );
            }
        }
    }
}

/// A list of DER certificates, each prefixed with its length (two bytes, big
/// endian), through ordering and every check.
pub fn chain(data: &[u8]) {
    let mut certs = Vec::new();
    let mut rest = data;
    while rest.len() >= 2 && certs.len() < 8 {
        let len = u16::from_be_bytes([rest[0], rest[1]]) as usize;
        rest = &rest[2..];
        let (der, tail) = rest.split_at(len.min(rest.len()));
        rest = tail;
        if let Ok(c) = Cert::from_der(der) {
            certs.push(c);
        }
    }
    let ordered = crate::x509::chain::order(&certs);
    assert_eq!(
        ordered.certs.len() + ordered.unrelated.len() + ordered.duplicates.len(),
        certs.len(),
        "every certificate is on the path, unrelated or a duplicate"
    );
    for w in ordered.certs.windows(2) {
        assert!(
            w[0].is_signed_by(&w[1]),
            "each certificate is signed by the next"
        );
    }
    let path = build_path(&certs, &RootStore::default());
    let _ = judge(
        &path,
        None,
        &Options {
            at: time::OffsetDateTime::UNIX_EPOCH,
            warn_days: 30,
        },
        &Scenario::ALL,
    );
}

/// Zip archives as `connectivity`, `truststore` and `audit` read them.
pub fn zip(data: &[u8]) {
    if let Ok(z) = crate::input::zip::read(data) {
        let a = crate::sap::connectivity::analyse(z.certs, z.skipped);
        if let Some(root) = &a.root {
            assert!(root.is_self_signed());
            let _ = crate::sap::connectivity::root_info(root);
        }
    }
}
