//! The embedded search backend: an on-disk tantivy index under `data_dir/search/`.
//!
//! Text fields use the Dutch analyzer of [`super::text`]. A query is a list of units
//! ([`query::units`]: a word, or words forming a term of a synonym group); every unit must
//! match: a word exactly in one field (BM25, with per-field boosts), for words of 5+ letters in
//! the catch-all field (words as written, not stemmed) within its typo budget
//! ([`FuzzyTermQuery`]), as all parts of a compound, or as a synonym (the last three ranked
//! lower). When fewer offers than the page asks for match every unit, the offers matching the
//! most units follow below them ([`TantivyIndex::fallback`]). Filters are term and range
//! queries on indexed fast fields; the geo radius, distance, facet counts and the total are
//! computed in one pass by [`SearchCollector`] over the matching documents.
//!
//! Hybrid search (with an [`Embedder`]): each document stores its offer's vector and its row in
//! [`Vectors`], the matrix searched exactly at query time. The offers nearest in meaning that
//! pass the same filters (`nearest`: only their rows are compared; as many as the page needs)
//! join the keyword matches, and all are ranked by [`hybrid::blend`]. The keyword matches
//! ([`TantivyIndex::matches`]) and the rows to compare ([`TantivyIndex::comparable`]) are
//! collected while the query is embedded; the rest ([`TantivyIndex::page`]) waits for its
//! vector.

use super::SearchIndex;
use super::compound::Vocabulary;
use super::doc::SearchDoc;
use super::embed::{Embedder, Unembedded, Vector};
use super::highlight;
use super::hybrid;
use super::nearest::{Comparable, nearest};
use super::query::{
    self, FacetValue, Facets, Near, SearchHit, SearchQuery, SearchResults, SearchSort, Unit,
};
use super::synonyms::Synonyms;
use super::text::{self, ANALYZER, QueryWord, RAW_ANALYZER};
use super::vectors::{self, Vectors};
use crate::error::{AppError, AppResult};
use crate::geo::distance_km;
use entities::{LifeDomain, OfferKind, OfferStatus, TargetGroup};
use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, EnableScoring, FuzzyTermQuery, Occur, Query, RangeQuery,
    TermQuery,
};
use tantivy::schema::{
    BytesOptions, FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions, Value,
};
use tantivy::{
    DocAddress, DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentOrdinal,
    SegmentReader, TantivyDocument, Term,
};

/// Writer heap for a node (tantivy's minimum is 15 MB per thread).
const NODE_WRITER_HEAP: usize = 30_000_000;

/// Fields of the index schema.
#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    title: Field,
    description: Field,
    org: Field,
    area_text: Field,
    tags: Field,
    all_raw: Field,
    parts: Field,
    area: Field,
    origin: Field,
    kind: Field,
    status: Field,
    life_domain: Field,
    target_group: Field,
    gemeente: Field,
    cost: Field,
    open: Field,
    lat: Field,
    lon: Field,
    title_key: Field,
    title_key2: Field,
    title_sort: Field,
    org_id: Field,
    attribute: Field,
    /// The offer's row in [`Vectors`] (hybrid search; absent without a vector).
    vec_row: Field,
    /// The offer's vector as little-endian `f32`s (stored; rebuilds [`Vectors`] at open).
    vector: Field,
}

/// Text fields with their BM25 boosts.
const TEXT_BOOSTS: [(&str, f32); 5] = [
    ("title", 3.0),
    ("tags", 2.0),
    ("org", 1.5),
    ("area_text", 1.5),
    ("description", 1.0),
];
/// Boost of a typo-tolerant match (constant score) relative to exact matches.
const FUZZY_BOOST: f32 = 0.5;
/// Boost of a query word found as a part of an offer's compound (`groep` in `wandelgroep`).
const PARTS_FIELD_BOOST: f32 = 0.6;
/// Boost of each part of a query compound (`werk` of `vrijwilligerswerk`), below the whole word.
const QUERY_PART_BOOST: f32 = 0.4;
/// Boost of a synonym of a query word (`depressie` for `somber`), below the word itself.
const SYNONYM_BOOST: f32 = 0.5;

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let num = INDEXED | FAST;
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        title: b.add_text_field("title", text.clone() | STORED),
        description: b.add_text_field("description", text.clone() | STORED),
        org: b.add_text_field("org", text.clone()),
        area_text: b.add_text_field("area_text", text.clone()),
        tags: b.add_text_field("tags", text.clone()),
        parts: b.add_text_field("parts", text),
        all_raw: b.add_text_field(
            "all_raw",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(RAW_ANALYZER)
                    .set_index_option(IndexRecordOption::Basic),
            ),
        ),
        area: b.add_text_field("area", STRING),
        origin: b.add_text_field("origin", STRING),
        kind: b.add_u64_field("kind", num.clone()),
        status: b.add_u64_field("status", num.clone()),
        life_domain: b.add_u64_field("life_domain", num.clone()),
        target_group: b.add_u64_field("target_group", num.clone()),
        gemeente: b.add_u64_field("gemeente", num.clone()),
        cost: b.add_u64_field("cost", num.clone()),
        open: b.add_u64_field("open", num),
        lat: b.add_f64_field("lat", FAST),
        lon: b.add_f64_field("lon", FAST),
        title_key: b.add_u64_field("title_key", FAST),
        title_key2: b.add_u64_field("title_key2", FAST),
        title_sort: b.add_text_field("title_sort", STRING | FAST),
        org_id: b.add_text_field("org_id", STRING),
        attribute: b.add_text_field("attribute", STRING),
        vec_row: b.add_u64_field("vec_row", FAST),
        vector: b.add_bytes_field("vector", BytesOptions::default().set_stored()),
    };
    (b.build(), fields)
}

/// Matches the documents that hold exactly `term`.
fn term_query(term: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(term, IndexRecordOption::Basic))
}

/// Matches the documents whose untokenized `field` is `text`.
fn text_is(field: Field, text: &str) -> Box<dyn Query> {
    term_query(Term::from_field_text(field, text))
}

/// Matches the documents whose `field` holds one of `values`; `None` (no filter) without values.
fn one_of(field: Field, values: impl Iterator<Item = u64>) -> Option<Box<dyn Query>> {
    let any: Vec<(Occur, Box<dyn Query>)> = values
        .map(|v| (Occur::Should, term_query(Term::from_field_u64(field, v))))
        .collect();
    (!any.is_empty()).then(|| Box::new(BooleanQuery::new(any)) as Box<dyn Query>)
}

/// Matches the documents whose `field` lies in `min..=max`.
fn u64_range(field: Field, min: u64, max: u64) -> Box<dyn Query> {
    Box::new(RangeQuery::new(
        Bound::Included(Term::from_field_u64(field, min)),
        Bound::Included(Term::from_field_u64(field, max)),
    ))
}

fn ix<T: PartialEq>(all: &[T], v: &T) -> u64 {
    all.iter().position(|x| x == v).unwrap_or(0) as u64
}

/// `GM0268` as 268.
fn gemeente_number(code: &str) -> Option<u64> {
    code.strip_prefix("GM")?.parse().ok()
}

/// The first 16 bytes of the folded, lower-cased title, big-endian: orders like the title.
pub fn title_key(title: &str) -> u128 {
    let folded = text::sort_key(title);
    let mut bytes = [0u8; 16];
    for (b, c) in bytes.iter_mut().zip(folded.bytes()) {
        *b = c;
    }
    u128::from_be_bytes(bytes)
}

