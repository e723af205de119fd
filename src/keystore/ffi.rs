//! Java-readable PKCS#12 truststores, through OpenSSL's own PKCS#12
//! functions (unsafe code, as in `sap::tls_ffi`, `x509::pbe` and the CA
//! bundle's PEM reading in `input::roots` only).
//!
//! Java reads a certificate bag without a key as a `trustedCertEntry` only
//! when the bag carries Oracle's trusted-key-usage attribute
//! (2.16.840.1.113894.746875.1.1) with the value anyExtendedKeyUsage
//! (2.5.29.37.0); otherwise `keytool -list` shows an empty store. The openssl
//! crate's `Pkcs12Builder` cannot add bag attributes, and OpenSSL 3.0 has no
//! `-jdktrust` yet, so this module builds the safe contents by hand:
//! `PKCS12_add_cert`, `PKCS12_add_friendlyname_asc`,
//! `PKCS12_add1_attr_by_txt`, `PKCS12_add_safe`, `PKCS12_add_safes`,
//! `PKCS12_set_mac`. Every pointer is owned by one guard and freed once.
//!
//! Reading goes the other way: [`open_file`] opens a file as OpenSSL's
//! `PKCS12_parse` does, but counts the key derivations it asks for, DER or
//! BER ([`outer_iterations`], then the keys inside the encrypted safes),
//! before any is made, makes each once, reads the attribute of each
//! certificate bag, and takes certificates from their bags as encoded;
//! [`password_opens_contents`] tells whether a password that fails the
//! integrity check still opens the file's encrypted parts.
#![allow(unsafe_code)]

#[cfg(test)]
use std::ffi::CStr;
use std::ffi::{c_char, c_int, c_uchar, c_void, CString};
use std::ptr;

use foreign_types::ForeignType;
use openssl::pkcs12::Pkcs12;
use openssl_sys as ffi;

use crate::error::{openssl_reason, Error, Result};
use crate::keystore::profile::{Profile, ITERATIONS};
use crate::secret::Secret;
use crate::x509::cert::Cert;
use crate::x509::pbe;

/// Oracle's trusted key usage attribute, and the usage it grants.
const ORACLE_TRUSTED_KEY_USAGE: &str = "2.16.840.1.113894.746875.1.1";
const ANY_EXTENDED_KEY_USAGE: &str = "2.5.29.37.0";
const V_ASN1_OBJECT: c_int = 6;

#[allow(non_camel_case_types)]
type PKCS12_SAFEBAG = c_void;
#[allow(non_camel_case_types)]
type Stack = ffi::OPENSSL_STACK;

extern "C" {
    fn PKCS12_add_cert(pbags: *mut *mut Stack, cert: *mut ffi::X509) -> *mut PKCS12_SAFEBAG;
    fn PKCS12_add_friendlyname_asc(
        bag: *mut PKCS12_SAFEBAG,
        name: *const c_char,
        namelen: c_int,
    ) -> c_int;
    fn PKCS12_add1_attr_by_txt(
        bag: *mut PKCS12_SAFEBAG,
        attrname: *const c_char,
        attrtype: c_int,
        bytes: *const c_uchar,
        len: c_int,
    ) -> c_int;
    fn PKCS12_add_safe(
        psafes: *mut *mut Stack,
        bags: *mut Stack,
        safe_nid: c_int,
        iter: c_int,
        pass: *const c_char,
    ) -> c_int;
    fn PKCS12_add_safes(safes: *mut Stack, p7_nid: c_int) -> *mut ffi::PKCS12;
    fn PKCS12_set_mac(
        p12: *mut ffi::PKCS12,
        pass: *const c_char,
        passlen: c_int,
        salt: *mut c_uchar,
        saltlen: c_int,
        iter: c_int,
        md_type: *const ffi::EVP_MD,
    ) -> c_int;
    fn PKCS12_SAFEBAG_free(bag: *mut PKCS12_SAFEBAG);
    fn PKCS12_unpack_authsafes(p12: *const ffi::PKCS12) -> *mut Stack;
    fn PKCS12_unpack_p7data(p7: *mut ffi::PKCS7) -> *mut Stack;
    fn PKCS12_unpack_p7encdata(
        p7: *mut ffi::PKCS7,
        pass: *const c_char,
        passlen: c_int,
    ) -> *mut Stack;
    fn PKCS12_SAFEBAG_get_nid(bag: *const PKCS12_SAFEBAG) -> c_int;
    fn PKCS12_SAFEBAG_get0_attrs(bag: *const PKCS12_SAFEBAG) -> *const Stack;
    fn PKCS12_decrypt_skey(
        bag: *const PKCS12_SAFEBAG,
        pass: *const c_char,
        passlen: c_int,
    ) -> *mut c_void;
    fn PKCS8_PRIV_KEY_INFO_free(p8: *mut c_void);
    fn PKCS12_get0_mac(
        pmac: *mut *const ffi::ASN1_OCTET_STRING,
        pmacalg: *mut *const ffi::X509_ALGOR,
        psalt: *mut *const ffi::ASN1_OCTET_STRING,
        piter: *mut *const ffi::ASN1_INTEGER,
        p12: *const ffi::PKCS12,
    );
    fn i2d_PKCS12_SAFEBAG(a: *const PKCS12_SAFEBAG, out: *mut *mut c_uchar) -> c_int;
    fn PKCS12_SAFEBAG_get0_pkcs8(bag: *const PKCS12_SAFEBAG) -> *const c_void;
    fn PKCS12_SAFEBAG_get0_p8inf(bag: *const PKCS12_SAFEBAG) -> *const ffi::PKCS8_PRIV_KEY_INFO;
    fn PKCS12_SAFEBAG_get_bag_nid(bag: *const PKCS12_SAFEBAG) -> c_int;
    fn PKCS12_SAFEBAG_get0_attr(
        bag: *const PKCS12_SAFEBAG,
        attr_nid: c_int,
    ) -> *const ffi::ASN1_TYPE;
    fn PKCS12_mac_present(p12: *const ffi::PKCS12) -> c_int;
    fn PKCS12_verify_mac(p12: *mut ffi::PKCS12, pass: *const c_char, passlen: c_int) -> c_int;
    fn PKCS12_SAFEBAG_get0_safes(bag: *const PKCS12_SAFEBAG) -> *const Stack;
}

