//! Password-based encryption parameters: how many key-derivation
//! iterations an encrypted key or keystore asks for, read before OpenSSL is
//! asked to derive anything.
//!
//! The parameters are read by OpenSSL's own decoders (`d2i_PBEPARAM`,
//! `d2i_PBE2PARAM`, `d2i_PBKDF2PARAM`), from the same objects it derives
//! keys from: whatever encoding OpenSSL accepts (DER, or BER with
//! indefinite lengths), the count read is the count it would use.
#![allow(unsafe_code)]

use std::ffi::{c_int, c_long, c_uchar};
use std::ptr;

use openssl_sys as ffi;

/// The key-derivation iterations one file may ask for in all before btpcert
/// refuses to open it: a few seconds of work. OpenSSL and Java write 2,048
/// to 10,000 a derivation, and a PKCS#12 file has three (the MAC, the
/// certificates, the key); .NET refuses more than 600,000 in all. Without a
/// limit, a file of a few hundred bytes asking for 2^31 iterations keeps a
/// reader busy for hours.
pub const MAX_ITERATIONS: u64 = 5_000_000;

/// `V_ASN1_SEQUENCE`: the type of an AlgorithmIdentifier's parameters here.
const V_ASN1_SEQUENCE: c_int = 16;

#[repr(C)]
struct PbeParam {
    salt: *mut ffi::ASN1_OCTET_STRING,
    iter: *mut ffi::ASN1_INTEGER,
}

#[repr(C)]
struct Pbe2Param {
    keyfunc: *mut ffi::X509_ALGOR,
    encryption: *mut ffi::X509_ALGOR,
}

#[repr(C)]
struct Pbkdf2Param {
    salt: *mut ffi::ASN1_TYPE,
    iter: *mut ffi::ASN1_INTEGER,
    keylength: *mut ffi::ASN1_INTEGER,
    prf: *mut ffi::X509_ALGOR,
}

#[repr(C)]
struct ScryptParams {
    salt: *mut ffi::ASN1_OCTET_STRING,
    cost: *mut ffi::ASN1_INTEGER,
    block_size: *mut ffi::ASN1_INTEGER,
    parallelization: *mut ffi::ASN1_INTEGER,
    key_length: *mut ffi::ASN1_INTEGER,
}

/// `NID_id_scrypt`.
const NID_ID_SCRYPT: c_int = 973;

#[allow(non_camel_case_types)]
enum X509_SIG {}

extern "C" {
    fn d2i_PBEPARAM(a: *mut *mut PbeParam, pp: *mut *const c_uchar, len: c_long) -> *mut PbeParam;
    fn PBEPARAM_free(a: *mut PbeParam);
    fn d2i_PBE2PARAM(
        a: *mut *mut Pbe2Param,
        pp: *mut *const c_uchar,
        len: c_long,
    ) -> *mut Pbe2Param;
    fn PBE2PARAM_free(a: *mut Pbe2Param);
    fn d2i_PBKDF2PARAM(
        a: *mut *mut Pbkdf2Param,
        pp: *mut *const c_uchar,
        len: c_long,
    ) -> *mut Pbkdf2Param;
    fn PBKDF2PARAM_free(a: *mut Pbkdf2Param);
    fn d2i_SCRYPT_PARAMS(
        a: *mut *mut ScryptParams,
        pp: *mut *const c_uchar,
        len: c_long,
    ) -> *mut ScryptParams;
    fn SCRYPT_PARAMS_free(a: *mut ScryptParams);
    fn d2i_X509_SIG(a: *mut *mut X509_SIG, pp: *mut *const c_uchar, len: c_long) -> *mut X509_SIG;
    fn X509_SIG_free(a: *mut X509_SIG);
    fn X509_SIG_get0(
        sig: *const X509_SIG,
        palg: *mut *const ffi::X509_ALGOR,
        pdigest: *mut *const ffi::ASN1_OCTET_STRING,
    );
    fn ASN1_INTEGER_get_int64(pr: *mut i64, a: *const ffi::ASN1_INTEGER) -> c_int;
}

/// An ASN1_INTEGER as a count: an absent one is 1 (`iterations INTEGER
/// DEFAULT 1`), a negative or unreadable one the most there is.
///
/// # Safety
/// `n` is NULL or a valid ASN1_INTEGER.
pub(crate) unsafe fn count(n: *const ffi::ASN1_INTEGER) -> u64 {
    if n.is_null() {
        return 1;
    }
    let mut v = 0i64;
    // SAFETY: n is a valid ASN1_INTEGER.
    match unsafe { ASN1_INTEGER_get_int64(&mut v, n) } {
        1 => u64::try_from(v).unwrap_or(u64::MAX),
        _ => u64::MAX,
    }
}

/// Owns what a `d2i_` function returned and frees it with `free`.
struct Owned<T> {
    ptr: *mut T,
    free: unsafe extern "C" fn(*mut T),
}

