//! Stores a peer's records read-only, with their origin.
//!
//! A page is applied in one transaction, or not at all. Every record must belong to the peer
//! it came from (its id's node prefix and `origin_node`); a record older than the stored copy
//! (a replayed page) is ignored, so replays never roll data back. Applied records are written to
//! the local change log (with the peer as origin) so local consumers such as search see them.

use super::protocol::{FeedEntry, FeedPage, OfferRecord, OrganisationRecord, Record};
use crate::domain::{AreaCode, GlobalId};
use crate::error::{AppError, AppResult};
use crate::geo;
use crate::services::changes;
use crate::services::offer::replace_lists;
use entities::json::{DateList, Schedule, StringList};
use entities::{ChangeOp, RecordKind, location, offer, organisation, organisation_area};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    Set,
};

/// What applying a page did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ApplyStats {
    pub upserts: u64,
    pub deletes: u64,
    /// Older than the stored copy, or an offer whose organisation is not mirrored.
    pub skipped: u64,
}

fn garbage(message: String) -> AppError {
    AppError::bad_input(format!("peer sent an invalid feed: {message}"))
}

/// Checks that `id` is a global id owned by `peer`.
fn check_owned(id: &str, peer: &str) -> AppResult<()> {
    let gid = GlobalId::parse(id).map_err(|_| garbage(format!("'{id}' is not a global id")))?;
    if gid.node().as_str() != peer {
        return Err(garbage(format!(
            "record {id} does not belong to node {peer}"
        )));
    }
    Ok(())
}

fn check_page(peer: &str, local: &str, page: &FeedPage) -> AppResult<()> {
    if peer == local {
        return Err(garbage("a node cannot mirror itself".into()));
    }
    if page.node != peer {
        return Err(garbage(format!(
            "page is from node '{}', expected '{peer}'",
            page.node
        )));
    }
    let mut last = i64::MIN;
    for e in &page.entries {
        if e.seq <= last {
            return Err(garbage("entries are not in sequence order".into()));
        }
        last = e.seq;
        check_owned(&e.id, peer)?;
        match &e.record {
            None => {}
            Some(Record::Organisation(o)) => {
                if e.kind != RecordKind::Organisation || o.id != e.id || o.origin_node != peer {
                    return Err(garbage(format!("entry {} does not match its record", e.id)));
                }
                if o.name.trim().is_empty() || o.version < 1 {
                    return Err(garbage(format!("organisation {} is incomplete", o.id)));
                }
                for code in &o.area_codes {
                    AreaCode::parse(code)
                        .map_err(|_| garbage(format!("'{code}' is not an area code")))?;
                }
            }
            Some(Record::Offer(o)) => {
                if e.kind != RecordKind::Offer || o.id != e.id || o.origin_node != peer {
                    return Err(garbage(format!("entry {} does not match its record", e.id)));
                }
                check_owned(&o.organisation_id, peer)?;
                if o.title.trim().is_empty()
                    || o.version < 1
                    || o.places_taken < 0
                    || o.capacity.is_some_and(|c| c < 0)
                {
                    return Err(garbage(format!("offer {} is incomplete or invalid", o.id)));
                }
                for l in &o.locations {
                    check_owned(&l.id, peer)?;
                    geo::check_point(l.lat, l.lon).map_err(|_| {
                        garbage(format!("location {} is not in the Netherlands", l.id))
                    })?;
                }
            }
        }
    }
    Ok(())
}

/// Applies a page of `peer`'s feed inside `txn`.
pub async fn apply(
    txn: &DatabaseTransaction,
    peer: &str,
    local: &str,
    page: &FeedPage,
) -> AppResult<ApplyStats> {
    check_page(peer, local, page)?;
    let mut stats = ApplyStats::default();
    // Organisations first, so offers of a new organisation find it.
    let (orgs, offers): (Vec<&FeedEntry>, Vec<&FeedEntry>) = page
        .entries
        .iter()
        .partition(|e| e.kind == RecordKind::Organisation);
    for e in orgs.into_iter().chain(offers) {
        match &e.record {
            Some(Record::Organisation(o)) => upsert_organisation(txn, o, &mut stats).await?,
            Some(Record::Offer(o)) => upsert_offer(txn, o, &mut stats).await?,
            None => delete(txn, e.kind, &e.id, peer, &mut stats).await?,
        }
    }
    Ok(stats)
}

