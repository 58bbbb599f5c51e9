//! Coverage for municipalities (`/dekking`): per gemeente its wijken, per wijk its buurten, as
//! an SVG choropleth of active offers (or offers per 10,000 inhabitants, or residents in
//! gaps: the `kleur` select) with gaps hatched, a table of the same figures, the list of gaps
//! (most inhabitants first), and CSV / GeoJSON exports of exactly what is shown
//! (`/dekking.csv`, `/dekking/gaten.csv`, `/dekking.geojson`, same parameters). Population:
//! Bron: CBS; an unknown population is shown as "onbekend", never as 0.

use crate::ctx::Ctx;
use crate::error::{OrPage, PageResult};
use crate::form::{Errors, Field, moved};
use crate::i18n::Lang;
use crate::labels::Label;
use crate::layout::{encode, page};
use crate::map::{MapArea, Scale, choropleth_on};
use api::domain::AreaCode;
use api::error::{AppError, AppResult};
use api::services::coverage::{self, Coverage, CoverageQuery};
use api::state::AppState;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum_extra::extract::Query;
use entities::{AreaKind, LifeDomain, OfferKind};
use maud::{Markup, html};
use sea_orm::Iterable;
use serde::Deserialize;

/// Distances offered for gaps, in km.
const DISTANCES: [&str; 6] = ["0.5", "1", "1.5", "2", "3", "5"];

/// The coverage form's fields.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CoverageParams {
    /// Gemeente, wijk or buurt: CBS code or name.
    gebied: String,
    soort: String,
    domein: String,
    afstand: String,
    /// What colours the map: `aanbod` (default), `per10000` or `gaten`.
    kleur: String,
    /// "1": leave out offers not confirmed current for `[offers] stale_after_days`.
    bevestigd: String,
}

impl CoverageParams {
    /// The query string of these parameters (for export and drill-down links).
    fn query(&self, area: &str) -> String {
        let mut q = format!("gebied={}", encode(area));
        for (k, v) in [
            ("soort", &self.soort),
            ("domein", &self.domein),
            ("afstand", &self.afstand),
            ("kleur", &self.kleur),
            ("bevestigd", &self.bevestigd),
        ] {
            if !v.is_empty() {
                q.push_str(&format!("&{k}={}", encode(v)));
            }
        }
        q
    }
}

async fn run(state: &AppState, ctx: &Ctx, p: &CoverageParams) -> AppResult<Coverage> {
    let area = super::area_named(state, ctx.lang, &p.gebied, "gebied").await?;
    let kind = match p.soort.as_str() {
        "" => None,
        s => Some(
            OfferKind::from_str_opt(s)
                .ok_or_else(|| AppError::field("soort", format!("unknown kind '{s}'")))?,
        ),
    };
    let life_domain = match p.domein.as_str() {
        "" => None,
        s => Some(
            LifeDomain::from_str_opt(s)
                .ok_or_else(|| AppError::field("domein", format!("unknown life domain '{s}'")))?,
        ),
    };
    let distance_km = match p.afstand.trim() {
        "" => 1.5,
        s => s
            .replace(',', ".")
            .parse()
            .map_err(|_| AppError::field("afstand", format!("'{s}' is not a distance")))?,
    };
    coverage::coverage(
        state,
        &ctx.actor,
        CoverageQuery {
            area_code: AreaCode::parse(&area.code)?,
            kind,
            life_domain,
            distance_km,
            confirmed_since: (!p.bevestigd.is_empty()).then(|| {
                api::services::offer::freshness::stale_cutoff(
                    chrono::Utc::now(),
                    state.config.offers.stale_after_days,
                )
            }),
        },
    )
    .await
    .map_err(|e| moved(e, "distanceKm", "afstand"))
}

/// The area to show when none is asked: the analyst's own gemeente, else none.
fn default_area(ctx: &Ctx) -> Option<String> {
    match &ctx.actor {
        api::auth::Actor::User(u) => u.analyst_gemeenten().next().map(str::to_string),
        _ => None,
    }
}

