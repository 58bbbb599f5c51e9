//! Interface language: Dutch by default, English on request. The language comes from the
//! `lang` query parameter (which also sets the `lang` cookie, see [`remember`]), else the
//! `lang` cookie, else Dutch. Texts are written beside their use as `lang.t("nl", "en")`, so a
//! page cannot miss a translation.

pub mod dutch;

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

/// A service message (English, shared with the GraphQL API) in the page's language: on a Dutch
/// page the text of the catalogue ([`dutch::CATALOGUE`]); a message it does not know (one the
/// pages made in Dutch themselves) is kept.
pub fn service_message(lang: Lang, message: &str) -> String {
    match lang {
        Lang::En => message.to_string(),
        Lang::Nl => note_finding(message)
            .or_else(|| dutch::translate(message))
            .unwrap_or_else(|| message.to_string()),
    }
}

/// The note rule's refusal (api's `note_check`) names the kind of medical content found; its
/// Dutch text comes from the rule itself.
fn note_finding(message: &str) -> Option<String> {
    use api::services::referral::note_check::Finding;
    [Finding::Dose, Finding::Medicine, Finding::Diagnosis]
        .into_iter()
        .find_map(|finding| {
            message
                .strip_suffix(finding.message())
                .map(|head| format!("{head}{}", finding.message_nl()))
        })
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
        assert_eq!(
            service_message(Lang::Nl, "a postcode or lat/lon is required"),
            "Vul een postcode in"
        );
        assert_eq!(
            service_message(Lang::Nl, "postcode 9999 ZZ is not a known postcode area"),
            "Postcode 9999 ZZ bestaat niet"
        );
        assert_eq!(
            service_message(Lang::Nl, "21 places taken is more than the capacity of 20"),
            "De capaciteit is 20: er kunnen geen 21 plekken bezet zijn"
        );
        assert_eq!(
            service_message(Lang::Nl, "title must not be empty"),
            "title mag niet leeg zijn"
        );
    }

    /// Every message the services, the domain types, the gazetteer and the pages can put
    /// beside a field or on an error page, read from their sources: each needs a Dutch text.
    #[test]
    fn every_service_message_has_a_dutch_text() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut templates = Vec::new();
        for dir in [
            "api/src/domain",
            "api/src/services",
            "api/src/geo",
            "api/src/read_model",
            "web/src",
        ] {
            sources::templates_in(&root.join(dir), &mut templates);
        }
        // Built by a macro (`digits_type!`) or by `lifecycle::refusal`.
        templates.extend(
            [
                "'{}' is not a KvK number (8 digits)",
                "'{}' is not an AGB code (8 digits)",
                "a referral cannot go from {} to {}",
                "a referral cannot go from {} to {} by the referrer (only cancel)",
            ]
            .map(String::from),
        );
        assert!(templates.len() > 50, "the sources were read: {templates:?}");
        let missing: Vec<&String> = templates
            .iter()
            .filter(|t| !dutch::CATALOGUE.iter().any(|(en, _)| en == t))
            .collect();
        assert!(
            missing.is_empty(),
            "no Dutch text in i18n/dutch.rs for {missing:#?}"
        );
    }

    /// Reads the message templates of `AppError::field`, `bad_input`, `Conflict` and
    /// `Forbidden` calls from Rust sources (outside their test modules).
    mod sources {
        use std::path::Path;

        pub fn templates_in(dir: &Path, out: &mut Vec<String>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for e in entries.flatten() {
                let path = e.path();
                if path.is_dir() {
                    templates_in(&path, out);
                } else if path.extension().is_some_and(|x| x == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                    calls(code, out);
                }
            }
        }

        fn calls(code: &str, out: &mut Vec<String>) {
            for call in [
                "AppError::field(",
                "AppError::bad_input(",
                "AppError::Conflict(",
                "AppError::Forbidden(",
            ] {
                for (at, _) in code.match_indices(call) {
                    let args = arguments(&code[at + call.len()..]);
                    if let Some(t) = args.last().and_then(|a| template(a))
                        && t.chars().any(char::is_alphabetic)
                    {
                        out.push(t);
                    }
                }
            }
        }

        /// The top-level arguments of a call, from just after its `(`.
        fn arguments(s: &str) -> Vec<String> {
            let (mut depth, mut args, mut cur) = (0, Vec::new(), String::new());
            let mut chars = s.chars();
            while let Some(c) = chars.next() {
                match c {
                    '"' => {
                        cur.push(c);
                        while let Some(d) = chars.next() {
                            cur.push(d);
                            if d == '\\' {
                                cur.extend(chars.next());
                            } else if d == '"' {
                                break;
                            }
                        }
                        continue;
                    }
                    '(' | '[' | '{' => depth += 1,
                    ')' | ']' | '}' if depth == 0 => break,
                    ')' | ']' | '}' => depth -= 1,
                    ',' if depth == 0 => {
                        args.push(std::mem::take(&mut cur));
                        continue;
                    }
                    _ => {}
                }
                cur.push(c);
            }
            args.push(cur);
            args.into_iter()
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty())
                .collect()
        }

        /// The message of an argument that is a literal or `format!` of one, its `{...}`
        /// placeholders as `{}` and line continuations joined; `None` for other expressions.
        fn template(arg: &str) -> Option<String> {
            let arg = arg.strip_prefix("format!(").unwrap_or(arg).trim_start();
            let body = arg.strip_prefix('"')?;
            let mut lit = String::new();
            let mut chars = body.chars();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => match chars.next() {
                        Some('\n') => {
                            while chars.clone().next().is_some_and(char::is_whitespace) {
                                chars.next();
                            }
                        }
                        Some(e) => lit.push(e),
                        None => {}
                    },
                    c => lit.push(c),
                }
            }
            let mut out = String::new();
            let mut rest = lit.as_str();
            while let Some(open) = rest.find('{') {
                out.push_str(&rest[..open]);
                let close = rest[open..].find('}')?;
                out.push_str("{}");
                rest = &rest[open + close + 1..];
            }
            out.push_str(rest);
            Some(out)
        }
    }
}
