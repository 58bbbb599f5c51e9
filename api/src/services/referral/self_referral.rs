//! Self-referral: a person signs themselves up for an offer on its public form ("Aanmelden",
//! no account) or through GraphQL `selfRefer`. It reaches the organisation as a referral with
//! source `self_referral` (GraphQL `SELF`; no practice, no referring user, no patient reference) and follows the same
//! lifecycle; the person's name and phone and/or e-mail are stored sealed through
//! [`contact`](super::contact), with the person's own consent (`consent_by = self`).
//!
//! # Which offers take self-referrals
//!
//! Decided by the offer's existing `intake` (no extra flag to keep up to date): `none` and
//! `conversation` take them, `referral_required` does not. The offer must also be public, not
//! ended, and owned by this node: a mirrored offer's page links to its own node's form instead,
//! as cross-node delivery of self-referrals is not built. A node without a contact key cannot
//! store the contact details, so it takes no self-referrals.
//!
//! # Confirmation mail
//!
//! When the person gave an e-mail address and the node sends mail, a confirmation waits in
//! `self_referral_mails`: the address sealed (bound to the referral), a text naming the offer
//! and its organisation and saying what happens next; never the person's name or message.
//! `notify` sends it and deletes the row.
//!
//! Abuse limits (per-address rate limit, honeypot, body size) are the edges' (web form and
//! GraphQL), as they know the request.

use super::commands::insert_new;
use super::contact::{self, ConsentBy, ContactConsent};
use super::{announce, offer_and_org, parse_note};
use crate::db;
use crate::domain::{Actor, ContactDetails, Email, GlobalId};
use crate::error::{AppError, AppResult};
use crate::read_model::rules::{CapacityStatus, capacity_status, is_public};
use crate::sealing::{KeyRing, Sealed};
use crate::services::Ctx;
use chrono::Utc;
use entities::json::StringList;
use entities::{
    ContactPreference, Intake, OfferStatus, ReferralSource, ReferralStatus, offer, organisation,
    referral, self_referral_mail,
};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

/// A person's sign-up as given on the form, the contact details parsed.
#[derive(Clone, Debug)]
pub struct NewSelfReferral {
    pub offer_id: GlobalId,
    /// Name to address the person by, phone and/or e-mail.
    pub contact: ContactDetails,
    /// A short message to the organisation (no medical content).
    pub message: Option<String>,
    /// The person agrees that the organisation receives their details and contacts them.
    pub consent: bool,
}

/// What the person is told after signing up: no personal data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The referral's id (for the organisation; the person has no page to follow it).
    pub referral_id: String,
    pub offer_title: String,
    pub organisation_name: String,
    /// Whether a confirmation mail is on its way.
    pub confirmation_mail: bool,
}

/// Whether an offer's intake lets people sign themselves up.
pub fn intake_allows(intake: Intake) -> bool {
    matches!(intake, Intake::None | Intake::Conversation)
}

/// Where a person can sign up for offer `o` themselves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Availability {
    /// On this node's form.
    Here,
    /// On the form of the node that owns the offer.
    AtNode(String),
    /// Not at all (referral required, ended, not public).
    No,
}

/// Where `o` (of `org`) takes self-referrals, seen from node `node_id`.
pub fn availability(o: &offer::Model, org: &organisation::Model, node_id: &str) -> Availability {
    if !is_public(o, org) || o.status == OfferStatus::Ended || !intake_allows(o.intake) {
        Availability::No
    } else if o.origin_node == node_id {
        Availability::Here
    } else {
        Availability::AtNode(o.origin_node.clone())
    }
}

/// The offer `offer_id` and its organisation when this node takes self-referrals for it:
/// `NOT_FOUND` for an unknown or hidden offer, `CONFLICT` with the reason otherwise.
pub async fn open_offer(
    db: &impl ConnectionTrait,
    node_id: &str,
    offer_id: &GlobalId,
) -> AppResult<(offer::Model, organisation::Model)> {
    let (o, org) = offer_and_org(db, &offer_id.to_string()).await?;
    match availability(&o, &org, node_id) {
        Availability::Here => Ok((o, org)),
        Availability::AtNode(node) => Err(AppError::Conflict(format!(
            "this offer belongs to region {node}: sign up on that region's site"
        ))),
        Availability::No if !is_public(&o, &org) => {
            Err(AppError::NotFound(format!("offer {offer_id}")))
        }
        Availability::No if o.status == OfferStatus::Ended => {
            Err(AppError::Conflict("this offer has ended".into()))
        }
        Availability::No => Err(AppError::Conflict(
            "this offer takes people only on referral by a GP or practice nurse; \
             signing up yourself is not possible"
                .into(),
        )),
    }
}

/// Signs a person up for an offer: one transaction with the referral (source `self`), its first
/// event, the sealed contact details and, when `send_mail` and an e-mail address was given,
/// the confirmation mail; announced once committed, so the organisation is notified as of any
/// new referral. Consent is required (`consent`); the message is a short note (`message`).
pub async fn create(ctx: &Ctx, new: NewSelfReferral, send_mail: bool) -> AppResult<Receipt> {
    if !new.consent {
        return Err(AppError::field(
            "consent",
            "you must agree before your sign-up and contact details are sent",
        ));
    }
    let message = parse_note(new.message.as_deref(), "message")?;
    let txn = db::begin_write(&ctx.db).await?;
    let (o, org) = open_offer(&txn, ctx.node_id.as_str(), &new.offer_id).await?;
    let model = new_model(ctx, &o, &new.contact, message);
    let person = Actor::Anonymous;
    insert_new(&txn, &person, &model).await?;
    let consent = ContactConsent {
        given: true,
        by: ConsentBy::Person,
    };
    contact::store(
        &txn,
        &ctx.contact_keys,
        &person,
        &model.id,
        &consent,
        &new.contact,
    )
    .await?;
    let mail_to = new.contact.email().filter(|_| send_mail);
    if let Some(address) = mail_to {
        queue_mail(&txn, &ctx.contact_keys, &model.id, address, &o, &org).await?;
    }
    txn.commit().await?;
    tracing::info!(referral = %model.id, "self-referral received");
    announce(ctx, &model, org.id.clone());
    Ok(Receipt {
        referral_id: model.id,
        offer_title: o.title,
        organisation_name: org.name,
        confirmation_mail: mail_to.is_some(),
    })
}

