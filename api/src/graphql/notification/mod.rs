//! The signed-in user's notifications (in-app inbox) and their notification setting. Each user
//! sees and marks only their own.

use crate::graphql::enums::ReferralStatus;
use crate::graphql::{actor, app};
use crate::notify::{self, inbox};
use crate::services::page;
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::notification;

/// What a notification is about.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entities::notification::NotificationKind")]
pub enum NotificationKind {
    /// A referral arrived for your organisation.
    NewReferral,
    /// A referral you sent changed status.
    StatusChanged,
    /// A referral to your organisation waits for an answer.
    Reminder,
    /// A referral you sent was closed with an outcome (see the referral page).
    OutcomeRecorded,
}

/// When you get e-mail about your notifications.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entities::notification_setting::NotificationMode")]
pub enum NotificationMode {
    /// One mail per notification, at once.
    Immediately,
    /// One mail a day listing what happened.
    DailyDigest,
    /// No mail; the in-app inbox only.
    Off,
}

/// Something you should hear of about a referral. Carries no personal data.
pub struct Notification(notification::Model);

#[Object]
impl Notification {
    /// Id of the notification (also the cursor for `notifications(after:)`).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// What it is about.
    async fn kind(&self) -> NotificationKind {
        self.0.kind.into()
    }
    /// The referral it is about.
    async fn referral_id(&self) -> ID {
        ID(self.0.referral_id.clone())
    }
    /// The referral's status it tells of.
    async fn status(&self) -> ReferralStatus {
        self.0.status.into()
    }
    /// When it happened.
    async fn at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Whether you marked it read.
    async fn read(&self) -> bool {
        self.0.read_at.is_some()
    }
    /// Path of the referral's page on this node.
    async fn link(&self) -> String {
        notify::referral_path(&self.0.referral_id)
    }
}

/// A page of your notifications, newest first.
#[derive(SimpleObject)]
pub struct NotificationPage {
    /// The notifications on this page.
    items: Vec<Notification>,
    /// Pass as `after` for the next page; none when this page is empty.
    end_cursor: Option<ID>,
    /// Whether older notifications follow.
    has_next_page: bool,
}

/// Your notification setting.
#[derive(SimpleObject)]
pub struct NotificationSettings {
    /// When you get e-mail.
    mode: NotificationMode,
    /// Whether this node sends e-mail at all (an SMTP server is configured); without it,
    /// notifications are in the inbox only.
    mail_enabled: bool,
}

fn parse_id(id: &ID, field: &str) -> Result<i64> {
    id.parse::<i64>()
        .map_err(|_| crate::error::AppError::field(field, "is not a notification id").into())
}

/// Queries on your notifications.
#[derive(Default)]
pub struct NotificationQuery;

#[Object]
impl NotificationQuery {
    /// Your notifications, newest first; `after` is the `endCursor` of the previous page.
    #[graphql(complexity = "crate::graphql::cost::page(first, child_complexity)")]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> Result<NotificationPage> {
        let state = app(ctx)?;
        let limit = page::page_size(first, &state.config.limits)?;
        let after = after.as_ref().map(|a| parse_id(a, "after")).transpose()?;
        let found = inbox::list(&state.db, actor(ctx)?, limit, after).await?;
        Ok(NotificationPage {
            end_cursor: found.items.last().map(|n| ID(n.id.to_string())),
            has_next_page: found.has_more,
            items: found.items.into_iter().map(Notification).collect(),
        })
    }

    /// How many of your notifications are unread.
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> Result<u64> {
        Ok(inbox::unread_count(&app(ctx)?.db, actor(ctx)?).await?)
    }

    /// Your notification setting.
    async fn notification_settings(&self, ctx: &Context<'_>) -> Result<NotificationSettings> {
        let state = app(ctx)?;
        Ok(NotificationSettings {
            mode: inbox::mode(&state.db, actor(ctx)?).await?.into(),
            mail_enabled: state.config.mail.smtp_url.is_some(),
        })
    }
}

/// Mutations on your notifications.
#[derive(Default)]
pub struct NotificationMutation;

#[Object]
impl NotificationMutation {
    /// Marks your notifications `ids` read, or all of them with `all: true`; returns how many
    /// changed. Ids of notifications that are not yours change nothing.
    async fn mark_notifications_read(
        &self,
        ctx: &Context<'_>,
        ids: Option<Vec<ID>>,
        all: Option<bool>,
    ) -> Result<u64> {
        let ids = match (ids, all.unwrap_or(false)) {
            (None, true) => None,
            (Some(ids), false) => Some(
                ids.iter()
                    .map(|id| parse_id(id, "ids"))
                    .collect::<Result<Vec<_>>>()?,
            ),
            _ => {
                return Err(
                    crate::error::AppError::field("ids", "give either ids or all: true").into(),
                );
            }
        };
        Ok(inbox::mark_read(&app(ctx)?.db, actor(ctx)?, ids, Utc::now()).await?)
    }

    /// Sets when you get e-mail about your notifications.
    async fn set_notification_settings(
        &self,
        ctx: &Context<'_>,
        mode: NotificationMode,
    ) -> Result<NotificationSettings> {
        let state = app(ctx)?;
        let mode = inbox::set_mode(&state.db, actor(ctx)?, mode.into(), Utc::now()).await?;
        Ok(NotificationSettings {
            mode: mode.into(),
            mail_enabled: state.config.mail.smtp_url.is_some(),
        })
    }
}
