//! Integration tests: they run the btpcert binary.

mod common;

mod bad_input;
mod clarity;
mod cli;
mod csr;
mod extract;
mod fleet;
mod fuzz_regressions;
mod golden;
mod inspect;
mod jks;
mod keystore;
mod limbo;
mod scale;
mod secrets;
mod token;
mod unescape;
mod verify;
mod writes;