fn options<T: Label + Copy>(
    lang: Lang,
    all: &str,
    values: impl Iterator<Item = T>,
    key: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), all.to_string())];
    out.extend(values.map(|v| (key(v).to_string(), v.label(lang).to_string())));
    out
}

fn form(ctx: &Ctx, p: &CoverageParams, errors: &Errors) -> Markup {
    let distances: Vec<(String, String)> = DISTANCES
        .iter()
        .map(|d| {
            (
                d.to_string(),
                format!("{} km", d.replace('.', ctx.t(",", "."))),
            )
        })
        .collect();
    html! {
        form.filters method="get" action="/dekking" {
            (errors.summary(ctx))
            (Field::new("gebied", ctx.t("Gemeente, wijk of buurt", "Municipality, district or neighbourhood"))
                .value(p.gebied.clone())
                .hint(ctx.t("Naam of CBS-code, bijvoorbeeld Nijmegen of GM0268", "Name or CBS code, for example Nijmegen or GM0268"))
                .required()
                .input(errors))
            (Field::new("soort", ctx.t("Soort aanbod", "Kind of offer")).value(p.soort.clone())
                .select(errors, &options(ctx.lang, ctx.t("Alle soorten", "All kinds"), OfferKind::iter(), OfferKind::as_str)))
            (Field::new("domein", ctx.t("Leefgebied", "Life domain")).value(p.domein.clone())
                .select(errors, &options(ctx.lang, ctx.t("Alle leefgebieden", "All life domains"), LifeDomain::iter(), LifeDomain::as_str)))
            (Field::new("afstand", ctx.t("Een buurt is een gat zonder aanbod binnen", "A neighbourhood is a gap without an offer within"))
                .value(if p.afstand.is_empty() { "1.5".to_string() } else { p.afstand.clone() })
                .select(errors, &distances))
            (Field::new("kleur", ctx.t("Kleur de kaart naar", "Colour the map by")).value(p.kleur.clone())
                .select(errors, &colourings(ctx)))
            // Fresh listings (issue 19): leave out offers not confirmed current.
            div.choice {
                input #f-bevestigd type="checkbox" name="bevestigd" value="1" checked[!p.bevestigd.is_empty()];
                label for="f-bevestigd" { (ctx.t("Alleen aanbod dat recent is bevestigd", "Only offers confirmed recently")) }
            }
            p { button type="submit" { (ctx.t("Toon dekking", "Show coverage")) } }
        }
    }
}

/// What the map can be coloured by (the `kleur` select).
fn colourings(ctx: &Ctx) -> Vec<(String, String)> {
    vec![
        (
            String::new(),
            ctx.t("Actief aanbod", "Active offers").to_string(),
        ),
        (
            "per10000".into(),
            ctx.t(
                "Aanbod per 10.000 inwoners",
                "Offers per 10,000 inhabitants",
            )
            .to_string(),
        ),
        (
            "gaten".into(),
            ctx.t("Inwoners in gaten", "Residents in gaps").to_string(),
        ),
    ]
}

/// A count of inhabitants: the number, or "onbekend" when unknown (never 0).
fn people(ctx: &Ctx, n: Option<i64>) -> String {
    n.map(|n| n.to_string())
        .unwrap_or_else(|| ctx.t("onbekend", "unknown").to_string())
}

/// A rate with one decimal in the page's notation, or "onbekend".
fn rate(ctx: &Ctx, r: Option<f64>) -> String {
    match r {
        Some(_) => api::services::population::decimal(r, ctx.lang == Lang::Nl),
        None => ctx.t("onbekend", "unknown").to_string(),
    }
}

/// Residents in gaps with the gap buurten of unknown population beside them.
fn in_gaps(ctx: &Ctx, r: &coverage::CoverageRow) -> String {
    if r.gap_buurten_unknown_population == 0 {
        r.residents_in_gaps.to_string()
    } else {
        format!(
            "{} (+ {} {})",
            r.residents_in_gaps,
            r.gap_buurten_unknown_population,
            ctx.t("buurt(en) onbekend", "neighbourhood(s) unknown")
        )
    }
}

