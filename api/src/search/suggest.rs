//! Suggestions while typing (`suggest`) and "Bedoelde u …" corrections, the same for both
//! backends: the indexer keeps a [`Suggester`] in step with the index from the same
//! [`SearchDoc`]s (public offers only), so a keystroke never touches the database.
//!
//! - Suggestions come from offer titles, organisation names (of public offers), the areas of
//!   the gazetteer (gemeente, wijk, buurt) and the life domains and target groups (Dutch
//!   labels). Every label is folded (lower case, accents removed) and each word start in it is
//!   a key of one sorted array, so a prefix is two binary searches (`taalcaf` finds
//!   `Taalcafé`, `lent` finds `Wandelgroep Lent`).
//! - Corrections replace a query word that no offer holds by the closest word (edit distance)
//!   of the index's vocabulary or the synonym list; the caller checks that the corrected query
//!   finds more ([`super::SearchService::did_you_mean`]).

use super::doc::SearchDoc;
use super::synonyms::Synonyms;
use super::text::{self, QueryWord, fold};
use crate::error::{AppError, AppResult};
use entities::{LifeDomain, TargetGroup};
use sea_orm::Iterable;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, RwLock};

/// Longest prefix accepted, in characters.
pub const MAX_PREFIX_CHARS: usize = 60;
/// Most suggestions a caller may ask for.
pub const MAX_SUGGESTIONS: usize = 20;
/// Matching keys looked at per prefix before ranking (bounds the work of a short prefix).
const SCAN_LIMIT: usize = 400;

/// What a suggestion is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SuggestionKind {
    LifeDomain,
    TargetGroup,
    Area,
    Organisation,
    Offer,
}

/// One suggestion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    pub kind: SuggestionKind,
    /// What to show (Dutch).
    pub label: String,
    /// Offer id, organisation id, area code (`GM0268`) or life domain / target group value.
    pub value: String,
    /// The search text to use for it.
    pub query: String,
}

/// What an indexed offer contributes.
#[derive(Clone, Debug)]
struct OfferSource {
    title: Box<str>,
    organisation_id: Box<str>,
    organisation_name: Box<str>,
    /// Distinct words of all its text fields, as written (lower case, folded), by their
    /// number in [`Sources::words`]: a catalogue's offers share most words, so each is kept
    /// once (100,000 offers of some 50 words each would otherwise hold 5 million strings).
    words: Box<[u32]>,
}

/// The indexed offers by id, and every word they ever held, each once.
#[derive(Default)]
struct Sources {
    offers: BTreeMap<String, OfferSource>,
    words: Words,
}

/// Words numbered in the order first seen (a word of an offer no longer indexed keeps its
/// number: the vocabulary of a catalogue stays small).
#[derive(Default)]
struct Words {
    number: HashMap<Box<str>, u32>,
    text: Vec<Box<str>>,
}

impl Words {
    /// The number of `word`, numbering it when new.
    fn number(&mut self, word: String) -> u32 {
        if let Some(n) = self.number.get(word.as_str()) {
            return *n;
        }
        let n = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        let word: Box<str> = word.into();
        self.text.push(word.clone());
        self.number.insert(word, n);
        n
    }
}

/// The searchable form of the current offers.
#[derive(Default)]
struct Built {
    entries: Vec<Suggestion>,
    /// Folded label per entry.
    folded: Vec<String>,
    /// (entry, byte offset of a word start in its folded label), sorted by the text from there.
    keys: Vec<(u32, u16)>,
    /// Offers holding each word (as written).
    doc_freq: HashMap<String, u32>,
}

/// Words that are not names: the vocabulary of the index, the gazetteer and the synonyms.
#[derive(Default)]
struct Static {
    /// Area and life domain / target group entries (never change).
    entries: Vec<Suggestion>,
    /// Words of area names.
    area_words: HashSet<String>,
    /// Words of the synonym list.
    synonym_words: HashSet<String>,
}

