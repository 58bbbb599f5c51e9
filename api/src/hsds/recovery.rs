//! The Herstelcirkel plan, suitability and recovery focus of an offer in HSDS 3.0, both ways
//! (issue 19). What HSDS has a field for goes there; the rest is a documented extension in
//! service `attributes` with `wijkwijzer:` link types:
//!
//! - schedule periods with their own dates: `schedule.dtstart`/`until` (and `valid_from`/
//!   `valid_to`, see [`super::export`]); the age range: `minimum_age`/`maximum_age`;
//! - the suitability note: `eligibility_description`; contra-indications
//!   (`wijkwijzer:contra_indication`, codes such as `acute_psychose`) and commitments
//!   (`wijkwijzer:commitment`, one per attribute);
//! - recovery focus: `wijkwijzer:recovery_focus` (`verbinding`, `hoop`, `identiteit`,
//!   `betekenis`, `eigen_regie`);
//! - the circle plan: `wijkwijzer:circle`, whose value is the JSON of the public plan exactly
//!   as the federation feed carries it ([`CircleRecord`]: year, coaches, start meeting and its
//!   invitees, klankbord meeting dates, group size, subgroups with their schedules, evaluation
//!   links), and the Herstelcirkel+ link as `wijkwijzer:previous_year` (the previous year's
//!   global id).
//!
//! Never exported: what only practitioners see (the kwartiermaker's contact, the regisseurs,
//! the klankbord members, the partner practices; see [`crate::read_model::circle`]), which
//! [`CircleRecord`] does not carry. Import parses everything as a local editor's input.

use super::ids::{GLOBAL_ID, record_uuid, sub_uuid};
use super::types::{Attribute, Service};
use crate::domain::recovery_focus::RecoveryFocus;
use crate::domain::{Actor, ContraIndication, GlobalId, Suitability};
use crate::error::{AppError, AppResult};
use crate::read_model::circle::{CircleRecord, records_by_offer};
use crate::services::offer::recovery_focus::{self as focus_svc, FocusSet};
use crate::services::offer::{circle as circle_svc, suitability as suitability_svc};
use crate::state::AppState;
use sea_orm::ConnectionTrait;
use std::collections::HashMap;

/// Link type of the circle plan extension (JSON of [`CircleRecord`]).
pub const CIRCLE: &str = "wijkwijzer:circle";
/// Link type of the Herstelcirkel+ link (the previous year's global id).
pub const PREVIOUS_YEAR: &str = "wijkwijzer:previous_year";
/// Link type of contra-indication codes.
pub const CONTRA_INDICATION: &str = "wijkwijzer:contra_indication";
/// Link type of commitments (free text, one per attribute).
pub const COMMITMENT: &str = "wijkwijzer:commitment";
/// Link type of recovery-focus codes.
pub const RECOVERY_FOCUS: &str = "wijkwijzer:recovery_focus";

fn service_attribute(offer_id: &str, link_type: &str, key: &str, value: String) -> Attribute {
    Attribute {
        id: sub_uuid(offer_id, &format!("attribute:{link_type}:{key}")),
        link_id: Some(record_uuid(offer_id)),
        taxonomy_term_id: Some(sub_uuid(link_type, key)),
        link_type: Some(link_type.to_string()),
        link_entity: Some("service".into()),
        value: Some(value),
    }
}

/// The circle plans, suitability and recovery focus of the offers of one export.
pub struct Extras {
    circles: HashMap<String, CircleRecord>,
    suitability: HashMap<String, Suitability>,
    focus: HashMap<String, FocusSet>,
}

impl Extras {
    /// Loads them for `ids` in three statements.
    pub async fn load(db: &impl ConnectionTrait, ids: &[&str]) -> AppResult<Self> {
        Ok(Self {
            circles: records_by_offer(db, ids).await?,
            suitability: suitability_svc::by_offer(db, ids).await?,
            focus: focus_svc::by_offer(db, ids).await?,
        })
    }

