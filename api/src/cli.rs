//! The command line of the `wijkwijzer` binary.

use crate::app;
use crate::config::Config;
use axum::Router;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Wijkwijzer: a regional directory of social-domain offers.
#[derive(Parser)]
#[command(version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the node (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Load CBS areas and demo data (of the given regions, or all) and exit.
    Seed {
        /// Demo regions: nijmegen, noord-holland-noord, zuid-limburg.
        #[arg(long = "region")]
        regions: Vec<String>,
    },
    /// Print the GraphQL schema (SDL).
    PrintSchema,
    /// Rebuild the search index from the database and exit.
    Reindex,
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let json = std::env::var("WIJK_LOG_FORMAT").is_ok_and(|f| f == "json");
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// Runs the command line; `pages` adds the web UI routes.
pub fn main(pages: fn() -> Router<crate::state::AppState>) -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::PrintSchema) = cli.command {
        print!("{}", crate::graphql::sdl());
        return ExitCode::SUCCESS;
    }
    init_tracing();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, pages)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli, pages: fn() -> Router<crate::state::AppState>) -> anyhow::Result<()> {
    let mut config = Config::load()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let state = app::prepare(config).await.map_err(describe)?;
            let bind = state.config.server.bind.clone();
            let server = app::serve(state, &bind, pages(), shutdown_signal())
                .await
                .map_err(describe)?;
            tracing::info!(
                "listening on http://{} (GraphiQL at /graphiql)",
                server.addr
            );
            server.handle.await?;
        }
        Command::Migrate => {
            config.seed.areas = false;
            config.seed.demo = false;
            app::prepare(config).await.map_err(describe)?;
            println!("migrations applied");
        }
        Command::Seed { regions } => {
            config.seed.demo = false;
            let state = app::prepare(config).await.map_err(describe)?;
            let n = crate::seed::demo::load(&state, &regions)
                .await
                .map_err(describe)?;
            println!("loaded {n} demo offers");
        }
        Command::Reindex => {
            let state = app::prepare(config).await.map_err(describe)?;
            let n = state.search.reindex().await.map_err(describe)?;
            println!(
                "search index ({}) rebuilt with {n} offers",
                state.search.index().backend()
            );
        }
        Command::PrintSchema => {}
    }
    Ok(())
}

fn describe(e: crate::error::AppError) -> anyhow::Error {
    match e {
        crate::error::AppError::Internal(cause) => cause,
        other => anyhow::anyhow!("{}", other.message()),
    }
}
