//! Result highlighting shared by both backends: the title, and a fragment of the description,
//! with every word that matches the query (same stem or within its typo budget) in `<mark>`.
//! Text is HTML-escaped, so fragments can be shown as HTML.

use super::text::{self, QueryWord};

/// Longest description fragment, in characters (before markup).
const FRAGMENT_CHARS: usize = 180;
/// Characters of context shown before the first match.
const LEAD_CHARS: usize = 50;

/// A highlighted field of a hit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Highlight {
    /// `title` or `description`.
    pub field: &'static str,
    /// HTML-escaped text with matched words in `<mark>…</mark>`.
    pub fragment: String,
}

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Byte ranges of `text` that match the query.
pub fn match_ranges(query: &[QueryWord], text: &str) -> Vec<(usize, usize)> {
    text::words(text)
        .into_iter()
        .filter(|w| query.iter().any(|q| text::matches(q, w)))
        .map(|w| (w.from, w.to))
        .collect()
}

/// Marks `ranges` within `text[from..to]`, adding ellipses where the fragment is cut.
fn mark(text: &str, ranges: &[(usize, usize)], from: usize, to: usize) -> String {
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    let mut pos = from;
    for &(a, b) in ranges.iter().filter(|(a, b)| *a >= from && *b <= to) {
        escape(&text[pos..a], &mut out);
        out.push_str("<mark>");
        escape(&text[a..b], &mut out);
        out.push_str("</mark>");
        pos = b;
    }
    escape(&text[pos..to], &mut out);
    if to < text.len() {
        out.push('…');
    }
    out
}

/// Byte offset `n` characters before (negative) or after `at`, clamped to the text.
fn char_offset(text: &str, at: usize, n: isize) -> usize {
    if n < 0 {
        text[..at]
            .char_indices()
            .rev()
            .nth((-n - 1) as usize)
            .map_or(0, |(i, _)| i)
    } else {
        text[at..]
            .char_indices()
            .nth(n as usize)
            .map_or(text.len(), |(i, _)| at + i)
    }
}

/// Highlights for a hit; fields without a match are left out.
pub fn highlights(query: &[QueryWord], title: &str, description: &str) -> Vec<Highlight> {
    let mut out = Vec::new();
    if query.is_empty() {
        return out;
    }
    let ranges = match_ranges(query, title);
    if !ranges.is_empty() {
        out.push(Highlight {
            field: "title",
            fragment: mark(title, &ranges, 0, title.len()),
        });
    }
    let ranges = match_ranges(query, description);
    if let Some(&(first, _)) = ranges.first() {
        let mut from = char_offset(description, first, -(LEAD_CHARS as isize));
        if from > 0 {
            // Start at a word boundary.
            from = description[from..first]
                .find(' ')
                .map_or(from, |i| from + i + 1);
        }
        let mut to = char_offset(description, from, FRAGMENT_CHARS as isize);
        if to < description.len() {
            to = description[from..to].rfind(' ').map_or(to, |i| from + i);
        }
        let to = to.max(ranges[0].1);
        out.push(Highlight {
            field: "description",
            fragment: mark(description, &ranges, from, to),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::text::query_words;

    #[test]
    fn marks_stems_and_typos_and_escapes() {
        let q = query_words("wandelgroepen eenzaamhied");
        let h = highlights(&q, "Wandelgroep <Lent>", "Tegen eenzaamheid & somberheid.");
        assert_eq!(h[0].fragment, "<mark>Wandelgroep</mark> &lt;Lent&gt;");
        assert_eq!(
            h[1].fragment,
            "Tegen <mark>eenzaamheid</mark> &amp; somberheid."
        );
    }

    #[test]
    fn long_descriptions_are_cut_around_the_first_match() {
        let q = query_words("koffie");
        let text = format!("{} koffie {}", "woord ".repeat(40), "later ".repeat(40));
        let h = highlights(&q, "Titel", &text);
        assert_eq!(h.len(), 1);
        assert!(h[0].fragment.starts_with('…') && h[0].fragment.ends_with('…'));
        assert!(h[0].fragment.contains("<mark>koffie</mark>"));
        assert!(h[0].fragment.chars().count() < 220);
    }
}
