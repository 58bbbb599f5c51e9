//! Municipality insight (`/inzicht`): a gemeente's anonymous referral flows and its share of
//! group-based support against the region's, as SVG charts with the same figures in tables,
//! and CSV exports of every table (`/inzicht.csv?tabel=stromen|groep`, same parameters). For
//! analysts of the gemeente and node admins; figures are suppressed by
//! [`api::services::insight::suppress`].

use crate::charts::{self, Chart, Point, Series};
use crate::ctx::Ctx;
use crate::error::{OrPage, PageResult};
use crate::form::{Errors, Field};
use crate::i18n::Lang;
use crate::labels::Label;
use crate::layout::{encode, page};
use api::domain::AreaCode;
use api::error::{AppError, AppResult};
use api::services::coverage::CsvStyle;
use api::services::insight::{
    self as svc, Cell, FlowGroup, FlowQuery, Flows, Granularity, GroupShare, Period, Scope, Side,
};
use api::state::AppState;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum_extra::extract::Query;
use chrono::{Days, Months, NaiveDate, Utc};
use entities::{LifeDomain, OfferKind, StopReason};
use maud::{Markup, html};
use serde::Deserialize;

/// The form's fields (all optional; defaults: the analyst's gemeente, the last twelve months,
/// per month, to offers in the gemeente).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InsightParams {
    /// Gemeente: CBS code or name.
    gemeente: String,
    van: String,
    tot: String,
    /// `maand` or `kwartaal`.
    per: String,
    /// `periode`, `wijk`, `soort` or `leefgebied`.
    indeling: String,
    /// `aanbod` (to offers in the gemeente) or `praktijken` (from its practices).
    richting: String,
    /// For the CSV: `stromen` or `groep`.
    tabel: String,
}

/// What the page shows, parsed.
struct Asked {
    gemeente: AreaCode,
    name: String,
    period: Period,
    group_by: FlowGroup,
    side: Side,
}

fn date(raw: &str, field: &str, default: NaiveDate) -> AppResult<NaiveDate> {
    match raw.trim() {
        "" => Ok(default),
        s => s
            .parse()
            .map_err(|_| AppError::field(field, format!("'{s}' is not a date (YYYY-MM-DD)"))),
    }
}

async fn parse(state: &AppState, ctx: &Ctx, p: &InsightParams) -> AppResult<Asked> {
    let area = super::area_named(state, ctx.lang, &p.gemeente, "gemeente").await?;
    if area.kind != entities::AreaKind::Gemeente {
        return Err(AppError::field("gemeente", "choose a gemeente"));
    }
    let today = Utc::now().date_naive();
    let year_ago = today
        .checked_sub_months(Months::new(12))
        .and_then(|d| d.checked_add_days(Days::new(1)))
        .unwrap_or(today);
    let granularity = match p.per.as_str() {
        "kwartaal" => Granularity::Quarter,
        _ => Granularity::Month,
    };
    let from = date(&p.van, "van", year_ago)?;
    let to = date(&p.tot, "tot", today)?;
    let period =
        Period::new(from, to, granularity).map_err(|e| crate::form::moved(e, "to", "tot"))?;
    let group_by = match p.indeling.as_str() {
        "wijk" => FlowGroup::Wijk,
        "soort" => FlowGroup::Kind,
        "leefgebied" => FlowGroup::LifeDomain,
        _ => FlowGroup::Period,
    };
    let side = match p.richting.as_str() {
        "praktijken" => Side::FromPractices,
        _ => Side::ToOffers,
    };
    Ok(Asked {
        gemeente: AreaCode::parse(&area.code)?,
        name: area.name,
        period,
        group_by,
        side,
    })
}

