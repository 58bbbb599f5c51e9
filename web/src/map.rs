//! Maps as inline SVG, drawn on the server (no JavaScript, no tiles): a choropleth of areas
//! from their GeoJSON geometry, and numbered points over area outlines for search results.
//! Longitude is scaled by the cosine of the mid latitude (good enough at the scale of a
//! gemeente). Every map has a title and description, and the page shows the same figures as a
//! table, so nothing depends on seeing the map. A map without links is an image
//! (`role="img"`); one whose areas or markers are links is a group of them (`role="group"`: an
//! image's children are presentational, so links inside one would be focusable yet hidden
//! from screen readers). Those links stay out of the tab order (`tabindex="-1"`): the table or
//! list beside the map holds the same links, so keyboard users do not pass each one twice.

use crate::i18n::Lang;
use maud::{Markup, html};
use serde_json::Value;

/// Width of the view box; the height follows the shape.
const WIDTH: f64 = 1000.0;
/// Sequential palette, light to dark (ColorBrewer Blues, colour-blind safe).
const PALETTE: [&str; 5] = ["#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"];

/// A closed ring of lon/lat pairs.
type Ring = Vec<(f64, f64)>;

/// Fill of an area whose figure is unknown (light grey, named in the legend).
const UNKNOWN_FILL: &str = "#d9d9d9";

/// How a choropleth turns values into colours: four lower limits for classes 1-4 (class 0 is
/// below the first), in units of `1 / divisor` (a rate with one decimal is passed in tenths),
/// and the areas whose figure is unknown (grey, "onbekend"; never coloured as zero).
#[derive(Clone, Debug)]
pub struct Scale {
    pub limits: [u32; 4],
    pub divisor: u32,
    pub unknown: Vec<String>,
}

impl Scale {
    /// Counts of offers: 0, 1, 2-3, 4-6, 7 or more (the same on every map).
    pub fn offers() -> Self {
        Self {
            limits: CLASSES,
            divisor: 1,
            unknown: Vec::new(),
        }
    }

    /// A rate per 10,000 inhabitants given in tenths: 0, 0.1-0.9, 1-1.9, 2-3.9, 4 or more.
    pub fn per_10k(unknown: Vec<String>) -> Self {
        Self {
            limits: [1, 10, 20, 40],
            divisor: 10,
            unknown,
        }
    }

    /// Inhabitants: 0, 1-499, 500-1999, 2000-4999, 5000 or more.
    pub fn inhabitants(unknown: Vec<String>) -> Self {
        Self {
            limits: [1, 500, 2000, 5000],
            divisor: 1,
            unknown,
        }
    }

    fn class_of(&self, value: u32) -> usize {
        self.limits.iter().filter(|l| value >= **l).count()
    }

    /// A value as written on the page (decimal comma in Dutch).
    fn show(&self, lang: Lang, value: u32) -> String {
        if self.divisor <= 1 || value.is_multiple_of(self.divisor) {
            return (value / self.divisor.max(1)).to_string();
        }
        format!("{:.1}", f64::from(value) / f64::from(self.divisor)).replace('.', lang.t(",", "."))
    }

    /// The legend's text for each class.
    fn labels(&self, lang: Lang) -> Vec<String> {
        let mut out = vec!["0".to_string()];
        for (i, &lo) in self.limits.iter().enumerate() {
            out.push(match self.limits.get(i + 1) {
                Some(next) if *next == lo + 1 => self.show(lang, lo),
                Some(next) => format!("{}–{}", self.show(lang, lo), self.show(lang, next - 1)),
                None => format!("{} {}", self.show(lang, lo), lang.t("of meer", "or more")),
            });
        }
        out
    }

    fn is_unknown(&self, code: &str) -> bool {
        self.unknown.iter().any(|c| c == code)
    }
}

