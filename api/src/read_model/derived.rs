//! Columns derived from other records and stored so lists and counts read one index:
//! - of each offer whether it is public (`offers.is_public`, decided by
//!   [`rules::is_public_expr`]);
//! - of each location the gemeente and wijk of its buurt (`locations.gemeente_code` /
//!   `wijk_code`, from the gazetteer's `areas` rows), the title of its offer
//!   (`locations.offer_title`, the area lists' sort key), whether its offer counts in coverage
//!   (`locations.offer_active`: public and [`rules::is_active`]) and what coverage counts of it
//!   (`offer_kind`, `offer_has_room`, `offer_for_older`, `offer_domains`), and whether it is
//!   the first of its offer's locations in its gemeente, wijk and buurt (`first_in_*`: each
//!   offer counted once per area without `DISTINCT`);
//! - of each referral's offer its organisation (`referrals.receiving_organisation_id`), its
//!   place (`offer_gemeente_code` / `offer_wijk_code`, of its first location) and its kind
//!   (`offer_kind`): the insight figures' keys.
//!
//! Every writer of offers, locations or an organisation's status calls [`refresh_offers`] or
//! [`refresh_organisations`] in its own transaction, after writing (the mirror writes offers
//! and locations with these columns, [`super::derived_rows`], and calls
//! [`refresh_referrals_of`]); a place taken on an offer calls [`refresh_room`], every writer of
//! a new referral [`refresh_referral`].

use super::rules;
use crate::db::MAX_PARAMS;
use entities::{
    AreaKind, LifeDomain, area, location, offer, offer_life_domain, offer_target_group, referral,
};
use sea_orm::sea_query::{
    Alias, CaseStatement, DynIden, Expr, ExprTrait, Func, IntoIden, Query, SelectStatement,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

/// `(select)` as a value: the one row and column of `select` (null without a row).
fn scalar(select: sea_orm::sea_query::SelectStatement) -> Expr {
    Expr::SubQuery(None, Box::new(select.into()))
}

/// `offers.is_public`: whether the offer is public ([`rules::is_public`]).
pub fn is_public_col() -> Alias {
    Alias::new("is_public")
}

/// `locations.gemeente_code`: the gemeente of the location's buurt.
pub fn gemeente_col() -> Alias {
    Alias::new("gemeente_code")
}

/// `locations.wijk_code`: the wijk of the location's buurt.
pub fn wijk_col() -> Alias {
    Alias::new("wijk_code")
}

/// `locations.offer_title`: the title of the location's offer (area lists walk
/// `(area code, offer_title, offer_id)`).
pub fn offer_title_col() -> Alias {
    Alias::new("offer_title")
}

/// `locations.offer_active`: whether the location's offer is public and active
/// ([`rules::is_active`]), the offers coverage counts (partial indexes hold these locations).
pub fn offer_active_col() -> Alias {
    Alias::new("offer_active")
}

/// `locations.first_in_gemeente`, `first_in_wijk`, `first_in_buurt`: whether the location is
/// the first (by id) of its offer's locations in the area of `kind` it lies in, so counting
/// those counts each offer of an area once ([`crate::services::coverage`]).
pub fn first_in_col(kind: AreaKind) -> Alias {
    Alias::new(match kind {
        AreaKind::Gemeente => "first_in_gemeente",
        AreaKind::Wijk => "first_in_wijk",
        AreaKind::Buurt => "first_in_buurt",
    })
}

/// The column of `locations` naming its area of `kind`: its buurt, or the stored wijk or
/// gemeente.
pub fn area_col(kind: AreaKind) -> DynIden {
    match kind {
        AreaKind::Gemeente => gemeente_col().into_iden(),
        AreaKind::Wijk => wijk_col().into_iden(),
        AreaKind::Buurt => location::Column::BuurtCode.into_iden(),
    }
}

/// Whether the location is its offer's first (lowest id) in its area of `kind`: no other
/// location of the same offer in the same area has a smaller id (over the stored area
/// columns). The rule behind the stored [`first_in_col`] flags; the area offer lists apply it
/// directly, so an offer with two places in one area is listed once.
pub fn first_in_area(kind: AreaKind) -> Expr {
    let other = Alias::new("o");
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from_as(location::Entity, other.clone())
            .and_where(
                Expr::col((other.clone(), location::Column::OfferId))
                    .equals((location::Entity, location::Column::OfferId)),
            )
            .and_where(
                Expr::col((other.clone(), area_col(kind)))
                    .equals((location::Entity, area_col(kind))),
            )
            .and_where(
                Expr::col((other, location::Column::Id))
                    .lt(Expr::col((location::Entity, location::Column::Id))),
            )
            .take(),
    )
    .not()
}

