//! The offer form: the same fields for a new offer and an edit, read back into the services'
//! [`OfferFields`] and parsed into an [`OfferPatch`]. Input names are the services' field paths (`schedule.0.opensAt`), so their
//! errors land beside the input; only the cost is typed in euros (`cost`, error `costCents`).
//! Blank rows are left out before a list reaches a service; [`RowMap`] puts the service's
//! error back on the row it came from. The schedule rows ([`period_rows`], [`read_periods`])
//! carry their valid-from/until dates and are shared with the circle form. A Herstelcirkel's
//! roles, subgroups and the rest of its plan have their own form
//! ([`super::offer_circle_form`]); who an offer is for is part of this one
//! ([`super::offer_suitability::editor_fields`]).

use crate::ctx::Ctx;
use crate::form::{Errors, Field, FormData, choices};
use crate::labels::Label;
use api::domain::Suitability;
use api::error::{AppError, AppResult};
use api::services::offer::{LocationFields, OfferFields, OfferPatch, SchedulePeriodFields};
use api::services::offer_view::OfferView;
use chrono::NaiveDate;
use entities::json::SchedulePeriod;
use entities::{CostPeriod, Intake, LifeDomain, OfferKind, OfferStatus, TargetGroup};
use maud::{Markup, html};
use sea_orm::Iterable;
use std::collections::HashMap;

/// Day codes in week order.
const DAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/// Most schedule periods the form shows (the services' limit).
pub const MAX_PERIODS: usize = 10;
/// Most locations the form shows (the services' limit).
const MAX_LOCATIONS: usize = 20;

/// Moves a service error on `costCents` to the euro field `cost` of the form.
pub fn cost_field(e: AppError) -> AppError {
    crate::form::moved(e, "costCents", "cost")
}

/// A service error of the offer form on the field that shows it: the euro field for
/// `costCents`, the form row of a schedule period, the languages field for `languages.1`.
pub fn form_error(f: &FormData, e: AppError) -> AppError {
    let mut rows = RowMap::default();
    rows.insert("schedule", filled_rows(f, "schedule", MAX_PERIODS + 1));
    rows.insert("locations", filled_rows(f, "locations", MAX_LOCATIONS + 1));
    rows.error(cost_field(e))
}

/// Where the rows a service saw came from in the form. Blank rows are left out before a
/// list reaches a service, so its error on `evaluations.1.url` may be about form row 2.
#[derive(Debug, Default)]
pub struct RowMap(HashMap<String, Vec<usize>>);

/// Lists the form shows in one control (lines, comma-separated words or checkboxes): an
/// error on one entry (`coaches.2`) stands beside the whole control (`coaches`).
const ONE_CONTROL: &[&str] = &[
    "coaches",
    "regisseurs",
    "startMeetingInvited",
    "agreements",
    "byday",
    "languages",
    "commitments",
];

impl RowMap {
    /// Records that the list at `path` (in the services' numbering, e.g.
    /// `subgroups.1.schedule`) was read from the form rows `rows`, in order.
    pub fn insert(&mut self, path: impl Into<String>, rows: Vec<usize>) {
        self.0.insert(path.into(), rows);
    }

    /// The form's field for a service's field path: each row number as the form numbered
    /// it, and an entry of a one-control list as that control.
    pub fn form_field(&self, field: &str) -> String {
        let mut service = String::new();
        let mut out: Vec<String> = Vec::new();
        for seg in field.split('.') {
            let mapped = match (seg.parse::<usize>(), self.0.get(&service)) {
                (Ok(i), Some(rows)) => rows
                    .get(i)
                    .map_or_else(|| seg.to_string(), usize::to_string),
                _ => seg.to_string(),
            };
            if !service.is_empty() {
                service.push('.');
            }
            service.push_str(seg);
            out.push(mapped);
        }
        let one_control = out.len() >= 2
            && out[out.len() - 1].parse::<usize>().is_ok()
            && ONE_CONTROL.contains(&out[out.len() - 2].as_str());
        if one_control {
            out.pop();
        }
        out.join(".")
    }

    /// `e` on the form's field (other errors as they are).
    pub fn error(&self, e: AppError) -> AppError {
        match e {
            AppError::BadInput {
                field: Some(f),
                message,
            } => AppError::BadInput {
                field: Some(self.form_field(&f)),
                message,
            },
            other => other,
        }
    }
}