/// The flows, the gemeente's share and (when in reach) the region's share.
async fn load(
    state: &AppState,
    ctx: &Ctx,
    a: &Asked,
) -> AppResult<(Flows, GroupShare, Option<GroupShare>)> {
    let q = FlowQuery {
        gemeente: a.gemeente.clone(),
        side: a.side,
        period: a.period,
        group_by: a.group_by,
    };
    let flows = svc::referral_flows(state, &ctx.actor, &q).await?;
    let own = svc::group_share(
        state,
        &ctx.actor,
        &Scope::Gemeente(a.gemeente.clone()),
        &a.period,
    )
    .await?;
    let region: Vec<AreaCode> = state
        .config
        .node
        .region
        .iter()
        .filter_map(|c| AreaCode::parse(c).ok())
        .collect();
    let region = if region.is_empty() {
        None
    } else {
        svc::group_share(state, &ctx.actor, &Scope::Region(region), &a.period)
            .await
            .ok()
    };
    Ok((flows, own, region))
}

fn options(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn form(ctx: &Ctx, p: &InsightParams, errors: &Errors) -> Markup {
    let per = options(&[
        ("maand", ctx.t("Maand", "Month")),
        ("kwartaal", ctx.t("Kwartaal", "Quarter")),
    ]);
    let indeling = options(&[
        (
            "periode",
            ctx.t("Per maand of kwartaal", "Per month or quarter"),
        ),
        ("wijk", ctx.t("Per wijk", "Per district")),
        ("soort", ctx.t("Per soort aanbod", "Per kind of offer")),
        ("leefgebied", ctx.t("Per leefgebied", "Per life domain")),
    ]);
    let richting = options(&[
        (
            "aanbod",
            ctx.t(
                "Naar aanbod in de gemeente",
                "To offers in the municipality",
            ),
        ),
        (
            "praktijken",
            ctx.t(
                "Vanuit praktijken in de gemeente",
                "From practices in the municipality",
            ),
        ),
    ]);
    html! {
        form.filters method="get" action="/inzicht" {
            (errors.summary(ctx))
            (Field::new("gemeente", ctx.t("Gemeente", "Municipality")).value(p.gemeente.clone())
                .hint(ctx.t("Naam of CBS-code, bijvoorbeeld GM0268", "Name or CBS code, for example GM0268"))
                .required().input(errors))
            (Field::new("van", ctx.t("Van (JJJJ-MM-DD)", "From (YYYY-MM-DD)")).value(p.van.clone()).input(errors))
            (Field::new("tot", ctx.t("Tot en met (JJJJ-MM-DD)", "Up to and including (YYYY-MM-DD)")).value(p.tot.clone()).input(errors))
            (Field::new("per", ctx.t("Stap", "Step")).value(p.per.clone()).select(errors, &per))
            (Field::new("indeling", ctx.t("Indeling", "Rows")).value(p.indeling.clone()).select(errors, &indeling))
            (Field::new("richting", ctx.t("Verwijzingen", "Referrals")).value(p.richting.clone()).select(errors, &richting))
            p { button type="submit" { (ctx.t("Toon inzicht", "Show insight")) } }
        }
    }
}

/// The query string of the asked figures (for the CSV links).
fn query(a: &Asked) -> String {
    let per = match a.period.granularity {
        Granularity::Month => "maand",
        Granularity::Quarter => "kwartaal",
    };
    let indeling = match a.group_by {
        FlowGroup::Period => "periode",
        FlowGroup::Wijk => "wijk",
        FlowGroup::Kind => "soort",
        FlowGroup::LifeDomain => "leefgebied",
    };
    let richting = match a.side {
        Side::ToOffers => "aanbod",
        Side::FromPractices => "praktijken",
    };
    format!(
        "gemeente={}&van={}&tot={}&per={per}&indeling={indeling}&richting={richting}",
        encode(a.gemeente.as_str()),
        a.period.from,
        a.period.to,
    )
}

/// A row key as people read it: a kind's or life domain's label, else as it is.
fn row_label(lang: Lang, group_by: FlowGroup, key: &str, label: &str) -> String {
    let unknown = match lang {
        Lang::Nl => "Onbekend",
        Lang::En => "Unknown",
    };
    match group_by {
        _ if key.is_empty() => unknown.to_string(),
        FlowGroup::Kind => OfferKind::from_str_opt(key)
            .map_or(label, |k| k.label(lang))
            .to_string(),
        FlowGroup::LifeDomain => LifeDomain::from_str_opt(key)
            .map_or(label, |d| d.label(lang))
            .to_string(),
        _ => label.to_string(),
    }
}

fn point(c: Cell) -> Point {
    Point {
        value: c.count().map(|n| n as f64),
        text: c.text(),
    }
}

fn percent(ctx: &Ctx, v: Option<f64>) -> String {
    v.map(|v| format!("{:.0}%", v * 100.0))
        .unwrap_or_else(|| ctx.t("niet getoond", "not shown").into())
}

fn days(ctx: &Ctx, v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}").replace('.', ctx.t(",", ".")))
        .unwrap_or_else(|| ctx.t("niet getoond", "not shown").into())
}

