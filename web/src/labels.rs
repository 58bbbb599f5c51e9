//! How values read on the pages, in Dutch and English: vocabularies, money, dates, places and
//! schedules in plain language ("om de week op dinsdag, 14:00-16:00").

use crate::i18n::Lang;
use api::read_model::rules::{CapacityStatus, capacity_status, open_places};
use chrono::NaiveDate;
use entities::json::SchedulePeriod;
use entities::{
    AreaKind, ContactPreference, CostPeriod, Intake, LifeDomain, OfferKind, OfferStatus,
    OrganisationKind, ReferralStatus, TargetGroup, offer,
};

/// A closed vocabulary with a label per language.
pub trait Label: Copy {
    /// The label in `lang`.
    fn label(self, lang: Lang) -> &'static str;
}

macro_rules! labels {
    ($ty:ty { $($variant:ident => ($nl:literal, $en:literal)),+ $(,)? }) => {
        impl Label for $ty {
            fn label(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((<$ty>::$variant, Lang::Nl) => $nl, (<$ty>::$variant, Lang::En) => $en,)+
                }
            }
        }
    };
}

labels!(OfferKind {
    Herstelcirkel => ("Herstelcirkel", "Recovery circle (Herstelcirkel)"),
    Group => ("Groep", "Group"),
    Activity => ("Activiteit", "Activity"),
    Course => ("Cursus", "Course"),
    WalkIn => ("Inloop", "Walk-in"),
    IndividualSupport => ("Individuele steun", "Individual support"),
    RecoveryGroup => ("Herstelwerkgroep / lotgenotengroep", "Recovery or peer support group"),
    RecoveryCourse => ("Cursus Herstelacademie", "Recovery academy course"),
});

labels!(OfferStatus {
    Planned => ("Gepland", "Planned"),
    Open => ("Open", "Open"),
    Full => ("Vol", "Full"),
    Running => ("Loopt", "Running"),
    Paused => ("Gepauzeerd", "Paused"),
    Ended => ("Beëindigd", "Ended"),
});

labels!(LifeDomain {
    Beweging => ("Beweging", "Exercise"),
    Voeding => ("Voeding", "Nutrition"),
    Ontspanning => ("Ontspanning", "Relaxation"),
    Slapen => ("Slapen", "Sleep"),
    SocialeContacten => ("Sociale contacten", "Social contacts"),
    Zingeving => ("Zingeving", "Meaning"),
    WerkDagbesteding => ("Werk en dagbesteding", "Work and daytime activity"),
    Financien => ("Financiën", "Finances"),
});

labels!(TargetGroup {
    AngstDepressie => ("Angst- en depressieklachten", "Anxiety and depression"),
    DiabetesType2 => ("Diabetes type 2", "Type 2 diabetes"),
    Eenzaamheid => ("Eenzaamheid", "Loneliness"),
    ChronischePijn => ("Chronische pijn", "Chronic pain"),
    Overgewicht => ("Overgewicht", "Overweight"),
    StressBurnout => ("Stress en burn-out", "Stress and burnout"),
    Ouderen => ("Ouderen", "Older people"),
    Jongeren => ("Jongeren", "Young people"),
    Mantelzorgers => ("Mantelzorgers", "Informal carers"),
    Nieuwkomers => ("Nieuwkomers", "Newcomers"),
});

labels!(ReferralStatus {
    Draft => ("Concept", "Draft"),
    Requested => ("Verstuurd", "Sent"),
    Received => ("Ontvangen", "Received"),
    Accepted => ("Geaccepteerd", "Accepted"),
    Rejected => ("Afgewezen", "Rejected"),
    InProgress => ("Gestart", "In progress"),
    OnHold => ("Op de wachtlijst", "On the waiting list"),
    Failed => ("Mislukt", "Failed"),
    Completed => ("Afgerond", "Completed"),
    Cancelled => ("Geannuleerd", "Cancelled"),
    EnteredInError => ("Ten onrechte ingevoerd", "Entered in error"),
});

labels!(ContactPreference {
    Phone => ("Telefoon", "Phone"),
    Email => ("E-mail", "E-mail"),
    Letter => ("Brief", "Letter"),
    ViaPractice => ("Via de praktijk", "Through the practice"),
});

