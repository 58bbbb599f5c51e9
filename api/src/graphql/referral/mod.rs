//! Referrals: types, queries (own and incoming referrals, anonymous counts), mutations.

mod contact;
mod mutation;
mod practical_needs;
mod query;
mod self_refer;
mod types;

pub use mutation::ReferralMutation;
pub use query::ReferralQuery;
pub use self_refer::SelfReferralMutation;
pub use types::{Referral, ReferralUpdate};
