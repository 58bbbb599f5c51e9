//! The search page for GPs and POH (`GET /`): text, a postcode or neighbourhood and a distance
//! beside the search button; life domains, target groups, kinds, free only and open places
//! only behind "Filters" (a `<details>`, applied on change by `app.js`); results as numbered
//! cards (day and time, target group, intake, cost) to tick for comparing, and on a map with
//! the same numbers and the postcode as a pin. A plain GET form: every search is a link.

use crate::ctx::Ctx;
use crate::error::{OrPage, PageResult};
use crate::form::{Errors, Field, choices};
use crate::i18n::Lang;
use crate::labels::{self, Label};
use crate::layout::{encode, page};
use crate::map::{MapArea, MapOrigin, MapPoint, point_map};
use api::domain::{AreaCode, Postcode};
use api::error::{AppError, AppResult};
use api::read_model::OfferBundle;
use api::search::query::{Facets, NearFields};
use api::search::{SearchFilter, SearchQuery, SearchSort};
use api::services::offer_view::OfferView;
use api::state::AppState;
use axum::extract::State;
use axum::response::IntoResponse;
use axum_extra::extract::Query;
use entities::{AreaKind, LifeDomain, OfferKind, OfferStatus, TargetGroup};
use maud::{Markup, html};
use sea_orm::Iterable;
use serde::Deserialize;

/// Results per page.
const PAGE_SIZE: usize = 10;
/// Distances offered, in km.
const DISTANCES: [u32; 6] = [1, 2, 5, 10, 25, 50];

/// The search form's fields (Dutch parameter names: they show in shared links).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SearchParams {
    /// Free text.
    q: String,
    /// A postcode, or the name or CBS code of a gemeente, wijk or buurt.
    waar: String,
    /// Radius in km around a postcode.
    afstand: String,
    domein: Vec<String>,
    doelgroep: Vec<String>,
    soort: Vec<String>,
    gratis: Option<String>,
    plekken: Option<String>,
    pagina: Option<usize>,
    /// Network id (issue 19 filters, `offer_funding`).
    netwerk: String,
    /// Peer-led only.
    ervaring: Option<String>,
    /// Delivery mode.
    vorm: String,
    /// Wheelchair accessible only.
    rolstoel: Option<String>,
}

impl SearchParams {
    /// Whether anything is asked (else the page only shows the form).
    fn asks_anything(&self) -> bool {
        !(self.q.trim().is_empty()
            && self.waar.trim().is_empty()
            && self.domein.is_empty()
            && self.doelgroep.is_empty()
            && self.soort.is_empty()
            && self.gratis.is_none()
            && self.plekken.is_none()
            && self.network_filter().active() == 0)
    }

    /// The network, peer-led, delivery mode and wheelchair filters.
    fn network_filter(&self) -> crate::pages::offer_funding::NetworkFilter<'_> {
        crate::pages::offer_funding::NetworkFilter {
            network: self.netwerk.trim(),
            peer_led: self.ervaring.is_some(),
            mode: self.vorm.trim(),
            wheelchair: self.rolstoel.is_some(),
        }
    }
}

/// Where to search: around a postcode (with its centre), or within an area.
enum Where {
    Anywhere,
    Near(Postcode, f64, (f64, f64)),
    Area(entities::area::Model),
}

fn parse_list<T: Copy>(
    raw: &[String],
    field: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> AppResult<Vec<T>> {
    raw.iter()
        .map(|v| parse(v).ok_or_else(|| AppError::field(field, format!("unknown value '{v}'"))))
        .collect()
}

async fn resolve_where(state: &AppState, lang: Lang, p: &SearchParams) -> AppResult<Where> {
    let raw = p.waar.trim();
    if raw.is_empty() {
        return Ok(Where::Anywhere);
    }
    let km = match p.afstand.trim() {
        "" => 5.0,
        s => s
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|k| *k > 0.0 && *k <= 50.0)
            .ok_or_else(|| {
                AppError::field(
                    "afstand",
                    lang.t(
                        "kies een afstand tot 50 km",
                        "choose a distance up to 50 km",
                    ),
                )
            })?,
    };
    if raw.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        let (pc, centre) = known_postcode(state, lang, raw)?;
        return Ok(Where::Near(pc, km, centre));
    }
    super::area_named(state, lang, raw, "waar")
        .await
        .map(Where::Area)
}

