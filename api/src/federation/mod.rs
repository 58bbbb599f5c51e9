//! Federation between regional nodes.
//!
//! Each node owns its records and publishes them as a change feed (`changeFeed` in the GraphQL
//! API): public records in change-log order, with non-public or deleted records as tombstones.
//! A node pulls each configured peer's feed ([`sync`]) and stores the records read-only with
//! their origin ([`mirror`]). Only this module speaks the wire format ([`protocol`]).

pub mod delivery;
pub mod feed;
pub mod mirror;
pub mod peer_auth;
pub mod protocol;
pub mod sync;
