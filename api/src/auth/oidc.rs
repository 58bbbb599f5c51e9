//! OpenID Connect sign-in for the web UI (authorization code flow with PKCE, via the `oauth2`
//! crate): `GET /auth/login` redirects to the provider with `state`, `nonce` and a PKCE
//! challenge; `GET /auth/callback` checks `state`, exchanges the code, validates the ID token
//! (signature via JWKS, issuer, audience = client id, expiry, nonce), maps it to a local user
//! by `sub` or verified e-mail and starts a server-side session (cookie).
//!
//! The node keeps nothing between redirect and callback: `state`, PKCE verifier, nonce and
//! where to return travel in a short-lived cookie ([`LOGIN_COOKIE`], HttpOnly, SameSite=Lax,
//! `Path=/auth`) signed with the node's [`LoginKey`]. The callback must come with
//! the cookie of the browser that started the sign-in, so a callback URL replayed in another
//! browser is refused, and anonymous sign-in starts cost no memory.

use crate::auth::{AuthCtx, redirect, session, users};
use crate::config::Config;
use crate::error::{AppError, AppResult};
use axum::http::HeaderMap;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    StandardRevocableToken, StandardTokenResponse, TokenUrl,
};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How long a started sign-in may take.
pub const PENDING_TTL: Duration = Duration::from_secs(600);

/// Name of the cookie that carries a started sign-in.
pub const LOGIN_COOKIE: &str = "wijk_oidc";

/// The `id_token` of the token response.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct IdTokenField {
    /// The ID token (a JWT).
    pub id_token: Option<String>,
}

impl ExtraTokenFields for IdTokenField {}

type TokenResponse = StandardTokenResponse<IdTokenField, BasicTokenType>;
type OidcClient = oauth2::Client<
    BasicErrorResponse,
    TokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// The key that signs sign-in cookies. Derived from the client secret, so every replica of a
/// node behind one reverse proxy accepts the cookie another replica set (and a restart keeps
/// sign-ins in progress); random per process when there is no secret (a public client).
pub struct LoginKey([u8; 32]);

impl LoginKey {
    /// The key of a node with the `[auth]` config `config`.
    pub fn from_config(config: &crate::config::AuthConfig) -> Self {
        if config.client_secret.is_empty() {
            return Self::random();
        }
        use sha2::Digest;
        let mut hash = sha2::Sha256::new();
        hash.update(b"wijkwijzer sign-in cookie key v1\0");
        hash.update(config.client_secret.as_bytes());
        Self(hash.finalize().into())
    }

    /// A fresh random key.
    pub fn random() -> Self {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        Self(key)
    }
}

/// A sign-in between redirect and callback, as carried by [`LOGIN_COOKIE`].
#[derive(Serialize, Deserialize)]
struct Pending {
    state: String,
    verifier: String,
    nonce: String,
    /// A local path to return to.
    next: String,
    exp: i64,
}

/// A started sign-in: where to send the browser, and the cookie value binding it.
pub struct Started {
    pub url: String,
    pub cookie: String,
}

/// A finished sign-in: the session token and the local path to return to.
pub struct Finished {
    pub token: String,
    pub next: String,
}

fn internal(what: &str) -> impl FnOnce(String) -> AppError + '_ {
    move |e| AppError::Internal(anyhow::anyhow!("{what}: {e}"))
}

/// The callback URL of this node: `node.base_url`, else the request's host.
fn redirect_url(config: &Config, headers: &HeaderMap) -> AppResult<RedirectUrl> {
    let base = match &config.node.base_url {
        Some(b) => b.trim_end_matches('/').to_string(),
        None => {
            let host = headers
                .get(axum::http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .ok_or_else(|| AppError::bad_input("Host header missing"))?;
            let scheme = if config.auth.secure_cookies {
                "https"
            } else {
                "http"
            };
            format!("{scheme}://{host}")
        }
    };
    RedirectUrl::new(format!("{base}/auth/callback"))
        .map_err(|e| internal("redirect url")(e.to_string()))
}

async fn client(auth: &AuthCtx, headers: &HeaderMap) -> AppResult<OidcClient> {
    let jwks = auth
        .runtime
        .jwks
        .as_ref()
        .ok_or_else(|| AppError::NotFound("OpenID Connect sign-in".into()))?;
    let d = jwks.discovery().await?;
    let auth_url = d
        .authorization_endpoint
        .ok_or_else(|| internal("discovery")("no authorization_endpoint".into()))?;
    let token = d
        .token_endpoint
        .ok_or_else(|| internal("discovery")("no token_endpoint".into()))?;
    Ok(
        oauth2::Client::new(ClientId::new(auth.config.auth.client_id.clone()))
            .set_client_secret(ClientSecret::new(auth.config.auth.client_secret.clone()))
            .set_auth_uri(AuthUrl::new(auth_url).map_err(|e| internal("auth url")(e.to_string()))?)
            .set_token_uri(TokenUrl::new(token).map_err(|e| internal("token url")(e.to_string()))?)
            .set_redirect_uri(redirect_url(&auth.config, headers)?),
    )
}

fn random_nonce() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Starts a sign-in that returns to `next` (a local path): the provider URL to redirect
/// the browser to and the signed cookie value that binds the sign-in to this browser.
pub async fn start(auth: &AuthCtx, headers: &HeaderMap, next: Option<&str>) -> AppResult<Started> {
    let client = client(auth, headers).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let nonce = random_nonce();
    let (url, csrf) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("openid".into()))
        .add_scope(Scope::new("email".into()))
        .add_extra_param("nonce", nonce.clone())
        .set_pkce_challenge(challenge)
        .url();
    let pending = Pending {
        state: csrf.secret().clone(),
        verifier: verifier.secret().clone(),
        nonce,
        next: redirect::safe_next(next).to_string(),
        exp: chrono::Utc::now().timestamp() + PENDING_TTL.as_secs() as i64,
    };
    let cookie = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &pending,
        &EncodingKey::from_secret(&auth.runtime.login_key.0),
    )
    .map_err(|e| internal("sign-in cookie")(e.to_string()))?;
    Ok(Started {
        url: url.to_string(),
        cookie,
    })
}

