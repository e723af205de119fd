//! Path validation on generated chains: names compared as RFC 5280 7.1
//! folds them, the authority key identifier, extensions, keys, the edges of
//! validity, self-issued certificates and pathLenConstraint, and paths that
//! end at a root of the store (trusted first).

use openssl::asn1::{Asn1Integer, Asn1Object, Asn1OctetString, Asn1Time, Asn1Type};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509Builder, X509Extension, X509Name, X509NameBuilder, X509NameRef, X509};
use time::OffsetDateTime;

use crate::check::{CheckId, Status};
use crate::x509::cert::{Cert, KeyInfo};
use crate::x509::roots::{Origin, RootStore};
use crate::x509::verify::{self, build_path_at, key_strength, Options, Report};

/// 2020-01-01 and 2120-01-01.
const FROM: i64 = 1_577_836_800;
const UNTIL: i64 = 4_733_510_400;

fn at_2030() -> OffsetDateTime {
    time::macros::datetime!(2030-01-01 0:00 UTC)
}

struct Node {
    x509: X509,
    key: PKey<Private>,
}

impl Node {
    fn cert(&self) -> Cert {
        Cert::from_der(&self.x509.to_der().unwrap()).unwrap()
    }
}

fn ec_key() -> PKey<Private> {
    let g = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(EcKey::generate(&g).unwrap()).unwrap()
}

fn name_of(entries: &[(&str, &str, Asn1Type)]) -> X509Name {
    let mut b = X509NameBuilder::new().unwrap();
    for (f, v, t) in entries {
        b.append_entry_by_text_with_type(f, v, *t).unwrap();
    }
    b.build()
}

fn name(cn: &str) -> X509Name {
    name_of(&[("CN", cn, Asn1Type::UTF8STRING)])
}

/// What to issue; the defaults make a valid end-entity certificate.
#[derive(Default)]
struct Opts {
    ca: bool,
    path_len: Option<u32>,
    /// Key usage other than the default (CA: keyCertSign and cRLSign;
    /// leaf: digitalSignature).
    key_usage: Option<KeyUsage>,
    /// notBefore and notAfter, Unix time.
    window: Option<(i64, i64)>,
    /// Written after the usual extensions.
    extra: Vec<X509Extension>,
    /// The issuer name to write, instead of the issuer's subject.
    issuer_name: Option<X509Name>,
    key: Option<PKey<Private>>,
}

fn ca() -> Opts {
    Opts {
        ca: true,
        ..Opts::default()
    }
}

/// Issues a certificate for `subject`, signed by `issuer` (self-signed when None).
fn issue(subject: &X509Name, issuer: Option<&Node>, o: Opts) -> Node {
    let key = o.key.unwrap_or_else(ec_key);
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    let mut serial = BigNum::new().unwrap();
    serial
        .rand(64, openssl::bn::MsbOption::MAYBE_ZERO, false)
        .unwrap();
    b.set_serial_number(&Asn1Integer::from_bn(&serial).unwrap())
        .unwrap();
    b.set_subject_name(subject).unwrap();
    let issuer_name: &X509NameRef = match (&o.issuer_name, issuer) {
        (Some(n), _) => n,
        (None, Some(i)) => i.x509.subject_name(),
        (None, None) => subject,
    };
    b.set_issuer_name(issuer_name).unwrap();
    b.set_pubkey(&key).unwrap();
    let (nb, na) = o.window.unwrap_or((FROM, UNTIL));
    b.set_not_before(&Asn1Time::from_unix(nb).unwrap()).unwrap();
    b.set_not_after(&Asn1Time::from_unix(na).unwrap()).unwrap();
    let mut bc = BasicConstraints::new();
    bc.critical();
    if o.ca {
        bc.ca();
        if let Some(p) = o.path_len {
            bc.pathlen(p);
        }
    }
    b.append_extension(bc.build().unwrap()).unwrap();
    let mut ku = o.key_usage.unwrap_or_else(|| {
        let mut ku = KeyUsage::new();
        if o.ca {
            ku.key_cert_sign().crl_sign();
        } else {
            ku.digital_signature();
        }
        ku
    });
    b.append_extension(ku.critical().build().unwrap()).unwrap();
    let ski = SubjectKeyIdentifier::new()
        .build(&b.x509v3_context(None, None))
        .unwrap();
    b.append_extension(ski).unwrap();
    if let Some(i) = issuer {
        let aki = AuthorityKeyIdentifier::new()
            .keyid(true)
            .build(&b.x509v3_context(Some(&i.x509), None))
            .unwrap();
        b.append_extension(aki).unwrap();
    }
    for e in o.extra {
        b.append_extension(e).unwrap();
    }
    b.sign(
        issuer.map(|i| &i.key).unwrap_or(&key),
        MessageDigest::sha256(),
    )
    .unwrap();
    Node {
        x509: b.build(),
        key,
    }
}