labels!(CostPeriod {
    Once => ("eenmalig", "once"),
    PerSession => ("per keer", "per session"),
    PerWeek => ("per week", "per week"),
    PerMonth => ("per maand", "per month"),
    PerYear => ("per jaar", "per year"),
});

labels!(Intake {
    None => ("Zonder aanmelding", "No sign-up needed"),
    Conversation => ("Na een kennismakingsgesprek", "After an introductory talk"),
    ReferralRequired => ("Alleen met verwijzing", "Referral required"),
});

labels!(OrganisationKind {
    Welfare => ("Welzijnsorganisatie", "Welfare organisation"),
    VolunteerGroup => ("Vrijwilligersgroep", "Volunteer group"),
    GgzProvider => ("GGZ-aanbieder", "Mental health provider"),
    GpPractice => ("Huisartsenpraktijk", "GP practice"),
    Municipality => ("Gemeente", "Municipality"),
    Other => ("Anders", "Other"),
});

labels!(AreaKind {
    Gemeente => ("Gemeente", "Municipality"),
    Wijk => ("Wijk", "District"),
    Buurt => ("Buurt", "Neighbourhood"),
});

/// An amount of euro cents as `€ 7,50` (Dutch) or `€7.50` (English).
pub fn euros(lang: Lang, cents: i32) -> String {
    let (whole, rest) = (cents / 100, (cents % 100).abs());
    match lang {
        Lang::Nl => format!("€ {whole},{rest:02}"),
        Lang::En => format!("€{whole}.{rest:02}"),
    }
}

/// The cost of an offer in words: "Gratis" or "€ 7,50 per maand".
pub fn cost(lang: Lang, o: &offer::Model) -> String {
    match (o.cost_cents, o.cost_period) {
        (Some(c), period) if c > 0 => match period {
            Some(p) => format!("{} {}", euros(lang, c), p.label(lang)),
            None => euros(lang, c),
        },
        _ => lang.t("Gratis", "Free").to_string(),
    }
}

/// Places in words: "4 van 20 plekken vrij", "Vol, wel een wachtlijst", "Vrij toegankelijk".
pub fn places(lang: Lang, o: &offer::Model) -> String {
    match (capacity_status(o), open_places(o), o.capacity) {
        (CapacityStatus::Capacity, Some(open), Some(cap)) => match lang {
            Lang::Nl => format!("{open} van {cap} plekken vrij"),
            Lang::En => format!("{open} of {cap} places free"),
        },
        (CapacityStatus::Capacity, _, _) => lang.t("Plek vrij", "Places free").into(),
        (CapacityStatus::Waitlist, _, _) => lang
            .t("Vol, wel een wachtlijst", "Full, waiting list open")
            .into(),
        (CapacityStatus::NoCapacity, _, _) => lang.t("Vol", "Full").into(),
        (CapacityStatus::AdditionalAssessmentRequired, _, _) => lang
            .t("Plaatsing na een gesprek", "Placement after an assessment")
            .into(),
    }
}

/// Whether the offer can take participants now.
pub fn has_room(o: &offer::Model) -> bool {
    capacity_status(o) == CapacityStatus::Capacity
}

/// The badge classes for the places text: room, full, or "it depends" (an intake decides).
pub fn places_badge(o: &offer::Model) -> &'static str {
    match capacity_status(o) {
        CapacityStatus::Capacity => "badge ok",
        CapacityStatus::NoCapacity | CapacityStatus::Waitlist => "badge full",
        CapacityStatus::AdditionalAssessmentRequired => "badge neutral",
    }
}

const DAYS_NL: [(&str, &str); 7] = [
    ("MO", "maandag"),
    ("TU", "dinsdag"),
    ("WE", "woensdag"),
    ("TH", "donderdag"),
    ("FR", "vrijdag"),
    ("SA", "zaterdag"),
    ("SU", "zondag"),
];
const DAYS_EN: [(&str, &str); 7] = [
    ("MO", "Monday"),
    ("TU", "Tuesday"),
    ("WE", "Wednesday"),
    ("TH", "Thursday"),
    ("FR", "Friday"),
    ("SA", "Saturday"),
    ("SU", "Sunday"),
];

/// The name of an RFC 5545 day code (`TU` -> `dinsdag`).
pub fn day(lang: Lang, code: &str) -> &'static str {
    let table = match lang {
        Lang::Nl => &DAYS_NL,
        Lang::En => &DAYS_EN,
    };
    table
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| *n)
        .unwrap_or("?")
}