/// The attribution of the population figures.
pub(crate) fn source_note(ctx: &Ctx) -> Markup {
    html! {
        p.source-note { (ctx.t("Inwoners: Bron: CBS, Kerncijfers wijken en buurten 2024. Een buurt zonder cijfer telt als onbekend, niet als 0.", "Inhabitants: Source: CBS (Bron: CBS), Kerncijfers wijken en buurten 2024. A neighbourhood without a figure counts as unknown, not as 0.")) }
    }
}

/// A distance in the page's notation; none means none within [`coverage::reach_km`].
fn km(ctx: &Ctx, d: Option<f64>, distance_km: f64) -> String {
    let decimal = |s: String| s.replace('.', ctx.t(",", "."));
    match d {
        Some(d) => decimal(format!("{d:.1} km")),
        None => format!(
            "{} {}",
            ctx.t("geen binnen", "none within"),
            decimal(format!("{} km", coverage::reach_km(distance_km)))
        ),
    }
}

/// The coverage of one area: a summary, the map, the figures per sub-area and the gaps.
fn result(ctx: &Ctx, p: &CoverageParams, c: &Coverage) -> Markup {
    let level = match c.area.kind {
        AreaKind::Gemeente => ctx.t("wijk", "district"),
        _ => ctx.t("buurt", "neighbourhood"),
    };
    let title = format!(
        "{} {} {}",
        ctx.t("Actief aanbod per", "Active offers per"),
        level,
        ctx.t("in", "in")
    );
    html! {
        section aria-labelledby="dekking-titel" {
            (summary(ctx, p, c, &title))
            (area_map(ctx, p, c, &title))
            (figures(ctx, p, c))
            (gaps(ctx, c))
            (source_note(ctx))
            p { a href="/dekking/regio" { (ctx.t("Vergelijk de gemeenten van de regio", "Compare the region's municipalities")) } }
        }
    }
}

/// Whether the sub-areas of `c` link to their own coverage (all but buurten do).
fn drills_down(c: &Coverage, kind: AreaKind) -> bool {
    c.area.kind != AreaKind::Buurt && kind != AreaKind::Buurt
}

/// The heading, the way one level up and the totals.
fn summary(ctx: &Ctx, p: &CoverageParams, c: &Coverage, title: &str) -> Markup {
    let t = &c.totals;
    html! {
        h2 #dekking-titel { (title) " " (c.area.name) }
        @if let Some(parent) = &c.area.parent_code {
            p { a href=(format!("/dekking?{}", p.query(parent))) { (ctx.t("Een niveau hoger", "One level up")) } }
        }
        p.summary {
            (t.active_offers) " " (ctx.t("actieve aanbiedingen", "active offers")) " · "
            (t.herstelcirkels_with_places) " " (ctx.t("Herstelcirkels met vrije plekken", "recovery circles with open places")) " · "
            (t.buurten_without_offer) " " (ctx.t("van de", "of")) " " (t.buurten) " " (ctx.t("buurten zonder aanbod binnen", "neighbourhoods without an offer within")) " " (c.query.distance_km.to_string().replace('.', ctx.t(",", "."))) " km"
        }
        p.summary {
            (people(ctx, t.inhabitants)) " " (ctx.t("inwoners", "inhabitants")) " · "
            (rate(ctx, t.offers_per_10k)) " " (ctx.t("aanbiedingen per 10.000 inwoners", "offers per 10,000 inhabitants")) " · "
            (in_gaps(ctx, t)) " " (ctx.t("inwoners in een gat", "inhabitants living in a gap"))
            @if t.offers_for_older > 0 || t.inhabitants_65_plus.is_some() {
                " · " (rate(ctx, t.older_offers_per_10k_65_plus)) " " (ctx.t("aanbiedingen voor ouderen per 10.000 inwoners van 65+", "offers for older people per 10,000 inhabitants aged 65+"))
            }
        }
    }
}

