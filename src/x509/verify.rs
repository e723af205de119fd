//! Checks a chain the way TLS stacks will, and says in plain words what is
//! wrong: signatures, validity, CA constraints, key usage, the key and its
//! strength, the order of the chain and whether it reaches a root.
//!
//! Nothing here knows of SAP: which CA SAP trusts for what is judged on top
//! of this report, in `sap::scenario`. Each check is one small function
//! pushing its findings into a list, in the order they are reported (the
//! shape of x509-parser's `validate` module).

use serde::Serialize;
use time::OffsetDateTime;

use crate::check::{Check, CheckId};
use crate::x509::cert::{rfc3339, Cert, KeyInfo, EXPLICIT_CURVE};
use crate::x509::chain::{self, Chain};
use crate::x509::key::PrivateKey;
use crate::x509::roots::{Origin, RootStore};

/// The checks of one certificate of the path.
#[derive(Debug, Serialize)]
pub struct CertReport {
    /// 1 for the leaf.
    pub position: usize,
    /// `leaf`, `intermediate` or `root`.
    pub role: &'static str,
    /// Where the certificate came from.
    pub origin: Origin,
    /// Subject, RFC 4514.
    pub subject_dn: String,
    /// Issuer, RFC 4514.
    pub issuer_dn: String,
    /// SHA-256 of the DER, upper-case hex with colons.
    pub fingerprint_sha256: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// What was found, in order.
    pub checks: Vec<Check>,
}

/// Every check of a path: per certificate and of the chain as a whole.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The time checked at, RFC 3339.
    pub at: String,
    /// The path, leaf first.
    pub certificates: Vec<CertReport>,
    /// Certificates given that belong to no path from the leaf.
    pub unrelated: Vec<String>,
    /// Checks of the chain as a whole.
    pub chain: Vec<Check>,
}

impl Report {
    /// Every check, certificates first, then the chain's.
    pub fn checks(&self) -> impl Iterator<Item = &Check> {
        self.certificates
            .iter()
            .flat_map(|c| &c.checks)
            .chain(&self.chain)
    }
}

/// When and how strictly to check.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The time validity is judged at.
    pub at: OffsetDateTime,
    /// Warn when a certificate expires within this many days.
    pub warn_days: i64,
}

/// A chain completed from the store: the certificates and where each came from.
#[derive(Debug)]
pub struct Path {
    /// The certificates given, ordered.
    pub chain: Chain,
    /// The path, leaf first, completed from the store.
    pub certs: Vec<(Cert, Origin)>,
    /// The issuer DN that could not be found, when the path ends without a root.
    pub missing_issuer: Option<String>,
    /// Certificates of the chain given above the point where the path
    /// ends at a root of the store instead (a cross-certificate, say).
    pub not_needed: Vec<Cert>,
}

impl Path {
    /// The self-signed certificate the path ends in, if it does.
    pub fn root(&self) -> Option<&Cert> {
        self.certs
            .last()
            .map(|(c, _)| c)
            .filter(|c| c.is_self_signed())
    }

    /// The first certificate of the path.
    pub fn leaf(&self) -> Option<&Cert> {
        self.certs.first().map(|(c, _)| c)
    }

    /// How far the path is from validating at `at`: whether it fails to
    /// reach a root, then how many of its certificates are not valid then.
    fn shortfall(&self, at: OffsetDateTime) -> (bool, usize) {
        let invalid = self
            .certs
            .iter()
            .filter(|(c, _)| c.expired_at(at) || c.not_yet_valid_at(at))
            .count();
        (self.root().is_none(), invalid)
    }
}

/// [`build_path_at`], preferring among several paths the one valid now.
pub fn build_path(certs: &[Cert], store: &RootStore) -> Path {
    build_path_at(certs, store, OffsetDateTime::now_utc())
}