/// `NID_certBag`.
const NID_CERT_BAG: c_int = 152;
/// `NID_pkcs8ShroudedKeyBag`.
const NID_SHROUDED_KEY_BAG: c_int = 151;
/// `NID_safeContentsBag`.
const NID_SAFE_CONTENTS_BAG: c_int = 155;
/// `NID_keyBag`.
const NID_KEY_BAG: c_int = 150;
/// `NID_x509Certificate`, a certificate bag's type.
const NID_X509_CERTIFICATE: c_int = 158;
/// `NID_friendlyName`.
const NID_FRIENDLY_NAME: c_int = 156;

unsafe extern "C" fn free_bag(p: *mut c_void) {
    // SAFETY: the stack holds only PKCS12_SAFEBAG pointers, its own.
    unsafe { PKCS12_SAFEBAG_free(p) }
}

unsafe extern "C" fn free_pkcs7(p: *mut c_void) {
    // SAFETY: the stack holds only PKCS7 pointers, its own.
    unsafe { ffi::PKCS7_free(p.cast()) }
}

/// Owns a stack and frees it, with its elements, on drop.
struct OwnedStack {
    ptr: *mut Stack,
    free: unsafe extern "C" fn(*mut c_void),
}

impl Drop for OwnedStack {
    fn drop(&mut self) {
        if !self.ptr.is_null() {
            // SAFETY: ptr is a stack created by OpenSSL and owned only here;
            // `free` matches the type of its elements.
            unsafe { ffi::OPENSSL_sk_pop_free(self.ptr, Some(self.free)) }
        }
    }
}

/// Owns an ASN1_OBJECT.
struct OwnedObject(*mut ffi::ASN1_OBJECT);

impl Drop for OwnedObject {
    fn drop(&mut self) {
        // SAFETY: made by OBJ_txt2obj, owned only here.
        unsafe { ffi::ASN1_OBJECT_free(self.0) }
    }
}

fn failed(what: &str) -> Error {
    let stack = openssl::error::ErrorStack::get();
    Error::input(format!(
        "cannot build the truststore: {what} ({})",
        openssl_reason(&stack)
    ))
}

/// A truststore with one `trustedCertEntry` per certificate, under the given aliases.
pub fn build_truststore(
    entries: &[(String, Cert)],
    profile: Profile,
    password: &Secret,
) -> Result<Vec<u8>> {
    let pass = CString::new(password.expose())
        .map_err(|_| Error::input("the password must not contain a NUL character"))?;
    let attr_name = CString::new(ORACLE_TRUSTED_KEY_USAGE).expect("no NUL");
    let any_eku = CString::new(ANY_EXTENDED_KEY_USAGE).expect("no NUL");
    // SAFETY: OBJ_txt2obj reads a NUL-terminated string; the result is owned by the guard.
    let usage = OwnedObject(unsafe { ffi::OBJ_txt2obj(any_eku.as_ptr(), 1) });
    if usage.0.is_null() {
        return Err(failed("anyExtendedKeyUsage OID"));
    }

    let mut bags = OwnedStack {
        ptr: ptr::null_mut(),
        free: free_bag,
    };
    for (alias, cert) in entries {
        let name = CString::new(alias.as_str())
            .map_err(|_| Error::input(format!("alias '{alias}' contains a NUL character")))?;
        let x509 = cert.x509()?;
        // SAFETY: PKCS12_add_cert creates the stack on first use, pushes a new
        // bag that it owns, and takes its own reference to the X509 (it does
        // not take ours). The returned bag stays valid while the stack lives.
        let bag = unsafe { PKCS12_add_cert(&mut bags.ptr, x509.as_ptr()) };
        if bag.is_null() {
            return Err(failed("certificate bag"));
        }
        // SAFETY: bag is valid (see above); name is NUL-terminated, -1 = use strlen.
        if unsafe { PKCS12_add_friendlyname_asc(bag, name.as_ptr(), -1) } != 1 {
            return Err(failed("friendly name"));
        }
        // SAFETY: with type V_ASN1_OBJECT and len -1, OpenSSL reads `bytes` as
        // an ASN1_OBJECT pointer and stores a copy (X509_ATTRIBUTE_set1_data ->
        // ASN1_TYPE_set1 -> OBJ_dup); `usage` outlives the call.
        let ok = unsafe {
            PKCS12_add1_attr_by_txt(
                bag,
                attr_name.as_ptr(),
                V_ASN1_OBJECT,
                usage.0 as *const c_uchar,
                -1,
            )
        };
        if ok != 1 {
            return Err(failed("trusted key usage attribute"));
        }
    }
    if bags.ptr.is_null() {
        return Err(Error::input("no certificate for the truststore"));
    }

    let mut safes = OwnedStack {
        ptr: ptr::null_mut(),
        free: free_pkcs7,
    };
    let pbe = profile.pbe().as_raw();
    // SAFETY: bags is a valid stack of bags; PKCS12_add_safe copies them into a
    // new (encrypted) PKCS7 pushed onto `safes`, created on first use.
    if unsafe {
        PKCS12_add_safe(
            &mut safes.ptr,
            bags.ptr,
            pbe,
            ITERATIONS as c_int,
            pass.as_ptr(),
        )
    } != 1
    {
        return Err(failed("encrypted certificate safe"));
    }
    // SAFETY: safes is a valid stack of PKCS7; the new PKCS12 holds its own
    // encoding of them, so `safes` is still ours to free.
    let p12 = unsafe { PKCS12_add_safes(safes.ptr, -1) };
    if p12.is_null() {
        return Err(failed("authenticated safe"));
    }
    // SAFETY: p12 is a valid, newly allocated PKCS12 whose ownership moves
    // into the openssl crate's type, which frees it.
    let p12 = unsafe { Pkcs12::from_ptr(p12) };
    let len = c_int::try_from(password.as_bytes().len())
        .map_err(|_| Error::input("password too long"))?;
    // SAFETY: p12 is valid; pass is NUL-terminated with `len` bytes before the
    // NUL; NULL salt asks OpenSSL for a random one; the digest is a static.
    let ok = unsafe {
        PKCS12_set_mac(
            p12.as_ptr(),
            pass.as_ptr(),
            len,
            ptr::null_mut(),
            0,
            ITERATIONS as c_int,
            profile.mac().as_ptr(),
        )
    };
    if ok != 1 {
        return Err(failed("integrity MAC"));
    }
    p12.to_der().map_err(|e| {
        Error::input(format!(
            "cannot encode the truststore ({})",
            openssl_reason(&e)
        ))
    })
}

