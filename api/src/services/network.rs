//! Networks and the network details of offers (issue 19).
//!
//! - Networks (a Netwerk Mentale Gezondheid, a "voor- en door"-netwerk): node admins create,
//!   change and delete them and add or remove member organisations (practices are organisations
//!   of kind `gp_practice`). Networks are local to this node: they are not in the change feed.
//! - The partners, funding and attributes of an offer ([`NetworkDetails`]): written by the
//!   offer's editors ([`set_offer_details`], optimistic `version` like every offer write), and
//!   by the federation mirror and the HSDS import through [`write_details`].

use crate::db;
use crate::domain::funding::NetworkDetails;
use crate::domain::{Actor, AreaCode, GlobalId, WebUrl, optional_text, required_text};
use crate::error::{AppError, AppResult};
use crate::services::organisation::check_version;
use crate::services::{Ctx, changes};
use chrono::Utc;
use entities::json::StringList;
use entities::{
    ChangeOp, RecordKind, network, network_member, offer, offer_attribute, offer_funder,
    offer_funding_route, offer_partner, organisation,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

/// Longest network name.
pub const NAME_MAX: usize = 200;
/// Longest network description.
pub const DESCRIPTION_MAX: usize = 4000;

/// The fields of a network as an edge receives them.
#[derive(Clone, Debug, Default)]
pub struct NetworkFields {
    pub name: String,
    pub description: Option<String>,
    pub website: Option<String>,
    /// CBS codes of gemeenten.
    pub region: Vec<String>,
}

/// A network's fields, parsed.
#[derive(Clone, Debug)]
pub struct NetworkPatch {
    pub name: String,
    pub description: String,
    pub website: Option<WebUrl>,
    pub region: Vec<AreaCode>,
}

impl NetworkPatch {
    /// Parses raw fields; errors name the field (`name`, `website`, `region.0`).
    pub fn parse(raw: NetworkFields) -> AppResult<Self> {
        let name = required_text(&raw.name, NAME_MAX).map_err(|e| e.in_field("name"))?;
        let description = optional_text(raw.description.as_deref(), DESCRIPTION_MAX)
            .map_err(|e| e.in_field("description"))?
            .unwrap_or_default();
        let website = (raw.website.as_deref().map(str::trim))
            .filter(|w| !w.is_empty())
            .map(WebUrl::parse)
            .transpose()
            .map_err(|e| e.in_field("website"))?;
        let mut region: Vec<AreaCode> = Vec::new();
        for (i, code) in raw.region.iter().enumerate() {
            let field = format!("region.{i}");
            let code = AreaCode::parse_gemeente(code, &field)?;
            if !region.contains(&code) {
                region.push(code);
            }
        }
        Ok(Self {
            name,
            description,
            website,
            region,
        })
    }

    fn apply(&self, n: &mut network::ActiveModel) {
        n.name = Set(self.name.clone());
        n.description = Set(self.description.clone());
        n.website = Set(self.website.as_ref().map(|w| w.as_str().to_string()));
        n.region = Set(StringList(
            self.region.iter().map(|c| c.as_str().to_string()).collect(),
        ));
    }
}

/// Every network of this node, by name.
pub async fn list(db: &impl ConnectionTrait) -> AppResult<Vec<network::Model>> {
    Ok(network::Entity::find()
        .order_by_asc(network::Column::Name)
        .order_by_asc(network::Column::Id)
        .all(db)
        .await?)
}

/// One network, or `NOT_FOUND`.
pub async fn get(db: &impl ConnectionTrait, id: &GlobalId) -> AppResult<network::Model> {
    network::Entity::find_by_id(id.to_string())
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("network {id}")))
}

