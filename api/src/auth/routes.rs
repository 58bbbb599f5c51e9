//! Sign-in pages under `/auth`: with an OpenID Connect issuer, `GET /auth/login?next=/path`
//! redirects to the provider and `GET /auth/callback` completes the sign-in ([`oidc`]);
//! otherwise a login form for local accounts (`GET`/`POST /auth/login`),
//! which sets the HttpOnly session cookie, and `POST /auth/logout` (cookie or bearer session).
//! Cross-site posts never reach these handlers ([`same_origin`](crate::auth::same_origin)).

use crate::auth::client_ip::ClientIp;
use crate::auth::{AuthCtx, local, oidc, request, session};
use crate::config::AuthConfig;
use crate::error::AppError;
use axum::extract::{Form, FromRef, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;

/// The `/auth` routes, for any app state that yields an [`AuthCtx`].
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    AuthCtx: FromRef<S>,
{
    Router::new()
        .route("/auth/login", get(login_form).post(login_submit))
        .route("/auth/callback", get(callback))
        .route("/auth/logout", post(logout))
}

/// The login form fields.
#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
}

fn page(message: Option<&str>) -> Html<String> {
    let message = message
        .map(|m| format!("<p role=\"alert\">{}</p>", escape(m)))
        .unwrap_or_default();
    Html(format!(
        "<!doctype html><html lang=\"nl\"><head><meta charset=\"utf-8\"><title>Inloggen - Wijkwijzer</title></head>\
         <body><h1>Inloggen</h1>{message}<form method=\"post\" action=\"/auth/login\">\
         <label>E-mail <input type=\"email\" name=\"email\" autocomplete=\"username\" required></label>\
         <label>Wachtwoord <input type=\"password\" name=\"password\" autocomplete=\"current-password\" required></label>\
         <button type=\"submit\">Inloggen</button></form></body></html>"
    ))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The query of `GET /auth/login`.
#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// `GET /auth/login`: the local login form, or a redirect to the OpenID Connect provider with
/// the sign-in cookie that binds the sign-in to this browser.
async fn login_form(
    State(auth): State<AuthCtx>,
    headers: axum::http::HeaderMap,
    jar: CookieJar,
    Query(q): Query<LoginQuery>,
) -> Response {
    if auth.runtime.jwks.is_none() {
        return page(None).into_response();
    }
    match oidc::start(&auth, &headers, q.next.as_deref()).await {
        Ok(started) => (
            jar.add(login_cookie(&auth.config.auth, started.cookie)),
            Redirect::to(&started.url),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

/// The cookie of a started OpenID Connect sign-in: HttpOnly, SameSite=Lax (it must come
/// back on the provider's top-level redirect), only sent to `/auth`, gone after 10 minutes.
fn login_cookie(config: &AuthConfig, value: String) -> Cookie<'static> {
    Cookie::build((oidc::LOGIN_COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(config.secure_cookies)
        .path("/auth")
        .max_age(time::Duration::seconds(oidc::PENDING_TTL.as_secs() as i64))
        .build()
}

/// The query of the provider's redirect back.
#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /auth/callback`: completes an OpenID Connect sign-in started in this browser, sets
/// the session cookie and drops the sign-in cookie.
async fn callback(
    State(auth): State<AuthCtx>,
    headers: axum::http::HeaderMap,
    jar: CookieJar,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let started = jar.get(oidc::LOGIN_COOKIE).map(|c| c.value().to_string());
    let jar = jar.remove(Cookie::build(oidc::LOGIN_COOKIE).path("/auth").build());
    let (Some(code), Some(csrf), None) = (q.code, q.state, q.error) else {
        return (jar, AppError::Unauthenticated).into_response();
    };
    match oidc::finish(&auth, &headers, &code, &csrf, started.as_deref()).await {
        Ok(done) => (
            jar.add(session_cookie(&auth.config.auth, done.token)),
            Redirect::to(&done.next),
        )
            .into_response(),
        Err(e) => (jar, e).into_response(),
    }
}

/// The session cookie: HttpOnly, SameSite=Lax, Secure when configured; it lives as long as
/// the browser session, the server-side session expires after `auth.session_hours`.
pub fn session_cookie(config: &AuthConfig, token: String) -> Cookie<'static> {
    Cookie::build((session::COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(config.secure_cookies)
        .path("/")
        .build()
}

async fn login_submit(
    State(auth): State<AuthCtx>,
    Extension(ip): Extension<ClientIp>,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Response {
    match local::login(&auth, &form.email, &form.password, ip.0).await {
        Ok(signed_in) => (
            jar.add(session_cookie(&auth.config.auth, signed_in.token)),
            Redirect::to("/"),
        )
            .into_response(),
        Err(e) => {
            e.log_if_internal();
            let status = e.status();
            let msg = match e {
                AppError::WrongCredentials => "Onbekend e-mailadres of onjuist wachtwoord.".into(),
                other => other.message(),
            };
            (status, page(Some(&msg))).into_response()
        }
    }
}

async fn logout(
    State(auth): State<AuthCtx>,
    headers: axum::http::HeaderMap,
    jar: CookieJar,
) -> Response {
    // API clients end their bearer session and get 204; browsers are sent home.
    if let Some(token) = request::bearer(&headers) {
        return match session::revoke(&auth.db, token).await {
            Ok(()) => {
                auth.runtime.live.sessions_changed();
                axum::http::StatusCode::NO_CONTENT.into_response()
            }
            Err(e) => e.into_response(),
        };
    }
    if let Some(token) = request::session_cookie(&headers) {
        if let Err(e) = session::revoke(&auth.db, &token).await {
            return e.into_response();
        }
        auth.runtime.live.sessions_changed();
    }
    (
        jar.remove(Cookie::build(session::COOKIE).path("/").build()),
        Redirect::to("/"),
    )
        .into_response()
}
