//! Checked text values: trimmed required and optional text, e-mail addresses, web URLs, phone
//! numbers and times of day.

use crate::error::{AppError, AppResult};

/// Trims a required text and checks its length in characters.
pub fn required_text(raw: &str, max: usize) -> AppResult<String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(AppError::bad_input("must not be empty"));
    }
    if text.chars().count() > max {
        return Err(AppError::bad_input(format!(
            "must be at most {max} characters"
        )));
    }
    Ok(text.to_string())
}

/// Trims an optional text; blank becomes `None`.
pub fn optional_text(raw: Option<&str>, max: usize) -> AppResult<Option<String>> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => required_text(text, max).map(Some),
    }
}

macro_rules! digits_type {
    ($(#[$meta:meta])* $name:ident, $len:literal, $what:literal) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub fn parse(raw: &str) -> AppResult<Self> {
                let s = raw.trim();
                if s.len() == $len && s.bytes().all(|b| b.is_ascii_digit()) {
                    Ok(Self(s.to_string()))
                } else {
                    Err(AppError::bad_input(format!(concat!("'{}' is not ", $what), raw)))
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

digits_type!(
    /// A Kamer van Koophandel number: 8 digits.
    KvkNumber, 8, "a KvK number (8 digits)"
);
digits_type!(
    /// An AGB code of a care provider: 8 digits.
    AgbCode, 8, "an AGB code (8 digits)"
);

/// An e-mail address `local@domain`: the local part of RFC 5322 "atext" characters and dots,
/// the domain of at least two DNS labels (letters, digits, `-`), at most 254 characters. Only
/// the shape is checked, but nothing that could break out of a `mailto:` link passes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> AppResult<Self> {
        let s = raw.trim();
        let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c);
        let label = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        let ok = s.len() <= 254
            && s.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && local.len() <= 64
                    && local.chars().all(atext)
                    && !local.starts_with('.')
                    && !local.ends_with('.')
                    && !local.contains("..")
                    && domain.split('.').count() >= 2
                    && domain.split('.').all(label)
            });
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(AppError::bad_input(format!(
                "'{raw}' is not an e-mail address"
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An absolute `http` or `https` URL with a host, at most 500 characters, without spaces,
/// control characters or user credentials: the only links a page renders from stored data, so
/// no `javascript:` or `data:` URL passes (parsed by the `url` crate, WHATWG rules).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebUrl(String);

impl WebUrl {
    pub fn parse(raw: &str) -> AppResult<Self> {
        let s = raw.trim();
        let bad = || AppError::bad_input(format!("'{raw}' is not an http(s) URL"));
        // The WHATWG parser strips tabs and newlines and trims controls; refuse them instead,
        // so the stored text is exactly what was checked.
        if s.is_empty() || s.len() > 500 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let url = url::Url::parse(s).map_err(|_| bad())?;
        let ok = matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some_and(|h| !h.is_empty())
            && url.username().is_empty()
            && url.password().is_none()
            && s.get(..url.scheme().len() + 3)
                .is_some_and(|p| p.eq_ignore_ascii_case(&format!("{}://", url.scheme())));
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(bad())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl std::fmt::Display for WebUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A phone number: 8-15 digits with optional `+`, spaces, dashes and brackets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> AppResult<Self> {
        let s = raw.trim();
        let digits = s.chars().filter(char::is_ascii_digit).count();
        let ok = (8..=15).contains(&digits)
            && s.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(AppError::bad_input(format!(
                "'{raw}' is not a phone number"
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl std::fmt::Display for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A local time of day `HH:MM` (24-hour).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeOfDay(chrono::NaiveTime);

impl TimeOfDay {
    pub fn parse(raw: &str) -> AppResult<Self> {
        chrono::NaiveTime::parse_from_str(raw.trim(), "%H:%M")
            .map(Self)
            .map_err(|_| AppError::bad_input(format!("'{raw}' is not a time HH:MM")))
    }

    pub fn to_hhmm(self) -> String {
        self.0.format("%H:%M").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts() {
        assert_eq!(required_text("  Wandelen ", 10).unwrap(), "Wandelen");
        assert!(required_text("   ", 10).is_err());
        assert!(required_text("elf tekens!", 10).is_err());
        assert_eq!(optional_text(Some(" "), 5).unwrap(), None);
    }

    #[test]
    fn identifiers() {
        assert!(KvkNumber::parse("41048127").is_ok());
        assert!(KvkNumber::parse("4104812").is_err());
        assert!(Email::parse("info@example.nl").is_ok());
        assert!(Email::parse("info@example").is_err());
        assert!(WebUrl::parse("https://www.bindkracht10.nl/").is_ok());
        assert!(WebUrl::parse("javascript:alert(1)").is_err());
        for bad in [
            "data:text/html,<script>alert(1)</script>",
            "JaVaScRiPt:alert(1)",
            "https:alert(1)",
            "https:/evil.example",
            "http://",
            "https://user:pw@evil.example/",
            "java\tscript:alert(1)",
            "https://evil.example/\u{0}",
            "vbscript:msgbox",
            "//evil.example",
            "ftp://x.nl",
        ] {
            assert!(WebUrl::parse(bad).is_err(), "{bad}");
        }
        assert!(Email::parse("javascript:alert(1)//@x.nl").is_err());
        assert!(Email::parse("a\"onmouseover=x@y.nl").is_err());
        assert!(Email::parse("ria.de-vries+wijk@bindkracht10.nl").is_ok());
        assert!(Phone::parse("024 - 382 28 38").is_ok());
        assert!(Phone::parse("javascript:1234567890").is_err());
        assert!(TimeOfDay::parse("09:30").is_ok());
        assert!(TimeOfDay::parse("25:00").is_err());
    }
}
