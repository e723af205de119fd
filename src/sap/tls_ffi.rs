//! Two things a TLS client can learn from OpenSSL that the openssl crate
//! does not expose, for `probe`:
//!
//! - the CA names the server sent in its CertificateRequest
//!   (`SSL_get_client_CA_list`, which on a client returns the names
//!   received, in TLS 1.2 and in TLS 1.3's `certificate_authorities`);
//! - the TLS messages as they pass (`SSL_set_msg_callback`): whether the
//!   server sent a CertificateRequest at all, and which alert it sent.
//!
//! The second module of btpcert that allows unsafe code (after
//! `keystore::ffi`), kept to these two calls. The callback writes into a
//! thread-local list: the handshake runs on the calling thread, so no
//! pointer is handed to OpenSSL.
#![allow(unsafe_code)]

use std::cell::RefCell;
use std::ffi::{c_int, c_void};

use foreign_types::ForeignTypeRef;
use openssl::ssl::SslRef;
use openssl::stack::StackRef;
use openssl::x509::X509Name;
use openssl_sys as ffi;

type MsgCallback = unsafe extern "C" fn(
    write_p: c_int,
    version: c_int,
    content_type: c_int,
    buf: *const c_void,
    len: usize,
    ssl: *mut ffi::SSL,
    arg: *mut c_void,
);

extern "C" {
    fn SSL_get_client_CA_list(s: *const ffi::SSL) -> *mut ffi::stack_st_X509_NAME;
    fn SSL_set_msg_callback(ssl: *mut ffi::SSL, cb: Option<MsgCallback>);
}

/// TLS record content types (RFC 8446 section 5.1).
const ALERT: c_int = 21;
const HANDSHAKE: c_int = 22;

/// A TLS message seen on the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// A handshake message from the server, by type (13: CertificateRequest).
    Handshake(u8),
    /// An alert from the server: level and description.
    AlertReceived(u8, u8),
    /// An alert we sent: level and description.
    AlertSent(u8, u8),
}

thread_local! {
    static SEEN: RefCell<Vec<Seen>> = const { RefCell::new(Vec::new()) };
}

/// Records what passes. Must not panic: it runs inside OpenSSL.
unsafe extern "C" fn record(
    write_p: c_int,
    _version: c_int,
    content_type: c_int,
    buf: *const c_void,
    len: usize,
    _ssl: *mut ffi::SSL,
    _arg: *mut c_void,
) {
    if buf.is_null() || len == 0 || (content_type != ALERT && content_type != HANDSHAKE) {
        return;
    }
    // SAFETY: OpenSSL passes `len` readable bytes at `buf` for the duration
    // of the call; we read at most the first two, and keep no reference.
    let bytes = unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), len.min(2)) };
    let seen = match (content_type, write_p, bytes) {
        (HANDSHAKE, 0, [t, ..]) => Seen::Handshake(*t),
        (ALERT, 0, [level, desc]) => Seen::AlertReceived(*level, *desc),
        (ALERT, _, [level, desc]) if write_p != 0 => Seen::AlertSent(*level, *desc),
        _ => return,
    };
    let _ = SEEN.try_with(|s| {
        if let Ok(mut v) = s.try_borrow_mut() {
            if v.len() < 256 {
                v.push(seen);
            }
        }
    });
}

/// Starts recording the messages of `ssl` (forgetting earlier ones).
pub fn record_messages(ssl: &mut SslRef) {
    SEEN.with(|s| s.borrow_mut().clear());
    // SAFETY: `ssl` is a live SSL object; the callback is a plain function
    // that needs no argument and outlives every connection.
    unsafe { SSL_set_msg_callback(ssl.as_ptr(), Some(record)) }
}

/// What was recorded since [`record_messages`], emptied.
pub fn take_seen() -> Vec<Seen> {
    SEEN.with(|s| std::mem::take(&mut *s.borrow_mut()))
}

/// The DER of each CA name the server sent in its CertificateRequest;
/// `None` when it sent no list.
pub fn client_ca_names(ssl: &SslRef) -> Option<Vec<Vec<u8>>> {
    // SAFETY: `ssl` is a live SSL object; the returned stack (or NULL) is
    // owned by it and stays valid while `ssl` is borrowed here.
    let list = unsafe { SSL_get_client_CA_list(ssl.as_ptr()) };
    if list.is_null() {
        return None;
    }
    // SAFETY: a non-null STACK_OF(X509_NAME) owned by `ssl`, read only
    // within this borrow.
    let stack: &StackRef<X509Name> = unsafe { StackRef::from_ptr(list) };
    Some(stack.iter().filter_map(|n| n.to_der().ok()).collect())
}
