//! Java-readable PKCS#12 truststores, through OpenSSL's own PKCS#12
//! functions: the only unsafe code in btpcert.
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
//! Reading goes the other way for what `PKCS12_parse` drops: the attribute
//! of each certificate bag ([`trusted_usages`]), and whether a password
//! that fails the integrity check still opens the file's encrypted parts
//! ([`password_opens_contents`]).
#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, c_uchar, c_void, CString};
use std::ptr;

use foreign_types::ForeignType;
use openssl::pkcs12::Pkcs12;
use openssl_sys as ffi;

use crate::error::{openssl_reason, Error, Result};
use crate::keystore::profile::{Profile, ITERATIONS};
use crate::secret::Secret;
use crate::x509::cert::Cert;

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
    fn PKCS12_SAFEBAG_get1_cert(bag: *const PKCS12_SAFEBAG) -> *mut ffi::X509;
    fn PKCS12_SAFEBAG_get0_attrs(bag: *const PKCS12_SAFEBAG) -> *const Stack;
    fn PKCS12_verify_mac(p12: *mut ffi::PKCS12, pass: *const c_char, passlen: c_int) -> c_int;
    fn PKCS12_decrypt_skey(
        bag: *const PKCS12_SAFEBAG,
        pass: *const c_char,
        passlen: c_int,
    ) -> *mut c_void;
    fn PKCS8_PRIV_KEY_INFO_free(p8: *mut c_void);
}

/// `NID_certBag`.
const NID_CERT_BAG: c_int = 152;
/// `NID_pkcs8ShroudedKeyBag`.
const NID_SHROUDED_KEY_BAG: c_int = 151;

unsafe extern "C" fn free_bag(p: *mut c_void) {
    // SAFETY: the stack holds only PKCS12_SAFEBAG pointers made by PKCS12_add_cert.
    unsafe { PKCS12_SAFEBAG_free(p) }
}

unsafe extern "C" fn free_pkcs7(p: *mut c_void) {
    // SAFETY: the stack holds only PKCS7 pointers made by PKCS12_add_safe.
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

/// The usages (OIDs) in Oracle's trusted-key-usage attribute of each
/// certificate bag that has one, by the certificate's DER. The file was
/// opened with `password` before (its MAC checked): an empty password is
/// tried as both encodings PKCS#12 allows. Best effort: a bag that cannot be
/// decoded here is left out, never an error.
pub fn trusted_usages(der: &[u8], password: &Secret) -> Vec<(Vec<u8>, Vec<String>)> {
    let Ok(p12) = Pkcs12::from_der(der) else {
        return Vec::new();
    };
    let Ok(pass) = CString::new(password.expose()) else {
        return Vec::new();
    };
    // An empty password: no bytes at all (NULL), or a lone NUL character ("").
    let empty_as_null = password.is_empty()
        // SAFETY: p12 is valid; a NULL password of length 0 is allowed.
        && unsafe { PKCS12_verify_mac(p12.as_ptr(), ptr::null(), 0) } == 1;
    let password = if empty_as_null {
        (ptr::null(), 0)
    } else {
        (pass.as_ptr(), -1)
    };
    let mut out = Vec::new();
    for (_, bags) in safes_bags(&p12, &[password]) {
        for bag in bags_of(&bags) {
            // SAFETY: bag is a valid PKCS12_SAFEBAG.
            if unsafe { PKCS12_SAFEBAG_get_nid(bag) } != NID_CERT_BAG {
                continue;
            }
            // SAFETY: bag is valid; the attributes stay owned by the bag.
            let usages = unsafe { bag_usages(PKCS12_SAFEBAG_get0_attrs(bag)) };
            let Some(usages) = usages else { continue };
            // SAFETY: bag is a certificate bag; the X509 returned is ours and
            // moves into the openssl crate's type, which frees it.
            let x = unsafe { PKCS12_SAFEBAG_get1_cert(bag) };
            if x.is_null() {
                continue;
            }
            // SAFETY: x is a valid X509 owned from here on by `x509`.
            let x509 = unsafe { openssl::x509::X509::from_ptr(x) };
            if let Ok(der) = x509.to_der() {
                out.push((der, usages));
            }
        }
    }
    // Leave no error of a failed attempt behind for later OpenSSL calls.
    openssl::error::ErrorStack::get();
    out
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
            || bags_of(bags).any(|bag| {
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

/// A password as OpenSSL's PKCS#12 functions take it: NUL-terminated with
/// length -1, or NULL with length 0.
type Password = (*const c_char, c_int);

/// The safe bags of each safe of `p12`, in order, and whether the safe was
/// encrypted: an encrypted safe is opened with the first of `tries` that
/// decrypts it into safe bags, and left out when none does.
fn safes_bags(p12: &Pkcs12, tries: &[Password]) -> Vec<(bool, OwnedStack)> {
    // SAFETY: p12 is valid; the stack returned is ours and freed by the guard.
    let safes = OwnedStack {
        ptr: unsafe { PKCS12_unpack_authsafes(p12.as_ptr()) },
        free: free_pkcs7,
    };
    let mut out = Vec::new();
    if safes.ptr.is_null() {
        return out;
    }
    // SAFETY: safes is a valid stack.
    let n = unsafe { ffi::OPENSSL_sk_num(safes.ptr) };
    for i in 0..n {
        // SAFETY: i is within the stack; the PKCS7 stays owned by `safes`.
        let p7 = unsafe { ffi::OPENSSL_sk_value(safes.ptr, i) }.cast::<ffi::PKCS7>();
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

/// Each bag of a stack of safe bags, owned by the stack.
fn bags_of(bags: &OwnedStack) -> impl Iterator<Item = *mut c_void> + '_ {
    // SAFETY: bags is a valid stack of safe bags.
    let m = unsafe { ffi::OPENSSL_sk_num(bags.ptr) };
    // SAFETY: j is within the stack; the bag stays owned by `bags`.
    (0..m).map(move |j| unsafe { ffi::OPENSSL_sk_value(bags.ptr, j) })
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