/// Whether form row `i` of the list `prefix` has anything typed in it (a period's interval
/// and frequency always have a value, so they do not count).
fn row_filled(f: &FormData, prefix: &str, i: usize) -> bool {
    let row = format!("{prefix}.{i}");
    let inside = format!("{row}.");
    f.0.iter().any(|(k, v)| {
        (*k == row || k.starts_with(&inside))
            && !v.trim().is_empty()
            && !k.ends_with(".interval")
            && !k.ends_with(".freq")
    })
}

/// The form rows of list `prefix` (among the first `max`) with anything typed in them.
pub fn filled_rows(f: &FormData, prefix: &str, max: usize) -> Vec<usize> {
    (0..max).filter(|i| row_filled(f, prefix, *i)).collect()
}

/// Parses euros as typed (`7,50`, `7.50`, `€ 7`) into cents.
pub fn parse_euros(raw: &str) -> AppResult<i32> {
    let s = raw.trim().trim_start_matches('€').trim().replace(',', ".");
    let bad = || AppError::field("cost", format!("'{raw}' is not an amount in euros"));
    let value: f64 = s.parse().map_err(|_| bad())?;
    if !(0.0..=10_000.0).contains(&value) {
        return Err(bad());
    }
    Ok((value * 100.0).round() as i32)
}

fn opt(f: &FormData, name: &str) -> Option<Option<String>> {
    Some(f.get(name).map(str::to_string))
}

/// A whole number typed in `name` (none when blank); the error names the field.
pub fn int(f: &FormData, name: &str) -> AppResult<Option<i32>> {
    f.get(name)
        .map(|v| {
            v.parse::<i32>()
                .map_err(|_| AppError::field(name, format!("'{v}' is not a whole number")))
        })
        .transpose()
}

/// A date typed in `name` (`YYYY-MM-DD`, as a date input sends it; none when blank).
pub fn date(f: &FormData, name: &str) -> AppResult<Option<NaiveDate>> {
    f.get(name)
        .map(|v| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| AppError::field(name, format!("'{v}' is not a date (YYYY-MM-DD)")))
        })
        .transpose()
}

fn parse_all<T>(f: &FormData, name: &str, parse: impl Fn(&str) -> Option<T>) -> AppResult<Vec<T>> {
    f.all(name)
        .into_iter()
        .map(|v| parse(v).ok_or_else(|| AppError::field(name, format!("unknown value '{v}'"))))
        .collect()
}

/// Reads the submitted form into a parsed patch (every field given, so the form replaces the
/// offer's values; blank rows of schedule and locations are dropped).
pub fn read(f: &FormData) -> AppResult<OfferPatch> {
    OfferPatch::try_from(fields_of(f)?)
}

/// The filled schedule rows of list `prefix` (`schedule`, `subgroups.0.schedule`) and the
/// form row each came from. A row with anything typed counts, so a forgotten time is an
/// error beside it rather than a row silently dropped.
pub fn read_periods(
    f: &FormData,
    prefix: &str,
) -> AppResult<(Vec<SchedulePeriodFields>, Vec<usize>)> {
    let rows = filled_rows(f, prefix, MAX_PERIODS + 1);
    let mut schedule = Vec::new();
    for i in &rows {
        let p = |k: &str| format!("{prefix}.{i}.{k}");
        schedule.push(SchedulePeriodFields {
            freq: f.get(&p("freq")).unwrap_or("WEEKLY").to_string(),
            interval: int(f, &p("interval"))?.unwrap_or(1),
            byday: f.all(&p("byday")).into_iter().map(str::to_string).collect(),
            opens_at: f.value(&p("opensAt")).to_string(),
            closes_at: f.value(&p("closesAt")).to_string(),
            description: f.get(&p("description")).map(str::to_string),
            valid_from: date(f, &p("validFrom"))?,
            valid_until: date(f, &p("validUntil"))?,
        });
    }
    Ok((schedule, rows))
}

