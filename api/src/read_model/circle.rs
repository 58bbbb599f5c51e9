//! The Herstelcirkel plan of an offer as readers see it ([`CircleView`]): the stored plan with
//! its partner practices' names, the Herstelcirkel+ links both ways (previous year, next
//! years), and the recruiting need. Practitioner-facing parts (kwartiermaker contact,
//! regisseurs, klankbord members, partner practices) are removed for everyone else by
//! [`CircleView::for_actor`], the one place of that rule's application; the federation feed
//! carries the public parts only ([`CircleRecord`]).

use super::OfferBundle;
use crate::domain::Actor;
use crate::domain::circle::{recruiting_need, sees_practitioner_parts};
use crate::error::AppResult;
use chrono::NaiveDate;
use entities::json::SchedulePeriod;
use entities::offer_circle::{Evaluation, Subgroup};
use entities::{offer, offer_circle};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A partner practice with its organisation's name.
#[derive(Clone, Debug)]
pub struct PartnerView {
    pub organisation_id: String,
    pub name: String,
    pub agreed_on: Option<NaiveDate>,
    pub agreements: Vec<String>,
}

/// Another year of the same group (Herstelcirkel+), readable by the reader.
#[derive(Clone, Debug)]
pub struct LinkedOffer {
    pub id: String,
    pub title: String,
    pub year: Option<i32>,
}

/// A circle plan as a reader sees it.
#[derive(Clone, Debug)]
pub struct CircleView {
    pub plan: offer_circle::Model,
    pub partners: Vec<PartnerView>,
    pub previous: Option<LinkedOffer>,
    /// Later years of the same group.
    pub next: Vec<LinkedOffer>,
    /// Participants still needed to reach the minimum group size.
    pub recruiting_need: Option<i32>,
    /// True when the practitioner-facing parts were removed for this reader.
    pub practitioner_parts_hidden: bool,
}

/// What a circle view is made of before a reader is known: the stored plan, its partner
/// practices with their names, and the offers of the group's other years (unfiltered).
#[derive(Clone, Debug)]
pub struct CircleParts {
    pub plan: offer_circle::Model,
    pub partners: Vec<PartnerView>,
    pub previous: Option<OfferBundle>,
    pub next: Vec<OfferBundle>,
}

/// The circle parts of each of `offer_ids` that has a plan, in a constant number of
/// statements whatever their number: plans, partner names, later years, linked offers.
pub async fn parts_by_offer(
    db: &impl ConnectionTrait,
    offer_ids: &[impl AsRef<str>],
) -> AppResult<HashMap<String, CircleParts>> {
    if offer_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ids = || offer_ids.iter().map(AsRef::as_ref);
    let plans = offer_circle::Entity::find()
        .filter(offer_circle::Column::OfferId.is_in(ids()))
        .all(db)
        .await?;
    if plans.is_empty() {
        return Ok(HashMap::new());
    }
    let plan_ids: Vec<&str> = plans.iter().map(|p| p.offer_id.as_str()).collect();
    let partner_ids: Vec<String> = (plans.iter())
        .flat_map(|p| p.partners.0.iter().map(|x| x.organisation_id.clone()))
        .collect();
    let orgs = if partner_ids.is_empty() {
        HashMap::new()
    } else {
        super::offer::organisations(db, partner_ids).await?
    };
    let later = offer_circle::Entity::find()
        .filter(offer_circle::Column::PreviousOfferId.is_in(plan_ids.iter().copied()))
        .all(db)
        .await?;
    let linked_ids: Vec<String> = (plans.iter())
        .filter_map(|p| p.previous_offer_id.clone())
        .chain(later.iter().map(|c| c.offer_id.clone()))
        .collect();
    let bundles: HashMap<String, OfferBundle> = if linked_ids.is_empty() {
        HashMap::new()
    } else {
        OfferBundle::load_many(db, &linked_ids)
            .await?
            .into_iter()
            .map(|b| (b.offer.id.clone(), b))
            .collect()
    };
    let mut next: HashMap<String, Vec<OfferBundle>> = HashMap::new();
    for c in &later {
        if let (Some(prev), Some(b)) = (&c.previous_offer_id, bundles.get(&c.offer_id)) {
            next.entry(prev.clone()).or_default().push(b.clone());
        }
    }
    Ok(plans
        .into_iter()
        .map(|plan| {
            let partners = (plan.partners.0.iter())
                .map(|p| PartnerView {
                    name: orgs
                        .get(&p.organisation_id)
                        .map(|o| o.name.clone())
                        .unwrap_or_else(|| p.organisation_id.clone()),
                    organisation_id: p.organisation_id.clone(),
                    agreed_on: p.agreed_on,
                    agreements: p.agreements.clone(),
                })
                .collect();
            let previous =
                (plan.previous_offer_id.as_ref()).and_then(|id| bundles.get(id).cloned());
            let parts = CircleParts {
                partners,
                previous,
                next: next.remove(&plan.offer_id).unwrap_or_default(),
                plan,
            };
            (parts.plan.offer_id.clone(), parts)
        })
        .collect())
}

