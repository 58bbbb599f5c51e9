//! Loading another directory's HSDS 3.0 data as one organisation's listings.
//!
//! Each HSDS `service` becomes an offer created through [`services::offer::create`], so every
//! offer rule applies; a service that fails validation is reported and skipped, the rest load.
//! Services with status `defunct` are skipped. Imported offers are published unless the service
//! is `inactive`. Importing the same file twice creates the offers twice (no matching on ids).
//! Circle plans are set in a second pass, once every offer exists, so a Herstelcirkel+ links
//! to its previous year when that was imported with it; a plan that fails its checks is
//! reported (`circle plan not imported: ...`) and the offer stays.

use super::ids::{AREA_URN, KIND, LIFE_DOMAIN, TARGET_GROUP};
use super::types::{CostOption, Schedule as HsdsSchedule};
use super::types::{Dataset, Service};
use crate::auth::Actor;
use crate::domain::GlobalId;
use crate::error::{AppError, AppResult};
use crate::services::offer::{self, LocationFields, OfferFields, OfferPatch, SchedulePeriodFields};
use crate::services::organisation::{self as org_service, OrganisationFields, OrganisationPatch};
use crate::state::AppState;
use entities::{CostPeriod, LifeDomain, OfferKind, OfferStatus, TargetGroup, organisation};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// The organisation the offers were added to.
    pub organisation_id: String,
    /// Global ids of the created offers.
    pub created: Vec<String>,
    /// `(service name, reason)` of services not imported.
    pub skipped: Vec<(String, String)>,
}

/// Reads an HSDS file: an export [`Dataset`], a `Page` (`contents`), or a bare list of services.
pub fn parse_file(text: &str) -> AppResult<Vec<Service>> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| AppError::bad_input(format!("not JSON: {e}")))?;
    let list = if value.get("services").is_some() {
        let d: Dataset = serde_json::from_value(value)
            .map_err(|e| AppError::bad_input(format!("not an HSDS dataset: {e}")))?;
        d.services
    } else if let Some(contents) = value.get("contents") {
        serde_json::from_value(contents.clone())
            .map_err(|e| AppError::bad_input(format!("not an HSDS page of services: {e}")))?
    } else {
        serde_json::from_value(value)
            .map_err(|e| AppError::bad_input(format!("not a list of HSDS services: {e}")))?
    };
    Ok(list)
}

/// Finds the local organisation by global id or exact name; creates and publishes one by that
/// name when none exists.
pub async fn resolve_organisation(state: &AppState, name_or_id: &str) -> AppResult<String> {
    if let Ok(id) = GlobalId::parse(name_or_id) {
        let found = org_service::load_own(&state.db, &state.node_id, &id).await?;
        return Ok(found.id);
    }
    let found = organisation::Entity::find()
        .filter(organisation::Column::Name.eq(name_or_id.trim()))
        .filter(organisation::Column::OriginNode.eq(state.node_id.as_str()))
        .one(&state.db)
        .await?;
    if let Some(found) = found {
        return Ok(found.id);
    }
    let patch = OrganisationPatch::try_from(OrganisationFields {
        name: Some(name_or_id.to_string()),
        ..Default::default()
    })?;
    let created = org_service::create(state, &Actor::System, patch).await?;
    let id = GlobalId::parse(&created.id)?;
    let published = org_service::publish(state, &Actor::System, &id, created.version).await?;
    Ok(published.id)
}

