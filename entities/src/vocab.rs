//! Closed vocabularies stored as lower-case strings (stable across SQLite and PostgreSQL).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
        pub enum $name {
            $($(#[$vmeta])* #[sea_orm(string_value = $value)] #[serde(rename = $value)] $variant),+
        }

        impl $name {
            /// The stored (and exported) string of this value.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $value),+ }
            }

            /// Parses a stored string; `None` for anything else.
            pub fn from_str_opt(s: &str) -> Option<Self> {
                match s { $($value => Some(Self::$variant),)+ _ => None }
            }

            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// CBS administrative level of an area.
    AreaKind { Gemeente = "gemeente", Wijk = "wijk", Buurt = "buurt" }
}

vocabulary! {
    /// What kind of organisation runs offers or refers to them.
    OrganisationKind {
        Welfare = "welfare",
        VolunteerGroup = "volunteer_group",
        GgzProvider = "ggz_provider",
        GpPractice = "gp_practice",
        Municipality = "municipality",
        Other = "other",
    }
}

vocabulary! {
    /// Publication state of an organisation.
    OrganisationStatus { Draft = "draft", Published = "published", Ended = "ended" }
}

vocabulary! {
    /// Kind of offer (an HSDS service).
    OfferKind {
        Herstelcirkel = "herstelcirkel",
        Group = "group",
        Activity = "activity",
        Course = "course",
        WalkIn = "walk_in",
        IndividualSupport = "individual_support",
        /// A herstelwerkgroep or other peer-led group (lotgenoten, ervaringsdeskundigen).
        RecoveryGroup = "recovery_group",
        /// A course of a Herstelacademie (recovery academy), often given by ervaringsdeskundigen.
        RecoveryCourse = "recovery_course",
    }
}

impl OfferKind {
    /// Group-based support (Herstelcirkel, group, course, walk-in) as against individual
    /// support and activities: the one place that says which kinds count as group-based in a
    /// municipality's figures. The match is exhaustive on purpose, so a new kind must be placed.
    pub fn is_group_based(self) -> bool {
        match self {
            Self::Herstelcirkel
            | Self::Group
            | Self::Course
            | Self::WalkIn
            | Self::RecoveryGroup
            | Self::RecoveryCourse => true,
            Self::Activity | Self::IndividualSupport => false,
        }
    }
}

vocabulary! {
    /// Lifecycle status of an offer.
    OfferStatus {
        Planned = "planned",
        Open = "open",
        Full = "full",
        Running = "running",
        Paused = "paused",
        Ended = "ended",
    }
}

vocabulary! {
    /// How a participant gets in.
    Intake { None = "none", Conversation = "conversation", ReferralRequired = "referral_required" }
}

vocabulary! {
    /// The period a cost amount is charged for.
    CostPeriod {
        Once = "once",
        PerSession = "per_session",
        PerWeek = "per_week",
        PerMonth = "per_month",
        PerYear = "per_year",
    }
}

vocabulary! {
    /// Life domains of positive health / leefstijl that an offer works on.
    LifeDomain {
        Beweging = "beweging",
        Voeding = "voeding",
        Ontspanning = "ontspanning",
        Slapen = "slapen",
        SocialeContacten = "sociale_contacten",
        Zingeving = "zingeving",
        WerkDagbesteding = "werk_dagbesteding",
        Financien = "financien",
    }
}

vocabulary! {
    /// Target groups and conditions an offer is meant for (never a person's diagnosis).
    TargetGroup {
        AngstDepressie = "angst_depressie",
        DiabetesType2 = "diabetes_type_2",
        Eenzaamheid = "eenzaamheid",
        ChronischePijn = "chronische_pijn",
        Overgewicht = "overgewicht",
        StressBurnout = "stress_burnout",
        Ouderen = "ouderen",
        Jongeren = "jongeren",
        Mantelzorgers = "mantelzorgers",
        Nieuwkomers = "nieuwkomers",
    }
}

vocabulary! {
    /// A user's role; scoped by organisation or gemeente in a membership.
    Role {
        Practitioner = "practitioner",
        OrganisationEditor = "organisation_editor",
        MunicipalityAnalyst = "municipality_analyst",
        NodeAdmin = "node_admin",
    }
}

vocabulary! {
    /// Referral status, after the FHIR SDOH Clinical Care referral Task.
    ReferralStatus {
        Draft = "draft",
        Requested = "requested",
        Received = "received",
        Accepted = "accepted",
        Rejected = "rejected",
        InProgress = "in_progress",
        OnHold = "on_hold",
        Failed = "failed",
        Completed = "completed",
        Cancelled = "cancelled",
        EnteredInError = "entered_in_error",
    }
}

vocabulary! {
    /// How the patient prefers to be contacted by the receiving organisation.
    ContactPreference { Phone = "phone", Email = "email", Letter = "letter", ViaPractice = "via_practice" }
}

vocabulary! {
    /// Who made a referral: a practice's practitioner, or the person themselves (self-referral,
    /// from an offer's public form; no practice and no referring user).
    ReferralSource { Practice = "practice", SelfReferral = "self_referral" }
}

vocabulary! {
    /// Kind of record in the change log.
    RecordKind { Organisation = "organisation", Offer = "offer" }
}

vocabulary! {
    /// What happened to a record in the change log.
    ChangeOp { Upsert = "upsert", Delete = "delete" }
}

vocabulary! {
    /// What became of the person when the receiving organisation closed a referral.
    ReferralOutcome {
        /// Joined the offer (takes part).
        Joined = "joined",
        /// Attended the first meeting (on the date kept beside it).
        FirstMeeting = "first_meeting",
        /// Took part to the end.
        Completed = "completed",
        /// Stopped early (the reason kept beside it).
        Stopped = "stopped",
    }
}

vocabulary! {
    /// Why a person stopped early (non-medical, from a fixed list).
    StopReason {
        /// The offer did not suit the person.
        NotSuitable = "not_suitable",
        /// The person no longer wanted it.
        NoLongerWanted = "no_longer_wanted",
        /// The person moved away.
        Moved = "moved",
        /// The person found other help.
        FoundOtherHelp = "found_other_help",
        /// The person could not be reached.
        Unreachable = "unreachable",
    }
}
