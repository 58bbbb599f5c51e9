//! Builds pages of this node's change feed from the change log.
//!
//! A page lists each changed record once (at its latest sequence number in the page) with its
//! current state if it is public, or a tombstone if it was deleted or is not (or no longer)
//! public: drafts, unpublished and ended records never leave the node. Only records owned by this node are published; mirrored records are not re-exported.

use super::protocol::{
    FEED_VERSION, FeedEntry, FeedPage, LocationRecord, OfferRecord, OrganisationRecord, Record,
};
use crate::error::AppResult;
use crate::services::offer::is_public;
use crate::state::AppState;
use entities::{
    OfferStatus, OrganisationStatus, RecordKind, change, location, offer, offer_life_domain,
    offer_target_group, organisation, organisation_area,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{BTreeMap, HashMap};

/// Whether an organisation is published to peers.
pub fn organisation_is_public(org: &organisation::Model) -> bool {
    org.status == OrganisationStatus::Published
}

/// Whether an offer is published to peers: public ([`is_public`]) and not ended. Drafts,
/// unpublished and ended offers travel as tombstones.
pub fn offer_is_shared(o: &offer::Model, org: &organisation::Model) -> bool {
    is_public(o, org) && o.status != OfferStatus::Ended
}

/// Highest change sequence number of records owned by this node (0 when none).
pub async fn head_seq(db: &impl ConnectionTrait, node: &str) -> AppResult<i64> {
    let last = change::Entity::find()
        .filter(change::Column::OriginNode.eq(node))
        .order_by_desc(change::Column::Seq)
        .one(db)
        .await?;
    Ok(last.map_or(0, |c| c.seq))
}

/// The page of changes after `since`, at most `limit` change-log rows.
pub async fn page(state: &AppState, since: i64, limit: u64) -> AppResult<FeedPage> {
    let db = &state.db;
    let node = state.node_id.as_str();
    let head = head_seq(db, node).await?;
    let rows = change::Entity::find()
        .filter(change::Column::Seq.gt(since))
        .filter(change::Column::OriginNode.eq(node))
        .order_by_asc(change::Column::Seq)
        .limit(limit + 1)
        .all(db)
        .await?;
    let has_more = rows.len() as u64 > limit;
    let rows = &rows[..rows.len().min(limit as usize)];
    let next_cursor = rows.last().map_or(since.max(0), |r| r.seq);

    // Latest sequence number per record within the page.
    let mut latest: BTreeMap<(RecordKind, String), i64> = BTreeMap::new();
    for r in rows {
        latest.insert((r.record_kind, r.record_id.clone()), r.seq);
    }
    let org_ids: Vec<&str> = latest
        .keys()
        .filter(|(k, _)| *k == RecordKind::Organisation)
        .map(|(_, id)| id.as_str())
        .collect();
    let offer_ids: Vec<&str> = latest
        .keys()
        .filter(|(k, _)| *k == RecordKind::Offer)
        .map(|(_, id)| id.as_str())
        .collect();

    let offers: Vec<offer::Model> = offer::Entity::find()
        .filter(offer::Column::Id.is_in(offer_ids.clone()))
        .all(db)
        .await?;
    let mut wanted_orgs: Vec<String> = org_ids.iter().map(|s| s.to_string()).collect();
    wanted_orgs.extend(offers.iter().map(|o| o.organisation_id.clone()));
    let orgs: HashMap<String, organisation::Model> = organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(wanted_orgs))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id.clone(), o))
        .collect();

    let mut areas: HashMap<String, Vec<String>> = HashMap::new();
    for a in organisation_area::Entity::find()
        .filter(organisation_area::Column::OrganisationId.is_in(org_ids.clone()))
        .order_by_asc(organisation_area::Column::AreaCode)
        .all(db)
        .await?
    {
        areas
            .entry(a.organisation_id)
            .or_default()
            .push(a.area_code);
    }
    let mut domains: HashMap<String, Vec<_>> = HashMap::new();
    for d in offer_life_domain::Entity::find()
        .filter(offer_life_domain::Column::OfferId.is_in(offer_ids.clone()))
        .all(db)
        .await?
    {
        domains.entry(d.offer_id).or_default().push(d.life_domain);
    }
    let mut groups: HashMap<String, Vec<_>> = HashMap::new();
    for g in offer_target_group::Entity::find()
        .filter(offer_target_group::Column::OfferId.is_in(offer_ids.clone()))
        .all(db)
        .await?
    {
        groups.entry(g.offer_id).or_default().push(g.target_group);
    }
    let mut locations: HashMap<String, Vec<LocationRecord>> = HashMap::new();
    for l in location::Entity::find()
        .filter(location::Column::OfferId.is_in(offer_ids))
        .order_by_asc(location::Column::Position)
        .all(db)
        .await?
    {
        locations
            .entry(l.offer_id)
            .or_default()
            .push(LocationRecord {
                id: l.id,
                name: l.name,
                street: l.street,
                postcode: l.postcode,
                city: l.city,
                lat: l.lat,
                lon: l.lon,
                buurt_code: l.buurt_code,
                version: l.version,
            });
    }
    let offers: HashMap<String, offer::Model> =
        offers.into_iter().map(|o| (o.id.clone(), o)).collect();

    let mut entries: Vec<FeedEntry> = latest
        .into_iter()
        .map(|((kind, id), seq)| {
            let record = match kind {
                RecordKind::Organisation => orgs
                    .get(&id)
                    .filter(|o| organisation_is_public(o))
                    .map(|o| {
                        Record::Organisation(Box::new(organisation_record(
                            o,
                            areas.remove(&id).unwrap_or_default(),
                        )))
                    }),
                RecordKind::Offer => offers
                    .get(&id)
                    .filter(|o| {
                        orgs.get(&o.organisation_id)
                            .is_some_and(|org| offer_is_shared(o, org))
                    })
                    .map(|o| {
                        Record::Offer(Box::new(offer_record(
                            o,
                            domains.remove(&id).unwrap_or_default(),
                            groups.remove(&id).unwrap_or_default(),
                            locations.remove(&id).unwrap_or_default(),
                        )))
                    }),
            };
            FeedEntry {
                seq,
                kind,
                id,
                record,
            }
        })
        .collect();
    entries.sort_by_key(|e| e.seq);
    Ok(FeedPage {
        version: FEED_VERSION,
        node: node.to_string(),
        head_seq: head,
        next_cursor,
        has_more,
        entries,
    })
}

