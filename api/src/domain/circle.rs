//! The rules of a Herstelcirkel (issue 19), in one place each: when a circle runs (and so may
//! have regisseurs), how many participants it still recruits, which schedule phases fit
//! together, and who sees the practitioner-facing parts (kwartiermaker contact, regisseurs,
//! klankbord members, partner practices and their agreements).

use super::Actor;
use crate::error::{AppError, AppResult};
use chrono::NaiveDate;
use entities::{OfferStatus, Role};

/// Roles in the klankbordgroep.
pub const KLANKBORD_ROLES: &[&str] = &[
    "kwartiermaker",
    "regisseur",
    "leefkrachtcoach",
    "participant",
    "huisarts_poh",
];

/// Activities a circle's subgroups form around.
pub const ACTIVITIES: &[&str] = &["koken", "bewegen", "ontspannen", "informatie"];

/// Who can be invited to the start meeting.
pub const INVITEES: &[&str] = &["huisarts", "poh", "partners"];

/// What a partner practice agrees to.
pub const AGREEMENTS: &[&str] = &["responsibilities", "research", "check_ups"];

/// `raw` (trimmed, lower case) if it is one of `allowed`; the error lists them.
pub fn code(raw: &str, allowed: &[&str]) -> AppResult<String> {
    let c = raw.trim().to_ascii_lowercase();
    if allowed.contains(&c.as_str()) {
        Ok(c)
    } else {
        Err(AppError::bad_input(format!(
            "must be one of {}",
            allowed.join(", ")
        )))
    }
}

/// Whether a circle runs on `today`: status running or paused, or open/full with its start date
/// reached. A planned circle, or an open one before its start, does not run yet.
pub fn circle_runs(status: OfferStatus, start_date: Option<NaiveDate>, today: NaiveDate) -> bool {
    match status {
        OfferStatus::Running | OfferStatus::Paused => true,
        OfferStatus::Open | OfferStatus::Full => start_date.is_some_and(|d| d <= today),
        OfferStatus::Planned | OfferStatus::Ended => false,
    }
}

/// The free-text regisseur of an offer without a circle plan (`offers.hc_regisseur`), as
/// readers may see it: only once the circle runs, the same rule as [`check_regisseurs`]
/// (a name entered before the start is kept, not shown).
pub fn legacy_regisseur(o: &entities::offer::Model, today: NaiveDate) -> Option<&str> {
    o.hc_regisseur
        .as_deref()
        .filter(|_| circle_runs(o.status, o.start_date, today))
}

/// The regisseur rule: the group chooses its regisseurs from its own members once it runs, so
/// none can be named before (`BAD_USER_INPUT` on `regisseurs`).
pub fn check_regisseurs(
    regisseurs: &[String],
    status: OfferStatus,
    start_date: Option<NaiveDate>,
    today: NaiveDate,
) -> AppResult<()> {
    if regisseurs.is_empty() || circle_runs(status, start_date, today) {
        return Ok(());
    }
    Err(AppError::field(
        "regisseurs",
        "the group chooses its regisseurs from its own members once the circle runs; name them after the start",
    ))
}

/// Participants still needed before the circle reaches its minimum group size, while it is
/// recruiting (planned, open or full); none once the minimum is reached or the circle ended.
pub fn recruiting_need(
    group_min: Option<i32>,
    places_taken: i32,
    status: OfferStatus,
) -> Option<i32> {
    let recruiting = matches!(
        status,
        OfferStatus::Planned | OfferStatus::Open | OfferStatus::Full
    );
    let need = group_min? - places_taken;
    (recruiting && need > 0).then_some(need)
}

/// The phase rule of a schedule: periods with dates ("every two weeks until March, then every
/// two months") are given in date order and do not overlap; each ends on or after its start.
/// Periods without dates apply throughout and are not compared. `phases` are
/// `(valid_from, valid_until)` in the order given; errors name `<index>.validFrom`.
pub fn check_phases(phases: &[(Option<NaiveDate>, Option<NaiveDate>)]) -> AppResult<()> {
    // The end of the last dated period so far (`Some(None)`: open-ended).
    let mut previous_end: Option<Option<NaiveDate>> = None;
    for (i, (from, until)) in phases.iter().enumerate() {
        if let (Some(f), Some(u)) = (from, until)
            && u < f
        {
            return Err(AppError::field(
                format!("{i}.validUntil"),
                "must not be before validFrom",
            ));
        }
        if from.is_none() && until.is_none() {
            continue;
        }
        if let Some(end) = previous_end {
            let fits = match (end, from) {
                (Some(end), Some(f)) => *f > end,
                _ => false,
            };
            if !fits {
                return Err(AppError::field(
                    format!("{i}.validFrom"),
                    "dated schedule periods go in date order and must not overlap: start after the previous period ends",
                ));
            }
        }
        previous_end = Some(*until);
    }
    Ok(())
}

/// Whether `actor` sees the practitioner-facing parts of a circle: a signed-in practitioner,
/// organisation editor or node admin. Anonymous visitors, analysts and peers see the public
/// parts only.
pub fn sees_practitioner_parts(actor: &Actor) -> bool {
    match actor {
        Actor::System => true,
        Actor::User(u) => {
            u.has_role(Role::Practitioner)
                || u.has_role(Role::OrganisationEditor)
                || u.has_role(Role::NodeAdmin)
        }
        Actor::Anonymous | Actor::Peer(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_circle_runs_once_running_or_started() {
        let today = d("2027-03-01");
        assert!(!circle_runs(
            OfferStatus::Planned,
            Some(d("2027-01-01")),
            today
        ));
        assert!(!circle_runs(
            OfferStatus::Open,
            Some(d("2027-04-01")),
            today
        ));
        assert!(!circle_runs(OfferStatus::Open, None, today));
        assert!(circle_runs(OfferStatus::Open, Some(d("2027-03-01")), today));
        assert!(circle_runs(OfferStatus::Running, None, today));
    }

    #[test]
    fn recruiting_counts_down_to_the_minimum() {
        assert_eq!(recruiting_need(Some(16), 10, OfferStatus::Open), Some(6));
        assert_eq!(recruiting_need(Some(16), 16, OfferStatus::Open), None);
        assert_eq!(recruiting_need(Some(16), 10, OfferStatus::Running), None);
        assert_eq!(recruiting_need(None, 0, OfferStatus::Open), None);
    }

    #[test]
    fn phases_are_ordered_and_do_not_overlap() {
        let ok = [
            (Some(d("2027-01-01")), Some(d("2027-03-31"))),
            (None, None),
            (Some(d("2027-04-01")), None),
        ];
        assert!(check_phases(&ok).is_ok());
        let overlap = [
            (Some(d("2027-01-01")), Some(d("2027-03-31"))),
            (Some(d("2027-03-01")), None),
        ];
        let e = check_phases(&overlap).unwrap_err();
        assert_eq!(e.field_name(), Some("1.validFrom"));
        let open_then_more = [(Some(d("2027-01-01")), None), (Some(d("2027-06-01")), None)];
        assert!(check_phases(&open_then_more).is_err());
        let reversed = [(Some(d("2027-05-01")), Some(d("2027-04-01")))];
        assert_eq!(
            check_phases(&reversed).unwrap_err().field_name(),
            Some("0.validUntil")
        );
    }
}