/// The offer of the location being updated, as a correlated sub-select (nothing selected yet).
fn location_offer() -> SelectStatement {
    Query::select()
        .from(offer::Entity)
        .and_where(
            Expr::col((offer::Entity, offer::Column::Id))
                .equals((location::Entity, location::Column::OfferId)),
        )
        .take()
}

/// Whether the offer of the location being updated meets `condition` (over its `offers` row).
fn location_offer_meets(condition: Expr) -> Expr {
    Expr::exists(
        location_offer()
            .expr(Expr::val(1))
            .and_where(condition)
            .take(),
    )
}

/// Whether the offer of the location being updated is public and active (after its
/// `is_public` is stored).
fn offer_active_expr() -> Expr {
    location_offer_meets(
        Expr::col((offer::Entity, is_public_col()))
            .eq(true)
            .and(rules::is_active_expr()),
    )
}

/// A column of the offer of the location being updated.
fn of_location_offer(column: offer::Column) -> Expr {
    scalar(location_offer().column((offer::Entity, column)).take())
}

/// `locations.offer_has_room`: whether the location's offer can take participants now
/// ([`rules::has_room_expr`]).
pub fn offer_has_room_col() -> Alias {
    Alias::new("offer_has_room")
}

/// `locations.offer_for_older`: whether the location's offer is meant for older people
/// ([`rules::FOR_OLDER`] among its target groups).
pub fn offer_for_older_col() -> Alias {
    Alias::new("offer_for_older")
}

/// `locations.offer_domains`: the life domains of the location's offer as bits
/// ([`domain_bit`]).
pub fn offer_domains_col() -> Alias {
    Alias::new("offer_domains")
}

/// The bit of a life domain in `locations.offer_domains`: bit `i` for the `i`-th value of
/// [`LifeDomain::ALL`] (the vocabulary only grows at its end; migration 9604 stored the same).
pub fn domain_bit(domain: LifeDomain) -> i32 {
    let i = LifeDomain::ALL
        .iter()
        .position(|d| *d == domain)
        .unwrap_or_default();
    1 << i
}

/// The life domains of stored `offer_domains` bits, in vocabulary order.
pub fn domains_of(bits: i32) -> impl Iterator<Item = LifeDomain> {
    LifeDomain::ALL
        .iter()
        .copied()
        .filter(move |d| bits & domain_bit(*d) != 0)
}

/// Whether the offer of the location being updated can take participants now.
fn offer_has_room_expr() -> Expr {
    location_offer_meets(rules::has_room_expr())
}

/// Whether the offer of the location being updated is meant for older people.
fn offer_for_older_expr() -> Expr {
    use offer_target_group::Column as T;
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(offer_target_group::Entity)
            .and_where(
                Expr::col((offer_target_group::Entity, T::OfferId))
                    .equals((location::Entity, location::Column::OfferId)),
            )
            .and_where(
                Expr::col((offer_target_group::Entity, T::TargetGroup))
                    .eq(rules::FOR_OLDER.as_str()),
            )
            .take(),
    )
}

