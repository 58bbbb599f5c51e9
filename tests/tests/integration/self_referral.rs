//! Self-referral: a person signs up for an offer on its public form "Aanmelden" (no account)
//! or with GraphQL `selfRefer`. It reaches the organisation as a referral with source SELF,
//! whose contact details only that organisation's editors open (audited); offers that require
//! a referral refuse; the abuse limits (hourly limit per address, honeypot, body size) hold;
//! consent is required and bad contact details are shown beside their field; the person's
//! confirmation mail arrives at a real SMTP server.

use crate::auth::offer_by_title;
use crate::web::client;
use api::domain::Actor;
use api::error::AppError;
use api::services::referral::contact::{self, action};
use entities::{ReferralSource, audit_log, referral, referral_contact, self_referral_mail};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tests::smtp::SmtpServer;
use tests::{TestApp, demo, error_code, error_field, eventually};

/// Allowed: intake `none`, of Bindkracht10 (whose editor is `demo::EDITOR`).
const OPEN_OFFER: &str = "Wandelgroep Lent";
/// Intake `referral_required`.
const REFERRAL_ONLY: &str = "Bewegen op recept Nijmegen-Noord";

const NAME: &str = "Ria";
const PHONE: &str = "06 12345678";
const EMAIL: &str = "ria.zelf@example.nl";
const MESSAGE: &str = "Ik ben het best bereikbaar na 17:00";

const SELF_REFER: &str = "mutation($input: SelfReferralInput!) { selfRefer(input: $input) \
    { referralId offerTitle organisationName confirmationMail } }";

/// A node that takes many sign-ups from the test's one address.
async fn node() -> TestApp {
    TestApp::spawn_with(|c| c.auth.self_referrals_per_hour = 1000).await
}

fn form_path(offer: &str) -> String {
    format!("/aanbod/{}/aanmelden", offer.replace(':', "%3A"))
}

/// A complete, valid sign-up, with `extra` fields added or overriding.
fn fields(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = [
        ("name", NAME),
        ("phone", PHONE),
        ("email", EMAIL),
        ("message", MESSAGE),
        ("consent", "1"),
        ("website", ""),
    ]
    .iter()
    .filter(|(k, _)| !extra.iter().any(|(e, _)| e == k))
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    f.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    f
}

/// Posts the form anonymously: status, `Location`, body.
async fn post(
    app: &TestApp,
    offer: &str,
    form: &[(String, String)],
) -> (StatusCode, Option<String>, String) {
    let res = client()
        .post(app.url(&form_path(offer)))
        .form(form)
        .send()
        .await
        .unwrap();
    let location = res
        .headers()
        .get(LOCATION)
        .map(|l| l.to_str().unwrap().to_string());
    (res.status(), location, res.text().await.unwrap())
}

async fn get(app: &TestApp, token: Option<&str>, path: &str) -> (StatusCode, String) {
    let mut req = client().get(app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn self_referrals(app: &TestApp) -> Vec<referral::Model> {
    referral::Entity::find()
        .filter(referral::Column::Source.eq(ReferralSource::SelfReferral))
        .all(&app.state.db)
        .await
        .unwrap()
}

async fn contacts(app: &TestApp) -> u64 {
    referral_contact::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap()
}

async fn actor(app: &TestApp, email: &str) -> Actor {
    let row = api::auth::users::find_by_email(&app.state.db, email)
        .await
        .unwrap()
        .unwrap();
    Actor::User(
        api::auth::users::find(&app.state.db, &row.id)
            .await
            .unwrap()
            .unwrap(),
    )
}

async fn audited(app: &TestApp, referral_id: &str, what: &str) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::ReferralId.eq(referral_id))
        .filter(audit_log::Column::Action.eq(what))
        .count(&app.state.db)
        .await
        .unwrap()
}

async fn organisation_of(app: &TestApp, offer: &str) -> String {
    entities::offer::Entity::find_by_id(offer)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .organisation_id
}