/// The filled location rows.
fn location_rows(f: &FormData) -> Vec<LocationFields> {
    (0..=MAX_LOCATIONS)
        .map(|i| {
            let p = |k: &str| f.get(&format!("locations.{i}.{k}")).map(str::to_string);
            LocationFields {
                name: p("name"),
                street: p("street"),
                postcode: p("postcode"),
                city: p("city"),
                lat: None,
                lon: None,
            }
        })
        .filter(|l| {
            l.name.is_some() || l.street.is_some() || l.postcode.is_some() || l.city.is_some()
        })
        .collect()
}

/// The form as the services' raw fields.
fn fields_of(f: &FormData) -> AppResult<OfferFields> {
    let cost_cents = f.get("cost").map(parse_euros).transpose()?;
    Ok(OfferFields {
        title: Some(f.value("title").to_string()),
        description: Some(f.value("description").to_string()),
        kind: f.get("kind").and_then(OfferKind::from_str_opt),
        status: f.get("status").and_then(OfferStatus::from_str_opt),
        intake: f.get("intake").and_then(Intake::from_str_opt),
        cost_cents: Some(cost_cents),
        cost_period: Some(f.get("costPeriod").and_then(CostPeriod::from_str_opt)),
        cost_note: opt(f, "costNote"),
        capacity: Some(int(f, "capacity")?),
        places_taken: Some(int(f, "placesTaken")?.unwrap_or(0)),
        has_waitlist: Some(f.checked("hasWaitlist")),
        start_date: Some(date(f, "startDate")?),
        end_date: Some(date(f, "endDate")?),
        min_age: Some(int(f, "minAge")?),
        max_age: Some(int(f, "maxAge")?),
        schedule: Some(read_periods(f, "schedule")?.0),
        schedule_note: opt(f, "scheduleNote"),
        accessibility: opt(f, "accessibility"),
        how_to_join: opt(f, "howToJoin"),
        contact_name: opt(f, "contactName"),
        contact_email: opt(f, "contactEmail"),
        contact_phone: opt(f, "contactPhone"),
        life_domains: Some(parse_all(f, "lifeDomains", LifeDomain::from_str_opt)?),
        target_groups: Some(parse_all(f, "targetGroups", TargetGroup::from_str_opt)?),
        locations: Some(location_rows(f)),
        languages: Some(
            f.value("languages")
                .split([',', ' '])
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
        ),
        // A Herstelcirkel's own fields are its plan's (`setCirclePlan`, the circle form).
        ..OfferFields::default()
    })
}

/// Form values being collected, in input order.
#[derive(Default)]
struct Values(Vec<(String, String)>);

impl Values {
    fn put(&mut self, key: &str, value: impl Into<String>) {
        self.0.push((key.to_string(), value.into()));
    }

    /// An optional value; blank when absent.
    fn opt(&mut self, key: &str, value: Option<impl ToString>) {
        self.put(key, value.map(|v| v.to_string()).unwrap_or_default());
    }
}

/// The form's values from a stored offer and its suitability (for the first showing of an
/// edit).
pub fn values_of(v: &OfferView, suitability: &Suitability) -> FormData {
    let o = &v.offer;
    let mut out = Values::default();
    out.put("title", o.title.clone());
    out.put("description", o.description.clone());
    out.put("kind", o.kind.as_str());
    out.put("status", o.status.as_str());
    out.put("intake", o.intake.as_str());
    if let Some(c) = o.cost_cents.filter(|c| *c > 0) {
        out.put("cost", format!("{},{:02}", c / 100, c % 100));
    }
    if let Some(p) = o.cost_period {
        out.put("costPeriod", p.as_str());
    }
    out.opt("costNote", o.cost_note.as_ref());
    out.opt("capacity", o.capacity);
    out.put("placesTaken", o.places_taken.to_string());
    if o.has_waitlist {
        out.put("hasWaitlist", "1");
    }
    out.opt("startDate", o.start_date);
    out.opt("endDate", o.end_date);
    out.opt("minAge", o.min_age);
    out.opt("maxAge", o.max_age);
    period_values(&mut out.0, "schedule", &o.schedule.0);
    out.opt("scheduleNote", o.schedule_note.as_ref());
    out.put("languages", o.languages.0.join(", "));
    super::offer_suitability::editor_values(&mut out.0, suitability);
    for (i, l) in v.locations.iter().enumerate() {
        out.opt(&format!("locations.{i}.name"), l.name.as_ref());
        out.opt(&format!("locations.{i}.street"), l.street.as_ref());
        out.opt(&format!("locations.{i}.postcode"), l.postcode.as_ref());
        out.opt(&format!("locations.{i}.city"), l.city.as_ref());
    }
    for d in &v.life_domains {
        out.put("lifeDomains", d.as_str());
    }
    for g in &v.target_groups {
        out.put("targetGroups", g.as_str());
    }
    out.opt("howToJoin", o.how_to_join.as_ref());
    out.opt("contactName", o.contact_name.as_ref());
    out.opt("contactEmail", o.contact_email.as_ref());
    out.opt("contactPhone", o.contact_phone.as_ref());
    out.opt("accessibility", o.accessibility.as_ref());
    FormData(out.0)
}

