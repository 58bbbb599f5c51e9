//! A harder relevance set (issue 18): queries typed the way a GP or POH types them in a consult
//! (compounds, typos, colloquial words, places and wijken, postcodes, a few words, some English),
//! each judged by hand against the demo data (`api/data/demo.json`) with the offers that GP would
//! want to see. The queries were written from the user's side first, not copied from the
//! descriptions; `search.rs` runs them on every backend.

// The demo offers, by title.
const HPL: &str = "Herstelcirkel Psychische Kracht Lent";
const HPO: &str = "Herstelcirkel Psychische Kracht Oosterhout";
const WL: &str = "Wandelgroep Lent";
const SK: &str = "Samen koken en eten in Nijmegen-Noord";
const MF: &str = "Mindfulness en ontspanning met de POH-GGZ";
const BOR: &str = "Bewegen op recept Nijmegen-Noord";
const KO: &str = "Koffieochtend in Geesterhage";
const WC: &str = "Wandelen voor je gezondheid Castricum";
const MC: &str = "Mantelzorgcafé Castricum";
const HB: &str = "Herstelcirkel+ Bergen tweede jaar";
const DH: &str = "De Hoofdzaak: voor- en door-netwerk mentale gezondheid";
const HA: &str = "Herstelacademie: werken aan je eigen herstel";
const HG: &str = "Herstelgroep begeleid wonen Heiloo";
const HPA: &str = "Herstelcirkel Psychische Kracht Alkmaar";
const BO: &str = "Buurtkamer Oudorp";
const TC: &str = "Taalcafé en ontmoeting voor nieuwkomers";
const SH: &str = "Schuldhulp en geldzaken spreekuur";
const HD: &str = "Herstelcirkel diabetes type 2 Zuid-Limburg";
const HPM: &str = "Herstelcirkel Psychische Kracht Maastricht";
const MT: &str = "Moestuin Jekerkwartier";
const SG: &str = "Slaapgroep Hoensbroek";
const WH: &str = "Wandelgroep Heerlen-Centrum";

/// Every Herstelcirkel.
const CIRCLES: &[&str] = &[HPL, HPO, HB, HPA, HD, HPM];
/// Offers for loneliness (their target group, or meeting people as their point).
const LONELY: &[&str] = &[HPL, WL, SK, KO, HB, DH, HG, HPA, BO, TC, HPM, MT, WH];
/// Offers for anxiety and low mood.
const LOW_MOOD: &[&str] = &[HPL, HPO, WL, MF, WC, HB, DH, HA, HG, HPA, HPM, MT, SG];
/// Offers for stress and burn-out.
const STRESS: &[&str] = &[MF, WC, MC, SH, DH, SG];
/// Walking groups.
const WALKING: &[&str] = &[WL, WC, WH];
/// Offers for type 2 diabetes.
const DIABETES: &[&str] = &[HD, BOR, WH, SK];
/// Offers for overweight.
const OVERWEIGHT: &[&str] = &[BOR, HD, WH];
/// Offers in Lent (postcode 6663).
const LENT: &[&str] = &[HPL, WL, SK, MF, BOR];
/// Peer-led and recovery offers.
const PEER: &[&str] = &[DH, HG, HA];

/// One judged query: category, query as typed, relevant offer titles.
pub type Judged = (&'static str, &'static str, &'static [&'static str]);

