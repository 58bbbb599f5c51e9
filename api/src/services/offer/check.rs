//! A draft offer: a new one's defaults, a parsed [`OfferPatch`] applied onto it (looking up the
//! point and buurt of each location), the rules that tie fields together
//! ([`OfferDraft::check`], the one place for them), and [`check_received`] for a peer's offer.

use super::patch::{LocationFields, LocationPatch, OfferFields, OfferPatch, SchedulePeriodFields};
use super::{LocationDraft, OfferDraft};
use crate::domain::{AreaCode, GlobalId, NodeId};
use crate::error::{AppError, AppResult};
use crate::geo;
use crate::services::patch::{set, set_with};
use chrono::Utc;
use entities::json::{DateList, Schedule, StringList};
use entities::{Intake, OfferKind, OfferStatus, offer};
use std::collections::BTreeSet;

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

    /// Applies a parsed patch; a location given without a point keeps the point of the stored
    /// location with its postcode (or, without a postcode, with its very address), else gets
    /// the postcode's point (an unknown postcode, or none, is an error on
    /// `locations.<i>.postcode`), each its buurt. So saving a form that sends addresses only
    /// (never points) does not move a location placed precisely before.
    pub fn apply(&mut self, p: &OfferPatch, gazetteer: &geo::Gazetteer) -> AppResult<()> {
        let o = &mut self.offer;
        set(&mut o.title, &p.title);
        set(&mut o.description, &p.description);
        set(&mut o.kind, &p.kind);
        set(&mut o.status, &p.status);
        set(&mut o.intake, &p.intake);
        set(&mut o.cost_cents, &p.cost_cents);
        set(&mut o.cost_period, &p.cost_period);
        set(&mut o.cost_note, &p.cost_note);
        set(&mut o.capacity, &p.capacity);
        set(&mut o.places_taken, &p.places_taken);
        set(&mut o.has_waitlist, &p.has_waitlist);
        set(&mut o.start_date, &p.start_date);
        set(&mut o.end_date, &p.end_date);
        set(&mut o.min_age, &p.min_age);
        set(&mut o.max_age, &p.max_age);
        if let Some(periods) = &p.schedule {
            o.schedule = Schedule(periods.iter().map(|p| p.to_stored()).collect());
        }
        set(&mut o.schedule_note, &p.schedule_note);
        if let Some(languages) = &p.languages {
            o.languages = StringList(languages.clone());
        }
        set(&mut o.accessibility, &p.accessibility);
        set(&mut o.how_to_join, &p.how_to_join);
        set(&mut o.contact_name, &p.contact_name);
        set_with(&mut o.contact_email, &p.contact_email, |e| e.to_string());
        set_with(&mut o.contact_phone, &p.contact_phone, |p| p.to_string());
        set(&mut o.hc_year, &p.hc_year);
        if let Some(coaches) = &p.hc_coaches {
            o.hc_coaches = StringList(coaches.clone());
        }
        set(&mut o.hc_regisseur, &p.hc_regisseur);
        set(&mut o.hc_start_meeting, &p.hc_start_meeting);
        if let Some(dates) = &p.hc_sounding_board {
            o.hc_sounding_board = DateList(dates.clone());
        }
        if let Some(d) = &p.life_domains {
            self.life_domains = d.iter().copied().collect();
        }
        if let Some(g) = &p.target_groups {
            self.target_groups = g.iter().copied().collect();
        }
        if let Some(locations) = &p.locations {
            let stored = std::mem::take(&mut self.locations);
            self.locations = locations
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    locate(l, &stored, gazetteer).map_err(|e| e.in_field(&format!("locations.{i}")))
                })
                .collect::<AppResult<_>>()?;
        }
        Ok(())
    }

    /// The rules on the whole draft: a title (a patch may leave it out) and the rules that tie
    /// fields together (each field's own rules are [`OfferPatch`]'s). The one place they live.
    pub fn check(&self) -> AppResult<()> {
        let o = &self.offer;
        if o.title.chars().count() < 3 {
            return Err(AppError::field("title", "must be at least 3 characters"));
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
        if o.cost_cents.is_some_and(|c| c > 0) && o.cost_period.is_none() {
            return Err(AppError::field(
                "costPeriod",
                "is required when there is a cost",
            ));
        }
        if let (Some(start), Some(end)) = (o.start_date, o.end_date)
            && end < start
        {
            return Err(AppError::field("endDate", "must not be before startDate"));
        }
        if let (Some(min), Some(max)) = (o.min_age, o.max_age)
            && max < min
        {
            return Err(AppError::field("maxAge", "must not be below minAge"));
        }
        let has_circle_fields = o.hc_year.is_some()
            || !o.hc_coaches.0.is_empty()
            || o.hc_regisseur.is_some()
            || o.hc_start_meeting.is_some()
            || !o.hc_sounding_board.0.is_empty();
        if has_circle_fields && o.kind != OfferKind::Herstelcirkel {
            return Err(AppError::field(
                "herstelcirkel",
                "Herstelcirkel details are only for offers of kind HERSTELCIRKEL",
            ));
        }
        Ok(())
    }
}