/// The embedded tantivy index.
pub struct TantivyIndex {
    index: Index,
    reader: IndexReader,
    writer: Arc<Mutex<IndexWriter<TantivyDocument>>>,
    fields: Fields,
    /// The words of the indexed offers, for compound splitting.
    vocab: RwLock<Vocabulary>,
    synonyms: RwLock<Arc<Synonyms>>,
    /// Offer vectors (hybrid search).
    vectors: RwLock<Vectors>,
    /// Embeds offers and queries; `None`: keyword search only.
    embedder: Option<Arc<Embedder>>,
    /// Offers indexed without a vector while the embedder failed.
    unembedded: Unembedded,
    /// Weight of meaning in the hybrid ranking (`search.hybrid_ratio`).
    hybrid_ratio: f32,
    /// Pages of the whole catalogue, for the current searcher.
    whole: std::sync::Mutex<WholeCatalogue>,
}

/// Pages of the whole catalogue (no words, filters or place: the search page before anything
/// is typed), kept until the index changes. Counting their facets reads every offer (20 ms at
/// 100,000 offers, the slowest searches of the search bench); any other search narrows it.
#[derive(Default)]
struct WholeCatalogue {
    /// The searcher generation the pages belong to.
    generation: u64,
    /// Pages by (sort, offset, limit).
    pages: std::collections::HashMap<(SearchSort, usize, usize), SearchResults>,
}

/// Most pages of the whole catalogue kept (all are dropped when more are asked for).
const WHOLE_PAGES: usize = 16;

impl WholeCatalogue {
    /// Whether `q` asks for the whole catalogue.
    fn covers(q: &SearchQuery) -> bool {
        q.words.is_empty() && q.near.is_none() && q.filter == Default::default()
    }

    fn get(&self, generation: u64, q: &SearchQuery) -> Option<SearchResults> {
        (self.generation == generation)
            .then(|| self.pages.get(&(q.sort, q.offset, q.limit)).cloned())
            .flatten()
    }

    fn put(&mut self, generation: u64, q: &SearchQuery, results: &SearchResults) {
        if self.generation != generation || self.pages.len() >= WHOLE_PAGES {
            self.pages.clear();
            self.generation = generation;
        }
        self.pages
            .insert((q.sort, q.offset, q.limit), results.clone());
    }
}

impl TantivyIndex {
    /// Opens (or creates) the index in `dir`.
    pub fn open(dir: &Path) -> AppResult<Self> {
        Self::open_with_heap(dir, NODE_WRITER_HEAP)
    }

    /// Like [`open`](Self::open) with a writer heap of `heap` bytes (bulk builds).
    pub fn open_with_heap(dir: &Path, heap: usize) -> AppResult<Self> {
        std::fs::create_dir_all(dir).map_err(|e| {
            AppError::Internal(anyhow::anyhow!("cannot create {}: {e}", dir.display()))
        })?;
        let (schema, fields) = schema();
        let directory = MmapDirectory::open(dir).map_err(internal)?;
        let index = match Index::open_or_create(directory, schema.clone()) {
            Ok(index) => index,
            Err(tantivy::TantivyError::SchemaError(e)) => {
                // An index of an older schema: start afresh; the indexer sees an empty index
                // with a stored cursor and rebuilds it from the database.
                tracing::warn!(error = %e, dir = %dir.display(), "search index schema changed; recreating it");
                std::fs::remove_dir_all(dir).map_err(internal)?;
                std::fs::create_dir_all(dir).map_err(internal)?;
                Index::create_in_dir(dir, schema).map_err(internal)?
            }
            Err(e) => return Err(internal(e)),
        };
        Self::with_index(index, fields, heap)
    }

    /// Opens the index in `dir` for reading only (no writer lock, so beside a running node) and
    /// counts its documents.
    pub fn count_read_only(dir: &Path) -> AppResult<u64> {
        let index = Index::open_in_dir(dir).map_err(internal)?;
        let reader: IndexReader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(internal)?;
        Ok(reader.searcher().num_docs())
    }

    fn with_index(index: Index, fields: Fields, heap: usize) -> AppResult<Self> {
        index.tokenizers().register(ANALYZER, text::analyzer());
        index
            .tokenizers()
            .register(RAW_ANALYZER, text::raw_analyzer());
        let writer = index
            .writer_with_num_threads(1, heap.max(15_000_000))
            .map_err(internal)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(internal)?;
        let vocab = RwLock::new(vocabulary(&reader.searcher(), fields.all_raw)?);
        let vectors = RwLock::new(stored_vectors(&reader.searcher(), fields)?);
        Ok(Self {
            index,
            reader,
            writer: Arc::new(Mutex::new(writer)),
            fields,
            vocab,
            synonyms: RwLock::default(),
            vectors,
            embedder: None,
            unembedded: Unembedded::default(),
            hybrid_ratio: 0.0,
            whole: Default::default(),
        })
    }

    /// Searches by meaning too, with `embedder`, weighing meaning by `ratio` (0 to 1).
    pub fn with_embedder(mut self, embedder: Option<Arc<Embedder>>, ratio: f64) -> Self {
        self.embedder = embedder;
        self.hybrid_ratio = ratio.clamp(0.0, 1.0) as f32;
        self
    }

    /// Number of offers with a vector.
    pub fn vector_count(&self) -> usize {
        self.vectors.read().map(|v| v.count()).unwrap_or(0)
    }

