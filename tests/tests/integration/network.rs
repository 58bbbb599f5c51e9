//! Networks, joint offers, funding and attributes (issue 19): who may manage networks, the
//! `networkId` filter, partners/funding/attributes through `setOfferNetworkDetails` and back,
//! the attribute filters, and the pages that show them.

use crate::web::{cookie, get, pairs, post, texts};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::{TestApp, demo, error_code, error_field, eventually};

const CREATE: &str = r#"mutation($input: NetworkInput!) {
  createNetwork(input: $input) { id name version region members { id } } }"#;
const ADD: &str = r#"mutation($n: ID!, $o: ID!) {
  addNetworkMember(networkId: $n, organisationId: $o) { id members { id name } } }"#;
const SET: &str = r#"mutation($id: ID!, $v: Int!, $input: OfferNetworkDetailsInput!) {
  setOfferNetworkDetails(id: $id, version: $v, input: $input) {
    id version
    partners { id organisation { name } }
    funding { funders { name kind } routes }
    attributes { peerLed deliveryMode wheelchairAccessible hearingLoop publicTransportNearby }
  } }"#;

/// Public offers with their organisation (the demo has fewer than 100).
async fn offers(app: &TestApp, filter: Value) -> Vec<Value> {
    let data = app
        .gql_ok(
            "query($f: OfferFilterInput) { offers(filter: $f, first: 100) {
               nodes { id title version organisation { id name } } } }",
            json!({"f": filter}),
        )
        .await;
    data["offers"]["nodes"].as_array().unwrap().clone()
}

/// The id of the demo organisation named `name`.
async fn org_id(app: &TestApp, name: &str) -> String {
    offers(app, json!({}))
        .await
        .iter()
        .find(|o| o["organisation"]["name"] == name)
        .map(|o| o["organisation"]["id"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("demo organisation {name}"))
}

fn network_input(name: &str) -> Value {
    json!({"input": {"name": name, "description": "Samen sterker", "region": ["GM0268"]}})
}

#[tokio::test]
async fn only_node_admins_manage_networks() {
    let app = TestApp::spawn().await;
    let bindkracht = org_id(&app, "Bindkracht10").await;
    let editor = app.sign_in(demo::EDITOR).await;
    let admin = app.sign_in(demo::ADMIN).await;

    let anonymous = app.gql_with(None, CREATE, network_input("Netwerk A")).await;
    assert_eq!(
        error_code(&anonymous),
        Some("UNAUTHENTICATED"),
        "{anonymous}"
    );
    let by_editor = app
        .gql_with(Some(&editor), CREATE, network_input("Netwerk A"))
        .await;
    assert_eq!(error_code(&by_editor), Some("FORBIDDEN"), "{by_editor}");

    let created = app
        .gql_with(Some(&admin), CREATE, network_input("Netwerk A"))
        .await;
    let n = created["data"]["createNetwork"].clone();
    assert_eq!(n["name"], "Netwerk A", "{created}");
    assert_eq!(n["region"], json!(["GM0268"]));

    let vars = json!({"n": n["id"], "o": bindkracht});
    let member_by_editor = app.gql_with(Some(&editor), ADD, vars.clone()).await;
    assert_eq!(
        error_code(&member_by_editor),
        Some("FORBIDDEN"),
        "{member_by_editor}"
    );
    let added = app.gql_with(Some(&admin), ADD, vars.clone()).await;
    assert_eq!(
        added["data"]["addNetworkMember"]["members"][0]["name"], "Bindkracht10",
        "{added}"
    );
    // Twice changes nothing.
    let again = app.gql_with(Some(&admin), ADD, vars).await;
    assert_eq!(
        again["data"]["addNetworkMember"]["members"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let of_org = app
        .gql_ok(
            "query($id: ID!) { offers(filter: {organisationId: $id}, first: 1) {
               nodes { organisation { networks { name } } } } }",
            json!({"id": bindkracht}),
        )
        .await;
    let names: Vec<&str> = of_org["offers"]["nodes"][0]["organisation"]["networks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Netwerk A"), "{of_org}");

    let update = r#"mutation($id: ID!, $v: Int!, $input: NetworkInput!) {
      updateNetwork(id: $id, version: $v, input: $input) { name version } }"#;
    let stale = app
        .gql_with(
            Some(&admin),
            update,
            json!({"id": n["id"], "v": 7, "input": {"name": "Netwerk B"}}),
        )
        .await;
    assert_eq!(error_code(&stale), Some("CONFLICT"), "{stale}");
    let bad = app
        .gql_with(
            Some(&admin),
            update,
            json!({"id": n["id"], "v": 1, "input": {"name": "Netwerk B", "region": ["WK026806"]}}),
        )
        .await;
    assert_eq!(error_code(&bad), Some("BAD_USER_INPUT"), "{bad}");
    assert_eq!(error_field(&bad), Some("input.region.0"), "{bad}");
    let by_editor = app
        .gql_with(
            Some(&editor),
            update,
            json!({"id": n["id"], "v": 1, "input": {"name": "Netwerk B"}}),
        )
        .await;
    assert_eq!(error_code(&by_editor), Some("FORBIDDEN"), "{by_editor}");
    let delete = "mutation($id: ID!, $v: Int!) { deleteNetwork(id: $id, version: $v) }";
    let by_editor = app
        .gql_with(Some(&editor), delete, json!({"id": n["id"], "v": 1}))
        .await;
    assert_eq!(error_code(&by_editor), Some("FORBIDDEN"), "{by_editor}");
    let deleted = app
        .gql_with(Some(&admin), delete, json!({"id": n["id"], "v": 1}))
        .await;
    assert!(deleted.get("errors").is_none(), "{deleted}");
    let gone = app
        .gql(
            "query($id: ID!) { network(id: $id) { id } }",
            json!({"id": n["id"]}),
        )
        .await;
    assert_eq!(error_code(&gone), Some("NOT_FOUND"), "{gone}");
    app.stop().await;
}

