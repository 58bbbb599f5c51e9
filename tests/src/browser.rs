//! A real browser for the web UI tests: Debian's Chromium, headless, driven through
//! chromedriver (WebDriver) with fantoccini, on a desktop window or a phone viewport (390x844),
//! and an axe-core check of WCAG 2.1 A/AA plus the WCAG 2.2 AA target size (24 px) on any page.
//!
//! Needs `/usr/bin/chromedriver` (Debian `chromium-driver`); axe-core (`tests/browser`) is
//! installed with `npm ci` on first use when missing. Without chromedriver a test is skipped with a message,
//! unless `CI` is set: then it fails.

use crate::TestApp;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The chromedriver binary.
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A browser session against one node. Chromedriver runs in its own process group with
/// Chromium under it; dropping the browser (also when a test panics) kills that group.
pub struct Browser {
    pub client: Client,
    base: String,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(pid) = self.driver.id() {
            // The group id is chromedriver's pid (`process_group(0)`).
            std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stderr(Stdio::null())
                .status()
                .ok();
        }
    }
}

/// One axe-core violation.
#[derive(Debug, Clone)]
pub struct Violation {
    pub id: String,
    pub impact: String,
    pub help: String,
    pub targets: Vec<String>,
}

fn axe_source() -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("browser");
    crate::npm::ensure_installed(&dir, "axe-core");
    let path = dir.join("node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} missing ({e}); run `npm ci` in tests/browser",
            path.display()
        )
    })
}

