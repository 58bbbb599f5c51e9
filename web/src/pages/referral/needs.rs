//! A referral's practical needs on the web: the form's checkboxes and radios, reading them
//! back, and the short list both sides see on the referral's page.

use crate::ctx::Ctx;
use crate::form::{Errors, FormData, choices};
use crate::i18n::Lang;
use api::domain::practical_needs::{ContactGender, DayPart, Language, PracticalNeeds, Weekday};
use api::error::{AppError, AppResult};
use maud::{Markup, html};

fn language(l: Language, lang: Lang) -> &'static str {
    match l {
        Language::English => lang.t("Engels", "English"),
        Language::Arabic => lang.t("Arabisch", "Arabic"),
        Language::Turkish => lang.t("Turks", "Turkish"),
        Language::Tamazight => lang.t("Tamazight (Berbers)", "Tamazight (Berber)"),
        Language::Polish => lang.t("Pools", "Polish"),
        Language::Ukrainian => lang.t("Oekraïens", "Ukrainian"),
        Language::Tigrinya => lang.t("Tigrinya", "Tigrinya"),
        Language::Somali => lang.t("Somalisch", "Somali"),
    }
}

fn weekday(d: Weekday, lang: Lang) -> &'static str {
    match d {
        Weekday::Monday => lang.t("maandag", "Monday"),
        Weekday::Tuesday => lang.t("dinsdag", "Tuesday"),
        Weekday::Wednesday => lang.t("woensdag", "Wednesday"),
        Weekday::Thursday => lang.t("donderdag", "Thursday"),
        Weekday::Friday => lang.t("vrijdag", "Friday"),
    }
}

fn day_part(p: DayPart, lang: Lang) -> &'static str {
    match p {
        DayPart::Morning => lang.t("ochtend", "morning"),
        DayPart::Afternoon => lang.t("middag", "afternoon"),
        DayPart::Evening => lang.t("avond", "evening"),
    }
}

fn contact_gender(g: ContactGender, lang: Lang) -> &'static str {
    match g {
        ContactGender::Woman => lang.t("een vrouw", "a woman"),
        ContactGender::Man => lang.t("een man", "a man"),
    }
}

/// Form values of the flags, in form order.
const FLAGS: &[&str] = &["stepFree", "nearbyOnly", "companion"];

fn options<T: Copy>(
    all: &[T],
    value: fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|&v| (value(v).to_string(), label(v).to_string()))
        .collect()
}

/// The practical-needs fieldsets of the referral form, filled from `f`.
pub(super) fn fieldset(ctx: &Ctx, f: &FormData, errors: &Errors) -> Markup {
    let lang = ctx.lang;
    let flags: Vec<(String, String)> = FLAGS
        .iter()
        .zip([
            ctx.t(
                "Heeft een toegang zonder drempels of trappen nodig",
                "Needs step-free access",
            ),
            ctx.t(
                "Kan niet ver reizen (dichtbij of aan huis)",
                "Cannot travel far (close by or at home)",
            ),
            ctx.t(
                "Wil graag iemand meenemen (naaste of buddy)",
                "Wants someone to come along (someone close or a buddy)",
            ),
        ])
        .map(|(v, l)| (v.to_string(), l.to_string()))
        .collect();
    let mut languages = vec![(String::new(), ctx.t("Nederlands", "Dutch").to_string())];
    languages.extend(options(Language::ALL, Language::as_str, |l| {
        language(l, lang)
    }));
    let mut genders = vec![(
        String::new(),
        ctx.t("Geen voorkeur", "No preference").to_string(),
    )];
    genders.extend(options(ContactGender::ALL, ContactGender::as_str, |g| {
        contact_gender(g, lang)
    }));
    let language_chosen = [f.get("language").unwrap_or("")];
    let gender_chosen = [f.get("contactGender").unwrap_or("")];
    html! {
        div.practical-needs {
            h2 { (ctx.t("Praktische zaken", "Practical needs")) }
            (choices("needs", ctx.t("Bereikbaarheid en gezelschap", "Access and company"), &flags, &f.all("needs"), errors, false))
            (choices("language", ctx.t("Voorkeurstaal (Nederlands is niet nodig)", "Preferred language (Dutch not needed)"), &languages, &language_chosen, errors, true))
            (choices("days", ctx.t("Beste dagen", "Best days"), &options(Weekday::ALL, Weekday::as_str, |d| weekday(d, lang)), &f.all("days"), errors, false))
            (choices("dayParts", ctx.t("Beste dagdelen", "Best times of day"), &options(DayPart::ALL, DayPart::as_str, |p| day_part(p, lang)), &f.all("dayParts"), errors, false))
            (choices("contactGender", ctx.t("Contactpersoon bij voorkeur", "Preferred contact person"), &genders, &gender_chosen, errors, true))
        }
    }
}

