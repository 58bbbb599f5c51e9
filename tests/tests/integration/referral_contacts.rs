//! Contact details for a warm handover (`services::referral_contact`): sealed at rest (the raw
//! row holds neither name nor phone number), stored only with consent and only on a node with a
//! key, opened only by the two sides of the referral with every read audited, re-encrypted by
//! a key rotation, and a clear error (no panic) for a row whose key is gone.

use crate::auth::offer_by_title;
use api::domain::{Actor, ContactDetails};
use api::error::AppError;
use api::sealing::KeyRing;
use api::sealing::key_source::DEMO_KEY_FILE;
use api::services::referral::contact::{
    self as contact, ConsentBy, ContactConsent, Rotation, action,
};
use entities::{Role, audit_log, referral, referral_contact};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Statement};
use serde_json::json;
use tests::{TestApp, demo};

const SEND: &str = r#"mutation($input: ReferralInput!) { sendReferral(input: $input) { id } }"#;

/// The person's details; the test looks for these strings in the stored bytes.
const NAME: &str = "Ria de Vries";
const PHONE: &str = "0612345678";
const EMAIL: &str = "ria.devries@example.nl";

fn details() -> ContactDetails {
    ContactDetails::parse(
        NAME,
        Some(PHONE),
        Some(EMAIL),
        Some("doordeweeks na 17:00"),
        true,
    )
    .unwrap()
}

/// The signed-in actor of a user, as the node establishes it.
async fn actor(app: &TestApp, email: &str) -> Actor {
    let row = api::auth::users::find_by_email(&app.state.db, email)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("user {email}"));
    Actor::User(
        api::auth::users::find(&app.state.db, &row.id)
            .await
            .unwrap()
            .unwrap(),
    )
}

/// A referral from the demo GP to the Wandelgroep Lent (of Bindkracht10).
async fn send(app: &TestApp, patient: &str) -> referral::Model {
    let gp = app.sign_in(demo::GP).await;
    let (offer, _) = offer_by_title(app, "Wandelgroep Lent").await;
    let input = json!({"offerId": offer, "patientRef": patient, "consent": true,
        "reasonDomains": ["BEWEGING"]});
    let body = app.gql_with(Some(&gp), SEND, json!({"input": input})).await;
    let id = body["data"]["sendReferral"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"));
    referral::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

async fn receiver(app: &TestApp, r: &referral::Model) -> String {
    let o = entities::offer::Entity::find_by_id(r.offer_id.as_str())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    o.organisation_id
}

/// Stores the test details for `r` with the GP's consent.
async fn store(app: &TestApp, r: &referral::Model) -> Result<(), AppError> {
    let gp = actor(app, demo::GP).await;
    let consent = ContactConsent {
        given: true,
        by: ConsentBy::User(gp.user().unwrap().id.clone()),
    };
    contact::store(
        &app.state.db,
        &app.state.contact_keys,
        &gp,
        &r.id,
        &consent,
        &details(),
    )
    .await
}

async fn read(app: &TestApp, who: &Actor, r: &referral::Model) -> Result<ContactDetails, AppError> {
    let org = receiver(app, r).await;
    contact::read(&app.state, who, r, &org)
        .await
        .map(|d| d.expect("contact details stored"))
}

/// `(key_id, sealed)` of a referral, read with plain SQL.
async fn raw_row(app: &TestApp, referral_id: &str) -> (String, Vec<u8>) {
    let db = &app.state.db;
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "SELECT key_id, sealed FROM referral_contacts WHERE referral_id = $1"
        }
        _ => "SELECT key_id, sealed FROM referral_contacts WHERE referral_id = ?",
    };
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [referral_id.into()],
        ))
        .await
        .unwrap()
        .expect("a stored row");
    (
        row.try_get("", "key_id").unwrap(),
        row.try_get("", "sealed").unwrap(),
    )
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

