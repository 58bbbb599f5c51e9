//! Parsing a client's patch fields: `None` leaves a field as it is, `Some(None)` (or a blank
//! text) clears it, `Some(Some(raw))` sets it through the field's domain parser. Shared by the
//! offer and organisation patches.

use crate::domain::optional_text;
use crate::error::AppResult;

/// Parses a nullable field of a patch; errors name `field`.
pub fn parse_opt<T>(
    raw: &Option<Option<String>>,
    field: &str,
    parse: impl FnOnce(&str) -> AppResult<T>,
) -> AppResult<Option<Option<T>>> {
    raw.as_ref()
        .map(|value| match value.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => parse(text).map(Some).map_err(|e| e.in_field(field)),
        })
        .transpose()
}

/// Parses a nullable free text of at most `max` characters (trimmed; blank clears).
pub fn text_opt(
    raw: &Option<Option<String>>,
    field: &str,
    max: usize,
) -> AppResult<Option<Option<String>>> {
    raw.as_ref()
        .map(|value| optional_text(value.as_deref(), max).map_err(|e| e.in_field(field)))
        .transpose()
}

/// Sets `target` when the patch has a value.
pub fn set<T: Clone>(target: &mut T, patch: &Option<T>) {
    if let Some(value) = patch {
        *target = value.clone();
    }
}

/// Sets a stored text column from a parsed nullable field.
pub fn set_with<T>(target: &mut Option<String>, patch: &Option<Option<T>>, keep: fn(&T) -> String) {
    if let Some(value) = patch {
        *target = value.as_ref().map(keep);
    }
}
