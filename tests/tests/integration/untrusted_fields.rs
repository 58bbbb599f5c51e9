//! Typed fields from every edge (GraphQL input, HSDS import; peers in `federation`) pass the
//! same domain types: no `javascript:` or `data:` link, broken e-mail or phone is stored.

use api::auth::Actor;
use api::hsds::import;
use entities::offer;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use tests::{TestApp, demo, error_code, error_field};

const HOSTILE_URLS: [&str; 6] = [
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "java\tscript:alert(1)",
    " javascript:alert(1)",
    "https://user:secret@evil.example/",
];

#[tokio::test]
async fn graphql_refuses_hostile_urls_and_fields_with_the_field_named() {
    let app = TestApp::spawn().await.signed_in(demo::ADMIN).await;
    let create = r#"mutation($input: OrganisationInput!) { createOrganisation(input: $input) { id version website } }"#;
    for url in HOSTILE_URLS {
        let body = app
            .gql(
                create,
                json!({"input": {"name": "Buurtwerk", "website": url}}),
            )
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{url}: {body}");
        assert_eq!(error_field(&body), Some("input.website"), "{url}: {body}");
    }
    for (field, value) in [
        ("email", "javascript:alert(1)//@x.nl"),
        ("email", "a\"onclick=alert(1)@x.nl"),
        ("phone", "javascript:0243822838"),
    ] {
        let body = app
            .gql(
                create,
                json!({"input": {"name": "Buurtwerk", field: value}}),
            )
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{value}: {body}");
        assert_eq!(
            error_field(&body),
            Some(format!("input.{field}").as_str()),
            "{body}"
        );
    }
    let ok = app
        .gql_ok(
            create,
            json!({"input": {"name": "Buurtwerk", "website": "https://buurtwerk.example/over-ons"}}),
        )
        .await;
    let id = ok["createOrganisation"]["id"].clone();
    assert_eq!(
        ok["createOrganisation"]["website"],
        "https://buurtwerk.example/over-ons"
    );
    let update = r#"mutation($id: ID!, $input: OrganisationInput!) { updateOrganisation(id: $id, version: 1, input: $input) { id } }"#;
    let body = app
        .gql(
            update,
            json!({"id": id, "input": {"website": "javascript:alert(1)"}}),
        )
        .await;
    assert_eq!(error_field(&body), Some("input.website"), "{body}");
}

#[tokio::test]
async fn hsds_import_refuses_services_with_hostile_fields() {
    let app = TestApp::spawn_with(|c| c.seed.demo = false).await;
    let service = |n: u32, name: &str, extra: serde_json::Value| {
        let mut s = json!({
            "id": format!("6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d9a{n:02}"), "name": name, "status": "active",
            "service_at_locations": [{"id": format!("6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d9b{n:02}"),
              "location": {"id": format!("6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d9c{n:02}"), "location_type": "physical",
                "addresses": [{"id": format!("6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d9d{n:02}"), "address_1": "Plein 1",
                  "city": "Nijmegen", "state_province": "", "postal_code": "6511 AA", "country": "NL",
                  "address_type": "physical"}]}}]
        });
        for (k, v) in extra.as_object().unwrap() {
            s[k] = v.clone();
        }
        s
    };
    let file = json!([
        service(1, "Wandelgroep", json!({"email": "wandelen@buurtwerk.example"})),
        service(2, "Kaping per mail", json!({"email": "javascript:alert(1)//@x.nl"})),
        service(3, "Kaping per contact", json!({"contacts": [{"id": "6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d9e01",
            "name": "X", "email": "<script>@x.nl"}]})),
        service(4, "Kaping per telefoon", json!({"phones": [{"id": "6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d9e02",
            "number": "javascript:alert(1)"}]})),
        service(5, "Kaping per postcode", json!({"service_at_locations": [{"id": "6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d9e03",
            "location": {"id": "6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d9e04", "location_type": "physical",
              "addresses": [{"id": "6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d9e05", "address_1": "Plein 1",
                "city": "Nijmegen", "state_province": "", "postal_code": "<b>6511</b>", "country": "NL",
                "address_type": "physical"}]}}]})),
    ])
    .to_string();
    let services = import::parse_file(&file).unwrap();
    let org = import::resolve_organisation(&app.state, "Partner")
        .await
        .unwrap();
    let report = import::import(&app.state, &Actor::System, &org, &services)
        .await
        .unwrap();
    assert_eq!(report.created.len(), 1, "{:?}", report.skipped);
    let reasons: Vec<&str> = report.skipped.iter().map(|(_, r)| r.as_str()).collect();
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert!(reasons[0].contains("contactEmail"), "{reasons:?}");
    assert!(reasons[1].contains("contactEmail"), "{reasons:?}");
    assert!(reasons[2].contains("contactPhone"), "{reasons:?}");
    assert!(reasons[3].contains("postcode"), "{reasons:?}");
    let stored = offer::Entity::find()
        .filter(offer::Column::OrganisationId.eq(org.as_str()))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].contact_email.as_deref(),
        Some("wandelen@buurtwerk.example")
    );
    app.stop().await;
}