/// A postcode typed in the search box whose area exists, or an error in plain words beside
/// the box: not a postcode, or a postcode that does not exist. (The node knows 4-digit areas;
/// a postcode of a known area outside the region is caught by [`outside_region`].)
fn known_postcode(state: &AppState, lang: Lang, raw: &str) -> AppResult<(Postcode, (f64, f64))> {
    let pc = Postcode::parse(raw).map_err(|_| {
        AppError::field(
            "waar",
            match lang {
                Lang::Nl => format!("'{raw}' is geen postcode. Een postcode is 4 cijfers en 2 letters, zoals 6512 AB."),
                Lang::En => format!("'{raw}' is not a postcode. A Dutch postcode is 4 digits and 2 letters, like 6512 AB."),
            },
        )
    })?;
    let centre = state
        .gazetteer
        .postcode(&pc)
        .map(|a| (a.lat, a.lon))
        .map_err(|_| {
            AppError::field(
                "waar",
                match lang {
                    Lang::Nl => format!("Postcode {pc} bestaat niet. Kijk de cijfers na."),
                    Lang::En => format!("Postcode {pc} does not exist. Check the digits."),
                },
            )
        })?;
    Ok((pc, centre))
}

/// The error for a postcode with no offer at all within the widest distance (50 km): it lies
/// outside this node's region, and "widen the distance" would not help. `None` when there is
/// an offer (then an empty result is down to the filters or the distance).
async fn outside_region(
    state: &AppState,
    lang: Lang,
    pc: &Postcode,
) -> AppResult<Option<AppError>> {
    let near = NearFields {
        postcode: Some(pc.to_string()),
        radius_km: Some(f64::from(DISTANCES[DISTANCES.len() - 1])),
        ..NearFields::default()
    }
    .parse(&state.gazetteer)?;
    let filter = SearchFilter {
        statuses: vec![
            OfferStatus::Planned,
            OfferStatus::Open,
            OfferStatus::Full,
            OfferStatus::Running,
        ],
        ..SearchFilter::default()
    };
    let probe = SearchQuery::new(None, filter, Some(near), SearchSort::Distance, 0, 1)?;
    if state.search.search(&probe).await?.total > 0 {
        return Ok(None);
    }
    Ok(Some(AppError::field(
        "waar",
        match lang {
            Lang::Nl => format!(
                "Postcode {pc} ligt buiten het gebied van deze Wijkwijzer: binnen 50 km is geen aanbod. Zoek met een postcode uit de regio, of met de naam van een gemeente, wijk of buurt."
            ),
            Lang::En => format!(
                "Postcode {pc} lies outside this Wijkwijzer's area: there is no offer within 50 km. Search with a postcode of the region, or the name of a municipality, district or neighbourhood."
            ),
        },
    )))
}

/// The validated search of a form, or the error of the field at fault.
async fn build_query(
    state: &AppState,
    lang: Lang,
    p: &SearchParams,
) -> AppResult<(SearchQuery, Where)> {
    let place = resolve_where(state, lang, p).await?;
    let (organisation_ids, attributes) = p.network_filter().resolve(state).await?;
    let filter = SearchFilter {
        organisation_ids,
        attributes,
        area: match &place {
            Where::Area(a) => Some(AreaCode::parse(&a.code)?),
            _ => None,
        },
        kinds: parse_list(&p.soort, "soort", OfferKind::from_str_opt)?,
        life_domains: parse_list(&p.domein, "domein", LifeDomain::from_str_opt)?,
        target_groups: parse_list(&p.doelgroep, "doelgroep", TargetGroup::from_str_opt)?,
        statuses: vec![
            OfferStatus::Planned,
            OfferStatus::Open,
            OfferStatus::Full,
            OfferStatus::Running,
        ],
        free_only: p.gratis.is_some(),
        open_places_only: p.plekken.is_some(),
        ..SearchFilter::default()
    };
    let near = match &place {
        Where::Near(pc, km, _) => Some(
            NearFields {
                postcode: Some(pc.to_string()),
                radius_km: Some(*km),
                ..NearFields::default()
            }
            .parse(&state.gazetteer)
            .map_err(|e| e.in_field("waar"))?,
        ),
        _ => None,
    };
    let sort = if near.is_some() && p.q.trim().is_empty() {
        SearchSort::Distance
    } else {
        SearchSort::Relevance
    };
    let page = p.pagina.unwrap_or(1).clamp(1, 50);
    let query = SearchQuery::new(
        Some(&p.q),
        filter,
        near,
        sort,
        (page - 1) * PAGE_SIZE,
        PAGE_SIZE,
    )
    .map_err(|e| match e.field_name() {
        Some("query") => e.in_field("q"),
        _ => e,
    })?;
    Ok((query, place))
}

