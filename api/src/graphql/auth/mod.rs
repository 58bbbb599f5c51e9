//! Sign-in over GraphQL: `me` and the local-account `login` mutation.

use crate::auth::client_ip::ClientIp;
use crate::auth::{Actor, User, local};
use crate::graphql::enums::Role;
use crate::graphql::{actor, app};
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

/// A role held by the signed-in user.
#[derive(SimpleObject)]
pub struct MembershipInfo {
    /// The role.
    pub role: Role,
    /// The organisation (practice for practitioners, own organisation for editors).
    pub organisation_id: Option<ID>,
    /// The gemeente (CBS code) of a municipality analyst.
    pub gemeente_code: Option<String>,
}

/// The signed-in user.
#[derive(SimpleObject)]
pub struct Me {
    /// User id.
    pub id: ID,
    /// E-mail address.
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// Roles with their scope.
    pub memberships: Vec<MembershipInfo>,
}

impl From<&User> for Me {
    fn from(u: &User) -> Self {
        Me {
            id: ID(u.id.clone()),
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            memberships: u
                .memberships
                .iter()
                .map(|m| MembershipInfo {
                    role: m.role.into(),
                    organisation_id: m.organisation_id.clone().map(ID),
                    gemeente_code: m.gemeente_code.clone(),
                })
                .collect(),
        }
    }
}

/// A started session.
#[derive(SimpleObject)]
pub struct Session {
    /// Bearer token for the `Authorization` header; shown once.
    pub token: String,
    /// When the session ends.
    pub expires_at: DateTime<Utc>,
    /// Who signed in.
    pub user: Me,
}

/// Queries about the caller.
#[derive(Default)]
pub struct AuthQuery;

#[Object]
impl AuthQuery {
    /// The signed-in user; null for anonymous callers.
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<Me>> {
        Ok(match actor(ctx)? {
            Actor::User(u) => Some(Me::from(u)),
            _ => None,
        })
    }
}

/// Sign-in mutations.
#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Signs in with a local account (only when no OpenID Connect issuer is configured).
    /// Repeated failures lock the e-mail address and IP for a growing time.
    async fn login(&self, ctx: &Context<'_>, email: String, password: String) -> Result<Session> {
        let ip = ctx.data_opt::<ClientIp>().and_then(|c| c.0);
        let s = local::login(&app(ctx)?.auth_ctx(), &email, &password, ip).await?;
        Ok(Session {
            token: s.token,
            expires_at: s.expires_at,
            user: Me::from(&s.user),
        })
    }
}
