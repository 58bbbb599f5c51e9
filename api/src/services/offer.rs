//! Offers: create, update, publish, end (the read rules are in [`crate::read_model::rules`]).
//!
//! A write goes client fields -> [`OfferDraft`] (parsed and checked in [`OfferDraft::check`], the
//! one place for offer rules) -> one transaction that writes the offer, its life domains, target
//! groups and locations, and appends to the change log.

use super::changes;
use super::organisation::{check_version, patch_opt};
use crate::auth::Actor;
use crate::db;
use crate::domain::{
    AreaCode, Email, GlobalId, NodeId, Phone, Postcode, TimeOfDay, optional_text, required_text,
};
use crate::error::{AppError, AppResult};
use crate::geo;
use crate::state::AppState;
use chrono::{NaiveDate, Utc};
use entities::json::{DateList, Schedule, SchedulePeriod, StringList};
use entities::{
    ChangeOp, CostPeriod, Intake, LifeDomain, OfferKind, OfferStatus, OrganisationStatus,
    RecordKind, TargetGroup, location, offer, offer_life_domain, offer_target_group,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use std::collections::BTreeSet;

/// One recurring period as given by a client.
#[derive(Clone, Debug)]
pub struct SchedulePeriodFields {
    pub freq: String,
    pub interval: i32,
    pub byday: Vec<String>,
    pub opens_at: String,
    pub closes_at: String,
    pub description: Option<String>,
}

/// A location as given by a client: a postcode, a point, or both.
#[derive(Clone, Debug, Default)]
pub struct LocationFields {
    pub name: Option<String>,
    pub street: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// Fields of an offer as given by a client. `None` leaves a field as it is; for nullable
/// fields `Some(None)` clears it. Lists replace the stored list.
#[derive(Clone, Debug, Default)]
pub struct OfferFields {
    pub title: Option<String>,
    pub description: Option<String>,
    pub kind: Option<OfferKind>,
    pub status: Option<OfferStatus>,
    pub intake: Option<Intake>,
    pub cost_cents: Option<Option<i32>>,
    pub cost_period: Option<Option<CostPeriod>>,
    pub cost_note: Option<Option<String>>,
    pub capacity: Option<Option<i32>>,
    pub places_taken: Option<i32>,
    pub has_waitlist: Option<bool>,
    pub start_date: Option<Option<NaiveDate>>,
    pub end_date: Option<Option<NaiveDate>>,
    pub min_age: Option<Option<i32>>,
    pub max_age: Option<Option<i32>>,
    pub schedule: Option<Vec<SchedulePeriodFields>>,
    pub schedule_note: Option<Option<String>>,
    pub languages: Option<Vec<String>>,
    pub accessibility: Option<Option<String>>,
    pub how_to_join: Option<Option<String>>,
    pub contact_name: Option<Option<String>>,
    pub contact_email: Option<Option<String>>,
    pub contact_phone: Option<Option<String>>,
    pub life_domains: Option<Vec<LifeDomain>>,
    pub target_groups: Option<Vec<TargetGroup>>,
    pub locations: Option<Vec<LocationFields>>,
    pub hc_year: Option<Option<i32>>,
    pub hc_coaches: Option<Vec<String>>,
    pub hc_regisseur: Option<Option<String>>,
    pub hc_start_meeting: Option<Option<NaiveDate>>,
    pub hc_sounding_board: Option<Vec<NaiveDate>>,
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

const DAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

fn parse_period(p: &SchedulePeriodFields) -> AppResult<SchedulePeriod> {
    let freq = p.freq.trim().to_ascii_uppercase();
    if freq != "WEEKLY" && freq != "MONTHLY" {
        return Err(AppError::field("freq", "must be WEEKLY or MONTHLY"));
    }
    if !(1..=12).contains(&p.interval) {
        return Err(AppError::field("interval", "must be between 1 and 12"));
    }
    let mut byday = Vec::new();
    for (i, d) in p.byday.iter().enumerate() {
        let d = d.trim().to_ascii_uppercase();
        if !DAYS.contains(&d.as_str()) {
            return Err(AppError::field(
                format!("byday.{i}"),
                "must be one of MO TU WE TH FR SA SU",
            ));
        }
        if !byday.contains(&d) {
            byday.push(d);
        }
    }
    let opens = TimeOfDay::parse(&p.opens_at).map_err(|e| e.in_field("opensAt"))?;
    let closes = TimeOfDay::parse(&p.closes_at).map_err(|e| e.in_field("closesAt"))?;
    if closes <= opens {
        return Err(AppError::field("closesAt", "must be after opensAt"));
    }
    Ok(SchedulePeriod {
        freq,
        interval: p.interval as u32,
        byday,
        opens_at: opens.to_hhmm(),
        closes_at: closes.to_hhmm(),
        description: optional_text(p.description.as_deref(), 200)
            .map_err(|e| e.in_field("description"))?,
    })
}

/// Parses a location; without a `gazetteer` (a received record) the point must be given and
/// the buurt is left to the caller.
fn parse_location(
    l: &LocationFields,
    gazetteer: Option<&geo::Gazetteer>,
) -> AppResult<LocationDraft> {
    let postcode = match l
        .postcode
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(raw) => Some(Postcode::parse(raw).map_err(|e| e.in_field("postcode"))?),
        None => None,
    };
    let (lat, lon) = match (l.lat, l.lon, &postcode) {
        (Some(lat), Some(lon), _) => geo::check_point(lat, lon).map_err(|e| e.in_field("lat"))?,
        (Some(_), None, _) => return Err(AppError::field("lon", "is required with lat")),
        (None, Some(_), _) => return Err(AppError::field("lat", "is required with lon")),
        (None, None, Some(pc)) => {
            let area = gazetteer
                .ok_or_else(|| AppError::field("lat", "is required"))?
                .postcode(pc)
                .map_err(|e| e.in_field("postcode"))?;
            (area.lat, area.lon)
        }
        (None, None, None) => {
            return Err(AppError::field(
                "postcode",
                "a postcode or lat/lon is required",
            ));
        }
    };
    Ok(LocationDraft {
        name: optional_text(l.name.as_deref(), 200).map_err(|e| e.in_field("name"))?,
        street: optional_text(l.street.as_deref(), 200).map_err(|e| e.in_field("street"))?,
        postcode: postcode.map(|p| p.compact()),
        city: optional_text(l.city.as_deref(), 100).map_err(|e| e.in_field("city"))?,
        lat,
        lon,
        buurt_code: gazetteer
            .and_then(|g| g.nearest_buurt(lat, lon))
            .map(str::to_string),
    })
}

fn set_text(
    target: &mut Option<String>,
    patch: &Option<Option<String>>,
    field: &str,
    max: usize,
) -> AppResult<()> {
    if let Some(value) = patch {
        *target = optional_text(value.as_deref(), max).map_err(|e| e.in_field(field))?;
    }
    Ok(())
}

fn set<T: Clone>(target: &mut T, patch: &Option<T>) {
    if let Some(value) = patch {
        *target = value.clone();
    }
}

impl OfferDraft {
    /// A new, unpublished offer of `organisation_id` on `node`, with defaults for everything
    /// not given.
    pub fn new(node: &NodeId, organisation_id: String) -> Self {
        let now = Utc::now();
        Self {
            offer: offer::Model {
                id: GlobalId::new(node).to_string(),
                origin_node: node.to_string(),
                organisation_id,
                title: String::new(),
                description: String::new(),
                kind: OfferKind::Activity,
                status: OfferStatus::Planned,
                published_at: None,
                intake: Intake::None,
                cost_cents: None,
                cost_period: None,
                cost_note: None,
                capacity: None,
                places_taken: 0,
                has_waitlist: false,
                start_date: None,
                end_date: None,
                min_age: None,
                max_age: None,
                schedule: Schedule::default(),
                schedule_note: None,
                languages: StringList(vec!["nl".into()]),
                accessibility: None,
                how_to_join: None,
                contact_name: None,
                contact_email: None,
                contact_phone: None,
                hc_year: None,
                hc_coaches: StringList::default(),
                hc_regisseur: None,
                hc_start_meeting: None,
                hc_sounding_board: DateList::default(),
                created_at: now,
                updated_at: now,
                version: 1,
            },
            life_domains: BTreeSet::new(),
            target_groups: BTreeSet::new(),
            locations: Vec::new(),
        }
    }

    /// Applies client fields, parsing each; errors name the field.
    pub fn apply(&mut self, f: &OfferFields, gazetteer: &geo::Gazetteer) -> AppResult<()> {
        let o = &mut self.offer;
        if let Some(title) = &f.title {
            o.title = required_text(title, 200).map_err(|e| e.in_field("title"))?;
        }
        if let Some(d) = &f.description {
            o.description = optional_text(Some(d), 10_000)
                .map_err(|e| e.in_field("description"))?
                .unwrap_or_default();
        }
        set(&mut o.kind, &f.kind);
        set(&mut o.status, &f.status);
        set(&mut o.intake, &f.intake);
        set(&mut o.cost_cents, &f.cost_cents);
        set(&mut o.cost_period, &f.cost_period);
        set_text(&mut o.cost_note, &f.cost_note, "costNote", 200)?;
        set(&mut o.capacity, &f.capacity);
        set(&mut o.places_taken, &f.places_taken);
        set(&mut o.has_waitlist, &f.has_waitlist);
        set(&mut o.start_date, &f.start_date);
        set(&mut o.end_date, &f.end_date);
        set(&mut o.min_age, &f.min_age);
        set(&mut o.max_age, &f.max_age);
        if let Some(periods) = &f.schedule {
            if periods.len() > 10 {
                return Err(AppError::field("schedule", "at most 10 periods"));
            }
            let parsed = periods
                .iter()
                .enumerate()
                .map(|(i, p)| parse_period(p).map_err(|e| e.in_field(&format!("schedule.{i}"))))
                .collect::<AppResult<Vec<_>>>()?;
            o.schedule = Schedule(parsed);
        }
        set_text(&mut o.schedule_note, &f.schedule_note, "scheduleNote", 500)?;
        if let Some(langs) = &f.languages {
            let mut list = Vec::new();
            for (i, l) in langs.iter().enumerate() {
                let l = l.trim().to_ascii_lowercase();
                if l.len() != 2 || !l.bytes().all(|b| b.is_ascii_lowercase()) {
                    return Err(AppError::field(
                        format!("languages.{i}"),
                        "must be a two-letter ISO 639-1 code",
                    ));
                }
                if !list.contains(&l) {
                    list.push(l);
                }
            }
            o.languages = StringList(list);
        }
        set_text(&mut o.accessibility, &f.accessibility, "accessibility", 500)?;
        set_text(&mut o.how_to_join, &f.how_to_join, "howToJoin", 2000)?;
        set_text(&mut o.contact_name, &f.contact_name, "contactName", 200)?;
        patch_opt(
            &mut o.contact_email,
            f.contact_email.clone(),
            "contactEmail",
            Email::parse,
            Email::into_inner,
        )?;
        patch_opt(
            &mut o.contact_phone,
            f.contact_phone.clone(),
            "contactPhone",
            Phone::parse,
            Phone::into_inner,
        )?;
        set(&mut o.hc_year, &f.hc_year);
        if let Some(coaches) = &f.hc_coaches {
            let list = coaches
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    required_text(c, 100)
                        .map_err(|e| e.in_field(&format!("herstelcirkel.coaches.{i}")))
                })
                .collect::<AppResult<Vec<_>>>()?;
            o.hc_coaches = StringList(list);
        }
        set_text(
            &mut o.hc_regisseur,
            &f.hc_regisseur,
            "herstelcirkel.regisseur",
            200,
        )?;
        set(&mut o.hc_start_meeting, &f.hc_start_meeting);
        if let Some(dates) = &f.hc_sounding_board {
            let mut dates = dates.clone();
            dates.sort();
            dates.dedup();
            o.hc_sounding_board = DateList(dates);
        }
        if let Some(d) = &f.life_domains {
            self.life_domains = d.iter().copied().collect();
        }
        if let Some(g) = &f.target_groups {
            self.target_groups = g.iter().copied().collect();
        }
        if let Some(locations) = &f.locations {
            if locations.len() > 20 {
                return Err(AppError::field("locations", "at most 20 locations"));
            }
            self.locations = locations
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    parse_location(l, Some(gazetteer))
                        .map_err(|e| e.in_field(&format!("locations.{i}")))
                })
                .collect::<AppResult<_>>()?;
        }
        Ok(())
    }

    /// The rules that tie fields together. The one place offer rules live.
    pub fn check(&self) -> AppResult<()> {
        let o = &self.offer;
        if o.title.chars().count() < 3 {
            return Err(AppError::field("title", "must be at least 3 characters"));
        }
        if let Some(c) = o.capacity {
            if c < 0 {
                return Err(AppError::field("capacity", "must not be negative"));
            }
            if c > 100_000 {
                return Err(AppError::field("capacity", "must be at most 100000"));
            }
        }
        if o.places_taken < 0 {
            return Err(AppError::field("placesTaken", "must not be negative"));
        }
        if let Some(c) = o.capacity
            && o.places_taken > c
        {
            return Err(AppError::field(
                "placesTaken",
                format!(
                    "{} places taken is more than the capacity of {c}",
                    o.places_taken
                ),
            ));
        }
        match o.cost_cents {
            Some(c) if c < 0 => return Err(AppError::field("costCents", "must not be negative")),
            Some(c) if c > 1_000_000 => {
                return Err(AppError::field(
                    "costCents",
                    "must be at most 1000000 (EUR 10,000)",
                ));
            }
            Some(c) if c > 0 && o.cost_period.is_none() => {
                return Err(AppError::field(
                    "costPeriod",
                    "is required when there is a cost",
                ));
            }
            _ => {}
        }
        if let (Some(start), Some(end)) = (o.start_date, o.end_date)
            && end < start
        {
            return Err(AppError::field("endDate", "must not be before startDate"));
        }
        for (field, age) in [("minAge", o.min_age), ("maxAge", o.max_age)] {
            if age.is_some_and(|a| !(0..=120).contains(&a)) {
                return Err(AppError::field(field, "must be between 0 and 120"));
            }
        }
        if let (Some(min), Some(max)) = (o.min_age, o.max_age)
            && max < min
        {
            return Err(AppError::field("maxAge", "must not be below minAge"));
        }
        let is_circle = o.kind == OfferKind::Herstelcirkel;
        let has_circle_fields = o.hc_year.is_some()
            || !o.hc_coaches.0.is_empty()
            || o.hc_regisseur.is_some()
            || o.hc_start_meeting.is_some()
            || !o.hc_sounding_board.0.is_empty();
        if has_circle_fields && !is_circle {
            return Err(AppError::field(
                "herstelcirkel",
                "Herstelcirkel details are only for offers of kind HERSTELCIRKEL",
            ));
        }
        if o.hc_year.is_some_and(|y| !(1..=3).contains(&y)) {
            return Err(AppError::field("herstelcirkel.year", "must be 1, 2 or 3"));
        }
        if o.hc_coaches.0.len() > 20 {
            return Err(AppError::field(
                "herstelcirkel.coaches",
                "at most 20 coaches",
            ));
        }
        Ok(())
    }
}