/// The in-memory suggestion and correction structure. Cheap to read from many threads.
#[derive(Default)]
pub struct Suggester {
    sources: RwLock<Sources>,
    fixed: RwLock<Arc<Static>>,
    built: RwLock<Arc<Built>>,
    loaded: std::sync::atomic::AtomicBool,
    /// Offers were staged since the last rebuild.
    stale: std::sync::atomic::AtomicBool,
}

/// Dutch label of a life domain.
pub fn life_domain_label(d: LifeDomain) -> &'static str {
    match d {
        LifeDomain::Beweging => "Beweging",
        LifeDomain::Voeding => "Voeding",
        LifeDomain::Ontspanning => "Ontspanning",
        LifeDomain::Slapen => "Slapen",
        LifeDomain::SocialeContacten => "Sociale contacten",
        LifeDomain::Zingeving => "Zingeving",
        LifeDomain::WerkDagbesteding => "Werk en dagbesteding",
        LifeDomain::Financien => "Financiën",
    }
}

/// Dutch label of a target group.
pub fn target_group_label(g: TargetGroup) -> &'static str {
    match g {
        TargetGroup::AngstDepressie => "Angst- en depressieklachten",
        TargetGroup::DiabetesType2 => "Diabetes type 2",
        TargetGroup::Eenzaamheid => "Eenzaamheid",
        TargetGroup::ChronischePijn => "Chronische pijn",
        TargetGroup::Overgewicht => "Overgewicht",
        TargetGroup::StressBurnout => "Stress en burn-out",
        TargetGroup::Ouderen => "Ouderen",
        TargetGroup::Jongeren => "Jongeren",
        TargetGroup::Mantelzorgers => "Mantelzorgers",
        TargetGroup::Nieuwkomers => "Nieuwkomers",
    }
}

/// The fixed entries: gazetteer areas, life domains and target groups.
fn fixed_entries() -> AppResult<Static> {
    let mut s = Static::default();
    for row in crate::geo::area_rows()? {
        for w in text::words(&row.name) {
            s.area_words.insert(w.raw);
        }
        let kind = match row.kind.as_str() {
            "gemeente" => "gemeente",
            "wijk" => "wijk",
            _ => "buurt",
        };
        s.entries.push(Suggestion {
            kind: SuggestionKind::Area,
            label: format!("{} ({kind})", row.name),
            query: row.name,
            value: row.code,
        });
    }
    for d in LifeDomain::iter() {
        let label = life_domain_label(d);
        s.entries.push(Suggestion {
            kind: SuggestionKind::LifeDomain,
            label: label.to_string(),
            value: d.as_str().to_string(),
            query: label.to_string(),
        });
    }
    for g in TargetGroup::iter() {
        let label = target_group_label(g);
        s.entries.push(Suggestion {
            kind: SuggestionKind::TargetGroup,
            label: label.to_string(),
            value: g.as_str().to_string(),
            query: label.to_string(),
        });
    }
    Ok(s)
}

fn source(d: &SearchDoc, known: &mut Words) -> OfferSource {
    let mut words: Vec<String> = [
        d.title.as_str(),
        &d.description,
        &d.organisation_name,
        &d.area_text(),
        &d.tags_text(),
    ]
    .iter()
    .flat_map(|t| text::words(t))
    .map(|w| w.raw)
    .collect();
    words.sort();
    words.dedup();
    OfferSource {
        title: d.title.as_str().into(),
        organisation_id: d.organisation_id.as_str().into(),
        organisation_name: d.organisation_name.as_str().into(),
        words: words.into_iter().map(|w| known.number(w)).collect(),
    }
}

fn poisoned<T>(_: std::sync::PoisonError<T>) -> AppError {
    AppError::Internal(anyhow::anyhow!("suggestion lock poisoned"))
}

