//! The CORS layer from `[cors] allowed_origins`: empty allows no cross-origin calls, `*` any
//! origin (without credentials), otherwise exactly the listed origins.

use crate::config::CorsConfig;
use axum::http::{HeaderValue, Method, header};
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Builds the layer; origins that are not valid header values are logged and ignored.
pub fn layer(config: &CorsConfig) -> CorsLayer {
    let base = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, header::ACCEPT])
        .max_age(Duration::from_secs(config.max_age_secs));
    if config.allowed_origins.iter().any(|o| o == "*") {
        return base.allow_origin(AllowOrigin::any());
    }
    let origins: Vec<HeaderValue> = config
        .allowed_origins
        .iter()
        .filter_map(|o| match HeaderValue::from_str(o.trim_end_matches('/')) {
            Ok(v) => Some(v),
            Err(_) => {
                tracing::warn!(origin = %o, "ignoring invalid CORS origin");
                None
            }
        })
        .collect();
    base.allow_origin(AllowOrigin::list(origins))
}