/// The map's colouring chosen in the form: its scale, legend and each row's value.
fn colouring<'a>(
    ctx: &'a Ctx,
    p: &CoverageParams,
    c: &Coverage,
) -> (Scale, &'a str, fn(&coverage::CoverageRow) -> u32) {
    let unknown = |f: fn(&coverage::CoverageRow) -> bool| -> Vec<String> {
        c.rows
            .iter()
            .filter(|r| f(r))
            .map(|r| r.code.clone())
            .collect()
    };
    match p.kleur.as_str() {
        "per10000" => (
            Scale::per_10k(unknown(|r| r.offers_per_10k.is_none())),
            ctx.t(
                "Aanbod per 10.000 inwoners",
                "Offers per 10,000 inhabitants",
            ),
            |r| {
                r.offers_per_10k
                    .map(|v| (v * 10.0).round() as u32)
                    .unwrap_or(0)
            },
        ),
        "gaten" => (
            Scale::inhabitants(unknown(|r| {
                r.residents_in_gaps == 0 && r.gap_buurten_unknown_population > 0
            })),
            ctx.t("Inwoners in gaten", "Residents in gaps"),
            |r| u32::try_from(r.residents_in_gaps).unwrap_or(u32::MAX),
        ),
        _ => (
            Scale::offers(),
            ctx.t("Actief aanbod", "Active offers"),
            |r| r.active_offers,
        ),
    }
}

/// The sub-areas on a map, shaded as the form asks, and the downloads of the figures.
fn area_map(ctx: &Ctx, p: &CoverageParams, c: &Coverage, title: &str) -> Markup {
    let gap_label = ctx.t("Geen aanbod dichtbij", "No offer nearby");
    let (scale, legend, value) = colouring(ctx, p, c);
    let areas: Vec<MapArea> = c
        .rows
        .iter()
        .map(|r| MapArea {
            code: r.code.clone(),
            name: r.name.clone(),
            geometry: r.geometry.clone(),
            value: value(r),
            gap: r.buurten > 0 && r.buurten_without_offer == r.buurten,
            href: drills_down(c, r.kind).then(|| format!("/dekking?{}", p.query(&r.code))),
        })
        .collect();
    html! {
        (choropleth_on(ctx.lang, "dekking-kaart", &format!("{title} {}", c.area.name), &areas, &scale, legend, gap_label))
        p.actions {
            a href=(format!("/dekking.csv?{}", p.query(&c.area.code))) download { (ctx.t("Download CSV", "Download CSV")) }
            a href=(format!("/dekking/gaten.csv?{}", p.query(&c.area.code))) download { (ctx.t("Download gaten (CSV)", "Download gaps (CSV)")) }
            a href=(format!("/dekking.geojson?{}", p.query(&c.area.code))) download { (ctx.t("Download GeoJSON", "Download GeoJSON")) }
        }
    }
}

/// The map's figures as a table: one row per sub-area, a column per kind of offer present.
fn figures(ctx: &Ctx, p: &CoverageParams, c: &Coverage) -> Markup {
    let kinds: Vec<OfferKind> = OfferKind::iter()
        .filter(|k| coverage::count_in(&c.totals.by_kind, *k) > 0)
        .collect();
    html! {
        div.table-scroll role="region" tabindex="0" aria-label=(ctx.t("Dezelfde cijfers als tabel", "The same figures as a table")) {
        table {
            caption { (ctx.t("Dezelfde cijfers als tabel", "The same figures as a table")) }
            thead { tr {
                th scope="col" { (AreaKind::label(if c.area.kind == AreaKind::Gemeente { AreaKind::Wijk } else { AreaKind::Buurt }, ctx.lang)) }
                th.num scope="col" { (ctx.t("Actief aanbod", "Active offers")) }
                @for k in &kinds { th.num scope="col" { (k.label(ctx.lang)) } }
                th.num scope="col" { (ctx.t("Herstelcirkels met plek", "Circles with places")) }
                th.num scope="col" { (ctx.t("Buurten zonder aanbod", "Neighbourhoods without offer")) }
                th.num scope="col" { (ctx.t("Inwoners", "Inhabitants")) }
                th.num scope="col" { (ctx.t("Aanbod per 10.000 inwoners", "Offers per 10,000 inhabitants")) }
                th.num scope="col" { (ctx.t("Inwoners in gaten", "Residents in gaps")) }
            } }
            tbody {
                @for r in &c.rows {
                    tr {
                        th scope="row" {
                            @if drills_down(c, r.kind) { a href=(format!("/dekking?{}", p.query(&r.code))) { (r.name) } }
                            @else { (r.name) }
                        }
                        td.num { (r.active_offers) }
                        @for k in &kinds { td.num { (coverage::count_in(&r.by_kind, *k)) } }
                        td.num { (r.herstelcirkels_with_places) }
                        td.num { (r.buurten_without_offer) " / " (r.buurten) }
                        td.num { (people(ctx, r.inhabitants)) }
                        td.num { (rate(ctx, r.offers_per_10k)) }
                        td.num { (in_gaps(ctx, r)) }
                    }
                }
            }
        }
        }
    }
}

