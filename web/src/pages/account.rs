//! Sign-in for people (`/inloggen`): the local account form in the site's layout and language,
//! returning to the page that asked; with an OpenID Connect issuer it hands over to
//! `/auth/login`.

use crate::ctx::{Ctx, safe_next};
use crate::error::PageResult;
use crate::form::{Errors, Field, FormData};
use crate::layout::page;
use api::auth::client_ip::ClientIp;
use api::domain::User;
use api::error::AppError;
use api::state::AppState;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::cookie::CookieJar;
use entities::Role;
use maud::html;
use serde::Deserialize;

/// Where to go after signing in.
#[derive(Deserialize, Default)]
pub struct Next {
    next: Option<String>,
}

fn form(ctx: &Ctx, next: &str, email: &str, errors: &Errors) -> maud::Markup {
    let title = ctx.t("Inloggen", "Sign in");
    page(
        ctx,
        title,
        html! {
            form method="post" action="/inloggen" {
                (errors.summary(ctx))
                input type="hidden" name="next" value=(next);
                (Field::new("email", ctx.t("E-mailadres", "E-mail address")).kind("email").value(email).autocomplete("username").required().input(errors))
                (Field::new("password", ctx.t("Wachtwoord", "Password")).kind("password").autocomplete("current-password").required().input(errors))
                p { button type="submit" { (title) } }
            }
        },
    )
}

/// Where a user lands after signing in: the page that asked (`next`, already checked), except
/// that an organisation editor who came from the start page (or from no page: `asked` is the
/// `next` as sent) lands on the referrals to answer.
fn landing<'a>(user: &User, asked: Option<&str>, next: &'a str) -> &'a str {
    let from_start = matches!(asked.map(str::trim), None | Some("" | "/"));
    if from_start && user.has_role(Role::OrganisationEditor) {
        "/verwijzingen"
    } else {
        next
    }
}

/// `GET /inloggen`.
pub async fn login_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<Next>,
) -> PageResult {
    let next = safe_next(q.next.as_deref()).to_string();
    if !state.config.auth.local_enabled() {
        let to = format!("/auth/login?next={}", crate::layout::encode(&next));
        return Ok(Redirect::to(&to).into_response());
    }
    Ok(form(&ctx, &next, "", &Errors::none()).into_response())
}

/// `POST /inloggen`: signs in, sets the session cookie and returns to `next`.
pub async fn login_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Extension(ip): Extension<ClientIp>,
    jar: CookieJar,
    f: FormData,
) -> PageResult {
    let next = safe_next(f.get("next")).to_string();
    let email = f.value("email").to_string();
    match api::auth::local::login(&state.auth_ctx(), &email, f.value("password"), ip.0).await {
        Ok(signed_in) => {
            let to = landing(&signed_in.user, f.get("next"), &next);
            Ok((
                jar.add(api::auth::routes::session_cookie(
                    &state.config.auth,
                    signed_in.token,
                )),
                Redirect::to(to),
            )
                .into_response())
        }
        Err(e) => {
            e.log_if_internal();
            let (status, message) = match e {
                AppError::WrongCredentials => (
                    StatusCode::UNAUTHORIZED,
                    ctx.t(
                        "Onbekend e-mailadres of onjuist wachtwoord.",
                        "Unknown e-mail address or wrong password.",
                    ),
                ),
                AppError::TooManyRequests => (
                    StatusCode::TOO_MANY_REQUESTS,
                    ctx.t(
                        "Te veel pogingen. Wacht even en probeer het opnieuw.",
                        "Too many attempts. Wait a moment and try again.",
                    ),
                ),
                other => return Err(crate::error::PageError::new(&ctx, other)),
            };
            Ok((
                status,
                form(&ctx, &next, &email, &Errors::one(&ctx, "password", message)),
            )
                .into_response())
        }
    }
}
