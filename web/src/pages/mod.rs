//! One module per page group, each owning its routes.

pub mod account;
pub mod compare;
pub mod coverage;
pub mod handout;
pub mod inbox;
pub mod manage;
pub mod offer;
pub mod offer_form;
pub mod organisation;
pub mod referral;
pub mod search;
pub mod self_referral;

use crate::i18n::Lang;
use api::domain::AreaCode;
use api::error::{AppError, AppResult};
use api::state::AppState;
use entities::area;

/// The area a person typed: a CBS code, or the name of a gemeente, wijk or buurt (the
/// broadest of that name; several of the same level is an error listing them). Errors name
/// `field`.
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
    let found = api::services::area::by_name(&state.db, raw, 6).await?;
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
        many => Err(AppError::field(
            field,
            format!(
                "{} '{raw}': {}. {}",
                lang.t("Meerdere gebieden heten", "Several areas are called"),
                many.iter()
                    .map(|a| format!("{} ({})", a.code, a.gemeente_code))
                    .collect::<Vec<_>>()
                    .join(", "),
                lang.t(
                    "Vul een postcode of code in.",
                    "Enter a postcode or a code."
                )
            ),
        )),
    }
}