/// Orders `certs` and completes the path up to a root: first from
/// certificates given that were on no path (a root given after a gap),
/// then from `store`.
///
/// Trusted first, as OpenSSL builds paths: when the store holds a
/// self-signed certificate that issued a certificate of the chain, the
/// path may end there, and what the chain holds above it is not needed.
/// Of that path and the one the chain given leads to, the one that reaches
/// a root and has fewer certificates invalid at `at` is taken; on a tie,
/// the store's root. A chain that still carries an expired
/// cross-certificate of a root the store holds (AddTrust and USERTrust,
/// DST Root CA X3 and ISRG Root X1) so ends at that root.
pub fn build_path_at(certs: &[Cert], store: &RootStore, at: OffsetDateTime) -> Path {
    let mut chain = chain::order(certs);
    prefer_valid_at(&mut chain, at);
    let given: Vec<(Cert, Origin)> = chain
        .certs
        .iter()
        .cloned()
        .map(|c| (c, Origin::Chain))
        .collect();
    let anchored = trusted_first(&chain, store, at);
    let mut unrelated = chain.unrelated.clone();
    let (certs, missing_issuer) = extend_to_root(given, &mut unrelated, store, at);
    let mut path = Path {
        chain,
        certs,
        missing_issuer,
        not_needed: Vec::new(),
    };
    if let Some(alternative) = anchored {
        if alternative.shortfall(at) <= path.shortfall(at) {
            return alternative;
        }
    }
    path.chain.unrelated = unrelated;
    path
}

/// A renewed CA certificate given beside its predecessor (same name, same
/// key, another validity) can take the place of the other in the chain:
/// the certificate below verifies with either. Where the one the chain
/// holds is not valid at `at` and an unrelated one is, and the
/// certificate above (if any) issued it too, they change places.
fn prefer_valid_at(chain: &mut Chain, at: OffsetDateTime) {
    let valid = |c: &Cert| !c.expired_at(at) && !c.not_yet_valid_at(at);
    for k in 1..chain.certs.len() {
        if valid(&chain.certs[k]) {
            continue;
        }
        let held = &chain.certs[k];
        let above = chain.certs.get(k + 1);
        let found = chain.unrelated.iter().position(|u| {
            valid(u)
                && u.subject_key() == held.subject_key()
                && u.issuer_key() == held.issuer_key()
                && u.spki_der() == held.spki_der()
                && u.is_self_signed() == held.is_self_signed()
                && above.is_none_or(|a| u.is_signed_by(a))
        });
        if let Some(i) = found {
            std::mem::swap(&mut chain.certs[k], &mut chain.unrelated[i]);
        }
    }
}

/// The path that ends at the first root of the store that issued a
/// certificate of the chain, the certificates of the chain above it not
/// needed; `None` when the chain given reaches that root itself, or no
/// root of the store issued any of its certificates.
fn trusted_first(chain: &Chain, store: &RootStore, at: OffsetDateTime) -> Option<Path> {
    for (k, c) in chain.certs.iter().enumerate() {
        if c.is_self_signed() {
            return None;
        }
        let Some((anchor, origin)) = store.anchor_for(c, at) else {
            continue;
        };
        if chain
            .certs
            .get(k + 1)
            .is_some_and(|n| n.der() == anchor.der())
        {
            return None;
        }
        let mut certs: Vec<(Cert, Origin)> = chain.certs[..=k]
            .iter()
            .cloned()
            .map(|c| (c, Origin::Chain))
            .collect();
        certs.push((anchor.clone(), origin.clone()));
        return Some(Path {
            chain: chain.clone(),
            certs,
            missing_issuer: None,
            not_needed: chain.certs[k + 1..].to_vec(),
        });
    }
    None
}

/// Extends `path` up to a root: from `unrelated` (taking what it uses),
/// then from `store`. Returns the path and the issuer not found, if any.
fn extend_to_root(
    mut path: Vec<(Cert, Origin)>,
    unrelated: &mut Vec<Cert>,
    store: &RootStore,
    at: OffsetDateTime,
) -> (Vec<(Cert, Origin)>, Option<String>) {
    for _ in 0..8 {
        let Some((top, _)) = path.last() else { break };
        if top.is_self_signed() {
            break;
        }
        let top = top.clone();
        if let Some(i) = unrelated.iter().position(|u| top.is_signed_by(u)) {
            path.push((unrelated.remove(i), Origin::Chain));
            continue;
        }
        match store.issuer_of(&top, at) {
            Some((c, o)) if !path.iter().any(|(p, _)| p.der() == c.der()) => {
                path.push((c.clone(), o.clone()));
            }
            _ => return (path, Some(top.issuer_dn())),
        }
    }
    (path, None)
}

