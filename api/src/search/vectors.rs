//! Offer vectors of the embedded index, for hybrid search: one contiguous matrix in memory, a
//! row per offer, searched exactly (a dot product per row of an offer passing the filters;
//! vectors have unit length, so that is the cosine).
//!
//! Rows are held as 8-bit integers with a scale per row (scalar quantisation): a scan reads a
//! quarter of the bytes of `f32` rows (100 000 offers of 384 dimensions: 38 MB instead of
//! 154 MB), and the query is
//! quantised the same way so a row costs integer multiply-adds. A similarity is off by about
//! 0.002 at most (tested), well inside the spread that ranks offers (see [`super::hybrid`]).
//!
//! Durability is the tantivy index's: each document stores its vector and its row (see
//! [`super::embedded`]), and the matrix is rebuilt from them when the index opens. Rows are
//! never reused while the node runs (a search on an older reader may still see a deleted
//! offer's row); an updated offer keeps its row. `reindex` starts a fresh matrix.

use simsimd::SpatialSimilarity;
use std::collections::HashMap;

/// A matrix of unit vectors by row, with the offer id of each row.
#[derive(Default)]
pub struct Vectors {
    dims: usize,
    /// The rows, quantised ([`quantise`]).
    data: Vec<i8>,
    /// The scale of each row: an element is worth `data * scale`; 0 for a row without a vector.
    scales: Vec<f32>,
    rows: HashMap<String, u32>,
}

/// A query vector quantised like the rows, to compare with them ([`Vectors::similarity`]).
pub struct Query {
    data: Vec<i8>,
    scale: f32,
}

impl Query {
    /// `v` quantised.
    pub fn new(v: &[f32]) -> Self {
        let mut data = vec![0; v.len()];
        let scale = quantise(v, &mut data);
        Self { data, scale }
    }
}

/// Writes `v` into `out` as integers from -127 to 127 and returns the scale that brings them
/// back (the largest magnitude of `v` divided by 127; 0 for a zero or non-finite vector).
fn quantise(v: &[f32], out: &mut [i8]) -> f32 {
    let max = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    if !max.is_finite() || max == 0.0 {
        out.fill(0);
        return 0.0;
    }
    let scale = max / 127.0;
    for (o, x) in out.iter_mut().zip(v) {
        // In range by construction: |x| <= max.
        *o = (x / scale).round().clamp(-127.0, 127.0) as i8;
    }
    scale
}

impl Vectors {
    /// Dimensions of the vectors (0 while empty).
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// Number of rows (filled or not).
    pub fn len(&self) -> usize {
        self.scales.len()
    }

    /// Number of offers with a vector.
    pub fn count(&self) -> usize {
        self.rows.len()
    }

    /// Whether no row holds a vector.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The row of offer `id`, if it has one.
    pub fn row_of(&self, id: &str) -> Option<u32> {
        self.rows.get(id).copied()
    }

    /// Stores `v` for offer `id`: in its row if it has one, else in a new row. Returns the row,
    /// or `None` when `v` has other dimensions than the vectors already held.
    pub fn put(&mut self, id: &str, v: &[f32]) -> Option<u32> {
        if self.dims == 0 {
            self.dims = v.len();
        }
        if v.len() != self.dims || v.is_empty() {
            return None;
        }
        let row = match self.rows.get(id) {
            Some(&row) => row,
            None => {
                let row = u32::try_from(self.scales.len()).ok()?;
                self.data.resize(self.data.len() + self.dims, 0);
                self.scales.push(0.0);
                self.rows.insert(id.to_string(), row);
                row
            }
        };
        self.set(row, v);
        Some(row)
    }

    /// Stores `v` for offer `id` in `row` (rebuilding from the index); ignored when `v` has
    /// other dimensions.
    pub fn put_at(&mut self, id: &str, row: u32, v: &[f32]) {
        if self.dims == 0 {
            self.dims = v.len();
        }
        if v.len() != self.dims || v.is_empty() {
            return;
        }
        let r = row as usize;
        if r >= self.scales.len() {
            self.data.resize((r + 1) * self.dims, 0);
            self.scales.resize(r + 1, 0.0);
        }
        self.rows.insert(id.to_string(), row);
        self.set(row, v);
    }

    fn set(&mut self, row: u32, v: &[f32]) {
        let at = row as usize * self.dims;
        // A vector of zeros (scale 0) would read as "no vector"; unit vectors never are.
        self.scales[row as usize] = quantise(v, &mut self.data[at..at + self.dims]);
    }

