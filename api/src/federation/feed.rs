//! Builds pages of this node's change feed from the change log.
//!
//! A page lists each changed record once (at its latest sequence number in the page) with its
//! current state if it is public, or a tombstone if it was deleted or is not (or no longer)
//! public: drafts, unpublished and ended records never leave the node. Only records owned by this node are published; mirrored records are not re-exported.

use super::protocol::{
    FEED_VERSION, FeedEntry, FeedPage, LocationRecord, OfferRecord, OrganisationRecord, Record,
};
use crate::error::AppResult;
use crate::read_model::OfferBundle;
use crate::read_model::offer::{area_codes_by_organisation, organisations};
use crate::read_model::rules::organisation_is_public;
use crate::services::Ctx;
use entities::{RecordKind, change, location, organisation};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{BTreeMap, HashMap};

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
pub async fn page(ctx: &Ctx, since: i64, limit: u64) -> AppResult<FeedPage> {
    let db = &ctx.db;
    let node = ctx.node_id.as_str();
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
    let mut records = Records::load(db, latest.keys()).await?;
    let mut entries: Vec<FeedEntry> = latest
        .into_iter()
        .map(|((kind, id), seq)| FeedEntry {
            seq,
            kind,
            record: records.take(kind, &id),
            id,
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

/// The current state of the records of one page, loaded in a fixed number of statements
/// whatever their number: organisations with the areas they serve, offers as [`OfferBundle`]s.
struct Records {
    organisations: HashMap<String, organisation::Model>,
    areas: HashMap<String, Vec<String>>,
    offers: HashMap<String, OfferBundle>,
    /// Partners, funding and attributes by offer id.
    details: HashMap<String, crate::domain::funding::NetworkDetails>,
    circles: HashMap<String, crate::read_model::circle::CircleRecord>,
    suitability: HashMap<String, crate::domain::Suitability>,
    confirmations: HashMap<String, entities::offer_confirmation::Model>,
    focus: HashMap<String, crate::services::offer::recovery_focus::FocusSet>,
}

impl Records {
    async fn load<'a>(
        db: &impl ConnectionTrait,
        keys: impl Iterator<Item = &'a (RecordKind, String)>,
    ) -> AppResult<Records> {
        let (org_ids, offer_ids): (Vec<_>, Vec<_>) =
            keys.partition(|(k, _)| *k == RecordKind::Organisation);
        let org_ids: Vec<&str> = org_ids.iter().map(|(_, id)| id.as_str()).collect();
        let offer_ids: Vec<&str> = offer_ids.iter().map(|(_, id)| id.as_str()).collect();
        let details = crate::read_model::funding::details_by_offer(db, &offer_ids).await?;
        use crate::services::offer::{freshness, recovery_focus, suitability};
        Ok(Records {
            details,
            suitability: suitability::by_offer(db, &offer_ids).await?,
            confirmations: freshness::rows_by_offer(db, &offer_ids).await?,
            focus: recovery_focus::by_offer(db, &offer_ids).await?,
            circles: crate::read_model::circle::records_by_offer(db, &offer_ids).await?,
            organisations: organisations(db, org_ids.iter().copied()).await?,
            areas: area_codes_by_organisation(db, &org_ids).await?,
            offers: OfferBundle::load_many(db, &offer_ids)
                .await?
                .into_iter()
                .map(|b| (b.offer.id.clone(), b))
                .collect(),
        })
    }

    /// The record to publish for `id`: its state if it is public (an offer: listed), else
    /// none (a tombstone).
    fn take(&mut self, kind: RecordKind, id: &str) -> Option<Record> {
        match kind {
            RecordKind::Organisation => {
                let org = self
                    .organisations
                    .get(id)
                    .filter(|o| organisation_is_public(o))?;
                let areas = self.areas.remove(id).unwrap_or_default();
                Some(Record::Organisation(Box::new(organisation_record(
                    org, areas,
                ))))
            }
            RecordKind::Offer => {
                let b = self.offers.remove(id).filter(OfferBundle::is_indexable)?;
                let network = self.details.remove(id).map(network_record);
                let circle = self.circles.remove(id);
                let confirmation = self.confirmations.remove(id);
                let fresh = freshness_of(&b.offer, confirmation.as_ref());
                let suitability = self.suitability.remove(id).unwrap_or_default();
                let focus = self.focus.remove(id).unwrap_or_default();
                Some(Record::Offer(Box::new(OfferRecord {
                    network,
                    circle,
                    suitability: Some(suitability_record(suitability)),
                    confirmed_at: Some(fresh),
                    recovery_focus: Some(focus.iter().map(|f| f.code().to_string()).collect()),
                    ..offer_record(b)
                })))
            }
        }
    }
}

/// When `offer` was last confirmed current (only the moment, never by whom).
fn freshness_of(
    offer: &entities::offer::Model,
    row: Option<&entities::offer_confirmation::Model>,
) -> chrono::DateTime<chrono::Utc> {
    crate::services::offer::freshness::from_row(offer, row).confirmed_at
}

/// The wire form of an offer's suitability.
fn suitability_record(
    s: crate::domain::Suitability,
) -> crate::federation::protocol::SuitabilityRecord {
    crate::federation::protocol::SuitabilityRecord {
        contra_indications: (s.contra_indications.iter())
            .map(|c| c.code().to_string())
            .collect(),
        note: s.note,
        commitments: s.commitments,
    }
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

/// The wire form of an offer's partners, funding and attributes.
fn network_record(
    d: crate::domain::funding::NetworkDetails,
) -> crate::federation::protocol::OfferNetworkRecord {
    crate::federation::protocol::OfferNetworkRecord {
        attributes: d.attributes(),
        partners: d.partners,
        funders: (d.funders.into_iter())
            .map(|f| (f.name, f.kind.as_str().to_string()))
            .collect(),
        routes: d.routes.iter().map(|r| r.as_str().to_string()).collect(),
    }
}

fn offer_record(b: OfferBundle) -> OfferRecord {
    let OfferBundle {
        offer: o,
        locations,
        life_domains,
        target_groups,
        ..
    } = b;
    let o = &o;
    let locations = locations.into_iter().map(location_record).collect();
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
        circle: None,
        network: None,
        suitability: None,
        confirmed_at: None,
        recovery_focus: None,
        life_domains,
        target_groups,
        locations,
        created_at: o.created_at,
        updated_at: o.updated_at,
        version: o.version,
    }
}

fn location_record(l: location::Model) -> LocationRecord {
    LocationRecord {
        id: l.id,
        name: l.name,
        street: l.street,
        postcode: l.postcode,
        city: l.city,
        lat: l.lat,
        lon: l.lon,
        buurt_code: l.buurt_code,
        version: l.version,
    }
}