/// Runs every check of the path. `key` is the private key to match
/// against the leaf.
pub fn verify(path: &Path, key: Option<&PrivateKey>, opts: &Options) -> Report {
    // For each certificate, the CA certificates between it and the leaf
    // that count against a path length: those not self-issued.
    let mut ca_below = Vec::with_capacity(path.certs.len());
    let mut counted = 0;
    for (i, (cert, _)) in path.certs.iter().enumerate() {
        ca_below.push(counted);
        if i > 0 && !cert.is_self_issued() {
            counted += 1;
        }
    }
    let certificates = path
        .certs
        .iter()
        .enumerate()
        .map(|(index, (cert, origin))| {
            cert_report(&Place {
                index,
                cert,
                origin,
                path,
                opts,
                ca_below: ca_below[index],
            })
        })
        .collect();
    let mut chain = Vec::new();
    for check in CHAIN_CHECKS {
        check(path, key, &mut chain);
    }
    Report {
        at: rfc3339(opts.at.replace_nanosecond(0).unwrap_or(opts.at)),
        certificates,
        unrelated: path.chain.unrelated.iter().map(Cert::subject_dn).collect(),
        chain,
    }
}

/// One certificate and its place in the path.
struct Place<'a> {
    /// 0 for the leaf.
    index: usize,
    cert: &'a Cert,
    origin: &'a Origin,
    path: &'a Path,
    opts: &'a Options,
    /// CA certificates between this one and the leaf, self-issued ones
    /// not counted (RFC 5280 6.1.4 (l)).
    ca_below: usize,
}

impl Place<'_> {
    fn is_leaf(&self) -> bool {
        self.index == 0
    }

    /// `leaf`, `intermediate` or `root`; a lone self-signed certificate is a root.
    fn role(&self) -> &'static str {
        let self_signed = self.cert.is_self_signed();
        if self.is_leaf() && !(self_signed && self.path.certs.len() == 1) {
            "leaf"
        } else if self_signed {
            "root"
        } else {
            "intermediate"
        }
    }
}

/// A check of one certificate, pushing what it finds.
type CertCheck = fn(&Place, &mut Vec<Check>);

/// The checks of each certificate, in the order they are reported.
const CERT_CHECKS: [CertCheck; 7] = [
    signature,
    validity,
    basic_constraints,
    key_usage,
    key_strength_of,
    signature_algorithm,
    extensions,
];

fn cert_report(p: &Place) -> CertReport {
    let mut checks = Vec::new();
    for check in CERT_CHECKS {
        check(p, &mut checks);
    }
    CertReport {
        position: p.index + 1,
        role: p.role(),
        origin: p.origin.clone(),
        subject_dn: p.cert.subject_dn(),
        issuer_dn: p.cert.issuer_dn(),
        fingerprint_sha256: p.cert.sha256(),
        not_after: rfc3339(p.cert.not_after()),
        checks,
    }
}

/// `signature`: verified with the next certificate's key, or its own. A top
/// that is not self-signed gets none: the chain check `complete` says what
/// is missing.
fn signature(p: &Place, out: &mut Vec<Check>) {
    if let Some((issuer, _)) = p.path.certs.get(p.index + 1) {
        out.push(Check::ok(
            CheckId::Signature,
            format!(
                "signature verified with the key of '{}'",
                issuer.common_name()
            ),
        ));
    } else if p.cert.is_self_signed() {
        out.push(Check::ok(
            CheckId::Signature,
            "self-signed: signature verified with its own key",
        ));
    }
}

/// `validity`: not yet valid, expired, expiring within the warning days, or
/// fine. As in a TLS handshake, time counts in whole seconds and a
/// certificate has expired from its notAfter second on.
fn validity(p: &Place, out: &mut Vec<Check>) {
    let at = p.opts.at;
    let (nb, na) = (p.cert.not_before(), p.cert.not_after());
    let days = (na - at).whole_days();
    out.push(if p.cert.not_yet_valid_at(at) {
        Check::fail(
            CheckId::Validity,
            format!("not valid yet: valid from {}", rfc3339(nb)),
        )
    } else if p.cert.expired_at(at) {
        Check::fail(
            CheckId::Validity,
            format!("expired on {} ({} days ago)", rfc3339(na), -days),
        )
    } else if days < p.opts.warn_days {
        Check::warn(
            CheckId::Validity,
            format!("expires in {days} days, on {}", rfc3339(na)),
        )
    } else {
        Check::ok(
            CheckId::Validity,
            format!("valid until {} ({days} days left)", na.date()),
        )
    });
}

