//! Municipality insight (GraphQL `referralFlows`, `groupBasedShare` and the `/inzicht` page with
//! its CSV): figures against hand-computed ones on a small fixture of referrals written in 2025
//! (before any demo referral), the suppression of small and complementary cells, and the
//! analyst's reach.
//!
//! The fixture, in Nijmegen: offer A (GROUP, life domain sociale contacten) in one wijk, offer
//! B (INDIVIDUAL_SUPPORT, beweging) in another, all referred from one practice serving Nijmegen.
//! - January: 8 to A, 6 accepted after 2 days, 5 of those started and completed (first
//!   meeting 7 days after sending); 3 to B rejected, 2 of them while B was full.
//! - February: 10 to B, all accepted after 4 days, 6 started, 2 stopped (moved).
//! - March: 3 to A, not answered.

use crate::web::get;
use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use entities::{
    ReferralOutcome, ReferralSource, ReferralStatus, StopReason, area, json::StringList,
    organisation_area, referral, referral_event,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, NotSet, QueryFilter, Set};
use serde_json::{Value, json};
use tests::{TestApp, error_code};

/// The session cookie of a bearer token (the same token).
fn session(token: &str) -> String {
    format!("wijk_session={token}")
}

const FLOWS: &str = r#"query($g: String!, $by: FlowGroup = PERIOD, $side: FlowSide = TO_OFFERS) {
  referralFlows(gemeenteCode: $g, from: "2025-01-01", to: "2025-03-31", groupBy: $by, side: $side) {
    gemeenteCode csv
    rows { key label sent { count suppressed text } accepted { count text } started { count text }
           completed { count text } stopped { text } toFullOffer { text } rejected { text }
           rejectedOfferFull { text } rejectedOther { text }
           acceptanceRate startRate completionRate medianDaysToAccepted medianDaysToFirstMeeting }
    total { sent { count text } accepted { count } started { count } completed { count }
            stopped { text } rejected { text } acceptanceRate startRate completionRate
            medianDaysToAccepted medianDaysToFirstMeeting }
    stopReasons { reason count { text } } } }"#;
const SHARE: &str = r#"query($g: String!) {
  groupBasedShare(gemeenteCode: $g, from: "2025-01-01", to: "2025-03-31") {
    gemeenteCodes csv
    rows { key groupBased { text } other { text } total { text } share }
    total { groupBased { count } other { count } total { count } share } } }"#;
const CREATE_ORG: &str = r#"mutation($input: OrganisationInput!) {
  createOrganisation(input: $input) { id version } }"#;
const CREATE_OFFER: &str = r#"mutation($org: ID!, $input: OfferInput!) {
  createOffer(organisationId: $org, input: $input) { id locations { buurt { parent { code } } } } }"#;

/// The start of a day in 2025 (UTC).
fn day(month: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, month, d, 9, 0, 0).unwrap()
}

/// What happens to one fixture referral.
#[derive(Clone, Copy, Default)]
struct Fate {
    accepted_after: Option<u64>,
    started: bool,
    completed: bool,
    met_after: Option<u64>,
    stopped: Option<StopReason>,
    rejected: bool,
    offer_full: bool,
}

struct Fixture {
    practice: String,
    offer_a: String,
    offer_b: String,
    wijk_a: String,
    wijk_b: String,
}