/// The screen a browser session shows pages on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// A desktop window, 1280x1000.
    Desktop,
    /// A phone (390x844 CSS pixels, touch, device pixel ratio 3), as an iPhone 12-15.
    Phone,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium for `app` on a desktop window; `None` (skip)
    /// when chromedriver is not installed and `CI` is not set.
    pub async fn start(app: &TestApp) -> Option<Self> {
        Self::start_on(app, Screen::Desktop).await
    }

    /// As [`Browser::start`], on a phone viewport of 390x844.
    pub async fn start_phone(app: &TestApp) -> Option<Self> {
        Self::start_on(app, Screen::Phone).await
    }

    /// As [`Browser::start`], on `screen`.
    pub async fn start_on(app: &TestApp, screen: Screen) -> Option<Self> {
        if !std::path::Path::new(CHROMEDRIVER).exists() {
            assert!(
                std::env::var_os("CI").is_none(),
                "{CHROMEDRIVER} is missing; install chromium and chromium-driver"
            );
            eprintln!(
                "SKIPPED: browser test needs {CHROMEDRIVER} (apt-get install chromium chromium-driver)"
            );
            return None;
        }
        // The profile, and every scratch directory Chromium makes, go in one temporary
        // directory that is removed with the browser.
        let profile = tempfile::tempdir().unwrap();
        // Port 0: chromedriver binds a port itself and says which once it is ready.
        let mut driver = Command::new(CHROMEDRIVER)
            .arg("--port=0")
            .env("TMPDIR", profile.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .expect("start chromedriver");
        let mut lines = BufReader::new(driver.stdout.take().unwrap()).lines();
        let port: u16 = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(rest) = line.split("started successfully on port ").nth(1) {
                    return rest.trim_end_matches('.').parse().expect("a port");
                }
            }
            panic!("chromedriver exited before it was ready");
        })
        .await
        .expect("chromedriver ready within 30 s");
        // Keep draining its output so it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let url = format!("http://127.0.0.1:{port}");
        let mut caps = serde_json::Map::new();
        let window = match screen {
            Screen::Desktop => "--window-size=1280,1000",
            Screen::Phone => "--window-size=390,844",
        };
        let mut options = json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", window,
                format!("--user-data-dir={}", profile.path().display()),
            ]
        });
        if screen == Screen::Phone {
            // A phone's layout viewport: the page's `<meta name=viewport>` applies, as on a phone.
            options["mobileEmulation"] = json!({
                "deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 3.0, "touch": true}
            });
        }
        caps.insert("goog:chromeOptions".into(), options);
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&url)
            .await
            .expect("connect to chromedriver");
        Some(Self {
            client,
            base: app.url(""),
            driver,
            _profile: profile,
        })
    }

    /// Opens a path of the node.
    pub async fn open(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    /// The path and query of the current page.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Waits for an element.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    /// All elements matching `css`.
    pub async fn all(&self, css: &str) -> Vec<fantoccini::elements::Element> {
        self.client.find_all(Locator::Css(css)).await.unwrap()
    }

    /// The text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.find(css)
            .await
            .text()
            .await
            .unwrap()
            .trim()
            .to_string()
    }

    /// The texts of every element matching `css`.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for e in self.all(css).await {
            out.push(e.text().await.unwrap().trim().to_string());
        }
        out
    }

    /// Replaces the value of an input.
    pub async fn fill(&self, css: &str, value: &str) {
        let e = self.find(css).await;
        e.clear().await.unwrap();
        e.send_keys(value).await.unwrap();
    }

    /// Clicks an element.
    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    /// Waits until the current path (with query) satisfies `ok`, e.g. after a form post.
    pub async fn wait_path(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        for _ in 0..100 {
            let path = self.path().await;
            if ok(&path) {
                return path;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("never reached {what}; still at {}", self.path().await);
    }

    /// Runs a script in the page and returns what it returns.
    pub async fn js(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap()
    }

    /// An attribute of the first element matching `css`.
    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.find(css).await.attr(name).await.unwrap()
    }

    /// Presses and releases a key, as a person at the keyboard does.
    pub async fn press(&self, key: Key) {
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: key.into() })
            .then(KeyAction::Up { value: key.into() });
        self.client.perform_actions(keys).await.unwrap();
    }

    /// Clicks a link or submit button and waits until the page it loads is complete (a marker
    /// on the old page's `window` is gone), so nothing after it reads the old page.
    pub async fn click_to_load(&self, css: &str) {
        self.js("window.wijkOldPage = true; return null").await;
        self.click(css).await;
        for _ in 0..100 {
            let loaded = self
                .client
                .execute(
                    "return window.wijkOldPage !== true && document.readyState === 'complete'",
                    vec![],
                )
                .await;
            if matches!(loaded, Ok(Value::Bool(true))) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "clicking {css} loaded no new page; still at {}",
            self.path().await
        );
    }

    /// Signs in through the login form.
    pub async fn login(&self, email: &str) {
        self.open("/inloggen").await;
        self.fill("#f-email", email).await;
        self.fill("#f-password", api::seed::users::DEMO_PASSWORD)
            .await;
        self.click_to_load("main form button[type=submit]").await;
        self.find("nav form[action='/auth/logout']").await;
    }

    /// Signs out through the menu.
    pub async fn logout(&self) {
        self.click_to_load("nav form[action='/auth/logout'] button")
            .await;
        self.find("nav a[href^='/inloggen']").await;
    }

    /// Fails when the current page scrolls sideways: something on it is wider than the
    /// viewport (`document.documentElement.scrollWidth > innerWidth`); names the widest
    /// culprits. Content in its own scroll area (a wide table) does not count.
    pub async fn assert_no_horizontal_scroll(&self, page: &str) {
        let found = self
            .js(
                r#"const w = window.innerWidth, sw = document.documentElement.scrollWidth;
                const wide = [...document.querySelectorAll('body *')]
                  .filter(e => e.getBoundingClientRect().right > w + 1)
                  .filter(e => !e.parentElement.closest('table, .table-scroll, svg'))
                  .slice(0, 5)
                  .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                       (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '') +
                       ' (' + Math.round(e.getBoundingClientRect().right) + ' px)');
                return [sw, w, wide];"#,
            )
            .await;
        let (scroll, inner) = (found[0].as_f64().unwrap(), found[1].as_f64().unwrap());
        assert!(
            scroll <= inner,
            "{page} ({}) scrolls sideways: {scroll} px wide in a {inner} px viewport; wider: {}",
            self.path().await,
            found[2]
        );
    }

    /// How many A4 pages the current page prints on (the browser's own print to PDF, with the
    /// page's print style sheet).
    pub async fn printed_pages(&self) -> usize {
        let pdf = self
            .client
            .print(fantoccini::wd::PrintConfiguration::default())
            .await
            .unwrap();
        // Each page object is `/Type /Page` (the page tree is `/Type /Pages`).
        pdf.windows(11)
            .enumerate()
            .filter(|(i, w)| *w == b"/Type /Page" && pdf.get(i + 11) != Some(&b's'))
            .count()
    }

    /// Runs axe-core (WCAG 2.0/2.1 A and AA rules, and WCAG 2.2 AA: target size of 24 px) on
    /// the current page.
    pub async fn axe(&self) -> Vec<Violation> {
        self.client.execute(&axe_source(), vec![]).await.unwrap();
        let result = self
            .client
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})
                  .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help,
                     targets: v.nodes.map(n => n.target.join(' '))}))))
                  .catch(e => done({error: String(e)}));"#,
                vec![],
            )
            .await
            .unwrap();
        if let Some(e) = result.get("error") {
            panic!("axe failed: {e}");
        }
        result
            .as_array()
            .unwrap()
            .iter()
            .map(|v: &Value| Violation {
                id: v["id"].as_str().unwrap_or("").into(),
                impact: v["impact"].as_str().unwrap_or("").into(),
                help: v["help"].as_str().unwrap_or("").into(),
                targets: v["targets"]
                    .as_array()
                    .map(|t| {
                        t.iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect()
    }

    /// Fails when the current page has a serious or critical accessibility violation.
    /// Milder findings are printed (shown with `--no-capture`).
    pub async fn assert_accessible(&self, page: &str) {
        let (bad, mild): (Vec<Violation>, Vec<Violation>) = self
            .axe()
            .await
            .into_iter()
            .partition(|v| v.impact == "serious" || v.impact == "critical");
        for v in &mild {
            eprintln!(
                "axe note on {page}: {} [{}] {}: {}",
                v.id,
                v.impact,
                v.help,
                v.targets.join(" | ")
            );
        }
        assert!(
            bad.is_empty(),
            "{page} ({}): accessibility violations:\n{}",
            self.path().await,
            bad.iter()
                .map(|v| format!(
                    "- {} [{}] {}: {}",
                    v.id,
                    v.impact,
                    v.help,
                    v.targets.join(" | ")
                ))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    /// Ends the session.
    pub async fn close(self) {
        self.client.clone().close().await.ok();
    }
}
