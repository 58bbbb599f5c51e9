//! Search contract: the same tests against the embedded index (always) and Meilisearch
//! (when `MEILI_URL` is set): text with stemming and typos, filters, geo, facets, paging,
//! highlighting, catch-up from the change log, rebuilds, failure handling, and a relevance set
//! of realistic GP queries over the demo data (recall@5 and nDCG@10 per backend).

use api::error::{AppError, AppResult};
use api::geo::distance_km;
use api::search::embedded::TantivyIndex;
use api::search::{SearchDoc, SearchIndex, SearchQuery, SearchResults, SearchService};
use entities::{location, offer};
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tests::{TestApp, error_code, error_field};

/// A backend under contract.
#[derive(Clone, Debug)]
pub(crate) enum Backend {
    Embedded,
    Meili(String),
}

impl Backend {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Backend::Embedded => "embedded",
            Backend::Meili(_) => "meilisearch",
        }
    }
}

/// Printed by each test of both backends when only the embedded one runs.
const MEILI_SKIPPED: &str = "skipped: the Meilisearch run of this test (MEILI_URL not set). \
No package registry serves a Meilisearch server, so CI runs the embedded index only. To run \
it locally: start Meilisearch 1.x (a release binary from \
https://github.com/meilisearch/meilisearch/releases) with \
`meilisearch --master-key masterKey --db-path /tmp/meili --http-addr 127.0.0.1:7700`, then \
`MEILI_URL=http://127.0.0.1:7700 MEILI_API_KEY=masterKey \
cargo nextest run -p tests --test integration search --no-capture`";

/// The embedded backend, plus Meilisearch when `MEILI_URL` is set.
pub(crate) fn backends() -> Vec<Backend> {
    let mut out = vec![Backend::Embedded];
    match std::env::var("MEILI_URL") {
        Ok(url) if !url.is_empty() => out.push(Backend::Meili(url)),
        _ => println!("{MEILI_SKIPPED}"),
    }
    out
}

/// A node with demo data on `backend`, its index caught up.
async fn spawn(backend: &Backend) -> TestApp {
    spawn_with(backend, |_| {}).await
}

/// [`spawn`] with the node's config adjusted by `edit`.
pub(crate) async fn spawn_with(
    backend: &Backend,
    edit: impl FnOnce(&mut api::config::Config),
) -> TestApp {
    let backend = backend.clone();
    let app = TestApp::spawn_with(move |c| {
        if let Backend::Meili(url) = backend {
            c.search.meili_url = Some(url);
            c.search.meili_api_key = std::env::var("MEILI_API_KEY").ok();
            c.search.meili_index = format!("test_{}", uuid::Uuid::new_v4().simple());
        }
        edit(c);
    })
    .await
    .signed_in(tests::demo::ADMIN)
    .await;
    app.state.search.sync_now().await.unwrap();
    app
}

pub(crate) const SEARCH: &str = r#"query($q: String, $filter: SearchFilterInput, $near: NearInput,
    $sort: SearchSort, $first: Int, $offset: Int) {
  searchOffers(query: $q, filter: $filter, near: $near, sort: $sort, first: $first, offset: $offset) {
    totalCount backend partialMatch matchedWords
    hits { score distanceKm highlights { field fragment }
      offer { id title kind status openPlaces cost { free amountCents } lifeDomains targetGroups
        locations { point { lat lon } buurt { code wijk: parent { code } gemeente { code } } } } }
    facets { kind { value count } lifeDomain { value count } targetGroup { value count }
      status { value count } gemeente { code name count } }
  }
}"#;

pub(crate) async fn search(app: &TestApp, vars: Value) -> Value {
    app.gql_ok(SEARCH, vars).await["searchOffers"].clone()
}