/// The new referral row: requested, from nobody's practice.
fn new_model(
    ctx: &Ctx,
    o: &offer::Model,
    contact: &ContactDetails,
    message: Option<String>,
) -> referral::Model {
    let now = Utc::now();
    referral::Model {
        id: GlobalId::new(&ctx.node_id).to_string(),
        origin_node: ctx.node_id.as_str().to_string(),
        offer_id: o.id.clone(),
        offer_node: o.origin_node.clone(),
        referrer_user_id: None,
        referrer_organisation_id: None,
        patient_ref: None,
        consent: true,
        contact_preference: Some(if contact.phone().is_some() {
            ContactPreference::Phone
        } else {
            ContactPreference::Email
        }),
        reason_domains: StringList(Vec::new()),
        note: message,
        status: ReferralStatus::Requested,
        status_reason: None,
        offer_was_full: matches!(
            capacity_status(o),
            CapacityStatus::NoCapacity | CapacityStatus::Waitlist
        ),
        created_at: now,
        updated_at: now,
        closed_at: None,
        purged_at: None,
        version: 1,
        practical_needs: None,
        source: ReferralSource::SelfReferral,
        outcome: None,
        stop_reason: None,
        first_meeting_on: None,
        contact_patient: false,
        contact_note: None,
        expected_start: None,
    }
}

/// What a sealed mail address is bound to.
fn mail_context(referral_id: &str) -> Vec<u8> {
    format!("self_referral_mails/{referral_id}").into_bytes()
}

/// Queues the confirmation mail for `address` (sealed) inside the sign-up's transaction.
async fn queue_mail(
    db: &impl ConnectionTrait,
    keys: &KeyRing,
    referral_id: &str,
    address: &Email,
    o: &offer::Model,
    org: &organisation::Model,
) -> AppResult<()> {
    let sealed = keys
        .seal(&mail_context(referral_id), address.as_str().as_bytes())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("sealing a mail address: {e}")))?;
    let (subject, body) = confirmation_text(&o.title, &org.name);
    let now = Utc::now();
    self_referral_mail::ActiveModel {
        referral_id: Set(referral_id.to_string()),
        key_id: Set(sealed.key_id),
        sealed_address: Set(sealed.bytes),
        subject: Set(subject),
        body: Set(body),
        created_at: Set(now),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The address of a queued confirmation mail; `CONFLICT` when it does not open (its key is
/// gone or the row is damaged).
pub fn mail_address(keys: &KeyRing, row: &self_referral_mail::Model) -> AppResult<Email> {
    let sealed = Sealed {
        key_id: row.key_id.clone(),
        bytes: row.sealed_address.clone(),
    };
    let plain = keys
        .open(&sealed, &mail_context(&row.referral_id))
        .map_err(|e| AppError::Conflict(format!("the mail address cannot be opened: {e}")))?;
    let text = std::str::from_utf8(&plain)
        .map_err(|_| AppError::Conflict("the mail address is damaged".into()))?;
    Email::parse(text)
}

/// Subject and body of the confirmation mail (Dutch, English below): the offer and who will
/// get in touch; no name, no contact details, never the message.
pub fn confirmation_text(offer_title: &str, organisation: &str) -> (String, String) {
    let subject = format!("Uw aanmelding voor {offer_title} / Your sign-up for {offer_title}");
    let body = format!(
        "Hallo,\n\n\
         Wij hebben uw aanmelding voor \"{offer_title}\" ontvangen en doorgegeven aan \
         {organisation}. Een medewerker van {organisation} neemt contact met u op, via het \
         telefoonnummer of e-mailadres dat u gaf, om kennis te maken en te vertellen wat de \
         volgende stap is. U hoeft nu niets te doen.\n\
         Wilt u zich toch niet aanmelden? Zeg het dan tegen {organisation} als zij contact \
         opnemen.\n\n\
         ---\n\n\
         Hello,\n\n\
         We have received your sign-up for \"{offer_title}\" and passed it on to \
         {organisation}. Someone from {organisation} will contact you, by the phone number or \
         e-mail address you gave, to get acquainted and tell you the next step. You need not do \
         anything now.\n\
         Changed your mind? Tell {organisation} when they get in touch.\n\n\
         Deze e-mail is automatisch verstuurd door Wijkwijzer. / This e-mail was sent \
         automatically by Wijkwijzer.\n"
    );
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_intakes_without_referral_take_self_referrals() {
        assert!(intake_allows(Intake::None));
        assert!(intake_allows(Intake::Conversation));
        assert!(!intake_allows(Intake::ReferralRequired));
    }

    #[test]
    fn the_confirmation_names_the_offer_and_nothing_personal() {
        let (subject, body) = confirmation_text("Wandelgroep Lent", "Bindkracht10");
        assert!(subject.contains("Wandelgroep Lent"));
        assert!(body.contains("Bindkracht10") && body.contains("neemt contact met u op"));
    }
}
