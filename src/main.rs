fn main() {
    std::process::exit(btpcert::cli::run());
}
