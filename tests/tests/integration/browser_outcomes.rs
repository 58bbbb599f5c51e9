//! Outcomes in a real browser: the organisation closes a referral with an outcome and a request
//! to contact the patient, the GP sees both, the GP's cancel is confirmed by the page's script,
//! and the practice's figures page; axe-clean throughout.

use serde_json::{Value, json};
use tests::browser::Browser;
use tests::{TestApp, demo};

const SEND: &str = r#"mutation($input: ReferralInput!) {
  sendReferral(input: $input) { id version } }"#;
const MOVE: &str = r#"mutation($id: ID!, $v: Int!, $s: ReferralStatus!) {
  updateReferralStatus(id: $id, version: $v, status: $s) { id version } }"#;
const ONE: &str = r#"query($id: ID!) { referral(id: $id) { status contactPatientRequested
  contactPatientNote outcome { outcome stopReason } } }"#;

async fn sent(app: &TestApp, gp: &str, patient: &str) -> Value {
    let (offer, _) = crate::auth::offer_by_title(app, "Wandelgroep Lent").await;
    let input = json!({"offerId": offer, "patientRef": patient, "consent": true,
        "contactPreference": "PHONE", "reasonDomains": ["BEWEGING"]});
    let body = app.gql_with(Some(gp), SEND, json!({"input": input})).await;
    body["data"]["sendReferral"].clone()
}

#[tokio::test]
async fn browser_the_organisation_closes_with_an_outcome_and_the_gp_sees_it() {
    let app = TestApp::spawn().await;
    let gp = app.sign_in(demo::GP).await;
    let editor = app.sign_in(demo::EDITOR).await;
    let mut r = sent(&app, &gp, "P-BR-0001").await;
    for to in ["RECEIVED", "ACCEPTED", "IN_PROGRESS"] {
        let body = app
            .gql_with(
                Some(&editor),
                MOVE,
                json!({"id": r["id"], "v": r["version"], "s": to}),
            )
            .await;
        r = body["data"]["updateReferralStatus"].clone();
    }
    let id = r["id"].as_str().unwrap().to_string();
    let path = format!("/verwijzingen/{}", web::layout::encode(&id));
    let Some(b) = Browser::start(&app).await else {
        return;
    };

    // The organisation closes: stopped, could not be reached, back to the GP.
    b.login(demo::EDITOR).await;
    b.open(&path).await;
    b.assert_accessible("referral page with the closing form")
        .await;
    b.click("#f-outcome input[value='stopped']").await;
    b.click("#f-stopReason option[value='unreachable']").await;
    b.click("#contactPatient").await;
    b.fill("#f-contactNote", "Graag zelf even bellen").await;
    b.click_to_load("form input[name=to][value=close] ~ .actions button")
        .await;
    b.wait_path("the updated referral", |p| p.contains("bijgewerkt=1"))
        .await;
    let now = app.gql_with(Some(&gp), ONE, json!({"id": id})).await["data"]["referral"].clone();
    assert_eq!(now["status"], "CANCELLED", "{now}");
    assert_eq!(now["outcome"]["outcome"], "STOPPED");
    assert_eq!(now["outcome"]["stopReason"], "UNREACHABLE");
    assert_eq!(now["contactPatientRequested"], true);
    assert_eq!(now["contactPatientNote"], "Graag zelf even bellen");
    b.logout().await;

    // The GP sees the outcome and the request.
    b.login(demo::GP).await;
    b.open(&path).await;
    let outcome = b.text("#outcome").await;
    assert!(
        outcome.contains("Gestopt") && outcome.contains("Niet bereikbaar"),
        "{outcome}"
    );
    assert!(
        b.text("#contact-patient")
            .await
            .contains("Graag zelf even bellen")
    );
    b.assert_accessible("the GP's referral page with an outcome")
        .await;

    // The GP cancels another referral; the page's script asks (answered yes here) and the
    // server then needs no confirmation page.
    let other = sent(&app, &gp, "P-BR-0002").await;
    let other_id = other["id"].as_str().unwrap().to_string();
    b.open(&format!("/verwijzingen/{}", web::layout::encode(&other_id)))
        .await;
    assert_eq!(
        b.texts("button.warning").await.len(),
        0,
        "cancel is not red"
    );
    b.js("window.confirm = () => true; return null").await;
    b.click_to_load("button[name=to][value=cancelled]").await;
    b.wait_path("the cancelled referral", |p| p.contains("bijgewerkt=1"))
        .await;
    let now =
        app.gql_with(Some(&gp), ONE, json!({"id": other_id})).await["data"]["referral"].clone();
    assert_eq!(now["status"], "CANCELLED");

    // The practice's figures.
    b.open("/verwijzingen").await;
    b.click_to_load("a[href='/verwijzingen/cijfers']").await;
    assert_eq!(
        b.texts("#figures tbody tr:first-child td").await[0],
        "2",
        "two referrals sent"
    );
    b.assert_accessible("the practice's referral figures").await;
    b.close().await;
}
