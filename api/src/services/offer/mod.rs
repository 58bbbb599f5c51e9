//! Offers: create, update, publish, end (the read rules are in [`crate::read_model::rules`]).
//!
//! A write goes client fields ([`OfferFields`]) -> a parsed [`OfferPatch`] (every field through
//! its domain type, at the edge: GraphQL input, web form, HSDS import, federation mirror) ->
//! [`OfferDraft::apply`] onto the stored offer -> [`OfferDraft::check`] (the rules that tie
//! fields together) -> one transaction that writes the offer, its life domains, target groups
//! and locations, and appends to the change log.
//!
//! - [`patch`]: client fields and their parsing into an [`OfferPatch`],
//! - [`check`]: applying a patch to a draft, the cross-field rules, [`check_received`],
//! - [`lists`]: the rows stored beside an offer row (life domains, target groups, locations),
//! - [`commands`]: create, update, publish, end, delete.
//! - [`suitability`]: who an offer is (not) for, and the check of a referral against it.
//! - [`freshness`]: when an offer was last confirmed current; stale offers.
//! - [`recovery_focus`]: the recovery-focus words of an offer.

mod check;
pub mod circle;
mod commands;
mod edit;
pub mod freshness;
mod lists;
mod patch;
pub mod recovery_focus;
pub mod suitability;

pub use check::check_received;
pub use commands::{create, delete, end, publish, update};
pub use edit::{begin_edit, load_own};
pub use lists::{OfferLists, replace_lists, replace_lists_many};
pub use patch::{
    LocationFields, LocationPatch, OfferFields, OfferPatch, PeriodPatch, SchedulePeriodFields,
    parse_schedule,
};

use entities::{LifeDomain, TargetGroup, offer};
use std::collections::BTreeSet;

/// A parsed location with its buurt.
#[derive(Clone, Debug)]
pub struct LocationDraft {
    pub name: Option<String>,
    pub street: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub buurt_code: Option<String>,
}

/// An offer with its lists, ready to be checked and written.
#[derive(Clone, Debug)]
pub struct OfferDraft {
    pub offer: offer::Model,
    pub life_domains: BTreeSet<LifeDomain>,
    pub target_groups: BTreeSet<TargetGroup>,
    pub locations: Vec<LocationDraft>,
}