/// The dotted form of an object identifier.
///
/// # Safety
/// `obj` is a valid ASN1_OBJECT.
unsafe fn oid_text(obj: *const ffi::ASN1_OBJECT) -> Option<String> {
    let mut buf = [0u8; 128];
    // SAFETY: buf is writable for its length; no_name = 1 gives dotted digits.
    let n = unsafe { ffi::OBJ_obj2txt(buf.as_mut_ptr().cast(), buf.len() as c_int, obj, 1) };
    let n = usize::try_from(n)
        .ok()
        .filter(|&n| n > 0 && n < buf.len())?;
    Some(String::from_utf8_lossy(&buf[..n]).into_owned())
}

/// Whether `password` decrypts an encrypted part of the PKCS#12 file `der`
/// (a safe of certificates, or a private key) into what it should hold,
/// whatever its integrity check says: when that check fails, this tells a
/// file changed after it was written from a wrong password. An empty
/// password is tried as both encodings PKCS#12 allows. False for a file
/// with nothing encrypted.
pub fn password_opens_contents(der: &[u8], password: &Secret) -> bool {
    let Ok(p12) = Pkcs12::from_der(der) else {
        return false;
    };
    let Ok(pass) = CString::new(password.expose()) else {
        return false;
    };
    let mut tries = vec![(pass.as_ptr(), -1)];
    if password.is_empty() {
        tries.push((ptr::null(), 0));
    }
    let opened = safes_bags(&p12, &tries).iter().any(|(encrypted, bags)| {
        *encrypted
            || elements(bags).any(|bag| {
                // SAFETY: bag is a valid PKCS12_SAFEBAG.
                let nid = unsafe { PKCS12_SAFEBAG_get_nid(bag) };
                nid == NID_SHROUDED_KEY_BAG
                    && tries.iter().any(|&(pass_ptr, pass_len)| {
                        // SAFETY: bag is a shrouded key bag; the key info
                        // returned (NULL unless it decrypts and decodes) is
                        // ours and freed at once.
                        let p8 = unsafe { PKCS12_decrypt_skey(bag, pass_ptr, pass_len) };
                        if p8.is_null() {
                            return false;
                        }
                        // SAFETY: p8 was returned to us above.
                        unsafe { PKCS8_PRIV_KEY_INFO_free(p8) };
                        true
                    })
            })
    });
    // Leave no error of a failed attempt behind for later OpenSSL calls.
    openssl::error::ErrorStack::get();
    opened
}

/// How deep safe-contents bags may nest inside each other before a file is
/// refused as unreadable (OpenSSL's decoder stops at 30 levels of any kind).
const MAX_NESTING: usize = 8;

/// The MAC's algorithm (dotted OID) and iterations of the PKCS#12 file
/// `der`, as OpenSSL reads it: `Some(None)` for a file without a MAC,
/// `None` where OpenSSL cannot read it as PKCS#12.
pub fn mac(der: &[u8]) -> Option<Option<(String, u64)>> {
    mac_of(&Pkcs12::from_der(der).ok()?)
}

