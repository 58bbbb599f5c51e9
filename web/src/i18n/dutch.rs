//! The Dutch texts of the services' messages. The services speak English (their messages are
//! shared with the GraphQL API); a Dutch page shows the text of this catalogue instead. Each
//! entry is an English template and its Dutch text; `{}` stands for a value (a number, a code,
//! what someone typed) and is filled in order. A Dutch text may name a value by its place
//! (`{1}`, `{2}`) to put values in another order or leave one out.
//!
//! The test `every_service_message_has_a_dutch_text` reads the sources of the services, the
//! domain types, the gazetteer and the pages, and fails on a message without an entry here.

/// `(English template, Dutch text)`, most specific first where templates overlap.
pub const CATALOGUE: &[(&str, &str)] = &[
    // Municipality insight (issue 20).
    (
        "see the referral figures of this gemeente",
        "de verwijscijfers van deze gemeente bekijken",
    ),
    ("choose a gemeente", "kies een gemeente"),
    // Networks, joint offers and funding (issue 19).
    ("at most {} partners", "hoogstens {} partners"),
    ("at most {} funders", "hoogstens {} financiers"),
    (
        "the owning organisation is not its own partner",
        "de eigen organisatie is geen partner van zichzelf",
    ),
    ("no such organisation", "deze organisatie bestaat niet"),
    (
        "must be a gemeente code (GM....)",
        "moet een gemeentecode zijn (GM....)",
    ),
    // Search suggestions and unmet search demand (issue 18).
    ("must be from 1 to {}", "moet van 1 tot en met {} zijn"),
    (
        "only node admins and organisation editors see unmet search demand",
        "alleen beheerders van het knooppunt en redacteuren van organisaties zien de onvervulde zoekvraag",
    ),
    // Suitability and fresh listings (issue 19).
    (
        "this referral conflicts with who the offer is for; confirm to send it anyway",
        "deze verwijzing past niet bij voor wie het aanbod is; bevestig om toch te verwijzen",
    ),
    (
        "'{}' is not a known contra-indication",
        "'{}' is geen bekende contra-indicatie",
    ),
    ("at most {} commitments", "hoogstens {} afspraken"),
    (
        "'{}' is not a known recovery focus",
        "'{}' is geen bekend herstelaspect",
    ),
    ("'{}' is not an age", "'{}' is geen leeftijd"),
    // Herstelcirkel plans (issue 19).
    (
        "the group chooses its regisseurs from its own members once the circle runs; name them after the start",
        "de groep kiest zijn regisseurs uit de eigen deelnemers zodra de cirkel loopt; vul ze na de start in",
    ),
    (
        "dated schedule periods go in date order and must not overlap: start after the previous period ends",
        "perioden met data staan op volgorde en overlappen niet: begin na het einde van de vorige periode",
    ),
    (
        "must not be before validFrom",
        "mag niet voor de begindatum liggen",
    ),
    ("must be one of {}", "moet een van deze zijn: {}"),
    ("at most {} entries", "hoogstens {} regels"),
    ("must be between 1 and 200", "moet tussen 1 en 200 liggen"),
    (
        "must not be below groupMin",
        "mag niet kleiner zijn dan de minimale groepsgrootte",
    ),
    (
        "each activity has one subgroup",
        "elke activiteit heeft één subgroep",
    ),
    (
        "must be between 1990 and 2100",
        "moet tussen 1990 en 2100 liggen",
    ),
    ("must be one line", "moet op één regel"),
    (
        "a circle plan belongs to an offer of kind herstelcirkel",
        "een cirkelplan hoort bij een aanbod van de soort Herstelcirkel",
    ),
    ("must be a GP practice", "moet een huisartsenpraktijk zijn"),
    ("is not a known organisation", "is geen bekende organisatie"),
    ("must be another offer", "moet een ander aanbod zijn"),
    (
        "must be a Herstelcirkel of an earlier year",
        "moet een Herstelcirkel van een eerder jaar zijn",
    ),
    (
        "a continuation (Herstelcirkel+) is year 2 or 3",
        "een vervolg (Herstelcirkel+) is jaar 2 of 3",
    ),
    // Warm handover: contact details on a referral (issue 15).
    (
        "is not a phone number (8 to 15 digits, with spaces, +, - or brackets)",
        "is geen telefoonnummer (8 tot 15 cijfers, met spaties, +, - of haakjes)",
    ),
    ("is not an e-mail address", "is geen e-mailadres"),
    (
        "contact details are forwarded only to the node of the referral's offer",
        "contactgegevens gaan alleen naar het knooppunt van het aanbod van de verwijzing",
    ),
    // Referral outcomes, the waiting list and places (issue 15).
    ("goes only with accepting", "hoort alleen bij accepteren"),
    ("offer {} is gone", "aanbod {} bestaat niet meer"),
    (
        "offer {} belongs to node {}, which keeps its places",
        "aanbod {} hoort bij knooppunt {}, dat zijn plekken zelf bijhoudt",
    ),
    (
        "must not be before from",
        "mag niet voor de begindatum liggen",
    ),
    (
        "the period is at most five years",
        "de periode is hoogstens vijf jaar",
    ),
    ("is too far ahead", "ligt te ver in de toekomst"),
    (
        "this offer belongs to region {}: sign up on that region's site",
        "dit aanbod hoort bij regio {}: meld u aan op de site van die regio",
    ),
    (
        "this offer takes people only on referral by a GP or practice nurse; signing up yourself is not possible",
        "bij dit aanbod kunt u alleen terecht na verwijzing door de huisarts of praktijkondersteuner; zelf aanmelden kan niet",
    ),
    (
        "the mail address cannot be opened: {}",
        "het e-mailadres kan niet worden geopend: {}",
    ),
    (
        "the mail address is damaged",
        "het e-mailadres is beschadigd",
    ),
    (
        "is required to close a referral",
        "is nodig om de verwijzing af te sluiten",
    ),
    (
        "is recorded only by the receiving organisation when it closes the referral",
        "legt alleen de ontvangende organisatie vast, bij het afsluiten",
    ),
    (
        "can be asked only with an outcome",
        "kan alleen samen met een uitkomst worden gevraagd",
    ),
    (
        "goes with a request to contact the patient",
        "hoort bij een verzoek om contact op te nemen met de patiënt",
    ),
    (
        "goes with the waiting list (on hold)",
        "hoort bij de wachtlijst",
    ),
    ("must not be in the past", "mag niet in het verleden liggen"),
    (
        "{} does not fit a move to {}",
        "{} past niet bij de stap naar {}",
    ),
    ("is required when stopped", "is nodig bij gestopt"),
    ("goes only with stopped", "hoort alleen bij gestopt"),
    (
        "is required with a first meeting",
        "is nodig bij een eerste bijeenkomst",
    ),
    (
        "goes only with a first meeting",
        "hoort alleen bij een eerste bijeenkomst",
    ),
    (
        "must lie between the referral and today",
        "moet tussen de verwijzing en vandaag liggen",
    ),
    (
        "the offer is full: the referral stays on the waiting list",
        "het aanbod is vol: de verwijzing blijft op de wachtlijst",
    ),
    ("is not a date (YYYY-MM-DD)", "is geen datum (JJJJ-MM-DD)"),
    ("choose one of the options", "kies een van de mogelijkheden"),
    ("unknown choice '{}'", "onbekende keuze '{}'"),
    // Self-referral (the public sign-up form).
    (
        "give a phone number or an e-mail address (or both)",
        "vul een telefoonnummer of een e-mailadres in (of beide)",
    ),
    (
        "you must agree before your sign-up and contact details are sent",
        "geef eerst toestemming; zonder toestemming sturen wij uw aanmelding niet door",
    ),
    // Typed values that do not parse.
    (
        "'{}' is not a CBS area code (GM0268, WK026801 or BU02680101)",
        "'{}' is geen CBS-gebiedscode (GM0268, WK026801 of BU02680101)",
    ),
    (
        "'{}' is not a Dutch postcode (1234 AB)",
        "'{}' is geen Nederlandse postcode (1234 AB)",
    ),
    (
        "'{}' is not a date (YYYY-MM-DD)",
        "'{}' is geen datum (JJJJ-MM-DD)",
    ),
    ("'{}' is not a distance", "'{}' is geen afstand"),
    (
        "'{}' is not a node id (1-32 of a-z, 0-9 and '-')",
        "'{}' is geen knooppuntnaam (1-32 tekens a-z, 0-9 en '-')",
    ),
    ("'{}' is not a phone number", "'{}' is geen telefoonnummer"),
    ("'{}' is not a time HH:MM", "'{}' is geen tijd (UU:MM)"),
    ("'{}' is not a whole number", "'{}' is geen heel getal"),
    (
        "'{}' is not an amount in euros",
        "'{}' is geen bedrag in euro",
    ),
    ("'{}' is not an e-mail address", "'{}' is geen e-mailadres"),
    (
        "'{}' is not an http(s) URL",
        "'{}' is geen webadres (http of https)",
    ),
    (
        "'{}' is not an id of the form <node-id>:<uuid>",
        "'{}' is geen geldige verwijzing naar een gegeven",
    ),
    (
        "'{}' is not a KvK number (8 digits)",
        "'{}' is geen KvK-nummer (8 cijfers)",
    ),
    (
        "'{}' is not an AGB code (8 digits)",
        "'{}' is geen AGB-code (8 cijfers)",
    ),
    (
        "({}, {}) is not a point in the Netherlands",
        "({}, {}) ligt niet in Nederland",
    ),
    (
        "postcode {} is not a known postcode area",
        "Postcode {} bestaat niet",
    ),
    ("area {} does not exist", "Gebied {} bestaat niet"),
    ("unknown kind '{}'", "onbekende soort '{}'"),
    ("unknown life domain '{}'", "onbekend leefgebied '{}'"),
    ("unknown value '{}'", "onbekende waarde '{}'"),
    (
        "is not a cursor returned by this API",
        "is geen geldige paginaverwijzing",
    ),
    // Required and related fields.
    ("a postcode or lat/lon is required", "Vul een postcode in"),
    ("give a postcode or lat and lon", "Vul een postcode in"),
    ("is required with lat", "is verplicht bij een breedtegraad"),
    ("is required with lon", "is verplicht bij een lengtegraad"),
    (
        "is required when there is a cost",
        "kies een periode als er een bijdrage is",
    ),
    (
        "is required when you work for several practices",
        "kies de praktijk waarvoor u verwijst",
    ),
    (
        "version and status are required",
        "versie en status zijn verplicht",
    ),
    (
        "give a phone number or an e-mail address (or both)",
        "vul een telefoonnummer of een e-mailadres in (of allebei)",
    ),
    (
        "name at least one life domain",
        "kies minstens één leefgebied",
    ),
    ("is required", "is verplicht"),
    // Sizes and ranges.
    ("must be 1, 2 or 3", "moet 1, 2 of 3 zijn"),
    (
        "must be 4-64 letters, digits, '-' or '_' (a pseudonym, not a name)",
        "gebruik 4-64 letters, cijfers, '-' of '_' (een pseudoniem, geen naam)",
    ),
    ("must be WEEKLY or MONTHLY", "kies wekelijks of maandelijks"),
    ("must be a buurt code", "moet een buurtcode zijn"),
    (
        "must be a two-letter ISO 639-1 code",
        "moet een taalcode van twee letters zijn (ISO 639-1)",
    ),
    ("must be after opensAt", "moet na de begintijd liggen"),
    (
        "must be at least 3 characters",
        "moet minstens 3 tekens hebben",
    ),
    ("must be at most 100000", "mag hoogstens 100000 zijn"),
    (
        "must be at most 1000000 (EUR 10,000)",
        "mag hoogstens 10.000 euro zijn",
    ),
    (
        "must be at most {} (the maximum page size)",
        "mag hoogstens {} zijn (de grootste pagina)",
    ),
    (
        "must be at most {} characters",
        "mag hoogstens {} tekens hebben",
    ),
    ("must be between 0 and 120", "moet tussen 0 en 120 liggen"),
    ("must be between 1 and 12", "moet tussen 1 en 12 liggen"),
    (
        "must be more than 0 and at most {}",
        "moet meer dan 0 en hoogstens {} km zijn",
    ),
    (
        "must be one of MO TU WE TH FR SA SU",
        "kies dagen van de week",
    ),
    (
        "must not be before startDate",
        "mag niet voor de startdatum liggen",
    ),
    (
        "must not be below minAge",
        "mag niet lager zijn dan de minimumleeftijd",
    ),
    ("must not be empty", "mag niet leeg zijn"),
    ("must not be negative", "mag niet negatief zijn"),
    ("at most 10 periods", "hoogstens 10 vaste tijden"),
    ("at most 20 coaches", "hoogstens 20 coaches"),
    ("at most 20 locations", "hoogstens 20 locaties"),
    ("at most 500 areas", "hoogstens 500 gebieden"),
    (
        "{} places taken is more than the capacity of {}",
        "De capaciteit is {2}: er kunnen geen {1} plekken bezet zijn",
    ),
    // Referrals and the people in them.
    (
        "looks like a BSN; use the practice's pseudonymous reference",
        "lijkt op een BSN; gebruik het pseudoniem van de praktijk",
    ),
    (
        "must not contain medical information (diagnoses, medication)",
        "mag geen medische informatie bevatten (diagnoses, medicatie)",
    ),
    (
        "a rejection needs a reason",
        "geef een reden voor de afwijzing",
    ),
    (
        "the patient must consent before a referral is sent",
        "de patiënt moet eerst toestemming geven",
    ),
    (
        "the person must agree to share their contact details before they are stored",
        "de persoon moet eerst toestemming geven om contactgegevens te delen",
    ),
    (
        "the contact details of this referral cannot be opened: {}; ask the node's administrator",
        "de contactgegevens van deze verwijzing kunnen niet worden geopend; vraag de beheerder van het knooppunt",
    ),
    (
        "this node cannot store contact details: no key to encrypt them is configured (contact.keys). Leave the contact details out, or ask the node's administrator",
        "dit knooppunt kan geen contactgegevens bewaren (er is geen sleutel ingesteld); laat ze weg of vraag de beheerder",
    ),
    (
        "no key is configured, so there is nothing to re-encrypt with",
        "er is geen sleutel ingesteld",
    ),
    (
        "a referral cannot go from {} to {} by the referrer (only cancel)",
        "de verwijzer kan een verwijzing alleen annuleren",
    ),
    (
        "a referral cannot go from {} to {}",
        "deze stap kan nu niet bij deze verwijzing",
    ),
    (
        "this offer belongs to node {}, which is not a peer of this node",
        "dit aanbod hoort bij knooppunt {}, waarmee dit knooppunt niet verbonden is",
    ),
    ("this offer has ended", "dit aanbod is beëindigd"),
    // Offers and organisations.
    (
        "Herstelcirkel details are only for offers of kind HERSTELCIRKEL",
        "de gegevens van een Herstelcirkel horen alleen bij aanbod van de soort Herstelcirkel",
    ),
    (
        "a new offer cannot be ended",
        "nieuw aanbod kan niet beëindigd zijn",
    ),
    (
        "an ended offer cannot be changed",
        "beëindigd aanbod kan niet meer worden gewijzigd",
    ),
    (
        "an ended organisation cannot be changed",
        "een beëindigde organisatie kan niet meer worden gewijzigd",
    ),
    (
        "an ended organisation cannot be published",
        "een beëindigde organisatie kan niet worden gepubliceerd",
    ),
    (
        "an ended organisation cannot get new offers",
        "een beëindigde organisatie kan geen nieuw aanbod krijgen",
    ),
    (
        "this offer has referrals; end it instead, so they stay readable",
        "bij dit aanbod horen verwijzingen; beëindig het, dan blijven ze leesbaar",
    ),
    (
        "use endOffer to end an offer",
        "gebruik 'Beëindigen' om aanbod te beëindigen",
    ),
    (
        "offer {} is owned by node {}; only its home node can change it",
        "dit aanbod hoort bij knooppunt {2}; alleen dat knooppunt kan het wijzigen",
    ),
    (
        "offer {} is owned by node {}",
        "dit aanbod hoort bij knooppunt {2}",
    ),
    (
        "organisation {} is owned by node {}; only its home node can change it",
        "deze organisatie hoort bij knooppunt {2}; alleen dat knooppunt kan haar wijzigen",
    ),
    // Lost races and refusals.
    (
        "{} was changed by someone else (version {}, you sent {}); reload and try again",
        "dit is intussen door iemand anders gewijzigd; laad de pagina opnieuw",
    ),
    (
        "offer {} was changed by someone else; reload and try again",
        "dit is intussen door iemand anders gewijzigd; laad de pagina opnieuw",
    ),
    (
        "organisation {} was changed by someone else; reload and try again",
        "dit is intussen door iemand anders gewijzigd; laad de pagina opnieuw",
    ),
    (
        "referral was changed by someone else; reload and try again",
        "dit is intussen door iemand anders gewijzigd; laad de pagina opnieuw",
    ),
    (
        "the form has no version; reload it",
        "het formulier is verouderd; laad de pagina opnieuw",
    ),
    ("you may not {}", "u mag dit niet doen"),
];

