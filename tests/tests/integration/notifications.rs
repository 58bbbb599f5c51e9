//! Notifications: the in-app inbox over GraphQL and mails through a real SMTP server process
//! (`tests/smtp/server.py`, Python `aiosmtpd`) on loopback. Who hears of what, that mails carry
//! no personal data, that a down SMTP server delays but never loses a mail nor fails the
//! referral, the per-user settings, the daily digest and the reminder after N working days.

use crate::auth::offer_by_title;
use crate::referral_isolation::organisation_of;
use crate::referrals::step;
use entities::{OrganisationKind, mail_outbox, referral, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};
use tests::smtp::SmtpServer;
use tests::{TestApp, demo, error_code, eventually};

const SEND: &str = r#"mutation($input: ReferralInput!) {
  sendReferral(input: $input) { id status version } }"#;
const INBOX: &str = "{ notifications(first: 20) { items { id kind referralId status read link } \
                     endCursor hasNextPage } unreadNotificationCount }";
const MARK: &str =
    "mutation($ids: [ID!], $all: Boolean) { markNotificationsRead(ids: $ids, all: $all) }";
const SET: &str =
    "mutation($m: NotificationMode!) { setNotificationSettings(mode: $m) { mode mailEnabled } }";

const PATIENT: &str = "P-2026-0042";
const NOTE: &str = "Graag bellen na 17:00";
const BASE: &str = "https://wijk.example";

async fn mail_node(smtp_url: String, edit: impl FnOnce(&mut api::config::Config)) -> TestApp {
    TestApp::spawn_with(move |c| {
        c.mail.smtp_url = Some(smtp_url);
        c.mail.base_url = Some(BASE.into());
        c.mail.poll_ms = 50;
        c.mail.max_backoff_secs = 1;
        edit(c);
    })
    .await
}

async fn send(app: &TestApp, token: &str, offer: &str) -> Value {
    let input = json!({"offerId": offer, "patientRef": PATIENT, "consent": true,
        "contactPreference": "PHONE", "reasonDomains": ["BEWEGING"], "note": NOTE});
    let body = app
        .gql_with(Some(token), SEND, json!({"input": input}))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["sendReferral"].clone()
}

