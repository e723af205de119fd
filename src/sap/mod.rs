//! What SAP BTP defines: service keys, trust lists, instance parameters,
//! the Connectivity Test, Postman collections, token requests and audits.

pub mod audit;
pub mod connectivity;
pub mod diagnosis;
pub mod external;
pub mod handshake;
pub mod instance;
pub mod jsonspan;
pub mod postman;
pub mod scenario;
pub mod servicekey;
mod tls_ffi;
pub mod token;
pub mod trust_lists;
