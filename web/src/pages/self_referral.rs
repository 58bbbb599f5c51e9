//! The public sign-up form "Aanmelden" of an offer (`/aanbod/{id}/aanmelden`, no account) and
//! its confirmation page (`/aanbod/{id}/aanmelden/bedankt`). The rules (which offers, consent,
//! the message, sealing the contact details) are the service's,
//! [`api::services::referral::self_referral`]; this page adds the abuse limits of a public form:
//! the per-address hourly limit (`auth.self_referrals_per_hour`, each post counts), a honeypot
//! field (filled in: the sender sees the usual confirmation, nothing is stored), and a small
//! request body ([`BODY_MAX`]). The same-origin rule of every form applies at the router root.

use crate::ctx::Ctx;
use crate::error::{OrPage, PageError, PageResult};
use crate::form::{Errors, Field, FormData, choices};
use crate::layout::{encode, page};
use api::domain::{ContactDetails, GlobalId};
use api::error::{AppError, AppResult};
use api::http::ClientIp;
use api::services::offer_view::{self, OfferView};
use api::services::referral::contact;
use api::services::referral::self_referral::{self, Availability, NewSelfReferral};
use api::state::AppState;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use serde::Deserialize;

/// Largest accepted form post in bytes (the fields are short; anything bigger is refused
/// with `413` before it is read).
pub const BODY_MAX: usize = 8 * 1024;

/// Name of the honeypot field: hidden from people (and screen readers), filled in by bots.
const HONEYPOT: &str = "website";

/// Where a person can sign up for the offer `v` themselves, if anywhere: this node's form, or
/// the form at the base URL of the peer node that owns it.
pub fn link(state: &AppState, v: &OfferView) -> Option<String> {
    let path = format!("/aanbod/{}/aanmelden", encode(&v.offer.id));
    match self_referral::availability(&v.offer, &v.organisation, state.node_id.as_str()) {
        Availability::Here if contact::available(&state.contact_keys) => Some(path),
        Availability::AtNode(node) => state
            .config
            .federation
            .peers
            .iter()
            .find(|p| p.id == node)
            .map(|p| format!("{}{path}", p.base_url.trim_end_matches('/'))),
        _ => None,
    }
}

/// The offer `id` when this node's form takes sign-ups for it; `NOT_FOUND` otherwise.
async fn open_offer(state: &AppState, ctx: &Ctx, id: &str) -> Result<OfferView, PageError> {
    let v = offer_view::get(state, &ctx.actor, id).await.or_page(ctx)?;
    let here = self_referral::availability(&v.offer, &v.organisation, state.node_id.as_str())
        == Availability::Here;
    if !here {
        return Err(PageError::new(
            ctx,
            AppError::NotFound(format!("offer {id}")),
        ));
    }
    if !contact::available(&state.contact_keys) {
        let why = ctx.t(
            "Aanmelden via deze site kan nu niet. Neem contact op met de organisatie.",
            "Signing up through this site is not possible now. Please contact the organisation.",
        );
        return Err(PageError::new(ctx, AppError::Conflict(why.into())));
    }
    Ok(v)
}

fn form(ctx: &Ctx, v: &OfferView, f: &FormData, errors: &Errors) -> Markup {
    let consent = [(
        "1".to_string(),
        ctx.t(
            "Ik geef toestemming dat de organisatie mijn naam, telefoonnummer of e-mailadres en bericht krijgt en contact met mij opneemt",
            "I agree that the organisation receives my name, phone number or e-mail address and message, and contacts me",
        )
        .to_string(),
    )];
    html! {
        p { (ctx.t("Voor", "For")) " " a href=(format!("/aanbod/{}", encode(&v.offer.id))) { (v.offer.title) } " · " (v.organisation.name) }
        p { (ctx.t("U meldt zich aan zonder verwijzing van de huisarts. ", "You sign up without a referral from your GP. "))
            (v.organisation.name) (ctx.t(" neemt daarna contact met u op.", " will then contact you.")) }
        form.self-referral method="post" action=(format!("/aanbod/{}/aanmelden", encode(&v.offer.id))) novalidate {
            (errors.summary(ctx))
            (Field::new("name", ctx.t("Hoe wilt u aangesproken worden?", "What should we call you?"))
                .value(f.value("name")).autocomplete("name").required().input(errors))
            (Field::new("phone", ctx.t("Telefoonnummer", "Phone number"))
                .value(f.value("phone")).kind("tel").autocomplete("tel").inputmode("tel")
                .hint(ctx.t("Vul een telefoonnummer of e-mailadres in, of beide.", "Give a phone number or an e-mail address, or both."))
                .input(errors))
            (Field::new("email", ctx.t("E-mailadres", "E-mail address"))
                .value(f.value("email")).kind("email").autocomplete("email")
                .hint(ctx.t("U krijgt dan ook een bevestiging per e-mail.", "You will then also get a confirmation by e-mail."))
                .input(errors))
            (Field::new("message", ctx.t("Kort bericht (optioneel)", "Short message (optional)"))
                .value(f.value("message"))
                .hint(ctx.t("Bijvoorbeeld wanneer u het best bereikbaar bent. Geen medische gegevens. Hoogstens 280 tekens.", "For example when you are easiest to reach. No medical details. At most 280 characters."))
                .textarea(errors, 3))
            div.hp aria-hidden="true" {
                label for="f-website" { (ctx.t("Laat dit veld leeg", "Leave this field empty")) }
                input id="f-website" name=(HONEYPOT) type="text" tabindex="-1" autocomplete="off" value="";
            }
            (choices("consent", ctx.t("Toestemming", "Consent"), &consent, &f.all("consent"), errors, false))
            p { button type="submit" { (ctx.t("Aanmelden", "Sign up")) } }
        }
    }
}