/// Two offers in two wijken of Nijmegen and a practice serving Nijmegen.
async fn fixture(app: &TestApp) -> Fixture {
    let buurten = area::Entity::find()
        .filter(area::Column::GemeenteCode.eq("GM0268"))
        .filter(area::Column::Kind.eq(entities::AreaKind::Buurt))
        .all(&app.state.db)
        .await
        .unwrap();
    let first = &buurten[0];
    let other = buurten
        .iter()
        .find(|b| b.parent_code != first.parent_code)
        .expect("two wijken");
    let org = app
        .gql_ok(
            CREATE_ORG,
            json!({"input": {"name": "Welzijn Test", "kind": "WELFARE"}}),
        )
        .await["createOrganisation"]["id"]
        .clone();
    let practice = app
        .gql_ok(
            CREATE_ORG,
            json!({"input": {"name": "Praktijk Test", "kind": "GP_PRACTICE"}}),
        )
        .await["createOrganisation"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    organisation_area::ActiveModel {
        organisation_id: Set(practice.clone()),
        area_code: Set("GM0268".into()),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    let offer = |title: &str, kind: &str, domain: &str, b: &area::Model| {
        json!({"org": org, "input": {"title": title, "kind": kind, "status": "OPEN",
            "lifeDomains": [domain], "locations": [{"lat": b.centroid_lat, "lon": b.centroid_lon}]}})
    };
    let a = app
        .gql_ok(
            CREATE_OFFER,
            offer("Groep A", "GROUP", "SOCIALE_CONTACTEN", first),
        )
        .await["createOffer"]
        .clone();
    let b = app
        .gql_ok(
            CREATE_OFFER,
            offer("Steun B", "INDIVIDUAL_SUPPORT", "BEWEGING", other),
        )
        .await["createOffer"]
        .clone();
    let wijk = |o: &Value| {
        o["locations"][0]["buurt"]["parent"]["code"]
            .as_str()
            .unwrap()
            .to_string()
    };
    Fixture {
        practice,
        offer_a: a["id"].as_str().unwrap().into(),
        offer_b: b["id"].as_str().unwrap().into(),
        wijk_a: wijk(&a),
        wijk_b: wijk(&b),
    }
}

/// Writes one referral sent at `at` with the events of its fate.
async fn refer(app: &TestApp, f: &Fixture, offer: &str, n: usize, at: DateTime<Utc>, fate: Fate) {
    let db = &app.state.db;
    let id = format!("test:{}", uuid::Uuid::new_v4());
    let mut status = ReferralStatus::Requested;
    let mut moves: Vec<(ReferralStatus, DateTime<Utc>)> = Vec::new();
    if let Some(d) = fate.accepted_after {
        moves.push((ReferralStatus::Accepted, at + Days::new(d)));
        status = ReferralStatus::Accepted;
    }
    if fate.started {
        moves.push((ReferralStatus::InProgress, at + Days::new(5)));
        status = ReferralStatus::InProgress;
    }
    if fate.completed {
        moves.push((ReferralStatus::Completed, at + Days::new(30)));
        status = ReferralStatus::Completed;
    }
    if fate.stopped.is_some() {
        moves.push((ReferralStatus::Cancelled, at + Days::new(20)));
        status = ReferralStatus::Cancelled;
    }
    if fate.rejected {
        moves.push((ReferralStatus::Rejected, at + Days::new(1)));
        status = ReferralStatus::Rejected;
    }
    let outcome = if fate.completed {
        Some(ReferralOutcome::Completed)
    } else if fate.stopped.is_some() {
        Some(ReferralOutcome::Stopped)
    } else {
        None
    };
    referral::ActiveModel {
        id: Set(id.clone()),
        origin_node: Set("test".into()),
        offer_id: Set(offer.into()),
        offer_node: Set("test".into()),
        referrer_user_id: Set(None),
        referrer_organisation_id: Set(Some(f.practice.clone())),
        patient_ref: Set(Some(format!("patient-{n}"))),
        consent: Set(true),
        contact_preference: Set(None),
        reason_domains: Set(StringList(Vec::new())),
        practical_needs: Set(None),
        note: Set(Some("vrije tekst die nooit getoond wordt".into())),
        status: Set(status),
        status_reason: Set(fate.rejected.then(|| "geheime reden".to_string())),
        offer_was_full: Set(fate.offer_full),
        created_at: Set(at),
        updated_at: Set(at),
        closed_at: Set(None),
        purged_at: Set(None),
        version: Set(1),
        source: Set(ReferralSource::Practice),
        outcome: Set(outcome),
        stop_reason: Set(fate.stopped),
        first_meeting_on: Set(fate.met_after.map(|d| (at + Days::new(d)).date_naive())),
        contact_patient: Set(false),
        contact_note: Set(None),
        expected_start: Set(None),
    }
    .insert(db)
    .await
    .unwrap();
    // What the referral derives from its offer, as every writer stores it.
    api::read_model::derived::refresh_referral(db, &id)
        .await
        .unwrap();
    let mut from = None;
    for (to, when) in std::iter::once((ReferralStatus::Requested, at)).chain(moves) {
        referral_event::ActiveModel {
            id: NotSet,
            referral_id: Set(id.clone()),
            at: Set(when),
            actor: Set("test".into()),
            from_status: Set(from),
            to_status: Set(to),
            note: Set(None),
            source_node: Set(None),
            outcome: Set(None),
            stop_reason: Set(None),
            first_meeting_on: Set(None),
            contact_patient: Set(false),
            contact_note: Set(None),
            expected_start: Set(None),
        }
        .insert(db)
        .await
        .unwrap();
        from = Some(to);
    }
}

/// The fixture's referrals (see the module comment).
async fn referrals(app: &TestApp, f: &Fixture) {
    let (a, b) = (f.offer_a.clone(), f.offer_b.clone());
    let done = Fate {
        accepted_after: Some(2),
        started: true,
        completed: true,
        met_after: Some(7),
        ..Fate::default()
    };
    for n in 0..5 {
        refer(app, f, &a, n, day(1, 2 + n as u32), done).await;
    }
    let accepted = |d| Fate {
        accepted_after: Some(d),
        ..Fate::default()
    };
    refer(app, f, &a, 5, day(1, 10), accepted(2)).await;
    for n in 6..8 {
        refer(app, f, &a, n, day(1, 12), Fate::default()).await;
    }
    for n in 8..11 {
        let fate = Fate {
            rejected: true,
            offer_full: n < 10,
            ..Fate::default()
        };
        refer(app, f, &b, n, day(1, 20), fate).await;
    }
    for n in 11..21 {
        let fate = Fate {
            accepted_after: Some(4),
            started: n < 17,
            stopped: (n >= 19).then_some(StopReason::Moved),
            ..Fate::default()
        };
        refer(app, f, &b, n, day(2, 3 + (n as u32 - 11)), fate).await;
    }
    for n in 21..24 {
        refer(app, f, &a, n, day(3, 5), Fate::default()).await;
    }
}

async fn setup() -> (TestApp, Fixture, String) {
    let app = TestApp::spawn().await.signed_in(tests::demo::ADMIN).await;
    let f = fixture(&app).await;
    referrals(&app, &f).await;
    let analyst = app
        .user_token(
            "analist-insight@nijmegen.example",
            vec![api::auth::Membership {
                role: entities::Role::MunicipalityAnalyst,
                organisation_id: None,
                gemeente_code: Some("GM0268".into()),
            }],
        )
        .await;
    (app, f, analyst)
}

fn rows(v: &Value) -> &Vec<Value> {
    v["rows"].as_array().unwrap()
}

fn row<'a>(v: &'a Value, key: &str) -> &'a Value {
    rows(v)
        .iter()
        .find(|r| r["key"] == key)
        .unwrap_or_else(|| panic!("no row {key} in {v:#}"))
}