/// [`mac`] of a parsed file.
fn mac_of(p12: &Pkcs12) -> Option<Option<(String, u64)>> {
    let (mut alg, mut iter) = (ptr::null(), ptr::null());
    // SAFETY: p12 is valid; the pointers set stay owned by p12 (or NULL).
    unsafe {
        PKCS12_get0_mac(
            ptr::null_mut(),
            &mut alg,
            ptr::null_mut(),
            &mut iter,
            p12.as_ptr(),
        )
    };
    if alg.is_null() {
        return Some(None);
    }
    let mut obj = ptr::null();
    // SAFETY: alg is a valid X509_ALGOR owned by p12; obj stays owned by it.
    unsafe { ffi::X509_ALGOR_get0(&mut obj, ptr::null_mut(), ptr::null_mut(), alg) };
    // SAFETY: obj is NULL or a valid ASN1_OBJECT.
    let oid = (!obj.is_null())
        .then(|| unsafe { oid_text(obj) })
        .flatten()?;
    // SAFETY: iter is NULL (the count left out: 1) or a valid ASN1_INTEGER.
    let count = unsafe { pbe::count(iter) };
    // A count too long to read leaves an error behind.
    openssl::error::ErrorStack::get();
    Some(Some((oid, count)))
}

/// The key-derivation iterations the PKCS#12 file `der` asks for before
/// any of it is decrypted, as OpenSSL reads the file (DER or BER alike):
/// its MAC, each encrypted safe, and each shrouded key of the plain safes
/// (in safe-contents bags too); the MAC's alone where it is beyond
/// [`pbe::MAX_ITERATIONS`]. `None` where a part cannot be read: a file
/// btpcert cannot count is one it does not open.
pub fn outer_iterations(der: &[u8]) -> Option<u64> {
    let p12 = Pkcs12::from_der(der).ok()?;
    let mut total = mac_of(&p12)?.map_or(0, |(_, n)| n);
    if total > pbe::MAX_ITERATIONS {
        // Refused whatever the rest asks for.
        return Some(total);
    }
    let safes = authsafes(&p12);
    let counted = (|| {
        if safes.ptr.is_null() {
            return None;
        }
        for p7 in elements(&safes) {
            let p7 = p7.cast::<ffi::PKCS7>();
            // SAFETY: p7 is a valid PKCS7 owned by `safes`.
            let n = match unsafe { safe_type(p7) } {
                // SAFETY: the type says the union holds `encrypted`.
                ffi::NID_pkcs7_encrypted => unsafe { encrypted_safe_iterations(p7) }?,
                ffi::NID_pkcs7_data => {
                    // SAFETY: p7 is a valid plain safe; NULL unless its bags
                    // decode; the bags returned are copies, ours.
                    let bags = OwnedStack {
                        ptr: unsafe { PKCS12_unpack_p7data(p7) },
                        free: free_bag,
                    };
                    if bags.ptr.is_null() {
                        return None;
                    }
                    // SAFETY: bags is a valid stack of safe bags.
                    unsafe { bag_iterations(bags.ptr, 0) }?
                }
                // Passed over, as PKCS12_parse passes over other safes.
                _ => 0,
            };
            total = total.saturating_add(n);
        }
        Some(total)
    })();
    openssl::error::ErrorStack::get();
    counted
}

/// The iterations of an encrypted safe's own encryption.
///
/// # Safety
/// `p7` is a valid PKCS7 of type encrypted-data.
unsafe fn encrypted_safe_iterations(p7: *const ffi::PKCS7) -> Option<u64> {
    // SAFETY: the caller checked the type, so `encrypted` is the union's field.
    let enc = unsafe { (*p7).d.encrypted };
    // SAFETY: enc is NULL or a valid PKCS7_ENCRYPT owned by p7.
    let content = (!enc.is_null()).then(|| unsafe { (*enc).enc_data })?;
    // SAFETY: content is NULL or a valid PKCS7_ENC_CONTENT owned by p7.
    let alg = (!content.is_null()).then(|| unsafe { (*content).algorithm })?;
    // SAFETY: alg is NULL or a valid X509_ALGOR owned by p7.
    (!alg.is_null())
        .then(|| unsafe { pbe::algorithm_iterations(alg) })
        .flatten()
}

/// The iterations of the shrouded keys among `bags`, and among the bags
/// of their safe-contents bags, as OpenSSL's PKCS12_parse walks them.
///
/// # Safety
/// `bags` is a valid stack of safe bags.
unsafe fn bag_iterations(bags: *const Stack, depth: usize) -> Option<u64> {
    if depth > MAX_NESTING {
        return None;
    }
    let mut total = 0u64;
    // SAFETY: bags is a valid stack of safe bags.
    for bag in unsafe { items(bags) } {
        // SAFETY: bag is a valid PKCS12_SAFEBAG.
        let more = match unsafe { PKCS12_SAFEBAG_get_nid(bag) } {
            NID_SHROUDED_KEY_BAG => {
                // SAFETY: a shrouded key bag holds an X509_SIG it owns.
                let sig = unsafe { PKCS12_SAFEBAG_get0_pkcs8(bag) };
                // SAFETY: sig is NULL or a valid X509_SIG.
                (!sig.is_null())
                    .then(|| unsafe { pbe::shrouded_iterations(sig) })
                    .flatten()?
            }
            NID_SAFE_CONTENTS_BAG => {
                // SAFETY: a safe-contents bag holds a stack of bags it owns.
                let inner = unsafe { PKCS12_SAFEBAG_get0_safes(bag) };
                if inner.is_null() {
                    return None;
                }
                // SAFETY: inner is a valid stack of safe bags.
                unsafe { bag_iterations(inner, depth + 1) }?
            }
            _ => 0,
        };
        total = total.saturating_add(more);
    }
    Some(total)
}

