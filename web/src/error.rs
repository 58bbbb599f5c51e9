//! Errors as pages: the service's [`AppError`] with the status it carries and a message in the
//! page's language. Internal causes are logged, never shown; a page that needs sign-in sends
//! the browser to the login form and back.

use crate::ctx::Ctx;
use crate::i18n::service_message;
use crate::layout::{encode, page};
use api::error::AppError;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

/// A failed page request (boxed: it travels in every handler's `Result`).
pub struct PageError(Box<(Ctx, AppError)>);

/// A page handler's result.
pub type PageResult = Result<Response, PageError>;

/// Attaches the page context to a service error.
pub trait OrPage<T> {
    /// The error as a page for `ctx`.
    fn or_page(self, ctx: &Ctx) -> Result<T, PageError>;
}

impl<T> OrPage<T> for Result<T, AppError> {
    fn or_page(self, ctx: &Ctx) -> Result<T, PageError> {
        self.map_err(|err| PageError::new(ctx, err))
    }
}

impl PageError {
    /// An error for `ctx`.
    pub fn new(ctx: &Ctx, err: AppError) -> Self {
        Self(Box::new((ctx.clone(), err)))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (ctx, err) = *self.0;
        err.log_if_internal();
        if matches!(err, AppError::Unauthenticated) {
            return Redirect::to(&format!("/inloggen?next={}", encode(&ctx.here))).into_response();
        }
        let title = match &err {
            AppError::NotFound(_) => ctx.t("Niet gevonden", "Not found"),
            AppError::BadInput { .. } => {
                ctx.t("Dat klopt niet helemaal", "Please check your input")
            }
            AppError::Forbidden(_) => ctx.t("Geen toegang", "Not allowed"),
            AppError::Conflict(_) | AppError::NeedsConfirmation { .. } => {
                ctx.t("Dat kan nu niet", "That is not possible now")
            }
            AppError::TooManyRequests | AppError::QueryTooCostly(_) => {
                ctx.t("Even geduld", "Please wait")
            }
            AppError::Unauthenticated | AppError::WrongCredentials | AppError::Internal(_) => {
                ctx.t("Er ging iets mis", "Something went wrong")
            }
        };
        let detail = match &err {
            AppError::Internal(_) => ctx
                .t(
                    "Probeer het later opnieuw. De fout is vastgelegd.",
                    "Please try again later. The error has been logged.",
                )
                .to_string(),
            AppError::NotFound(_) => ctx
                .t(
                    "Deze pagina of dit gegeven bestaat niet (meer), of u mag het niet zien.",
                    "This page or record does not exist (any more), or you may not see it.",
                )
                .to_string(),
            AppError::TooManyRequests => ctx
                .t(
                    "Te veel pogingen in korte tijd. Wacht even en probeer het opnieuw.",
                    "Too many attempts in a short time. Wait a moment and try again.",
                )
                .to_string(),
            other => service_message(ctx.lang, &other.text()),
        };
        let body = html! {
            div.error-page role="alert" { p { (detail) } }
            p { a href="/" { (ctx.t("Naar de zoekpagina", "Back to search")) } }
        };
        (err.status(), page(&ctx, title, body)).into_response()
    }
}