/// The form values of stored schedule `periods` as the rows of list `prefix`.
pub fn period_values(out: &mut Vec<(String, String)>, prefix: &str, periods: &[SchedulePeriod]) {
    for (i, p) in periods.iter().enumerate() {
        let mut put = |k: &str, v: String| out.push((format!("{prefix}.{i}.{k}"), v));
        put("freq", p.freq.clone());
        put("interval", p.interval.to_string());
        for d in &p.byday {
            put("byday", d.clone());
        }
        put("opensAt", p.opens_at.clone());
        put("closesAt", p.closes_at.clone());
        put("description", p.description.clone().unwrap_or_default());
        put(
            "validFrom",
            p.valid_from.map(|d| d.to_string()).unwrap_or_default(),
        );
        put(
            "validUntil",
            p.valid_until.map(|d| d.to_string()).unwrap_or_default(),
        );
    }
}

fn vocab<T: Label + Copy>(
    ctx: &Ctx,
    values: impl Iterator<Item = T>,
    key: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    values
        .map(|v| (key(v).to_string(), v.label(ctx.lang).to_string()))
        .collect()
}

/// Whether the form was sent with a "nog een toevoegen" button (`add=schedule` or
/// `add=locations`): the page comes back with one more row, nothing is saved.
pub fn adds_row(f: &FormData) -> bool {
    f.get("add").is_some()
}

/// Number of rows of list `prefix` shown: up to the last filled one (at least one), and one
/// more when "nog een toevoegen" asked for it (`add=<prefix>`); at most `max`.
pub fn rows(f: &FormData, prefix: &str, max: usize) -> usize {
    let filled = filled_rows(f, prefix, max).last().map_or(0, |i| i + 1);
    let more = usize::from(f.get("add") == Some(prefix));
    (filled.max(1) + more).min(max)
}

/// The default button of a form with "add another" buttons, placed before them: Enter in a
/// field presses the first submit button of the form, which is then this one and saves (with
/// `label`, the form's own save button), instead of adding a row. Out of sight, out of the tab
/// order and hidden from screen readers: the visible save button stays at the end.
pub fn enter_saves(ctx: &Ctx, label: (&str, &str)) -> Markup {
    html! {
        button.visually-hidden type="submit" tabindex="-1" aria-hidden="true" { (ctx.t(label.0, label.1)) }
    }
}

/// The "nog een toevoegen" button of a group of rows: it sends the form back for one more
/// row (nothing is saved). `which` names the group for screen readers when a page has
/// several of the same ("subgroep 2").
pub fn add_button(ctx: &Ctx, group: &str, label: (&str, &str), which: Option<&str>) -> Markup {
    html! {
        p.add-row {
            button.secondary type="submit" name="add" value=(group) formnovalidate {
                (ctx.t(label.0, label.1))
                @if let Some(w) = which { span.visually-hidden { " (" (w) ")" } }
            }
        }
    }
}

