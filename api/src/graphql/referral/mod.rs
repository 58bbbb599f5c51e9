//! Referrals: types, queries (own and incoming referrals, anonymous counts), mutations.

mod mutation;
mod practical_needs;
mod query;
mod types;

pub use mutation::ReferralMutation;
pub use query::ReferralQuery;
pub use types::{Referral, ReferralUpdate};
