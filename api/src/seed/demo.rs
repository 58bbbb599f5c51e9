//! Demo organisations and offers from Nijmegen, Noord-Holland-Noord and Zuid-Limburg.
//!
//! Loaded once (when the node has no organisations) through the same services as any client,
//! so the demo data obeys every validation rule.

use crate::auth::Actor;
use crate::domain::GlobalId;
use crate::error::{AppError, AppResult};
use crate::services::offer::{self, LocationFields, OfferFields, OfferPatch, SchedulePeriodFields};
use crate::services::organisation::{self, OrganisationFields, OrganisationPatch};
use crate::state::AppState;
use chrono::NaiveDate;
use entities::{
    CostPeriod, Intake, LifeDomain, OfferKind, OfferStatus, OrganisationKind, TargetGroup,
};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde::Deserialize;

const DEMO_JSON: &str = include_str!("../../data/demo.json");

#[derive(Deserialize)]
struct DemoOrganisation {
    region: String,
    name: String,
    kind: OrganisationKind,
    description: String,
    /// What is taken from the sources and what is illustrative (documentation; not loaded).
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
    website: Option<String>,
    area_codes: Vec<String>,
    offers: Vec<DemoOffer>,
}

#[derive(Deserialize)]
struct DemoPeriod {
    freq: String,
    interval: i32,
    byday: Vec<String>,
    opens_at: String,
    closes_at: String,
    description: Option<String>,
    #[serde(default)]
    valid_from: Option<NaiveDate>,
    #[serde(default)]
    valid_until: Option<NaiveDate>,
}

#[derive(Deserialize)]
struct DemoLocation {
    name: Option<String>,
    postcode: Option<String>,
    city: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
}

#[derive(Deserialize, Default)]
struct DemoCircle {
    year: Option<i32>,
    #[serde(default)]
    coaches: Vec<String>,
    regisseur: Option<String>,
    start_meeting: Option<NaiveDate>,
    #[serde(default)]
    sounding_board_meetings: Vec<NaiveDate>,
}

#[derive(Deserialize)]
struct DemoOffer {
    title: String,
    kind: OfferKind,
    status: OfferStatus,
    description: String,
    /// What is taken from the sources and what is illustrative (documentation; not loaded).
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
    intake: Intake,
    cost_cents: Option<i32>,
    cost_period: Option<CostPeriod>,
    cost_note: Option<String>,
    capacity: Option<i32>,
    places_taken: Option<i32>,
    has_waitlist: Option<bool>,
    min_age: Option<i32>,
    max_age: Option<i32>,
    start_date: Option<NaiveDate>,
    end_date: Option<NaiveDate>,
    #[serde(default)]
    schedule: Vec<DemoPeriod>,
    how_to_join: Option<String>,
    languages: Option<Vec<String>>,
    life_domains: Vec<LifeDomain>,
    target_groups: Vec<TargetGroup>,
    locations: Vec<DemoLocation>,
    herstelcirkel: Option<DemoCircle>,
    /// Partners, funding and attributes (`seed::demo_network`).
    #[serde(default)]
    network: Option<super::demo_network::DemoDetails>,
    /// The circle plan (issue 19); the year, coaches, start meeting and sounding-board dates
    /// come from `herstelcirkel`.
    #[serde(default)]
    circle_plan: Option<DemoCirclePlan>,
    /// Recovery focus words (issue 19), with what in them is illustrative.
    #[serde(default)]
    recovery_focus: Option<DemoRecoveryFocus>,
}

/// A demo offer's recovery focus; `illustrative` says how the words were chosen
/// (documentation; not loaded).
#[derive(Deserialize)]
struct DemoRecoveryFocus {
    words: Vec<String>,
    #[allow(dead_code)]
    illustrative: String,
}

/// A demo circle plan; `illustrative` says which values are illustrative, not from a source.
#[derive(Deserialize, Default)]
struct DemoCirclePlan {
    #[serde(default)]
    group_min: Option<i32>,
    #[serde(default)]
    group_max: Option<i32>,
    #[serde(default)]
    start_meeting_invited: Vec<String>,
    #[serde(default)]
    schedule: Option<Vec<DemoPeriod>>,
    #[serde(default)]
    subgroups: Vec<(String, Vec<DemoPeriod>)>,
    #[serde(default)]
    illustrative: Option<String>,
}

fn demo_period(p: DemoPeriod) -> SchedulePeriodFields {
    SchedulePeriodFields {
        freq: p.freq,
        interval: p.interval,
        byday: p.byday,
        opens_at: p.opens_at,
        closes_at: p.closes_at,
        description: p.description,
        valid_from: p.valid_from,
        valid_until: p.valid_until,
    }
}

/// The plan fields of a demo offer's `circle_plan` and `herstelcirkel`.
fn demo_plan(plan: DemoCirclePlan, circle: Option<&DemoCircle>) -> offer::circle::CirclePlanFields {
    let _ = plan.illustrative;
    offer::circle::CirclePlanFields {
        year: circle.and_then(|c| c.year),
        coaches: circle.map(|c| c.coaches.clone()).unwrap_or_default(),
        start_meeting: circle.and_then(|c| c.start_meeting),
        klankbord_meetings: circle
            .map(|c| c.sounding_board_meetings.clone())
            .unwrap_or_default(),
        start_meeting_invited: plan.start_meeting_invited,
        group_min: plan.group_min,
        group_max: plan.group_max,
        schedule: plan
            .schedule
            .map(|s| s.into_iter().map(demo_period).collect()),
        subgroups: plan
            .subgroups
            .into_iter()
            .map(|(a, s)| (a, s.into_iter().map(demo_period).collect()))
            .collect(),
        ..Default::default()
    }
}

