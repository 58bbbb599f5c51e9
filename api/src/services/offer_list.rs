//! Listing public offers: filters, keyset pagination and counts.

use crate::domain::AreaCode;
use crate::error::{AppError, AppResult};
use crate::read_model::derived;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entities::{
    AreaKind, LifeDomain, OfferKind, OfferStatus, TargetGroup, location, network_member, offer,
    offer_attribute, offer_life_domain, offer_target_group,
};
use sea_orm::sea_query::{
    Alias, Asterisk, Expr, ExprTrait, JoinType, Order, Query, SelectStatement, SimpleExpr,
    UnionType, WindowStatement,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, Iterable,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;

/// Filters on public offers; every given filter must hold (AND), values within one filter are
/// alternatives (OR).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct OfferFilter {
    /// Gemeente, wijk or buurt: offers with a location in it.
    pub area: Option<AreaCode>,
    pub kinds: Vec<OfferKind>,
    pub life_domains: Vec<LifeDomain>,
    pub target_groups: Vec<TargetGroup>,
    /// Statuses to include; empty means every status but `ended`.
    pub statuses: Vec<OfferStatus>,
    /// Only offers with open places (or no fixed capacity) that are not full, paused or ended.
    pub open_places: bool,
    /// Only offers without cost.
    pub free: bool,
    pub organisation_id: Option<String>,
    pub origin_node: Option<String>,
    /// Only offers of the member organisations of this network (its id).
    pub network_id: Option<String>,
    /// Stored attributes every offer must have (`offer_attributes`: `peer_led`,
    /// `mode_online`, `wheelchair`, ...; see `domain::funding`).
    pub attributes: Vec<String>,
}

/// Where a page starts: after the offer with this sort key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Cursor {
    pub title: String,
    pub id: String,
}

impl Cursor {
    pub fn of(o: &offer::Model) -> Self {
        Self {
            title: o.title.clone(),
            id: o.id.clone(),
        }
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&(&self.title, &self.id)).unwrap_or_default())
    }

    pub fn decode(raw: &str) -> AppResult<Self> {
        let bad = || AppError::field("after", "is not a cursor returned by this API");
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad())?;
        let (title, id): (String, String) = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        Ok(Self { title, id })
    }
}

/// What every public list shows (a published offer of a published organisation), narrowed by
/// each filter of `filter` that is set.
fn condition(filter: &OfferFilter) -> Condition {
    let attributes = filter.attributes.iter().map(|a| has_attribute(a));
    let base = Condition::all()
        .add(is_public())
        .add_option(filter.area.as_ref().map(located_in))
        .add_option(non_empty(&filter.kinds).map(|k| offer::Column::Kind.is_in(k.iter().copied())))
        .add(status_in(&filter.statuses))
        .add_option(non_empty(&filter.life_domains).map(in_life_domains))
        .add_option(non_empty(&filter.target_groups).map(for_target_groups))
        .add_option(filter.open_places.then(has_open_places))
        .add_option(filter.free.then(is_free))
        .add_option(
            (filter.organisation_id.as_deref()).map(|org| offer::Column::OrganisationId.eq(org)),
        )
        .add_option((filter.origin_node.as_deref()).map(|node| offer::Column::OriginNode.eq(node)))
        .add_option(filter.network_id.as_deref().map(of_network));
    attributes.fold(base, Condition::add)
}

/// Offers of the member organisations of a network: an index lookup on its members, then
/// on the offers of each.
fn of_network(network_id: &str) -> SimpleExpr {
    offer::Column::OrganisationId.in_subquery(
        Query::select()
            .column(network_member::Column::OrganisationId)
            .from(network_member::Entity)
            .and_where(network_member::Column::NetworkId.eq(network_id))
            .to_owned(),
    )
}

/// Offers with the stored attribute `attribute` (an index lookup by value).
fn has_attribute(attribute: &str) -> SimpleExpr {
    offer::Column::Id.in_subquery(
        Query::select()
            .column(offer_attribute::Column::OfferId)
            .from(offer_attribute::Entity)
            .and_where(offer_attribute::Column::Attribute.eq(attribute))
            .to_owned(),
    )
}

