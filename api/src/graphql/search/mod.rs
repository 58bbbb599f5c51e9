//! Search: `searchOffers` (full text, filters, geo, facets, highlighting) and the admin
//! `reindexSearch` mutation.

mod inputs;
mod mutation;
mod query;
mod types;

pub use mutation::SearchMutation;
pub use query::SearchQuery;
pub use types::{KindCount, LifeDomainCount};
