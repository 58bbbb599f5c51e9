//! JWTs of an OpenID Connect provider: issuer and JWKS discovered via
//! `/.well-known/openid-configuration`, keys cached by `kid`; issuer, audience, expiry and
//! signature checked. Bearer tokens must be access tokens: an ID token (meant for this node's
//! sign-in only) is refused as a bearer token ([`is_id_token`]).
//!
//! An unknown `kid` refreshes the keys: one fetch at a time (callers waiting for it use its
//! result), at most once per [`MIN_REFRESH`], and not again for [`RETRY_AFTER_FAILURE`] after a
//! failed fetch. The cached keys stay readable while a fetch runs.

use crate::error::{AppError, AppResult};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation, decode, decode_header};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, RwLock};

/// Shortest interval between two JWKS fetches triggered by unknown keys.
pub const MIN_REFRESH: Duration = Duration::from_secs(5);

/// After a failed fetch of the discovery document or the JWKS, no new fetch for this long.
pub const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(10);

/// Allowed clock skew when checking `exp`, in seconds.
pub const LEEWAY_SECS: u64 = 5;

/// What this node uses of the provider's discovery document.
#[derive(Clone, Debug, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub jwks_uri: String,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub end_session_endpoint: Option<String>,
}

/// The claims of an accepted token.
#[derive(Clone, Debug, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub email: Option<String>,
    /// Whether the provider verified `email` (a boolean, or `"true"` from some providers).
    #[serde(default)]
    pub email_verified: Option<serde_json::Value>,
    pub exp: i64,
    /// The nonce of an ID token.
    pub nonce: Option<String>,
    /// ID-token markers (OpenID Connect Core 3.1.3.6, 3.3.2.11).
    #[serde(default)]
    pub at_hash: Option<String>,
    #[serde(default)]
    pub c_hash: Option<String>,
    /// Keycloak's token type claim (`ID` on ID tokens).
    #[serde(default)]
    pub typ: Option<String>,
    /// Amazon Cognito's token use claim (`id` on ID tokens).
    #[serde(default)]
    pub token_use: Option<String>,
}

impl Claims {
    /// Whether the provider says the e-mail address belongs to the person.
    pub fn email_verified(&self) -> bool {
        match &self.email_verified {
            Some(serde_json::Value::Bool(b)) => *b,
            Some(serde_json::Value::String(s)) => s.eq_ignore_ascii_case("true"),
            _ => false,
        }
    }
}

/// Whether a token is an ID token rather than an access token: a header `typ` of `at+jwt`
/// (RFC 9068) marks an access token; otherwise any ID-token marker (`nonce`, `at_hash`,
/// `c_hash`, `typ: ID`, `token_use: id`) makes it an ID token.
pub fn is_id_token(header: &Header, claims: &Claims) -> bool {
    let typ = header
        .typ
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if typ == "at+jwt" || typ == "application/at+jwt" {
        return false;
    }
    claims.nonce.is_some()
        || claims.at_hash.is_some()
        || claims.c_hash.is_some()
        || claims
            .typ
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("id"))
        || claims.token_use.as_deref() == Some("id")
}

/// The state of fetching, held by the one caller that fetches.
#[derive(Default)]
struct Fetching {
    last_attempt: Option<Instant>,
    last_failed: bool,
    discovery_failed: Option<Instant>,
}

/// Validates JWTs against one issuer's published keys.
pub struct JwksValidator {
    issuer: String,
    audience: String,
    http: reqwest::Client,
    discovery: RwLock<Option<Discovery>>,
    keys: RwLock<HashMap<String, (DecodingKey, Algorithm)>>,
    /// Single flight: whoever holds it fetches.
    fetching: Mutex<Fetching>,
    fetches: AtomicU64,
    attempts: AtomicU64,
}

fn unauthenticated<E: std::fmt::Display>(why: &'static str) -> impl FnOnce(E) -> AppError {
    move |e| {
        tracing::info!(reason = why, error = %e, "token refused");
        AppError::Unauthenticated
    }
}

fn unavailable(what: &str) -> AppError {
    AppError::Internal(anyhow::anyhow!(
        "{what}: the last fetch failed less than {} s ago",
        RETRY_AFTER_FAILURE.as_secs()
    ))
}

