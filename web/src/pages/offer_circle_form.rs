//! The editors' form of a Herstelcirkel's plan (`/aanbod/{id}/cirkel`, issue 19): the roles
//! (kwartiermaker, leefkrachtcoaches, regisseurs), year and Herstelcirkel+ link, group size,
//! the plenary schedule with its dated phases, the start meeting, subgroups with their own
//! schedules, the klankbordgroep's members and meetings, partner practices with their
//! agreement and evaluations.
//!
//! Every repeated part is a list of rows that works without JavaScript: the filled rows and
//! one blank, and a "nog een toevoegen" button that sends the form back with one more row
//! (nothing is saved). Input names are the service's field paths (`subgroups.0.schedule.1.validFrom`),
//! blank rows are left out before the plan reaches [`CirclePlan::parse`] and
//! [`circle::set_plan`] (the one place of the rules), and [`RowMap`] puts their errors back
//! beside the row they came from, with everything typed kept.

use crate::ctx::Ctx;
use crate::error::{OrPage, PageError, PageResult};
use crate::form::{Errors, Field, FormData, answer, choices, error_line, id_of};
use crate::layout::{encode, page};
use crate::pages::offer_form::{
    RowMap, add_button, date, enter_saves, filled_rows, int, period_rows, period_values,
    read_periods, rows,
};
use api::domain::GlobalId;
use api::domain::circle::{ACTIVITIES, AGREEMENTS, INVITEES, KLANKBORD_ROLES};
use api::error::{AppError, AppResult};
use api::read_model::OfferBundle;
use api::read_model::circle::CircleView;
use api::services::offer::circle::{
    self, CirclePlan, CirclePlanFields, EvaluationFields, KwartiermakerFields, PartnerFields,
};
use api::services::offer_view::OfferView;
use api::state::AppState;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use entities::{OfferKind, offer};
use maud::{Markup, html};

/// Most rows of each list the form shows (the service's limits).
const MAX_SUBGROUPS: usize = ACTIVITIES.len();
const MAX_MEMBERS: usize = 20;
const MAX_MEETINGS: usize = 30;
const MAX_PARTNERS: usize = 50;
const MAX_EVALUATIONS: usize = 20;
/// Most GP practices offered as partner practices.
const PRACTICES_SHOWN: u64 = 500;

/// The Dutch and English words of a code of the circle's fixed lists.
fn code_label(ctx: &Ctx, code: &str) -> String {
    crate::pages::offer_circle::code_label(ctx, code)
}