/// Why a PKCS#12 file did not open.
#[derive(Debug)]
pub enum OpenFailure {
    /// Its integrity check fails with the password.
    Mac,
    /// With the keys inside its encrypted safes, it asks for this many
    /// key-derivation iterations, more than [`pbe::MAX_ITERATIONS`].
    TooMany(u64),
    /// The count of a key inside an encrypted safe cannot be read.
    Uncountable,
    /// OpenSSL cannot decrypt or decode a part: its reason.
    Unreadable(String),
}

/// What a PKCS#12 file holds.
#[derive(Debug, Default)]
pub struct Contents {
    /// The first private key, as `PKCS12_parse` takes it.
    pub key: Option<openssl::pkey::PKey<openssl::pkey::Private>>,
    /// Every certificate with its friendly name, in file order.
    pub certs: Vec<(Option<String>, Cert)>,
    /// The usages (OIDs) in Oracle's trusted-key-usage attribute of each
    /// certificate bag that has one, by the certificate's DER.
    pub trusted_usages: Vec<(Vec<u8>, Vec<String>)>,
}

/// Opens the PKCS#12 file `der` with `password` as OpenSSL 3.0's
/// `PKCS12_parse` does (its MAC check, an empty password as NULL or "",
/// the bags it reads, the first key), deriving each key once: the
/// encrypted safes are decrypted once, and the keys they hold are counted
/// with `outer` (what [`outer_iterations`] found) before any is decrypted.
/// Certificates are taken from their bags as encoded, never decoded by
/// OpenSSL.
pub fn open_file(
    der: &[u8],
    password: &Secret,
    outer: u64,
) -> std::result::Result<Contents, OpenFailure> {
    let reason = || {
        let stack = openssl::error::ErrorStack::get();
        OpenFailure::Unreadable(openssl_reason(&stack))
    };
    let p12 = Pkcs12::from_der(der).map_err(|e| OpenFailure::Unreadable(openssl_reason(&e)))?;
    let pass = CString::new(password.expose())
        .map_err(|_| OpenFailure::Unreadable("a NUL character in the password".into()))?;
    // SAFETY (the MAC checks below): p12 is valid; each password is
    // NUL-terminated, or NULL with length 0.
    let verifies =
        |p: *const c_char, len: c_int| unsafe { PKCS12_verify_mac(p12.as_ptr(), p, len) == 1 };
    let pw: Password = if password.is_empty() {
        // SAFETY: p12 is valid.
        if unsafe { PKCS12_mac_present(p12.as_ptr()) } == 0 || verifies(ptr::null(), 0) {
            (ptr::null(), 0)
        } else if verifies(c"".as_ptr(), 0) {
            (c"".as_ptr(), -1)
        } else {
            openssl::error::ErrorStack::get();
            return Err(OpenFailure::Mac);
        }
    } else if verifies(pass.as_ptr(), -1) {
        (pass.as_ptr(), -1)
    } else {
        openssl::error::ErrorStack::get();
        return Err(OpenFailure::Mac);
    };
    openssl::error::ErrorStack::get();
    let safes = authsafes(&p12);
    if safes.ptr.is_null() {
        return Err(reason());
    }
    let mut all_bags = Vec::new();
    let mut inner = 0u64;
    for p7 in elements(&safes) {
        let p7 = p7.cast::<ffi::PKCS7>();
        // SAFETY: p7 is a valid PKCS7 owned by `safes`.
        let (encrypted, bags) = match unsafe { safe_type(p7) } {
            // SAFETY: p7 is valid and plain; the bags returned are ours.
            ffi::NID_pkcs7_data => (false, unsafe { PKCS12_unpack_p7data(p7) }),
            // SAFETY: p7 is valid and encrypted; the password as checked.
            ffi::NID_pkcs7_encrypted => (true, unsafe { PKCS12_unpack_p7encdata(p7, pw.0, pw.1) }),
            _ => continue,
        };
        let bags = OwnedStack {
            ptr: bags,
            free: free_bag,
        };
        if bags.ptr.is_null() {
            return Err(reason());
        }
        if encrypted {
            // SAFETY: bags is a valid stack of safe bags.
            let Some(n) = (unsafe { bag_iterations(bags.ptr, 0) }) else {
                openssl::error::ErrorStack::get();
                return Err(OpenFailure::Uncountable);
            };
            inner = inner.saturating_add(n);
        }
        all_bags.push(bags);
    }
    let total = outer.saturating_add(inner);
    if total > pbe::MAX_ITERATIONS {
        openssl::error::ErrorStack::get();
        return Err(OpenFailure::TooMany(total));
    }
    let mut out = Contents::default();
    for bags in &all_bags {
        // SAFETY: bags is a valid stack of safe bags; pw as checked.
        unsafe { read_bags(bags.ptr, pw, 0, &mut out) }.map_err(|why| {
            openssl::error::ErrorStack::get();
            OpenFailure::Unreadable(why)
        })?;
    }
    openssl::error::ErrorStack::get();
    Ok(out)
}