/// The life domain bits of the offer of the location being updated (0 without domains).
fn offer_domains_expr() -> Expr {
    use offer_life_domain::Column as D;
    let bit = LifeDomain::ALL
        .iter()
        .fold(CaseStatement::new(), |case, d| {
            case.case(
                Expr::col((offer_life_domain::Entity, D::LifeDomain)).eq(d.as_str()),
                Expr::val(domain_bit(*d)),
            )
        })
        .finally(Expr::val(0));
    Func::coalesce([
        scalar(
            Query::select()
                .expr(Expr::Case(Box::new(bit)).sum())
                .from(offer_life_domain::Entity)
                .and_where(
                    Expr::col((offer_life_domain::Entity, D::OfferId))
                        .equals((location::Entity, location::Column::OfferId)),
                )
                .take(),
        ),
        Expr::val(0),
    ])
    .into()
}

/// `referrals.receiving_organisation_id`: the organisation of the referral's offer.
pub fn receiving_col() -> Alias {
    Alias::new("receiving_organisation_id")
}

/// `referrals.offer_gemeente_code`: the gemeente of the first location of the referral's offer.
pub fn offer_gemeente_col() -> Alias {
    Alias::new("offer_gemeente_code")
}

/// `referrals.offer_wijk_code`: the wijk of the first location of the referral's offer.
pub fn offer_wijk_col() -> Alias {
    Alias::new("offer_wijk_code")
}

/// `referrals.offer_kind` and `locations.offer_kind`: the kind of the referral's or the
/// location's offer.
pub fn offer_kind_col() -> Alias {
    Alias::new("offer_kind")
}

/// A column of the offer of the referral being updated (null once the offer is gone).
fn of_offer(column: offer::Column) -> Expr {
    scalar(
        Query::select()
            .column((offer::Entity, column))
            .from(offer::Entity)
            .and_where(
                Expr::col((offer::Entity, offer::Column::Id))
                    .equals((referral::Entity, referral::Column::OfferId)),
            )
            .take(),
    )
}

/// A stored column of the first location of the offer of the referral being updated.
fn of_first_location(column: Alias) -> Expr {
    scalar(
        Query::select()
            .column((location::Entity, column))
            .from(location::Entity)
            .and_where(
                Expr::col((location::Entity, location::Column::OfferId))
                    .equals((referral::Entity, referral::Column::OfferId)),
            )
            .and_where(Expr::col((location::Entity, location::Column::Position)).eq(0))
            .take(),
    )
}

/// The update of every column a referral derives from its offer (after the offer's locations).
fn referral_update() -> sea_orm::UpdateMany<referral::Entity> {
    referral::Entity::update_many()
        .col_expr(receiving_col(), of_offer(offer::Column::OrganisationId))
        .col_expr(offer_kind_col(), of_offer(offer::Column::Kind))
        .col_expr(offer_gemeente_col(), of_first_location(gemeente_col()))
        .col_expr(offer_wijk_col(), of_first_location(wijk_col()))
}

