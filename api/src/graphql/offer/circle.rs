//! `Offer.circle` and `setCirclePlan`: a Herstelcirkel's roles, partner practices, subgroups,
//! start meeting, group size and recruiting state, Herstelcirkel+ links and evaluations
//! (issue 19). Practitioner-facing parts are null or empty for other readers
//! (`practitionerPartsHidden`).

use super::inputs::SchedulePeriodInput;
use super::types::{Offer, SchedulePeriod};
use crate::graphql::loaders::Loaders;
use crate::graphql::{actor, app, id_arg, input_error};
use crate::read_model::circle::CircleView;
use crate::services::offer::SchedulePeriodFields;
use crate::services::offer::circle::{
    self as svc, CirclePlan, CirclePlanFields, EvaluationFields, KwartiermakerFields, PartnerFields,
};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::NaiveDate;

/// A Herstelcirkel's plan: roles, how it runs, and its evaluations.
pub struct Circle(pub CircleView);

/// The kwartiermaker: the organising organisation's professional who recruits with GPs and
/// POH and welcomes each new participant. Practitioners only.
#[derive(SimpleObject)]
pub struct Kwartiermaker {
    /// Name of the kwartiermaker.
    pub name: Option<String>,
    /// Organisation the kwartiermaker works for.
    pub organisation: Option<String>,
    /// Phone number for practitioners.
    pub phone: Option<String>,
    /// E-mail address for practitioners.
    pub email: Option<String>,
}

/// A member of the klankbordgroep, by role.
#[derive(SimpleObject)]
pub struct KlankbordMember {
    /// `kwartiermaker`, `regisseur`, `leefkrachtcoach`, `participant` or `huisarts_poh`.
    pub role: String,
    /// Name of the member (for practitioners).
    pub name: Option<String>,
}

/// A subgroup around an activity with its own schedule.
#[derive(SimpleObject)]
pub struct CircleSubgroup {
    /// `koken`, `bewegen`, `ontspannen` or `informatie`.
    pub activity: String,
    /// The subgroup's own schedule periods.
    pub schedule: Vec<SchedulePeriod>,
}

/// A GP practice that recruits for the circle, with its agreement. Practitioners only.
#[derive(SimpleObject)]
pub struct PartnerPractice {
    /// Global id of the GP practice.
    pub organisation_id: ID,
    /// Name of the GP practice.
    pub name: String,
    /// Date of the agreement.
    pub agreed_on: Option<NaiveDate>,
    /// What was agreed: `responsibilities`, `research`, `check_ups`.
    pub agreements: Vec<String>,
}

/// A published evaluation (no individual measurements are stored).
#[derive(SimpleObject)]
pub struct CircleEvaluation {
    /// Title of the evaluation or report.
    pub title: String,
    /// An http(s) URL.
    pub url: String,
    /// Year it was published.
    pub year: i32,
    /// One published outcome, e.g. "90% meer grip op de eigen gezondheid".
    pub outcome: Option<String>,
}

/// Another year of the same group (Herstelcirkel+).
#[derive(SimpleObject)]
pub struct CircleYear {
    /// Global id of the offer of that year.
    pub offer_id: ID,
    /// Title of that offer.
    pub title: String,
    /// Year of the circle (1, or 2-3 for Herstelcirkel+).
    pub year: Option<i32>,
}

