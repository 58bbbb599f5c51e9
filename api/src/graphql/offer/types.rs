//! The `Offer` object and its parts: cost, contact, schedule, Herstelcirkel details and
//! locations.

use crate::graphql::area::{Area, Point};
use crate::graphql::enums::{
    CapacityStatus, CostPeriod, Intake, LifeDomain, OfferKind, OfferStatus, TargetGroup,
};
use crate::graphql::loaders::Loaders;
use crate::graphql::organisation::Organisation;
use crate::read_model::rules as svc;
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entities::{location, offer};

/// A group, activity, course or Herstelcirkel (an HSDS service).
pub struct Offer(pub offer::Model);

/// What taking part costs.
#[derive(SimpleObject)]
pub struct Cost {
    /// Amount in euro cents per period; null when free.
    pub amount_cents: Option<i32>,
    /// Period the amount is charged for.
    pub period: Option<CostPeriod>,
    /// True when there is no cost.
    pub free: bool,
    /// Free text, e.g. "vergoed door de gemeente".
    pub note: Option<String>,
}

/// Who to contact about an offer.
#[derive(SimpleObject)]
pub struct Contact {
    /// Name of the contact person.
    pub name: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Telephone number.
    pub phone: Option<String>,
}

/// One recurring period (RFC 5545 RRULE style).
#[derive(SimpleObject)]
pub struct SchedulePeriod {
    /// `WEEKLY` or `MONTHLY`.
    pub freq: String,
    /// Every `interval` periods (2 = every other week).
    pub interval: i32,
    /// Days as two-letter codes: MO TU WE TH FR SA SU.
    pub byday: Vec<String>,
    /// Local start time `HH:MM`.
    pub opens_at: String,
    /// Local end time `HH:MM`.
    pub closes_at: String,
    /// Free text about this period, e.g. "in de bibliotheek".
    pub description: Option<String>,
    /// The same period as an RFC 5545 RRULE.
    pub rrule: String,
    /// First day this period applies; null: always.
    pub valid_from: Option<NaiveDate>,
    /// Last day this period applies; null: open-ended.
    pub valid_until: Option<NaiveDate>,
}

impl SchedulePeriod {
    /// A stored period as the API shows it.
    pub fn of(p: &entities::json::SchedulePeriod) -> Self {
        SchedulePeriod {
            freq: p.freq.clone(),
            interval: p.interval as i32,
            byday: p.byday.clone(),
            opens_at: p.opens_at.clone(),
            closes_at: p.closes_at.clone(),
            description: p.description.clone(),
            rrule: format!(
                "FREQ={};INTERVAL={};BYDAY={}",
                p.freq,
                p.interval,
                p.byday.join(",")
            ),
            valid_from: p.valid_from,
            valid_until: p.valid_until,
        }
    }
}

/// Herstelcirkel specifics.
#[derive(SimpleObject)]
pub struct Herstelcirkel {
    /// 1, or 2-3 for Herstelcirkel+.
    pub year: Option<i32>,
    /// Leefkrachtcoaches guiding the circle.
    pub coaches: Vec<String>,
    /// Name of the regisseur who coordinates the circle; null until the circle runs (the group
    /// chooses its regisseur once it has started).
    pub regisseur: Option<String>,
    /// Date of the start meeting with GP or POH.
    pub start_meeting: Option<NaiveDate>,
    /// Dates of sounding-board meetings.
    pub sounding_board_meetings: Vec<NaiveDate>,
}

/// Where an offer takes place.
pub struct Location(pub location::Model);

