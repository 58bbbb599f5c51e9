//! The derived columns of offers and locations written whole (a mirrored feed page), computed
//! from the records by the read [`rules`] and stored with the rows. A local write stores its
//! rows first and lets [`derived::refresh_offers`] derive the same columns in SQL; a mirror
//! catching up writes thousands of offers at once, and updating every new row again moved
//! each location through its list indexes twice more. Both ways store the same values (the
//! `mirrored_rows_store_what_a_refresh_derives` integration test compares them).

use super::{derived, rules};
use crate::db;
use entities::{AreaKind, LifeDomain, TargetGroup, area, location, offer, organisation};
use sea_orm::sea_query::{Alias, OnConflict};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QuerySelect, Value};
use std::collections::{BTreeSet, HashMap};

/// What an offer's rows store of the offer, its organisation and its lists.
#[derive(Clone, Debug)]
pub struct OfferFacts {
    /// [`rules::is_public`]: `offers.is_public`.
    is_public: bool,
    title: String,
    kind: String,
    /// Public and [`rules::is_active`]: counted in coverage.
    active: bool,
    has_room: bool,
    for_older: bool,
    /// [`derived::domain_bit`] of each life domain.
    domains: i32,
}

impl OfferFacts {
    /// The facts of `offer` of `org` with these life domains and target groups.
    pub fn of(
        offer: &offer::Model,
        org: &organisation::Model,
        life_domains: &[LifeDomain],
        target_groups: &[TargetGroup],
    ) -> Self {
        let is_public = rules::is_public(offer, org);
        Self {
            is_public,
            title: offer.title.clone(),
            kind: offer.kind.as_str().to_string(),
            active: is_public && rules::is_active(offer),
            has_room: rules::has_room(offer),
            for_older: target_groups.contains(&rules::FOR_OLDER),
            domains: (life_domains.iter()).fold(0, |bits, d| bits | derived::domain_bit(*d)),
        }
    }
}

/// Inserts `offers` with their stored visibility; an offer whose id exists is updated as
/// `on_conflict` says, and its visibility with it.
pub async fn upsert_offers(
    db: &impl ConnectionTrait,
    offers: Vec<(offer::Model, &OfferFacts)>,
    on_conflict: &OnConflict,
) -> Result<(), DbErr> {
    let rows = (offers.into_iter())
        .map(|(o, facts)| (o.into_active_model(), vec![facts.is_public.into()]))
        .collect();
    let on_conflict = (on_conflict.clone())
        .update_column(derived::is_public_col())
        .to_owned();
    db::insert_all_with(db, rows, &[derived::is_public_col()], Some(&on_conflict)).await
}

/// The columns of `locations` [`insert_locations`] derives, in the order of its values.
fn location_columns() -> Vec<Alias> {
    vec![
        derived::gemeente_col(),
        derived::wijk_col(),
        derived::offer_title_col(),
        derived::offer_active_col(),
        derived::offer_kind_col(),
        derived::offer_has_room_col(),
        derived::offer_for_older_col(),
        derived::offer_domains_col(),
        derived::first_in_col(AreaKind::Gemeente),
        derived::first_in_col(AreaKind::Wijk),
        derived::first_in_col(AreaKind::Buurt),
    ]
}

/// The gemeente and wijk of each of the buurt `codes`, as their `areas` rows say (a code
/// without a row has neither).
async fn areas_of(
    db: &impl ConnectionTrait,
    codes: BTreeSet<&str>,
) -> Result<HashMap<String, (Option<String>, Option<String>)>, DbErr> {
    let codes: Vec<&str> = codes.into_iter().collect();
    let select = area::Entity::find()
        .select_only()
        .column(area::Column::Code)
        .column(area::Column::GemeenteCode)
        .column(area::Column::ParentCode);
    let rows: Vec<(String, String, Option<String>)> =
        db::tuples_in(db, select, area::Column::Code, &codes).await?;
    Ok(rows
        .into_iter()
        .map(|(c, g, w)| (c, (Some(g), w)))
        .collect())
}

/// Whether each of `located` (an offer's locations: id and area) is the first (lowest id) of
/// them in its area, as [`derived::first_in_area`] decides: one without an area always is.
fn first_in(located: &[(&str, Option<&str>)]) -> Vec<bool> {
    (located.iter())
        .map(|(id, area)| {
            area.is_none()
                || !(located.iter()).any(|(other, other_area)| other_area == area && other < id)
        })
        .collect()
}

/// Inserts the locations of offers, each offer with all its locations (the first-in-area
/// flags compare an offer's locations with each other), with what they store of their offer
/// and their buurt.
pub async fn insert_locations(
    db: &impl ConnectionTrait,
    offers: Vec<(&OfferFacts, Vec<location::Model>)>,
) -> Result<(), DbErr> {
    let codes = (offers.iter())
        .flat_map(|(_, ls)| ls.iter().filter_map(|l| l.buurt_code.as_deref()))
        .collect();
    let areas = areas_of(db, codes).await?;
    let mut rows = Vec::new();
    for (facts, locations) in offers {
        let area = |l: &location::Model| {
            (l.buurt_code.as_ref())
                .and_then(|c| areas.get(c))
                .cloned()
                .unwrap_or_default()
        };
        let placed: Vec<_> = locations.iter().map(area).collect();
        let located = |kind: AreaKind| -> Vec<bool> {
            let codes: Vec<(&str, Option<&str>)> = (locations.iter().zip(&placed))
                .map(|(l, (gemeente, wijk))| {
                    let code = match kind {
                        AreaKind::Gemeente => gemeente.as_deref(),
                        AreaKind::Wijk => wijk.as_deref(),
                        AreaKind::Buurt => l.buurt_code.as_deref(),
                    };
                    (l.id.as_str(), code)
                })
                .collect();
            first_in(&codes)
        };
        let firsts = [
            located(AreaKind::Gemeente),
            located(AreaKind::Wijk),
            located(AreaKind::Buurt),
        ];
        for (i, (l, (gemeente, wijk))) in locations.into_iter().zip(placed).enumerate() {
            let values: Vec<Value> = vec![
                gemeente.into(),
                wijk.into(),
                facts.title.clone().into(),
                facts.active.into(),
                facts.kind.clone().into(),
                facts.has_room.into(),
                facts.for_older.into(),
                facts.domains.into(),
                firsts[0][i].into(),
                firsts[1][i].into(),
                firsts[2][i].into(),
            ];
            rows.push((l.into_active_model(), values));
        }
    }
    db::insert_all_with(db, rows, &location_columns(), None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An offer's first location in an area is its lowest id there; one outside every area
    /// counts alone.
    #[test]
    fn the_lowest_id_of_an_area_is_its_first() {
        let located = [
            ("n:3", Some("BU1")),
            ("n:1", Some("BU1")),
            ("n:2", Some("BU2")),
            ("n:0", None),
            ("n:4", None),
        ];
        assert_eq!(first_in(&located), [false, true, true, true, true]);
    }
}
