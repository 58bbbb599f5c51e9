//! The one rule for free text that travels with a referral (the referrer's note, a status
//! reason, and other helpers' free-text fields: an outcome note, a self-referral message):
//! practical words only, never medical information. A substring list missed "Gebruikt
//! sertraline 50 mg" and "Takes oxazepam, has depression"; this rule reads the text as words,
//! folded to lower case without diacritics (`Suïcidaal` reads as `suicidaal`), in Dutch and
//! English, and looks for three kinds of thing ([`Finding`]):
//!
//! - a dose: a number followed by a unit (`50 mg`, `50mg`, `2,5 ml`, `10 IE`), never the
//!   letters `mg` inside a word;
//! - a medicine: a curated list of the medicines most often prescribed in Dutch general practice
//!   and mental health care (generic and brand names), and words for medication in general;
//! - a diagnosis: condition words in both languages, with their inflections and inside Dutch
//!   compounds (`depressie`, `depressief`, `angststoornis`).
//!
//! The lists are data, `note_terms.txt` beside this file (its header explains the format).
//! Structured fields (life domains, practical needs) and an offer's own target group labels
//! ("depressieklachten") are not free text and are never checked here.

use crate::domain::optional_text;
use crate::error::{AppError, AppResult};
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Longest free note on a referral, in characters.
pub const NOTE_MAX: usize = 280;

/// The kind of medical content found in a text. The refusal names the kind, never the word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finding {
    /// A number with a dose unit (`50 mg`).
    Dose,
    /// A medicine by name, or medication in general.
    Medicine,
    /// A diagnosis or condition.
    Diagnosis,
}

impl Finding {
    /// Stable name, for JSON answers (`dose`, `medicine`, `diagnosis`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dose => "dose",
            Self::Medicine => "medicine",
            Self::Diagnosis => "diagnosis",
        }
    }

    /// The refusal of a field holding this, in English (the API's language).
    pub fn message(self) -> &'static str {
        match self {
            Self::Dose => "must not contain medical information: it names a dose (such as 50 mg)",
            Self::Medicine => {
                "must not contain medical information: it names a medicine or medication"
            }
            Self::Diagnosis => {
                "must not contain medical information: it names a diagnosis or condition"
            }
        }
    }

    /// The refusal in Dutch, for Dutch pages.
    pub fn message_nl(self) -> &'static str {
        match self {
            Self::Dose => {
                "mag geen medische informatie bevatten: er staat een dosis in (zoals 50 mg)"
            }
            Self::Medicine => {
                "mag geen medische informatie bevatten: er staat een medicijn of medicatie in"
            }
            Self::Diagnosis => {
                "mag geen medische informatie bevatten: er staat een diagnose of aandoening in"
            }
        }
    }
}

/// What medical content `text` holds first (a dose, then a medicine, then a diagnosis), or
/// `None` when it holds practical words only.
pub fn check(text: &str) -> Option<Finding> {
    let folded = fold(text);
    if has_dose(&folded) {
        return Some(Finding::Dose);
    }
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let found = |kind: Finding| {
        TERMS
            .iter()
            .filter(|t| t.kind == kind)
            .any(|t| words.iter().any(|w| t.matches(w)))
    };
    [Finding::Medicine, Finding::Diagnosis]
        .into_iter()
        .find(|&k| found(k))
}

/// Whether [`check`] refuses `text` (the rule the note purge at migration applies).
pub fn is_refused(text: &str) -> bool {
    check(text).is_some()
}

/// A free text field of at most `max` characters without medical content, trimmed; `None` when
/// empty. Refused with `BAD_USER_INPUT` on `field`, naming the kind of content found.
pub fn checked_text(raw: Option<&str>, field: &str, max: usize) -> AppResult<Option<String>> {
    let text = optional_text(raw, max).map_err(|e| e.in_field(field))?;
    if let Some(t) = &text
        && let Some(finding) = check(t)
    {
        return Err(AppError::field(field, finding.message()));
    }
    Ok(text)
}

