//! Test harness: [`TestApp::spawn`] starts a real node (migrated, seeded) on a random loopback
//! port with its own database: a fresh SQLite file, or a fresh PostgreSQL database when
//! `TEST_DATABASE_URL` (an admin URL such as `postgres://postgres@127.0.0.1/postgres`) is set.

#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod browser;
pub mod embedder;
pub mod npm;
pub mod oidc;
pub mod smtp;

use api::config::Config;
use api::state::AppState;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use std::net::SocketAddr;

/// A running node under test.
pub struct TestApp {
    pub addr: SocketAddr,
    pub state: AppState,
    pub client: reqwest::Client,
    /// Keeps the node's data directory alive.
    pub dir: tempfile::TempDir,
    /// Bearer token sent with every [`gql`](Self::gql) call, once [`signed_in`](Self::signed_in).
    pub token: Option<String>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
}

/// The database backend tests run against.
pub fn backend_name() -> &'static str {
    if std::env::var("TEST_DATABASE_URL").is_ok() {
        "postgres"
    } else {
        "sqlite"
    }
}

/// Test databases are named `wijk_test_<unix seconds>_<uuid>`; those older than this are
/// dropped by the next test that creates one (no test runs for hours, and a test that panics
/// never drops its own).
const STALE_TEST_DATABASE_SECS: i64 = 6 * 3600;

/// Creates a fresh PostgreSQL database and returns its URL.
pub async fn fresh_postgres(admin_url: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    let name = format!("wijk_test_{now}_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(admin_url)
        .await
        .expect("connect to TEST_DATABASE_URL");
    drop_stale_test_databases(&admin, now).await;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create test database");
    admin.close().await.ok();
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("TEST_DATABASE_URL ends in /<database>");
    format!("{base}/{name}")
}

/// Drops the test databases of earlier runs ([`STALE_TEST_DATABASE_SECS`]); one that is in
/// use or already dropped by a parallel test is left alone.
async fn drop_stale_test_databases(admin: &sea_orm::DatabaseConnection, now: i64) {
    let Ok(rows) = admin
        .query_all_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            "SELECT datname FROM pg_database WHERE datname LIKE 'wijk\\_test\\_%'",
        ))
        .await
    else {
        return;
    };
    for row in rows {
        let Ok(name) = row.try_get::<String>("", "datname") else {
            continue;
        };
        let created = (name.strip_prefix("wijk_test_"))
            .and_then(|rest| rest.split_once('_'))
            .and_then(|(secs, _)| secs.parse::<i64>().ok());
        if created.is_some_and(|t| now - t > STALE_TEST_DATABASE_SECS) {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\""))
                .await;
        }
    }
}

impl TestApp {
    /// A node with default test config (node id `test`, all demo data).
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// A node with config adjusted by `edit`, on a random loopback port.
    pub async fn spawn_with(edit: impl FnOnce(&mut Config)) -> Self {
        Self::spawn_on(listener().await, edit).await
    }

