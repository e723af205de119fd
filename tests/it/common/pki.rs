//! Certificate hierarchies generated with the openssl crate. Validity
//! windows are fixed dates, so tests that pin `--at` never expire.

use std::sync::OnceLock;

use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509Builder, X509NameBuilder, X509};

/// 2020-01-01T00:00:00Z
pub const Y2020: i64 = 1_577_836_800;
/// 2120-01-01T00:00:00Z
pub const Y2120: i64 = 4_733_510_400;
pub const DAY: i64 = 86_400;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Alg {
    Rsa2048,
    EcP256,
    Ed25519,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Eku {
    ClientAuth,
    ServerAuth,
    None,
}

#[derive(Clone, Debug)]
pub struct Spec {
    /// Subject as (field, value) pairs, e.g. [("C","DE"),("CN","x")].
    pub subject: Vec<(&'static str, String)>,
    pub ca: bool,
    pub path_len: Option<u32>,
    pub eku: Eku,
    pub not_before: i64,
    pub not_after: i64,
    pub alg: Alg,
    pub san_dns: Vec<String>,
    pub key_usage: bool,
    /// An Authority Information Access caIssuers URL, if any.
    pub aia: Option<String>,
}

impl Spec {
    pub fn ca(cn: &str) -> Spec {
        Spec {
            subject: vec![
                ("C", "DE".into()),
                ("O", "btpcert tests".into()),
                ("CN", cn.into()),
            ],
            ca: true,
            path_len: None,
            eku: Eku::None,
            not_before: Y2020,
            not_after: Y2120,
            alg: Alg::Rsa2048,
            san_dns: Vec::new(),
            key_usage: true,
            aia: None,
        }
    }

    pub fn client(cn: &str) -> Spec {
        Spec {
            ca: false,
            eku: Eku::ClientAuth,
            ..Spec::ca(cn)
        }
    }

    pub fn server(host: &str) -> Spec {
        Spec {
            ca: false,
            eku: Eku::ServerAuth,
            san_dns: vec![host.to_string()],
            ..Spec::ca(host)
        }
    }
}

#[derive(Clone)]
pub struct Node {
    pub cert: X509,
    pub key: PKey<Private>,
}

fn new_key(alg: Alg) -> PKey<Private> {
    match alg {
        Alg::Rsa2048 => PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap(),
        Alg::EcP256 => {
            let g = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
            PKey::from_ec_key(EcKey::generate(&g).unwrap()).unwrap()
        }
        Alg::Ed25519 => PKey::generate_ed25519().unwrap(),
    }
}

/// Issues a certificate for `spec`, signed by `issuer` (self-signed when None).
pub fn issue(spec: &Spec, issuer: Option<&Node>) -> Node {
    issue_with_key(spec, issuer, new_key(spec.alg))
}

pub fn issue_with_key(spec: &Spec, issuer: Option<&Node>, key: PKey<Private>) -> Node {
    let mut name = X509NameBuilder::new().unwrap();
    for (f, v) in &spec.subject {
        name.append_entry_by_text(f, v).unwrap();
    }
    let name = name.build();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    let mut serial = BigNum::new().unwrap();
    serial
        .rand(64, openssl::bn::MsbOption::MAYBE_ZERO, false)
        .unwrap();
    b.set_serial_number(&Asn1Integer::from_bn(&serial).unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    match issuer {
        Some(i) => b.set_issuer_name(i.cert.subject_name()).unwrap(),
        None => b.set_issuer_name(&name).unwrap(),
    }
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::from_unix(spec.not_before).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::from_unix(spec.not_after).unwrap())
        .unwrap();
    let mut bc = BasicConstraints::new();
    bc.critical();
    if spec.ca {
        bc.ca();
        if let Some(p) = spec.path_len {
            bc.pathlen(p);
        }
    }
    b.append_extension(bc.build().unwrap()).unwrap();
    if spec.key_usage {
        let mut ku = KeyUsage::new();
        ku.critical();
        if spec.ca {
            ku.key_cert_sign().crl_sign();
        } else {
            ku.digital_signature();
            if spec.alg == Alg::Rsa2048 {
                ku.key_encipherment();
            }
        }
        b.append_extension(ku.build().unwrap()).unwrap();
    }
    match spec.eku {
        Eku::ClientAuth => b
            .append_extension(ExtendedKeyUsage::new().client_auth().build().unwrap())
            .unwrap(),
        Eku::ServerAuth => b
            .append_extension(ExtendedKeyUsage::new().server_auth().build().unwrap())
            .unwrap(),
        Eku::None => {}
    }
    if !spec.san_dns.is_empty() {
        let mut san = SubjectAlternativeName::new();
        for d in &spec.san_dns {
            if d.parse::<std::net::IpAddr>().is_ok() {
                san.ip(d);
            } else {
                san.dns(d);
            }
        }
        let ext = san
            .build(&b.x509v3_context(issuer.map(|i| i.cert.as_ref()), None))
            .unwrap();
        b.append_extension(ext).unwrap();
    }
    if let Some(url) = &spec.aia {
        #[allow(deprecated)] // X509Extension::new_nid is the one way to write AIA
        let ext = openssl::x509::X509Extension::new_nid(
            None,
            Some(&b.x509v3_context(issuer.map(|i| i.cert.as_ref()), None)),
            openssl::nid::Nid::INFO_ACCESS,
            &format!("caIssuers;URI:{url}"),
        )
        .unwrap();
        b.append_extension(ext).unwrap();
    }
    let ski = SubjectKeyIdentifier::new()
        .build(&b.x509v3_context(issuer.map(|i| i.cert.as_ref()), None))
        .unwrap();
    b.append_extension(ski).unwrap();
    if let Some(i) = issuer {
        let aki = AuthorityKeyIdentifier::new()
            .keyid(true)
            .build(&b.x509v3_context(Some(&i.cert), None))
            .unwrap();
        b.append_extension(aki).unwrap();
    }
    let signer = issuer.map(|i| &i.key).unwrap_or(&key);
    let md = if signer.id() == openssl::pkey::Id::ED25519 {
        MessageDigest::null()
    } else {
        MessageDigest::sha256()
    };
    b.sign(signer, md).unwrap();
    Node {
        cert: b.build(),
        key,
    }
}

impl Node {
    pub fn cert_pem(&self) -> String {
        String::from_utf8(self.cert.to_pem().unwrap()).unwrap()
    }

    pub fn cert_der(&self) -> Vec<u8> {
        self.cert.to_der().unwrap()
    }

    /// PKCS#1 for RSA (`BEGIN RSA PRIVATE KEY`, as SAP writes it), SEC1 for EC.
    pub fn key_traditional_pem(&self) -> String {
        let pem = match (self.key.rsa(), self.key.ec_key()) {
            (Ok(rsa), _) => rsa.private_key_to_pem().unwrap(),
            (_, Ok(ec)) => ec.private_key_to_pem().unwrap(),
            _ => self.key.private_key_to_pem_pkcs8().unwrap(),
        };
        String::from_utf8(pem).unwrap()
    }

    pub fn key_pkcs8_pem(&self) -> String {
        String::from_utf8(self.key.private_key_to_pem_pkcs8().unwrap()).unwrap()
    }

    pub fn key_encrypted_pem(&self, pass: &str) -> String {
        let pem = self
            .key
            .private_key_to_pem_pkcs8_passphrase(
                openssl::symm::Cipher::aes_256_cbc(),
                pass.as_bytes(),
            )
            .unwrap();
        String::from_utf8(pem).unwrap()
    }

    pub fn sha256(&self) -> String {
        self.cert
            .digest(MessageDigest::sha256())
            .unwrap()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":")
    }
}

/// Root -> intermediate -> client leaf, RSA 2048, as SAP issues them.
pub struct Hierarchy {
    pub root: Node,
    pub inter: Node,
    pub leaf: Node,
}

impl Hierarchy {
    pub fn new(alg: Alg) -> Hierarchy {
        let root = issue(
            &Spec {
                alg,
                ..Spec::ca("Test Root CA")
            },
            None,
        );
        let inter = issue(
            &Spec {
                alg,
                path_len: Some(0),
                ..Spec::ca("Test Client CA")
            },
            Some(&root),
        );
        let leaf = issue(
            &Spec {
                alg,
                ..Spec::client("sb-test!b1|it-rt-test!b2")
            },
            Some(&inter),
        );
        Hierarchy { root, inter, leaf }
    }

    /// Leaf first, root last, every block ending in a newline (as SAP does).
    pub fn chain_pem(&self) -> String {
        pems(&[&self.leaf, &self.inter, &self.root])
    }

    pub fn chain_der(&self) -> Vec<Vec<u8>> {
        vec![
            self.leaf.cert_der(),
            self.inter.cert_der(),
            self.root.cert_der(),
        ]
    }
}

/// One RSA hierarchy shared by the tests that do not need their own.
pub fn sap() -> &'static Hierarchy {
    static H: OnceLock<Hierarchy> = OnceLock::new();
    H.get_or_init(|| Hierarchy::new(Alg::Rsa2048))
}

