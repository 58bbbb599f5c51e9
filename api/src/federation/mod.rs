//! Federation between regional nodes.
//!
//! Each node owns its records and publishes them as a change feed (`changeFeed` in the GraphQL
//! API): public records in change-log order, with non-public or deleted records as tombstones.
//! A node pulls each configured peer's feed ([`sync`]) and stores the records read-only with
//! their origin ([`mirror`]). Referrals to another node's offers travel as messages
//! ([`delivery`]). Only this module speaks the wire format ([`protocol`]).

use crate::error::AppError;

pub mod delivery;
pub mod feed;
pub mod mirror;
pub mod peer_auth;
pub mod protocol;
pub mod sync;

/// How a failed call to a peer is reported to admins (sync status, delivery backlog): the
/// whole cause of an internal error, else its message; at most 1,000 characters.
pub fn failure_text(e: &AppError) -> String {
    let text = match e {
        AppError::Internal(cause) => format!("{cause:#}"),
        other => other.message(),
    };
    text.chars().take(1000).collect()
}
