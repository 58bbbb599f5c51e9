//! Listing public offers: filters, keyset pagination and counts.

use super::area::buurten_within;
use crate::domain::AreaCode;
use crate::error::{AppError, AppResult};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entities::{
    LifeDomain, OfferKind, OfferStatus, OrganisationStatus, TargetGroup, location, offer,
    offer_life_domain, offer_target_group, organisation,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

/// Filters on public offers; every given filter must hold (AND), values within one filter are
/// alternatives (OR).
#[derive(Clone, Debug, Default)]
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
}

/// Where a page starts: after the offer with this sort key.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

fn condition(filter: &OfferFilter) -> Condition {
    let mut cond = Condition::all()
        .add(offer::Column::PublishedAt.is_not_null())
        .add(
            offer::Column::OrganisationId.in_subquery(
                Query::select()
                    .column(organisation::Column::Id)
                    .from(organisation::Entity)
                    .and_where(
                        Expr::col(organisation::Column::Status)
                            .eq(OrganisationStatus::Published.as_str()),
                    )
                    .to_owned(),
            ),
        );
    if let Some(area) = &filter.area {
        cond = cond.add(
            offer::Column::Id.in_subquery(
                Query::select()
                    .column(location::Column::OfferId)
                    .from(location::Entity)
                    .and_where(
                        Expr::col(location::Column::BuurtCode).in_subquery(buurten_within(area)),
                    )
                    .to_owned(),
            ),
        );
    }
    if !filter.kinds.is_empty() {
        cond = cond.add(offer::Column::Kind.is_in(filter.kinds.iter().copied()));
    }
    if filter.statuses.is_empty() {
        cond = cond.add(offer::Column::Status.ne(OfferStatus::Ended));
    } else {
        cond = cond.add(offer::Column::Status.is_in(filter.statuses.iter().copied()));
    }
    if !filter.life_domains.is_empty() {
        cond = cond.add(
            offer::Column::Id.in_subquery(
                Query::select()
                    .column(offer_life_domain::Column::OfferId)
                    .from(offer_life_domain::Entity)
                    .and_where(
                        Expr::col(offer_life_domain::Column::LifeDomain)
                            .is_in(filter.life_domains.iter().map(|d| d.as_str())),
                    )
                    .to_owned(),
            ),
        );
    }
    if !filter.target_groups.is_empty() {
        cond = cond.add(
            offer::Column::Id.in_subquery(
                Query::select()
                    .column(offer_target_group::Column::OfferId)
                    .from(offer_target_group::Entity)
                    .and_where(
                        Expr::col(offer_target_group::Column::TargetGroup)
                            .is_in(filter.target_groups.iter().map(|g| g.as_str())),
                    )
                    .to_owned(),
            ),
        );
    }
    if filter.open_places {
        cond = cond
            .add(offer::Column::Status.is_not_in([
                OfferStatus::Full,
                OfferStatus::Paused,
                OfferStatus::Ended,
            ]))
            .add(
                Condition::any().add(offer::Column::Capacity.is_null()).add(
                    Expr::col(offer::Column::Capacity).gt(Expr::col(offer::Column::PlacesTaken)),
                ),
            );
    }
    if filter.free {
        cond = cond.add(
            Condition::any()
                .add(offer::Column::CostCents.is_null())
                .add(offer::Column::CostCents.eq(0)),
        );
    }
    if let Some(org) = &filter.organisation_id {
        cond = cond.add(offer::Column::OrganisationId.eq(org.as_str()));
    }
    if let Some(node) = &filter.origin_node {
        cond = cond.add(offer::Column::OriginNode.eq(node.as_str()));
    }
    cond
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
        cond = cond.add(
            Condition::any()
                .add(offer::Column::Title.gt(c.title.as_str()))
                .add(
                    Condition::all()
                        .add(offer::Column::Title.eq(c.title.as_str()))
                        .add(offer::Column::Id.gt(c.id.as_str())),
                ),
        );
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