fn close(v: &Value, expected: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - expected).abs() < 1e-9)
}

#[tokio::test]
async fn flows_per_month_match_the_hand_computed_figures_and_hide_small_cells() {
    let (app, _f, analyst) = setup().await;
    let body = app
        .gql_with(Some(&analyst), FLOWS, json!({"g": "GM0268"}))
        .await;
    assert!(body["errors"].is_null(), "{body:#}");
    let flows = &body["data"]["referralFlows"];
    let keys: Vec<&str> = rows(flows)
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["2025-01", "2025-02", "2025-03"]);
    let (jan, feb, mar) = (
        row(flows, "2025-01"),
        row(flows, "2025-02"),
        row(flows, "2025-03"),
    );
    // Sent 11 / 10 / 3 = 24: the 3 is hidden, and so is the 10, else 24 - 11 - 10 gives it back.
    assert_eq!(jan["sent"]["count"], 11);
    assert_eq!(feb["sent"]["text"], "< 5");
    assert_eq!(feb["sent"]["count"], Value::Null);
    assert_eq!(mar["sent"]["text"], "< 5");
    assert_eq!(flows["total"]["sent"]["count"], 24);
    // Accepted 6 / 10 / 0 = 16, started 5 / 6 / 0 = 11, completed 5 / 0 / 0 = 5.
    assert_eq!(jan["accepted"]["count"], 6);
    assert_eq!(feb["accepted"]["count"], 10);
    assert_eq!(mar["accepted"]["text"], "0");
    assert_eq!(flows["total"]["accepted"]["count"], 16);
    assert_eq!(jan["started"]["count"], 5);
    assert_eq!(feb["started"]["count"], 6);
    assert_eq!(flows["total"]["started"]["count"], 11);
    assert_eq!(flows["total"]["completed"]["count"], 5);
    // Stopped 2, rejected 3 (2 while full, 1 other), 2 to a full offer: all small.
    assert_eq!(feb["stopped"]["text"], "< 5");
    assert_eq!(flows["total"]["stopped"]["text"], "< 5");
    for field in [
        "toFullOffer",
        "rejected",
        "rejectedOfferFull",
        "rejectedOther",
    ] {
        assert_eq!(jan[field]["text"], "< 5", "{field}");
    }
    assert_eq!(flows["total"]["rejected"]["text"], "< 5");
    let moved = flows["stopReasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["reason"] == "MOVED")
        .unwrap();
    assert_eq!(moved["count"]["text"], "< 5");
    // Rates over what is shown: January 6/11, 5/11, 5/11; none where sent is hidden.
    assert!(close(&jan["acceptanceRate"], 6.0 / 11.0));
    assert!(close(&jan["startRate"], 5.0 / 11.0));
    assert!(close(&jan["completionRate"], 5.0 / 11.0));
    assert_eq!(feb["acceptanceRate"], Value::Null);
    assert!(close(&flows["total"]["acceptanceRate"], 16.0 / 24.0));
    assert!(close(&flows["total"]["startRate"], 11.0 / 24.0));
    assert!(close(&flows["total"]["completionRate"], 5.0 / 24.0));
    // Medians: January 2 days to acceptance (6), February 4 (10), together 4; first meeting 7
    // days (5 of them); none in March (nothing accepted).
    assert!(close(&jan["medianDaysToAccepted"], 2.0));
    assert!(close(&feb["medianDaysToAccepted"], 4.0));
    assert!(close(&flows["total"]["medianDaysToAccepted"], 4.0));
    assert!(close(&jan["medianDaysToFirstMeeting"], 7.0));
    assert_eq!(feb["medianDaysToFirstMeeting"], Value::Null);
    assert!(close(&flows["total"]["medianDaysToFirstMeeting"], 7.0));
    // No free text, patient or practice reaches the analyst, not even in the CSV.
    let text = body.to_string();
    for secret in ["vrije tekst", "geheime reden", "patient-", "Praktijk Test"] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
    // The CSV holds the table's cells.
    let csv = flows["csv"].as_str().unwrap();
    assert!(csv.starts_with("key,label,sent,accepted,started,completed,stopped"));
    assert!(
        csv.contains(
            "\n2025-01,2025-01,11,6,5,5,0,< 5,< 5,< 5,< 5,0.545,0.455,0.455,2.000,7.000\n"
        ),
        "{csv}"
    );
    assert!(
        csv.contains("\n2025-02,2025-02,< 5,10,6,0,< 5,0,0,0,0,,,,4.000,\n"),
        "{csv}"
    );
    assert!(
        csv.contains(
            "\ntotal,total,24,16,11,5,< 5,< 5,< 5,< 5,< 5,0.667,0.458,0.208,4.000,7.000\n"
        ),
        "{csv}"
    );
    app.stop().await;
}

