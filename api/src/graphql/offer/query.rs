//! Offer queries: one offer, and the paged offer list (a Relay connection) shared with
//! `Area.offers` and `Organisation.offers`.

use super::inputs::OfferFilterInput;
use super::types::Offer;
use crate::domain::{Actor, GlobalId};
use crate::error::AppError;
use crate::graphql::app;
use crate::graphql::loaders::{Loaders, OfferCountKey, OfferPageKey};
use crate::read_model::{offer as read, rules};
use crate::services::offer_list::{self, Columns, Cursor, OfferFilter, OfferGroup};
use crate::services::page;
use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, ID, Object, Result};

/// Extra fields of an offer list.
pub struct OfferListInfo {
    filter: OfferFilter,
    group: Option<OfferGroup>,
}

#[Object]
impl OfferListInfo {
    /// Number of offers matching the filter (all pages).
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        let Some(group) = &self.group else {
            return Ok(offer_list::count(&app(ctx)?.db, &self.filter).await?);
        };
        let key = OfferCountKey {
            group: group.clone(),
            filter: self.filter.clone(),
        };
        Ok(ctx
            .data::<Loaders>()?
            .offer_counts
            .load_one(key)
            .await?
            .unwrap_or(0))
    }
}

/// A page of offers (Relay connection).
pub type OfferConnection = Connection<String, Offer, OfferListInfo, EmptyFields>;

/// Builds a page of public offers; shared by `offers` and, with the `group` whose offers they
/// list (batched over a list of areas or organisations), `Area.offers` and
/// `Organisation.offers`.
pub async fn offer_connection(
    ctx: &Context<'_>,
    filter: OfferFilterInput,
    group: Option<OfferGroup>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<OfferConnection> {
    let state = app(ctx)?;
    let limit = page::page_size(first, &state.config.limits)?;
    let after = after.as_deref().map(Cursor::decode).transpose()?;
    let filter = filter.parse()?;
    let columns = columns_shown(ctx);
    let (rows, more) = match &group {
        None => offer_list::page_with(&state.db, &filter, after.as_ref(), limit, columns).await?,
        Some(group) => {
            let key = OfferPageKey {
                group: group.clone(),
                filter: filter.clone(),
                after: after.clone(),
                limit,
                columns,
            };
            let page = ctx.data::<Loaders>()?.offer_pages.load_one(key).await?;
            page.unwrap_or_default()
        }
    };
    let mut conn =
        Connection::with_additional_fields(after.is_some(), more, OfferListInfo { filter, group });
    conn.edges.extend(
        rows.into_iter()
            .map(|o| Edge::new(Cursor::of(&o).encode(), Offer(o))),
    );
    Ok(conn)
}

/// The fields of `Offer` that show a long text column ([`offer_list::LONG_TEXTS`]).
const LONG_TEXT_FIELDS: [&str; 2] = ["description", "howToJoin"];

/// The offer columns a page needs: [`Columns::Lean`] unless the selection of its offers
/// (`edges { node }` or `nodes`, through fragments too) shows a long text.
fn columns_shown(ctx: &Context<'_>) -> Columns {
    let look = ctx.look_ahead();
    let nodes = [look.field("edges").field("node"), look.field("nodes")];
    let long = nodes
        .iter()
        .any(|node| LONG_TEXT_FIELDS.iter().any(|f| node.field(f).exists()));
    if long { Columns::All } else { Columns::Lean }
}

/// Queries on offers.
#[derive(Default)]
pub struct OfferQuery;

#[Object]
impl OfferQuery {
    /// One public offer by id.
    async fn offer(&self, ctx: &Context<'_>, id: ID) -> Result<Offer> {
        let state = app(ctx)?;
        let gid = GlobalId::parse(&id).map_err(|e| e.in_field("id"))?;
        // Public only, for every caller: editors read their drafts through their mutations
        // and pages (`rules::readable`), not through this public query.
        let found = read::with_organisation(&state.db, &[gid.to_string()]).await?;
        match found.into_iter().next() {
            Some((o, org)) if rules::readable(&Actor::Anonymous, &o, &org) => Ok(Offer(o)),
            _ => Err(AppError::NotFound(format!("offer {}", id.as_str())).into()),
        }
    }

    /// Public offers, filtered, ordered by title, paged with `first` (at most the configured
    /// maximum page size) and `after`.
    #[graphql(complexity = "crate::graphql::cost::page(first, child_complexity)")]
    async fn offers(
        &self,
        ctx: &Context<'_>,
        filter: Option<OfferFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<OfferConnection> {
        offer_connection(ctx, filter.unwrap_or_default(), None, first, after).await
    }
}