/// What a search found, ready to show.
struct Found {
    query: SearchQuery,
    place: Where,
    total: u64,
    facets: Facets,
    /// Words matched when not all did (search helper's partial-match line).
    matched_words: Option<Vec<String>>,
    /// "Bedoelde u …": a close query text that finds more.
    did_you_mean: Option<String>,
    views: Vec<OfferView>,
    /// Partners, funding and attributes by offer id.
    details: std::collections::HashMap<String, api::domain::funding::NetworkDetails>,
    /// Km from the search point, per view.
    distances: Vec<Option<f64>>,
    map: Markup,
}

/// `GET /`: the search form and, once anything is asked, the results.
pub async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<SearchParams>,
) -> PageResult {
    let mut errors = Errors::none();
    let mut found = None;
    if p.asks_anything() {
        match find(&state, &ctx, &p).await {
            Ok(f) => found = Some(f),
            Err(e) => errors = Errors::from_app(&ctx, e).or_page(&ctx)?,
        }
    }
    let title = ctx.t("Aanbod in de wijk zoeken", "Find local offers");
    let networks = api::services::network::list(&state.db)
        .await
        .or_page(&ctx)?;
    let facets = found.as_ref().map(|f| &f.facets);
    let body = html! {
        div.layout.search-layout {
            (form(&ctx, &p, &errors, facets, found.is_some(), &networks))
            section.results-column aria-labelledby="resultaten" {
                @match &found {
                    None => (invitation(&ctx)),
                    Some(found) => (results(&ctx, &state, found)),
                }
            }
        }
    };
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::BAD_REQUEST
    };
    Ok((status, page(&ctx, title, body)).into_response())
}

/// Runs the search of `p` and loads what the page shows of it; a search around a postcode that
/// finds nothing, and would not within 50 km either, is an error of the postcode.
async fn find(state: &AppState, ctx: &Ctx, p: &SearchParams) -> AppResult<Found> {
    let (query, place) = build_query(state, ctx.lang, p).await?;
    let results = state.search.search(&query).await?;
    if let (0, Where::Near(pc, _, _)) = (results.total, &place)
        && let Some(e) = outside_region(state, ctx.lang, pc).await?
    {
        return Err(e);
    }
    let did_you_mean = state.search.did_you_mean(&query, &results).await?;
    api::search::demand::note(
        &state.search,
        &state.gazetteer,
        &query,
        &results,
        state.config.search.demand_retention_weeks,
    )
    .await;
    let ids: Vec<String> = results.hits.iter().map(|h| h.id.clone()).collect();
    let views = OfferBundle::search_hits(&state.db, &ids).await?;
    let details = api::read_model::funding::details_by_offer(&state.db, &ids).await?;
    let distances: Vec<Option<f64>> = views
        .iter()
        .map(|v| {
            results
                .hits
                .iter()
                .find(|h| h.id == v.offer.id)
                .and_then(|h| h.distance_km)
        })
        .collect();
    let origin = match &place {
        Where::Near(pc, _, (lat, lon)) => Some(MapOrigin {
            lat: *lat,
            lon: *lon,
            label: format!("{} {pc}", ctx.t("Postcode", "Postcode")),
        }),
        _ => None,
    };
    let map = results_map(state, ctx, query.offset, &views, origin.as_ref()).await?;
    Ok(Found {
        query,
        place,
        total: results.total,
        matched_words: results.matched_words,
        did_you_mean,
        facets: results.facets,
        views,
        details,
        distances,
        map,
    })
}

