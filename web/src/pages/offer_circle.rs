//! The Herstelcirkel section of an offer's page (issue 19): year and Herstelcirkel+ links,
//! group size with the recruiting line ("werving: nog 6 deelnemers nodig"), subgroups with
//! their schedules, start meeting and who is invited, leefkrachtcoaches, klankbord meetings,
//! evaluations; for signed-in practitioners, editors and admins also the kwartiermaker's
//! contact, the regisseurs, the klankbord members and the partner practices. What a reader
//! sees is decided by [`CircleView::for_actor`](api::read_model::circle::CircleView::for_actor).

use crate::ctx::Ctx;
use crate::i18n::Lang;
use crate::labels;
use crate::layout::encode;
use api::read_model::circle::CircleView;
use maud::{Markup, html};

/// The recruiting line, e.g. "werving: nog 6 deelnemers nodig".
pub fn recruiting_line(ctx: &Ctx, need: i32) -> String {
    let one = need == 1;
    format!(
        "{} {need} {}",
        ctx.t("werving: nog", "recruiting: still"),
        match (one, ctx.lang) {
            (true, Lang::Nl) => "deelnemer nodig",
            (false, Lang::Nl) => "deelnemers nodig",
            (true, Lang::En) => "participant needed",
            (false, Lang::En) => "participants needed",
        }
    )
}

/// The Dutch and English words of a code of the circle's fixed lists (roles, activities,
/// invitees, agreements); an unknown code as it is.
pub fn code_label(ctx: &Ctx, code: &str) -> String {
    let (nl, en) = match code {
        "kwartiermaker" => ("kwartiermaker", "kwartiermaker"),
        "regisseur" => ("regisseur", "coordinator"),
        "leefkrachtcoach" => ("leefkrachtcoach", "coach"),
        "participant" => ("deelnemer", "participant"),
        "huisarts_poh" => ("huisarts of POH", "GP or practice nurse"),
        "huisarts" => ("huisarts", "GP"),
        "poh" => ("POH", "practice nurse"),
        "partners" => ("partnerpraktijken", "partner practices"),
        "koken" => ("koken", "cooking"),
        "bewegen" => ("bewegen", "exercise"),
        "ontspannen" => ("ontspannen", "relaxation"),
        "informatie" => ("informatie", "information"),
        "responsibilities" => ("verantwoordelijkheden", "responsibilities"),
        "research" => ("onderzoek", "research"),
        "check_ups" => ("controles", "check-ups"),
        other => (other, other),
    };
    ctx.t(nl, en).to_string()
}

fn labels_of(ctx: &Ctx, codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| code_label(ctx, c))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The link to the circle form, for the offer's editors.
pub fn edit_link(ctx: &Ctx, offer_id: &str) -> Markup {
    html! {
        p.circle-edit { a href=(format!("/aanbod/{}/cirkel", encode(offer_id))) {
            (ctx.t("Herstelcirkel-plan wijzigen", "Change the circle plan"))
        } }
    }
}

/// The section; `year` of the offer's own `hc_year` is shown when the plan has none.
pub fn section(ctx: &Ctx, c: &CircleView) -> Markup {
    let p = &c.plan;
    html! {
        section.circle aria-labelledby="cirkel-titel" {
            h2 #cirkel-titel { (ctx.t("Over deze Herstelcirkel", "About this recovery circle")) }
            @if let Some(need) = c.recruiting_need {
                p.recruiting { span.badge.neutral { (crate::pages::offer::capitalise(&recruiting_line(ctx, need))) } }
            }
            dl.facts {
                @if let Some(y) = p.year {
                    dt { (ctx.t("Jaar", "Year")) }
                    dd { @if y == 1 { (ctx.t("Eerste jaar", "First year")) } @else { "Herstelcirkel+ " (ctx.t("jaar", "year")) " " (y) } }
                }
                @if let Some(prev) = &c.previous {
                    dt { (ctx.t("Vorig jaar van deze groep", "This group's previous year")) }
                    dd { a href=(format!("/aanbod/{}", encode(&prev.id))) { (prev.title) } }
                }
                @if !c.next.is_empty() {
                    dt { (ctx.t("Vervolg (Herstelcirkel+)", "Continuation (Herstelcirkel+)")) }
                    dd { @for n in &c.next { a href=(format!("/aanbod/{}", encode(&n.id))) { (n.title) } br; } }
                }
                (group(ctx, c))
                @if !p.subgroups.0.is_empty() {
                    dt { (ctx.t("Subgroepen", "Subgroups")) }
                    dd { @for s in &p.subgroups.0 {
                        strong { (crate::pages::offer::capitalise(&code_label(ctx, &s.activity))) } ": "
                        @if s.schedule.is_empty() { (ctx.t("in overleg", "by arrangement")) }
                        (s.schedule.iter().map(|x| labels::period(ctx.lang, x)).collect::<Vec<_>>().join("; "))
                        br;
                    } }
                }
                @if let Some(d) = p.start_meeting {
                    dt { (ctx.t("Startbijeenkomst", "Start meeting")) }
                    dd {
                        (labels::date(ctx.lang, d))
                        @if !p.start_meeting_invited.0.is_empty() { ", " (ctx.t("met", "with")) " " (labels_of(ctx, &p.start_meeting_invited.0)) }
                    }
                }
                @if !p.coaches.0.is_empty() {
                    dt { (ctx.t("Leefkrachtcoaches", "Coaches")) }
                    dd { (p.coaches.0.join(", ")) }
                }
                @if !p.klankbord_meetings.0.is_empty() {
                    dt { (ctx.t("Klankbordgroep komt samen", "Sounding board meets")) }
                    dd { (p.klankbord_meetings.0.iter().map(|d| labels::date(ctx.lang, *d)).collect::<Vec<_>>().join(", ")) }
                }
                (practitioner_parts(ctx, c))
            }
            (evaluations(ctx, c))
            @if c.practitioner_parts_hidden {
                p.hint { (ctx.t("Huisartsen en praktijkondersteuners zien na inloggen ook de kwartiermaker en de partnerpraktijken.", "GPs and practice nurses who sign in also see the kwartiermaker and the partner practices.")) }
            }
        }
    }
}

