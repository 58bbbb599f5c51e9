//! Coverage against population in a real browser: the coverage page coloured by residents in
//! gaps (chosen in the form, submitted without script), its gap list by inhabitants with "Bron:
//! CBS", and the region comparison as an admin; axe-clean throughout.

use tests::browser::Browser;
use tests::{TestApp, demo};

#[tokio::test]
async fn browser_coverage_colours_by_population_and_the_region_compares() {
    let app = TestApp::spawn_with(|c| {
        c.node.region = vec!["GM0268".into(), "GM0361".into()];
    })
    .await;
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    b.open("/dekking?gebied=GM0268").await;
    b.click("#f-kleur option[value='gaten']").await;
    b.click_to_load("form.filters button[type=submit]").await;
    b.wait_path("the coverage coloured by gaps", |p| {
        p.contains("kleur=gaten")
    })
    .await;
    let legend = b.text("figure.map figcaption").await;
    assert!(legend.contains("Inwoners in gaten"), "{legend}");
    let summary = b.texts("p.summary").await.join(" ");
    assert!(summary.contains("inwoners in een gat"), "{summary}");
    assert!(b.text("p.source-note").await.contains("Bron: CBS"));
    // The gap list: most inhabitants first ("onbekend" after every number).
    let cells = b
        .texts("h2#gaten ~ div table tbody td:nth-of-type(2)")
        .await;
    let numbers: Vec<i64> = cells.iter().map_while(|c| c.parse().ok()).collect();
    assert!(numbers.windows(2).all(|w| w[0] >= w[1]), "{cells:?}");
    assert!(
        cells[numbers.len()..].iter().all(|c| c == "onbekend"),
        "{cells:?}"
    );
    b.assert_accessible("coverage coloured by residents in gaps")
        .await;

    // The region comparison: public columns for everyone, referrals for the admin.
    b.open("/dekking/regio").await;
    let table = b.text("table").await;
    assert!(
        table.contains("Nijmegen") && table.contains("Alkmaar"),
        "{table}"
    );
    assert!(table.contains("—"), "no referral figures for anonymous");
    assert!(
        b.text("body")
            .await
            .contains("alleen zichtbaar voor analisten")
    );
    b.assert_accessible("region comparison, anonymous").await;
    b.login(demo::ADMIN).await;
    b.open("/dekking/regio").await;
    assert!(
        !b.text("body")
            .await
            .contains("alleen zichtbaar voor analisten"),
        "the admin sees every gemeente's referral figures"
    );
    b.assert_accessible("region comparison, admin").await;
    b.close().await;
    app.stop().await;
}