/// Stores what the new referral `id` derives from its offer. One statement.
pub async fn refresh_referral(db: &impl ConnectionTrait, id: &str) -> Result<(), DbErr> {
    referral_update()
        .filter(referral::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Stores the visibility of the offers `ids`, the gemeente, wijk, offer title, activity,
/// counted facets and first-in-area flags of their locations and what their referrals derive
/// from them ([`refresh_referrals_of`]). Four statements per chunk of ids.
pub async fn refresh_offers(
    db: &impl ConnectionTrait,
    ids: &[impl AsRef<str>],
) -> Result<(), DbErr> {
    for chunk in ids.chunks(MAX_PARAMS) {
        let chunk = || chunk.iter().map(AsRef::as_ref);
        offer::Entity::update_many()
            .col_expr(is_public_col(), rules::is_public_expr())
            .filter(offer::Column::Id.is_in(chunk()))
            .exec(db)
            .await?;
        let of_buurt = |column: area::Column| {
            scalar(
                Query::select()
                    .column((area::Entity, column))
                    .from(area::Entity)
                    .and_where(
                        Expr::col((area::Entity, area::Column::Code))
                            .equals((location::Entity, location::Column::BuurtCode)),
                    )
                    .take(),
            )
        };
        location::Entity::update_many()
            .col_expr(gemeente_col(), of_buurt(area::Column::GemeenteCode))
            .col_expr(wijk_col(), of_buurt(area::Column::ParentCode))
            .col_expr(offer_title_col(), of_location_offer(offer::Column::Title))
            .col_expr(offer_active_col(), offer_active_expr())
            .col_expr(offer_kind_col(), of_location_offer(offer::Column::Kind))
            .col_expr(offer_has_room_col(), offer_has_room_expr())
            .col_expr(offer_for_older_col(), offer_for_older_expr())
            .col_expr(offer_domains_col(), offer_domains_expr())
            .filter(location::Column::OfferId.is_in(chunk()))
            .exec(db)
            .await?;
        let mut first = location::Entity::update_many();
        for kind in [AreaKind::Gemeente, AreaKind::Wijk, AreaKind::Buurt] {
            first = first.col_expr(first_in_col(kind), first_in_area(kind));
        }
        first
            .filter(location::Column::OfferId.is_in(chunk()))
            .exec(db)
            .await?;
    }
    refresh_referrals_of(db, ids).await
}

/// Stores what the referrals to the offers `ids` derive from them (after the offers and
/// their locations are stored). One statement per chunk of ids.
pub async fn refresh_referrals_of(
    db: &impl ConnectionTrait,
    ids: &[impl AsRef<str>],
) -> Result<(), DbErr> {
    for chunk in ids.chunks(MAX_PARAMS) {
        referral_update()
            .filter(referral::Column::OfferId.is_in(chunk.iter().map(AsRef::as_ref)))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Stores whether offer `id` has room beside its locations, after a place was taken (one
/// statement).
pub async fn refresh_room(db: &impl ConnectionTrait, id: &str) -> Result<(), DbErr> {
    location::Entity::update_many()
        .col_expr(offer_has_room_col(), offer_has_room_expr())
        .filter(location::Column::OfferId.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Stores the visibility of every offer of the organisations `ids` (after their status
/// changed, or they were removed) and the activity of those offers' locations. Two statements
/// per chunk of ids.
pub async fn refresh_organisations(
    db: &impl ConnectionTrait,
    ids: &[impl AsRef<str>],
) -> Result<(), DbErr> {
    for chunk in ids.chunks(MAX_PARAMS) {
        let chunk = || chunk.iter().map(AsRef::as_ref);
        offer::Entity::update_many()
            .col_expr(is_public_col(), rules::is_public_expr())
            .filter(offer::Column::OrganisationId.is_in(chunk()))
            .exec(db)
            .await?;
        location::Entity::update_many()
            .col_expr(offer_active_col(), offer_active_expr())
            .filter(
                location::Column::OfferId.in_subquery(
                    Query::select()
                        .column(offer::Column::Id)
                        .from(offer::Entity)
                        .and_where(offer::Column::OrganisationId.is_in(chunk()))
                        .take(),
                ),
            )
            .exec(db)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bits stored in `locations.offer_domains` (migration 9604 wrote the same): a life
    /// domain added to the vocabulary goes at its end, never between.
    #[test]
    fn life_domain_bits_are_the_stored_ones() {
        let stored = [
            "beweging",
            "voeding",
            "ontspanning",
            "slapen",
            "sociale_contacten",
            "zingeving",
            "werk_dagbesteding",
            "financien",
        ];
        for (i, name) in stored.iter().enumerate() {
            let domain = LifeDomain::from_str_opt(name).expect("a stored life domain");
            assert_eq!(domain_bit(domain), 1 << i, "{name}");
        }
        let all = LifeDomain::ALL
            .iter()
            .fold(0, |bits, d| bits | domain_bit(*d));
        assert_eq!(domains_of(all).collect::<Vec<_>>(), LifeDomain::ALL);
        assert_eq!(domains_of(0).count(), 0);
    }
}
