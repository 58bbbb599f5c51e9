//! Establishing the [`Actor`] of a request: a bearer token (session token or, with an OpenID
//! Connect issuer, a JWT access token) or the session cookie; nothing means anonymous.

use crate::auth::{Actor, AuthCtx, peer, session, users};
use crate::error::{AppError, AppResult};
use axum::http::{HeaderMap, header};
use axum_extra::extract::cookie::CookieJar;

/// The bearer token of the `Authorization` header, if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// How a request presents itself, before the credentials are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credentials {
    /// Nothing: anonymous.
    None,
    /// The session cookie of the web UI (sent by browsers on their own: ambient authority).
    Cookie,
    /// An `Authorization: Bearer` token (never sent by a browser on its own).
    Bearer,
    /// A peer node (`X-Wijk-Node`).
    Peer,
}

/// The kind of credentials the request carries, in the order [`actor`] looks at them.
pub fn credentials(headers: &HeaderMap) -> Credentials {
    if headers.contains_key(peer::NODE_HEADER) {
        Credentials::Peer
    } else if bearer(headers).is_some() {
        Credentials::Bearer
    } else if session_cookie(headers).is_some_and(|c| !c.is_empty()) {
        Credentials::Cookie
    } else {
        Credentials::None
    }
}

/// The session cookie, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    CookieJar::from_headers(headers)
        .get(session::COOKIE)
        .map(|c| c.value().to_string())
}

/// Resolves a bearer token: `UNAUTHENTICATED` when it is invalid, expired or unknown.
pub async fn actor_from_token(auth: &AuthCtx, token: &str) -> AppResult<Actor> {
    if token.starts_with(session::TOKEN_PREFIX) {
        return match session::resolve(&auth.db, token).await? {
            Some(u) => Ok(Actor::User(u)),
            None => Err(AppError::Unauthenticated),
        };
    }
    let Some(jwks) = &auth.runtime.jwks else {
        return Err(AppError::Unauthenticated);
    };
    let claims = jwks.validate(token).await?;
    let email = claims.email.as_deref().filter(|_| claims.email_verified());
    match users::find_for_oidc(&auth.db, &claims.sub, email).await? {
        Some(u) => Ok(Actor::User(u)),
        None => Err(AppError::Forbidden(
            "no account on this node for this identity; ask a node admin".into(),
        )),
    }
}

/// The actor of a request. A bad bearer token is an error; a stale cookie is anonymous.
pub async fn actor(auth: &AuthCtx, headers: &HeaderMap) -> AppResult<Actor> {
    if let Some(node) = headers.get(peer::NODE_HEADER) {
        let node = node.to_str().map_err(|_| AppError::Unauthenticated)?;
        let jwks = auth.runtime.jwks.as_ref();
        return peer::authenticate(&auth.config, jwks, node, bearer(headers)).await;
    }
    if let Some(token) = bearer(headers) {
        return actor_from_token(auth, token).await;
    }
    if let Some(token) = session_cookie(headers)
        && let Some(u) = session::resolve(&auth.db, &token).await?
    {
        return Ok(Actor::User(u));
    }
    Ok(Actor::Anonymous)
}
