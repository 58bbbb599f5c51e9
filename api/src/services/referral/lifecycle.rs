//! The referral lifecycle as a pure state machine (no database): which side of a referral an
//! actor is on, which status moves each side may make, which statuses close a referral, and
//! what a move may carry (an outcome, a request to contact the patient, an expected start).
//!
//! Moves of the receiving side (the offer's organisation):
//!
//! | from          | to            | carries                                              |
//! |---------------|---------------|------------------------------------------------------|
//! | `requested`   | `received`    |                                                      |
//! | `received`    | `accepted`    | may take a place; a full offer puts it `on_hold`     |
//! | `received`    | `rejected`    | a reason (required)                                  |
//! | `received`    | `on_hold`     | waiting list: an expected start (optional)           |
//! | `on_hold`     | `accepted`    | may take a place; still full is a `CONFLICT`         |
//! | `accepted`    | `in_progress` |                                                      |
//! | `in_progress` | `completed`   | an outcome (required): joined, first meeting, completed |
//! | any open one  | `cancelled`   | "stop": an outcome `stopped` with a reason, required once accepted (from `accepted`, `in_progress`, `on_hold`) |
//!
//! The referrer may only cancel an open referral (`requested`, `received`, `accepted`,
//! `in_progress`, `on_hold`), without an outcome. An outcome may come with a request to contact
//! the patient ("terug naar de huisarts") and a short non-medical note. `failed` and
//! `entered_in_error` are set by the node, never chosen by a person.
//!
//! Taking a place (accept with `take_place`): the offer's `places_taken` goes up by one in the
//! transaction of the move, only while the offer has room ([`accept_target`]); an accept from
//! `received` to a full offer becomes a move to the waiting list (`on_hold`, keeping the given
//! expected start) instead of only flagging the referral.

use crate::domain::Actor;
use crate::error::{AppError, AppResult};
use chrono::NaiveDate;
use entities::{ReferralOutcome, ReferralStatus, StopReason, referral};

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
        | (Received, OnHold)
        | (OnHold, Accepted)
        | (Accepted, InProgress)
        | (InProgress, Completed) => receiver,
        (Requested | Received | Accepted | InProgress | OnHold, Cancelled) => true,
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

/// What became of the person, as the receiving organisation records it when closing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub kind: ReferralOutcome,
    /// Why the person stopped (only, and always, with [`ReferralOutcome::Stopped`]).
    pub stop_reason: Option<StopReason>,
    /// The first meeting (only, and always, with [`ReferralOutcome::FirstMeeting`]).
    pub first_meeting_on: Option<NaiveDate>,
}

/// What a move carries beside its status and note.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MoveDetails {
    /// The outcome of a closing by the receiving organisation.
    pub outcome: Option<Outcome>,
    /// The organisation asks the referrer to contact the patient (only with an outcome).
    pub contact_patient: bool,
    /// Short non-medical note with that request (only with the request).
    pub contact_note: Option<String>,
    /// Expected start on the waiting list (a move to `on_hold`, or an accept that may become one).
    pub expected_start: Option<NaiveDate>,
}

/// Whether a move needs an outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutcomeRule {
    Required,
    Optional,
    NotAllowed,
}

/// Whether the move `from -> to` by `side` needs, allows or refuses an outcome: the receiving
/// side closes with one (completing, or stopping once accepted); the referrer never gives one.
pub fn outcome_rule(from: ReferralStatus, to: ReferralStatus, side: Side) -> OutcomeRule {
    use ReferralStatus::*;
    match (to, side) {
        (Completed, Side::Receiver | Side::Both) => OutcomeRule::Required,
        (Cancelled, Side::Receiver) if matches!(from, Accepted | InProgress | OnHold) => {
            OutcomeRule::Required
        }
        (Cancelled, Side::Receiver | Side::Both) => OutcomeRule::Optional,
        _ => OutcomeRule::NotAllowed,
    }
}

/// Whether an outcome of `kind` fits a move to `to`: completing records that the person joined,
/// attended a first meeting or completed; stopping (`cancelled`) records why they stopped.
pub fn outcome_fits(to: ReferralStatus, kind: ReferralOutcome) -> bool {
    match to {
        ReferralStatus::Completed => kind != ReferralOutcome::Stopped,
        ReferralStatus::Cancelled => kind == ReferralOutcome::Stopped,
        _ => false,
    }
}

