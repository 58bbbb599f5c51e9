//! `setCirclePlan`: a Herstelcirkel's roles, partner practices, subgroups, start meeting,
//! group size, Herstelcirkel+ link, evaluations and plenary schedule (issue 19), written in one
//! transaction with the offer's optimistic version. [`CirclePlanFields`] is what an edge
//! (GraphQL, the editor form, the federation mirror, the demo seed) gives; [`CirclePlan::parse`]
//! turns it into domain types, each error naming its field (`evaluations.0.url`).

use super::edit::{begin_edit, save};
use super::patch::{PeriodPatch, SchedulePeriodFields, parse_schedule};
use crate::domain::circle::{self as rules, ACTIVITIES, AGREEMENTS, INVITEES, KLANKBORD_ROLES};
use crate::domain::{Actor, Email, GlobalId, Phone, WebUrl, optional_text, required_text};
use crate::error::{AppError, AppResult};
use crate::read_model::circle::CircleRecord;
use crate::read_model::derived;
use crate::services::Ctx;
use chrono::{NaiveDate, Utc};
use entities::json::{DateList, Schedule, StringList};
use entities::offer_circle::{
    Evaluation, Evaluations, KlankbordMember, KlankbordMembers, PartnerPractice, PartnerPractices,
    Subgroup, Subgroups,
};
use entities::{OfferKind, OrganisationKind, offer, offer_circle};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// The kwartiermaker as a client gives them.
#[derive(Clone, Debug, Default)]
pub struct KwartiermakerFields {
    pub name: String,
    pub organisation: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// A partner practice as a client gives it.
#[derive(Clone, Debug, Default)]
pub struct PartnerFields {
    pub organisation_id: String,
    pub agreed_on: Option<NaiveDate>,
    pub agreements: Vec<String>,
}

/// An evaluation link as a client gives it.
#[derive(Clone, Debug, Default)]
pub struct EvaluationFields {
    pub title: String,
    pub url: String,
    pub year: i32,
    pub outcome: Option<String>,
}

/// A circle plan as a client gives it; it replaces the stored plan whole.
#[derive(Clone, Debug, Default)]
pub struct CirclePlanFields {
    pub year: Option<i32>,
    pub previous_offer_id: Option<String>,
    pub kwartiermaker: Option<KwartiermakerFields>,
    pub coaches: Vec<String>,
    pub regisseurs: Vec<String>,
    pub start_meeting: Option<NaiveDate>,
    pub start_meeting_invited: Vec<String>,
    /// `(role, name)`.
    pub klankbord_members: Vec<(String, Option<String>)>,
    pub klankbord_meetings: Vec<NaiveDate>,
    pub group_min: Option<i32>,
    pub group_max: Option<i32>,
    /// `(activity, schedule)`.
    pub subgroups: Vec<(String, Vec<SchedulePeriodFields>)>,
    pub partners: Vec<PartnerFields>,
    pub evaluations: Vec<EvaluationFields>,
    /// The plenary schedule; replaces the offer's schedule when given.
    pub schedule: Option<Vec<SchedulePeriodFields>>,
}

/// The kwartiermaker, parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct Kwartiermaker {
    pub name: String,
    pub organisation: Option<String>,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
}

/// A circle plan, parsed: codes from their fixed lists, URLs through [`WebUrl`], ids through
/// [`GlobalId`], schedules through [`parse_schedule`], sizes and years in range.
#[derive(Clone, Debug, PartialEq)]
pub struct CirclePlan {
    pub year: Option<i32>,
    pub previous_offer_id: Option<GlobalId>,
    pub kwartiermaker: Option<Kwartiermaker>,
    pub coaches: Vec<String>,
    pub regisseurs: Vec<String>,
    pub start_meeting: Option<NaiveDate>,
    pub start_meeting_invited: Vec<String>,
    pub klankbord_members: Vec<KlankbordMember>,
    /// Sorted, each date once.
    pub klankbord_meetings: Vec<NaiveDate>,
    pub group_min: Option<i32>,
    pub group_max: Option<i32>,
    pub subgroups: Vec<(String, Vec<PeriodPatch>)>,
    pub partners: Vec<(GlobalId, Option<NaiveDate>, Vec<String>)>,
    pub evaluations: Vec<(String, WebUrl, i32, Option<String>)>,
    pub schedule: Option<Vec<PeriodPatch>>,
}