async fn audited(app: &TestApp, referral_id: &str, what: &str) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::ReferralId.eq(referral_id))
        .filter(audit_log::Column::Action.eq(what))
        .count(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn contact_details_are_sealed_at_rest_and_open_only_for_the_two_sides() {
    let app = TestApp::spawn().await;
    assert!(
        app.dir.path().join(DEMO_KEY_FILE).exists(),
        "a demo node makes its key"
    );
    let r = send(&app, "P-CONTACT-01").await;
    store(&app, &r).await.unwrap();

    // The stored bytes hold none of the details, and name the key.
    let (key_id, sealed) = raw_row(&app, &r.id).await;
    assert_eq!(key_id, "demo");
    for secret in [NAME, "de Vries", PHONE, "12345678", EMAIL, "17:00"] {
        assert!(!contains(&sealed, secret), "'{secret}' in the stored bytes");
    }
    let row = referral_contact::Entity::find_by_id(r.id.as_str())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let gp = actor(&app, demo::GP).await;
    assert_eq!(row.consent_by, gp.user().unwrap().id);
    assert_eq!(
        row.shared_fields.0,
        ["name", "phone", "email", "bestTimeToCall", "naasteMayJoin"]
    );

    // Both sides open them; each read is audited.
    for who in [demo::GP, demo::POH, demo::EDITOR] {
        let got = read(&app, &actor(&app, who).await, &r).await.unwrap();
        assert_eq!(got, details(), "{who}");
        assert_eq!(got.phone().unwrap().as_str(), PHONE);
    }
    assert_eq!(audited(&app, &r.id, action::READ).await, 3);

    // Nobody else does, and each refusal is audited too.
    let other_org = entities::organisation::Entity::find()
        .filter(entities::organisation::Column::Id.ne(receiver(&app, &r).await))
        .filter(entities::organisation::Column::Id.ne(r.referrer_organisation_id.clone().unwrap()))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let member = |role| {
        vec![api::auth::Membership {
            role,
            organisation_id: Some(other_org.clone()),
            gemeente_code: None,
        }]
    };
    app.user_token("andere-huisarts@example.nl", member(Role::Practitioner))
        .await;
    app.editor_token("andere-redactie@example.nl", &other_org)
        .await;
    let mut outsiders = vec![
        actor(&app, "andere-huisarts@example.nl").await,
        actor(&app, "andere-redactie@example.nl").await,
        actor(&app, demo::ADMIN).await,
        actor(&app, demo::ANALYST).await,
        Actor::System,
        Actor::Peer("nhn".into()),
    ];
    let refused = outsiders.len() as u64 + 1;
    for who in outsiders.drain(..) {
        let e = read(&app, &who, &r).await.unwrap_err();
        assert_eq!(e.code(), "FORBIDDEN", "{who:?}");
        assert!(!e.message().contains(PHONE));
    }
    let e = read(&app, &Actor::Anonymous, &r).await.unwrap_err();
    assert_eq!(e.code(), "UNAUTHENTICATED");
    assert_eq!(audited(&app, &r.id, action::READ_REFUSED).await, refused);
    assert_eq!(audited(&app, &r.id, action::READ).await, 3);
    assert_eq!(audited(&app, &r.id, action::STORE).await, 1);

    // Nothing of the details reached the audit log.
    let logged = audit_log::Entity::find().all(&app.state.db).await.unwrap();
    assert!(
        !logged
            .iter()
            .any(|a| format!("{a:?}").contains(PHONE) || format!("{a:?}").contains(NAME))
    );
    app.stop().await;
}

#[tokio::test]
async fn consent_comes_first_and_a_sealed_row_does_not_open_for_another_referral() {
    let app = TestApp::spawn().await;
    let r = send(&app, "P-CONTACT-02").await;
    let gp = actor(&app, demo::GP).await;
    let no = ContactConsent {
        given: false,
        by: ConsentBy::User(gp.user().unwrap().id.clone()),
    };
    let e = contact::store(
        &app.state.db,
        &app.state.contact_keys,
        &gp,
        &r.id,
        &no,
        &details(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), "BAD_USER_INPUT");
    assert_eq!(e.field_name(), Some("contact.consent"));
    assert_eq!(
        referral_contact::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0,
        "nothing stored without consent"
    );

    // Copy the sealed bytes of one referral onto another: they are bound to their referral.
    store(&app, &r).await.unwrap();
    let other = send(&app, "P-CONTACT-03").await;
    let self_given = ContactDetails::parse("Jan", Some("0687654321"), None, None, false).unwrap();
    contact::store(
        &app.state.db,
        &app.state.contact_keys,
        &Actor::Anonymous,
        &other.id,
        &ContactConsent {
            given: true,
            by: ConsentBy::Person,
        },
        &self_given,
    )
    .await
    .unwrap();
    let stored = referral_contact::Entity::find_by_id(other.id.as_str())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.consent_by, "self");
    assert_eq!(stored.shared_fields.0, ["name", "phone", "naasteMayJoin"]);
    let (_, sealed) = raw_row(&app, &r.id).await;
    referral_contact::Entity::update_many()
        .col_expr(referral_contact::Column::Sealed, sealed.into())
        .filter(referral_contact::Column::ReferralId.eq(other.id.as_str()))
        .exec(&app.state.db)
        .await
        .unwrap();
    let e = read(&app, &gp, &other).await.unwrap_err();
    assert_eq!(e.code(), "CONFLICT");
    assert!(e.message().contains("cannot be opened"), "{}", e.message());
    assert_eq!(read(&app, &gp, &r).await.unwrap(), details());

    // Gone with the referral.
    assert!(contact::purge(&app.state.db, &r.id).await.unwrap());
    assert!(
        contact::read(&app.state, &gp, &r, &receiver(&app, &r).await)
            .await
            .unwrap()
            .is_none()
    );
    app.stop().await;
}

