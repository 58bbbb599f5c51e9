//! An offer's page (`GET /aanbod/{id}`): who runs it, where, when (in plain language), cost,
//! places, how to join, contact, Herstelcirkel details and provenance; with "refer" for
//! practitioners and "edit" for its editors.

use crate::ctx::Ctx;
use crate::error::{OrPage, PageResult};
use crate::labels::{self, Label};
use crate::layout::{encode, page};
use api::services::offer_view::{self, OfferView};
use api::state::AppState;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use entities::{Intake, OfferKind, Role};
use maud::{Markup, html};

/// `GET /aanbod/{id}`.
pub async fn show(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> PageResult {
    let v = offer_view::get(&state, &ctx.actor, &id)
        .await
        .or_page(&ctx)?;
    let circle = api::read_model::circle::CircleView::load(&state.db, &ctx.actor, &v.offer)
        .await
        .or_page(&ctx)?;
    let o = &v.offer;
    let can_refer =
        matches!(&ctx.actor, api::auth::Actor::User(u) if u.has_role(Role::Practitioner));
    let can_edit = !v.is_mirrored(&state) && ctx.actor.can_edit_organisation(&v.organisation.id);
    let funding = crate::pages::offer_funding::section(&state, &ctx, &v, can_edit)
        .await
        .or_page(&ctx)?;
    let extra = super::offer_suitability::load(&state, o)
        .await
        .or_page(&ctx)?;
    let recovery = super::offer_recovery::section(&state, &ctx, o)
        .await
        .or_page(&ctx)?;
    let body = html! {
        p.meta { (o.kind.label(ctx.lang)) " · " (v.organisation.name) }
        @if v.is_mirrored(&state) {
            p.provenance {
                (ctx.t("Dit aanbod komt uit de regio", "This offer comes from region")) " "
                strong { (o.origin_node) } ". "
                (ctx.t("Een verwijzing gaat naar die regio; wijzigen kan alleen daar.",
                       "A referral is sent to that region; only it can change the offer."))
            }
        }
        @if o.published_at.is_none() {
            p.provenance { (ctx.t("Nog niet gepubliceerd: alleen zichtbaar voor uw organisatie.", "Not published yet: visible to your organisation only.")) }
        }
        p {
            span class=(labels::places_badge(o)) { (labels::places(ctx.lang, o)) }
            " " span.badge.neutral { (o.status.label(ctx.lang)) }
        }
        (actions(&ctx, &v, can_refer, can_edit))
        @if let Some(href) = crate::pages::self_referral::link(&state, &v) {
            p.self-referral-link {
                a.button href=(href) { (ctx.t("Zelf aanmelden", "Sign up yourself")) }
                " " (ctx.t("Dit kan zonder verwijzing van de huisarts.", "No referral from your GP needed."))
            }
        }
        @for para in o.description.split("\n\n").filter(|p| !p.trim().is_empty()) {
            p { (para.trim()) }
        }
        (recovery)
        (super::offer_suitability::section(&ctx, o, &extra, can_edit))
        (facts(&ctx, &v))
        (funding)
        @if let Some(c) = &circle { (crate::pages::offer_circle::section(&ctx, c)) } @else if o.kind == OfferKind::Herstelcirkel { (herstelcirkel(&ctx, &v)) }
        @if can_edit && o.kind == OfferKind::Herstelcirkel { (crate::pages::offer_circle::edit_link(&ctx, &o.id)) }
    };
    Ok(page(&ctx, &o.title, body).into_response())
}

/// Whether the offer needs no sign-up: a walk-in, or intake "none". Such offers get the
/// handout (`/aanbod/{id}/meegeven`) instead of a referral.
pub fn is_walk_in(o: &entities::offer::Model) -> bool {
    o.kind == OfferKind::WalkIn || o.intake == Intake::None
}

/// What a reader can do here. A walk-in offer (no sign-up) is handed over on paper instead of
/// referred; a practitioner refers to any other offer; an anonymous visitor is asked to sign in
/// first (and comes back here); editors of its organisation edit it.
fn actions(ctx: &Ctx, v: &OfferView, can_refer: bool, can_edit: bool) -> Markup {
    let o = &v.offer;
    let id = encode(&o.id);
    let walk_in = is_walk_in(o);
    let anonymous = matches!(ctx.actor, api::auth::Actor::Anonymous);
    html! {
        div.actions {
            @if walk_in {
                a.button href=(format!("/aanbod/{id}/meegeven")) { (ctx.t("Zonder aanmelding: geef de patiënt dit mee", "No sign-up needed: give the patient this page")) }
            } @else if can_refer {
                a.button href=(format!("/aanbod/{id}/verwijzen")) { (ctx.t("Patiënt verwijzen", "Refer a patient")) }
                a.button.secondary href=(format!("/aanbod/{id}/meegeven")) { (ctx.t("Uitleg voor de patiënt (afdrukken)", "Handout for the patient (print)")) }
            } @else if anonymous {
                a.button href=(format!("/inloggen?next={}", encode(&format!("/aanbod/{}", o.id)))) { (ctx.t("Log in om te verwijzen", "Sign in to refer")) }
            }
            @if can_edit {
                a.button.secondary href=(format!("/beheer/aanbod/{id}")) { (ctx.t("Bewerken", "Edit")) }
            }
        }
    }
}

/// The "Practical" list: one section per question a reader has.
fn facts(ctx: &Ctx, v: &OfferView) -> Markup {
    html! {
        h2 { (ctx.t("Praktisch", "Practical")) }
        dl.facts {
            (who(ctx, v))
            (when(ctx, v))
            (where_(ctx, v))
            (joining(ctx, v))
            (contact(ctx, v))
            (audience(ctx, v))
        }
    }
}

/// Who runs the offer.
fn who(ctx: &Ctx, v: &OfferView) -> Markup {
    let org = &v.organisation;
    html! {
        dt { (ctx.t("Wie", "Who")) }
        dd {
            (org.name)
            // Only an http(s) URL becomes a link, whatever is stored (defence in depth).
            @if let Some(w) = org.website.as_deref().and_then(|w| api::domain::WebUrl::parse(w).ok()) { " · " a href=(w.as_str()) { (ctx.t("website", "website")) } }
        }
    }
}

/// When it meets, and from and until which dates.
fn when(ctx: &Ctx, v: &OfferView) -> Markup {
    let o = &v.offer;
    html! {
        dt { (ctx.t("Wanneer", "When")) }
        dd {
            @if o.schedule.0.is_empty() && o.schedule_note.is_none() { (ctx.t("In overleg", "By arrangement")) }
            @for p in &o.schedule.0 { (capitalise(&labels::period(ctx.lang, p))) br; }
            @if let Some(n) = &o.schedule_note { (n) br; }
            @match (o.start_date, o.end_date) {
                (Some(s), Some(e)) => { (ctx.t("Van", "From")) " " (labels::date(ctx.lang, s)) " " (ctx.t("tot", "to")) " " (labels::date(ctx.lang, e)) },
                (Some(s), None) => { (ctx.t("Vanaf", "From")) " " (labels::date(ctx.lang, s)) },
                (None, Some(e)) => { (ctx.t("Tot", "Until")) " " (labels::date(ctx.lang, e)) },
                (None, None) => {},
            }
        }
    }
}

/// Where: its locations.
fn where_(ctx: &Ctx, v: &OfferView) -> Markup {
    html! {
        dt { (ctx.t("Waar", "Where")) }
        dd {
            @if v.locations.is_empty() { (ctx.t("Onbekend", "Unknown")) }
            @for l in &v.locations {
                @if let Some(n) = &l.name { (n) ", " }
                @if let Some(s) = &l.street { (s) ", " }
                @if let Some(p) = &l.postcode { (p) " " }
                @if let Some(c) = &l.city { (c) }
                br;
            }
        }
    }
}

/// What it costs, how many places are left and how to join.
fn joining(ctx: &Ctx, v: &OfferView) -> Markup {
    let o = &v.offer;
    html! {
        dt { (ctx.t("Kosten", "Cost")) }
        dd { (labels::cost(ctx.lang, o)) @if let Some(n) = &o.cost_note { " (" (n) ")" } }
        dt { (ctx.t("Plekken", "Places")) }
        dd { (labels::places(ctx.lang, o)) }
        dt { (ctx.t("Aanmelden", "How to join")) }
        dd {
            (o.intake.label(ctx.lang))
            @if let Some(h) = &o.how_to_join { ". " (h) }
        }
    }
}

/// The contact person, when there is one; only valid addresses and numbers become links.
fn contact(ctx: &Ctx, v: &OfferView) -> Markup {
    let o = &v.offer;
    html! {
        @if o.contact_name.is_some() || o.contact_email.is_some() || o.contact_phone.is_some() {
            dt { (ctx.t("Contact", "Contact")) }
            dd {
                @if let Some(n) = &o.contact_name { (n) br; }
                @if let Some(e) = &o.contact_email {
                    @if let Ok(valid) = api::domain::Email::parse(e) { a href=(format!("mailto:{valid}")) { (e) } } @else { (e) }
                    br;
                }
                @if let Some(p) = &o.contact_phone {
                    @if let Ok(valid) = api::domain::Phone::parse(p) { a href=(format!("tel:{}", valid.as_str().replace(' ', ""))) { (p) } } @else { (p) }
                }
            }
        }
    }
}

/// Whom it is for: life domains, target groups, ages, languages, accessibility (each when set).
fn audience(ctx: &Ctx, v: &OfferView) -> Markup {
    let o = &v.offer;
    let langs = languages(ctx, v);
    html! {
        @if !v.life_domains.is_empty() {
            dt { (ctx.t("Leefgebieden", "Life domains")) }
            dd { (v.life_domains.iter().map(|d| d.label(ctx.lang)).collect::<Vec<_>>().join(", ")) }
        }
        @if !v.target_groups.is_empty() {
            dt { (ctx.t("Voor wie", "For whom")) }
            dd { (v.target_groups.iter().map(|d| d.label(ctx.lang)).collect::<Vec<_>>().join(", ")) }
        }
        @match (o.min_age, o.max_age) {
            (Some(a), Some(b)) => { dt { (ctx.t("Leeftijd", "Age")) } dd { (a) "–" (b) } },
            (Some(a), None) => { dt { (ctx.t("Leeftijd", "Age")) } dd { (a) "+" } },
            (None, Some(b)) => { dt { (ctx.t("Leeftijd", "Age")) } dd { (ctx.t("tot", "up to")) " " (b) } },
            (None, None) => {},
        }
        @if !langs.is_empty() {
            dt { (ctx.t("Talen", "Languages")) }
            dd { (langs.join(", ")) }
        }
        @if let Some(a) = &o.accessibility {
            dt { (ctx.t("Toegankelijkheid", "Accessibility")) }
            dd { (a) }
        }
    }
}

/// The offer's languages by name (known codes) or code.
fn languages<'a>(ctx: &Ctx, v: &'a OfferView) -> Vec<&'a str> {
    v.offer
        .languages
        .0
        .iter()
        .map(|l| match l.as_str() {
            "nl" => ctx.t("Nederlands", "Dutch"),
            "en" => ctx.t("Engels", "English"),
            "ar" => ctx.t("Arabisch", "Arabic"),
            "tr" => ctx.t("Turks", "Turkish"),
            other => other,
        })
        .collect()
}

