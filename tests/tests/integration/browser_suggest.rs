//! The search box's suggestions in a real browser: typing a prefix shows a listbox of
//! suggestions (ARIA combobox), arrow keys move through it, Escape closes it, choosing one
//! searches; axe clean with the list open. Skipped (with a message) without chromedriver,
//! unless `CI` is set.

use fantoccini::key::Key;
use tests::TestApp;
use tests::browser::Browser;

/// The visible options' labels (without their kind).
const OPTIONS: &str = r#"const l = document.getElementById('q-suggesties');
return l && !l.hidden ? [...l.querySelectorAll('[role=option]')].map(o => o.firstChild.textContent) : [];"#;

async fn options(b: &Browser, what: &str, ok: impl Fn(&[String]) -> bool) -> Vec<String> {
    let ok = &ok;
    tests::eventually(10, what, || async move {
        let v = b.js(OPTIONS).await;
        let labels: Vec<String> = v
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect();
        ok(&labels).then_some(labels)
    })
    .await
}

#[tokio::test]
async fn browser_search_box_suggests_and_searches() {
    let app = TestApp::spawn().await;
    app.state.search.sync_now().await.unwrap();
    // A demo offer title to type (whatever the demo data holds at the time).
    let title = app
        .state
        .search
        .suggest("wandel", 1)
        .await
        .unwrap()
        .into_iter()
        .next()
        .expect("a suggestion for 'wandel' in the demo data")
        .label;
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    b.open("/").await;
    assert_eq!(b.attr("#f-q", "role").await.as_deref(), Some("combobox"));
    assert_eq!(
        b.attr("#f-q", "aria-expanded").await.as_deref(),
        Some("false")
    );
    b.fill("#f-q", "wandel").await;
    let shown = options(&b, "suggestions for 'wandel'", |l| !l.is_empty()).await;
    assert!(shown.contains(&title), "{shown:?}");
    assert_eq!(
        b.attr("#f-q", "aria-expanded").await.as_deref(),
        Some("true")
    );
    b.assert_accessible("search box with suggestions").await;

    // Arrow down marks the first option; Escape closes the list.
    b.press(Key::Down).await;
    let active = b.attr("#f-q", "aria-activedescendant").await;
    assert_eq!(active.as_deref(), Some("q-suggestie-0"));
    assert_eq!(
        b.attr("#q-suggestie-0", "aria-selected").await.as_deref(),
        Some("true")
    );
    b.press(Key::Escape).await;
    options(&b, "the list closed", |l| l.is_empty()).await;
    assert_eq!(
        b.attr("#f-q", "aria-expanded").await.as_deref(),
        Some("false")
    );

    // Typing on opens it again; choosing the offer's title searches for it.
    b.find("#f-q").await.send_keys("g").await.unwrap();
    let shown = options(&b, "suggestions for 'wandelg'", |l| !l.is_empty()).await;
    let at = shown.iter().position(|l| *l == title).unwrap_or(0);
    let chosen = shown[at].clone();
    b.js("window.wijkOldPage = true; return null").await;
    b.click(&format!("#q-suggestie-{at}")).await;
    let path = b
        .wait_path("the search for the chosen title", |p| p.contains("q="))
        .await;
    assert!(path.contains("q="), "{path}");
    let first = b.text("ol.results > li h3").await;
    assert_eq!(first, chosen, "the chosen offer comes first");
    b.assert_accessible("results after choosing a suggestion")
        .await;
    b.close().await;
    app.stop().await;
}
