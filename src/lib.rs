//! btpcert turns SAP BTP service keys into working certificate files, and
//! says clearly what is wrong with them before the TLS handshake does.
//!
//! The library is a set of small modules, one concern each; the command
//! line ([`cli`]) is a thin layer over it and the only place that knows clap.
#![deny(unsafe_code)]

pub mod audit;
pub mod cert;
pub mod chain;
pub mod cli;
pub mod connectivity;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
pub mod input;
pub mod instance;
pub mod jsonspan;
pub mod key;
pub mod output;
pub mod password;
pub mod pemtext;
pub mod pkcs12;
pub mod postman;
pub mod roots;
pub mod sanitize;
pub mod servicekey;
pub mod trust;
pub mod truststore;
pub mod truststore_ffi;
pub mod verify;
pub mod zipcerts;