/// Lower case, diacritics removed (NFD without combining marks): `Suïcidaal` -> `suicidaal`.
fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// How a term of the list matches a word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Match {
    /// The whole word.
    Word,
    /// The start of a word, any ending.
    Prefix,
    /// Anywhere inside a word.
    Inside,
}

/// One term of `note_terms.txt`.
#[derive(Debug)]
struct Term {
    text: String,
    how: Match,
    kind: Finding,
}

impl Term {
    fn matches(&self, word: &str) -> bool {
        match self.how {
            Match::Word => word == self.text,
            Match::Prefix => word.starts_with(&self.text),
            Match::Inside => word.contains(&self.text),
        }
    }
}

/// The curated lists, read once from `note_terms.txt`.
static TERMS: LazyLock<Vec<Term>> = LazyLock::new(|| parse_terms(include_str!("note_terms.txt")));

/// Parses the term list: `[medicine]`/`[diagnosis]` sections, `#` comments, `term`, `term*`,
/// `*term*` lines. Unknown sections are skipped (a test keeps the file free of them).
fn parse_terms(data: &str) -> Vec<Term> {
    let mut kind = None;
    let mut terms = Vec::new();
    for line in data.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            kind = match section {
                "medicine" => Some(Finding::Medicine),
                "diagnosis" => Some(Finding::Diagnosis),
                _ => None,
            };
            continue;
        }
        let Some(kind) = kind else { continue };
        let (text, how) = if let Some(t) = line.strip_prefix('*').and_then(|l| l.strip_suffix('*'))
        {
            (t, Match::Inside)
        } else if let Some(t) = line.strip_suffix('*') {
            (t, Match::Prefix)
        } else {
            (line, Match::Word)
        };
        terms.push(Term {
            text: fold(text),
            how,
            kind,
        });
    }
    terms
}

/// Units of a dose after a number (folded: `µg` reads as `µg`, `IE` as `ie`).
const DOSE_UNITS: &[&str] = &[
    "mg",
    "mgr",
    "mcg",
    "µg",
    "μg",
    "ug",
    "g",
    "gr",
    "ml",
    "ie",
    "iu",
    "eh",
    "milligram",
    "microgram",
    "eenheden",
    "tabletten",
    "tablets",
    "capsules",
    "druppels",
];