/// A parsed location with its point (given; else that of the `stored` location with the same
/// postcode, keeping its buurt; else the postcode's) and its buurt.
fn locate(
    l: &LocationPatch,
    stored: &[LocationDraft],
    gazetteer: &geo::Gazetteer,
) -> AppResult<LocationDraft> {
    let postcode = l.postcode.as_ref().map(|p| p.compact());
    let same_place = l.point.is_none().then(|| {
        stored.iter().find(|s| match &postcode {
            Some(pc) => s.postcode.as_deref() == Some(pc.as_str()),
            None => {
                s.postcode.is_none() && s.name == l.name && s.street == l.street && s.city == l.city
            }
        })
    });
    if let Some(Some(s)) = same_place {
        return Ok(draft_of(l, (s.lat, s.lon), s.buurt_code.clone()));
    }
    let (lat, lon) = match (l.point, &l.postcode) {
        (Some(point), _) => point,
        (None, Some(pc)) => {
            let area = gazetteer.postcode(pc).map_err(|e| e.in_field("postcode"))?;
            (area.lat, area.lon)
        }
        (None, None) => {
            return Err(AppError::field(
                "postcode",
                "a postcode or lat/lon is required",
            ));
        }
    };
    let buurt_code = gazetteer.nearest_buurt(lat, lon).map(str::to_string);
    Ok(draft_of(l, (lat, lon), buurt_code))
}

fn draft_of(
    l: &LocationPatch,
    (lat, lon): (f64, f64),
    buurt_code: Option<String>,
) -> LocationDraft {
    LocationDraft {
        name: l.name.clone(),
        street: l.street.clone(),
        postcode: l.postcode.as_ref().map(|p| p.compact()),
        city: l.city.clone(),
        lat,
        lon,
        buurt_code,
    }
}

/// Checks a whole offer received from elsewhere (a peer's change feed) with the rules of a
/// local write: every field through [`OfferPatch`] and [`OfferDraft::check`], each location
/// through the parser of a form's location (with its point and buurt as received). Returns the
/// offer as this node stores it (trimmed, normalised).
pub fn check_received(draft: &OfferDraft) -> AppResult<OfferDraft> {
    let patch = OfferPatch::try_from(received_fields(&draft.offer))?;
    let mut out = draft.clone();
    out.apply(&patch, &geo::Gazetteer::default())?;
    if draft.locations.len() > 20 {
        return Err(AppError::field("locations", "at most 20 locations"));
    }
    out.locations = draft
        .locations
        .iter()
        .enumerate()
        .map(|(i, l)| received_location(l).map_err(|e| e.in_field(&format!("locations.{i}"))))
        .collect::<AppResult<_>>()?;
    out.check()?;
    Ok(out)
}

fn received_location(l: &LocationDraft) -> AppResult<LocationDraft> {
    let parsed = LocationPatch::parse(&LocationFields {
        name: l.name.clone(),
        street: l.street.clone(),
        postcode: l.postcode.clone(),
        city: l.city.clone(),
        lat: Some(l.lat),
        lon: Some(l.lon),
    })?;
    let buurt_code = match &l.buurt_code {
        Some(code) => match AreaCode::parse(code)? {
            code if code.kind() == entities::AreaKind::Buurt => Some(code.to_string()),
            _ => return Err(AppError::field("buurtCode", "must be a buurt code")),
        },
        None => None,
    };
    Ok(draft_of(&parsed, (l.lat, l.lon), buurt_code))
}

/// Every field of a stored or received offer (its lists aside), as a client would give them.
fn received_fields(o: &offer::Model) -> OfferFields {
    OfferFields {
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
        schedule: Some(o.schedule.0.iter().map(period_fields).collect()),
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
    }
}

fn period_fields(p: &entities::json::SchedulePeriod) -> SchedulePeriodFields {
    SchedulePeriodFields {
        freq: p.freq.clone(),
        interval: i32::try_from(p.interval).unwrap_or(i32::MAX),
        byday: p.byday.clone(),
        opens_at: p.opens_at.clone(),
        closes_at: p.closes_at.clone(),
        description: p.description.clone(),
        valid_from: p.valid_from,
        valid_until: p.valid_until,
    }
}
