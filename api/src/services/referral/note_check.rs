//! The one rule for free text that travels with a referral (the referrer's note, a status
//! reason): practical words only, never medical information. A substring list missed
//! "Gebruikt sertraline 50 mg" and "Takes oxazepam, has depression"; this rule reads the text
//! as words, in Dutch and English, and looks for three things:
//!
//! - a dose: a number followed by a unit (`50 mg`, `50mg`, `2,5 ml`, `10 IE`);
//! - a medicine: a curated list of the medicines most often prescribed in Dutch general practice
//!   and mental health care (generic names, common brand names), Dutch and English spellings;
//! - a diagnosis or a word about medication: stems in both languages, also inside Dutch
//!   compounds (`angststoornis`, `depressieklachten`).

/// Stems of words that name a diagnosis, a condition or medication, matched anywhere inside a
/// word (so `depressi` finds depressie, depressief, depression, depressieklachten).
const STEMS: &[&str] = &[
    "diagnos",
    "gediagnosticeerd",
    "medicat",
    "medicijn",
    "medicine",
    "medisch",
    "medical",
    "depressi",
    "psychos",
    "psychot",
    "schizo",
    "bipola",
    "manisch",
    "manic",
    "borderline",
    "stoornis",
    "disorder",
    "suïcid",
    "suicid",
    "zelfmoord",
    "zelfbeschadig",
    "selfharm",
    "automutil",
    "autisme",
    "autism",
    "autistisch",
    "autistic",
    "dementie",
    "dementia",
    "alzheimer",
    "parkinson",
    "diabet",
    "suikerziekte",
    "kanker",
    "cancer",
    "tumor",
    "epilep",
    "verslav",
    "addict",
    "alcoholis",
    "anorexi",
    "boulimi",
    "bulimi",
    "antidepress",
    "antipsychot",
    "benzodiazepine",
    "slaapmiddel",
    "slaappil",
    "sleepingpill",
    "kalmeringsmiddel",
    "insulin",
    "voorschrift",
    "prescri",
];

/// Words matched whole (too short, or too common inside other words, to match as a stem).
const WORDS: &[&str] = &[
    "adhd", "ptss", "ptsd", "ocd", "dsm", "icpc", "hiv", "aids", "copd", "gad", "mdd", "pds",
];

/// Medicines, matched anywhere inside a word (generic names without their ending, so Dutch
/// and English spellings both match: `sertralin` finds sertraline).
const MEDICINES: &[&str] = &[
    // antidepressants
    "sertralin",
    "citalopram",
    "escitalopram",
    "paroxetin",
    "fluoxetin",
    "fluvoxamin",
    "venlafaxin",
    "duloxetin",
    "mirtazapin",
    "amitriptylin",
    "nortriptylin",
    "clomipramin",
    "imipramin",
    "bupropion",
    "trazodon",
    "agomelatin",
    "vortioxetin",
    "prozac",
    "seroxat",
    "cipramil",
    "efexor",
    "cymbalta",
    "remeron",
    "wellbutrin",
    // benzodiazepines, sleeping pills
    "oxazepam",
    "diazepam",
    "lorazepam",
    "temazepam",
    "alprazolam",
    "clonazepam",
    "bromazepam",
    "nitrazepam",
    "midazolam",
    "zolpidem",
    "zopiclon",
    "seresta",
    "valium",
    "temesta",
    "xanax",
    "rivotril",
    "stilnoct",
    "melatonin",
    "promethazin",
    // antipsychotics, mood stabilisers
    "quetiapin",
    "olanzapin",
    "risperidon",
    "aripiprazol",
    "haloperidol",
    "clozapin",
    "paliperidon",
    "lithium",
    "lamotrigin",
    "valproa",
    "carbamazepin",
    "seroquel",
    "zyprexa",
    "risperdal",
    "abilify",
    "haldol",
    "depakin",
    // ADHD
    "methylfenidaat",
    "methylphenidat",
    "ritalin",
    "concerta",
    "medikinet",
    "dexamfetamin",
    "atomoxetin",
    "strattera",
    // diabetes type 2
    "metformin",
    "gliclazid",
    "glimepirid",
    "tolbutamid",
    "sitagliptin",
    "empagliflozin",
    "dapagliflozin",
    "semaglutid",
    "liraglutid",
    "dulaglutid",
    "ozempic",
    "victoza",
    "trulicity",
    "januvia",
    "jardiance",
    "forxiga",
    "lantus",
    "novorapid",
    "humalog",
    // pain, addiction care
    "tramadol",
    "oxycodon",
    "morfin",
    "morphin",
    "fentanyl",
    "codein",
    "methadon",
    "buprenorfin",
    "buprenorphin",
    "naltrexon",
    "disulfiram",
    "acamprosa",
    "pregabalin",
    "gabapentin",
    "lyrica",
];

