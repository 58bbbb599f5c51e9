//! Stores a peer's records read-only, with their origin.
//!
//! A page is applied in one transaction, or not at all. Every record must belong to the peer
//! it came from (its id's node prefix and `origin_node`), be public, and pass the parsers a
//! local write of the same fields passes (see [`check_page`]); a record older than the stored copy
//! (a replayed page) is ignored, so replays never roll data back. Applied records are written to
//! the local change log (with the peer as origin) so local consumers such as search see them.

use super::protocol::{
    FeedEntry, FeedPage, LocationRecord, OfferRecord, OrganisationRecord, Record, SuitabilityRecord,
};
use crate::db;
use crate::domain::recovery_focus::RecoveryFocus;
use crate::domain::{AreaCode, ContraIndication, GlobalId, Suitability};
use crate::error::{AppError, AppResult};
use crate::read_model::derived;
use crate::read_model::derived_rows::{self, OfferFacts};
use crate::services::changes;
use crate::services::offer::{
    self as offer_service, LocationDraft, OfferDraft, OfferLists, replace_lists_many,
};
use crate::services::organisation as org_service;
use entities::json::{DateList, Schedule, StringList};
use entities::{
    ChangeOp, OfferStatus, OrganisationStatus, RecordKind, location, offer, organisation,
    organisation_area,
};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect, Set,
};
use std::collections::HashMap;

/// What applying a page did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ApplyStats {
    pub upserts: u64,
    pub deletes: u64,
    /// Older than the stored copy, or an offer whose organisation is not mirrored.
    pub skipped: u64,
}

/// The tables a mirror catching up fills, whose list indexes a large backlog suspends
/// ([`crate::db::bulk_load`]).
pub const BULK_TABLES: &[&str] = &[
    "offers",
    "locations",
    "offer_life_domains",
    "offer_target_groups",
];

fn garbage(message: String) -> AppError {
    AppError::bad_input(format!("peer sent an invalid feed: {message}"))
}

/// Checks that `id` is a global id owned by `peer`, written as its node writes it.
fn check_owned(id: &str, peer: &str) -> AppResult<()> {
    let gid = GlobalId::parse(id)
        .ok()
        .filter(|g| g.to_string() == id)
        .ok_or_else(|| garbage(format!("'{id}' is not a global id")))?;
    if gid.node().as_str() != peer {
        return Err(garbage(format!(
            "record {id} does not belong to node {peer}"
        )));
    }
    Ok(())
}

/// Checks a page whole and returns it as this node stores it. Each record must belong to `peer`
/// (page `node`, id prefix and `origin_node` agree), be public (a published organisation; a
/// published offer that has not ended: drafts and ended records never reach a mirror) and pass
/// the rules of a local write, field by field through the same domain types
/// ([`org_service::check_received`], [`offer_service::check_received`]): a peer cannot plant
/// what a local editor could not type.
pub(crate) fn check_page(peer: &str, local: &str, page: &FeedPage) -> AppResult<FeedPage> {
    if peer == local {
        return Err(garbage("a node cannot mirror itself".into()));
    }
    if page.node != peer {
        return Err(garbage(format!(
            "page is from node '{}', expected '{peer}'",
            page.node
        )));
    }
    let mut checked = page.clone();
    let mut last = i64::MIN;
    let mut seen = std::collections::HashSet::new();
    for e in &mut checked.entries {
        if e.seq <= last {
            return Err(garbage("entries are not in sequence order".into()));
        }
        last = e.seq;
        if !seen.insert(e.id.clone()) {
            return Err(garbage(format!("record {} appears twice", e.id)));
        }
        check_owned(&e.id, peer)?;
        let (kind, id) = (e.kind, e.id.clone());
        match &mut e.record {
            None => {}
            Some(Record::Organisation(o)) => {
                if kind != RecordKind::Organisation || o.id != id || o.origin_node != peer {
                    return Err(garbage(format!("entry {id} does not match its record")));
                }
                let checked = checked_organisation(o)?;
                **o = checked;
            }
            Some(Record::Offer(o)) => {
                if kind != RecordKind::Offer || o.id != id || o.origin_node != peer {
                    return Err(garbage(format!("entry {id} does not match its record")));
                }
                check_owned(&o.organisation_id, peer)?;
                for l in &o.locations {
                    check_owned(&l.id, peer)?;
                }
                let checked = checked_offer(o)?;
                **o = checked;
            }
        }
    }
    Ok(checked)
}

