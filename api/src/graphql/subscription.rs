//! The subscription root and its websocket endpoint `/graphql/ws` (graphql-transport-ws and
//! graphql-ws). The caller is the actor of the upgrade request (cookie or bearer header), or
//! the `authorization` / `token` of the `connection_init` payload.

use crate::auth::{Actor, request as auth_request};
use crate::error::AppError;
use crate::graphql::enums::ReferralStatus;
use crate::graphql::loaders::Loaders;
use crate::graphql::referral::ReferralUpdate;
use crate::graphql::{WijkSchema, actor, app};
use crate::state::AppState;
use async_graphql::{Context, Data, ID, Result, Subscription};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::Extension;
use axum::extract::{State, WebSocketUpgrade};
use axum::response::Response;
use futures::Stream;
use tokio::sync::broadcast::error::RecvError;

/// The subscription root.
#[derive(Default)]
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// Status changes of referrals you may see (sent by your practices or to your
    /// organisations), as they happen.
    async fn referral_updates(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = ReferralUpdate> + use<>> {
        let who = actor(ctx)?.clone();
        if matches!(who, Actor::Anonymous) {
            return Err(AppError::Unauthenticated.into());
        }
        let rx = app(ctx)?.referral_changes.subscribe();
        Ok(futures::stream::unfold(
            (rx, who),
            |(mut rx, who)| async move {
                loop {
                    match rx.recv().await {
                        Ok(change) if change.visible_to(&who) => {
                            let update = ReferralUpdate {
                                referral_id: ID(change.referral_id),
                                status: ReferralStatus::from(change.status),
                                version: change.version,
                                at: change.at,
                            };
                            return Some((update, (rx, who)));
                        }
                        Ok(_) | Err(RecvError::Lagged(_)) => continue,
                        Err(RecvError::Closed) => return None,
                    }
                }
            },
        ))
    }
}

/// `GET /graphql/ws`: upgrades to a GraphQL websocket.
pub async fn handler(
    State(state): State<AppState>,
    Extension(schema): Extension<WijkSchema>,
    Extension(actor): Extension<Actor>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |stream| {
            GraphQLWebSocket::new(stream, schema, protocol)
                .on_connection_init(move |payload| async move {
                    let token = ["authorization", "Authorization", "token"]
                        .iter()
                        .find_map(|k| payload.get(*k).and_then(|v| v.as_str()))
                        .map(|t| t.trim_start_matches("Bearer ").trim().to_string());
                    let actor = match token {
                        Some(t) => auth_request::actor_from_token(&state, &t).await?,
                        None => actor,
                    };
                    let mut data = Data::default();
                    data.insert(Loaders::new(&state.db));
                    data.insert(actor);
                    Ok(data)
                })
                .serve()
        })
}
