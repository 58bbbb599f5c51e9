//! Organisations: types, queries and mutations.

mod mutation;
mod query;
mod types;

pub use mutation::OrganisationMutation;
pub use query::OrganisationQuery;
pub use types::Organisation;