/// An extension from its OID and DER value.
fn raw_ext(oid: &str, critical: bool, der: &[u8]) -> X509Extension {
    X509Extension::new_from_der(
        &Asn1Object::from_str(oid).unwrap(),
        critical,
        &Asn1OctetString::new_from_bytes(der).unwrap(),
    )
    .unwrap()
}

fn store_of(roots: &[&Node]) -> RootStore {
    let mut s = RootStore::default();
    s.add(roots.iter().map(|r| r.cert()), Origin::RootsFile);
    s
}

fn report(certs: &[&Node], store: &RootStore) -> (verify::Path, Report) {
    let certs: Vec<Cert> = certs.iter().map(|n| n.cert()).collect();
    let path = build_path_at(&certs, store, at_2030());
    let r = verify::verify(
        &path,
        None,
        &Options {
            at: at_2030(),
            warn_days: 30,
        },
    );
    (path, r)
}

/// The failing checks: (position, id); 0 for the chain's own checks.
fn failing(r: &Report) -> Vec<(usize, CheckId)> {
    let mut out: Vec<(usize, CheckId)> = r
        .certificates
        .iter()
        .flat_map(|c| {
            c.checks
                .iter()
                .filter(|k| k.status == Status::Fail)
                .map(move |k| (c.position, k.id))
        })
        .collect();
    out.extend(
        r.chain
            .iter()
            .filter(|k| k.status == Status::Fail)
            .map(|k| (0, k.id)),
    );
    out
}