impl<T> Drop for Owned<T> {
    fn drop(&mut self) {
        if !self.ptr.is_null() {
            // SAFETY: ptr was made by the d2i function `free` belongs to,
            // and is owned only here.
            unsafe { (self.free)(self.ptr) }
        }
    }
}

/// Decodes the parameters of `alg` (a SEQUENCE) with `d2i`.
///
/// # Safety
/// `alg` is a valid X509_ALGOR; `d2i` and `free` are the functions of one
/// OpenSSL type.
unsafe fn params<T>(
    alg: *const ffi::X509_ALGOR,
    d2i: unsafe extern "C" fn(*mut *mut T, *mut *const c_uchar, c_long) -> *mut T,
    free: unsafe extern "C" fn(*mut T),
) -> Option<Owned<T>> {
    let (mut ptype, mut pval) = (0, ptr::null());
    // SAFETY: alg is valid; pval stays owned by it.
    unsafe { ffi::X509_ALGOR_get0(ptr::null_mut(), &mut ptype, &mut pval, alg) };
    if ptype != V_ASN1_SEQUENCE || pval.is_null() {
        return None;
    }
    let seq = pval.cast::<ffi::ASN1_STRING>();
    // SAFETY: a SEQUENCE parameter is an ASN1_STRING holding its encoding.
    let (mut p, len) = unsafe {
        (
            ffi::ASN1_STRING_get0_data(seq),
            ffi::ASN1_STRING_length(seq),
        )
    };
    // SAFETY: p points to len readable bytes; d2i allocates a new object.
    let ptr = unsafe { d2i(ptr::null_mut(), &mut p, c_long::from(len)) };
    (!ptr.is_null()).then_some(Owned { ptr, free })
}

/// The iterations a password-based encryption algorithm asks for: PKCS#12
/// and PBES1 parameters, PBES2 with PBKDF2, or PBES2 with scrypt (N * r *
/// p). `None` where the parameters cannot be read, or name a key
/// derivation OpenSSL does not know.
///
/// # Safety
/// `alg` is a valid X509_ALGOR.
pub(crate) unsafe fn algorithm_iterations(alg: *const ffi::X509_ALGOR) -> Option<u64> {
    let mut obj = ptr::null();
    // SAFETY: alg is valid; obj stays owned by it.
    unsafe { ffi::X509_ALGOR_get0(&mut obj, ptr::null_mut(), ptr::null_mut(), alg) };
    if obj.is_null() {
        return None;
    }
    // SAFETY: obj is a valid ASN1_OBJECT.
    let nid = unsafe { ffi::OBJ_obj2nid(obj) };
    let n = if nid == ffi::NID_pbes2 {
        // SAFETY: alg is valid; the two functions are PBE2PARAM's.
        let pbes2 = unsafe { params(alg, d2i_PBE2PARAM, PBE2PARAM_free) }?;
        // SAFETY: pbes2.ptr is a valid PBE2PARAM.
        let kdf = unsafe { (*pbes2.ptr).keyfunc };
        if kdf.is_null() {
            return None;
        }
        let mut kdf_obj = ptr::null();
        // SAFETY: kdf is a valid X509_ALGOR owned by pbes2.
        unsafe { ffi::X509_ALGOR_get0(&mut kdf_obj, ptr::null_mut(), ptr::null_mut(), kdf) };
        if kdf_obj.is_null() {
            return None;
        }
        // SAFETY: kdf_obj is a valid ASN1_OBJECT.
        match unsafe { ffi::OBJ_obj2nid(kdf_obj) } {
            ffi::NID_id_pbkdf2 => {
                // SAFETY: kdf is valid; the two functions are PBKDF2PARAM's.
                let pbkdf2 = unsafe { params(kdf, d2i_PBKDF2PARAM, PBKDF2PARAM_free) }?;
                // SAFETY: pbkdf2.ptr is a valid PBKDF2PARAM; iter is owned by it.
                unsafe { count((*pbkdf2.ptr).iter) }
            }
            NID_ID_SCRYPT => {
                // SAFETY: kdf is valid; the two functions are SCRYPT_PARAMS'.
                let s = unsafe { params(kdf, d2i_SCRYPT_PARAMS, SCRYPT_PARAMS_free) }?;
                // scrypt's work is N * r * p blocks, each about what one
                // PBKDF2 iteration costs; OpenSSL bounds its memory, not its
                // time. SAFETY: s.ptr is a valid SCRYPT_PARAMS.
                let (n, r, p) = unsafe {
                    let s = &*s.ptr;
                    (count(s.cost), count(s.block_size), count(s.parallelization))
                };
                n.saturating_mul(r).saturating_mul(p)
            }
            _ => return None,
        }
    } else {
        // SAFETY: alg is valid; the two functions are PBEPARAM's.
        let pbe = unsafe { params(alg, d2i_PBEPARAM, PBEPARAM_free) }?;
        // SAFETY: pbe.ptr is a valid PBEPARAM; iter is owned by it.
        unsafe { count((*pbe.ptr).iter) }
    };
    Some(n)
}

