//! The texts of notification mails: Dutch first, English below. They carry no personal data
//! (no patient reference, note, name or contact details): only what happened in general words
//! and links to pages that require signing in.

use super::{MailLinks, NotificationKind, referral_path};
use entities::ReferralStatus;

/// A mail's subject and plain-text body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub subject: String,
    pub body: String,
}

/// Path of the inbox page (also where the settings are changed).
pub const INBOX_PATH: &str = "/meldingen";

/// A status in general words: (Dutch, English).
pub fn status_words(status: ReferralStatus) -> (&'static str, &'static str) {
    use ReferralStatus::*;
    match status {
        Draft => ("concept", "draft"),
        Requested => ("verstuurd", "sent"),
        Received => ("ontvangen", "received"),
        Accepted => ("geaccepteerd", "accepted"),
        Rejected => ("afgewezen", "declined"),
        InProgress => ("gestart", "started"),
        OnHold => ("in de wacht", "on hold"),
        Failed => ("niet gelukt", "failed"),
        Completed => ("afgerond", "completed"),
        Cancelled => ("geannuleerd", "cancelled"),
        EnteredInError => ("ingetrokken", "withdrawn"),
    }
}

/// What a notification says in one line: (Dutch, English).
pub fn headline(kind: NotificationKind, status: ReferralStatus) -> (String, String) {
    let (nl, en) = status_words(status);
    match kind {
        NotificationKind::NewReferral => (
            "Nieuwe verwijzing voor uw organisatie".into(),
            "New referral for your organisation".into(),
        ),
        NotificationKind::StatusChanged => (
            format!("Uw verwijzing is bijgewerkt: {nl}"),
            format!("Your referral was updated: {en}"),
        ),
        NotificationKind::Reminder => (
            "Herinnering: een verwijzing wacht op antwoord".into(),
            "Reminder: a referral awaits an answer".into(),
        ),
        NotificationKind::OutcomeRecorded => (
            format!("Uitkomst vastgelegd voor uw verwijzing: {nl}"),
            format!("Outcome recorded for your referral: {en}"),
        ),
    }
}

fn footer(links: &MailLinks) -> String {
    format!(
        "--\nU krijgt deze e-mail door uw meldingsinstellingen in Wijkwijzer; wijzig ze op \
         {base}{INBOX_PATH}\nYou receive this e-mail because of your notification settings in \
         Wijkwijzer; change them at {base}{INBOX_PATH}\n",
        base = links.base_url
    )
}

/// The mail for one notification.
pub fn single(
    links: &MailLinks,
    kind: NotificationKind,
    status: ReferralStatus,
    referral_id: &str,
) -> Mail {
    let (nl, en) = headline(kind, status);
    let link = format!("{}{}", links.base_url, referral_path(referral_id));
    Mail {
        subject: format!("Wijkwijzer: {nl} / {en}"),
        body: format!(
            "{nl}.\nBekijk de verwijzing (na inloggen): {link}\n\n\
             {en}.\nView the referral (after signing in): {link}\n\n{}",
            footer(links)
        ),
    }
}

/// One line of a digest: the notification's kind, the status it tells of, and the referral.
pub type DigestItem = (NotificationKind, ReferralStatus, String);

/// Most referral links listed in one digest (the inbox has them all).
pub const DIGEST_MAX_LINKS: usize = 50;

/// The daily digest of `items` (oldest first): counts per kind and a link per referral.
pub fn digest(links: &MailLinks, items: &[DigestItem]) -> Mail {
    let count = |k| items.iter().filter(|(kind, _, _)| *kind == k).count();
    let (new, changed, reminders) = (
        count(NotificationKind::NewReferral),
        count(NotificationKind::StatusChanged) + count(NotificationKind::OutcomeRecorded),
        count(NotificationKind::Reminder),
    );
    let mut referrals: Vec<&str> = Vec::new();
    for (_, _, id) in items {
        if !referrals.contains(&id.as_str()) {
            referrals.push(id);
        }
    }
    let mut list = String::new();
    for id in referrals.iter().take(DIGEST_MAX_LINKS) {
        list.push_str(&format!("- {}{}\n", links.base_url, referral_path(id)));
    }
    if referrals.len() > DIGEST_MAX_LINKS {
        list.push_str(&format!("- {}{INBOX_PATH}\n", links.base_url));
    }
    Mail {
        subject: "Wijkwijzer: uw dagelijks overzicht / your daily digest".into(),
        body: format!(
            "Sinds het vorige overzicht: {new} nieuwe verwijzing(en), {changed} \
             statuswijziging(en), {reminders} herinnering(en).\n\
             Since the previous digest: {new} new referral(s), {changed} status change(s), \
             {reminders} reminder(s).\n\n\
             Verwijzingen (na inloggen) / Referrals (after signing in):\n{list}\n{}",
            footer(links)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links() -> MailLinks {
        MailLinks {
            base_url: "https://wijk.example".into(),
        }
    }

    #[test]
    fn a_single_mail_links_the_referral_page() {
        let m = single(
            &links(),
            NotificationKind::StatusChanged,
            ReferralStatus::Accepted,
            "demo:abc",
        );
        assert!(m.subject.contains("geaccepteerd") && m.subject.contains("accepted"));
        assert!(
            m.body
                .contains("https://wijk.example/verwijzingen/demo%3Aabc")
        );
    }

    #[test]
    fn a_digest_counts_and_lists_each_referral_once() {
        let items = vec![
            (
                NotificationKind::NewReferral,
                ReferralStatus::Requested,
                "a:1".to_string(),
            ),
            (
                NotificationKind::StatusChanged,
                ReferralStatus::Accepted,
                "a:1".to_string(),
            ),
            (
                NotificationKind::NewReferral,
                ReferralStatus::Requested,
                "a:2".to_string(),
            ),
        ];
        let m = digest(&links(), &items);
        assert!(
            m.body
                .contains("2 nieuwe verwijzing(en), 1 statuswijziging(en)")
        );
        assert_eq!(m.body.matches("/verwijzingen/a%3A1").count(), 1);
        assert_eq!(m.body.matches("/verwijzingen/a%3A2").count(), 1);
    }
}