#[tokio::test]
async fn an_anonymous_sign_up_reaches_the_organisation_which_alone_reads_the_contact() {
    let app = node().await;
    let (offer, _) = offer_by_title(&app, OPEN_OFFER).await;

    // The offer page links to the form; the form works without an account.
    let (status, page) = get(
        &app,
        None,
        &format!("/aanbod/{}", offer.replace(':', "%3A")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&form_path(&offer)), "no sign-up link: {page}");
    let (status, page) = get(&app, None, &form_path(&offer)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    for field in [
        "name=\"name\"",
        "name=\"phone\"",
        "name=\"email\"",
        "name=\"consent\"",
    ] {
        assert!(page.contains(field), "{field} missing");
    }

    let (status, location, body) = post(&app, &offer, &fields(&[])).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let thanks = location.expect("a redirect to the confirmation");
    assert!(
        thanks.starts_with(&format!("{}/bedankt", form_path(&offer))),
        "{thanks}"
    );
    let (status, page) = get(&app, None, &thanks).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Wat gebeurt er nu?") && page.contains("Bindkracht10"),
        "{page}"
    );

    // Stored as a referral with source SELF: no practice, no referrer, the message as its note.
    let rows = self_referrals(&app).await;
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(r.offer_id, offer);
    assert_eq!(r.referrer_organisation_id, None);
    assert_eq!(r.referrer_user_id, None);
    assert_eq!(r.patient_ref, None);
    assert_eq!(r.note.as_deref(), Some(MESSAGE));
    assert_eq!(r.status, entities::ReferralStatus::Requested);
    let row = referral_contact::Entity::find_by_id(r.id.as_str())
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("contact details stored");
    assert_eq!(row.consent_by, "self");

    // The organisation's editor sees it in GraphQL with source SELF and on the web as
    // "Zelf aangemeld", and is notified as of any new referral.
    let editor = app.sign_in(demo::EDITOR).await;
    let body = app
        .gql_with(
            Some(&editor),
            "{ referrals(first: 20) { id source referrerOrganisationId } }",
            json!({}),
        )
        .await;
    let found: Vec<&Value> = body["data"]["referrals"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .filter(|x| x["id"] == r.id.as_str())
        .collect();
    assert_eq!(found.len(), 1, "{body}");
    assert_eq!(found[0]["source"], "SELF");
    assert_eq!(found[0]["referrerOrganisationId"], Value::Null);
    let (_, list) = get(&app, Some(&editor), "/verwijzingen").await;
    assert!(list.contains("Zelf aangemeld"), "{list}");
    let (_, detail) = get(
        &app,
        Some(&editor),
        &format!("/verwijzingen/{}", r.id.replace(':', "%3A")),
    )
    .await;
    assert!(detail.contains("Zelf aangemeld"), "{detail}");
    eventually(20, "the editor's notification", || async {
        let body = app
            .gql_with(
                Some(&editor),
                "{ notifications(first: 5) { items { kind referralId } } }",
                json!({}),
            )
            .await;
        body["data"]["notifications"]["items"]
            .as_array()
            .and_then(|items| {
                items
                    .iter()
                    .find(|i| i["referralId"] == r.id.as_str() && i["kind"] == "NEW_REFERRAL")
                    .cloned()
            })
    })
    .await;

    // The editor opens the contact details (audited); an editor of another organisation does
    // not (audited as refused).
    let receiving = organisation_of(&app, &offer).await;
    // The referral's page above showed them too (one audited read each).
    let reads_before = audited(&app, &r.id, action::READ).await;
    let details = contact::read(&app.state, &actor(&app, demo::EDITOR).await, r, &receiving)
        .await
        .unwrap()
        .expect("details");
    assert_eq!(details.name(), NAME);
    assert_eq!(details.phone().unwrap().as_str(), PHONE);
    assert_eq!(details.email().unwrap().as_str(), EMAIL);
    assert_eq!(audited(&app, &r.id, action::READ).await, reads_before + 1);
    let other_org = entities::organisation::Entity::find()
        .filter(entities::organisation::Column::Id.ne(receiving.clone()))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    app.editor_token("andere-redactie@example.nl", &other_org)
        .await;
    let outsider = actor(&app, "andere-redactie@example.nl").await;
    assert!(matches!(
        contact::read(&app.state, &outsider, r, &receiving).await,
        Err(AppError::Forbidden(_))
    ));
    assert_eq!(audited(&app, &r.id, action::READ_REFUSED).await, 1);
    let body = app
        .gql_with(
            Some(
                &app.editor_token("andere-redactie2@example.nl", &other_org)
                    .await,
            ),
            "query($id: ID!) { referral(id: $id) { id } }",
            json!({"id": r.id}),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");

    // The organisation moves it through the same lifecycle.
    let body = app
        .gql_with(
            Some(&editor),
            "mutation($id: ID!) { updateReferralStatus(id: $id, version: 1, status: RECEIVED) { status } }",
            json!({"id": r.id}),
        )
        .await;
    assert_eq!(
        body["data"]["updateReferralStatus"]["status"], "RECEIVED",
        "{body}"
    );
}

#[tokio::test]
async fn graphql_self_refer_works_anonymously_and_offers_requiring_a_referral_refuse() {
    let app = node().await;
    let (open, _) = offer_by_title(&app, OPEN_OFFER).await;
    let (closed, _) = offer_by_title(&app, REFERRAL_ONLY).await;
    let input = |offer: &str| {
        json!({"input": {"offerId": offer, "name": NAME, "phone": PHONE, "message": MESSAGE,
            "consent": true}})
    };
    let body = app.gql_with(None, SELF_REFER, input(&open)).await;
    let receipt = &body["data"]["selfRefer"];
    assert_eq!(receipt["offerTitle"], OPEN_OFFER, "{body}");
    assert_eq!(receipt["organisationName"], "Bindkracht10");
    assert_eq!(
        receipt["confirmationMail"], false,
        "no e-mail address, no mail"
    );
    assert_eq!(self_referrals(&app).await.len(), 1);

    // An offer that takes people only on referral: a clear error, no form, no link.
    let body = app.gql_with(None, SELF_REFER, input(&closed)).await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("only on referral"),
        "{body}"
    );
    let (status, _) = get(&app, None, &form_path(&closed)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = post(&app, &closed, &fields(&[])).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, page) = get(
        &app,
        None,
        &format!("/aanbod/{}", closed.replace(':', "%3A")),
    )
    .await;
    assert!(
        !page.contains("/aanmelden"),
        "a sign-up link on a referral-only offer"
    );

    // Consent and contact details are checked, naming the field.
    let mut no_consent = input(&open);
    no_consent["input"]["consent"] = json!(false);
    let body = app.gql_with(None, SELF_REFER, no_consent).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(error_field(&body), Some("input.consent"), "{body}");
    let mut bad_phone = input(&open);
    bad_phone["input"]["phone"] = json!("bel me");
    let body = app.gql_with(None, SELF_REFER, bad_phone).await;
    assert_eq!(error_field(&body), Some("input.phone"), "{body}");
    assert_eq!(self_referrals(&app).await.len(), 1, "nothing more stored");
    assert_eq!(contacts(&app).await, 1);
}

#[tokio::test]
async fn a_filled_honeypot_pretends_success_and_stores_nothing() {
    let app = node().await;
    let (offer, _) = offer_by_title(&app, OPEN_OFFER).await;
    let (status, location, _) =
        post(&app, &offer, &fields(&[("website", "http://spam.example")])).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.unwrap().contains("/aanmelden/bedankt"));
    assert!(
        self_referrals(&app).await.is_empty(),
        "a bot's sign-up was stored"
    );
    assert_eq!(contacts(&app).await, 0);
}

