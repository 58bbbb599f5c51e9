//! The `Area` object (a CBS gemeente, wijk or buurt) and map points.

use crate::domain::AreaCode;
use crate::graphql::app;
use crate::graphql::enums::AreaKind;
use crate::graphql::loaders;
use crate::graphql::offer::{OfferConnection, OfferFilterInput, offer_connection};
use crate::services::offer_list::OfferGroup;
use crate::services::{self, page};
use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use entities::area;

/// Extra fields of a list of child areas.
pub struct AreaListInfo {
    parent: AreaCode,
}

#[Object]
impl AreaListInfo {
    /// Number of child areas (all pages); counted only when asked.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        Ok(services::area::children_count(&app(ctx)?.db, &self.parent).await?)
    }
}

/// A page of areas (Relay connection).
pub type AreaConnection = Connection<String, Area, AreaListInfo, EmptyFields>;

/// The cursor of a child area: its code, opaque to clients.
fn area_cursor(code: &str) -> String {
    page::KeyCursor {
        key: code.to_string(),
        id: code.to_string(),
    }
    .encode()
}

/// A WGS84 point.
#[derive(SimpleObject, Clone, Copy, Debug)]
pub struct Point {
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lon: f64,
}

/// A CBS area: gemeente, wijk or buurt.
pub struct Area(pub area::Model);

/// A CBS area: gemeente, wijk or buurt, with its place in the tree and its offers.
#[Object]
impl Area {
    /// Global id for `node(id:)`: the CBS code, which is the same on every node.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.code.clone())
    }

    /// CBS code (`GM0268`, `WK026801`, `BU02680101`).
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Level of the area.
    async fn kind(&self) -> AreaKind {
        self.0.kind.into()
    }

    /// Official CBS name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Centroid of the area.
    async fn centroid(&self) -> Point {
        Point {
            lat: self.0.centroid_lat,
            lon: self.0.centroid_lon,
        }
    }

    /// The wijk of a buurt, the gemeente of a wijk; none for a gemeente.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Area>> {
        let Some(code) = &self.0.parent_code else {
            return Ok(None);
        };
        Ok(ctx
            .data::<loaders::Loaders>()?
            .area
            .load_one(code.clone())
            .await?
            .map(Area))
    }

    /// The gemeente this area lies in (itself for a gemeente).
    async fn gemeente(&self, ctx: &Context<'_>) -> Result<Option<Area>> {
        Ok(ctx
            .data::<loaders::Loaders>()?
            .area
            .load_one(self.0.gemeente_code.clone())
            .await?
            .map(Area))
    }

    /// Wijken of a gemeente, buurten of a wijk, ordered by code. Counts as 40 areas towards
    /// the query's complexity.
    #[graphql(
        complexity = "crate::graphql::cost::times(crate::graphql::cost::AREA_CHILDREN, child_complexity)",
        deprecation = "a plain list of every child; use childrenConnection"
    )]
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<Area>> {
        let rows = ctx
            .data::<loaders::Loaders>()?
            .children
            .load_one(self.0.code.clone())
            .await?;
        Ok(rows.unwrap_or_default().into_iter().map(Area).collect())
    }

    /// Wijken of a gemeente, buurten of a wijk, by code, paged with `first` and `after` (a
    /// Relay connection, keyset on the code; `totalCount` on request).
    #[graphql(complexity = "crate::graphql::cost::page(first, child_complexity)")]
    async fn children_connection(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<AreaConnection> {
        let state = app(ctx)?;
        let limit = page::page_size(first, &state.config.limits)?;
        let after = after.as_deref().map(page::KeyCursor::decode).transpose()?;
        let parent = AreaCode::parse(&self.0.code)?;
        let (rows, more) = services::area::children_page(
            &state.db,
            &parent,
            after.as_ref().map(|c| c.key.as_str()),
            limit,
        )
        .await?;
        let mut conn =
            Connection::with_additional_fields(after.is_some(), more, AreaListInfo { parent });
        conn.edges.extend(
            rows.into_iter()
                .map(|a| Edge::new(area_cursor(&a.code), Area(a))),
        );
        Ok(conn)
    }

    /// GeoJSON geometry of the area, where known.
    async fn geometry(&self) -> Option<&str> {
        self.0.geometry.as_deref()
    }

    /// Public offers with a location in this area ("offers per neighbourhood"); over a list
    /// of areas, one query for all of them.
    #[graphql(complexity = "crate::graphql::cost::page(first, child_complexity)")]
    async fn offers(
        &self,
        ctx: &Context<'_>,
        filter: Option<OfferFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<OfferConnection> {
        let mut filter = filter.unwrap_or_default();
        filter.area_code = None;
        let group = OfferGroup::Area(AreaCode::parse(&self.0.code)?);
        offer_connection(ctx, filter, Some(group), first, after).await
    }
}