impl JwksValidator {
    /// A validator for tokens of `issuer` meant for `audience`; nothing is fetched yet.
    pub fn new(issuer: &str, audience: &str) -> Self {
        Self {
            issuer: issuer.trim_end_matches('/').to_string(),
            audience: audience.to_string(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            discovery: RwLock::new(None),
            keys: RwLock::new(HashMap::new()),
            fetching: Mutex::new(Fetching::default()),
            fetches: AtomicU64::new(0),
            attempts: AtomicU64::new(0),
        }
    }

    /// The provider's discovery document (fetched once).
    pub async fn discovery(&self) -> AppResult<Discovery> {
        if let Some(d) = self.discovery.read().await.as_ref() {
            return Ok(d.clone());
        }
        let mut fetching = self.fetching.lock().await;
        self.discovery_fetching(&mut fetching).await
    }

    async fn discovery_fetching(&self, fetching: &mut Fetching) -> AppResult<Discovery> {
        if let Some(d) = self.discovery.read().await.as_ref() {
            return Ok(d.clone());
        }
        if fetching
            .discovery_failed
            .is_some_and(|t| t.elapsed() < RETRY_AFTER_FAILURE)
        {
            return Err(unavailable("OIDC discovery"));
        }
        let url = format!("{}/.well-known/openid-configuration", self.issuer);
        self.attempts.fetch_add(1, Ordering::SeqCst);
        let fetched: AppResult<Discovery> = async {
            let d: Discovery = self
                .http
                .get(&url)
                .send()
                .await
                .and_then(|r| r.error_for_status())
                .map_err(|e| AppError::Internal(anyhow::anyhow!("OIDC discovery {url}: {e}")))?
                .json()
                .await
                .map_err(|e| AppError::Internal(anyhow::anyhow!("OIDC discovery {url}: {e}")))?;
            if d.issuer.trim_end_matches('/') != self.issuer {
                return Err(AppError::Internal(anyhow::anyhow!(
                    "OIDC discovery: issuer {} differs from the configured one",
                    d.issuer
                )));
            }
            Ok(d)
        }
        .await;
        match fetched {
            Ok(d) => {
                fetching.discovery_failed = None;
                *self.discovery.write().await = Some(d.clone());
                Ok(d)
            }
            Err(e) => {
                fetching.discovery_failed = Some(Instant::now());
                Err(e)
            }
        }
    }

    /// How many times the JWKS was fetched successfully (for tests and metrics).
    pub async fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::SeqCst)
    }

    /// How many times the provider was asked for its discovery document or keys, failed
    /// attempts included.
    pub fn fetch_attempts(&self) -> u64 {
        self.attempts.load(Ordering::SeqCst)
    }

    async fn fetch_keys(&self, uri: &str) -> AppResult<HashMap<String, (DecodingKey, Algorithm)>> {
        let set: JwkSet = self
            .http
            .get(uri)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| AppError::Internal(anyhow::anyhow!("JWKS {uri}: {e}")))?
            .json()
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("JWKS {uri}: {e}")))?;
        let mut keys = HashMap::new();
        for jwk in &set.keys {
            let (Some(kid), Ok(key)) = (jwk.common.key_id.clone(), DecodingKey::from_jwk(jwk))
            else {
                continue;
            };
            let alg = jwk
                .common
                .key_algorithm
                .and_then(|a| a.to_string().parse::<Algorithm>().ok());
            let alg = alg.unwrap_or(match &jwk.algorithm {
                jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(_) => Algorithm::ES256,
                jsonwebtoken::jwk::AlgorithmParameters::OctetKeyPair(_) => Algorithm::EdDSA,
                _ => Algorithm::RS256,
            });
            keys.insert(kid, (key, alg));
        }
        Ok(keys)
    }

    /// Fetches the keys again, unless a fetch just happened (then its result counts) or
    /// failed less than [`RETRY_AFTER_FAILURE`] ago.
    async fn refresh(&self) -> AppResult<()> {
        let seen = self.fetches.load(Ordering::SeqCst);
        let mut fetching = self.fetching.lock().await;
        if self.fetches.load(Ordering::SeqCst) != seen {
            return Ok(());
        }
        if let Some(t) = fetching.last_attempt {
            if fetching.last_failed && t.elapsed() < RETRY_AFTER_FAILURE {
                return Err(unavailable("JWKS"));
            }
            if !fetching.last_failed && t.elapsed() < MIN_REFRESH {
                return Ok(());
            }
        }
        let uri = self.discovery_fetching(&mut fetching).await?.jwks_uri;
        fetching.last_attempt = Some(Instant::now());
        self.attempts.fetch_add(1, Ordering::SeqCst);
        match self.fetch_keys(&uri).await {
            Ok(keys) => {
                *self.keys.write().await = keys;
                fetching.last_failed = false;
                self.fetches.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
            Err(e) => {
                fetching.last_failed = true;
                Err(e)
            }
        }
    }

    async fn key(&self, kid: &str) -> Option<(DecodingKey, Algorithm)> {
        self.keys.read().await.get(kid).cloned()
    }

    /// Checks signature (a published key, by `kid`), issuer, `audience` and expiry.
    async fn decode(&self, token: &str, audience: &str) -> AppResult<(Header, Claims)> {
        let header = decode_header(token).map_err(unauthenticated("malformed"))?;
        let kid = header.kid.clone().ok_or(AppError::Unauthenticated)?;
        let (key, alg) = match self.key(&kid).await {
            Some(k) => k,
            None => {
                self.refresh().await?;
                self.key(&kid).await.ok_or_else(|| {
                    tracing::info!("token refused: unknown key id");
                    AppError::Unauthenticated
                })?
            }
        };
        if header.alg != alg {
            return Err(AppError::Unauthenticated);
        }
        let mut v = Validation::new(alg);
        v.set_issuer(&[self.issuer.as_str(), &format!("{}/", self.issuer)]);
        v.set_audience(&[audience]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        v.leeway = LEEWAY_SECS;
        let claims = decode::<Claims>(token, &key, &v)
            .map(|d| d.claims)
            .map_err(unauthenticated("invalid"))?;
        Ok((header, claims))
    }

    /// Checks a bearer access token for the configured audience (`auth.audience`).
    pub async fn validate(&self, token: &str) -> AppResult<Claims> {
        let audience = self.audience.clone();
        self.validate_access_for(token, &audience).await
    }

    /// Checks a bearer access token meant for `audience`; ID tokens are refused.
    pub async fn validate_access_for(&self, token: &str, audience: &str) -> AppResult<Claims> {
        let (header, claims) = self.decode(token, audience).await?;
        if is_id_token(&header, &claims) {
            tracing::info!("bearer token refused: an ID token is no access token");
            return Err(AppError::Unauthenticated);
        }
        Ok(claims)
    }

    /// Checks an ID token of this node's sign-in (audience: the client id).
    pub async fn validate_id_token(&self, token: &str, client_id: &str) -> AppResult<Claims> {
        Ok(self.decode(token, client_id).await?.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(extra: serde_json::Value) -> Claims {
        let mut c = serde_json::json!({"sub": "s", "exp": 1});
        if let (Some(c), Some(extra)) = (c.as_object_mut(), extra.as_object()) {
            c.extend(extra.clone());
        }
        serde_json::from_value(c).unwrap()
    }

    #[test]
    fn id_tokens_are_told_from_access_tokens() {
        let plain = Header::new(Algorithm::RS256);
        let mut at = plain.clone();
        at.typ = Some("at+jwt".into());
        assert!(!is_id_token(&plain, &claims(serde_json::json!({}))));
        assert!(is_id_token(
            &plain,
            &claims(serde_json::json!({"nonce": "n"}))
        ));
        assert!(is_id_token(
            &plain,
            &claims(serde_json::json!({"at_hash": "h"}))
        ));
        assert!(is_id_token(
            &plain,
            &claims(serde_json::json!({"typ": "ID"}))
        ));
        assert!(is_id_token(
            &plain,
            &claims(serde_json::json!({"token_use": "id"}))
        ));
        assert!(!is_id_token(
            &at,
            &claims(serde_json::json!({"nonce": "n"}))
        ));
        assert!(claims(serde_json::json!({"email_verified": "true"})).email_verified());
        assert!(!claims(serde_json::json!({"email_verified": false})).email_verified());
        assert!(!claims(serde_json::json!({})).email_verified());
    }
}