/// The reason a received record is refused, naming the record and the field.
fn invalid(what: &str, id: &str, e: &AppError) -> AppError {
    garbage(format!("{what} {id} is invalid: {}", e.message()))
}

fn checked_organisation(o: &OrganisationRecord) -> AppResult<OrganisationRecord> {
    if o.status != OrganisationStatus::Published {
        return Err(garbage(format!("organisation {} is not public", o.id)));
    }
    if o.version < 1 {
        return Err(garbage(format!("organisation {} has no version", o.id)));
    }
    if o.area_codes.len() > 500 {
        return Err(garbage(format!(
            "organisation {} serves over 500 areas",
            o.id
        )));
    }
    let mut area_codes: Vec<String> = Vec::with_capacity(o.area_codes.len());
    for code in &o.area_codes {
        let code =
            AreaCode::parse(code).map_err(|_| garbage(format!("'{code}' is not an area code")))?;
        if !area_codes.contains(&code.to_string()) {
            area_codes.push(code.to_string());
        }
    }

    let m = org_service::check_received(&organisation_model(o))
        .map_err(|e| invalid("organisation", &o.id, &e))?;
    Ok(OrganisationRecord {
        name: m.name,
        description: m.description,
        kvk: m.kvk,
        agb: m.agb,
        website: m.website,
        email: m.email,
        phone: m.phone,
        area_codes,
        ..o.clone()
    })
}

fn checked_offer(o: &OfferRecord) -> AppResult<OfferRecord> {
    if o.published_at.is_none() || o.status == OfferStatus::Ended {
        return Err(garbage(format!("offer {} is not public", o.id)));
    }
    if o.version < 1 {
        return Err(garbage(format!("offer {} has no version", o.id)));
    }
    let draft = OfferDraft {
        offer: offer_model(o),
        life_domains: o.life_domains.iter().copied().collect(),
        target_groups: o.target_groups.iter().copied().collect(),
        locations: o
            .locations
            .iter()
            .map(|l| LocationDraft {
                name: l.name.clone(),
                street: l.street.clone(),
                postcode: l.postcode.clone(),
                city: l.city.clone(),
                lat: l.lat,
                lon: l.lon,
                buurt_code: l.buurt_code.clone(),
            })
            .collect(),
    };
    let checked = offer_service::check_received(&draft).map_err(|e| invalid("offer", &o.id, &e))?;
    let m = checked.offer;
    Ok(OfferRecord {
        title: m.title,
        description: m.description,
        cost_note: m.cost_note,
        schedule: m.schedule.0,
        schedule_note: m.schedule_note,
        languages: m.languages.0,
        accessibility: m.accessibility,
        how_to_join: m.how_to_join,
        contact_name: m.contact_name,
        contact_email: m.contact_email,
        contact_phone: m.contact_phone,
        hc_coaches: m.hc_coaches.0,
        hc_regisseur: m.hc_regisseur,
        hc_sounding_board: m.hc_sounding_board.0,
        circle: o
            .circle
            .as_ref()
            .map(offer_service::circle::check_received)
            .transpose()
            .map_err(|e| invalid("offer", &o.id, &e))?,
        suitability: o
            .suitability
            .as_ref()
            .map(checked_suitability)
            .transpose()
            .map_err(|e| invalid("offer", &o.id, &e))?,
        confirmed_at: o.confirmed_at.map(|at| at.min(chrono::Utc::now())),
        recovery_focus: o.recovery_focus.as_ref().map(|codes| {
            RecoveryFocus::known(codes.iter().map(String::as_str))
                .into_iter()
                .map(|f| f.code().to_string())
                .collect()
        }),
        life_domains: checked.life_domains.into_iter().collect(),
        target_groups: checked.target_groups.into_iter().collect(),
        locations: o
            .locations
            .iter()
            .zip(checked.locations)
            .map(|(l, c)| LocationRecord {
                id: l.id.clone(),
                name: c.name,
                street: c.street,
                postcode: c.postcode,
                city: c.city,
                lat: c.lat,
                lon: c.lon,
                buurt_code: c.buurt_code,
                version: l.version,
            })
            .collect(),
        ..o.clone()
    })
}