fn organisation_record(o: &organisation::Model, area_codes: Vec<String>) -> OrganisationRecord {
    OrganisationRecord {
        id: o.id.clone(),
        origin_node: o.origin_node.clone(),
        name: o.name.clone(),
        kind: o.kind,
        status: o.status,
        description: o.description.clone(),
        kvk: o.kvk.clone(),
        agb: o.agb.clone(),
        website: o.website.clone(),
        email: o.email.clone(),
        phone: o.phone.clone(),
        area_codes,
        created_at: o.created_at,
        updated_at: o.updated_at,
        version: o.version,
    }
}

fn offer_record(
    o: &offer::Model,
    mut life_domains: Vec<entities::LifeDomain>,
    mut target_groups: Vec<entities::TargetGroup>,
    locations: Vec<LocationRecord>,
) -> OfferRecord {
    life_domains.sort();
    target_groups.sort();
    OfferRecord {
        id: o.id.clone(),
        origin_node: o.origin_node.clone(),
        organisation_id: o.organisation_id.clone(),
        title: o.title.clone(),
        description: o.description.clone(),
        kind: o.kind,
        status: o.status,
        published_at: o.published_at,
        intake: o.intake,
        cost_cents: o.cost_cents,
        cost_period: o.cost_period,
        cost_note: o.cost_note.clone(),
        capacity: o.capacity,
        places_taken: o.places_taken,
        has_waitlist: o.has_waitlist,
        start_date: o.start_date,
        end_date: o.end_date,
        min_age: o.min_age,
        max_age: o.max_age,
        schedule: o.schedule.0.clone(),
        schedule_note: o.schedule_note.clone(),
        languages: o.languages.0.clone(),
        accessibility: o.accessibility.clone(),
        how_to_join: o.how_to_join.clone(),
        contact_name: o.contact_name.clone(),
        contact_email: o.contact_email.clone(),
        contact_phone: o.contact_phone.clone(),
        hc_year: o.hc_year,
        hc_coaches: o.hc_coaches.0.clone(),
        hc_regisseur: o.hc_regisseur.clone(),
        hc_start_meeting: o.hc_start_meeting,
        hc_sounding_board: o.hc_sounding_board.0.clone(),
        life_domains,
        target_groups,
        locations,
        created_at: o.created_at,
        updated_at: o.updated_at,
        version: o.version,
    }
}
