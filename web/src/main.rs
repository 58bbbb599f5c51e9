//! The `wijkwijzer` binary: the API and the web UI in one process.

/// The node's allocator. The benches that run the node in process declare the same one
/// (`api/benches/support/mod.rs`, `tests/benches/load.rs`), so they measure what ships.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    api::cli::main(web::routes)
}