fn message(r: &Report, id: CheckId) -> String {
    r.checks()
        .filter(|k| k.id == id)
        .map(|k| k.message.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether OpenSSL's own path validation accepts `leaf` with `chain` as
/// untrusted certificates and `roots` as trusted ones.
fn openssl_accepts(leaf: &Node, chain: &[&Node], roots: &[&Node]) -> bool {
    use openssl::stack::Stack;
    use openssl::x509::store::X509StoreBuilder;
    use openssl::x509::X509StoreContext;
    let mut sb = X509StoreBuilder::new().unwrap();
    for r in roots {
        sb.add_cert(r.x509.clone()).unwrap();
    }
    let store = sb.build();
    let mut untrusted = Stack::new().unwrap();
    for c in chain {
        untrusted.push(c.x509.clone()).unwrap();
    }
    let mut ctx = X509StoreContext::new().unwrap();
    ctx.init(&store, &leaf.x509, &untrusted, |c| c.verify_cert())
        .unwrap()
}

#[test]
fn names_chain_when_they_differ_in_case_white_space_and_string_type() {
    use Asn1Type as T;
    let root = issue(&name("Fold Root"), None, ca());
    let ca_name = name_of(&[
        ("O", "SAP SE", T::PRINTABLESTRING),
        ("CN", "Client CA", T::UTF8STRING),
    ]);
    let inter = issue(&ca_name, Some(&root), ca());
    let leaf = issue(
        &name("leaf"),
        Some(&inter),
        Opts {
            issuer_name: Some(name_of(&[
                ("O", "sap  se", T::UTF8STRING),
                ("CN", " CLIENT   CA ", T::UTF8STRING),
            ])),
            ..Opts::default()
        },
    );
    assert!(leaf.cert().is_signed_by(&inter.cert()));
    // Given in any order, with the root in the store.
    let (path, r) = report(&[&inter, &leaf], &store_of(&[&root]));
    assert_eq!(path.certs.len(), 3, "{:?}", path.certs);
    assert_eq!(failing(&r), vec![]);
    // OpenSSL links them the same way.
    assert!(openssl_accepts(&leaf, &[&inter], &[&root]));
    // Another name does not chain.
    let other = issue(
        &name("leaf"),
        Some(&inter),
        Opts {
            issuer_name: Some(name_of(&[
                ("O", "SAP SE", T::UTF8STRING),
                ("CN", "ClientCA", T::UTF8STRING),
            ])),
            ..Opts::default()
        },
    );
    assert!(!other.cert().is_signed_by(&inter.cert()));
}

#[test]
fn an_authority_key_identifier_naming_another_issuer_breaks_the_link() {
    // A root whose AKI key identifier is not its own SKI: OpenSSL does not
    // take it as self-signed, so nothing trusted is reached.
    let aki = raw_ext("2.5.29.35", false, &[0x30, 0x06, 0x80, 0x04, 1, 2, 3, 4]);
    let root = issue(
        &name("AKI Root"),
        None,
        Opts {
            extra: vec![aki],
            ..ca()
        },
    );
    let leaf = issue(&name("leaf"), Some(&root), Opts::default());
    assert!(!root.cert().is_self_signed());
    assert!(root.cert().signature_verifies_with(&root.cert()));
    let (path, r) = report(&[&leaf], &store_of(&[&root]));
    assert!(path.root().is_none());
    assert_eq!(failing(&r), vec![(0, CheckId::Complete)]);
    assert!(
        message(&r, CheckId::Complete).contains("authority key identifier names another issuer"),
        "{}",
        message(&r, CheckId::Complete)
    );
    assert!(!openssl_accepts(&leaf, &[], &[&root]));
}

#[test]
fn critical_extensions_tls_stacks_do_not_process_fail_on_any_certificate() {
    let root = issue(&name("Ext Root"), None, ca());
    let unknown = |critical| raw_ext("1.3.6.1.4.1.55738.666.1", critical, &[0x05, 0x00]);
    let inter = issue(
        &name("Ext CA"),
        Some(&root),
        Opts {
            extra: vec![unknown(true)],
            ..ca()
        },
    );
    let leaf = issue(&name("leaf"), Some(&inter), Opts::default());
    let (_, r) = report(&[&leaf, &inter, &root], &RootStore::default());
    assert_eq!(failing(&r), vec![(2, CheckId::CriticalExtension)]);
    assert!(message(&r, CheckId::CriticalExtension).contains("1.3.6.1.4.1.55738.666.1"));
    assert!(!openssl_accepts(&leaf, &[&inter], &[&root]));
    // The same extension, not critical: ignored.
    let inter = issue(
        &name("Ext CA"),
        Some(&root),
        Opts {
            extra: vec![unknown(false)],
            ..ca()
        },
    );
    let leaf = issue(&name("leaf"), Some(&inter), Opts::default());
    let (_, r) = report(&[&leaf, &inter, &root], &RootStore::default());
    assert_eq!(failing(&r), vec![]);
}

#[test]
fn repeated_and_undecodable_extensions_fail() {
    let root = issue(&name("Dup Root"), None, ca());
    let san = || {
        let mut s = SubjectAlternativeName::new();
        s.dns("a.example");
        s.build(&X509Builder::new().unwrap().x509v3_context(None, None))
            .unwrap()
    };
    let twice = issue(
        &name("leaf"),
        Some(&root),
        Opts {
            extra: vec![san(), san(), san()],
            ..Opts::default()
        },
    );
    let (_, r) = report(&[&twice, &root], &RootStore::default());
    assert_eq!(failing(&r), vec![(1, CheckId::Extensions)]);
    let said = message(&r, CheckId::Extensions);
    assert_eq!(said.matches("appears more than once").count(), 1, "{said}");
    // A SAN that is no DER at all.
    let broken = issue(
        &name("leaf"),
        Some(&root),
        Opts {
            extra: vec![raw_ext("2.5.29.17", false, &[0x30, 0x05, 0x82])],
            ..Opts::default()
        },
    );
    let (_, r) = report(&[&broken, &root], &RootStore::default());
    assert_eq!(failing(&r), vec![(1, CheckId::Extensions)]);
    assert!(message(&r, CheckId::Extensions).contains("cannot be decoded"));
}

#[test]
fn a_certificate_has_expired_at_its_not_after_second() {
    let root = issue(&name("Edge Root"), None, ca());
    let end = 1_893_456_000; // 2030-01-01T00:00:00Z
    let leaf = issue(
        &name("leaf"),
        Some(&root),
        Opts {
            window: Some((FROM, end)),
            ..Opts::default()
        },
    );
    let c = leaf.cert();
    let na = c.not_after();
    let second = time::Duration::seconds(1);
    assert!(c.expired_at(na));
    assert!(c.expired_at(na + time::Duration::milliseconds(5)));
    assert!(!c.expired_at(na - second));
    // Fractions of a second do not count: 0.5 s before is the second before.
    assert!(!c.expired_at(na - time::Duration::milliseconds(500)));
    assert!(c.not_yet_valid_at(c.not_before() - second));
    assert!(!c.not_yet_valid_at(c.not_before()));
    let (_, r) = report(&[&leaf, &root], &RootStore::default());
    assert_eq!(failing(&r), vec![(1, CheckId::Validity)]);
    assert!(c.info(na).expired);
}

#[test]
fn self_issued_intermediates_do_not_count_against_path_length() {
    let root = issue(&name("Len Root"), None, ca());
    let ica = |issuer: &Node, path_len| {
        issue(
            &name("ICA"),
            Some(issuer),
            Opts {
                path_len: Some(path_len),
                ..ca()
            },
        )
    };
    // root -> ICA (pathlen 1) -> ICA, self-issued, new key (pathlen 1) -> ICA2 (pathlen 0) -> leaf
    let ica1 = ica(&root, 1);
    let ica1b = ica(&ica1, 1);
    assert!(ica1b.cert().is_self_issued() && !ica1b.cert().is_self_signed());
    let ica2 = issue(
        &name("ICA2"),
        Some(&ica1b),
        Opts {
            path_len: Some(0),
            ..ca()
        },
    );
    let leaf = issue(&name("leaf"), Some(&ica2), Opts::default());
    let (path, r) = report(&[&leaf, &ica2, &ica1b, &ica1, &root], &RootStore::default());
    assert_eq!(path.certs.len(), 5);
    assert_eq!(failing(&r), vec![]);
    assert!(openssl_accepts(&leaf, &[&ica2, &ica1b, &ica1], &[&root]));
    // Another name instead of the self-issued one: the limit is exceeded.
    let other = issue(
        &name("ICA other"),
        Some(&ica1),
        Opts {
            path_len: Some(1),
            ..ca()
        },
    );
    let ica2 = issue(
        &name("ICA2"),
        Some(&other),
        Opts {
            path_len: Some(0),
            ..ca()
        },
    );
    let leaf = issue(&name("leaf"), Some(&ica2), Opts::default());
    let (_, r) = report(&[&leaf, &ica2, &other, &ica1, &root], &RootStore::default());
    assert_eq!(failing(&r), vec![(4, CheckId::PathLength)]);
}

#[test]
fn a_leaf_whose_basic_constraints_and_key_usage_contradict_fails() {
    let root = issue(&name("KU Root"), None, ca());
    let mut ku = KeyUsage::new();
    ku.digital_signature().key_cert_sign();
    let signer = issue(
        &name("leaf"),
        Some(&root),
        Opts {
            key_usage: Some(ku),
            ..Opts::default()
        },
    );
    let (_, r) = report(&[&signer, &root], &RootStore::default());
    assert_eq!(failing(&r), vec![(1, CheckId::KeyUsage)]);
    let mut ku = KeyUsage::new();
    ku.digital_signature();
    let ca_leaf = issue(
        &name("leaf"),
        Some(&root),
        Opts {
            key_usage: Some(ku),
            ..ca()
        },
    );
    let (_, r) = report(&[&ca_leaf, &root], &RootStore::default());
    assert_eq!(failing(&r), vec![(1, CheckId::BasicConstraints)]);
    // A consistent CA as leaf is only odd.
    let consistent = issue(&name("CA leaf"), Some(&root), ca());
    let (_, r) = report(&[&consistent, &root], &RootStore::default());
    assert!(failing(&r).iter().all(|f| f.1 != CheckId::BasicConstraints));
}

#[test]
fn keys_are_judged_by_what_openssl_accepts() {
    let k = |algorithm: &str, bits, curve: Option<&str>| KeyInfo {
        algorithm: algorithm.into(),
        bits,
        curve: curve.map(str::to_string),
    };
    let status = |k: KeyInfo| key_strength(&k).status;
    assert_eq!(status(k("RSA", 1024, None)), Status::Fail);
    assert_eq!(status(k("RSA", 2047, None)), Status::Fail);
    assert_eq!(status(k("RSA", 2048, None)), Status::Ok);
    assert_eq!(status(k("RSA", 2052, None)), Status::Ok);
    assert_eq!(status(k("EC", 192, Some("P-192"))), Status::Fail);
    assert_eq!(
        status(k("EC", 256, Some("explicit parameters"))),
        Status::Fail
    );
    assert_eq!(status(k("DSA", 3072, None)), Status::Fail);
    assert_eq!(status(k("DSA", 1024, None)), Status::Fail);
    assert_eq!(status(k("EC", 256, Some("P-256"))), Status::Ok);
    assert_eq!(status(k("EC", 521, Some("P-521"))), Status::Ok);
    assert_eq!(status(k("EC", 224, Some("P-224"))), Status::Warn);
    assert_eq!(status(k("Ed25519", 256, None)), Status::Warn);
    let m = key_strength(&k("RSA", 1024, None)).message;
    assert!(m.contains("OpenSSL's default security level"), "{m}");
}

#[test]
fn rsa_key_sizes_are_counted_exactly() {
    for bits in [2047, 2052] {
        let key = PKey::from_rsa(openssl::rsa::Rsa::generate(bits).unwrap()).unwrap();
        let n = issue(
            &name("rsa"),
            None,
            Opts {
                key: Some(key),
                ..ca()
            },
        );
        assert_eq!(n.cert().key_info().bits, bits);
    }
}

#[test]
fn the_path_ends_at_the_stores_root_before_an_expired_cross_certificate() {
    // The chain of pain: the leaf's issuer X is a root of the store, and
    // the chain given still carries X cross-signed by Y, expired.
    let x_key = ec_key();
    let x = issue(
        &name("Root X"),
        None,
        Opts {
            key: Some(x_key.clone()),
            ..ca()
        },
    );
    let y = issue(&name("Root Y"), None, ca());
    let cross = issue(
        &name("Root X"),
        Some(&y),
        Opts {
            key: Some(x_key),
            window: Some((FROM, FROM + 86_400)),
            ..ca()
        },
    );
    let leaf = issue(&name("leaf"), Some(&x), Opts::default());
    let store = store_of(&[&x, &y]);
    let (path, r) = report(&[&leaf, &cross], &store);
    assert_eq!(path.certs.len(), 2);
    assert_eq!(path.certs[1].0.der(), x.cert().der());
    assert_eq!(path.certs[1].1, Origin::RootsFile);
    assert_eq!(failing(&r), vec![]);
    assert!(message(&r, CheckId::NotNeeded).contains("'CN=Root X' is not needed"));
    assert!(openssl_accepts(&leaf, &[&cross], &[&x, &y]));
    // Given the other way round, the same.
    let (path, _) = report(&[&cross, &leaf], &store);
    assert_eq!(path.certs.len(), 2);
    // With the self-signed X given too, the chain itself ends there.
    let (path, r) = report(&[&leaf, &cross, &x], &RootStore::default());
    assert_eq!(path.certs.len(), 2);
    assert_eq!(path.certs[1].1, Origin::Chain);
    assert_eq!(failing(&r), vec![]);
}

#[test]
fn a_valid_path_given_beats_an_expired_root_of_the_store() {
    let x_key = ec_key();
    let x_old = issue(
        &name("Root X"),
        None,
        Opts {
            key: Some(x_key.clone()),
            window: Some((FROM, FROM + 86_400)),
            ..ca()
        },
    );
    let y = issue(&name("Root Y"), None, ca());
    let cross = issue(
        &name("Root X"),
        Some(&y),
        Opts {
            key: Some(x_key),
            ..ca()
        },
    );
    let leaf = issue(&name("leaf"), Some(&x_old), Opts::default());
    let (path, r) = report(&[&leaf, &cross, &y], &store_of(&[&x_old]));
    assert_eq!(path.certs.len(), 3);
    assert!(path.not_needed.is_empty());
    assert_eq!(failing(&r), vec![]);
}

#[test]
fn every_copy_after_the_first_is_a_duplicate_among_few_and_many_certificates() {
    let root = issue(&name("Dup Root"), None, ca());
    let inter = issue(&name("Dup Intermediate"), Some(&root), ca());
    let leaf = issue(&name("dup leaf"), Some(&inter), Opts::default());
    let [r, i, l] = [&root, &inter, &leaf].map(Node::cert);
    // Few and many: the same path, and every copy after the first
    // counted, in input order.
    let few = vec![l.clone(), i.clone(), l.clone(), r.clone(), i.clone()];
    let many: Vec<Cert> = (0..12).map(|n| few[n % few.len()].clone()).collect();
    for (input, copies) in [(&few, 2), (&many, 9)] {
        let chain = crate::x509::chain::order(input);
        let path: Vec<&[u8]> = chain.certs.iter().map(Cert::der).collect();
        assert_eq!(path, [l.der(), i.der(), r.der()], "{}", input.len());
        assert_eq!(chain.duplicates.len(), copies, "{}", input.len());
        let firsts = input.iter().map(Cert::der).collect::<Vec<_>>();
        let mut seen = std::collections::HashSet::new();
        let expected: Vec<&[u8]> = firsts.into_iter().filter(|d| !seen.insert(*d)).collect();
        let dups: Vec<&[u8]> = chain.duplicates.iter().map(Cert::der).collect();
        assert_eq!(dups, expected, "{}", input.len());
        assert!(chain.unrelated.is_empty());
    }
}
