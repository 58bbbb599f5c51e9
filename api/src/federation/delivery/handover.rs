//! Contact details for a warm handover between nodes. A new referral's message is queued
//! without them: the referrer's node keeps them sealed under its own key in
//! `referral_contacts` and adds them to the message only as it sends it ([`message_to_send`]);
//! once the offer's node has answered, the referrer's copy is deleted ([`drop_after`]). The
//! offer's node parses them again and seals them under its key ([`from_wire`]).

use crate::error::{AppError, AppResult};
use crate::federation::protocol::{ContactHandover, ReferralMessage, ReferralMessageBody};
use crate::services::Ctx;
use crate::services::referral::contact::{self, ConsentBy, ContactConsent, Handover};
use entities::{referral, referral_outbox};
use sea_orm::{ConnectionTrait, EntityTrait};

/// The message of outbox `row` as it goes on the wire: a new referral's with its contact
/// details, if any, opened for this one send (and audited as `contact_forward`).
pub(super) async fn message_to_send(
    ctx: &Ctx,
    row: &referral_outbox::Model,
) -> AppResult<serde_json::Value> {
    let mut message: ReferralMessage =
        serde_json::from_str(&row.body).map_err(|e| AppError::Internal(e.into()))?;
    if let ReferralMessageBody::Created(f) = &mut message.body
        && let Some(r) = referral::Entity::find_by_id(row.referral_id.as_str())
            .one(&ctx.db)
            .await?
    {
        let me = ctx.node_id.as_str();
        f.contact = contact::open_for_delivery(&ctx.db, &ctx.contact_keys, me, &r)
            .await?
            .map(|h| to_wire(&h));
    }
    serde_json::to_value(&message).map_err(|e| AppError::Internal(e.into()))
}

/// Deletes this node's copy of the contact details once the offer's node answered the message
/// that carried them (applied or refused: either way this node no longer needs them).
pub(super) async fn drop_after(
    db: &impl ConnectionTrait,
    row: &referral_outbox::Model,
) -> AppResult<()> {
    let created = serde_json::from_str::<ReferralMessage>(&row.body)
        .is_ok_and(|m| matches!(m.body, ReferralMessageBody::Created(_)));
    if created {
        contact::purge(db, &row.referral_id).await?;
    }
    Ok(())
}

fn to_wire(h: &Handover) -> ContactHandover {
    let d = &h.details;
    ContactHandover {
        name: d.name().to_string(),
        phone: d.phone().map(|p| p.as_str().to_string()),
        email: d.email().map(|e| e.as_str().to_string()),
        best_time_to_call: d.best_time_to_call().map(str::to_string),
        naaste_may_join: d.naaste_may_join(),
        consent: h.consent.given,
        consent_by: h.consent.by.label().to_string(),
        consent_at: h.consented_at,
    }
}

/// The contact details of a peer's message, checked as a local user's are; the refusal names
/// the field but never repeats its content (it goes back to the peer and into its outbox).
pub(super) fn from_wire(w: ContactHandover) -> Result<Handover, String> {
    let details = contact::parse_details(
        &w.name,
        w.phone.as_deref(),
        w.email.as_deref(),
        w.best_time_to_call.as_deref(),
        w.naaste_may_join,
    )
    .map_err(|e| {
        let field = e.field_name().unwrap_or("contact").to_string();
        format!("the contact details are not valid ({field})")
    })?;
    let by = match w.consent_by.as_str() {
        "self" => ConsentBy::Person,
        user => ConsentBy::User(user.to_string()),
    };
    Ok(Handover {
        details,
        consent: ContactConsent {
            given: w.consent,
            by,
        },
        consented_at: w.consent_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ContactDetails;

    #[test]
    fn a_handover_crosses_the_wire_and_a_bad_one_is_refused_without_its_content() {
        let details =
            ContactDetails::parse("Ria", Some("0612345678"), None, Some("na 17:00"), true).unwrap();
        let consent = ContactConsent {
            given: true,
            by: ConsentBy::User("nijmegen:u1".into()),
        };
        let h = Handover::now(details.clone(), consent.clone());
        let back = from_wire(to_wire(&h)).unwrap();
        assert_eq!(back.details, details);
        assert_eq!(back.consent, consent);
        assert!(!format!("{:?}", to_wire(&h)).contains("0612345678"));
        let mut bad = to_wire(&h);
        bad.phone = Some("bel 0612 niet".into());
        let why = from_wire(bad).unwrap_err();
        assert!(why.contains("phone") && !why.contains("0612"), "{why}");
    }
}
