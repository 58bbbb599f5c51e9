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
    UnionType,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, Iterable,
    PaginatorTrait, QueryFilter,
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

/// Offers with a location in `area` (a gemeente, wijk or buurt): an index lookup on the code
/// stored beside the location.
fn located_in(area: &AreaCode) -> SimpleExpr {
    offer::Column::Id.in_subquery(
        Query::select()
            .column(location::Column::OfferId)
            .from(location::Entity)
            .and_where(Expr::col(derived::area_col(area.kind())).eq(area.as_str()))
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

/// Which offer columns a list reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Columns {
    /// Every column.
    #[default]
    All,
    /// Every column but the long texts ([`LONG_TEXTS`]), read as empty (`""` / null): for a
    /// page whose caller shows none of them (a list of titles, places and organisations).
    Lean,
}

/// The long text columns a [`Columns::Lean`] page leaves out.
pub const LONG_TEXTS: [offer::Column; 2] = [offer::Column::Description, offer::Column::HowToJoin];

/// Selects the offer columns of `columns` (by their names, so rows read as `offer::Model`).
fn select_columns(q: &mut SelectStatement, columns: Columns) {
    for c in offer::Column::iter() {
        let name = Alias::new(sea_orm::IdenStatic::as_str(&c));
        match (columns, c) {
            (Columns::Lean, offer::Column::Description) => q.expr_as(Expr::val(""), name),
            (Columns::Lean, offer::Column::HowToJoin) => {
                q.expr_as(Expr::val(Option::<String>::None), name)
            }
            _ => q.column((offer::Entity, c)),
        };
    }
}

/// The sort key of a list's rows: `(title, id)` of the offer, read from the index the list
/// walks (`offers` itself, or the copy stored beside each location for an area list).
struct SortKey {
    title: SimpleExpr,
    id: SimpleExpr,
}

impl SortKey {
    /// The offer's own columns.
    fn offers() -> Self {
        Self {
            title: Expr::col((offer::Entity, offer::Column::Title)),
            id: Expr::col((offer::Entity, offer::Column::Id)),
        }
    }

    /// The copy beside each location (`locations.offer_title`, `offer_id`).
    fn locations() -> Self {
        Self {
            title: Expr::col((location::Entity, derived::offer_title_col())),
            id: Expr::col((location::Entity, location::Column::OfferId)),
        }
    }

    /// Rows after the cursor in (title, id) order; the leading `title >= ` bound lets the
    /// index walk start at the cursor instead of at the first row.
    fn after(&self, c: &Cursor) -> Condition {
        Condition::all()
            .add(self.title.clone().gte(c.title.as_str()))
            .add(
                Condition::any()
                    .add(self.title.clone().gt(c.title.as_str()))
                    .add(self.id.clone().gt(c.id.as_str())),
            )
    }
}

/// The statement of one page (at most `limit` rows) of public offers matching `filter` in
/// (title, id) order after `after`. Without an area it walks the offers' own list index
/// (`idx_offers_public_title`, or the organisation's or origin's); with an area it walks that
/// area's locations in the order of their offers' titles (`idx_locations_*_title`), each
/// offer once (at its first location in the area), so a page costs a page on SQLite and
/// PostgreSQL alike, however many offers the area holds.
fn page_query(
    filter: &OfferFilter,
    after: Option<&Cursor>,
    limit: u64,
    columns: Columns,
) -> SelectStatement {
    let mut q = Query::select();
    select_columns(&mut q, columns);
    let key = match &filter.area {
        None => {
            q.from(offer::Entity).cond_where(condition(filter));
            SortKey::offers()
        }
        Some(area) => {
            let rest = OfferFilter {
                area: None,
                ..filter.clone()
            };
            let column = derived::area_col(area.kind());
            q.from(location::Entity)
                .inner_join(
                    offer::Entity,
                    Expr::col((offer::Entity, offer::Column::Id))
                        .equals((location::Entity, location::Column::OfferId)),
                )
                .and_where(Expr::col((location::Entity, column.clone())).eq(area.as_str()))
                .and_where(derived::first_in_area(area.kind()))
                .cond_where(condition(&rest));
            SortKey::locations()
        }
    };
    if let Some(c) = after {
        q.cond_where(key.after(c));
    }
    q.order_by_expr(key.title, Order::Asc)
        .order_by_expr(key.id, Order::Asc)
        .limit(limit);
    q
}

/// One page of public offers ordered by title, and whether more follow.
pub async fn page(
    db: &impl ConnectionTrait,
    filter: &OfferFilter,
    after: Option<&Cursor>,
    limit: u64,
) -> AppResult<(Vec<offer::Model>, bool)> {
    page_with(db, filter, after, limit, Columns::All).await
}

/// [`page`] reading only `columns`.
pub async fn page_with(
    db: &impl ConnectionTrait,
    filter: &OfferFilter,
    after: Option<&Cursor>,
    limit: u64,
    columns: Columns,
) -> AppResult<(Vec<offer::Model>, bool)> {
    let query = page_query(filter, after, limit.saturating_add(1), columns);
    let mut rows = db
        .query_all(&query)
        .await?
        .iter()
        .map(|row| offer::Model::from_query_result(row, ""))
        .collect::<Result<Vec<_>, _>>()?;
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
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
    let column = derived::area_col(kind);
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

/// Groups whose pages one statement reads (SQLite allows 500 parts in a compound select).
const GROUPS_PER_STATEMENT: usize = 100;

impl OfferGroup {
    /// `filter` narrowed to the group's offers.
    fn narrow(&self, filter: &OfferFilter) -> OfferFilter {
        let mut f = filter.clone();
        match self {
            Self::Area(code) => f.area = Some(code.clone()),
            Self::Organisation(id) => f.organisation_id = Some(id.clone()),
        }
        f
    }
}

/// For each group, one page of its public offers matching `filter` (ordered by title, after
/// the cursor, at most `limit`) and whether more follow: each group's page is its own keyset
/// walk ([`page_query`]), united into one statement per [`GROUPS_PER_STATEMENT`] groups.
pub async fn pages_by_group(
    db: &impl ConnectionTrait,
    filter: &OfferFilter,
    groups: &[OfferGroup],
    after: Option<&Cursor>,
    limit: u64,
    columns: Columns,
) -> AppResult<HashMap<OfferGroup, (Vec<offer::Model>, bool)>> {
    let mut pages: HashMap<OfferGroup, (Vec<offer::Model>, bool)> = groups
        .iter()
        .map(|g| (g.clone(), (Vec::new(), false)))
        .collect();
    let by_key: HashMap<&str, &OfferGroup> = groups.iter().map(|g| (g.key(), g)).collect();
    for chunk in groups.chunks(GROUPS_PER_STATEMENT) {
        // `SELECT * FROM (page of group i) AS pi UNION ALL ...`: each part keeps its order.
        let mut parts = chunk.iter().enumerate().map(|(i, group)| {
            let mut part = page_query(
                &group.narrow(filter),
                after,
                limit.saturating_add(1),
                columns,
            );
            part.expr_as(Expr::val(group.key()), Alias::new(GROUP));
            Query::select()
                .column(Asterisk)
                .from_subquery(part, Alias::new(format!("p{i}")))
                .to_owned()
        });
        let Some(mut query) = parts.next() else {
            continue;
        };
        for part in parts {
            query.union(UnionType::All, part);
        }
        for row in db.query_all(&query).await? {
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
