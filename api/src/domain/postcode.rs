//! Dutch postcodes (`1234AB` or the four-digit `1234`).

use crate::error::{AppError, AppResult};

/// A Dutch postcode: four digits (not starting with 0), optionally two letters (not SA, SD, SS).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Postcode {
    digits: String,
    letters: Option<String>,
}

impl Postcode {
    /// Parses `6663 AB`, `6663ab` or `6663`.
    pub fn parse(raw: &str) -> AppResult<Self> {
        let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        let compact = compact.to_ascii_uppercase();
        let bad = || AppError::bad_input(format!("'{raw}' is not a Dutch postcode (1234 AB)"));
        let digits = compact.get(..4).ok_or_else(bad)?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.starts_with('0') {
            return Err(bad());
        }
        let letters = match compact.get(4..) {
            Some("") | None => None,
            Some(l) if l.len() == 2 && l.bytes().all(|b| b.is_ascii_uppercase()) => {
                if matches!(l, "SA" | "SD" | "SS") {
                    return Err(bad());
                }
                Some(l.to_string())
            }
            Some(_) => return Err(bad()),
        };
        Ok(Self {
            digits: digits.to_string(),
            letters,
        })
    }

    /// The four-digit area (`6663`).
    pub fn pc4(&self) -> &str {
        &self.digits
    }

    /// Normalised without a space: `6663AB`.
    pub fn compact(&self) -> String {
        format!("{}{}", self.digits, self.letters.as_deref().unwrap_or(""))
    }
}

impl std::fmt::Display for Postcode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.letters {
            Some(l) => write!(f, "{} {l}", self.digits),
            None => f.write_str(&self.digits),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms() {
        assert_eq!(Postcode::parse("6663 ab").unwrap().compact(), "6663AB");
        assert_eq!(Postcode::parse("6663AB").unwrap().to_string(), "6663 AB");
        assert_eq!(Postcode::parse(" 1811 ").unwrap().pc4(), "1811");
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "", "123", "0123 AB", "1234 A", "1234 ABC", "1234 SS", "abcd", "12345", "1234 Ä",
        ] {
            assert!(Postcode::parse(bad).is_err(), "{bad}");
        }
    }
}