/// What the results column shows before anything is asked.
fn invitation(ctx: &Ctx) -> Markup {
    html! {
        h2 #resultaten { (ctx.t("Zoek dichtbij uw patiënt", "Search close to your patient")) }
        p { (ctx.t(
            "Vul een postcode of wijk in en kies wat past: beweging, ontspanning, sociale contacten, zingeving. Herstelcirkels, groepen en activiteiten van welzijn, vrijwilligers en GGZ staan bij elkaar.",
            "Enter a postcode or neighbourhood and choose what fits: exercise, relaxation, social contacts, meaning. Recovery circles, groups and activities of welfare, volunteers and mental health services in one place."
        )) }
    }
}

/// What a search found: how many and where, the map, the numbered list and the pager.
fn results(ctx: &Ctx, state: &AppState, found: &Found) -> Markup {
    let Found {
        query,
        place,
        total,
        views,
        distances,
        map,
        matched_words,
        did_you_mean,
        ..
    } = found;
    html! {
        h2 #resultaten aria-live="polite" {
            (total) " " (if *total == 1 { ctx.t("resultaat", "result") } else { ctx.t("resultaten", "results") })
            @match place {
                Where::Near(pc, km, _) => span.count { " " (ctx.t("binnen", "within")) " " (km) " km " (ctx.t("van", "of")) " " (pc) },
                Where::Area(a) => span.count { " " (ctx.t("in", "in")) " " (a.name) },
                Where::Anywhere => {},
            }
        }
        // Search helper: say when the hits match only some of the words.
        @if let Some(words) = matched_words {
            p.partial-match role="status" {
                (ctx.t("Geen resultaat voor alle woorden; resultaten voor: ", "No result for all words; results for: "))
                strong { (words.join(" ")) }
            }
        }
        @if let Some(text) = did_you_mean {
            p.did-you-mean {
                (ctx.t("Bedoelde u: ", "Did you mean: "))
                a href=(with_query_text(&ctx.here, text)) { strong { (text) } }
                "?"
            }
        }
        @if views.is_empty() {
            p { (ctx.t("Niets gevonden. Maak de afstand groter of zet minder filters aan.", "Nothing found. Widen the distance or use fewer filters.")) }
        }
        (map)
        @if !views.is_empty() {
            form #vergelijk method="get" action="/vergelijken" {
                input type="hidden" name="terug" value=(ctx.here.split_once('?').map(|(_, q)| q).unwrap_or(""));
                ol.results start=(query.offset + 1) {
                    @for (i, (v, d)) in views.iter().zip(distances).enumerate() {
                        (result(ctx, state, query.offset + i + 1, v, *d, found.details.get(&v.offer.id)))
                    }
                }
                @if views.len() > 1 {
                    p.compare-action {
                        button.secondary type="submit" { (ctx.t("Vergelijk aangevinkt aanbod", "Compare ticked offers")) }
                        " " span.hint { (ctx.t("Vink 2 tot 4 aanbiedingen aan.", "Tick 2 to 4 offers.")) }
                    }
                }
            }
        }
        (pager(ctx, query.offset, *total))
    }
}

/// The address `here` (a search) with its query text replaced by `text`, from its first page.
fn with_query_text(here: &str, text: &str) -> String {
    let rest: Vec<&str> = here
        .split_once('?')
        .map_or("", |(_, q)| q)
        .split('&')
        .filter(|kv| !kv.is_empty() && !kv.starts_with("q=") && !kv.starts_with("pagina="))
        .collect();
    let mut url = format!("/?q={}", encode(text));
    for kv in rest {
        url.push('&');
        url.push_str(kv);
    }
    url
}

/// A suggestion as the search box's script reads it.
#[derive(serde::Serialize)]
struct SuggestionJson {
    /// `offer`, `organisation`, `area`, `life_domain` or `target_group`.
    kind: &'static str,
    label: String,
    value: String,
    query: String,
}

