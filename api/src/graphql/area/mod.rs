//! Areas: CBS gemeenten, wijken and buurten as a tree, with their offers.

mod query;
mod types;

pub use query::AreaQuery;
pub use types::{Area, Point};
