//! How an actor is established: local accounts, OpenID Connect sessions, bearer JWTs, peer
//! credentials, with the throttles and limits around sign-in. What an actor may do is
//! [`crate::domain::actor`].

pub mod client_ip;
pub mod jwt;
pub mod live;
pub mod local;
pub mod oidc;
pub mod password;
pub mod peer;
pub mod redirect;
pub mod request;
pub mod routes;
pub mod same_origin;
pub mod session;
pub mod throttle;
pub mod users;

use crate::config::Config;
use crate::error::AppResult;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;

pub use crate::domain::actor::{Actor, Membership, User};

/// The sign-in machinery of a running node, shared in app state.
pub struct AuthRuntime {
    /// Lockout after failed local sign-ins.
    pub logins: throttle::LoginThrottle,
    /// Mutations per caller and minute.
    pub mutations: throttle::RateLimiter,
    /// Self-referrals per client address and hour.
    pub self_referrals: throttle::HourlyLimit,
    /// Bearer JWT validation, when an OpenID Connect issuer is configured.
    pub jwks: Option<jwt::JwksValidator>,
    /// Signs the short-lived cookie that binds an OpenID Connect sign-in to its browser.
    pub login_key: oidc::LoginKey,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub proxies: client_ip::TrustedProxies,
    /// Open websockets per caller, and news of ended sessions.
    pub live: live::LiveSessions,
}

impl AuthRuntime {
    /// Built from the `[auth]` and `[server]` config; a bad `server.trusted_proxies` entry
    /// is `BAD_USER_INPUT`.
    pub fn new(config: &Config) -> AppResult<Self> {
        let auth = &config.auth;
        Ok(Self {
            logins: throttle::LoginThrottle::new(
                auth.login_free_failures,
                Duration::from_secs(auth.login_lockout_secs),
            ),
            mutations: throttle::RateLimiter::new(auth.mutations_per_minute),
            self_referrals: throttle::HourlyLimit::new(auth.self_referrals_per_hour),
            jwks: auth.issuer.as_deref().map(|issuer| {
                jwt::JwksValidator::new(issuer, auth.audience.as_deref().unwrap_or(&auth.client_id))
            }),
            login_key: oidc::LoginKey::from_config(auth),
            proxies: client_ip::TrustedProxies::parse(&config.server.trusted_proxies)?,
            live: live::LiveSessions::new(config.server.ws_connections_per_user),
        })
    }
}

/// What establishing an actor needs of a running node: the database (users and sessions), the
/// configuration (`[auth]`, `node.base_url`, the federation peers) and the sign-in runtime.
/// Cheap to clone. Handlers extract it with axum's `FromRef` from the app state, which the
/// composition root implements; this module knows nothing of the app state.
#[derive(Clone)]
pub struct AuthCtx {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub runtime: Arc<AuthRuntime>,
}
