//! The offer read rules, in one place: who may see an offer, where it is listed and shared, and
//! whether it can take participants now. Pure functions of the records; nothing here reads the
//! database.

use crate::domain::Actor;
use entities::{Intake, OfferStatus, OrganisationStatus, TargetGroup, offer, organisation};
use sea_orm::ColumnTrait;
use sea_orm::sea_query::{Expr, ExprTrait as _, Query, SimpleExpr};

/// Whether an offer can take participants now (after the FHIR SDOH capacity status).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapacityStatus {
    /// Open places (or no fixed limit).
    Capacity,
    /// Full, no waiting list.
    NoCapacity,
    /// Full, with a waiting list.
    Waitlist,
    /// Places, but an intake conversation decides.
    AdditionalAssessmentRequired,
}

impl CapacityStatus {
    /// Whether there is room (with or without an intake conversation): the search filter
    /// "open places only".
    pub fn has_room(self) -> bool {
        matches!(
            self,
            CapacityStatus::Capacity | CapacityStatus::AdditionalAssessmentRequired
        )
    }
}

/// The target group of offers for older people (counted per 10,000 inhabitants aged 65 or
/// over).
pub const FOR_OLDER: TargetGroup = TargetGroup::Ouderen;

/// Open places, when the offer has a fixed capacity.
pub fn open_places(o: &offer::Model) -> Option<i32> {
    o.capacity.map(|c| Ord::max(c - o.places_taken, 0))
}

/// The capacity status of an offer: the one rule for "can this offer take referrals now?".
pub fn capacity_status(o: &offer::Model) -> CapacityStatus {
    let no_room = matches!(
        o.status,
        OfferStatus::Full | OfferStatus::Ended | OfferStatus::Paused
    ) || open_places(o) == Some(0);
    match (no_room, o.has_waitlist, o.intake) {
        (true, true, _) => CapacityStatus::Waitlist,
        (true, false, _) => CapacityStatus::NoCapacity,
        (false, _, Intake::Conversation) => CapacityStatus::AdditionalAssessmentRequired,
        (false, _, _) => CapacityStatus::Capacity,
    }
}

/// Whether an offer has room now (open places, with or without an intake conversation): the
/// one rule behind the search filter "Alleen met vrije plekken" and the coverage figure
/// "Herstelcirkels met vrije plekken".
pub fn has_room(o: &offer::Model) -> bool {
    capacity_status(o).has_room()
}

/// Whether the public (and peer nodes) may see an organisation: published.
pub fn organisation_is_public(org: &organisation::Model) -> bool {
    org.status == OrganisationStatus::Published
}

/// Whether the public may see an offer: published, and its organisation published.
pub fn is_public(o: &offer::Model, org: &organisation::Model) -> bool {
    o.published_at.is_some() && organisation_is_public(org)
}

/// [`is_public`] as an SQL expression over an `offers` row: the value every writer stores in
/// `offers.is_public` (see `read_model::derived`), so lists filter on an indexed column
/// instead of a sub-query. Keep it in step with [`is_public`] (the `stored_visibility_*`
/// integration tests compare them).
pub fn is_public_expr() -> SimpleExpr {
    offer::Column::PublishedAt.is_not_null().and(
        offer::Column::OrganisationId.in_subquery(
            Query::select()
                .column(organisation::Column::Id)
                .from(organisation::Entity)
                .and_where(organisation::Column::Status.eq(OrganisationStatus::Published))
                .to_owned(),
        ),
    )
}

/// Whether `actor` may read the offer: public offers for everyone, unpublished ones for the
/// editors of their organisation.
pub fn readable(actor: &Actor, o: &offer::Model, org: &organisation::Model) -> bool {
    is_public(o, org) || actor.can_edit_organisation(&org.id)
}

/// Whether an offer is listed: in the search index and in the change feed to peers. Public and
/// not ended; drafts, unpublished and ended offers are removed from the index and travel to
/// peers as tombstones.
pub fn indexable(o: &offer::Model, org: &organisation::Model) -> bool {
    is_public(o, org) && o.status != OfferStatus::Ended
}

/// Whether an offer runs (or will): not ended or paused. Coverage counts only these.
pub fn is_active(o: &offer::Model) -> bool {
    !matches!(o.status, OfferStatus::Ended | OfferStatus::Paused)
}

/// [`is_active`] as an SQL condition over the `offers` table (columns qualified with the
/// table name), for set-based counts such as coverage. Keep it in step with [`is_active`] (the
/// `activity_rules_agree_in_sql` integration test compares them on every status).
pub fn is_active_expr() -> SimpleExpr {
    Expr::col((offer::Entity, offer::Column::Status))
        .is_not_in([OfferStatus::Ended.as_str(), OfferStatus::Paused.as_str()])
}

