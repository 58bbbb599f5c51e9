//! Suitability of an offer: who it is not for (contra-indications from a fixed list, with a
//! free note), what a participant commits to, and the check of a referral against it.
//!
//! A referrer states only which of the offer's own contra-indications apply and, if they
//! like, the person's age; [`Suitability::conflicts`] names what conflicts. Nothing of that
//! is stored: a referral keeps only that its referrer confirmed despite a conflict.

use super::text::optional_text;
use crate::error::{AppError, AppResult};

/// Longest suitability note.
pub const NOTE_MAX: usize = 1000;
/// Longest commitment.
pub const COMMITMENT_MAX: usize = 200;
/// Most commitments.
pub const COMMITMENTS_MAX: usize = 12;

/// A reason an offer is not suitable for someone (a fixed list, no diagnosis text).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContraIndication {
    AcutePsychosis,
    BipolarDisorder,
    ActiveAddiction,
    TerminalIllness,
}

impl ContraIndication {
    /// All, in the order shown.
    pub const ALL: [Self; 4] = [
        Self::AcutePsychosis,
        Self::BipolarDisorder,
        Self::ActiveAddiction,
        Self::TerminalIllness,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::AcutePsychosis => "acute_psychose",
            Self::BipolarDisorder => "bipolaire_stoornis",
            Self::ActiveAddiction => "actieve_verslaving",
            Self::TerminalIllness => "terminale_ziekte",
        }
    }

    /// The Dutch label.
    pub fn label_nl(self) -> &'static str {
        match self {
            Self::AcutePsychosis => "Acute psychose",
            Self::BipolarDisorder => "Bipolaire stoornis",
            Self::ActiveAddiction => "Actieve verslaving",
            Self::TerminalIllness => "Terminale ziekte",
        }
    }

    /// The English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::AcutePsychosis => "Acute psychosis",
            Self::BipolarDisorder => "Bipolar disorder",
            Self::ActiveAddiction => "Active addiction",
            Self::TerminalIllness => "Terminal illness",
        }
    }

    /// From a stored code (or a form value).
    pub fn parse(code: &str) -> AppResult<Self> {
        Self::ALL
            .into_iter()
            .find(|c| c.code() == code.trim())
            .ok_or_else(|| {
                AppError::bad_input(format!("'{code}' is not a known contra-indication"))
            })
    }
}

/// Who an offer is not for and what a participant commits to. The age range and languages
/// are the offer's own `min_age`/`max_age` and `languages`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Suitability {
    /// Sorted, without duplicates.
    pub contra_indications: Vec<ContraIndication>,
    pub note: Option<String>,
    pub commitments: Vec<String>,
}

impl Suitability {
    /// Parses client values: known contra-indications, a note of at most [`NOTE_MAX`]
    /// characters, at most [`COMMITMENTS_MAX`] non-empty commitments of at most
    /// [`COMMITMENT_MAX`] characters. Errors name their field.
    pub fn parse(
        contra_indications: Vec<ContraIndication>,
        note: Option<&str>,
        commitments: &[String],
    ) -> AppResult<Self> {
        let mut contra_indications = contra_indications;
        contra_indications.sort();
        contra_indications.dedup();
        let note = optional_text(note, NOTE_MAX).map_err(|e| e.in_field("note"))?;
        let commitments: Vec<String> = commitments
            .iter()
            .map(|c| optional_text(Some(c), COMMITMENT_MAX))
            .collect::<AppResult<Vec<_>>>()
            .map_err(|e| e.in_field("commitments"))?
            .into_iter()
            .flatten()
            .collect();
        if commitments.len() > COMMITMENTS_MAX {
            return Err(AppError::field(
                "commitments",
                format!("at most {COMMITMENTS_MAX} commitments"),
            ));
        }
        Ok(Self {
            contra_indications,
            note,
            commitments,
        })
    }

    /// Whether anything is said beyond the offer's own age range and languages.
    pub fn is_empty(&self) -> bool {
        self.contra_indications.is_empty() && self.note.is_none() && self.commitments.is_empty()
    }

    /// What in `answers` conflicts with this suitability and the offer's age range.
    pub fn conflicts(
        &self,
        min_age: Option<i32>,
        max_age: Option<i32>,
        answers: &SuitabilityAnswers,
    ) -> Vec<Conflict> {
        let mut out: Vec<Conflict> = answers
            .contra_indications
            .iter()
            .filter(|c| self.contra_indications.contains(c))
            .map(|c| Conflict::ContraIndication(*c))
            .collect();
        out.sort();
        out.dedup();
        let outside =
            |age: i32| min_age.is_some_and(|m| age < m) || max_age.is_some_and(|m| age > m);
        if answers.age.is_some_and(outside) {
            out.push(Conflict::Age);
        }
        out
    }
}

/// What a referrer states against an offer's suitability (never stored): which of its
/// contra-indications apply, the person's age, and whether they confirm despite conflicts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SuitabilityAnswers {
    pub contra_indications: Vec<ContraIndication>,
    pub age: Option<i32>,
    pub confirmed: bool,
}

impl SuitabilityAnswers {
    /// Checks the age (0-120) and names the field.
    pub fn parse(
        contra_indications: Vec<ContraIndication>,
        age: Option<i32>,
        confirmed: bool,
    ) -> AppResult<Self> {
        if age.is_some_and(|a| !(0..=120).contains(&a)) {
            return Err(AppError::field("age", "must be between 0 and 120"));
        }
        Ok(Self {
            contra_indications,
            age,
            confirmed,
        })
    }
}

/// One conflict between a referral and an offer's suitability.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Conflict {
    /// A contra-indication of the offer applies.
    ContraIndication(ContraIndication),
    /// The person's age lies outside the offer's age range.
    Age,
}

impl Conflict {
    /// A stable code: the contra-indication's code, or `age`.
    pub fn code(self) -> &'static str {
        match self {
            Self::ContraIndication(c) => c.code(),
            Self::Age => "age",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_offers_own_contra_indications_and_its_age_range_conflict() {
        let s = Suitability::parse(
            vec![
                ContraIndication::TerminalIllness,
                ContraIndication::AcutePsychosis,
            ],
            None,
            &[],
        )
        .unwrap();
        let answers = SuitabilityAnswers::parse(
            vec![
                ContraIndication::AcutePsychosis,
                ContraIndication::BipolarDisorder,
            ],
            Some(30),
            false,
        )
        .unwrap();
        let got = s.conflicts(Some(35), Some(75), &answers);
        assert_eq!(
            got,
            vec![
                Conflict::ContraIndication(ContraIndication::AcutePsychosis),
                Conflict::Age
            ]
        );
        assert!(
            s.conflicts(Some(35), Some(75), &SuitabilityAnswers::default())
                .is_empty()
        );
        assert!(SuitabilityAnswers::parse(vec![], Some(130), false).is_err());
        assert!(ContraIndication::parse("griep").is_err());
    }
}
