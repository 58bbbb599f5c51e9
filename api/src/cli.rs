//! The command line of the `wijkwijzer` binary.

use crate::app;
use crate::config::Config;
use crate::state::AppState;
use axum::Router;
use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};
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
    /// Re-encrypt stored contact details under the active key (`contact.active_key`).
    RotateKeys {
        /// Rows per transaction.
        #[arg(long, default_value_t = 200)]
        batch: u64,
    },
    /// Print the effective configuration (secrets redacted) and what is wrong with it; exits 1
    /// when something is.
    CheckConfig,
    /// Check the database, migrations, search backend, peers and OpenID Connect provider, one
    /// line each; exits 1 when a check fails.
    Doctor,
    /// Write a consistent copy of the SQLite database while the node runs (PostgreSQL: use
    /// pg_dump, see the README).
    Backup {
        /// The backup file to write (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Bring a node back from a `backup` file into an empty data directory, and rebuild the
    /// search index.
    Restore {
        /// A file written by `backup`.
        #[arg(long)]
        file: PathBuf,
    },
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
        /// CBS population per area: `code,year,inhabitants,inhabitants_65_plus,households`
        /// (empty cell = unknown); replaces the figures of the areas it names.
        #[arg(long)]
        population: Option<PathBuf>,
    },
    /// Rebuild the search index from the database and exit.
    Reindex,
    /// Create a user (a local account when a password is given via WIJK_PASSWORD).
    CreateUser(CreateUser),
    /// Disable the demo accounts (their password is published), e.g. before serving a node
    /// that began as a local demo on a public address.
    DisableDemoAccounts,
}

/// The arguments of `create-user`.
#[derive(Args)]
struct CreateUser {
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
pub fn main(pages: fn() -> Router<AppState>) -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::PrintSchema) = cli.command {
        print!("{}", crate::graphql::sdl());
        return ExitCode::SUCCESS;
    }
    let config = match Config::load() {
        Ok(c) => c,
        Err(problems) => {
            for line in &problems.0 {
                eprintln!("error: configuration: {line}");
            }
            return ExitCode::FAILURE;
        }
    };
    if matches!(cli.command, Some(Command::CheckConfig)) {
        print!("{}", crate::config_check::redacted_toml(&config));
        eprintln!("configuration ok");
        return ExitCode::SUCCESS;
    }
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

/// Runs one command: each is a function of its own below.
async fn run(cli: Cli, config: Config, pages: fn() -> Router<AppState>) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config, pages).await,
        Command::Migrate => migrate(config).await,
        Command::Doctor => doctor(config).await,
        Command::Seed { regions } => seed(config, &regions).await,
        Command::Reindex => reindex(config).await,
        Command::CreateUser(args) => create_user(config, args).await,
        Command::DisableDemoAccounts => disable_demo_accounts(config).await,
        // Printed before the runtime starts (see `main`).
        Command::PrintSchema | Command::CheckConfig => Ok(()),
        Command::Backup { out } => backup(config, &out).await,
        Command::RotateKeys { batch } => rotate_keys(config, batch).await,
        Command::Restore { file } => restore(config, &file).await,
        Command::ExportHsds { out } => export_hsds(config, &out).await,
        Command::ImportHsds { file, organisation } => {
            import_hsds(config, &file, &organisation).await
        }
        Command::ImportAreas {
            csv,
            geojson,
            population,
        } => import_areas(config, csv.as_deref(), &geojson, population.as_deref()).await,
    }
}

/// What a command loads into the database before it runs, besides the migrations.
enum Seeding {
    /// The CBS areas and demo data, as `[seed]` says.
    AsConfigured,
    /// The CBS areas as `[seed]` says; never the demo data.
    NoDemo,
    /// Nothing.
    Nothing,
}

/// Connects, migrates and seeds as `seeding` says: the state a command works on.
async fn prepare(mut config: Config, seeding: Seeding) -> anyhow::Result<AppState> {
    match seeding {
        Seeding::AsConfigured => {}
        Seeding::NoDemo => config.seed.demo = false,
        Seeding::Nothing => {
            config.seed.areas = false;
            config.seed.demo = false;
        }
    }
    app::prepare(config).await.map_err(describe)
}