/// The rows of schedule periods of list `prefix` (`schedule`, `subgroups.0.schedule`), each
/// with its frequency, days, times, remark and the dates it applies between, and the button
/// for one more. `which` names the list for screen readers where a page has several.
pub fn period_rows(
    ctx: &Ctx,
    f: &FormData,
    errors: &Errors,
    prefix: &str,
    which: Option<&str>,
) -> Markup {
    let freqs = vec![
        ("WEEKLY".to_string(), ctx.t("week", "week").to_string()),
        ("MONTHLY".to_string(), ctx.t("maand", "month").to_string()),
    ];
    let days: Vec<(String, String)> = DAYS
        .iter()
        .map(|d| (d.to_string(), crate::labels::day(ctx.lang, d).to_string()))
        .collect();
    html! {
        @for i in 0..rows(f, prefix, MAX_PERIODS) {
            @let n = |k: &str| format!("{prefix}.{i}.{k}");
            fieldset.period id=(crate::form::id_of(&format!("{prefix}.{i}"))) {
                legend {
                    (ctx.t("Vaste tijd", "Regular time")) " " (i + 1)
                    @if let Some(w) = which { span.visually-hidden { " (" (w) ")" } }
                }
                div.row {
                    (Field::new(&n("interval"), ctx.t("Elke", "Every")).kind("number").range(1, 12).value(match f.value(&n("interval")) { "" => "1", v => v }).input(errors))
                    (Field::new(&n("freq"), ctx.t("Periode", "Period")).value(f.value(&n("freq"))).select(errors, &freqs))
                    (Field::new(&n("opensAt"), ctx.t("Van", "From")).kind("time").value(f.value(&n("opensAt"))).input(errors))
                    (Field::new(&n("closesAt"), ctx.t("Tot", "Until")).kind("time").value(f.value(&n("closesAt"))).input(errors))
                }
                (choices(&n("byday"), ctx.t("Op", "On"), &days, &f.all(&n("byday")), errors, false))
                (Field::new(&n("description"), ctx.t("Opmerking", "Remark")).value(f.value(&n("description"))).input(errors))
                div.row {
                    (Field::new(&n("validFrom"), ctx.t("Geldt vanaf", "Applies from")).kind("date").value(f.value(&n("validFrom"))).input(errors))
                    (Field::new(&n("validUntil"), ctx.t("Geldt tot en met", "Applies until")).kind("date").value(f.value(&n("validUntil"))).input(errors))
                }
                p.hint { (ctx.t("Data leeg: deze tijd geldt altijd. Met data: bijvoorbeeld eerst om de week, daarna om de twee maanden; perioden met data staan op volgorde en overlappen niet.", "Dates empty: this time always applies. With dates: for example every other week first, every two months afterwards; dated periods go in order and do not overlap.")) }
            }
        }
        (add_button(ctx, prefix, ("Nog een tijd toevoegen", "Add another time"), which))
    }
}

/// The form fields (without the `<form>` element and buttons).
pub fn fields(ctx: &Ctx, f: &FormData, errors: &Errors) -> Markup {
    html! {
        (what(ctx, f, errors))
        (super::offer_suitability::editor_fields(ctx, f, errors))
        (places_and_cost(ctx, f, errors))
        (when(ctx, f, errors))
        (place(ctx, f, errors))
        (contact(ctx, f, errors))
    }
}

fn what(ctx: &Ctx, f: &FormData, errors: &Errors) -> Markup {
    let statuses: Vec<(String, String)> = OfferStatus::iter()
        .filter(|s| *s != OfferStatus::Ended)
        .map(|s| (s.as_str().to_string(), s.label(ctx.lang).to_string()))
        .collect();
    html! {
        h2 { (ctx.t("Wat", "What")) }
        (Field::new("title", ctx.t("Titel", "Title")).value(f.value("title")).required().input(errors))
        (Field::new("description", ctx.t("Beschrijving", "Description")).value(f.value("description")).textarea(errors, 5))
        (Field::new("kind", ctx.t("Soort", "Kind")).value(f.value("kind")).select(errors, &vocab(ctx, OfferKind::iter(), OfferKind::as_str)))
        (Field::new("status", ctx.t("Status", "Status")).value(f.value("status")).select(errors, &statuses))
        (choices("lifeDomains", ctx.t("Leefgebieden", "Life domains"), &vocab(ctx, LifeDomain::iter(), LifeDomain::as_str), &f.all("lifeDomains"), errors, false))
        (choices("targetGroups", ctx.t("Doelgroepen", "Target groups"), &vocab(ctx, TargetGroup::iter(), TargetGroup::as_str), &f.all("targetGroups"), errors, false))
    }
}

