//! The one error type of the node, with stable codes.
//!
//! Every failure a user can see maps to a code (`NOT_FOUND`, `BAD_USER_INPUT`, `UNAUTHENTICATED`,
//! `FORBIDDEN`, `CONFLICT`, `NEEDS_CONFIRMATION`, `TOO_MANY_REQUESTS`, `QUERY_TOO_COSTLY`, `INTERNAL`) that appears as GraphQL
//! `extensions.code`, an HTTP status and a plain message. Internal causes are logged once, where
//! they cross the boundary, and never shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Result of a service call.
pub type AppResult<T> = Result<T, AppError>;

/// A failure with a stable code.
///
/// Deliberately not `Display`: async-graphql converts any `Display` type into an error without
/// extensions, so this type converts only through its own `From`, which always sets the code.
#[derive(Debug)]
pub enum AppError {
    /// The record does not exist (or is not visible to the caller).
    NotFound(String),
    /// Input failed validation; `field` names the input path at fault.
    BadInput {
        field: Option<String>,
        message: String,
    },
    /// No or invalid credentials.
    Unauthenticated,
    /// A sign-in with an e-mail and password that do not match (`UNAUTHENTICATED`, saying so).
    WrongCredentials,
    /// Signed in, but not allowed.
    Forbidden(String),
    /// A concurrent change won (stale `version`) or the state does not allow it.
    Conflict(String),
    /// The request conflicts with what the record says (a referral against an offer's
    /// suitability) and is sent only when confirmed; `conflicts` holds the stable codes of what
    /// conflicts (`NEEDS_CONFIRMATION`, with `extensions.conflicts`).
    NeedsConfirmation {
        message: String,
        conflicts: Vec<String>,
    },
    /// Too many attempts in a short time.
    TooManyRequests,
    /// A GraphQL request over the node's limits (complexity, depth, SQL statements or time);
    /// the message says which.
    QueryTooCostly(String),
    /// Anything else; the cause is logged, not shown.
    Internal(anyhow::Error),
}

impl AppError {
    /// Bad input in a named field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadInput {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// Bad input not tied to a single field.
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::BadInput {
            field: None,
            message: message.into(),
        }
    }

    /// Prefixes the field path (`capacity` becomes `input.capacity`).
    pub fn in_field(self, prefix: &str) -> Self {
        match self {
            Self::BadInput {
                field: Some(f),
                message,
            } => Self::BadInput {
                field: Some(format!("{prefix}.{f}")),
                message,
            },
            Self::BadInput {
                field: None,
                message,
            } => Self::BadInput {
                field: Some(prefix.to_string()),
                message,
            },
            other => other,
        }
    }

    /// The message shown to users (never an internal cause).
    pub fn message(&self) -> String {
        match self {
            Self::NotFound(what) => format!("{what} not found"),
            Self::BadInput {
                field: Some(field),
                message,
            } => format!("{field}: {message}"),
            Self::BadInput {
                field: None,
                message,
            } => message.clone(),
            Self::Unauthenticated => "sign-in required".into(),
            Self::WrongCredentials => "e-mail or password is wrong".into(),
            Self::Forbidden(m) | Self::Conflict(m) | Self::QueryTooCostly(m) => m.clone(),
            Self::NeedsConfirmation { message, .. } => message.clone(),
            Self::TooManyRequests => "too many requests, try again later".into(),
            Self::Internal(_) => "internal error".into(),
        }
    }

    /// The message without the field path (for a page that shows it beside its field, or
    /// alone where the path means nothing to a person).
    pub fn text(&self) -> String {
        match self {
            Self::BadInput { message, .. } => message.clone(),
            other => other.message(),
        }
    }

    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound(_) => "NOT_FOUND",
            Self::BadInput { .. } => "BAD_USER_INPUT",
            Self::Unauthenticated | Self::WrongCredentials => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::Conflict(_) => "CONFLICT",
            Self::NeedsConfirmation { .. } => "NEEDS_CONFIRMATION",
            Self::TooManyRequests => "TOO_MANY_REQUESTS",
            Self::QueryTooCostly(_) => "QUERY_TOO_COSTLY",
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::BadInput { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthenticated | Self::WrongCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Conflict(_) | Self::NeedsConfirmation { .. } => StatusCode::CONFLICT,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::QueryTooCostly(_) => StatusCode::BAD_REQUEST,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The field at fault, for bad input.
    pub fn field_name(&self) -> Option<&str> {
        match self {
            Self::BadInput { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// Logs an internal cause once; call where the error leaves the node.
    pub fn log_if_internal(&self) {
        if let Self::Internal(cause) = self {
            tracing::error!(error = ?cause, "internal error");
        }
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Internal(err.into())
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        err.log_if_internal();
        let mut ext = async_graphql::ErrorExtensionValues::default();
        ext.set("code", err.code());
        if let Some(field) = err.field_name() {
            ext.set("field", field);
        }
        if let AppError::NeedsConfirmation { conflicts, .. } = &err {
            ext.set("conflicts", conflicts.clone());
        }
        async_graphql::Error {
            message: err.message(),
            source: None,
            extensions: Some(ext),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log_if_internal();
        (self.status(), self.message()).into_response()
    }
}