#[tokio::test]
async fn the_network_filter_lists_the_offers_of_its_members() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in(demo::ADMIN).await;
    let bindkracht = org_id(&app, "Bindkracht10").await;
    let created = app
        .gql_with(Some(&admin), CREATE, network_input("Netwerk Noord"))
        .await;
    let network = created["data"]["createNetwork"]["id"].clone();
    let empty = offers(&app, json!({"networkId": network})).await;
    assert!(
        empty.is_empty(),
        "a network without members has no offers: {empty:?}"
    );
    app.gql_with(Some(&admin), ADD, json!({"n": network, "o": bindkracht}))
        .await;
    let of_network = offers(&app, json!({"networkId": network})).await;
    let of_org = offers(&app, json!({"organisationId": bindkracht})).await;
    assert!(!of_network.is_empty());
    let ids = |list: &[Value]| list.iter().map(|o| o["id"].clone()).collect::<Vec<_>>();
    assert_eq!(
        ids(&of_network),
        ids(&of_org),
        "the network's offers are its member's"
    );
    app.stop().await;
}

#[tokio::test]
async fn editors_set_partners_funding_and_attributes_and_gps_filter_on_them() {
    let app = TestApp::spawn().await;
    let editor = app.sign_in(demo::EDITOR).await;
    let all = offers(&app, json!({})).await;
    let own = all
        .iter()
        .find(|o| o["organisation"]["name"] == "Bindkracht10")
        .unwrap()
        .clone();
    let partner = all
        .iter()
        .find(|o| o["organisation"]["name"] == "Buurtsportcoaches Nijmegen")
        .unwrap()["organisation"]["id"]
        .clone();
    let other = all
        .iter()
        .find(|o| o["organisation"]["name"] != "Bindkracht10")
        .unwrap()
        .clone();
    let input = json!({
        "partnerIds": [partner],
        "funders": [{"name": "Gemeente Nijmegen", "kind": "GEMEENTE"},
                    {"name": "Fonds X", "kind": "FONDS"}],
        "routes": ["WMO", "GRATIS"],
        "peerLed": true, "deliveryMode": "HYBRID", "wheelchairAccessible": true,
        "hearingLoop": true
    });
    let vars = |o: &Value, v: Value, input: Value| json!({"id": o["id"], "v": v, "input": input});

    let anonymous = app
        .gql_with(None, SET, vars(&own, own["version"].clone(), input.clone()))
        .await;
    assert_eq!(
        error_code(&anonymous),
        Some("UNAUTHENTICATED"),
        "{anonymous}"
    );
    // Without partners, so the refusal cannot come from the partner check.
    let mut foreign = input.clone();
    foreign["partnerIds"] = json!([]);
    let not_theirs = app
        .gql_with(
            Some(&editor),
            SET,
            vars(&other, other["version"].clone(), foreign),
        )
        .await;
    assert_eq!(error_code(&not_theirs), Some("FORBIDDEN"), "{not_theirs}");
    let mut bad = input.clone();
    bad["funders"][1]["name"] = json!("  ");
    let bad = app
        .gql_with(Some(&editor), SET, vars(&own, own["version"].clone(), bad))
        .await;
    assert_eq!(error_code(&bad), Some("BAD_USER_INPUT"), "{bad}");
    assert_eq!(error_field(&bad), Some("input.funders.1.name"), "{bad}");
    let mut unknown = input.clone();
    unknown["partnerIds"] = json!(["test:6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d9a11"]);
    let unknown = app
        .gql_with(
            Some(&editor),
            SET,
            vars(&own, own["version"].clone(), unknown),
        )
        .await;
    assert_eq!(
        error_field(&unknown),
        Some("input.partnerIds.0"),
        "{unknown}"
    );
    let stale = app
        .gql_with(Some(&editor), SET, vars(&own, json!(99), input.clone()))
        .await;
    assert_eq!(error_code(&stale), Some("CONFLICT"), "{stale}");

    let set = app
        .gql_with(
            Some(&editor),
            SET,
            vars(&own, own["version"].clone(), input.clone()),
        )
        .await;
    let saved = &set["data"]["setOfferNetworkDetails"];
    assert_eq!(
        saved["version"],
        own["version"].as_i64().unwrap() + 1,
        "{set}"
    );
    assert_eq!(
        saved["partners"][0]["organisation"]["name"],
        "Buurtsportcoaches Nijmegen"
    );
    assert_eq!(
        saved["funding"],
        json!({"funders": [{"name": "Gemeente Nijmegen", "kind": "GEMEENTE"},
                           {"name": "Fonds X", "kind": "FONDS"}],
               "routes": ["WMO", "GRATIS"]})
    );
    assert_eq!(
        saved["attributes"],
        json!({"peerLed": true, "deliveryMode": "HYBRID", "wheelchairAccessible": true,
               "hearingLoop": true, "publicTransportNearby": false})
    );
    // Read back through the public query, too.
    let read = app
        .gql(
            "query($id: ID!) { offer(id: $id) { funding { funders { name } routes } attributes { peerLed } } }",
            json!({"id": own["id"]}),
        )
        .await;
    assert_eq!(
        read["data"]["offer"]["funding"]["routes"],
        json!(["WMO", "GRATIS"]),
        "{read}"
    );

    let ids = |list: Vec<Value>| list.iter().map(|o| o["id"].clone()).collect::<Vec<_>>();
    for filter in [
        json!({"peerLed": true}),
        json!({"deliveryMode": "HYBRID"}),
        json!({"wheelchairAccessible": true}),
        json!({"peerLed": true, "deliveryMode": "HYBRID", "wheelchairAccessible": true}),
    ] {
        let found = ids(offers(&app, filter.clone()).await);
        assert!(found.contains(&own["id"]), "{filter}: {found:?}");
        assert!(!found.contains(&other["id"]), "{filter}: {found:?}");
    }
    let online = ids(offers(&app, json!({"deliveryMode": "ONLINE"})).await);
    assert!(!online.contains(&own["id"]), "{online:?}");

    // The offer page shows it to a GP; the search page filters on it.
    let gp = cookie(&app, demo::GP).await;
    let id = own["id"].as_str().unwrap();
    let (status, page) = get(&app, Some(&gp), &format!("/aanbod/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let funding = texts(&page, "dd.funding").join(" ");
    assert!(
        funding.contains("Gemeente Nijmegen (gemeente)"),
        "{funding}"
    );
    assert!(funding.contains("Wmo"), "{funding}");
    assert!(
        texts(&page, "dd.partners")
            .join(" ")
            .contains("Buurtsportcoaches Nijmegen")
    );
    assert!(!texts(&page, "dd.peer-led").is_empty());
    // The index follows the change log: wait until it has the change.
    let want = vec![own["title"].as_str().unwrap().to_string()];
    eventually(20, "the search page filters on the attributes", || async {
        let (status, results) = get(&app, Some(&gp), "/?ervaring=1&rolstoel=1&vorm=hybrid").await;
        (status == StatusCode::OK && texts(&results, "ol.results h3") == want).then_some(())
    })
    .await;
    let (status, _) = get(&app, Some(&gp), "/?vorm=telepathy").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    app.stop().await;
}

#[tokio::test]
async fn the_editor_form_saves_funding_and_bad_input_changes_nothing() {
    let app = TestApp::spawn().await;
    let own = offers(&app, json!({}))
        .await
        .into_iter()
        .find(|o| o["organisation"]["name"] == "Bindkracht10")
        .unwrap();
    let id = own["id"].as_str().unwrap();
    let path = format!("/aanbod/{id}/financiering");
    // The page writes the id percent-encoded in the form's action.
    let action = path.replace(':', "%3A");
    let editor = cookie(&app, demo::EDITOR).await;
    let gp = cookie(&app, demo::GP).await;
    let (status, _) = get(&app, Some(&gp), &path).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a GP does not edit offers");
    let (status, form) = get(&app, Some(&editor), &path).await;
    assert_eq!(status, StatusCode::OK);
    let version = crate::web::form_fields(&form, &action)
        .into_iter()
        .find(|(k, _)| k == "version")
        .unwrap()
        .1;
    let bad = pairs(&[("version", &version), ("funders", "Fonds Y; bank")]);
    let (status, _, body) = post(&app, &editor, &path, &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(!texts(&body, "p.error").is_empty());
    let good = pairs(&[
        ("version", &version),
        ("funders", "Gemeente Nijmegen; gemeente"),
        ("route", "wmo"),
        ("mode", "online"),
        ("peer_led", "1"),
    ]);
    let (status, location, body) = post(&app, &editor, &path, &good).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let offer_page = format!("/aanbod/{id}").replace(':', "%3A");
    assert_eq!(location.as_deref(), Some(offer_page.as_str()));
    let read = app
        .gql(
            "query($id: ID!) { offer(id: $id) { version funding { funders { name kind } routes } attributes { peerLed deliveryMode } } }",
            json!({"id": id}),
        )
        .await;
    let o = &read["data"]["offer"];
    assert_eq!(o["funding"]["funders"][0]["kind"], "GEMEENTE", "{read}");
    assert_eq!(
        o["attributes"],
        json!({"peerLed": true, "deliveryMode": "ONLINE"})
    );
    app.stop().await;
}

#[tokio::test]
async fn demo_networks_and_funding_are_shown() {
    let app = TestApp::spawn().await;
    let (status, list) = get(&app, None, "/netwerken").await;
    assert_eq!(status, StatusCode::OK);
    let names = texts(&list, "ul.networks a");
    assert!(
        names
            .iter()
            .any(|n| n.contains("Netwerk Mentale Gezondheid")),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.contains("De Hoofdzaak")),
        "{names:?}"
    );
    let data = app
        .gql_ok("{ networks { id name members { name } } }", json!({}))
        .await;
    let nmg = data["networks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"].as_str().unwrap().contains("Mentale Gezondheid"))
        .unwrap()
        .clone();
    assert!(
        nmg["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == "Bindkracht10"),
        "{nmg}"
    );
    let (status, page) = get(
        &app,
        None,
        &format!("/netwerken/{}", nmg["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        texts(&page, "ul.members li")
            .iter()
            .any(|m| m.contains("Bindkracht10"))
    );
    assert!(!texts(&page, "ul.network-offers a").is_empty());
    // The Nijmegen-Noord circles are funded by the gemeente and a health insurer.
    let circle = offers(&app, json!({}))
        .await
        .into_iter()
        .find(|o| {
            o["title"]
                .as_str()
                .unwrap()
                .starts_with("Herstelcirkel Psychische Kracht Lent")
        })
        .unwrap();
    let read = app
        .gql_ok(
            "query($id: ID!) { offer(id: $id) { funding { funders { name kind } } } }",
            json!({"id": circle["id"]}),
        )
        .await;
    let kinds: Vec<&str> = read["offer"]["funding"]["funders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["GEMEENTE", "ZORGVERZEKERAAR"]);
    app.stop().await;
}

#[tokio::test]
async fn funding_accessibility_and_attributes_go_through_hsds_and_back() {
    let app = TestApp::spawn().await;
    let editor = app.sign_in(demo::EDITOR).await;
    let own = offers(&app, json!({}))
        .await
        .into_iter()
        .find(|o| o["organisation"]["name"] == "Bindkracht10")
        .unwrap();
    let input = json!({
        "funders": [{"name": "Gemeente Nijmegen", "kind": "GEMEENTE"},
                    {"name": "zorgverzekeraar (niet genoemd in de bron)", "kind": "ZORGVERZEKERAAR"}],
        "routes": ["ZVW"], "peerLed": true, "deliveryMode": "ON_SITE",
        "wheelchairAccessible": true, "publicTransportNearby": true
    });
    let set = app
        .gql_with(
            Some(&editor),
            SET,
            json!({"id": own["id"], "v": own["version"], "input": input}),
        )
        .await;
    assert!(set.get("errors").is_none(), "{set}");
    let uuid = own["id"].as_str().unwrap().split_once(':').unwrap().1;
    let service: api::hsds::types::Service =
        reqwest::get(app.url(&format!("/hsds/services/{uuid}")))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(
        service
            .funding
            .iter()
            .map(|f| f.source.clone().unwrap())
            .collect::<Vec<_>>(),
        vec![
            "Gemeente Nijmegen (gemeente)".to_string(),
            "zorgverzekeraar (niet genoemd in de bron) (zorgverzekeraar)".to_string()
        ]
    );
    let location = service.service_at_locations[0].location.as_ref().unwrap();
    assert_eq!(
        location.accessibility[0].details.as_deref(),
        Some("wheelchair,public_transport")
    );

    let report = api::hsds::import::import(
        &app.state,
        &api::domain::Actor::System,
        own["organisation"]["id"].as_str().unwrap(),
        &[service],
    )
    .await
    .unwrap_or_else(|e| panic!("{}", e.message()));
    assert_eq!(report.created.len(), 1, "{:?}", report.skipped);
    let read = app
        .gql_ok(
            "query($id: ID!) { offer(id: $id) {
               funding { funders { name kind } routes }
               attributes { peerLed deliveryMode wheelchairAccessible hearingLoop publicTransportNearby } } }",
            json!({"id": report.created[0]}),
        )
        .await;
    assert_eq!(
        read["offer"]["funding"],
        json!({"funders": [{"name": "Gemeente Nijmegen", "kind": "GEMEENTE"},
                           {"name": "zorgverzekeraar (niet genoemd in de bron)", "kind": "ZORGVERZEKERAAR"}],
               "routes": ["ZVW"]})
    );
    assert_eq!(
        read["offer"]["attributes"],
        json!({"peerLed": true, "deliveryMode": "ON_SITE", "wheelchairAccessible": true,
               "hearingLoop": false, "publicTransportNearby": true})
    );
    app.stop().await;
}
