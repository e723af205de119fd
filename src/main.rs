//! The btpcert command: parses the command line and runs it (see the library).
#![deny(missing_docs)]
#![deny(unsafe_code)]

fn main() {
    std::process::exit(btpcert::cli::run());
}

/// mimalloc rather than the C library's malloc: see Cargo.toml.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