/// Non-blank lines of a textarea.
fn lines(f: &FormData, name: &str) -> Vec<String> {
    f.value(name)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// The submitted form as the service's plan fields, with where each kept row came from.
/// Errors of the form's own reading (a date, a whole number) name the form's field.
fn read(f: &FormData) -> AppResult<(CirclePlanFields, RowMap)> {
    let mut map = RowMap::default();
    let (schedule, schedule_rows) = read_periods(f, "schedule")?;
    map.insert("schedule", schedule_rows);

    let kwartiermaker = ["name", "organisation", "phone", "email"]
        .iter()
        .any(|k| f.get(&format!("kwartiermaker.{k}")).is_some())
        .then(|| KwartiermakerFields {
            name: f.value("kwartiermaker.name").to_string(),
            organisation: f.get("kwartiermaker.organisation").map(str::to_string),
            phone: f.get("kwartiermaker.phone").map(str::to_string),
            email: f.get("kwartiermaker.email").map(str::to_string),
        });

    let subgroup_rows = filled_rows(f, "subgroups", MAX_SUBGROUPS + 1);
    let mut subgroups = Vec::new();
    for (k, i) in subgroup_rows.iter().enumerate() {
        let (periods, period_rows) = read_periods(f, &format!("subgroups.{i}.schedule"))?;
        map.insert(format!("subgroups.{k}.schedule"), period_rows);
        subgroups.push((
            f.value(&format!("subgroups.{i}.activity")).to_string(),
            periods,
        ));
    }
    map.insert("subgroups", subgroup_rows);

    let member_rows = filled_rows(f, "klankbordMembers", MAX_MEMBERS + 1);
    let klankbord_members = member_rows
        .iter()
        .map(|i| {
            (
                f.value(&format!("klankbordMembers.{i}.role")).to_string(),
                f.get(&format!("klankbordMembers.{i}.name"))
                    .map(str::to_string),
            )
        })
        .collect();
    map.insert("klankbordMembers", member_rows);

    let mut klankbord_meetings = Vec::new();
    for i in filled_rows(f, "klankbordMeetings", MAX_MEETINGS + 1) {
        klankbord_meetings.extend(date(f, &format!("klankbordMeetings.{i}"))?);
    }

    let partner_rows = filled_rows(f, "partnerPractices", MAX_PARTNERS + 1);
    let mut partners = Vec::new();
    for i in &partner_rows {
        let p = |k: &str| format!("partnerPractices.{i}.{k}");
        partners.push(PartnerFields {
            organisation_id: f.value(&p("organisationId")).to_string(),
            agreed_on: date(f, &p("agreedOn"))?,
            agreements: f
                .all(&p("agreements"))
                .into_iter()
                .map(str::to_string)
                .collect(),
        });
    }
    map.insert("partnerPractices", partner_rows);

    let evaluation_rows = filled_rows(f, "evaluations", MAX_EVALUATIONS + 1);
    let mut evaluations = Vec::new();
    for i in &evaluation_rows {
        let e = |k: &str| format!("evaluations.{i}.{k}");
        evaluations.push(EvaluationFields {
            title: f.value(&e("title")).to_string(),
            url: f.value(&e("url")).to_string(),
            year: int(f, &e("year"))?.ok_or_else(|| AppError::field(e("year"), "is required"))?,
            outcome: f.get(&e("outcome")).map(str::to_string),
        });
    }
    map.insert("evaluations", evaluation_rows);

    let fields = CirclePlanFields {
        year: int(f, "year")?,
        previous_offer_id: f.get("previousOfferId").map(str::to_string),
        kwartiermaker,
        coaches: lines(f, "coaches"),
        regisseurs: lines(f, "regisseurs"),
        start_meeting: date(f, "startMeeting")?,
        start_meeting_invited: f
            .all("startMeetingInvited")
            .into_iter()
            .map(str::to_string)
            .collect(),
        klankbord_members,
        klankbord_meetings,
        group_min: int(f, "groupMin")?,
        group_max: int(f, "groupMax")?,
        subgroups,
        partners,
        evaluations,
        schedule: Some(schedule),
    };
    Ok((fields, map))
}

/// The form's values of the stored plan; without one, what the offer itself says of its
/// circle (year, coaches, start meeting, sounding-board dates), so a first save keeps it.
fn values_of(o: &offer::Model, c: Option<&CircleView>) -> FormData {
    fn put(out: &mut Vec<(String, String)>, k: impl Into<String>, v: impl Into<String>) {
        out.push((k.into(), v.into()));
    }
    fn opt(v: Option<impl ToString>) -> String {
        v.map(|v| v.to_string()).unwrap_or_default()
    }
    let mut out: Vec<(String, String)> = Vec::new();
    let Some(p) = c.map(|c| &c.plan) else {
        put(&mut out, "year", opt(o.hc_year));
        put(&mut out, "coaches", o.hc_coaches.0.join("\n"));
        put(&mut out, "startMeeting", opt(o.hc_start_meeting));
        for (i, d) in o.hc_sounding_board.0.iter().enumerate() {
            put(&mut out, format!("klankbordMeetings.{i}"), d.to_string());
        }
        period_values(&mut out, "schedule", &o.schedule.0);
        return FormData(out);
    };
    put(&mut out, "year", opt(p.year));
    put(
        &mut out,
        "previousOfferId",
        opt(p.previous_offer_id.as_ref()),
    );
    put(
        &mut out,
        "kwartiermaker.name",
        opt(p.kwartiermaker_name.as_ref()),
    );
    put(
        &mut out,
        "kwartiermaker.organisation",
        opt(p.kwartiermaker_organisation.as_ref()),
    );
    put(
        &mut out,
        "kwartiermaker.phone",
        opt(p.kwartiermaker_phone.as_ref()),
    );
    put(
        &mut out,
        "kwartiermaker.email",
        opt(p.kwartiermaker_email.as_ref()),
    );
    put(&mut out, "coaches", p.coaches.0.join("\n"));
    put(&mut out, "regisseurs", p.regisseurs.0.join("\n"));
    put(&mut out, "startMeeting", opt(p.start_meeting));
    for code in &p.start_meeting_invited.0 {
        put(&mut out, "startMeetingInvited", code.clone());
    }
    put(&mut out, "groupMin", opt(p.group_min));
    put(&mut out, "groupMax", opt(p.group_max));
    period_values(&mut out, "schedule", &o.schedule.0);
    for (i, s) in p.subgroups.0.iter().enumerate() {
        put(
            &mut out,
            format!("subgroups.{i}.activity"),
            s.activity.clone(),
        );
        period_values(&mut out, &format!("subgroups.{i}.schedule"), &s.schedule);
    }
    for (i, m) in p.klankbord_members.0.iter().enumerate() {
        put(
            &mut out,
            format!("klankbordMembers.{i}.role"),
            m.role.clone(),
        );
        put(
            &mut out,
            format!("klankbordMembers.{i}.name"),
            opt(m.name.as_ref()),
        );
    }
    for (i, d) in p.klankbord_meetings.0.iter().enumerate() {
        put(&mut out, format!("klankbordMeetings.{i}"), d.to_string());
    }
    for (i, pp) in p.partners.0.iter().enumerate() {
        let n = |k: &str| format!("partnerPractices.{i}.{k}");
        put(&mut out, n("organisationId"), pp.organisation_id.clone());
        put(&mut out, n("agreedOn"), opt(pp.agreed_on));
        for a in &pp.agreements {
            put(&mut out, n("agreements"), a.clone());
        }
    }
    for (i, e) in p.evaluations.0.iter().enumerate() {
        let n = |k: &str| format!("evaluations.{i}.{k}");
        put(&mut out, n("title"), e.title.clone());
        put(&mut out, n("url"), e.url.clone());
        put(&mut out, n("year"), e.year.to_string());
        put(&mut out, n("outcome"), opt(e.outcome.as_ref()));
    }
    FormData(out)
}

/// The choices of the form that come from the node: other Herstelcirkels of the
/// organisation (for "previous year") and GP practices (for partner practices), as
/// `(id, name)`.
struct Options {
    previous: Vec<(String, String)>,
    practices: Vec<(String, String)>,
}

impl Options {
    async fn load(state: &AppState, ctx: &Ctx, v: &OfferView, f: &FormData) -> AppResult<Self> {
        let mut previous = vec![(String::new(), ctx.t("geen", "none").to_string())];
        // Read with the visibility rule only: who may edit is `editable`'s one check.
        previous.extend(
            OfferBundle::of_organisation(&state.db, &v.organisation.id)
                .await?
                .into_iter()
                .filter(|b| b.is_readable_by(&ctx.actor))
                .filter(|b| b.offer.kind == OfferKind::Herstelcirkel && b.offer.id != v.offer.id)
                .map(|b| (b.offer.id, b.offer.title)),
        );
        let mut practices = vec![(
            String::new(),
            ctx.t("kies een praktijk", "choose a practice").to_string(),
        )];
        practices.extend(
            api::read_model::practices::gp_practices(&state.db, PRACTICES_SHOWN)
                .await?
                .into_iter()
                .map(|o| (o.id, o.name)),
        );
        // A value given (stored, or typed by hand) that is not among the choices stays
        // choosable, so nothing is lost; the service says what is wrong with it.
        let known = |list: &[(String, String)], id: &str| list.iter().any(|(k, _)| k == id);
        if let Some(id) = f.get("previousOfferId")
            && !known(&previous, id)
        {
            previous.push((id.to_string(), id.to_string()));
        }
        for i in 0..MAX_PARTNERS {
            if let Some(id) = f.get(&format!("partnerPractices.{i}.organisationId"))
                && !known(&practices, id)
            {
                practices.push((id.to_string(), id.to_string()));
            }
        }
        Ok(Self {
            previous,
            practices,
        })
    }
}

/// An error of a whole list (`subgroups`: "at most 4 entries") at the top of its rows, under
/// the id the error summary links to.
fn list_error(ctx: &Ctx, errors: &Errors, name: &str) -> Markup {
    html! {
        @if let Some(e) = errors.get(name) { (error_line(ctx.lang, &format!("{}-error", id_of(name)), e)) }
    }
}

fn roles(ctx: &Ctx, f: &FormData, errors: &Errors) -> Markup {
    html! {
        h2 { (ctx.t("Rollen", "Roles")) }
        fieldset.period id="f-kwartiermaker" {
            legend { (ctx.t("Kwartiermaker (contactpersoon voor verwijzers)", "Kwartiermaker (contact person for referrers)")) }
            (Field::new("kwartiermaker.name", ctx.t("Naam", "Name")).value(f.value("kwartiermaker.name")).input(errors))
            (Field::new("kwartiermaker.organisation", ctx.t("Organisatie", "Organisation")).value(f.value("kwartiermaker.organisation")).input(errors))
            (Field::new("kwartiermaker.phone", ctx.t("Telefoon", "Phone")).kind("tel").value(f.value("kwartiermaker.phone")).input(errors))
            (Field::new("kwartiermaker.email", ctx.t("E-mail", "E-mail")).kind("email").value(f.value("kwartiermaker.email")).input(errors))
        }
        (Field::new("coaches", ctx.t("Leefkrachtcoaches", "Coaches")).value(f.value("coaches")).hint(ctx.t("Eén naam per regel.", "One name per line.")).textarea(errors, 2))
        (Field::new("regisseurs", ctx.t("Regisseurs", "Regisseurs")).value(f.value("regisseurs")).hint(ctx.t("Eén naam per regel. De groep kiest de regisseurs uit de eigen deelnemers zodra de cirkel loopt; vul ze pas na de start in.", "One name per line. The group chooses its regisseurs from its own members once the circle runs; fill them in after the start.")).textarea(errors, 2))
    }
}

fn group(ctx: &Ctx, f: &FormData, errors: &Errors, options: &Options) -> Markup {
    html! {
        h2 { (ctx.t("Groep", "Group")) }
        (Field::new("year", ctx.t("Jaar (1, of 2-3 voor Herstelcirkel+)", "Year (1, or 2-3 for Herstelcirkel+)")).kind("number").range(1, 3).value(f.value("year")).input(errors))
        (Field::new("previousOfferId", ctx.t("Vorig jaar van deze groep (Herstelcirkel+)", "This group's previous year (Herstelcirkel+)")).value(f.value("previousOfferId")).select(errors, &options.previous))
        div.row {
            (Field::new("groupMin", ctx.t("Groepsgrootte minstens", "Group size at least")).kind("number").range(1, 200).value(f.value("groupMin")).input(errors))
            (Field::new("groupMax", ctx.t("Groepsgrootte hoogstens", "Group size at most")).kind("number").range(1, 200).value(f.value("groupMax")).input(errors))
        }
        p.hint { (ctx.t("Tot het minimum is bereikt, ziet een verwijzer hoeveel deelnemers de werving nog zoekt.", "Until the minimum is reached, referrers see how many participants recruitment still needs.")) }
    }
}

fn meetings(ctx: &Ctx, f: &FormData, errors: &Errors) -> Markup {
    let invitees: Vec<(String, String)> = INVITEES
        .iter()
        .map(|c| (c.to_string(), code_label(ctx, c)))
        .collect();
    html! {
        h2 { (ctx.t("Plenaire bijeenkomsten", "Plenary meetings")) }
        div id="f-schedule" {
            (list_error(ctx, errors, "schedule"))
            (period_rows(ctx, f, errors, "schedule", Some(ctx.t("plenair", "plenary"))))
        }
        (Field::new("startMeeting", ctx.t("Startbijeenkomst", "Start meeting")).kind("date").value(f.value("startMeeting")).input(errors))
        (choices("startMeetingInvited", ctx.t("Uitgenodigd voor de startbijeenkomst", "Invited to the start meeting"), &invitees, &f.all("startMeetingInvited"), errors, false))
    }
}

fn subgroups(ctx: &Ctx, f: &FormData, errors: &Errors) -> Markup {
    let mut activities = vec![(
        String::new(),
        ctx.t("kies een activiteit", "choose an activity")
            .to_string(),
    )];
    activities.extend(
        ACTIVITIES
            .iter()
            .map(|a| (a.to_string(), code_label(ctx, a))),
    );
    html! {
        h2 { (ctx.t("Subgroepen", "Subgroups")) }
        div id="f-subgroups" {
            (list_error(ctx, errors, "subgroups"))
            @for i in 0..rows(f, "subgroups", MAX_SUBGROUPS) {
                @let n = |k: &str| format!("subgroups.{i}.{k}");
                @let which = format!("{} {}", ctx.t("subgroep", "subgroup"), i + 1);
                fieldset.period id=(id_of(&format!("subgroups.{i}"))) {
                    legend { (ctx.t("Subgroep", "Subgroup")) " " (i + 1) }
                    (Field::new(&n("activity"), ctx.t("Activiteit", "Activity")).value(f.value(&n("activity"))).select(errors, &activities))
                    div id=(id_of(&n("schedule"))) {
                        (list_error(ctx, errors, &n("schedule")))
                        (period_rows(ctx, f, errors, &n("schedule"), Some(which.as_str())))
                    }
                }
            }
            (add_button(ctx, "subgroups", ("Nog een subgroep toevoegen", "Add another subgroup"), None))
        }
    }
}

fn klankbord(ctx: &Ctx, f: &FormData, errors: &Errors) -> Markup {
    let mut roles = vec![(
        String::new(),
        ctx.t("kies een rol", "choose a role").to_string(),
    )];
    roles.extend(
        KLANKBORD_ROLES
            .iter()
            .map(|r| (r.to_string(), code_label(ctx, r))),
    );
    html! {
        h2 { (ctx.t("Klankbordgroep", "Sounding board")) }
        p.hint { (ctx.t("Komt ongeveer drie keer per jaar samen: de kwartiermaker, de regisseur(s), een leefkrachtcoach, een deelnemer en een huisarts of POH.", "Meets about three times a year: the kwartiermaker, the regisseur(s), a coach, a participant and a GP or practice nurse.")) }
        div id="f-klankbordMembers" {
            (list_error(ctx, errors, "klankbordMembers"))
            @for i in 0..rows(f, "klankbordMembers", MAX_MEMBERS) {
                @let n = |k: &str| format!("klankbordMembers.{i}.{k}");
                fieldset.period id=(id_of(&format!("klankbordMembers.{i}"))) {
                    legend { (ctx.t("Lid", "Member")) " " (i + 1) }
                    div.row {
                        (Field::new(&n("role"), ctx.t("Rol", "Role")).value(f.value(&n("role"))).select(errors, &roles))
                        (Field::new(&n("name"), ctx.t("Naam (optioneel)", "Name (optional)")).value(f.value(&n("name"))).input(errors))
                    }
                }
            }
            (add_button(ctx, "klankbordMembers", ("Nog een lid toevoegen", "Add another member"), None))
        }
        div id="f-klankbordMeetings" {
            (list_error(ctx, errors, "klankbordMeetings"))
            @for i in 0..rows(f, "klankbordMeetings", MAX_MEETINGS) {
                @let n = format!("klankbordMeetings.{i}");
                (Field::new(&n, &format!("{} {}", ctx.t("Bijeenkomst", "Meeting"), i + 1)).kind("date").value(f.value(&n)).input(errors))
            }
            (add_button(ctx, "klankbordMeetings", ("Nog een bijeenkomst toevoegen", "Add another meeting"), None))
        }
    }
}

fn partners(ctx: &Ctx, f: &FormData, errors: &Errors, options: &Options) -> Markup {
    let agreements: Vec<(String, String)> = AGREEMENTS
        .iter()
        .map(|a| (a.to_string(), code_label(ctx, a)))
        .collect();
    html! {
        h2 { (ctx.t("Partnerpraktijken", "Partner practices")) }
        p.hint { (ctx.t("Huisartsenpraktijken die voor de cirkel werven, met de datum van de afspraken.", "GP practices that recruit for the circle, with the date of the agreement.")) }
        div id="f-partnerPractices" {
            (list_error(ctx, errors, "partnerPractices"))
            @for i in 0..rows(f, "partnerPractices", MAX_PARTNERS) {
                @let n = |k: &str| format!("partnerPractices.{i}.{k}");
                fieldset.period id=(id_of(&format!("partnerPractices.{i}"))) {
                    legend { (ctx.t("Praktijk", "Practice")) " " (i + 1) }
                    div.row {
                        (Field::new(&n("organisationId"), ctx.t("Huisartsenpraktijk", "GP practice")).value(f.value(&n("organisationId"))).select(errors, &options.practices))
                        (Field::new(&n("agreedOn"), ctx.t("Afspraken gemaakt op", "Agreed on")).kind("date").value(f.value(&n("agreedOn"))).input(errors))
                    }
                    (choices(&n("agreements"), ctx.t("Afspraken over", "Agreements on"), &agreements, &f.all(&n("agreements")), errors, false))
                }
            }
            (add_button(ctx, "partnerPractices", ("Nog een praktijk toevoegen", "Add another practice"), None))
        }
    }
}

fn evaluations(ctx: &Ctx, f: &FormData, errors: &Errors) -> Markup {
    html! {
        h2 { (ctx.t("Evaluaties", "Evaluations")) }
        p.hint { (ctx.t("Gepubliceerde evaluaties met een link; geen metingen van personen.", "Published evaluations with a link; no measurements of persons.")) }
        div id="f-evaluations" {
            (list_error(ctx, errors, "evaluations"))
            @for i in 0..rows(f, "evaluations", MAX_EVALUATIONS) {
                @let n = |k: &str| format!("evaluations.{i}.{k}");
                fieldset.period id=(id_of(&format!("evaluations.{i}"))) {
                    legend { (ctx.t("Evaluatie", "Evaluation")) " " (i + 1) }
                    (Field::new(&n("title"), ctx.t("Titel", "Title")).value(f.value(&n("title"))).input(errors))
                    div.row {
                        (Field::new(&n("url"), ctx.t("Link (https)", "Link (https)")).kind("url").value(f.value(&n("url"))).input(errors))
                        (Field::new(&n("year"), ctx.t("Jaar", "Year")).kind("number").range(1990, 2100).value(f.value(&n("year"))).input(errors))
                    }
                    (Field::new(&n("outcome"), ctx.t("Gepubliceerde uitkomst (optioneel, één regel)", "Published outcome (optional, one line)")).value(f.value(&n("outcome"))).input(errors))
                }
            }
            (add_button(ctx, "evaluations", ("Nog een evaluatie toevoegen", "Add another evaluation"), None))
        }
    }
}

fn form(ctx: &Ctx, v: &OfferView, f: &FormData, errors: &Errors, options: &Options) -> Markup {
    let o = &v.offer;
    page(
        ctx,
        &format!(
            "{}: {}",
            o.title,
            ctx.t("Herstelcirkel-plan", "circle plan")
        ),
        html! {
            p {
                a href=(format!("/aanbod/{}", encode(&o.id))) { (ctx.t("Terug naar het aanbod", "Back to the offer")) }
                " · "
                a href=(format!("/beheer/aanbod/{}", encode(&o.id))) { (ctx.t("Aanbod bewerken", "Edit the offer")) }
            }
            form.circle-form method="post" action=(format!("/aanbod/{}/cirkel", encode(&o.id))) {
                (errors.summary(ctx))
                (enter_saves(ctx, ("Opslaan", "Save")))
                input type="hidden" name="version" value=(f.get("version").map_or_else(|| o.version.to_string(), str::to_string));
                (roles(ctx, f, errors))
                (group(ctx, f, errors, options))
                (meetings(ctx, f, errors))
                (subgroups(ctx, f, errors))
                (klankbord(ctx, f, errors))
                (partners(ctx, f, errors, options))
                (evaluations(ctx, f, errors))
                p { button type="submit" { (ctx.t("Opslaan", "Save")) } }
            }
        },
    )
}

/// Loads a Herstelcirkel of this node for its editors; anyone else is refused.
async fn editable(state: &AppState, ctx: &Ctx, id: &str) -> Result<OfferView, PageError> {
    let v = super::manage::editable(state, ctx, id).await?;
    if v.offer.kind != OfferKind::Herstelcirkel {
        return Err(PageError::new(
            ctx,
            AppError::field(
                "id",
                "a circle plan belongs to an offer of kind herstelcirkel",
            ),
        ));
    }
    Ok(v)
}

/// `GET /aanbod/{id}/cirkel`: the circle form of a Herstelcirkel, for its editors.
pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> PageResult {
    let v = editable(&state, &ctx, &id).await?;
    let c = CircleView::load(&state.db, &ctx.actor, &v.offer)
        .await
        .or_page(&ctx)?;
    let values = values_of(&v.offer, c.as_ref());
    let options = Options::load(&state, &ctx, &v, &values)
        .await
        .or_page(&ctx)?;
    Ok(form(&ctx, &v, &values, &Errors::none(), &options).into_response())
}

/// `POST /aanbod/{id}/cirkel`: saves the plan through `setCirclePlan`'s service, or shows
/// the form again with one more row, or with the error beside its field.
pub async fn edit_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    f: FormData,
) -> PageResult {
    let v = editable(&state, &ctx, &id).await?;
    let options = Options::load(&state, &ctx, &v, &f).await.or_page(&ctx)?;
    if f.get("add").is_some() {
        return Ok(form(&ctx, &v, &f, &Errors::none(), &options).into_response());
    }
    let Some(version) = f.get("version").and_then(|v| v.parse().ok()) else {
        return Err(PageError::new(
            &ctx,
            AppError::bad_input("the form has no version; reload it"),
        ));
    };
    let gid = GlobalId::parse(&v.offer.id).or_page(&ctx)?;
    let result = match read(&f) {
        Ok((fields, map)) => match CirclePlan::parse(&fields) {
            Ok(plan) => circle::set_plan(&state, &ctx.actor, &gid, version, plan)
                .await
                .map_err(|e| map.error(e)),
            Err(e) => Err(map.error(e)),
        },
        Err(e) => Err(e),
    };
    answer(
        &ctx,
        result,
        |o| format!("/aanbod/{}#cirkel-titel", encode(&o.id)),
        |errors| form(&ctx, &v, &f, errors, &options),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> FormData {
        FormData(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn blank_rows_are_left_out_and_errors_find_their_row_again() {
        let f = form(&[
            ("schedule.0.interval", "1"),
            ("schedule.0.freq", "WEEKLY"),
            ("subgroups.0.activity", ""),
            ("subgroups.1.activity", "koken"),
            ("subgroups.1.schedule.0.interval", "1"),
            ("subgroups.1.schedule.1.opensAt", "10:00"),
            ("subgroups.1.schedule.1.closesAt", "09:00"),
            ("klankbordMembers.0.role", "kwartiermaker"),
            ("klankbordMeetings.0", ""),
            ("klankbordMeetings.1", "2027-04-06"),
            ("evaluations.0.title", ""),
            ("coaches", "A\n\n B "),
        ]);
        let (fields, map) = read(&f).unwrap();
        assert_eq!(fields.schedule.as_ref().map(Vec::len), Some(0));
        assert_eq!(fields.subgroups.len(), 1);
        assert_eq!(fields.subgroups[0].1.len(), 1);
        assert_eq!(fields.klankbord_meetings.len(), 1);
        assert!(fields.evaluations.is_empty());
        assert_eq!(fields.coaches, ["A", "B"]);
        assert!(fields.kwartiermaker.is_none());
        let e = CirclePlan::parse(&fields).unwrap_err();
        assert_eq!(
            map.error(e).field_name(),
            Some("subgroups.1.schedule.1.closesAt")
        );
    }

    #[test]
    fn a_bad_date_names_its_own_field() {
        let f = form(&[("partnerPractices.2.agreedOn", "gisteren")]);
        let e = read(&f).unwrap_err();
        assert_eq!(e.field_name(), Some("partnerPractices.2.agreedOn"));
    }
}
