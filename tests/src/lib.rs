//! Test harness: [`TestApp::spawn`] starts a real node (migrated, seeded) on a random loopback
//! port with its own database: a fresh SQLite file, or a fresh PostgreSQL database when
//! `TEST_DATABASE_URL` (an admin URL such as `postgres://postgres@127.0.0.1/postgres`) is set.

#![allow(clippy::unwrap_used, clippy::expect_used)]

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

/// Creates a fresh PostgreSQL database and returns its URL.
pub async fn fresh_postgres(admin_url: &str) -> String {
    let name = format!("wijk_test_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(admin_url)
        .await
        .expect("connect to TEST_DATABASE_URL");
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

impl TestApp {
    /// A node with default test config (node id `test`, all demo data).
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// A node with config adjusted by `edit`.
    pub async fn spawn_with(edit: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = Config {
            data_dir: dir.path().to_path_buf(),
            ..Default::default()
        };
        config.node.id = "test".into();
        config.server.bind = "127.0.0.1:0".into();
        if let Ok(admin) = std::env::var("TEST_DATABASE_URL") {
            config.database.url = fresh_postgres(&admin).await;
        }
        edit(&mut config);
        let state = api::app::prepare(config)
            .await
            .unwrap_or_else(|e| panic!("prepare: {}", e.message()));
        Self::serve(state, dir).await
    }

    /// Serves a prepared state on a random port.
    pub async fn serve(state: AppState, dir: tempfile::TempDir) -> Self {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let bind = state.config.server.bind.clone();
        let server = api::app::serve(state.clone(), &bind, web::routes(), async {
            let _ = rx.await;
        })
        .await
        .unwrap_or_else(|e| panic!("serve: {}", e.message()));
        Self {
            addr: server.addr,
            state,
            client: reqwest::Client::new(),
            dir,
            shutdown: Some(tx),
            handle: Some(server.handle),
        }
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// POSTs a GraphQL request and returns the whole response body.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.client
            .post(self.url("/graphql"))
            .json(&json!({"query": query, "variables": variables}))
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
            .unwrap_or_else(|e| panic!("prepare: {}", e.message()));
        Self::serve(state, dir).await
    }
}

/// A free loopback port (bound and released), for nodes that must know each other's address
/// before they start.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// The `extensions.code` of the first error of a GraphQL response.
pub fn error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

/// The `extensions.field` of the first error of a GraphQL response.
pub fn error_field(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["field"].as_str()
}
