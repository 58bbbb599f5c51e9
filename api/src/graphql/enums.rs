//! GraphQL enums mirroring the stored vocabularies of the `entities` crate.

use async_graphql::Enum;

macro_rules! remote_enum {
    ($(#[$meta:meta])* $name:ident => $remote:literal {
        $($(#[$vmeta:meta])* $variant:ident),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
        #[graphql(remote = $remote)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }
    };
}

remote_enum!(
/// CBS administrative level.
AreaKind => "entities::AreaKind" {
    /// A gemeente (municipality), the top level.
    Gemeente,
    /// A wijk (district) within a gemeente.
    Wijk,
    /// A buurt (neighbourhood) within a wijk.
    Buurt,
});
remote_enum!(
/// Kind of organisation.
OrganisationKind => "entities::OrganisationKind" {
    /// A welfare organisation (welzijn).
    Welfare,
    /// A volunteer group or residents' initiative.
    VolunteerGroup,
    /// A mental health (GGZ) provider.
    GgzProvider,
    /// A general practice; its practitioners send referrals.
    GpPractice,
    /// A municipality (gemeente).
    Municipality,
    /// Any other kind of organisation.
    Other,
});
remote_enum!(
/// Publication state of an organisation.
OrganisationStatus => "entities::OrganisationStatus" {
    /// Not yet public; seen only by its own editors and node admins.
    Draft,
    /// Public, with its public offers.
    Published,
    /// No longer active; not public.
    Ended,
});
remote_enum!(
/// Kind of offer.
OfferKind => "entities::OfferKind" {
    /// A Herstelcirkel: a recovery circle with coaches, a regisseur and fixed meetings.
    Herstelcirkel,
    /// A group that meets regularly.
    Group,
    /// A (one-off or recurring) activity.
    Activity,
    /// A course with a fixed programme.
    Course,
    /// A walk-in hour: come without an appointment.
    WalkIn,
    /// One-to-one support.
    IndividualSupport,
    /// A herstelwerkgroep or other peer-led group (lotgenoten, ervaringsdeskundigen).
    RecoveryGroup,
    /// A course of a Herstelacademie (recovery academy of a GGZ provider).
    RecoveryCourse,
});
remote_enum!(
/// Lifecycle status of an offer.
OfferStatus => "entities::OfferStatus" {
    /// Announced, not yet started; may take participants.
    Planned,
    /// Running and taking participants.
    Open,
    /// No places left (see `hasWaitlist`).
    Full,
    /// Under way; takes participants while places are open.
    Running,
    /// Temporarily not taking place; takes no participants.
    Paused,
    /// Over; takes no participants.
    Ended,
});
remote_enum!(
/// How a participant gets in.
Intake => "entities::Intake" {
    /// Just come or sign up; no intake.
    None,
    /// An intake conversation comes first.
    Conversation,
    /// Only with a referral (e.g. from a GP practice).
    ReferralRequired,
});
remote_enum!(
/// The period a cost is charged for.
CostPeriod => "entities::CostPeriod" {
    /// Once, for the whole offer.
    Once,
    /// Per session or meeting.
    PerSession,
    /// Per week.
    PerWeek,
    /// Per month.
    PerMonth,
    /// Per year.
    PerYear,
});
remote_enum!(
/// Life domain an offer works on.
LifeDomain => "entities::LifeDomain" {
    /// Beweging: exercise and moving more.
    Beweging,
    /// Voeding: food and eating habits.
    Voeding,
    /// Ontspanning: relaxation and stress.
    Ontspanning,
    /// Slapen: sleep.
    Slapen,
    /// Sociale contacten: social contacts, loneliness.
    SocialeContacten,
    /// Zingeving: meaning and purpose.
    Zingeving,
    /// Werk en dagbesteding: work and daytime activity.
    WerkDagbesteding,
    /// Financiën: money matters and debts.
    Financien,
});
remote_enum!(
/// Target group or condition an offer is meant for.
TargetGroup => "entities::TargetGroup" {
    /// People with anxiety or depressive complaints.
    AngstDepressie,
    /// People with type 2 diabetes.
    DiabetesType2,
    /// People who feel lonely.
    Eenzaamheid,
    /// People with chronic pain.
    ChronischePijn,
    /// People with overweight.
    Overgewicht,
    /// People with stress or burn-out complaints.
    StressBurnout,
    /// Older people.
    Ouderen,
    /// Young people.
    Jongeren,
    /// Informal carers (mantelzorgers).
    Mantelzorgers,
    /// Newcomers (recently arrived in the Netherlands).
    Nieuwkomers,
});

/// Whether an offer can take participants now (FHIR SDOH capacity status).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::read_model::rules::CapacityStatus")]
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
ReferralStatus => "entities::ReferralStatus" {
    /// Being prepared by the referrer; not sent.
    Draft,
    /// Sent by the referrer; not yet seen by the receiving organisation.
    Requested,
    /// Seen by the receiving organisation.
    Received,
    /// Accepted by the receiving organisation.
    Accepted,
    /// Declined by the receiving organisation (reason in the note); closed.
    Rejected,
    /// The patient takes part in the offer.
    InProgress,
    /// Paused for now.
    OnHold,
    /// Could not be carried out; closed.
    Failed,
    /// Finished; closed.
    Completed,
    /// Withdrawn by either side while open; closed.
    Cancelled,
    /// Made by mistake; closed.
    EnteredInError,
});
remote_enum!(
/// Who made a referral.
ReferralSource => "entities::ReferralSource" {
    /// A practitioner of a GP practice.
    Practice,
    /// The person themselves, on the offer's public sign-up form ("Zelf aangemeld"): no
    /// practice, no patient reference.
    #[graphql(name = "SELF")]
    SelfReferral,
});
remote_enum!(
/// What became of the person, recorded by the receiving organisation when it closes a referral.
ReferralOutcome => "entities::ReferralOutcome" {
    /// Joined the offer (takes part); closes as COMPLETED.
    Joined,
    /// Attended the first meeting (give `firstMeetingOn`); closes as COMPLETED.
    FirstMeeting,
    /// Took part to the end; closes as COMPLETED.
    Completed,
    /// Stopped early (give `stopReason`); closes as CANCELLED.
    Stopped,
});
remote_enum!(
/// Why a person stopped early (non-medical).
StopReason => "entities::StopReason" {
    /// The offer did not suit the person.
    NotSuitable,
    /// The person no longer wanted it.
    NoLongerWanted,
    /// The person moved away.
    Moved,
    /// The person found other help.
    FoundOtherHelp,
    /// The person could not be reached.
    Unreachable,
});
remote_enum!(
/// How the patient prefers to be contacted by the receiving organisation.
ContactPreference => "entities::ContactPreference" {
    /// By telephone.
    Phone,
    /// By e-mail.
    Email,
    /// By letter.
    Letter,
    /// Through the referring practice.
    ViaPractice,
});
remote_enum!(
/// A role of a user, scoped to an organisation or gemeente.
Role => "entities::Role" {
    /// A GP-practice practitioner: sends and follows referrals of the practice.
    Practitioner,
    /// Edits an organisation's details and offers and handles referrals to them.
    OrganisationEditor,
    /// Reads anonymous coverage and referral counts of a gemeente.
    MunicipalityAnalyst,
    /// Administers this node: users, peers, federation status.
    NodeAdmin,
});