/// The Dutch text of `message`: the first entry whose template matches all of it, else the
/// first whose template matches its end (a value or field name before a known message); `None`
/// when the catalogue has none.
pub fn translate(message: &str) -> Option<String> {
    CATALOGUE
        .iter()
        .find_map(|(en, nl)| holes(en, message).map(|v| fill(nl, &v)))
        .or_else(|| {
            CATALOGUE.iter().find_map(|(en, nl)| {
                (!en.starts_with("{}")).then_some(())?;
                (0..message.len())
                    .filter(|i| message.is_char_boundary(*i) && *i > 0)
                    .find_map(|i| {
                        let head = message[..i].strip_suffix(' ')?;
                        holes(en, &message[i..]).map(|v| format!("{head} {}", fill(nl, &v)))
                    })
            })
        })
}

/// The values in `message` at the holes of `template`, if it matches the whole message.
pub fn holes<'a>(template: &str, message: &'a str) -> Option<Vec<&'a str>> {
    let mut parts = template.split("{}");
    let mut rest = message.strip_prefix(parts.next().unwrap_or_default())?;
    let parts: Vec<&str> = parts.collect();
    let mut values = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let at = if i + 1 == parts.len() {
            let at = rest.len().checked_sub(part.len())?;
            (rest.is_char_boundary(at) && rest[at..] == **part).then_some(at)?
        } else if part.is_empty() {
            return None;
        } else {
            rest.find(part)?
        };
        values.push(&rest[..at]);
        rest = &rest[at + part.len()..];
    }
    rest.is_empty().then_some(values)
}

/// A Dutch text with its holes filled: `{}` in order, `{n}` by place (from 1).
fn fill(text: &str, values: &[&str]) -> String {
    let mut out = String::new();
    let mut next = 0;
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let inner = &rest[open + 1..open + close];
        let value = match inner.parse::<usize>() {
            Ok(n) => values.get(n.saturating_sub(1)),
            Err(_) => {
                next += 1;
                values.get(next - 1)
            }
        };
        out.push_str(value.copied().unwrap_or_default());
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}
