//! Outbound node-to-node credentials: the `Authorization` header for calls to a peer, its shared
//! secret or an OAuth2 client-credentials token asked for that peer (`resource` = the peer's base
//! URL, RFC 8707). How inbound calls are checked is [`crate::auth::peer`].

use crate::config::PeerConfig;
use crate::error::{AppError, AppResult};
use oauth2::basic::BasicClient;
use oauth2::{ClientId, ClientSecret, TokenResponse, TokenUrl};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

pub use crate::auth::peer::NODE_HEADER;

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
