//! Networks and funding in a real browser: the list of networks and one network's page, the
//! search page filtered on a network, and the funding on an offer page; each page axe-clean.
//! Skipped without chromedriver unless `CI` is set.

use crate::auth::offer_by_title;
use serde_json::json;
use tests::TestApp;
use tests::browser::Browser;

#[tokio::test]
async fn browser_a_gp_finds_a_network_its_offers_and_their_funding() {
    let app = TestApp::spawn().await;
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    let networks = app.gql_ok("{ networks { id name } }", json!({})).await;
    let nmg = networks["networks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"].as_str().unwrap().contains("Mentale Gezondheid"))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    b.open("/netwerken").await;
    b.assert_accessible("network list").await;
    b.open(&format!("/netwerken/{}", web::layout::encode(&nmg)))
        .await;
    assert!(b.text("ul.members").await.contains("Bindkracht10"));
    b.assert_accessible("network page").await;

    b.open(&format!("/?netwerk={}", web::layout::encode(&nmg)))
        .await;
    assert!(b.text("ol.results").await.contains("Herstelcirkel"));
    b.assert_accessible("search filtered on a network").await;

    let (offer, _) = offer_by_title(&app, "Herstelcirkel Psychische Kracht Lent").await;
    b.open(&format!("/aanbod/{}", web::layout::encode(&offer)))
        .await;
    let funding = b.text("dd.funding").await;
    assert!(funding.contains("Gemeente Nijmegen"), "{funding}");
    assert!(funding.contains("zorgverzekeraar"), "{funding}");
    b.assert_accessible("offer page with funding").await;
    b.close().await;
}
