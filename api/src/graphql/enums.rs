//! GraphQL enums mirroring the stored vocabularies of the `entities` crate.

use async_graphql::Enum;

macro_rules! remote_enum {
    ($(#[$meta:meta])* $name:ident => $remote:literal { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
        #[graphql(remote = $remote)]
        pub enum $name { $($variant),+ }
    };
}

remote_enum!(
    /// CBS administrative level.
    AreaKind => "entities::AreaKind" { Gemeente, Wijk, Buurt });
remote_enum!(
    /// Kind of organisation.
    OrganisationKind => "entities::OrganisationKind" { Welfare, VolunteerGroup, GgzProvider, GpPractice, Municipality, Other });
remote_enum!(
    /// Publication state of an organisation.
    OrganisationStatus => "entities::OrganisationStatus" { Draft, Published, Ended });
remote_enum!(
    /// Kind of offer.
    OfferKind => "entities::OfferKind" { Herstelcirkel, Group, Activity, Course, WalkIn, IndividualSupport });
remote_enum!(
    /// Lifecycle status of an offer.
    OfferStatus => "entities::OfferStatus" { Planned, Open, Full, Running, Paused, Ended });
remote_enum!(
    /// How a participant gets in.
    Intake => "entities::Intake" { None, Conversation, ReferralRequired });
remote_enum!(
    /// The period a cost is charged for.
    CostPeriod => "entities::CostPeriod" { Once, PerSession, PerWeek, PerMonth, PerYear });
remote_enum!(
    /// Life domain an offer works on.
    LifeDomain => "entities::LifeDomain" { Beweging, Voeding, Ontspanning, Slapen, SocialeContacten, Zingeving, WerkDagbesteding, Financien });
remote_enum!(
    /// Target group or condition an offer is meant for.
    TargetGroup => "entities::TargetGroup" { AngstDepressie, DiabetesType2, Eenzaamheid, ChronischePijn, Overgewicht, StressBurnout, Ouderen, Jongeren, Mantelzorgers, Nieuwkomers });

/// Whether an offer can take participants now (FHIR SDOH capacity status).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::services::offer::CapacityStatus")]
pub enum CapacityStatus {
    /// Open places, or no fixed limit.
    Capacity,
    /// Full without a waiting list.
    NoCapacity,
    /// Full, with a waiting list.
    Waitlist,
    /// Places available, an intake conversation decides.
    AdditionalAssessmentRequired,
}

/// Converts a list of GraphQL enum values to stored values.
pub fn to_entities<G: Copy + Into<E>, E>(list: &[G]) -> Vec<E> {
    list.iter().map(|v| (*v).into()).collect()
}

remote_enum!(
    /// Status of a referral (FHIR Task status as used by the SDOH Clinical Care referral).
    ReferralStatus => "entities::ReferralStatus" { Draft, Requested, Received, Accepted, Rejected, InProgress, OnHold, Failed, Completed, Cancelled, EnteredInError });
remote_enum!(
    /// How the patient prefers to be contacted by the receiving organisation.
    ContactPreference => "entities::ContactPreference" { Phone, Email, Letter, ViaPractice });
remote_enum!(
    /// A role of a user, scoped to an organisation or gemeente.
    Role => "entities::Role" { Practitioner, OrganisationEditor, MunicipalityAnalyst, NodeAdmin });