#[Object]
impl Circle {
    /// 1, or 2-3 for Herstelcirkel+.
    async fn year(&self) -> Option<i32> {
        self.0.plan.year
    }
    /// The same group's previous year, when readable.
    async fn previous_year(&self) -> Option<CircleYear> {
        self.0.previous.as_ref().map(year_of)
    }
    /// The same group's later years (Herstelcirkel+), when readable.
    async fn next_years(&self) -> Vec<CircleYear> {
        self.0.next.iter().map(year_of).collect()
    }
    /// The kwartiermaker (practitioners only; null for others).
    async fn kwartiermaker(&self) -> Option<Kwartiermaker> {
        let p = &self.0.plan;
        p.kwartiermaker_name.as_ref().map(|name| Kwartiermaker {
            name: Some(name.clone()),
            organisation: p.kwartiermaker_organisation.clone(),
            phone: p.kwartiermaker_phone.clone(),
            email: p.kwartiermaker_email.clone(),
        })
    }
    /// Leefkrachtcoaches guiding the circle.
    async fn coaches(&self) -> &[String] {
        &self.0.plan.coaches.0
    }
    /// Regisseurs chosen by the group from its members once it runs (practitioners only).
    async fn regisseurs(&self) -> &[String] {
        &self.0.plan.regisseurs.0
    }
    /// Date of the start meeting.
    async fn start_meeting(&self) -> Option<NaiveDate> {
        self.0.plan.start_meeting
    }
    /// Who is invited to the start meeting: `huisarts`, `poh`, `partners`.
    async fn start_meeting_invited(&self) -> &[String] {
        &self.0.plan.start_meeting_invited.0
    }
    /// Members of the klankbordgroep by role (practitioners only).
    async fn klankbord_members(&self) -> Vec<KlankbordMember> {
        self.0
            .plan
            .klankbord_members
            .0
            .iter()
            .map(|m| KlankbordMember {
                role: m.role.clone(),
                name: m.name.clone(),
            })
            .collect()
    }
    /// Dates of the klankbordgroep's meetings (three a year).
    async fn klankbord_meetings(&self) -> &[NaiveDate] {
        &self.0.plan.klankbord_meetings.0
    }
    /// Smallest group the circle starts with, e.g. 16.
    async fn group_min(&self) -> Option<i32> {
        self.0.plan.group_min
    }
    /// Largest group, e.g. 20.
    async fn group_max(&self) -> Option<i32> {
        self.0.plan.group_max
    }
    /// Participants still needed to reach `groupMin` while recruiting; null otherwise.
    async fn recruiting_need(&self) -> Option<i32> {
        self.0.recruiting_need
    }
    /// Subgroups around activities, each with its own schedule.
    async fn subgroups(&self) -> Vec<CircleSubgroup> {
        self.0
            .plan
            .subgroups
            .0
            .iter()
            .map(|s| CircleSubgroup {
                activity: s.activity.clone(),
                schedule: s.schedule.iter().map(SchedulePeriod::of).collect(),
            })
            .collect()
    }
    /// GP practices recruiting for the circle with their agreements (practitioners only).
    async fn partner_practices(&self) -> Vec<PartnerPractice> {
        self.0
            .partners
            .iter()
            .map(|p| PartnerPractice {
                organisation_id: ID(p.organisation_id.clone()),
                name: p.name.clone(),
                agreed_on: p.agreed_on,
                agreements: p.agreements.clone(),
            })
            .collect()
    }
    /// Published evaluations of the offer.
    async fn evaluations(&self) -> Vec<CircleEvaluation> {
        self.0
            .plan
            .evaluations
            .0
            .iter()
            .map(|e| CircleEvaluation {
                title: e.title.clone(),
                url: e.url.clone(),
                year: e.year,
                outcome: e.outcome.clone(),
            })
            .collect()
    }
    /// True when the practitioner-facing parts were left out for this reader (sign in as a
    /// practitioner, editor or admin to see them).
    async fn practitioner_parts_hidden(&self) -> bool {
        self.0.practitioner_parts_hidden
    }
}

fn year_of(l: &crate::read_model::circle::LinkedOffer) -> CircleYear {
    CircleYear {
        offer_id: ID(l.id.clone()),
        title: l.title.clone(),
        year: l.year,
    }
}

/// `Offer.circle`: the plan of `offer` as the request's actor sees it.
pub async fn of_offer(ctx: &Context<'_>, offer: &entities::offer::Model) -> Result<Option<Circle>> {
    let actor = actor(ctx)?;
    let parts = ctx
        .data::<Loaders>()?
        .circle_parts
        .load_one(offer.id.clone())
        .await?;
    Ok(parts.map(|p| Circle(CircleView::of_parts(p, actor, offer))))
}

/// The kwartiermaker: a contact person of the offer for practitioners.
#[derive(InputObject, Clone, Debug)]
pub struct KwartiermakerInput {
    /// Name of the kwartiermaker.
    pub name: String,
    /// Organisation the kwartiermaker works for.
    pub organisation: Option<String>,
    /// Phone number for practitioners.
    pub phone: Option<String>,
    /// E-mail address for practitioners.
    pub email: Option<String>,
}

/// A klankbord member by role (`kwartiermaker`, `regisseur`, `leefkrachtcoach`,
/// `participant`, `huisarts_poh`); the name is optional.
#[derive(InputObject, Clone, Debug)]
pub struct KlankbordMemberInput {
    /// Role in the klankbordgroep.
    pub role: String,
    /// Name of the member.
    pub name: Option<String>,
}

/// A subgroup: `koken`, `bewegen`, `ontspannen` or `informatie`, with its schedule.
#[derive(InputObject, Clone, Debug)]
pub struct CircleSubgroupInput {
    /// The activity: koken, bewegen, ontspannen or informatie.
    pub activity: String,
    /// The subgroup's own schedule periods.
    #[graphql(default)]
    pub schedule: Vec<SchedulePeriodInput>,
}

/// A partner practice: an organisation of kind GP_PRACTICE, the agreement date and what was
/// agreed (`responsibilities`, `research`, `check_ups`).
#[derive(InputObject, Clone, Debug)]
pub struct PartnerPracticeInput {
    /// Global id of the GP practice (an organisation of kind GP practice).
    pub organisation_id: ID,
    /// Date of the agreement.
    pub agreed_on: Option<NaiveDate>,
    /// What was agreed: responsibilities, research, check-ups.
    #[graphql(default)]
    pub agreements: Vec<String>,
}