async fn inbox(app: &TestApp, token: &str) -> Value {
    let body = app.gql_with(Some(token), INBOX, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

/// Waits until `token`'s inbox holds `n` notifications; returns them (newest first).
async fn until_inbox(app: &TestApp, token: &str, n: usize) -> Vec<Value> {
    eventually(20, &format!("{n} notification(s) in the inbox"), || async {
        let items = inbox(app, token).await["notifications"]["items"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        (items.len() >= n).then_some(items)
    })
    .await
}

async fn user_id(app: &TestApp, email: &str) -> String {
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn queued_for(app: &TestApp, email: &str) -> Vec<mail_outbox::Model> {
    mail_outbox::Entity::find()
        .filter(mail_outbox::Column::UserId.eq(user_id(app, email).await))
        .all(&app.state.db)
        .await
        .unwrap()
}

fn referral_link(id: &str) -> String {
    // Global ids are `<node>:<uuid>`; the colon is escaped in the path.
    format!("{BASE}/verwijzingen/{}", id.replace(':', "%3A"))
}

/// The mail carries what happened and a link, never the patient reference or the note.
fn assert_no_personal_data(text: &str) {
    assert!(
        !text.contains(PATIENT),
        "patient reference in a mail: {text}"
    );
    assert!(
        !text.contains(NOTE) && !text.contains("17:00"),
        "note in a mail: {text}"
    );
}

#[tokio::test]
async fn a_new_referral_reaches_the_editor_and_a_status_change_the_practitioner() {
    if !SmtpServer::available() {
        return;
    }
    let smtp = SmtpServer::start(0).await;
    let app = mail_node(smtp.url(), |_| {}).await;
    let gp = app.sign_in(demo::GP).await;
    let editor = app.sign_in(demo::EDITOR).await;
    let (offer, _) = offer_by_title(&app, "Wandelgroep Lent").await;
    let r = send(&app, &gp, &offer).await;
    let id = r["id"].as_str().unwrap();

    // The receiving editor hears of it, in the inbox and by mail.
    let items = until_inbox(&app, &editor, 1).await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["kind"], "NEW_REFERRAL");
    assert_eq!(items[0]["referralId"], id);
    assert_eq!(items[0]["status"], "REQUESTED");
    assert_eq!(items[0]["read"], false);
    assert_eq!(inbox(&app, &editor).await["unreadNotificationCount"], 1);
    let mail = eventually(20, "the editor's mail", || async {
        smtp.received_by(demo::EDITOR).into_iter().next()
    })
    .await;
    let text = mail.text();
    assert!(text.contains(&referral_link(id)), "{text}");
    assert!(
        text.contains("Nieuwe verwijzing") && text.contains("New referral"),
        "{text}"
    );
    assert_no_personal_data(&text);

    // The practitioner who sent it hears nothing of their own action.
    assert_eq!(inbox(&app, &gp).await["unreadNotificationCount"], 0);

    // A status change reaches the practitioner, not the editor who made it.
    step(&app, &editor, &r, "RECEIVED", None).await;
    let items = until_inbox(&app, &gp, 1).await;
    assert_eq!(items[0]["kind"], "STATUS_CHANGED");
    assert_eq!(items[0]["status"], "RECEIVED");
    assert_eq!(items[0]["link"], referral_link(id).trim_start_matches(BASE));
    let mail = eventually(20, "the practitioner's mail", || async {
        smtp.received_by(demo::GP).into_iter().next()
    })
    .await;
    let text = mail.text();
    assert!(
        text.contains(&referral_link(id)) && text.contains("ontvangen"),
        "{text}"
    );
    assert_no_personal_data(&text);
    assert_eq!(
        inbox(&app, &editor).await["notifications"]["items"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "the editor is not told of their own change"
    );

    // Marking read: one by id, then all.
    let first = items[0]["id"].clone();
    let body = app.gql_with(Some(&gp), MARK, json!({"ids": [first]})).await;
    assert_eq!(body["data"]["markNotificationsRead"], 1, "{body}");
    assert_eq!(inbox(&app, &gp).await["unreadNotificationCount"], 0);
    let body = app
        .gql_with(Some(&editor), MARK, json!({"all": true}))
        .await;
    assert_eq!(body["data"]["markNotificationsRead"], 1, "{body}");
    let body = app.gql_with(Some(&editor), MARK, json!({})).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");

    // The practitioner cancels a referral of their own: the editors hear nothing of it (only of
    // its arrival) and neither does the practitioner who made the change.
    let own = send(&app, &gp, &offer).await;
    step(&app, &gp, &own, "CANCELLED", None).await;
    until_told(&app).await;
    assert_eq!(inbox(&app, &gp).await["unreadNotificationCount"], 0);
    assert_eq!(inbox(&app, &editor).await["unreadNotificationCount"], 1);
    app.stop().await;
}

/// Waits until the notifier has told every referral event so far.
async fn until_told(app: &TestApp) {
    use sea_orm::{QueryOrder, QuerySelect};
    let last: i64 = entities::referral_event::Entity::find()
        .select_only()
        .column(entities::referral_event::Column::Id)
        .order_by_desc(entities::referral_event::Column::Id)
        .into_tuple()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap_or(0);
    eventually(20, "every referral event told", || async {
        let at = api::notify::consume::cursor(&app.state.db).await.unwrap();
        (at >= last).then_some(())
    })
    .await;
}

#[tokio::test]
async fn the_inbox_page_lists_links_counts_in_the_header_and_saves_the_setting() {
    use reqwest::StatusCode;
    use reqwest::header::{COOKIE, LOCATION, ORIGIN};
    let app = TestApp::spawn().await;
    let gp = app.sign_in(demo::GP).await;
    let editor = app.sign_in(demo::EDITOR).await;
    let cookie = format!("wijk_session={editor}");
    let (offer, _) = offer_by_title(&app, "Wandelgroep Lent").await;
    let r = send(&app, &gp, &offer).await;
    until_inbox(&app, &editor, 1).await;
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let get = |path: &'static str| {
        let req = browser.get(app.url(path)).header(COOKIE, &cookie);
        async move {
            let res = req.send().await.unwrap();
            (res.status(), res.text().await.unwrap())
        }
    };
    let (status, html) = get("/meldingen").await;
    assert_eq!(status, StatusCode::OK);
    let link = format!(
        "/verwijzingen/{}",
        r["id"].as_str().unwrap().replace(':', "%3A")
    );
    assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
    assert!(
        html.contains("Nieuwe verwijzing voor uw organisatie"),
        "{html}"
    );
    assert!(
        !html.contains(PATIENT),
        "the inbox shows no patient reference"
    );
    // The header of any page counts the unread ones, in words.
    let (_, search) = get("/").await;
    assert!(search.contains("Meldingen (1 ongelezen)"), "{search}");
    let (_, anonymous) = (
        StatusCode::OK,
        browser
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert!(
        !anonymous.contains("Meldingen"),
        "no inbox link when signed out"
    );

    let post = |path: &'static str, form: Vec<(&'static str, &'static str)>| {
        let req = browser
            .post(app.url(path))
            .header(COOKIE, &cookie)
            .header(ORIGIN, app.url(""))
            .form(&form);
        async move {
            let res = req.send().await.unwrap();
            let to = res
                .headers()
                .get(LOCATION)
                .map(|l| l.to_str().unwrap().to_string());
            (res.status(), to)
        }
    };
    let (status, to) = post("/meldingen/instellingen", vec![("mode", "daily_digest")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(to.as_deref(), Some("/meldingen?opgeslagen=1#instellingen"));
    let body = app
        .gql_with(
            Some(&editor),
            "{ notificationSettings { mode } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["notificationSettings"]["mode"], "DAILY_DIGEST");
    let (status, _) = post("/meldingen/instellingen", vec![("mode", "sometimes")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = post("/meldingen/gelezen", vec![]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, search) = get("/").await;
    assert!(search.contains("Meldingen (0)"), "{search}");
    app.stop().await;
}

#[tokio::test]
async fn another_organisation_never_sees_or_marks_these_notifications() {
    let app = TestApp::spawn().await;
    let gp = app.sign_in(demo::GP).await;
    let editor = app.sign_in(demo::EDITOR).await;
    let org_b = organisation_of(&app, "Buurthuis Oost", OrganisationKind::Welfare).await;
    let editor_b = app
        .editor_token("redactie@buurthuis-oost.example", &org_b)
        .await;
    let (offer, _) = offer_by_title(&app, "Wandelgroep Lent").await;
    send(&app, &gp, &offer).await;
    let items = until_inbox(&app, &editor, 1).await;

    let theirs = inbox(&app, &editor_b).await;
    assert_eq!(theirs["notifications"]["items"], json!([]), "{theirs}");
    assert_eq!(theirs["unreadNotificationCount"], 0);
    let body = app
        .gql_with(Some(&editor_b), MARK, json!({"ids": [items[0]["id"]]}))
        .await;
    assert_eq!(body["data"]["markNotificationsRead"], 0, "{body}");
    let body = app
        .gql_with(Some(&editor_b), MARK, json!({"all": true}))
        .await;
    assert_eq!(body["data"]["markNotificationsRead"], 0, "{body}");
    assert_eq!(inbox(&app, &editor).await["unreadNotificationCount"], 1);

    // Without [mail], nothing is queued for mail: the inbox only.
    assert!(queued_for(&app, demo::EDITOR).await.is_empty());
    let body = app.gql_with(None, INBOX, json!({})).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    let body = app
        .gql_with(
            Some(&editor),
            "{ notificationSettings { mode mailEnabled } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["notificationSettings"],
        json!({"mode": "IMMEDIATELY", "mailEnabled": false})
    );
    app.stop().await;
}

#[tokio::test]
async fn a_down_smtp_server_delays_the_mail_but_never_fails_the_referral() {
    if !SmtpServer::available() {
        return;
    }
    // A port nobody listens on yet.
    let port = tests::port_of(&tests::listener().await);
    let app = mail_node(format!("smtp://127.0.0.1:{port}"), |_| {}).await;
    let gp = app.sign_in(demo::GP).await;
    let (offer, _) = offer_by_title(&app, "Wandelgroep Lent").await;
    let r = send(&app, &gp, &offer).await;
    assert_eq!(r["status"], "REQUESTED");

    // The attempt failed and is kept for a retry.
    let failed = eventually(20, "a failed attempt recorded", || async {
        queued_for(&app, demo::EDITOR)
            .await
            .into_iter()
            .find(|m| m.attempts >= 1 && m.last_error.is_some() && m.sent_at.is_none())
    })
    .await;
    assert_no_personal_data(&failed.body);

    // The server comes up: the mail arrives.
    let smtp = SmtpServer::start(port).await;
    let mail = eventually(30, "the delayed mail", || async {
        smtp.received_by(demo::EDITOR).into_iter().next()
    })
    .await;
    assert!(
        mail.text()
            .contains(&referral_link(r["id"].as_str().unwrap()))
    );
    eventually(20, "the outbox row marked sent", || async {
        queued_for(&app, demo::EDITOR)
            .await
            .iter()
            .all(|m| m.sent_at.is_some())
            .then_some(())
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn off_sends_nothing_and_the_digest_sends_one_mail() {
    if !SmtpServer::available() {
        return;
    }
    let smtp = SmtpServer::start(0).await;
    let app = mail_node(smtp.url(), |c| c.mail.digest_hour = 7).await;
    let gp = app.sign_in(demo::GP).await;
    let editor = app.sign_in(demo::EDITOR).await;
    let (offer, _) = offer_by_title(&app, "Wandelgroep Lent").await;

    let body = app.gql_with(Some(&editor), SET, json!({"m": "OFF"})).await;
    assert_eq!(
        body["data"]["setNotificationSettings"],
        json!({"mode": "OFF", "mailEnabled": true}),
        "{body}"
    );
    send(&app, &gp, &offer).await;
    until_inbox(&app, &editor, 1).await;
    // The event was told (inbox row) in the same transaction that would have queued a mail.
    assert!(queued_for(&app, demo::EDITOR).await.is_empty());

    let body = app
        .gql_with(Some(&editor), SET, json!({"m": "DAILY_DIGEST"}))
        .await;
    assert_eq!(
        body["data"]["setNotificationSettings"]["mode"],
        "DAILY_DIGEST"
    );
    send(&app, &gp, &offer).await;
    send(&app, &gp, &offer).await;
    until_inbox(&app, &editor, 3).await;
    assert!(
        queued_for(&app, demo::EDITOR).await.is_empty(),
        "no mail before the digest"
    );

    // Tomorrow after the digest hour: one digest with the two referrals since the setting.
    let links = api::notify::MailLinks::from_config(&app.state.config).unwrap();
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1))
        .date_naive()
        .and_hms_opt(12, 0, 0)
        .unwrap()
        .and_utc();
    let sent = api::notify::digest::send_digests(&app.state.db, &links, 7, tomorrow)
        .await
        .unwrap();
    assert_eq!(sent, 1);
    let again = api::notify::digest::send_digests(&app.state.db, &links, 7, tomorrow)
        .await
        .unwrap();
    assert_eq!(again, 0, "one digest a day");
    let mail = eventually(20, "the digest", || async {
        smtp.received_by(demo::EDITOR).into_iter().next()
    })
    .await;
    let text = mail.text();
    assert!(text.contains("2 nieuwe verwijzing(en)"), "{text}");
    assert!(text.contains("2 new referral(s)"), "{text}");
    assert_no_personal_data(&text);
    eventually(20, "the digest marked sent", || async {
        let q = queued_for(&app, demo::EDITOR).await;
        (q.len() == 1 && q[0].sent_at.is_some()).then_some(())
    })
    .await;
    assert_eq!(smtp.received_by(demo::EDITOR).len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_referral_waiting_n_working_days_reminds_the_organisation_once() {
    if !SmtpServer::available() {
        return;
    }
    let smtp = SmtpServer::start(0).await;
    let app = mail_node(smtp.url(), |c| c.mail.reminder_working_days = 3).await;
    let gp = app.sign_in(demo::GP).await;
    let editor = app.sign_in(demo::EDITOR).await;
    let (offer, _) = offer_by_title(&app, "Wandelgroep Lent").await;
    let waiting = send(&app, &gp, &offer).await;
    let answered = send(&app, &gp, &offer).await;
    let answered = step(&app, &editor, &answered, "RECEIVED", None).await;
    step(&app, &editor, &answered, "ACCEPTED", None).await;
    until_inbox(&app, &editor, 2).await;

    // Both were sent ten days ago (at least six working days).
    let past = chrono::Utc::now() - chrono::Duration::days(10);
    for r in [&waiting, &answered] {
        let row = referral::Entity::find_by_id(r["id"].as_str().unwrap())
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        let mut row: referral::ActiveModel = row.into();
        row.created_at = Set(past);
        row.update(&app.state.db).await.unwrap();
    }
    let items = until_inbox(&app, &editor, 3).await;
    assert_eq!(items[0]["kind"], "REMINDER");
    assert_eq!(items[0]["referralId"], waiting["id"]);
    let mail = eventually(20, "the reminder mail", || async {
        smtp.received_by(demo::EDITOR)
            .into_iter()
            .find(|m| m.text().contains("Herinnering"))
    })
    .await;
    let text = mail.text();
    assert!(
        text.contains(&referral_link(waiting["id"].as_str().unwrap())),
        "{text}"
    );
    assert_no_personal_data(&text);

    // Once per referral, and never for the answered one.
    let later = chrono::Utc::now() + chrono::Duration::days(5);
    let node = app.state.node_id.as_str().to_string();
    let again = api::notify::reminder::remind_due(&app.state.db, &node, None, 3, later)
        .await
        .unwrap();
    assert_eq!(again, 0);
    let reminders = entities::notification::Entity::find()
        .filter(
            entities::notification::Column::Kind
                .eq(entities::notification::NotificationKind::Reminder),
        )
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(reminders, 1);
    app.stop().await;
}