impl CircleView {
    /// The plan of `offer` as `actor` sees it; none when the offer has no plan. Linked offers
    /// the actor may not read are left out.
    pub async fn load(
        db: &impl ConnectionTrait,
        actor: &Actor,
        offer: &offer::Model,
    ) -> AppResult<Option<CircleView>> {
        let mut parts = parts_by_offer(db, &[offer.id.as_str()]).await?;
        Ok(parts
            .remove(&offer.id)
            .map(|p| CircleView::of_parts(p, actor, offer)))
    }

    /// The view of `offer`'s circle parts for `actor`: linked offers the actor may not read
    /// left out, practitioner-facing parts removed unless the actor may see them.
    pub fn of_parts(parts: CircleParts, actor: &Actor, offer: &offer::Model) -> CircleView {
        let readable = |b: OfferBundle| {
            b.is_readable_by(actor).then_some(LinkedOffer {
                year: b.offer.hc_year,
                title: b.offer.title,
                id: b.offer.id,
            })
        };
        let view = CircleView {
            recruiting_need: recruiting_need(
                parts.plan.group_min,
                offer.places_taken,
                offer.status,
            ),
            plan: parts.plan,
            partners: parts.partners,
            previous: parts.previous.and_then(readable),
            next: parts.next.into_iter().filter_map(readable).collect(),
            practitioner_parts_hidden: false,
        };
        view.for_actor(actor)
    }

    /// The view with the practitioner-facing parts removed unless `actor` may see them
    /// ([`sees_practitioner_parts`]).
    pub fn for_actor(mut self, actor: &Actor) -> Self {
        if !sees_practitioner_parts(actor) {
            strip_practitioner_parts(&mut self.plan);
            self.partners.clear();
            self.practitioner_parts_hidden = true;
        }
        self
    }
}

/// Removes what only practitioners see: the kwartiermaker's contact, the regisseurs (members
/// of the group), the klankbord members and the partner practices with their agreements.
pub fn strip_practitioner_parts(plan: &mut offer_circle::Model) {
    plan.kwartiermaker_name = None;
    plan.kwartiermaker_organisation = None;
    plan.kwartiermaker_phone = None;
    plan.kwartiermaker_email = None;
    plan.regisseurs.0.clear();
    plan.klankbord_members.0.clear();
    plan.partners.0.clear();
}

/// The public parts of a circle plan as the federation feed carries them (every field
/// optional or defaulted, so older peers and payloads keep working).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CircleRecord {
    #[serde(default)]
    pub year: Option<i32>,
    #[serde(default)]
    pub previous_offer_id: Option<String>,
    #[serde(default)]
    pub coaches: Vec<String>,
    #[serde(default)]
    pub start_meeting: Option<NaiveDate>,
    #[serde(default)]
    pub start_meeting_invited: Vec<String>,
    #[serde(default)]
    pub klankbord_meetings: Vec<NaiveDate>,
    #[serde(default)]
    pub group_min: Option<i32>,
    #[serde(default)]
    pub group_max: Option<i32>,
    #[serde(default)]
    pub subgroups: Vec<SubgroupRecord>,
    #[serde(default)]
    pub evaluations: Vec<EvaluationRecord>,
}

/// A subgroup in the feed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SubgroupRecord {
    pub activity: String,
    #[serde(default)]
    pub schedule: Vec<SchedulePeriod>,
}

/// An evaluation link in the feed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EvaluationRecord {
    pub title: String,
    pub url: String,
    pub year: i32,
    #[serde(default)]
    pub outcome: Option<String>,
}

impl CircleRecord {
    /// The public parts of a stored plan.
    pub fn of(plan: &offer_circle::Model) -> Self {
        CircleRecord {
            year: plan.year,
            previous_offer_id: plan.previous_offer_id.clone(),
            coaches: plan.coaches.0.clone(),
            start_meeting: plan.start_meeting,
            start_meeting_invited: plan.start_meeting_invited.0.clone(),
            klankbord_meetings: plan.klankbord_meetings.0.clone(),
            group_min: plan.group_min,
            group_max: plan.group_max,
            subgroups: plan
                .subgroups
                .0
                .iter()
                .map(|Subgroup { activity, schedule }| SubgroupRecord {
                    activity: activity.clone(),
                    schedule: schedule.clone(),
                })
                .collect(),
            evaluations: plan
                .evaluations
                .0
                .iter()
                .map(|e: &Evaluation| EvaluationRecord {
                    title: e.title.clone(),
                    url: e.url.clone(),
                    year: e.year,
                    outcome: e.outcome.clone(),
                })
                .collect(),
        }
    }
}

/// The public feed records of the plans of `offer_ids`, by offer id. One statement.
pub async fn records_by_offer(
    db: &impl ConnectionTrait,
    offer_ids: &[impl AsRef<str>],
) -> AppResult<HashMap<String, CircleRecord>> {
    if offer_ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(offer_circle::Entity::find()
        .filter(offer_circle::Column::OfferId.is_in(offer_ids.iter().map(AsRef::as_ref)))
        .all(db)
        .await?
        .iter()
        .map(|p| (p.offer_id.clone(), CircleRecord::of(p)))
        .collect())
}
