//! Offers as pages read them: [`OfferView`] is the read model's [`OfferBundle`], loaded in a
//! fixed number of statements whatever the number of offers and filtered by the one visibility
//! rule, [`readable`](crate::read_model::rules::readable).

use super::Ctx;
use crate::domain::{Actor, GlobalId};
use crate::error::{AppError, AppResult};
use crate::read_model::OfferBundle;
pub use crate::read_model::offer::organisations;
use sea_orm::ConnectionTrait;

/// An offer with everything a page shows of it.
pub type OfferView = OfferBundle;

impl OfferBundle {
    /// Whether the offer is mirrored from another node (read-only here).
    pub fn is_mirrored(&self, ctx: &Ctx) -> bool {
        self.is_mirrored_at(&ctx.node_id)
    }
}

/// One offer as `actor` may read it; `NOT_FOUND` otherwise (so ids do not leak).
pub async fn get(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<OfferView> {
    let gid = GlobalId::parse(id).map_err(|e| e.in_field("id"))?;
    many(&ctx.db, actor, &[gid.to_string()])
        .await?
        .pop()
        .ok_or_else(|| AppError::NotFound(format!("offer {id}")))
}

/// Views of `ids` in the order given; ids that do not exist or that `actor` may not read are
/// left out. Four statements whatever the number of ids.
pub async fn many(
    db: &impl ConnectionTrait,
    actor: &Actor,
    ids: &[String],
) -> AppResult<Vec<OfferView>> {
    let mut views = OfferBundle::load_many(db, ids).await?;
    views.retain(|v| v.is_readable_by(actor));
    Ok(views)
}

/// Every offer of an organisation `actor` edits, in any state, newest change first.
pub async fn of_organisation(
    ctx: &Ctx,
    actor: &Actor,
    organisation_id: &str,
) -> AppResult<Vec<OfferView>> {
    actor.require_edit_organisation(organisation_id)?;
    let mut views = OfferBundle::of_organisation(&ctx.db, organisation_id).await?;
    views.retain(|v| v.is_readable_by(actor));
    Ok(views)
}
