//! An offer's fields as a client gives them ([`OfferFields`]) and their parsed form
//! ([`OfferPatch`]): every field through its domain type, each error naming the field's path
//! (`locations.0.postcode`, `schedule.1.closesAt`). Every edge builds its patch with
//! `OfferPatch::try_from`, so the services only ever see parsed values.

use crate::domain::{Email, Phone, Postcode, TimeOfDay, optional_text, required_text};
use crate::error::{AppError, AppResult};
use crate::geo;
use crate::services::patch::{parse_opt, text_opt};
use chrono::NaiveDate;
use entities::json::SchedulePeriod;
use entities::{CostPeriod, Intake, LifeDomain, OfferKind, OfferStatus, TargetGroup};

/// One recurring period as given by a client.
#[derive(Clone, Debug)]
pub struct SchedulePeriodFields {
    pub freq: String,
    pub interval: i32,
    pub byday: Vec<String>,
    pub opens_at: String,
    pub closes_at: String,
    pub description: Option<String>,
    /// First day the period applies; none: always.
    pub valid_from: Option<NaiveDate>,
    /// Last day the period applies; none: open-ended.
    pub valid_until: Option<NaiveDate>,
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

/// One recurring period, parsed: a known frequency and days, and a start before its end.
#[derive(Clone, Debug, PartialEq)]
pub struct PeriodPatch {
    /// `WEEKLY` or `MONTHLY`.
    pub freq: String,
    /// 1-12.
    pub interval: u32,
    /// Day codes (`MO` .. `SU`), each once, in the order given.
    pub byday: Vec<String>,
    pub opens_at: TimeOfDay,
    /// After `opens_at`.
    pub closes_at: TimeOfDay,
    pub description: Option<String>,
    /// On or before `valid_until`; dated periods of a schedule follow each other
    /// ([`crate::domain::circle::check_phases`]).
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
}

/// A location, parsed: a postcode, a point in the Netherlands, or both (never neither). A
/// location without a point gets the postcode's point when it is applied.
#[derive(Clone, Debug, PartialEq)]
pub struct LocationPatch {
    pub name: Option<String>,
    pub street: Option<String>,
    pub postcode: Option<Postcode>,
    pub city: Option<String>,
    /// `(lat, lon)`, checked to lie in the Netherlands.
    pub point: Option<(f64, f64)>,
}

/// An offer's fields, parsed: what [`OfferFields`] says, with each value through its domain
/// type and its own range checked. `None` leaves a field as it is; `Some(None)` clears it.
/// Rules that tie fields together (or a field to the stored offer) are
/// [`OfferDraft::check`](super::OfferDraft::check)'s.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OfferPatch {
    /// At most 200 characters, trimmed, not empty (a draft's title has at least 3).
    pub title: Option<String>,
    pub description: Option<String>,
    pub kind: Option<OfferKind>,
    pub status: Option<OfferStatus>,
    pub intake: Option<Intake>,
    /// 0-1000000.
    pub cost_cents: Option<Option<i32>>,
    pub cost_period: Option<Option<CostPeriod>>,
    pub cost_note: Option<Option<String>>,
    /// 0-100000.
    pub capacity: Option<Option<i32>>,
    /// Not negative.
    pub places_taken: Option<i32>,
    pub has_waitlist: Option<bool>,
    pub start_date: Option<Option<NaiveDate>>,
    pub end_date: Option<Option<NaiveDate>>,
    /// 0-120.
    pub min_age: Option<Option<i32>>,
    /// 0-120.
    pub max_age: Option<Option<i32>>,
    /// At most 10 periods.
    pub schedule: Option<Vec<PeriodPatch>>,
    pub schedule_note: Option<Option<String>>,
    /// ISO 639-1 codes, lower case, each once.
    pub languages: Option<Vec<String>>,
    pub accessibility: Option<Option<String>>,
    pub how_to_join: Option<Option<String>>,
    pub contact_name: Option<Option<String>>,
    pub contact_email: Option<Option<Email>>,
    pub contact_phone: Option<Option<Phone>>,
    pub life_domains: Option<Vec<LifeDomain>>,
    pub target_groups: Option<Vec<TargetGroup>>,
    /// At most 20 locations.
    pub locations: Option<Vec<LocationPatch>>,
    /// 1-3.
    pub hc_year: Option<Option<i32>>,
    /// At most 20 names.
    pub hc_coaches: Option<Vec<String>>,
    pub hc_regisseur: Option<Option<String>>,
    pub hc_start_meeting: Option<Option<NaiveDate>>,
    /// Sorted, each date once.
    pub hc_sounding_board: Option<Vec<NaiveDate>>,
}