impl Suggester {
    /// Whether the offers were loaded once ([`Self::replace`]).
    pub fn is_loaded(&self) -> bool {
        self.loaded.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Uses the words of `synonyms` as known words and correction candidates.
    pub fn set_synonyms(&self, synonyms: &Synonyms) -> AppResult<()> {
        let mut fixed = self.fixed.write().map_err(poisoned)?;
        let mut next = Static {
            entries: fixed.entries.clone(),
            area_words: fixed.area_words.clone(),
            synonym_words: synonyms.words().map(str::to_string).collect(),
        };
        if next.entries.is_empty() {
            let f = fixed_entries()?;
            next.entries = f.entries;
            next.area_words = f.area_words;
        }
        *fixed = Arc::new(next);
        Ok(())
    }

    /// Replaces every offer by `docs` (a rebuild).
    pub fn replace(&self, docs: &[SearchDoc]) -> AppResult<()> {
        self.begin_replace()?;
        self.add(docs)?;
        self.finish_replace()
    }

    /// Starts replacing every offer: forgets them; suggestions keep answering from the
    /// offers as they were until [`Self::finish_replace`]. With [`Self::add`] a caller reads
    /// the catalogue part by part instead of holding every document at once.
    pub fn begin_replace(&self) -> AppResult<()> {
        self.sources.write().map_err(poisoned)?.offers.clear();
        Ok(())
    }

    /// Adds (or replaces) the offers `docs` without rebuilding the suggestions.
    pub fn add(&self, docs: &[SearchDoc]) -> AppResult<()> {
        let mut sources = self.sources.write().map_err(poisoned)?;
        let Sources { offers, words } = &mut *sources;
        for d in docs {
            offers.insert(d.id.clone(), source(d, words));
        }
        Ok(())
    }

    /// Rebuilds the suggestions from the offers added since [`Self::begin_replace`].
    pub fn finish_replace(&self) -> AppResult<()> {
        self.rebuild()?;
        self.loaded
            .store(true, std::sync::atomic::Ordering::Release);
        Ok(())
    }

    /// Upserts `docs` and removes the offers `removed` (a sync).
    pub fn apply(&self, docs: &[SearchDoc], removed: &[String]) -> AppResult<()> {
        self.stage(docs, removed)?;
        self.refresh()
    }

    /// Upserts `docs` and removes the offers `removed` without rebuilding the suggestions:
    /// a rebuild sorts every key of the catalogue, so an indexer catching up on many batches
    /// stages each and calls [`Self::refresh`] once it has caught up.
    pub fn stage(&self, docs: &[SearchDoc], removed: &[String]) -> AppResult<()> {
        if docs.is_empty() && removed.is_empty() {
            return Ok(());
        }
        {
            let mut sources = self.sources.write().map_err(poisoned)?;
            for id in removed {
                sources.offers.remove(id);
            }
        }
        self.add(docs)?;
        self.stale.store(true, std::sync::atomic::Ordering::Release);
        Ok(())
    }

    /// Rebuilds the suggestions when offers were staged since the last rebuild.
    pub fn refresh(&self) -> AppResult<()> {
        if self.stale.swap(false, std::sync::atomic::Ordering::AcqRel)
            && let Err(e) = self.rebuild()
        {
            self.stale.store(true, std::sync::atomic::Ordering::Release);
            return Err(e);
        }
        Ok(())
    }

    /// Rebuilds the sorted keys (on the indexer's task, never per keystroke).
    fn rebuild(&self) -> AppResult<()> {
        if self.fixed.read().map_err(poisoned)?.entries.is_empty() {
            self.set_synonyms(&Synonyms::default())?;
        }
        let fixed = self.fixed.read().map_err(poisoned)?.clone();
        let sources = self.sources.read().map_err(poisoned)?;
        let mut b = Built {
            entries: fixed.entries.clone(),
            ..Built::default()
        };
        let mut organisations = BTreeMap::new();
        let mut counts = vec![0u32; sources.words.text.len()];
        for (id, s) in sources.offers.iter() {
            b.entries.push(Suggestion {
                kind: SuggestionKind::Offer,
                label: s.title.to_string(),
                value: id.clone(),
                query: s.title.to_string(),
            });
            organisations.insert(&s.organisation_id, &s.organisation_name);
            for w in s.words.iter() {
                if let Some(n) = counts.get_mut(*w as usize) {
                    *n += 1;
                }
            }
        }
        for (id, name) in organisations {
            b.entries.push(Suggestion {
                kind: SuggestionKind::Organisation,
                label: name.to_string(),
                value: id.to_string(),
                query: name.to_string(),
            });
        }
        b.doc_freq = (sources.words.text.iter())
            .zip(counts)
            .filter(|(_, n)| *n > 0)
            .map(|(w, n)| (w.to_string(), n))
            .collect();
        drop(sources);
        b.folded = b.entries.iter().map(|e| fold(&e.label)).collect();
        for (i, f) in b.folded.iter().enumerate() {
            let mut start = true;
            for (at, c) in f.char_indices() {
                if start && c.is_alphanumeric() && at <= u16::MAX as usize {
                    b.keys.push((i as u32, at as u16));
                }
                start = !c.is_alphanumeric();
            }
        }
        let folded = &b.folded;
        let key = |k: &(u32, u16)| &folded[k.0 as usize][k.1 as usize..];
        b.keys.sort_unstable_by(|x, y| key(x).cmp(key(y)));
        *self.built.write().map_err(poisoned)? = Arc::new(b);
        Ok(())
    }

    /// Up to `first` suggestions for `prefix`: labels starting with it first, then labels with
    /// a later word starting with it; within those, life domains and target groups, areas,
    /// organisations, offers; then shorter labels first.
    pub fn suggest(&self, prefix: &str, first: usize) -> AppResult<Vec<Suggestion>> {
        let prefix = check_prefix(prefix)?;
        let built = self.built.read().map_err(poisoned)?.clone();
        let key = |k: &(u32, u16)| &built.folded[k.0 as usize][k.1 as usize..];
        let from = built.keys.partition_point(|k| key(k) < prefix.as_str());
        let mut best: HashMap<u32, (bool, SuggestionKind, usize)> = HashMap::new();
        for k in built.keys[from..]
            .iter()
            .take_while(|k| key(k).starts_with(prefix.as_str()))
            .take(SCAN_LIMIT)
        {
            let Some(e) = built.entries.get(k.0 as usize) else {
                continue;
            };
            let rank = (k.1 != 0, e.kind, e.label.len());
            best.entry(k.0)
                .and_modify(|r| *r = (*r).min(rank))
                .or_insert(rank);
        }
        let mut ranked: Vec<(u32, (bool, SuggestionKind, usize))> = best.into_iter().collect();
        ranked.sort_by(|a, b| {
            a.1.cmp(&b.1)
                .then_with(|| built.folded[a.0 as usize].cmp(&built.folded[b.0 as usize]))
        });
        let mut out: Vec<Suggestion> = Vec::new();
        for (i, _) in ranked {
            let Some(e) = built.entries.get(i as usize) else {
                continue;
            };
            // Two offers of the same title read as one suggestion.
            if out.iter().any(|o| o.kind == e.kind && o.label == e.label) {
                continue;
            }
            out.push(e.clone());
            if out.len() == first {
                break;
            }
        }
        Ok(out)
    }

    /// Whether `word` (as written, folded) is a word of an indexed offer, an area name or the
    /// synonym list.
    pub fn is_known(&self, word: &str) -> bool {
        let in_index = self
            .built
            .read()
            .map(|b| b.doc_freq.contains_key(word))
            .unwrap_or(false);
        in_index
            || self
                .fixed
                .read()
                .map(|f| f.area_words.contains(word) || f.synonym_words.contains(word))
                .unwrap_or(false)
    }

    /// The query with every word that no offer holds replaced by the closest known word
    /// (see [`closest`]); `None` when no word changes.
    pub fn correction(&self, words: &[QueryWord]) -> Option<String> {
        let built = self.built.read().ok()?.clone();
        let fixed = self.fixed.read().ok()?.clone();
        let mut changed = false;
        let mut out = Vec::with_capacity(words.len());
        for w in words {
            if built.doc_freq.contains_key(&w.raw) || fixed.synonym_words.contains(&w.raw) {
                out.push(w.raw.clone());
                continue;
            }
            let candidates = built
                .doc_freq
                .iter()
                .map(|(word, n)| (word.as_str(), *n))
                .chain(fixed.synonym_words.iter().map(|s| (s.as_str(), 0)));
            match closest(&w.raw, candidates) {
                Some(c) => {
                    changed = true;
                    out.push(c.to_string());
                }
                None => out.push(w.raw.clone()),
            }
        }
        changed.then(|| out.join(" "))
    }
}

/// A corrected query counts when it finds at least this many offers and more than the query.
pub const DID_YOU_MEAN_MIN: u64 = 2;

impl super::SearchService {
    /// Up to `first` suggestions for `prefix` (see [`Suggester::suggest`]); none while the
    /// suggester's first load after a start is still running
    /// ([`super::SearchService::suggestions_ready`]); `BAD_USER_INPUT` for an empty or
    /// over-long prefix or `first` outside 1..=[`MAX_SUGGESTIONS`].
    pub async fn suggest(&self, prefix: &str, first: i32) -> AppResult<Vec<Suggestion>> {
        let first = check_first(first)?;
        check_prefix(prefix)?;
        if !self.suggestions_ready().await {
            return Ok(Vec::new());
        }
        self.suggester().suggest(prefix, first)
    }