/// `values`, unless there are none (a filter not set).
fn non_empty<T>(values: &[T]) -> Option<&[T]> {
    (!values.is_empty()).then_some(values)
}

/// Public offers (the stored [`rules::is_public`](crate::read_model::rules::is_public)): the
/// leading column of the list's index.
fn is_public() -> SimpleExpr {
    Expr::col((offer::Entity, derived::is_public_col())).eq(true)
}

/// The `locations` column holding areas of the kind of `area`, stored at write time.
fn area_column(kind: AreaKind) -> Alias {
    match kind {
        AreaKind::Gemeente => derived::gemeente_col(),
        AreaKind::Wijk => derived::wijk_col(),
        AreaKind::Buurt => Alias::new(sea_orm::IdenStatic::as_str(&location::Column::BuurtCode)),
    }
}

/// Offers with a location in `area` (a gemeente, wijk or buurt): an index lookup on the code
/// stored beside the location.
fn located_in(area: &AreaCode) -> SimpleExpr {
    offer::Column::Id.in_subquery(
        Query::select()
            .column(location::Column::OfferId)
            .from(location::Entity)
            .and_where(Expr::col(area_column(area.kind())).eq(area.as_str()))
            .to_owned(),
    )
}

/// Offers in one of `statuses`; without any, every offer that has not ended.
fn status_in(statuses: &[OfferStatus]) -> SimpleExpr {
    if statuses.is_empty() {
        offer::Column::Status.ne(OfferStatus::Ended)
    } else {
        offer::Column::Status.is_in(statuses.iter().copied())
    }
}

/// Offers in one of the life domains `domains`.
fn in_life_domains(domains: &[LifeDomain]) -> SimpleExpr {
    offer::Column::Id.in_subquery(
        Query::select()
            .column(offer_life_domain::Column::OfferId)
            .from(offer_life_domain::Entity)
            .and_where(
                Expr::col(offer_life_domain::Column::LifeDomain)
                    .is_in(domains.iter().map(|d| d.as_str())),
            )
            .to_owned(),
    )
}

/// Offers for one of the target groups `groups`.
fn for_target_groups(groups: &[TargetGroup]) -> SimpleExpr {
    offer::Column::Id.in_subquery(
        Query::select()
            .column(offer_target_group::Column::OfferId)
            .from(offer_target_group::Entity)
            .and_where(
                Expr::col(offer_target_group::Column::TargetGroup)
                    .is_in(groups.iter().map(|g| g.as_str())),
            )
            .to_owned(),
    )
}

/// Offers that can take participants now: not full, paused or ended, and without a fixed
/// capacity or with places left.
fn has_open_places() -> Condition {
    Condition::all()
        .add(offer::Column::Status.is_not_in([
            OfferStatus::Full,
            OfferStatus::Paused,
            OfferStatus::Ended,
        ]))
        .add(
            Condition::any()
                .add(offer::Column::Capacity.is_null())
                .add(Expr::col(offer::Column::Capacity).gt(Expr::col(offer::Column::PlacesTaken))),
        )
}

/// Offers without cost.
fn is_free() -> Condition {
    Condition::any()
        .add(offer::Column::CostCents.is_null())
        .add(offer::Column::CostCents.eq(0))
}

/// Offers after the cursor in (title, id) order.
fn after_cursor(c: &Cursor) -> Condition {
    Condition::any()
        .add(offer::Column::Title.gt(c.title.as_str()))
        .add(
            Condition::all()
                .add(offer::Column::Title.eq(c.title.as_str()))
                .add(offer::Column::Id.gt(c.id.as_str())),
        )
}

/// One page of public offers ordered by title, and whether more follow.
pub async fn page(
    db: &impl ConnectionTrait,
    filter: &OfferFilter,
    after: Option<&Cursor>,
    limit: u64,
) -> AppResult<(Vec<offer::Model>, bool)> {
    let mut cond = condition(filter);
    if let Some(c) = after {
        cond = cond.add(after_cursor(c));
    }
    let mut rows = offer::Entity::find()
        .filter(cond)
        .order_by_asc(offer::Column::Title)
        .order_by_asc(offer::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more))
}