#[tokio::test]
async fn a_node_without_a_key_refuses_contact_details() {
    let app = TestApp::spawn().await;
    let r = send(&app, "P-CONTACT-04").await;
    store(&app, &r).await.unwrap();
    let (mut config, dir) = app.stop_keeping_data().await;
    // The same node, no longer a demo, without its key file and without configured keys.
    std::fs::remove_file(dir.path().join(DEMO_KEY_FILE)).unwrap();
    config.seed.demo = false;
    let app = TestApp::restart(config, dir).await;
    assert!(!contact::available(&app.state.contact_keys));
    let later = send(&app, "P-CONTACT-05").await;
    let e = store(&app, &later).await.unwrap_err();
    assert_eq!(e.code(), "BAD_USER_INPUT");
    assert_eq!(e.field_name(), Some("contact"));
    assert!(e.message().contains("no key"), "{}", e.message());
    assert!(
        referral_contact::Entity::find_by_id(later.id.as_str())
            .one(&app.state.db)
            .await
            .unwrap()
            .is_none()
    );
    // What it stored before is a clear error now, not a panic.
    let e = read(&app, &actor(&app, demo::EDITOR).await, &r)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "CONFLICT");
    assert!(e.message().contains("key 'demo'"), "{}", e.message());
    app.stop().await;
}

