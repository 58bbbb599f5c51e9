//! One paging convention (issue 17): referrals and area children as keyset connections that
//! reach every row page by page, and `node` / `nodes` refetching records by global id, each
//! record only for those who may see it through its own query.

use crate::referral_isolation::{offer_of, organisation_of, practitioner_of, send};
use api::auth::Actor;
use api::domain::GlobalId;
use api::services::offer::{self, LocationFields, OfferFields};
use api::services::organisation::{self, OrganisationFields};
use entities::{LifeDomain, OfferKind, OrganisationKind, TargetGroup};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tests::{TestApp, error_code};

const REFERRALS: &str = "query($after: String, $status: ReferralStatus) {
    referralsConnection(first: 2, after: $after, status: $status) {
        totalCount edges { cursor node { id createdAt } } pageInfo { hasNextPage endCursor } } }";

/// Every referral `token` reaches by paging `referralsConnection` two at a time (ids, newest
/// first), and the `totalCount` of each page.
async fn all_referrals(app: &TestApp, token: &str) -> (Vec<String>, Vec<u64>) {
    let (mut ids, mut counts, mut after) = (Vec::new(), Vec::new(), Value::Null);
    let mut last_created: Option<chrono::DateTime<chrono::FixedOffset>> = None;
    loop {
        let body = app
            .gql_with(Some(token), REFERRALS, json!({"after": after}))
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        let conn = &body["data"]["referralsConnection"];
        counts.push(conn["totalCount"].as_u64().unwrap());
        for e in conn["edges"].as_array().unwrap() {
            let created =
                chrono::DateTime::parse_from_rfc3339(e["node"]["createdAt"].as_str().unwrap())
                    .unwrap();
            if let Some(last) = &last_created {
                assert!(created <= *last, "newest first: {created} after {last}");
            }
            last_created = Some(created);
            ids.push(e["node"]["id"].as_str().unwrap().to_string());
        }
        if conn["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    (ids, counts)
}

/// The ids of `sent` referrals, sorted.
fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[tokio::test]
async fn referrals_connection_reaches_every_referral_of_each_party_and_no_other() {
    let app = TestApp::spawn().await;
    let practice = organisation_of(&app, "Praktijk Paging", OrganisationKind::GpPractice).await;
    let other_practice =
        organisation_of(&app, "Praktijk Ander", OrganisationKind::GpPractice).await;
    let receiver = organisation_of(&app, "Ontvanger Paging", OrganisationKind::Welfare).await;
    let outsider = organisation_of(&app, "Buitenstaander", OrganisationKind::Welfare).await;
    let offer = offer_of(&app, &receiver, "Wandelgroep Paging").await;
    offer_of(&app, &outsider, "Andere groep").await;
    let gp = practitioner_of(&app, "huisarts-paging@example.org", &practice).await;
    let other_gp = practitioner_of(&app, "huisarts-ander@example.org", &other_practice).await;
    let editor = app
        .editor_token("ontvanger-paging@example.org", &receiver)
        .await;
    let outside_editor = app.editor_token("buiten@example.org", &outsider).await;

    let mut mine = Vec::new();
    for n in 0..5 {
        let r = send(&app, &gp, &offer, &format!("PAG-{n:04}")).await;
        mine.push(r["id"].as_str().unwrap().to_string());
    }
    let mut theirs = Vec::new();
    for n in 0..2 {
        let r = send(&app, &other_gp, &offer, &format!("AND-{n:04}")).await;
        theirs.push(r["id"].as_str().unwrap().to_string());
    }

    // The practice pages through its five (older ones too), and only those.
    let (ids, counts) = all_referrals(&app, &gp).await;
    assert_eq!(ids.len(), 5, "no duplicates across pages: {ids:?}");
    assert_eq!(sorted(ids.clone()), sorted(mine.clone()));
    assert!(counts.iter().all(|c| *c == 5), "{counts:?}");
    assert_eq!(ids.first(), mine.last(), "newest first");
    // The other practice sees its two.
    let (ids, _) = all_referrals(&app, &other_gp).await;
    assert_eq!(sorted(ids), sorted(theirs.clone()));
    // The receiving organisation sees all seven.
    let (ids, counts) = all_referrals(&app, &editor).await;
    let mut all = mine.clone();
    all.extend(theirs.clone());
    assert_eq!(sorted(ids), sorted(all));
    assert!(counts.iter().all(|c| *c == 7), "{counts:?}");
    // Another organisation never sees a referral, nor learns how many there are.
    let (ids, counts) = all_referrals(&app, &outside_editor).await;
    assert!(ids.is_empty(), "another organisation sees {ids:?}");
    assert_eq!(counts, vec![0]);
    // Anonymous callers are told to sign in.
    let body = app.gql_with(None, REFERRALS, json!({})).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    // A status filter narrows every page and the count.
    let body = app
        .gql_with(Some(&gp), REFERRALS, json!({"status": "ACCEPTED"}))
        .await;
    assert_eq!(
        body["data"]["referralsConnection"]["totalCount"],
        json!(0),
        "{body}"
    );
    // A cursor that is not one of ours is bad input.
    let body = app
        .gql_with(Some(&gp), REFERRALS, json!({"after": "bm9wZQ"}))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    app.stop().await;
}

#[tokio::test]
async fn area_children_page_by_code() {
    let app = TestApp::spawn().await;
    let plain = app
        .gql_ok(
            r#"{ area(code: "GM0268") { children { code } } }"#,
            json!({}),
        )
        .await;
    let expected: Vec<Value> = plain["area"]["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].clone())
        .collect();
    assert!(expected.len() > 3, "Nijmegen has wijken");
    let query = r#"query($after: String) { area(code: "GM0268") {
        childrenConnection(first: 3, after: $after) {
            totalCount edges { node { code } } pageInfo { hasNextPage endCursor } } } }"#;
    let (mut seen, mut after) = (Vec::new(), Value::Null);
    loop {
        let body = app.gql_ok(query, json!({"after": after})).await;
        let conn = &body["area"]["childrenConnection"];
        assert_eq!(conn["totalCount"], json!(expected.len()));
        seen.extend(
            conn["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["code"].clone()),
        );
        if conn["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, expected);
    app.stop().await;
}

/// A draft (never published) offer of organisation `org`.
async fn draft_of(app: &TestApp, org: &str) -> String {
    let draft = offer::create(
        &app.state,
        &Actor::System,
        &GlobalId::parse(org).unwrap(),
        OfferFields {
            title: Some("Concept Paging".into()),
            kind: Some(OfferKind::Group),
            life_domains: Some(vec![LifeDomain::Beweging]),
            target_groups: Some(vec![TargetGroup::Eenzaamheid]),
            locations: Some(vec![LocationFields {
                postcode: Some("6663".into()),
                ..Default::default()
            }]),
            ..Default::default()
        }
        .try_into()
        .unwrap(),
    )
    .await
    .unwrap_or_else(|e| panic!("{}", e.message()));
    draft.offer.id
}

/// An organisation that was never published.
async fn unpublished_organisation(app: &TestApp) -> String {
    organisation::create(
        &app.state,
        &Actor::System,
        OrganisationFields {
            name: Some("Nog niet gepubliceerd".into()),
            kind: Some(OrganisationKind::Welfare),
            area_codes: Some(vec!["GM0268".into()]),
            ..Default::default()
        }
        .try_into()
        .unwrap(),
    )
    .await
    .unwrap_or_else(|e| panic!("{}", e.message()))
    .id
}

const NODES: &str = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }";
const NODE: &str = "query($id: ID!) { node(id: $id) { __typename id } }";

/// What `token` gets for each of `ids` through `nodes`: the type name, or null. Checked
/// against `node` for each id.
async fn seen_as(app: &TestApp, token: Option<&str>, ids: &[&str]) -> Vec<Value> {
    let body = app.gql_with(token, NODES, json!({"ids": ids})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let got: Vec<Value> = body["data"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["__typename"].clone())
        .collect();
    for (id, kind) in ids.iter().zip(&got) {
        let one = app.gql_with(token, NODE, json!({"id": id})).await;
        assert!(one.get("errors").is_none(), "{one}");
        assert_eq!(&one["data"]["node"]["__typename"], kind, "node({id})");
        if !kind.is_null() {
            assert_eq!(one["data"]["node"]["id"], json!(id));
        }
    }
    got
}

#[tokio::test]
async fn node_and_nodes_show_a_record_only_to_whoever_may_see_it() {
    let app = TestApp::spawn().await;
    let practice = organisation_of(&app, "Praktijk Node", OrganisationKind::GpPractice).await;
    let owner_org = organisation_of(&app, "Eigenaar Node", OrganisationKind::Welfare).await;
    let other_org = organisation_of(&app, "Ander Node", OrganisationKind::Welfare).await;
    let public = offer_of(&app, &owner_org, "Openbaar Node").await;
    let draft = draft_of(&app, &owner_org).await;
    let hidden_org = unpublished_organisation(&app).await;
    let gp = practitioner_of(&app, "huisarts-node@example.org", &practice).await;
    let owner = app
        .editor_token("eigenaar-node@example.org", &owner_org)
        .await;
    let hidden_editor = app
        .editor_token("verborgen-node@example.org", &hidden_org)
        .await;
    let other = app.editor_token("ander-node@example.org", &other_org).await;
    let referral = send(&app, &gp, &public, "NODE-0001").await;
    let referral = referral["id"].as_str().unwrap().to_string();
    let location = entities::location::Entity::find()
        .filter(entities::location::Column::OfferId.eq(public.as_str()))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let draft_location = entities::location::Entity::find()
        .filter(entities::location::Column::OfferId.eq(draft.as_str()))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let unknown = format!("{}:{}", app.state.node_id, uuid::Uuid::new_v4());
    let ids = [
        public.as_str(),
        owner_org.as_str(),
        location.as_str(),
        "GM0268",
        draft.as_str(),
        draft_location.as_str(),
        hidden_org.as_str(),
        referral.as_str(),
        unknown.as_str(),
        "not an id",
    ];
    let public_part = [
        json!("Offer"),
        json!("Organisation"),
        json!("Location"),
        json!("Area"),
    ];
    let expect = |drafts: bool, hidden: bool, referral: bool| {
        let mut v = public_part.to_vec();
        v.push(if drafts { json!("Offer") } else { Value::Null });
        v.push(if drafts {
            json!("Location")
        } else {
            Value::Null
        });
        v.push(if hidden {
            json!("Organisation")
        } else {
            Value::Null
        });
        v.push(if referral {
            json!("Referral")
        } else {
            Value::Null
        });
        v.extend([Value::Null, Value::Null]);
        v
    };
    assert_eq!(
        seen_as(&app, None, &ids).await,
        expect(false, false, false),
        "anonymous"
    );
    assert_eq!(
        seen_as(&app, Some(&other), &ids).await,
        expect(false, false, false),
        "another organisation's editor"
    );
    assert_eq!(
        seen_as(&app, Some(&owner), &ids).await,
        expect(true, false, true),
        "the offer's organisation"
    );
    assert_eq!(
        seen_as(&app, Some(&gp), &ids).await,
        expect(false, false, true),
        "the referring practitioner"
    );
    assert_eq!(
        seen_as(&app, Some(&hidden_editor), &ids).await,
        expect(false, true, false),
        "the unpublished organisation's editor"
    );

    // The number of ids is capped.
    let cap = app.state.config.limits.max_page_size;
    let many: Vec<String> = (0..=cap).map(|n| format!("GM{n:04}")).collect();
    let body = app.gql_with(None, NODES, json!({"ids": many})).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    app.stop().await;
}

/// Every offer `query` (with `$after`, `$first` and the connection at `path`) reaches page
/// by page: ids in order, and whether each id came once.
async fn page_through(app: &TestApp, query: &str, vars: Value, path: &[&str]) -> Vec<String> {
    let (mut seen, mut after) = (Vec::new(), Value::Null);
    loop {
        let mut v = vars.clone();
        v["after"] = after.clone();
        let mut body = app.gql_ok(query, v).await;
        for p in path {
            body = body[*p].clone();
        }
        seen.extend(
            body["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["id"].as_str().unwrap().to_string()),
        );
        if body["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = body["pageInfo"]["endCursor"].clone();
    }
    seen
}

#[tokio::test]
async fn area_lists_page_through_every_offer_of_the_area_once_in_title_order() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    // An offer with a second place in the same buurt (so the same wijk and gemeente) is listed
    // once in each.
    let first = entities::location::Entity::find()
        .filter(entities::location::Column::BuurtCode.is_not_null())
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .find(|l| {
            l.buurt_code
                .as_deref()
                .is_some_and(|b| b.starts_with("BU0268"))
        })
        .expect("a demo location in Nijmegen");
    let mut twin = first.clone();
    twin.id = format!("test:{}", uuid::Uuid::new_v4());
    twin.position = 99;
    api::db::insert_all(
        db,
        vec![sea_orm::IntoActiveModel::into_active_model(twin)],
        None,
    )
    .await
    .unwrap();
    api::read_model::derived::refresh_offers(db, &[&first.offer_id])
        .await
        .unwrap();
    let buurt = first.buurt_code.clone().unwrap();
    let wijk = format!("WK{}", &buurt[2..8]);
    let list = "query($f: OfferFilterInput, $after: String, $first: Int) {
        offers(filter: $f, first: $first, after: $after) {
            totalCount edges { node { id title } } pageInfo { hasNextPage endCursor } } }";
    let nested = "query($c: String!, $after: String, $first: Int) { area(code: $c) {
        offers(first: $first, after: $after) {
            edges { node { id } } pageInfo { hasNextPage endCursor } } } }";
    let everything = page_through(&app, list, json!({"f": {}, "first": 50}), &["offers"]).await;
    for code in ["GM0268", wijk.as_str(), buurt.as_str()] {
        let all = app
            .gql_ok(list, json!({"f": {"areaCode": code}, "first": 100}))
            .await;
        let total = all["offers"]["totalCount"].as_u64().unwrap() as usize;
        let expected: Vec<String> = all["offers"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap().to_string())
            .collect();
        assert!(total > 0 && total < 100, "{code}: {total} offers");
        assert_eq!(expected.len(), total, "{code}: one page holds all");
        assert_eq!(
            expected.iter().filter(|id| **id == first.offer_id).count(),
            1,
            "{code}: the offer with two places in it is listed once"
        );
        // In the order of the plain list (title, then id, as the database compares them).
        let in_order: Vec<String> = everything
            .iter()
            .filter(|id| expected.contains(id))
            .cloned()
            .collect();
        assert_eq!(expected, in_order, "{code}");
        let paged = page_through(
            &app,
            list,
            json!({"f": {"areaCode": code}, "first": 2}),
            &["offers"],
        )
        .await;
        assert_eq!(paged, expected, "{code}: paging two at a time");
        let under = page_through(
            &app,
            nested,
            json!({"c": code, "first": 2}),
            &["area", "offers"],
        )
        .await;
        assert_eq!(under, expected, "{code}: Area.offers");
    }
    // A renamed offer moves in the area lists as in the plain list: its locations carry the
    // new title (the area lists' sort key) from the same transaction on.
    let editor = app.sign_in(tests::demo::EDITOR).await;
    let (own, v) = crate::auth::offer_by_title(&app, "Wandelgroep Lent").await;
    let renamed = app
        .gql_with(
            Some(&editor),
            r#"mutation($id: ID!, $v: Int!, $input: OfferInput!) {
                updateOffer(id: $id, version: $v, input: $input) { id title } }"#,
            json!({"id": own, "v": v, "input": {"title": "Aaa wandelgroep Lent"}}),
        )
        .await;
    assert!(renamed.get("errors").is_none(), "{renamed}");
    let everything = page_through(&app, list, json!({"f": {}, "first": 50}), &["offers"]).await;
    let in_gemeente = page_through(
        &app,
        list,
        json!({"f": {"areaCode": "GM0268"}, "first": 3}),
        &["offers"],
    )
    .await;
    assert!(
        in_gemeente.contains(&own),
        "the renamed offer is in Nijmegen"
    );
    let in_order: Vec<String> = everything
        .into_iter()
        .filter(|id| in_gemeente.contains(id))
        .collect();
    assert_eq!(in_gemeente, in_order);
    app.stop().await;
}
