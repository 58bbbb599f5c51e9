//! Offer vectors of the embedded index, for hybrid search: one contiguous `f32` matrix in
//! memory, a row per offer, searched exactly (a dot product per row of an offer passing the
//! filters; vectors have unit length, so that is the cosine). A scan of all 100 000 offers of
//! 384 dimensions took about 12 ms on the busy 2-core machine (see `BENCHMARKS.md`).
//!
//! Durability is the tantivy index's: each document stores its vector and its row (see
//! [`super::embedded`]), and the matrix is rebuilt from them when the index opens. Rows are
//! never reused while the node runs (a search on an older reader may still see a deleted
//! offer's row); an updated offer keeps its row. `reindex` starts a fresh matrix.

use std::collections::HashMap;

/// A matrix of unit vectors by row, with the offer id of each row.
#[derive(Default)]
pub struct Vectors {
    dims: usize,
    data: Vec<f32>,
    /// Whether a row holds a vector.
    filled: Vec<bool>,
    rows: HashMap<String, u32>,
}

impl Vectors {
    /// Dimensions of the vectors (0 while empty).
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// Number of rows (filled or not).
    pub fn len(&self) -> usize {
        self.filled.len()
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
                let row = u32::try_from(self.filled.len()).ok()?;
                self.data.resize(self.data.len() + self.dims, 0.0);
                self.filled.push(false);
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
        if r >= self.filled.len() {
            self.data.resize((r + 1) * self.dims, 0.0);
            self.filled.resize(r + 1, false);
        }
        self.rows.insert(id.to_string(), row);
        self.set(row, v);
    }

    fn set(&mut self, row: u32, v: &[f32]) {
        let at = row as usize * self.dims;
        self.data[at..at + self.dims].copy_from_slice(v);
        self.filled[row as usize] = true;
    }

    /// Forgets offer `id` (its row stays allocated; see the module docs).
    pub fn remove(&mut self, id: &str) {
        if let Some(row) = self.rows.remove(id) {
            self.filled[row as usize] = false;
        }
    }

    /// The similarity of `query` to the vector in `row`; `None` for a row without a vector or
    /// a query of other dimensions.
    pub fn similarity(&self, row: u32, query: &[f32]) -> Option<f32> {
        let r = row as usize;
        if query.len() != self.dims || !self.filled.get(r).copied().unwrap_or(false) {
            return None;
        }
        let at = r * self.dims;
        Some(dot(&self.data[at..at + self.dims], query))
    }
}

/// The dot product, in eight lanes so that it vectorises.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let mut ca = a.chunks_exact(8);
    let mut cb = b.chunks_exact(8);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for i in 0..8 {
            lanes[i] += x[i] * y[i];
        }
    }
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    lanes.iter().sum::<f32>() + tail
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
mod tests {
    use super::*;

    #[test]
    fn rows_are_kept_per_offer_and_similarities_follow_them() {
        let mut v = Vectors::default();
        assert_eq!(v.put("a", &[1.0, 0.0]), Some(0));
        assert_eq!(v.put("b", &[0.0, 1.0]), Some(1));
        assert_eq!(v.put("a", &[0.6, 0.8]), Some(0), "an update keeps its row");
        assert_eq!(v.put("c", &[1.0, 0.0, 0.0]), None, "other dimensions");
        let s = |row| v.similarity(row, &[1.0, 0.0]);
        assert!((s(0).unwrap() - 0.6).abs() < 1e-6 && s(1).unwrap().abs() < 1e-6);
        assert_eq!(v.similarity(0, &[1.0]), None, "other dimensions");
        v.remove("b");
        assert_eq!(v.similarity(1, &[1.0, 0.0]), None);
        assert_eq!(v.put("b", &[0.0, 1.0]), Some(2), "rows are not reused");
        v.put_at("d", 5, &[1.0, 0.0]);
        assert_eq!(v.len(), 6);
        assert_eq!(v.row_of("d"), Some(5));
        let long: Vec<f32> = (0..19).map(|i| i as f32).collect();
        assert_eq!(
            dot(&long, &long),
            (0..19).map(|i| (i * i) as f32).sum::<f32>()
        );
        assert_eq!(from_bytes(&to_bytes(&long)), long);
    }
}
