//! Offer inputs: the list filter and the fields of `createOffer`/`updateOffer`, parsed into
//! service types (the fields through [`OfferPatch::try_from`], as every edge does).

use crate::domain::AreaCode;
use crate::error::{AppError, AppResult};
use crate::graphql::enums::{
    CostPeriod, Intake, LifeDomain, OfferKind, OfferStatus, TargetGroup, to_entities,
};
use crate::graphql::patch;
use crate::services::offer::{LocationFields, OfferFields, OfferPatch, SchedulePeriodFields};
use crate::services::offer_list::OfferFilter;
use async_graphql::{ID, InputObject, MaybeUndefined};
use chrono::NaiveDate;

/// Filters on public offers. Every given filter must hold; values within a list are alternatives.
#[derive(InputObject, Clone, Debug, Default)]
pub struct OfferFilterInput {
    /// Gemeente, wijk or buurt code: offers with a location in that area.
    pub area_code: Option<String>,
    /// Offers of any of these kinds.
    pub kinds: Option<Vec<OfferKind>>,
    /// Offers working on any of these life domains.
    pub life_domains: Option<Vec<LifeDomain>>,
    /// Offers meant for any of these target groups.
    pub target_groups: Option<Vec<TargetGroup>>,
    /// Statuses to include; by default every status but ENDED.
    pub statuses: Option<Vec<OfferStatus>>,
    /// Only offers that can take participants now.
    #[graphql(default)]
    pub open_places_only: bool,
    /// Only offers without cost.
    #[graphql(default)]
    pub free_only: bool,
    /// Only offers of this organisation (its global id).
    pub organisation_id: Option<ID>,
    /// Only records owned by this node.
    pub origin_node: Option<String>,
    /// Only offers of the member organisations of this network (its global id).
    pub network_id: Option<ID>,
    /// Only peer-led offers (true); false or absent: no filter.
    #[graphql(default)]
    pub peer_led: bool,
    /// Only offers of this delivery mode.
    pub delivery_mode: Option<super::funding::DeliveryMode>,
    /// Only offers whose places are wheelchair accessible (true); false or absent: no filter.
    #[graphql(default)]
    pub wheelchair_accessible: bool,
}

impl OfferFilterInput {
    /// Parses the filter; errors name the field under `filter`.
    pub fn parse(self) -> AppResult<OfferFilter> {
        let area = self
            .area_code
            .as_deref()
            .map(AreaCode::parse)
            .transpose()
            .map_err(|e| e.in_field("filter.areaCode"))?;
        Ok(OfferFilter {
            area,
            kinds: to_entities(&self.kinds.unwrap_or_default()),
            life_domains: to_entities(&self.life_domains.unwrap_or_default()),
            target_groups: to_entities(&self.target_groups.unwrap_or_default()),
            statuses: to_entities(&self.statuses.unwrap_or_default()),
            open_places: self.open_places_only,
            free: self.free_only,
            organisation_id: self.organisation_id.map(|id| id.0),
            origin_node: self.origin_node,
            network_id: self.network_id.map(|id| id.0),
            attributes: super::funding::filter_attributes(
                self.peer_led,
                self.delivery_mode,
                self.wheelchair_accessible,
            ),
        })
    }
}

/// One recurring period of a schedule.
#[derive(InputObject, Clone, Debug)]
pub struct SchedulePeriodInput {
    /// `WEEKLY` or `MONTHLY`.
    pub freq: String,
    /// Every `interval` periods (2 = every other week).
    #[graphql(default = 1)]
    pub interval: i32,
    /// Days: MO TU WE TH FR SA SU.
    pub byday: Vec<String>,
    /// Local start time `HH:MM`.
    pub opens_at: String,
    /// Local end time `HH:MM`.
    pub closes_at: String,
    /// Free text about this period, e.g. "in de bibliotheek".
    pub description: Option<String>,
    /// First day this period applies ("every two weeks until ..."); null: always.
    pub valid_from: Option<NaiveDate>,
    /// Last day this period applies; null: open-ended. Dated periods go in date order
    /// without overlap.
    pub valid_until: Option<NaiveDate>,
}

/// A location: give a postcode, a point, or both (the point wins; the buurt is derived).
#[derive(InputObject, Clone, Debug)]
pub struct LocationInput {
    /// Name of the place, e.g. "Buurthuis De Driesprong".
    pub name: Option<String>,
    /// Street and house number.
    pub street: Option<String>,
    /// Dutch postcode (`6663 AB` or `6663`).
    pub postcode: Option<String>,
    /// Town or city.
    pub city: Option<String>,
    /// Latitude in WGS84; give it together with `lon`.
    pub lat: Option<f64>,
    /// Longitude in WGS84; give it together with `lat`.
    pub lon: Option<f64>,
}

/// Herstelcirkel specifics (replaced as a whole).
#[derive(InputObject, Clone, Debug, Default)]
pub struct HerstelcirkelInput {
    /// 1, or 2-3 for Herstelcirkel+.
    pub year: Option<i32>,
    /// Names of the leefkrachtcoaches guiding the circle (at most 20).
    #[graphql(default)]
    pub coaches: Vec<String>,
    /// Name of the regisseur who coordinates the circle.
    pub regisseur: Option<String>,
    /// Date of the start meeting with GP or POH.
    pub start_meeting: Option<NaiveDate>,
    /// Dates of the sounding-board meetings.
    #[graphql(default)]
    pub sounding_board_meetings: Vec<NaiveDate>,
}

