//! Networks of organisations and practices: the `Network` type, `networks` and `network(id)`,
//! `Organisation.networks` and the admins' mutations. Networks are local to this node.

pub mod loaders;
mod mutation;
mod query;
mod types;

pub use mutation::NetworkMutation;
pub use query::{NetworkQuery, organisation_networks};
pub use types::Network;
