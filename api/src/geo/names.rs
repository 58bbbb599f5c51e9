//! Area names as people type them: "nijmegen noord" is Nijmegen-Noord, "sudwest fryslan" is
//! Súdwest-Fryslân. [`key`] is the one comparison rule (case, accents, hyphens, spaces and
//! apostrophes do not count); [`like_pattern`] narrows the database rows to compare.

/// A name reduced to what tells names apart: lower case letters and digits without accents,
/// words separated by one space.
pub fn key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut gap = false;
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = plain(c);
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    out
}

/// A SQL `LIKE` pattern (lower case, no escapes needed) matching every stored name whose
/// [`key`] can equal `key(name)`: a vowel may be written with an accent (`_`), and anything
/// may separate the words (`%`). Rows it lets through are compared by [`key`].
pub fn like_pattern(name: &str) -> String {
    key(name)
        .chars()
        .map(|c| match c {
            ' ' => '%',
            'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'c' | 'n' => '_',
            c => c,
        })
        .collect()
}

/// A letter without its accent (the accents of Dutch, Frisian and neighbouring languages).
fn plain(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        'ç' => 'c',
        'ñ' => 'n',
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_accents_hyphens_and_spaces_do_not_count() {
        assert_eq!(key("Nijmegen-Noord"), key("nijmegen noord"));
        assert_eq!(key("Súdwest-Fryslân"), key("sudwest  fryslan"));
        assert_eq!(key("'s-Hertogenbosch"), "s hertogenbosch");
        assert_ne!(key("Nijmegen-Noord"), key("Nijmegen-Oost"));
        assert_eq!(like_pattern("Nijmegen noord"), "__jm_g__%___rd");
    }
}