/// A peer's suitability parsed like a local editor's ([`Suitability::parse`]: note and
/// commitments within their limits, else the page is refused); contra-indication codes this
/// node does not know (from a newer peer) are left out, as no GP here could tick them.
fn checked_suitability(r: &SuitabilityRecord) -> AppResult<SuitabilityRecord> {
    let codes = (r.contra_indications.iter())
        .filter_map(|c| ContraIndication::parse(c).ok())
        .collect();
    let s = Suitability::parse(codes, r.note.as_deref(), &r.commitments)
        .map_err(|e| e.in_field("suitability"))?;
    Ok(SuitabilityRecord {
        contra_indications: (s.contra_indications.iter())
            .map(|c| c.code().to_string())
            .collect(),
        note: s.note,
        commitments: s.commitments,
    })
}

/// The suitability to store from a checked record: none for an unknown or empty one.
fn stored_suitability(r: Option<&SuitabilityRecord>) -> Option<Suitability> {
    let r = r?;
    let s = Suitability {
        contra_indications: (r.contra_indications.iter())
            .filter_map(|c| ContraIndication::parse(c).ok())
            .collect(),
        note: r.note.clone(),
        commitments: r.commitments.clone(),
    };
    (!s.is_empty()).then_some(s)
}

fn organisation_model(o: &OrganisationRecord) -> organisation::Model {
    organisation::Model {
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
    }
}

/// Consecutive pages of one peer's feed, each checked whole by [`check_page`]: what
/// [`apply_all`] takes, so no record reaches the database unchecked. Checking is pure work and
/// runs where the pages are fetched, beside the previous pages' write.
#[derive(Debug)]
pub struct CheckedPages {
    peer: String,
    pages: Vec<FeedPage>,
}

impl CheckedPages {
    /// Checks each of `pages` of `peer`'s feed as received by node `local`.
    pub fn check(peer: &str, local: &str, pages: &[FeedPage]) -> AppResult<Self> {
        let pages = (pages.iter())
            .map(|p| check_page(peer, local, p))
            .collect::<AppResult<Vec<_>>>()?;
        Ok(Self {
            peer: peer.to_string(),
            pages,
        })
    }

    /// The last page: its cursor, and whether more follow.
    pub fn last(&self) -> Option<&FeedPage> {
        self.pages.last()
    }

    /// How many pages these are.
    pub fn pages(&self) -> usize {
        self.pages.len()
    }

    /// The highest sequence number the peer said its feed had while these were read.
    pub fn head_seq(&self) -> i64 {
        (self.pages.iter()).map(|p| p.head_seq).max().unwrap_or(0)
    }
}

/// Applies checked pages of a peer's feed inside `txn`. Pages that share no record are
/// applied as one, so each statement covers all of them (a mirror catching up); otherwise
/// page by page, in order, as a later entry of a record supersedes an earlier one.
pub async fn apply_all(txn: &DatabaseTransaction, checked: &CheckedPages) -> AppResult<ApplyStats> {
    let peer = checked.peer.as_str();
    let entries = || checked.pages.iter().flat_map(|p| &p.entries);
    let mut ids = std::collections::HashSet::new();
    if entries().all(|e| ids.insert(e.id.as_str())) {
        return apply_checked(txn, peer, entries().collect()).await;
    }
    let mut stats = ApplyStats::default();
    for page in &checked.pages {
        let applied = apply_checked(txn, peer, page.entries.iter().collect()).await?;
        stats.upserts += applied.upserts;
        stats.deletes += applied.deletes;
        stats.skipped += applied.skipped;
    }
    Ok(stats)
}