/// An area to draw.
#[derive(Clone, Debug)]
pub struct MapArea {
    pub code: String,
    pub name: String,
    /// GeoJSON Polygon or MultiPolygon, as stored.
    pub geometry: Option<String>,
    /// The figure that colours it.
    pub value: u32,
    /// Marked with hatching (a gap), not by colour alone.
    pub gap: bool,
    /// Where a click on it leads.
    pub href: Option<String>,
}

/// A numbered point (the number matches the result list).
#[derive(Clone, Debug)]
pub struct MapPoint {
    pub lat: f64,
    pub lon: f64,
    pub number: usize,
    pub label: String,
    pub href: Option<String>,
}

/// Rings of lon/lat pairs of a geometry; empty when it is not a (Multi)Polygon.
fn rings(geometry: &str) -> Vec<Ring> {
    let Ok(v) = serde_json::from_str::<Value>(geometry) else {
        return Vec::new();
    };
    let ring = |r: &Value| -> Ring {
        r.as_array()
            .map(|pts| {
                pts.iter()
                    .filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
                    .collect()
            })
            .unwrap_or_default()
    };
    let polygon = |p: &Value| -> Vec<Ring> {
        p.as_array()
            .map(|rs| rs.iter().map(ring).filter(|r| r.len() >= 3).collect())
            .unwrap_or_default()
    };
    match (v.get("type").and_then(Value::as_str), v.get("coordinates")) {
        (Some("Polygon"), Some(c)) => polygon(c),
        (Some("MultiPolygon"), Some(Value::Array(ps))) => ps.iter().flat_map(polygon).collect(),
        _ => Vec::new(),
    }
}

/// Lon/lat to view-box coordinates.
#[derive(Clone, Copy, Debug)]
struct Projection {
    min_x: f64,
    max_y: f64,
    scale: f64,
    cos: f64,
    height: f64,
}

impl Projection {
    /// Fits the lon/lat bounds into the view box with a margin of `margin` units.
    fn fit(points: impl Iterator<Item = (f64, f64)>, margin: f64) -> Option<Self> {
        let (mut min_lon, mut max_lon, mut min_lat, mut max_lat) =
            (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for (lon, lat) in points {
            min_lon = min_lon.min(lon);
            max_lon = max_lon.max(lon);
            min_lat = min_lat.min(lat);
            max_lat = max_lat.max(lat);
        }
        if min_lon > max_lon {
            return None;
        }
        let cos = ((min_lat + max_lat) / 2.0).to_radians().cos();
        let w = ((max_lon - min_lon) * cos).max(1e-4);
        let h = (max_lat - min_lat).max(1e-4);
        let scale = (WIDTH - 2.0 * margin) / w.max(h * 1.0);
        let scale = if h * scale > WIDTH * 0.9 {
            (WIDTH * 0.9 - 2.0 * margin) / h
        } else {
            scale
        };
        Some(Self {
            min_x: min_lon * cos - (WIDTH - w * scale) / 2.0 / scale,
            max_y: max_lat + margin / scale,
            scale,
            cos,
            height: h * scale + 2.0 * margin,
        })
    }

    fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            (lon * self.cos - self.min_x) * self.scale,
            (self.max_y - lat) * self.scale,
        )
    }

    fn path(&self, rings: &[Ring]) -> String {
        let mut d = String::new();
        for ring in rings {
            for (i, (lon, lat)) in ring.iter().enumerate() {
                let (x, y) = self.xy(*lon, *lat);
                d.push_str(&format!("{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" }));
            }
            d.push('Z');
        }
        d
    }
}

/// Lower limits of classes 1-4 (class 0 is zero). Fixed, so a colour means the same number on
/// every map and at every level of a drill-down: 0, 1, 2-3, 4-6, 7 or more.
const CLASSES: [u32; 4] = [1, 2, 4, 7];

#[cfg(test)]
fn class_of(value: u32) -> usize {
    Scale::offers().class_of(value)
}

#[cfg(test)]
fn class_labels(lang: Lang) -> Vec<String> {
    Scale::offers().labels(lang)
}