#[tokio::test]
async fn flows_per_wijk_kind_domain_and_from_practices() {
    let (app, f, analyst) = setup().await;
    let by = |by: &str, side: &str| json!({"g": "GM0268", "by": by, "side": side});
    let wijk = app
        .gql_with(Some(&analyst), FLOWS, by("WIJK", "TO_OFFERS"))
        .await;
    let wijk = &wijk["data"]["referralFlows"];
    assert_eq!(row(wijk, &f.wijk_a)["sent"]["count"], 11);
    assert_eq!(row(wijk, &f.wijk_b)["sent"]["count"], 13);
    assert_ne!(
        row(wijk, &f.wijk_a)["label"],
        f.wijk_a.as_str(),
        "wijken go by name"
    );
    let kind = app
        .gql_with(Some(&analyst), FLOWS, by("KIND", "TO_OFFERS"))
        .await;
    let kind = &kind["data"]["referralFlows"];
    assert_eq!(
        rows(kind).len(),
        entities::OfferKind::ALL.len(),
        "every kind, zeros included"
    );
    assert_eq!(row(kind, "group")["sent"]["count"], 11);
    assert_eq!(row(kind, "individual_support")["sent"]["count"], 13);
    assert_eq!(row(kind, "course")["sent"]["text"], "0");
    let domain = app
        .gql_with(Some(&analyst), FLOWS, by("LIFE_DOMAIN", "TO_OFFERS"))
        .await;
    let domain = &domain["data"]["referralFlows"];
    assert_eq!(row(domain, "sociale_contacten")["sent"]["count"], 11);
    assert_eq!(row(domain, "beweging")["sent"]["count"], 13);
    assert_eq!(domain["total"]["sent"]["count"], 24);
    let practices = app
        .gql_with(Some(&analyst), FLOWS, by("PERIOD", "FROM_PRACTICES"))
        .await;
    assert_eq!(
        practices["data"]["referralFlows"]["total"]["sent"]["count"],
        24
    );
    app.stop().await;
}

