//! The referral form's contact part: how the person wants to be approached (required), the
//! detail that route needs (a phone number for "Telefoon", an e-mail address for "E-mail"),
//! and, for a warm handover, the name to use, when to call and whether a naaste may join, with
//! the person's consent to share them. The rules are `api::services::referral::contact`'s;
//! this module asks for the fields and says in Dutch (or English) what is missing.

use crate::ctx::Ctx;
use crate::form::{Errors, Field, FormData, choices, error_line};
use crate::labels::Label;
use api::domain::Actor;
use api::error::AppError;
use api::services::referral::contact::{self, ConsentBy, ContactConsent, Handover};
use entities::ContactPreference;
use maud::{Markup, html};
use sea_orm::Iterable;

/// Form field names (the service's input paths, so its errors land beside them too).
const ROUTE: &str = "contactPreference";
const NAME: &str = "contact.name";
const PHONE: &str = "contact.phone";
const EMAIL: &str = "contact.email";
const BEST_TIME: &str = "contact.bestTimeToCall";
const NAASTE: &str = "contact.naasteMayJoin";
const CONSENT: &str = "contact.consent";

/// The contact fieldsets; `can_store` is whether this node can keep contact details (a key is
/// configured): without it only the route is asked.
pub fn fieldset(ctx: &Ctx, f: &FormData, errors: &Errors, can_store: bool) -> Markup {
    let routes: Vec<(String, String)> = ContactPreference::iter()
        .map(|c| (c.as_str().to_string(), c.label(ctx.lang).to_string()))
        .collect();
    html! {
        (choices(ROUTE, ctx.t("Hoe wil de persoon benaderd worden? (verplicht)", "How does the person want to be contacted? (required)"),
            &routes, &f.all(ROUTE), errors, true))
        @if can_store {
            fieldset.field.handover #f-contact {
                legend { (ctx.t("Contactgegevens voor de organisatie", "Contact details for the organisation")) }
                p.hint { (ctx.t("Alleen met toestemming van de persoon. Alleen de organisatie en uw praktijk zien ze.", "Only with the person's consent. Only the organisation and your practice see them.")) }
                @if let Some(e) = errors.get("contact") { (error_line(ctx.lang, "f-contact-error", e)) }
                (Field::new(NAME, ctx.t("Naam waarmee de persoon aangesproken wil worden", "Name the person wants to be addressed by"))
                    .value(f.value(NAME)).autocomplete("off").input(errors))
                (Field::new(PHONE, ctx.t("Telefoonnummer (nodig bij 'Telefoon')", "Phone number (needed for 'Phone')"))
                    .value(f.value(PHONE)).kind("tel").inputmode("tel").autocomplete("off").input(errors))
                (Field::new(EMAIL, ctx.t("E-mailadres (nodig bij 'E-mail')", "E-mail address (needed for 'E-mail')"))
                    .value(f.value(EMAIL)).kind("email").autocomplete("off").input(errors))
                (Field::new(BEST_TIME, ctx.t("Wanneer bellen? (optioneel)", "When to call? (optional)"))
                    .value(f.value(BEST_TIME)).hint(ctx.t("Bijvoorbeeld: doordeweeks na 17:00", "For example: weekdays after 17:00")).input(errors))
                (choices(NAASTE, ctx.t("Naaste", "Someone close"),
                    &[("1".to_string(), ctx.t("Iemand uit de omgeving van de persoon mag bij het eerste gesprek zijn", "Someone close to the person may join the first talk").to_string())],
                    &f.all(NAASTE), errors, false))
                (choices(CONSENT, ctx.t("Toestemming om contactgegevens te delen", "Consent to share contact details"),
                    &[("1".to_string(), ctx.t("De persoon geeft toestemming om deze contactgegevens met de organisatie te delen", "The person agrees to share these contact details with the organisation").to_string())],
                    &f.all(CONSENT), errors, false))
            }
        } @else {
            p.hint { (ctx.t("Dit knooppunt kan geen contactgegevens doorgeven; de organisatie neemt contact op via de gekozen weg.", "This node cannot pass on contact details; the organisation gets in touch the chosen way.")) }
        }
    }
}

/// What the form says of the contact: the route, and the handover if any detail was given.
pub struct Contact {
    pub route: ContactPreference,
    pub handover: Option<Handover>,
}

/// Reads the contact part of a posted form (consent recorded as given by the signed-in user);
/// the first problem as a form error in the page's language.
pub fn parse(ctx: &Ctx, f: &FormData, can_store: bool) -> Result<Contact, Errors> {
    let err = |field: &str, nl: &str, en: &str| Errors::one(ctx, field, ctx.t(nl, en));
    let route = match f.get(ROUTE) {
        None => {
            return Err(err(
                ROUTE,
                "Kies hoe de persoon benaderd wil worden",
                "Choose how the person wants to be contacted",
            ));
        }
        Some(c) => ContactPreference::from_str_opt(c).ok_or_else(|| {
            err(
                ROUTE,
                "Kies een van de mogelijkheden",
                "Choose one of the options",
            )
        })?,
    };
    if !can_store {
        return Ok(Contact {
            route,
            handover: None,
        });
    }
    match route {
        ContactPreference::Phone if f.get(PHONE).is_none() => {
            return Err(err(
                PHONE,
                "Vul een telefoonnummer in",
                "Enter a phone number",
            ));
        }
        ContactPreference::Email if f.get(EMAIL).is_none() => {
            return Err(err(
                EMAIL,
                "Vul een e-mailadres in",
                "Enter an e-mail address",
            ));
        }
        _ => {}
    }
    let given = [NAME, PHONE, EMAIL, BEST_TIME]
        .iter()
        .any(|n| f.get(n).is_some());
    if !given {
        return Ok(Contact {
            route,
            handover: None,
        });
    }
    let details = contact::parse_details(
        f.value(NAME),
        f.get(PHONE),
        f.get(EMAIL),
        f.get(BEST_TIME),
        f.checked(NAASTE),
    )
    .map_err(|e| detail_error(ctx, &e))?;
    if !f.checked(CONSENT) {
        return Err(err(
            CONSENT,
            "Vraag de persoon eerst toestemming om deze contactgegevens te delen",
            "Ask the person's consent to share these contact details first",
        ));
    }
    let by = match &ctx.actor {
        Actor::User(u) => ConsentBy::User(u.id.clone()),
        _ => ConsentBy::Person,
    };
    let consent = ContactConsent { given: true, by };
    Ok(Contact {
        route,
        handover: Some(Handover::now(details, consent)),
    })
}

/// A contact detail's error beside its field, in the page's language.
fn detail_error(ctx: &Ctx, e: &AppError) -> Errors {
    let (field, nl, en) = match e.field_name() {
        Some("name") => (
            NAME,
            "Vul de naam in waarmee de persoon aangesproken wil worden (hoogstens 100 tekens)",
            "Enter the name the person wants to be addressed by (at most 100 characters)",
        ),
        Some("email") => (
            EMAIL,
            "Dit is geen e-mailadres",
            "This is not an e-mail address",
        ),
        Some("bestTimeToCall") => (BEST_TIME, "Hoogstens 100 tekens", "At most 100 characters"),
        Some("phone") if e.message().contains("not a phone") => (
            PHONE,
            "Dit is geen telefoonnummer (8 tot 15 cijfers)",
            "This is not a phone number (8 to 15 digits)",
        ),
        _ => (
            PHONE,
            "Vul een telefoonnummer of e-mailadres in (of beide)",
            "Enter a phone number or an e-mail address (or both)",
        ),
    };
    Errors::one(ctx, field, ctx.t(nl, en))
}