/// The member organisations of a network that `actor` may see (published ones; node admins
/// see every member), by name.
pub async fn members(
    db: &impl ConnectionTrait,
    actor: &Actor,
    network_id: &str,
) -> AppResult<Vec<organisation::Model>> {
    let ids = crate::read_model::funding::member_ids(db, network_id).await?;
    let mut orgs: Vec<organisation::Model> = crate::read_model::offer::organisations(db, ids)
        .await?
        .into_values()
        .filter(|o| actor.is_admin() || o.status == entities::OrganisationStatus::Published)
        .collect();
    orgs.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(orgs)
}

/// The one rule for changing networks: node admins only.
fn require_admin(actor: &Actor) -> AppResult<()> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(actor.denied("manage networks"))
    }
}

/// Creates a network (node admins).
pub async fn create(ctx: &Ctx, actor: &Actor, patch: NetworkPatch) -> AppResult<network::Model> {
    require_admin(actor)?;
    let now = Utc::now();
    let mut n = network::ActiveModel {
        id: Set(GlobalId::new(&ctx.node_id).to_string()),
        origin_node: Set(ctx.node_id.as_str().to_string()),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    };
    patch.apply(&mut n);
    Ok(n.insert(&ctx.db).await?)
}

/// Changes a network (node admins) if `version` is current.
pub async fn update(
    ctx: &Ctx,
    actor: &Actor,
    id: &GlobalId,
    version: i32,
    patch: NetworkPatch,
) -> AppResult<network::Model> {
    require_admin(actor)?;
    let txn = db::begin_write(&ctx.db).await?;
    let stored = get(&txn, id).await?;
    check_version(stored.version, version, "network")?;
    let mut n: network::ActiveModel = stored.into();
    patch.apply(&mut n);
    n.version = Set(version + 1);
    n.updated_at = Set(Utc::now());
    let saved = n.update(&txn).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Deletes a network and its memberships (node admins) if `version` is current.
pub async fn delete(ctx: &Ctx, actor: &Actor, id: &GlobalId, version: i32) -> AppResult<()> {
    require_admin(actor)?;
    let txn = db::begin_write(&ctx.db).await?;
    let stored = get(&txn, id).await?;
    check_version(stored.version, version, "network")?;
    network_member::Entity::delete_many()
        .filter(network_member::Column::NetworkId.eq(stored.id.as_str()))
        .exec(&txn)
        .await?;
    network::Entity::delete_by_id(stored.id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Adds an organisation (or practice) of this node's database to a network (node admins);
/// adding a member twice changes nothing.
pub async fn add_member(
    ctx: &Ctx,
    actor: &Actor,
    network_id: &GlobalId,
    organisation_id: &GlobalId,
) -> AppResult<network::Model> {
    require_admin(actor)?;
    let txn = db::begin_write(&ctx.db).await?;
    let n = get(&txn, network_id).await?;
    let org = organisation::Entity::find_by_id(organisation_id.to_string())
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::field("organisationId", "no such organisation"))?;
    let exists = network_member::Entity::find_by_id((n.id.clone(), org.id.clone()))
        .one(&txn)
        .await?
        .is_some();
    if !exists {
        network_member::ActiveModel {
            network_id: Set(n.id.clone()),
            organisation_id: Set(org.id),
            added_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(n)
}

/// Removes an organisation from a network (node admins); removing a non-member changes nothing.
pub async fn remove_member(
    ctx: &Ctx,
    actor: &Actor,
    network_id: &GlobalId,
    organisation_id: &GlobalId,
) -> AppResult<network::Model> {
    require_admin(actor)?;
    let n = get(&ctx.db, network_id).await?;
    network_member::Entity::delete_many()
        .filter(network_member::Column::NetworkId.eq(n.id.as_str()))
        .filter(network_member::Column::OrganisationId.eq(organisation_id.to_string()))
        .exec(&ctx.db)
        .await?;
    Ok(n)
}

/// Sets the partners, funding and attributes of an offer of this node: its editors (and node
/// admins), if `version` is current; the offer's version is bumped and peers see the change.
/// Partners must be organisations this node holds.
pub async fn set_offer_details(
    ctx: &Ctx,
    actor: &Actor,
    offer_id: &GlobalId,
    version: i32,
    details: NetworkDetails,
) -> AppResult<offer::Model> {
    let (txn, mut model) =
        crate::services::offer::begin_edit(ctx, actor, offer_id, version).await?;
    let known =
        crate::read_model::offer::organisations(&txn, details.partners.iter().cloned()).await?;
    if let Some(i) = details.partners.iter().position(|p| !known.contains_key(p)) {
        return Err(AppError::field(
            format!("partners.{i}"),
            "no such organisation",
        ));
    }
    let done = offer::Entity::update_many()
        .col_expr(offer::Column::Version, Expr::value(version + 1))
        .col_expr(offer::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(offer::Column::Id.eq(model.id.as_str()))
        .filter(offer::Column::Version.eq(version))
        .exec(&txn)
        .await?;
    if done.rows_affected != 1 {
        return Err(AppError::Conflict(format!(
            "offer {offer_id} was changed by someone else; reload and try again"
        )));
    }
    write_details(&txn, &model.id, &details).await?;
    changes::record(
        &txn,
        RecordKind::Offer,
        &model.id,
        ChangeOp::Upsert,
        &model.origin_node,
    )
    .await?;
    txn.commit().await?;
    model.version = version + 1;
    Ok(model)
}

/// Replaces the partners, funders, funding routes and attributes of each offer of `items`
/// (inside the caller's transaction), in a constant number of statements for the batch.
pub async fn write_details_many(
    txn: &DatabaseTransaction,
    items: &[(&str, &NetworkDetails)],
) -> AppResult<()> {
    let ids: Vec<String> = items.iter().map(|(id, _)| id.to_string()).collect();
    db::delete_in::<offer_partner::Entity>(txn, offer_partner::Column::OfferId, &ids).await?;
    db::delete_in::<offer_funder::Entity>(txn, offer_funder::Column::OfferId, &ids).await?;
    db::delete_in::<offer_funding_route::Entity>(txn, offer_funding_route::Column::OfferId, &ids)
        .await?;
    db::delete_in::<offer_attribute::Entity>(txn, offer_attribute::Column::OfferId, &ids).await?;
    let (mut partners, mut funders, mut routes, mut attributes) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (offer_id, d) in items {
        let id = || Set(offer_id.to_string());
        partners.extend(
            d.partners
                .iter()
                .enumerate()
                .map(|(i, p)| offer_partner::ActiveModel {
                    offer_id: id(),
                    organisation_id: Set(p.clone()),
                    position: Set(i as i32),
                }),
        );
        funders.extend(
            d.funders
                .iter()
                .enumerate()
                .map(|(i, f)| offer_funder::ActiveModel {
                    offer_id: id(),
                    position: Set(i as i32),
                    name: Set(f.name.clone()),
                    kind: Set(f.kind.as_str().to_string()),
                }),
        );
        routes.extend(d.routes.iter().map(|r| offer_funding_route::ActiveModel {
            offer_id: id(),
            route: Set(r.as_str().to_string()),
        }));
        attributes.extend(
            d.attributes()
                .into_iter()
                .map(|a| offer_attribute::ActiveModel {
                    offer_id: id(),
                    attribute: Set(a),
                }),
        );
    }
    db::insert_all(txn, partners, None).await?;
    db::insert_all(txn, funders, None).await?;
    db::insert_all(txn, routes, None).await?;
    db::insert_all(txn, attributes, None).await?;
    Ok(())
}

/// Replaces the stored partners, funders, funding routes and attributes of an offer (inside
/// the caller's transaction).
pub async fn write_details(
    txn: &DatabaseTransaction,
    offer_id: &str,
    d: &NetworkDetails,
) -> AppResult<()> {
    write_details_many(txn, &[(offer_id, d)]).await
}
