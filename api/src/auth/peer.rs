//! Inbound node-to-node credentials: a calling node names itself in [`NODE_HEADER`] and
//! presents its per-peer shared secret (embedded default) or an access token of this node's
//! identity provider. A client-credentials token is accepted only when it was issued for this
//! node: its audience is [`peer_audience`], it is an access token (not an ID token) and its
//! subject is the calling peer's `inbound_client_id`. Outbound credentials are
//! [`crate::federation::peer_auth`].

use crate::auth::Actor;
use crate::auth::jwt::JwksValidator;
use crate::config::{Config, FederationConfig};
use crate::error::{AppError, AppResult};
use sha2::{Digest, Sha256};

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
pub fn peer_audience(config: &Config) -> Option<String> {
    config
        .auth
        .peer_audience
        .as_deref()
        .or(config.node.base_url.as_deref())
        .map(|a| a.trim_end_matches('/').to_string())
}

/// Authenticates an inbound call from node `node`: its shared secret, or an access token of this
/// node's identity provider (validated with `jwks`, when an issuer is configured) issued (client
/// credentials) to the peer's `inbound_client_id`.
pub async fn authenticate(
    config: &Config,
    jwks: Option<&JwksValidator>,
    node: &str,
    bearer: Option<&str>,
) -> AppResult<Actor> {
    if let Ok(actor) = check_secret(&config.federation, node, bearer) {
        return Ok(actor);
    }
    let Some(peer) = config.federation.peers.iter().find(|p| p.id == node) else {
        return Err(refused(node, "not a peer of this node (federation.peers)"));
    };
    let (Some(client_id), Some(jwks), Some(token)) = (&peer.inbound_client_id, jwks, bearer) else {
        return Err(refused(
            node,
            match (bearer, &peer.secret) {
                (None, _) => "no credentials sent",
                (Some(_), Some(_)) => "the shared secret does not match this node's secret for it",
                (Some(_), None) => "no secret or inbound_client_id configured for it here",
            },
        ));
    };
    let Some(audience) = peer_audience(config) else {
        return Err(refused(
            node,
            "peer token refused: set node.base_url or auth.peer_audience to accept OAuth2 peer tokens",
        ));
    };
    match jwks.validate_access_for(token, &audience).await {
        Ok(claims) if &claims.sub == client_id => Ok(Actor::Peer(peer.id.clone())),
        Ok(_) => Err(refused(node, "its token was issued to another client")),
        Err(_) => Err(refused(node, "its token is not valid for this node")),
    }
}

/// Logs why a call from `node` was refused (the claimed id, cut short, and the reason; never
/// what was presented) and answers `UNAUTHENTICATED`.
fn refused(node: &str, reason: &str) -> AppError {
    let node: String = node.chars().take(64).collect();
    tracing::warn!(peer = ?node, reason, "peer call refused");
    AppError::Unauthenticated
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PeerConfig;

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
