//! Small charts as inline SVG, drawn on the server (no JavaScript): a line chart for trends
//! and a bar chart for comparisons. Every chart is an image (`role="img"`) labelled by its
//! `<title>` and `<desc>`, and [`table`] gives exactly the same figures as an HTML table to show
//! beside it, so nothing depends on seeing the chart. A hidden (suppressed) figure is a gap in
//! a line and a missing bar, and `< 5` in the table. Output is deterministic: the same chart
//! gives the same bytes (fixed decimals, no randomness, ids from the caller).

use maud::{Markup, html};

/// Size of the view box.
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 260.0;
/// Plot margins: left (axis labels), right, top, bottom (category labels).
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 40.0;
/// Series colours (Okabe-Ito, colour-blind safe); series also differ by marker and dash.
const COLOURS: [&str; 4] = ["#0072b2", "#d55e00", "#009e73", "#cc79a7"];
const DASHES: [&str; 4] = ["", "6 3", "2 3", "8 3 2 3"];

/// One figure of a series.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// The value drawn; `None` when hidden.
    pub value: Option<f64>,
    /// As written in the table (`12`, `< 5`, `34%`).
    pub text: String,
}

/// A named row of figures, one per label.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<Point>,
}

/// A chart's data and its accessible name and description.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// Prefix of the element ids (unique on the page).
    pub id: String,
    pub title: String,
    /// What the chart shows, in a sentence (read by screen readers).
    pub description: String,
    /// The categories along the horizontal axis.
    pub labels: Vec<String>,
    pub series: Vec<Series>,
    /// Values are fractions shown as percentages.
    pub percent: bool,
}

/// A number with one decimal (deterministic, no locale).
fn f(v: f64) -> String {
    format!("{v:.1}")
}

impl Chart {
    /// The top of the value axis: the largest value rounded up to a round number.
    fn top(&self) -> f64 {
        let max = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().filter_map(|p| p.value))
            .fold(0.0_f64, f64::max);
        if self.percent {
            return if max <= 0.5 { 0.5 } else { 1.0 };
        }
        if max <= 0.0 {
            return 1.0;
        }
        let step = 10f64.powf(max.log10().floor());
        (max / step).ceil() * step
    }

    fn x(&self, i: usize) -> f64 {
        let n = self.labels.len().max(1) as f64;
        LEFT + (WIDTH - LEFT - RIGHT) * (i as f64 + 0.5) / n
    }

    fn y(&self, v: f64) -> f64 {
        let h = HEIGHT - TOP - BOTTOM;
        TOP + h - h * (v / self.top()).clamp(0.0, 1.0)
    }

    fn value_label(&self, v: f64) -> String {
        if self.percent {
            format!("{:.0}%", v * 100.0)
        } else if v.fract() == 0.0 {
            format!("{v:.0}")
        } else {
            f(v)
        }
    }

    /// The frame shared by both kinds: title, description, axis, grid and category labels.
    fn frame(&self, body: Markup) -> Markup {
        let title_id = format!("{}-titel", self.id);
        let desc_id = format!("{}-omschrijving", self.id);
        let top = self.top();
        let ticks = [0.0, top / 2.0, top];
        // Every label when they fit, else every n-th so they do not overlap.
        let every = self.labels.len().div_ceil(12).max(1);
        html! {
            svg.chart xmlns="http://www.w3.org/2000/svg" role="img"
                aria-labelledby=(format!("{title_id} {desc_id}"))
                viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) {
                title #(title_id) { (self.title) }
                desc #(desc_id) { (self.description) }
                @for t in ticks {
                    line.grid x1=(f(LEFT)) x2=(f(WIDTH - RIGHT)) y1=(f(self.y(t))) y2=(f(self.y(t))) stroke="#ccc" {}
                    text.tick x=(f(LEFT - 6.0)) y=(f(self.y(t) + 4.0)) text-anchor="end" font-size="12" { (self.value_label(t)) }
                }
                @for (i, label) in self.labels.iter().enumerate() {
                    @if i % every == 0 {
                        text.label x=(f(self.x(i))) y=(f(HEIGHT - BOTTOM + 16.0)) text-anchor="middle" font-size="12" { (label) }
                    }
                }
                (body)
                @if self.series.len() > 1 {
                    @for (s, series) in self.series.iter().enumerate() {
                        rect x=(f(LEFT + 150.0 * s as f64)) y=(f(HEIGHT - 14.0)) width="10" height="10" fill=(COLOURS[s % COLOURS.len()]) {}
                        text.legend x=(f(LEFT + 14.0 + 150.0 * s as f64)) y=(f(HEIGHT - 5.0)) font-size="12" { (series.name) }
                    }
                }
            }
        }
    }
}

/// A line chart: one line per series, broken where a figure is hidden, a marker per figure.
pub fn line(chart: &Chart) -> Markup {
    let body = html! {
        @for (s, series) in chart.series.iter().enumerate() {
            @let colour = COLOURS[s % COLOURS.len()];
            @for run in runs(chart, series) {
                @if run.len() > 1 {
                    polyline fill="none" stroke=(colour) stroke-width="2" stroke-dasharray=(DASHES[s % DASHES.len()]) points=(run.join(" ")) {}
                }
            }
            @for (i, p) in series.points.iter().enumerate() {
                @if let Some(v) = p.value {
                    circle cx=(f(chart.x(i))) cy=(f(chart.y(v))) r="3.5" fill=(colour) {}
                }
            }
        }
    };
    chart.frame(body)
}

