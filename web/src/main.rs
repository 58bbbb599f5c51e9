//! The `wijkwijzer` binary: the API and the web UI in one process.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    api::cli::main(web::routes)
}
