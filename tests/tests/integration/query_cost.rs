//! DataLoaders keep the number of SQL statements per request constant.

use api::auth::Actor;
use api::services::offer::{self, LocationFields, OfferFields};
use api::services::organisation::{self, OrganisationFields};
use entities::{LifeDomain, OfferKind, TargetGroup};
use serde_json::json;
use tests::TestApp;

const LIST: &str = r#"query($first: Int) {
  offers(first: $first) {
    edges { node { id title organisation { name areas { code } } lifeDomains targetGroups
      locations { postcode buurt { code name parent { code name } gemeente { code name } } } } }
  }
}"#;

#[tokio::test]
async fn listing_100_offers_costs_a_constant_number_of_queries() {
    // The search indexer shares the database counter; keep it idle while counting.
    let app = TestApp::spawn_with(|c| c.search.poll_interval_ms = 3_600_000).await;
    // 100 more offers over 50 new organisations and many buurten, so that one query per
    // offer or per organisation would show.
    let mut org_ids = Vec::new();
    for i in 0..50 {
        let fields = OrganisationFields {
            name: Some(format!("Buurtorganisatie {i:02}")),
            area_codes: Some(vec![["GM0268", "GM0361", "GM0935"][i % 3].to_string()]),
            ..Default::default()
        };
        let org = organisation::create(&app.state, &Actor::System, fields)
            .await
            .unwrap_or_else(|e| panic!("{}", e.message()));
        organisation::publish(&app.state, &Actor::System, &org.id, org.version)
            .await
            .unwrap_or_else(|e| panic!("{}", e.message()));
        org_ids.push(org.id);
    }
    let postcodes = [
        "6511", "6663", "1811", "1851", "1901", "6211", "6411", "1861", "6515", "6524",
    ];
    for i in 0..100 {
        let fields = OfferFields {
            title: Some(format!("Extra groep {i:03}")),
            kind: Some(OfferKind::Group),
            life_domains: Some(vec![LifeDomain::Beweging, LifeDomain::Slapen]),
            target_groups: Some(vec![TargetGroup::Eenzaamheid]),
            locations: Some(vec![LocationFields {
                postcode: Some(postcodes[i % postcodes.len()].into()),
                ..Default::default()
            }]),
            ..Default::default()
        };
        let draft = offer::create(
            &app.state,
            &Actor::System,
            &org_ids[i % org_ids.len()],
            fields,
        )
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
        offer::publish(
            &app.state,
            &Actor::System,
            &draft.offer.id,
            draft.offer.version,
        )
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    }

    let cost = |first: i64| {
        let app = &app;
        async move {
            let before = app.state.queries.get();
            let data = app.gql_ok(LIST, json!({"first": first})).await;
            let n = data["offers"]["edges"].as_array().unwrap().len();
            (app.state.queries.get() - before, n)
        }
    };
    let (small, n_small) = cost(5).await;
    let (large, n_large) = cost(100).await;
    assert_eq!(n_small, 5);
    assert_eq!(n_large, 100);
    // One batch per loader and nesting level (offers; organisations, locations, life domains,
    // target groups; area codes, buurten; areas, wijken; gemeenten): about ten statements,
    // however many rows. A loader batch can split in two when its keys arrive in different
    // ticks, so allow 24; one query per offer (100) or per organisation (50+) stays far above.
    assert!(small <= 24, "5 offers cost {small} queries");
    assert!(
        large <= 24,
        "100 offers cost {large} queries (5 offers cost {small}): an N+1 crept in"
    );
}