/// Units of a dose after a number.
const DOSE_UNITS: &[&str] = &["mg", "mcg", "µg", "ug", "g", "ml", "ie", "iu", "eh"];

/// What makes `text` medical, or `None` when it holds practical words only. The answer names
/// the kind of content, not the word, so an error message never repeats it.
pub fn medical_content(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if has_dose(&lower) {
        return Some("a dose");
    }
    for w in &words {
        if MEDICINES.iter().any(|m| w.contains(m)) {
            return Some("a medicine");
        }
        if WORDS.contains(w) || STEMS.iter().any(|s| w.contains(s)) {
            return Some("a diagnosis or medication");
        }
    }
    None
}

/// A number directly followed (with or without a space) by a dose unit: `50 mg`, `50mg`,
/// `2,5 ml`, `10 IE`.
fn has_dose(lower: &str) -> bool {
    let chars: Vec<char> = lower.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == ',' || chars[i] == '.') {
            i += 1;
        }
        while i < chars.len() && chars[i] == ' ' {
            i += 1;
        }
        let start = i;
        while i < chars.len() && chars[i].is_alphabetic() {
            i += 1;
        }
        let unit: String = chars[start..i].iter().collect();
        if DOSE_UNITS.contains(&unit.as_str()) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::medical_content;

    /// Notes as a GP or POH types them between two consults; each names medication, a dose or
    /// a diagnosis and must be refused.
    #[test]
    fn medical_notes_are_caught_in_dutch_and_english() {
        for note in [
            "Gebruikt sertraline 50 mg, graag rustig beginnen.",
            "Takes oxazepam, has depression",
            "Slikt oxazepam en heeft een depressie",
            "Diagnose: depressie",
            "Sinds kort op 20mg citalopram",
            "Bekend met angststoornis",
            "Heeft depressieklachten en slaapt slecht",
            "Known with PTSD, prefers mornings",
            "diabetes type 2, metformine",
            "Start Ozempic volgende week",
            "Uses 10 IE insulin at night",
            "Is psychotisch geweest vorig jaar",
            "ADHD, gebruikt Ritalin",
            "Heeft suïcidale gedachten gehad",
            "Staat op antidepressiva",
        ] {
            assert!(medical_content(note).is_some(), "not caught: {note}");
        }
    }

    /// Practical notes pass, including times, numbers and everyday words that look like the
    /// medical ones.
    #[test]
    fn practical_notes_pass() {
        for note in [
            "Graag bellen na 17:00",
            "Liever 's middags bellen",
            "Liefst in de ochtend",
            "Komt met de rolstoel, 2 treden bij de ingang lastig",
            "Spreekt weinig Nederlands, Arabisch gaat beter",
            "Wil graag dat haar dochter meekomt",
            "Bel op maandag of dinsdag tussen 10 en 12",
            "Prefers a female contact, mornings after 9",
            "Niet voor peers",
        ] {
            assert_eq!(medical_content(note), None, "refused: {note}");
        }
    }
}