    /// Adds those of offer `offer_id` to its exported service.
    pub fn export(&self, s: &mut Service, offer_id: &str) {
        let mut attributes = Vec::new();
        if let Some(su) = self.suitability.get(offer_id) {
            s.eligibility_description = su.note.clone();
            for c in &su.contra_indications {
                let code = c.code();
                attributes.push(service_attribute(
                    offer_id,
                    CONTRA_INDICATION,
                    code,
                    code.into(),
                ));
            }
            for (i, c) in su.commitments.iter().enumerate() {
                let key = i.to_string();
                attributes.push(service_attribute(offer_id, COMMITMENT, &key, c.clone()));
            }
        }
        for f in self.focus.get(offer_id).into_iter().flatten() {
            let code = f.code();
            attributes.push(service_attribute(
                offer_id,
                RECOVERY_FOCUS,
                code,
                code.into(),
            ));
        }
        if let Some(c) = self.circles.get(offer_id) {
            if let Some(previous) = &c.previous_offer_id {
                attributes.push(service_attribute(
                    offer_id,
                    PREVIOUS_YEAR,
                    "previous",
                    previous.clone(),
                ));
            }
            let public = CircleRecord {
                previous_offer_id: None,
                ..c.clone()
            };
            if let Ok(json) = serde_json::to_string(&public) {
                attributes.push(service_attribute(offer_id, CIRCLE, "plan", json));
            }
        }
        s.attributes.extend(attributes);
    }
}

fn values<'a>(s: &'a Service, link_type: &'a str) -> impl Iterator<Item = &'a str> {
    s.attributes
        .iter()
        .filter(move |a| a.link_type.as_deref() == Some(link_type))
        .filter_map(|a| a.value.as_deref())
}

/// The global id the service had where it was exported from (`wijkwijzer:global_id`).
pub fn source_id(s: &Service) -> Option<&str> {
    values(s, GLOBAL_ID).next()
}

/// The suitability a service carries (none when it says nothing); contra-indication codes
/// this node does not know are left out, the note and commitments are checked as an editor's.
pub fn suitability_of(s: &Service) -> AppResult<Option<Suitability>> {
    let codes = values(s, CONTRA_INDICATION)
        .filter_map(|c| ContraIndication::parse(c).ok())
        .collect();
    let commitments: Vec<String> = values(s, COMMITMENT).map(str::to_string).collect();
    let parsed = Suitability::parse(codes, s.eligibility_description.as_deref(), &commitments)
        .map_err(|e| e.in_field("suitability"))?;
    Ok((!parsed.is_empty()).then_some(parsed))
}

/// The circle plan a service carries, with its previous year mapped through `imported`
/// (source global id -> id of the offer created here); a previous year not imported is
/// left out.
pub fn circle_of(
    s: &Service,
    imported: &HashMap<String, String>,
) -> AppResult<Option<CircleRecord>> {
    let Some(json) = values(s, CIRCLE).next() else {
        return Ok(None);
    };
    let mut record: CircleRecord = serde_json::from_str(json)
        .map_err(|e| AppError::field("circle", format!("{CIRCLE} is not a circle plan: {e}")))?;
    record.previous_offer_id = values(s, PREVIOUS_YEAR)
        .next()
        .and_then(|p| imported.get(p).cloned());
    Ok(Some(record))
}

/// Stores the suitability and recovery focus of service `s` on the new offer `id` (at
/// `version`); returns the offer's version after them.
pub async fn import_details(
    state: &AppState,
    actor: &Actor,
    s: &Service,
    id: &GlobalId,
    mut version: i32,
) -> AppResult<i32> {
    if let Some(su) = suitability_of(s)? {
        version = suitability_svc::set(state, actor, id, version, su)
            .await?
            .version;
    }
    let focus = RecoveryFocus::known(values(s, RECOVERY_FOCUS));
    if !focus.is_empty() {
        version = focus_svc::set(state, actor, id, version, focus)
            .await?
            .version;
    }
    Ok(version)
}

/// Sets the circle plan of service `s` on the offer `id` created for it, once every offer of
/// the import exists (so a Herstelcirkel+ finds its previous year among them).
pub async fn import_circle(
    state: &AppState,
    actor: &Actor,
    s: &Service,
    id: &GlobalId,
    imported: &HashMap<String, String>,
) -> AppResult<()> {
    let Some(record) = circle_of(s, imported)? else {
        return Ok(());
    };
    let plan = circle_svc::plan_of_record(&record).map_err(|e| e.in_field("circle"))?;
    let current = crate::services::offer::load_own(&state.db, &state.node_id, id).await?;
    circle_svc::set_plan(state, actor, id, current.version, plan).await?;
    Ok(())
}