#[tokio::test]
async fn the_hourly_limit_answers_429_in_dutch_on_the_form_and_in_graphql() {
    let app = TestApp::spawn_with(|c| c.auth.self_referrals_per_hour = 2).await;
    let (offer, _) = offer_by_title(&app, OPEN_OFFER).await;
    for _ in 0..2 {
        let (status, _, body) = post(&app, &offer, &fields(&[])).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    }
    let (status, _, body) = post(&app, &offer, &fields(&[])).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(body.contains("Te veel pogingen"), "{body}");
    let body = app
        .gql_with(
            None,
            SELF_REFER,
            json!({"input": {"offerId": offer, "name": NAME, "phone": PHONE, "consent": true}}),
        )
        .await;
    assert_eq!(error_code(&body), Some("TOO_MANY_REQUESTS"), "{body}");
    assert_eq!(self_referrals(&app).await.len(), 2);
}

#[tokio::test]
async fn an_oversize_post_is_refused_before_it_is_read() {
    let app = node().await;
    let (offer, _) = offer_by_title(&app, OPEN_OFFER).await;
    let big = "a".repeat(20 * 1024);
    let (status, _, _) = post(&app, &offer, &fields(&[("message", &big)])).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(self_referrals(&app).await.is_empty());
}

#[tokio::test]
async fn consent_is_required_and_contact_errors_stand_beside_their_field() {
    let app = node().await;
    let (offer, _) = offer_by_title(&app, OPEN_OFFER).await;
    let no_consent: Vec<(String, String)> = fields(&[])
        .into_iter()
        .filter(|(k, _)| k != "consent")
        .collect();
    let (status, _, page) = post(&app, &offer, &no_consent).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"f-consent-error\""), "{page}");
    assert!(page.contains("geef eerst toestemming"), "{page}");
    assert!(
        page.contains(&format!("value=\"{NAME}\"")),
        "the form keeps what was typed"
    );

    let (status, _, page) =
        post(&app, &offer, &fields(&[("phone", "bel me"), ("email", "")])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"f-phone-error\""), "{page}");
    assert!(page.contains("is geen telefoonnummer"), "{page}");
    let (status, _, page) = post(&app, &offer, &fields(&[("phone", ""), ("email", "")])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("vul een telefoonnummer of een e-mailadres in"),
        "{page}"
    );
    let (status, _, page) = post(
        &app,
        &offer,
        &fields(&[("message", "Diagnose: depressie, ik gebruik medicatie")]),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"f-message-error\""), "{page}");
    assert!(self_referrals(&app).await.is_empty());
    assert_eq!(contacts(&app).await, 0);
}

