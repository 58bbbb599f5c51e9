//! The exact nearest-neighbour scan of hybrid search in the embedded index: the offers to
//! compare ([`Comparable`], gathered while the query is embedded), the `k` most similar to the
//! query vector ([`nearest`]), and every similarity computed on the way ([`Similarities`]), so
//! the blend compares no row twice.

use super::vectors::{self, Vectors};
use tantivy::{DocAddress, DocId};

/// An offer near in meaning.
#[derive(Clone, Copy)]
pub struct Nearest {
    /// The similarity to the query.
    pub sim: f32,
    /// The offer's document.
    pub addr: DocAddress,
}

/// The offers a vector search compares (gathered by the embedded index before the query
/// vector is there): their rows in [`Vectors`] and their documents, in step, and each
/// segment's document count.
#[derive(Default)]
pub struct Comparable {
    rows: Vec<u32>,
    addrs: Vec<DocAddress>,
    max_docs: Vec<DocId>,
}

impl Comparable {
    /// Starts the next segment, of `max_doc` documents.
    pub fn segment(&mut self, max_doc: DocId) {
        self.max_docs.push(max_doc);
    }

    /// Adds the offer of document `addr`, whose vector is in `row`.
    pub fn push(&mut self, row: u32, addr: DocAddress) {
        self.rows.push(row);
        self.addrs.push(addr);
    }
}

/// The `k` offers of `comparable` most similar to `vector`, nearest first, and the similarity
/// of every offer compared (an exact scan of their rows).
pub fn nearest(
    comparable: &Comparable,
    vector: &vectors::Query,
    store: &Vectors,
    k: usize,
) -> (Vec<Nearest>, Similarities) {
    let mut sims = Similarities::new(&comparable.max_docs);
    let mut best: Vec<Nearest> = Vec::new();
    let mut bar = f32::NEG_INFINITY;
    for (&row, &addr) in comparable.rows.iter().zip(&comparable.addrs) {
        let Some(sim) = store.similarity(row, vector) else {
            continue;
        };
        sims.set(addr, sim);
        if sim < bar {
            continue;
        }
        best.push(Nearest { sim, addr });
        if best.len() >= 4 * k.max(16) {
            keep_nearest(&mut best, k);
            // No offer less similar than the k-th kept can enter any more.
            bar = best.last().map_or(bar, |n| n.sim);
        }
    }
    keep_nearest(&mut best, k);
    (best, sims)
}

/// The similarities a scan computed, by segment and document (NaN: not compared), so the
/// blend does not compare a row twice.
pub struct Similarities(Vec<Vec<f32>>);

impl Similarities {
    /// Empty slots for segments of `max_docs` documents.
    fn new(max_docs: &[DocId]) -> Self {
        Self(
            max_docs
                .iter()
                .map(|&n| vec![f32::NAN; n as usize])
                .collect(),
        )
    }

    /// Records the similarity of `addr`.
    fn set(&mut self, addr: DocAddress, sim: f32) {
        if let Some(slot) = self
            .0
            .get_mut(addr.segment_ord as usize)
            .and_then(|s| s.get_mut(addr.doc_id as usize))
        {
            *slot = sim;
        }
    }

    /// The similarity of `addr`, if the scan compared it.
    pub fn get(&self, addr: DocAddress) -> Option<f32> {
        let sim = *self
            .0
            .get(addr.segment_ord as usize)?
            .get(addr.doc_id as usize)?;
        (!sim.is_nan()).then_some(sim)
    }
}

/// Keeps the `k` nearest of `v`, nearest first (ties by document).
fn keep_nearest(v: &mut Vec<Nearest>, k: usize) {
    let cmp = |a: &Nearest, b: &Nearest| b.sim.total_cmp(&a.sim).then(a.addr.cmp(&b.addr));
    if v.len() > k && k > 0 {
        v.select_nth_unstable_by(k - 1, cmp);
    }
    v.truncate(k);
    v.sort_by(cmp);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scan keeps exactly the `k` most similar offers (the cut below the k-th kept never
    /// drops one of them), nearest first, and records every similarity it computed.
    #[test]
    fn the_scan_finds_the_exact_nearest_and_records_every_similarity() {
        let mut next = vectors::tests::noise(0x2545_f491_4f6c_dd1d);
        let mut store = Vectors::default();
        let mut comparable = Comparable::default();
        let (segments, per_segment) = (3u32, 700u32);
        for segment in 0..segments {
            comparable.segment(per_segment);
            for doc in 0..per_segment {
                let v: Vec<f32> = (0..16).map(|_| next()).collect();
                let id = format!("{segment}/{doc}");
                let Some(row) = store.put(&id, &v) else {
                    panic!("a row for {id}");
                };
                // Every other document only: the rest did not pass the filters.
                if doc % 2 == 0 {
                    comparable.push(row, DocAddress::new(segment, doc));
                }
            }
        }
        let query = vectors::Query::new(&(0..16).map(|_| next()).collect::<Vec<_>>());
        for k in [1, 5, 20, 64] {
            let (best, sims) = nearest(&comparable, &query, &store, k);
            let mut all: Vec<(f32, DocAddress)> = comparable
                .rows
                .iter()
                .zip(&comparable.addrs)
                .filter_map(|(&r, &a)| store.similarity(r, &query).map(|s| (s, a)))
                .collect();
            all.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let want: Vec<DocAddress> = all.iter().take(k).map(|x| x.1).collect();
            let got: Vec<DocAddress> = best.iter().map(|n| n.addr).collect();
            assert_eq!(got, want, "k = {k}");
            for (sim, addr) in &all {
                assert_eq!(sims.get(*addr), Some(*sim), "recorded for {addr:?}");
            }
            assert_eq!(sims.get(DocAddress::new(0, 1)), None, "not compared");
        }
    }
}