/// The `x,y` pairs of the unbroken runs of a series.
fn runs(chart: &Chart, series: &Series) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = vec![Vec::new()];
    for (i, p) in series.points.iter().enumerate() {
        match p.value {
            Some(v) => {
                if let Some(run) = out.last_mut() {
                    run.push(format!("{},{}", f(chart.x(i)), f(chart.y(v))));
                }
            }
            None => out.push(Vec::new()),
        }
    }
    out.retain(|r| !r.is_empty());
    out
}

/// A bar chart: per label one bar per series, side by side; no bar for a hidden figure.
pub fn bar(chart: &Chart) -> Markup {
    let n = chart.labels.len().max(1) as f64;
    let slot = (WIDTH - LEFT - RIGHT) / n;
    let k = chart.series.len().max(1) as f64;
    let width = (slot * 0.8 / k).max(1.0);
    let base = chart.y(0.0);
    let body = html! {
        @for (s, series) in chart.series.iter().enumerate() {
            @let colour = COLOURS[s % COLOURS.len()];
            @for (i, p) in series.points.iter().enumerate() {
                @if let Some(v) = p.value {
                    @let x = chart.x(i) - slot * 0.4 + width * s as f64;
                    rect x=(f(x)) y=(f(chart.y(v))) width=(f(width)) height=(f(base - chart.y(v))) fill=(colour) {}
                }
            }
        }
    };
    chart.frame(body)
}

/// The chart's figures as a table: one row per label, one column per series.
pub fn table(chart: &Chart, first_column: &str) -> Markup {
    html! {
        table.figures {
            caption { (chart.title) }
            thead { tr {
                th scope="col" { (first_column) }
                @for s in &chart.series { th scope="col" { (s.name) } }
            } }
            tbody {
                @for (i, label) in chart.labels.iter().enumerate() {
                    tr {
                        th scope="row" { (label) }
                        @for s in &chart.series {
                            td.number { (s.points.get(i).map(|p| p.text.as_str()).unwrap_or("")) }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(values: &[Option<f64>]) -> Chart {
        Chart {
            id: "c1".into(),
            title: "Verwijzingen".into(),
            description: "Verwijzingen per maand".into(),
            labels: (1..=values.len()).map(|m| format!("2026-{m:02}")).collect(),
            series: vec![Series {
                name: "Verstuurd".into(),
                points: values
                    .iter()
                    .map(|v| Point {
                        value: *v,
                        text: v.map(|v| format!("{v}")).unwrap_or_else(|| "< 5".into()),
                    })
                    .collect(),
            }],
            percent: false,
        }
    }

    #[test]
    fn a_chart_is_a_labelled_image() {
        let svg = line(&chart(&[Some(10.0), Some(20.0)])).into_string();
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains(r#"aria-labelledby="c1-titel c1-omschrijving""#));
        assert!(svg.contains(r#"<title id="c1-titel">Verwijzingen</title>"#));
        assert!(svg.contains(r#"<desc id="c1-omschrijving">Verwijzingen per maand</desc>"#));
        assert!(!svg.contains("<script"));
    }

    #[test]
    fn output_is_deterministic_and_scaled() {
        let c = chart(&[Some(10.0), Some(20.0), Some(15.0)]);
        assert_eq!(line(&c).into_string(), line(&c).into_string());
        assert_eq!(c.top(), 20.0);
        // The highest value touches the top, zero the base.
        assert_eq!(f(c.y(20.0)), f(TOP));
        assert_eq!(f(c.y(0.0)), f(HEIGHT - BOTTOM));
        let svg = line(&c).into_string();
        assert_eq!(svg.matches("<polyline").count(), 1);
        assert_eq!(svg.matches("<circle").count(), 3);
    }

    #[test]
    fn hidden_figures_break_the_line_and_drop_the_bar() {
        let c = chart(&[Some(10.0), Some(12.0), None, Some(8.0), Some(9.0)]);
        let svg = line(&c).into_string();
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("<circle").count(), 4);
        let bars = bar(&c).into_string();
        assert_eq!(bars.matches("<rect").count(), 4);
    }

    #[test]
    fn the_table_holds_the_same_figures() {
        let c = chart(&[Some(10.0), None]);
        let t = table(&c, "Maand").into_string();
        assert!(t.contains("<caption>Verwijzingen</caption>"));
        assert!(t.contains(r#"<th scope="row">2026-01</th><td class="number">10</td>"#));
        assert!(t.contains(r#"<td class="number">&lt; 5</td>"#));
    }

    #[test]
    fn percentages_use_a_fixed_scale() {
        let mut c = chart(&[Some(0.2), Some(0.3)]);
        c.percent = true;
        assert_eq!(c.top(), 0.5);
        assert!(line(&c).into_string().contains(">50%<"));
    }
}
