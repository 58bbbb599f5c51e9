//! The signed-in user's notifications (`/meldingen`, also `/inbox`): what changed, newest first,
//! each with a link to its referral; "mark all read"; and the setting of when e-mail comes
//! (immediately, a daily digest, or never).

use crate::ctx::Ctx;
use crate::error::{OrPage, PageResult};
use crate::form::FormData;
use crate::layout::{notice, page};
use api::error::AppError;
use api::notify::{NotificationMode, compose, inbox, referral_path};
use api::state::AppState;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;

/// Notifications per page.
const PAGE: u64 = 50;

/// Query of the inbox page.
#[derive(Deserialize, Default)]
pub struct InboxQuery {
    /// Show notifications older than this id.
    voor: Option<i64>,
    /// Set after saving the setting.
    opgeslagen: Option<u8>,
}

fn mode_label(ctx: &Ctx, mode: NotificationMode) -> &'static str {
    match mode {
        NotificationMode::Immediately => ctx.t(
            "Direct een e-mail per melding",
            "An e-mail per notification, at once",
        ),
        NotificationMode::DailyDigest => ctx.t(
            "Eén e-mail per dag met een overzicht",
            "One e-mail a day with a digest",
        ),
        NotificationMode::Off => ctx.t("Geen e-mail (alleen hier)", "No e-mail (only here)"),
    }
}

fn settings_form(ctx: &Ctx, mode: NotificationMode, mail: bool) -> Markup {
    let modes = [
        (NotificationMode::Immediately, "immediately"),
        (NotificationMode::DailyDigest, "daily_digest"),
        (NotificationMode::Off, "off"),
    ];
    html! {
        h2 #instellingen { (ctx.t("E-mail over meldingen", "E-mail about notifications")) }
        @if !mail {
            p { (ctx.t("Dit knooppunt verstuurt geen e-mail; meldingen staan alleen hier.", "This node sends no e-mail; notifications are shown here only.")) }
        }
        form method="post" action="/meldingen/instellingen" {
            fieldset {
                legend { (ctx.t("Wanneer wilt u e-mail?", "When do you want e-mail?")) }
                @for (m, value) in modes {
                    div {
                        input type="radio" name="mode" id=(format!("mode-{value}")) value=(value) checked[m == mode];
                        " "
                        label for=(format!("mode-{value}")) { (mode_label(ctx, m)) }
                    }
                }
            }
            p { button type="submit" { (ctx.t("Opslaan", "Save")) } }
        }
    }
}

/// `GET /meldingen`.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<InboxQuery>,
) -> PageResult {
    let found = inbox::list(&state.db, &ctx.actor, PAGE, q.voor)
        .await
        .or_page(&ctx)?;
    let mode = inbox::mode(&state.db, &ctx.actor).await.or_page(&ctx)?;
    let mail = state.config.mail.smtp_url.is_some();
    let title = ctx.t("Meldingen", "Notifications");
    let body = html! {
        @if q.opgeslagen.is_some() { (notice(ctx.t("Uw instelling is opgeslagen.", "Your setting was saved."))) }
        @if found.items.is_empty() {
            p { (ctx.t("Geen meldingen.", "No notifications.")) }
        } @else {
            form method="post" action="/meldingen/gelezen" {
                p { button type="submit" { (ctx.t("Alles als gelezen markeren", "Mark all as read")) } }
            }
            ul.notifications {
                @for n in &found.items {
                    @let (nl, en) = compose::headline(n.kind, n.status);
                    li {
                        @if n.read_at.is_none() { strong { (ctx.t("Nieuw", "New")) ": " } }
                        a href=(referral_path(&n.referral_id)) { (ctx.t(&nl, &en)) }
                        " · "
                        time datetime=(n.created_at.to_rfc3339()) { (n.created_at.format("%d-%m-%Y %H:%M")) }
                    }
                }
            }
            @if found.has_more {
                @if let Some(last) = found.items.last() {
                    p { a href=(format!("/meldingen?voor={}", last.id)) { (ctx.t("Oudere meldingen", "Older notifications")) } }
                }
            }
        }
        (settings_form(&ctx, mode, mail))
    };
    Ok(page(&ctx, title, body).into_response())
}

/// `POST /meldingen/gelezen`: marks all the user's notifications read.
pub async fn mark_read(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    inbox::mark_read(&state.db, &ctx.actor, None, Utc::now())
        .await
        .or_page(&ctx)?;
    Ok(Redirect::to("/meldingen").into_response())
}

/// `POST /meldingen/instellingen`: saves when e-mail comes.
pub async fn save_settings(State(state): State<AppState>, ctx: Ctx, f: FormData) -> PageResult {
    let mode = match f.value("mode") {
        "immediately" => NotificationMode::Immediately,
        "daily_digest" => NotificationMode::DailyDigest,
        "off" => NotificationMode::Off,
        _ => {
            return Err(AppError::field(
                "mode",
                ctx.t("Kies een van de keuzes.", "Choose one of the options."),
            ))
            .or_page(&ctx);
        }
    };
    inbox::set_mode(&state.db, &ctx.actor, mode, Utc::now())
        .await
        .or_page(&ctx)?;
    Ok(Redirect::to("/meldingen?opgeslagen=1#instellingen").into_response())
}
