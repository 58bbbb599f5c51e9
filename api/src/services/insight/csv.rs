//! The insight tables as CSV, in the styles of [`CsvStyle`] (the API's, or a Dutch
//! spreadsheet's): exactly the cells of the tables, suppressed cells written `< 5`, hidden
//! rates and medians left empty.

use super::flows::{FlowRow, Flows, MEASURES};
use super::share::{GroupShare, ShareRow};
use crate::error::{AppError, AppResult};
use crate::services::coverage::CsvStyle;

/// The columns of the flow CSV.
pub fn flow_keys() -> Vec<String> {
    let mut keys: Vec<String> = vec!["key".into(), "label".into()];
    keys.extend(MEASURES.iter().map(|m| m.to_string()));
    keys.extend(
        [
            "acceptance_rate",
            "start_rate",
            "completion_rate",
            "median_days_to_accepted",
            "median_days_to_first_meeting",
        ]
        .map(String::from),
    );
    keys
}

/// The columns of the group-based share CSV.
pub fn share_keys() -> Vec<String> {
    ["key", "group_based", "other", "total", "share"]
        .map(String::from)
        .to_vec()
}

/// The flow table (its rows, then the total) as CSV.
pub fn flows_csv(f: &Flows, style: &CsvStyle) -> AppResult<Vec<u8>> {
    let records = f
        .rows
        .iter()
        .chain([&f.total])
        .map(|r| flow_record(r, style));
    write(style, flow_keys(), records)
}

/// The group-based share (its steps, then the total) as CSV.
pub fn share_csv(s: &GroupShare, style: &CsvStyle) -> AppResult<Vec<u8>> {
    let records = s
        .rows
        .iter()
        .chain([&s.total])
        .map(|r| share_record(r, style));
    write(style, share_keys(), records)
}

fn flow_record(r: &FlowRow, style: &CsvStyle) -> Vec<String> {
    let mut rec = vec![r.key.clone(), r.label.clone()];
    rec.extend(r.cells.iter().map(|c| c.text()));
    rec.extend(
        [
            r.acceptance_rate,
            r.start_rate,
            r.completion_rate,
            r.median_days_to_accepted,
            r.median_days_to_first_meeting,
        ]
        .map(|v| number(v, style)),
    );
    rec
}

fn share_record(r: &ShareRow, style: &CsvStyle) -> Vec<String> {
    vec![
        r.key.clone(),
        r.group_based.text(),
        r.other.text(),
        r.total.text(),
        number(r.share, style),
    ]
}

/// A fraction or a number of days with three decimals; empty when hidden.
fn number(v: Option<f64>, style: &CsvStyle) -> String {
    let s = v.map(|v| format!("{v:.3}")).unwrap_or_default();
    if style.decimal_comma {
        s.replace('.', ",")
    } else {
        s
    }
}

fn write(
    style: &CsvStyle,
    keys: Vec<String>,
    records: impl Iterator<Item = Vec<String>>,
) -> AppResult<Vec<u8>> {
    let mut out = Vec::new();
    if style.byte_order_mark {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    let mut w = csv::WriterBuilder::new()
        .delimiter(style.delimiter)
        .from_writer(out);
    let internal = |e: csv::Error| AppError::Internal(e.into());
    w.write_record(style.header.clone().unwrap_or(keys))
        .map_err(internal)?;
    for rec in records {
        w.write_record(&rec).map_err(internal)?;
    }
    w.into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))
}
