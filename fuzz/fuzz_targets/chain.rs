//! See btpcert::fuzzing::chain.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| btpcert::fuzzing::chain(data));
