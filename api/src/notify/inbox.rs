//! A user's own notifications and setting. Every function is scoped to the signed-in user:
//! nobody reads or marks another user's inbox.

use super::NotificationMode;
use crate::domain::Actor;
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use entities::{notification, notification_setting};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Set,
};

/// One page of notifications, newest first.
#[derive(Clone, Debug)]
pub struct InboxPage {
    pub items: Vec<notification::Model>,
    /// More (older) notifications follow the last one.
    pub has_more: bool,
}

/// The actor's notifications older than `after` (a notification id), newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    first: u64,
    after: Option<i64>,
) -> AppResult<InboxPage> {
    let user = actor.user()?;
    let mut items = notification::Entity::find()
        .filter(notification::Column::UserId.eq(user.id.as_str()))
        .apply_if(after, |q, after| {
            q.filter(notification::Column::Id.lt(after))
        })
        .order_by_desc(notification::Column::Id)
        .limit(first.saturating_add(1))
        .all(db)
        .await?;
    let has_more = items.len() as u64 > first;
    items.truncate(first as usize);
    Ok(InboxPage { items, has_more })
}

/// How many of the actor's notifications are unread.
pub async fn unread_count(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<u64> {
    let user = actor.user()?;
    Ok(notification::Entity::find()
        .filter(notification::Column::UserId.eq(user.id.as_str()))
        .filter(notification::Column::ReadAt.is_null())
        .count(db)
        .await?)
}

/// Marks the actor's notifications `ids` (all of them when `None`) read; ids of other users'
/// notifications are ignored. Returns how many changed.
pub async fn mark_read(
    db: &impl ConnectionTrait,
    actor: &Actor,
    ids: Option<Vec<i64>>,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let user = actor.user()?;
    let result = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(now))
        .filter(notification::Column::UserId.eq(user.id.as_str()))
        .filter(notification::Column::ReadAt.is_null())
        .apply_if(ids, |q, ids| q.filter(notification::Column::Id.is_in(ids)))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// The actor's setting (immediately when never set).
pub async fn mode(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<NotificationMode> {
    super::consume::mode_of(db, &actor.user()?.id).await
}

/// Sets the actor's setting. Choosing the digest starts it after the notifications so far
/// (they were mailed already, or were meant not to be).
pub async fn set_mode(
    db: &impl ConnectionTrait,
    actor: &Actor,
    mode: NotificationMode,
    now: DateTime<Utc>,
) -> AppResult<NotificationMode> {
    let user = actor.user()?;
    let through: Option<i64> = notification::Entity::find()
        .select_only()
        .column_as(notification::Column::Id.max(), "id")
        .filter(notification::Column::UserId.eq(user.id.as_str()))
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    let existing = notification_setting::Entity::find_by_id(user.id.as_str())
        .one(db)
        .await?;
    match existing {
        Some(s) if s.mode == mode => {}
        Some(s) => {
            let mut active: notification_setting::ActiveModel = s.into();
            active.mode = Set(mode);
            active.digest_through = Set(through.unwrap_or(0));
            active.updated_at = Set(now);
            active.update(db).await?;
        }
        None => {
            notification_setting::ActiveModel {
                user_id: Set(user.id.clone()),
                mode: Set(mode),
                digest_through: Set(through.unwrap_or(0)),
                last_digest_at: Set(None),
                updated_at: Set(now),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(mode)
}
