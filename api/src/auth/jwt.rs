//! Bearer JWT access tokens of an OpenID Connect provider: issuer and JWKS discovered via
//! `/.well-known/openid-configuration`, keys cached by `kid` and refreshed when an unknown `kid`
//! appears (at most once per [`MIN_REFRESH`]); issuer, audience, expiry and signature checked.

use crate::error::{AppError, AppResult};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, RwLock};

/// Shortest interval between two JWKS fetches triggered by unknown keys.
pub const MIN_REFRESH: Duration = Duration::from_secs(5);

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

/// The claims of an accepted access token.
#[derive(Clone, Debug, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub email: Option<String>,
    pub exp: i64,
    /// The nonce of an ID token.
    pub nonce: Option<String>,
}

struct KeyCache {
    keys: HashMap<String, (DecodingKey, Algorithm)>,
    fetched: Option<Instant>,
    fetches: u64,
}

/// Validates bearer JWTs against one issuer's published keys.
pub struct JwksValidator {
    issuer: String,
    audience: String,
    http: reqwest::Client,
    discovery: Mutex<Option<Discovery>>,
    cache: RwLock<KeyCache>,
}

fn unauthenticated<E: std::fmt::Display>(why: &'static str) -> impl FnOnce(E) -> AppError {
    move |e| {
        tracing::info!(reason = why, error = %e, "bearer token refused");
        AppError::Unauthenticated
    }
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
            discovery: Mutex::new(None),
            cache: RwLock::new(KeyCache {
                keys: HashMap::new(),
                fetched: None,
                fetches: 0,
            }),
        }
    }

    /// The provider's discovery document (fetched once).
    pub async fn discovery(&self) -> AppResult<Discovery> {
        let mut slot = self.discovery.lock().await;
        if let Some(d) = slot.as_ref() {
            return Ok(d.clone());
        }
        let url = format!("{}/.well-known/openid-configuration", self.issuer);
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
        *slot = Some(d.clone());
        Ok(d)
    }

    /// How many times the JWKS was fetched (for tests and metrics).
    pub async fn fetches(&self) -> u64 {
        self.cache.read().await.fetches
    }

    async fn refresh(&self) -> AppResult<()> {
        let mut cache = self.cache.write().await;
        if cache.fetched.is_some_and(|t| t.elapsed() < MIN_REFRESH) {
            return Ok(());
        }
        let uri = self.discovery().await?.jwks_uri;
        let set: JwkSet = self
            .http
            .get(&uri)
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
        cache.keys = keys;
        cache.fetched = Some(Instant::now());
        cache.fetches += 1;
        Ok(())
    }

    async fn key(&self, kid: &str) -> Option<(DecodingKey, Algorithm)> {
        self.cache.read().await.keys.get(kid).cloned()
    }

    /// Checks an access token: signature (a published key, by `kid`), issuer, the configured
    /// audience and expiry.
    pub async fn validate(&self, token: &str) -> AppResult<Claims> {
        let audience = self.audience.clone();
        self.validate_for(token, &audience).await
    }

    /// Like [`validate`](Self::validate) for another audience (an ID token's is the client id).
    pub async fn validate_for(&self, token: &str, audience: &str) -> AppResult<Claims> {
        let header = decode_header(token).map_err(unauthenticated("malformed"))?;
        let kid = header.kid.ok_or(AppError::Unauthenticated)?;
        let (key, alg) = match self.key(&kid).await {
            Some(k) => k,
            None => {
                self.refresh().await?;
                self.key(&kid).await.ok_or_else(|| {
                    tracing::info!("bearer token refused: unknown key id");
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
        decode::<Claims>(token, &key, &v)
            .map(|d| d.claims)
            .map_err(unauthenticated("invalid"))
    }
}