/// `GET /aanbod/{id}/aanmelden`: the form; `404` for an offer that takes no self-referrals
/// here.
pub async fn form_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> PageResult {
    let v = open_offer(&state, &ctx, &id).await?;
    let title = ctx.t("Aanmelden", "Sign up");
    Ok(page(
        &ctx,
        title,
        form(&ctx, &v, &FormData::default(), &Errors::none()),
    )
    .into_response())
}

/// `POST /aanbod/{id}/aanmelden`: counts the attempt against the address's hourly limit
/// (`429` over it), then signs the person up and sends them to the confirmation; bad input
/// shows the form again with the errors beside their fields (`422`).
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Extension(ip): Extension<ClientIp>,
    Path(id): Path<String>,
    f: FormData,
) -> PageResult {
    state.auth.self_referrals.hit(ip.0).or_page(&ctx)?;
    let v = open_offer(&state, &ctx, &id).await?;
    let mail = f.get("email").is_some() && state.config.mail.smtp_url.is_some();
    let done = format!(
        "/aanbod/{}/aanmelden/bedankt{}",
        encode(&v.offer.id),
        if mail { "?mail=1" } else { "" }
    );
    if f.get(HONEYPOT).is_some() {
        tracing::info!(offer = %v.offer.id, "self-referral with the honeypot filled in ignored");
        return Ok(Redirect::to(&done).into_response());
    }
    let result = match parse(&v, &f) {
        Ok(new) => self_referral::create(&state, new, mail).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&done).into_response()),
        Err(e) => {
            let errors = Errors::from_app(&ctx, e).or_page(&ctx)?;
            let title = ctx.t("Aanmelden", "Sign up");
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page(&ctx, title, form(&ctx, &v, &f, &errors)),
            )
                .into_response())
        }
    }
}

/// The sign-up the form asks for, its contact details parsed (errors name `name`, `phone`,
/// `email`).
fn parse(v: &OfferView, f: &FormData) -> AppResult<NewSelfReferral> {
    Ok(NewSelfReferral {
        offer_id: GlobalId::parse(&v.offer.id)?,
        contact: ContactDetails::parse(
            f.value("name"),
            f.get("phone"),
            f.get("email"),
            None,
            false,
        )?,
        message: f.get("message").map(str::to_string),
        consent: f.checked("consent"),
    })
}

/// The query of the confirmation page.
#[derive(Deserialize, Default)]
pub struct Sent {
    mail: Option<String>,
}

/// `GET /aanbod/{id}/aanmelden/bedankt`: what happens next.
pub async fn thanks(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(sent): Query<Sent>,
) -> PageResult {
    let v = open_offer(&state, &ctx, &id).await?;
    let org = &v.organisation.name;
    let body = html! {
        div.notice role="status" {
            p { (ctx.t("Uw aanmelding voor ", "Your sign-up for ")) strong { (v.offer.title) } (ctx.t(" is verstuurd naar ", " has been sent to ")) (org) "." }
        }
        h2 { (ctx.t("Wat gebeurt er nu?", "What happens next?")) }
        ol {
            li { (ctx.t("Een medewerker van ", "Someone from ")) (org) (ctx.t(" neemt contact met u op, via het telefoonnummer of e-mailadres dat u gaf.", " will contact you, by the phone number or e-mail address you gave.")) }
            li { (ctx.t("In dat gesprek hoort u meer over het aanbod en maakt u afspraken over de start.", "In that conversation you hear more about the offer and agree on how to start.")) }
            li { (ctx.t("Wilt u zich toch niet aanmelden? Zeg het dan als zij contact opnemen.", "Changed your mind? Tell them when they get in touch.")) }
        }
        @if sent.mail.is_some() {
            p { (ctx.t("U krijgt ook een bevestiging per e-mail.", "You will also get a confirmation by e-mail.")) }
        }
        p { a href=(format!("/aanbod/{}", encode(&v.offer.id))) { (ctx.t("Terug naar het aanbod", "Back to the offer")) } }
    };
    Ok(page(
        &ctx,
        ctx.t("Bedankt voor uw aanmelding", "Thank you for signing up"),
        body,
    )
    .into_response())
}