    /// Forgets offer `id` (its row stays allocated; see the module docs).
    pub fn remove(&mut self, id: &str) {
        if let Some(row) = self.rows.remove(id) {
            self.scales[row as usize] = 0.0;
        }
    }

    /// The similarity of `query` to the vector in `row`; `None` for a row without a vector or
    /// a query of other dimensions.
    pub fn similarity(&self, row: u32, query: &Query) -> Option<f32> {
        let r = row as usize;
        let scale = self.scales.get(r).copied().unwrap_or(0.0);
        if query.data.len() != self.dims || scale == 0.0 {
            return None;
        }
        let at = r * self.dims;
        Some(dot(&self.data[at..at + self.dims], &query.data) as f32 * scale * query.scale)
    }
}

/// The dot product of two quantised vectors (0 for vectors of other lengths), by SimSIMD,
/// which picks the widest integer instructions of the CPU it runs on (AVX2 here: half the time
/// of the portable loop, the scan being bound by reading the rows).
fn dot(a: &[i8], b: &[i8]) -> i32 {
    // An exact integer: at most 127 * 127 * dims, far inside an f64's 53 bits.
    <i8 as SpatialSimilarity>::dot(a, b).map_or(0, |d| d as i32)
}

/// `v` as little-endian bytes (stored beside the document).
pub fn to_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// The vector stored as [`to_bytes`].
pub fn from_bytes(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Numbers in -0.5..0.5 from a small deterministic generator (xorshift) seeded with
    /// `state`, so tests need no seed crate.
    pub(in crate::search) fn noise(mut state: u64) -> impl FnMut() -> f32 {
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f32 / (1u64 << 53) as f32 - 0.5
        }
    }

    #[test]
    fn rows_are_kept_per_offer_and_similarities_follow_them() {
        let mut v = Vectors::default();
        assert_eq!(v.put("a", &[1.0, 0.0]), Some(0));
        assert_eq!(v.put("b", &[0.0, 1.0]), Some(1));
        assert_eq!(v.put("a", &[0.6, 0.8]), Some(0), "an update keeps its row");
        assert_eq!(v.put("c", &[1.0, 0.0, 0.0]), None, "other dimensions");
        let x = Query::new(&[1.0, 0.0]);
        let s = |row| v.similarity(row, &x);
        assert!((s(0).unwrap() - 0.6).abs() < 0.01 && s(1).unwrap().abs() < 1e-6);
        assert_eq!(
            v.similarity(0, &Query::new(&[1.0])),
            None,
            "other dimensions"
        );
        v.remove("b");
        assert_eq!(v.similarity(1, &x), None);
        assert_eq!(v.put("b", &[0.0, 1.0]), Some(2), "rows are not reused");
        v.put_at("d", 5, &[1.0, 0.0]);
        assert_eq!(v.len(), 6);
        assert_eq!(v.row_of("d"), Some(5));
        let long: Vec<i8> = (0..37).map(|i| i as i8 - 18).collect();
        assert_eq!(
            dot(&long, &long),
            (0..37).map(|i| (i - 18) * (i - 18)).sum::<i32>()
        );
        let floats: Vec<f32> = (0..19).map(|i| i as f32).collect();
        assert_eq!(from_bytes(&to_bytes(&floats)), floats);
    }

    /// Quantised similarities stay within 0.002 of the exact cosine for vectors like e5's
    /// (384 dimensions, unit length, no dominant dimension), the worst over many pairs.
    #[test]
    fn quantised_similarities_are_close_to_the_exact_cosine() {
        let mut next = noise(0x9e37_79b9_7f4a_7c15);
        let mut unit = |base: &[f32], noise: f32| -> Vec<f32> {
            let v: Vec<f32> = base.iter().map(|b| b + noise * next()).collect();
            let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.iter().map(|x| x / n).collect()
        };
        let base = unit(&[0.0; 384], 1.0);
        let mut store = Vectors::default();
        let offers: Vec<Vec<f32>> = (0..200).map(|_| unit(&base, 1.5)).collect();
        for (i, o) in offers.iter().enumerate() {
            store.put(&i.to_string(), o);
        }
        let mut worst = 0.0f32;
        for _ in 0..20 {
            let q = unit(&base, 1.5);
            let qq = Query::new(&q);
            for (i, o) in offers.iter().enumerate() {
                let exact: f32 = o.iter().zip(&q).map(|(a, b)| a * b).sum();
                let got = store.similarity(i as u32, &qq).unwrap();
                worst = worst.max((got - exact).abs());
            }
        }
        assert!(worst < 0.002, "worst error {worst}");
        assert!(worst > 0.0, "the rows are quantised");
    }
}