/// `basic-constraints` and `path-length`: every certificate above the leaf
/// must be a CA within its path length, where self-issued intermediates do
/// not count (RFC 5280 6.1.4 (l)). A leaf that is a CA is odd; one whose
/// basicConstraints and keyUsage contradict each other is refused.
fn basic_constraints(p: &Place, out: &mut Vec<Check>) {
    let bc = p.cert.basic_constraints();
    if p.is_leaf() {
        if bc.is_some_and(|(ca, _)| ca) && p.path.certs.len() > 1 {
            out.push(if p.cert.has_key_cert_sign() == Some(false) {
                Check::fail(
                    CheckId::BasicConstraints,
                    "the leaf says CA:TRUE, yet its key usage does not allow Certificate Sign: the extensions contradict each other (a subscriber certificate has CA:FALSE, CA/Browser Forum Baseline Requirements 7.1.2.7.8)",
                )
            } else {
                Check::warn(CheckId::BasicConstraints, "the leaf is a CA certificate")
            });
        }
        return;
    }
    out.push(match bc {
        Some((true, path_len)) => {
            let below = p.ca_below;
            match path_len {
                Some(n) if (n as usize) < below => Check::fail(
                    CheckId::PathLength,
                    format!("path length limit {n} is exceeded: {below} CA certificates below it"),
                ),
                _ => Check::ok(CheckId::BasicConstraints, "CA:TRUE"),
            }
        }
        _ => Check::fail(
            CheckId::BasicConstraints,
            "not a CA certificate (basicConstraints CA:TRUE missing), yet it signed the certificate below",
        ),
    });
}

/// `key-usage`: Certificate Sign for CAs, Digital Signature for the leaf,
/// and no Certificate Sign for a leaf that is no CA.
fn key_usage(p: &Place, out: &mut Vec<Check>) {
    if p.is_leaf() {
        if p.cert.has_digital_signature() == Some(false) {
            out.push(Check::fail(
                CheckId::KeyUsage,
                "key usage lacks Digital Signature, which TLS authentication with this certificate needs",
            ));
        }
        let ca = p.cert.basic_constraints().is_some_and(|(ca, _)| ca);
        if p.role() == "leaf" && !ca && p.cert.has_key_cert_sign() == Some(true) {
            out.push(Check::fail(
                CheckId::KeyUsage,
                "key usage allows Certificate Sign (keyCertSign), but the certificate is no CA: RFC 5280 4.2.1.9 forbids keyCertSign without CA:TRUE",
            ));
        }
    } else if p.cert.has_key_cert_sign() == Some(false) {
        out.push(Check::fail(
            CheckId::KeyUsage,
            "key usage lacks Certificate Sign (keyCertSign)",
        ));
    }
}

/// `key-strength` of the certificate's public key.
fn key_strength_of(p: &Place, out: &mut Vec<Check>) {
    out.push(key_strength(&p.cert.key_info()));
}

/// `signature-algorithm`: SHA-1 and MD5 signatures are refused (a root's
/// own signature is never checked by anyone, so it does not count).
fn signature_algorithm(p: &Place, out: &mut Vec<Check>) {
    let alg = p.cert.signature_algorithm().to_ascii_lowercase();
    if !p.cert.is_self_signed() && (alg.contains("sha1") || alg.contains("md5")) {
        out.push(Check::fail(
            CheckId::SignatureAlgorithm,
            format!("signed with {alg}, which current TLS stacks refuse"),
        ));
    }
}

/// `critical-extension` and `extensions`: TLS stacks refuse a certificate
/// with a critical extension they do not process, or with an extension
/// given twice or that does not decode (RFC 5280 4.2). Every certificate of
/// the path counts, the root too.
fn extensions(p: &Place, out: &mut Vec<Check>) {
    for name in p.cert.unhandled_critical_extensions() {
        out.push(Check::fail(
            CheckId::CriticalExtension,
            format!("critical extension {name} is one TLS stacks do not process: they refuse the certificate (RFC 5280 4.2)"),
        ));
    }
    for problem in p.cert.extension_problems() {
        out.push(if problem.fatal {
            Check::fail(
                CheckId::Extensions,
                format!("{}: TLS stacks refuse the certificate", problem.message),
            )
        } else {
            Check::warn(
                CheckId::Extensions,
                format!("{}: not critical, so TLS stacks ignore it", problem.message),
            )
        });
    }
}

