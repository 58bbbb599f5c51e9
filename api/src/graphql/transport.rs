//! GraphQL over HTTP, as the GraphQL-over-HTTP specification (draft, after its 2025 watershed)
//! says:
//!
//! - The response media type follows `Accept`: `application/graphql-response+json` or
//!   `application/json` (the first listed with the highest `q`); a missing `Accept`, `*/*` and
//!   `application/*` get `application/graphql-response+json`; an `Accept` without either is
//!   answered `406 Not Acceptable`. Responses say `charset=utf-8`.
//! - POST bodies must be `application/json` (UTF-8): no or another `Content-Type` is
//!   `415 Unsupported Media Type`.
//! - A request that is not well-formed (body not JSON or not an object, `query` missing or not
//!   a string, `operationName` not a string, `variables` or `extensions` not a map; on GET,
//!   the same as URL parameters with `variables` and `extensions` JSON-encoded) is `400` with
//!   `{"errors": [...]}` and no `data`, whatever the media type.
//! - A request error (document parse or validation failure, including the node's complexity
//!   and depth limits, unknown operation, variable coercion failure, a request stopped by its
//!   budget) has no `data` entry: `400` with `application/graphql-response+json`, `200` with
//!   `application/json`.
//! - Anything executed (`data` present, null or not, field errors or not) is `200`.
//! - Mutations over GET are `405` (checked by the handler).

use crate::error::AppError;
use async_graphql::parser::{parse_query, types::OperationType};
use async_graphql::{ServerError, Value, Variables};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value as Json};

/// The response media types this node serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaType {
    /// `application/graphql-response+json`: status codes tell request errors apart.
    GraphQlResponse,
    /// `application/json`: the legacy type, always `200` for a well-formed request.
    Json,
}

impl MediaType {
    fn content_type(self) -> &'static str {
        match self {
            Self::GraphQlResponse => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        }
    }
}

/// Picks the response media type from the `Accept` header; `Err` is the `406` answer.
pub fn negotiate(headers: &HeaderMap) -> Result<MediaType, Refusal> {
    let Some(accept) = headers.get(header::ACCEPT) else {
        return Ok(MediaType::GraphQlResponse);
    };
    let accept = accept.to_str().unwrap_or("");
    let mut best: Option<(f32, MediaType)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let essence = parts.next().unwrap_or("").to_ascii_lowercase();
        let mut q = 1.0_f32;
        let mut charset_ok = true;
        for param in parts {
            let Some((name, value)) = param.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches('"');
            match name.trim().to_ascii_lowercase().as_str() {
                "q" => q = value.parse().unwrap_or(0.0),
                "charset" => charset_ok = value.eq_ignore_ascii_case("utf-8"),
                _ => {}
            }
        }
        let media = match essence.as_str() {
            "application/graphql-response+json" | "application/*" | "*/*" => {
                MediaType::GraphQlResponse
            }
            "application/json" => MediaType::Json,
            _ => continue,
        };
        if q > 0.0 && charset_ok && best.is_none_or(|(best_q, _)| q > best_q) {
            best = Some((q, media));
        }
    }
    best.map(|(_, media)| media).ok_or_else(|| Refusal {
        status: StatusCode::NOT_ACCEPTABLE,
        message: "this endpoint answers application/graphql-response+json or application/json"
            .into(),
    })
}

/// A request refused before it runs: not acceptable, unsupported media type, or not a
/// well-formed GraphQL-over-HTTP request.
#[derive(Debug)]
pub struct Refusal {
    status: StatusCode,
    message: String,
}

impl Refusal {
    fn bad(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    /// The answer: the status, and one error without `data` (`BAD_USER_INPUT`); a `406` in
    /// `application/json`.
    pub fn respond(self, media: MediaType) -> Response {
        let error = AppError::bad_input(self.message);
        let body = serde_json::json!({
            "errors": [{"message": error.message(), "extensions": {"code": error.code()}}]
        });
        with_type(media, self.status, body.to_string())
    }
}

/// Reads a GET request's parameters from the URL.
pub fn from_uri(uri: &Uri) -> Result<async_graphql::Request, Refusal> {
    let pairs: Vec<(String, String)> = match uri.query() {
        None => Vec::new(),
        Some(q) => axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri)
            .map(|p| p.0)
            .map_err(|_| Refusal::bad(format!("the URL parameters cannot be read: {q}")))?,
    };
    let mut params = Map::new();
    for (name, value) in pairs {
        if params.contains_key(&name) {
            return Err(Refusal::bad(format!("`{name}` is given twice")));
        }
        let value = match name.as_str() {
            "variables" | "extensions" => serde_json::from_str(&value)
                .map_err(|_| Refusal::bad(format!("`{name}` must be a JSON-encoded map")))?,
            "operationName" if value.is_empty() => Json::Null,
            _ => Json::String(value),
        };
        params.insert(name, value);
    }
    from_params(params)
}

