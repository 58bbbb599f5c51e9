//! Server-side sessions: a random token goes to the client (cookie or bearer), only its SHA-256
//! hash is stored, with the user and an expiry.

use crate::auth::{User, users};
use crate::error::AppResult;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use entities::session;
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

/// Prefix of session tokens, so they are told apart from JWTs and recognised in leaks.
pub const TOKEN_PREFIX: &str = "wjs_";

/// Name of the session cookie of the web UI.
pub const COOKIE: &str = "wijk_session";

/// Hex SHA-256 of a token: what is stored.
pub fn token_hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Starts a session for `user_id`; returns the token (shown once) and its expiry.
pub async fn create(
    db: &impl ConnectionTrait,
    user_id: &str,
    hours: i64,
) -> AppResult<(String, DateTime<Utc>)> {
    let token = new_token();
    let now = Utc::now();
    let expires = now + Duration::hours(hours.max(1));
    session::ActiveModel {
        token_hash: Set(token_hash(&token)),
        user_id: Set(user_id.to_string()),
        created_at: Set(now),
        expires_at: Set(expires),
    }
    .insert(db)
    .await?;
    Ok((token, expires))
}

/// The user of a live session, or `None` for an unknown, expired or disabled one.
pub async fn resolve(db: &impl ConnectionTrait, token: &str) -> AppResult<Option<User>> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let Some(s) = session::Entity::find_by_id(token_hash(token))
        .filter(session::Column::ExpiresAt.gt(Utc::now()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    users::find(db, &s.user_id).await
}

/// Ends a session (no error when it does not exist).
pub async fn revoke(db: &impl ConnectionTrait, token: &str) -> AppResult<()> {
    session::Entity::delete_many()
        .filter(session::Column::TokenHash.eq(token_hash(token)))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes sessions that expired before `now`; returns how many.
pub async fn delete_expired(db: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<u64> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?
        .rows_affected)
}
