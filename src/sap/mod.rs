//! What SAP BTP defines: service keys, trust lists, instance parameters,
//! the Connectivity Test, Postman collections, token requests and audits.

pub mod audit;
pub mod connectivity;
pub mod diagnosis;
pub mod handshake;
pub mod instance;
pub mod postman;
pub mod servicekey;
mod tls_ffi;
pub mod token;
pub mod trust_lists;
