//! The warm handover in a real browser: the GP fills the referral form with the person's
//! contact details (the route asks for its detail, the consent comes first), the receiving
//! organisation sees them on the referral's page, and every page stays accessible (axe).

use crate::auth::offer_by_title;
use entities::referral_contact;
use sea_orm::{EntityTrait, PaginatorTrait};
use tests::browser::Browser;
use tests::{TestApp, demo};

#[tokio::test]
async fn browser_gp_hands_over_contact_details_and_the_organisation_sees_them() {
    let app = TestApp::spawn().await;
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    let (offer, _) = offer_by_title(&app, "Wandelgroep Lent").await;
    let form = format!("/aanbod/{}/verwijzen", web::layout::encode(&offer));
    b.login(demo::GP).await;
    b.open(&form).await;
    b.assert_accessible("referral form with contact fields")
        .await;

    // Phone chosen, no number: asked for it beside the field, in Dutch.
    b.fill("#f-patientRef", "P-BROWSER-HAND").await;
    b.click("#f-consent-0").await;
    b.click("#f-reasonDomains input[value='beweging']").await;
    b.click("#f-contactPreference input[value='phone']").await;
    b.click_to_load("main form button[type=submit]").await;
    assert!(
        b.text("#f-contact-phone-error")
            .await
            .contains("Vul een telefoonnummer in")
    );
    b.assert_accessible("referral form asking for the phone number")
        .await;

    // The number and a name, but no consent to share them: refused, nothing stored.
    b.fill("#f-contact-name", "Ria de Vries").await;
    b.fill("#f-contact-phone", "06 12345678").await;
    b.fill("#f-contact-bestTimeToCall", "na 17:00").await;
    b.click_to_load("main form button[type=submit]").await;
    assert!(
        b.text("#f-contact-consent-error")
            .await
            .contains("toestemming")
    );
    assert_eq!(
        referral_contact::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );

    // With consent it is sent.
    b.click("#f-contact-consent-0").await;
    b.click_to_load("main form button[type=submit]").await;
    let path = b
        .wait_path("the referral", |p| p.starts_with("/verwijzingen/"))
        .await;
    let page = path.split('?').next().unwrap().to_string();
    assert!(b.text("#contactgegevens").await.contains("06 12345678"));
    b.find(&format!(
        "a[href^='/aanbod/{}/meegeven?verwijzing=']",
        web::layout::encode(&offer)
    ))
    .await;
    b.assert_accessible("referral page with contact details")
        .await;
    b.logout().await;

    // The organisation sees them on the referral's page.
    b.login(demo::EDITOR).await;
    b.open(&page).await;
    let shown = b.text("#contactgegevens").await;
    for s in ["Ria de Vries", "06 12345678", "na 17:00"] {
        assert!(shown.contains(s), "{s} in {shown}");
    }
    b.assert_accessible("referral page of the organisation")
        .await;
    b.close().await;
    app.stop().await;
}