/// The buurten without a matching offer within the chosen distance, most inhabitants first.
fn gaps(ctx: &Ctx, c: &Coverage) -> Markup {
    html! {
        h2 #gaten { (ctx.t("Gaten", "Gaps")) " (" (c.gaps.len()) ")" }
        @if c.gaps.is_empty() {
            p { (ctx.t("Elke buurt heeft passend aanbod binnen de gekozen afstand.", "Every neighbourhood has a matching offer within the chosen distance.")) }
        } @else {
            div.table-scroll role="region" tabindex="0" aria-label=(ctx.t("Buurten zonder aanbod dichtbij", "Neighbourhoods without an offer nearby")) {
            table {
                caption.visually-hidden { (ctx.t("Buurten zonder aanbod dichtbij", "Neighbourhoods without an offer nearby")) }
                thead { tr {
                    th scope="col" { (ctx.t("Buurt", "Neighbourhood")) }
                    th scope="col" { (ctx.t("Code", "Code")) }
                    th.num scope="col" { (ctx.t("Inwoners", "Inhabitants")) }
                    th.num scope="col" { (ctx.t("Dichtstbijzijnde aanbod", "Nearest offer")) }
                } }
                tbody {
                    @for g in &c.gaps {
                        tr { th scope="row" { (g.name) } td { (g.code) } td.num { (people(ctx, g.inhabitants)) } td.num { (km(ctx, g.nearest_offer_km, c.query.distance_km)) } }
                    }
                }
            }
            }
        }
    }
}

/// `GET /dekking`.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(mut p): Query<CoverageParams>,
) -> PageResult {
    if p.gebied.trim().is_empty()
        && let Some(own) = default_area(&ctx)
    {
        p.gebied = own;
    }
    let title = ctx.t("Dekking per gebied", "Coverage per area");
    if p.gebied.trim().is_empty() {
        let body = html! {
            (form(&ctx, &p, &Errors::none()))
            p { (ctx.t("Kies een gemeente, bijvoorbeeld", "Choose a municipality, for example")) " "
                a href="/dekking?gebied=GM0268" { "Nijmegen" } ", "
                a href="/dekking?gebied=GM0361" { "Alkmaar" } " " (ctx.t("of", "or")) " "
                a href="/dekking?gebied=GM0935" { "Maastricht" } "." }
        };
        return Ok(page(&ctx, title, body).into_response());
    }
    match run(&state, &ctx, &p).await {
        Ok(c) => {
            // The field shows the area's name (after a drill-down link it holds a code).
            let shown = CoverageParams {
                gebied: super::area_label(&state, ctx.lang, &c.area).await,
                ..p
            };
            Ok(page(
                &ctx,
                title,
                html! { (form(&ctx, &shown, &Errors::none())) (result(&ctx, &shown, &c)) },
            )
            .into_response())
        }
        Err(e) => {
            let errors = Errors::from_app(&ctx, e).or_page(&ctx)?;
            Ok((
                StatusCode::BAD_REQUEST,
                page(&ctx, title, form(&ctx, &p, &errors)),
            )
                .into_response())
        }
    }
}