/// The flows: a chart of sent and accepted, the full table, stop reasons and the download.
fn flows_section(ctx: &Ctx, a: &Asked, f: &Flows) -> Markup {
    let labels: Vec<String> = f
        .rows
        .iter()
        .map(|r| row_label(ctx.lang, f.group_by, &r.key, &r.label))
        .collect();
    let chart = Chart {
        id: "stromen".into(),
        title: format!("{} {}", ctx.t("Verwijzingen in", "Referrals in"), a.name),
        description: ctx
            .t(
                "Verstuurde en geaccepteerde verwijzingen; aantallen onder 5 staan als < 5 in de tabel en ontbreken in de grafiek.",
                "Referrals sent and accepted; counts under 5 are shown as < 5 in the table and left out of the chart.",
            )
            .into(),
        labels,
        series: vec![
            Series { name: ctx.t("Verstuurd", "Sent").into(), points: f.rows.iter().map(|r| point(r.cell("sent"))).collect() },
            Series { name: ctx.t("Geaccepteerd", "Accepted").into(), points: f.rows.iter().map(|r| point(r.cell("accepted"))).collect() },
        ],
        percent: false,
    };
    let drawing = if f.group_by == FlowGroup::Period {
        charts::line(&chart)
    } else {
        charts::bar(&chart)
    };
    let heads = [
        ctx.t("Verstuurd", "Sent"),
        ctx.t("Geaccepteerd", "Accepted"),
        ctx.t("Gestart", "Started"),
        ctx.t("Afgerond", "Completed"),
        ctx.t("Gestopt", "Stopped"),
        ctx.t("Naar vol aanbod", "To a full offer"),
        ctx.t("Afgewezen", "Rejected"),
        ctx.t("Afgewezen: vol", "Rejected: full"),
        ctx.t("Afgewezen: anders", "Rejected: other"),
    ];
    html! {
        section aria-labelledby="stromen-kop" {
            h2 #stromen-kop { (chart.title) }
            figure.chart { (drawing) }
            table.figures #stromen-tabel {
                caption { (ctx.t("Verwijzingen en wat ervan werd", "Referrals and what became of them")) }
                thead { tr {
                    th scope="col" { (ctx.t("Rij", "Row")) }
                    @for h in heads { th scope="col" { (h) } }
                    th scope="col" { (ctx.t("Geaccepteerd %", "Accepted %")) }
                    th scope="col" { (ctx.t("Gestart %", "Started %")) }
                    th scope="col" { (ctx.t("Afgerond %", "Completed %")) }
                    th scope="col" { (ctx.t("Mediaan dagen tot acceptatie", "Median days to acceptance")) }
                    th scope="col" { (ctx.t("Mediaan dagen tot eerste bijeenkomst", "Median days to first meeting")) }
                } }
                tbody {
                    @for r in f.rows.iter().chain([&f.total]) {
                        tr {
                            th scope="row" { @if r.key == "total" { (ctx.t("Totaal", "Total")) } @else { (row_label(ctx.lang, f.group_by, &r.key, &r.label)) } }
                            @for c in &r.cells { td.number { (c.text()) } }
                            td.number { (percent(ctx, r.acceptance_rate)) }
                            td.number { (percent(ctx, r.start_rate)) }
                            td.number { (percent(ctx, r.completion_rate)) }
                            td.number { (days(ctx, r.median_days_to_accepted)) }
                            td.number { (days(ctx, r.median_days_to_first_meeting)) }
                        }
                    }
                }
            }
            p { a href=(format!("/inzicht.csv?{}&tabel=stromen", query(a))) download { (ctx.t("Download deze tabel als CSV", "Download this table as CSV")) } }
            table.figures #stopredenen {
                caption { (ctx.t("Gestopt, per reden", "Stopped, per reason")) }
                thead { tr { th scope="col" { (ctx.t("Reden", "Reason")) } th scope="col" { (ctx.t("Aantal", "Count")) } } }
                tbody {
                    @for (reason, c) in &f.stop_reasons {
                        tr { th scope="row" { (stop_label(ctx, *reason)) } td.number { (c.text()) } }
                    }
                }
            }
        }
    }
}

