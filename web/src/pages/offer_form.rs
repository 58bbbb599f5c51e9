//! The offer form: the same fields for a new offer and an edit, read back into the services'
//! [`OfferFields`] and parsed into an [`OfferPatch`]. Input names are the services' field paths (`schedule.0.opensAt`), so their
//! errors land beside the input; only the cost is typed in euros (`cost`, error `costCents`).

use crate::ctx::Ctx;
use crate::form::{Errors, Field, FormData, choices};
use crate::labels::Label;
use api::error::{AppError, AppResult};
use api::services::offer::{LocationFields, OfferFields, OfferPatch, SchedulePeriodFields};
use api::services::offer_view::OfferView;
use chrono::NaiveDate;
use entities::{CostPeriod, Intake, LifeDomain, OfferKind, OfferStatus, TargetGroup};
use maud::{Markup, html};
use sea_orm::Iterable;

/// Day codes in week order.
const DAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/// Moves a service error on `costCents` to the euro field `cost` of the form.
pub fn cost_field(e: AppError) -> AppError {
    crate::form::moved(e, "costCents", "cost")
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

fn int(f: &FormData, name: &str) -> AppResult<Option<i32>> {
    f.get(name)
        .map(|v| {
            v.parse::<i32>()
                .map_err(|_| AppError::field(name, format!("'{v}' is not a whole number")))
        })
        .transpose()
}

fn date(f: &FormData, name: &str) -> AppResult<Option<NaiveDate>> {
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

/// The filled schedule rows.
fn schedule_rows(f: &FormData) -> AppResult<Vec<SchedulePeriodFields>> {
    let mut schedule = Vec::new();
    for i in 0..11 {
        let p = |k: &str| format!("schedule.{i}.{k}");
        let (opens, closes) = (f.get(&p("opensAt")), f.get(&p("closesAt")));
        let days = f.all(&p("byday"));
        if opens.is_none() && closes.is_none() && days.is_empty() {
            continue;
        }
        schedule.push(SchedulePeriodFields {
            freq: f.get(&p("freq")).unwrap_or("WEEKLY").to_string(),
            interval: int(f, &p("interval"))?.unwrap_or(1),
            byday: days.into_iter().map(str::to_string).collect(),
            opens_at: opens.unwrap_or("").to_string(),
            closes_at: closes.unwrap_or("").to_string(),
            description: f.get(&p("description")).map(str::to_string),
            valid_from: None,
            valid_until: None,
        });
    }
    Ok(schedule)
}

/// The filled location rows.
fn location_rows(f: &FormData) -> Vec<LocationFields> {
    (0..21)
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
        schedule: Some(schedule_rows(f)?),
        schedule_note: opt(f, "scheduleNote"),
        accessibility: opt(f, "accessibility"),
        how_to_join: opt(f, "howToJoin"),
        contact_name: opt(f, "contactName"),
        contact_email: opt(f, "contactEmail"),
        contact_phone: opt(f, "contactPhone"),
        life_domains: Some(parse_all(f, "lifeDomains", LifeDomain::from_str_opt)?),
        target_groups: Some(parse_all(f, "targetGroups", TargetGroup::from_str_opt)?),
        locations: Some(location_rows(f)),
        hc_year: Some(int(f, "herstelcirkel.year")?),
        hc_coaches: Some(
            f.value("herstelcirkel.coaches")
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect(),
        ),
        hc_regisseur: opt(f, "herstelcirkel.regisseur"),
        hc_start_meeting: Some(date(f, "herstelcirkel.startMeeting")?),
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

/// The form's values from a stored offer (for the first showing of an edit).
pub fn values_of(v: &OfferView) -> FormData {
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
    schedule_values(&mut out, v);
    out.opt("scheduleNote", o.schedule_note.as_ref());
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
    out.opt("herstelcirkel.year", o.hc_year);
    out.put("herstelcirkel.coaches", o.hc_coaches.0.join(", "));
    out.opt("herstelcirkel.regisseur", o.hc_regisseur.as_ref());
    out.opt("herstelcirkel.startMeeting", o.hc_start_meeting);
    FormData(out.0)
}

fn schedule_values(out: &mut Values, v: &OfferView) {
    for (i, p) in v.offer.schedule.0.iter().enumerate() {
        out.put(&format!("schedule.{i}.freq"), p.freq.clone());
        out.put(&format!("schedule.{i}.interval"), p.interval.to_string());
        for d in &p.byday {
            out.put(&format!("schedule.{i}.byday"), d.clone());
        }
        out.put(&format!("schedule.{i}.opensAt"), p.opens_at.clone());
        out.put(&format!("schedule.{i}.closesAt"), p.closes_at.clone());
        out.opt(&format!("schedule.{i}.description"), p.description.as_ref());
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

/// Number of schedule rows / location rows shown: up to the last filled one (at least one),
/// and one more when "nog een toevoegen" asked for it.
fn rows(f: &FormData, prefix: &str, max: usize) -> usize {
    let filled = (0..max)
        .rev()
        .find(|i| {
            f.0.iter().any(|(k, v)| {
                k.starts_with(&format!("{prefix}.{i}."))
                    && !v.trim().is_empty()
                    && !k.ends_with(".interval")
                    && !k.ends_with(".freq")
            })
        })
        .map_or(0, |i| i + 1);
    let more = usize::from(f.get("add") == Some(prefix));
    (filled.max(1) + more).min(max)
}

/// The "nog een toevoegen" button of a group of rows: without JavaScript it sends the form
/// back for one more row (nothing is saved); `app.js` adds the row in place.
fn add_button(ctx: &Ctx, group: &str, label_nl: &str, label_en: &str) -> Markup {
    html! {
        p.add-row {
            button.secondary type="submit" name="add" value=(group) formnovalidate data-add-row=(group) {
                (ctx.t(label_nl, label_en))
            }
        }
    }
}

/// The form fields (without the `<form>` element and buttons).
pub fn fields(ctx: &Ctx, f: &FormData, errors: &Errors) -> Markup {
    html! {
        (what(ctx, f, errors))
        (places_and_cost(ctx, f, errors))
        (when(ctx, f, errors))
        (place(ctx, f, errors))
        (contact(ctx, f, errors))
        (circle(ctx, f, errors))
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
    let freqs = vec![
        ("WEEKLY".to_string(), ctx.t("week", "week").to_string()),
        ("MONTHLY".to_string(), ctx.t("maand", "month").to_string()),
    ];
    let days: Vec<(String, String)> = DAYS
        .iter()
        .map(|d| (d.to_string(), crate::labels::day(ctx.lang, d).to_string()))
        .collect();
    html! {
        h2 { (ctx.t("Wanneer", "When")) }
        (Field::new("startDate", ctx.t("Startdatum", "Start date")).kind("date").value(f.value("startDate")).input(errors))
        (Field::new("endDate", ctx.t("Einddatum", "End date")).kind("date").value(f.value("endDate")).input(errors))
        @for i in 0..rows(f, "schedule", 10) {
            @let n = |k: &str| format!("schedule.{i}.{k}");
            fieldset.period id=(crate::form::id_of(&format!("schedule.{i}"))) {
                legend { (ctx.t("Vaste tijd", "Regular time")) " " (i + 1) }
                div.row {
                    (Field::new(&n("interval"), ctx.t("Elke", "Every")).kind("number").range(1, 12).value(match f.value(&n("interval")) { "" => "1", v => v }).input(errors))
                    (Field::new(&n("freq"), ctx.t("Periode", "Period")).value(f.value(&n("freq"))).select(errors, &freqs))
                    (Field::new(&n("opensAt"), ctx.t("Van", "From")).kind("time").value(f.value(&n("opensAt"))).input(errors))
                    (Field::new(&n("closesAt"), ctx.t("Tot", "Until")).kind("time").value(f.value(&n("closesAt"))).input(errors))
                }
                (choices(&n("byday"), ctx.t("Op", "On"), &days, &f.all(&n("byday")), errors, false))
                (Field::new(&n("description"), ctx.t("Opmerking", "Remark")).value(f.value(&n("description"))).input(errors))
            }
        }
        (add_button(ctx, "schedule", "Nog een tijd toevoegen", "Add another time"))
        (Field::new("scheduleNote", ctx.t("Over het rooster", "About the schedule")).value(f.value("scheduleNote")).hint(ctx.t("Bijvoorbeeld: niet in de schoolvakanties", "For example: not during school holidays")).input(errors))
    }
}

fn place(ctx: &Ctx, f: &FormData, errors: &Errors) -> Markup {
    html! {
        h2 { (ctx.t("Waar", "Where")) }
        @for i in 0..rows(f, "locations", 20) {
            @let n = |k: &str| format!("locations.{i}.{k}");
            fieldset.period id=(crate::form::id_of(&format!("locations.{i}"))) {
                legend { (ctx.t("Locatie", "Location")) " " (i + 1) }
                (Field::new(&n("name"), ctx.t("Naam", "Name")).value(f.value(&n("name"))).input(errors))
                (Field::new(&n("street"), ctx.t("Straat en huisnummer", "Street and number")).value(f.value(&n("street"))).input(errors))
                (Field::new(&n("postcode"), ctx.t("Postcode", "Postcode")).value(f.value(&n("postcode"))).autocomplete("postal-code").input(errors))
                (Field::new(&n("city"), ctx.t("Plaats", "Town")).value(f.value(&n("city"))).input(errors))
            }
        }
        (add_button(ctx, "locations", "Nog een locatie toevoegen", "Add another location"))
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

fn circle(ctx: &Ctx, f: &FormData, errors: &Errors) -> Markup {
    html! {
        h2 { (ctx.t("Herstelcirkel", "Recovery circle")) }
        p.hint { (ctx.t("Alleen voor een Herstelcirkel.", "Only for a recovery circle.")) }
        (Field::new("herstelcirkel.year", ctx.t("Jaar (1, of 2-3 voor Herstelcirkel+)", "Year (1, or 2-3 for Herstelcirkel+)")).kind("number").range(1, 3).value(f.value("herstelcirkel.year")).input(errors))
        (Field::new("herstelcirkel.coaches", ctx.t("Leefkrachtcoaches", "Coaches")).value(f.value("herstelcirkel.coaches")).hint(ctx.t("Namen, gescheiden door komma's", "Names, separated by commas")).input(errors))
        (Field::new("herstelcirkel.regisseur", ctx.t("Regisseur", "Coordinator")).value(f.value("herstelcirkel.regisseur")).input(errors))
        (Field::new("herstelcirkel.startMeeting", ctx.t("Startbijeenkomst", "Start meeting")).kind("date").value(f.value("herstelcirkel.startMeeting")).input(errors))
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
}
