//! Dutch text analysis shared by both backends and the highlighter: tokenise, lower-case,
//! fold accents, drop Dutch stop words, stem (Snowball Dutch).
//!
//! The embedded index registers [`analyzer`] as its tokenizer; the Meilisearch backend sends
//! [`stem_text`] output so that Meilisearch matches on the same stems.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, TokenStream,
};

/// Name under which the analyzer is registered in the embedded index.
pub const ANALYZER: &str = "nl_stem";
/// Name of the analyzer without stemming (typo-tolerant matching is on words as written).
pub const RAW_ANALYZER: &str = "nl_raw";

/// Words shorter than this (in characters) must match exactly; longer ones allow one typo.
pub const ONE_TYPO_MIN_LEN: usize = 5;
/// Words of at least this many characters allow two typos.
pub const TWO_TYPOS_MIN_LEN: usize = 9;

/// The Dutch analyzer: simple tokenizer, long-token removal, lower case, ASCII folding,
/// Dutch stop words, Dutch Snowball stemmer.
pub fn analyzer() -> TextAnalyzer {
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter_dynamic(
            StopWordFilter::new(Language::Dutch).unwrap_or_else(|| StopWordFilter::remove([])),
        )
        .filter_dynamic(Stemmer::new(Language::Dutch));
    builder.build()
}

/// [`analyzer`] without the stemmer: words as written, lower-cased and folded.
pub fn raw_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter_dynamic(
            StopWordFilter::new(Language::Dutch).unwrap_or_else(|| StopWordFilter::remove([])),
        )
        .build()
}

/// One analysed word of a text: its stem and where the original word sits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// The stem as stored in the index.
    pub stem: String,
    /// The word as written, lower-cased and folded.
    pub raw: String,
    /// Byte range of the original word in the text.
    pub from: usize,
    pub to: usize,
}

thread_local! {
    /// Analyzers are cheap to use but not to build; keep one of each per thread.
    static ANALYZERS: std::cell::RefCell<(TextAnalyzer, TextAnalyzer)> =
        std::cell::RefCell::new((analyzer(), raw_analyzer()));
}

/// Analyses `text` into words (stop words removed).
pub fn words(text: &str) -> Vec<Word> {
    ANALYZERS.with(|cell| {
        let mut analyzers = cell.borrow_mut();
        let (stem, raw) = &mut *analyzers;
        let mut stems = stem.token_stream(text);
        let mut raws = raw.token_stream(text);
        let mut out = Vec::new();
        // Both streams see the same tokens: the stemmer changes words but never drops one.
        while stems.advance() && raws.advance() {
            let t = stems.token();
            out.push(Word {
                stem: t.text.clone(),
                raw: raws.token().text.clone(),
                from: t.offset_from,
                to: t.offset_to,
            });
        }
        out
    })
}

/// A query word: its stem, the word as typed and how many typos it tolerates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryWord {
    pub stem: String,
    /// Lower-cased and folded, not stemmed: typos are counted on this.
    pub raw: String,
    /// 0, 1 or 2 edits (by the length of the word as typed).
    pub typos: u8,
}

/// Typos tolerated for a word of `len` characters as typed.
pub fn typos_for(len: usize) -> u8 {
    if len >= TWO_TYPOS_MIN_LEN {
        2
    } else if len >= ONE_TYPO_MIN_LEN {
        1
    } else {
        0
    }
}

/// Analyses a query: distinct stems in order, each with its typo budget.
pub fn query_words(query: &str) -> Vec<QueryWord> {
    let mut out: Vec<QueryWord> = Vec::new();
    for w in words(query) {
        let typed = query.get(w.from..w.to).map_or(0, |s| s.chars().count());
        if out.iter().any(|q| q.stem == w.stem) {
            continue;
        }
        out.push(QueryWord {
            typos: typos_for(typed),
            stem: w.stem,
            raw: w.raw,
        });
    }
    out
}

/// The stems of `text` joined by spaces (what the Meilisearch backend indexes and queries).
pub fn stem_text(text: &str) -> String {
    words(text)
        .into_iter()
        .map(|w| w.stem)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The words of `text` as written (lower-cased, folded, stop words removed), joined by spaces:
/// what the Meilisearch backend matches typos against, as the embedded index does.
pub fn raw_text(text: &str) -> String {
    words(text)
        .into_iter()
        .map(|w| w.raw)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a word of a text matches a query word: the same stem, or the word as written
/// within the query word's typo budget (a transposition counts as one edit, as in the
/// embedded fuzzy query).
pub fn matches(query: &QueryWord, word: &Word) -> bool {
    query.stem == word.stem
        || (query.typos > 0 && strsim::osa_distance(&query.raw, &word.raw) <= query.typos as usize)
}

/// Lower case, accents folded, runs of spaces as one (suggestions and unmet demand compare
/// texts this way).
pub fn fold(s: &str) -> String {
    sort_key(s).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The title as sorted: lower case, accents folded.
pub fn sort_key(title: &str) -> String {
    let mut analyzer = TextAnalyzer::builder(tantivy::tokenizer::RawTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build();
    let mut stream = analyzer.token_stream(title);
    let mut out = String::new();
    while stream.advance() {
        out.push_str(&stream.token().text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_dutch_plurals_and_drops_stop_words() {
        let a = stem_text("Wandelgroepen in de duinen");
        let b = stem_text("wandelgroep duin");
        assert_eq!(a, b);
        assert!(!a.contains(" de "), "{a}");
    }

    #[test]
    fn folds_accents() {
        assert_eq!(stem_text("financiën"), stem_text("financien"));
    }

    #[test]
    fn typo_budget_by_length() {
        let q = query_words("herstelcirkl angst lent");
        assert_eq!(q.len(), 3);
        assert_eq!(q[0].typos, 2);
        assert_eq!(q[1].typos, 1);
        assert_eq!(q[2].typos, 0);
        assert!(matches(&q[0], &words("herstelcirkel")[0]));
        assert!(matches(
            &query_words("eenzaamhied")[0],
            &words("eenzaamheid")[0]
        ));
        assert!(!matches(&q[2], &words("lint")[0]));
    }
}