fn stop_label(ctx: &Ctx, r: Option<StopReason>) -> &'static str {
    match r {
        Some(StopReason::NotSuitable) => ctx.t("Paste niet", "Did not suit"),
        Some(StopReason::NoLongerWanted) => ctx.t("Wilde niet meer", "No longer wanted"),
        Some(StopReason::Moved) => ctx.t("Verhuisd", "Moved"),
        Some(StopReason::FoundOtherHelp) => ctx.t("Andere hulp gevonden", "Found other help"),
        Some(StopReason::Unreachable) => ctx.t("Niet bereikbaar", "Unreachable"),
        None => ctx.t("Geen reden gegeven", "No reason given"),
    }
}

/// The share of group-based support: a line per gemeente and region, a table, the download.
fn share_section(ctx: &Ctx, a: &Asked, own: &GroupShare, region: Option<&GroupShare>) -> Markup {
    let share_point = |r: &svc::ShareRow| Point {
        value: r.share,
        text: percent(ctx, r.share),
    };
    let mut series = vec![Series {
        name: a.name.clone(),
        points: own.rows.iter().map(share_point).collect(),
    }];
    if let Some(reg) = region {
        series.push(Series {
            name: ctx.t("Regio", "Region").into(),
            points: reg.rows.iter().map(share_point).collect(),
        });
    }
    let chart = Chart {
        id: "groep".into(),
        title: ctx.t("Aandeel groepsgerichte ondersteuning", "Share of group-based support").into(),
        description: ctx
            .t(
                "Deel van de verwijzingen naar Herstelcirkels, groepen, cursussen en inloop, per stap; niet getoond boven minder dan 5 verwijzingen.",
                "Share of referrals to recovery circles, groups, courses and walk-ins, per step; not shown over fewer than 5 referrals.",
            )
            .into(),
        labels: own.rows.iter().map(|r| r.key.clone()).collect(),
        series,
        percent: true,
    };
    html! {
        section aria-labelledby="groep-kop" {
            h2 #groep-kop { (chart.title) }
            figure.chart { (charts::line(&chart)) }
            (charts::table(&chart, ctx.t("Periode", "Period")))
            table.figures #groep-tabel {
                caption { (ctx.t("Verwijzingen naar groepsgericht en ander aanbod", "Referrals to group-based and other offers")) }
                thead { tr {
                    th scope="col" { (ctx.t("Periode", "Period")) }
                    th scope="col" { (ctx.t("Groepsgericht", "Group-based")) }
                    th scope="col" { (ctx.t("Ander aanbod", "Other offers")) }
                    th scope="col" { (ctx.t("Totaal", "Total")) }
                    th scope="col" { (ctx.t("Aandeel", "Share")) }
                } }
                tbody {
                    @for r in own.rows.iter().chain([&own.total]) {
                        tr {
                            th scope="row" { @if r.key == "total" { (ctx.t("Totaal", "Total")) } @else { (r.key) } }
                            td.number { (r.group_based.text()) }
                            td.number { (r.other.text()) }
                            td.number { (r.total.text()) }
                            td.number { (percent(ctx, r.share)) }
                        }
                    }
                }
            }
            p { a href=(format!("/inzicht.csv?{}&tabel=groep", query(a))) download { (ctx.t("Download deze tabel als CSV", "Download this table as CSV")) } }
        }
    }
}

