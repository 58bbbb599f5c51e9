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
