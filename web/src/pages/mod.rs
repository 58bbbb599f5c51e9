//! One module per page group, each owning its routes.

pub mod account;
pub mod offer;
pub mod referral;
pub mod search;