/// `serve`: runs the node until a shutdown signal.
async fn serve(config: Config, pages: fn() -> Router<AppState>) -> anyhow::Result<()> {
    let state = prepare(config, Seeding::AsConfigured).await?;
    let bind = state.config.server.bind.clone();
    let server = app::serve(state, &bind, pages(), shutdown_signal())
        .await
        .map_err(describe)?;
    tracing::info!(
        "listening on http://{} (GraphiQL at /graphiql)",
        server.addr
    );
    server.handle.await?;
    Ok(())
}

/// `migrate`: applies the database migrations.
async fn migrate(config: Config) -> anyhow::Result<()> {
    crate::ops::accounts::open_database(&config)
        .await
        .map_err(describe)?;
    println!("migrations applied");
    Ok(())
}

/// `doctor`: prints one line per check; fails when any check does.
async fn doctor(config: Config) -> anyhow::Result<()> {
    let checks = crate::ops::doctor::run(&config).await;
    let mut failed = 0;
    for check in &checks {
        match &check.outcome {
            Ok(found) => println!("ok    {}: {found}", check.name),
            Err(cause) => {
                failed += 1;
                println!("FAIL  {}: {cause}", check.name);
            }
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} of {} checks failed", checks.len());
    }
    Ok(())
}

/// `seed`: loads the demo data of `regions` (all when empty).
async fn seed(config: Config, regions: &[String]) -> anyhow::Result<()> {
    let state = prepare(config, Seeding::NoDemo).await?;
    let n = crate::seed::demo::load(&state, regions)
        .await
        .map_err(describe)?;
    println!("loaded {n} demo offers");
    Ok(())
}

/// `backup`: a consistent copy of the database, beside a running node (no search index opened).
async fn backup(config: Config, out: &std::path::Path) -> anyhow::Result<()> {
    let (db, _) = crate::db::connect(&config.database_url(), 1).await?;
    let size = crate::ops::backup::backup(&db, out)
        .await
        .map_err(describe)?;
    println!("wrote {} ({size} bytes)", out.display());
    Ok(())
}

/// `restore`: puts a backup in place as this node's database and rebuilds the search index.
async fn restore(config: Config, file: &std::path::Path) -> anyhow::Result<()> {
    let target = crate::ops::backup::restore_file(&config, file).map_err(describe)?;
    let state = prepare(config, Seeding::Nothing).await?;
    let n = state.search.reindex().await.map_err(describe)?;
    println!(
        "restored {} from {}; search index rebuilt with {n} offers",
        target.display(),
        file.display()
    );
    Ok(())
}

