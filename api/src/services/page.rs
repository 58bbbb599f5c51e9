//! Page-size rules shared by every list.

use crate::config::LimitsConfig;
use crate::error::{AppError, AppResult};

/// The number of rows to fetch: the default when not given, an error above the maximum.
pub fn page_size(requested: Option<i32>, limits: &LimitsConfig) -> AppResult<u64> {
    match requested {
        None => Ok(limits.default_page_size as u64),
        Some(n) if n < 0 => Err(AppError::field("first", "must not be negative")),
        Some(n) if n as usize > limits.max_page_size => Err(AppError::field(
            "first",
            format!(
                "must be at most {} (the maximum page size)",
                limits.max_page_size
            ),
        )),
        Some(n) => Ok(n as u64),
    }
}

/// Where a keyset page starts: after the row with this sort key and id (lists ordered by a
/// text key, then id). Opaque to clients.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KeyCursor {
    pub key: String,
    pub id: String,
}

impl KeyCursor {
    /// The opaque form given to clients.
    pub fn encode(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(&(&self.key, &self.id)).unwrap_or_default())
    }

    /// Parses a cursor given by a client (`after`).
    pub fn decode(raw: &str) -> AppResult<Self> {
        use base64::Engine;
        let bad = || AppError::field("after", "is not a cursor returned by this API");
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(raw)
            .map_err(|_| bad())?;
        let (key, id): (String, String) = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        Ok(Self { key, id })
    }
}