/// Checks a whole offer received from elsewhere (a peer's change feed) with the rules of a
/// local write: every field through [`OfferDraft::apply`] and [`OfferDraft::check`], each
/// location through the parser of a form's location (with its point and buurt as received).
/// Returns the offer as this node stores it (trimmed, normalised).
pub fn check_received(draft: &OfferDraft) -> AppResult<OfferDraft> {
    let o = &draft.offer;
    let fields = OfferFields {
        title: Some(o.title.clone()),
        description: Some(o.description.clone()),
        kind: Some(o.kind),
        status: Some(o.status),
        intake: Some(o.intake),
        cost_cents: Some(o.cost_cents),
        cost_period: Some(o.cost_period),
        cost_note: Some(o.cost_note.clone()),
        capacity: Some(o.capacity),
        places_taken: Some(o.places_taken),
        has_waitlist: Some(o.has_waitlist),
        start_date: Some(o.start_date),
        end_date: Some(o.end_date),
        min_age: Some(o.min_age),
        max_age: Some(o.max_age),
        schedule: Some(
            o.schedule
                .0
                .iter()
                .map(|p| SchedulePeriodFields {
                    freq: p.freq.clone(),
                    interval: i32::try_from(p.interval).unwrap_or(i32::MAX),
                    byday: p.byday.clone(),
                    opens_at: p.opens_at.clone(),
                    closes_at: p.closes_at.clone(),
                    description: p.description.clone(),
                })
                .collect(),
        ),
        schedule_note: Some(o.schedule_note.clone()),
        languages: Some(o.languages.0.clone()),
        accessibility: Some(o.accessibility.clone()),
        how_to_join: Some(o.how_to_join.clone()),
        contact_name: Some(o.contact_name.clone()),
        contact_email: Some(o.contact_email.clone()),
        contact_phone: Some(o.contact_phone.clone()),
        life_domains: None,
        target_groups: None,
        locations: None,
        hc_year: Some(o.hc_year),
        hc_coaches: Some(o.hc_coaches.0.clone()),
        hc_regisseur: Some(o.hc_regisseur.clone()),
        hc_start_meeting: Some(o.hc_start_meeting),
        hc_sounding_board: Some(o.hc_sounding_board.0.clone()),
    };
    let mut out = draft.clone();
    out.apply(&fields, &geo::Gazetteer::default())?;
    if draft.locations.len() > 20 {
        return Err(AppError::field("locations", "at most 20 locations"));
    }
    out.locations = draft
        .locations
        .iter()
        .map(|l| -> AppResult<LocationDraft> {
            let fields = LocationFields {
                name: l.name.clone(),
                street: l.street.clone(),
                postcode: l.postcode.clone(),
                city: l.city.clone(),
                lat: Some(l.lat),
                lon: Some(l.lon),
            };
            let mut parsed = parse_location(&fields, None)?;
            parsed.buurt_code = match &l.buurt_code {
                Some(code) => match AreaCode::parse(code)? {
                    code if code.kind() == entities::AreaKind::Buurt => Some(code.to_string()),
                    _ => return Err(AppError::field("buurtCode", "must be a buurt code")),
                },
                None => None,
            };
            Ok(parsed)
        })
        .enumerate()
        .map(|(i, r)| r.map_err(|e| e.in_field(&format!("locations.{i}"))))
        .collect::<AppResult<_>>()?;
    out.check()?;
    Ok(out)
}