/// Where to write an area's name: the middle of its largest ring's box, when that box is wide
/// enough for the name at `size` (in view-box units); `None` for areas too small to label.
fn label_spot(proj: &Projection, rings: &[Ring], name: &str, size: f64) -> Option<(f64, f64)> {
    let boxes = rings.iter().map(|r| {
        let pts: Vec<(f64, f64)> = r.iter().map(|(lon, lat)| proj.xy(*lon, *lat)).collect();
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for (x, y) in pts {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
        (x0, y0, x1, y1)
    });
    // Only the part inside the view counts (an area may reach beyond the map's edge).
    let (x0, y0, x1, y1) = boxes
        .map(|(x0, y0, x1, y1)| (x0.max(0.0), y0.max(0.0), x1.min(WIDTH), y1.min(proj.height)))
        .max_by(|a, b| ((a.2 - a.0) * (a.3 - a.1)).total_cmp(&((b.2 - b.0) * (b.3 - b.1))))?;
    let text_width = name.chars().count() as f64 * size * 0.55;
    (x1 - x0 >= text_width && y1 - y0 >= size * 1.5).then_some(((x0 + x1) / 2.0, (y0 + y1) / 2.0))
}

/// The names of areas large enough to carry one, over the map (for sighted readers: the
/// table beside the map and each area's title hold the same names, so screen readers skip
/// these).
fn area_names(proj: &Projection, shapes: &[(&MapArea, Vec<Ring>)], size: f64) -> Markup {
    html! {
        g.area-names aria-hidden="true" font-size=(format!("{size:.0}")) text-anchor="middle" {
            @for (a, r) in shapes {
                @if let Some((x, y)) = label_spot(proj, r, &a.name, size) {
                    text x=(format!("{x:.1}")) y=(format!("{:.1}", y + size / 3.0)) { (a.name) }
                }
            }
        }
    }
}

/// The `<svg>` of a map: an image, or a group when it holds `links`.
fn svg_open(id: &str, height: f64, title: &str, desc: &str, links: bool, body: Markup) -> Markup {
    let title_id = format!("{id}-titel");
    let desc_id = format!("{id}-uitleg");
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {WIDTH} {height:.0}"))
            role=(if links { "group" } else { "img" }) aria-labelledby=(format!("{title_id} {desc_id}")) {
            title id=(title_id) { (title) }
            desc id=(desc_id) { (desc) }
            defs {
                pattern id=(format!("{id}-gat")) patternUnits="userSpaceOnUse" width="10" height="10" patternTransform="rotate(45)" {
                    line x1="0" y1="0" x2="0" y2="10" stroke="#b10e1e" stroke-width="3" {}
                }
            }
            (body)
        }
    }
}

/// A choropleth of `areas` coloured by their count of offers, gaps hatched. `legend` names the
/// value; `gap` names what hatching means. Areas without geometry are listed under the map.
pub fn choropleth(
    lang: Lang,
    id: &str,
    title: &str,
    areas: &[MapArea],
    legend: &str,
    gap: &str,
) -> Markup {
    choropleth_on(lang, id, title, areas, &Scale::offers(), legend, gap)
}