    /// A node with config adjusted by `edit`, serving on `listener` (bound beforehand with
    /// [`listener`], so other nodes can be configured with its address first). `edit` must not
    /// choose a port in `server.bind`: the node keeps the listener it was handed.
    pub async fn spawn_on(
        listener: tokio::net::TcpListener,
        edit: impl FnOnce(&mut Config),
    ) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = Config {
            data_dir: dir.path().to_path_buf(),
            ..Default::default()
        };
        config.node.id = "test".into();
        // Informational: the node serves on the listener (a restart binds its address).
        config.server.bind = "127.0.0.1:0".into();
        if let Ok(admin) = std::env::var("TEST_DATABASE_URL") {
            config.database.url = fresh_postgres(&admin).await;
        }
        edit(&mut config);
        // A test may say which interface a node believes it serves (a public one keeps demo
        // accounts away), never which port: ports come from the bound listener.
        assert!(
            config.server.bind.ends_with(":0"),
            "hand the node a bound listener (TestApp::spawn_on) instead of a port"
        );
        let state = api::app::prepare(config)
            .await
            .unwrap_or_else(|e| panic!("prepare: {e:?}"));
        Self::serve_on(state, dir, listener).await
    }

    /// Serves a prepared state on its configured `server.bind` (a restart on the address the
    /// node had).
    pub async fn serve(state: AppState, dir: tempfile::TempDir) -> Self {
        let bind = state.config.server.bind.clone();
        let listener = tokio::net::TcpListener::bind(&bind)
            .await
            .unwrap_or_else(|e| panic!("bind {bind}: {e}"));
        Self::serve_on(state, dir, listener).await
    }

    /// Serves a prepared state on `listener`.
    pub async fn serve_on(
        state: AppState,
        dir: tempfile::TempDir,
        listener: tokio::net::TcpListener,
    ) -> Self {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = api::app::serve_on(state.clone(), listener, web::routes(), async {
            let _ = rx.await;
        })
        .await
        .unwrap_or_else(|e| panic!("serve: {}", e.message()));
        Self {
            addr: server.addr,
            state,
            client: reqwest::Client::new(),
            dir,
            token: None,
            shutdown: Some(tx),
            handle: Some(server.handle),
        }
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Signs in with a demo account (local password) and returns the bearer token.
    pub async fn sign_in(&self, email: &str) -> String {
        let body = self
            .gql_with(
                None,
                "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
                json!({"e": email, "p": api::seed::users::DEMO_PASSWORD}),
            )
            .await;
        body["data"]["login"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("sign-in of {email} failed: {body:#}"))
            .to_string()
    }

    /// Creates a user with a local password and `memberships` and returns a bearer token.
    pub async fn user_token(&self, email: &str, memberships: Vec<api::auth::Membership>) -> String {
        api::auth::users::create(
            &self.state.db,
            &self.state.node_id,
            api::auth::users::NewUser {
                email: email.into(),
                display_name: email.into(),
                password: Some(api::seed::users::DEMO_PASSWORD.into()),
                oidc_subject: None,
                memberships,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("create user {email}: {}", e.message()));
        self.sign_in(email).await
    }

    /// Creates an editor of organisation `organisation_id` and returns a bearer token for it.
    pub async fn editor_token(&self, email: &str, organisation_id: &str) -> String {
        self.user_token(
            email,
            vec![api::auth::Membership {
                role: entities::Role::OrganisationEditor,
                organisation_id: Some(organisation_id.to_string()),
                gemeente_code: None,
            }],
        )
        .await
    }

    /// Creates a node admin with a local password (for nodes started without demo data) and
    /// returns a bearer token for it.
    pub async fn admin_token(&self) -> String {
        self.user_token(
            "beheer-test@wijkwijzer.example",
            vec![api::auth::Membership {
                role: entities::Role::NodeAdmin,
                organisation_id: None,
                gemeente_code: None,
            }],
        )
        .await
    }

    /// This app with every later [`gql`](Self::gql) call signed in as a new node admin (for
    /// nodes started without demo data).
    pub async fn as_new_admin(mut self) -> Self {
        self.token = Some(self.admin_token().await);
        self
    }

    /// This app with every later [`gql`](Self::gql) call signed in as `email`.
    pub async fn signed_in(mut self, email: &str) -> Self {
        self.token = Some(self.sign_in(email).await);
        self
    }

    /// POSTs a GraphQL request (with the default token, if any) and returns the whole body.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.gql_with(self.token.as_deref(), query, variables).await
    }

    /// POSTs a GraphQL request with `token` as bearer (none: anonymous).
    pub async fn gql_with(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self.client.post(self.url("/graphql"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.json(&json!({"query": query, "variables": variables}))
            .send()
            .await
            .expect("POST /graphql")
            .json()
            .await
            .expect("JSON response")
    }

    /// Like [`gql`](Self::gql) but panics on errors and returns `data`.
    pub async fn gql_ok(&self, query: &str, variables: Value) -> Value {
        let body = self.gql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// Stops the server and waits for it.
    pub async fn stop(self) {
        self.stop_keeping_data().await;
    }

    /// Stops the server and returns its config and data directory, to restart it later
    /// (on the same address and database) with [`TestApp::restart`].
    pub async fn stop_keeping_data(mut self) -> (Config, tempfile::TempDir) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            let _ = h.await;
        }
        let mut config = (*self.state.config).clone();
        config.server.bind = self.addr.to_string();
        config.database.url = self.state.config.database_url();
        (config, self.dir)
    }

    /// Starts a node again from a stopped node's config and data.
    pub async fn restart(config: Config, dir: tempfile::TempDir) -> Self {
        let state = api::app::prepare(config)
            .await
            .unwrap_or_else(|e| panic!("prepare: {e:?}"));
        Self::serve(state, dir).await
    }
}

/// A listener bound to a random loopback port, to hand to a node ([`TestApp::spawn_on`]) whose
/// address others must know before it starts. The port stays bound from here on: no race with
/// other tests for a port that was released.
pub async fn listener() -> tokio::net::TcpListener {
    tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port")
}

/// The port of a bound listener.
pub fn port_of(listener: &tokio::net::TcpListener) -> u16 {
    listener.local_addr().expect("bound address").port()
}

/// Demo accounts (see `api::seed::users`).
pub mod demo {
    /// Practitioner at Huisartsenpraktijk Lent.
    pub const GP: &str = "huisarts@lent.example";
    /// Second practitioner of the same practice.
    pub const POH: &str = "poh@lent.example";
    /// Editor of Bindkracht10.
    pub const EDITOR: &str = "redactie@bindkracht10.example";
    /// Municipality analyst of GM0268 (Nijmegen).
    pub const ANALYST: &str = "analist@nijmegen.example";
    /// Node admin.
    pub const ADMIN: &str = "beheer@wijkwijzer.example";
}

/// Polls `check` every 100 ms until it returns `Some`, for at most `secs` seconds.
pub async fn eventually<T, F, Fut>(secs: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not within {secs} s: {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The `extensions.code` of the first error of a GraphQL response.
pub fn error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

/// The `extensions.field` of the first error of a GraphQL response.
pub fn error_field(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["field"].as_str()
}

impl TestApp {
    /// Steps the schema back until the migration `name` and every one after it are pending
    /// again, so a test can write rows as they were before `name` and then run
    /// [`migrate_up`](Self::migrate_up) (later migrations do not make the step count of such a
    /// test stale).
    pub async fn migrate_down_to_before(&self, name: &str) {
        use migration::{Migrator, MigratorTrait};
        let names: Vec<String> = Migrator::migrations()
            .iter()
            .map(|m| m.name().to_string())
            .collect();
        let at = names
            .iter()
            .position(|n| n == name)
            .unwrap_or_else(|| panic!("no migration {name}"));
        let steps = u32::try_from(names.len() - at).expect("a few migrations");
        let db = self.schema_connection().await;
        Migrator::down(&db, Some(steps))
            .await
            .unwrap_or_else(|e| panic!("stepping back {steps} migrations: {e}"));
        let pending: Vec<String> = Migrator::get_pending_migrations(&db)
            .await
            .expect("pending migrations")
            .iter()
            .map(|m| m.name().to_string())
            .collect();
        assert_eq!(pending, names[at..], "stepped back to just before {name}");
        db.close().await.expect("close the schema connection");
    }

    /// Runs the pending migrations as the node does at start.
    pub async fn migrate_up(&self) {
        let db = self.schema_connection().await;
        api::ops::migrate::run(&db)
            .await
            .unwrap_or_else(|e| panic!("migrating up: {e}"));
        db.close().await.expect("close the schema connection");
    }

    /// A connection of its own to the node's database for schema steps. Not the node's pool:
    /// SQLite checks `ADD COLUMN` against a connection's cached schema, and the pool hands out
    /// its idle connections in turn, so one that last ran before a column was dropped says
    /// "duplicate column name" when the column is added again.
    async fn schema_connection(&self) -> sea_orm::DatabaseConnection {
        api::db::connect(&self.state.config.database_url(), 1)
            .await
            .unwrap_or_else(|e| panic!("connect for a schema step: {e}"))
            .0
    }
}
