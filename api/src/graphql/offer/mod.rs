//! Offers: types, listing with filters and Relay pagination, and mutations.

mod circle;
mod freshness;
pub mod funding;
mod funding_mutation;
mod inputs;
mod mutation;
mod query;
mod recovery_focus;
mod suitability;
mod types;

pub use circle::CircleMutation;
pub use freshness::{FreshnessMutation, FreshnessQuery, OfferFreshness};
pub use funding_mutation::OfferFundingMutation;
pub use inputs::OfferFilterInput;
pub use mutation::OfferMutation;
pub use query::{OfferConnection, OfferQuery, offer_connection};
pub use recovery_focus::{RecoveryFocus, RecoveryFocusMutation};
pub use suitability::{
    ContraIndication, OfferSuitability, ReferralSuitabilityInput, SuitabilityMutation,
};
pub use types::{Location, Offer};
