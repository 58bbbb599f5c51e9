//! The two numbers in the header of every page for a signed-in user: unread notifications and
//! new referrals (sent to an organisation the user edits, not yet received). One statement
//! with two scalar subqueries, so a page costs one round trip for both.

use crate::domain::Actor;
use crate::error::AppResult;
use entities::{ReferralStatus, Role, notification, offer, referral};
use sea_orm::sea_query::{Alias, Expr, Func, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
    QueryTrait, StatementBuilder,
};

/// The header's counts for one user.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeaderCounts {
    /// Unread notifications.
    pub unread: u64,
    /// Referrals to the user's organisations still waiting for receipt (status `requested`);
    /// `None` for a user who edits no organisation.
    pub new_referrals: Option<u64>,
}

#[derive(FromQueryResult)]
struct Row {
    unread: i64,
    new_referrals: i64,
}

/// The counts of a signed-in `actor` (an error for anyone else).
pub async fn of(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<HeaderCounts> {
    let user = actor.user()?;
    let receiving: Vec<String> = user
        .organisations_as(Role::OrganisationEditor)
        .map(str::to_string)
        .collect();
    let unread = notification::Entity::find()
        .select_only()
        .expr(Func::count(Expr::col(notification::Column::Id)))
        .filter(notification::Column::UserId.eq(user.id.as_str()))
        .filter(notification::Column::ReadAt.is_null())
        .into_query();
    let editor = !receiving.is_empty();
    let offers = offer::Entity::find()
        .select_only()
        .column(offer::Column::Id)
        .filter(offer::Column::OrganisationId.is_in(receiving))
        .into_query();
    let new_referrals = referral::Entity::find()
        .select_only()
        .expr(Func::count(Expr::col(referral::Column::Id)))
        .filter(referral::Column::Status.eq(ReferralStatus::Requested))
        .filter(referral::Column::OfferId.in_subquery(offers))
        .into_query();
    let query = Query::select()
        .expr_as(sub(unread), Alias::new("unread"))
        .expr_as(sub(new_referrals), Alias::new("new_referrals"))
        .to_owned();
    let stmt = StatementBuilder::build(&query, &db.get_database_backend());
    let row = Row::find_by_statement(stmt).one(db).await?;
    let (unread, new) = row.map_or((0, 0), |r| (r.unread, r.new_referrals));
    Ok(HeaderCounts {
        unread: u64::try_from(unread).unwrap_or(0),
        new_referrals: editor.then(|| u64::try_from(new).unwrap_or(0)),
    })
}

fn sub(q: SelectStatement) -> Expr {
    Expr::SubQuery(None, Box::new(q.into()))
}