/// `GET /inzicht`.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(mut p): Query<InsightParams>,
) -> PageResult {
    if matches!(ctx.actor, api::auth::Actor::Anonymous) {
        return Err(crate::error::PageError::new(
            &ctx,
            AppError::Unauthenticated,
        ));
    }
    if p.gemeente.trim().is_empty()
        && let api::auth::Actor::User(u) = &ctx.actor
        && let Some(own) = u.analyst_gemeenten().next()
    {
        p.gemeente = own.to_string();
    }
    let title = ctx.t("Inzicht in verwijzingen", "Referral insight");
    let note = html! {
        p.hint { (ctx.t(
            "Anonieme cijfers: aantallen van 1 tot 4 staan als < 5, en ook een ander vak wordt verborgen als dat kleine aantal anders uit het totaal terug te rekenen is. Percentages en medianen over minder dan 5 verwijzingen worden niet getoond. Er staan geen personen, praktijken of notities in.",
            "Anonymous figures: counts of 1 to 4 are shown as < 5, and another cell is hidden too when that small count could otherwise be worked out from the total. Rates and medians over fewer than 5 referrals are not shown. No persons, practices or notes are included.")) }
    };
    if p.gemeente.trim().is_empty() {
        return Ok(page(
            &ctx,
            title,
            html! { h1 { (title) } (note) (form(&ctx, &p, &Errors::none())) },
        )
        .into_response());
    }
    let result = match parse(&state, &ctx, &p).await {
        Ok(a) => load(&state, &ctx, &a).await.map(|r| (a, r)),
        Err(e) => Err(e),
    };
    match result {
        Ok((a, (flows, own, region))) => Ok(page(
            &ctx,
            title,
            html! {
                h1 { (title) ": " (a.name) }
                (note)
                (form(&ctx, &p, &Errors::none()))
                (flows_section(&ctx, &a, &flows))
                (share_section(&ctx, &a, &own, region.as_ref()))
            },
        )
        .into_response()),
        Err(e @ (AppError::Forbidden(_) | AppError::Unauthenticated)) => {
            Err(crate::error::PageError::new(&ctx, e))
        }
        Err(e) => {
            let errors = Errors::from_app(&ctx, e).or_page(&ctx)?;
            Ok((
                StatusCode::BAD_REQUEST,
                page(
                    &ctx,
                    title,
                    html! { h1 { (title) } (form(&ctx, &p, &errors)) },
                ),
            )
                .into_response())
        }
    }
}

/// The CSV style of a page's language (as `/dekking.csv`: Dutch spreadsheets get `;`, a decimal
/// comma and a byte order mark; column keys stay as in the API).
fn csv_style(lang: Lang) -> CsvStyle {
    match lang {
        Lang::En => CsvStyle::api(),
        Lang::Nl => CsvStyle {
            delimiter: b';',
            decimal_comma: true,
            byte_order_mark: true,
            header: None,
        },
    }
}

/// `GET /inzicht.csv?tabel=stromen|groep`: a table of the page as CSV.
pub async fn csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<InsightParams>,
) -> PageResult {
    let a = parse(&state, &ctx, &p).await.or_page(&ctx)?;
    let (flows, own, _) = load(&state, &ctx, &a).await.or_page(&ctx)?;
    let style = csv_style(ctx.lang);
    let (name, body) = match p.tabel.as_str() {
        "groep" => ("groepsgericht", svc::csv::share_csv(&own, &style)),
        _ => ("verwijzingen", svc::csv::flows_csv(&flows, &style)),
    };
    let body = body.or_page(&ctx)?;
    let file = format!(
        "{name}-{}-{}-{}.csv",
        a.gemeente, a.period.from, a.period.to
    );
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}