/// Fields of an offer. On create, `title` and `kind` are required; on update, omitted fields keep
/// their value and `null` clears a nullable field. Lists replace the stored list.
#[derive(InputObject, Clone, Debug, Default)]
pub struct OfferInput {
    /// Short title shown in lists; at least 3 characters. Required on create.
    pub title: Option<String>,
    /// What the offer is and what participants can expect (plain text).
    pub description: Option<String>,
    /// Kind of offer. Required on create.
    pub kind: Option<OfferKind>,
    /// Lifecycle status (use `endOffer` to end).
    pub status: Option<OfferStatus>,
    /// How participants get in.
    pub intake: Option<Intake>,
    /// Cost in euro cents per `costPeriod`; null or 0 means free.
    pub cost_cents: MaybeUndefined<i32>,
    /// Period the cost is charged for; required when there is a cost.
    pub cost_period: MaybeUndefined<CostPeriod>,
    /// Free text about the cost, e.g. "vergoed door de gemeente".
    pub cost_note: MaybeUndefined<String>,
    /// Maximum participants; null for no fixed limit. Must not be negative.
    pub capacity: MaybeUndefined<i32>,
    /// Places taken; at most `capacity`.
    pub places_taken: Option<i32>,
    /// Whether a full offer keeps a waiting list.
    pub has_waitlist: Option<bool>,
    /// First day of the offer.
    pub start_date: MaybeUndefined<NaiveDate>,
    /// Not before `startDate`.
    pub end_date: MaybeUndefined<NaiveDate>,
    /// Youngest age (years) the offer is meant for, 0-120.
    pub min_age: MaybeUndefined<i32>,
    /// Oldest age (years) the offer is meant for, 0-120 and not below `minAge`.
    pub max_age: MaybeUndefined<i32>,
    /// Recurring periods (at most 10); replaces the stored schedule.
    pub schedule: Option<Vec<SchedulePeriodInput>>,
    /// Free text about the schedule ("niet in de schoolvakanties").
    pub schedule_note: MaybeUndefined<String>,
    /// ISO 639-1 codes.
    pub languages: Option<Vec<String>>,
    /// Accessibility of the offer and its places (wheelchair, hearing loop, ...).
    pub accessibility: MaybeUndefined<String>,
    /// How to join or be referred.
    pub how_to_join: MaybeUndefined<String>,
    /// Name of the contact person.
    pub contact_name: MaybeUndefined<String>,
    /// Contact e-mail address.
    pub contact_email: MaybeUndefined<String>,
    /// Contact telephone number.
    pub contact_phone: MaybeUndefined<String>,
    /// Life domains the offer works on; replaces the stored list.
    pub life_domains: Option<Vec<LifeDomain>>,
    /// Target groups the offer is meant for; replaces the stored list.
    pub target_groups: Option<Vec<TargetGroup>>,
    /// Where the offer takes place (at most 20); replaces the stored locations.
    pub locations: Option<Vec<LocationInput>>,
    /// Only for offers of kind HERSTELCIRKEL; null clears.
    pub herstelcirkel: MaybeUndefined<HerstelcirkelInput>,
}

impl From<OfferInput> for OfferFields {
    fn from(i: OfferInput) -> Self {
        let (hc_year, hc_coaches, hc_regisseur, hc_start_meeting, hc_sounding_board) =
            match i.herstelcirkel {
                MaybeUndefined::Undefined => (None, None, None, None, None),
                MaybeUndefined::Null => (
                    Some(None),
                    Some(Vec::new()),
                    Some(None),
                    Some(None),
                    Some(Vec::new()),
                ),
                MaybeUndefined::Value(h) => (
                    Some(h.year),
                    Some(h.coaches),
                    Some(h.regisseur),
                    Some(h.start_meeting),
                    Some(h.sounding_board_meetings),
                ),
            };
        OfferFields {
            title: i.title,
            description: i.description,
            kind: i.kind.map(Into::into),
            status: i.status.map(Into::into),
            intake: i.intake.map(Into::into),
            cost_cents: patch(i.cost_cents),
            cost_period: patch(i.cost_period).map(|p| p.map(Into::into)),
            cost_note: patch(i.cost_note),
            capacity: patch(i.capacity),
            places_taken: i.places_taken,
            has_waitlist: i.has_waitlist,
            start_date: patch(i.start_date),
            end_date: patch(i.end_date),
            min_age: patch(i.min_age),
            max_age: patch(i.max_age),
            schedule: i.schedule.map(|s| {
                s.into_iter()
                    .map(|p| SchedulePeriodFields {
                        freq: p.freq,
                        interval: p.interval,
                        byday: p.byday,
                        opens_at: p.opens_at,
                        closes_at: p.closes_at,
                        description: p.description,
                        valid_from: p.valid_from,
                        valid_until: p.valid_until,
                    })
                    .collect()
            }),
            schedule_note: patch(i.schedule_note),
            languages: i.languages,
            accessibility: patch(i.accessibility),
            how_to_join: patch(i.how_to_join),
            contact_name: patch(i.contact_name),
            contact_email: patch(i.contact_email),
            contact_phone: patch(i.contact_phone),
            life_domains: i.life_domains.map(|l| to_entities(&l)),
            target_groups: i.target_groups.map(|l| to_entities(&l)),
            locations: i.locations.map(|l| {
                l.into_iter()
                    .map(|l| LocationFields {
                        name: l.name,
                        street: l.street,
                        postcode: l.postcode,
                        city: l.city,
                        lat: l.lat,
                        lon: l.lon,
                    })
                    .collect()
            }),
            hc_year,
            hc_coaches,
            hc_regisseur,
            hc_start_meeting,
            hc_sounding_board,
        }
    }
}

impl TryFrom<OfferInput> for OfferPatch {
    type Error = AppError;

    /// Parses the input's fields; errors name the field (`locations.0.postcode`).
    fn try_from(i: OfferInput) -> AppResult<Self> {
        OfferPatch::try_from(OfferFields::from(i))
    }
}
