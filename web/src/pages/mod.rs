//! One module per page group, each owning its routes.

pub mod account;
pub mod manage;
pub mod offer;
pub mod offer_form;
pub mod organisation;
pub mod referral;
pub mod search;