    fn document(
        &self,
        d: &SearchDoc,
        vocab: &mut Vocabulary,
        vector: Option<(u32, &[f32])>,
    ) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &d.id);
        if let Some((row, v)) = vector {
            doc.add_u64(f.vec_row, u64::from(row));
            doc.add_bytes(f.vector, &vectors::to_bytes(v));
        }
        doc.add_text(f.title, &d.title);
        doc.add_text(f.description, &d.description);
        doc.add_text(f.org, &d.organisation_name);
        let areas = d.area_text();
        let tags = d.tags_text();
        doc.add_text(f.area_text, &areas);
        doc.add_text(f.tags, &tags);
        for t in [
            &d.title,
            &d.description,
            &d.organisation_name,
            &areas,
            &tags,
        ] {
            doc.add_text(f.all_raw, t);
            doc.add_text(f.parts, vocab.parts_text(t));
        }
        for a in &d.areas {
            doc.add_text(f.area, &a.code);
        }
        doc.add_text(f.origin, &d.origin_node);
        doc.add_text(f.org_id, &d.organisation_id);
        for a in &d.attributes {
            doc.add_text(f.attribute, a);
        }
        doc.add_u64(f.kind, ix(OfferKind::ALL, &d.kind));
        doc.add_u64(f.status, ix(OfferStatus::ALL, &d.status));
        for v in &d.life_domains {
            doc.add_u64(f.life_domain, ix(LifeDomain::ALL, v));
        }
        for v in &d.target_groups {
            doc.add_u64(f.target_group, ix(TargetGroup::ALL, v));
        }
        for g in d.gemeente_codes().filter_map(gemeente_number) {
            doc.add_u64(f.gemeente, g);
        }
        doc.add_u64(f.cost, d.cost_cents as u64);
        doc.add_u64(f.open, d.open_places as u64);
        for (lat, lon) in &d.points {
            doc.add_f64(f.lat, *lat);
            doc.add_f64(f.lon, *lon);
        }
        let key = title_key(&d.title);
        doc.add_u64(f.title_key, (key >> 64) as u64);
        doc.add_u64(f.title_key2, key as u64);
        doc.add_text(f.title_sort, text::sort_key(&d.title));
        doc
    }

    /// Adds documents without committing (bulk builds); see [`Self::commit`].
    pub fn add_all(&self, docs: &[SearchDoc]) -> AppResult<()> {
        self.add_with_vectors(docs, &[])
    }

    /// Adds documents with their vectors (`vectors[i]` for `docs[i]`; missing or `None`: no
    /// vector) without committing; see [`Self::commit`].
    pub fn add_with_vectors(
        &self,
        docs: &[SearchDoc],
        vectors: &[Option<Vector>],
    ) -> AppResult<()> {
        let mut store = self.vectors.write().map_err(poisoned)?;
        self.add_to(docs, vectors, &mut store)
    }

    fn add_to(
        &self,
        docs: &[SearchDoc],
        vectors: &[Option<Vector>],
        store: &mut Vectors,
    ) -> AppResult<()> {
        let writer = self.writer.lock().map_err(poisoned)?;
        let mut vocab = self.vocab.write().map_err(poisoned)?;
        for d in docs {
            d.add_words_to(&mut vocab);
        }
        for (i, d) in docs.iter().enumerate() {
            writer.delete_term(Term::from_field_text(self.fields.id, &d.id));
            let vector = vectors.get(i).and_then(Option::as_ref);
            let row = match vector {
                Some(v) => store.put(&d.id, v),
                None => {
                    store.remove(&d.id);
                    None
                }
            };
            let doc = self.document(d, &mut vocab, row.zip(vector.map(|v| v.as_slice())));
            writer.add_document(doc).map_err(internal)?;
        }
        Ok(())
    }

    /// Commits pending changes and makes them visible to searches.
    pub fn commit(&self) -> AppResult<()> {
        let mut writer = self.writer.lock().map_err(poisoned)?;
        writer.commit().map_err(internal)?;
        drop(writer);
        self.reader.reload().map_err(internal)
    }

    fn apply_blocking(
        &self,
        upserts: &[SearchDoc],
        vectors: &[Option<Vector>],
        deletes: &[String],
    ) -> AppResult<()> {
        {
            // Locks in the order of `add_with_vectors`: vectors, then the writer.
            let mut store = self.vectors.write().map_err(poisoned)?;
            let writer = self.writer.lock().map_err(poisoned)?;
            for id in deletes {
                writer.delete_term(Term::from_field_text(self.fields.id, id));
                store.remove(id);
            }
        }
        self.add_with_vectors(upserts, vectors)?;
        self.commit()
    }

    fn replace_blocking(&self, docs: &[SearchDoc], vectors: &[Option<Vector>]) -> AppResult<()> {
        self.writer
            .lock()
            .map_err(poisoned)?
            .delete_all_documents()
            .map_err(internal)?;
        self.vocab.write().map_err(poisoned)?.clear();
        // A fresh matrix, in use once the new documents are committed (see `vectors`).
        let mut fresh = Vectors::default();
        self.add_to(docs, vectors, &mut fresh)?;
        let mut writer = self.writer.lock().map_err(poisoned)?;
        writer.commit().map_err(internal)?;
        drop(writer);
        *self.vectors.write().map_err(poisoned)? = fresh;
        self.reader.reload().map_err(internal)
    }

    /// The vectors of `docs` (none without an embedder, or when it fails: those offers are
    /// found by words only until [`Unembedded`] has them embedded again).
    async fn embed(&self, docs: &[SearchDoc]) -> Vec<Option<Vector>> {
        let Some(embedder) = &self.embedder else {
            return Vec::new();
        };
        if docs.is_empty() {
            return Vec::new();
        }
        match embedder.passages(docs).await {
            Ok(v) => v.into_iter().map(Some).collect(),
            Err(e) => {
                tracing::warn!(error = ?e, offers = docs.len(), "cannot embed offers; indexing them for keyword search only");
                Vec::new()
            }
        }
    }

    /// Matches `stem` in every text field, with the field boosts times `factor`.
    fn stem_alternatives(&self, stem: &str, factor: f32) -> Vec<(Occur, Box<dyn Query>)> {
        let schema = self.index.schema();
        TEXT_BOOSTS
            .iter()
            .filter_map(|(name, boost)| Some((schema.get_field(name).ok()?, *boost)))
            .chain([(self.fields.parts, PARTS_FIELD_BOOST)])
            .map(|(field, boost)| {
                let term = TermQuery::new(
                    Term::from_field_text(field, stem),
                    IndexRecordOption::WithFreqs,
                );
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(term), boost * factor)) as Box<dyn Query>,
                )
            })
            .collect()
    }

    /// Matches the documents holding every stem of `stems` (in any text field).
    fn all_stems(&self, stems: &[String], factor: f32) -> Box<dyn Query> {
        let all: Vec<(Occur, Box<dyn Query>)> = stems
            .iter()
            .map(|stem| {
                let any = self.stem_alternatives(stem, factor);
                (
                    Occur::Must,
                    Box::new(BooleanQuery::new(any)) as Box<dyn Query>,
                )
            })
            .collect();
        Box::new(BooleanQuery::new(all))
    }

    /// One query word: exactly (BM25 over the text fields), within its typo budget, as all
    /// parts of a compound (with `split`; ranked lower) or as a synonym (ranked lower).
    fn word_query(
        &self,
        w: &QueryWord,
        split: bool,
        vocab: Option<&Vocabulary>,
        synonyms: &Synonyms,
    ) -> Box<dyn Query> {
        let mut alts = self.stem_alternatives(&w.stem, 1.0);
        if let Some(parts) = vocab.filter(|_| split).and_then(|v| v.split(&w.raw, true)) {
            // Every part must match (as in Meilisearch, which gets the parts).
            let stems: Vec<String> = parts
                .iter()
                .flat_map(|p| text::words(p))
                .map(|t| t.stem)
                .collect();
            alts.push((Occur::Should, self.all_stems(&stems, QUERY_PART_BOOST)));
        }
        for term in synonyms.alternatives(&w.stem) {
            alts.push((Occur::Should, self.all_stems(term, SYNONYM_BOOST)));
        }
        if w.typos > 0 {
            let fuzzy = FuzzyTermQuery::new(
                Term::from_field_text(self.fields.all_raw, &w.raw),
                w.typos,
                true,
            );
            alts.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(fuzzy), FUZZY_BOOST)),
            ));
        }
        Box::new(BooleanQuery::new(alts))
    }

    /// One unit of a query: its word, or all its words or another term of their synonym
    /// group (a term of several words, ranked lower).
    fn unit_query(
        &self,
        u: &Unit,
        vocab: Option<&Vocabulary>,
        synonyms: &Synonyms,
    ) -> Box<dyn Query> {
        if let [w] = u.words.as_slice() {
            return self.word_query(w, !u.part, vocab, synonyms);
        }
        let all: Vec<(Occur, Box<dyn Query>)> = u
            .words
            .iter()
            .map(|w| (Occur::Must, self.word_query(w, true, vocab, synonyms)))
            .collect();
        let mut alts: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Should, Box::new(BooleanQuery::new(all)))];
        for term in synonyms.alternatives_of(&u.stems()) {
            alts.push((Occur::Should, self.all_stems(term, SYNONYM_BOOST)));
        }
        Box::new(BooleanQuery::new(alts))
    }

    /// The text part of a query: every unit must match.
    fn text_query(&self, units: &[Unit]) -> Box<dyn Query> {
        let vocab = self.vocab.read().ok();
        let synonyms = self.synonyms.read().map(|s| s.clone()).unwrap_or_default();
        let all = units
            .iter()
            .map(|u| (Occur::Must, self.unit_query(u, vocab.as_deref(), &synonyms)))
            .collect();
        Box::new(BooleanQuery::new(all))
    }

    /// The filters of `q`, one clause per filter that is set; every hit must match all of them.
    fn filter_queries(&self, q: &SearchQuery) -> Vec<(Occur, Box<dyn Query>)> {
        let f = &self.fields;
        let filter = &q.filter;
        let enums = [
            one_of(f.kind, filter.kinds.iter().map(|v| ix(OfferKind::ALL, v))),
            one_of(
                f.status,
                filter.statuses.iter().map(|v| ix(OfferStatus::ALL, v)),
            ),
            one_of(
                f.life_domain,
                filter.life_domains.iter().map(|v| ix(LifeDomain::ALL, v)),
            ),
            one_of(
                f.target_group,
                filter.target_groups.iter().map(|v| ix(TargetGroup::ALL, v)),
            ),
        ];
        let max_cost = if filter.free_only {
            Some(0)
        } else {
            filter.max_cost_cents
        };
        [
            filter.area.as_ref().map(|a| text_is(f.area, a.as_str())),
            filter.origin_node.as_deref().map(|o| text_is(f.origin, o)),
        ]
        .into_iter()
        .chain(enums)
        .chain([
            filter
                .open_places_only
                .then(|| term_query(Term::from_field_u64(f.open, 1))),
            max_cost.map(|max| u64_range(f.cost, 0, u64::from(max))),
        ])
        .flatten()
        .chain(filter.organisation_ids.as_ref().map(|ids| {
            // No ids: a term no document holds, so nothing matches.
            let any = ids.iter().map(|id| (Occur::Should, text_is(f.org_id, id)));
            let none = ids
                .is_empty()
                .then(|| (Occur::Should, text_is(f.org_id, "")));
            Box::new(BooleanQuery::new(any.chain(none).collect())) as Box<dyn Query>
        }))
        .chain(filter.attributes.iter().map(|a| text_is(f.attribute, a)))
        .chain(q.near.map(|near| self.near_box(near)).unwrap_or_default())
        .map(|query| (Occur::Must, query))
        .collect()
    }

    /// A coarse bounding box around `near`, when it has a radius; the collector checks the
    /// exact distance.
    fn near_box(&self, near: Near) -> Vec<Box<dyn Query>> {
        let Some(r) = near.radius_km else {
            return Vec::new();
        };
        let dlat = r / 110.574 * 1.01;
        let dlon = r / (111.320 * near.lat.to_radians().cos().max(0.1)) * 1.01;
        [
            (self.fields.lat, near.lat, dlat),
            (self.fields.lon, near.lon, dlon),
        ]
        .into_iter()
        .map(|(field, centre, d)| -> Box<dyn Query> {
            Box::new(RangeQuery::new(
                Bound::Included(Term::from_field_f64(field, centre - d)),
                Bound::Included(Term::from_field_f64(field, centre + d)),
            ))
        })
        .collect()
    }

    fn query(&self, q: &SearchQuery, units: &[Unit]) -> Box<dyn Query> {
        let mut clauses = self.filter_queries(q);
        if !units.is_empty() {
            clauses.push((Occur::Must, self.text_query(units)));
        }
        if clauses.is_empty() {
            Box::new(AllQuery)
        } else if units.is_empty() {
            // Pure filtering: every match scores the same.
            clauses.push((Occur::Must, Box::new(AllQuery)));
            Box::new(BooleanQuery::new(clauses))
        } else {
            Box::new(BooleanQuery::new(clauses))
        }
    }

    fn search_blocking(&self, q: &SearchQuery, vector: Option<&[f32]>) -> AppResult<SearchResults> {
        let searcher = self.reader.searcher();
        let generation = searcher.generation().generation_id();
        let whole = WholeCatalogue::covers(q);
        if whole && let Some(page) = self.whole.lock().map_err(poisoned)?.get(generation, q) {
            return Ok(page);
        }
        let results = self.search_in(&searcher, q, vector)?;
        if whole {
            self.whole
                .lock()
                .map_err(poisoned)?
                .put(generation, q, &results);
        }
        Ok(results)
    }

    /// [`Self::search_blocking`] on `searcher`.
    fn search_in(
        &self,
        searcher: &tantivy::Searcher,
        q: &SearchQuery,
        vector: Option<&[f32]>,
    ) -> AppResult<SearchResults> {
        let matches = self.matches(searcher, q)?;
        match vector.filter(|_| wants_meaning(q)) {
            Some(v) => {
                let rows = self.comparable(searcher, q)?;
                self.page(searcher, q, matches, Some((v, &rows)))
            }
            None => self.page(searcher, q, matches, None),
        }
    }

    /// The offers a vector search for `q` compares: those passing its filters and radius
    /// that have a vector, with their rows. Gathered before the query vector is there.
    fn comparable(&self, searcher: &tantivy::Searcher, q: &SearchQuery) -> AppResult<Comparable> {
        let weight = self
            .query(q, &[])
            .weight(EnableScoring::disabled_from_searcher(searcher))
            .map_err(internal)?;
        let radius = q.circle();
        let mut out = Comparable::default();
        for (ord, reader) in searcher.segment_readers().iter().enumerate() {
            let ff = reader.fast_fields();
            let rows = ff.u64("vec_row").map_err(internal)?;
            let lat = ff.f64("lat").map_err(internal)?;
            let lon = ff.f64("lon").map_err(internal)?;
            let alive = reader.alive_bitset();
            let segment = ord as SegmentOrdinal;
            out.segment(reader.max_doc());
            weight
                .for_each_no_score(reader, &mut |docs: &[DocId]| {
                    for &doc in docs {
                        if alive.is_some_and(|a| !a.is_alive(doc)) {
                            continue;
                        }
                        let Some(row) = rows.first(doc).and_then(|r| u32::try_from(r).ok()) else {
                            continue;
                        };
                        if radius.is_some_and(|(plat, plon, r)| {
                            nearest_km(&lat, &lon, doc, (plat, plon)) > r
                        }) {
                            continue;
                        }
                        out.push(row, DocAddress::new(segment, doc));
                    }
                })
                .map_err(internal)?;
        }
        Ok(out)
    }

    /// The offers matching the words and filters of `q`, and when fewer match every word than
    /// the page asks for, the offers matching the most words below them (see
    /// `SearchResults::matched_words`).
    fn matches(&self, searcher: &tantivy::Searcher, q: &SearchQuery) -> AppResult<Matches> {
        let collector = collector(q);
        let synonyms = self.synonyms.read().map(|s| s.clone()).unwrap_or_default();
        let units = query::units(&q.words, &synonyms);
        let mut found = searcher
            .search(&*self.query(q, &units), &collector)
            .map_err(internal)?;
        let mut matched_words = None;
        if found.total < (q.offset + q.limit) as u64
            && let Some(kept) = self.fallback(searcher, q, &units, found.total)?
        {
            let wider = searcher
                .search(&*self.query(q, &kept), &collector)
                .map_err(internal)?;
            if found.total == 0 {
                matched_words = (wider.total > 0)
                    .then(|| kept.iter().flat_map(|u| u.raws()).collect::<Vec<_>>());
                found = wider;
            } else {
                found = wider.below(found);
            }
        }
        Ok(Matches {
            found,
            matched_words,
        })
    }

    /// The page of `q` from its `matches`: with `meaning` (a query vector and the offers
    /// [`Self::comparable`] for `q`), the offers nearest in meaning join them
    /// ([`Self::add_nearest`]); then ranked, cut to the page and read.
    fn page(
        &self,
        searcher: &tantivy::Searcher,
        q: &SearchQuery,
        matches: Matches,
        meaning: Option<(&[f32], &Comparable)>,
    ) -> AppResult<SearchResults> {
        let Matches {
            mut found,
            matched_words,
        } = matches;
        let collector = collector(q);
        let mut by_meaning = 0;
        if let Some((v, rows)) = meaning {
            by_meaning = self.add_nearest(searcher, q, &collector, &mut found, v, rows)?;
        }
        let by_distance =
            q.sort == SearchSort::Distance || (q.words.is_empty() && q.near.is_some());
        let facets = found.facets();
        let mut c = found.candidates;
        let cmp_in_tier = |a: &Candidate, b: &Candidate| {
            if by_distance {
                a.dist
                    .total_cmp(&b.dist)
                    .then(b.score.total_cmp(&a.score))
                    .then(a.addr.cmp(&b.addr))
            } else if q.words.is_empty() {
                a.title_key.cmp(&b.title_key).then(a.addr.cmp(&b.addr))
            } else {
                b.score.total_cmp(&a.score).then(a.addr.cmp(&b.addr))
            }
        };
        let cmp =
            |a: &Candidate, b: &Candidate| a.tier.cmp(&b.tier).then_with(|| cmp_in_tier(a, b));
        let end = (q.offset + q.limit).min(c.len());
        if end < c.len() && end > 0 {
            c.select_nth_unstable_by(end - 1, cmp);
            let boundary = c[end - 1];
            if !by_distance && q.words.is_empty() {
                // Keep every title that ties with the last one on the 16-byte key; the full
                // titles decide below.
                c.retain(|x| x.title_key <= boundary.title_key);
            } else {
                c.truncate(end);
            }
        }
        c.sort_by(cmp);
        if !by_distance && q.words.is_empty() {
            c = self.by_full_title(searcher, c)?;
            c.truncate(end);
        }
        let mut hits = Vec::new();
        for cand in c.into_iter().skip(q.offset) {
            let doc: TantivyDocument = searcher.doc(cand.addr).map_err(internal)?;
            let get = |field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let title = get(self.fields.title);
            let description = get(self.fields.description);
            hits.push(SearchHit {
                id: get(self.fields.id),
                score: cand.score as f64,
                distance_km: q.near.map(|_| cand.dist),
                highlights: highlight::highlights(&q.words, &title, &description),
            });
        }
        Ok(SearchResults {
            total: found.total,
            hits,
            facets,
            matched_words,
            by_meaning,
        })
    }

    /// Hybrid search: joins the offers nearest in meaning to `vector` among the `comparable`
    /// ones (as many as the page needs) to the keyword matches in `found`, counted in the total
    /// and the facets, below the matches of every word, and ranks each tier by
    /// [`hybrid::blend`]. Returns how many joined.
    fn add_nearest(
        &self,
        searcher: &tantivy::Searcher,
        q: &SearchQuery,
        collector: &SearchCollector,
        found: &mut Found,
        vector: &[f32],
        comparable: &Comparable,
    ) -> AppResult<u64> {
        let store = self.vectors.read().map_err(poisoned)?;
        let vector = vectors::Query::new(vector);
        let page = q.offset + q.limit;
        let k = page.max(hybrid::NEAREST);
        let (nearest, sims) = nearest(comparable, &vector, &store, k);
        let (Some(top), Some(floor)) = (nearest.first(), nearest.last()) else {
            return Ok(0);
        };
        let scale = hybrid::Scale::new(top.sim, floor.sim);
        // The nearest of the page that the words did not find (a handful, sorted: one binary
        // search per keyword candidate).
        let mut joining: Vec<DocAddress> = nearest.iter().take(page).map(|n| n.addr).collect();
        joining.sort();
        let mut known = vec![false; joining.len()];
        for c in &found.candidates {
            if let Ok(i) = joining.binary_search(&c.addr) {
                known[i] = true;
            }
        }
        let mut known = known.into_iter();
        joining.retain(|_| !known.next().unwrap_or(false));
        let before = found.total;
        for chunk in joining.chunk_by(|a, b| a.segment_ord == b.segment_ord) {
            let segment = chunk[0].segment_ord;
            let mut one = collector
                .for_segment(segment, searcher.segment_reader(segment))
                .map_err(internal)?;
            for addr in chunk {
                one.collect(addr.doc_id, 0.0);
            }
            let mut more = one.harvest();
            for c in &mut more.candidates {
                c.tier = MEANING_ONLY;
            }
            found.merge(more);
        }
        let best = |tier: u8| {
            found
                .candidates
                .iter()
                .filter(|c| c.tier == tier)
                .map(|c| c.score)
                .fold(0.0f32, f32::max)
        };
        let (full, partial) = (best(0), best(1));
        for c in &mut found.candidates {
            let words = match c.tier {
                0 if full > 0.0 => c.score / full,
                1 if partial > 0.0 => hybrid::PARTIAL_WEIGHT * c.score / partial,
                _ => 0.0,
            };
            // Every candidate passed the filters, so the scan compared it; a row the scan did
            // not see (none is expected) is compared here.
            let meaning = sims
                .get(c.addr)
                .or_else(|| c.row.and_then(|r| store.similarity(r, &vector)))
                .map_or(0.0, |s| scale.of(s));
            c.score = hybrid::blend(words, meaning, self.hybrid_ratio);
            c.tier = c.tier.min(1);
        }
        Ok(found.total - before)
    }

    /// [`query::fallback`] with this index's counts (computed in place: the future is ready
    /// at every step, so waiting on it here never blocks).
    fn fallback(
        &self,
        searcher: &tantivy::Searcher,
        q: &SearchQuery,
        units: &[Unit],
        full: u64,
    ) -> AppResult<Option<Vec<Unit>>> {
        let count = WithinCount { near: q.circle() };
        futures::executor::block_on(query::fallback(units, full, &self.vocab, |units| {
            std::future::ready(
                searcher
                    .search(&*self.query(q, &units), &count)
                    .map_err(internal),
            )
        }))
    }
}

