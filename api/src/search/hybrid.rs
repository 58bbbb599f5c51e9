//! The hybrid ranking rule of the embedded index. Offers matching every query word come first,
//! then the fallback matches (some words) and the offers found by meaning only; within each of
//! these two tiers, a hit's score is `(1 - ratio) * words + ratio * meaning`, where
//!
//! - `words` is the keyword (BM25) score divided by the best full match's, so 1 for the best
//!   offer matching every word; a fallback match is scaled by the best fallback match's and
//!   weighed [`PARTIAL_WEIGHT`]; an offer found by meaning only scores 0;
//! - `meaning` is the cosine similarity to the query rescaled by [`Scale`] to 0 (the
//!   [`NEAREST`]th nearest offer passing the filters, or farther) to 1 (the nearest).
//!
//! The cosine is rescaled because e5 similarities crowd into a narrow band (0.75 to 0.9 over
//! the demo data for any query), so raw cosines would barely move the ranking. Offers found by
//! meaning only stay below the full matches because one tier blending all of them cost the
//! relevance set recall@5 (0.991 to 0.975 at ratio 0.5: a place name such as `castricum` or
//! `herstelcirkel maastricht` then ranked offers "like" it above the ones in it); with the
//! tiers, hybrid keeps the keyword recall and fills short pages by meaning.

/// Weight of a fallback match's words against a match of every word.
pub const PARTIAL_WEIGHT: f32 = 0.5;

/// Nearest offers whose similarities set the [`Scale`] (at least; more when a page is longer).
pub const NEAREST: usize = 20;

/// Maps a cosine similarity to 0..=1 between a floor and the nearest offer's similarity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    top: f32,
    floor: f32,
}

impl Scale {
    /// A scale from `floor` (0) to `top` (1).
    pub fn new(top: f32, floor: f32) -> Self {
        Self { top, floor }
    }

    /// `sim` on this scale.
    pub fn of(&self, sim: f32) -> f32 {
        if !sim.is_finite() {
            return 0.0;
        }
        let span = self.top - self.floor;
        if span <= f32::EPSILON {
            return if sim >= self.top { 1.0 } else { 0.0 };
        }
        ((sim - self.floor) / span).clamp(0.0, 1.0)
    }
}

/// The blended score of a hit (see the module docs).
pub fn blend(words: f32, meaning: f32, ratio: f32) -> f32 {
    (1.0 - ratio) * words + ratio * meaning
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meaning_is_rescaled_and_blended_by_the_ratio() {
        let scale = Scale::new(0.9, 0.8);
        assert!((scale.of(0.85) - 0.5).abs() < 1e-5);
        assert_eq!(scale.of(0.7), 0.0);
        assert_eq!(scale.of(0.95), 1.0);
        assert_eq!(scale.of(f32::NEG_INFINITY), 0.0);
        assert_eq!(Scale::new(0.8, 0.8).of(0.8), 1.0);
        assert!((blend(1.0, 0.0, 0.25) - 0.75).abs() < 1e-6);
        assert!((blend(0.0, 1.0, 0.25) - 0.25).abs() < 1e-6);
        assert_eq!(blend(0.4, 1.0, 0.0), 0.4, "ratio 0 is keyword search");
    }
}
