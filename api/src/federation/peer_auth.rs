//! Node-to-node credentials: a per-peer shared secret (embedded default) or OAuth2 client
//! credentials against this node's identity provider. A client-credentials token is asked for
//! the peer it is meant for (`resource` = the peer's base URL, RFC 8707) and accepted only when
//! it was issued for this node: its audience is [`peer_audience`], it is an access token (not
//! an ID token) and its subject is the calling peer's `inbound_client_id`.

use crate::auth::Actor;
use crate::config::{FederationConfig, PeerConfig};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use oauth2::basic::BasicClient;
use oauth2::{ClientId, ClientSecret, TokenResponse, TokenUrl};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Header in which a calling node names itself.
pub const NODE_HEADER: &str = "x-wijk-node";

fn same_secret(a: &str, b: &str) -> bool {
    // Comparing digests keeps the comparison time independent of where the secrets differ.
    Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes())
}

/// Checks an inbound call's shared secret: node `node` presenting `bearer`.
pub fn check_secret(
    config: &FederationConfig,
    node: &str,
    bearer: Option<&str>,
) -> AppResult<Actor> {
    let peer = config
        .peers
        .iter()
        .find(|p| p.id == node)
        .ok_or(AppError::Unauthenticated)?;
    match (&peer.secret, bearer) {
        (Some(secret), Some(given)) if same_secret(secret, given) => {
            Ok(Actor::Peer(peer.id.clone()))
        }
        _ => Err(AppError::Unauthenticated),
    }
}

/// The audience a peer's token must have to be for this node: `auth.peer_audience`, else
/// `node.base_url` (without a trailing `/`); `None` when neither is configured.
pub fn peer_audience(config: &crate::config::Config) -> Option<String> {
    config
        .auth
        .peer_audience
        .as_deref()
        .or(config.node.base_url.as_deref())
        .map(|a| a.trim_end_matches('/').to_string())
}

/// Authenticates an inbound call from node `node`: its shared secret, or an access token of this
/// node's identity provider issued (client credentials) to the peer's `inbound_client_id`.
pub async fn authenticate(state: &AppState, node: &str, bearer: Option<&str>) -> AppResult<Actor> {
    if let Ok(actor) = check_secret(&state.config.federation, node, bearer) {
        return Ok(actor);
    }
    let peer = state
        .config
        .federation
        .peers
        .iter()
        .find(|p| p.id == node)
        .ok_or(AppError::Unauthenticated)?;
    if let (Some(client_id), Some(jwks), Some(token)) =
        (&peer.inbound_client_id, &state.auth.jwks, bearer)
    {
        let Some(audience) = peer_audience(&state.config) else {
            tracing::warn!(
                peer = %peer.id,
                "peer token refused: set node.base_url or auth.peer_audience to accept OAuth2 peer tokens"
            );
            return Err(AppError::Unauthenticated);
        };
        let claims = jwks
            .validate_access_for(token, &audience)
            .await
            .map_err(|_| AppError::Unauthenticated)?;
        if &claims.sub == client_id {
            return Ok(Actor::Peer(peer.id.clone()));
        }
    }
    Err(AppError::Unauthenticated)
}

/// Produces the `Authorization` header for calls to one peer, caching OAuth2 tokens.
pub struct OutboundCredentials {
    peer: PeerConfig,
    token: Mutex<Option<(String, Instant)>>,
}

impl OutboundCredentials {
    pub fn new(peer: PeerConfig) -> Self {
        Self {
            peer,
            token: Mutex::new(None),
        }
    }

    /// `Bearer <secret-or-token>`.
    pub async fn authorization(&self, http: &reqwest::Client) -> AppResult<String> {
        if let (Some(token_url), Some(client_id)) = (&self.peer.token_url, &self.peer.client_id) {
            let mut cached = self.token.lock().await;
            if let Some((token, until)) = cached.as_ref()
                && Instant::now() < *until
            {
                return Ok(format!("Bearer {token}"));
            }
            let url = TokenUrl::new(token_url.clone()).map_err(|e| AppError::Internal(e.into()))?;
            let mut client = BasicClient::new(ClientId::new(client_id.clone())).set_token_uri(url);
            if let Some(secret) = &self.peer.client_secret {
                client = client.set_client_secret(ClientSecret::new(secret.clone()));
            }
            let response = client
                .exchange_client_credentials()
                .add_extra_param(
                    "resource",
                    self.peer.base_url.trim_end_matches('/').to_string(),
                )
                .request_async(http)
                .await
                .map_err(|e| {
                    AppError::Internal(anyhow::anyhow!(
                        "token request for peer {} failed: {e}",
                        self.peer.id
                    ))
                })?;
            let lifetime = response.expires_in().unwrap_or(Duration::from_secs(300));
            let token = response.access_token().secret().clone();
            *cached = Some((
                token.clone(),
                Instant::now() + lifetime.saturating_sub(Duration::from_secs(30)),
            ));
            return Ok(format!("Bearer {token}"));
        }
        match &self.peer.secret {
            Some(secret) => Ok(format!("Bearer {secret}")),
            None => Err(AppError::Internal(anyhow::anyhow!(
                "peer {} has no credentials configured",
                self.peer.id
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> FederationConfig {
        FederationConfig {
            peers: vec![PeerConfig {
                id: "nhn".into(),
                base_url: "http://127.0.0.1:1".into(),
                secret: Some("s3cret".into()),
                interval_secs: 0,
                token_url: None,
                client_id: None,
                client_secret: None,
                inbound_client_id: None,
            }],
            ..Default::default()
        }
    }

    #[test]
    fn only_known_peers_with_their_secret() {
        assert_eq!(
            check_secret(&config(), "nhn", Some("s3cret")).unwrap(),
            Actor::Peer("nhn".into())
        );
        assert!(check_secret(&config(), "nhn", Some("wrong")).is_err());
        assert!(check_secret(&config(), "nhn", None).is_err());
        assert!(check_secret(&config(), "other", Some("s3cret")).is_err());
    }
}