/// Parameters of [`suggestions`].
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SuggestParams {
    q: String,
}

/// `GET /zoeken/suggesties?q=…`: suggestions for the search box (JSON, for `app.js`); an empty
/// or over-long prefix is a 400 with the message.
pub async fn suggestions(
    State(state): State<AppState>,
    Query(p): Query<SuggestParams>,
) -> axum::response::Response {
    use api::search::suggest::SuggestionKind as K;
    match state.search.suggest(&p.q, 8).await {
        Ok(list) => axum::Json(
            list.into_iter()
                .map(|s| SuggestionJson {
                    kind: match s.kind {
                        K::Offer => "offer",
                        K::Organisation => "organisation",
                        K::Area => "area",
                        K::LifeDomain => "life_domain",
                        K::TargetGroup => "target_group",
                    },
                    label: s.label,
                    value: s.value,
                    query: s.query,
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => (
            e.status(),
            axum::Json(serde_json::json!({ "error": e.message() })),
        )
            .into_response(),
    }
}

/// The strings of a list, as `&str`.
pub fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The results on a map, numbered like the list, over the buurten around them.
async fn results_map(
    state: &AppState,
    ctx: &Ctx,
    offset: usize,
    views: &[OfferView],
    origin: Option<&MapOrigin>,
) -> AppResult<Markup> {
    let points: Vec<MapPoint> = views
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            let l = v.locations.first()?;
            Some(MapPoint {
                lat: l.lat,
                lon: l.lon,
                number: offset + i + 1,
                label: v.offer.title.clone(),
                href: Some(format!("/aanbod/{}", encode(&v.offer.id))),
            })
        })
        .collect();
    if points.is_empty() {
        return Ok(html! {});
    }
    let margin = 0.01;
    let spots: Vec<(f64, f64)> = points
        .iter()
        .map(|p| (p.lat, p.lon))
        .chain(origin.map(|o| (o.lat, o.lon)))
        .collect();
    let min = spots
        .iter()
        .fold((90.0f64, 180.0f64), |(a, b), p| (a.min(p.0), b.min(p.1)));
    let max = spots
        .iter()
        .fold((-90.0f64, -180.0f64), |(a, b), p| (a.max(p.0), b.max(p.1)));
    let background: Vec<MapArea> = api::services::area::with_geometry_in(
        &state.db,
        AreaKind::Buurt,
        (min.0 - margin, min.1 - margin),
        (max.0 + margin, max.1 + margin),
        400,
    )
    .await?
    .into_iter()
    .map(|a| MapArea {
        code: a.code,
        name: a.name,
        geometry: a.geometry,
        value: 0,
        gap: false,
        href: None,
    })
    .collect();
    Ok(point_map(
        ctx.lang,
        "resultaten-kaart",
        ctx.t("De resultaten op de kaart", "The results on a map"),
        &points,
        origin,
        &background,
    ))
}

fn count_of<T: PartialEq + Copy>(
    facet: Option<&[api::search::query::FacetValue<T>]>,
    v: T,
) -> Option<u64> {
    facet.map(|f| {
        f.iter()
            .find(|x| x.value == v)
            .map(|x| x.count)
            .unwrap_or(0)
    })
}

fn options<T: Label + PartialEq + Copy>(
    ctx: &Ctx,
    values: impl Iterator<Item = T>,
    key: impl Fn(T) -> &'static str,
    facet: Option<&[api::search::query::FacetValue<T>]>,
) -> Vec<(String, String)> {
    values
        .map(|v| {
            let label = match count_of(facet, v) {
                Some(n) => format!("{} ({n})", v.label(ctx.lang)),
                None => v.label(ctx.lang).to_string(),
            };
            (key(v).to_string(), label)
        })
        .collect()
}

/// The search form: the search box, place and distance with the search button, then the
/// filters behind "Filters". Once results show, the filters start closed (on a phone the
/// results come first; `app.js` opens them on a wide screen) and apply on change.
fn form(
    ctx: &Ctx,
    p: &SearchParams,
    errors: &Errors,
    facets: Option<&Facets>,
    has_results: bool,
    networks: &[entities::network::Model],
) -> Markup {
    let distances: Vec<(String, String)> = DISTANCES
        .iter()
        .map(|d| (d.to_string(), format!("{d} km")))
        .collect();
    let afstand = if p.afstand.is_empty() {
        "5".to_string()
    } else {
        p.afstand.clone()
    };
    let active = p.domein.len()
        + p.doelgroep.len()
        + p.soort.len()
        + usize::from(p.gratis.is_some())
        + usize::from(p.plekken.is_some())
        + p.network_filter().active();
    let filter_error = ["domein", "doelgroep", "soort"]
        .iter()
        .any(|f| errors.get(f).is_some());
    html! {
        form.filters method="get" action="/" role="search" aria-label=(ctx.t("Aanbod zoeken", "Search offers"))
            data-auto-submit[has_results] {
            (errors.summary(ctx))
            div.searchbar {
                (Field::new("q", ctx.t("Zoekwoorden", "Keywords"))
                    .value(p.q.clone())
                    .hint(ctx.t("Bijvoorbeeld: wandelgroep, herstelcirkel, eenzaamheid", "For example: walking group, recovery circle, loneliness"))
                    .input(errors))
                (Field::new("waar", ctx.t("Postcode of wijk", "Postcode or neighbourhood"))
                    .value(p.waar.clone())
                    .hint(ctx.t("Postcode (6512 AB) of naam van gemeente, wijk of buurt", "Postcode (6512 AB) or name of a municipality, district or neighbourhood"))
                    .autocomplete("postal-code")
                    .input(errors))
                (Field::new("afstand", ctx.t("Afstand rond de postcode", "Distance around the postcode"))
                    .value(afstand)
                    .select(errors, &distances))
                p.search-button { button type="submit" { (ctx.t("Zoeken", "Search")) } }
            }
            details.filter-panel open[!has_results || filter_error] {
                summary {
                    (ctx.t("Filters", "Filters"))
                    @if active > 0 { " (" (active) " " (ctx.t("aan", "on")) ")" }
                }
                (choices("domein", ctx.t("Leefgebied", "Life domain"),
                    &options(ctx, LifeDomain::iter(), LifeDomain::as_str, facets.map(|f| f.life_domain.as_slice())),
                    &strs(&p.domein), errors, false))
                (choices("doelgroep", ctx.t("Doelgroep", "Target group"),
                    &options(ctx, TargetGroup::iter(), TargetGroup::as_str, facets.map(|f| f.target_group.as_slice())),
                    &strs(&p.doelgroep), errors, false))
                (choices("soort", ctx.t("Soort aanbod", "Kind of offer"),
                    &options(ctx, OfferKind::iter(), OfferKind::as_str, facets.map(|f| f.kind.as_slice())),
                    &strs(&p.soort), errors, false))
                fieldset.field.choices {
                    legend { (ctx.t("Verder", "More")) }
                    div.choice {
                        input #f-gratis type="checkbox" name="gratis" value="1" checked[p.gratis.is_some()];
                        label for="f-gratis" { (ctx.t("Alleen gratis", "Free only")) }
                    }
                    div.choice {
                        input #f-plekken type="checkbox" name="plekken" value="1" checked[p.plekken.is_some()];
                        label for="f-plekken" { (ctx.t("Alleen met vrije plekken", "Open places only")) }
                    }
                }
                (p.network_filter().fields(ctx, networks))
                p.filter-apply { button.secondary type="submit" { (ctx.t("Filters toepassen", "Apply filters")) } }
            }
        }
    }
}

/// The distance from the search point in words: "1,2 km", or "in deze buurt" when it rounds
/// to nothing.
pub fn distance_text(lang: Lang, km: f64) -> String {
    if km < 0.05 {
        lang.t("in deze buurt", "in this neighbourhood").to_string()
    } else {
        format!("{} km", format!("{km:.1}").replace('.', lang.t(",", ".")))
    }
}

/// When it meets, in short: the first period in plain language ("Elke week op dinsdag,
/// 14:00-16:00"), and how many more there are.
pub fn when_short(lang: Lang, o: &entities::offer::Model) -> String {
    match o.schedule.0.split_first() {
        Some((first, rest)) => {
            let mut s = super::offer::capitalise(&labels::period(lang, first));
            if !rest.is_empty() {
                s.push_str(&match lang {
                    Lang::Nl => format!(
                        " (en nog {} moment{})",
                        rest.len(),
                        if rest.len() == 1 { "" } else { "en" }
                    ),
                    Lang::En => format!(" (and {} more)", rest.len()),
                });
            }
            s
        }
        None => o
            .schedule_note
            .clone()
            .unwrap_or_else(|| lang.t("In overleg", "By arrangement").to_string()),
    }
}

/// Whom an offer is for, in short: its target groups, or "everyone".
pub fn for_whom(lang: Lang, v: &OfferView) -> String {
    if v.target_groups.is_empty() {
        lang.t("Iedereen", "Everyone").to_string()
    } else {
        v.target_groups
            .iter()
            .map(|t| t.label(lang))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One result card: what, who, where and how far; when, for whom, how to join and cost, so
/// offers compare without opening each; and a box to tick it for comparing.
fn result(
    ctx: &Ctx,
    state: &AppState,
    n: usize,
    v: &OfferView,
    distance: Option<f64>,
    details: Option<&api::domain::funding::NetworkDetails>,
) -> Markup {
    let o = &v.offer;
    let place = v
        .locations
        .first()
        .and_then(|l| l.city.clone().or(l.name.clone()));
    let tick = format!("vergelijk-{n}");
    html! {
        li {
            span.num aria-hidden="true" { (n) }
            h3 { a href=(format!("/aanbod/{}", encode(&o.id))) { (o.title) } }
            p.meta {
                (o.kind.label(ctx.lang)) " · " (v.organisation.name)
                @if let Some(p) = place { " · " (p) }
                @if let Some(d) = distance { " · " span.distance { (distance_text(ctx.lang, d)) } }
            }
            dl.card-facts {
                div { dt { (ctx.t("Wanneer", "When")) } dd.when { (when_short(ctx.lang, o)) } }
                div { dt { (ctx.t("Voor wie", "For whom")) } dd.for-whom { (for_whom(ctx.lang, v)) } }
                div { dt { (ctx.t("Aanmelden", "How to join")) } dd.intake { (o.intake.label(ctx.lang)) } }
                div { dt { (ctx.t("Kosten", "Cost")) } dd.cost { (labels::cost(ctx.lang, o)) } }
                (crate::pages::offer_funding::card_facts(ctx, details))
            }
            p { span class=(labels::places_badge(o)) { (labels::places(ctx.lang, o)) } }
            @if v.is_mirrored(state) {
                p.provenance { (ctx.t("Aanbod uit regio", "Offer from region")) " " (o.origin_node) }
            }
            ul.tags aria-label=(ctx.t("Leefgebieden", "Life domains")) {
                @for d in &v.life_domains { li { (d.label(ctx.lang)) } }
            }
            div.choice.compare {
                input id=(tick) type="checkbox" name="id" value=(o.id);
                label for=(tick) { (ctx.t("Vergelijken", "Compare")) span.visually-hidden { ": " (o.title) } }
            }
        }
    }
}

fn pager(ctx: &Ctx, offset: usize, total: u64) -> Markup {
    let page = offset / PAGE_SIZE + 1;
    let more = ((offset + PAGE_SIZE) as u64) < total;
    let link = |n: usize| {
        let base: String = ctx
            .here
            .split_once('?')
            .map(|(_, q)| q)
            .unwrap_or("")
            .split('&')
            .filter(|kv| !kv.is_empty() && !kv.starts_with("pagina="))
            .collect::<Vec<_>>()
            .join("&");
        format!("/?{base}&pagina={n}")
    };
    html! {
        @if page > 1 || more {
            nav.pager aria-label=(ctx.t("Pagina's", "Pages")) {
                @if page > 1 { a href=(link(page - 1)) rel="prev" { (ctx.t("Vorige", "Previous")) } }
                span { (ctx.t("Pagina", "Page")) " " (page) }
                @if more { a href=(link(page + 1)) rel="next" { (ctx.t("Volgende", "Next")) } }
            }
        }
    }
}
