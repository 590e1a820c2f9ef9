/// See Cargo.toml and BENCHMARKS.md for why the binary does not use the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(slofile::cli::main());
}
