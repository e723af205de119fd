//! Keystores: PKCS#12 files with a key and its chain, and Java truststores.

pub mod ffi;
pub mod pkcs12;
pub mod truststore;