/// [`choropleth`] with the classes of `scale`; areas of unknown value are grey.
pub fn choropleth_on(
    lang: Lang,
    id: &str,
    title: &str,
    areas: &[MapArea],
    scale: &Scale,
    legend: &str,
    gap: &str,
) -> Markup {
    let shapes: Vec<(&MapArea, Vec<Ring>)> = areas
        .iter()
        .map(|a| (a, a.geometry.as_deref().map(rings).unwrap_or_default()))
        .collect();
    let missing: Vec<&MapArea> = shapes
        .iter()
        .filter(|(_, r)| r.is_empty())
        .map(|(a, _)| *a)
        .collect();
    let Some(proj) = Projection::fit(
        shapes.iter().flat_map(|(_, r)| r.iter().flatten().copied()),
        10.0,
    ) else {
        return html! { p { (lang.t("Voor deze gebieden zijn geen kaartvormen bekend.", "No shapes are known for these areas.")) } };
    };
    let labels = scale.labels(lang);
    let unknown = lang.t("onbekend", "unknown");
    let shown = |a: &MapArea| {
        if scale.is_unknown(&a.code) {
            unknown.to_string()
        } else {
            scale.show(lang, a.value)
        }
    };
    let fill = |a: &MapArea| {
        if scale.is_unknown(&a.code) {
            UNKNOWN_FILL
        } else {
            PALETTE[scale.class_of(a.value)]
        }
    };
    let desc = match lang {
        Lang::Nl => format!(
            "{legend}: kleur van licht (0) naar donker ({}). {gap}: gearceerd.",
            labels[4]
        ),
        Lang::En => format!(
            "{legend}: colour from light (0) to dark ({}). {gap}: hatched.",
            labels[4]
        ),
    };
    html! {
        figure.map {
            (svg_open(id, proj.height, title, &desc, areas.iter().any(|a| a.href.is_some()), html! {
                @for (a, r) in shapes.iter().filter(|(_, r)| !r.is_empty()) {
                    @let d = proj.path(r);
                    @let shape = html! {
                        path d=(d) fill=(fill(a)) stroke="#1b1b1b" stroke-width="1" fill-rule="evenodd" {
                            title { (a.name) ": " (shown(a)) @if a.gap { " (" (gap) ")" } }
                        }
                        @if a.gap {
                            path d=(d) fill=(format!("url(#{id}-gat)")) fill-rule="evenodd" stroke="none" pointer-events="none" {}
                        }
                    };
                    @match &a.href {
                        Some(h) => a href=(h) tabindex="-1" { (shape) },
                        None => g { (shape) },
                    }
                }
                (area_names(&proj, &shapes, 16.0))
            }))
            figcaption {
                span { (legend) ": " }
                ul.legend {
                    @for (i, l) in labels.iter().enumerate() {
                        li { span class=(format!("swatch swatch-{i}")) {} " " (l) }
                    }
                    @if !scale.unknown.is_empty() {
                        li { span.swatch.swatch-unknown {} " " (unknown) }
                    }
                    li { span.swatch.hatched {} " " (gap) }
                }
            }
            @if !missing.is_empty() {
                p { (lang.t("Zonder kaartvorm: ", "Without a shape: ")) (missing.iter().map(|a| format!("{} ({})", a.name, shown(a))).collect::<Vec<_>>().join(", ")) }
            }
        }
    }
}

/// The point a search measures from (a postcode), drawn as a pin.
#[derive(Clone, Debug)]
pub struct MapOrigin {
    pub lat: f64,
    pub lon: f64,
    /// What it is, e.g. "Postcode 6663 AB".
    pub label: String,
}

/// Radius of a result marker in view-box units: its 72 units stay at least 24 px (WCAG 2.2
/// target size) on a map 340 px wide, as on a 390 px phone.
const MARKER_R: f64 = 36.0;

/// Where each marker goes: at its point, or, when that spot is taken (by another marker or by
/// the pin at `pin`), fanned out in rings around it.
fn marker_spots(
    proj: &Projection,
    points: &[MapPoint],
    pin: Option<(f64, f64)>,
) -> Vec<(f64, f64)> {
    let gap = 2.0 * MARKER_R + 4.0;
    // The pin's head stands above its point; keep markers off it so it stays visible.
    let mut placed: Vec<(f64, f64)> = pin.map(|(x, y)| (x, y - 30.0)).into_iter().collect();
    let taken = placed.len();
    for p in points {
        let (x, y) = proj.xy(p.lon, p.lat);
        let free = |(cx, cy): (f64, f64)| {
            placed
                .iter()
                .all(|(px, py)| (px - cx).hypot(py - cy) >= gap)
        };
        let spot = (0..48)
            .map(|k: u32| {
                if k == 0 {
                    return (x, y);
                }
                let ring = f64::from((k - 1) / 6 + 1);
                let angle = f64::from((k - 1) % 6) * std::f64::consts::FRAC_PI_3 + ring * 0.5;
                (
                    x + (gap + 4.0) * ring * angle.cos(),
                    y + (gap + 4.0) * ring * angle.sin(),
                )
            })
            .find(|c| free(*c))
            .unwrap_or((x, y));
        placed.push(spot);
    }
    placed.split_off(taken)
}