/// The relevance set (at least 150 queries).
pub const RELEVANCE: &[Judged] = &[
    // Dutch compounds, glued the way people type them.
    ("samenstelling", "beweeggroep lent", &[WL, BOR]),
    ("samenstelling", "wandelclub", WALKING),
    ("samenstelling", "vrijwilligerswerk", &[HB]),
    ("samenstelling", "lotgenotengroep", &[DH, HG, HPO, HPA]),
    ("samenstelling", "herstelgroep", &[HG, DH]),
    ("samenstelling", "slaapproblemen", &[SG, MF]),
    ("samenstelling", "geldproblemen", &[SH]),
    ("samenstelling", "schuldhulpverlening", &[SH]),
    ("samenstelling", "buurthuis alkmaar", &[BO, HPA]),
    ("samenstelling", "mantelzorgondersteuning", &[MC, KO]),
    ("samenstelling", "taalles", &[TC]),
    ("samenstelling", "wandelgroep", WALKING),
    ("samenstelling", "slaapcursus", &[SG, MF]),
    ("samenstelling", "tuinproject", &[MT]),
    ("samenstelling", "kookgroep", &[SK]),
    ("samenstelling", "diabetesgroep", &[HD, BOR, WH]),
    ("samenstelling", "beweegprogramma diabetes", &[BOR, HD, WH]),
    ("samenstelling", "inloopochtend", &[KO, BO]),
    ("samenstelling", "herstelcursus", &[HA]),
    ("samenstelling", "ontmoetingsgroep eenzaamheid", LONELY),
    ("samenstelling", "mantelzorgcafe", &[MC]),
    ("samenstelling", "buurtmoestuin", &[MT]),
    ("samenstelling", "ervaringsdeskundigengroep", PEER),
    ("samenstelling", "stressklachten", STRESS),
    ("samenstelling", "angstklachten", LOW_MOOD),
    ("samenstelling", "wandelgroepen", WALKING),
    ("samenstelling", "praatgroep", &[DH, HG, MC]),
    ("samenstelling", "slaaptraining", &[SG, MF]),
    // Typos.
    ("typefout", "wandelgorep", WALKING),
    ("typefout", "herstelcirkle", CIRCLES),
    ("typefout", "diabetis", DIABETES),
    ("typefout", "mantelzrog", &[MC, KO]),
    ("typefout", "eenzaamhijd", LONELY),
    ("typefout", "schuldhlup", &[SH]),
    ("typefout", "moestuinn", &[MT]),
    ("typefout", "taalcaffe", &[TC]),
    ("typefout", "mindfullness", &[MF]),
    ("typefout", "depresie", LOW_MOOD),
    ("typefout", "hoensbrook slapen", &[SG]),
    ("typefout", "heerln wandelen", &[WH]),
    ("typefout", "castricim wandelen", &[WC]),
    ("typefout", "maastrich moestuin", &[MT]),
    ("typefout", "overgewigt", OVERWEIGHT),
    ("typefout", "herstelakademie", &[HA]),
    ("typefout", "nieuwkommers", &[TC, BO]),
    ("typefout", "ervaringsdeskundig psychose", PEER),
    ("typefout", "respijtzrog", &[MC]),
    ("typefout", "budgetmaatjes", &[SH]),
    ("typefout", "oosterhoud", &[HPO]),
    ("typefout", "alkmar herstelcirkel", &[HPA]),
    ("typefout", "psygische klachten", &[HPO, HA, HG, DH]),
    ("typefout", "slapeloosheid", &[SG, MF]),
    // Colloquial words: the word the GP knows, not the one in the description.
    ("spreektaal", "suikerziekte", DIABETES),
    ("spreektaal", "rood staan", &[SH]),
    ("spreektaal", "schulden", &[SH]),
    ("spreektaal", "geen geld", &[SH]),
    ("spreektaal", "statushouder", &[TC, BO]),
    ("spreektaal", "vluchteling taal", &[TC]),
    ("spreektaal", "somber", LOW_MOOD),
    ("spreektaal", "neerslachtig", LOW_MOOD),
    ("spreektaal", "piekeren", &[MF, SG]),
    ("spreektaal", "slecht slapen", &[SG, MF, SH]),
    ("spreektaal", "niet kunnen slapen", &[SG, MF]),
    ("spreektaal", "overspannen", STRESS),
    ("spreektaal", "burn-out", STRESS),
    ("spreektaal", "weinig contacten", LONELY),
    ("spreektaal", "eenzaam", LONELY),
    ("spreektaal", "dik", OVERWEIGHT),
    ("spreektaal", "zwaarlijvig", OVERWEIGHT),
    ("spreektaal", "afvallen", OVERWEIGHT),
    ("spreektaal", "suiker", DIABETES),
    ("spreektaal", "sporten", &[BOR, WL, WC, WH, MT]),
    ("spreektaal", "buiten bezig", &[MT, WC]),
    ("spreektaal", "tuinieren", &[MT]),
    ("spreektaal", "mantelzorger overbelast", &[MC]),
    ("spreektaal", "hulp bij formulieren", &[BO]),
    ("spreektaal", "toeslagen", &[SH]),
    ("spreektaal", "dagritme", &[MT, HB, TC, HG]),
    ("spreektaal", "gezellig koffie drinken", &[KO, BO, WL]),
    ("spreektaal", "samen eten", &[SK]),
    ("spreektaal", "gezond koken", &[SK, HD]),
    ("spreektaal", "rugpijn", &[BOR]),
    ("spreektaal", "nederlands leren", &[TC]),
    ("spreektaal", "inburgering", &[TC]),
    ("spreektaal", "angstig", LOW_MOOD),
    ("spreektaal", "paniekaanvallen", LOW_MOOD),
    ("spreektaal", "gestrest", STRESS),
    ("spreektaal", "zorgen om geld", &[SH]),
    ("spreektaal", "wandelen", WALKING),
    // Places, wijken and landmarks, alone or with a topic.
    ("plaats", "herstelcirkel lent", &[HPL, HPO]),
    ("plaats", "herstelcirkel nijmegen", &[HPL, HPO]),
    ("plaats", "herstelcirkel alkmaar", &[HPA]),
    ("plaats", "herstelcirkel bergen", &[HB]),
    ("plaats", "herstelcirkel maastricht", &[HPM, HD]),
    ("plaats", "herstelcirkel limburg", &[HD, HPM]),
    ("plaats", "oosterhout", &[HPO]),
    ("plaats", "lent", LENT),
    ("plaats", "waalsprong", &[WL, HPL, SK, MF, BOR]),
    ("plaats", "nijmegen noord", &[HPL, HPO, WL, SK, MF, BOR]),
    ("plaats", "castricum", &[KO, WC, MC]),
    ("plaats", "heiloo", &[HG]),
    ("plaats", "bergen", &[HB]),
    ("plaats", "alkmaar eenzaam", &[BO, HPA, TC, DH]),
    ("plaats", "oudorp", &[BO, SH]),
    ("plaats", "heerlen", &[WH, SG]),
    ("plaats", "hoensbroek", &[SG]),
    ("plaats", "maastricht", &[HPM, HD, MT]),
    ("plaats", "jekerkwartier", &[MT]),
    ("plaats", "geesterhage", &[KO, WC, MC]),
    ("plaats", "bibliotheek alkmaar", &[TC]),
    ("plaats", "wandelen heerlen", &[WH]),
    ("plaats", "wandelen castricum", &[WC]),
    ("plaats", "wandelen nijmegen", &[WL]),
    ("plaats", "koken lent", &[SK]),
    ("plaats", "depressie alkmaar", &[HPA, DH, HA]),
    ("plaats", "angst nijmegen", &[HPL, HPO, MF, WL]),
    ("plaats", "mantelzorg castricum", &[MC, KO]),
    ("plaats", "schulden alkmaar", &[SH]),
    ("plaats", "taalcafe alkmaar", &[TC]),
    ("plaats", "eenzaamheid maastricht", &[HPM, MT]),
    ("plaats", "diabetes maastricht", &[HD]),
    ("plaats", "diabetes heerlen", &[WH]),
    ("plaats", "diabetes nijmegen", &[BOR, SK]),
    ("plaats", "slapen heerlen", &[SG]),
    ("plaats", "ggz alkmaar", &[HA, DH]),
    ("plaats", "psychische klachten heiloo", &[HG]),
    ("plaats", "duinen wandelen", &[WC]),
    ("plaats", "aambos", &[WH]),
    ("plaats", "dorpshuis bergen", &[HB]),
    ("plaats", "zuid-limburg diabetes", &[HD]),
    // Postcodes (four digits), alone or with a topic.
    ("postcode", "6663", LENT),
    ("postcode", "6663 wandelen", &[WL]),
    ("postcode", "1901", &[KO, WC, MC]),
    ("postcode", "1901 mantelzorg", &[MC, KO]),
    ("postcode", "1811 taal", &[TC]),
    ("postcode", "1851", &[HG]),
    ("postcode", "6411 wandelgroep", &[WH]),
    ("postcode", "6211 herstelcirkel", &[HPM]),
    ("postcode", "1817 herstelcirkel", &[HPA]),
    ("postcode", "6216 diabetes", &[HD]),
    ("postcode", "1861", &[HB]),
    ("postcode", "1815 herstel", &[HA]),
    // Two or three words, as said in a consult.
    ("woorden", "bewegen met diabetes", &[BOR, HD, WH]),
    ("woorden", "beter slapen zonder pillen", &[SG]),
    ("woorden", "stress door schulden", &[SH]),
    ("woorden", "hulp bij geldzaken", &[SH, BO]),
    ("woorden", "koffie en een praatje", &[KO, BO]),
    ("woorden", "nederlands oefenen", &[TC]),
    ("woorden", "wandelen in de natuur", &[WC, WH]),
    ("woorden", "samen tuinieren", &[MT]),
    (
        "woorden",
        "lotgenoten psychische klachten",
        &[DH, HG, HPO, HPA, HA],
    ),
    ("woorden", "ervaringsdeskundige psychose", PEER),
    ("woorden", "gratis cursus herstel", &[HA]),
    ("woorden", "ontspanning ademhaling", &[MF]),
    ("woorden", "mindfulness poh", &[MF]),
    ("woorden", "buurtsportcoach diabetes", &[BOR]),
    ("woorden", "fysiotherapeut bewegen", &[BOR]),
    ("woorden", "op adem komen mantelzorgers", &[MC]),
    ("woorden", "binnenlopen zonder afspraak", &[BO, KO, MC]),
    ("woorden", "begeleid wonen", &[HG]),
    ("woorden", "herstelcirkel tweede jaar", &[HB]),
    ("woorden", "eigen regie", &[HB, HA]),
    ("woorden", "diabetes type 2 herstelcirkel", &[HD]),
    ("woorden", "psychische kracht", &[HPL, HPO, HPA, HPM]),
    (
        "woorden",
        "angst en somberheid groep",
        &[HPL, HPO, HPA, HPM, WL, HG, DH],
    ),
    ("woorden", "chronische pijn sporten", &[BOR]),
    ("woorden", "geld en stress", &[SH]),
    // English, as some practitioners type.
    ("engels", "walking group", WALKING),
    ("engels", "loneliness", LONELY),
    ("engels", "debt", &[SH]),
    ("engels", "language cafe", &[TC]),
    ("engels", "sleep problems", &[SG, MF]),
    ("engels", "peer support", &[DH, HG]),
    ("engels", "recovery college", &[HA]),
    ("engels", "diabetes", DIABETES),
    ("engels", "carers", &[MC, KO]),
    ("engels", "gardening", &[MT]),
    ("engels", "anxiety", LOW_MOOD),
    ("engels", "cooking together", &[SK]),
    // Recovery-supporting offers (issue 19).
    ("herstel", "herstelacademie", &[HA]),
    ("herstel", "herstelwerkgroep", &[HG, DH]),
    ("herstel", "ervaringsdeskundigen", PEER),
    ("herstel", "hoofdzaak", &[DH]),
    ("herstel", "ggz groep laagdrempelig", &[HG, DH]),
    ("herstel", "psychose", PEER),
    ("herstel", "lotgenoten", &[DH, HG, HPO, HPA]),
    ("herstel", "herstelcirkel", CIRCLES),
    ("herstel", "herstelcirkel plus", &[HB]),
    ("herstel", "mentale gezondheid", &[DH, HA, HG]),
    ("herstel", "cursus herstel ggz", &[HA]),
    ("herstel", "spreekuur", &[SH]),
    ("herstel", "inloop", &[KO, BO, MC]),
];