/// Reads the keys and certificates of `bags` into `out`, as OpenSSL's
/// `parse_bags` does: the first key only, certificates of type
/// x509Certificate, safe-contents bags opened.
///
/// # Safety
/// `bags` is a valid stack of safe bags; `pw` a password as OpenSSL's
/// PKCS#12 functions take it.
unsafe fn read_bags(
    bags: *const Stack,
    pw: Password,
    depth: usize,
    out: &mut Contents,
) -> std::result::Result<(), String> {
    let openssl_says = || openssl_reason(&openssl::error::ErrorStack::get());
    if depth > MAX_NESTING {
        return Err(format!(
            "safe-contents bags nested more than {MAX_NESTING} deep"
        ));
    }
    // SAFETY: bags is a valid stack of safe bags.
    for bag in unsafe { items(bags) } {
        // SAFETY: bag is a valid PKCS12_SAFEBAG.
        match unsafe { PKCS12_SAFEBAG_get_nid(bag) } {
            NID_KEY_BAG if out.key.is_none() => {
                // SAFETY: a key bag holds a PKCS8_PRIV_KEY_INFO it owns.
                let p8 = unsafe { PKCS12_SAFEBAG_get0_p8inf(bag) };
                // SAFETY: p8 is NULL or valid; the key returned is ours.
                let key = (!p8.is_null()).then(|| unsafe { ffi::EVP_PKCS82PKEY(p8) });
                match key {
                    // SAFETY: k is a valid EVP_PKEY owned from here on by the PKey.
                    Some(k) if !k.is_null() => {
                        out.key = Some(unsafe { openssl::pkey::PKey::from_ptr(k) })
                    }
                    _ => return Err(openssl_says()),
                }
            }
            NID_SHROUDED_KEY_BAG if out.key.is_none() => {
                // SAFETY: bag is a shrouded key bag; the key info returned
                // (NULL unless it decrypts) is ours and freed below.
                let p8 = unsafe { PKCS12_decrypt_skey(bag, pw.0, pw.1) };
                if p8.is_null() {
                    return Err(openssl_says());
                }
                // SAFETY: p8 is a valid PKCS8_PRIV_KEY_INFO; the key is ours.
                let k = unsafe { ffi::EVP_PKCS82PKEY(p8.cast()) };
                // SAFETY: p8 was returned to us above.
                unsafe { PKCS8_PRIV_KEY_INFO_free(p8) };
                if k.is_null() {
                    return Err(openssl_says());
                }
                // SAFETY: k is a valid EVP_PKEY owned from here on by the PKey.
                out.key = Some(unsafe { openssl::pkey::PKey::from_ptr(k) });
            }
            // SAFETY: bag is a valid certificate bag.
            NID_CERT_BAG if unsafe { PKCS12_SAFEBAG_get_bag_nid(bag) } == NID_X509_CERTIFICATE => {
                // SAFETY: bag is valid.
                let der = unsafe { der_of(|o| i2d_PKCS12_SAFEBAG(bag, o)) };
                let raw = der
                    .as_deref()
                    .and_then(cert_of_bag)
                    .ok_or("a certificate bag that cannot be read")?;
                let cert = cert_from_bag(raw)?;
                // SAFETY: bag is valid.
                let alias = unsafe { friendly_name(bag) }?;
                // SAFETY: bag is valid; the attributes stay owned by the bag.
                if let Some(usages) = unsafe { bag_usages(PKCS12_SAFEBAG_get0_attrs(bag)) } {
                    out.trusted_usages.push((cert.der().to_vec(), usages));
                }
                out.certs.push((alias, cert));
            }
            NID_SAFE_CONTENTS_BAG => {
                // SAFETY: a safe-contents bag holds a stack of bags it owns.
                let inner = unsafe { PKCS12_SAFEBAG_get0_safes(bag) };
                if inner.is_null() {
                    return Err("a safe-contents bag that cannot be read".into());
                }
                // SAFETY: inner is a valid stack of safe bags.
                unsafe { read_bags(inner, pw, depth + 1, out) }?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// A certificate as a bag holds it; one in BER (indefinite lengths), which
/// OpenSSL decodes, as OpenSSL encodes it again.
fn cert_from_bag(raw: &[u8]) -> std::result::Result<Cert, String> {
    Cert::from_der(raw).or_else(|e| {
        let x = openssl::x509::X509::from_der(raw).map_err(|_| e.to_string())?;
        let der = x.to_der().map_err(|o| openssl_reason(&o))?;
        Cert::from_der(&der).map_err(|e| e.to_string())
    })
}

/// A bag's friendly name in UTF-8, as `PKCS12_parse` gives it to the
/// certificate (`ASN1_STRING_to_UTF8` of the attribute's string, whole).
/// A name that is not a BMPString (RFC 7292) is refused, as OpenSSL 3.0
/// refuses the file.
///
/// # Safety
/// `bag` is a valid PKCS12_SAFEBAG.
unsafe fn friendly_name(bag: *const PKCS12_SAFEBAG) -> std::result::Result<Option<String>, String> {
    const V_ASN1_BMPSTRING: c_int = 30;
    // SAFETY: bag is valid; the attribute stays owned by it.
    let t = unsafe { PKCS12_SAFEBAG_get0_attr(bag, NID_FRIENDLY_NAME) };
    if t.is_null() {
        return Ok(None);
    }
    // SAFETY: t is a valid ASN1_TYPE.
    if unsafe { (*t).type_ } != V_ASN1_BMPSTRING {
        return Err("a friendly name that is not a BMPString".into());
    }
    // SAFETY: t holds a BMPString.
    let s = unsafe { (*t).value.asn1_string };
    if s.is_null() {
        return Ok(None);
    }
    let mut data = ptr::null_mut();
    // SAFETY: s is a valid ASN1_STRING; data is allocated for us.
    let len = unsafe { ffi::ASN1_STRING_to_UTF8(&mut data, s) };
    let _free = Freed(data.cast());
    let Ok(len) = usize::try_from(len) else {
        return Ok(None);
    };
    // SAFETY: data holds len bytes.
    let bytes = unsafe { std::slice::from_raw_parts(data, len) };
    Ok(Some(String::from_utf8_lossy(bytes).into_owned()))
}

/// Frees a block OpenSSL allocated for us.
struct Freed(*mut c_void);

impl Drop for Freed {
    fn drop(&mut self) {
        // SAFETY: the pointer is NULL or was allocated by OpenSSL for us.
        unsafe { ffi::CRYPTO_free(self.0, c"ffi.rs".as_ptr(), 0) }
    }
}

/// The iterations of the shrouded keys inside the encrypted safes of the
/// PKCS#12 file `der` that `password` opens (an empty one tried as both
/// encodings PKCS#12 allows): known only once they are decrypted. Costs
/// the key derivation of each encrypted safe, so only for a file whose
/// [`outer_iterations`] are within bounds. `None` where one of them
/// cannot be read.
pub fn inner_iterations(der: &[u8], password: &Secret) -> Option<u64> {
    let p12 = Pkcs12::from_der(der).ok()?;
    let pass = CString::new(password.expose()).ok()?;
    let mut tries = vec![(pass.as_ptr(), -1)];
    if password.is_empty() {
        tries.push((ptr::null(), 0));
    }
    let mut total = Some(0u64);
    for (encrypted, bags) in safes_bags(&p12, &tries) {
        if encrypted {
            // SAFETY: bags is a valid stack of safe bags.
            let n = unsafe { bag_iterations(bags.ptr, 0) };
            total = total.zip(n).map(|(a, b)| a.saturating_add(b));
        }
    }
    // Leave no error of a failed attempt behind for later OpenSSL calls.
    openssl::error::ErrorStack::get();
    total
}

/// The certificate of a certificate bag (DER): `SafeBag ::= SEQUENCE {
/// certBag, [0] CertBag ::= SEQUENCE { x509Certificate, [0] OCTET STRING
/// } , ... }` (RFC 7292).
fn cert_of_bag(der: &[u8]) -> Option<&[u8]> {
    use crate::x509::der::{oid, Reader};
    let mut bag = Reader::new(der).read(0x30)?;
    if bag.read(0x06)?.rest() != oid::PKCS12_CERT_BAG {
        return None;
    }
    let mut cert_bag = bag.read(0xa0)?.read(0x30)?;
    if cert_bag.read(0x06)?.rest() != oid::PKCS9_X509_CERTIFICATE {
        return None;
    }
    Some(cert_bag.read(0xa0)?.read(0x04)?.rest())
}

/// The DER an OpenSSL `i2d_` function writes, asked for its length first.
///
/// # Safety
/// `i2d` is an `i2d_` function applied to a valid object.
unsafe fn der_of(i2d: impl Fn(*mut *mut c_uchar) -> c_int) -> Option<Vec<u8>> {
    let len = usize::try_from(i2d(ptr::null_mut()))
        .ok()
        .filter(|&n| n > 0)?;
    let mut buf = vec![0u8; len];
    let mut at = buf.as_mut_ptr();
    // `at` moves on by what is written; `buf` has room for all of it.
    let written = usize::try_from(i2d(&mut at)).ok()?;
    (written == len).then_some(buf)
}

/// Each element of an owned stack.
fn elements(stack: &OwnedStack) -> impl Iterator<Item = *mut c_void> + '_ {
    // SAFETY: the guard holds a valid stack, or NULL (no element).
    unsafe { items(stack.ptr) }
}

/// Each element of a stack, which stays owned by it.
///
/// # Safety
/// `stack` is NULL or a valid stack that outlives the iterator.
unsafe fn items(stack: *const Stack) -> impl Iterator<Item = *mut c_void> {
    // SAFETY: stack is NULL (-1: no element) or valid.
    let n = unsafe { ffi::OPENSSL_sk_num(stack) };
    // SAFETY: i is within the stack; the element stays owned by it.
    (0..n).map(move |i| unsafe { ffi::OPENSSL_sk_value(stack, i) })
}

/// The safes (PKCS7 content infos) of `p12`'s authenticated safe, owned; a
/// NULL stack where they cannot be read.
fn authsafes(p12: &Pkcs12) -> OwnedStack {
    OwnedStack {
        // SAFETY: p12 is valid; the stack returned is ours, freed by the guard.
        ptr: unsafe { PKCS12_unpack_authsafes(p12.as_ptr()) },
        free: free_pkcs7,
    }
}

/// A safe's content type (`NID_pkcs7_data`, `NID_pkcs7_encrypted`, ...).
///
/// # Safety
/// `p7` is a valid PKCS7.
unsafe fn safe_type(p7: *const ffi::PKCS7) -> c_int {
    // SAFETY: p7 is valid; its type is set by the decoder.
    unsafe { ffi::OBJ_obj2nid((*p7).type_) }
}

/// A password as OpenSSL's PKCS#12 functions take it: NUL-terminated with
/// length -1, or NULL with length 0.
type Password = (*const c_char, c_int);

/// The safe bags of each safe of `p12`, in order, and whether the safe was
/// encrypted: an encrypted safe is opened with the first of `tries` that
/// decrypts it into safe bags, and left out when none does.
fn safes_bags(p12: &Pkcs12, tries: &[Password]) -> Vec<(bool, OwnedStack)> {
    let safes = authsafes(p12);
    let mut out = Vec::new();
    if safes.ptr.is_null() {
        return out;
    }
    for p7 in elements(&safes) {
        let p7 = p7.cast::<ffi::PKCS7>();
        // SAFETY: p7 is valid; each call checks the content type and returns
        // NULL when it is not its own; the bags returned are copies, ours.
        let plain = OwnedStack {
            ptr: unsafe { PKCS12_unpack_p7data(p7) },
            free: free_bag,
        };
        if !plain.ptr.is_null() {
            out.push((false, plain));
            continue;
        }
        for &(pass_ptr, pass_len) in tries {
            // SAFETY: as above; the password is NUL-terminated (-1) or NULL with 0.
            let bags = OwnedStack {
                ptr: unsafe { PKCS12_unpack_p7encdata(p7, pass_ptr, pass_len) },
                free: free_bag,
            };
            if !bags.ptr.is_null() {
                out.push((true, bags));
                break;
            }
        }
    }
    out
}

/// The values of Oracle's trusted-key-usage attribute among `attrs`.
///
/// # Safety
/// `attrs` is NULL or a valid stack of X509_ATTRIBUTE.
unsafe fn bag_usages(attrs: *const Stack) -> Option<Vec<String>> {
    if attrs.is_null() {
        return None;
    }
    // SAFETY: attrs is a valid stack.
    let n = unsafe { ffi::OPENSSL_sk_num(attrs) };
    for i in 0..n {
        // SAFETY: i is within the stack; the attribute stays owned by it.
        let attr = unsafe { ffi::OPENSSL_sk_value(attrs, i) }.cast::<ffi::X509_ATTRIBUTE>();
        // SAFETY: attr is valid; the object stays owned by it.
        let oid = unsafe { oid_text(ffi::X509_ATTRIBUTE_get0_object(attr)) };
        if oid.as_deref() != Some(ORACLE_TRUSTED_KEY_USAGE) {
            continue;
        }
        let mut usages = Vec::new();
        // SAFETY: attr is valid.
        let count = unsafe { ffi::X509_ATTRIBUTE_count(attr) };
        for k in 0..count {
            // SAFETY: k is within the values; with type V_ASN1_OBJECT the
            // value is an ASN1_OBJECT owned by the attribute (NULL otherwise).
            let obj =
                unsafe { ffi::X509_ATTRIBUTE_get0_data(attr, k, V_ASN1_OBJECT, ptr::null_mut()) };
            if !obj.is_null() {
                // SAFETY: obj is a valid ASN1_OBJECT (see above).
                usages.extend(unsafe { oid_text(obj.cast()) });
            }
        }
        return Some(usages);
    }
    None
}

/// Files for the tests of the PKCS#12 reading.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// A PKCS#12 file with the sample key and leaf in one encrypted safe
    /// (2,048 iterations), the key shrouded with `key_iter` iterations of
    /// its own, and a MAC of 2,048: the layout Windows and some Java
    /// versions write, where the key's count shows only once the safe is
    /// decrypted.
    pub(crate) fn key_in_encrypted_safe(key_iter: c_int, pass: &CStr) -> Vec<u8> {
        extern "C" {
            fn PKCS12_add_key(
                pbags: *mut *mut Stack,
                key: *mut ffi::EVP_PKEY,
                key_usage: c_int,
                iter: c_int,
                key_nid: c_int,
                pass: *const c_char,
            ) -> *mut PKCS12_SAFEBAG;
        }
        let (key, chain) = crate::keystore::sample_identity();
        let mut bags = OwnedStack {
            ptr: ptr::null_mut(),
            free: free_bag,
        };
        let mut safes = OwnedStack {
            ptr: ptr::null_mut(),
            free: free_pkcs7,
        };
        let pkey = key.pkey().unwrap();
        let x509 = chain[0].x509().unwrap();
        let aes = Profile::Modern.pbe().as_raw();
        // SAFETY: as in build_truststore; PKCS12_add_key takes its own copy
        // of the key, and shrouds it with PBES2 (AES-256-CBC).
        unsafe {
            assert!(!PKCS12_add_key(
                &mut bags.ptr,
                pkey.as_ptr(),
                0,
                key_iter,
                aes,
                pass.as_ptr()
            )
            .is_null());
            assert!(!PKCS12_add_cert(&mut bags.ptr, x509.as_ptr()).is_null());
            assert_eq!(
                PKCS12_add_safe(&mut safes.ptr, bags.ptr, aes, 2048, pass.as_ptr()),
                1
            );
            let p12 = PKCS12_add_safes(safes.ptr, 0);
            assert!(!p12.is_null());
            let p12 = Pkcs12::from_ptr(p12);
            let md = openssl::hash::MessageDigest::sha256();
            assert_eq!(
                PKCS12_set_mac(
                    p12.as_ptr(),
                    pass.as_ptr(),
                    -1,
                    ptr::null_mut(),
                    0,
                    2048,
                    md.as_ptr()
                ),
                1
            );
            p12.to_der().unwrap()
        }
    }
}