/// The number of public offers matching a filter.
pub async fn count(db: &impl ConnectionTrait, filter: &OfferFilter) -> AppResult<u64> {
    Ok(offer::Entity::find()
        .filter(condition(filter))
        .count(db)
        .await?)
}

/// The offers one nested list shows: those with a location in an area (`Area.offers`), or those
/// of an organisation (`Organisation.offers`). Lists of many groups are read together
/// ([`pages_by_group`], [`counts_by_group`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OfferGroup {
    Area(AreaCode),
    Organisation(String),
}

impl OfferGroup {
    /// The key the group's rows carry in batched queries.
    fn key(&self) -> &str {
        match self {
            Self::Area(code) => code.as_str(),
            Self::Organisation(id) => id,
        }
    }
}

const OFFER_ID: &str = "offer_id";
const GROUP: &str = "grp";
const MEMBERS: &str = "members";

/// Sub-query `(offer_id, grp)`: each offer once per group it belongs to. One part per kind of
/// group asked for ([`organisation_members`], [`area_members`], [`buurt_members`]), united.
fn members(groups: &[OfferGroup]) -> SelectStatement {
    let organisations: Vec<String> = groups
        .iter()
        .filter_map(|g| match g {
            OfferGroup::Organisation(id) => Some(id.clone()),
            OfferGroup::Area(_) => None,
        })
        .collect();
    let of_kind = |kind: AreaKind| {
        non_empty_vec(pick_areas(groups, kind)).map(|codes| area_members(kind, codes))
    };
    let parts = [
        non_empty_vec(organisations).map(organisation_members),
        of_kind(AreaKind::Gemeente),
        of_kind(AreaKind::Wijk),
        of_kind(AreaKind::Buurt),
    ];
    let mut parts = parts.into_iter().flatten();
    let Some(mut union) = parts.next() else {
        // No groups: a sub-query without rows.
        return Query::select()
            .expr_as(Expr::val(""), Alias::new(OFFER_ID))
            .expr_as(Expr::val(""), Alias::new(GROUP))
            .and_where(Expr::val(1).eq(0))
            .to_owned();
    };
    for part in parts {
        union.union(UnionType::All, part);
    }
    // Distinct: an offer with two locations in one area belongs to it once.
    Query::select()
        .column(Asterisk)
        .from_subquery(union, Alias::new("u"))
        .distinct()
        .to_owned()
}

/// `values`, unless there are none.
fn non_empty_vec<T>(values: Vec<T>) -> Option<Vec<T>> {
    (!values.is_empty()).then_some(values)
}

/// `(offer_id, grp)` of the offers of the organisations `ids`.
fn organisation_members(ids: Vec<String>) -> SelectStatement {
    Query::select()
        .expr_as(
            Expr::col((offer::Entity, offer::Column::Id)),
            Alias::new(OFFER_ID),
        )
        .expr_as(
            Expr::col((offer::Entity, offer::Column::OrganisationId)),
            Alias::new(GROUP),
        )
        .from(offer::Entity)
        .and_where(offer::Column::OrganisationId.is_in(ids))
        .to_owned()
}

/// `(offer_id, grp)` of the offers with a location in one of the areas `codes` (all of
/// `kind`), by the code stored beside the location.
fn area_members(kind: AreaKind, codes: Vec<String>) -> SelectStatement {
    let column = area_column(kind);
    Query::select()
        .expr_as(
            Expr::col((location::Entity, location::Column::OfferId)),
            Alias::new(OFFER_ID),
        )
        .expr_as(
            Expr::col((location::Entity, column.clone())),
            Alias::new(GROUP),
        )
        .from(location::Entity)
        .and_where(Expr::col((location::Entity, column)).is_in(codes))
        .to_owned()
}

fn pick_areas(groups: &[OfferGroup], kind: AreaKind) -> Vec<String> {
    groups
        .iter()
        .filter_map(|g| match g {
            OfferGroup::Area(code) if code.kind() == kind => Some(code.as_str().to_string()),
            _ => None,
        })
        .collect()
}