    /// "Bedoelde u …": for a search with text that found no or few offers (at most
    /// [`super::demand::FEW_RESULTS`], or only some of its words), the corrected query text
    /// when that finds at least [`DID_YOU_MEAN_MIN`] offers with the same filters, and more.
    pub async fn did_you_mean(
        &self,
        query: &super::SearchQuery,
        results: &super::SearchResults,
    ) -> AppResult<Option<String>> {
        let few =
            results.by_words() <= super::demand::FEW_RESULTS || results.matched_words.is_some();
        if query.words.is_empty() || !few {
            return Ok(None);
        }
        if !self.suggestions_ready().await {
            return Ok(None);
        }
        let Some(text) = self.suggester().correction(&query.words) else {
            return Ok(None);
        };
        let probe = super::SearchQuery::new(
            Some(&text),
            query.filter.clone(),
            query.near,
            query.sort,
            0,
            1,
        )?;
        let found = self.search(&probe).await?;
        let better = found.matched_words.is_none()
            && found.by_words() >= DID_YOU_MEAN_MIN
            && (found.by_words() > results.by_words() || results.matched_words.is_some());
        Ok(better.then_some(text))
    }

    /// Loads the synonyms of `config` into the index and the suggester (start and `reindex`).
    pub async fn reload_synonyms(&self, config: &crate::config::SearchConfig) -> AppResult<()> {
        let synonyms = Arc::new(Synonyms::load(config)?);
        self.suggester().set_synonyms(&synonyms)?;
        self.index().set_synonyms(synonyms).await
    }
}

/// Edits allowed between a word and its correction: one up to 4 letters, two up to 8, three
/// beyond (one more than the search's own typo budget, which already matched the rest).
pub fn correction_budget(len: usize) -> usize {
    match len {
        0..=2 => 0,
        3..=4 => 1,
        5..=8 => 2,
        _ => 3,
    }
}

/// The closest of `candidates` (word, offers holding it) to `word` within
/// [`correction_budget`]: fewest edits, then most offers, then alphabetical.
pub fn closest<'a>(
    word: &str,
    candidates: impl Iterator<Item = (&'a str, u32)>,
) -> Option<&'a str> {
    let len = word.chars().count();
    let budget = correction_budget(len);
    if budget == 0 {
        return None;
    }
    let mut best: Option<(usize, std::cmp::Reverse<u32>, &str)> = None;
    for (c, n) in candidates {
        let clen = c.chars().count();
        if clen.abs_diff(len) > budget || clen < 3 {
            continue;
        }
        let d = strsim::osa_distance(word, c);
        if d == 0 || d > budget {
            continue;
        }
        let rank = (d, std::cmp::Reverse(n), c);
        if best.is_none_or(|b| rank < b) {
            best = Some(rank);
        }
    }
    best.map(|b| b.2)
}