#[tokio::test]
async fn group_based_share_hides_cells_that_would_give_a_small_one_back() {
    let (app, _f, analyst) = setup().await;
    let body = app
        .gql_with(Some(&analyst), SHARE, json!({"g": "GM0268"}))
        .await;
    assert!(body["errors"].is_null(), "{body:#}");
    let s = &body["data"]["groupBasedShare"];
    // group / other / total: Jan 8 / 3 / 11, Feb 0 / 10 / 10, Mar 3 / 0 / 3, total 11 / 13 / 24.
    let cells = |key: &str| {
        let r = row(s, key);
        [
            &r["groupBased"]["text"],
            &r["other"]["text"],
            &r["total"]["text"],
        ]
        .map(|v| v.as_str().unwrap().to_string())
    };
    assert_eq!(cells("2025-01"), ["< 5", "< 5", "11"]);
    assert_eq!(cells("2025-02"), ["0", "< 5", "< 5"]);
    assert_eq!(cells("2025-03"), ["< 5", "0", "< 5"]);
    assert_eq!(s["total"]["groupBased"]["count"], 11);
    assert_eq!(s["total"]["other"]["count"], 13);
    assert!(close(&s["total"]["share"], 11.0 / 24.0));
    for key in ["2025-01", "2025-02", "2025-03"] {
        assert_eq!(row(s, key)["share"], Value::Null, "{key}");
    }
    // No column or row gives a hidden 3 back: each has none or at least two hidden cells.
    let grid: Vec<[String; 3]> = ["2025-01", "2025-02", "2025-03"].map(cells).to_vec();
    for c in 0..3 {
        let hidden = grid.iter().filter(|r| r[c] == "< 5").count();
        assert_ne!(hidden, 1, "column {c}");
    }
    for r in &grid {
        assert_ne!(r.iter().filter(|v| *v == "< 5").count(), 1, "{r:?}");
    }
    app.stop().await;
}

/// The share total as the admin reads it: `(group-based, total)`.
async fn share_totals(app: &TestApp, gemeente: &str) -> (Value, Value) {
    let s = app.gql_ok(SHARE, json!({"g": gemeente})).await["groupBasedShare"]["total"].clone();
    (
        s["groupBased"]["count"].clone(),
        s["total"]["count"].clone(),
    )
}

