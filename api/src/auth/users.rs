//! Local `users` rows with their memberships, as [`User`]s; creating users.

use crate::auth::{Membership, User, password};
use crate::domain::{Email, GlobalId, NodeId, required_text};
use crate::error::{AppError, AppResult};
use chrono::Utc;
use entities::{membership, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

/// A user to create.
#[derive(Clone, Debug, Default)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    /// For a local account; `None` for OpenID Connect only.
    pub password: Option<String>,
    pub oidc_subject: Option<String>,
    pub memberships: Vec<Membership>,
}

/// The user with id `id` and its memberships, unless unknown or disabled.
pub async fn find(db: &impl ConnectionTrait, id: &str) -> AppResult<Option<User>> {
    match user::Entity::find_by_id(id).one(db).await? {
        Some(u) if !u.disabled => Ok(Some(with_memberships(db, u).await?)),
        _ => Ok(None),
    }
}

/// The stored row of an e-mail address (case-insensitive), if any.
pub async fn find_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> AppResult<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.trim().to_lowercase()))
        .one(db)
        .await?)
}

/// The user signed in with OpenID Connect: matched by `sub`, else by e-mail (then `sub` is
/// remembered). Pass `verified_email` only when the provider says it verified the address
/// (`email_verified`): otherwise anyone could claim a local user's address at a provider that
/// lets people choose it. Unknown people get no access: a node admin creates users.
pub async fn find_for_oidc(
    db: &impl ConnectionTrait,
    subject: &str,
    verified_email: Option<&str>,
) -> AppResult<Option<User>> {
    if let Some(u) = user::Entity::find()
        .filter(user::Column::OidcSubject.eq(subject))
        .one(db)
        .await?
    {
        return find(db, &u.id).await;
    }
    let Some(email) = verified_email else {
        return Ok(None);
    };
    let Some(u) = find_by_email(db, email).await? else {
        return Ok(None);
    };
    if u.oidc_subject.is_some() {
        return Ok(None);
    }
    let id = u.id.clone();
    let mut active: user::ActiveModel = u.into();
    active.oidc_subject = Set(Some(subject.to_string()));
    active.update(db).await?;
    find(db, &id).await
}

async fn with_memberships(db: &impl ConnectionTrait, u: user::Model) -> AppResult<User> {
    let memberships = membership::Entity::find()
        .filter(membership::Column::UserId.eq(u.id.as_str()))
        .order_by_asc(membership::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| Membership {
            role: m.role,
            organisation_id: m.organisation_id,
            gemeente_code: m.gemeente_code,
        })
        .collect();
    Ok(User {
        id: u.id,
        email: u.email,
        display_name: u.display_name,
        memberships,
    })
}

/// Creates a user with memberships; the e-mail must be new.
pub async fn create(db: &impl ConnectionTrait, node: &NodeId, new: NewUser) -> AppResult<User> {
    let email = Email::parse(&new.email)
        .map_err(|e| e.in_field("email"))?
        .into_inner()
        .to_lowercase();
    let display_name =
        required_text(&new.display_name, 200).map_err(|e| e.in_field("displayName"))?;
    if find_by_email(db, &email).await?.is_some() {
        return Err(AppError::Conflict(format!(
            "a user with e-mail {email} exists"
        )));
    }
    for m in &new.memberships {
        let ok = match m.role {
            entities::Role::Practitioner | entities::Role::OrganisationEditor => {
                m.organisation_id.is_some()
            }
            entities::Role::MunicipalityAnalyst => m.gemeente_code.is_some(),
            entities::Role::NodeAdmin => true,
        };
        if !ok {
            return Err(AppError::field(
                "memberships",
                format!("role {} needs its organisation or gemeente", m.role),
            ));
        }
    }
    let password_hash = new.password.as_deref().map(password::hash).transpose()?;
    let id = GlobalId::new(node).to_string();
    user::ActiveModel {
        id: Set(id.clone()),
        email: Set(email),
        display_name: Set(display_name),
        password_hash: Set(password_hash),
        oidc_subject: Set(new.oidc_subject),
        disabled: Set(false),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    for m in new.memberships {
        membership::ActiveModel {
            id: Set(uuid::Uuid::new_v4().to_string()),
            user_id: Set(id.clone()),
            role: Set(m.role),
            organisation_id: Set(m.organisation_id),
            gemeente_code: Set(m.gemeente_code),
        }
        .insert(db)
        .await?;
    }
    find(db, &id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("user vanished after insert")))
}
