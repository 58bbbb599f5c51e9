//! The self-referral form "Aanmelden" in a real browser (desktop): from the offer page, without
//! an account, errors beside their field, then the confirmation; each page axe-clean. Skipped
//! without chromedriver unless `CI` is set.

use crate::auth::offer_by_title;
use entities::{ReferralSource, referral};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tests::TestApp;
use tests::browser::Browser;

#[tokio::test]
async fn browser_a_person_signs_up_for_an_offer_without_an_account() {
    let app = TestApp::spawn_with(|c| c.auth.self_referrals_per_hour = 1000).await;
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    let (offer, _) = offer_by_title(&app, "Wandelgroep Lent").await;
    let encoded = web::layout::encode(&offer);
    b.open(&format!("/aanbod/{encoded}")).await;
    b.click_to_load(".self-referral-link a").await;
    b.wait_path("the form", |p| p.ends_with("/aanmelden")).await;
    b.assert_accessible("self-referral form").await;

    // A bad phone number, then no consent: each error beside its field.
    b.fill("#f-name", "Ria").await;
    b.fill("#f-phone", "bel me").await;
    b.click_to_load("form.self-referral button[type=submit]")
        .await;
    let error = b.text("#f-phone-error").await;
    assert!(error.contains("is geen telefoonnummer"), "{error}");
    b.assert_accessible("self-referral form with errors").await;
    b.fill("#f-phone", "06 12345678").await;
    b.fill("#f-message", "Graag bellen na 17:00").await;
    b.click_to_load("form.self-referral button[type=submit]")
        .await;
    assert!(b.text("#f-consent-error").await.contains("toestemming"));

    b.click("#f-consent input[value='1']").await;
    b.click_to_load("form.self-referral button[type=submit]")
        .await;
    b.wait_path("the confirmation", |p| p.contains("/aanmelden/bedankt"))
        .await;
    assert!(b.text("h1").await.contains("Bedankt"));
    b.assert_accessible("self-referral confirmation").await;
    b.close().await;

    let rows = referral::Entity::find()
        .filter(referral::Column::Source.eq(ReferralSource::SelfReferral))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].offer_id, offer);
}
