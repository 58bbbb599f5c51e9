//! The notification worker: consumes new referral events, gives due reminders and digests and
//! sends due mails, every `[mail] poll_ms` and at once when a referral changes on this node.

use super::outbox::SmtpSender;
use super::{MailLinks, consume, digest, person_mail, reminder};
use crate::config::Config;
use crate::error::AppResult;
use crate::services::Ctx;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;

/// Everything one round needs.
pub struct Notifier {
    ctx: Ctx,
    links: Option<MailLinks>,
    sender: Option<SmtpSender>,
    reminder_working_days: u32,
    digest_hour: u32,
    stale_after_days: i64,
}

impl Notifier {
    /// From config; an error names a bad `[mail]` value.
    pub fn new(ctx: &Ctx, config: &Config) -> AppResult<Self> {
        Ok(Self {
            ctx: ctx.clone(),
            links: MailLinks::from_config(config),
            sender: SmtpSender::from_config(&config.mail)?,
            reminder_working_days: config.mail.reminder_working_days,
            digest_hour: config.mail.digest_hour,
            stale_after_days: config.offers.stale_after_days,
        })
    }

    /// Whether mails are sent (an SMTP server is configured).
    pub fn mails(&self) -> bool {
        self.sender.is_some()
    }

    /// One round at `now`: events, reminders, digests, then the mails due.
    pub async fn run_once(&self, now: DateTime<Utc>) -> AppResult<()> {
        let db = &self.ctx.db;
        let links = self.links.as_ref();
        consume::consume_new_events(db, links).await?;
        let node = self.ctx.node_id.as_str();
        reminder::remind_due(db, node, links, self.reminder_working_days, now).await?;
        super::stale_offers::remind_stale(db, node, links, self.stale_after_days, now).await?;
        if let (Some(links), Some(sender)) = (links, &self.sender) {
            digest::send_digests(db, links, self.digest_hour, now).await?;
            sender.send_due(db, now).await?;
            person_mail::send_due(db, &self.ctx.contact_keys, sender, now).await?;
        }
        Ok(())
    }
}

/// Starts the worker (says once whether mail is configured); abort the handle to stop it.
pub fn start(ctx: &Ctx, config: &Config) -> AppResult<tokio::task::JoinHandle<()>> {
    let notifier = Arc::new(Notifier::new(ctx, config)?);
    if notifier.mails() {
        tracing::info!("notifications: in-app inbox and e-mail over SMTP");
    } else {
        tracing::info!(
            "notifications: in-app inbox only (no [mail] smtp_url configured, no e-mail is sent)"
        );
    }
    let poll = Duration::from_millis(config.mail.poll_ms.max(10));
    let mut changes = ctx.referral_changes.subscribe();
    Ok(tokio::spawn(async move {
        loop {
            if let Err(e) = notifier.run_once(Utc::now()).await {
                e.log_if_internal();
            }
            tokio::select! {
                // A change, or a lagged or closed channel: look now either way.
                _ = changes.recv() => {}
                () = tokio::time::sleep(poll) => {}
            }
        }
    }))
}
