//! Offers: create, update, publish, end, and the visibility and capacity rules.
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

mod check;
mod commands;
mod lists;
mod patch;

pub use check::check_received;
pub use commands::{create, delete, end, load_own, publish, update};
pub use lists::{OfferLists, replace_lists, replace_lists_many};
pub use patch::{
    LocationFields, LocationPatch, OfferFields, OfferPatch, PeriodPatch, SchedulePeriodFields,
};

use entities::{
    Intake, LifeDomain, OfferStatus, OrganisationStatus, TargetGroup, offer, organisation,
};
use std::collections::BTreeSet;

/// Whether an offer can take participants now (after the FHIR SDOH capacity status).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapacityStatus {
    /// Open places (or no fixed limit).
    Capacity,
    /// Full, no waiting list.
    NoCapacity,
    /// Full, with a waiting list.
    Waitlist,
    /// Places, but an intake conversation decides.
    AdditionalAssessmentRequired,
}

/// Open places, when the offer has a fixed capacity.
pub fn open_places(o: &offer::Model) -> Option<i32> {
    o.capacity.map(|c| (c - o.places_taken).max(0))
}

/// The capacity status of an offer: the one rule for "can this offer take referrals now?".
pub fn capacity_status(o: &offer::Model) -> CapacityStatus {
    let no_room = matches!(
        o.status,
        OfferStatus::Full | OfferStatus::Ended | OfferStatus::Paused
    ) || open_places(o) == Some(0);
    match (no_room, o.has_waitlist, o.intake) {
        (true, true, _) => CapacityStatus::Waitlist,
        (true, false, _) => CapacityStatus::NoCapacity,
        (false, _, Intake::Conversation) => CapacityStatus::AdditionalAssessmentRequired,
        (false, _, _) => CapacityStatus::Capacity,
    }
}

/// Whether the public may see an offer: published, and its organisation published.
pub fn is_public(o: &offer::Model, org: &organisation::Model) -> bool {
    o.published_at.is_some() && org.status == OrganisationStatus::Published
}

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
