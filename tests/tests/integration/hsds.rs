//! The HSDS 3.0 export (HTTP and file) validated against the official schemas, its query
//! parameters, and an import round trip.

use api::auth::Actor;
use api::hsds::{export, ids, import};
use serde_json::Value;
use std::path::PathBuf;
use tests::TestApp;

/// The official compiled HSDS 3.0 schemas: `../shared/hsds/compiled/` beside the repository.
fn schema_dir() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf();
    let candidates = [
        root.join("../shared/hsds/compiled"),
        root.join("../../shared/hsds/compiled"),
        PathBuf::from("/work/shared/hsds/compiled"),
    ];
    candidates
        .into_iter()
        .find(|p| p.join("service.json").exists())
        .expect("HSDS schemas in ../shared/hsds/compiled next to the repository")
}

fn validator(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(schema_dir().join(name)).expect("read schema");
    let schema: Value = serde_json::from_str(&text).expect("schema JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("compile schema")
}

fn assert_valid(v: &jsonschema::Validator, instance: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(10)
        .collect();
    assert!(errors.is_empty(), "{what} is not valid HSDS: {errors:#?}");
}

async fn get_json(app: &TestApp, path: &str) -> (u16, Value) {
    let res = app.client.get(app.url(path)).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

#[tokio::test]
async fn export_validates_against_official_schemas() {
    let app = TestApp::spawn().await;
    let service_schema = validator("service.json");
    let organization_schema = validator("organization.json");

    let data = export::dataset(&app.state).await.unwrap();
    assert!(data.services.len() > 10, "demo data exports services");
    let json = serde_json::to_value(&data).unwrap();
    for s in json["services"].as_array().unwrap() {
        assert_valid(&service_schema, s, &format!("service {}", s["name"]));
    }
    for o in json["organizations"].as_array().unwrap() {
        assert_valid(
            &organization_schema,
            o,
            &format!("organization {}", o["name"]),
        );
    }
    // The validator does reject broken records (so the checks above can fail).
    let mut broken = json["services"][0].clone();
    broken["status"] = "open".into();
    assert!(
        !service_schema.is_valid(&broken),
        "bad status enum accepted"
    );
    let mut broken = json["services"][0].clone();
    broken["id"] = "test:not-a-uuid".into();
    assert!(!service_schema.is_valid(&broken), "non-UUID id accepted");
    let mut broken = json["organizations"][0].clone();
    broken.as_object_mut().unwrap().remove("description");
    assert!(
        !organization_schema.is_valid(&broken),
        "missing description accepted"
    );

    // Every exported service carries its global id, and at least one has areas with a GeoJSON
    // extent, schedules and a cost option.
    let services = json["services"].as_array().unwrap();
    assert!(services.iter().all(|s| {
        s["attributes"].as_array().unwrap().iter().any(|a| {
            a["link_type"] == "wijkwijzer:global_id"
                && a["value"]
                    .as_str()
                    .unwrap()
                    .ends_with(s["id"].as_str().unwrap())
        })
    }));
    assert!(
        services.iter().any(|s| s["service_areas"]
            .as_array()
            .is_some_and(|a| a.iter().any(|a| a["extent_type"] == "geojson"
                && a["uri"].as_str().unwrap().starts_with("urn:cbs:gebied:"))))
    );
    assert!(services.iter().any(|s| s["schedules"].as_array().is_some()));
    assert!(
        services
            .iter()
            .all(|s| s["cost_options"].as_array().is_some())
    );

    // HTTP: list, detail, organizations; every item valid.
    let (status, page) = get_json(&app, "/hsds/services?per_page=5&page=2").await;
    assert_eq!(status, 200);
    assert_eq!(page["page_number"], 2);
    assert_eq!(page["size"], 5);
    assert_eq!(page["first_page"], false);
    assert_eq!(page["total_items"], data.services.len());
    assert_eq!(
        page["total_pages"],
        (data.services.len() as u64).div_ceil(5)
    );
    for s in page["contents"].as_array().unwrap() {
        assert_valid(&service_schema, s, "listed service");
    }
    let id = page["contents"][0]["id"].as_str().unwrap().to_string();
    let (status, one) = get_json(&app, &format!("/hsds/services/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(one["id"], id);
    assert_valid(&service_schema, &one, "service detail");

    let (status, orgs) = get_json(&app, "/hsds/organizations?per_page=100").await;
    assert_eq!(status, 200);
    let org_id = orgs["contents"][0]["id"].as_str().unwrap().to_string();
    let (status, org) = get_json(&app, &format!("/hsds/organizations/{org_id}")).await;
    assert_eq!(status, 200);
    assert_valid(&organization_schema, &org, "organization detail");

    let sal_schema = validator("service_at_location.json");
    let (status, sals) = get_json(&app, "/hsds/service_at_locations?per_page=100").await;
    assert_eq!(status, 200);
    assert!(sals["total_items"].as_u64().unwrap() > 0);
    for sal in sals["contents"].as_array().unwrap() {
        assert_valid(&sal_schema, sal, "service_at_location");
    }
    let sal_id = sals["contents"][0]["id"].as_str().unwrap();
    let (status, sal) = get_json(&app, &format!("/hsds/service_at_locations/{sal_id}")).await;
    assert_eq!(status, 200);
    assert_eq!(sal["id"], sal_id);
    assert_eq!(sal["location"]["location_type"], "physical");
    app.stop().await;
}

#[tokio::test]
async fn query_parameters_combine_and_page() {
    let app = TestApp::spawn().await;
    let (_, all) = get_json(&app, "/hsds/services?minimal=true").await;
    let total = all["total_items"].as_u64().unwrap();
    assert_eq!(
        all["size"].as_u64().unwrap(),
        total,
        "minimal returns one page"
    );
    let first = &all["contents"][0];
    assert!(first["id"].is_string() && first["last_modified"].is_string());
    assert!(
        first.get("name").is_none(),
        "minimal has ids and dates only"
    );

    // modified_after in the future: nothing; in the past: everything.
    let (_, none) = get_json(&app, "/hsds/services?modified_after=2999-01-01T00:00:00Z").await;
    assert_eq!(none["total_items"], 0);
    assert_eq!(none["empty"], true);
    let (_, past) = get_json(&app, "/hsds/services?modified_after=2000-01-01").await;
    assert_eq!(past["total_items"].as_u64().unwrap(), total);

    // organization_id AND modified_after.
    let (_, one) = get_json(&app, "/hsds/services?per_page=1").await;
    let org_id = one["contents"][0]["organization_id"].as_str().unwrap();
    let (_, of_org) = get_json(&app, &format!("/hsds/services?organization_id={org_id}")).await;
    let n = of_org["total_items"].as_u64().unwrap();
    assert!(n > 0 && n < total);
    assert!(
        of_org["contents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["organization_id"] == org_id)
    );
    let (_, both) = get_json(
        &app,
        &format!("/hsds/services?organization_id={org_id}&modified_after=2999-01-01"),
    )
    .await;
    assert_eq!(both["total_items"], 0);

    // NDJSON: one service per line.
    let res = app
        .client
        .get(app.url("/hsds/services?format=ndjson&per_page=3"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/x-ndjson"
    );
    let text = res.text().await.unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert!(lines.iter().all(|s| s["id"].is_string()));

    // Bad parameters are BAD_USER_INPUT; unknown ids NOT_FOUND.
    for bad in [
        "/hsds/services?per_page=0",
        "/hsds/services?page=x",
        "/hsds/services?modified_after=yesterday",
        "/hsds/services?format=xml",
        "/hsds/services?minimal=maybe",
        "/hsds/services/not-a-uuid",
    ] {
        let (status, body) = get_json(&app, bad).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["code"], "BAD_USER_INPUT", "{bad}");
    }
    let (status, body) =
        get_json(&app, "/hsds/services/00000000-0000-4000-8000-000000000000").await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "NOT_FOUND");
    let (status, root) = get_json(&app, "/hsds/").await;
    assert_eq!(status, 200);
    assert_eq!(root["version"], "3.0");
    app.stop().await;
}

#[tokio::test]
async fn import_round_trips_an_export() {
    let source = TestApp::spawn().await;
    let data = export::dataset(&source.state).await.unwrap();
    let file = serde_json::to_string(&data).unwrap();
    source.stop().await;

    let target = TestApp::spawn_with(|c| c.seed.demo = false).await;
    let services = import::parse_file(&file).unwrap();
    assert_eq!(services.len(), data.services.len());
    let org = import::resolve_organisation(&target.state, "Geïmporteerde Wijkwijzer")
        .await
        .unwrap();
    let report = import::import(&target.state, &Actor::System, &org, &services)
        .await
        .unwrap();
    let defunct = services.iter().filter(|s| s.status == "defunct").count();
    assert!(
        report
            .skipped
            .iter()
            .all(|(_, why)| why == "service is defunct"),
        "every live service passes validation: {:?}",
        report.skipped
    );
    assert_eq!(report.created.len(), services.len() - defunct);

    // Export again from the target: the same services by name, schedule, cost, locations,
    // life domains and target groups.
    let again = export::dataset(&target.state).await.unwrap();
    let key = |s: &api::hsds::types::Service| {
        let attrs: Vec<String> = {
            let mut a: Vec<String> = s
                .attributes
                .iter()
                .filter(|a| a.link_type.as_deref() != Some("wijkwijzer:global_id"))
                .map(|a| format!("{:?}={:?}", a.link_type, a.value))
                .collect();
            a.sort();
            a
        };
        let schedules: Vec<_> = s
            .schedules
            .iter()
            .map(|p| {
                (
                    p.freq.clone(),
                    p.interval.map(|i| i as i64),
                    p.byday.clone(),
                    p.opens_at.clone(),
                    p.closes_at.clone(),
                )
            })
            .collect();
        let costs: Vec<_> = s
            .cost_options
            .iter()
            .map(|c| (c.option.clone(), c.amount.map(|a| (a * 100.0) as i64)))
            .collect();
        let locations: Vec<_> = s
            .service_at_locations
            .iter()
            .filter_map(|l| l.location.as_ref())
            .map(|l| {
                (
                    l.name.clone(),
                    l.external_identifier.clone(),
                    l.addresses.first().map(|a| a.postal_code.clone()),
                )
            })
            .collect();
        format!(
            "{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{}",
            s.name, s.description, attrs, schedules, costs, locations, s.minimum_age, s.status
        )
    };
    let mut before: Vec<String> = data
        .services
        .iter()
        .filter(|s| s.status != "defunct")
        .map(key)
        .collect();
    let mut after: Vec<String> = again.services.iter().map(key).collect();
    before.sort();
    after.sort();
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b, a);
    }
    target.stop().await;
}

#[tokio::test]
async fn import_rejects_invalid_services_through_validation() {
    let app = TestApp::spawn_with(|c| c.seed.demo = false).await;
    let file = r#"[
      {"id": "6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d9a11", "name": "Wandelgroep", "status": "active",
       "service_at_locations": [{"id": "6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d9a12",
         "location": {"id": "6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d9a13", "location_type": "physical",
           "addresses": [{"id": "6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d9a14", "address_1": "Plein 1",
             "city": "Nijmegen", "state_province": "", "postal_code": "6511 AA", "country": "NL",
             "address_type": "physical"}]}}]},
      {"id": "6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d9a15", "name": "X", "status": "active"},
      {"id": "6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d9a16", "name": "Te oud", "status": "active",
       "minimum_age": 80, "maximum_age": 20}
    ]"#;
    let services = import::parse_file(file).unwrap();
    let org = import::resolve_organisation(&app.state, "Partner")
        .await
        .unwrap();
    let report = import::import(&app.state, &Actor::System, &org, &services)
        .await
        .unwrap();
    assert_eq!(report.created.len(), 1);
    assert_eq!(report.skipped.len(), 2);
    assert!(
        report.skipped[0].1.contains("title"),
        "{:?}",
        report.skipped
    );
    assert!(
        report.skipped[1].1.contains("maxAge"),
        "{:?}",
        report.skipped
    );
    // The organisation is found by name the second time.
    let again = import::resolve_organisation(&app.state, "Partner")
        .await
        .unwrap();
    assert_eq!(again, org);
    assert!(import::parse_file("{not json").is_err());
    app.stop().await;
}

#[tokio::test]
async fn a_service_at_location_is_looked_up_by_index_whatever_the_catalogue_size() {
    use entities::location;
    use sea_orm::{ActiveValue::Set, EntityTrait};
    // Background workers share the statement counter: keep them idle while counting.
    let app = TestApp::spawn_with(|c| {
        c.search.poll_interval_ms = 3_600_000;
        c.federation.delivery_poll_ms = 3_600_000;
    })
    .await;
    // Start-up work (search index, first worker runs) shares the counter: wait until the
    // counter stands still between two polls, then take the fewest statements of three lookups.
    let last = std::cell::Cell::new(u64::MAX);
    tests::eventually(20, "the node is idle", || {
        let now = app.state.queries.get();
        let idle = last.replace(now) == now;
        async move { idle.then_some(()) }
    })
    .await;
    let cost = |id: String| {
        let app = &app;
        async move {
            let mut fewest = u64::MAX;
            let mut sal = Value::Null;
            for _ in 0..3 {
                let before = app.state.queries.get();
                let (status, body) =
                    get_json(app, &format!("/hsds/service_at_locations/{id}")).await;
                assert_eq!(status, 200, "{body}");
                assert_eq!(body["id"], id.as_str());
                fewest = fewest.min(app.state.queries.get() - before);
                sal = body;
            }
            (fewest, sal)
        }
    };
    let (_, sals) = get_json(&app, "/hsds/service_at_locations?per_page=1").await;
    let first = sals["contents"][0].clone();
    let (small, _) = cost(first["id"].as_str().unwrap().to_string()).await;

    // 3,000 more locations of one public offer.
    let (offer_id, _) = crate::auth::offer_by_title(&app, "Wandelgroep Lent").await;
    let new_ids: Vec<String> = (0..3000)
        .map(|_| format!("test:{}", uuid::Uuid::new_v4()))
        .collect();
    for chunk in new_ids.chunks(500) {
        location::Entity::insert_many(chunk.iter().enumerate().map(|(i, id)| {
            location::ActiveModel {
                id: Set(id.clone()),
                origin_node: Set("test".into()),
                offer_id: Set(offer_id.clone()),
                position: Set(100 + i as i32),
                name: Set(Some(format!("Plek {i}"))),
                street: Set(None),
                postcode: Set(None),
                city: Set(Some("Nijmegen".into())),
                lat: Set(51.85),
                lon: Set(5.86),
                buurt_code: Set(None),
                updated_at: Set(chrono::Utc::now()),
                version: Set(1),
            }
        }))
        .exec(&app.state.db)
        .await
        .unwrap();
    }
    let (large, _) = cost(first["id"].as_str().unwrap().to_string()).await;
    let last = new_ids.last().unwrap();
    let (newest, sal) = cost(ids::service_at_location_uuid(last)).await;
    assert_eq!(sal["location"]["id"], ids::record_uuid(last));
    assert!(
        small <= 3 && large == small && newest == small,
        "statements: {small} before, {large} and {newest} after 3,000 more locations"
    );
    // The service_at_location id differs from its location's id, and unknown ids are 404.
    assert_ne!(first["id"], first["location"]["id"]);
    let (status, _) = get_json(
        &app,
        &format!("/hsds/service_at_locations/{}", uuid::Uuid::new_v4()),
    )
    .await;
    assert_eq!(status, 404);
    app.stop().await;
}

/// The public circle plan, the suitability and the recovery focus go out in HSDS (fields where
/// HSDS has them, `wijkwijzer:` attributes for the rest; valid against the official schemas)
/// and come back unchanged through an import; what only practitioners see (kwartiermaker,
/// regisseurs, klankbord members) never leaves the node.
#[tokio::test]
async fn circle_plans_suitability_and_recovery_focus_survive_an_export_import_round_trip() {
    use api::domain::{ContraIndication, GlobalId, Suitability};
    use api::read_model::circle::records_by_offer;
    use api::services::offer::{recovery_focus, suitability};
    use entities::offer;
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};

    let source = TestApp::spawn().await;
    let db = &source.state.db;
    let diabetes = offer::Entity::find()
        .filter(offer::Column::Title.eq("Herstelcirkel diabetes type 2 Zuid-Limburg"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let su = Suitability::parse(
        vec![
            ContraIndication::TerminalIllness,
            ContraIndication::ActiveAddiction,
        ],
        Some("Niet tijdens een opname."),
        &[
            "Intakeafspraken ondertekenen".to_string(),
            "Een jaar meedoen".to_string(),
        ],
    )
    .unwrap();
    let gid = GlobalId::parse(&diabetes.id).unwrap();
    suitability::set(
        &source.state,
        &Actor::System,
        &gid,
        diabetes.version,
        su.clone(),
    )
    .await
    .unwrap();
    // Practitioner-only parts, written straight into the plan.
    let plan = entities::offer_circle::Entity::find_by_id(diabetes.id.clone())
        .one(db)
        .await
        .unwrap()
        .expect("the demo diabetes circle has a plan");
    let mut secret = plan.into_active_model();
    secret.kwartiermaker_name = Set(Some("Kwartiermaker Verborgen".into()));
    secret.kwartiermaker_phone = Set(Some("043 999 88 77".into()));
    secret.regisseurs = Set(entities::json::StringList(vec![
        "Regisseur Verborgen".into(),
    ]));
    secret.update(db).await.unwrap();

    let data = export::dataset(&source.state).await.unwrap();
    let file = serde_json::to_string(&data).unwrap();
    for hidden in [
        "Kwartiermaker Verborgen",
        "043 999 88 77",
        "Regisseur Verborgen",
    ] {
        assert!(!file.contains(hidden), "{hidden} was exported");
    }
    let service_schema = validator("service.json");
    let json: Value = serde_json::from_str(&file).unwrap();
    for s in json["services"].as_array().unwrap() {
        assert_valid(&service_schema, s, &format!("service {}", s["name"]));
    }
    let exported = json["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Herstelcirkel diabetes type 2 Zuid-Limburg")
        .unwrap();
    let link_types: Vec<&str> = exported["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["link_type"].as_str())
        .collect();
    for t in [
        "wijkwijzer:circle",
        "wijkwijzer:contra_indication",
        "wijkwijzer:commitment",
    ] {
        assert!(link_types.contains(&t), "{t} missing: {link_types:?}");
    }
    assert_eq!(
        exported["eligibility_description"],
        "Niet tijdens een opname."
    );
    assert_eq!(exported["minimum_age"], 35.0);

    // What the source holds, by title.
    let offers = offer::Entity::find().all(db).await.unwrap();
    let ids: Vec<&str> = offers.iter().map(|o| o.id.as_str()).collect();
    let circles = records_by_offer(db, &ids).await.unwrap();
    let suits = suitability::by_offer(db, &ids).await.unwrap();
    let focus = recovery_focus::by_offer(db, &ids).await.unwrap();
    assert!(circles.len() >= 3, "demo circles have plans");
    assert!(focus.len() >= 3, "demo recovery offers have a focus");

    let target = TestApp::spawn_with(|c| c.seed.demo = false).await;
    let services = import::parse_file(&file).unwrap();
    let org = import::resolve_organisation(&target.state, "Geïmporteerd")
        .await
        .unwrap();
    let report = import::import(&target.state, &Actor::System, &org, &services)
        .await
        .unwrap();
    assert!(
        report
            .skipped
            .iter()
            .all(|(_, why)| why == "service is defunct"),
        "{:?}",
        report.skipped
    );
    let tdb = &target.state.db;
    let imported = offer::Entity::find().all(tdb).await.unwrap();
    let tids: Vec<&str> = imported.iter().map(|o| o.id.as_str()).collect();
    let t_circles = records_by_offer(tdb, &tids).await.unwrap();
    let t_suits = suitability::by_offer(tdb, &tids).await.unwrap();
    let t_focus = recovery_focus::by_offer(tdb, &tids).await.unwrap();
    let mut compared = 0;
    for o in offers.iter().filter(|o| ids.contains(&o.id.as_str())) {
        let Some(t) = imported.iter().find(|t| t.title == o.title) else {
            continue;
        };
        let circle = circles.get(&o.id).cloned().map(|mut c| {
            // The previous year is linked to the imported one when it came along.
            c.previous_offer_id = c
                .previous_offer_id
                .and_then(|p| offers.iter().find(|x| x.id == p))
                .and_then(|p| imported.iter().find(|x| x.title == p.title))
                .map(|x| x.id.clone());
            c
        });
        assert_eq!(t_circles.get(&t.id).cloned(), circle, "{}", o.title);
        assert_eq!(t.schedule, o.schedule, "{}", o.title);
        if !o.schedule.0.is_empty() {
            // The dates travel on the schedule periods.
            assert_eq!(
                (t.start_date, t.end_date),
                (o.start_date, o.end_date),
                "{}",
                o.title
            );
        }
        assert_eq!(
            (t.min_age, t.max_age),
            (o.min_age, o.max_age),
            "{}",
            o.title
        );
        assert_eq!(t_suits.get(&t.id), suits.get(&o.id), "{}", o.title);
        assert_eq!(t_focus.get(&t.id), focus.get(&o.id), "{}", o.title);
        compared += usize::from(circle.is_some());
    }
    assert!(compared >= 3, "{compared} circles compared");
    let t_plan = entities::offer_circle::Entity::find()
        .all(tdb)
        .await
        .unwrap();
    assert!(
        t_plan
            .iter()
            .all(|p| p.kwartiermaker_name.is_none() && p.regisseurs.0.is_empty()),
        "{t_plan:?}"
    );
    source.stop().await;
    target.stop().await;
}
