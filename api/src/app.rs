//! Starting a node: connect, migrate, seed, serve (with the search indexer running beside).

use crate::config::Config;
use crate::domain::NodeId;
use crate::error::{AppError, AppResult};
use crate::geo::Gazetteer;
use crate::state::AppState;
use crate::{db, http, seed};
use axum::Router;
use entities::json::StringList;
use entities::node;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use std::net::SocketAddr;
use std::sync::Arc;

/// Connects, migrates and (per config) loads areas and demo data; returns the ready state.
pub async fn prepare(config: Config) -> AppResult<AppState> {
    let node_id = NodeId::parse(&config.node.id).map_err(|e| e.in_field("node.id"))?;
    let contact_keys = Arc::new(crate::sealing::key_source::load(&config)?);
    let (db, queries) =
        db::connect(&config.database_url(), config.database.max_connections).await?;
    crate::ops::migrate::run(&db).await?;
    let gazetteer = Arc::new(Gazetteer::embedded()?);
    let peers = Arc::new(crate::federation::sync::Peers::new(
        &config.federation.peers,
        std::time::Duration::from_secs(config.federation.timeout_secs),
    )?);
    let search = crate::search::SearchService::new(
        crate::search::open(&config).await?,
        db.clone(),
        config.search.batch_size,
    );
    search.reload_synonyms(&config.search).await?;
    let auth = Arc::new(crate::auth::AuthRuntime::new(&config)?);
    let mut services = crate::services::Ctx::new(db, node_id, gazetteer);
    services.contact_keys = contact_keys;
    let delivery = crate::federation::delivery::Delivery::new(
        services.clone(),
        peers.clone(),
        &config.federation,
    );
    let state = AppState {
        services,
        config: Arc::new(config),
        queries,
        peers,
        shutdown: Default::default(),
        search,
        auth,
        delivery,
    };
    ensure_local_node(&state).await?;
    if state.config.seed.areas {
        let n = seed::areas::load_if_empty(&state.db).await?;
        if n > 0 {
            tracing::info!(areas = n, "loaded CBS areas");
        }
        let n = seed::population::load_if_empty(&state.db).await?;
        if n > 0 {
            tracing::info!(areas = n, "loaded CBS population");
        }
    }
    if state.config.seed.demo {
        let n = seed::demo::load_if_empty(&state, &state.config.seed.demo_regions).await?;
        if n > 0 {
            tracing::info!(offers = n, "loaded demo data");
        }
        if state.config.auth.local_enabled()
            && seed::users::is_loopback_bind(&state.config.server.bind)
        {
            let n = seed::users::load_if_empty(&state, &state.config.seed.demo_regions).await?;
            if n > 0 {
                tracing::info!(users = n, "created demo accounts");
            }
        }
    }
    Ok(state)
}

async fn ensure_local_node(state: &AppState) -> AppResult<()> {
    let id = state.node_id.as_str();
    if node::Entity::find_by_id(id).one(&state.db).await?.is_some() {
        return Ok(());
    }
    node::ActiveModel {
        id: Set(id.to_string()),
        name: Set(state.config.node.name.clone()),
        base_url: Set(state.config.node.base_url.clone()),
        is_local: Set(true),
        region: Set(StringList(state.config.node.region.clone())),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(&state.db)
    .await?;
    Ok(())
}

/// A running server.
pub struct Server {
    pub addr: SocketAddr,
    pub handle: tokio::task::JoinHandle<()>,
}

/// Binds `bind` (port 0 for a random port) and serves until `shutdown` resolves; then triggers
/// the state's [`Shutdown`](crate::shutdown::Shutdown) (so workers flush and `/ready` turns
/// 503), stops accepting connections and finishes the requests in flight.
pub async fn serve(
    state: AppState,
    bind: &str,
    extra: Router<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> AppResult<Server> {
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("cannot listen on {bind}: {e}")))?;
    serve_on(state, listener, extra, shutdown).await
}

