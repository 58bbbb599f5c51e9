//! The referral form in a real browser while the note is typed: the warning appears beside the
//! note as soon as it names a medicine, disappears for a practical note, and the form with the
//! warning stays accessible (axe). Skipped without chromedriver, unless `CI` is set.

use crate::auth::offer_by_title;
use tests::browser::Browser;
use tests::{TestApp, demo, eventually};

/// The warning's text, polled until `ok` holds (the check runs after a short pause in typing).
async fn warning_until(b: &Browser, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let ok = &ok;
    eventually(10, what, || async move {
        let text = b
            .js("return document.getElementById('f-note-warning').textContent")
            .await
            .as_str()
            .unwrap_or_default()
            .to_string();
        ok(&text).then_some(text)
    })
    .await
}

#[tokio::test]
async fn the_note_warns_while_typing() {
    let app = TestApp::spawn().await;
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    b.login(demo::GP).await;
    let (offer, _) = offer_by_title(&app, "Wandelgroep Lent").await;
    b.open(&format!(
        "/aanbod/{}/verwijzen",
        web::layout::encode(&offer)
    ))
    .await;
    b.assert_accessible("referral form").await;
    let checked = b.all("input[name=reasonDomains]:checked").await;
    assert!(checked.is_empty(), "a life domain is ticked in advance");

    b.fill("#f-note", "Takes oxazepam, has depression").await;
    let warning = warning_until(&b, "a warning for a medicine", |t| !t.is_empty()).await;
    assert!(warning.contains("medicijn"), "{warning}");
    b.assert_accessible("referral form with the note warning")
        .await;

    b.fill("#f-note", "Graag bellen na 17 uur").await;
    warning_until(&b, "no warning for a practical note", str::is_empty).await;
    b.close().await;
}