/// Loads an offer this node may write: it must exist and originate here.
pub async fn load_own(
    db: &impl ConnectionTrait,
    state: &AppState,
    id: &str,
    field: &str,
) -> AppResult<offer::Model> {
    let gid = GlobalId::parse(id).map_err(|e| e.in_field(field))?;
    let model = offer::Entity::find_by_id(gid.to_string())
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("offer {id}")))?;
    if model.origin_node != state.node_id.as_str() {
        return Err(AppError::Forbidden(format!(
            "offer {id} is owned by node {}; only its home node can change it",
            model.origin_node
        )));
    }
    Ok(model)
}

async fn load_draft(db: &impl ConnectionTrait, model: offer::Model) -> AppResult<OfferDraft> {
    let life_domains = offer_life_domain::Entity::find()
        .filter(offer_life_domain::Column::OfferId.eq(model.id.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.life_domain)
        .collect();
    let target_groups = offer_target_group::Entity::find()
        .filter(offer_target_group::Column::OfferId.eq(model.id.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.target_group)
        .collect();
    let locations = location::Entity::find()
        .filter(location::Column::OfferId.eq(model.id.as_str()))
        .order_by_asc(location::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|l| LocationDraft {
            name: l.name,
            street: l.street,
            postcode: l.postcode,
            city: l.city,
            lat: l.lat,
            lon: l.lon,
            buurt_code: l.buurt_code,
        })
        .collect();
    Ok(OfferDraft {
        offer: model,
        life_domains,
        target_groups,
        locations,
    })
}

/// Replaces an offer's life domains, target groups and locations (the rows stored beside the
/// offer row). Used by local writes and by the federation mirror.
pub async fn replace_lists(
    txn: &DatabaseTransaction,
    offer_id: &str,
    life_domains: impl IntoIterator<Item = LifeDomain>,
    target_groups: impl IntoIterator<Item = TargetGroup>,
    locations: Vec<location::ActiveModel>,
) -> AppResult<()> {
    replace_lists_many(
        txn,
        vec![OfferLists {
            offer_id: offer_id.to_string(),
            life_domains: life_domains.into_iter().collect(),
            target_groups: target_groups.into_iter().collect(),
            locations,
        }],
    )
    .await
}

/// The rows stored beside one offer row.
pub struct OfferLists {
    pub offer_id: String,
    pub life_domains: Vec<LifeDomain>,
    pub target_groups: Vec<TargetGroup>,
    pub locations: Vec<location::ActiveModel>,
}

/// [`replace_lists`] for many offers at once, in a constant number of statements per kind of
/// row (a mirrored feed page).
pub async fn replace_lists_many(
    txn: &DatabaseTransaction,
    lists: Vec<OfferLists>,
) -> AppResult<()> {
    let ids: Vec<String> = lists.iter().map(|l| l.offer_id.clone()).collect();
    db::delete_in::<offer_life_domain::Entity>(txn, offer_life_domain::Column::OfferId, &ids)
        .await?;
    db::delete_in::<offer_target_group::Entity>(txn, offer_target_group::Column::OfferId, &ids)
        .await?;
    db::delete_in::<location::Entity>(txn, location::Column::OfferId, &ids).await?;
    let mut domains = Vec::new();
    let mut groups = Vec::new();
    let mut locations = Vec::new();
    for l in lists {
        domains.extend(
            l.life_domains
                .into_iter()
                .map(|d| offer_life_domain::ActiveModel {
                    offer_id: Set(l.offer_id.clone()),
                    life_domain: Set(d),
                }),
        );
        groups.extend(
            l.target_groups
                .into_iter()
                .map(|g| offer_target_group::ActiveModel {
                    offer_id: Set(l.offer_id.clone()),
                    target_group: Set(g),
                }),
        );
        locations.extend(l.locations);
    }
    db::insert_all(txn, domains, None).await?;
    db::insert_all(txn, groups, None).await?;
    db::insert_all(txn, locations, None).await?;
    Ok(())
}

/// Writes the draft's lists. Locations keep their ids by position, so stable ids survive edits.
async fn write_lists(
    txn: &DatabaseTransaction,
    draft: &OfferDraft,
    state: &AppState,
) -> AppResult<()> {
    let id = draft.offer.id.as_str();
    let existing = location::Entity::find()
        .filter(location::Column::OfferId.eq(id))
        .order_by_asc(location::Column::Position)
        .all(txn)
        .await?;
    let now = Utc::now();
    let locations = draft
        .locations
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let previous = existing.get(i);
            location::ActiveModel {
                id: Set(previous.map_or_else(
                    || GlobalId::new(&state.node_id).to_string(),
                    |p| p.id.clone(),
                )),
                origin_node: Set(draft.offer.origin_node.clone()),
                offer_id: Set(id.to_string()),
                position: Set(i as i32),
                name: Set(l.name.clone()),
                street: Set(l.street.clone()),
                postcode: Set(l.postcode.clone()),
                city: Set(l.city.clone()),
                lat: Set(l.lat),
                lon: Set(l.lon),
                buurt_code: Set(l.buurt_code.clone()),
                updated_at: Set(now),
                version: Set(previous.map_or(1, |p| p.version + 1)),
            }
        })
        .collect();
    replace_lists(
        txn,
        id,
        draft.life_domains.iter().copied(),
        draft.target_groups.iter().copied(),
        locations,
    )
    .await
}

