//! OpenID Connect sign-in for the web UI (authorization code flow with PKCE, via the `oauth2`
//! crate): `GET /auth/login` redirects to the provider with `state`, `nonce` and a PKCE
//! challenge; `GET /auth/callback` checks `state`, exchanges the code, validates the ID token
//! (signature via JWKS, issuer, audience = client id, expiry, nonce), maps it to a local user
//! by `sub` or e-mail and starts a server-side session (cookie).

use crate::auth::{session, users};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::http::HeaderMap;
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
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a started sign-in may take.
const PENDING_TTL: Duration = Duration::from_secs(600);

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

/// A sign-in between redirect and callback.
struct Pending {
    verifier: PkceCodeVerifier,
    nonce: String,
    started: Instant,
}

/// Sign-ins in progress, by `state`.
#[derive(Default)]
pub struct PendingLogins(Mutex<HashMap<String, Pending>>);

fn internal(what: &str) -> impl FnOnce(String) -> AppError + '_ {
    move |e| AppError::Internal(anyhow::anyhow!("{what}: {e}"))
}

/// The callback URL of this node: `node.base_url`, else the request's host.
fn redirect_url(state: &AppState, headers: &HeaderMap) -> AppResult<RedirectUrl> {
    let base = match &state.config.node.base_url {
        Some(b) => b.trim_end_matches('/').to_string(),
        None => {
            let host = headers
                .get(axum::http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .ok_or_else(|| AppError::bad_input("Host header missing"))?;
            let scheme = if state.config.auth.secure_cookies {
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

async fn client(state: &AppState, headers: &HeaderMap) -> AppResult<OidcClient> {
    let jwks = state
        .auth
        .jwks
        .as_ref()
        .ok_or_else(|| AppError::NotFound("OpenID Connect sign-in".into()))?;
    let d = jwks.discovery().await?;
    let auth = d
        .authorization_endpoint
        .ok_or_else(|| internal("discovery")("no authorization_endpoint".into()))?;
    let token = d
        .token_endpoint
        .ok_or_else(|| internal("discovery")("no token_endpoint".into()))?;
    Ok(
        oauth2::Client::new(ClientId::new(state.config.auth.client_id.clone()))
            .set_client_secret(ClientSecret::new(state.config.auth.client_secret.clone()))
            .set_auth_uri(AuthUrl::new(auth).map_err(|e| internal("auth url")(e.to_string()))?)
            .set_token_uri(TokenUrl::new(token).map_err(|e| internal("token url")(e.to_string()))?)
            .set_redirect_uri(redirect_url(state, headers)?),
    )
}

fn random_nonce() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Starts a sign-in: the provider URL to redirect the browser to.
pub async fn start(state: &AppState, headers: &HeaderMap) -> AppResult<String> {
    let client = client(state, headers).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let nonce = random_nonce();
    let (url, csrf) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("openid".into()))
        .add_scope(Scope::new("email".into()))
        .add_extra_param("nonce", nonce.clone())
        .set_pkce_challenge(challenge)
        .url();
    let mut pending = state
        .auth
        .pending
        .0
        .lock()
        .map_err(|_| internal("pending logins")("lock poisoned".into()))?;
    pending.retain(|_, p| p.started.elapsed() < PENDING_TTL);
    pending.insert(
        csrf.secret().clone(),
        Pending {
            verifier,
            nonce,
            started: Instant::now(),
        },
    );
    Ok(url.to_string())
}

/// Completes a sign-in: checks `state`, exchanges `code`, validates the ID token and starts a
/// session for the matching local user. Returns the session token.
pub async fn finish(
    state: &AppState,
    headers: &HeaderMap,
    code: &str,
    csrf: &str,
) -> AppResult<String> {
    let pending = state
        .auth
        .pending
        .0
        .lock()
        .map_err(|_| internal("pending logins")("lock poisoned".into()))?
        .remove(csrf)
        .filter(|p| p.started.elapsed() < PENDING_TTL)
        .ok_or_else(|| AppError::bad_input("unknown or expired sign-in; start again"))?;
    let client = client(state, headers).await?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| internal("http client")(e.to_string()))?;
    let token = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .set_pkce_verifier(pending.verifier)
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
    let jwks = state.auth.jwks.as_ref().ok_or(AppError::Unauthenticated)?;
    let claims = jwks
        .validate_for(&id_token, &state.config.auth.client_id)
        .await?;
    if claims.nonce.as_deref() != Some(pending.nonce.as_str()) {
        tracing::info!("OIDC ID token refused: nonce mismatch");
        return Err(AppError::Unauthenticated);
    }
    let user = users::find_for_oidc(&state.db, &claims.sub, claims.email.as_deref())
        .await?
        .ok_or_else(|| {
            AppError::Forbidden(
                "no account on this node for this identity; ask a node admin".into(),
            )
        })?;
    let (token, _) = session::create(&state.db, &user.id, state.config.auth.session_hours).await?;
    Ok(token)
}