/// Applies checked entries (no record twice): organisations first (so offers of a new
/// organisation find it), then offers, each kind in a constant number of statements.
async fn apply_checked(
    txn: &DatabaseTransaction,
    peer: &str,
    entries: Vec<&FeedEntry>,
) -> AppResult<ApplyStats> {
    let mut stats = ApplyStats::default();
    let (mut orgs, mut offers) = (Vec::new(), Vec::new());
    let (mut org_tombstones, mut offer_tombstones) = (Vec::new(), Vec::new());
    for e in entries {
        match (&e.record, e.kind) {
            (Some(Record::Organisation(o)), _) => orgs.push(o.as_ref()),
            (Some(Record::Offer(o)), _) => offers.push(o.as_ref()),
            (None, RecordKind::Organisation) => org_tombstones.push(e.id.clone()),
            (None, RecordKind::Offer) => offer_tombstones.push(e.id.clone()),
        }
    }
    upsert_organisations(txn, peer, orgs, &mut stats).await?;
    remove_organisations(txn, peer, org_tombstones, &mut stats).await?;
    upsert_offers(txn, peer, offers, &mut stats).await?;
    remove_offers(txn, peer, offer_tombstones, &mut stats).await?;
    Ok(stats)
}

/// Stored versions of the records with `ids` in the table of `E`.
async fn stored_versions<E>(
    txn: &DatabaseTransaction,
    id_column: E::Column,
    version_column: E::Column,
    ids: &[&str],
) -> AppResult<HashMap<String, i32>>
where
    E: EntityTrait,
{
    let select = E::find()
        .select_only()
        .column(id_column)
        .column(version_column);
    let rows: Vec<(String, i32)> = db::tuples_in(txn, select, id_column, ids).await?;
    Ok(rows.into_iter().collect())
}

/// The records not older than their stored copy (a replayed page is ignored).
fn fresh<'a, R>(
    records: Vec<&'a R>,
    stored: &HashMap<String, i32>,
    key: impl Fn(&R) -> (&str, i32),
    stats: &mut ApplyStats,
) -> Vec<&'a R> {
    records
        .into_iter()
        .filter(|r| {
            let (id, version) = key(r);
            let keep = stored.get(id).is_none_or(|v| *v <= version);
            if !keep {
                stats.skipped += 1;
            }
            keep
        })
        .collect()
}

/// Updates every column but the key when the row exists.
fn upsert_on<C: sea_orm::ColumnTrait>(key: C) -> OnConflict {
    OnConflict::column(key)
        .update_columns(C::iter().filter(|c| c.as_str() != key.as_str()))
        .to_owned()
}

async fn upsert_organisations(
    txn: &DatabaseTransaction,
    peer: &str,
    records: Vec<&OrganisationRecord>,
    stats: &mut ApplyStats,
) -> AppResult<()> {
    let ids: Vec<&str> = records.iter().map(|o| o.id.as_str()).collect();
    let stored = stored_versions::<organisation::Entity>(
        txn,
        organisation::Column::Id,
        organisation::Column::Version,
        &ids,
    )
    .await?;
    let records = fresh(records, &stored, |o| (o.id.as_str(), o.version), stats);
    if records.is_empty() {
        return Ok(());
    }
    let models: Vec<organisation::ActiveModel> = records
        .iter()
        .map(|o| organisation_model(o).into_active_model().reset_all())
        .collect();
    db::insert_all(txn, models, Some(&upsert_on(organisation::Column::Id))).await?;
    let ids: Vec<String> = records.iter().map(|o| o.id.clone()).collect();
    db::delete_in::<organisation_area::Entity>(
        txn,
        organisation_area::Column::OrganisationId,
        &ids,
    )
    .await?;
    let areas: Vec<organisation_area::ActiveModel> = records
        .iter()
        .flat_map(|o| {
            o.area_codes.iter().map(|c| organisation_area::ActiveModel {
                organisation_id: Set(o.id.clone()),
                area_code: Set(c.clone()),
            })
        })
        .collect();
    db::insert_all(txn, areas, None).await?;
    derived::refresh_organisations(txn, &ids).await?;
    changes::record_many(
        txn,
        RecordKind::Organisation,
        ids.iter().map(String::as_str),
        ChangeOp::Upsert,
        peer,
    )
    .await?;
    stats.upserts += records.len() as u64;
    Ok(())
}