fn places_and_cost(ctx: &Ctx, f: &FormData, errors: &Errors) -> Markup {
    let mut periods = vec![(
        String::new(),
        ctx.t("geen bijdrage", "no contribution").to_string(),
    )];
    periods.extend(vocab(ctx, CostPeriod::iter(), CostPeriod::as_str));
    html! {
        h2 { (ctx.t("Plekken en kosten", "Places and cost")) }
        (Field::new("capacity", ctx.t("Capaciteit (deelnemers)", "Capacity (participants)")).kind("number").range(0, 100000).value(f.value("capacity")).hint(ctx.t("Leeg: geen vaste grens", "Empty: no fixed limit")).input(errors))
        (Field::new("placesTaken", ctx.t("Bezette plekken", "Places taken")).kind("number").range(0, 100000).value(f.value("placesTaken")).input(errors))
        (choices("hasWaitlist", ctx.t("Wachtlijst", "Waiting list"), &[("1".into(), ctx.t("Er is een wachtlijst als het vol is", "There is a waiting list when full").into())], &f.all("hasWaitlist"), errors, false))
        (Field::new("cost", ctx.t("Bijdrage in euro", "Contribution in euros")).value(f.value("cost")).inputmode("decimal").hint(ctx.t("Bijvoorbeeld 7,50. Leeg of 0: gratis", "For example 7.50. Empty or 0: free")).input(errors))
        (Field::new("costPeriod", ctx.t("Per", "Per")).value(f.value("costPeriod")).select(errors, &periods))
        (Field::new("costNote", ctx.t("Toelichting op de kosten", "Note on the cost")).value(f.value("costNote")).input(errors))
        (Field::new("intake", ctx.t("Aanmelden", "Sign-up")).value(f.value("intake")).select(errors, &vocab(ctx, Intake::iter(), Intake::as_str)))
        (Field::new("howToJoin", ctx.t("Zo meldt iemand zich aan", "How to join")).value(f.value("howToJoin")).textarea(errors, 2))
    }
}

fn when(ctx: &Ctx, f: &FormData, errors: &Errors) -> Markup {
    html! {
        h2 { (ctx.t("Wanneer", "When")) }
        (Field::new("startDate", ctx.t("Startdatum", "Start date")).kind("date").value(f.value("startDate")).input(errors))
        (Field::new("endDate", ctx.t("Einddatum", "End date")).kind("date").value(f.value("endDate")).input(errors))
        div id=(crate::form::id_of("schedule")) {
            @if let Some(e) = errors.get("schedule") { (crate::form::error_line(ctx.lang, "f-schedule-error", e)) }
            (period_rows(ctx, f, errors, "schedule", None))
        }
        (Field::new("scheduleNote", ctx.t("Over het rooster", "About the schedule")).value(f.value("scheduleNote")).hint(ctx.t("Bijvoorbeeld: niet in de schoolvakanties", "For example: not during school holidays")).input(errors))
    }
}

fn place(ctx: &Ctx, f: &FormData, errors: &Errors) -> Markup {
    html! {
        h2 { (ctx.t("Waar", "Where")) }
        @for i in 0..rows(f, "locations", MAX_LOCATIONS) {
            @let n = |k: &str| format!("locations.{i}.{k}");
            fieldset.period id=(crate::form::id_of(&format!("locations.{i}"))) {
                legend { (ctx.t("Locatie", "Location")) " " (i + 1) }
                (Field::new(&n("name"), ctx.t("Naam", "Name")).value(f.value(&n("name"))).input(errors))
                (Field::new(&n("street"), ctx.t("Straat en huisnummer", "Street and number")).value(f.value(&n("street"))).input(errors))
                (Field::new(&n("postcode"), ctx.t("Postcode", "Postcode")).value(f.value(&n("postcode"))).autocomplete("postal-code").input(errors))
                (Field::new(&n("city"), ctx.t("Plaats", "Town")).value(f.value(&n("city"))).input(errors))
            }
        }
        (add_button(ctx, "locations", ("Nog een locatie toevoegen", "Add another location"), None))
        (Field::new("accessibility", ctx.t("Toegankelijkheid", "Accessibility")).value(f.value("accessibility")).input(errors))
    }
}

