//! Domain services: the only code that writes records. GraphQL resolvers and web pages call
//! these; each write is one transaction that also appends to the change log. A service takes the
//! narrow [`Ctx`] (database, node id, gazetteer, change channel), never the whole app state.

pub mod area;
pub mod changes;
pub mod coverage;
pub mod ctx;
pub mod header_counts;
pub mod insight;
pub mod network;
pub mod offer;
pub mod offer_list;
pub mod offer_view;
pub mod organisation;
pub mod page;
pub mod patch;
pub mod population;
pub mod referral;
pub mod region;

pub use ctx::Ctx;
