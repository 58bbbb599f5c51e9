//! The recovery focus of an offer on its page (issue 19): "Herstelgericht: verbinding, hoop"
//! as plain words from the Trimbos knowledge bundle, not a clinical classification. Nothing
//! is shown for an offer without a focus.

use crate::ctx::Ctx;
use api::error::AppResult;
use api::services::offer::recovery_focus;
use api::state::AppState;
use entities::offer;
use maud::{Markup, html};

/// The recovery-focus line of `o`'s page (empty without a focus).
pub async fn section(state: &AppState, ctx: &Ctx, o: &offer::Model) -> AppResult<Markup> {
    let focus = recovery_focus::of(&state.db, &o.id).await?;
    if focus.is_empty() {
        return Ok(html! {});
    }
    let words: Vec<&str> = focus
        .iter()
        .map(|f| ctx.t(f.label_nl(), f.label_en()))
        .collect();
    Ok(html! {
        p.recovery-focus {
            strong { (ctx.t("Herstelgericht:", "Supports recovery:")) } " " (words.join(", "))
        }
    })
}
