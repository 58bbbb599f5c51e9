//! Contact details of a person for a warm handover: how the receiving organisation may reach
//! them. Personal data: sealed at rest (by the referral-contact service) and never shown
//! by `Debug`.

use super::text::{Email, Phone, optional_text, required_text};
use crate::error::{AppError, AppResult};

/// Longest name and best time to call, in characters.
pub const CONTACT_TEXT_MAX: usize = 100;

/// Checked contact details: a name, a phone number and/or an e-mail address, when to call,
/// and whether a naaste (someone close) may join.
#[derive(Clone, PartialEq, Eq)]
pub struct ContactDetails {
    name: String,
    phone: Option<Phone>,
    email: Option<Email>,
    best_time: Option<String>,
    naaste_may_join: bool,
}

impl ContactDetails {
    /// Checks contact details as given; errors name the field (`name`, `phone`, `email`,
    /// `bestTimeToCall`), so callers prefix the input path with `in_field`.
    pub fn new(
        name: &str,
        phone: Option<Phone>,
        email: Option<Email>,
        best_time: Option<&str>,
        naaste_may_join: bool,
    ) -> AppResult<Self> {
        let name = required_text(name, CONTACT_TEXT_MAX).map_err(|e| e.in_field("name"))?;
        let best_time =
            optional_text(best_time, CONTACT_TEXT_MAX).map_err(|e| e.in_field("bestTimeToCall"))?;
        if phone.is_none() && email.is_none() {
            return Err(AppError::field(
                "phone",
                "give a phone number or an e-mail address (or both)",
            ));
        }
        Ok(Self {
            name,
            phone,
            email,
            best_time,
            naaste_may_join,
        })
    }

    /// Parses raw text (a form or message): blank phone and e-mail count as not given.
    pub fn parse(
        name: &str,
        phone: Option<&str>,
        email: Option<&str>,
        best_time: Option<&str>,
        naaste_may_join: bool,
    ) -> AppResult<Self> {
        let phone = given(phone)
            .map(Phone::parse)
            .transpose()
            .map_err(|e| e.in_field("phone"))?;
        let email = given(email)
            .map(Email::parse)
            .transpose()
            .map_err(|e| e.in_field("email"))?;
        Self::new(name, phone, email, best_time, naaste_may_join)
    }

    /// The name the person wants to be addressed by.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn phone(&self) -> Option<&Phone> {
        self.phone.as_ref()
    }

    pub fn email(&self) -> Option<&Email> {
        self.email.as_ref()
    }

    /// When to call, in the person's words ("doordeweeks na 17:00").
    pub fn best_time_to_call(&self) -> Option<&str> {
        self.best_time.as_deref()
    }

    /// Whether someone close to the person may join the first contact.
    pub fn naaste_may_join(&self) -> bool {
        self.naaste_may_join
    }

    /// Which fields are shared (recorded with the consent): always `name` and
    /// `naasteMayJoin`, and `phone`, `email`, `bestTimeToCall` when given.
    pub fn shared_fields(&self) -> Vec<String> {
        [
            Some("name"),
            self.phone.as_ref().map(|_| "phone"),
            self.email.as_ref().map(|_| "email"),
            self.best_time.as_ref().map(|_| "bestTimeToCall"),
            Some("naasteMayJoin"),
        ]
        .into_iter()
        .flatten()
        .map(str::to_string)
        .collect()
    }
}

/// A trimmed text, `None` when blank.
fn given(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// Shows which fields are present, never their values.
impl std::fmt::Debug for ContactDetails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContactDetails")
            .field("shared", &self.shared_fields())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_or_email_is_required_and_fields_are_named() {
        let ok = ContactDetails::parse("Ria", Some("06 12345678"), None, Some(" "), true).unwrap();
        assert_eq!(ok.best_time_to_call(), None);
        assert_eq!(ok.shared_fields(), ["name", "phone", "naasteMayJoin"]);
        let field = |r: AppResult<ContactDetails>| r.unwrap_err().field_name().map(str::to_string);
        assert_eq!(
            field(ContactDetails::parse("Ria", Some(""), None, None, false)),
            Some("phone".into())
        );
        assert_eq!(
            field(ContactDetails::parse(
                "Ria",
                Some("bel me"),
                None,
                None,
                false
            )),
            Some("phone".into())
        );
        assert_eq!(
            field(ContactDetails::parse(
                "Ria",
                None,
                Some("ria@"),
                None,
                false
            )),
            Some("email".into())
        );
        assert_eq!(
            field(ContactDetails::parse(
                " ",
                None,
                Some("ria@example.nl"),
                None,
                false
            )),
            Some("name".into())
        );
        let long = "x".repeat(CONTACT_TEXT_MAX + 1);
        assert_eq!(
            field(ContactDetails::parse(
                "Ria",
                None,
                Some("ria@example.nl"),
                Some(&long),
                false
            )),
            Some("bestTimeToCall".into())
        );
    }

    #[test]
    fn debug_shows_no_personal_data() {
        let c = ContactDetails::parse(
            "Ria de Vries",
            Some("06 12345678"),
            Some("ria@example.nl"),
            Some("na 17:00"),
            false,
        )
        .unwrap();
        let shown = format!("{c:?}");
        for secret in ["Ria", "12345678", "example.nl", "17:00"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}
