//! Interface language: Dutch by default, English on request. The language comes from the
//! `lang` query parameter (which also sets the `lang` cookie, see [`remember`]), else the
//! `lang` cookie, else Dutch. Texts are written beside their use as `lang.t("nl", "en")`, so a
//! page cannot miss a translation.

use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;

/// An interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Dutch, the default.
    #[default]
    Nl,
    /// English.
    En,
}

impl Lang {
    /// Parses a language tag (`nl`, `en`, case-insensitive); `None` for anything else.
    pub fn parse(tag: &str) -> Option<Self> {
        match tag.trim().to_ascii_lowercase().as_str() {
            "nl" => Some(Self::Nl),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The language of a request: `?lang=`, else the `lang` cookie, else Dutch.
    pub fn of(query: Option<&str>, jar: &CookieJar) -> Self {
        query
            .and_then(query_lang)
            .or_else(|| jar.get("lang").and_then(|c| Self::parse(c.value())))
            .unwrap_or_default()
    }

    /// The BCP 47 tag for the `lang` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Nl => "nl",
            Self::En => "en",
        }
    }

    /// The other language (for the switch link).
    pub fn other(self) -> Self {
        match self {
            Self::Nl => Self::En,
            Self::En => Self::Nl,
        }
    }

    /// The text in this language.
    pub fn t<'a>(self, nl: &'a str, en: &'a str) -> &'a str {
        match self {
            Self::Nl => nl,
            Self::En => en,
        }
    }
}

/// The `lang` value of a query string, if it names a language.
fn query_lang(query: &str) -> Option<Lang> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "lang")
        .and_then(|(_, v)| Lang::parse(v))
}

/// Middleware: a request with `?lang=xx` gets a `lang` cookie for the following pages.
pub async fn remember(req: Request, next: Next) -> Response {
    let chosen = req.uri().query().and_then(query_lang);
    let mut res = next.run(req).await;
    if let Some(lang) = chosen
        && let Ok(v) = format!(
            "lang={}; Path=/; Max-Age=31536000; SameSite=Lax",
            lang.tag()
        )
        .parse()
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// Translates the messages of the services (English, shared with the GraphQL API) that users
/// meet most on forms; others are shown as they are.
pub fn service_message(lang: Lang, message: &str) -> String {
    if lang == Lang::En {
        return message.to_string();
    }
    const DUTCH: &[(&str, &str)] = &[
        ("is required", "is verplicht"),
        ("must not be empty", "mag niet leeg zijn"),
        (
            "must be at least 3 characters",
            "moet minstens 3 tekens hebben",
        ),
        ("must not be negative", "mag niet negatief zijn"),
        ("must be after opensAt", "moet na de begintijd liggen"),
        ("must be WEEKLY or MONTHLY", "kies wekelijks of maandelijks"),
        ("must be between 1 and 12", "moet tussen 1 en 12 liggen"),
        (
            "must not be before startDate",
            "mag niet voor de startdatum liggen",
        ),
        ("must be between 0 and 120", "moet tussen 0 en 120 liggen"),
        (
            "must not be below minAge",
            "mag niet lager zijn dan de minimumleeftijd",
        ),
        ("a postcode or lat/lon is required", "vul een postcode in"),
        (
            "name at least one life domain",
            "kies minstens één leefgebied",
        ),
        (
            "the patient must consent before a referral is sent",
            "de patiënt moet eerst toestemming geven",
        ),
        (
            "a rejection needs a reason",
            "geef een reden voor de afwijzing",
        ),
        (
            "must be 4-64 letters, digits, '-' or '_' (a pseudonym, not a name)",
            "gebruik 4-64 letters, cijfers, '-' of '_' (een pseudoniem, geen naam)",
        ),
        (
            "looks like a BSN; use the practice's pseudonymous reference",
            "lijkt op een BSN; gebruik het pseudoniem van de praktijk",
        ),
        (
            "is required when you work for several practices",
            "kies de praktijk waarvoor u verwijst",
        ),
        ("give a postcode or lat and lon", "vul een postcode in"),
        // Self-referral (the public sign-up form).
        (
            "give a phone number or an e-mail address (or both)",
            "vul een telefoonnummer of een e-mailadres in (of beide)",
        ),
        (
            "you must agree before your sign-up and contact details are sent",
            "geef eerst toestemming; zonder toestemming sturen wij uw aanmelding niet door",
        ),
        (" is not a phone number", " is geen telefoonnummer"),
        (" is not an e-mail address", " is geen e-mailadres"),
        (
            "must be more than 0 and at most 300",
            "moet meer dan 0 en hoogstens 300 km zijn",
        ),
    ];
    // The note rule names the kind of medical content found (api's note_check).
    for finding in [
        api::services::referral::note_check::Finding::Dose,
        api::services::referral::note_check::Finding::Medicine,
        api::services::referral::note_check::Finding::Diagnosis,
    ] {
        if let Some(head) = message.strip_suffix(finding.message()) {
            return format!("{head}{}", finding.message_nl());
        }
    }
    for &(en, nl) in DUTCH {
        if message == en {
            return nl.to_string();
        }
        if let Some(head) = message.strip_suffix(en) {
            return format!("{head}{nl}");
        }
    }
    if let Some(raw) = message.strip_suffix(" is not a Dutch postcode (1234 AB)") {
        return format!("{raw} is geen Nederlandse postcode (1234 AB)");
    }
    if message.contains("was changed by someone else") {
        return "dit is intussen door iemand anders gewijzigd; laad de pagina opnieuw".to_string();
    }
    if message.contains("places taken is more than the capacity") {
        return "er zijn meer plekken bezet dan de capaciteit".to_string();
    }
    message.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_wins_over_cookie_and_dutch_is_the_default() {
        let jar = CookieJar::new().add(axum_extra::extract::cookie::Cookie::new("lang", "en"));
        assert_eq!(Lang::of(Some("q=x&lang=nl"), &jar), Lang::Nl);
        assert_eq!(Lang::of(Some("q=x"), &jar), Lang::En);
        assert_eq!(Lang::of(Some("lang=fr"), &CookieJar::new()), Lang::Nl);
        assert_eq!(Lang::of(None, &CookieJar::new()), Lang::Nl);
        assert_eq!(Lang::En.t("Zoeken", "Search"), "Search");
    }

    #[test]
    fn service_messages_are_translated_or_kept() {
        assert_eq!(service_message(Lang::Nl, "is required"), "is verplicht");
        assert_eq!(service_message(Lang::En, "is required"), "is required");
        assert_eq!(service_message(Lang::Nl, "something new"), "something new");
    }
}
