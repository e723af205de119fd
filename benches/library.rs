//! Library benchmarks (criterion): the steps behind the commands, on the
//! sample service key in testdata/. Run with `cargo bench`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};

use btpcert::input::load_bytes;
use btpcert::keystore::pkcs12::{build_keystore, Profile};
use btpcert::sap::scenario::{judge, Scenario};
use btpcert::secret::Secret;
use btpcert::x509::roots::RootStore;
use btpcert::x509::verify::{build_path, Options};

fn sample() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/service-key.json"
    ))
    .expect("testdata/service-key.json")
}

fn benches(c: &mut Criterion) {
    let bytes = sample();
    let loaded = load_bytes("key.json", &bytes).expect("sample key");
    let store = RootStore::default();
    let opts = Options {
        at: time::OffsetDateTime::now_utc(),
        warn_days: 30,
    };

    c.bench_function(
        "read service key (JSON, PEM, 3 certificates, PKCS#1 key)",
        |b| b.iter(|| load_bytes("key.json", black_box(&bytes)).unwrap()),
    );
    c.bench_function("order chain (3 certificates)", |b| {
        b.iter(|| btpcert::x509::chain::order(black_box(&loaded.certs)))
    });
    c.bench_function("verify chain and key (3 scenarios)", |b| {
        b.iter(|| {
            let path = build_path(black_box(&loaded.certs), &store);
            judge(&path, loaded.key.as_ref(), &opts, &Scenario::ALL)
        })
    });
    let key = loaded.key.clone().unwrap();
    let chain = btpcert::x509::chain::order(&loaded.certs).certs;
    let pw = Secret::new("changeit");
    let mut g = c.benchmark_group("PKCS#12");
    g.sample_size(20);
    g.bench_function("build keystore, modern profile", |b| {
        b.iter(|| build_keystore(&key, &chain, "client", Profile::Modern, &pw).unwrap())
    });
    g.bench_function("build keystore, compat profile", |b| {
        b.iter(|| build_keystore(&key, &chain, "client", Profile::Compat, &pw).unwrap())
    });
    g.finish();
}

criterion_group!(library, benches);
criterion_main!(library);