impl TryFrom<OfferFields> for OfferPatch {
    type Error = AppError;

    fn try_from(f: OfferFields) -> AppResult<Self> {
        Self::try_from(&f)
    }
}

impl TryFrom<&OfferFields> for OfferPatch {
    type Error = AppError;

    /// Parses every field; the error names the first bad field's path.
    fn try_from(f: &OfferFields) -> AppResult<Self> {
        let patch = Self {
            title: f
                .title
                .as_deref()
                .map(|t| required_text(t, 200).map_err(|e| e.in_field("title")))
                .transpose()?,
            description: f
                .description
                .as_deref()
                .map(|d| optional_text(Some(d), 10_000).map_err(|e| e.in_field("description")))
                .transpose()?
                .map(Option::unwrap_or_default),
            kind: f.kind,
            status: f.status,
            intake: f.intake,
            cost_cents: f.cost_cents,
            cost_period: f.cost_period,
            cost_note: text_opt(&f.cost_note, "costNote", 200)?,
            capacity: f.capacity,
            places_taken: f.places_taken,
            has_waitlist: f.has_waitlist,
            start_date: f.start_date,
            end_date: f.end_date,
            min_age: f.min_age,
            max_age: f.max_age,
            schedule: f.schedule.as_deref().map(parse_schedule).transpose()?,
            schedule_note: text_opt(&f.schedule_note, "scheduleNote", 500)?,
            languages: f.languages.as_deref().map(parse_languages).transpose()?,
            accessibility: text_opt(&f.accessibility, "accessibility", 500)?,
            how_to_join: text_opt(&f.how_to_join, "howToJoin", 2000)?,
            contact_name: text_opt(&f.contact_name, "contactName", 200)?,
            contact_email: parse_opt(&f.contact_email, "contactEmail", Email::parse)?,
            contact_phone: parse_opt(&f.contact_phone, "contactPhone", Phone::parse)?,
            life_domains: f.life_domains.clone(),
            target_groups: f.target_groups.clone(),
            hc_year: f.hc_year,
            hc_coaches: f.hc_coaches.as_deref().map(parse_coaches).transpose()?,
            hc_regisseur: text_opt(&f.hc_regisseur, "herstelcirkel.regisseur", 200)?,
            hc_start_meeting: f.hc_start_meeting,
            hc_sounding_board: f.hc_sounding_board.clone().map(|mut dates| {
                dates.sort();
                dates.dedup();
                dates
            }),
            locations: f.locations.as_deref().map(parse_locations).transpose()?,
        };
        patch.check_ranges()?;
        Ok(patch)
    }
}

impl OfferPatch {
    /// The rules on one field's value alone (lengths and ranges).
    fn check_ranges(&self) -> AppResult<()> {
        match self.capacity.flatten() {
            Some(c) if c < 0 => return Err(AppError::field("capacity", "must not be negative")),
            Some(c) if c > 100_000 => {
                return Err(AppError::field("capacity", "must be at most 100000"));
            }
            _ => {}
        }
        if self.places_taken.is_some_and(|p| p < 0) {
            return Err(AppError::field("placesTaken", "must not be negative"));
        }
        match self.cost_cents.flatten() {
            Some(c) if c < 0 => return Err(AppError::field("costCents", "must not be negative")),
            Some(c) if c > 1_000_000 => {
                return Err(AppError::field(
                    "costCents",
                    "must be at most 1000000 (EUR 10,000)",
                ));
            }
            _ => {}
        }
        for (field, age) in [("minAge", self.min_age), ("maxAge", self.max_age)] {
            if age.flatten().is_some_and(|a| !(0..=120).contains(&a)) {
                return Err(AppError::field(field, "must be between 0 and 120"));
            }
        }
        if self
            .hc_year
            .flatten()
            .is_some_and(|y| !(1..=3).contains(&y))
        {
            return Err(AppError::field("herstelcirkel.year", "must be 1, 2 or 3"));
        }
        Ok(())
    }
}

const DAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/// Parses a schedule (at most 10 periods; dated periods in order without overlap); errors
/// name `schedule.<index>.<field>`.
pub fn parse_schedule(periods: &[SchedulePeriodFields]) -> AppResult<Vec<PeriodPatch>> {
    if periods.len() > 10 {
        return Err(AppError::field("schedule", "at most 10 periods"));
    }
    let parsed: Vec<PeriodPatch> = periods
        .iter()
        .enumerate()
        .map(|(i, p)| PeriodPatch::parse(p).map_err(|e| e.in_field(&format!("schedule.{i}"))))
        .collect::<AppResult<_>>()?;
    let phases: Vec<_> = parsed
        .iter()
        .map(|p| (p.valid_from, p.valid_until))
        .collect();
    crate::domain::circle::check_phases(&phases).map_err(|e| e.in_field("schedule"))?;
    Ok(parsed)
}

impl PeriodPatch {
    /// Parses one period; errors name the field within the period (`closesAt`).
    pub fn parse(p: &SchedulePeriodFields) -> AppResult<Self> {
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
        let opens_at = TimeOfDay::parse(&p.opens_at).map_err(|e| e.in_field("opensAt"))?;
        let closes_at = TimeOfDay::parse(&p.closes_at).map_err(|e| e.in_field("closesAt"))?;
        if closes_at <= opens_at {
            return Err(AppError::field("closesAt", "must be after opensAt"));
        }
        Ok(Self {
            freq,
            interval: p.interval.unsigned_abs(),
            byday,
            opens_at,
            closes_at,
            description: optional_text(p.description.as_deref(), 200)
                .map_err(|e| e.in_field("description"))?,
            valid_from: p.valid_from,
            valid_until: p.valid_until,
        })
    }

    /// The period as stored.
    pub fn to_stored(&self) -> SchedulePeriod {
        SchedulePeriod {
            freq: self.freq.clone(),
            interval: self.interval,
            byday: self.byday.clone(),
            opens_at: self.opens_at.to_hhmm(),
            closes_at: self.closes_at.to_hhmm(),
            description: self.description.clone(),
            valid_from: self.valid_from,
            valid_until: self.valid_until,
        }
    }
}

fn parse_languages(langs: &[String]) -> AppResult<Vec<String>> {
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
    Ok(list)
}

fn parse_coaches(coaches: &[String]) -> AppResult<Vec<String>> {
    let list = coaches
        .iter()
        .enumerate()
        .map(|(i, c)| {
            required_text(c, 100).map_err(|e| e.in_field(&format!("herstelcirkel.coaches.{i}")))
        })
        .collect::<AppResult<Vec<_>>>()?;
    if list.len() > 20 {
        return Err(AppError::field(
            "herstelcirkel.coaches",
            "at most 20 coaches",
        ));
    }
    Ok(list)
}

fn parse_locations(locations: &[LocationFields]) -> AppResult<Vec<LocationPatch>> {
    if locations.len() > 20 {
        return Err(AppError::field("locations", "at most 20 locations"));
    }
    locations
        .iter()
        .enumerate()
        .map(|(i, l)| LocationPatch::parse(l).map_err(|e| e.in_field(&format!("locations.{i}"))))
        .collect()
}

