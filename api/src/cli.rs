//! The command line of the `wijkwijzer` binary.

use crate::app;
use crate::config::Config;
use axum::Router;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
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
    /// Write every public record as an Open Referral HSDS 3.0 JSON file.
    ExportHsds {
        /// Output file (`-` for standard output).
        #[arg(long)]
        out: PathBuf,
    },
    /// Load another directory's HSDS 3.0 services as one organisation's offers.
    ImportHsds {
        /// An `export-hsds` file, an HSDS `Page` of services or a JSON list of services.
        #[arg(long)]
        file: PathBuf,
        /// The local organisation (global id or exact name; created if no such name exists).
        #[arg(long)]
        organisation: String,
    },
    /// Upsert CBS areas from an areas.csv file and set geometries from GeoJSON files.
    ImportAreas {
        /// `code,type,name,parent_code,centroid_lat,centroid_lon`.
        #[arg(long)]
        csv: Option<PathBuf>,
        /// FeatureCollections whose features have a `code` property (repeatable).
        #[arg(long)]
        geojson: Vec<PathBuf>,
    },
    /// Rebuild the search index from the database and exit.
    Reindex,
    /// Create a user (a local account when a password is given via WIJK_PASSWORD).
    CreateUser {
        /// E-mail address (the sign-in name).
        #[arg(long)]
        email: String,
        /// Name shown to others.
        #[arg(long)]
        name: String,
        /// Role: practitioner, organisation_editor, municipality_analyst, node_admin.
        #[arg(long)]
        role: String,
        /// Organisation id (practitioners and editors).
        #[arg(long)]
        organisation: Option<String>,
        /// Gemeente code (analysts), e.g. GM0268.
        #[arg(long)]
        gemeente: Option<String>,
        /// Password of a local account; read from the environment so it stays out of
        /// shell history. Leave unset for OpenID Connect users.
        #[arg(long, env = "WIJK_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Disable the demo accounts (their password is published), e.g. before serving a node
    /// that began as a local demo on a public address.
    DisableDemoAccounts,
    /// Re-encrypt stored contact details under the active key (`contact.active_key`).
    RotateKeys {
        /// Rows per transaction.
        #[arg(long, default_value_t = 200)]
        batch: u64,
    },
}

/// Text logs by default; JSON with `[log] format = "json"` or `WIJK_LOG_FORMAT=json`.
fn init_tracing(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let json =
        std::env::var("WIJK_LOG_FORMAT").is_ok_and(|f| f == "json") || config.log.format == "json";
    // Logs go to stderr so `export-hsds --out -` writes clean JSON to stdout.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
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
    let config = match Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: configuration: {e}");
            return ExitCode::FAILURE;
        }
    };
    init_tracing(&config);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, config, pages)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(
    cli: Cli,
    mut config: Config,
    pages: fn() -> Router<crate::state::AppState>,
) -> anyhow::Result<()> {
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
        Command::CreateUser {
            email,
            name,
            role,
            organisation,
            gemeente,
            password,
        } => {
            config.seed.areas = false;
            config.seed.demo = false;
            let state = app::prepare(config).await.map_err(describe)?;
            let role = entities::Role::from_str_opt(&role)
                .ok_or_else(|| anyhow::anyhow!("unknown role '{role}'"))?;
            let user = crate::auth::users::create(
                &state.db,
                &state.node_id,
                crate::auth::users::NewUser {
                    email,
                    display_name: name,
                    password,
                    oidc_subject: None,
                    memberships: vec![crate::auth::Membership {
                        role,
                        organisation_id: organisation,
                        gemeente_code: gemeente,
                    }],
                },
            )
            .await
            .map_err(describe)?;
            println!("created user {}", user.id);
        }
        Command::DisableDemoAccounts => {
            config.seed.areas = false;
            config.seed.demo = false;
            let state = app::prepare(config).await.map_err(describe)?;
            let n = crate::seed::users::disable_demo_accounts(&state.db)
                .await
                .map_err(describe)?;
            println!("disabled {n} demo accounts");
        }
        Command::RotateKeys { batch } => rotate_keys(config, batch).await?,
        Command::PrintSchema => {}
        Command::ExportHsds { out } => {
            config.seed.demo = false;
            let state = app::prepare(config).await.map_err(describe)?;
            let data = crate::hsds::export::dataset(&state)
                .await
                .map_err(describe)?;
            let json = serde_json::to_string_pretty(&data)?;
            if out.as_os_str() == "-" {
                println!("{json}");
            } else {
                std::fs::write(&out, json)?;
                eprintln!(
                    "wrote {} organizations and {} services to {}",
                    data.organizations.len(),
                    data.services.len(),
                    out.display()
                );
            }
        }
        Command::ImportHsds { file, organisation } => {
            config.seed.demo = false;
            let state = app::prepare(config).await.map_err(describe)?;
            let text = std::fs::read_to_string(&file)?;
            let services = crate::hsds::import::parse_file(&text).map_err(describe)?;
            let org = crate::hsds::import::resolve_organisation(&state, &organisation)
                .await
                .map_err(describe)?;
            let report =
                crate::hsds::import::import(&state, &crate::auth::Actor::System, &org, &services)
                    .await
                    .map_err(describe)?;
            for (name, reason) in &report.skipped {
                eprintln!("skipped '{name}': {reason}");
            }
            println!(
                "imported {} of {} services as offers of {}",
                report.created.len(),
                services.len(),
                report.organisation_id
            );
        }
        Command::ImportAreas { csv, geojson } => {
            config.seed.areas = false;
            config.seed.demo = false;
            let state = app::prepare(config).await.map_err(describe)?;
            let paths: Vec<&std::path::Path> = geojson.iter().map(PathBuf::as_path).collect();
            let report = crate::seed::area_files::import(&state.db, csv.as_deref(), &paths)
                .await
                .map_err(describe)?;
            println!(
                "upserted {} areas, set {} geometries ({} features with unknown codes)",
                report.upserted, report.geometries, report.unknown_features
            );
        }
    }
    Ok(())
}

/// `rotate-keys`: seals every contact detail not under the active key again, printing the
/// running count after each batch.
async fn rotate_keys(mut config: Config, batch: u64) -> anyhow::Result<()> {
    config.seed.areas = false;
    config.seed.demo = false;
    let state = app::prepare(config).await.map_err(describe)?;
    let active = state
        .contact_keys
        .active_key_id()
        .unwrap_or("-")
        .to_string();
    let report = crate::services::referral_contact::rotate_keys(
        &state.db,
        &state.contact_keys,
        batch,
        |so_far| eprintln!("re-encrypted {} so far", so_far.resealed),
    )
    .await
    .map_err(describe)?;
    println!(
        "re-encrypted {} contact details under key '{active}'",
        report.resealed
    );
    if report.unopenable > 0 {
        let keys: Vec<&str> = report.missing_keys.iter().map(String::as_str).collect();
        anyhow::bail!(
            "{} contact details could not be opened and were left as they are (missing keys: {}); \
             add those keys to contact.keys and run rotate-keys again",
            report.unopenable,
            if keys.is_empty() {
                "none, the data is damaged".to_string()
            } else {
                keys.join(", ")
            }
        );
    }
    Ok(())
}

fn describe(e: crate::error::AppError) -> anyhow::Error {
    match e {
        crate::error::AppError::Internal(cause) => cause,
        other => anyhow::anyhow!("{}", other.message()),
    }
}