#[tokio::test]
async fn rotate_keys_re_encrypts_under_the_new_key_and_a_removed_key_is_a_clear_error() {
    let app = TestApp::spawn().await;
    let mut referrals = Vec::new();
    for i in 0..3 {
        let r = send(&app, &format!("P-ROTATE-0{i}")).await;
        store(&app, &r).await.unwrap();
        referrals.push(r);
    }
    let (mut config, dir) = app.stop_keeping_data().await;
    let demo_key = std::fs::read_to_string(dir.path().join(DEMO_KEY_FILE)).unwrap();
    let k2 = KeyRing::generate_entry("k2").unwrap();
    config.contact.keys = vec![demo_key.trim().to_string(), k2.clone()];
    config.contact.active_key = Some("k2".into());
    let app = TestApp::restart(config, dir).await;

    let before = raw_row(&app, &referrals[0].id).await.1;
    let mut batches = Vec::new();
    let report = contact::rotate_keys(&app.state.db, &app.state.contact_keys, 2, |so_far| {
        batches.push(so_far.resealed)
    })
    .await
    .unwrap();
    assert_eq!(report.resealed, 3);
    assert_eq!(batches, [2, 3], "two batches");
    let (key_id, after) = raw_row(&app, &referrals[0].id).await;
    assert_eq!(key_id, "k2");
    assert_ne!(after, before);
    assert_eq!(
        audited(&app, &referrals[0].id, action::RESEAL).await,
        1,
        "audited"
    );
    let again = contact::rotate_keys(&app.state.db, &app.state.contact_keys, 2, |_| {})
        .await
        .unwrap();
    assert_eq!(again, Rotation::default(), "nothing left to do");

    // The demo key can go now: everything opens with k2 alone.
    let (mut config, dir) = app.stop_keeping_data().await;
    config.contact.keys = vec![k2];
    config.contact.active_key = None;
    let app = TestApp::restart(config, dir).await;
    let editor = actor(&app, demo::EDITOR).await;
    for r in &referrals {
        assert_eq!(read(&app, &editor, r).await.unwrap(), details());
    }

    // Without k2, its rows are a clear error and a rotation skips and names them.
    let (mut config, dir) = app.stop_keeping_data().await;
    config.contact.keys = vec![KeyRing::generate_entry("k3").unwrap()];
    let app = TestApp::restart(config, dir).await;
    let e = read(&app, &editor, &referrals[1]).await.unwrap_err();
    assert_eq!(e.code(), "CONFLICT");
    assert!(e.message().contains("key 'k2'"), "{}", e.message());
    let report = contact::rotate_keys(&app.state.db, &app.state.contact_keys, 2, |_| {})
        .await
        .unwrap();
    assert_eq!(report.resealed, 0);
    assert_eq!(report.unopenable, 3);
    assert_eq!(report.missing_keys.into_iter().collect::<Vec<_>>(), ["k2"]);
    app.stop().await;
}

#[tokio::test]
async fn contact_details_are_purged_with_the_referral_at_retention() {
    let app = TestApp::spawn().await;
    let r = send(&app, "P-PURGE-01").await;
    store(&app, &r).await.unwrap();
    let gp = app.sign_in(demo::GP).await;
    let cancelled = app
        .gql_with(
            Some(&gp),
            "mutation($id: ID!, $v: Int!) { updateReferralStatus(id: $id, version: $v, status: CANCELLED) { status } }",
            json!({"id": r.id, "v": r.version}),
        )
        .await;
    assert_eq!(
        cancelled["data"]["updateReferralStatus"]["status"], "CANCELLED",
        "{cancelled}"
    );
    let later = chrono::Utc::now()
        + chrono::Duration::days(app.state.config.auth.referral_retention_days + 1);
    api::app::purge_referrals(&app.state, later).await.unwrap();
    let row = referral_contact::Entity::find_by_id(r.id.as_str())
        .one(&app.state.db)
        .await
        .unwrap();
    assert!(
        row.is_none(),
        "the sealed contact details are gone with the rest"
    );
}

// --- Warm handover through GraphQL and the web form ---------------------------------------

const SEND_WITH: &str =
    r#"mutation($input: ReferralInput!) { sendReferral(input: $input) { id } }"#;
const CONTACT: &str = r#"query($id: ID!) { referral(id: $id) { id contact {
  name phone email bestTimeToCall naasteMayJoin } } }"#;

/// A `sendReferral` input to the Wandelgroep Lent with `contact`.
async fn input_with(app: &TestApp, patient: &str, contact: serde_json::Value) -> serde_json::Value {
    let (offer, _) = offer_by_title(app, "Wandelgroep Lent").await;
    json!({"offerId": offer, "patientRef": patient, "consent": true,
        "contactPreference": "PHONE", "reasonDomains": ["BEWEGING"], "contact": contact})
}