fn at<T>(r: AppResult<T>, field: &str) -> AppResult<T> {
    r.map_err(|e| e.in_field(field))
}

fn at_most<T>(list: &[T], max: usize, field: &str) -> AppResult<()> {
    if list.len() > max {
        return Err(AppError::field(field, format!("at most {max} entries")));
    }
    Ok(())
}

fn names(list: &[String], max: usize, field: &str) -> AppResult<Vec<String>> {
    at_most(list, max, field)?;
    list.iter()
        .enumerate()
        .map(|(i, n)| at(required_text(n, 100), &format!("{field}.{i}")))
        .collect()
}

fn codes(list: &[String], allowed: &[&str], field: &str) -> AppResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for (i, c) in list.iter().enumerate() {
        let c = at(rules::code(c, allowed), &format!("{field}.{i}"))?;
        if !out.contains(&c) {
            out.push(c);
        }
    }
    Ok(out)
}

impl CirclePlan {
    /// Parses a client's plan; errors name the field.
    pub fn parse(f: &CirclePlanFields) -> AppResult<Self> {
        if let Some(y) = f.year
            && !(1..=3).contains(&y)
        {
            return Err(AppError::field("year", "must be 1, 2 or 3"));
        }
        let (group_min, group_max) = group_size(f.group_min, f.group_max)?;
        at_most(&f.klankbord_members, 20, "klankbordMembers")?;
        at_most(&f.klankbord_meetings, 30, "klankbordMeetings")?;
        let mut meetings = f.klankbord_meetings.clone();
        meetings.sort();
        meetings.dedup();
        Ok(Self {
            year: f.year,
            previous_offer_id: f
                .previous_offer_id
                .as_deref()
                .map(|id| at(GlobalId::parse(id), "previousOfferId"))
                .transpose()?,
            kwartiermaker: f.kwartiermaker.as_ref().map(kwartiermaker).transpose()?,
            coaches: names(&f.coaches, 20, "coaches")?,
            regisseurs: names(&f.regisseurs, 5, "regisseurs")?,
            start_meeting: f.start_meeting,
            start_meeting_invited: codes(
                &f.start_meeting_invited,
                INVITEES,
                "startMeetingInvited",
            )?,
            klankbord_members: klankbord(&f.klankbord_members)?,
            klankbord_meetings: meetings,
            group_min,
            group_max,
            subgroups: subgroups(&f.subgroups)?,
            partners: partners(&f.partners)?,
            evaluations: evaluations(&f.evaluations)?,
            schedule: f.schedule.as_deref().map(parse_schedule).transpose()?,
        })
    }
}

fn group_size(min: Option<i32>, max: Option<i32>) -> AppResult<(Option<i32>, Option<i32>)> {
    for (v, field) in [(min, "groupMin"), (max, "groupMax")] {
        if v.is_some_and(|v| !(1..=200).contains(&v)) {
            return Err(AppError::field(field, "must be between 1 and 200"));
        }
    }
    if let (Some(a), Some(b)) = (min, max)
        && b < a
    {
        return Err(AppError::field("groupMax", "must not be below groupMin"));
    }
    Ok((min, max))
}

fn kwartiermaker(k: &KwartiermakerFields) -> AppResult<Kwartiermaker> {
    let field = "kwartiermaker";
    Ok(Kwartiermaker {
        name: at(required_text(&k.name, 100), &format!("{field}.name"))?,
        organisation: at(
            optional_text(k.organisation.as_deref(), 200),
            &format!("{field}.organisation"),
        )?,
        phone: k
            .phone
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .map(|p| at(Phone::parse(p), &format!("{field}.phone")))
            .transpose()?,
        email: k
            .email
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .map(|e| at(Email::parse(e), &format!("{field}.email")))
            .transpose()?,
    })
}

