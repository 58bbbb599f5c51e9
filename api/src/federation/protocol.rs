//! Wire types between nodes: the change feed (versioned by `FEED_VERSION`) and referral
//! delivery messages (versioned by `REFERRAL_PROTOCOL_VERSION`). Stable JSON.

use chrono::{DateTime, NaiveDate, Utc};
use entities::json::SchedulePeriod;
use entities::{
    ContactPreference, CostPeriod, Intake, LifeDomain, OfferKind, OfferStatus, OrganisationKind,
    OrganisationStatus, RecordKind, ReferralOutcome, ReferralStatus, StopReason, TargetGroup,
};
use serde::{Deserialize, Serialize};

/// Version of this wire format. It changes only for a change older nodes cannot read; fields
/// added since (the circle plan, network details, suitability, freshness and recovery focus of
/// an offer) are optional, left out when unknown, and ignored by nodes that predate them, so
/// nodes of different releases keep mirroring each other. A missing field means "unknown",
/// never "none".
pub const FEED_VERSION: u32 = 1;

/// One page of a node's change feed.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FeedPage {
    pub version: u32,
    /// Node whose records these are.
    pub node: String,
    /// Highest change sequence number on the node when the page was read.
    pub head_seq: i64,
    /// Pass as `since` to get the next page.
    pub next_cursor: i64,
    pub has_more: bool,
    pub entries: Vec<FeedEntry>,
}

/// The current state of one record, or its tombstone.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FeedEntry {
    pub seq: i64,
    pub kind: RecordKind,
    pub id: String,
    /// `None` for a tombstone: the record was deleted or is no longer public.
    pub record: Option<Record>,
}

/// A public record.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    Organisation(Box<OrganisationRecord>),
    Offer(Box<OfferRecord>),
}

/// An organisation on the wire.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OrganisationRecord {
    pub id: String,
    pub origin_node: String,
    pub name: String,
    pub kind: OrganisationKind,
    pub status: OrganisationStatus,
    pub description: String,
    pub kvk: Option<String>,
    pub agb: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub area_codes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

/// A location of an offer on the wire.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LocationRecord {
    pub id: String,
    pub name: Option<String>,
    pub street: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub buurt_code: Option<String>,
    pub version: i32,
}

/// An offer on the wire.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OfferRecord {
    pub id: String,
    pub origin_node: String,
    pub organisation_id: String,
    pub title: String,
    pub description: String,
    pub kind: OfferKind,
    pub status: OfferStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub intake: Intake,
    pub cost_cents: Option<i32>,
    pub cost_period: Option<CostPeriod>,
    pub cost_note: Option<String>,
    pub capacity: Option<i32>,
    pub places_taken: i32,
    pub has_waitlist: bool,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub min_age: Option<i32>,
    pub max_age: Option<i32>,
    pub schedule: Vec<SchedulePeriod>,
    pub schedule_note: Option<String>,
    pub languages: Vec<String>,
    pub accessibility: Option<String>,
    pub how_to_join: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub hc_year: Option<i32>,
    pub hc_coaches: Vec<String>,
    pub hc_regisseur: Option<String>,
    pub hc_start_meeting: Option<NaiveDate>,
    pub hc_sounding_board: Vec<NaiveDate>,
    /// The public parts of the Herstelcirkel plan (issue 19); absent from older peers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub circle: Option<crate::read_model::circle::CircleRecord>,
    pub life_domains: Vec<LifeDomain>,
    pub target_groups: Vec<TargetGroup>,
    pub locations: Vec<LocationRecord>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    /// Partners, funding and attributes (issue 19); absent from older peers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<OfferNetworkRecord>,
    /// Who the offer is (not) for (issue 19); absent from older peers (unknown). The age range
    /// and languages are `min_age`, `max_age` and `languages` above.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suitability: Option<SuitabilityRecord>,
    /// When the offer was last confirmed current (issue 19); absent from older peers
    /// (unknown: the receiver counts the offer confirmed at `updated_at`). Never who
    /// confirmed it: that is a person of the origin node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed_at: Option<DateTime<Utc>>,
    /// Recovery-focus codes (`verbinding`, `hoop`, `identiteit`, `betekenis`,
    /// `eigen_regie`); absent from older peers (unknown). Codes the receiver does not know
    /// are left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_focus: Option<Vec<String>>,
}