fn contact(ctx: &Ctx, f: &FormData, errors: &Errors) -> Markup {
    html! {
        h2 { (ctx.t("Contact", "Contact")) }
        (Field::new("contactName", ctx.t("Contactpersoon", "Contact person")).value(f.value("contactName")).input(errors))
        (Field::new("contactEmail", ctx.t("E-mail", "E-mail")).kind("email").value(f.value("contactEmail")).input(errors))
        (Field::new("contactPhone", ctx.t("Telefoon", "Phone")).kind("tel").value(f.value("contactPhone")).input(errors))
    }
}

/// The link from the offer form to the circle form of a Herstelcirkel.
pub fn circle_link(ctx: &Ctx, o: &entities::offer::Model) -> Markup {
    html! {
        @if o.kind == OfferKind::Herstelcirkel {
            section.circle-link aria-labelledby="cirkelplan" {
                h2 #cirkelplan { (ctx.t("Herstelcirkel", "Recovery circle")) }
                p {
                    (ctx.t("Kwartiermaker, leefkrachtcoaches, regisseurs, klankbordgroep, subgroepen, partnerpraktijken, groepsgrootte en evaluaties: ", "Kwartiermaker, coaches, regisseurs, sounding board, subgroups, partner practices, group size and evaluations: "))
                    a href=(format!("/aanbod/{}/cirkel", crate::layout::encode(&o.id))) { (ctx.t("Herstelcirkel-plan wijzigen", "Change the circle plan")) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euros_are_read_the_dutch_and_the_english_way() {
        assert_eq!(parse_euros("7,50").unwrap(), 750);
        assert_eq!(parse_euros("€ 7.5").unwrap(), 750);
        assert_eq!(parse_euros("0").unwrap(), 0);
        assert!(parse_euros("zeven").is_err());
        assert!(parse_euros("-1").is_err());
    }

    #[test]
    fn blank_rows_are_dropped_and_days_kept() {
        let f = FormData(vec![
            ("title".into(), "Wandelen".into()),
            ("schedule.0.interval".into(), "2".into()),
            ("schedule.0.byday".into(), "TU".into()),
            ("schedule.0.opensAt".into(), "14:00".into()),
            ("schedule.0.closesAt".into(), "16:00".into()),
            ("schedule.1.interval".into(), "1".into()),
            ("locations.0.postcode".into(), "6663 AB".into()),
            ("locations.1.name".into(), "".into()),
        ]);
        let fields = read(&f).unwrap();
        let schedule = fields.schedule.unwrap();
        assert_eq!(schedule.len(), 1);
        assert_eq!(schedule[0].interval, 2);
        assert_eq!(schedule[0].byday, ["TU"]);
        assert_eq!(fields.locations.unwrap().len(), 1);
        assert_eq!(fields.cost_cents, Some(None));
    }

    #[test]
    fn service_errors_go_back_to_the_form_row_they_came_from() {
        let mut rows = RowMap::default();
        rows.insert("subgroups", vec![0, 2]);
        rows.insert("subgroups.1.schedule", vec![1]);
        assert_eq!(
            rows.form_field("subgroups.1.schedule.0.validFrom"),
            "subgroups.2.schedule.1.validFrom"
        );
        assert_eq!(
            rows.form_field("subgroups.0.activity"),
            "subgroups.0.activity"
        );
        assert_eq!(rows.form_field("coaches.3"), "coaches");
        assert_eq!(rows.form_field("schedule.0.byday.1"), "schedule.0.byday");
        assert_eq!(rows.form_field("groupMin"), "groupMin");

        // A blank row between two filled ones: the service's second period is form row 2.
        let f = FormData(vec![
            ("title".into(), "Wandelen".into()),
            ("schedule.0.opensAt".into(), "14:00".into()),
            ("schedule.0.closesAt".into(), "16:00".into()),
            ("schedule.1.interval".into(), "1".into()),
            ("schedule.2.opensAt".into(), "14:00".into()),
            ("schedule.2.closesAt".into(), "13:00".into()),
        ]);
        let e = read(&f).unwrap_err();
        assert_eq!(e.field_name(), Some("schedule.1.closesAt"));
        assert_eq!(form_error(&f, e).field_name(), Some("schedule.2.closesAt"));
    }
}