impl LocationPatch {
    /// Parses one location; errors name the field within the location (`postcode`).
    pub fn parse(l: &LocationFields) -> AppResult<Self> {
        let postcode = match l
            .postcode
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            Some(raw) => Some(Postcode::parse(raw).map_err(|e| e.in_field("postcode"))?),
            None => None,
        };
        let point = match (l.lat, l.lon) {
            (Some(lat), Some(lon)) => {
                Some(geo::check_point(lat, lon).map_err(|e| e.in_field("lat"))?)
            }
            (Some(_), None) => return Err(AppError::field("lon", "is required with lat")),
            (None, Some(_)) => return Err(AppError::field("lat", "is required with lon")),
            // A place without a postcode or point may be a stored location (placed by its
            // point before); [`OfferDraft::apply`] decides. Nothing at all is an error here.
            (None, None)
                if postcode.is_none()
                    && [&l.name, &l.street, &l.city]
                        .iter()
                        .all(|v| v.as_deref().is_none_or(|v| v.trim().is_empty())) =>
            {
                return Err(AppError::field(
                    "postcode",
                    "a postcode or lat/lon is required",
                ));
            }
            (None, None) => None,
        };
        Ok(Self {
            name: optional_text(l.name.as_deref(), 200).map_err(|e| e.in_field("name"))?,
            street: optional_text(l.street.as_deref(), 200).map_err(|e| e.in_field("street"))?,
            postcode,
            city: optional_text(l.city.as_deref(), 100).map_err(|e| e.in_field("city"))?,
            point,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location() -> LocationFields {
        LocationFields {
            postcode: Some("6663 ab".into()),
            ..LocationFields::default()
        }
    }

    fn period() -> SchedulePeriodFields {
        SchedulePeriodFields {
            freq: "weekly".into(),
            interval: 2,
            byday: vec!["tu".into(), "TU".into()],
            opens_at: "14:00".into(),
            closes_at: "16:00".into(),
            description: None,
            valid_from: None,
            valid_until: None,
        }
    }

    /// The field path of the error `fields` give.
    fn path_of(fields: OfferFields) -> String {
        let e = OfferPatch::try_from(fields).expect_err("bad input is refused");
        assert!(matches!(e, AppError::BadInput { .. }), "{e:?}");
        e.field_name().unwrap_or_default().to_string()
    }

    #[test]
    fn good_fields_parse_into_domain_values() {
        let patch = OfferPatch::try_from(OfferFields {
            title: Some("  Wandelen ".into()),
            contact_email: Some(Some(" info@example.nl ".into())),
            contact_phone: Some(Some("   ".into())),
            cost_note: Some(Some(" ".into())),
            languages: Some(vec!["NL".into(), "nl".into(), "en".into()]),
            schedule: Some(vec![period()]),
            locations: Some(vec![location()]),
            hc_sounding_board: Some(vec![
                NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
                NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            ]),
            ..OfferFields::default()
        })
        .unwrap();
        assert_eq!(patch.title.as_deref(), Some("Wandelen"));
        assert_eq!(
            patch.contact_email,
            Some(Some(Email::parse("info@example.nl").unwrap()))
        );
        assert_eq!(patch.contact_phone, Some(None), "blank clears");
        assert_eq!(patch.cost_note, Some(None), "blank clears");
        assert_eq!(patch.description, None, "not given: unchanged");
        assert_eq!(patch.languages.unwrap(), ["nl", "en"]);
        let period = &patch.schedule.unwrap()[0];
        assert_eq!((period.freq.as_str(), period.interval), ("WEEKLY", 2));
        assert_eq!(period.byday, ["TU"]);
        assert_eq!(period.to_stored().opens_at, "14:00");
        let location = &patch.locations.unwrap()[0];
        assert_eq!(location.postcode.as_ref().unwrap().compact(), "6663AB");
        assert_eq!(
            location.point, None,
            "the postcode's point is looked up on apply"
        );
        assert_eq!(patch.hc_sounding_board.unwrap().len(), 2);
    }

    #[test]
    fn each_bad_field_names_its_path() {
        type Edit = fn(&mut OfferFields);
        let cases: Vec<(Edit, &str)> = vec![
            (|f| f.title = Some(" ".into()), "title"),
            (|f| f.description = Some("x".repeat(10_001)), "description"),
            (|f| f.cost_note = Some(Some("x".repeat(201))), "costNote"),
            (|f| f.cost_cents = Some(Some(-1)), "costCents"),
            (|f| f.cost_cents = Some(Some(1_000_001)), "costCents"),
            (|f| f.capacity = Some(Some(-1)), "capacity"),
            (|f| f.capacity = Some(Some(100_001)), "capacity"),
            (|f| f.places_taken = Some(-1), "placesTaken"),
            (|f| f.min_age = Some(Some(121)), "minAge"),
            (|f| f.max_age = Some(Some(-1)), "maxAge"),
            (|f| f.schedule = Some(vec![period(); 11]), "schedule"),
            (
                |f| {
                    f.schedule = Some(vec![
                        period(),
                        SchedulePeriodFields {
                            freq: "DAILY".into(),
                            ..period()
                        },
                    ])
                },
                "schedule.1.freq",
            ),
            (
                |f| {
                    f.schedule = Some(vec![SchedulePeriodFields {
                        interval: 13,
                        ..period()
                    }])
                },
                "schedule.0.interval",
            ),
            (
                |f| {
                    f.schedule = Some(vec![SchedulePeriodFields {
                        byday: vec!["TU".into(), "XX".into()],
                        ..period()
                    }])
                },
                "schedule.0.byday.1",
            ),
            (
                |f| {
                    f.schedule = Some(vec![SchedulePeriodFields {
                        opens_at: "25:00".into(),
                        ..period()
                    }])
                },
                "schedule.0.opensAt",
            ),
            (
                |f| {
                    f.schedule = Some(vec![SchedulePeriodFields {
                        closes_at: "13:00".into(),
                        ..period()
                    }])
                },
                "schedule.0.closesAt",
            ),
            (
                |f| {
                    f.schedule = Some(vec![SchedulePeriodFields {
                        description: Some("x".repeat(201)),
                        ..period()
                    }])
                },
                "schedule.0.description",
            ),
            (
                |f| f.schedule_note = Some(Some("x".repeat(501))),
                "scheduleNote",
            ),
            (
                |f| f.languages = Some(vec!["nl".into(), "dutch".into()]),
                "languages.1",
            ),
            (
                |f| f.accessibility = Some(Some("x".repeat(501))),
                "accessibility",
            ),
            (
                |f| f.how_to_join = Some(Some("x".repeat(2001))),
                "howToJoin",
            ),
            (
                |f| f.contact_name = Some(Some("x".repeat(201))),
                "contactName",
            ),
            (
                |f| f.contact_email = Some(Some("info@example".into())),
                "contactEmail",
            ),
            (
                |f| f.contact_phone = Some(Some("javascript:1234567890".into())),
                "contactPhone",
            ),
            (|f| f.locations = Some(vec![location(); 21]), "locations"),
            (
                |f| {
                    f.locations = Some(vec![
                        location(),
                        LocationFields {
                            postcode: Some("0123 AB".into()),
                            ..location()
                        },
                    ])
                },
                "locations.1.postcode",
            ),
            (
                |f| f.locations = Some(vec![LocationFields::default()]),
                "locations.0.postcode",
            ),
            (
                |f| {
                    f.locations = Some(vec![LocationFields {
                        lat: Some(51.8),
                        ..LocationFields::default()
                    }])
                },
                "locations.0.lon",
            ),
            (
                |f| {
                    f.locations = Some(vec![LocationFields {
                        lon: Some(5.8),
                        ..LocationFields::default()
                    }])
                },
                "locations.0.lat",
            ),
            (
                |f| {
                    f.locations = Some(vec![LocationFields {
                        lat: Some(10.0),
                        lon: Some(5.8),
                        ..location()
                    }])
                },
                "locations.0.lat",
            ),
            (
                |f| {
                    f.locations = Some(vec![LocationFields {
                        name: Some("x".repeat(201)),
                        ..location()
                    }])
                },
                "locations.0.name",
            ),
            (
                |f| {
                    f.locations = Some(vec![LocationFields {
                        street: Some("x".repeat(201)),
                        ..location()
                    }])
                },
                "locations.0.street",
            ),
            (
                |f| {
                    f.locations = Some(vec![LocationFields {
                        city: Some("x".repeat(101)),
                        ..location()
                    }])
                },
                "locations.0.city",
            ),
            (|f| f.hc_year = Some(Some(4)), "herstelcirkel.year"),
            (
                |f| f.hc_coaches = Some(vec!["Ria".into(), " ".into()]),
                "herstelcirkel.coaches.1",
            ),
            (
                |f| f.hc_coaches = Some(vec!["Ria".into(); 21]),
                "herstelcirkel.coaches",
            ),
            (
                |f| f.hc_regisseur = Some(Some("x".repeat(201))),
                "herstelcirkel.regisseur",
            ),
        ];
        for (edit, path) in cases {
            let mut fields = OfferFields::default();
            edit(&mut fields);
            assert_eq!(path_of(fields.clone()), path, "{fields:?}");
        }
    }
}
