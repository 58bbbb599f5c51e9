//! Recovery focus: what an offer supports in personal recovery, in the words of the Trimbos
//! knowledge bundle on recovery-supporting care (the CHIME elements): verbinding (connection),
//! hoop (hope), identiteit (identity), betekenis/zingeving (meaning) and eigen regie
//! (empowerment). A set of words for GPs to read and search, not a clinical classification.

use crate::error::{AppError, AppResult};
use std::collections::BTreeSet;

/// One element of recovery an offer supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RecoveryFocus {
    /// Verbinding: connection with others, belonging.
    Verbinding,
    /// Hoop: hope and optimism about the future.
    Hoop,
    /// Identiteit: rebuilding a positive sense of who one is.
    Identiteit,
    /// Betekenis: meaning and purpose (zingeving).
    Betekenis,
    /// Eigen regie: empowerment, being in charge of one's own life.
    EigenRegie,
}

impl RecoveryFocus {
    /// All, in the order shown.
    pub const ALL: [Self; 5] = [
        Self::Verbinding,
        Self::Hoop,
        Self::Identiteit,
        Self::Betekenis,
        Self::EigenRegie,
    ];

    /// The stored (and HSDS / federation) code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Verbinding => "verbinding",
            Self::Hoop => "hoop",
            Self::Identiteit => "identiteit",
            Self::Betekenis => "betekenis",
            Self::EigenRegie => "eigen_regie",
        }
    }

    /// The Dutch word shown on the offer page.
    pub fn label_nl(self) -> &'static str {
        match self {
            Self::Verbinding => "verbinding",
            Self::Hoop => "hoop",
            Self::Identiteit => "identiteit",
            Self::Betekenis => "betekenis en zingeving",
            Self::EigenRegie => "eigen regie",
        }
    }

    /// The English word.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::Verbinding => "connection",
            Self::Hoop => "hope",
            Self::Identiteit => "identity",
            Self::Betekenis => "meaning",
            Self::EigenRegie => "empowerment",
        }
    }

    /// The words a GP may type for it, indexed as text ("zingeving" finds `betekenis`).
    pub fn search_words(self) -> &'static str {
        match self {
            Self::Verbinding => "verbinding verbondenheid connection",
            Self::Hoop => "hoop hope",
            Self::Identiteit => "identiteit identity",
            Self::Betekenis => "betekenis zingeving zin meaning",
            Self::EigenRegie => "eigen regie empowerment regie",
        }
    }

    /// From a stored code (or a form value); `BAD_USER_INPUT` for an unknown one.
    pub fn parse(code: &str) -> AppResult<Self> {
        Self::ALL
            .into_iter()
            .find(|f| f.code() == code.trim())
            .ok_or_else(|| AppError::bad_input(format!("'{code}' is not a known recovery focus")))
    }

    /// The known codes of `codes` as a set; unknown ones (from a newer peer or another
    /// directory) are left out, so a reader never shows a word it cannot explain.
    pub fn known<'a>(codes: impl IntoIterator<Item = &'a str>) -> BTreeSet<Self> {
        codes
            .into_iter()
            .filter_map(|c| Self::parse(c).ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_ones_are_left_out() {
        for f in RecoveryFocus::ALL {
            assert_eq!(RecoveryFocus::parse(f.code()).unwrap(), f);
        }
        assert!(RecoveryFocus::parse("diagnose").is_err());
        let got = RecoveryFocus::known(["hoop", "griep", "hoop", " eigen_regie "]);
        assert_eq!(
            got.into_iter().collect::<Vec<_>>(),
            vec![RecoveryFocus::Hoop, RecoveryFocus::EigenRegie]
        );
        assert!(
            RecoveryFocus::Betekenis
                .search_words()
                .contains("zingeving")
        );
    }
}