/// The iterations an EncryptedPrivateKeyInfo (PKCS#8, DER or BER) asks
/// for; `None` where it is not one, or its parameters cannot be read.
pub fn key_iterations(der: &[u8]) -> Option<u64> {
    let mut p = der.as_ptr();
    let len = c_long::try_from(der.len()).ok()?;
    // SAFETY: p points to len readable bytes; the object is ours.
    let sig = Owned {
        ptr: unsafe { d2i_X509_SIG(ptr::null_mut(), &mut p, len) },
        free: X509_SIG_free,
    };
    if sig.ptr.is_null() {
        openssl::error::ErrorStack::get();
        return None;
    }
    // SAFETY: sig is a valid X509_SIG.
    let n = unsafe { shrouded_iterations(sig.ptr.cast()) };
    openssl::error::ErrorStack::get();
    n
}

/// The iterations a shrouded key (its `X509_SIG`) asks for.
///
/// # Safety
/// `sig` is a valid X509_SIG.
pub(crate) unsafe fn shrouded_iterations(sig: *const std::ffi::c_void) -> Option<u64> {
    let mut alg = ptr::null();
    // SAFETY: sig is a valid X509_SIG; alg stays owned by it.
    unsafe { X509_SIG_get0(sig.cast(), &mut alg, ptr::null_mut()) };
    // SAFETY: alg is NULL or a valid X509_ALGOR.
    (!alg.is_null())
        .then(|| unsafe { algorithm_iterations(alg) })
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ec_key() -> openssl::pkey::PKey<openssl::pkey::Private> {
        openssl::pkey::PKey::from_ec_key(
            openssl::ec::EcKey::generate(
                &openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1)
                    .unwrap(),
            )
            .unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn an_encrypted_key_tells_its_iterations() {
        use openssl::symm::Cipher;
        // PBES2 with PBKDF2, as OpenSSL writes it (2,048 iterations).
        let der = ec_key()
            .private_key_to_pkcs8_passphrase(Cipher::aes_256_cbc(), b"pw")
            .unwrap();
        assert_eq!(key_iterations(&der), Some(2048));
        assert_eq!(key_iterations(b"not DER"), None);
    }

    #[test]
    fn an_scrypt_key_counts_n_times_r_times_p() {
        // openssl pkcs8 -topk8 -scrypt -scrypt_N 1024 -scrypt_r 8 -scrypt_p 2
        let pem =
            crate::x509::pem::encode_der("PRIVATE KEY", &ec_key().private_key_to_pkcs8().unwrap());
        let dir = std::env::temp_dir().join(format!("btpcert-scrypt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (plain, out) = (dir.join("k.pem"), dir.join("k.der"));
        std::fs::write(&plain, pem).unwrap();
        let status = std::process::Command::new("openssl")
            .args([
                "pkcs8",
                "-topk8",
                "-scrypt",
                "-scrypt_N",
                "1024",
                "-scrypt_r",
                "8",
            ])
            .args([
                "-scrypt_p",
                "2",
                "-outform",
                "DER",
                "-passout",
                "pass:pw",
                "-in",
            ])
            .arg(&plain)
            .arg("-out")
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success());
        let der = std::fs::read(&out).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(key_iterations(&der), Some(1024 * 8 * 2));
    }

    /// `der` (DER) with its outermost SEQUENCE and the PBES2 parameters
    /// in BER's indefinite-length form, as OpenSSL reads it too.
    fn indefinite(der: &[u8]) -> Vec<u8> {
        use crate::x509::der::{tlv, Reader};
        let mut info = Reader::new(der).read(0x30).unwrap();
        let mut alg = info.read(0x30).unwrap();
        let oid = alg.read(0x06).unwrap().rest();
        let params = alg.read(0x30).unwrap().rest();
        let encrypted = info.rest();
        let ber_alg = [&tlv(0x06, oid)[..], &[0x30, 0x80][..], params, &[0, 0][..]].concat();
        [
            &[0x30, 0x80][..],
            &tlv(0x30, &ber_alg)[..],
            encrypted,
            &[0, 0][..],
        ]
        .concat()
    }

    #[test]
    fn a_ber_encrypted_key_tells_its_iterations_as_openssl_reads_them() {
        use openssl::symm::Cipher;
        let key = ec_key();
        let der = key
            .private_key_to_pkcs8_passphrase(Cipher::aes_256_cbc(), b"pw")
            .unwrap();
        let ber = indefinite(&der);
        assert!(
            openssl::pkey::PKey::private_key_from_pkcs8_passphrase(&ber, b"pw").is_ok(),
            "OpenSSL decrypts the BER form"
        );
        assert_eq!(key_iterations(&ber), Some(2048));
    }
}