#[async_trait::async_trait]
impl SearchIndex for Arc<TantivyIndex> {
    fn backend(&self) -> &'static str {
        "embedded"
    }

    async fn apply(&self, upserts: Vec<SearchDoc>, deletes: Vec<String>) -> AppResult<()> {
        let vectors = self.embed(&upserts).await;
        let ids: Vec<String> = upserts.iter().map(|d| d.id.clone()).collect();
        let missed = self.embedder.is_some() && vectors.is_empty();
        let gone = deletes.clone();
        let this = self.clone();
        blocking(move || this.apply_blocking(&upserts, &vectors, &deletes)).await?;
        self.unembedded
            .done(ids.iter().chain(&gone).map(String::as_str));
        if missed && !ids.is_empty() {
            self.unembedded.failed(ids);
        }
        Ok(())
    }

    async fn replace_all(&self, docs: Vec<SearchDoc>) -> AppResult<()> {
        let vectors = self.embed(&docs).await;
        let ids: Vec<String> = docs.iter().map(|d| d.id.clone()).collect();
        let missed = self.embedder.is_some() && vectors.is_empty();
        let this = self.clone();
        blocking(move || this.replace_blocking(&docs, &vectors)).await?;
        self.unembedded.clear();
        if missed && !ids.is_empty() {
            self.unembedded.failed(ids);
        }
        Ok(())
    }

    fn unembedded_due(&self, limit: usize) -> Vec<String> {
        self.unembedded.due(limit)
    }

    async fn search(&self, query: &SearchQuery) -> AppResult<SearchResults> {
        let this = self.clone();
        let q = query.clone();
        let embedder = (self.hybrid_ratio > 0.0 && wants_meaning(query))
            .then_some(self.embedder.as_ref())
            .flatten();
        let Some(embedder) = embedder else {
            return blocking(move || this.search_blocking(&q, None)).await;
        };
        // Hybrid: the keyword matches and the rows to compare are collected while the query
        // is embedded, on one searcher, and the nearest offers join once the vector is there.
        let searcher = self.reader.searcher();
        let (vector, gathered) = tokio::join!(embedder.query(&query.text), {
            let (this, q, searcher) = (this.clone(), q.clone(), searcher.clone());
            blocking(move || {
                Ok((
                    this.matches(&searcher, &q)?,
                    this.comparable(&searcher, &q)?,
                ))
            })
        });
        let (matches, rows) = gathered?;
        blocking(move || {
            let meaning = vector.as_deref().map(|v| (v.as_slice(), &rows));
            this.page(&searcher, &q, matches, meaning)
        })
        .await
    }

    async fn count(&self) -> AppResult<u64> {
        Ok(self.reader.searcher().num_docs())
    }

    async fn set_synonyms(&self, synonyms: Arc<Synonyms>) -> AppResult<()> {
        *self.synonyms.write().map_err(poisoned)? = synonyms;
        Ok(())
    }
}

