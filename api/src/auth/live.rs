//! Long-lived connections (GraphQL websockets) and the sessions behind them: a cap on open
//! connections per caller ([`LiveSessions::open`]) and [`Liveness`], which ends when the
//! connection's session ends (sign-out, expiry, disabled user) or its user loses a role.
//! Sign-outs are announced at once ([`LiveSessions::sessions_changed`]); expiry and role
//! changes are noticed by a re-check every `auth.session_recheck_secs`.

use crate::auth::{Actor, AuthCtx, request, session};
use crate::error::{AppError, AppResult};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// Open connections per caller and the sign-out signal.
pub struct LiveSessions {
    open: Arc<Mutex<HashMap<String, u32>>>,
    per_caller: u32,
    changed: watch::Sender<u64>,
}

/// One open connection, counted until dropped.
pub struct ConnectionSlot {
    open: Arc<Mutex<HashMap<String, u32>>>,
    key: String,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.open.lock()
            && let Some(n) = open.get_mut(&self.key)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.key);
            }
        }
    }
}

impl LiveSessions {
    /// At most `per_caller` open connections per caller.
    pub fn new(per_caller: u32) -> Self {
        Self {
            open: Arc::default(),
            per_caller,
            changed: watch::channel(0).0,
        }
    }

    /// Counts a connection of caller `key`; `TOO_MANY_REQUESTS` over the cap.
    pub fn open(&self, key: String) -> AppResult<ConnectionSlot> {
        let mut open = self
            .open
            .lock()
            .map_err(|_| AppError::Internal(anyhow::anyhow!("connection count poisoned")))?;
        let n = open.entry(key.clone()).or_default();
        if *n >= self.per_caller {
            return Err(AppError::TooManyRequests);
        }
        *n += 1;
        Ok(ConnectionSlot {
            open: self.open.clone(),
            key,
        })
    }

    /// Announces that sessions ended (a sign-out), so live connections re-check theirs now.
    pub fn sessions_changed(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// How a connection's caller is re-checked.
#[derive(Clone)]
enum Credential {
    /// A session token (cookie or bearer `wjs_…`): re-resolved.
    Session(String),
    /// A JWT access token: re-validated (expiry, user still linked and enabled).
    Jwt(String),
    /// Nothing to re-check (anonymous, peers).
    Fixed,
}

/// The caller of a long-lived connection, re-checked while it lasts.
#[derive(Clone)]
pub struct Liveness {
    auth: AuthCtx,
    actor: Actor,
    credential: Credential,
}

impl Liveness {
    /// The caller `actor`, authenticated with the bearer `token` or, without one, with the
    /// request's session cookie `cookie`.
    pub fn new(auth: &AuthCtx, actor: Actor, token: Option<&str>, cookie: Option<&str>) -> Self {
        let credential = match (&actor, token, cookie) {
            (Actor::User(_), Some(t), _) if t.starts_with(session::TOKEN_PREFIX) => {
                Credential::Session(t.to_string())
            }
            (Actor::User(_), Some(t), _) => Credential::Jwt(t.to_string()),
            (Actor::User(_), None, Some(c)) => Credential::Session(c.to_string()),
            _ => Credential::Fixed,
        };
        Self {
            auth: auth.clone(),
            actor,
            credential,
        }
    }

    /// The caller as first authenticated.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// Whether the caller is still who it was: session live, user enabled, no role lost.
    pub async fn still_valid(&self) -> bool {
        let Actor::User(before) = &self.actor else {
            return true;
        };
        let now = match &self.credential {
            Credential::Session(token) => session::resolve(&self.auth.db, token).await,
            Credential::Jwt(token) => request::actor_from_token(&self.auth, token)
                .await
                .map(|a| match a {
                    Actor::User(u) => Some(u),
                    _ => None,
                })
                .or(Ok(None)),
            Credential::Fixed => return true,
        };
        match now {
            Ok(Some(u)) => {
                u.id == before.id && before.memberships.iter().all(|m| u.memberships.contains(m))
            }
            Ok(None) => false,
            Err(e) => {
                e.log_if_internal();
                // The database is unreachable: keep the connection, check again later.
                true
            }
        }
    }

    /// Resolves when the caller is no longer who it was (see [`still_valid`](Self::still_valid)):
    /// checked on every sign-out and every `auth.session_recheck_secs`.
    pub async fn ended(self) {
        if matches!(self.credential, Credential::Fixed) {
            return std::future::pending().await;
        }
        let mut changed = self.auth.runtime.live.changed.subscribe();
        let period = Duration::from_secs(self.auth.config.auth.session_recheck_secs.max(1));
        // A sign-out announced before this subscription existed is seen by this first check;
        // later ones wake the loop.
        if !self.still_valid().await {
            return;
        }
        loop {
            tokio::select! {
                _ = tokio::time::sleep(period) => {}
                r = changed.changed() => if r.is_err() { return std::future::pending().await },
            }
            if !self.still_valid().await {
                return;
            }
        }
    }
}