fn klankbord(members: &[(String, Option<String>)]) -> AppResult<Vec<KlankbordMember>> {
    members
        .iter()
        .enumerate()
        .map(|(i, (role, name))| {
            let field = format!("klankbordMembers.{i}");
            Ok(KlankbordMember {
                role: at(rules::code(role, KLANKBORD_ROLES), &format!("{field}.role"))?,
                name: at(
                    optional_text(name.as_deref(), 100),
                    &format!("{field}.name"),
                )?,
            })
        })
        .collect()
}

fn subgroups(
    list: &[(String, Vec<SchedulePeriodFields>)],
) -> AppResult<Vec<(String, Vec<PeriodPatch>)>> {
    at_most(list, ACTIVITIES.len(), "subgroups")?;
    let mut out: Vec<(String, Vec<PeriodPatch>)> = Vec::new();
    for (i, (activity, schedule)) in list.iter().enumerate() {
        let field = format!("subgroups.{i}");
        let activity = at(
            rules::code(activity, ACTIVITIES),
            &format!("{field}.activity"),
        )?;
        if out.iter().any(|(a, _)| *a == activity) {
            return Err(AppError::field(
                format!("{field}.activity"),
                "each activity has one subgroup",
            ));
        }
        out.push((activity, at(parse_schedule(schedule), &field)?));
    }
    Ok(out)
}

/// A partner practice as parsed: its id, the agreement date and what was agreed.
type ParsedPartner = (GlobalId, Option<NaiveDate>, Vec<String>);

fn partners(list: &[PartnerFields]) -> AppResult<Vec<ParsedPartner>> {
    at_most(list, 50, "partnerPractices")?;
    list.iter()
        .enumerate()
        .map(|(i, p)| {
            let field = format!("partnerPractices.{i}");
            Ok((
                at(
                    GlobalId::parse(&p.organisation_id),
                    &format!("{field}.organisationId"),
                )?,
                p.agreed_on,
                codes(&p.agreements, AGREEMENTS, &format!("{field}.agreements"))?,
            ))
        })
        .collect()
}

/// An evaluation as parsed: title, link, year and published outcome.
type ParsedEvaluation = (String, WebUrl, i32, Option<String>);

fn evaluations(list: &[EvaluationFields]) -> AppResult<Vec<ParsedEvaluation>> {
    at_most(list, 20, "evaluations")?;
    list.iter()
        .enumerate()
        .map(|(i, e)| {
            let field = format!("evaluations.{i}");
            if !(1990..=2100).contains(&e.year) {
                return Err(AppError::field(
                    format!("{field}.year"),
                    "must be between 1990 and 2100",
                ));
            }
            let outcome = at(
                optional_text(e.outcome.as_deref(), 200),
                &format!("{field}.outcome"),
            )?;
            if outcome.as_deref().is_some_and(|o| o.contains('\n')) {
                return Err(AppError::field(
                    format!("{field}.outcome"),
                    "must be one line",
                ));
            }
            Ok((
                at(required_text(&e.title, 200), &format!("{field}.title"))?,
                at(WebUrl::parse(&e.url), &format!("{field}.url"))?,
                e.year,
                outcome,
            ))
        })
        .collect()
}

