//! X.509 certificates, keys, PEM text, chains and their validation:
//! no files, no environment, no terminal.

pub mod cert;
pub mod chain;
pub mod csr;
pub mod der;
pub mod digest;
pub mod issuers;
pub mod key;
pub mod material;
pub mod name;
pub mod pbe;
pub mod pem;
pub mod roots;
pub mod verify;

#[cfg(test)]
mod pathval_tests;