/// [`has_room`] as an SQL condition over the `offers` table (columns qualified with the table
/// name): not full, ended or paused, and no fixed capacity or fewer places taken than it
/// ([`open_places`] above 0); the intake does not matter for room. Keep it in step with
/// [`has_room`] (the `activity_rules_agree_in_sql` integration test compares them).
pub fn has_room_expr() -> SimpleExpr {
    let col = |c: offer::Column| Expr::col((offer::Entity, c));
    col(offer::Column::Status)
        .is_not_in([
            OfferStatus::Full.as_str(),
            OfferStatus::Ended.as_str(),
            OfferStatus::Paused.as_str(),
        ])
        .and(
            col(offer::Column::Capacity)
                .is_null()
                .or(col(offer::Column::Capacity).gt(col(offer::Column::PlacesTaken))),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Membership, User};
    use chrono::Utc;
    use entities::{OfferKind, OrganisationKind, Role};

    fn org(status: OrganisationStatus) -> organisation::Model {
        organisation::Model {
            id: "test:org".into(),
            origin_node: "test".into(),
            name: "Buurtwerk".into(),
            kind: OrganisationKind::Welfare,
            status,
            description: String::new(),
            kvk: None,
            agb: None,
            website: None,
            email: None,
            phone: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            version: 1,
        }
    }

    fn offer(status: OfferStatus, published: bool) -> offer::Model {
        offer::Model {
            id: "test:offer".into(),
            origin_node: "test".into(),
            organisation_id: "test:org".into(),
            title: "Wandelgroep".into(),
            description: String::new(),
            kind: OfferKind::Group,
            status,
            published_at: published.then(Utc::now),
            intake: Intake::None,
            cost_cents: None,
            cost_period: None,
            cost_note: None,
            capacity: None,
            places_taken: 0,
            has_waitlist: false,
            start_date: None,
            end_date: None,
            min_age: None,
            max_age: None,
            schedule: Default::default(),
            schedule_note: None,
            languages: Default::default(),
            accessibility: None,
            how_to_join: None,
            contact_name: None,
            contact_email: None,
            contact_phone: None,
            hc_year: None,
            hc_coaches: Default::default(),
            hc_regisseur: None,
            hc_start_meeting: None,
            hc_sounding_board: Default::default(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
            version: 1,
        }
    }

    fn editor_of(organisation_id: &str) -> Actor {
        Actor::User(User {
            id: "u".into(),
            email: "e@example.org".into(),
            display_name: "E".into(),
            memberships: vec![Membership {
                role: Role::OrganisationEditor,
                organisation_id: Some(organisation_id.into()),
                gemeente_code: None,
            }],
        })
    }

    #[test]
    fn open_places_never_go_below_zero() {
        let mut o = offer(OfferStatus::Open, true);
        assert_eq!(open_places(&o), None, "no fixed capacity");
        o.capacity = Some(10);
        o.places_taken = 4;
        assert_eq!(open_places(&o), Some(6));
        o.places_taken = 12;
        assert_eq!(open_places(&o), Some(0));
    }

    #[test]
    fn capacity_status_follows_places_status_waitlist_and_intake() {
        let mut o = offer(OfferStatus::Open, true);
        assert_eq!(capacity_status(&o), CapacityStatus::Capacity);
        o.intake = Intake::Conversation;
        assert_eq!(
            capacity_status(&o),
            CapacityStatus::AdditionalAssessmentRequired
        );
        o.capacity = Some(5);
        o.places_taken = 5;
        assert_eq!(capacity_status(&o), CapacityStatus::NoCapacity);
        o.has_waitlist = true;
        assert_eq!(capacity_status(&o), CapacityStatus::Waitlist);
        for status in [OfferStatus::Full, OfferStatus::Ended, OfferStatus::Paused] {
            let mut o = offer(status, true);
            assert_eq!(
                capacity_status(&o),
                CapacityStatus::NoCapacity,
                "{status:?}"
            );
            o.has_waitlist = true;
            assert_eq!(capacity_status(&o), CapacityStatus::Waitlist, "{status:?}");
        }
    }

    #[test]
    fn room_means_places_with_or_without_an_intake() {
        assert!(CapacityStatus::Capacity.has_room());
        assert!(CapacityStatus::AdditionalAssessmentRequired.has_room());
        assert!(!CapacityStatus::NoCapacity.has_room());
        assert!(!CapacityStatus::Waitlist.has_room());
    }

    #[test]
    fn public_needs_a_published_offer_of_a_published_organisation() {
        let published = org(OrganisationStatus::Published);
        assert!(is_public(&offer(OfferStatus::Open, true), &published));
        assert!(!is_public(&offer(OfferStatus::Open, false), &published));
        assert!(!is_public(
            &offer(OfferStatus::Open, true),
            &org(OrganisationStatus::Draft)
        ));
        assert!(organisation_is_public(&published));
        assert!(!organisation_is_public(&org(OrganisationStatus::Draft)));
    }

    #[test]
    fn drafts_are_readable_by_their_editors_and_admins_only() {
        let draft = offer(OfferStatus::Open, false);
        let published = org(OrganisationStatus::Published);
        assert!(!readable(&Actor::Anonymous, &draft, &published));
        assert!(!readable(&editor_of("test:other"), &draft, &published));
        assert!(readable(&editor_of("test:org"), &draft, &published));
        assert!(readable(&Actor::System, &draft, &published));
        let public = offer(OfferStatus::Open, true);
        assert!(readable(&Actor::Anonymous, &public, &published));
    }

    #[test]
    fn listed_offers_are_public_and_not_ended() {
        let published = org(OrganisationStatus::Published);
        assert!(indexable(&offer(OfferStatus::Paused, true), &published));
        assert!(!indexable(&offer(OfferStatus::Ended, true), &published));
        assert!(!indexable(&offer(OfferStatus::Open, false), &published));
        assert!(is_active(&offer(OfferStatus::Planned, false)));
        assert!(!is_active(&offer(OfferStatus::Paused, true)));
        assert!(!is_active(&offer(OfferStatus::Ended, true)));
    }
}