impl TantivyIndex {
    /// Orders candidates (already ordered by the 16-byte title key) by their whole sort title.
    fn by_full_title(
        &self,
        searcher: &tantivy::Searcher,
        candidates: Vec<Candidate>,
    ) -> AppResult<Vec<Candidate>> {
        let mut columns = Vec::new();
        for reader in searcher.segment_readers() {
            columns.push(reader.fast_fields().str("title_sort").map_err(internal)?);
        }
        let mut keyed = Vec::with_capacity(candidates.len());
        for cand in candidates {
            let mut title = String::new();
            if let Some(col) = columns
                .get(cand.addr.segment_ord as usize)
                .and_then(Option::as_ref)
                && let Some(ord) = col.term_ords(cand.addr.doc_id).next()
            {
                col.ord_to_str(ord, &mut title).map_err(internal)?;
            }
            keyed.push((title, cand));
        }
        keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.addr.cmp(&b.1.addr)));
        Ok(keyed.into_iter().map(|(_, c)| c).collect())
    }

    /// Searches on the calling thread (benchmarks).
    pub fn search_now(&self, query: &SearchQuery) -> AppResult<SearchResults> {
        self.search_blocking(query, None)
    }

    /// Searches on the calling thread with a query vector already at hand (benchmarks).
    pub fn search_hybrid_now(
        &self,
        query: &SearchQuery,
        vector: &[f32],
    ) -> AppResult<SearchResults> {
        self.search_blocking(query, Some(vector))
    }
}