async fn upsert_organisation(
    txn: &DatabaseTransaction,
    o: &OrganisationRecord,
    stats: &mut ApplyStats,
) -> AppResult<()> {
    let stored = organisation::Entity::find_by_id(o.id.as_str())
        .one(txn)
        .await?;
    if stored.as_ref().is_some_and(|s| s.version > o.version) {
        stats.skipped += 1;
        return Ok(());
    }
    let model = organisation::Model {
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
        created_at: o.created_at,
        updated_at: o.updated_at,
        version: o.version,
    };
    if stored.is_some() {
        model.into_active_model().reset_all().update(txn).await?;
    } else {
        model.into_active_model().reset_all().insert(txn).await?;
    }
    organisation_area::Entity::delete_many()
        .filter(organisation_area::Column::OrganisationId.eq(o.id.as_str()))
        .exec(txn)
        .await?;
    if !o.area_codes.is_empty() {
        organisation_area::Entity::insert_many(o.area_codes.iter().map(|c| {
            organisation_area::ActiveModel {
                organisation_id: Set(o.id.clone()),
                area_code: Set(c.trim().to_ascii_uppercase()),
            }
        }))
        .exec(txn)
        .await?;
    }
    changes::record(
        txn,
        RecordKind::Organisation,
        &o.id,
        ChangeOp::Upsert,
        &o.origin_node,
    )
    .await?;
    stats.upserts += 1;
    Ok(())
}

async fn upsert_offer(
    txn: &DatabaseTransaction,
    o: &OfferRecord,
    stats: &mut ApplyStats,
) -> AppResult<()> {
    let stored = offer::Entity::find_by_id(o.id.as_str()).one(txn).await?;
    if stored.as_ref().is_some_and(|s| s.version > o.version) {
        stats.skipped += 1;
        return Ok(());
    }
    if organisation::Entity::find_by_id(o.organisation_id.as_str())
        .one(txn)
        .await?
        .is_none()
    {
        tracing::warn!(offer = %o.id, "mirrored offer skipped: its organisation is not mirrored");
        stats.skipped += 1;
        return Ok(());
    }
    let model = offer::Model {
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
        schedule: Schedule(o.schedule.clone()),
        schedule_note: o.schedule_note.clone(),
        languages: StringList(o.languages.clone()),
        accessibility: o.accessibility.clone(),
        how_to_join: o.how_to_join.clone(),
        contact_name: o.contact_name.clone(),
        contact_email: o.contact_email.clone(),
        contact_phone: o.contact_phone.clone(),
        hc_year: o.hc_year,
        hc_coaches: StringList(o.hc_coaches.clone()),
        hc_regisseur: o.hc_regisseur.clone(),
        hc_start_meeting: o.hc_start_meeting,
        hc_sounding_board: DateList(o.hc_sounding_board.clone()),
        created_at: o.created_at,
        updated_at: o.updated_at,
        version: o.version,
    };
    if stored.is_some() {
        model.into_active_model().reset_all().update(txn).await?;
    } else {
        model.into_active_model().reset_all().insert(txn).await?;
    }
    let id = o.id.as_str();
    let locations = o
        .locations
        .iter()
        .enumerate()
        .map(|(i, l)| location::ActiveModel {
            id: Set(l.id.clone()),
            origin_node: Set(o.origin_node.clone()),
            offer_id: Set(id.to_string()),
            position: Set(i as i32),
            name: Set(l.name.clone()),
            street: Set(l.street.clone()),
            postcode: Set(l.postcode.clone()),
            city: Set(l.city.clone()),
            lat: Set(l.lat),
            lon: Set(l.lon),
            buurt_code: Set(l.buurt_code.clone()),
            updated_at: Set(o.updated_at),
            version: Set(l.version),
        })
        .collect();
    replace_lists(
        txn,
        id,
        o.life_domains.iter().copied(),
        o.target_groups.iter().copied(),
        locations,
    )
    .await?;
    changes::record(txn, RecordKind::Offer, id, ChangeOp::Upsert, &o.origin_node).await?;
    stats.upserts += 1;
    Ok(())
}

async fn delete(
    txn: &DatabaseTransaction,
    kind: RecordKind,
    id: &str,
    peer: &str,
    stats: &mut ApplyStats,
) -> AppResult<()> {
    match kind {
        RecordKind::Offer => {
            let gone = offer::Entity::delete_many()
                .filter(offer::Column::Id.eq(id))
                .filter(offer::Column::OriginNode.eq(peer))
                .exec(txn)
                .await?;
            if gone.rows_affected > 0 {
                changes::record(txn, RecordKind::Offer, id, ChangeOp::Delete, peer).await?;
                stats.deletes += 1;
            }
        }
        RecordKind::Organisation => {
            let offers = offer::Entity::find()
                .filter(offer::Column::OrganisationId.eq(id))
                .filter(offer::Column::OriginNode.eq(peer))
                .all(txn)
                .await?;
            for o in offers {
                offer::Entity::delete_by_id(o.id.as_str()).exec(txn).await?;
                changes::record(txn, RecordKind::Offer, &o.id, ChangeOp::Delete, peer).await?;
                stats.deletes += 1;
            }
            let gone = organisation::Entity::delete_many()
                .filter(organisation::Column::Id.eq(id))
                .filter(organisation::Column::OriginNode.eq(peer))
                .exec(txn)
                .await?;
            if gone.rows_affected > 0 {
                changes::record(txn, RecordKind::Organisation, id, ChangeOp::Delete, peer).await?;
                stats.deletes += 1;
            }
        }
    }
    Ok(())
}