pub(crate) fn download(
    content_type: &'static str,
    name: String,
    body: impl Into<axum::body::Body>,
) -> axum::response::Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body.into(),
    )
        .into_response()
}

/// The file name of an export: the area's code and the filters chosen, e.g.
/// `dekking-GM0268-herstelcirkel-beweging-1.5km.csv`.
fn file_name(c: &Coverage, extension: &str) -> String {
    let mut name = format!("dekking-{}", c.area.code);
    if let Some(k) = c.query.kind {
        name.push_str(&format!("-{}", k.as_str()));
    }
    if let Some(d) = c.query.life_domain {
        name.push_str(&format!("-{}", d.as_str()));
    }
    format!("{name}-{}km.{extension}", c.query.distance_km)
}

/// The CSV style of a page's language: on a Dutch page for a Dutch spreadsheet (`;`, decimal
/// comma, byte order mark, Dutch column titles); on an English page the API's.
pub(crate) fn csv_style(lang: Lang) -> coverage::CsvStyle {
    match lang {
        Lang::En => coverage::CsvStyle::api(),
        Lang::Nl => {
            let mut header: Vec<String> = [
                "Code",
                "Naam",
                "Soort gebied",
                "Actief aanbod",
                "Herstelcirkels met vrije plekken",
                "Buurten",
                "Buurten zonder aanbod",
                "Dichtstbijzijnde aanbod (km)",
            ]
            .map(String::from)
            .to_vec();
            header.extend(OfferKind::iter().map(|k| format!("Soort: {}", k.label(lang))));
            header.extend(LifeDomain::iter().map(|d| format!("Leefgebied: {}", d.label(lang))));
            header.extend(
                [
                    "Inwoners",
                    "Inwoners 65+",
                    "Aanbod per 10.000 inwoners",
                    "Aanbod voor ouderen",
                    "Aanbod voor ouderen per 10.000 inwoners 65+",
                    "Inwoners in gaten",
                    "Gaten met onbekend aantal inwoners",
                    "Bron inwoners",
                ]
                .map(String::from),
            );
            coverage::CsvStyle {
                delimiter: b';',
                decimal_comma: true,
                byte_order_mark: true,
                header: Some(header),
            }
        }
    }
}

/// `GET /dekking.csv`: the rows of the map as CSV, in the style of the page's language.
pub async fn csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<CoverageParams>,
) -> PageResult {
    let c = run(&state, &ctx, &p).await.or_page(&ctx)?;
    let body = coverage::to_csv_in(&c, &csv_style(ctx.lang)).or_page(&ctx)?;
    Ok(download(
        "text/csv; charset=utf-8",
        file_name(&c, "csv"),
        body,
    ))
}

/// `GET /dekking/gaten.csv`: the gap list (most inhabitants first) as CSV, in the style of
/// the page's language.
pub async fn gaps_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<CoverageParams>,
) -> PageResult {
    let c = run(&state, &ctx, &p).await.or_page(&ctx)?;
    let mut style = csv_style(ctx.lang);
    style.header = (ctx.lang == Lang::Nl).then(|| {
        [
            "Code",
            "Naam",
            "Wijk",
            "Inwoners",
            "Dichtstbijzijnde aanbod (km)",
        ]
        .map(String::from)
        .to_vec()
    });
    let body = coverage::gaps_csv(&c, &style).or_page(&ctx)?;
    Ok(download(
        "text/csv; charset=utf-8",
        file_name(&c, "csv").replacen("dekking-", "dekking-gaten-", 1),
        body,
    ))
}

/// `GET /dekking.geojson`: the rows of the map as a GeoJSON FeatureCollection.
pub async fn geojson(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<CoverageParams>,
) -> PageResult {
    let c = run(&state, &ctx, &p).await.or_page(&ctx)?;
    let body = coverage::to_geojson(&c).to_string();
    Ok(download(
        "application/geo+json",
        file_name(&c, "geojson"),
        body,
    ))
}
