//! Offers: types, listing with filters and Relay pagination, and mutations.

pub mod funding;
mod inputs;
mod mutation;
mod query;
mod types;

pub use inputs::OfferFilterInput;
pub use funding::OfferFundingMutation;
pub use mutation::OfferMutation;
pub use query::{OfferConnection, OfferQuery, offer_connection};
pub use types::Offer;
