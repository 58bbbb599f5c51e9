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

impl CircleView {
    /// The plan of `offer` as `actor` sees it; none when the offer has no plan. Linked offers
    /// the actor may not read are left out.
    pub async fn load(
        db: &impl ConnectionTrait,
        actor: &Actor,
        offer: &offer::Model,
    ) -> AppResult<Option<CircleView>> {
        let Some(plan) = offer_circle::Entity::find_by_id(offer.id.clone())
            .one(db)
            .await?
        else {
            return Ok(None);
        };
        let orgs = super::offer::organisations(
            db,
            plan.partners.0.iter().map(|p| p.organisation_id.clone()),
        )
        .await?;
        let partners = plan
            .partners
            .0
            .iter()
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
        let previous = match &plan.previous_offer_id {
            Some(id) => linked(db, actor, std::slice::from_ref(id)).await?.pop(),
            None => None,
        };
        let next_ids: Vec<String> = offer_circle::Entity::find()
            .filter(offer_circle::Column::PreviousOfferId.eq(offer.id.as_str()))
            .all(db)
            .await?
            .into_iter()
            .map(|c| c.offer_id)
            .collect();
        let next = linked(db, actor, &next_ids).await?;
        let view = CircleView {
            recruiting_need: recruiting_need(plan.group_min, offer.places_taken, offer.status),
            plan,
            partners,
            previous,
            next,
            practitioner_parts_hidden: false,
        };
        Ok(Some(view.for_actor(actor)))
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

async fn linked(
    db: &impl ConnectionTrait,
    actor: &Actor,
    ids: &[String],
) -> AppResult<Vec<LinkedOffer>> {
    let bundles = OfferBundle::load_many(db, ids).await?;
    Ok(bundles
        .into_iter()
        .filter(|b| b.is_readable_by(actor))
        .map(|b| LinkedOffer {
            year: b.offer.hc_year,
            title: b.offer.title,
            id: b.offer.id,
        })
        .collect())
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
