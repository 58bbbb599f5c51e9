//! Notifications about referrals: who hears of what, in the in-app inbox and by e-mail.
//!
//! - [`consume`]: reads the append-only referral event log after its own cursor and, per event,
//!   writes the inbox rows and the mail outbox rows in one transaction with the cursor advance.
//! - [`recipients`]: who hears of an event (never the actor who made the change).
//! - [`reminder`] and [`digest`]: the reminder after N working days without an answer, and the
//!   daily digest; both take the time as an argument.
//! - [`stale_offers`]: one reminder e-mail per period for offers not confirmed current.
//! - [`compose`]: the texts of the mails (Dutch, English below), without personal data: what
//!   happened in general words and a link to the referral page.
//! - [`outbox`]: sends the queued mails over SMTP (`lettre`), retrying with backoff.
//! - [`person_mail`]: sends the confirmations of self-referrals to the person's own address.
//! - [`inbox`]: a user's notifications, unread count, marking read, and settings.
//! - [`worker`]: the background task that runs all of the above.

pub mod compose;
pub mod consume;
pub mod digest;
pub mod inbox;
pub mod outbox;
pub mod person_mail;
pub mod recipients;
pub mod reminder;
pub mod stale_offers;
pub mod worker;

pub use entities::notification::NotificationKind;
pub use entities::notification_setting::NotificationMode;

use crate::config::Config;

/// What the mail side of notifications needs: where links point. `None` when the node has no
/// SMTP server configured (then notifications stay in the inbox only).
#[derive(Clone, Debug)]
pub struct MailLinks {
    /// Public base URL of the node's pages, without a trailing slash.
    pub base_url: String,
}

impl MailLinks {
    /// From config: `Some` when `[mail] smtp_url` is set; the base URL falls back to
    /// `node.base_url`, then to the server's bind address.
    pub fn from_config(config: &Config) -> Option<Self> {
        config.mail.smtp_url.as_ref()?;
        let base = config
            .mail
            .base_url
            .clone()
            .or_else(|| config.node.base_url.clone())
            .unwrap_or_else(|| format!("http://{}", config.server.bind));
        Some(Self {
            base_url: base.trim_end_matches('/').to_string(),
        })
    }
}

/// Path of a referral's page on this node.
pub fn referral_path(referral_id: &str) -> String {
    let id: String = url::form_urlencoded::byte_serialize(referral_id.as_bytes()).collect();
    format!("/verwijzingen/{id}")
}
