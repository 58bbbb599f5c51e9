//! The referral lifecycle as a pure state machine (no database): which side of a referral an
//! actor is on, which status moves each side may make, which statuses close a referral.
//!
//! `requested -> received -> accepted | rejected -> in_progress -> completed` by the receiving
//! side; `cancelled` by either side while open. `failed` and `entered_in_error` are set by the
//! node, never chosen by a person.

use crate::domain::Actor;
use entities::{ReferralStatus, referral};

/// Which side of a referral an actor is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The referring practice.
    Referrer,
    /// The organisation of the offer.
    Receiver,
    /// Both at once (a user of the practice and of the receiving organisation).
    Both,
}

/// Whether `from -> to` is a legal change for `side`.
pub fn allowed(from: ReferralStatus, to: ReferralStatus, side: Side) -> bool {
    use ReferralStatus::*;
    let receiver = matches!(side, Side::Receiver | Side::Both);
    match (from, to) {
        (Requested, Received)
        | (Received, Accepted)
        | (Received, Rejected)
        | (Accepted, InProgress)
        | (InProgress, Completed) => receiver,
        (Requested | Received | Accepted | InProgress, Cancelled) => true,
        _ => false,
    }
}

/// Whether a status closes the referral (starts the retention period).
pub fn is_closed(status: ReferralStatus) -> bool {
    matches!(
        status,
        ReferralStatus::Rejected
            | ReferralStatus::Completed
            | ReferralStatus::Cancelled
            | ReferralStatus::Failed
            | ReferralStatus::EnteredInError
    )
}

/// Whether the note given with a move to `to` becomes the referral's status reason (why it was
/// rejected, cancelled or failed); with any other move a note is kept in the event only.
pub fn keeps_reason(to: ReferralStatus) -> bool {
    matches!(
        to,
        ReferralStatus::Rejected | ReferralStatus::Cancelled | ReferralStatus::Failed
    )
}

/// Which side of `r` the actor is on, if any; `receiving_organisation_id` owns the offer.
pub fn side_of(
    actor: &Actor,
    r: &referral::Model,
    receiving_organisation_id: &str,
) -> Option<Side> {
    match (
        actor.is_referrer_side(r.referrer_organisation_id.as_deref()),
        actor.is_receiver_side(receiving_organisation_id),
    ) {
        (true, true) => Some(Side::Both),
        (true, false) => Some(Side::Referrer),
        (false, true) => Some(Side::Receiver),
        (false, false) => None,
    }
}

/// The statuses `actor` may move `r` to now (so pages offer only legal actions);
/// `receiving_organisation_id` is the organisation of the referral's offer.
pub fn next_statuses(
    actor: &Actor,
    r: &referral::Model,
    receiving_organisation_id: &str,
) -> Vec<ReferralStatus> {
    use sea_orm::Iterable;
    let Some(side) = side_of(actor, r, receiving_organisation_id) else {
        return Vec::new();
    };
    ReferralStatus::iter()
        .filter(|to| allowed(r.status, *to, side))
        .collect()
}

/// Why `from -> to` is refused to `side` (for the `CONFLICT` message).
pub fn refusal(from: ReferralStatus, to: ReferralStatus, side: Side) -> String {
    format!(
        "a referral cannot go from {from} to {to}{}",
        if side == Side::Referrer && !is_closed(from) {
            " by the referrer (only cancel)"
        } else {
            ""
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReferralStatus::*;
    use sea_orm::Iterable;

    /// Every legal move, by who may make it: the whole table.
    const RECEIVER_MOVES: &[(ReferralStatus, ReferralStatus)] = &[
        (Requested, Received),
        (Received, Accepted),
        (Received, Rejected),
        (Accepted, InProgress),
        (InProgress, Completed),
    ];
    const EITHER_SIDE_MOVES: &[(ReferralStatus, ReferralStatus)] = &[
        (Requested, Cancelled),
        (Received, Cancelled),
        (Accepted, Cancelled),
        (InProgress, Cancelled),
    ];

    #[test]
    fn every_move_is_allowed_exactly_as_the_table_says() {
        let mut checked = 0;
        for from in ReferralStatus::iter() {
            for to in ReferralStatus::iter() {
                let receiver_move = RECEIVER_MOVES.contains(&(from, to));
                let either_move = EITHER_SIDE_MOVES.contains(&(from, to));
                for side in [Side::Referrer, Side::Receiver, Side::Both] {
                    let expected = either_move || (receiver_move && side != Side::Referrer);
                    assert_eq!(
                        allowed(from, to, side),
                        expected,
                        "{from} -> {to} by {side:?}"
                    );
                    checked += 1;
                }
            }
        }
        let n = ReferralStatus::iter().count();
        assert_eq!(checked, n * n * 3);
    }

    #[test]
    fn the_referrer_may_only_cancel_an_open_referral() {
        for from in [Requested, Received, Accepted, InProgress] {
            assert!(allowed(from, Cancelled, Side::Referrer), "{from}");
            for to in ReferralStatus::iter().filter(|t| *t != Cancelled) {
                assert!(!allowed(from, to, Side::Referrer), "{from} -> {to}");
            }
            assert!(refusal(from, Accepted, Side::Referrer).ends_with("(only cancel)"));
        }
    }

    #[test]
    fn closed_stays_closed_and_nothing_skips_a_step() {
        for from in ReferralStatus::iter().filter(|s| is_closed(*s)) {
            for to in ReferralStatus::iter() {
                assert!(!allowed(from, to, Side::Both), "{from} -> {to}");
            }
            assert!(!refusal(from, Cancelled, Side::Referrer).contains("only cancel"));
        }
        assert!(
            !allowed(Requested, Accepted, Side::Receiver),
            "receive first"
        );
        assert!(
            !allowed(Received, InProgress, Side::Receiver),
            "accept first"
        );
        assert!(!allowed(Accepted, Completed, Side::Receiver), "start first");
        assert!(
            !allowed(Requested, Requested, Side::Both),
            "no move to itself"
        );
        assert!(!allowed(Draft, Requested, Side::Both));
        assert!(
            !allowed(InProgress, Failed, Side::Both),
            "the node sets failed"
        );
    }

    #[test]
    fn closing_statuses_and_reasons() {
        for s in [Rejected, Completed, Cancelled, Failed, EnteredInError] {
            assert!(is_closed(s), "{s}");
        }
        for s in [Draft, Requested, Received, Accepted, InProgress, OnHold] {
            assert!(!is_closed(s), "{s}");
            assert!(!keeps_reason(s), "{s}");
        }
        assert!(keeps_reason(Rejected) && keeps_reason(Cancelled) && keeps_reason(Failed));
        assert!(
            !keeps_reason(Completed),
            "a completion's note stays in its event"
        );
    }
}
