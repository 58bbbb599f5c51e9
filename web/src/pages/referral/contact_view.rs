//! A referral page's contact part: the person's contact details for the two sides (the
//! receiving organisation's editors and the referring practice; each showing is an audited
//! read, `api::services::referral::contact::read`), and for the referring practice the link
//! to the page it gives the patient.

use crate::ctx::Ctx;
use crate::error::PageError;
use crate::layout::encode;
use api::domain::{Actor, ContactDetails};
use api::error::AppError;
use api::services::referral::contact;
use api::state::AppState;
use entities::referral as referral_entity;
use maud::{Markup, html};

/// The contact section of referral `r` (whose offer belongs to `receiving`): the details when
/// the viewer may see them and some were given, nothing otherwise.
pub async fn section(
    state: &AppState,
    ctx: &Ctx,
    r: &referral_entity::Model,
    receiving: &str,
) -> Result<Markup, PageError> {
    if !matches!(ctx.actor, Actor::User(_)) {
        return Ok(html! {});
    }
    let details = match contact::read(state, &ctx.actor, r, receiving).await {
        Ok(d) => d,
        // Not one of the two sides: the refusal is audited, the page shows nothing.
        Err(AppError::Forbidden(_) | AppError::Unauthenticated) => None,
        Err(e) => return Err(PageError::new(ctx, e)),
    };
    let print = ctx
        .actor
        .is_referrer_side(r.referrer_organisation_id.as_deref())
        .then(|| {
            format!(
                "/aanbod/{}/meegeven?verwijzing={}",
                encode(&r.offer_id),
                encode(&r.id)
            )
        });
    Ok(html! {
        @if let Some(d) = &details { (shown(ctx, d)) }
        @if let Some(href) = print {
            p.print-link { a href=(href) { (ctx.t("Informatie voor de patiënt (om mee te geven)", "Information for the patient (to hand over)")) } }
        }
    })
}

fn shown(ctx: &Ctx, d: &ContactDetails) -> Markup {
    html! {
        section #contactgegevens aria-labelledby="contactgegevens-titel" {
            h2 #contactgegevens-titel { (ctx.t("Contactgegevens (warme overdracht)", "Contact details (warm handover)")) }
            dl.facts {
                dt { (ctx.t("Naam", "Name")) }
                dd { (d.name()) }
                @if let Some(p) = d.phone() {
                    dt { (ctx.t("Telefoon", "Phone")) }
                    dd { a href=(format!("tel:{}", p.as_str().replace(' ', ""))) { (p.as_str()) } }
                }
                @if let Some(e) = d.email() {
                    dt { (ctx.t("E-mail", "E-mail")) }
                    dd { a href=(format!("mailto:{}", e.as_str())) { (e.as_str()) } }
                }
                @if let Some(t) = d.best_time_to_call() {
                    dt { (ctx.t("Bellen", "Call")) }
                    dd { (t) }
                }
                dt { (ctx.t("Naaste", "Someone close")) }
                dd { (if d.naaste_may_join() { ctx.t("mag bij het eerste gesprek zijn", "may join the first talk") } else { ctx.t("nee", "no") }) }
            }
            p.hint { (ctx.t("Gedeeld met toestemming van de persoon. Elke keer dat u dit ziet, wordt vastgelegd.", "Shared with the person's consent. Every time you see this is recorded.")) }
        }
    }
}