impl From<DemoOffer> for OfferFields {
    fn from(d: DemoOffer) -> Self {
        let circle = d.herstelcirkel;
        let is_circle = circle.is_some();
        let circle = circle.unwrap_or_default();
        OfferFields {
            title: Some(d.title),
            description: Some(d.description),
            kind: Some(d.kind),
            status: Some(d.status),
            intake: Some(d.intake),
            cost_cents: Some(d.cost_cents),
            cost_period: Some(d.cost_period),
            cost_note: Some(d.cost_note),
            capacity: Some(d.capacity),
            places_taken: d.places_taken,
            has_waitlist: d.has_waitlist,
            min_age: Some(d.min_age),
            max_age: Some(d.max_age),
            start_date: Some(d.start_date),
            end_date: Some(d.end_date),
            schedule: Some(
                d.schedule
                    .into_iter()
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
                    .collect(),
            ),
            how_to_join: Some(d.how_to_join),
            languages: d.languages,
            life_domains: Some(d.life_domains),
            target_groups: Some(d.target_groups),
            locations: Some(
                d.locations
                    .into_iter()
                    .map(|l| LocationFields {
                        name: l.name,
                        street: None,
                        postcode: l.postcode,
                        city: l.city,
                        lat: l.lat,
                        lon: l.lon,
                    })
                    .collect(),
            ),
            hc_year: is_circle.then_some(circle.year),
            hc_coaches: is_circle.then_some(circle.coaches),
            hc_regisseur: is_circle.then_some(circle.regisseur),
            hc_start_meeting: is_circle.then_some(circle.start_meeting),
            hc_sounding_board: is_circle.then_some(circle.sounding_board_meetings),
            ..Default::default()
        }
    }
}

/// Regions that have demo data.
pub const REGIONS: [&str; 3] = ["nijmegen", "noord-holland-noord", "zuid-limburg"];

/// Loads the demo records of `regions` (all when empty), published, unless the node already has
/// organisations. Returns the number of offers created.
pub async fn load_if_empty(state: &AppState, regions: &[String]) -> AppResult<usize> {
    if entities::organisation::Entity::find()
        .count(&state.db)
        .await?
        > 0
    {
        return Ok(0);
    }
    load(state, regions).await
}

/// Loads the demo records of `regions` (all when empty), published.
pub async fn load(state: &AppState, regions: &[String]) -> AppResult<usize> {
    let demo: Vec<DemoOrganisation> = serde_json::from_str(DEMO_JSON)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("demo.json: {e}")))?;
    let mut offers = 0;
    let mut orgs: std::collections::HashMap<String, String> = Default::default();
    let mut details = Vec::new();
    for org in demo
        .into_iter()
        .filter(|o| regions.is_empty() || regions.contains(&o.region))
    {
        let patch = OrganisationPatch::try_from(OrganisationFields {
            name: Some(org.name),
            kind: Some(org.kind),
            description: Some(org.description),
            website: Some(org.website),
            area_codes: Some(org.area_codes),
            ..Default::default()
        })?;
        let created = organisation::create(state, &Actor::System, patch).await?;
        orgs.insert(created.name.clone(), created.id.clone());
        let org_id = GlobalId::parse(&created.id)?;
        organisation::publish(state, &Actor::System, &org_id, created.version).await?;
        for mut o in org.offers {
            let network = o.network.take();
            let plan = o
                .circle_plan
                .take()
                .map(|p| demo_plan(p, o.herstelcirkel.as_ref()));
            let focus = o.recovery_focus.take();
            let patch = OfferPatch::try_from(OfferFields::from(o))?;
            let draft = offer::create(state, &Actor::System, &org_id, patch).await?;
            let id = GlobalId::parse(&draft.offer.id)?;
            let published = offer::publish(state, &Actor::System, &id, draft.offer.version).await?;
            let mut version = published.offer.version;
            if let Some(plan) = plan {
                let plan = offer::circle::CirclePlan::parse(&plan)?;
                version = offer::circle::set_plan(state, &Actor::System, &id, version, plan)
                    .await?
                    .version;
            }
            if let Some(f) = focus {
                let set = (f.words.iter())
                    .map(|w| crate::domain::recovery_focus::RecoveryFocus::parse(w))
                    .collect::<AppResult<_>>()?;
                version = offer::recovery_focus::set(state, &Actor::System, &id, version, set)
                    .await?
                    .version;
            }
            if let Some(n) = network {
                details.push((id, published.offer.organisation_id, version, n));
            }
            offers += 1;
        }
    }
    for (id, owner, version, n) in details {
        super::demo_network::apply(state, &id, &owner, version, n, &orgs).await?;
    }
    super::demo_network::load_networks(state, regions, &orgs).await?;
    Ok(offers)
}