fn contact_input(consent: Option<bool>) -> serde_json::Value {
    let mut c = json!({"name": NAME, "phone": PHONE, "email": EMAIL,
        "bestTimeToCall": "doordeweeks na 17:00", "naasteMayJoin": true});
    if let Some(given) = consent {
        c["consent"] = json!(given);
    }
    c
}

async fn referrals_of(app: &TestApp, patient: &str) -> u64 {
    referral::Entity::find()
        .filter(referral::Column::PatientRef.eq(patient))
        .count(&app.state.db)
        .await
        .unwrap()
}

/// A user editing another organisation than the offer's.
async fn other_editor(app: &TestApp, r: &referral::Model) -> String {
    let receiving = receiver(app, r).await;
    let other = entities::organisation::Entity::find()
        .filter(entities::organisation::Column::Id.ne(receiving.as_str()))
        .filter(entities::organisation::Column::Kind.ne(entities::OrganisationKind::GpPractice))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("another organisation");
    app.editor_token("redactie@elders.example", &other.id).await
}

#[tokio::test]
async fn contact_details_sent_through_graphql_are_read_by_the_two_sides_only_and_audited() {
    let app = TestApp::spawn().await;
    let gp = app.sign_in(demo::GP).await;
    let input = input_with(&app, "P-HAND-0001", contact_input(Some(true))).await;
    let body = app
        .gql_with(Some(&gp), SEND_WITH, json!({"input": input}))
        .await;
    let id = body["data"]["sendReferral"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string();
    assert_eq!(audited(&app, &id, action::STORE).await, 1);
    let stored = referral_contact::Entity::find_by_id(id.as_str())
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("stored with the referral");
    let gp_actor = actor(&app, demo::GP).await;
    assert_eq!(stored.consent_by, gp_actor.user().unwrap().id);
    let (_, sealed) = raw_row(&app, &id).await;
    for secret in [NAME, PHONE, EMAIL] {
        assert!(!contains(&sealed, secret), "{secret} readable at rest");
    }

    // The referring practice and the receiving organisation read them; each read is audited.
    let expected = json!({"name": NAME, "phone": PHONE, "email": EMAIL,
        "bestTimeToCall": "doordeweeks na 17:00", "naasteMayJoin": true});
    let editor = app.sign_in(demo::EDITOR).await;
    for (n, token) in [(1, &gp), (2, &editor)] {
        let body = app.gql_with(Some(token), CONTACT, json!({"id": id})).await;
        assert_eq!(body["data"]["referral"]["contact"], expected, "{body}");
        assert_eq!(audited(&app, &id, action::READ).await, n);
    }

    // Another organisation's editor and an anonymous visitor get neither referral nor details.
    let r = referral::Entity::find_by_id(id.as_str())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let other = other_editor(&app, &r).await;
    for (token, code) in [
        (Some(other.as_str()), "NOT_FOUND"),
        (None, "UNAUTHENTICATED"),
    ] {
        let body = app.gql_with(token, CONTACT, json!({"id": id})).await;
        assert_eq!(tests::error_code(&body), Some(code), "{body}");
        let text = body.to_string();
        for secret in [NAME, PHONE, EMAIL] {
            assert!(!text.contains(secret), "{secret} shown: {text}");
        }
    }
    // Nor does anyone else through the service's one door; the refusal is audited.
    let refused_before = audited(&app, &id, action::READ_REFUSED).await;
    let admin = actor(&app, demo::ADMIN).await;
    let e = read(&app, &admin, &r).await.unwrap_err();
    assert_eq!(e.code(), "FORBIDDEN");
    assert_eq!(
        audited(&app, &id, action::READ_REFUSED).await,
        refused_before + 1
    );
    assert_eq!(audited(&app, &id, action::READ).await, 2);
    app.stop().await;
}

#[tokio::test]
async fn without_consent_or_with_a_bad_detail_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let gp = app.sign_in(demo::GP).await;
    let cases = [
        (contact_input(None), "input.contact.consent"),
        (contact_input(Some(false)), "input.contact.consent"),
        (
            json!({"name": NAME, "phone": "bel 06", "consent": true}),
            "input.contact.phone",
        ),
        (
            json!({"name": NAME, "email": "ria@", "consent": true}),
            "input.contact.email",
        ),
        (
            json!({"name": NAME, "consent": true}),
            "input.contact.phone",
        ),
        (
            json!({"name": " ", "phone": PHONE, "consent": true}),
            "input.contact.name",
        ),
    ];
    for (i, (contact, field)) in cases.into_iter().enumerate() {
        let patient = format!("P-NOCONSENT-{i}");
        let input = input_with(&app, &patient, contact).await;
        let body = app
            .gql_with(Some(&gp), SEND_WITH, json!({"input": input}))
            .await;
        assert_eq!(tests::error_code(&body), Some("BAD_USER_INPUT"), "{body}");
        assert_eq!(tests::error_field(&body), Some(field), "{body}");
        // What was typed is not repeated (errors may be logged).
        assert!(!body.to_string().contains("bel 06"), "{body}");
        assert_eq!(
            referrals_of(&app, &patient).await,
            0,
            "no referral without consent"
        );
    }
    assert_eq!(
        referral_contact::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0,
        "no contact details without consent"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_node_without_a_key_refuses_contact_details_sent_through_graphql() {
    let app = TestApp::spawn().await;
    let (mut config, dir) = app.stop_keeping_data().await;
    std::fs::remove_file(dir.path().join(DEMO_KEY_FILE)).unwrap();
    config.seed.demo = false;
    let app = TestApp::restart(config, dir).await;
    let gp = app.sign_in(demo::GP).await;
    let input = input_with(&app, "P-NOKEY-0001", contact_input(Some(true))).await;
    let body = app
        .gql_with(Some(&gp), SEND_WITH, json!({"input": input}))
        .await;
    assert_eq!(tests::error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(tests::error_field(&body), Some("input.contact"), "{body}");
    assert!(body.to_string().contains("no key"), "{body}");
    assert_eq!(referrals_of(&app, "P-NOKEY-0001").await, 0);
    app.stop().await;
}

// --- The web form ---------------------------------------------------------------------------

fn web_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn web_post(
    app: &TestApp,
    token: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (reqwest::StatusCode, Option<String>, String) {
    let res = web_client()
        .post(app.url(path))
        .header("cookie", format!("wijk_session={token}"))
        .form(form)
        .send()
        .await
        .unwrap();
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    (res.status(), location, res.text().await.unwrap())
}

async fn web_get(app: &TestApp, token: &str, path: &str) -> (reqwest::StatusCode, String) {
    let res = web_client()
        .get(app.url(path))
        .header("cookie", format!("wijk_session={token}"))
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

fn error_of(html: &str, field_id: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(&format!("#{field_id}-error")).unwrap();
    doc.select(&sel).flat_map(|e| e.text()).collect()
}

#[tokio::test]
async fn the_web_form_asks_for_the_route_and_its_detail_and_the_two_sides_see_the_details() {
    let app = TestApp::spawn().await;
    let gp = app.sign_in(demo::GP).await;
    let (offer, _) = offer_by_title(&app, "Wandelgroep Lent").await;
    let path = format!("/aanbod/{offer}/verwijzen");
    let base = [
        ("patientRef", "P-WEB-HAND-1"),
        ("consent", "1"),
        ("reasonDomains", "beweging"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut f = base.to_vec();
        f.extend_from_slice(extra);
        f
    };
    // Each problem stands beside its field, in Dutch, and nothing is sent.
    /// Extra form fields, the field whose error shows, and what it says.
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: [Case; 6] = [
        (
            &[],
            "f-contactPreference",
            "Kies hoe de persoon benaderd wil worden",
        ),
        (
            &[("contactPreference", "phone")],
            "f-contact-phone",
            "Vul een telefoonnummer in",
        ),
        (
            &[("contactPreference", "email")],
            "f-contact-email",
            "Vul een e-mailadres in",
        ),
        (
            &[
                ("contactPreference", "phone"),
                ("contact.name", NAME),
                ("contact.phone", "bel me"),
            ],
            "f-contact-phone",
            "Dit is geen telefoonnummer",
        ),
        (
            &[("contactPreference", "phone"), ("contact.phone", PHONE)],
            "f-contact-name",
            "Vul de naam in",
        ),
        (
            &[
                ("contactPreference", "phone"),
                ("contact.name", NAME),
                ("contact.phone", PHONE),
            ],
            "f-contact-consent",
            "Vraag de persoon eerst toestemming",
        ),
    ];
    for (extra, field, dutch) in cases {
        let (status, _, html) = web_post(&app, &gp, &path, &with(extra)).await;
        assert_eq!(
            status,
            reqwest::StatusCode::UNPROCESSABLE_ENTITY,
            "{extra:?}"
        );
        let error = error_of(&html, field);
        assert!(error.contains(dutch), "{extra:?}: {error:?}");
        assert_eq!(referrals_of(&app, "P-WEB-HAND-1").await, 0);
    }
    assert_eq!(
        referral_contact::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
    // Letter or via the practice need no detail, and store none.
    let (status, _, body) = web_post(
        &app,
        &gp,
        &path,
        &with(&[("contactPreference", "via_practice")]),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::SEE_OTHER, "{body}");
    assert_eq!(
        referral_contact::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );

    // With the number, a name and the consent: sent, with the details.
    let full = [
        ("patientRef", "P-WEB-HAND-2"),
        ("consent", "1"),
        ("reasonDomains", "beweging"),
        ("contactPreference", "phone"),
        ("contact.name", NAME),
        ("contact.phone", PHONE),
        ("contact.bestTimeToCall", "na 17:00"),
        ("contact.naasteMayJoin", "1"),
        ("contact.consent", "1"),
    ];
    let (status, location, body) = web_post(&app, &gp, &path, &full).await;
    assert_eq!(status, reqwest::StatusCode::SEE_OTHER, "{body}");
    let page = location.unwrap().split('?').next().unwrap().to_string();
    let id = page
        .trim_start_matches("/verwijzingen/")
        .replace("%3A", ":");
    assert_eq!(audited(&app, &id, action::STORE).await, 1);

    // The two sides see them on the referral page (each view audited); the GP gets the link
    // to the patient's page.
    let editor = app.sign_in(demo::EDITOR).await;
    for (n, token) in [(1, &gp), (2, &editor)] {
        let (status, html) = web_get(&app, token, &page).await;
        assert_eq!(status, reqwest::StatusCode::OK);
        assert!(
            html.contains("Contactgegevens (warme overdracht)"),
            "{html}"
        );
        assert!(html.contains(NAME) && html.contains(PHONE) && html.contains("na 17:00"));
        assert_eq!(audited(&app, &id, action::READ).await, n);
        let print = format!(
            "/aanbod/{}/meegeven?verwijzing=",
            web::layout::encode(&offer)
        );
        assert_eq!(
            html.contains(&print),
            token == &gp,
            "print link for the GP only"
        );
    }
    // Another organisation's editor sees no page and no details.
    let r = referral::Entity::find_by_id(id.as_str())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let other = other_editor(&app, &r).await;
    let (status, html) = web_get(&app, &other, &page).await;
    assert_ne!(status, reqwest::StatusCode::OK);
    assert!(!html.contains(NAME) && !html.contains(PHONE));
    assert_eq!(audited(&app, &id, action::READ).await, 2);
    app.stop().await;
}