/// A referral counts where its offer is now and as what it is now: the place and kind stored
/// on each referral follow an edit of its offer.
#[tokio::test]
async fn a_referral_counts_where_its_offer_is_now() {
    let (app, f, _analyst) = setup().await;
    assert_eq!(share_totals(&app, "GM0268").await, (json!(11), json!(24)));
    // B (13 referrals) becomes a group and moves to a buurt of Arnhem.
    let arnhem = area::Entity::find()
        .filter(area::Column::GemeenteCode.eq("GM0202"))
        .filter(area::Column::Kind.eq(entities::AreaKind::Buurt))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("a buurt in Arnhem");
    app.gql_ok(
        r#"mutation($id: ID!, $input: OfferInput!) {
          updateOffer(id: $id, version: 1, input: $input) { id } }"#,
        json!({"id": f.offer_b, "input": {"kind": "GROUP",
            "locations": [{"lat": arnhem.centroid_lat, "lon": arnhem.centroid_lon}]}}),
    )
    .await;
    assert_eq!(share_totals(&app, "GM0268").await, (json!(11), json!(11)));
    assert_eq!(share_totals(&app, "GM0202").await, (json!(13), json!(13)));
    let wijk = app
        .gql_ok(FLOWS, json!({"g": "GM0202", "by": "WIJK"}))
        .await;
    let flows = &wijk["referralFlows"];
    assert_eq!(flows["total"]["sent"]["count"], 13);
    assert_eq!(
        row(flows, arnhem.parent_code.as_deref().unwrap())["sent"]["count"],
        13
    );
    app.stop().await;
}

/// Migration 9602 stores on every existing referral the gemeente and wijk of its offer's first
/// location and the offer's kind; the figures read them from there.
#[tokio::test]
async fn the_migration_stores_where_each_existing_referrals_offer_is() {
    use sea_orm::{ConnectionTrait, Statement};
    let (app, _f, _analyst) = setup().await;
    let db = &app.state.db;
    app.migrate_down_to_before("m20261206_9602_referral_offer_place")
        .await;
    app.migrate_up().await;
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT r.offer_gemeente_code AS g, r.offer_wijk_code AS w, r.offer_kind AS k, \
             l.gemeente_code AS lg, l.wijk_code AS lw, o.kind AS ok FROM referrals r \
             LEFT JOIN offers o ON o.id = r.offer_id \
             LEFT JOIN locations l ON l.offer_id = r.offer_id AND l.position = 0",
        ))
        .await
        .unwrap();
    assert!(rows.len() >= 24, "the fixture's referrals and the demo's");
    for r in rows {
        let get = |c: &str| r.try_get::<Option<String>>("", c).unwrap();
        assert_eq!(
            (get("g"), get("w"), get("k")),
            (get("lg"), get("lw"), get("ok"))
        );
    }
    assert_eq!(share_totals(&app, "GM0268").await, (json!(11), json!(24)));
    app.stop().await;
}

#[tokio::test]
async fn an_analyst_sees_only_their_own_gemeenten() {
    let (app, _f, analyst) = setup().await;
    // An analyst of another gemeente, a practitioner, an editor and anonymous are refused.
    let other = app
        .user_token(
            "analist-insight@alkmaar.example",
            vec![api::auth::Membership {
                role: entities::Role::MunicipalityAnalyst,
                organisation_id: None,
                gemeente_code: Some("GM0361".into()),
            }],
        )
        .await;
    let gp = app.sign_in(tests::demo::GP).await;
    let editor = app.sign_in(tests::demo::EDITOR).await;
    for (who, token) in [
        ("other analyst", &other),
        ("practitioner", &gp),
        ("editor", &editor),
    ] {
        let flows = app
            .gql_with(Some(token), FLOWS, json!({"g": "GM0268"}))
            .await;
        assert_eq!(error_code(&flows), Some("FORBIDDEN"), "{who}: {flows:#}");
        let share = app
            .gql_with(Some(token), SHARE, json!({"g": "GM0268"}))
            .await;
        assert_eq!(error_code(&share), Some("FORBIDDEN"), "{who}: {share:#}");
    }
    let anonymous = app.gql_with(None, FLOWS, json!({"g": "GM0268"})).await;
    assert_eq!(error_code(&anonymous), Some("UNAUTHENTICATED"));
    // The Nijmegen analyst may not look at Alkmaar either; the admin sees both.
    let alkmaar = app
        .gql_with(Some(&analyst), FLOWS, json!({"g": "GM0361"}))
        .await;
    assert_eq!(error_code(&alkmaar), Some("FORBIDDEN"));
    let admin = app.gql(FLOWS, json!({"g": "GM0361"})).await;
    assert!(admin["errors"].is_null(), "{admin:#}");
    // The page refuses too.
    let (status, _) = get(&app, Some(&session(&other)), "/inzicht?gemeente=GM0268").await;
    assert_eq!(status, 403);
    let (status, _) = get(&app, Some(&session(&analyst)), "/inzicht?gemeente=GM0268").await;
    assert_eq!(status, 200);
    app.stop().await;
}