/// Checks what the move `from -> to` by `side` carries (`BAD_USER_INPUT` naming the field):
/// the outcome rule, a stop reason exactly with `stopped`, a first-meeting date exactly with
/// `first_meeting` (between `sent_on` and `today`), the contact request only with an outcome
/// and its note only with the request, an expected start (not before `today`) only where the
/// move may end on the waiting list. The note's content is checked by the caller.
pub fn check_details(
    from: ReferralStatus,
    to: ReferralStatus,
    side: Side,
    d: &MoveDetails,
    today: NaiveDate,
    sent_on: NaiveDate,
) -> AppResult<()> {
    match (outcome_rule(from, to, side), &d.outcome) {
        (OutcomeRule::Required, None) => {
            return Err(AppError::field(
                "outcome",
                "is required to close a referral",
            ));
        }
        (OutcomeRule::NotAllowed, Some(_)) => {
            return Err(AppError::field(
                "outcome",
                "is recorded only by the receiving organisation when it closes the referral",
            ));
        }
        _ => {}
    }
    if let Some(o) = &d.outcome {
        check_outcome(to, o, today, sent_on)?;
    } else if d.contact_patient {
        return Err(AppError::field(
            "contactPatient",
            "can be asked only with an outcome",
        ));
    }
    if d.contact_note.is_some() && !d.contact_patient {
        return Err(AppError::field(
            "contactNote",
            "goes with a request to contact the patient",
        ));
    }
    if let Some(start) = d.expected_start {
        let may_wait = to == ReferralStatus::OnHold
            || (from == ReferralStatus::Received && to == ReferralStatus::Accepted);
        if !may_wait {
            return Err(AppError::field(
                "expectedStart",
                "goes with the waiting list (on hold)",
            ));
        }
        if start < today {
            return Err(AppError::field("expectedStart", "must not be in the past"));
        }
    }
    Ok(())
}

/// The outcome's own rules (see [`check_details`]).
fn check_outcome(
    to: ReferralStatus,
    o: &Outcome,
    today: NaiveDate,
    sent_on: NaiveDate,
) -> AppResult<()> {
    if !outcome_fits(to, o.kind) {
        return Err(AppError::field(
            "outcome",
            format!("{} does not fit a move to {to}", o.kind),
        ));
    }
    match (o.kind == ReferralOutcome::Stopped, o.stop_reason) {
        (true, None) => return Err(AppError::field("stopReason", "is required when stopped")),
        (false, Some(_)) => {
            return Err(AppError::field("stopReason", "goes only with stopped"));
        }
        _ => {}
    }
    match (o.kind == ReferralOutcome::FirstMeeting, o.first_meeting_on) {
        (true, None) => Err(AppError::field(
            "firstMeetingOn",
            "is required with a first meeting",
        )),
        (false, Some(_)) => Err(AppError::field(
            "firstMeetingOn",
            "goes only with a first meeting",
        )),
        (true, Some(d)) if d > today || d < sent_on => Err(AppError::field(
            "firstMeetingOn",
            "must lie between the referral and today",
        )),
        _ => Ok(()),
    }
}

