//! Referrals on the web: a practitioner refers a patient from an offer's page
//! (`/aanbod/{id}/verwijzen`), both sides follow it at `/verwijzingen`, and the receiving
//! organisation answers on the referral's page. Rules live in `api::services::referral`.
//!
//! - `form`: the practitioner's referral form, with `contact_fields` (the route and the
//!   contact details for a warm handover);
//! - `list`: both sides' list at `/verwijzingen`;
//! - `detail`: one referral's page and its status moves, with `contact_view` (the contact
//!   details for the two sides, and the patient's print page).

mod contact_fields;
mod contact_view;
mod detail;
mod form;
mod list;

pub use detail::{set_status, show};
pub use form::{refer_form_page, refer_submit};
pub use list::list;

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
