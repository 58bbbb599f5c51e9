//! The page a GP or POH hands to the person (`GET /aanbod/{id}/meegeven`): print-friendly (the
//! print style sheet fits it on one A4), in Dutch or English (`?lang=en`). It says what the
//! offer is, where and when in plain language, what it costs, who will get in touch and when,
//! and how to stop.
//!
//! With `?verwijzing={referral id}` and a reader allowed to see that referral (the referral
//! service decides and audits), it adds that the organisation will get in touch, how, and
//! the best time to call when the person gave one. Nothing else about the person is printed:
//! no patient reference, no contact details.

use crate::ctx::Ctx;
use crate::error::{OrPage, PageResult};
use crate::i18n::Lang;
use crate::labels::{self, Label};
use crate::layout::{encode, page};
use api::domain::{Email, GlobalId, Phone, WebUrl};
use api::error::AppError;
use api::services::offer_view::{self, OfferView};
use api::services::referral;
use api::state::AppState;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum_extra::extract::Query;
use entities::{ContactPreference, Intake};
use maud::{Markup, html};
use serde::Deserialize;

/// Longest description printed (the rest is on the offer's page): keeps the page on one A4.
const DESCRIPTION_MAX: usize = 700;

/// The query of the handout.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HandoutParams {
    /// A referral to this offer whose lines to add.
    verwijzing: Option<String>,
}

/// What a referral adds to the handout; nothing that identifies the person.
struct ReferralLines {
    preference: Option<ContactPreference>,
    best_time: Option<String>,
}

/// The link on a referral's page to the handout with that referral's lines, for the referring
/// practice (who hands it over); nothing for anyone else.
pub fn referral_link(ctx: &Ctx, r: &entities::referral::Model) -> Markup {
    if !ctx
        .actor
        .is_referrer_side(r.referrer_organisation_id.as_deref())
    {
        return html! {};
    }
    let href = format!(
        "/aanbod/{}/meegeven?verwijzing={}",
        encode(&r.offer_id),
        encode(&r.id)
    );
    html! {
        p.no-print { a href=(href) { (ctx.t("Uitleg voor de patiënt afdrukken", "Print the handout for the patient")) } }
    }
}

/// `GET /aanbod/{id}/meegeven`.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(p): Query<HandoutParams>,
) -> PageResult {
    let v = offer_view::get(&state, &ctx.actor, &id)
        .await
        .or_page(&ctx)?;
    let lines = match p.verwijzing.as_deref().map(str::trim) {
        Some(raw) if !raw.is_empty() => {
            Some(referral_lines(&state, &ctx, &v, raw).await.or_page(&ctx)?)
        }
        _ => None,
    };
    let days = state.config.mail.reminder_working_days;
    let body = html! {
        div.handout {
            p.no-print.actions {
                button.print-button type="button" hidden data-print { (ctx.t("Afdrukken", "Print")) }
                span.hint { (ctx.t("Druk deze pagina af en geef hem mee (past op één A4).", "Print this page and hand it over (fits one A4).")) }
            }
            p.lead { (v.offer.kind.label(ctx.lang)) " " (ctx.t("van", "by")) " " (v.organisation.name) }
            (what(&ctx, &v))
            (where_when(&ctx, &v))
            h2 { (ctx.t("Kosten", "Cost")) }
            p { (labels::cost(ctx.lang, &v.offer)) @if let Some(n) = &v.offer.cost_note { " (" (n) ")" } }
            (next_step(&ctx, &v, lines.as_ref(), days))
            (stopping(&ctx, &v))
            (contact(&ctx, &v))
        }
    };
    Ok(page(&ctx, &v.offer.title, body).into_response())
}