async fn upsert_offers(
    txn: &DatabaseTransaction,
    peer: &str,
    records: Vec<&OfferRecord>,
    stats: &mut ApplyStats,
) -> AppResult<()> {
    let ids: Vec<&str> = records.iter().map(|o| o.id.as_str()).collect();
    let stored =
        stored_versions::<offer::Entity>(txn, offer::Column::Id, offer::Column::Version, &ids)
            .await?;
    let records = fresh(records, &stored, |o| (o.id.as_str(), o.version), stats);
    let org_ids: Vec<&str> = records
        .iter()
        .map(|&o| o.organisation_id.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let orgs = stored_organisations(txn, &org_ids).await?;
    // Each offer with its organisation; an offer whose organisation is not mirrored is skipped.
    let mut owned = Vec::with_capacity(records.len());
    for o in records {
        match orgs.get(&o.organisation_id) {
            Some(org) => owned.push((o, org)),
            None => {
                tracing::warn!(offer = %o.id, "mirrored offer skipped: its organisation is not mirrored");
                stats.skipped += 1;
            }
        }
    }
    if owned.is_empty() {
        return Ok(());
    }
    let records: Vec<&OfferRecord> = owned.iter().map(|(o, _)| *o).collect();
    let models: Vec<offer::Model> = records.iter().map(|o| offer_model(o)).collect();
    let facts: Vec<OfferFacts> = (owned.iter().zip(&models))
        .map(|((o, org), m)| OfferFacts::of(m, org, &o.life_domains, &o.target_groups))
        .collect();
    derived_rows::upsert_offers(
        txn,
        models.into_iter().zip(&facts).collect(),
        &upsert_on(offer::Column::Id),
    )
    .await?;
    // The locations are written below, with what they derive from their offer.
    let lists = records
        .iter()
        .map(|o| OfferLists {
            offer_id: o.id.clone(),
            life_domains: o.life_domains.clone(),
            target_groups: o.target_groups.clone(),
            locations: Vec::new(),
        })
        .collect();
    replace_lists_many(txn, lists).await?;
    let locations = (records.iter().zip(&facts))
        .map(|(o, facts)| (facts, location_models(o)))
        .collect();
    derived_rows::insert_locations(txn, locations).await?;
    // Each kind of detail for the whole page in a constant number of statements.
    let details: Vec<_> = records.iter().map(|o| network_details(o)).collect();
    let details: Vec<_> = records
        .iter()
        .map(|o| o.id.as_str())
        .zip(&details)
        .collect();
    crate::services::network::write_details_many(txn, &details).await?;
    let suitability: Vec<_> = (records.iter())
        .map(|o| stored_suitability(o.suitability.as_ref()))
        .collect();
    let suitability: Vec<_> = (records.iter().zip(&suitability))
        .map(|(o, s)| (o.id.as_str(), s.as_ref()))
        .collect();
    offer_service::suitability::write_many(txn, &suitability).await?;
    let confirmed: Vec<_> = (records.iter())
        .map(|o| (o.id.as_str(), o.confirmed_at))
        .collect();
    offer_service::freshness::store_mirrored(txn, &confirmed).await?;
    let focus: Vec<_> = (records.iter())
        .map(|o| RecoveryFocus::known(o.recovery_focus.iter().flatten().map(String::as_str)))
        .collect();
    let focus: Vec<_> = (records.iter().zip(&focus))
        .map(|(o, f)| (o.id.as_str(), f))
        .collect();
    offer_service::recovery_focus::write_many(txn, &focus).await?;
    offer_service::circle::store_mirrored(
        txn,
        records.iter().map(|o| (o.id.as_str(), o.circle.as_ref())),
    )
    .await?;
    let ids: Vec<&str> = records.iter().map(|o| o.id.as_str()).collect();
    derived::refresh_referrals_of(txn, &ids).await?;
    changes::record_many(
        txn,
        RecordKind::Offer,
        records.iter().map(|o| o.id.as_str()),
        ChangeOp::Upsert,
        peer,
    )
    .await?;
    stats.upserts += records.len() as u64;
    Ok(())
}

/// The stored organisations with `ids` (those a page's offers may belong to).
async fn stored_organisations(
    txn: &DatabaseTransaction,
    ids: &[&str],
) -> AppResult<HashMap<String, organisation::Model>> {
    let column = organisation::Column::Id;
    let rows = db::find_in(txn, organisation::Entity::find(), column, ids).await?;
    Ok(rows.into_iter().map(|o| (o.id.clone(), o)).collect())
}

/// The locations of a received offer as stored, in its order.
fn location_models(o: &OfferRecord) -> Vec<location::Model> {
    (o.locations.iter().enumerate())
        .map(|(i, l)| location::Model {
            id: l.id.clone(),
            origin_node: o.origin_node.clone(),
            offer_id: o.id.clone(),
            position: i as i32,
            name: l.name.clone(),
            street: l.street.clone(),
            postcode: l.postcode.clone(),
            city: l.city.clone(),
            lat: l.lat,
            lon: l.lon,
            buurt_code: l.buurt_code.clone(),
            updated_at: o.updated_at,
            version: l.version,
        })
        .collect()
}

fn offer_model(o: &OfferRecord) -> offer::Model {
    offer::Model {
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
    }
}

/// The ids among `values` of `column` whose rows in the table of `E` came from `peer` (a
/// tombstone never removes another node's record), with the id column `id` of those rows.
async fn peers_rows<E: EntityTrait>(
    txn: &DatabaseTransaction,
    id: E::Column,
    column: E::Column,
    origin: E::Column,
    values: &[String],
    peer: &str,
) -> AppResult<Vec<String>> {
    let select = E::find().select_only().column(id).filter(origin.eq(peer));
    Ok(db::tuples_in(txn, select, column, values).await?)
}

/// Removes the peer's offers named by tombstones, and logs each removal: a constant number of
/// statements however many there are.
async fn remove_offers(
    txn: &DatabaseTransaction,
    peer: &str,
    ids: Vec<String>,
    stats: &mut ApplyStats,
) -> AppResult<()> {
    let (id, origin) = (offer::Column::Id, offer::Column::OriginNode);
    let gone = peers_rows::<offer::Entity>(txn, id, id, origin, &ids, peer).await?;
    delete_logged::<offer::Entity>(txn, id, RecordKind::Offer, &gone, peer, stats).await
}

/// Removes the peer's organisations named by tombstones with all their offers, and logs each
/// removal: a constant number of statements however many there are.
async fn remove_organisations(
    txn: &DatabaseTransaction,
    peer: &str,
    ids: Vec<String>,
    stats: &mut ApplyStats,
) -> AppResult<()> {
    let (id, origin) = (organisation::Column::Id, organisation::Column::OriginNode);
    let gone = peers_rows::<organisation::Entity>(txn, id, id, origin, &ids, peer).await?;
    let offers = peers_rows::<offer::Entity>(
        txn,
        offer::Column::Id,
        offer::Column::OrganisationId,
        offer::Column::OriginNode,
        &gone,
        peer,
    )
    .await?;
    remove_offers(txn, peer, offers, stats).await?;
    let kind = RecordKind::Organisation;
    delete_logged::<organisation::Entity>(txn, id, kind, &gone, peer, stats).await
}

/// Deletes the rows of `E` with ids `gone` (the peer's, from [`peers_rows`]) and writes a
/// change-log row for each removal.
async fn delete_logged<E: EntityTrait>(
    txn: &DatabaseTransaction,
    id: E::Column,
    kind: RecordKind,
    gone: &[String],
    peer: &str,
    stats: &mut ApplyStats,
) -> AppResult<()> {
    db::delete_in::<E>(txn, id, gone).await?;
    changes::record_many(
        txn,
        kind,
        gone.iter().map(String::as_str),
        ChangeOp::Delete,
        peer,
    )
    .await?;
    stats.deletes += gone.len() as u64;
    Ok(())
}

/// The partners, funding and attributes a peer sent with an offer, parsed like every edge's;
/// details that do not parse are left out (the offer itself is kept).
fn network_details(o: &OfferRecord) -> crate::domain::funding::NetworkDetails {
    use crate::domain::funding::{NetworkDetails, NetworkDetailsFields};
    let n = o.network.clone().unwrap_or_default();
    let fields = NetworkDetailsFields {
        partners: n.partners,
        funders: n.funders,
        routes: n.routes,
        ..NetworkDetailsFields::default()
    };
    match NetworkDetails::parse(fields, &o.organisation_id) {
        Ok(mut d) => {
            d.set_attributes(n.attributes.iter().map(String::as_str));
            d
        }
        Err(e) => {
            tracing::warn!(offer = %o.id, error = %e.message(), "mirrored offer's network details skipped");
            NetworkDetails::default()
        }
    }
}