fn herstelcirkel(ctx: &Ctx, v: &OfferView) -> Markup {
    let o = &v.offer;
    html! {
        h2 { (ctx.t("Over deze Herstelcirkel", "About this recovery circle")) }
        dl.facts {
            @if let Some(y) = o.hc_year {
                dt { (ctx.t("Jaar", "Year")) }
                dd { @if y == 1 { (ctx.t("Eerste jaar", "First year")) } @else { "Herstelcirkel+ " (ctx.t("jaar", "year")) " " (y) } }
            }
            @if !o.hc_coaches.0.is_empty() {
                dt { (ctx.t("Leefkrachtcoaches", "Coaches")) }
                dd { (o.hc_coaches.0.join(", ")) }
            }
            @if let Some(r) = api::domain::circle::legacy_regisseur(o, chrono::Utc::now().date_naive()) {
                dt { (ctx.t("Regisseur", "Coordinator")) }
                dd { (r) }
            }
            @if let Some(d) = o.hc_start_meeting {
                dt { (ctx.t("Startbijeenkomst", "Start meeting")) }
                dd { (labels::date(ctx.lang, d)) " " (ctx.t("(met huisarts of POH)", "(with GP or practice nurse)")) }
            }
            @if !o.hc_sounding_board.0.is_empty() {
                dt { (ctx.t("Klankbordbijeenkomsten", "Sounding-board meetings")) }
                dd { (o.hc_sounding_board.0.iter().map(|d| labels::date(ctx.lang, *d)).collect::<Vec<_>>().join(", ")) }
            }
        }
    }
}

/// `s` with its first letter as a capital.
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