/// A pin (a drop shape with a white dot) whose tip is at `(x, y)`.
fn pin(x: f64, y: f64, label: &str) -> Markup {
    let d = format!(
        "M{x:.1} {y:.1}L{:.1} {:.1}A21 21 0 1 1 {:.1} {:.1}Z",
        x - 18.0,
        y - 34.0,
        x + 18.0,
        y - 34.0
    );
    html! {
        g.search-pin {
            path d=(d) fill="#b10e1e" stroke="#fff" stroke-width="3" {
                title { (label) }
            }
            // The dot is a path, not a circle: circles are the result markers.
            path d=(format!("M{:.1} {:.1}a8 8 0 1 0 16 0a8 8 0 1 0 -16 0Z", x - 8.0, y - 45.0)) fill="#fff" {}
        }
    }
}

/// Numbered points over area outlines (the outlines, with the names of the larger areas, only
/// for context), and the search point as a pin when there is one.
pub fn point_map(
    lang: Lang,
    id: &str,
    title: &str,
    points: &[MapPoint],
    origin: Option<&MapOrigin>,
    background: &[MapArea],
) -> Markup {
    if points.is_empty() {
        return html! {};
    }
    let outlines: Vec<(&MapArea, Vec<Ring>)> = background
        .iter()
        .filter_map(|a| Some((a, a.geometry.as_deref().map(rings)?)))
        .filter(|(_, r)| !r.is_empty())
        .collect();
    // At least about 2 km across, so close results are not blown up to the whole map.
    let (lat0, lon0) = (points[0].lat, points[0].lon);
    let span = [(lon0 - 0.015, lat0 - 0.01), (lon0 + 0.015, lat0 + 0.01)];
    let all = points
        .iter()
        .map(|p| (p.lon, p.lat))
        .chain(origin.map(|o| (o.lon, o.lat)))
        .chain(span);
    let Some(proj) = Projection::fit(all, 80.0) else {
        return html! {};
    };
    let positions = marker_spots(&proj, points, origin.map(|o| proj.xy(o.lon, o.lat)));
    let desc = match (lang, origin) {
        (Lang::Nl, Some(o)) => format!(
            "{} genummerde plekken; de nummers zijn die van de lijst. Speld: {}.",
            points.len(),
            o.label
        ),
        (Lang::Nl, None) => format!(
            "{} genummerde plekken; de nummers zijn die van de lijst.",
            points.len()
        ),
        (Lang::En, Some(o)) => format!(
            "{} numbered places; the numbers are those of the list. Pin: {}.",
            points.len(),
            o.label
        ),
        (Lang::En, None) => format!(
            "{} numbered places; the numbers are those of the list.",
            points.len()
        ),
    };
    html! {
        figure.map {
            (svg_open(id, proj.height, title, &desc, points.iter().any(|p| p.href.is_some()), html! {
                rect width=(WIDTH) height=(format!("{:.0}", proj.height)) fill="#fbfbfb" {}
                @for (_, r) in &outlines {
                    path d=(proj.path(r)) fill="#eef2f6" stroke="#8a8f94" stroke-width="1" fill-rule="evenodd" {}
                }
                (area_names(&proj, &outlines, 18.0))
                @if let Some(o) = origin {
                    @let (x, y) = proj.xy(o.lon, o.lat);
                    (pin(x, y, &o.label))
                }
                @for (p, (x, y)) in points.iter().zip(positions) {
                    @let marker = html! {
                        circle.marker cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r=(MARKER_R) fill="#073763" stroke="#fff" stroke-width="3" {
                            title { (p.number) ". " (p.label) }
                        }
                        text x=(format!("{x:.1}")) y=(format!("{:.1}", y + 11.0)) text-anchor="middle" font-size="32" font-weight="700" fill="#fff" aria-hidden="true" { (p.number) }
                    };
                    @match &p.href {
                        Some(h) => a href=(h) tabindex="-1" { (marker) },
                        None => g { (marker) },
                    }
                }
            }))
            @if origin.is_some() {
                figcaption {
                    ul.legend {
                        li { span.swatch.pin-swatch {} " " (lang.t("Zoekpunt (postcode)", "Search point (postcode)")) }
                        li { span.swatch.marker-swatch {} " " (lang.t("Aanbod, genummerd als de lijst", "Offers, numbered as the list")) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: &str = r#"{"type":"Polygon","coordinates":[[[5.8,51.8],[5.9,51.8],[5.9,51.9],[5.8,51.9],[5.8,51.8]]]}"#;
    const MULTI: &str = r#"{"type":"MultiPolygon","coordinates":[[[[5.9,51.8],[6.0,51.8],[6.0,51.85],[5.9,51.8]]],[[[5.95,51.86],[5.97,51.86],[5.97,51.88],[5.95,51.86]]]]}"#;

    fn area(code: &str, geometry: Option<&str>, value: u32, gap: bool) -> MapArea {
        MapArea {
            code: code.into(),
            name: format!("Buurt <{code}>"),
            geometry: geometry.map(str::to_string),
            value,
            gap,
            href: Some(format!("/dekking?gebied={code}")),
        }
    }

    #[test]
    fn polygons_and_multipolygons_become_paths_inside_the_view_box() {
        assert_eq!(rings(SQUARE).len(), 1);
        assert_eq!(rings(MULTI).len(), 2);
        assert!(rings("not json").is_empty());
        assert!(rings(r#"{"type":"Point","coordinates":[5.8,51.8]}"#).is_empty());
        let all = [rings(SQUARE), rings(MULTI)].concat();
        let proj = Projection::fit(all.iter().flatten().copied(), 10.0).unwrap();
        for (lon, lat) in all.iter().flatten() {
            let (x, y) = proj.xy(*lon, *lat);
            assert!((0.0..=WIDTH).contains(&x), "x {x}");
            assert!((0.0..=proj.height).contains(&y), "y {y}");
        }
        // North is up.
        assert!(proj.xy(5.8, 51.9).1 < proj.xy(5.8, 51.8).1);
    }

    #[test]
    fn choropleth_escapes_names_hatches_gaps_and_lists_shapeless_areas() {
        let svg = choropleth(
            Lang::Nl,
            "kaart",
            "Aanbod per buurt",
            &[
                area("BU1", Some(SQUARE), 0, true),
                area("BU2", Some(MULTI), 7, false),
                area("BU3", None, 2, false),
                area("BU4", Some("{broken"), 1, false),
            ],
            "Actief aanbod",
            "Geen aanbod dichtbij",
        )
        .into_string();
        assert_eq!(
            svg.matches("<path").count(),
            3,
            "two shapes and one hatching"
        );
        assert!(svg.contains("url(#kaart-gat)"));
        assert!(svg.contains("Buurt &lt;BU1&gt;"));
        assert!(!svg.contains("<BU1>"));
        assert!(svg.contains("Zonder kaartvorm: Buurt &lt;BU3&gt; (2), Buurt &lt;BU4&gt; (1)"));
        assert!(svg.contains(r#"role="group""#), "its areas are links");
        let plain = choropleth(
            Lang::Nl,
            "kaart",
            "Aanbod per buurt",
            &[MapArea {
                href: None,
                ..area("BU1", Some(SQUARE), 1, false)
            }],
            "Actief aanbod",
            "Geen aanbod dichtbij",
        )
        .into_string();
        assert!(plain.contains(r#"role="img""#), "without links an image");
        assert!(svg.contains(PALETTE[0]) && svg.contains(PALETTE[4]));
    }

    #[test]
    fn classes_are_fixed_and_cover_every_value() {
        assert_eq!(class_of(0), 0);
        assert_eq!(class_of(1), 1);
        assert_eq!(class_of(3), 2);
        assert_eq!(class_of(6), 3);
        assert_eq!(class_of(20), 4);
        assert_eq!(
            class_labels(Lang::Nl),
            ["0", "1", "2–3", "4–6", "7 of meer"]
        );
        assert_eq!(class_labels(Lang::En)[4], "7 or more");
    }

    #[test]
    fn rates_and_inhabitants_have_their_own_classes_and_unknown_is_grey() {
        let rate = Scale::per_10k(vec!["BU2".into()]);
        assert_eq!(
            rate.labels(Lang::Nl),
            ["0", "0,1–0,9", "1–1,9", "2–3,9", "4 of meer"]
        );
        assert_eq!(rate.class_of(15), 2);
        let svg = choropleth_on(
            Lang::Nl,
            "k",
            "K",
            &[
                area("BU1", Some(SQUARE), 25, false),
                area("BU2", Some(MULTI), 0, true),
            ],
            &rate,
            "Aanbod per 10.000 inwoners",
            "Gat",
        )
        .into_string();
        assert!(svg.contains("Buurt &lt;BU1&gt;: 2,5"), "{svg}");
        assert!(svg.contains("Buurt &lt;BU2&gt;: onbekend"));
        assert!(svg.contains(UNKNOWN_FILL) && svg.contains("swatch-unknown"));
        assert_eq!(
            Scale::inhabitants(Vec::new()).labels(Lang::En)[4],
            "5000 or more"
        );
    }

    #[test]
    fn large_areas_carry_their_name_small_ones_not() {
        let big = area("BU1", Some(SQUARE), 0, false);
        let svg = choropleth(Lang::Nl, "k", "K", &[big], "Actief aanbod", "Gat").into_string();
        assert!(
            svg.contains(r#"aria-hidden="true""#) && svg.contains(">Buurt &lt;BU1&gt;</text>"),
            "{svg}"
        );
        let proj = Projection::fit([(0.0, 0.0), (1.0, 1.0)].into_iter(), 0.0).unwrap();
        let tiny = vec![vec![(0.5, 0.5), (0.5001, 0.5), (0.5001, 0.5001)]];
        assert!(label_spot(&proj, &tiny, "Lang buurtnaam", 16.0).is_none());
    }

    #[test]
    fn points_are_numbered_like_the_list() {
        let svg = point_map(
            Lang::Nl,
            "resultaten-kaart",
            "Kaart",
            &[
                MapPoint {
                    lat: 51.87,
                    lon: 5.86,
                    number: 1,
                    label: "Wandelen".into(),
                    href: None,
                },
                MapPoint {
                    lat: 51.88,
                    lon: 5.87,
                    number: 2,
                    label: "Koken".into(),
                    href: Some("/aanbod/x".into()),
                },
            ],
            Some(&MapOrigin {
                lat: 51.865,
                lon: 5.864,
                label: "Postcode 6663".into(),
            }),
            &[area("BU1", Some(SQUARE), 0, false)],
        )
        .into_string();
        assert_eq!(svg.matches(r#"<circle class="marker""#).count(), 2);
        assert!(svg.contains("search-pin") && svg.contains("Postcode 6663"));
        assert!(svg.contains("1. Wandelen"));
        assert!(svg.contains(r#"href="/aanbod/x" tabindex="-1""#));
        assert!(
            point_map(Lang::Nl, "x", "x", &[], None, &[])
                .into_string()
                .is_empty()
        );
    }
}
