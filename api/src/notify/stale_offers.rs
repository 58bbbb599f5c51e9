//! Reminders for stale listings (issue 19): an offer of this node not confirmed current for
//! `[offers] stale_after_days` brings the editors of its organisation one e-mail per period
//! (again only after another full period without a confirmation). Users whose notification
//! setting is "off" get none; the reminder goes by e-mail only, since the in-app inbox lists
//! referrals, and `/beheer` lists the stale offers under "Te bevestigen" anyway.

use super::compose::{INBOX_PATH, Mail};
use super::consume::mode_of;
use super::{MailLinks, NotificationMode, outbox, recipients};
use crate::db;
use crate::error::AppResult;
use crate::services::offer::freshness;
use chrono::{DateTime, Duration, Utc};
use entities::{OfferStatus, offer, offer_confirmation};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

/// The reminder mail for the offer titled `title` (a public title, no personal data).
pub fn mail(links: &MailLinks, title: &str, months: i64) -> Mail {
    let link = format!("{}/beheer#te-bevestigen", links.base_url);
    Mail {
        subject: "Wijkwijzer: klopt uw aanbod nog? / Is your offer still current?".into(),
        body: format!(
            "Uw aanbod \"{title}\" is {months} maanden niet bevestigd. Klopt het nog? Bevestig \
             het of pas het aan (na inloggen): {link}\n\nYour offer \"{title}\" has not been \
             confirmed for {months} months. Is it still current? Confirm or edit it (after \
             signing in): {link}\n\n--\nWijzig uw meldingsinstellingen op {base}{INBOX_PATH}\n",
            base = links.base_url
        ),
    }
}

/// Queues the reminders due at `now` on node `node_id`; returns how many offers were
/// reminded of. Without mail configured nothing is sent or marked.
pub async fn remind_stale(
    db: &DatabaseConnection,
    node_id: &str,
    links: Option<&MailLinks>,
    stale_after_days: i64,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let Some(links) = links else { return Ok(0) };
    let cutoff = freshness::stale_cutoff(now, stale_after_days);
    let offers = offer::Entity::find()
        .filter(offer::Column::OriginNode.eq(node_id))
        .filter(offer::Column::Status.ne(OfferStatus::Ended))
        .all(db)
        .await?;
    let fresh = freshness::of_many(db, &offers).await?;
    let mut reminded = 0;
    for o in offers {
        let Some(f) = fresh.get(&o.id).filter(|f| f.is_stale(cutoff)) else {
            continue;
        };
        let txn = db::begin_write(db).await?;
        let row = offer_confirmation::Entity::find_by_id(o.id.as_str())
            .one(&txn)
            .await?;
        if row
            .as_ref()
            .and_then(|r| r.reminded_at)
            .is_some_and(|at| at > now - Duration::days(stale_after_days))
        {
            continue;
        }
        let mark = offer_confirmation::ActiveModel {
            offer_id: Set(o.id.clone()),
            confirmed_at: Set(f.confirmed_at),
            confirmed_by: Set(f.confirmed_by.clone()),
            reminded_at: Set(Some(now)),
        };
        if row.is_some() {
            mark.update(&txn).await?;
        } else {
            mark.insert(&txn).await?;
        }
        let editors = recipients::editors_of_offer(&txn, &o.id).await?;
        let message = mail(links, &o.title, f.months_ago(now));
        for user in recipients::enabled_local(&txn, editors).await? {
            if mode_of(&txn, &user).await? != NotificationMode::Off {
                outbox::queue(&txn, &user, &message, now).await?;
            }
        }
        txn.commit().await?;
        reminded += 1;
    }
    Ok(reminded)
}
