//! Refetching a record by its global id, as Relay clients and code generators expect: the
//! `Node` interface (every record with an `id`: offers, organisations, locations, areas and
//! referrals) and the root fields `node(id:)` and `nodes(ids:)`.
//!
//! A record resolves only for someone who may see it through its own query: published offers
//! and organisations for everyone, unpublished ones for their editors ([`rules::readable`]),
//! a location with its offer, every area, and a referral for the referring practice and the
//! receiving organisation only (read through [`svc::get`], so audited). Anything else, and
//! ids that are unknown or malformed, give null: never an error that tells a record exists.

use crate::domain::{Actor, AreaCode, GlobalId};
use crate::error::{AppError, AppResult};
use crate::graphql::area::Area;
use crate::graphql::offer::{Location, Offer};
use crate::graphql::organisation::Organisation;
use crate::graphql::referral::Referral;
use crate::graphql::{actor, app};
use crate::read_model::{offer as read, rules};
use crate::services::referral as svc;
use crate::state::AppState;
use async_graphql::{Context, ID, Interface, Object, Result};
use entities::{area, location, offer, organisation, referral};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;

/// A record that can be fetched again by its global id with `node(id:)`.
// Short-lived values of one response; boxing the large records would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "Global id: `<node-id>:<uuid>`, or the CBS code of an area."
))]
pub enum Node {
    Offer(Offer),
    Organisation(Organisation),
    Location(Location),
    Area(Area),
    Referral(Referral),
}

/// A record found for an id, before it becomes a [`Node`] (once per place it was asked for).
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
enum Found {
    Offer(offer::Model),
    Organisation(organisation::Model),
    Location(location::Model),
    Area(area::Model),
    Referral(referral::Model),
}

impl From<Found> for Node {
    fn from(f: Found) -> Self {
        match f {
            Found::Offer(m) => Node::Offer(Offer(m)),
            Found::Organisation(m) => Node::Organisation(Organisation(m)),
            Found::Location(m) => Node::Location(Location(m)),
            Found::Area(m) => Node::Area(Area(m)),
            Found::Referral(m) => Node::Referral(Referral(m)),
        }
    }
}

/// The root fields `node` and `nodes`.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// The record with global id `id`, if you may see it; null otherwise (also for an unknown
    /// or malformed id).
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        let found = resolve(app(ctx)?, actor(ctx)?, &[id.to_string()]).await?;
        Ok(found.into_iter().next().flatten().map(Node::from))
    }

    /// The records with global ids `ids`, in the order asked, each null when it cannot be
    /// shown (as `node`). At most the maximum page size of ids (`BAD_USER_INPUT` beyond).
    #[graphql(complexity = "crate::graphql::cost::times(ids.len(), child_complexity)")]
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> Result<Vec<Option<Node>>> {
        let state = app(ctx)?;
        let max = state.config.limits.max_page_size;
        if ids.len() > max {
            return Err(AppError::field(
                "ids",
                format!("must name at most {max} ids (the maximum page size)"),
            )
            .into());
        }
        let ids: Vec<String> = ids.into_iter().map(|id| id.to_string()).collect();
        let found = resolve(state, actor(ctx)?, &ids).await?;
        Ok(found.into_iter().map(|f| f.map(Node::from)).collect())
    }
}

/// The records of `ids` that `actor` may see, in order (a constant number of statements, plus
/// one audited read per referral found).
async fn resolve(state: &AppState, actor: &Actor, ids: &[String]) -> AppResult<Vec<Option<Found>>> {
    let codes: Vec<&str> = ids
        .iter()
        .filter(|id| AreaCode::parse(id).is_ok())
        .map(String::as_str)
        .collect();
    let gids: Vec<&str> = ids
        .iter()
        .filter(|id| GlobalId::parse(id).is_ok())
        .map(String::as_str)
        .collect();
    let mut found: HashMap<String, Found> = HashMap::new();
    if !codes.is_empty() {
        for a in area::Entity::find()
            .filter(area::Column::Code.is_in(codes))
            .all(&state.db)
            .await?
        {
            found.insert(a.code.clone(), Found::Area(a));
        }
    }
    if !gids.is_empty() {
        records(state, actor, &gids, &mut found).await?;
    }
    Ok(ids.iter().map(|id| found.get(id).cloned()).collect())
}

/// Adds the offers, organisations, locations and referrals among `gids` that `actor` may see.
async fn records(
    state: &AppState,
    actor: &Actor,
    gids: &[&str],
    found: &mut HashMap<String, Found>,
) -> AppResult<()> {
    let db = &state.db;
    for (o, org) in read::with_organisation(db, gids).await? {
        if rules::readable(actor, &o, &org) {
            found.insert(o.id.clone(), Found::Offer(o));
        }
    }
    for org in read::organisations(db, gids.iter().copied())
        .await?
        .into_values()
    {
        if rules::organisation_is_public(&org) || actor.can_edit_organisation(&org.id) {
            found.insert(org.id.clone(), Found::Organisation(org));
        }
    }
    let locations = location::Entity::find()
        .filter(location::Column::Id.is_in(gids.iter().copied()))
        .all(db)
        .await?;
    let offer_ids: Vec<&str> = locations.iter().map(|l| l.offer_id.as_str()).collect();
    let readable: Vec<String> = read::with_organisation(db, &offer_ids)
        .await?
        .into_iter()
        .filter(|(o, org)| rules::readable(actor, o, org))
        .map(|(o, _)| o.id)
        .collect();
    for l in locations {
        if readable.contains(&l.offer_id) {
            found.insert(l.id.clone(), Found::Location(l));
        }
    }
    let referral_ids: Vec<String> = referral::Entity::find()
        .select_only()
        .column(referral::Column::Id)
        .filter(referral::Column::Id.is_in(gids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    for id in referral_ids {
        let Ok(gid) = GlobalId::parse(&id) else {
            continue;
        };
        // The referral's own rule (and its audit): someone else's referral is "not found".
        match svc::get(state, actor, &gid).await {
            Ok(r) => {
                found.insert(id, Found::Referral(r));
            }
            Err(AppError::NotFound(_) | AppError::Unauthenticated) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