/// Reads a POST request's JSON body.
pub fn from_body(headers: &HeaderMap, body: &[u8]) -> Result<async_graphql::Request, Refusal> {
    let unsupported = || Refusal {
        status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        message: "the body must be application/json (UTF-8)".into(),
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(unsupported)?;
    let mut parts = content_type.split(';').map(str::trim);
    if !parts
        .next()
        .is_some_and(|t| t.eq_ignore_ascii_case("application/json"))
    {
        return Err(unsupported());
    }
    for param in parts {
        if let Some((name, value)) = param.split_once('=')
            && name.trim().eq_ignore_ascii_case("charset")
            && !value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        {
            return Err(unsupported());
        }
    }
    match serde_json::from_slice::<Json>(body) {
        Ok(Json::Object(params)) => from_params(params),
        Ok(_) => Err(Refusal::bad("the body must be a JSON object")),
        Err(e) => Err(Refusal::bad(format!("the body is not JSON: {e}"))),
    }
}

/// Checks the parameters' types and builds the request.
fn from_params(mut params: Map<String, Json>) -> Result<async_graphql::Request, Refusal> {
    let query = match params.remove("query") {
        Some(Json::String(q)) => q,
        None | Some(Json::Null) => return Err(Refusal::bad("`query` is missing")),
        Some(_) => return Err(Refusal::bad("`query` must be a string")),
    };
    let mut request = async_graphql::Request::new(query);
    match params.remove("operationName") {
        None | Some(Json::Null) => {}
        Some(Json::String(name)) => request = request.operation_name(name),
        Some(_) => return Err(Refusal::bad("`operationName` must be a string")),
    }
    match params.remove("variables") {
        None | Some(Json::Null) => {}
        Some(v @ Json::Object(_)) => request = request.variables(Variables::from_json(v)),
        Some(_) => return Err(Refusal::bad("`variables` must be a map")),
    }
    match params.remove("extensions") {
        None | Some(Json::Null) => {}
        Some(Json::Object(map)) => {
            for (name, value) in map {
                let value = Value::from_json(value)
                    .map_err(|_| Refusal::bad("`extensions` cannot be read"))?;
                request.extensions.0.insert(name, value);
            }
        }
        Some(_) => return Err(Refusal::bad("`extensions` must be a map")),
    }
    Ok(request)
}

/// The part of variable coercion (GraphQL's `CoerceVariableValues`) that async-graphql leaves
/// to execution: a variable of non-null type without default must be given, and not as null.
/// `Err` is the request error to answer with.
pub fn coerce_variables(request: &async_graphql::Request) -> Result<(), Vec<ServerError>> {
    // Parse errors and unknown operations are reported by the execution itself.
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else {
        return Ok(());
    };
    let operation = doc
        .operations
        .iter()
        .find(|(name, _)| match (&request.operation_name, name) {
            (Some(wanted), Some(name)) => wanted.as_str() == name.as_str(),
            (Some(_), None) => false,
            (None, _) => true,
        });
    let Some((_, operation)) = operation else {
        return Ok(());
    };
    let errors: Vec<ServerError> = operation
        .node
        .variable_definitions
        .iter()
        .filter(|def| {
            let given = request.variables.get(def.node.name.node.as_str());
            def.node.default_value().is_none() && given.is_none_or(|v| *v == Value::Null)
        })
        .map(|def| {
            let e = AppError::bad_input(format!(
                "variable ${} of non-null type {} must be given",
                def.node.name.node, def.node.var_type.node
            ));
            let mut error = ServerError::new(e.message(), Some(def.pos));
            error.extensions = async_graphql::Error::from(e).extensions;
            error
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// True for a response to a request error: no data, and no error from a field.
/// True when the request would run a mutation (not allowed over GET nor over websockets).
pub fn is_mutation(req: &async_graphql::Request) -> bool {
    let Ok(doc) = parse_query(&req.query) else {
        return false;
    };
    doc.operations.iter().any(|(name, op)| {
        let selected = match (&req.operation_name, name) {
            (Some(wanted), Some(name)) => wanted.as_str() == name.as_str(),
            (Some(_), None) => false,
            (None, _) => true,
        };
        selected && op.node.ty == OperationType::Mutation
    })
}

fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty())
}

/// Encodes a GraphQL response in the chosen media type with the status the spec asks for.
pub fn respond(media: MediaType, response: async_graphql::Response) -> Response {
    let request_error = is_request_error(&response);
    let status = match (request_error, media) {
        (true, MediaType::GraphQlResponse) => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    let body = if request_error {
        let mut body = Map::new();
        body.insert(
            "errors".into(),
            serde_json::to_value(&response.errors).unwrap_or(Json::Null),
        );
        if !response.extensions.is_empty() {
            body.insert(
                "extensions".into(),
                serde_json::to_value(&response.extensions).unwrap_or(Json::Null),
            );
        }
        Json::Object(body).to_string()
    } else {
        serde_json::to_string(&response).unwrap_or_else(|_| {
            r#"{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}"#
                .to_string()
        })
    };
    with_type(media, status, body)
}

fn with_type(media: MediaType, status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media.content_type()),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> Result<MediaType, StatusCode> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        negotiate(&headers).map_err(|r| r.status)
    }

    #[test]
    fn accept_picks_the_highest_quality_supported_type() {
        assert_eq!(accept("application/json"), Ok(MediaType::Json));
        assert_eq!(
            accept("application/graphql-response+json, application/json"),
            Ok(MediaType::GraphQlResponse)
        );
        assert_eq!(
            accept("application/graphql-response+json;q=0.5, application/json"),
            Ok(MediaType::Json)
        );
        assert_eq!(accept("*/*"), Ok(MediaType::GraphQlResponse));
        assert_eq!(
            accept("text/html, application/json;q=0.1"),
            Ok(MediaType::Json)
        );
        assert_eq!(accept("text/html"), Err(StatusCode::NOT_ACCEPTABLE));
        assert_eq!(
            accept("application/json;q=0"),
            Err(StatusCode::NOT_ACCEPTABLE)
        );
        assert_eq!(
            accept("application/json; charset=latin1"),
            Err(StatusCode::NOT_ACCEPTABLE)
        );
        assert_eq!(
            negotiate(&HeaderMap::new()).ok(),
            Some(MediaType::GraphQlResponse)
        );
    }
}