/// The practical needs of a submitted form; an unknown value is `BAD_USER_INPUT` on its field.
pub(super) fn from_form(f: &FormData) -> AppResult<PracticalNeeds> {
    fn each<T>(f: &FormData, name: &str, parse: fn(&str) -> Option<T>) -> AppResult<Vec<T>> {
        f.all(name)
            .into_iter()
            .map(|v| parse(v).ok_or_else(|| AppError::field(name, "choose one of the options")))
            .collect()
    }
    let flags = f.all("needs");
    if let Some(bad) = flags.iter().find(|v| !FLAGS.contains(v)) {
        return Err(AppError::field("needs", format!("unknown choice '{bad}'")));
    }
    fn known(f: &FormData, name: &str, ok: fn(&str) -> bool) -> AppResult<()> {
        match f.get(name) {
            Some(v) if !ok(v) => Err(AppError::field(name, "choose one of the options")),
            _ => Ok(()),
        }
    }
    known(f, "language", |v| Language::from_str_opt(v).is_some())?;
    known(f, "contactGender", |v| {
        ContactGender::from_str_opt(v).is_some()
    })?;
    Ok(PracticalNeeds {
        step_free_access: flags.contains(&"stepFree"),
        nearby_only: flags.contains(&"nearbyOnly"),
        language: f.get("language").and_then(Language::from_str_opt),
        companion: flags.contains(&"companion"),
        days: each(f, "days", Weekday::from_str_opt)?,
        day_parts: each(f, "dayParts", DayPart::from_str_opt)?,
        contact_gender: f.get("contactGender").and_then(ContactGender::from_str_opt),
    }
    .normalised())
}

/// The needs as short lines for the referral's page; empty when none were given.
pub(super) fn lines(lang: Lang, n: &PracticalNeeds) -> Vec<String> {
    let mut out = Vec::new();
    if n.step_free_access {
        out.push(
            lang.t(
                "Toegang zonder drempels of trappen nodig",
                "Needs step-free access",
            )
            .to_string(),
        );
    }
    if n.nearby_only {
        out.push(
            lang.t("Kan niet ver reizen", "Cannot travel far")
                .to_string(),
        );
    }
    if let Some(l) = n.language {
        out.push(format!(
            "{}: {}",
            lang.t("Voorkeurstaal", "Preferred language"),
            language(l, lang)
        ));
    }
    if n.companion {
        out.push(
            lang.t(
                "Wil iemand meenemen (naaste of buddy)",
                "Wants someone to come along",
            )
            .to_string(),
        );
    }
    if !n.days.is_empty() || !n.day_parts.is_empty() {
        let days: Vec<&str> = n.days.iter().map(|&d| weekday(d, lang)).collect();
        let parts: Vec<&str> = n.day_parts.iter().map(|&p| day_part(p, lang)).collect();
        let both: Vec<String> = [days.join(", "), parts.join(", ")]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        out.push(format!(
            "{}: {}",
            lang.t("Beste momenten", "Best times"),
            both.join("; ")
        ));
    }
    if let Some(g) = n.contact_gender {
        out.push(format!(
            "{}: {}",
            lang.t("Contactpersoon bij voorkeur", "Preferred contact person"),
            contact_gender(g, lang)
        ));
    }
    out
}