/// Sets the circle plan of a Herstelcirkel of this node if `version` is current: checks the
/// regisseur rule against the offer's status and start date, the partner practices (existing
/// organisations of kind gp_practice) and the previous year's offer (another Herstelcirkel),
/// stores the plan, keeps the older `hc_*` columns in step and bumps the offer's version (so
/// the change feed carries it to peers). Returns the offer.
pub async fn set_plan(
    ctx: &Ctx,
    actor: &Actor,
    id: &GlobalId,
    version: i32,
    plan: CirclePlan,
) -> AppResult<offer::Model> {
    let (txn, mut model) = begin_edit(ctx, actor, id, version).await?;
    if model.kind != OfferKind::Herstelcirkel {
        return Err(AppError::field(
            "id",
            "a circle plan belongs to an offer of kind herstelcirkel",
        ));
    }
    let today = Utc::now().date_naive();
    rules::check_regisseurs(&plan.regisseurs, model.status, model.start_date, today)?;
    check_partners(&txn, &plan).await?;
    check_previous(&txn, &model, &plan).await?;
    write_row(&txn, &model.id, &plan).await?;
    model.hc_year = plan.year;
    model.hc_coaches = StringList(plan.coaches.clone());
    model.hc_regisseur = None;
    model.hc_start_meeting = plan.start_meeting;
    model.hc_sounding_board = DateList(plan.klankbord_meetings.clone());
    if let Some(schedule) = &plan.schedule {
        model.schedule = Schedule(schedule.iter().map(PeriodPatch::to_stored).collect());
    }
    save(&txn, &mut model, version).await?;
    derived::refresh_offers(&txn, &[&model.id]).await?;
    txn.commit().await?;
    Ok(model)
}

async fn check_partners(db: &impl ConnectionTrait, plan: &CirclePlan) -> AppResult<()> {
    let ids: Vec<String> = plan.partners.iter().map(|p| p.0.to_string()).collect();
    let found = crate::read_model::offer::organisations(db, ids.clone()).await?;
    for (i, id) in ids.iter().enumerate() {
        match found.get(id) {
            Some(o) if o.kind == OrganisationKind::GpPractice => {}
            Some(_) => {
                return Err(AppError::field(
                    format!("partnerPractices.{i}.organisationId"),
                    "must be a GP practice",
                ));
            }
            None => {
                return Err(AppError::field(
                    format!("partnerPractices.{i}.organisationId"),
                    "is not a known organisation",
                ));
            }
        }
    }
    Ok(())
}

async fn check_previous(
    db: &impl ConnectionTrait,
    model: &offer::Model,
    plan: &CirclePlan,
) -> AppResult<()> {
    let Some(previous) = &plan.previous_offer_id else {
        return Ok(());
    };
    let field = "previousOfferId";
    if previous.to_string() == model.id {
        return Err(AppError::field(field, "must be another offer"));
    }
    let found = offer::Entity::find_by_id(previous.to_string())
        .one(db)
        .await?;
    if found.is_none_or(|o| o.kind != OfferKind::Herstelcirkel) {
        return Err(AppError::field(
            field,
            "must be a Herstelcirkel of an earlier year",
        ));
    }
    if plan.year.is_some_and(|y| y < 2) {
        return Err(AppError::field(
            "year",
            "a continuation (Herstelcirkel+) is year 2 or 3",
        ));
    }
    Ok(())
}

/// Replaces the stored plan row of `offer_id` with `plan`.
async fn write_row(db: &impl ConnectionTrait, offer_id: &str, plan: &CirclePlan) -> AppResult<()> {
    offer_circle::Entity::delete_many()
        .filter(offer_circle::Column::OfferId.eq(offer_id))
        .exec(db)
        .await?;
    offer_circle::ActiveModel::from(plan_row(offer_id, plan))
        .insert(db)
        .await?;
    Ok(())
}