/// Whether a search ranks by relevance with words to embed (hybrid applies).
fn wants_meaning(q: &SearchQuery) -> bool {
    !q.words.is_empty() && q.sort == SearchSort::Relevance
}

/// The vectors stored with the documents of an opened index, in their rows.
fn stored_vectors(searcher: &tantivy::Searcher, fields: Fields) -> AppResult<Vectors> {
    let mut out = Vectors::default();
    for reader in searcher.segment_readers() {
        let rows = reader.fast_fields().u64("vec_row").map_err(internal)?;
        let store = reader.get_store_reader(64).map_err(internal)?;
        for doc in reader.doc_ids_alive() {
            let Some(row) = rows.first(doc).and_then(|r| u32::try_from(r).ok()) else {
                continue;
            };
            let stored: TantivyDocument = store.get(doc).map_err(internal)?;
            let id = stored.get_first(fields.id).and_then(|v| v.as_str());
            let bytes = stored.get_first(fields.vector).and_then(|v| v.as_bytes());
            if let (Some(id), Some(bytes)) = (id, bytes) {
                out.put_at(id, row, &vectors::from_bytes(bytes));
            }
        }
    }
    Ok(out)
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("search task failed: {e}")))?
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("search index: {e}"))
}

/// The vocabulary of an opened index: the words as written in its catch-all field.
fn vocabulary(searcher: &tantivy::Searcher, field: Field) -> AppResult<Vocabulary> {
    let mut vocab = Vocabulary::default();
    for reader in searcher.segment_readers() {
        let inverted = reader.inverted_index(field).map_err(internal)?;
        let mut terms = inverted.terms().stream().map_err(internal)?;
        while terms.advance() {
            if let Ok(word) = std::str::from_utf8(terms.key()) {
                vocab.add_text(word);
            }
        }
    }
    Ok(vocab)
}

fn poisoned<T>(_: std::sync::PoisonError<T>) -> AppError {
    AppError::Internal(anyhow::anyhow!("search index writer lock poisoned"))
}

/// Tier of an offer found by meaning only, before [`TantivyIndex::add_nearest`] ranks it.
const MEANING_ONLY: u8 = 2;

/// A matching document that passed the geo filter.
#[derive(Clone, Copy)]
struct Candidate {
    /// 0 for a match of every query word, 1 for a fallback match (ranked below); in hybrid
    /// search, offers found by meaning only join tier 1 once blended.
    tier: u8,
    /// Row of the offer's vector.
    row: Option<u32>,
    score: Score,
    dist: f64,
    title_key: u128,
    addr: DocAddress,
}

/// The keyword matches of a search, before ranking ([`TantivyIndex::matches`]).
struct Matches {
    found: Found,
    matched_words: Option<Vec<String>>,
}

/// The collector of the matches of `q`.
fn collector(q: &SearchQuery) -> SearchCollector {
    SearchCollector {
        near: q.near.map(|n| (n.lat, n.lon, n.radius_km)),
    }
}

/// Counts per value of each facet field, indexed by vocabulary position or gemeente number.
#[derive(Default)]
struct Found {
    total: u64,
    candidates: Vec<Candidate>,
    kind: Vec<u64>,
    status: Vec<u64>,
    life_domain: Vec<u64>,
    target_group: Vec<u64>,
    gemeente: std::collections::BTreeMap<u64, u64>,
}