/// The sign-in carried by `cookie`, if `key` signed it, it is unexpired and for `csrf`.
fn pending(key: &LoginKey, cookie: Option<&str>, csrf: &str) -> AppResult<Pending> {
    let refused = || AppError::bad_input("unknown or expired sign-in; start again");
    let mut v = Validation::new(Algorithm::HS256);
    v.set_required_spec_claims(&["exp"]);
    v.leeway = 0;
    let pending = jsonwebtoken::decode::<Pending>(
        cookie.ok_or_else(refused)?,
        &DecodingKey::from_secret(&key.0),
        &v,
    )
    .map_err(|_| refused())?
    .claims;
    // Both values are random and secret to the browser; compare their digests anyway.
    use sha2::{Digest, Sha256};
    if Sha256::digest(pending.state.as_bytes()) != Sha256::digest(csrf.as_bytes()) {
        tracing::info!("OIDC callback refused: state of another sign-in");
        return Err(refused());
    }
    Ok(pending)
}

/// Completes a sign-in: checks `state` against the browser's sign-in `cookie`, exchanges
/// `code`, validates the ID token and starts a session for the matching local user.
pub async fn finish(
    auth: &AuthCtx,
    headers: &HeaderMap,
    code: &str,
    csrf: &str,
    cookie: Option<&str>,
) -> AppResult<Finished> {
    let pending = pending(&auth.runtime.login_key, cookie, csrf)?;
    let client = client(auth, headers).await?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| internal("http client")(e.to_string()))?;
    let token = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier))
        .request_async(&http)
        .await
        .map_err(|e| {
            tracing::info!(error = %e, "OIDC code exchange failed");
            AppError::Unauthenticated
        })?;
    let id_token = token
        .extra_fields()
        .id_token
        .clone()
        .ok_or(AppError::Unauthenticated)?;
    let jwks = auth
        .runtime
        .jwks
        .as_ref()
        .ok_or(AppError::Unauthenticated)?;
    let claims = jwks
        .validate_id_token(&id_token, &auth.config.auth.client_id)
        .await?;
    if claims.nonce.as_deref() != Some(pending.nonce.as_str()) {
        tracing::info!("OIDC ID token refused: nonce mismatch");
        return Err(AppError::Unauthenticated);
    }
    let email = claims.email.as_deref().filter(|_| claims.email_verified());
    let user = users::find_for_oidc(&auth.db, &claims.sub, email)
        .await?
        .ok_or_else(|| {
            AppError::Forbidden(
                "no account on this node for this identity; ask a node admin".into(),
            )
        })?;
    let (token, _) = session::create(&auth.db, &user.id, auth.config.auth.session_hours).await?;
    Ok(Finished {
        token,
        next: redirect::safe_next(Some(&pending.next)).to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::LoginKey;
    use crate::config::AuthConfig;

    /// Replicas (and a restarted node) with one client secret sign sign-in cookies alike, so
    /// a callback that reaches another replica than the sign-in start still completes.
    #[test]
    fn replicas_with_one_client_secret_share_the_sign_in_key() {
        let config = |secret: &str| AuthConfig {
            client_secret: secret.into(),
            ..Default::default()
        };
        let a = LoginKey::from_config(&config("s3cret"));
        let b = LoginKey::from_config(&config("s3cret"));
        let other = LoginKey::from_config(&config("another"));
        assert_eq!(a.0, b.0);
        assert_ne!(a.0, other.0);
        let public = LoginKey::from_config(&config(""));
        assert_ne!(
            public.0,
            LoginKey::from_config(&config("")).0,
            "random without a secret"
        );
    }
}