/// Imports `services` as offers of the organisation `organisation_id`.
pub async fn import(
    state: &AppState,
    actor: &Actor,
    organisation_id: &str,
    services: &[Service],
) -> AppResult<ImportReport> {
    let mut report = ImportReport {
        organisation_id: organisation_id.to_string(),
        ..Default::default()
    };
    let organisation_id =
        &GlobalId::parse(organisation_id).map_err(|e| e.in_field("organisationId"))?;
    // Source global id -> created offer, for the Herstelcirkel+ links of the second pass.
    let mut imported: HashMap<String, String> = HashMap::new();
    let mut circles: Vec<(&Service, GlobalId)> = Vec::new();
    for s in services {
        if s.status == "defunct" {
            report
                .skipped
                .push((s.name.clone(), "service is defunct".into()));
            continue;
        }
        let result = async {
            let patch = OfferPatch::try_from(offer_fields(s))?;
            let draft = offer::create(state, actor, organisation_id, patch).await?;
            let id = GlobalId::parse(&draft.offer.id)?;
            let version = super::network::import(state, actor, s, &id, &draft.offer).await?;
            let version = super::recovery::import_details(state, actor, s, &id, version).await?;
            if s.status == "inactive" {
                return Ok(draft.offer.id);
            }
            let published = offer::publish(state, actor, &id, version).await?;
            Ok::<_, AppError>(published.offer.id)
        }
        .await;
        match result {
            Ok(id) => {
                if let Some(source) = super::recovery::source_id(s) {
                    imported.insert(source.to_string(), id.clone());
                }
                circles.push((s, GlobalId::parse(&id)?));
                report.created.push(id);
            }
            Err(AppError::Internal(e)) => return Err(AppError::Internal(e)),
            Err(e) => report.skipped.push((s.name.clone(), e.message())),
        }
    }
    for (s, id) in circles {
        match super::recovery::import_circle(state, actor, s, &id, &imported).await {
            Ok(()) => {}
            Err(AppError::Internal(e)) => return Err(AppError::Internal(e)),
            Err(e) => report.skipped.push((
                s.name.clone(),
                format!("circle plan not imported: {}", e.message()),
            )),
        }
    }
    Ok(report)
}

fn attribute_values<'a>(s: &'a Service, link_type: &'a str) -> impl Iterator<Item = &'a str> {
    s.attributes
        .iter()
        .filter(move |a| a.link_type.as_deref() == Some(link_type))
        .filter_map(|a| a.value.as_deref())
}

/// Maps one HSDS service to offer fields (parsed into an [`OfferPatch`] by the caller).
pub fn offer_fields(s: &Service) -> OfferFields {
    let kind = attribute_values(s, KIND)
        .find_map(OfferKind::from_str_opt)
        .unwrap_or(OfferKind::Activity);
    let status = match s.status.as_str() {
        "temporarily closed" | "inactive" => OfferStatus::Paused,
        _ => OfferStatus::Open,
    };
    let cost = s.cost_options.first();
    let (cost_cents, cost_period) = cost_of(cost);
    let contact = s.contacts.first();
    let phone = contact
        .and_then(|c| c.phones.first())
        .or(s.phones.first())
        .map(|p| p.number.clone());
    let first_schedule = s.schedules.first();
    // The offer's dates are those of a period without dates of its own (`dtstart`, `until`).
    let starts = s.schedules.iter().find(|p| p.dtstart.is_none());
    let ends = s.schedules.iter().find(|p| p.until.is_none());
    OfferFields {
        title: Some(s.name.clone()),
        description: s.description.clone(),
        kind: Some(kind),
        status: Some(status),
        cost_cents: Some(cost_cents),
        cost_period: Some(cost_period),
        cost_note: Some(
            cost.and_then(|c| c.amount_description.clone())
                .or(s.fees_description.clone()),
        ),
        min_age: Some(s.minimum_age.map(|a| a as i32)),
        max_age: Some(s.maximum_age.map(|a| a as i32)),
        start_date: Some(date(starts.and_then(|p| p.valid_from.as_ref()))),
        end_date: Some(date(ends.and_then(|p| p.valid_to.as_ref()))),
        schedule: Some(schedule_of(&s.schedules)),
        schedule_note: Some(first_schedule.and_then(|p| p.notes.clone())),
        languages: Some(
            s.languages
                .iter()
                .filter_map(|l| l.code.clone())
                .filter(|c| c.len() == 2)
                .collect::<Vec<_>>(),
        )
        .filter(|l| !l.is_empty()),
        how_to_join: Some(s.application_process.clone()),
        contact_name: Some(contact.and_then(|c| c.name.clone())),
        contact_email: Some(contact.and_then(|c| c.email.clone()).or(s.email.clone())),
        contact_phone: Some(phone),
        life_domains: Some(
            attribute_values(s, LIFE_DOMAIN)
                .filter_map(LifeDomain::from_str_opt)
                .collect(),
        ),
        target_groups: Some(
            attribute_values(s, TARGET_GROUP)
                .filter_map(TargetGroup::from_str_opt)
                .collect(),
        ),
        locations: Some(locations_of(s)),
        ..Default::default()
    }
}