/// Public offers matching `filter` joined to their groups.
fn grouped(filter: &OfferFilter, groups: &[OfferGroup]) -> SelectStatement {
    Query::select()
        .from(offer::Entity)
        .join_subquery(
            JoinType::InnerJoin,
            members(groups),
            Alias::new(MEMBERS),
            Expr::col((Alias::new(MEMBERS), Alias::new(OFFER_ID)))
                .equals((offer::Entity, offer::Column::Id)),
        )
        .cond_where(condition(filter))
        .to_owned()
}

/// For each group, one page of its public offers matching `filter` (ordered by title, after
/// the cursor, at most `limit`) and whether more follow, in one statement.
pub async fn pages_by_group(
    db: &impl ConnectionTrait,
    filter: &OfferFilter,
    groups: &[OfferGroup],
    after: Option<&Cursor>,
    limit: u64,
) -> AppResult<HashMap<OfferGroup, (Vec<offer::Model>, bool)>> {
    let group_col = (Alias::new(MEMBERS), Alias::new(GROUP));
    let mut inner = grouped(filter, groups);
    inner
        .columns(offer::Column::iter().map(|c| (offer::Entity, c)))
        .expr_as(Expr::col(group_col.clone()), Alias::new(GROUP))
        .expr_window_as(
            Expr::cust("ROW_NUMBER()"),
            WindowStatement::partition_by(group_col)
                .order_by((offer::Entity, offer::Column::Title), Order::Asc)
                .order_by((offer::Entity, offer::Column::Id), Order::Asc)
                .to_owned(),
            Alias::new("rn"),
        );
    if let Some(c) = after {
        inner.cond_where(after_cursor(c));
    }
    let ranked = Alias::new("ranked");
    let query = Query::select()
        .column(Asterisk)
        .from_subquery(inner, ranked.clone())
        .and_where(Expr::col((ranked.clone(), Alias::new("rn"))).lte(limit.saturating_add(1)))
        .order_by((ranked.clone(), Alias::new(GROUP)), Order::Asc)
        .order_by((ranked, Alias::new("rn")), Order::Asc)
        .to_owned();
    let rows = db.query_all(&query).await?;
    let by_key: HashMap<&str, &OfferGroup> = groups.iter().map(|g| (g.key(), g)).collect();
    let mut pages: HashMap<OfferGroup, (Vec<offer::Model>, bool)> = groups
        .iter()
        .map(|g| (g.clone(), (Vec::new(), false)))
        .collect();
    for row in rows {
        let key: String = row.try_get("", GROUP)?;
        let Some(group) = by_key.get(key.as_str()) else {
            continue;
        };
        let offer = offer::Model::from_query_result(&row, "")?;
        if let Some((list, more)) = pages.get_mut(*group) {
            if list.len() as u64 >= limit {
                *more = true;
            } else {
                list.push(offer);
            }
        }
    }
    Ok(pages)
}

/// For each group, the number of its public offers matching `filter`, in one statement.
pub async fn counts_by_group(
    db: &impl ConnectionTrait,
    filter: &OfferFilter,
    groups: &[OfferGroup],
) -> AppResult<HashMap<OfferGroup, u64>> {
    let group_col = (Alias::new(MEMBERS), Alias::new(GROUP));
    let query = grouped(filter, groups)
        .expr_as(Expr::col(group_col.clone()), Alias::new(GROUP))
        .expr_as(
            Expr::col((offer::Entity, offer::Column::Id)).count(),
            Alias::new("n"),
        )
        .group_by_col(group_col)
        .to_owned();
    let rows = db.query_all(&query).await?;
    let mut counts: HashMap<OfferGroup, u64> = groups.iter().map(|g| (g.clone(), 0)).collect();
    let by_key: HashMap<&str, &OfferGroup> = groups.iter().map(|g| (g.key(), g)).collect();
    for row in rows {
        let key: String = row.try_get("", GROUP)?;
        let n: i64 = row.try_get("", "n")?;
        if let Some(group) = by_key.get(key.as_str()) {
            counts.insert((*group).clone(), u64::try_from(n).unwrap_or(0));
        }
    }
    Ok(counts)
}