/// The lines of referral `raw`, when the reader may see it and it is a referral to this offer
/// (else `NOT_FOUND`, as for a referral that does not exist). The best time to call is read only
/// when the reader may open the contact details (that read is audited too).
async fn referral_lines(
    state: &AppState,
    ctx: &Ctx,
    v: &OfferView,
    raw: &str,
) -> Result<ReferralLines, AppError> {
    let not_found = || AppError::NotFound(format!("referral {raw}"));
    let id = GlobalId::parse(raw).map_err(|_| not_found())?;
    let r = referral::get(state, &ctx.actor, &id).await?;
    if r.offer_id != v.offer.id {
        return Err(not_found());
    }
    let best_time = match referral::contact::read(state, &ctx.actor, &r, &v.organisation.id).await {
        Ok(Some(details)) => details.best_time_to_call().map(str::to_string),
        // Not allowed to open them, none given, or unreadable: the handout goes without.
        _ => None,
    };
    Ok(ReferralLines {
        preference: r.contact_preference,
        best_time,
    })
}

/// What the offer is: its description, shortened to fit the page.
fn what(ctx: &Ctx, v: &OfferView) -> Markup {
    let text = v.offer.description.trim();
    let short = if text.chars().count() > DESCRIPTION_MAX {
        let cut: String = text.chars().take(DESCRIPTION_MAX).collect();
        let end = cut
            .rfind(['.', '!', '?'])
            .map(|i| i + 1)
            .unwrap_or(cut.len());
        format!("{} …", cut[..end].trim_end())
    } else {
        text.to_string()
    };
    html! {
        h2 { (ctx.t("Wat is het?", "What is it?")) }
        @for para in short.split("\n\n").filter(|p| !p.trim().is_empty()) { p { (para.trim()) } }
    }
}

/// Where and when, in plain language.
fn where_when(ctx: &Ctx, v: &OfferView) -> Markup {
    let o = &v.offer;
    html! {
        h2 { (ctx.t("Waar en wanneer?", "Where and when?")) }
        ul {
            @for l in &v.locations {
                li { (l.name.iter().chain(&l.street).chain(&l.postcode).chain(&l.city).cloned().collect::<Vec<_>>().join(", ")) }
            }
            @if v.locations.is_empty() { li { (ctx.t("De plek hoort u van de organisatie.", "The organisation will tell you where.")) } }
            @for p in &o.schedule.0 { li { (super::offer::capitalise(&labels::period(ctx.lang, p))) } }
            @if let Some(n) = &o.schedule_note { li { (n) } }
            @if o.schedule.0.is_empty() && o.schedule_note.is_none() { li { (ctx.t("Tijden in overleg.", "Times by arrangement.")) } }
            @match (o.start_date, o.end_date) {
                (Some(s), Some(e)) => li { (ctx.t("Van", "From")) " " (labels::date(ctx.lang, s)) " " (ctx.t("tot", "to")) " " (labels::date(ctx.lang, e)) },
                (Some(s), None) => li { (ctx.t("Vanaf", "From")) " " (labels::date(ctx.lang, s)) },
                (None, Some(e)) => li { (ctx.t("Tot", "Until")) " " (labels::date(ctx.lang, e)) },
                (None, None) => {},
            }
        }
    }
}

