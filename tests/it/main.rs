//! Integration tests: they run the btpcert binary.

mod common;

mod bad_input;
mod clarity;
mod cli;
mod containers;
mod creation;
mod csr;
mod extract;
mod fetch;
mod fleet;
mod fleet_checks;
mod fuzz_regressions;
mod golden;
mod html;
mod inspect;
mod jks;
mod keystore;
mod limbo;
mod probe;
mod robust;
mod sapkeys;
mod scale;
mod scenarios;
mod secrets;
mod serve;
mod token;
mod unescape;
mod verify;
mod whole_chain;
mod writes;
