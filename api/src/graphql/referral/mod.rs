//! Referrals: types, queries (own and incoming referrals, anonymous counts), mutations.

mod contact;
mod mutation;
mod query;
mod types;

pub use mutation::ReferralMutation;
pub use query::ReferralQuery;
pub use types::{Referral, ReferralUpdate};
