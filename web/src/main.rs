//! The `wijkwijzer` binary: the API and the web UI in one process.

fn main() -> std::process::ExitCode {
    api::cli::main(web::routes)
}