pub const TOKEN_URL: &str = "https://sub.authentication.cert.eu10.hana.ondemand.com/oauth/token";
pub const RUNTIME_URL: &str = "https://sub.it-cpi018-rt.cfapps.eu10-002.hana.ondemand.com";
pub const CLIENT_ID: &str = "sb-1b2c3d4e-0000-4000-8000-000000000001!b1234|it-rt-sub!b196";

/// The `oauth` object of a SAP-generated certificate key.
pub fn oauth_certificate(chain_pem: &str, key_pem: &str) -> serde_json::Value {
    // certificatedetails as SAP writes them: the leaf's serial number in hex.
    let serial = X509::from_pem(chain_pem.as_bytes())
        .ok()
        .and_then(|c| c.serial_number().to_bn().ok())
        .and_then(|b| {
            b.to_hex_str()
                .ok()
                .map(|h| format!("0x{}", h.to_lowercase()))
        })
        .unwrap_or_else(|| "0x1".into());
    serde_json::json!({
        "clientid": CLIENT_ID,
        "certificate": chain_pem,
        "key": key_pem,
        "certificatedetails": {
            "issuerdn": "CN=Test Client CA,O=btpcert tests,C=DE",
            "subjectdn": "CN=sb-test!b1|it-rt-test!b2,O=btpcert tests,C=DE",
            "serialnumber": serial,
            "validuntil": "2120-01-01T00:00:00Z"
        },
        "url": RUNTIME_URL,
        "tokenurl": TOKEN_URL,
        "createdate": "2026-05-04T09:12:43.815Z"
    })
}

/// Cockpit form: `{"oauth": {...}}`, pretty printed.
pub fn cockpit_key(h: &Hierarchy) -> String {
    let v = serde_json::json!({ "oauth": oauth_certificate(&h.chain_pem(), &h.leaf.key_traditional_pem()) });
    serde_json::to_string_pretty(&v).unwrap()
}

/// Key pairs of a chosen size, for weak-key tests.
pub struct PKeyPair;

impl PKeyPair {
    pub fn rsa(bits: u32) -> PKey<Private> {
        PKey::from_rsa(Rsa::generate(bits).unwrap()).unwrap()
    }
}

/// The certificates of `nodes` as one PEM bundle, in the order given.
pub fn pems(nodes: &[&Node]) -> String {
    nodes.iter().map(|n| n.cert_pem()).collect()
}
