//! Municipality insight in a real browser: the demo analyst of Nijmegen opens `/inzicht`, sees
//! the charts (SVG images with a title) beside their tables, groups the flows per wijk, and the
//! page is axe-clean.

use tests::browser::Browser;
use tests::{TestApp, demo};

#[tokio::test]
async fn browser_the_analyst_sees_charts_with_their_tables() {
    let app = TestApp::spawn().await;
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    b.login(demo::ANALYST).await;
    b.open("/inzicht").await;
    assert_eq!(b.all("svg.chart[role=img]").await.len(), 2);
    assert!(
        !b.text("svg.chart title").await.is_empty()
            || b.attr("svg.chart", "aria-labelledby").await.is_some()
    );
    assert!(!b.all("#stromen-tabel tbody tr").await.is_empty());
    assert!(!b.all("#groep-tabel tbody tr").await.is_empty());
    assert!(b.attr("a[href^='/inzicht.csv']", "href").await.is_some());
    b.assert_accessible("insight page per month").await;
    b.click("#f-indeling option[value='wijk']").await;
    b.click_to_load("form.filters button[type=submit]").await;
    b.wait_path("the flows per wijk", |p| p.contains("indeling=wijk"))
        .await;
    assert!(!b.all("#stromen-tabel tbody tr").await.is_empty());
    b.assert_accessible("insight page per wijk").await;
    b.close().await;
    app.stop().await;
}