/// [`serve`] on a listener already bound (tests bind first, so nodes know each other's
/// address before they start, without releasing and re-binding a port).
pub async fn serve_on(
    state: AppState,
    listener: tokio::net::TcpListener,
    extra: Router<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> AppResult<Server> {
    let addr = listener
        .local_addr()
        .map_err(|e| AppError::Internal(e.into()))?;
    refuse_published_passwords(&state, addr).await?;
    let notifier = crate::notify::worker::start(&state.services, &state.config)?;
    let pullers = state.puller().spawn_workers();
    let delivery = state.delivery.clone().spawn_worker(state.shutdown.clone());
    let stopping = state.shutdown.clone();
    let shutdown = async move {
        shutdown.await;
        tracing::info!("shutdown requested: finishing requests in flight");
        stopping.trigger();
    };
    let poll = std::time::Duration::from_millis(state.config.search.poll_interval_ms.max(10));
    let indexer = state.search.start_worker(poll);
    let search = state.search.clone();
    let purge = spawn_purge(state.clone());
    let app = http::router(state, extra);
    let handle = tokio::spawn(async move {
        let app = app.into_make_service_with_connect_info::<SocketAddr>();
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::error!(error = %e, "server stopped");
        }
        if let Some(p) = purge {
            p.abort();
        }
        delivery.abort();
        notifier.abort();
        // A puller holds the state (and with it the search index writer) until it is gone.
        for puller in pullers {
            puller.abort();
            let _ = puller.await;
        }
        // Flush the outbox: everything committed before shutdown is indexed before exit.
        indexer.abort();
        if let Err(e) = search.sync_now().await {
            tracing::warn!(error = ?e, "search index not flushed at shutdown");
        }
    });
    Ok(Server { addr, handle })
}

/// A node reachable from other machines does not start while a demo account has the password
/// published in the README.
async fn refuse_published_passwords(state: &AppState, addr: SocketAddr) -> AppResult<()> {
    if addr.ip().is_loopback() {
        return Ok(());
    }
    let found = seed::users::published_password_accounts(&state.db).await?;
    if found.is_empty() {
        return Ok(());
    }
    Err(AppError::Forbidden(format!(
        "refusing to listen on {addr}: the demo account(s) {} still have the published password. \
         Disable them (`wijkwijzer disable-demo-accounts`) \
         and create the first admin with \
         `WIJK_PASSWORD=... wijkwijzer create-user --email ... --name ... --role node_admin` \
         (or serve on 127.0.0.1 for a local demo)",
        found.join(", ")
    )))
}

/// Runs the referral purge and drops expired sessions every `auth.purge_interval_secs`
/// (never when 0).
fn spawn_purge(state: AppState) -> Option<tokio::task::JoinHandle<()>> {
    let secs = state.config.auth.purge_interval_secs;
    if secs == 0 {
        return None;
    }
    Some(tokio::spawn(async move {
        let period = std::time::Duration::from_secs(secs);
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        loop {
            tick.tick().await;
            let now = chrono::Utc::now();
            if let Err(e) = purge_referrals(&state, now).await {
                e.log_if_internal();
            }
            if let Err(e) = crate::auth::session::delete_expired(&state.db, now).await {
                e.log_if_internal();
            }
        }
    }))
}

/// What one retention run did to referrals and to the messages waiting for peers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RetentionReport {
    /// Open referrals cancelled for being open too long.
    pub closed: u64,
    /// Closed referrals whose personal data was removed.
    pub purged: u64,
    /// Undelivered messages given up (new referrals the peer never received).
    pub messages_expired: u64,
    /// Undelivered status changes whose reason was removed (still to be delivered).
    pub messages_redacted: u64,
}

/// Runs the retention rules as of `now` (tests pass a later `now` to look ahead): the referral
/// service purges referrals (`auth.*` retention settings), then federation gives up or redacts
/// their messages still waiting for a peer. Recorded changes are queued first, so every waiting
/// message is found.
pub async fn purge_referrals(
    state: &AppState,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<RetentionReport> {
    use crate::federation::delivery::{outbox, retention};
    outbox::enqueue_new(state).await?;
    let referrals = crate::services::referral::purge_expired(
        state,
        &crate::services::referral::Retention::of(&state.config.auth),
        now,
    )
    .await?;
    let messages = retention::redact_purged(&state.db, now).await?;
    Ok(RetentionReport {
        closed: referrals.closed,
        purged: referrals.purged,
        messages_expired: messages.expired,
        messages_redacted: messages.redacted,
    })
}