/// Who gets in touch, and when: from the referral when there is one, else from the intake.
fn next_step(ctx: &Ctx, v: &OfferView, lines: Option<&ReferralLines>, days: u32) -> Markup {
    let org = &v.organisation.name;
    let lang = ctx.lang;
    let how = |p: Option<ContactPreference>| match (p, lang) {
        (Some(ContactPreference::Phone), Lang::Nl) => " en belt u op",
        (Some(ContactPreference::Phone), Lang::En) => " and will phone you",
        (Some(ContactPreference::Email), Lang::Nl) => " en mailt u",
        (Some(ContactPreference::Email), Lang::En) => " and will e-mail you",
        (Some(ContactPreference::Letter), Lang::Nl) => " en stuurt u een brief",
        (Some(ContactPreference::Letter), Lang::En) => " and will send you a letter",
        _ => "",
    };
    html! {
        h2 { (ctx.t("Hoe gaat het verder?", "What happens next?")) }
        @match lines {
            Some(l) if l.preference == Some(ContactPreference::ViaPractice) => p.referral-line {
                @match lang {
                    Lang::Nl => { "Uw huisarts heeft u aangemeld bij " (org) ". De praktijk laat u binnen " (days) " werkdagen weten hoe het verder gaat." },
                    Lang::En => { "Your GP has referred you to " (org) ". The practice will tell you within " (days) " working days how it goes on." },
                }
            },
            Some(l) => p.referral-line {
                @match lang {
                    Lang::Nl => { "Uw huisarts heeft u aangemeld bij " (org) ". " (org) " neemt binnen " (days) " werkdagen contact met u op" (how(l.preference)) "." },
                    Lang::En => { "Your GP has referred you to " (org) ". " (org) " will contact you within " (days) " working days" (how(l.preference)) "." },
                }
                @if let Some(t) = &l.best_time {
                    " " (ctx.t("U bent het best te bereiken:", "The best time to reach you:")) " " (t) "."
                }
            },
            None => p {
                @match (v.offer.intake, lang) {
                    (Intake::None, Lang::Nl) => { "U hoeft zich niet aan te melden: kom gewoon langs op de tijden hierboven." },
                    (Intake::None, Lang::En) => { "No need to sign up: just drop in at the times above." },
                    (Intake::Conversation, Lang::Nl) => { "Eerst is er een kennismakingsgesprek. Na een aanmelding neemt " (org) " binnen " (days) " werkdagen contact met u op." },
                    (Intake::Conversation, Lang::En) => { "It starts with an introductory talk. After you are signed up, " (org) " will contact you within " (days) " working days." },
                    (Intake::ReferralRequired, Lang::Nl) => { "U heeft een verwijzing nodig van uw huisarts of POH. Daarna neemt " (org) " binnen " (days) " werkdagen contact met u op." },
                    (Intake::ReferralRequired, Lang::En) => { "You need a referral from your GP or practice nurse. Then " (org) " will contact you within " (days) " working days." },
                }
            },
        }
        @if let Some(h) = &v.offer.how_to_join { p { (h) } }
    }
}

/// How to stop: always allowed, and whom to tell.
fn stopping(ctx: &Ctx, v: &OfferView) -> Markup {
    html! {
        h2 { (ctx.t("Stoppen?", "Want to stop?")) }
        p {
            @if super::offer::is_walk_in(&v.offer) {
                (ctx.t("U kunt altijd stoppen: u hoeft niets te regelen, kom gewoon niet meer.",
                       "You can stop at any time: there is nothing to arrange, just stop coming."))
            } @else {
                (ctx.t("U kunt altijd stoppen, zonder reden. Laat het de organisatie weten (zie hieronder), of zeg het tegen uw huisarts of POH.",
                       "You can stop at any time, without giving a reason. Tell the organisation (see below), or your GP or practice nurse."))
            }
        }
    }
}

/// The organisation's contact: printed in full (a printed link cannot be clicked).
fn contact(ctx: &Ctx, v: &OfferView) -> Markup {
    let o = &v.offer;
    let website = v
        .organisation
        .website
        .as_deref()
        .and_then(|w| WebUrl::parse(w).ok());
    html! {
        h2 { (ctx.t("Contact", "Contact")) }
        p {
            (v.organisation.name) br;
            @if let Some(n) = &o.contact_name { (n) br; }
            @if let Some(p) = o.contact_phone.as_deref().and_then(|p| Phone::parse(p).ok()) {
                (ctx.t("Telefoon", "Phone")) ": " a href=(format!("tel:{}", p.as_str().replace(' ', ""))) { (p.as_str()) } br;
            }
            @if let Some(e) = o.contact_email.as_deref().and_then(|e| Email::parse(e).ok()) {
                (ctx.t("E-mail", "E-mail")) ": " a href=(format!("mailto:{e}")) { (e) } br;
            }
            @if let Some(w) = website { (ctx.t("Website", "Website")) ": " a href=(w.as_str()) { (w.as_str()) } }
        }
    }
}
