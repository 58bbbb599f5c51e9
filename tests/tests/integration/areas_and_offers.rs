//! Reading areas and offers: tree, filters, pagination, limits, GET and POST.

use serde_json::{Value, json};
use tests::{TestApp, error_code, error_field};

const OFFERS: &str = r#"query($filter: OfferFilterInput, $first: Int, $after: String) {
  offers(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id title kind status capacityStatus openPlaces cost { free }
      lifeDomains targetGroups
      locations { buurt { code gemeente { code } } } } }
  }
}"#;

fn titles(data: &Value) -> Vec<String> {
    data["offers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["title"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn health_checks_the_database() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["node"], "test");
}

#[tokio::test]
async fn area_tree_follows_cbs() {
    let app = TestApp::spawn().await;
    let data = app
        .gql_ok(
            r#"{ area(code: "gm0268") { code kind name children { code kind } }
                 lent: area(code: "BU02680970") { name parent { code name } gemeente { code } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["area"]["code"], "GM0268");
    assert_eq!(data["area"]["name"], "Nijmegen");
    let wijken = data["area"]["children"].as_array().unwrap();
    assert_eq!(wijken.len(), 9, "Nijmegen has 9 wijken in 2024");
    assert!(wijken.iter().all(|w| w["kind"] == "WIJK"));
    assert_eq!(data["lent"]["parent"]["code"], "WK026809");
    assert_eq!(data["lent"]["gemeente"]["code"], "GM0268");

    let gemeenten = app
        .gql_ok("{ areas(limit: 1000) { code } }", json!({}))
        .await;
    assert_eq!(gemeenten["areas"].as_array().unwrap().len(), 342);

    let bad = app
        .gql(r#"{ area(code: "XX12") { code } }"#, json!({}))
        .await;
    assert_eq!(error_code(&bad), Some("BAD_USER_INPUT"));
    assert_eq!(error_field(&bad), Some("code"));
    let missing = app
        .gql(r#"{ area(code: "GM9999") { code } }"#, json!({}))
        .await;
    assert_eq!(error_code(&missing), Some("NOT_FOUND"));
}

#[tokio::test]
async fn offers_filter_by_area_at_every_level() {
    let app = TestApp::spawn().await;
    for (code, expect_gm) in [
        ("GM0268", "GM0268"),
        ("WK026809", "GM0268"),
        ("BU02680970", "GM0268"),
        ("GM0935", "GM0935"),
    ] {
        let data = app
            .gql_ok(OFFERS, json!({"filter": {"areaCode": code}, "first": 100}))
            .await;
        let edges = data["offers"]["edges"].as_array().unwrap();
        assert!(!edges.is_empty(), "{code} has demo offers");
        for e in edges {
            let gms: Vec<&str> = e["node"]["locations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["buurt"]["gemeente"]["code"].as_str().unwrap())
                .collect();
            assert!(gms.contains(&expect_gm), "{code}: {}", e["node"]["title"]);
            if code.starts_with("BU") {
                assert!(
                    e["node"]["locations"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|l| l["buurt"]["code"] == code)
                );
            }
        }
    }
    let lent = titles(
        &app.gql_ok(
            OFFERS,
            json!({"filter": {"areaCode": "BU02680970"}, "first": 100}),
        )
        .await,
    );
    assert!(lent.contains(&"Wandelgroep Lent".to_string()));
    assert!(
        !lent.contains(&"Herstelcirkel Psychische Kracht Oosterhout".to_string()),
        "Oosterhout is another buurt"
    );
}

#[tokio::test]
async fn offers_filter_by_kind_domain_group_places_and_cost() {
    let app = TestApp::spawn().await;
    let circles = app
        .gql_ok(
            OFFERS,
            json!({"filter": {"kinds": ["HERSTELCIRKEL"]}, "first": 100}),
        )
        .await;
    let edges = circles["offers"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 6, "demo data has six Herstelcirkels");
    assert!(edges.iter().all(|e| e["node"]["kind"] == "HERSTELCIRKEL"));

    let diabetes = app
        .gql_ok(OFFERS, json!({"filter": {"targetGroups": ["DIABETES_TYPE_2"], "lifeDomains": ["BEWEGING"]}, "first": 100}))
        .await;
    let edges = diabetes["offers"]["edges"].as_array().unwrap();
    assert!(edges.len() >= 2);
    for e in edges {
        assert!(
            e["node"]["targetGroups"]
                .as_array()
                .unwrap()
                .contains(&json!("DIABETES_TYPE_2"))
        );
        assert!(
            e["node"]["lifeDomains"]
                .as_array()
                .unwrap()
                .contains(&json!("BEWEGING"))
        );
    }

    let open = titles(
        &app.gql_ok(
            OFFERS,
            json!({"filter": {"openPlacesOnly": true}, "first": 100}),
        )
        .await,
    );
    let all = titles(&app.gql_ok(OFFERS, json!({"first": 100})).await);
    assert!(all.contains(&"Herstelcirkel Psychische Kracht Oosterhout".to_string()));
    assert!(
        !open.contains(&"Herstelcirkel Psychische Kracht Oosterhout".to_string()),
        "full circle is not open"
    );
    assert!(open.len() < all.len());

    let free = app
        .gql_ok(OFFERS, json!({"filter": {"freeOnly": true}, "first": 100}))
        .await;
    let edges = free["offers"]["edges"].as_array().unwrap();
    assert!(!edges.is_empty());
    assert!(edges.iter().all(|e| e["node"]["cost"]["free"] == true));

    let full = app
        .gql_ok(
            OFFERS,
            json!({"filter": {"statuses": ["FULL"]}, "first": 100}),
        )
        .await;
    let full = full["offers"]["edges"].as_array().unwrap();
    assert_eq!(full.len(), 1);
    assert_eq!(full[0]["node"]["capacityStatus"], "WAITLIST");
}

#[tokio::test]
async fn cursor_pagination_walks_every_offer_once() {
    let app = TestApp::spawn().await;
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let total = loop {
        let data = app
            .gql_ok(OFFERS, json!({"first": 3, "after": after}))
            .await;
        let total = data["offers"]["totalCount"].as_u64().unwrap();
        for e in data["offers"]["edges"].as_array().unwrap() {
            seen.push(e["node"]["id"].as_str().unwrap().to_string());
        }
        if data["offers"]["pageInfo"]["hasNextPage"] == false {
            break total;
        }
        after = data["offers"]["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_string);
    };
    assert_eq!(seen.len() as u64, total);
    let mut dedup = seen.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), seen.len(), "no offer twice");
    assert_eq!(total, 22, "demo data has 22 offers");
}

#[tokio::test]
async fn limits_give_clear_errors() {
    let app = TestApp::spawn().await;
    let too_big = app.gql(OFFERS, json!({"first": 101})).await;
    assert_eq!(error_code(&too_big), Some("BAD_USER_INPUT"));
    assert_eq!(error_field(&too_big), Some("first"));
    let bad_cursor = app.gql(OFFERS, json!({"after": "not-a-cursor"})).await;
    assert_eq!(error_field(&bad_cursor), Some("after"));
    let bad_area = app
        .gql(OFFERS, json!({"filter": {"areaCode": "Lent"}}))
        .await;
    assert_eq!(error_field(&bad_area), Some("filter.areaCode"));

    let mut deep = String::from("code");
    for _ in 0..14 {
        deep = format!("parent {{ {deep} }}");
    }
    let deep = app
        .gql(
            &format!(r#"{{ area(code: "BU02680970") {{ {deep} }} }}"#),
            json!({}),
        )
        .await;
    assert!(
        deep["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nested too deep"),
        "{deep}"
    );
}

#[tokio::test]
async fn graphql_over_http_get_and_post() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "{ area(code: \"GM0361\") { name } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["area"]["name"], "Alkmaar");

    let res = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "mutation { publishOffer(id: \"test:00000000-0000-0000-0000-000000000000\", version: 1) { id } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405, "mutations are not allowed over GET");

    let page = app.client.get(app.url("/graphiql")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("graphiql"));
}

#[tokio::test]
async fn demo_data_is_loaded_once() {
    let app = TestApp::spawn().await;
    let url = app.state.config.database_url();
    let dir = tempfile::tempdir().unwrap();
    let mut config = (*app.state.config).clone();
    config.database.url = url;
    config.data_dir = dir.path().to_path_buf();
    let again = api::app::prepare(config)
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    let again = TestApp::serve(again, dir).await;
    let data = again.gql_ok(OFFERS, json!({"first": 1})).await;
    assert_eq!(data["offers"]["totalCount"], 22);
}
