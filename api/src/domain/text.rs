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

            pub fn into_inner(self) -> String {
                self.0
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

/// An e-mail address, checked for shape only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> AppResult<Self> {
        let s = raw.trim();
        let ok = s.len() <= 254
            && !s.chars().any(char::is_whitespace)
            && s.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            });
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(AppError::bad_input(format!(
                "'{raw}' is not an e-mail address"
            )))
        }
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An http(s) URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebUrl(String);

impl WebUrl {
    pub fn parse(raw: &str) -> AppResult<Self> {
        let s = raw.trim();
        let rest = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"));
        let ok = s.len() <= 500
            && rest.is_some_and(|r| {
                let host = r.split(['/', '?', '#']).next().unwrap_or("");
                !host.is_empty() && !r.chars().any(char::is_whitespace)
            });
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(AppError::bad_input(format!(
                "'{raw}' is not an http(s) URL"
            )))
        }
    }

    pub fn into_inner(self) -> String {
        self.0
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
        assert!(TimeOfDay::parse("09:30").is_ok());
        assert!(TimeOfDay::parse("25:00").is_err());
    }
}