/// Where an accept from `from` lands when it takes a place: `accepted` while the offer has
/// `room`; on a full offer the waiting list (`on_hold`) from `received`, and a `CONFLICT` from
/// the waiting list itself (it stays there).
pub fn accept_target(from: ReferralStatus, room: bool) -> AppResult<ReferralStatus> {
    match (from, room) {
        (_, true) => Ok(ReferralStatus::Accepted),
        (ReferralStatus::Received, false) => Ok(ReferralStatus::OnHold),
        _ => Err(AppError::Conflict(
            "the offer is full: the referral stays on the waiting list".into(),
        )),
    }
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
        (Received, OnHold),
        (OnHold, Accepted),
        (Accepted, InProgress),
        (InProgress, Completed),
    ];
    const EITHER_SIDE_MOVES: &[(ReferralStatus, ReferralStatus)] = &[
        (Requested, Cancelled),
        (Received, Cancelled),
        (Accepted, Cancelled),
        (InProgress, Cancelled),
        (OnHold, Cancelled),
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
        for from in [Requested, Received, Accepted, InProgress, OnHold] {
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

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn outcome(kind: ReferralOutcome) -> MoveDetails {
        MoveDetails {
            outcome: Some(Outcome {
                kind,
                stop_reason: (kind == ReferralOutcome::Stopped).then_some(StopReason::Moved),
                first_meeting_on: (kind == ReferralOutcome::FirstMeeting)
                    .then(|| day("2026-11-20")),
            }),
            ..Default::default()
        }
    }

    fn check(from: ReferralStatus, to: ReferralStatus, side: Side, d: &MoveDetails) -> bool {
        check_details(from, to, side, d, day("2026-12-02"), day("2026-11-01")).is_ok()
    }

    #[test]
    fn closing_needs_a_fitting_outcome_from_the_receiving_side() {
        use ReferralOutcome as O;
        let none = MoveDetails::default();
        assert!(!check(InProgress, Completed, Side::Receiver, &none));
        for kind in [O::Joined, O::FirstMeeting, O::Completed] {
            assert!(
                check(InProgress, Completed, Side::Receiver, &outcome(kind)),
                "{kind}"
            );
            assert!(
                !check(Accepted, Cancelled, Side::Receiver, &outcome(kind)),
                "{kind}"
            );
        }
        assert!(!check(
            InProgress,
            Completed,
            Side::Receiver,
            &outcome(O::Stopped)
        ));
        for from in [Accepted, InProgress, OnHold] {
            assert!(!check(from, Cancelled, Side::Receiver, &none), "{from}");
            assert!(
                check(from, Cancelled, Side::Receiver, &outcome(O::Stopped)),
                "{from}"
            );
        }
        // Before accepting, a stop may say why (e.g. unreachable) or not.
        assert!(check(Received, Cancelled, Side::Receiver, &none));
        assert!(check(
            Received,
            Cancelled,
            Side::Receiver,
            &outcome(O::Stopped)
        ));
        // The referrer cancels without an outcome.
        assert!(check(InProgress, Cancelled, Side::Referrer, &none));
        assert!(!check(
            InProgress,
            Cancelled,
            Side::Referrer,
            &outcome(O::Stopped)
        ));
        assert!(!check(
            Received,
            Accepted,
            Side::Receiver,
            &outcome(O::Joined)
        ));
        assert!(!check(
            Received,
            Rejected,
            Side::Receiver,
            &outcome(O::Stopped)
        ));
    }

    #[test]
    fn reasons_and_dates_go_with_their_outcome() {
        let mut d = outcome(ReferralOutcome::Stopped);
        d.outcome.as_mut().unwrap().stop_reason = None;
        assert!(
            !check(InProgress, Cancelled, Side::Receiver, &d),
            "reason needed"
        );
        let mut d = outcome(ReferralOutcome::Joined);
        d.outcome.as_mut().unwrap().stop_reason = Some(StopReason::Moved);
        assert!(
            !check(InProgress, Completed, Side::Receiver, &d),
            "no reason"
        );
        let mut d = outcome(ReferralOutcome::FirstMeeting);
        d.outcome.as_mut().unwrap().first_meeting_on = None;
        assert!(
            !check(InProgress, Completed, Side::Receiver, &d),
            "date needed"
        );
        for bad in ["2026-12-03", "2026-10-31"] {
            d.outcome.as_mut().unwrap().first_meeting_on = Some(day(bad));
            assert!(!check(InProgress, Completed, Side::Receiver, &d), "{bad}");
        }
        let mut d = outcome(ReferralOutcome::Completed);
        d.outcome.as_mut().unwrap().first_meeting_on = Some(day("2026-11-20"));
        assert!(!check(InProgress, Completed, Side::Receiver, &d), "no date");
    }

    #[test]
    fn the_contact_request_goes_with_an_outcome_and_its_note_with_the_request() {
        let mut d = outcome(ReferralOutcome::Stopped);
        d.contact_patient = true;
        d.contact_note = Some("Graag even bellen".into());
        assert!(check(InProgress, Cancelled, Side::Receiver, &d));
        d.contact_patient = false;
        assert!(
            !check(InProgress, Cancelled, Side::Receiver, &d),
            "note alone"
        );
        let d = MoveDetails {
            contact_patient: true,
            ..Default::default()
        };
        assert!(!check(Received, Accepted, Side::Receiver, &d), "no outcome");
    }

    #[test]
    fn the_waiting_list_has_an_expected_start_and_a_full_offer_leads_there() {
        let later = MoveDetails {
            expected_start: Some(day("2027-01-15")),
            ..Default::default()
        };
        assert!(check(Received, OnHold, Side::Receiver, &later));
        assert!(
            check(Received, Accepted, Side::Receiver, &later),
            "may become on hold"
        );
        assert!(!check(Accepted, InProgress, Side::Receiver, &later));
        assert!(!check(OnHold, Accepted, Side::Receiver, &later));
        let past = MoveDetails {
            expected_start: Some(day("2026-12-01")),
            ..Default::default()
        };
        assert!(!check(Received, OnHold, Side::Receiver, &past));
        assert!(check(
            Received,
            OnHold,
            Side::Receiver,
            &MoveDetails::default()
        ));

        assert_eq!(accept_target(Received, true).unwrap(), Accepted);
        assert_eq!(accept_target(OnHold, true).unwrap(), Accepted);
        assert_eq!(accept_target(Received, false).unwrap(), OnHold);
        assert!(matches!(
            accept_target(OnHold, false),
            Err(AppError::Conflict(_))
        ));
        assert!(allowed(OnHold, Accepted, Side::Receiver));
        assert!(!allowed(OnHold, Accepted, Side::Referrer));
        assert!(!allowed(OnHold, InProgress, Side::Receiver), "accept first");
    }
}
