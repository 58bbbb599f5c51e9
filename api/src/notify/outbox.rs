//! The mail outbox: mails are queued in the transaction that decides them and sent over SMTP
//! afterwards. A failed attempt is recorded and retried with backoff (one second, doubling, up
//! to `[mail] max_backoff_secs`), so a down SMTP server delays mails but never loses one and
//! never fails the change that caused it.

use super::compose::Mail;
use crate::config::MailConfig;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use entities::{mail_outbox, user};
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use std::time::Duration;

/// Mails sent per round.
const BATCH: u64 = 50;
/// Longest stored error text.
const ERROR_MAX: usize = 300;

/// Queues `mail` for `user_id`, decided at `now` and due at once (never later than the real
/// time, also when `now` is a test's clock ahead of it).
pub async fn queue(
    db: &impl ConnectionTrait,
    user_id: &str,
    mail: &Mail,
    now: DateTime<Utc>,
) -> AppResult<()> {
    mail_outbox::ActiveModel {
        id: sea_orm::ActiveValue::NotSet,
        user_id: Set(user_id.to_string()),
        subject: Set(mail.subject.clone()),
        body: Set(mail.body.clone()),
        created_at: Set(now),
        attempts: Set(0),
        next_attempt_at: Set(now.min(Utc::now())),
        last_error: Set(None),
        sent_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Wait before attempt `attempts + 1` after `attempts` failures: 1 s doubling, at most
/// `max_secs` (at least one second).
pub fn backoff(attempts: i32, max_secs: u64) -> Duration {
    let exp = attempts.saturating_sub(1).clamp(0, 30) as u32;
    Duration::from_secs(2u64.saturating_pow(exp).min(max_secs.max(1)))
}

/// What one round of sending did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SendReport {
    pub sent: u64,
    pub failed: u64,
}

/// Sends queued mails through the configured SMTP server.
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    max_backoff_secs: u64,
}

impl SmtpSender {
    /// From `[mail]`; `None` without `smtp_url`, an error naming the field when a value is bad.
    pub fn from_config(config: &MailConfig) -> AppResult<Option<Self>> {
        let Some(url) = config.smtp_url.as_deref() else {
            return Ok(None);
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|_| AppError::field("mail.smtp_url", "is not a valid SMTP URL"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = config
            .from
            .parse::<Mailbox>()
            .map_err(|e| AppError::field("mail.from", format!("is not an address: {e}")))?;
        Ok(Some(Self {
            transport,
            from,
            max_backoff_secs: config.max_backoff_secs,
        }))
    }

    /// Sends every mail due at `now`, oldest first; a failure is recorded on its row and
    /// retried later.
    pub async fn send_due(
        &self,
        db: &DatabaseConnection,
        now: DateTime<Utc>,
    ) -> AppResult<SendReport> {
        let due = mail_outbox::Entity::find()
            .filter(mail_outbox::Column::SentAt.is_null())
            .filter(mail_outbox::Column::NextAttemptAt.lte(now))
            .order_by_asc(mail_outbox::Column::Id)
            .limit(BATCH)
            .all(db)
            .await?;
        let mut report = SendReport::default();
        for row in due {
            let Some(to) = self.recipient(db, &row).await? else {
                continue;
            };
            let result = match self.message(to, &row) {
                Ok(message) => self
                    .transport
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            let id = row.id;
            let attempts = row.attempts.saturating_add(1);
            let mut active: mail_outbox::ActiveModel = row.into();
            active.attempts = Set(attempts);
            match result {
                Ok(()) => {
                    active.sent_at = Set(Some(Utc::now()));
                    active.last_error = Set(None);
                    report.sent += 1;
                }
                Err(e) => {
                    let wait = backoff(attempts, self.max_backoff_secs);
                    tracing::warn!(mail = id, attempts, error = %e, retry_in_secs = wait.as_secs(), "mail not sent; will retry");
                    active.last_error = Set(Some(e.chars().take(ERROR_MAX).collect()));
                    active.next_attempt_at = Set(now + wait);
                    report.failed += 1;
                }
            }
            active.update(db).await?;
        }
        Ok(report)
    }

    /// The mailbox of the row's user; a row whose user is gone, disabled or has no valid
    /// address is dropped.
    async fn recipient(
        &self,
        db: &DatabaseConnection,
        row: &mail_outbox::Model,
    ) -> AppResult<Option<Mailbox>> {
        let to = user::Entity::find_by_id(row.user_id.as_str())
            .one(db)
            .await?
            .filter(|u| !u.disabled)
            .and_then(|u| u.email.parse::<Mailbox>().ok());
        if to.is_none() {
            tracing::warn!(mail = row.id, "mail dropped: no valid address for its user");
            mail_outbox::Entity::delete_by_id(row.id).exec(db).await?;
        }
        Ok(to)
    }

    /// Sends one plain-text mail to `to` now (for mails outside the user outbox, such as a
    /// self-referral's confirmation); the error as text.
    pub(super) async fn deliver(
        &self,
        to: Mailbox,
        subject: &str,
        body: &str,
    ) -> Result<(), String> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Longest wait between attempts (`[mail] max_backoff_secs`).
    pub(super) fn max_backoff_secs(&self) -> u64 {
        self.max_backoff_secs
    }

    fn message(&self, to: Mailbox, row: &mail_outbox::Model) -> Result<Message, String> {
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(row.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(row.body.clone())
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        assert_eq!(backoff(1, 900), Duration::from_secs(1));
        assert_eq!(backoff(2, 900), Duration::from_secs(2));
        assert_eq!(backoff(5, 900), Duration::from_secs(16));
        assert_eq!(backoff(40, 900), Duration::from_secs(900));
        assert_eq!(backoff(3, 0), Duration::from_secs(1));
    }
}
