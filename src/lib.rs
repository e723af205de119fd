//! btpcert turns SAP BTP service keys into working certificate files, and
//! says clearly what is wrong with them before the TLS handshake does.
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod check;
pub mod cli;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod input;
pub mod json;
pub mod keystore;
pub mod ops;
pub mod sanitize;
pub mod sap;
pub mod secret;
pub mod web;
pub mod write;
pub mod x509;
