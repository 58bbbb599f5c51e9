//! Search synonyms for the social domain, the same for both backends.
//!
//! The curated list ships as `api/data/synonyms.txt` (one group per line, terms separated by
//! `~`, `#` comments); a node adds groups from `search.synonyms_file` and `search.synonyms`.
//! Terms are analysed like any text ([`super::text`]), so a group matches on stems. A query
//! word that is a one-word term of a group, or consecutive query words that form a term of
//! several words (`rood staan`, `weinig contact`), also find the offers with another term of
//! that group (all words of a term of several words), ranked below the words themselves: query
//! expansion in the embedded index, the `synonyms` setting in Meilisearch. Reloaded by
//! `reindex`.

use super::text;
use crate::config::SearchConfig;
use crate::error::{AppError, AppResult};
use std::collections::HashMap;

/// The curated list shipped with the node.
const BUILT_IN: &str = include_str!("../../data/synonyms.txt");

/// Groups of terms that mean the same; each term as its stems.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Synonyms {
    groups: Vec<Vec<Vec<String>>>,
    /// Groups holding a term, by the term's stems.
    by_term: HashMap<Vec<String>, Vec<usize>>,
    /// Most words in a term.
    longest: usize,
    /// Every word of every term as written (lower case, folded): known words for suggestions.
    raw_words: std::collections::BTreeSet<String>,
}

impl Synonyms {
    /// The built-in list plus the groups of `config` (its file, then its inline groups).
    pub fn load(config: &SearchConfig) -> AppResult<Self> {
        let mut s = Self::default();
        s.add_lines(BUILT_IN);
        if let Some(path) = config
            .synonyms_file
            .as_ref()
            .filter(|p| !p.as_os_str().is_empty())
        {
            let text = std::fs::read_to_string(path).map_err(|e| {
                AppError::Internal(anyhow::anyhow!(
                    "search.synonyms_file {}: {e}",
                    path.display()
                ))
            })?;
            s.add_lines(&text);
        }
        for line in &config.synonyms {
            s.add_lines(line);
        }
        Ok(s)
    }

    /// Parses groups, one per line (see the module doc); empty terms are skipped.
    pub fn parse(lines: &str) -> Self {
        let mut s = Self::default();
        s.add_lines(lines);
        s
    }

    fn add_lines(&mut self, lines: &str) {
        for line in lines.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut group: Vec<Vec<String>> = Vec::new();
            for term in line.split('~') {
                let words = text::words(term);
                self.raw_words.extend(words.iter().map(|w| w.raw.clone()));
                let stems: Vec<String> = words.into_iter().map(|w| w.stem).collect();
                if !stems.is_empty() && !group.contains(&stems) {
                    group.push(stems);
                }
            }
            if group.len() < 2 {
                continue;
            }
            let at = self.groups.len();
            for term in &group {
                self.longest = self.longest.max(term.len());
                self.by_term.entry(term.clone()).or_default().push(at);
            }
            self.groups.push(group);
        }
    }

    /// The other terms (as stems) of every group in which `stem` is a one-word term.
    pub fn alternatives(&self, stem: &str) -> Vec<&[String]> {
        self.alternatives_of(std::slice::from_ref(&stem.to_string()))
    }

    /// The other terms (as stems) of every group holding the term `stems`.
    pub fn alternatives_of(&self, stems: &[String]) -> Vec<&[String]> {
        let mut out: Vec<&[String]> = Vec::new();
        for g in self.by_term.get(stems).into_iter().flatten() {
            for term in self.groups.get(*g).into_iter().flatten() {
                if term.as_slice() != stems && !out.contains(&term.as_slice()) {
                    out.push(term);
                }
            }
        }
        out
    }

    /// The number of words of the longest term of several words that `stems` starts with.
    pub fn phrase_at(&self, stems: &[&str]) -> Option<usize> {
        (2..=self.longest.min(stems.len())).rev().find(|&n| {
            let term: Vec<String> = stems[..n].iter().map(|s| s.to_string()).collect();
            self.by_term.contains_key(&term)
        })
    }

    /// The groups as Meilisearch's `synonyms` setting over stems (which the Meilisearch
    /// backend indexes and queries): each term (words joined by a space) maps to the other
    /// terms of its groups.
    pub fn meili_map(&self) -> HashMap<String, Vec<String>> {
        self.by_term
            .keys()
            .map(|term| {
                let alts = self
                    .alternatives_of(term)
                    .iter()
                    .map(|t| t.join(" "))
                    .collect();
                (term.join(" "), alts)
            })
            .collect()
    }

    /// Every word of the list as written (lower case, accents folded).
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.raw_words.iter().map(String::as_str)
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether there is no group.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_finds_the_other_terms_of_its_groups() {
        let s = Synonyms::parse(
            "# c\nsomber ~ depressie ~ neerslachtig\npsychose ~ psychische klachten\n\nalleen",
        );
        assert_eq!(s.len(), 2);
        let somber = &text::words("somber")[0].stem;
        let alts = s.alternatives(somber);
        assert_eq!(alts.len(), 2);
        let psychose = &text::words("psychose")[0].stem;
        assert_eq!(s.alternatives(psychose)[0].len(), 2, "a term of two words");
        // A term of several words finds nothing on its own word, but as a phrase.
        assert!(s.alternatives(&text::words("klachten")[0].stem).is_empty());
        assert!(s.meili_map()[psychose][0].contains(' '));
        let phrase: Vec<String> = text::words("psychische klachten")
            .into_iter()
            .map(|w| w.stem)
            .collect();
        let refs: Vec<&str> = phrase.iter().map(String::as_str).collect();
        assert_eq!(s.phrase_at(&refs), Some(2));
        assert_eq!(s.phrase_at(&refs[1..]), None);
        assert_eq!(s.alternatives_of(&phrase).len(), 1);
        assert_eq!(s.meili_map()[&phrase.join(" ")], vec![psychose.clone()]);
    }

    #[test]
    fn the_built_in_list_parses() {
        let s = Synonyms::load(&SearchConfig::default()).unwrap();
        assert!(s.len() >= 20);
        assert!(
            !s.alternatives(&text::words("suikerziekte")[0].stem)
                .is_empty()
        );
    }
}