/// Writes the offer row if its stored version is still `expected`; bumps the version.
async fn save(txn: &DatabaseTransaction, offer: &mut offer::Model, expected: i32) -> AppResult<()> {
    offer.version = expected + 1;
    offer.updated_at = Utc::now();
    let mut active = offer::ActiveModel::from(offer.clone()).reset_all();
    active.id = sea_orm::ActiveValue::NotSet;
    let done = offer::Entity::update_many()
        .set(active)
        .filter(offer::Column::Id.eq(offer.id.as_str()))
        .filter(offer::Column::Version.eq(expected))
        .exec(txn)
        .await?;
    if done.rows_affected != 1 {
        return Err(AppError::Conflict(format!(
            "offer {} was changed by someone else; reload and try again",
            offer.id
        )));
    }
    changes::record(
        txn,
        RecordKind::Offer,
        &offer.id,
        ChangeOp::Upsert,
        &offer.origin_node,
    )
    .await?;
    Ok(())
}

/// Creates an unpublished offer for an organisation of this node.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    organisation_id: &str,
    fields: OfferFields,
) -> AppResult<OfferDraft> {
    if fields.title.is_none() {
        return Err(AppError::field("title", "is required"));
    }
    if fields.kind.is_none() {
        return Err(AppError::field("kind", "is required"));
    }
    if fields.status == Some(OfferStatus::Ended) {
        return Err(AppError::field("status", "a new offer cannot be ended"));
    }
    let txn = db::begin_write(&state.db).await?;
    let org = super::organisation::load_own(&txn, state, organisation_id, "organisationId").await?;
    actor.require_edit_organisation(&org.id)?;
    if org.status == OrganisationStatus::Ended {
        return Err(AppError::Conflict(
            "an ended organisation cannot get new offers".into(),
        ));
    }
    let mut draft = OfferDraft::new(&state.node_id, org.id);
    draft.apply(&fields, &state.gazetteer)?;
    draft.check()?;
    let active: offer::ActiveModel = draft.offer.clone().into();
    active.insert(&txn).await?;
    write_lists(&txn, &draft, state).await?;
    changes::record(
        &txn,
        RecordKind::Offer,
        &draft.offer.id,
        ChangeOp::Upsert,
        &draft.offer.origin_node,
    )
    .await?;
    txn.commit().await?;
    Ok(draft)
}