/// Joins words as "a, b en c" / "a, b and c".
pub fn join_words(lang: Lang, words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} {} {last}", init.join(", "), lang.t("en", "and")),
    }
}

/// One schedule period in plain language: "om de week op dinsdag, 14:00-16:00".
pub fn period(lang: Lang, p: &SchedulePeriod) -> String {
    let every = match (p.freq.as_str(), p.interval, lang) {
        ("WEEKLY", 1, Lang::Nl) => "elke week".to_string(),
        ("WEEKLY", 2, Lang::Nl) => "om de week".to_string(),
        ("WEEKLY", n, Lang::Nl) => format!("elke {n} weken"),
        ("MONTHLY", 1, Lang::Nl) => "elke maand".to_string(),
        (_, n, Lang::Nl) => format!("elke {n} maanden"),
        ("WEEKLY", 1, Lang::En) => "every week".to_string(),
        ("WEEKLY", 2, Lang::En) => "every other week".to_string(),
        ("WEEKLY", n, Lang::En) => format!("every {n} weeks"),
        ("MONTHLY", 1, Lang::En) => "every month".to_string(),
        (_, n, Lang::En) => format!("every {n} months"),
    };
    let days: Vec<&str> = p.byday.iter().map(|d| day(lang, d)).collect();
    let mut s = every;
    if !days.is_empty() {
        s.push_str(lang.t(" op ", " on "));
        s.push_str(&join_words(lang, &days));
    }
    s.push_str(&format!(", {}-{}", p.opens_at, p.closes_at));
    if let Some(d) = &p.description {
        s.push_str(&format!(" ({d})"));
    }
    s.push_str(&validity(lang, p.valid_from, p.valid_until));
    s
}

/// When a schedule period applies: " (vanaf 1 maart 2027)", " (tot en met ...)", " (van ...
/// tot en met ...)"; empty when always.
pub fn validity(lang: Lang, from: Option<NaiveDate>, until: Option<NaiveDate>) -> String {
    match (from, until) {
        (Some(f), Some(u)) => format!(
            " ({} {} {} {})",
            lang.t("van", "from"),
            date(lang, f),
            lang.t("tot en met", "up to and including"),
            date(lang, u)
        ),
        (Some(f), None) => format!(" ({} {})", lang.t("vanaf", "from"), date(lang, f)),
        (None, Some(u)) => format!(
            " ({} {})",
            lang.t("tot en met", "up to and including"),
            date(lang, u)
        ),
        (None, None) => String::new(),
    }
}

/// A date as `3 maart 2026` / `3 March 2026`.
pub fn date(lang: Lang, d: NaiveDate) -> String {
    use chrono::Datelike;
    const NL: [&str; 12] = [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let month = d.month0() as usize;
    let name = match lang {
        Lang::Nl => NL[month],
        Lang::En => EN[month],
    };
    format!("{} {name} {}", d.day(), d.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(freq: &str, interval: u32, days: &[&str]) -> SchedulePeriod {
        SchedulePeriod {
            freq: freq.into(),
            interval,
            byday: days.iter().map(|d| d.to_string()).collect(),
            opens_at: "14:00".into(),
            closes_at: "16:00".into(),
            description: None,
            valid_from: None,
            valid_until: None,
        }
    }

    #[test]
    fn schedules_read_as_plain_language() {
        assert_eq!(
            period(Lang::Nl, &p("WEEKLY", 2, &["TU"])),
            "om de week op dinsdag, 14:00-16:00"
        );
        assert_eq!(
            period(Lang::Nl, &p("WEEKLY", 1, &["MO", "WE", "FR"])),
            "elke week op maandag, woensdag en vrijdag, 14:00-16:00"
        );
        assert_eq!(
            period(Lang::En, &p("MONTHLY", 3, &[])),
            "every 3 months, 14:00-16:00"
        );
    }

    #[test]
    fn money_and_dates_follow_the_language() {
        assert_eq!(euros(Lang::Nl, 750), "€ 7,50");
        assert_eq!(euros(Lang::En, 1205), "€12.05");
        let d = NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
        assert_eq!(date(Lang::Nl, d), "3 maart 2026");
        assert_eq!(OfferKind::WalkIn.label(Lang::Nl), "Inloop");
    }
}