pub(crate) fn titles(res: &Value) -> Vec<String> {
    res["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["offer"]["title"].as_str().unwrap().to_string())
        .collect()
}

/// Number of public offers matching an `offers` filter (the SQL listing, independent of search).
async fn sql_count(app: &TestApp, filter: Value) -> u64 {
    app.gql_ok(
        "query($f: OfferFilterInput) { offers(filter: $f, first: 1) { totalCount } }",
        json!({"f": filter}),
    )
    .await["offers"]["totalCount"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn contract_text_stemming_typos_highlighting() {
    for backend in backends() {
        let app = spawn(&backend).await;
        let b = backend.name();
        let all = search(&app, json!({"first": 100})).await;
        assert_eq!(all["backend"], b);
        assert_eq!(
            all["totalCount"].as_u64().unwrap(),
            sql_count(&app, json!({})).await,
            "{b}: every public, not ended offer is indexed"
        );
        let sorted = {
            let mut t = titles(&all);
            t.sort_by_key(|t| t.to_lowercase());
            t
        };
        assert_eq!(titles(&all), sorted, "{b}: without text, by title");

        // Stemming: plural and inflected forms find the singular.
        let res = search(&app, json!({"q": "wandelgroepen"})).await;
        let t = titles(&res);
        assert!(t.contains(&"Wandelgroep Lent".to_string()), "{b}: {t:?}");
        assert!(
            t.contains(&"Wandelgroep Heerlen-Centrum".to_string()),
            "{b}: {t:?}"
        );

        // Typos: one edit from five letters, two from nine.
        let res = search(&app, json!({"q": "herstelcirkl diabetes"})).await;
        assert_eq!(
            titles(&res).first().map(String::as_str),
            Some("Herstelcirkel diabetes type 2 Zuid-Limburg"),
            "{b}"
        );
        let res = search(&app, json!({"q": "moestiun"})).await;
        assert_eq!(titles(&res), vec!["Moestuin Jekerkwartier"], "{b}");
        // A typo the stemmer cannot undo still finds the word as written ("eenzaamheid" stems
        // to "eenzaam"; "eenzaamhied", a transposition, stems to itself).
        let res = search(&app, json!({"q": "eenzaamhied"})).await;
        let plain = search(&app, json!({"q": "eenzaamheid"})).await;
        assert!(plain["totalCount"].as_u64().unwrap() > 0, "{b}");
        assert_eq!(
            res["totalCount"],
            plain["totalCount"],
            "{b}: {:?}",
            titles(&res)
        );
        // Short words must match exactly: "lend" is not "Lent".
        let res = search(&app, json!({"q": "lend"})).await;
        assert_eq!(res["totalCount"], 0, "{b}: {:?}", titles(&res));

        // Highlighting marks stems and typos, in title and description.
        let res = search(&app, json!({"q": "wandelgroepen rustig"})).await;
        let hit = &res["hits"][0];
        assert_eq!(hit["offer"]["title"], "Wandelgroep Lent", "{b}");
        let hl = hit["highlights"].as_array().unwrap();
        assert_eq!(hl[0]["field"], "title");
        assert_eq!(hl[0]["fragment"], "<mark>Wandelgroep</mark> Lent");
        assert_eq!(hl[1]["field"], "description");
        assert!(
            hl[1]["fragment"]
                .as_str()
                .unwrap()
                .contains("<mark>Rustig</mark>"),
            "{b}: {hl:?}"
        );
        assert!(hit["score"].as_f64().unwrap() > 0.0);
        app.stop().await;
    }
}

#[tokio::test]
async fn contract_filters_match_the_sql_listing() {
    for backend in backends() {
        let app = spawn(&backend).await;
        let b = backend.name();
        // Each filter, alone, counts the same as the SQL listing of offers.
        let cases = [
            json!({"areaCode": "GM0268"}),
            json!({"areaCode": "WK026809"}),
            json!({"areaCode": "BU02680970"}),
            json!({"kinds": ["HERSTELCIRKEL"]}),
            json!({"kinds": ["GROUP", "WALK_IN"]}),
            json!({"lifeDomains": ["FINANCIEN"]}),
            json!({"targetGroups": ["DIABETES_TYPE_2"]}),
            json!({"statuses": ["RUNNING"]}),
            json!({"freeOnly": true}),
            json!({"openPlacesOnly": true}),
            json!({"originNode": "test"}),
            json!({"areaCode": "GM0361", "kinds": ["HERSTELCIRKEL"], "openPlacesOnly": true}),
        ];
        for filter in cases {
            let res = search(&app, json!({"filter": filter, "first": 100})).await;
            let expected = sql_count(&app, filter.clone()).await;
            assert!(expected > 0, "{filter} should match demo offers");
            assert_eq!(
                res["totalCount"].as_u64().unwrap(),
                expected,
                "{b}: {filter}"
            );
            assert_eq!(
                res["hits"].as_array().unwrap().len() as u64,
                expected,
                "{b}: {filter}"
            );
        }
        let none = search(&app, json!({"filter": {"originNode": "elders"}})).await;
        assert_eq!(none["totalCount"], 0, "{b}");

        // Cost: at most 5 euro includes free offers; compared with every indexed offer's cost.
        let all = search(&app, json!({"first": 100})).await;
        let cheap = |h: &&Value| {
            h["offer"]["cost"]["free"] == true
                || h["offer"]["cost"]["amountCents"].as_i64().unwrap() <= 500
        };
        let expected: Vec<String> = all["hits"]
            .as_array()
            .unwrap()
            .iter()
            .filter(cheap)
            .map(|h| h["offer"]["title"].as_str().unwrap().to_string())
            .collect();
        let res = search(&app, json!({"filter": {"maxCostCents": 500}, "first": 100})).await;
        assert_eq!(titles(&res), expected, "{b}");
        assert!(expected.contains(&"Herstelcirkel+ Bergen tweede jaar".to_string()));
        assert!(expected.len() as u64 > sql_count(&app, json!({"freeOnly": true})).await);

        // Text and filters combine.
        let res = search(
            &app,
            json!({"q": "herstelcirkel", "filter": {"areaCode": "gm0361"}}),
        )
        .await;
        assert_eq!(
            titles(&res),
            vec!["Herstelcirkel Psychische Kracht Alkmaar"],
            "{b}"
        );
        let res = search(
            &app,
            json!({"q": "eenzaamheid", "filter": {"openPlacesOnly": true, "areaCode": "GM0268"}}),
        )
        .await;
        let t = titles(&res);
        assert!(
            !t.contains(&"Herstelcirkel Psychische Kracht Oosterhout".to_string()),
            "{b}: full"
        );
        assert!(
            t.contains(&"Herstelcirkel Psychische Kracht Lent".to_string()),
            "{b}: {t:?}"
        );
        app.stop().await;
    }
}

/// Nearest-location distance of every public offer from a point, computed from the database.
async fn distances(app: &TestApp, point: (f64, f64)) -> Vec<(String, f64)> {
    let public: BTreeSet<String> = search(app, json!({"first": 100})).await["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["offer"]["id"].as_str().unwrap().to_string())
        .collect();
    let mut out = Vec::new();
    for (o, locs) in offer::Entity::find()
        .find_with_related(location::Entity)
        .all(&app.state.db)
        .await
        .unwrap()
    {
        if public.contains(&o.id) {
            let d = locs
                .iter()
                .map(|l| distance_km(point, (l.lat, l.lon)))
                .fold(f64::INFINITY, f64::min);
            out.push((o.title, d));
        }
    }
    out
}

#[tokio::test]
async fn contract_geo_radius_and_distance_sort() {
    for backend in backends() {
        let app = spawn(&backend).await;
        let b = backend.name();
        let pc = api::domain::Postcode::parse("6663").unwrap();
        let centre = app.state.gazetteer.postcode(&pc).unwrap().clone();
        let all = distances(&app, (centre.lat, centre.lon)).await;
        for radius in [3.0, 10.0, 150.0] {
            let res = search(
                &app,
                json!({"near": {"postcode": "6663 AB", "radiusKm": radius}, "sort": "DISTANCE", "first": 100}),
            )
            .await;
            let mut expected: Vec<&(String, f64)> =
                all.iter().filter(|(_, d)| *d <= radius).collect();
            expected.sort_by(|a, b| a.1.total_cmp(&b.1));
            assert_eq!(
                res["totalCount"].as_u64().unwrap(),
                expected.len() as u64,
                "{b}: {radius} km"
            );
            let got: Vec<f64> = res["hits"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["distanceKm"].as_f64().unwrap())
                .collect();
            assert!(
                got.windows(2).all(|w| w[0] <= w[1]),
                "{b}: sorted by distance {got:?}"
            );
            for (g, (_, d)) in got.iter().zip(&expected) {
                assert!((g - d).abs() < 0.02, "{b}: distance {g} vs {d}");
            }
        }
        // A point works as well as a postcode; text + geo + distance sort.
        let res = search(
            &app,
            json!({"q": "wandelgroep", "near": {"lat": 50.888, "lon": 5.979}, "sort": "DISTANCE"}),
        )
        .await;
        assert_eq!(titles(&res)[0], "Wandelgroep Heerlen-Centrum", "{b}");
        assert!(res["hits"][0]["distanceKm"].as_f64().unwrap() < 5.0);
        // Without a point there is no distance.
        let res = search(&app, json!({"q": "wandelgroep"})).await;
        assert!(res["hits"][0]["distanceKm"].is_null());
        app.stop().await;
    }
}

#[tokio::test]
async fn contract_facets_and_paging() {
    for backend in backends() {
        let app = spawn(&backend).await;
        let b = backend.name();
        let res = search(&app, json!({"filter": {"areaCode": "GM0268"}, "first": 2})).await;
        let total = res["totalCount"].as_u64().unwrap();
        assert_eq!(res["hits"].as_array().unwrap().len(), 2, "{b}");
        let f = &res["facets"];
        // Facets count every matching offer, not the page, and agree with the SQL listing.
        let sum: u64 = f["kind"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["count"].as_u64().unwrap())
            .sum();
        assert_eq!(sum, total, "{b}");
        for k in f["kind"].as_array().unwrap() {
            let expected =
                sql_count(&app, json!({"areaCode": "GM0268", "kinds": [k["value"]]})).await;
            assert_eq!(
                k["count"].as_u64().unwrap(),
                expected,
                "{b}: kind {}",
                k["value"]
            );
        }
        for d in f["lifeDomain"].as_array().unwrap() {
            let expected = sql_count(
                &app,
                json!({"areaCode": "GM0268", "lifeDomains": [d["value"]]}),
            )
            .await;
            assert_eq!(
                d["count"].as_u64().unwrap(),
                expected,
                "{b}: domain {}",
                d["value"]
            );
        }
        for g in f["targetGroup"].as_array().unwrap() {
            let expected = sql_count(
                &app,
                json!({"areaCode": "GM0268", "targetGroups": [g["value"]]}),
            )
            .await;
            assert_eq!(
                g["count"].as_u64().unwrap(),
                expected,
                "{b}: group {}",
                g["value"]
            );
        }
        let status_sum: u64 = f["status"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["count"].as_u64().unwrap())
            .sum();
        assert_eq!(status_sum, total, "{b}");
        assert_eq!(
            f["gemeente"],
            json!([{"code": "GM0268", "name": "Nijmegen", "count": total}]),
            "{b}"
        );
        let counts: Vec<u64> = f["targetGroup"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["count"].as_u64().unwrap())
            .collect();
        assert!(
            counts.windows(2).all(|w| w[0] >= w[1]),
            "{b}: most frequent first"
        );

        // Facets over all gemeenten.
        let all = search(&app, json!({"first": 1})).await;
        for g in all["facets"]["gemeente"].as_array().unwrap() {
            let expected = sql_count(&app, json!({"areaCode": g["code"]})).await;
            assert_eq!(g["count"].as_u64().unwrap(), expected, "{b}: {}", g["code"]);
        }

        // Paging: pages are disjoint and together give the first ten.
        for q in [json!(null), json!("herstelcirkel")] {
            let ten = titles(&search(&app, json!({"q": q, "first": 10})).await);
            let p1 = titles(&search(&app, json!({"q": q, "first": 5})).await);
            let p2 = titles(&search(&app, json!({"q": q, "first": 5, "offset": 5})).await);
            assert_eq!([p1, p2].concat(), ten, "{b}: {q}");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn contract_bad_input_names_the_field() {
    for backend in backends() {
        let app = spawn(&backend).await;
        for (vars, field) in [
            (json!({"sort": "DISTANCE"}), "sort"),
            (json!({"near": {"postcode": "abc"}}), "near.postcode"),
            (json!({"near": {"postcode": "1000"}}), "near.postcode"),
            (json!({"near": {"lat": 52.0}}), "near.lon"),
            (
                json!({"near": {"postcode": "6663", "radiusKm": -1}}),
                "near.radiusKm",
            ),
            (json!({"filter": {"areaCode": "XX12"}}), "filter.areaCode"),
            (
                json!({"filter": {"maxCostCents": -5}}),
                "filter.maxCostCents",
            ),
            (json!({"first": 1000}), "first"),
            (json!({"offset": -1}), "offset"),
            (json!({"offset": 995, "first": 10}), "offset"),
            (json!({"q": "x".repeat(201)}), "query"),
        ] {
            let body = app.gql(SEARCH, vars.clone()).await;
            assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{vars}: {body}");
            assert_eq!(error_field(&body), Some(field), "{vars}: {body}");
        }
        let body = app
            .gql(SEARCH, json!({"near": {"lat": 40.0, "lon": 5.0}}))
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
        app.stop().await;
    }
}

const CREATE_ORG: &str = r#"mutation($input: OrganisationInput!) {
  createOrganisation(input: $input) { id version } }"#;
const PUBLISH_ORG: &str =
    r#"mutation($id: ID!, $v: Int!) { publishOrganisation(id: $id, version: $v) { id version } }"#;
const CREATE_OFFER: &str = r#"mutation($org: ID!, $input: OfferInput!) {
  createOffer(organisationId: $org, input: $input) { id version } }"#;
const PUBLISH_OFFER: &str =
    r#"mutation($id: ID!, $v: Int!) { publishOffer(id: $id, version: $v) { id version } }"#;
const UPDATE_OFFER: &str = r#"mutation($id: ID!, $v: Int!, $input: OfferInput!) {
  updateOffer(id: $id, version: $v, input: $input) { id version } }"#;
const END_OFFER: &str =
    r#"mutation($id: ID!, $v: Int!) { endOffer(id: $id, version: $v) { id version } }"#;

/// Creates a published organisation and a (not yet published) offer; returns (org, offer, version).
pub(crate) async fn new_offer(app: &TestApp, title: &str) -> (Value, String, i64) {
    let org = app
        .gql_ok(
            CREATE_ORG,
            json!({"input": {"name": "Zwemclub De Spetters", "kind": "VOLUNTEER_GROUP"}}),
        )
        .await["createOrganisation"]
        .clone();
    let org = app
        .gql_ok(PUBLISH_ORG, json!({"id": org["id"], "v": org["version"]}))
        .await["publishOrganisation"]
        .clone();
    let o = app
        .gql_ok(
            CREATE_OFFER,
            json!({"org": org["id"], "input": {"title": title, "kind": "GROUP", "status": "OPEN",
                "description": "Wekelijks zwemmen in het Dukenburgbad.",
                "locations": [{"postcode": "6535"}]}}),
        )
        .await["createOffer"]
        .clone();
    (
        org,
        o["id"].as_str().unwrap().to_string(),
        o["version"].as_i64().unwrap(),
    )
}

async fn found(app: &TestApp, q: &str) -> Vec<String> {
    titles(&search(app, json!({"q": q})).await)
}

#[tokio::test]
async fn contract_compounds_match_their_parts() {
    for backend in backends() {
        let app = spawn(&backend).await;
        let b = backend.name();
        // The issue's examples: the compound finds what its parts find.
        let vw = found(&app, "vrijwilligerswerk Bergen").await;
        assert!(
            vw.contains(&"Herstelcirkel+ Bergen tweede jaar".to_string()),
            "{b}: {vw:?}"
        );
        let bg = search(&app, json!({"q": "beweeggroep lent"})).await;
        assert_eq!(bg["partialMatch"], json!(false), "{b}: {bg}");
        assert!(
            titles(&bg).contains(&"Bewegen op recept Nijmegen-Noord".to_string()),
            "{b}: {bg}"
        );
        // An offer's compound is found by its part (`groep` in `Wandelgroep`).
        let groep = found(&app, "groep Lent").await;
        assert!(
            groep.contains(&"Wandelgroep Lent".to_string()),
            "{b}: {groep:?}"
        );
        // The whole word ranks above its parts.
        let moes = found(&app, "buurtmoestuin").await;
        assert_eq!(
            moes.first().map(String::as_str),
            Some("Moestuin Jekerkwartier"),
            "{b}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn contract_synonyms_from_the_list_and_the_node_config() {
    for backend in backends() {
        let b = backend.name();
        let app = spawn(&backend).await;
        // Built in: psychose ~ psychische klachten; suikerziekte ~ diabetes.
        let res = search(&app, json!({"q": "ervaringsdeskundige psychose"})).await;
        assert_eq!(res["partialMatch"], json!(false), "{b}: {res}");
        let p = found(&app, "psychose Oosterhout").await;
        assert_eq!(
            p.first().map(String::as_str),
            Some("Herstelcirkel Psychische Kracht Oosterhout"),
            "{b}"
        );
        let d = found(&app, "suikerziekte").await;
        assert!(
            d.contains(&"Herstelcirkel diabetes type 2 Zuid-Limburg".to_string()),
            "{b}: {d:?}"
        );
        // A word is never replaced by its synonyms: it ranks first itself.
        let s = found(&app, "somberheid Castricum").await;
        assert_eq!(
            s.first().map(String::as_str),
            Some("Wandelen voor je gezondheid Castricum"),
            "{b}"
        );
        // A term of several words, typed as such, finds the other terms of its group.
        let res = search(&app, json!({"q": "rood staan"})).await;
        assert_eq!(res["partialMatch"], json!(false), "{b}: {res}");
        assert_eq!(
            titles(&res).first().map(String::as_str),
            Some("Schuldhulp en geldzaken spreekuur"),
            "{b}"
        );
        // Not in the list: nothing, until the node's config adds a group and reindex reloads it.
        let mut config = app.state.config.search.clone();
        config.synonyms = vec!["trefpunt ~ buurtkamer".into()];
        assert!(found(&app, "trefpunt").await.is_empty(), "{b}");
        api::search::reload_synonyms(&**app.state.search.index(), &config)
            .await
            .unwrap();
        assert_eq!(
            found(&app, "trefpunt").await.first().map(String::as_str),
            Some("Buurtkamer Oudorp"),
            "{b}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn contract_partial_match_is_flagged() {
    for backend in backends() {
        let app = spawn(&backend).await;
        let b = backend.name();
        let res = search(&app, json!({"q": "ervaringsdeskundige xyzzyq"})).await;
        assert_eq!(res["partialMatch"], json!(true), "{b}: {res}");
        assert_eq!(res["matchedWords"], json!(["ervaringsdeskundige"]), "{b}");
        assert!(
            titles(&res)
                .contains(&"De Hoofdzaak: voor- en door-netwerk mentale gezondheid".to_string()),
            "{b}: {res}"
        );
        let full = search(&app, json!({"q": "wandelgroep Lent"})).await;
        assert_eq!(full["partialMatch"], json!(false), "{b}");
        assert_eq!(full["matchedWords"], json!(["wandelgroep", "lent"]), "{b}");
        let none = search(&app, json!({"q": "xyzzyq"})).await;
        assert_eq!(none["partialMatch"], json!(false), "{b}");
        assert_eq!(none["totalCount"], json!(0), "{b}");
        // Words no offer holds go first, wherever they stand.
        let res = search(&app, json!({"q": "gezellig koffie drinken"})).await;
        assert_eq!(res["matchedWords"], json!(["koffie"]), "{b}: {res}");
        assert!(
            titles(&res).contains(&"Koffieochtend in Geesterhage".to_string()),
            "{b}: {res}"
        );
        // A compound no offer holds whole: its parts, then the most of them that match.
        let res = search(&app, json!({"q": "mantelzorgondersteuning"})).await;
        assert_eq!(res["partialMatch"], json!(true), "{b}: {res}");
        assert_eq!(res["matchedWords"], json!(["mantelzorg"]), "{b}: {res}");
        assert!(
            titles(&res).contains(&"Mantelzorgcafé Castricum".to_string()),
            "{b}: {res}"
        );
        // Fewer full matches than the page: the offers matching most words follow below them.
        let res = search(&app, json!({"q": "koffie praatje", "first": 10})).await;
        let t = titles(&res);
        assert_eq!(res["partialMatch"], json!(false), "{b}: {res}");
        assert_eq!(
            t.first().map(String::as_str),
            Some("Koffieochtend in Geesterhage"),
            "{b}"
        );
        assert!(t.contains(&"Buurtkamer Oudorp".to_string()), "{b}: {t:?}");
        assert_eq!(
            res["totalCount"].as_u64().unwrap(),
            t.len() as u64,
            "{b}: {t:?}"
        );
        // A page beyond the full matches holds only the others.
        let p2 = titles(
            &search(
                &app,
                json!({"q": "koffie praatje", "first": 2, "offset": 1}),
            )
            .await,
        );
        assert_eq!(p2, t[1..3].to_vec(), "{b}");
        app.stop().await;
    }
}

#[tokio::test]
async fn contract_index_catches_up_after_create_update_end() {
    for backend in backends() {
        let app = spawn(&backend).await;
        let b = backend.name();
        let (_, id, v) = new_offer(&app, "Zwemgroep Dukenburg").await;
        app.state.search.sync_now().await.unwrap();
        assert!(
            found(&app, "zwemgroep").await.is_empty(),
            "{b}: unpublished offers are not indexed"
        );

        let v =
            app.gql_ok(PUBLISH_OFFER, json!({"id": id, "v": v})).await["publishOffer"]["version"]
                .as_i64()
                .unwrap();
        let report = app.state.search.sync_now().await.unwrap();
        assert!(report.changes >= 1);
        assert_eq!(report.cursor, app.state.search.cursor().await.unwrap());
        assert_eq!(
            found(&app, "zwemgroep").await,
            vec!["Zwemgroep Dukenburg"],
            "{b}"
        );
        let res = search(
            &app,
            json!({"filter": {"areaCode": "GM0268"}, "first": 100}),
        )
        .await;
        assert!(
            titles(&res).contains(&"Zwemgroep Dukenburg".to_string()),
            "{b}"
        );

        let v = app
            .gql_ok(
                UPDATE_OFFER,
                json!({"id": id, "v": v, "input": {"title": "Aquajoggen Dukenburg"}}),
            )
            .await["updateOffer"]["version"]
            .as_i64()
            .unwrap();
        app.state.search.sync_now().await.unwrap();
        // (The renamed offer may still match `zwemgroep` by its parts, `zwemmen` and its
        // kind `groep`: compound splitting; the old title is what must be gone.)
        assert!(
            !found(&app, "zwemgroep")
                .await
                .contains(&"Zwemgroep Dukenburg".to_string()),
            "{b}: old title gone"
        );
        assert_eq!(
            found(&app, "aquajoggen").await,
            vec!["Aquajoggen Dukenburg"],
            "{b}"
        );

        app.gql_ok(END_OFFER, json!({"id": id, "v": v})).await;
        app.state.search.sync_now().await.unwrap();
        assert!(
            found(&app, "aquajoggen").await.is_empty(),
            "{b}: ended offers leave the index"
        );

        // Ending an organisation removes its offers (a change to the organisation only).
        let (org2, id2, v2) = new_offer(&app, "Zwemles volwassenen").await;
        app.gql_ok(PUBLISH_OFFER, json!({"id": id2, "v": v2})).await;
        app.state.search.sync_now().await.unwrap();
        assert_eq!(found(&app, "zwemles").await.len(), 1, "{b}");
        app.gql_ok(
            r#"mutation($id: ID!, $v: Int!) { endOrganisation(id: $id, version: $v) { status } }"#,
            json!({"id": org2["id"], "v": org2["version"]}),
        )
        .await;
        app.state.search.sync_now().await.unwrap();
        assert!(found(&app, "zwemles").await.is_empty(), "{b}");
        app.stop().await;
    }
}

#[tokio::test]
async fn contract_reindex_rebuilds_from_the_database() {
    for backend in backends() {
        let app = spawn(&backend).await;
        let b = backend.name();
        let before = search(&app, json!({"first": 100})).await;
        // Empty the index behind the indexer's back, then rebuild.
        app.state
            .search
            .index()
            .replace_all(Vec::new())
            .await
            .unwrap();
        assert_eq!(search(&app, json!({})).await["totalCount"], 0, "{b}");
        let data = app
            .gql_ok("mutation { reindexSearch { indexed backend } }", json!({}))
            .await;
        assert_eq!(data["reindexSearch"]["backend"], b);
        assert_eq!(
            data["reindexSearch"]["indexed"], before["totalCount"],
            "{b}"
        );
        let after = search(&app, json!({"first": 100})).await;
        assert_eq!(titles(&after), titles(&before), "{b}");
        app.stop().await;
    }
}

/// An index that fails its first `failures` writes, like a backend that is down.
struct Flaky {
    inner: Arc<dyn SearchIndex>,
    failures: AtomicU32,
}

#[async_trait::async_trait]
impl SearchIndex for Flaky {
    fn backend(&self) -> &'static str {
        "flaky"
    }
    async fn apply(&self, upserts: Vec<SearchDoc>, deletes: Vec<String>) -> AppResult<()> {
        if self
            .failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(AppError::Internal(anyhow::anyhow!("backend down")));
        }
        self.inner.apply(upserts, deletes).await
    }
    async fn replace_all(&self, docs: Vec<SearchDoc>) -> AppResult<()> {
        self.inner.replace_all(docs).await
    }
    async fn search(&self, query: &SearchQuery) -> AppResult<SearchResults> {
        self.inner.search(query).await
    }
    async fn set_synonyms(&self, synonyms: Arc<api::search::synonyms::Synonyms>) -> AppResult<()> {
        self.inner.set_synonyms(synonyms).await
    }

    async fn count(&self) -> AppResult<u64> {
        self.inner.count().await
    }
}

#[tokio::test]
async fn indexer_advances_its_cursor_only_after_the_index_commits() {
    // The node's own indexer stays idle; this test drives a second one by hand.
    let app = TestApp::spawn_with(|c| c.search.poll_interval_ms = 3_600_000)
        .await
        .signed_in(tests::demo::ADMIN)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let open =
        || -> Arc<dyn SearchIndex> { Arc::new(Arc::new(TantivyIndex::open(dir.path()).unwrap())) };
    let flaky = Arc::new(Flaky {
        inner: open(),
        failures: AtomicU32::new(2),
    });
    let service = SearchService::with_consumer(flaky, app.state.db.clone(), 7, "search-test");
    for _ in 0..2 {
        assert!(service.sync_now().await.is_err());
        assert_eq!(
            service.cursor().await.unwrap(),
            0,
            "no progress while the backend is down"
        );
    }
    let report = service.sync_now().await.unwrap();
    assert!(report.changes > 7, "several batches");
    let expected = sql_count(&app, json!({})).await;
    let q = SearchQuery::text("", 100).unwrap();
    assert_eq!(service.search(&q).await.unwrap().total, expected);

    // A restart (new service, same index and cursor) has nothing left to do...
    drop(service);
    let again = SearchService::with_consumer(open(), app.state.db.clone(), 7, "search-test");
    assert_eq!(again.sync_now().await.unwrap().changes, 0);
    assert_eq!(again.search(&q).await.unwrap().total, expected);
    // ...and a change made while it was down is applied on the next sync.
    let (_, id, v) = new_offer(&app, "Zwemgroep Dukenburg").await;
    app.gql_ok(PUBLISH_OFFER, json!({"id": id, "v": v})).await;
    let report = again
        .sync_now()
        .await
        .unwrap_or_else(|e| panic!("{}: {e:?}", e.message()));
    assert!(report.changes >= 2);
    assert_eq!(again.search(&q).await.unwrap().total, expected + 1);
}

#[tokio::test]
async fn meilisearch_outage_keeps_changes_for_later() {
    // A Meilisearch URL nobody listens on: the node starts, searches fail with INTERNAL, and
    // the cursor stays put so nothing is lost.
    let app = TestApp::spawn_with(|c| {
        c.search.meili_url = Some("http://127.0.0.1:9".into());
        c.search.poll_interval_ms = 60_000;
    })
    .await;
    assert!(app.state.search.sync_now().await.is_err());
    assert_eq!(app.state.search.cursor().await.unwrap(), 0);
    let body = app.gql(SEARCH, json!({"q": "wandelen"})).await;
    assert_eq!(error_code(&body), Some("INTERNAL"));
    app.stop().await;
}

#[tokio::test]
async fn worker_indexes_new_changes_without_being_asked() {
    let app = TestApp::spawn_with(|c| c.search.poll_interval_ms = 50)
        .await
        .signed_in(tests::demo::ADMIN)
        .await;
    let (_, id, v) = new_offer(&app, "Zwemgroep Dukenburg").await;
    app.gql_ok(PUBLISH_OFFER, json!({"id": id, "v": v})).await;
    tests::eventually(20, "the worker indexes the offer", || async {
        (found(&app, "zwemgroep").await == vec!["Zwemgroep Dukenburg"]).then_some(())
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn reindex_requires_an_admin() {
    let app = TestApp::spawn().await;
    let schema = api::graphql::build(Some(app.state.clone()), &app.state.config.limits);
    let run = |actor: api::auth::Actor| {
        let schema = schema.clone();
        async move {
            let req =
                async_graphql::Request::new("mutation { reindexSearch { indexed } }").data(actor);
            serde_json::to_value(schema.execute(req).await).unwrap()
        }
    };
    for actor in [
        api::auth::Actor::Anonymous,
        api::auth::Actor::Peer("other".into()),
    ] {
        let body = run(actor).await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    }
    let body = run(api::auth::Actor::System).await;
    assert_eq!(
        body["data"]["reindexSearch"]["indexed"].as_u64().unwrap(),
        sql_count(&app, json!({})).await
    );
    app.stop().await;
}

/// recall@k with the number of relevant offers capped at k (so a perfect ranking scores 1).
fn recall_at(k: usize, ranked: &[String], relevant: &[&str]) -> f64 {
    let hits = ranked
        .iter()
        .take(k)
        .filter(|t| relevant.contains(&t.as_str()))
        .count();
    hits as f64 / relevant.len().min(k) as f64
}

/// nDCG@k with binary relevance.
fn ndcg_at(k: usize, ranked: &[String], relevant: &[&str]) -> f64 {
    let gain = |i: usize| 1.0 / ((i + 2) as f64).log2();
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .filter(|(_, t)| relevant.contains(&t.as_str()))
        .map(|(i, _)| gain(i))
        .sum();
    let ideal: f64 = (0..relevant.len().min(k)).map(gain).sum();
    dcg / ideal
}

/// Lowest mean recall@5 over the relevance set, on every backend: issue 18's target. The
/// embedded backend stood at 0.989 with no query left empty on 2026-12-02 (the table the test
/// prints gives each category and the misses).
const MIN_RECALL: f64 = 0.95;
/// Highest share of relevance queries with no result at all, on every backend.
const MAX_ZERO_RESULTS: f64 = 0.02;

/// Recall@5, nDCG@10 and zero-result rate of one category (or all queries).
#[derive(Default)]
pub(crate) struct Score {
    queries: usize,
    recall: f64,
    ndcg: f64,
    zero: usize,
}

impl Score {
    fn add(&mut self, r5: f64, n10: f64, empty: bool) {
        self.queries += 1;
        self.recall += r5;
        self.ndcg += n10;
        self.zero += usize::from(empty);
    }
    pub(crate) fn recall(&self) -> f64 {
        self.recall / self.queries as f64
    }
    pub(crate) fn zero_rate(&self) -> f64 {
        self.zero as f64 / self.queries as f64
    }
    fn line(&self, backend: &str, category: &str) -> String {
        format!(
            "{backend:<12} {category:<14} {:>7} {:>9.3} {:>8.3} {:>10.3}",
            self.queries,
            self.recall(),
            self.ndcg / self.queries as f64,
            self.zero_rate()
        )
    }
}

/// Runs the relevance set on `app`: the score over all queries, then a table line per
/// category and a line per query missed, labelled `label`.
pub(crate) async fn relevance(app: &TestApp, label: &str) -> (Score, Vec<String>) {
    use crate::relevance_set::RELEVANCE;
    let mut all = Score::default();
    let mut per_category: Vec<(&str, Score)> = Vec::new();
    let mut misses = Vec::new();
    for (category, q, relevant) in RELEVANCE {
        let ranked = titles(&search(app, json!({"q": q, "first": 10})).await);
        let (r5, n10) = (
            recall_at(5, &ranked, relevant),
            ndcg_at(10, &ranked, relevant),
        );
        if r5 < 1.0 {
            misses.push(format!(
                "  {label}: [{category}] {q:?} recall@5 {r5:.2} got {ranked:?}"
            ));
        }
        all.add(r5, n10, ranked.is_empty());
        let at = match per_category.iter().position(|(c, _)| c == category) {
            Some(i) => i,
            None => {
                per_category.push((category, Score::default()));
                per_category.len() - 1
            }
        };
        per_category[at].1.add(r5, n10, ranked.is_empty());
    }
    let mut lines: Vec<String> = per_category.iter().map(|(c, s)| s.line(label, c)).collect();
    lines.push(all.line(label, "all"));
    lines.extend(misses);
    (all, lines)
}

/// The header of the table [`relevance`] prints.
pub(crate) fn relevance_header() -> String {
    format!(
        "{:<12} {:<14} {:>7} {:>9} {:>8} {:>10}",
        "backend", "category", "queries", "recall@5", "nDCG@10", "zero-rate"
    )
}

#[tokio::test]
async fn relevance_recall_and_ndcg_per_backend() {
    use crate::relevance_set::RELEVANCE;
    assert!(RELEVANCE.len() >= 150, "{} queries", RELEVANCE.len());
    let mut table = vec![relevance_header()];
    for backend in backends() {
        let app = spawn(&backend).await;
        let b = backend.name();
        let (all, lines) = relevance(&app, b).await;
        table.extend(lines);
        assert!(
            all.recall() >= MIN_RECALL,
            "{b}: recall@5 {:.3} below {MIN_RECALL}\n{}",
            all.recall(),
            table.join("\n")
        );
        assert!(
            all.zero_rate() <= MAX_ZERO_RESULTS,
            "{b}: zero-result rate {:.3} above {MAX_ZERO_RESULTS}\n{}",
            all.zero_rate(),
            table.join("\n")
        );
        app.stop().await;
    }
    println!("{}", table.join("\n"));
}

/// The README states how many tests run against both backends; keep it true.
#[test]
fn readme_counts_the_tests_of_both_backends() {
    let runs_both = include_str!("search.rs")
        .matches(concat!("for backend in ", "backends() {"))
        .count();
    let readme = include_str!("../../../README.md");
    let claim = format!("{runs_both} tests run against both backends");
    assert!(readme.contains(&claim), "README should say: {claim}");
}