/// An evaluation link: title, http(s) URL, year and an optional one-line outcome.
#[derive(InputObject, Clone, Debug)]
pub struct CircleEvaluationInput {
    /// Title of the evaluation or report.
    pub title: String,
    /// Where it can be read (http or https).
    pub url: String,
    /// Year it was published.
    pub year: i32,
    /// One published outcome, e.g. "90% more grip on their health" (no individual data).
    pub outcome: Option<String>,
}

/// A whole circle plan; it replaces the stored plan.
#[derive(InputObject, Clone, Debug, Default)]
pub struct CirclePlanInput {
    /// 1, or 2-3 for Herstelcirkel+ (then `previousOfferId` names year 1's offer).
    pub year: Option<i32>,
    /// The previous year's offer of the same group (Herstelcirkel+).
    pub previous_offer_id: Option<ID>,
    /// The kwartiermaker: the contact person who recruits with GPs and phones each newcomer.
    pub kwartiermaker: Option<KwartiermakerInput>,
    /// The leefkrachtcoaches guiding the circle.
    #[graphql(default)]
    pub coaches: Vec<String>,
    /// Only once the circle runs (status RUNNING/PAUSED, or OPEN/FULL after its start date).
    #[graphql(default)]
    pub regisseurs: Vec<String>,
    /// Date of the start meeting.
    pub start_meeting: Option<NaiveDate>,
    /// `huisarts`, `poh`, `partners`.
    #[graphql(default)]
    pub start_meeting_invited: Vec<String>,
    /// Members of the klankbordgroep by role.
    #[graphql(default)]
    pub klankbord_members: Vec<KlankbordMemberInput>,
    /// Dates the klankbordgroep meets (about three a year).
    #[graphql(default)]
    pub klankbord_meetings: Vec<NaiveDate>,
    /// Fewest participants the circle starts with.
    pub group_min: Option<i32>,
    /// Most participants the circle takes.
    pub group_max: Option<i32>,
    /// Subgroups around an activity, each with its own schedule.
    #[graphql(default)]
    pub subgroups: Vec<CircleSubgroupInput>,
    /// GP practices that recruit for the circle, with their agreement.
    #[graphql(default)]
    pub partner_practices: Vec<PartnerPracticeInput>,
    /// Published evaluations of the circle.
    #[graphql(default)]
    pub evaluations: Vec<CircleEvaluationInput>,
    /// The plenary schedule (periods may carry validFrom/validUntil); replaces the offer's
    /// schedule when given.
    pub schedule: Option<Vec<SchedulePeriodInput>>,
}

fn period(p: SchedulePeriodInput) -> SchedulePeriodFields {
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

impl From<CirclePlanInput> for CirclePlanFields {
    fn from(i: CirclePlanInput) -> Self {
        CirclePlanFields {
            year: i.year,
            previous_offer_id: i.previous_offer_id.map(|id| id.0),
            kwartiermaker: i.kwartiermaker.map(|k| KwartiermakerFields {
                name: k.name,
                organisation: k.organisation,
                phone: k.phone,
                email: k.email,
            }),
            coaches: i.coaches,
            regisseurs: i.regisseurs,
            start_meeting: i.start_meeting,
            start_meeting_invited: i.start_meeting_invited,
            klankbord_members: i
                .klankbord_members
                .into_iter()
                .map(|m| (m.role, m.name))
                .collect(),
            klankbord_meetings: i.klankbord_meetings,
            group_min: i.group_min,
            group_max: i.group_max,
            subgroups: i
                .subgroups
                .into_iter()
                .map(|s| (s.activity, s.schedule.into_iter().map(period).collect()))
                .collect(),
            partners: i
                .partner_practices
                .into_iter()
                .map(|p| PartnerFields {
                    organisation_id: p.organisation_id.0,
                    agreed_on: p.agreed_on,
                    agreements: p.agreements,
                })
                .collect(),
            evaluations: i
                .evaluations
                .into_iter()
                .map(|e| EvaluationFields {
                    title: e.title,
                    url: e.url,
                    year: e.year,
                    outcome: e.outcome,
                })
                .collect(),
            schedule: i.schedule.map(|s| s.into_iter().map(period).collect()),
        }
    }
}

/// The circle plan mutation.
#[derive(Default)]
pub struct CircleMutation;

#[Object]
impl CircleMutation {
    /// Sets the plan of a Herstelcirkel (replacing the stored plan); `version` must be the
    /// offer's current one. Bad input gives `BAD_USER_INPUT` naming the field under `input`.
    async fn set_circle_plan(
        &self,
        ctx: &Context<'_>,
        offer_id: ID,
        version: i32,
        input: CirclePlanInput,
    ) -> Result<Offer> {
        let (app, actor) = (app(ctx)?, actor(ctx)?);
        let id = id_arg(&offer_id, "offerId")?;
        let plan = CirclePlan::parse(&input.into()).map_err(|e| e.in_field("input"))?;
        let offer = svc::set_plan(app, actor, &id, version, plan)
            .await
            .map_err(input_error)?;
        Ok(Offer(offer))
    }
}