/// An offer's suitability on the wire: contra-indication codes (`acute_psychose`, ...), a note
/// and commitments; checked by the receiver through `domain::suitability::Suitability::parse`
/// like a local editor's input.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct SuitabilityRecord {
    #[serde(default)]
    pub contra_indications: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub commitments: Vec<String>,
}

/// The public partners, funding and attributes of an offer on the wire; parsed by the receiver
/// through `domain::funding::NetworkDetails::parse` like every other edge.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct OfferNetworkRecord {
    /// Global ids of the partner organisations.
    #[serde(default)]
    pub partners: Vec<String>,
    /// `(name, kind)` of each funder.
    #[serde(default)]
    pub funders: Vec<(String, String)>,
    #[serde(default)]
    pub routes: Vec<String>,
    /// Stored attribute texts (`peer_led`, `mode_online`, `wheelchair`, ...).
    #[serde(default)]
    pub attributes: Vec<String>,
}

/// Version of the referral delivery messages.
pub const REFERRAL_PROTOCOL_VERSION: u32 = 1;

/// A message about one referral from the node of one side to the node of the other: the
/// referrer's node forwards a new referral (and a cancellation) to the offer's node, which owns
/// the lifecycle and sends its status changes back.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ReferralMessage {
    pub version: u32,
    /// `<sender node>:<uuid>`: the receiver applies each message id once.
    pub message_id: String,
    /// The sending node.
    pub from_node: String,
    pub referral_id: String,
    pub body: ReferralMessageBody,
}

/// What happened to the referral at the sender.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReferralMessageBody {
    /// A new referral to one of the receiver's offers.
    Created(Box<ForwardedReferral>),
    /// A status change made at the sender.
    StatusChanged(StatusChange),
}

/// A referral as the offer's node receives it: the same data a local receiver sees.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ForwardedReferral {
    pub offer_id: String,
    /// The referring practice (an organisation id of the sending node).
    pub practice_id: Option<String>,
    pub patient_ref: String,
    pub consent: bool,
    pub contact_preference: Option<ContactPreference>,
    pub reason_domains: Vec<LifeDomain>,
    /// Practical needs (`api::domain::PracticalNeeds` as JSON); left out by older nodes, and
    /// values the receiver does not know are dropped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub practical_needs: Option<serde_json::Value>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Contact details for a warm handover, given with the person's consent. Added to the
    /// message only as it is sent (the outbox keeps no copy); left out when none were given,
    /// so older nodes read the message as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactHandover>,
}

/// Contact details on the wire (personal data: `Debug` shows none of it).
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct ContactHandover {
    /// The name the person wants to be addressed by.
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub best_time_to_call: Option<String>,
    pub naaste_may_join: bool,
    /// The person agreed to share these details with the receiving organisation.
    pub consent: bool,
    /// Who recorded the consent at the referrer's node: a user id, or `self`.
    pub consent_by: String,
    pub consent_at: DateTime<Utc>,
}

impl std::fmt::Debug for ContactHandover {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContactHandover")
            .field("consent_by", &self.consent_by)
            .finish_non_exhaustive()
    }
}

/// One status change of a referral.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StatusChange {
    pub from: ReferralStatus,
    pub to: ReferralStatus,
    /// The note given with the change: the status reason of a rejection, cancellation or
    /// failure, else kept in the event history only (so both nodes' histories match).
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
    /// The outcome recorded when the offer's node closed the referral (absent otherwise, and
    /// from nodes that predate outcomes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<OutcomeRecord>,
    /// The expected start of a referral put on the waiting list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_start: Option<NaiveDate>,
}

/// What became of the person, as the offer's node recorded it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OutcomeRecord {
    pub outcome: ReferralOutcome,
    pub stop_reason: Option<StopReason>,
    pub first_meeting_on: Option<NaiveDate>,
    /// The organisation asks the referrer to contact the patient.
    #[serde(default)]
    pub contact_patient: bool,
    /// Short non-medical note with that request (personal: redacted like `reason`).
    pub contact_note: Option<String>,
}

/// The receiver's answer to a message.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DeliveryReceipt {
    pub outcome: DeliveryOutcome,
    /// Why a message was refused.
    pub reason: Option<String>,
    /// The referral's status at the receiver after the message.
    pub status: Option<ReferralStatus>,
}

/// Whether the receiver applied a message. A refused message is not sent again.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryOutcome {
    Applied,
    Refused,
}

impl DeliveryOutcome {
    /// The stored string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Refused => "refused",
        }
    }
}