/// The stored row of `plan`.
fn plan_row(offer_id: &str, plan: &CirclePlan) -> offer_circle::Model {
    let k = plan.kwartiermaker.as_ref();
    offer_circle::Model {
        offer_id: offer_id.to_string(),
        year: plan.year,
        previous_offer_id: plan.previous_offer_id.as_ref().map(ToString::to_string),
        kwartiermaker_name: k.map(|k| k.name.clone()),
        kwartiermaker_organisation: k.and_then(|k| k.organisation.clone()),
        kwartiermaker_phone: k.and_then(|k| k.phone.as_ref().map(|p| p.as_str().to_string())),
        kwartiermaker_email: k.and_then(|k| k.email.as_ref().map(|e| e.as_str().to_string())),
        coaches: StringList(plan.coaches.clone()),
        regisseurs: StringList(plan.regisseurs.clone()),
        start_meeting: plan.start_meeting,
        start_meeting_invited: StringList(plan.start_meeting_invited.clone()),
        klankbord_members: KlankbordMembers(plan.klankbord_members.clone()),
        klankbord_meetings: DateList(plan.klankbord_meetings.clone()),
        group_min: plan.group_min,
        group_max: plan.group_max,
        subgroups: Subgroups(
            plan.subgroups
                .iter()
                .map(|(activity, schedule)| Subgroup {
                    activity: activity.clone(),
                    schedule: schedule.iter().map(PeriodPatch::to_stored).collect(),
                })
                .collect(),
        ),
        partners: PartnerPractices(
            plan.partners
                .iter()
                .map(|(id, agreed_on, agreements)| PartnerPractice {
                    organisation_id: id.to_string(),
                    agreed_on: *agreed_on,
                    agreements: agreements.clone(),
                })
                .collect(),
        ),
        evaluations: Evaluations(
            plan.evaluations
                .iter()
                .map(|(title, url, year, outcome)| Evaluation {
                    title: title.clone(),
                    url: url.as_str().to_string(),
                    year: *year,
                    outcome: outcome.clone(),
                })
                .collect(),
        ),
        updated_at: Utc::now(),
    }
}

/// A peer's circle record checked like a local plan ([`CirclePlan::parse`]: evaluation URLs
/// through [`WebUrl`], codes from their lists, schedules in order); returns the record as
/// parsed. The regisseur rule and the links are the origin node's (the record carries no
/// regisseurs).
pub fn check_received(r: &CircleRecord) -> AppResult<CircleRecord> {
    let plan = CirclePlan::parse(&record_fields(r)).map_err(|e| e.in_field("circle"))?;
    Ok(CircleRecord::of(&plan_row("", &plan)))
}

/// The plan of a public circle record (a peer's or an HSDS import's), parsed like a local
/// plan; errors name the field.
pub fn plan_of_record(r: &CircleRecord) -> AppResult<CirclePlan> {
    CirclePlan::parse(&record_fields(r))
}

/// A feed record as plan fields.
fn record_fields(r: &CircleRecord) -> CirclePlanFields {
    CirclePlanFields {
        year: r.year,
        previous_offer_id: r.previous_offer_id.clone(),
        coaches: r.coaches.clone(),
        start_meeting: r.start_meeting,
        start_meeting_invited: r.start_meeting_invited.clone(),
        klankbord_meetings: r.klankbord_meetings.clone(),
        group_min: r.group_min,
        group_max: r.group_max,
        subgroups: r
            .subgroups
            .iter()
            .map(|s| {
                (
                    s.activity.clone(),
                    s.schedule.iter().map(stored_fields).collect(),
                )
            })
            .collect(),
        evaluations: r
            .evaluations
            .iter()
            .map(|e| EvaluationFields {
                title: e.title.clone(),
                url: e.url.clone(),
                year: e.year,
                outcome: e.outcome.clone(),
            })
            .collect(),
        ..CirclePlanFields::default()
    }
}

fn stored_fields(p: &entities::json::SchedulePeriod) -> SchedulePeriodFields {
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

/// Stores the (checked) circle records of mirrored offers; an offer without one loses its
/// mirrored plan. Two statements per chunk of offers, however many there are.
pub async fn store_mirrored<'a>(
    db: &impl ConnectionTrait,
    records: impl Iterator<Item = (&'a str, Option<&'a CircleRecord>)>,
) -> AppResult<()> {
    let mut ids = Vec::new();
    let mut rows = Vec::new();
    for (offer_id, record) in records {
        ids.push(offer_id.to_string());
        if let Some(r) = record {
            let row = offer_circle::Model {
                previous_offer_id: r.previous_offer_id.clone(),
                ..plan_row(offer_id, &CirclePlan::parse(&record_fields(r))?)
            };
            rows.push(offer_circle::ActiveModel::from(row).reset_all());
        }
    }
    crate::db::delete_in::<offer_circle::Entity>(db, offer_circle::Column::OfferId, &ids).await?;
    crate::db::insert_all(db, rows, None).await?;
    Ok(())
}