fn group(ctx: &Ctx, c: &CircleView) -> Markup {
    let p = &c.plan;
    html! {
        @match (p.group_min, p.group_max) {
            (Some(a), Some(b)) => { dt { (ctx.t("Groepsgrootte", "Group size")) } dd { (a) "–" (b) " " (ctx.t("deelnemers", "participants")) } },
            (Some(a), None) => { dt { (ctx.t("Groepsgrootte", "Group size")) } dd { (ctx.t("minstens", "at least")) " " (a) } },
            (None, Some(b)) => { dt { (ctx.t("Groepsgrootte", "Group size")) } dd { (ctx.t("hoogstens", "at most")) " " (b) } },
            (None, None) => {},
        }
    }
}

fn practitioner_parts(ctx: &Ctx, c: &CircleView) -> Markup {
    let p = &c.plan;
    html! {
        @if let Some(name) = &p.kwartiermaker_name {
            dt { (ctx.t("Kwartiermaker", "Kwartiermaker")) }
            dd {
                (name)
                @if let Some(o) = &p.kwartiermaker_organisation { " (" (o) ")" }
                @if let Some(ph) = p.kwartiermaker_phone.as_deref().and_then(|x| api::domain::Phone::parse(x).ok()) {
                    br; a href=(format!("tel:{}", ph.as_str().replace(' ', ""))) { (ph.as_str()) }
                }
                @if let Some(e) = p.kwartiermaker_email.as_deref().and_then(|x| api::domain::Email::parse(x).ok()) {
                    br; a href=(format!("mailto:{e}")) { (e.as_str()) }
                }
            }
        }
        @if !p.regisseurs.0.is_empty() {
            dt { (ctx.t("Regisseurs (gekozen door de groep)", "Coordinators (chosen by the group)")) }
            dd { (p.regisseurs.0.join(", ")) }
        }
        @if !p.klankbord_members.0.is_empty() {
            dt { (ctx.t("Klankbordgroep", "Sounding board")) }
            dd { (p.klankbord_members.0.iter().map(|m| match &m.name { Some(n) => format!("{n} ({})", code_label(ctx, &m.role)), None => code_label(ctx, &m.role) }).collect::<Vec<_>>().join(", ")) }
        }
        @if !c.partners.is_empty() {
            dt { (ctx.t("Partnerpraktijken", "Partner practices")) }
            dd { @for pp in &c.partners {
                (pp.name)
                @if let Some(d) = pp.agreed_on { ", " (ctx.t("afspraken van", "agreed on")) " " (labels::date(ctx.lang, d)) }
                @if !pp.agreements.is_empty() { " (" (labels_of(ctx, &pp.agreements)) ")" }
                br;
            } }
        }
    }
}

fn evaluations(ctx: &Ctx, c: &CircleView) -> Markup {
    html! {
        @if !c.plan.evaluations.0.is_empty() {
            h3 { (ctx.t("Evaluaties", "Evaluations")) }
            ul.evaluations { @for e in &c.plan.evaluations.0 {
                li {
                    // Only an http(s) URL becomes a link, whatever is stored (defence in depth).
                    @if let Ok(u) = api::domain::WebUrl::parse(&e.url) { a href=(u.as_str()) { (e.title) } } @else { (e.title) }
                    " (" (e.year) ")"
                    @if let Some(o) = &e.outcome { ": " (o) }
                }
            } }
        }
    }
}
