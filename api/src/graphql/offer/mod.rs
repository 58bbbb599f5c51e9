//! Offers: types, listing with filters and Relay pagination, and mutations.

mod circle;
mod inputs;
mod mutation;
mod query;
mod types;

pub use circle::CircleMutation;
pub use inputs::OfferFilterInput;
pub use mutation::OfferMutation;
pub use query::{OfferConnection, OfferQuery, offer_connection};
pub use types::Offer;