/// The folded prefix, or `BAD_USER_INPUT` when it is empty or too long.
fn check_prefix(prefix: &str) -> AppResult<String> {
    if prefix.chars().count() > MAX_PREFIX_CHARS {
        return Err(AppError::field(
            "prefix",
            format!("must be at most {MAX_PREFIX_CHARS} characters"),
        ));
    }
    let folded = fold(prefix);
    if folded.is_empty() {
        return Err(AppError::field("prefix", "must not be empty"));
    }
    Ok(folded)
}

/// `first` as a count of suggestions, or `BAD_USER_INPUT`.
pub fn check_first(first: i32) -> AppResult<usize> {
    if (1..=MAX_SUGGESTIONS as i32).contains(&first) {
        Ok(first as usize)
    } else {
        Err(AppError::field(
            "first",
            format!("must be from 1 to {MAX_SUGGESTIONS}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entities::{OfferKind, OfferStatus};

    fn doc(id: &str, title: &str, org: &str) -> SearchDoc {
        SearchDoc {
            id: id.into(),
            origin_node: "n".into(),
            organisation_id: format!("org-{org}"),
            organisation_name: org.into(),
            title: title.into(),
            description: "Samen praten en koffie drinken.".into(),
            kind: OfferKind::Group,
            status: OfferStatus::Open,
            life_domains: vec![],
            target_groups: vec![],
            cost_cents: 0,
            open_places: true,
            areas: vec![],
            places: vec![],
            points: vec![],
            attributes: vec![],
            recovery_focus: vec![],
        }
    }

    #[test]
    fn prefixes_match_folded_word_starts() {
        let s = Suggester::default();
        s.replace(&[
            doc("1", "Taalcafé Lent", "Bibliotheek Gelderland-Zuid"),
            doc("2", "Wandelgroep Lent", "Sportbedrijf"),
        ])
        .unwrap();
        let got = s.suggest("TAALCAF", 8).unwrap();
        assert_eq!(got[0].label, "Taalcafé Lent");
        assert_eq!(got[0].kind, SuggestionKind::Offer);
        let lent = s.suggest("wandelgroep l", 8).unwrap();
        assert_eq!(lent.len(), 1);
        let biblio = s.suggest("gelderland", 8).unwrap();
        assert!(
            biblio
                .iter()
                .any(|x| x.kind == SuggestionKind::Organisation)
        );
        let domain = s.suggest("sociale", 8).unwrap();
        assert_eq!(domain[0].kind, SuggestionKind::LifeDomain);
        assert_eq!(domain[0].value, "sociale_contacten");
        assert!(s.suggest("", 8).is_err());
        assert!(s.suggest(&"a".repeat(61), 8).is_err());
        s.apply(&[], &["1".to_string()]).unwrap();
        assert!(s.suggest("taalcaf", 8).unwrap().is_empty());
    }

    #[test]
    fn staged_offers_are_suggested_from_the_next_refresh_on() {
        let s = Suggester::default();
        s.replace(&[doc("1", "Yoga voor ouderen", "A")]).unwrap();
        s.stage(&[doc("2", "Wandelgroep Lent", "B")], &["1".to_string()])
            .unwrap();
        // Staged, not yet rebuilt: the suggestions are those of the last rebuild.
        assert_eq!(s.suggest("yoga", 8).unwrap().len(), 1);
        assert!(s.suggest("wandelgroep", 8).unwrap().is_empty());
        s.refresh().unwrap();
        assert!(s.suggest("yoga", 8).unwrap().is_empty());
        assert_eq!(s.suggest("wandelgroep", 8).unwrap().len(), 1);
    }

    #[test]
    fn corrections_take_the_closest_frequent_word() {
        let s = Suggester::default();
        s.replace(&[doc("1", "Yoga voor ouderen", "A"), doc("2", "Yoga", "B")])
            .unwrap();
        assert_eq!(
            s.correction(&text::query_words("joga")),
            Some("yoga".into())
        );
        assert_eq!(s.correction(&text::query_words("yoga")), None);
        assert_eq!(closest("ab", [("ac", 3)].into_iter()), None);
    }
}