async fn change(
    state: &AppState,
    actor: &Actor,
    id: &str,
    version: i32,
    edit: impl FnOnce(&mut OfferDraft) -> AppResult<()>,
) -> AppResult<OfferDraft> {
    let txn = db::begin_write(&state.db).await?;
    let model = load_own(&txn, state, id, "id").await?;
    actor.require_edit_organisation(&model.organisation_id)?;
    check_version(model.version, version, "offer")?;
    if model.status == OfferStatus::Ended {
        return Err(AppError::Conflict(
            "an ended offer cannot be changed".into(),
        ));
    }
    let mut draft = load_draft(&txn, model).await?;
    edit(&mut draft)?;
    draft.check()?;
    save(&txn, &mut draft.offer, version).await?;
    write_lists(&txn, &draft, state).await?;
    txn.commit().await?;
    Ok(draft)
}

/// Updates an offer if `version` is current.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: &str,
    version: i32,
    fields: OfferFields,
) -> AppResult<OfferDraft> {
    if fields.status == Some(OfferStatus::Ended) {
        return Err(AppError::field("status", "use endOffer to end an offer"));
    }
    change(state, actor, id, version, |draft| {
        draft.apply(&fields, &state.gazetteer)
    })
    .await
}

/// Publishes an offer (visible once its organisation is published too).
pub async fn publish(
    state: &AppState,
    actor: &Actor,
    id: &str,
    version: i32,
) -> AppResult<OfferDraft> {
    change(state, actor, id, version, |draft| {
        draft.offer.published_at.get_or_insert_with(Utc::now);
        Ok(())
    })
    .await
}

