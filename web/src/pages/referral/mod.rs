//! Referrals on the web: a practitioner refers a patient from an offer's page
//! (`/aanbod/{id}/verwijzen`), both sides follow it at `/verwijzingen`, and the receiving
//! organisation answers on the referral's page. Rules live in `api::services::referral`.
//!
//! - `form`: the practitioner's referral form (and its note check), with `contact_fields`
//!   (the route and the contact details for a warm handover);
//! - `needs`: practical needs on the form and the page;
//! - `list`: both sides' list at `/verwijzingen`;
//! - `detail`: one referral's page and its status moves, with `contact_view` (the contact
//!   details for the two sides, and the patient's print page);
//! - `stats`: a practice's anonymous figures at `/verwijzingen/cijfers`.

mod contact_fields;
mod contact_view;
mod detail;
mod form;
mod list;
mod needs;
mod stats;

pub use detail::{set_status, show};
pub use form::{check_note, refer_form_page, refer_submit};
pub use list::list;
pub use stats::show as stats;

use crate::ctx::Ctx;
use crate::error::{OrPage, PageError};
use crate::labels::{self, Label};
use api::domain::GlobalId;
use api::error::AppResult;
use api::services::offer_view::{self, OfferView};
use api::state::AppState;
use chrono::{DateTime, Utc};
use entities::{ReferralStatus, referral as referral_entity};
use maud::{Markup, html};
use std::collections::HashMap;

/// A moment as the page shows it: date and time.
pub(super) fn when(ctx: &Ctx, at: DateTime<Utc>) -> String {
    format!(
        "{} {}",
        labels::date(ctx.lang, at.date_naive()),
        at.format("%H:%M")
    )
}

/// A referral id from a path.
pub(super) fn referral_id(ctx: &Ctx, raw: &str) -> Result<GlobalId, PageError> {
    GlobalId::parse(raw)
        .map_err(|e| e.in_field("id"))
        .or_page(ctx)
}

/// Offer titles and organisation names for a list of referrals.
pub(super) async fn context_of(
    state: &AppState,
    ctx: &Ctx,
    rows: &[referral_entity::Model],
) -> AppResult<(HashMap<String, OfferView>, HashMap<String, String>)> {
    let offer_ids: Vec<String> = rows.iter().map(|r| r.offer_id.clone()).collect();
    let offers = offer_view::many(&state.db, &ctx.actor, &offer_ids)
        .await?
        .into_iter()
        .map(|v| (v.offer.id.clone(), v))
        .collect();
    let practice_ids = rows
        .iter()
        .filter_map(|r| r.referrer_organisation_id.clone());
    let practices = offer_view::organisations(&state.db, practice_ids)
        .await?
        .into_iter()
        .map(|(id, o)| (id, o.name))
        .collect();
    Ok((offers, practices))
}

/// Who a referral came from as the pages show it: the practice's name, or "Zelf aangemeld"
/// for a person's own sign-up.
pub(super) fn source_label(
    ctx: &Ctx,
    r: &referral_entity::Model,
    practices: &HashMap<String, String>,
) -> String {
    if r.source == entities::ReferralSource::SelfReferral {
        return ctx.t("Zelf aangemeld", "Self-referred").to_string();
    }
    r.referrer_organisation_id
        .as_ref()
        .and_then(|p| practices.get(p))
        .map_or_else(|| "–".to_string(), String::clone)
}

/// The patient reference as the pages show it: `removed` once purged, "–" for a person's own
/// sign-up (it has none; the organisation sees the person's contact details instead).
pub(super) fn patient_label<'a>(r: &'a referral_entity::Model, removed: &'a str) -> &'a str {
    match (&r.patient_ref, r.source) {
        (Some(p), _) => p,
        (None, entities::ReferralSource::SelfReferral) if r.purged_at.is_none() => "–",
        (None, _) => removed,
    }
}

pub(super) fn status_badge(ctx: &Ctx, s: ReferralStatus) -> Markup {
    let class = match s {
        ReferralStatus::Accepted | ReferralStatus::InProgress | ReferralStatus::Completed => {
            "badge ok"
        }
        ReferralStatus::Rejected | ReferralStatus::Cancelled | ReferralStatus::Failed => {
            "badge full"
        }
        _ => "badge neutral",
    };
    html! { span class=(class) { (s.label(ctx.lang)) } }
}