/// What OpenSSL's default security level accepts, as the handshake judges
/// keys: level 2 (Debian's default, and upstream's since OpenSSL 3.2) wants
/// 112 bits of security, so RSA and DSA of at least 2048 bits and elliptic
/// curves of at least 224 bits. Explicit curve parameters are refused
/// (RFC 5480 allows named curves only), and so is DSA (TLS 1.3 has no DSA
/// signature scheme, RFC 8446). RSA and ECDSA on P-256, P-384 and P-521 are
/// what public CAs issue; other keys OpenSSL accepts get a warning.
pub fn key_strength(k: &KeyInfo) -> Check {
    const LEVEL: &str = "OpenSSL's default security level (2 on Debian and since OpenSSL 3.2)";
    let fail = |m: String| Check::fail(CheckId::KeyStrength, m);
    match (k.algorithm.as_str(), k.curve.as_deref()) {
        ("RSA", _) if k.bits < 2048 => fail(format!(
            "RSA key of {} bits: {LEVEL} needs at least 2048, so TLS stacks refuse it",
            k.bits
        )),
        ("DSA", _) if k.bits < 2048 => fail(format!(
            "DSA key of {} bits: {LEVEL} needs at least 2048, so TLS stacks refuse it",
            k.bits
        )),
        ("DSA", _) => fail(format!(
            "DSA key of {} bits: TLS 1.3 has no DSA signature scheme (RFC 8446), and public CAs may not issue DSA keys",
            k.bits
        )),
        ("EC", Some(EXPLICIT_CURVE)) => fail(
            "EC key with explicit curve parameters instead of a named curve: RFC 5480 forbids them, and OpenSSL refuses the certificate".to_string(),
        ),
        ("EC", _) if k.bits < 224 => fail(format!(
            "key {} ({} bits): {LEVEL} needs curves of at least 224 bits, so TLS stacks refuse it",
            k.describe(),
            k.bits
        )),
        ("RSA", _) | ("EC", Some("P-256" | "P-384" | "P-521")) => {
            Check::ok(CheckId::KeyStrength, format!("key {}", k.describe()))
        }
        ("EC" | "Ed25519" | "Ed448", _) => Check::warn(
            CheckId::KeyStrength,
            format!(
                "key {}: strong enough for {LEVEL}, but public CAs issue RSA and EC P-256, P-384 and P-521 keys only, and not every TLS stack accepts others",
                k.describe()
            ),
        ),
        _ => Check::warn(
            CheckId::KeyStrength,
            format!(
                "key {}: an algorithm btpcert cannot judge; TLS stacks may refuse it",
                k.describe()
            ),
        ),
    }
}

/// A check of the chain as a whole, pushing what it finds.
type ChainCheck = fn(&Path, Option<&PrivateKey>, &mut Vec<Check>);

/// The checks of the chain, in the order they are reported.
const CHAIN_CHECKS: [ChainCheck; 6] = [
    order, duplicates, unrelated, not_needed, complete, key_match,
];

/// `order`: clients must send the leaf first.
fn order(path: &Path, _: Option<&PrivateKey>, out: &mut Vec<Check>) {
    let ch = &path.chain;
    if ch.reordered {
        out.push(Check::warn(
            CheckId::Order,
            "the certificates were not given leaf first; clients must send the leaf first, then its issuers",
        ));
    } else if ch.certs.len() > 1 {
        out.push(Check::ok(CheckId::Order, "given leaf first"));
    }
}

/// `duplicate`: each certificate given more than once, with how often.
fn duplicates(path: &Path, _: Option<&PrivateKey>, out: &mut Vec<Check>) {
    let mut copies: Vec<(&Cert, usize)> = Vec::new();
    for d in &path.chain.duplicates {
        match copies.iter_mut().find(|(c, _)| c.der() == d.der()) {
            Some((_, n)) => *n += 1,
            None => copies.push((d, 1)),
        }
    }
    for (d, extra) in copies {
        let times = match extra {
            1 => "twice".to_string(),
            n => format!("{} times", n + 1),
        };
        out.push(Check::warn(
            CheckId::Duplicate,
            format!("'{}' is given {times}", d.common_name()),
        ));
    }
}