/// Ends an offer; it stays readable but cannot be changed again.
pub async fn end(state: &AppState, actor: &Actor, id: &str, version: i32) -> AppResult<OfferDraft> {
    change(state, actor, id, version, |draft| {
        draft.offer.status = OfferStatus::Ended;
        Ok(())
    })
    .await
}

/// Deletes an offer of this node (its locations and lists go with it); peers receive a
/// tombstone. `version` must be current. An offer with referrals is not deleted (`CONFLICT`):
/// it is ended instead, so its referrals keep their offer.
pub async fn delete(state: &AppState, actor: &Actor, id: &str, version: i32) -> AppResult<()> {
    let txn = db::begin_write(&state.db).await?;
    let model = load_own(&txn, state, id, "id").await?;
    actor.require_edit_organisation(&model.organisation_id)?;
    check_version(model.version, version, "offer")?;
    if crate::services::referral::offer_has_referrals(&txn, &model.id).await? {
        return Err(AppError::Conflict(
            "this offer has referrals; end it instead, so they stay readable".into(),
        ));
    }
    let done = offer::Entity::delete_many()
        .filter(offer::Column::Id.eq(model.id.as_str()))
        .filter(offer::Column::Version.eq(version))
        .exec(&txn)
        .await?;
    if done.rows_affected != 1 {
        return Err(AppError::Conflict(format!(
            "offer {id} was changed by someone else; reload and try again"
        )));
    }
    changes::record(
        &txn,
        RecordKind::Offer,
        &model.id,
        ChangeOp::Delete,
        &model.origin_node,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