#[tokio::test]
async fn the_person_gets_a_confirmation_mail_naming_the_offer_not_the_message() {
    if !SmtpServer::available() {
        return;
    }
    let smtp = SmtpServer::start(0).await;
    let app = TestApp::spawn_with(|c| {
        c.mail.smtp_url = Some(smtp.url());
        c.mail.poll_ms = 50;
        c.mail.max_backoff_secs = 1;
        c.auth.self_referrals_per_hour = 1000;
    })
    .await;
    let (offer, _) = offer_by_title(&app, OPEN_OFFER).await;
    let (status, location, _) = post(&app, &offer, &fields(&[])).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let thanks = location.unwrap();
    assert!(thanks.ends_with("?mail=1"), "{thanks}");
    let (_, page) = get(&app, None, &thanks).await;
    assert!(page.contains("bevestiging per e-mail"), "{page}");

    let mail = eventually(20, "the confirmation mail", || async {
        smtp.received_by(EMAIL).into_iter().next()
    })
    .await;
    let text = mail.text();
    assert!(
        text.contains(OPEN_OFFER) && text.contains("Bindkracht10"),
        "{text}"
    );
    assert!(
        !text.contains(MESSAGE) && !text.contains("17:00"),
        "the message in a mail: {text}"
    );
    assert!(!text.contains(PHONE), "{text}");
    // The editor hears of it too; the queued address is gone once sent.
    eventually(20, "the editor's mail", || async {
        smtp.received_by(demo::EDITOR).into_iter().next()
    })
    .await;
    eventually(20, "the sent confirmation removed", || async {
        let left = self_referral_mail::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap();
        (left == 0).then_some(())
    })
    .await;
}

#[tokio::test]
async fn referrals_made_before_the_migration_come_from_a_practice() {
    let app = node().await;
    let gp = app.sign_in(demo::GP).await;
    let (offer, _) = offer_by_title(&app, OPEN_OFFER).await;
    let body = app
        .gql_with(
            Some(&gp),
            "mutation($input: ReferralInput!) { sendReferral(input: $input) { id source } }",
            json!({"input": {"offerId": offer, "patientRef": "P-OLD-0001", "consent": true,
                "reasonDomains": ["BEWEGING"]}}),
        )
        .await;
    assert_eq!(body["data"]["sendReferral"]["source"], "PRACTICE", "{body}");
    let id = body["data"]["sendReferral"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Undo the self-referral migration (the column goes) and run it again on the kept row.
    app.migrate_down_to_before("m20261203_3000_add_self_referral")
        .await;
    app.migrate_up().await;
    let r = referral::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the referral is kept");
    assert_eq!(r.source, ReferralSource::Practice);
}