/// A number directly followed (with or without a space) by a whole dose unit: `50 mg`, `50mg`,
/// `2,5 ml`, `10 IE`. Letters `mg` inside a word (`omgeving`) are no dose.
fn has_dose(folded: &str) -> bool {
    let chars: Vec<char> = folded.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts_number = chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_alphabetic());
        if !starts_number {
            i += 1;
            continue;
        }
        while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == ',' || chars[i] == '.') {
            i += 1;
        }
        while i < chars.len() && chars[i] == ' ' {
            i += 1;
        }
        let start = i;
        while i < chars.len() && chars[i].is_alphabetic() {
            i += 1;
        }
        let unit: String = chars[start..i].iter().collect();
        if DOSE_UNITS.contains(&unit.as_str()) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The three notes of issue 16: each was stored (or only the first refused) before.
    #[test]
    fn the_notes_of_the_issue_are_refused() {
        assert_eq!(
            check("Gebruikt sertraline 50 mg, graag rustig beginnen."),
            Some(Finding::Dose)
        );
        assert_eq!(
            check("Gebruikt sertraline, graag rustig beginnen."),
            Some(Finding::Medicine)
        );
        assert_eq!(
            check("Takes oxazepam, has depression"),
            Some(Finding::Medicine)
        );
        assert_eq!(check("Has depression"), Some(Finding::Diagnosis));
        assert_eq!(
            check("Slikt oxazepam en heeft een depressie"),
            Some(Finding::Medicine)
        );
        assert_eq!(check("Heeft een depressie"), Some(Finding::Diagnosis));
    }

    /// Notes as a GP or POH types them between two consults; each names medication, a dose or
    /// a diagnosis, in any case, with diacritics or without, inflected or in a compound.
    #[test]
    fn medical_notes_are_caught_in_dutch_and_english() {
        for note in [
            "Diagnose: depressie",
            "Sinds kort op 20mg citalopram",
            "Bekend met angststoornis",
            "Heeft depressieklachten en slaapt slecht",
            "Known with PTSD, prefers mornings",
            "diabetes type 2, metformine",
            "Takes metformin",
            "Start Ozempic volgende week",
            "Uses 10 IE insulin at night",
            "Spuit insuline",
            "Is psychotisch geweest vorig jaar",
            "ADHD, gebruikt Ritalin",
            "Heeft suïcidale gedachten gehad",
            "Heeft SUICIDALE gedachten gehad",
            "Staat op antidepressiva",
            "PTSS na ongeval",
            "Bipolair, stabiel",
            "schizofrenie in de familie",
            "borderline",
            "autisme, houdt van structuur",
            "Verslaving aan alcohol",
            "addiction to gambling",
            "anxiety disorder",
            "Paroxetine afgebouwd",
            "escitalopram",
            "fluoxetine",
            "venlafaxine",
            "mirtazapine voor de nacht",
            "temazepam",
            "lorazepam zo nodig",
            "diazepam",
            "quetiapine",
            "olanzapine",
            "lithium",
            "gliclazide",
            "methylfenidaat",
            "2 x 5 ml per dag",
            "0,5 mcg",
            "Neemt 2 tabletten per dag",
        ] {
            assert!(check(note).is_some(), "not caught: {note}");
        }
    }

    /// Practical notes pass, including times, numbers and everyday words that look like the
    /// medical ones (`mg` inside a word, `add` in English, numbers before ordinary words).
    #[test]
    fn practical_notes_pass() {
        for note in [
            "Graag bellen na 17 uur",
            "Graag bellen na 17:00",
            "Liever 's middags bellen",
            "Liefst in de ochtend",
            "Komt met de rolstoel, 2 treden bij de ingang lastig",
            "Spreekt weinig Nederlands, Arabisch gaat beter",
            "Wil graag dat haar dochter meekomt",
            "Bel op maandag of dinsdag tussen 10 en 12",
            "Prefers a female contact, mornings after 9",
            "Niet voor peers",
            "Rustige omgeving graag",
            "Omgeving 2 keer bekeken",
            "Het is 12 magazijnen verder",
            "Zoekt psychosociale steun",
            "Uses walking aids",
            "Please add her daughter to the first meeting",
            "Heeft 2 gesprekken gehad bij het wijkteam",
            "Heeft een tablet voor videobellen",
            "Bus 14 stopt voor de deur",
        ] {
            assert_eq!(check(note), None, "refused: {note}");
        }
    }

    #[test]
    fn the_refusal_names_the_kind_not_the_word() {
        let err = checked_text(Some("Takes oxazepam"), "note", NOTE_MAX).unwrap_err();
        let text = err.message();
        assert!(text.contains("medicine"), "{text}");
        assert!(!text.contains("oxazepam"), "{text}");
        assert!(
            checked_text(Some("  "), "note", NOTE_MAX)
                .unwrap()
                .is_none()
        );
        assert!(checked_text(Some(&"x".repeat(NOTE_MAX + 1)), "note", NOTE_MAX).is_err());
    }

    /// The data file has only known sections and terms that survive folding unchanged, and every
    /// term is found by itself (so no line is silently dead).
    #[test]
    fn the_term_list_is_well_formed() {
        let data = include_str!("note_terms.txt");
        for line in data.lines().map(str::trim) {
            if let Some(s) = line.strip_prefix('[') {
                assert!(
                    ["medicine]", "diagnosis]"].contains(&s),
                    "unknown section {line}"
                );
            }
        }
        assert!(TERMS.len() > 150, "{} terms", TERMS.len());
        for t in TERMS.iter() {
            assert_eq!(t.text, fold(&t.text), "not folded: {}", t.text);
            assert!(check(&t.text).is_some(), "dead term: {}", t.text);
        }
    }
}