#[tokio::test]
async fn the_page_and_its_csv_show_the_same_suppressed_table() {
    let (app, _f, analyst) = setup().await;
    let q =
        "gemeente=GM0268&van=2025-01-01&tot=2025-03-31&per=maand&indeling=periode&richting=aanbod";
    let cookie = session(&analyst);
    let (status, html) = get(&app, Some(&cookie), &format!("/inzicht?{q}")).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(r#"role="img""#));
    assert!(html.contains("<title id=\"stromen-titel\">"));
    assert!(html.contains("id=\"stromen-tabel\""));
    assert!(html.contains("&lt; 5"));
    assert!(!html.contains("vrije tekst"));
    let (status, csv) = get(
        &app,
        Some(&cookie),
        &format!("/inzicht.csv?{q}&tabel=groep&lang=en"),
    )
    .await;
    assert_eq!(status, 200, "{csv}");
    let api = app
        .gql_with(Some(&analyst), SHARE, json!({"g": "GM0268"}))
        .await;
    assert_eq!(csv, api["data"]["groupBasedShare"]["csv"].as_str().unwrap());
    app.stop().await;
}

/// `referralCounts` (the older per-status figures) obeys the same reach and suppression as the
/// flows: a status with 1-4 referrals is left out, and an analyst of another gemeente is refused.
#[tokio::test]
async fn referral_counts_hide_small_statuses_and_keep_to_the_analysts_gemeente() {
    let (app, f, analyst) = setup().await;
    let offer = entities::offer::Entity::find_by_id(f.offer_a.clone())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    organisation_area::ActiveModel {
        organisation_id: Set(offer.organisation_id),
        area_code: Set("GM0268".into()),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    const COUNTS: &str = "query($g: String!) { referralCounts(gemeenteCode: $g) { status count } }";
    let counts = app
        .gql_with(Some(&analyst), COUNTS, json!({"g": "GM0268"}))
        .await;
    let mut shown: Vec<(String, u64)> = counts["data"]["referralCounts"]
        .as_array()
        .unwrap_or_else(|| panic!("{counts:#}"))
        .iter()
        .map(|c| {
            (
                c["status"].as_str().unwrap().to_string(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect();
    shown.sort();
    // By hand: requested 5, accepted 3, in progress 6, completed 5, rejected 3, cancelled 2.
    assert_eq!(
        shown,
        [
            ("COMPLETED".to_string(), 5),
            ("IN_PROGRESS".to_string(), 6),
            ("REQUESTED".to_string(), 5)
        ]
    );
    let alkmaar = app
        .gql_with(Some(&analyst), COUNTS, json!({"g": "GM0361"}))
        .await;
    assert_eq!(error_code(&alkmaar), Some("FORBIDDEN"), "{alkmaar:#}");
    let wijk = app
        .gql_with(Some(&analyst), COUNTS, json!({"g": f.wijk_a}))
        .await;
    assert_eq!(error_code(&wijk), Some("BAD_USER_INPUT"), "{wijk:#}");
    app.stop().await;
}

#[test]
fn fixture_dates_are_in_2025() {
    assert_eq!(
        day(3, 5).date_naive(),
        NaiveDate::from_ymd_opt(2025, 3, 5).unwrap()
    );
}
