fn main() {
    std::process::exit(slofile::cli::main());
}
