//! Practical needs of a referred person, chosen from fixed options instead of written in a
//! free note, so a referral carries what the organisation needs to plan a first meeting and
//! nothing medical: mobility, language, someone coming along, best days and times, and the
//! contact person the patient prefers. Kept as JSON on the referral (`practical_needs`) and sent
//! to a peer node with it; unknown values from a newer node are dropped when read.

use serde::{Deserialize, Serialize};

/// Defines a closed choice with stable snake_case names for JSON and forms.
macro_rules! choice {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant,)+ }

        impl $name {
            /// Every option, in form order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable name (`snake_case`) used in JSON and form values.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            /// The option named `s`, if any.
            pub fn from_str_opt(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }
    };
}

choice!(
    /// A language the patient prefers over Dutch (a short list of the most asked for).
    Language {
        /// English.
        English => "english",
        /// Arabic.
        Arabic => "arabic",
        /// Turkish.
        Turkish => "turkish",
        /// Tamazight (Berber).
        Tamazight => "tamazight",
        /// Polish.
        Polish => "polish",
        /// Ukrainian.
        Ukrainian => "ukrainian",
        /// Tigrinya.
        Tigrinya => "tigrinya",
        /// Somali.
        Somali => "somali",
    }
);

choice!(
    /// A working day.
    Weekday {
        /// Monday.
        Monday => "monday",
        /// Tuesday.
        Tuesday => "tuesday",
        /// Wednesday.
        Wednesday => "wednesday",
        /// Thursday.
        Thursday => "thursday",
        /// Friday.
        Friday => "friday",
    }
);

choice!(
    /// A part of the day.
    DayPart {
        /// Morning.
        Morning => "morning",
        /// Afternoon.
        Afternoon => "afternoon",
        /// Evening.
        Evening => "evening",
    }
);

choice!(
    /// The contact person the patient prefers.
    ContactGender {
        /// A woman.
        Woman => "woman",
        /// A man.
        Man => "man",
    }
);

/// What a referred person needs in practice; every field optional (the default is "nothing
/// asked for"). Lists are kept sorted without duplicates.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PracticalNeeds {
    /// Needs step-free access (wheelchair, walker, no stairs).
    pub step_free_access: bool,
    /// Cannot travel far: a place close by or a home visit.
    pub nearby_only: bool,
    /// Dutch is not needed: prefers this language.
    pub language: Option<Language>,
    /// Wants someone to come along (a naaste or buddy).
    pub companion: bool,
    /// Best days (none: any day).
    pub days: Vec<Weekday>,
    /// Best parts of the day (none: any time).
    pub day_parts: Vec<DayPart>,
    /// Prefers a woman or a man as contact person.
    pub contact_gender: Option<ContactGender>,
}

impl PracticalNeeds {
    /// The same needs with sorted lists without duplicates.
    pub fn normalised(mut self) -> Self {
        self.days.sort();
        self.days.dedup();
        self.day_parts.sort();
        self.day_parts.dedup();
        self
    }

    /// Nothing asked for.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The JSON kept in the `practical_needs` column, `None` when nothing is asked for.
    pub fn to_json(&self) -> Option<serde_json::Value> {
        if self.is_empty() {
            return None;
        }
        serde_json::to_value(self).ok()
    }

    /// Needs read from the `practical_needs` column (or a peer's message): values this node
    /// does not know are left out rather than refusing the whole.
    pub fn from_json(value: Option<&serde_json::Value>) -> Self {
        let Some(serde_json::Value::Object(map)) = value else {
            return Self::default();
        };
        let flag = |k: &str| map.get(k).and_then(serde_json::Value::as_bool) == Some(true);
        let one = |k: &str| map.get(k).and_then(serde_json::Value::as_str);
        let many = |k: &str| -> Vec<&str> {
            map.get(k)
                .and_then(serde_json::Value::as_array)
                .map(|a| a.iter().filter_map(serde_json::Value::as_str).collect())
                .unwrap_or_default()
        };
        Self {
            step_free_access: flag("step_free_access"),
            nearby_only: flag("nearby_only"),
            language: one("language").and_then(Language::from_str_opt),
            companion: flag("companion"),
            days: many("days")
                .into_iter()
                .filter_map(Weekday::from_str_opt)
                .collect(),
            day_parts: many("day_parts")
                .into_iter()
                .filter_map(DayPart::from_str_opt)
                .collect(),
            contact_gender: one("contact_gender").and_then(ContactGender::from_str_opt),
        }
        .normalised()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_round_trip_through_json_and_skip_unknown_values() {
        let needs = PracticalNeeds {
            step_free_access: true,
            language: Some(Language::Arabic),
            days: vec![Weekday::Friday, Weekday::Monday, Weekday::Friday],
            day_parts: vec![DayPart::Morning],
            contact_gender: Some(ContactGender::Woman),
            ..Default::default()
        }
        .normalised();
        assert_eq!(needs.days, vec![Weekday::Monday, Weekday::Friday]);
        let json = needs.to_json();
        assert_eq!(PracticalNeeds::from_json(json.as_ref()), needs);
        assert_eq!(PracticalNeeds::default().to_json(), None);
        let newer = serde_json::json!({"language": "klingon", "days": ["monday", "sunday"], "companion": true});
        let read = PracticalNeeds::from_json(Some(&newer));
        assert_eq!(read.language, None);
        assert_eq!(read.days, vec![Weekday::Monday]);
        assert!(read.companion);
    }
}