/// `unrelated`: each certificate given on no path from the leaf.
fn unrelated(path: &Path, _: Option<&PrivateKey>, out: &mut Vec<Check>) {
    for u in &path.chain.unrelated {
        out.push(Check::warn(
            CheckId::Unrelated,
            format!("'{}' belongs to no path from the leaf", u.subject_dn()),
        ));
    }
}

/// `not-needed`: each certificate given above the root of the store the
/// path ends at.
fn not_needed(path: &Path, _: Option<&PrivateKey>, out: &mut Vec<Check>) {
    let Some((root, origin)) = path.certs.last() else {
        return;
    };
    for c in &path.not_needed {
        out.push(Check::warn(
            CheckId::NotNeeded,
            format!(
                "'{}' is not needed: the path ends at the root '{}' {} before it, as TLS stacks build it",
                c.subject_dn(),
                root.common_name(),
                whence(origin)
            ),
        ));
    }
}

/// Where a certificate of the path came from, in words.
fn whence(origin: &Origin) -> &'static str {
    origin.whence().unwrap_or("in the chain given")
}

/// `complete`: the root the path ends in, or the issuer that is missing
/// (and whether a certificate of that name was given whose signature does
/// not verify).
fn complete(path: &Path, _: Option<&PrivateKey>, out: &mut Vec<Check>) {
    match (&path.missing_issuer, path.root()) {
        (_, Some(root)) => {
            let origin = &path.certs.last().expect("path has a root").1;
            out.push(Check::ok(
                CheckId::Complete,
                format!(
                    "ends in the root '{}' ({})",
                    root.common_name(),
                    whence(origin)
                ),
            ));
        }
        (Some(issuer), None) => {
            let top = &path.certs.last().expect("path is never empty").0;
            // A certificate with the right name (the top itself, when it
            // names itself) whose key verifies the signature, but that the
            // authority key identifier rules out; or one whose key does not.
            let named: Vec<&Cert> = std::iter::once(top)
                .filter(|t| t.is_self_issued())
                .chain(path.chain.unrelated.iter().filter(|u| u.der() != top.der()))
                .filter(|u| u.subject_key() == top.issuer_key())
                .collect();
            let ruled_out = named
                .iter()
                .find(|u| top.authority_key_id_names_another(u) && top.signature_verifies_with(u));
            let msg = match ruled_out {
                Some(u) if u.der() == top.der() => format!(
                    "incomplete: '{}' is signed with its own key, but its authority key identifier names another issuer, so TLS stacks do not take it as a root; that issuer '{issuer}' was not found",
                    top.common_name()
                ),
                Some(u) => format!(
                    "incomplete: '{}' was signed with the key of '{}', but its authority key identifier names another issuer, so TLS stacks do not take that certificate as its issuer; the issuer '{issuer}' named was not found",
                    top.common_name(),
                    u.common_name()
                ),
                None if named.iter().any(|u| u.der() != top.der()) => format!(
                    "incomplete: '{}' names '{issuer}' as issuer, and a certificate of that name was given, but the signature does not verify with its key (wrong or replaced certificate)",
                    top.common_name()
                ),
                None => format!(
                    "incomplete: issuer '{issuer}' of '{}' not found; add it to the input or give it with --roots",
                    top.common_name()
                ),
            };
            out.push(Check::fail(CheckId::Complete, msg));
        }
        (None, None) => {}
    }
}

/// `key-match`: whether the private key given belongs to the leaf.
fn key_match(path: &Path, key: Option<&PrivateKey>, out: &mut Vec<Check>) {
    let (Some(k), Some(leaf)) = (key, path.leaf()) else {
        return;
    };
    out.push(match k.matches(leaf) {
        Some(true) => Check::ok(CheckId::KeyMatch, "the private key belongs to the leaf"),
        Some(false) => Check::fail(
            CheckId::KeyMatch,
            format!(
                "the private key does not belong to the leaf '{}'",
                leaf.common_name()
            ),
        ),
        None => Check::warn(
            CheckId::KeyMatch,
            "the private key is encrypted: not matched against the leaf",
        ),
    });
}
