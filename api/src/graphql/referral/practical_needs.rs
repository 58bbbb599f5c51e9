//! GraphQL shape of a referral's practical needs ([`domain::PracticalNeeds`]): the same
//! fields as input and output, with closed choices as enums.

use crate::domain::practical_needs as domain;
use async_graphql::{Enum, InputObject, SimpleObject};

/// Mirrors a closed choice of the domain as a GraphQL enum, both ways.
macro_rules! mirror {
    ($(#[$doc:meta])* $name:ident => $domain:ident { $($(#[$vdoc:meta])* $variant:ident,)+ }) => {
        $(#[$doc])*
        #[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name { $($(#[$vdoc])* $variant,)+ }

        impl From<$name> for domain::$domain {
            fn from(v: $name) -> Self {
                match v { $($name::$variant => Self::$variant,)+ }
            }
        }

        impl From<domain::$domain> for $name {
            fn from(v: domain::$domain) -> Self {
                match v { $(domain::$domain::$variant => Self::$variant,)+ }
            }
        }
    };
}

mirror!(
    /// A language the patient prefers over Dutch.
    NeedLanguage => Language {
        /// English.
        English,
        /// Arabic.
        Arabic,
        /// Turkish.
        Turkish,
        /// Tamazight (Berber).
        Tamazight,
        /// Polish.
        Polish,
        /// Ukrainian.
        Ukrainian,
        /// Tigrinya.
        Tigrinya,
        /// Somali.
        Somali,
    }
);

mirror!(
    /// A working day.
    NeedWeekday => Weekday {
        /// Monday.
        Monday,
        /// Tuesday.
        Tuesday,
        /// Wednesday.
        Wednesday,
        /// Thursday.
        Thursday,
        /// Friday.
        Friday,
    }
);

mirror!(
    /// A part of the day.
    NeedDayPart => DayPart {
        /// Morning.
        Morning,
        /// Afternoon.
        Afternoon,
        /// Evening.
        Evening,
    }
);

mirror!(
    /// The contact person the patient prefers.
    NeedContactGender => ContactGender {
        /// A woman.
        Woman,
        /// A man.
        Man,
    }
);

/// What a referred person needs in practice, chosen from fixed options (no free text).
#[derive(SimpleObject, Clone, Debug, Default)]
pub struct PracticalNeeds {
    /// Needs step-free access (wheelchair, walker, no stairs).
    pub step_free_access: bool,
    /// Cannot travel far: a place close by or a home visit.
    pub nearby_only: bool,
    /// Dutch is not needed: prefers this language.
    pub language: Option<NeedLanguage>,
    /// Wants someone to come along (a naaste or buddy).
    pub companion: bool,
    /// Best days (empty: any day).
    pub days: Vec<NeedWeekday>,
    /// Best parts of the day (empty: any time).
    pub day_parts: Vec<NeedDayPart>,
    /// Prefers a woman or a man as contact person.
    pub contact_gender: Option<NeedContactGender>,
}

/// What a referred person needs in practice, chosen from fixed options (no free text); every
/// field may be left out.
#[derive(InputObject, Clone, Debug, Default)]
pub struct PracticalNeedsInput {
    /// Needs step-free access (wheelchair, walker, no stairs).
    #[graphql(default)]
    pub step_free_access: bool,
    /// Cannot travel far: a place close by or a home visit.
    #[graphql(default)]
    pub nearby_only: bool,
    /// Dutch is not needed: prefers this language.
    pub language: Option<NeedLanguage>,
    /// Wants someone to come along (a naaste or buddy).
    #[graphql(default)]
    pub companion: bool,
    /// Best days (empty: any day).
    #[graphql(default)]
    pub days: Vec<NeedWeekday>,
    /// Best parts of the day (empty: any time).
    #[graphql(default)]
    pub day_parts: Vec<NeedDayPart>,
    /// Prefers a woman or a man as contact person.
    pub contact_gender: Option<NeedContactGender>,
}

impl From<PracticalNeedsInput> for domain::PracticalNeeds {
    fn from(n: PracticalNeedsInput) -> Self {
        Self {
            step_free_access: n.step_free_access,
            nearby_only: n.nearby_only,
            language: n.language.map(Into::into),
            companion: n.companion,
            days: n.days.into_iter().map(Into::into).collect(),
            day_parts: n.day_parts.into_iter().map(Into::into).collect(),
            contact_gender: n.contact_gender.map(Into::into),
        }
        .normalised()
    }
}

impl From<domain::PracticalNeeds> for PracticalNeeds {
    fn from(n: domain::PracticalNeeds) -> Self {
        Self {
            step_free_access: n.step_free_access,
            nearby_only: n.nearby_only,
            language: n.language.map(Into::into),
            companion: n.companion,
            days: n.days.into_iter().map(Into::into).collect(),
            day_parts: n.day_parts.into_iter().map(Into::into).collect(),
            contact_gender: n.contact_gender.map(Into::into),
        }
    }
}