/// Where an offer takes place: an address with a position and its CBS buurt.
#[Object]
impl Location {
    /// Global id `<node-id>:<uuid>`.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// Name of the place, e.g. "Buurthuis De Driesprong".
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    /// Street and house number.
    async fn street(&self) -> Option<&str> {
        self.0.street.as_deref()
    }
    /// Postcode `1234AB`.
    async fn postcode(&self) -> Option<&str> {
        self.0.postcode.as_deref()
    }
    /// Town or city.
    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }
    /// Position in WGS84.
    async fn point(&self) -> Point {
        Point {
            lat: self.0.lat,
            lon: self.0.lon,
        }
    }
    /// CBS code of the buurt the location lies in.
    async fn buurt_code(&self) -> Option<&str> {
        self.0.buurt_code.as_deref()
    }
    /// The buurt the location lies in (with `parent` wijk and `gemeente`).
    async fn buurt(&self, ctx: &Context<'_>) -> Result<Option<Area>> {
        let Some(code) = &self.0.buurt_code else {
            return Ok(None);
        };
        Ok(ctx
            .data::<Loaders>()?
            .area
            .load_one(code.clone())
            .await?
            .map(Area))
    }
}

/// A group, activity, course or Herstelcirkel (an HSDS service): what it is, who runs it,
/// where and when it takes place, what it costs and whether it has places.
#[Object]
impl Offer {
    /// Global id `<node-id>:<uuid>`.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// Node that owns this record; only that node changes it.
    async fn origin_node(&self) -> &str {
        &self.0.origin_node
    }
    /// The organisation running the offer.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        Ok(ctx
            .data::<Loaders>()?
            .organisation
            .load_one(self.0.organisation_id.clone())
            .await?
            .map(Organisation))
    }
    /// Short title shown in lists.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// What the offer is and what participants can expect (plain text).
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Kind of offer.
    async fn kind(&self) -> OfferKind {
        self.0.kind.into()
    }
    /// Lifecycle status.
    async fn status(&self) -> OfferStatus {
        self.0.status.into()
    }
    /// True once published.
    async fn published(&self) -> bool {
        self.0.published_at.is_some()
    }
    /// When the offer was first published; null while unpublished.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }
    /// How participants get in.
    async fn intake(&self) -> Intake {
        self.0.intake.into()
    }
    /// What taking part costs.
    async fn cost(&self) -> Cost {
        let o = &self.0;
        Cost {
            amount_cents: o.cost_cents.filter(|c| *c > 0),
            period: o
                .cost_period
                .filter(|_| o.cost_cents.unwrap_or(0) > 0)
                .map(Into::into),
            free: o.cost_cents.unwrap_or(0) == 0,
            note: o.cost_note.clone(),
        }
    }
    /// Maximum number of participants; null when there is no fixed limit.
    async fn capacity(&self) -> Option<i32> {
        self.0.capacity
    }
    /// Places taken, kept up to date by the organisation.
    async fn places_taken(&self) -> i32 {
        self.0.places_taken
    }
    /// Capacity minus places taken; null when there is no fixed limit.
    async fn open_places(&self) -> Option<i32> {
        svc::open_places(&self.0)
    }
    /// Whether the offer can take participants now.
    async fn capacity_status(&self) -> CapacityStatus {
        svc::capacity_status(&self.0).into()
    }
    /// Whether a full offer keeps a waiting list.
    async fn has_waitlist(&self) -> bool {
        self.0.has_waitlist
    }
    /// First day of the offer; null when ongoing without a start.
    async fn start_date(&self) -> Option<NaiveDate> {
        self.0.start_date
    }
    /// Last day of the offer; null when open-ended.
    async fn end_date(&self) -> Option<NaiveDate> {
        self.0.end_date
    }
    /// Youngest age (years) the offer is meant for; null for no minimum.
    async fn min_age(&self) -> Option<i32> {
        self.0.min_age
    }
    /// Oldest age (years) the offer is meant for; null for no maximum.
    async fn max_age(&self) -> Option<i32> {
        self.0.max_age
    }
    /// Recurring periods of the offer.
    async fn schedule(&self) -> Vec<SchedulePeriod> {
        self.0.schedule.0.iter().map(SchedulePeriod::of).collect()
    }
    /// Free text about the schedule ("niet in de schoolvakanties").
    async fn schedule_note(&self) -> Option<&str> {
        self.0.schedule_note.as_deref()
    }
    /// ISO 639-1 language codes.
    async fn languages(&self) -> &[String] {
        &self.0.languages.0
    }
    /// Accessibility of the offer and its places (wheelchair, hearing loop, ...).
    async fn accessibility(&self) -> Option<&str> {
        self.0.accessibility.as_deref()
    }
    /// How to join or be referred.
    async fn how_to_join(&self) -> Option<&str> {
        self.0.how_to_join.as_deref()
    }
    /// Who to contact about the offer.
    async fn contact(&self) -> Contact {
        Contact {
            name: self.0.contact_name.clone(),
            email: self.0.contact_email.clone(),
            phone: self.0.contact_phone.clone(),
        }
    }
    /// Life domains the offer works on.
    async fn life_domains(&self, ctx: &Context<'_>) -> Result<Vec<LifeDomain>> {
        let list = ctx
            .data::<Loaders>()?
            .life_domains
            .load_one(self.0.id.clone())
            .await?;
        Ok(list
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }
    /// Target groups and conditions the offer is meant for.
    async fn target_groups(&self, ctx: &Context<'_>) -> Result<Vec<TargetGroup>> {
        let list = ctx
            .data::<Loaders>()?
            .target_groups
            .load_one(self.0.id.clone())
            .await?;
        Ok(list
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }
    /// Where the offer takes place.
    async fn locations(&self, ctx: &Context<'_>) -> Result<Vec<Location>> {
        let list = ctx
            .data::<Loaders>()?
            .locations
            .load_one(self.0.id.clone())
            .await?;
        Ok(list.unwrap_or_default().into_iter().map(Location).collect())
    }
    /// Herstelcirkel details; null for other kinds.
    async fn herstelcirkel(&self) -> Option<Herstelcirkel> {
        (self.0.kind == entities::OfferKind::Herstelcirkel).then(|| Herstelcirkel {
            year: self.0.hc_year,
            coaches: self.0.hc_coaches.0.clone(),
            regisseur: crate::domain::circle::legacy_regisseur(
                &self.0,
                chrono::Utc::now().date_naive(),
            )
            .map(str::to_string),
            start_meeting: self.0.hc_start_meeting,
            sounding_board_meetings: self.0.hc_sounding_board.0.clone(),
        })
    }
    /// Organisations running the offer together with its owning organisation.
    async fn partners(&self, ctx: &Context<'_>) -> Result<Vec<super::funding::OfferPartner>> {
        super::funding::partners(ctx, &self.0).await
    }
    /// Funders and funding routes, shown to GPs.
    async fn funding(&self, ctx: &Context<'_>) -> Result<super::funding::OfferFunding> {
        super::funding::funding(ctx, &self.0).await
    }
    /// Peer-led, delivery mode and structured accessibility.
    async fn attributes(&self, ctx: &Context<'_>) -> Result<super::funding::OfferAttributes> {
        super::funding::attributes(ctx, &self.0).await
    }
    /// Who the offer is for and not for (contra-indications, age range, languages, what a
    /// participant commits to); shown before a GP refers.
    async fn suitability(&self, ctx: &Context<'_>) -> Result<super::OfferSuitability> {
        super::suitability::of_offer(ctx, self).await
    }
    /// When the offer was last confirmed current, and by whom.
    async fn freshness(&self, ctx: &Context<'_>) -> Result<super::OfferFreshness> {
        super::freshness::of_offer(ctx, self).await
    }
    /// What the offer supports in personal recovery (verbinding, hoop, identiteit,
    /// betekenis, eigen regie): searchable words, not a clinical classification.
    async fn recovery_focus(&self, ctx: &Context<'_>) -> Result<Vec<super::RecoveryFocus>> {
        super::recovery_focus::of_offer(ctx, self).await
    }
    /// The Herstelcirkel plan (roles, how it runs, evaluations); null without a plan.
    async fn circle(&self, ctx: &Context<'_>) -> Result<Option<super::circle::Circle>> {
        super::circle::of_offer(ctx, &self.0).await
    }
    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Version for optimistic concurrency: send it back with an update.
    async fn version(&self) -> i32 {
        self.0.version
    }
}