/// `rotate-keys`: re-encrypts contact details under the active key, in batches (database only).
async fn rotate_keys(config: Config, batch: u64) -> anyhow::Result<()> {
    let keys = crate::sealing::key_source::load(&config).map_err(describe)?;
    let db = crate::ops::accounts::open_database(&config)
        .await
        .map_err(describe)?;
    let active = keys.active_key_id().unwrap_or("-").to_string();
    let report = crate::services::referral::contact::rotate_keys(&db, &keys, batch, |so_far| {
        eprintln!("re-encrypted {} so far", so_far.resealed)
    })
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

/// `reindex`: rebuilds the search index from the database.
async fn reindex(config: Config) -> anyhow::Result<()> {
    let state = prepare(config, Seeding::AsConfigured).await?;
    let n = with_progress("rebuilding the search index", state.search.reindex())
        .await
        .map_err(describe)?;
    println!(
        "search index ({}) rebuilt with {n} offers",
        state.search.index().backend()
    );
    Ok(())
}

/// `create-user`: creates a user with one membership (database only: runs beside the node).
async fn create_user(config: Config, args: CreateUser) -> anyhow::Result<()> {
    let role = entities::Role::from_str_opt(&args.role)
        .ok_or_else(|| anyhow::anyhow!("unknown role '{}'", args.role))?;
    let node = crate::ops::accounts::node_id(&config).map_err(describe)?;
    let db = crate::ops::accounts::open_database(&config)
        .await
        .map_err(describe)?;
    let user = crate::ops::accounts::create_user(
        &db,
        &node,
        crate::auth::users::NewUser {
            email: args.email,
            display_name: args.name,
            password: args.password,
            oidc_subject: None,
            memberships: vec![crate::auth::Membership {
                role,
                organisation_id: args.organisation,
                gemeente_code: args.gemeente,
            }],
        },
    )
    .await
    .map_err(describe)?;
    println!("created user {}", user.id);
    Ok(())
}

/// `disable-demo-accounts`: disables the demo accounts (database only).
async fn disable_demo_accounts(config: Config) -> anyhow::Result<()> {
    let db = crate::ops::accounts::open_database(&config)
        .await
        .map_err(describe)?;
    let n = crate::seed::users::disable_demo_accounts(&db)
        .await
        .map_err(describe)?;
    println!("disabled {n} demo accounts");
    Ok(())
}

/// `export-hsds`: writes the HSDS dataset to `out` (`-`: standard output).
async fn export_hsds(config: Config, out: &Path) -> anyhow::Result<()> {
    let state = prepare(config, Seeding::NoDemo).await?;
    let data = with_progress(
        "reading the HSDS dataset",
        crate::hsds::export::dataset(&state),
    )
    .await
    .map_err(describe)?;
    let json = serde_json::to_string_pretty(&data)?;
    if out.as_os_str() == "-" {
        println!("{json}");
    } else {
        std::fs::write(out, json)?;
        eprintln!(
            "wrote {} organizations and {} services to {}",
            data.organizations.len(),
            data.services.len(),
            out.display()
        );
    }
    Ok(())
}

/// `import-hsds`: loads the HSDS services of `file` as offers of `organisation`.
async fn import_hsds(config: Config, file: &Path, organisation: &str) -> anyhow::Result<()> {
    let state = prepare(config, Seeding::NoDemo).await?;
    let text = std::fs::read_to_string(file)?;
    let services = crate::hsds::import::parse_file(&text).map_err(describe)?;
    let org = crate::hsds::import::resolve_organisation(&state, organisation)
        .await
        .map_err(describe)?;
    let report = with_progress(
        &format!("importing {} services", services.len()),
        crate::hsds::import::import(&state, &crate::auth::Actor::System, &org, &services),
    )
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
    Ok(())
}

/// `import-areas`: upserts areas from `csv`, sets geometries from `geojson` files, then
/// replaces the population of the areas `population` names.
async fn import_areas(
    config: Config,
    csv: Option<&Path>,
    geojson: &[PathBuf],
    population: Option<&Path>,
) -> anyhow::Result<()> {
    let state = prepare(config, Seeding::Nothing).await?;
    let paths: Vec<&Path> = geojson.iter().map(PathBuf::as_path).collect();
    let report = with_progress(
        "importing areas and geometries",
        crate::seed::area_files::import(&state.db, csv, &paths),
    )
    .await
    .map_err(describe)?;
    println!(
        "upserted {} areas, set {} geometries ({} features with unknown codes)",
        report.upserted, report.geometries, report.unknown_features
    );
    if let Some(path) = population {
        let n = with_progress(
            "importing population",
            crate::seed::population::import_file(&state.db, path),
        )
        .await
        .map_err(describe)?;
        println!("set the population of {n} areas (Bron: CBS)");
    }
    Ok(())
}

/// Shows a spinner with `message` on standard error while `work` runs (nothing when standard
/// error is not a terminal); the command prints its one-line summary after it.
async fn with_progress<T>(message: &str, work: impl std::future::Future<Output = T>) -> T {
    let spinner = indicatif::ProgressBar::new_spinner().with_message(message.to_string());
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let out = work.await;
    spinner.finish_and_clear();
    out
}

fn describe(e: crate::error::AppError) -> anyhow::Error {
    match e {
        crate::error::AppError::Internal(cause) => cause,
        other => anyhow::anyhow!("{}", other.message()),
    }
}