/// The cost in cents (positive, or none) and its period (a cost without one is per session).
fn cost_of(cost: Option<&CostOption>) -> (Option<i32>, Option<CostPeriod>) {
    let cost_cents = cost
        .and_then(|c| c.amount)
        .map(|a| (a * 100.0).round())
        .filter(|c| *c > 0.0 && *c < f64::from(i32::MAX))
        .map(|c| c as i32);
    let cost_period = cost
        .and_then(|c| c.option.as_deref())
        .and_then(CostPeriod::from_str_opt)
        .or(cost_cents.map(|_| CostPeriod::PerSession));
    (cost_cents, cost_period.filter(|_| cost_cents.is_some()))
}

/// The service's locations, each with its first address.
fn locations_of(s: &Service) -> Vec<LocationFields> {
    s.service_at_locations
        .iter()
        .filter_map(|sal| sal.location.as_ref())
        .map(|l| {
            let address = l.addresses.first();
            let nonempty = |v: &str| Some(v.to_string()).filter(|v| !v.trim().is_empty());
            LocationFields {
                name: l.name.clone(),
                street: address.and_then(|a| nonempty(&a.address_1)),
                postcode: address.and_then(|a| nonempty(&a.postal_code)),
                city: address.and_then(|a| nonempty(&a.city)),
                lat: l.latitude,
                lon: l.longitude,
            }
        })
        .collect()
}

/// The recurring periods (those with a frequency and both times).
fn schedule_of(schedules: &[HsdsSchedule]) -> Vec<SchedulePeriodFields> {
    schedules
        .iter()
        .filter(|p| p.freq.is_some() && p.opens_at.is_some() && p.closes_at.is_some())
        .map(|p| SchedulePeriodFields {
            freq: p.freq.clone().unwrap_or_default(),
            interval: p.interval.map_or(1, |i| i as i32),
            byday: p
                .byday
                .as_deref()
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_string)
                .collect(),
            opens_at: hhmm(p.opens_at.as_deref().unwrap_or_default()),
            closes_at: hhmm(p.closes_at.as_deref().unwrap_or_default()),
            description: p.description.clone(),
            valid_from: date(p.dtstart.as_ref()),
            valid_until: date(p.until.as_ref()),
        })
        .collect()
}

/// A date from `YYYY-MM-DD` (or the date part of a longer timestamp); none when unreadable.
fn date(d: Option<&String>) -> Option<chrono::NaiveDate> {
    d.and_then(|d| chrono::NaiveDate::parse_from_str(d.get(..10).unwrap_or(d), "%Y-%m-%d").ok())
}

/// `09:00:00` or `09:00` -> `09:00`.
fn hhmm(raw: &str) -> String {
    raw.trim().get(..5).unwrap_or(raw.trim()).to_string()
}

/// The CBS codes of a service's areas (`urn:cbs:gebied:<code>`), for reporting.
pub fn area_codes(s: &Service) -> Vec<String> {
    s.service_areas
        .iter()
        .filter_map(|a| a.uri.as_deref()?.strip_prefix(AREA_URN))
        .map(str::to_string)
        .collect()
}
