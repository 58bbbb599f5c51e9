//! Dutch compound splitting over the index's own vocabulary, shared by both backends.
//!
//! Dutch glues words together (`vrijwilligerswerk`, `beweeggroep`, `buurtmoestuin`). A
//! [`Vocabulary`] holds the words of the indexed offers (as written and as stems); a word is
//! split into the fewest parts that are known words of at least [`MIN_PART`] letters, with an
//! optional linking `s`, `e` or `en` between parts (`vrijwilliger|s|werk`). Split at index time
//! (the parts of an offer's compounds go to a separate, lower-weighted field) and at query time
//! (a query compound also matches an offer with all of its parts, ranked below the whole word).

use super::text;
use std::collections::{HashMap, HashSet};

/// Shortest part (in bytes of the folded word) a compound is split into.
pub const MIN_PART: usize = 4;
/// Linking morphemes between two parts, longest first.
const LINKS: [&str; 3] = ["en", "s", "e"];
/// Words longer than this are not split (no real word; keeps the work bounded).
const MAX_WORD: usize = 40;

/// The known words of an index: as written (lower-cased, folded) and as stems.
#[derive(Default)]
pub struct Vocabulary {
    raw: HashSet<String>,
    stems: HashSet<String>,
    /// Index-time splits already computed, by word as written (`None`: not a compound).
    splits: HashMap<String, Option<Vec<String>>>,
    /// Words were added since the failed splits were remembered.
    grown: bool,
}

impl Vocabulary {
    /// Adds the words of `text`.
    pub fn add_text(&mut self, text: &str) {
        for w in text::words(text) {
            self.add_word(w.raw, w.stem);
        }
    }

    /// Adds one word as written and its stem.
    pub fn add_word(&mut self, raw: String, stem: String) {
        if !self.stems.contains(&stem) {
            self.stems.insert(stem);
        }
        if !self.raw.contains(&raw) {
            self.raw.insert(raw);
            self.grown = true;
        }
    }

    /// Forgets every word (before a rebuild).
    pub fn clear(&mut self) {
        *self = Self::default();
    }

    /// Number of distinct words as written.
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// Whether no word is known.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// Whether `part` is a known word or stem; with `stem_part`, also when its stem is known
    /// (`beweeg` -> `beweg`, the stem of `bewegen`).
    fn known(&self, part: &str, stem_part: bool) -> bool {
        self.raw.contains(part)
            || self.stems.contains(part)
            || (stem_part
                && text::words(part)
                    .first()
                    .is_some_and(|w| self.stems.contains(&w.stem)))
    }

    /// Splits `word` (lower-cased, folded) into the fewest known parts, longest first part on
    /// a tie; `None` when it is not a compound of known words. Query words also try the stem of
    /// each part (`stem_part`); index time does not, to stay fast.
    pub fn split(&self, word: &str, stem_part: bool) -> Option<Vec<String>> {
        let n = word.len();
        if !(2 * MIN_PART..=MAX_WORD).contains(&n) || !word.is_ascii() {
            return None;
        }
        // best[i]: the fewest parts of word[i..] (with the end of its first part).
        let mut best: Vec<Option<(usize, usize)>> = vec![None; n + 1];
        best[n] = Some((0, n));
        for i in (0..n).rev() {
            for j in (i + MIN_PART..=n).rev() {
                // Whole words are never their own split.
                if i == 0 && j == n {
                    continue;
                }
                let next = std::iter::once(j)
                    .chain(
                        LINKS
                            .iter()
                            .filter(|l| word[j..].starts_with(**l) && j + l.len() < n)
                            .map(|l| j + l.len()),
                    )
                    .filter_map(|k| best[k].map(|(parts, _)| parts))
                    .min();
                let Some(rest) = next else { continue };
                if best[i].is_some_and(|(parts, _)| parts <= rest + 1) {
                    continue;
                }
                if self.known(&word[i..j], stem_part) {
                    best[i] = Some((rest + 1, j));
                }
            }
        }
        let (count, _) = best[0]?;
        if count < 2 {
            return None;
        }
        let mut parts = Vec::with_capacity(count);
        let mut i = 0;
        while i < n {
            let (_, j) = best[i]?;
            parts.push(word[i..j].to_string());
            // Skip a linking morpheme where the rest continues after it.
            i = std::iter::once(j)
                .chain(
                    LINKS
                        .iter()
                        .filter(|l| word[j..].starts_with(**l) && j + l.len() < n)
                        .map(|l| j + l.len()),
                )
                .filter(|k| best[*k].is_some())
                .min_by_key(|k| best[*k].map_or(usize::MAX, |(p, _)| p))?;
        }
        Some(parts)
    }

    /// The parts of the compounds in `text`, joined by spaces: what an offer adds to its parts
    /// field (index time). Remembers each word's split.
    pub fn parts_text(&mut self, text: &str) -> String {
        if self.grown {
            // A new word may complete a split that failed before.
            self.splits.retain(|_, v| v.is_some());
            self.grown = false;
        }
        let mut out: Vec<String> = Vec::new();
        for w in text::words(text) {
            if w.raw.len() < 2 * MIN_PART {
                continue;
            }
            let parts = match self.splits.get(&w.raw) {
                Some(p) => p.clone(),
                None => {
                    let p = self.split(&w.raw, false);
                    self.splits.insert(w.raw.clone(), p.clone());
                    p
                }
            };
            out.extend(parts.into_iter().flatten());
        }
        out.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab(text: &str) -> Vocabulary {
        let mut v = Vocabulary::default();
        v.add_text(text);
        v
    }

    #[test]
    fn splits_with_linking_s_and_stems() {
        let v = vocab("vrijwilligers werk bewegen kleine groep moes tuin");
        assert_eq!(
            v.split("vrijwilligerswerk", true),
            Some(vec!["vrijwilligers".into(), "werk".into()])
        );
        assert_eq!(
            v.split("beweeggroep", true),
            Some(vec!["beweeg".into(), "groep".into()])
        );
        assert_eq!(
            v.split("moestuin", false),
            Some(vec!["moes".into(), "tuin".into()])
        );
    }

    #[test]
    fn linking_en_and_no_split_of_unknown_or_short_words() {
        let v = vocab("boek kast groep werk");
        assert_eq!(
            v.split("boekenkast", false),
            Some(vec!["boek".into(), "kast".into()])
        );
        assert_eq!(
            v.split("werkgroep", false),
            Some(vec!["werk".into(), "groep".into()])
        );
        assert_eq!(v.split("groepwerkx", false), None);
        assert_eq!(v.split("werk", false), None);
    }

    #[test]
    fn parts_text_splits_the_compounds_of_a_text() {
        let mut v = vocab("Wandelen in een groep, buurt en moestuin");
        v.add_text("Wandelgroep in de buurtmoestuin");
        assert_eq!(
            v.parts_text("Wandelgroep in de buurtmoestuin"),
            "wandel groep buurt moestuin"
        );
    }
}
