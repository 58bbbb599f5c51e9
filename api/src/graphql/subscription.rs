//! The subscription root and its websocket endpoint `/graphql/ws` (graphql-transport-ws and
//! graphql-ws). The caller is the actor of the upgrade request (cookie or bearer header), or
//! the `authorization` / `token` of the `connection_init` payload.
//!
//! The socket gets the controls of HTTP: a cookie-authenticated upgrade must come from this
//! node's pages ([`same_origin`](crate::auth::same_origin), at the router root); messages are
//! capped at `limits.body_limit_bytes`; open sockets per caller at
//! `server.ws_connections_per_user`; mutations (and so `login`) are refused, they go over
//! `POST /graphql` with its rate limits and sign-in throttling; and every operation ends
//! when the caller's session ends or the user loses a role ([`Liveness`]).

use crate::auth::client_ip::{ClientIp, throttle_key};
use crate::auth::live::{ConnectionSlot, Liveness};
use crate::auth::{Actor, request as auth_request};
use crate::error::AppError;
use crate::graphql::enums::ReferralStatus;
use crate::graphql::loaders::Loaders;
use crate::graphql::referral::ReferralUpdate;
use crate::graphql::{WijkSchema, actor, app};
use crate::state::AppState;
use async_graphql::{
    Context, Data, Executor, ID, Request, Response as GqlResponse, Result, Subscription,
};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::Extension;
use axum::extract::{State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::Response;
use futures::stream::{BoxStream, StreamExt};
use futures::{Future, Stream};
use std::sync::{Arc, OnceLock};
use tokio::sync::broadcast::error::RecvError;

/// The subscription root.
#[derive(Default)]
pub struct Subscription;

/// Live updates over the websocket at `/graphql/ws`.
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
                                outcome: change.outcome.map(Into::into),
                                contact_patient_requested: change.contact_patient,
                                expected_start: change.expected_start,
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

/// What one websocket knows of its caller once `connection_init` is done.
struct Caller {
    liveness: Liveness,
    /// Counted among the caller's open sockets until the socket closes.
    _slot: ConnectionSlot,
}

/// The schema as the websocket runs it: mutations refused, every operation checked against
/// the caller's session when it starts and ended when that session ends.
#[derive(Clone)]
struct SocketExecutor {
    schema: WijkSchema,
    caller: Arc<OnceLock<Caller>>,
}

/// A response with one error carrying `extensions.code`.
fn refusal(e: AppError) -> GqlResponse {
    let e: async_graphql::Error = e.into();
    GqlResponse::from_errors(vec![e.into_server_error(Default::default())])
}

impl SocketExecutor {
    fn refused(&self, req: &Request) -> Option<GqlResponse> {
        if super::transport::is_mutation(req) {
            return Some(refusal(AppError::Forbidden(
                "mutations are not accepted over websockets; send them with POST /graphql".into(),
            )));
        }
        None
    }
}

impl Executor for SocketExecutor {
    fn execute(&self, request: Request) -> impl Future<Output = GqlResponse> + Send {
        let this = self.clone();
        async move {
            match this.refused(&request) {
                Some(r) => r,
                None => this.schema.execute(request).await,
            }
        }
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, GqlResponse> {
        if let Some(r) = self.refused(&request) {
            return futures::stream::once(async { r }).boxed();
        }
        let Some(liveness) = self.caller.get().map(|c| c.liveness.clone()) else {
            return futures::stream::once(async { refusal(AppError::Unauthenticated) }).boxed();
        };
        let schema = self.schema.clone();
        let ended_text = "your session ended or your roles changed; sign in again";
        futures::stream::once(async move {
            if !liveness.still_valid().await {
                return futures::stream::once(async move {
                    refusal(AppError::Forbidden(ended_text.into()))
                })
                .boxed();
            }
            let inner = Executor::execute_stream(&schema, request, session_data);
            let ended = Box::pin(liveness.ended());
            futures::stream::unfold(Some((inner, ended)), move |running| async move {
                let (mut inner, mut ended) = running?;
                tokio::select! {
                    next = inner.next() => next.map(|r| (r, Some((inner, ended)))),
                    () = &mut ended => Some((refusal(AppError::Forbidden(ended_text.into())), None)),
                }
            })
            .boxed()
        })
        .flatten()
        .boxed()
    }
}

/// The key a caller's open sockets are counted under.
fn caller_key(actor: &Actor, ip: ClientIp) -> String {
    match (actor, ip.0) {
        (Actor::Anonymous, Some(ip)) => throttle_key(ip),
        (other, _) => other.label(),
    }
}

/// `GET /graphql/ws`: upgrades to a GraphQL websocket.
pub async fn handler(
    State(state): State<AppState>,
    Extension(schema): Extension<WijkSchema>,
    Extension(actor): Extension<Actor>,
    Extension(ip): Extension<ClientIp>,
    headers: HeaderMap,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let cookie = auth_request::session_cookie(&headers);
    let header_token = auth_request::bearer(&headers).map(str::to_string);
    let limit = state.config.limits.body_limit_bytes;
    upgrade
        .max_message_size(limit)
        .max_frame_size(limit)
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |stream| {
            let caller = Arc::new(OnceLock::new());
            let executor = SocketExecutor {
                schema,
                caller: caller.clone(),
            };
            GraphQLWebSocket::new(stream, executor, protocol)
                .on_connection_init(move |payload| async move {
                    let token = ["authorization", "Authorization", "token"]
                        .iter()
                        .find_map(|k| payload.get(*k).and_then(|v| v.as_str()))
                        .map(|t| t.trim_start_matches("Bearer ").trim().to_string());
                    let (actor, token) = match token {
                        Some(t) => (
                            auth_request::actor_from_token(&state.auth_ctx(), &t).await?,
                            Some(t),
                        ),
                        None => (actor, header_token),
                    };
                    let slot = state.auth.live.open(caller_key(&actor, ip))?;
                    let liveness = Liveness::new(
                        &state.auth_ctx(),
                        actor.clone(),
                        token.as_deref(),
                        cookie.as_deref(),
                    );
                    let _ = caller.set(Caller {
                        liveness,
                        _slot: slot,
                    });
                    let mut data = Data::default();
                    data.insert(Loaders::new(&state.db));
                    data.insert(actor);
                    data.insert(ip);
                    Ok(data)
                })
                .serve()
        })
}
