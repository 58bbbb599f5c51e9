//! Local accounts (the embedded default): e-mail and password sign-in, throttled per e-mail
//! and per IP. Off when an OpenID Connect issuer is configured.

use crate::auth::{AuthCtx, User, password, session, users};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use std::net::IpAddr;
use std::sync::OnceLock;

/// A started session.
pub struct SignedIn {
    /// The session token (cookie value or bearer token); shown once.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: User,
}

/// A hash verified when the e-mail is unknown, so both cases take the same time.
fn dummy_hash() -> Option<&'static str> {
    static HASH: OnceLock<Option<String>> = OnceLock::new();
    HASH.get_or_init(|| password::hash("not-a-real-password-at-all").ok())
        .as_deref()
}

/// Signs in with e-mail and password; `UNAUTHENTICATED` ("e-mail or password is wrong") for a
/// wrong pair,
/// `TOO_MANY_REQUESTS` while the e-mail or IP is locked after repeated failures.
pub async fn login(
    auth: &AuthCtx,
    email: &str,
    password_text: &str,
    ip: Option<IpAddr>,
) -> AppResult<SignedIn> {
    if !auth.config.auth.local_enabled() {
        return Err(AppError::Forbidden(
            "local accounts are off on this node; sign in at /auth/login".into(),
        ));
    }
    let attempt = auth.runtime.logins.begin(email, ip)?;
    let row = users::find_by_email(&auth.db, email).await?;
    let candidate = row
        .as_ref()
        .filter(|u| !u.disabled)
        .and_then(|u| u.password_hash.clone());
    let pw = password_text.to_string();
    let ok = tokio::task::spawn_blocking(move || match candidate {
        Some(hash) => password::verify(&pw, &hash),
        None => {
            if let Some(h) = dummy_hash() {
                password::verify(&pw, h);
            }
            false
        }
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?;
    let (true, Some(row)) = (ok, row) else {
        attempt.failed();
        tracing::info!("failed local sign-in");
        return Err(AppError::WrongCredentials);
    };
    attempt.succeeded();
    let user = users::find(&auth.db, &row.id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let (token, expires_at) =
        session::create(&auth.db, &user.id, auth.config.auth.session_hours).await?;
    Ok(SignedIn {
        token,
        expires_at,
        user,
    })
}
