//! Confirmation mails to people who signed themselves up (self-referral): read from
//! `self_referral_mails`, the address opened only to send, and the row deleted once the SMTP
//! server took the mail (the address is not kept). A failed attempt is retried with the
//! outbox's backoff; a row whose address no longer opens is dropped.

use super::outbox::{SendReport, SmtpSender, backoff};
use crate::error::AppResult;
use crate::sealing::KeyRing;
use crate::services::referral::self_referral;
use chrono::{DateTime, Utc};
use entities::self_referral_mail;
use lettre::message::Mailbox;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

/// Mails sent per round.
const BATCH: u64 = 50;
/// Longest stored error text.
const ERROR_MAX: usize = 300;

/// Sends every confirmation due at `now`, oldest first.
pub async fn send_due(
    db: &DatabaseConnection,
    keys: &KeyRing,
    sender: &SmtpSender,
    now: DateTime<Utc>,
) -> AppResult<SendReport> {
    let due = self_referral_mail::Entity::find()
        .filter(self_referral_mail::Column::NextAttemptAt.lte(now))
        .order_by_asc(self_referral_mail::Column::CreatedAt)
        .limit(BATCH)
        .all(db)
        .await?;
    let mut report = SendReport::default();
    for row in due {
        let to = self_referral::mail_address(keys, &row)
            .ok()
            .and_then(|a| a.as_str().parse::<Mailbox>().ok());
        let Some(to) = to else {
            tracing::warn!(referral = %row.referral_id, "confirmation mail dropped: its address does not open");
            self_referral_mail::Entity::delete_by_id(row.referral_id.as_str())
                .exec(db)
                .await?;
            continue;
        };
        match sender.deliver(to, &row.subject, &row.body).await {
            Ok(()) => {
                self_referral_mail::Entity::delete_by_id(row.referral_id.as_str())
                    .exec(db)
                    .await?;
                report.sent += 1;
            }
            Err(e) => {
                let attempts = row.attempts.saturating_add(1);
                let wait = backoff(attempts, sender.max_backoff_secs());
                tracing::warn!(referral = %row.referral_id, attempts, error = %e, "confirmation mail not sent; will retry");
                let mut active: self_referral_mail::ActiveModel = row.into();
                active.attempts = Set(attempts);
                active.last_error = Set(Some(e.chars().take(ERROR_MAX).collect()));
                active.next_attempt_at = Set(now + wait);
                active.update(db).await?;
                report.failed += 1;
            }
        }
    }
    Ok(report)
}