impl Found {
    fn merge(&mut self, other: Found) {
        self.total += other.total;
        self.candidates.extend(other.candidates);
        for (a, b) in [
            (&mut self.kind, other.kind),
            (&mut self.status, other.status),
            (&mut self.life_domain, other.life_domain),
            (&mut self.target_group, other.target_group),
        ] {
            if a.len() < b.len() {
                a.resize(b.len(), 0);
            }
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
        for (g, n) in other.gemeente {
            *self.gemeente.entry(g).or_default() += n;
        }
    }

    /// These (wider) matches with the `full` matches first: a candidate of `full` keeps its
    /// score, the others go below them.
    fn below(mut self, full: Found) -> Found {
        let first: std::collections::HashMap<DocAddress, Score> =
            full.candidates.iter().map(|c| (c.addr, c.score)).collect();
        for c in &mut self.candidates {
            match first.get(&c.addr) {
                Some(score) => c.score = *score,
                None => c.tier = 1,
            }
        }
        self
    }

    fn facets(&self) -> Facets {
        fn values<T: Copy>(all: &[T], counts: &[u64]) -> Vec<FacetValue<T>> {
            all.iter()
                .zip(counts)
                .map(|(v, c)| FacetValue {
                    value: *v,
                    count: *c,
                })
                .collect()
        }
        let mut f = Facets {
            kind: values(OfferKind::ALL, &self.kind),
            status: values(OfferStatus::ALL, &self.status),
            life_domain: values(LifeDomain::ALL, &self.life_domain),
            target_group: values(TargetGroup::ALL, &self.target_group),
            gemeente: self
                .gemeente
                .iter()
                .map(|(g, c)| FacetValue {
                    value: format!("GM{g:04}"),
                    count: *c,
                })
                .collect(),
        };
        f.normalise();
        f
    }
}

/// Applies the geo radius, computes distances and counts facets and the total.
struct SearchCollector {
    near: Option<(f64, f64, Option<f64>)>,
}

struct SegmentSearch {
    segment: SegmentOrdinal,
    near: Option<(f64, f64, Option<f64>)>,
    kind: Column<u64>,
    status: Column<u64>,
    life_domain: Column<u64>,
    target_group: Column<u64>,
    gemeente: Column<u64>,
    lat: Column<f64>,
    lon: Column<f64>,
    title_key: Column<u64>,
    title_key2: Column<u64>,
    vec_row: Column<u64>,
    found: Found,
}

impl Collector for SearchCollector {
    type Fruit = Found;
    type Child = SegmentSearch;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentSearch> {
        let ff = reader.fast_fields();
        Ok(SegmentSearch {
            segment,
            near: self.near,
            kind: ff.u64("kind")?,
            status: ff.u64("status")?,
            life_domain: ff.u64("life_domain")?,
            target_group: ff.u64("target_group")?,
            gemeente: ff.u64("gemeente")?,
            lat: ff.f64("lat")?,
            lon: ff.f64("lon")?,
            title_key: ff.u64("title_key")?,
            title_key2: ff.u64("title_key2")?,
            vec_row: ff.u64("vec_row")?,
            found: Found {
                kind: vec![0; OfferKind::ALL.len()],
                status: vec![0; OfferStatus::ALL.len()],
                life_domain: vec![0; LifeDomain::ALL.len()],
                target_group: vec![0; TargetGroup::ALL.len()],
                ..Found::default()
            },
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Found>) -> tantivy::Result<Found> {
        let mut all = Found::default();
        for f in fruits {
            all.merge(f);
        }
        Ok(all)
    }
}

fn bump(counts: &mut [u64], v: u64) {
    if let Some(c) = counts.get_mut(v as usize) {
        *c += 1;
    }
}

impl SegmentCollector for SegmentSearch {
    type Fruit = Found;

    fn collect(&mut self, doc: DocId, score: Score) {
        let mut dist = 0.0;
        if let Some((lat, lon, radius)) = self.near {
            dist = nearest_km(&self.lat, &self.lon, doc, (lat, lon));
            if radius.is_some_and(|r| dist > r) {
                return;
            }
        }
        let f = &mut self.found;
        f.total += 1;
        for v in self.kind.values_for_doc(doc) {
            bump(&mut f.kind, v);
        }
        for v in self.status.values_for_doc(doc) {
            bump(&mut f.status, v);
        }
        for v in self.life_domain.values_for_doc(doc) {
            bump(&mut f.life_domain, v);
        }
        for v in self.target_group.values_for_doc(doc) {
            bump(&mut f.target_group, v);
        }
        for g in self.gemeente.values_for_doc(doc) {
            *f.gemeente.entry(g).or_default() += 1;
        }
        f.candidates.push(Candidate {
            tier: 0,
            row: self.vec_row.first(doc).and_then(|r| u32::try_from(r).ok()),
            score,
            dist,
            title_key: ((self.title_key.first(doc).unwrap_or(0) as u128) << 64)
                | self.title_key2.first(doc).unwrap_or(0) as u128,
            addr: DocAddress::new(self.segment, doc),
        });
    }

    fn harvest(self) -> Found {
        self.found
    }
}

/// The distance from `point` to the nearest location of `doc`, in km (infinite without one).
fn nearest_km(lat: &Column<f64>, lon: &Column<f64>, doc: DocId, point: (f64, f64)) -> f64 {
    lat.values_for_doc(doc)
        .zip(lon.values_for_doc(doc))
        .map(|p| distance_km(point, p))
        .fold(f64::INFINITY, f64::min)
}

/// Counts the matches within the radius, as [`SearchCollector`] totals them. Unlike tantivy's
/// `Count`, which counts an intersection block by block over every document of the bounding
/// box's fast-field ranges (a scan of the whole column per count), it visits only the
/// documents the query's other clauses lead to.
struct WithinCount {
    near: Option<(f64, f64, f64)>,
}

struct SegmentWithinCount {
    near: Option<(f64, f64, f64)>,
    lat: Column<f64>,
    lon: Column<f64>,
    n: u64,
}

impl Collector for WithinCount {
    type Fruit = u64;
    type Child = SegmentWithinCount;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentWithinCount> {
        let ff = reader.fast_fields();
        Ok(SegmentWithinCount {
            near: self.near,
            lat: ff.f64("lat")?,
            lon: ff.f64("lon")?,
            n: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<u64>) -> tantivy::Result<u64> {
        Ok(fruits.into_iter().sum())
    }
}

impl SegmentCollector for SegmentWithinCount {
    type Fruit = u64;

    fn collect(&mut self, doc: DocId, _score: Score) {
        let within = self
            .near
            .is_none_or(|(lat, lon, r)| nearest_km(&self.lat, &self.lon, doc, (lat, lon)) <= r);
        self.n += u64::from(within);
    }

    fn harvest(self) -> u64 {
        self.n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_of_another_schema_is_recreated() {
        let dir = tempfile::tempdir().unwrap();
        let mut b = Schema::builder();
        b.add_text_field("old", STRING);
        Index::create_in_dir(dir.path(), b.build()).unwrap();
        let index = TantivyIndex::open(dir.path()).unwrap();
        assert_eq!(index.reader.searcher().num_docs(), 0);
        // And it opens again as is.
        drop(index);
        TantivyIndex::open(dir.path()).unwrap();
    }

    fn doc(id: &str, title: &str, area: &str) -> SearchDoc {
        SearchDoc {
            id: id.into(),
            origin_node: "test".into(),
            organisation_id: "test:org".into(),
            organisation_name: "Stichting".into(),
            title: title.into(),
            description: String::new(),
            kind: OfferKind::Group,
            status: OfferStatus::Open,
            life_domains: Vec::new(),
            target_groups: Vec::new(),
            cost_cents: 0,
            open_places: true,
            areas: vec![super::super::doc::DocArea {
                code: area.into(),
                name: area.into(),
            }],
            places: Vec::new(),
            points: Vec::new(),
            attributes: Vec::new(),
            recovery_focus: Vec::new(),
        }
    }

    fn ids(r: &SearchResults) -> Vec<&str> {
        r.hits.iter().map(|h| h.id.as_str()).collect()
    }

    #[test]
    fn offers_near_in_meaning_join_the_keyword_matches_within_the_filters() {
        let dir = tempfile::tempdir().unwrap();
        let index = TantivyIndex::open(dir.path()).unwrap();
        let v = |x: f32, y: f32| super::super::embed::unit(vec![x, y]);
        let docs = [
            doc("a", "Schuldhulp spreekuur", "GM0268"),
            doc("b", "Wandelgroep", "GM0268"),
            doc("c", "Geldzaken inloop", "GM0383"),
            doc("d", "Koffieochtend", "GM0268"),
        ];
        let vectors = [v(1.0, 0.0), v(0.0, 1.0), v(0.9, 0.1), None];
        index.add_with_vectors(&docs, &vectors).unwrap();
        index.commit().unwrap();
        let query = v(1.0, 0.05).unwrap();
        // No offer holds the words; meaning finds the two about money, nearest first.
        let q = SearchQuery::text("rood staan", 2).unwrap();
        let r = index.search_blocking(&q, Some(&query)).unwrap();
        assert_eq!(ids(&r), ["a", "c"]);
        assert_eq!((r.total, r.by_meaning, r.by_words()), (2, 2, 0));
        assert!(index.search_blocking(&q, None).unwrap().hits.is_empty());
        // A keyword match stays, and the filter holds for offers found by meaning.
        let mut q = SearchQuery::text("wandelgroep", 10).unwrap();
        q.filter.area = Some(crate::domain::AreaCode::parse("GM0268").unwrap());
        let r = index.search_blocking(&q, Some(&query)).unwrap();
        assert!(ids(&r).contains(&"a"), "nearest in meaning, in the area");
        assert!(ids(&r).contains(&"b"), "the keyword match");
        assert!(!ids(&r).contains(&"c"), "outside the area");
        assert!(!ids(&r).contains(&"d"), "no vector, no keyword match");
        assert_eq!((r.total, r.by_meaning), (2, 1));
        // The vectors survive a restart.
        drop(index);
        let index = TantivyIndex::open(dir.path()).unwrap();
        assert_eq!(index.vector_count(), 3);
        let q = SearchQuery::text("rood staan", 2).unwrap();
        assert_eq!(
            ids(&index.search_blocking(&q, Some(&query)).unwrap()),
            ["a", "c"]
        );
    }

    #[test]
    fn the_fallback_counts_the_offers_within_the_radius_not_its_bounding_box() {
        let dir = tempfile::tempdir().unwrap();
        let index = TantivyIndex::open(dir.path()).unwrap();
        let at = |mut d: SearchDoc, lat: f64, lon: f64| {
            d.points = vec![(lat, lon)];
            d
        };
        // 6.3 km from the centre: inside the 5 km radius's bounding box, outside the circle.
        let corner = at(doc("corner", "Moestuin", "GM0268"), 52.04, 5.065);
        let inside = at(doc("inside", "Wandelgroep", "GM0268"), 52.01, 5.0);
        index.add_all(&[corner, inside]).unwrap();
        index.commit().unwrap();
        let near = Near {
            lat: 52.0,
            lon: 5.0,
            radius_km: Some(5.0),
        };
        let q = SearchQuery::new(
            Some("moestuin wandelgroep"),
            super::super::query::SearchFilter::default(),
            Some(near),
            SearchSort::Relevance,
            0,
            10,
        )
        .unwrap();
        let r = index.search_now(&q).unwrap();
        // No offer within the radius matches both words; the one matching a word there is
        // found, not the word whose only match lies in the box's corner.
        assert_eq!(ids(&r), ["inside"]);
        assert_eq!(r.matched_words, Some(vec!["wandelgroep".to_string()]));
    }

    #[tokio::test]
    async fn offers_are_indexed_for_words_while_the_embedder_is_down() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = crate::config::SearchConfig {
            embedder_url: Some(format!("http://127.0.0.1:{port}/v1")),
            ..Default::default()
        };
        let embedder = Embedder::from_config(&config).unwrap().map(Arc::new);
        let dir = tempfile::tempdir().unwrap();
        let index = Arc::new(
            TantivyIndex::open(dir.path())
                .unwrap()
                .with_embedder(embedder.clone(), 0.5),
        );
        index
            .apply(vec![doc("a", "Wandelgroep", "GM0268")], Vec::new())
            .await
            .unwrap();
        assert_eq!(index.vector_count(), 0);
        let r = SearchIndex::search(&index, &SearchQuery::text("wandelgroep", 10).unwrap())
            .await
            .unwrap();
        assert_eq!(ids(&r), ["a"]);
        assert_eq!(r.by_meaning, 0);
        // One failed batch of offers and one failed query, both counted.
        assert_eq!(embedder.unwrap().failures(), 2);
    }

    #[tokio::test]
    async fn a_page_of_the_whole_catalogue_follows_every_change() {
        let dir = tempfile::tempdir().unwrap();
        let index = Arc::new(TantivyIndex::open(dir.path()).unwrap());
        let all = SearchQuery::text("", 10).unwrap();
        let page = |index: &Arc<TantivyIndex>| index.search_blocking(&all, None).unwrap();
        index
            .apply(vec![doc("b", "Wandelgroep", "GM0268")], Vec::new())
            .await
            .unwrap();
        assert_eq!(ids(&page(&index)), ["b"]);
        assert_eq!(ids(&page(&index)), ["b"], "asked again");
        index
            .apply(vec![doc("a", "Koffieochtend", "GM0383")], Vec::new())
            .await
            .unwrap();
        let r = page(&index);
        assert_eq!((ids(&r), r.total), (vec!["a", "b"], 2), "an added offer");
        index
            .apply(vec![doc("a", "Zwemmen", "GM0383")], vec!["b".into()])
            .await
            .unwrap();
        let r = page(&index);
        assert_eq!((ids(&r), r.total), (vec!["a"], 1), "a deleted offer");
        let gemeenten: Vec<&str> = r.facets.gemeente.iter().map(|f| f.value.as_str()).collect();
        assert_eq!(gemeenten, ["GM0383"], "the facets too");
        // Another page size or a filter is its own search.
        let mut q = SearchQuery::text("", 1).unwrap();
        assert_eq!(index.search_blocking(&q, None).unwrap().hits.len(), 1);
        q.filter.area = Some(crate::domain::AreaCode::parse("GM0268").unwrap());
        assert_eq!(index.search_blocking(&q, None).unwrap().total, 0);
    }

    #[test]
    fn title_key_orders_like_the_folded_title() {
        assert!(title_key("Ábc") < title_key("abd"));
        assert!(title_key("Herstel") < title_key("Herstelcirkel"));
        assert_eq!(gemeente_number("GM0268"), Some(268));
    }
}
