//! The page shell: skip link, navigation by role, language switch, main landmark, footer.

use crate::ctx::Ctx;
use crate::i18n::Lang;
use api::auth::Actor;
use entities::Role;
use maud::{DOCTYPE, Markup, html};

/// A whole page with `title` as `<title>` and `<h1>`.
pub fn page(ctx: &Ctx, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(ctx.lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Wijkwijzer" }
                link rel="icon" href="/favicon.svg" type="image/svg+xml";
                link rel="stylesheet" href="/static/app.css";
                script src="/static/app.js" defer {}
            }
            body {
                a.skip href="#inhoud" { (ctx.t("Naar de inhoud", "Skip to content")) }
                header.site {
                    a.brand href="/" { "Wijkwijzer" }
                    (nav(ctx))
                }
                main #inhoud tabindex="-1" {
                    h1 { (title) }
                    (body)
                }
                footer.site {
                    p {
                        (ctx.t("Gebieden en postcodes: Bron: CBS, Kadaster.", "Areas and postcodes: Source: CBS, Kadaster."))
                        " "
                        a href="/graphiql" { "GraphQL API" }
                        " · "
                        a href="/hsds/" { "Open Referral HSDS" }
                    }
                }
            }
        }
    }
}

fn has_role(actor: &Actor, role: Role) -> bool {
    matches!(actor, Actor::User(u) if u.has_role(role))
}

fn nav(ctx: &Ctx) -> Markup {
    let a = &ctx.actor;
    let refers = has_role(a, Role::Practitioner) || has_role(a, Role::OrganisationEditor);
    let manages = has_role(a, Role::OrganisationEditor) || a.is_admin();
    let other = ctx.lang.other();
    html! {
        nav aria-label=(ctx.t("Hoofdmenu", "Main menu")) {
            ul {
                li { a href="/" { (ctx.t("Zoeken", "Search")) } }
                @if refers { li { a href="/verwijzingen" { (ctx.t("Verwijzingen", "Referrals")) @if let Some(n) = ctx.new_referrals.filter(|n| *n > 0) { " " span.count { "(" (n) " " (ctx.t("nieuw", "new")) ")" } } } } }
                @if manages { li { a href="/beheer" { (ctx.t("Beheer", "Manage")) } } }
                @if manages { li { a href="/beheer/zoekvraag" { (ctx.t("Zoekvraag", "Search demand")) } } }
                @if let Some(n) = ctx.unread { li { a href="/meldingen" { (ctx.t("Meldingen", "Notifications")) " (" (n) @if n > 0 { " " (ctx.t("ongelezen", "unread")) } ")" } } }
                li { a href="/dekking" { (ctx.t("Dekking", "Coverage")) } }
                li {
                    a href=(with_lang(&ctx.here, other)) hreflang=(other.tag()) lang=(other.tag()) {
                        (other.t("Nederlands", "English"))
                    }
                }
                @match ctx.user_name() {
                    Some(name) => li {
                        form.inline method="post" action="/auth/logout" {
                            button.link type="submit" { (ctx.t("Uitloggen", "Sign out")) " (" (name) ")" }
                        }
                    },
                    None => li { a href=(format!("/inloggen?next={}", encode(&ctx.here))) { (ctx.t("Inloggen", "Sign in")) } },
                }
            }
        }
    }
}

/// `here` with its `lang` parameter set to `lang`.
pub fn with_lang(here: &str, lang: Lang) -> String {
    let (path, query) = here.split_once('?').unwrap_or((here, ""));
    let mut parts: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("lang="))
        .collect();
    let tag = format!("lang={}", lang.tag());
    parts.push(&tag);
    format!("{path}?{}", parts.join("&"))
}

/// Percent-encodes a query value.
pub fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A notice after a successful action (`role="status"`, announced by screen readers).
pub fn notice(text: &str) -> Markup {
    html! { p.notice role="status" { (text) } }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_links_keep_the_query() {
        assert_eq!(with_lang("/?q=a&lang=nl", Lang::En), "/?q=a&lang=en");
        assert_eq!(with_lang("/dekking", Lang::Nl), "/dekking?lang=nl");
        assert_eq!(encode("/a?b=c d"), "%2Fa%3Fb%3Dc+d");
    }
}
