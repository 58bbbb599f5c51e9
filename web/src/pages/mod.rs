//! One module per page group, each owning its routes.

pub mod account;
pub mod compare;
pub mod coverage;
pub mod handout;
pub mod inbox;
pub mod insight;
pub mod manage;
pub mod network;
pub mod offer;
pub mod offer_circle;
pub mod offer_circle_form;
pub mod offer_form;
pub mod offer_funding;
pub mod offer_recovery;
pub mod offer_suitability;
pub mod organisation;
pub mod referral;
pub mod region;
pub mod search;
pub mod search_demand;
pub mod self_referral;

use crate::i18n::Lang;
use api::domain::AreaCode;
use api::error::{AppError, AppResult};
use api::state::AppState;
use entities::area;
use std::collections::HashMap;

/// The area a person typed: a CBS code, or the name of a gemeente, wijk or buurt as people
/// write it (see [`api::services::area::by_name`]), optionally with its gemeente in brackets
/// ("Centrum (Arnhem)"); the broadest of that name. Several of the same level is an error that
/// lists them with their gemeente. Errors name `field`.
pub async fn area_named(
    state: &AppState,
    lang: Lang,
    raw: &str,
    field: &str,
) -> AppResult<area::Model> {
    let raw = raw.trim();
    if let Ok(code) = AreaCode::parse(raw) {
        return api::services::area::get(&state.db, &code)
            .await
            .map_err(|_| {
                AppError::field(
                    field,
                    format!(
                        "{} {raw}",
                        lang.t("geen gebied heeft code", "no area has code")
                    ),
                )
            });
    }
    let (name, gemeente) = split_gemeente(raw);
    let limit = if gemeente.is_some() { 500 } else { 12 };
    let mut found = api::services::area::by_name(&state.db, name, limit).await?;
    let gemeenten = gemeente_names(state, &found).await?;
    if let Some(g) = gemeente {
        let g = api::geo::names::key(g);
        found.retain(|a| {
            gemeenten
                .get(&a.gemeente_code)
                .is_some_and(|n| api::geo::names::key(n) == g)
        });
    }
    match found.as_slice() {
        [] => Err(AppError::field(
            field,
            format!(
                "'{raw}' {}",
                lang.t(
                    "is geen postcode en geen bekende gemeente, wijk of buurt",
                    "is not a postcode or a known municipality, district or neighbourhood"
                )
            ),
        )),
        [one, ..] if found.iter().filter(|a| a.kind == one.kind).count() == 1 => Ok(one.clone()),
        many => {
            let kind = many[0].kind;
            let listed: Vec<String> = many
                .iter()
                .filter(|a| a.kind == kind)
                .map(|a| with_gemeente(a, &gemeenten))
                .collect();
            Err(AppError::field(
                field,
                format!(
                    "{} '{raw}': {}. {} '{}'.",
                    lang.t("Meerdere gebieden heten", "Several areas are called"),
                    listed.join(", "),
                    lang.t("Kies er een, bijvoorbeeld", "Choose one, for example"),
                    listed[0]
                ),
            ))
        }
    }
}

/// The text for the area field that finds `area` again: its name, with its gemeente when
/// other areas share the name, its code when even that is not enough.
pub async fn area_label(state: &AppState, lang: Lang, area: &area::Model) -> String {
    for text in [area.name.clone(), {
        let g = gemeente_names(state, std::slice::from_ref(area))
            .await
            .unwrap_or_default();
        with_gemeente(area, &g)
    }] {
        if area_named(state, lang, &text, "gebied")
            .await
            .is_ok_and(|a| a.code == area.code)
        {
            return text;
        }
    }
    area.code.clone()
}

/// "Centrum (Arnhem)" as the name and the gemeente; a name alone has none.
fn split_gemeente(raw: &str) -> (&str, Option<&str>) {
    raw.strip_suffix(')')
        .and_then(|r| r.rsplit_once(" ("))
        .map_or((raw, None), |(name, g)| (name.trim(), Some(g.trim())))
}

/// "Centrum (Arnhem)": a wijk or buurt with the name of its gemeente.
fn with_gemeente(a: &area::Model, gemeenten: &HashMap<String, String>) -> String {
    match gemeenten.get(&a.gemeente_code) {
        Some(g) if a.kind != entities::AreaKind::Gemeente => format!("{} ({g})", a.name),
        _ => a.name.clone(),
    }
}

/// The names of the gemeenten of `areas`, by code.
async fn gemeente_names(
    state: &AppState,
    areas: &[area::Model],
) -> AppResult<HashMap<String, String>> {
    let codes: Vec<String> = areas.iter().map(|a| a.gemeente_code.clone()).collect();
    api::services::area::names_of(&state.db, &codes).await
}
