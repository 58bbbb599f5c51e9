//! The offer read model: the one way to load offers for reading ([`OfferBundle`]) and the one
//! place of the offer read rules ([`rules`]: visibility, listing, capacity).
//!
//! Layer: between `domain` and `services`. It may import `entities`, `domain`, `db`, `error`,
//! `geo` and `config`; services, GraphQL, pages, HSDS, federation and search read offers
//! through it.

pub mod circle;
pub mod derived;
pub mod derived_rows;
pub mod funding;
pub mod offer;
pub mod practices;
pub mod rules;

pub use offer::OfferBundle;
