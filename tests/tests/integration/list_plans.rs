//! Every list path stays an index walk (issue 17): on a few thousand offers, each list is asked
//! for through the API while the node logs its statements, and each statement's query plan
//! (`EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` on PostgreSQL) must not read a large table
//! whole. A path that goes back to a full scan (a sub-query over organisations, an area filter
//! through the area table, an order no index serves) fails here, not only in the bench.

use api::read_model::derived;
use entities::{location, offer, offer_life_domain, offer_target_group};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, IntoActiveModel, QueryFilter, Statement,
};
use serde_json::{Value, json};
use tests::TestApp;

/// Offers in the test catalogue (the demo offers copied up to about this many).
const OFFERS: usize = 3000;

/// Tables that grow with the catalogue: a plan must reach them through an index.
const LARGE: &[&str] = &[
    "offers",
    "locations",
    "offer_life_domains",
    "offer_target_groups",
    "organisations",
    "changes",
    "referrals",
    "areas",
];

/// Copies the demo offers (with their locations, life domains and target groups) until the
/// node holds about [`OFFERS`], stored as every writer stores them (`derived`). The copies'
/// locations are spread over the buurten of the whole country, as a national catalogue's are.
async fn grow_catalogue(app: &TestApp) {
    let db = &app.state.db;
    let buurten: Vec<String> = entities::area::Entity::find()
        .filter(entities::area::Column::Kind.eq(entities::AreaKind::Buurt))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.code)
        .collect();
    let demo = offer::Entity::find().all(db).await.unwrap();
    let locations = location::Entity::find().all(db).await.unwrap();
    let domains = offer_life_domain::Entity::find().all(db).await.unwrap();
    let groups = offer_target_group::Entity::find().all(db).await.unwrap();
    assert!(!demo.is_empty(), "demo data has offers");
    let copies = OFFERS / demo.len() + 1;
    let (mut offers, mut locs, mut lds, mut tgs, mut ids) =
        (vec![], vec![], vec![], vec![], vec![]);
    for n in 0..copies {
        for o in &demo {
            let id = format!("test:{}", uuid::Uuid::new_v4());
            let mut copy = o.clone();
            copy.id = id.clone();
            copy.title = format!("{} {n:05}", o.title);
            offers.push(copy.into_active_model());
            for l in locations.iter().filter(|l| l.offer_id == o.id) {
                let mut l = l.clone();
                l.id = format!("test:{}", uuid::Uuid::new_v4());
                l.offer_id = id.clone();
                l.buurt_code = Some(buurten[(locs.len() * 7919) % buurten.len()].clone());
                locs.push(l.into_active_model());
            }
            for d in domains.iter().filter(|d| d.offer_id == o.id) {
                let mut d = d.clone();
                d.offer_id = id.clone();
                lds.push(d.into_active_model());
            }
            for g in groups.iter().filter(|g| g.offer_id == o.id) {
                let mut g = g.clone();
                g.offer_id = id.clone();
                tgs.push(g.into_active_model());
            }
            ids.push(id);
        }
    }
    api::db::insert_all(db, offers, None).await.unwrap();
    api::db::insert_all(db, locs, None).await.unwrap();
    api::db::insert_all(db, lds, None).await.unwrap();
    api::db::insert_all(db, tgs, None).await.unwrap();
    derived::refresh_offers(db, &ids).await.unwrap();
    if db.get_database_backend() == DbBackend::Postgres {
        // Statistics as autovacuum would have them by now.
        db.execute_unprepared("ANALYZE").await.unwrap();
    }
}

/// Planner estimates up to which PostgreSQL may sort what an index lookup found.
const FEW_ROWS: u64 = 5;

/// The plan lines of `statement` that read a large table whole, or (unless `may_sort`) sort
/// a page of a list in memory (every matching offer is read before the first row comes out).
async fn full_scans(app: &TestApp, statement: &Statement, may_sort: bool) -> Vec<String> {
    let db = &app.state.db;
    let backend = db.get_database_backend();
    let (prefix, column) = match backend {
        DbBackend::Postgres => ("EXPLAIN ", "QUERY PLAN"),
        _ => ("EXPLAIN QUERY PLAN ", "detail"),
    };
    let explain = Statement {
        sql: format!("{prefix}{}", statement.sql),
        ..statement.clone()
    };
    let rows = db.query_all_raw(explain).await.unwrap();
    let lines: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String>("", column).unwrap())
        .collect();
    if std::env::var_os("LIST_PLANS_PRINT").is_some() {
        eprintln!("{}\n  {}", statement.sql, lines.join("\n  "));
    }
    // PostgreSQL rightly reads a table of a few rows whole: judge only the tables that have
    // grown (SQLite's plans do not depend on table sizes).
    let mut large = Vec::new();
    for table in LARGE {
        let rows = db
            .query_one_raw(Statement::from_string(
                backend,
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        if backend != DbBackend::Postgres || rows >= 1000 {
            large.push(*table);
        }
    }
    // A page of a list (offers, also through their locations in an area by the offer title
    // stored beside each; referrals, organisations, areas) must come out of an index in its
    // order, not be sorted after reading every match.
    let paged = ["offers", "referrals", "organisations", "areas"]
        .into_iter()
        .find(|t| statement.sql.contains(&format!("ORDER BY \"{t}\".")))
        .or(Some("offers").filter(|_| {
            statement
                .sql
                .contains("ORDER BY \"locations\".\"offer_title\"")
        }))
        .filter(|_| statement.sql.contains("LIMIT"));
    // PostgreSQL sorts the few rows an index lookup finds when its statistics say they are
    // few (an organisation without offers, estimated at one row): not a sorted list page.
    let few = |node: &str| {
        node.trim_start_matches([' ', '-', '>'])
            .starts_with("Sort ")
            && node
                .split("rows=")
                .nth(1)
                .and_then(|r| r.split_whitespace().next())
                .and_then(|r| r.parse::<u64>().ok())
                .is_some_and(|rows| rows <= FEW_ROWS)
    };
    let sorted_few: Vec<bool> = (0..lines.len())
        .map(|i| i > 0 && backend == DbBackend::Postgres && few(&lines[i - 1]))
        .collect();
    lines
        .into_iter()
        .zip(sorted_few)
        .filter(|(line, sorted_few)| {
            let line = line.trim_start_matches([' ', '-', '>']).trim();
            let sorts = !sorted_few
                && paged.is_some_and(|t| match backend {
                    DbBackend::Postgres => line.starts_with(&format!("Sort Key: {t}.")),
                    _ => line == "USE TEMP B-TREE FOR ORDER BY",
                });
            (sorts && !may_sort)
                || large.iter().any(|table| match backend {
                    DbBackend::Postgres => line.starts_with(&format!("Seq Scan on {table} ")),
                    // `SCAN t USING INDEX i` walks an index in order (and stops at the LIMIT);
                    // a bare `SCAN t` reads the table.
                    _ => {
                        line == format!("SCAN {table}")
                            || line.starts_with(&format!("SCAN {table} ("))
                            || line == format!("SCAN {table} AS {table}")
                    }
                })
        })
        .map(|(line, _)| line)
        .collect()
}

/// Asks `query` and asserts that no statement it caused reads a large table whole (nor sorts
/// a page of offers, unless `may_sort`: a filter whose matches are found by an index lookup and
/// then ordered).
async fn assert_indexed(app: &TestApp, what: &str, may_sort: bool, query: &str, variables: Value) {
    assert_indexed_as(app, app.token.as_deref(), what, may_sort, query, variables).await;
}

/// [`assert_indexed`] signed in with `token`.
async fn assert_indexed_as(
    app: &TestApp,
    token: Option<&str>,
    what: &str,
    may_sort: bool,
    query: &str,
    variables: Value,
) {
    let scans = scans_as(app, token, what, may_sort, query, variables).await;
    assert!(
        scans.is_empty(),
        "{what}: full scans:\n{}",
        scans.join("\n")
    );
}

/// Asks `query` signed in with `token` and returns each full scan (or, unless `may_sort`,
/// in-memory sort of a page) in the plans of the statements it caused, with the statement.
async fn scans_as(
    app: &TestApp,
    token: Option<&str>,
    what: &str,
    may_sort: bool,
    query: &str,
    variables: Value,
) -> Vec<String> {
    app.state.queries.start_log();
    let body = app.gql_with(token, query, variables).await;
    let statements = app.state.queries.take_log();
    assert!(body.get("errors").is_none(), "{what}: {body}");
    assert!(!statements.is_empty(), "{what}: no statements logged");
    let mut found = Vec::new();
    for statement in &statements {
        let scans = full_scans(app, statement, may_sort).await;
        if !scans.is_empty() {
            found.push(format!("{scans:?} in {} (answer {body})", statement.sql));
        }
    }
    found
}

/// Same for a plain GET (HSDS, federation feed).
async fn assert_indexed_get(app: &TestApp, path: &str) {
    app.state.queries.start_log();
    let response = app.client.get(app.url(path)).send().await.unwrap();
    let status = response.status();
    let _ = response.text().await.unwrap();
    let statements = app.state.queries.take_log();
    assert!(status.is_success(), "{path}: {status}");
    // The HSDS page carries the total (its `total_items`), which counts every public offer.
    for statement in statements
        .iter()
        .filter(|s| !s.sql.starts_with("SELECT COUNT(*)"))
    {
        let scans = full_scans(app, statement, false).await;
        assert!(
            scans.is_empty(),
            "{path}: full scan {scans:?} in\n{}",
            statement.sql
        );
    }
}

const OFFERS_QUERY: &str = "query($f: OfferFilterInput, $after: String) {
    offers(filter: $f, first: 20, after: $after) {
        edges { cursor node { id title organisation { name } locations { postcode city } } }
        pageInfo { hasNextPage endCursor }
    } }";

#[tokio::test]
async fn offer_lists_walk_an_index_with_every_filter() {
    // Background workers idle: the statement log must only hold the lists' statements.
    let app = crate::query_cost::quiet_node(|_| {}).await;
    grow_catalogue(&app).await;
    let db = &app.state.db;
    let some = location::Entity::find().all(db).await.unwrap();
    let buurt = some
        .iter()
        .rev()
        .find_map(|l| l.buurt_code.clone())
        .unwrap();
    let wijk = format!("WK{}", &buurt[2..8]);
    let gemeente = format!("GM{}", &buurt[2..6]);
    let org = offer::Entity::find()
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .organisation_id;

    let networks = app.gql_ok("{ networks { id } }", json!({})).await;
    let network = networks["networks"][0]["id"].clone();
    assert!(network.is_string(), "the demo has networks: {networks}");
    let first = app.gql_ok(OFFERS_QUERY, json!({})).await;
    let cursor = first["offers"]["pageInfo"]["endCursor"].clone();
    assert!(cursor.is_string(), "a second page follows: {first}");
    // An area list walks the area's locations in title order (`idx_locations_*_title`) on
    // SQLite; PostgreSQL may rightly find a small area's few offers and sort them.
    let pg = db.get_database_backend() == DbBackend::Postgres;
    // (what, filter, whether its matches come from an index lookup and may be sorted)
    let filters = [
        ("no filter", json!({}), false),
        ("gemeente", json!({"areaCode": gemeente}), pg),
        ("wijk", json!({"areaCode": wijk}), pg),
        ("buurt", json!({"areaCode": buurt}), pg),
        ("kind", json!({"kinds": ["GROUP"]}), false),
        (
            "life domain",
            json!({"lifeDomains": ["SOCIALE_CONTACTEN"]}),
            true,
        ),
        ("target group", json!({"targetGroups": ["OUDEREN"]}), true),
        ("status", json!({"statuses": ["OPEN"]}), false),
        ("open places", json!({"openPlacesOnly": true}), false),
        ("free", json!({"freeOnly": true}), false),
        ("organisation", json!({"organisationId": org}), false),
        ("origin node", json!({"originNode": "test"}), false),
        ("network", json!({"networkId": network}), true),
        ("peer led", json!({"peerLed": true}), true),
        ("delivery mode", json!({"deliveryMode": "ONLINE"}), true),
        (
            "combined",
            json!({"areaCode": gemeente, "kinds": ["GROUP"], "lifeDomains": ["SOCIALE_CONTACTEN"],
                   "openPlacesOnly": true, "freeOnly": true}),
            pg,
        ),
    ];
    for (what, filter, may_sort) in filters {
        assert_indexed(&app, what, may_sort, OFFERS_QUERY, json!({"f": filter})).await;
        let next = json!({"f": filter, "after": cursor});
        assert_indexed(&app, what, may_sort, OFFERS_QUERY, next).await;
    }
    // `Area.offers`: its own keyset walk, also after a cursor, and for a list of areas (one
    // walk per area, united in one statement).
    let area_offers = "query($c: String!, $after: String) { area(code: $c) {
        offers(first: 20, after: $after) {
            edges { node { id title } } pageInfo { endCursor } } } }";
    let first = app.gql_ok(area_offers, json!({"c": gemeente})).await;
    let after = first["area"]["offers"]["pageInfo"]["endCursor"].clone();
    assert!(after.is_string(), "the gemeente has offers: {first}");
    for vars in [
        json!({"c": gemeente}),
        json!({"c": gemeente, "after": after}),
    ] {
        assert_indexed(&app, "Area.offers", pg, area_offers, vars).await;
    }
    assert_indexed(
        &app,
        "Area.offers of a list of areas",
        pg,
        "query($c: String!) { areas(parentCode: $c, limit: 50) { code
            offers(first: 5) { edges { node { id title } } } } }",
        json!({"c": gemeente}),
    )
    .await;
    assert_indexed(
        &app,
        "Organisation.offers of a list of organisations",
        false,
        "{ organisations(first: 20) { offers(first: 5) { edges { node { id title } } } } }",
        json!({}),
    )
    .await;
    assert_indexed(
        &app,
        "organisations",
        false,
        "{ organisations(first: 20) { id name } }",
        json!({}),
    )
    .await;
    assert_indexed(
        &app,
        "organisationsConnection",
        false,
        "{ organisationsConnection(first: 20) { edges { node { id name } } } }",
        json!({}),
    )
    .await;
    let children = "query($c: String!, $after: String) { area(code: $c) {
        childrenConnection(first: 5, after: $after) { totalCount edges { cursor node { code } } } } }";
    let first = app.gql_ok(children, json!({"c": gemeente})).await;
    let after = first["area"]["childrenConnection"]["edges"][0]["cursor"].clone();
    for (c, after) in [
        (gemeente.clone(), Value::Null),
        (gemeente.clone(), after),
        (wijk, Value::Null),
    ] {
        let vars = json!({"c": c, "after": after});
        assert_indexed(&app, "Area.childrenConnection", false, children, vars).await;
    }
    // Coverage of a gemeente: aggregates over its offers, found through the stored codes.
    assert_indexed(
        &app,
        "coverage",
        true,
        "query($c: String!) { coverage(areaCode: $c) { csv } }",
        json!({"c": gemeente}),
    )
    .await;
    let ids: Vec<String> = offer::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .take(10)
        .map(|o| o.id)
        .collect();
    assert_indexed(
        &app,
        "nodes",
        false,
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        json!({"ids": ids}),
    )
    .await;
    app.stop().await;
}

/// Copies referral `r` until the node holds about [`OFFERS`] referrals: one in three from
/// `r`'s practice to `r`'s offer, the others from other practices to the other offers.
async fn grow_referrals(app: &TestApp, r: &entities::referral::Model) {
    let db = &app.state.db;
    let offers: Vec<String> = offer::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.id)
        .collect();
    let mut copies = Vec::new();
    for n in 0..OFFERS {
        let mut copy = r.clone();
        copy.id = format!("test:{}", uuid::Uuid::new_v4());
        copy.created_at = r.created_at - chrono::Duration::minutes(n as i64 + 1);
        if n % 3 != 0 {
            copy.referrer_organisation_id = Some(format!("test:practice-{}", n % 50));
            copy.offer_id = offers[n % offers.len()].clone();
        }
        copies.push(copy.into_active_model());
    }
    api::db::insert_all(db, copies, None).await.unwrap();
    // The receiving organisation of each, as every writer stores it.
    derived::refresh_offers(db, &offers).await.unwrap();
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("ANALYZE").await.unwrap();
    }
}

#[tokio::test]
async fn referral_lists_walk_an_index_for_each_party() {
    use crate::referral_isolation::{offer_of, organisation_of, practitioner_of, send};
    let app = TestApp::spawn().await;
    let practice = organisation_of(
        &app,
        "Praktijk Plan",
        entities::OrganisationKind::GpPractice,
    )
    .await;
    let receiver =
        organisation_of(&app, "Ontvanger Plan", entities::OrganisationKind::Welfare).await;
    let offer_id = offer_of(&app, &receiver, "Wandelgroep Plan").await;
    let gp = practitioner_of(&app, "huisarts-plan@example.org", &practice).await;
    let editor = app
        .editor_token("ontvanger-plan@example.org", &receiver)
        .await;
    let sent = send(&app, &gp, &offer_id, "PLAN-0001").await;
    let r = entities::referral::Entity::find_by_id(sent["id"].as_str().unwrap())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    grow_referrals(&app, &r).await;
    let query = "query($after: String, $s: ReferralStatus) {
        referralsConnection(first: 20, after: $after, status: $s) {
            edges { node { id status offer { title } } } pageInfo { endCursor } } }";
    for (who, token) in [("practice", &gp), ("receiving organisation", &editor)] {
        let first = app.gql_with(Some(token), query, json!({})).await;
        let conn = &first["data"]["referralsConnection"];
        assert_eq!(
            conn["edges"].as_array().map(Vec::len),
            Some(20),
            "{who}: {first}"
        );
        let after = conn["pageInfo"]["endCursor"].clone();
        for vars in [
            json!({}),
            json!({"after": after}),
            json!({"s": "REQUESTED"}),
        ] {
            let what = format!("referralsConnection of the {who}");
            assert_indexed_as(&app, Some(token), &what, false, query, vars).await;
        }
    }
    // The notification worker's reminder poll: the referrals to this node's offers still
    // waiting since before the cut, by `idx_referrals_node_status_created`, not the whole
    // table.
    let node = app.state.node_id.as_str().to_string();
    app.state.queries.start_log();
    api::notify::reminder::remind_due(&app.state.db, &node, None, 3, chrono::Utc::now())
        .await
        .unwrap();
    let statements = app.state.queries.take_log();
    let poll = statements
        .iter()
        .find(|s| s.sql.contains("FROM \"referrals\"") && s.sql.contains("\"offer_node\""))
        .expect("the reminder poll reads referrals");
    let scans = full_scans(&app, poll, false).await;
    assert!(scans.is_empty(), "reminder poll: {scans:?} in {}", poll.sql);
    // The check bites: without the practice's indexes the same page reads the whole table.
    for index in [
        "idx_referrals_practice_created",
        "idx_referrals_practice_status_created",
    ] {
        let sql = format!("DROP INDEX {index}");
        app.state.db.execute_unprepared(&sql).await.unwrap();
    }
    let scans = scans_as(&app, Some(&gp), "without index", false, query, json!({})).await;
    assert!(!scans.is_empty(), "a full scan is noticed");
    app.stop().await;
}

#[tokio::test]
async fn organisations_page_by_keyset_in_name_order() {
    let app = TestApp::spawn().await;
    let all = app
        .gql_ok("{ organisations(first: 100) { id } }", json!({}))
        .await;
    let expected: Vec<Value> = all["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].clone())
        .collect();
    assert!(expected.len() > 3, "demo data has organisations");
    let query = "query($after: String) { organisationsConnection(first: 3, after: $after) {
        totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }";
    let (mut seen, mut after) = (Vec::new(), Value::Null);
    loop {
        assert_indexed(
            &app,
            "organisationsConnection",
            false,
            query,
            json!({"after": after}),
        )
        .await;
        let body = app.gql_ok(query, json!({"after": after})).await;
        let conn = &body["organisationsConnection"];
        assert_eq!(conn["totalCount"], json!(expected.len()));
        seen.extend(
            conn["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["id"].clone()),
        );
        if conn["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, expected);
    app.stop().await;
}

#[tokio::test]
async fn hsds_lists_and_the_change_feed_walk_an_index() {
    let app = TestApp::spawn().await;
    grow_catalogue(&app).await;
    assert_indexed_get(&app, "/hsds/services?page=2&per_page=20").await;
    assert_indexed_get(&app, "/hsds/organizations?page=1&per_page=20").await;
    assert_indexed_get(&app, "/hsds/service_at_locations?page=2&per_page=20").await;
    // The change feed, for an admin (peers read the same page).
    let admin = app.admin_token().await;
    let feed = "query($since: Int!) { changeFeed(since: $since, first: 20) }";
    for since in [0, 5] {
        let vars = json!({"since": since});
        assert_indexed_as(&app, Some(&admin), "changeFeed", false, feed, vars).await;
    }
    app.stop().await;
}

/// `offers.is_public` as stored, by offer id.
async fn stored_visibility(app: &TestApp) -> std::collections::HashMap<String, bool> {
    let db = &app.state.db;
    db.query_all_raw(Statement::from_string(
        db.get_database_backend(),
        "SELECT id, is_public FROM offers",
    ))
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            r.try_get("", "id").unwrap(),
            r.try_get("", "is_public").unwrap(),
        )
    })
    .collect()
}

/// What a location stores of its offer (`read_model::derived`).
#[derive(Debug, PartialEq)]
struct Stored {
    /// Public and active: counted in coverage.
    active: bool,
    kind: Option<String>,
    has_room: bool,
    for_older: bool,
    domains: std::collections::BTreeSet<entities::LifeDomain>,
}

/// What each location stores of its offer, by location id, with its offer's id.
async fn stored_activity(app: &TestApp) -> Vec<(String, String, Stored)> {
    let db = &app.state.db;
    db.query_all_raw(Statement::from_string(
        db.get_database_backend(),
        "SELECT id, offer_id, offer_active, offer_kind, offer_has_room, offer_for_older, \
         offer_domains FROM locations",
    ))
    .await
    .unwrap()
    .iter()
    .map(|r| {
        let bits: i32 = r.try_get("", "offer_domains").unwrap();
        (
            r.try_get("", "id").unwrap(),
            r.try_get("", "offer_id").unwrap(),
            Stored {
                active: r.try_get("", "offer_active").unwrap(),
                kind: r.try_get("", "offer_kind").unwrap(),
                has_room: r.try_get("", "offer_has_room").unwrap(),
                for_older: r.try_get("", "offer_for_older").unwrap(),
                domains: derived::domains_of(bits).collect(),
            },
        )
    })
    .collect()
}

/// Asserts that exactly the first location (by id) of each offer in each gemeente, wijk and
/// buurt is flagged as such (`first_in_*`, what coverage counts).
async fn assert_first_in_area_stored(app: &TestApp) {
    use std::collections::HashMap;
    let db = &app.state.db;
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id, offer_id, gemeente_code, wijk_code, buurt_code, first_in_gemeente, \
             first_in_wijk, first_in_buurt FROM locations",
        ))
        .await
        .unwrap();
    assert!(!rows.is_empty());
    for (area, flag) in [
        ("gemeente_code", "first_in_gemeente"),
        ("wijk_code", "first_in_wijk"),
        ("buurt_code", "first_in_buurt"),
    ] {
        // (id, (offer, area), stored flag) of each location.
        let located: Vec<(String, (String, Option<String>), bool)> = rows
            .iter()
            .map(|r| {
                let offer: String = r.try_get("", "offer_id").unwrap();
                let area: Option<String> = r.try_get("", area).unwrap();
                (
                    r.try_get("", "id").unwrap(),
                    (offer, area),
                    r.try_get("", flag).unwrap(),
                )
            })
            .collect();
        let mut first: HashMap<&(String, Option<String>), &String> = HashMap::new();
        for (id, key, _) in &located {
            let least = first.entry(key).or_insert(id);
            if id < *least {
                *least = id;
            }
        }
        for (id, key, got) in &located {
            // No area (a point outside every buurt): no other location shares it.
            let want = key.1.is_none() || first[key] == id;
            assert_eq!(*got, want, "{flag} of location {id}");
        }
    }
}

/// Patches offer `id` at `version` through the service (as the system) and returns its new
/// version.
async fn update_offer(
    app: &TestApp,
    id: &api::domain::GlobalId,
    version: i32,
    patch: api::services::offer::OfferPatch,
) -> i32 {
    api::services::offer::update(&app.state, &api::domain::Actor::System, id, version, patch)
        .await
        .unwrap()
        .offer
        .version
}

/// What each location of offer `id` stores of it.
async fn stored_of(app: &TestApp, id: &str) -> Vec<Stored> {
    stored_activity(app)
        .await
        .into_iter()
        .filter(|(_, of, _)| of == id)
        .map(|(_, _, s)| s)
        .collect()
}

/// Asserts that the stored visibility of every offer, and what each location stores of its
/// offer (whether it counts in coverage: public and active; its kind, room, target group for
/// older people and life domains), is what the rules and the offer's rows say.
async fn assert_visibility_stored(app: &TestApp) {
    use api::read_model::rules;
    use std::collections::{BTreeSet, HashMap};
    let db = &app.state.db;
    let ids: Vec<String> = offer::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.id)
        .collect();
    let bundles = api::read_model::offer::with_organisation(db, &ids)
        .await
        .unwrap();
    assert!(!bundles.is_empty());
    let stored = stored_visibility(app).await;
    for (o, org) in &bundles {
        assert_eq!(stored[&o.id], rules::is_public(o, org), "offer {}", o.id);
    }
    let mut domains: HashMap<String, BTreeSet<entities::LifeDomain>> = HashMap::new();
    for d in offer_life_domain::Entity::find().all(db).await.unwrap() {
        domains.entry(d.offer_id).or_default().insert(d.life_domain);
    }
    let older: BTreeSet<String> = offer_target_group::Entity::find()
        .filter(offer_target_group::Column::TargetGroup.eq(rules::FOR_OLDER))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.offer_id)
        .collect();
    let rule: HashMap<&str, Stored> = bundles
        .iter()
        .map(|(o, org)| {
            let want = Stored {
                active: rules::is_public(o, org) && rules::is_active(o),
                kind: Some(o.kind.as_str().to_string()),
                has_room: rules::has_room(o),
                for_older: older.contains(&o.id),
                domains: domains.get(&o.id).cloned().unwrap_or_default(),
            };
            (o.id.as_str(), want)
        })
        .collect();
    assert_first_in_area_stored(app).await;
    let locations = stored_activity(app).await;
    assert!(locations.iter().any(|(_, _, s)| s.active));
    assert!(locations.iter().any(|(_, _, s)| s.for_older));
    assert!(locations.iter().any(|(_, _, s)| s.domains.len() > 1));
    for (id, offer_id, got) in locations {
        assert_eq!(got, rule[offer_id.as_str()], "location {id}");
    }
}

#[tokio::test]
async fn stored_visibility_follows_publication_of_offers_and_organisations() {
    // Demo seeding creates and publishes organisations and offers through the services.
    let app = TestApp::spawn().await;
    assert_visibility_stored(&app).await;
    // Ending an organisation hides its offers in the same transaction.
    let db = &app.state.db;
    let public = stored_visibility(&app).await;
    let shown = offer::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .find(|o| public[&o.id])
        .unwrap();
    let org = entities::organisation::Entity::find_by_id(shown.organisation_id.clone())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let gid = api::domain::GlobalId::parse(&org.id).unwrap();
    api::services::organisation::end(&app.state, &api::domain::Actor::System, &gid, org.version)
        .await
        .unwrap();
    assert!(!stored_visibility(&app).await[&shown.id]);
    assert_visibility_stored(&app).await;
    // Pausing a public offer takes its locations out of coverage; opening it brings them back.
    let public = stored_visibility(&app).await;
    let counted = stored_activity(&app).await;
    let shown = offer::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .find(|o| public[&o.id] && counted.iter().any(|(_, of, s)| *of == o.id && s.active))
        .unwrap();
    let gid = api::domain::GlobalId::parse(&shown.id).unwrap();
    let mut version = shown.version;
    for status in [entities::OfferStatus::Paused, entities::OfferStatus::Open] {
        let patch = api::services::offer::OfferPatch {
            status: Some(status),
            ..Default::default()
        };
        version = update_offer(&app, &gid, version, patch).await;
        let theirs: Vec<bool> = stored_of(&app, &shown.id)
            .await
            .into_iter()
            .map(|s| s.active)
            .collect();
        let want = status == entities::OfferStatus::Open;
        assert!(
            !theirs.is_empty() && theirs.iter().all(|a| *a == want),
            "{status:?}"
        );
        assert_visibility_stored(&app).await;
    }
    // What coverage counts of the offer follows its kind, room, target groups and domains.
    use entities::{LifeDomain, OfferKind, TargetGroup};
    let patch = api::services::offer::OfferPatch {
        kind: Some(OfferKind::Herstelcirkel),
        capacity: Some(Some(4)),
        places_taken: Some(4),
        life_domains: Some(vec![LifeDomain::Financien, LifeDomain::Slapen]),
        target_groups: Some(vec![TargetGroup::Ouderen]),
        ..Default::default()
    };
    update_offer(&app, &gid, version, patch).await;
    let theirs = stored_of(&app, &shown.id).await;
    let want = Stored {
        active: true,
        kind: Some("herstelcirkel".into()),
        has_room: false,
        for_older: true,
        domains: [LifeDomain::Slapen, LifeDomain::Financien].into(),
    };
    assert!(
        !theirs.is_empty() && theirs.iter().all(|s| *s == want),
        "{theirs:?}"
    );
    assert_visibility_stored(&app).await;
    app.stop().await;
}

#[tokio::test]
async fn the_migration_backfills_visibility_and_area_codes_of_existing_rows() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    // Back to the schema before the stored columns, with the demo data in it, and up again.
    app.migrate_down_to_before("m20261203_7001_list_speed")
        .await;
    app.migrate_up().await;
    assert_visibility_stored(&app).await;
    assert!(stored_visibility(&app).await.values().any(|public| *public));
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT l.gemeente_code AS g, l.wijk_code AS w, a.gemeente_code AS ag, \
             a.parent_code AS aw FROM locations l JOIN areas a ON a.code = l.buurt_code",
        ))
        .await
        .unwrap();
    assert!(!rows.is_empty());
    for r in rows {
        let got: (Option<String>, Option<String>) =
            (r.try_get("", "g").unwrap(), r.try_get("", "w").unwrap());
        let want: (Option<String>, Option<String>) =
            (r.try_get("", "ag").unwrap(), r.try_get("", "aw").unwrap());
        assert_eq!(got, want);
    }
    // And the title of each location's offer, the area lists' sort key.
    let stale = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM locations l JOIN offers o ON o.id = l.offer_id \
             WHERE l.offer_title IS NULL OR l.offer_title <> o.title",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(stale, 0, "every location carries its offer's title");
    app.stop().await;
}

/// The offer rows of each list statement `query` caused read the long texts (description,
/// how to join)?
async fn reads_long_texts(app: &TestApp, query: &str, variables: Value) -> (bool, Value) {
    app.state.queries.start_log();
    let body = app.gql_ok(query, variables).await;
    let statements = app.state.queries.take_log();
    let read = statements.iter().any(|s| {
        s.sql.contains("\"offers\".\"description\"") || s.sql.contains("\"offers\".\"how_to_join\"")
    });
    (read, body)
}

#[tokio::test]
async fn a_list_page_reads_the_long_texts_only_when_it_shows_them() {
    let app = crate::query_cost::quiet_node(|_| {}).await;
    let fields = "id title kind status cost { note amountCents } capacity openPlaces scheduleNote
        accessibility languages contact { name } schedule { rrule } organisation { name }
        locations { postcode city }";
    let lean = format!("{{ offers(first: 20) {{ edges {{ node {{ {fields} }} }} }} }}");
    let full = format!(
        "{{ offers(first: 20) {{ edges {{ node {{ {fields} description howToJoin }} }} }} }}"
    );
    let (read, lean_body) = reads_long_texts(&app, &lean, json!({})).await;
    assert!(!read, "a list of titles leaves the long texts out");
    let (read, full_body) = reads_long_texts(&app, &full, json!({})).await;
    assert!(read, "a list showing descriptions reads them");
    // The other fields are the same either way.
    let mut trimmed = full_body.clone();
    for edge in trimmed["offers"]["edges"].as_array_mut().unwrap() {
        let node = edge["node"].as_object_mut().unwrap();
        assert!(
            node.remove("description")
                .unwrap()
                .as_str()
                .is_some_and(|d| !d.is_empty())
        );
        node.remove("howToJoin");
    }
    assert_eq!(trimmed, lean_body);
    // Through a fragment on `nodes`, and under an area.
    let (read, _) = reads_long_texts(
        &app,
        "fragment F on Offer { howToJoin } { offers(first: 5) { nodes { ...F } } }",
        json!({}),
    )
    .await;
    assert!(read, "a fragment asking for a long text");
    let under_area = |shown: &str| {
        format!(
            r#"{{ area(code: "GM0268") {{ offers(first: 5) {{ edges {{ node {{ id {shown} }} }} }} }} }}"#
        )
    };
    let (read, _) = reads_long_texts(&app, &under_area("title"), json!({})).await;
    assert!(!read, "Area.offers of titles");
    let (read, body) = reads_long_texts(&app, &under_area("description"), json!({})).await;
    assert!(read, "Area.offers of descriptions");
    let edges = body["area"]["offers"]["edges"].as_array().unwrap();
    assert!(!edges.is_empty());
    assert!(edges.iter().all(|e| {
        e["node"]["description"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    }));
    app.stop().await;
}

/// Asks `query` signed in with `token` and returns the plan lines of the statements it caused
/// that walk every public offer (an index on `offers.is_public` alone leads the plan): a full
/// scan in all but name for a statement that should start from an area's locations.
async fn public_walks(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Vec<String> {
    let db = &app.state.db;
    let backend = db.get_database_backend();
    app.state.queries.start_log();
    let body = app.gql_with(token, query, variables).await;
    let statements = app.state.queries.take_log();
    assert!(body.get("errors").is_none(), "{body}");
    let mut found = Vec::new();
    for statement in &statements {
        let (prefix, column) = match backend {
            DbBackend::Postgres => ("EXPLAIN ", "QUERY PLAN"),
            _ => ("EXPLAIN QUERY PLAN ", "detail"),
        };
        let explain = Statement {
            sql: format!("{prefix}{}", statement.sql),
            ..statement.clone()
        };
        for row in db.query_all_raw(explain).await.unwrap() {
            let line: String = row.try_get("", column).unwrap();
            let walks = match backend {
                DbBackend::Postgres => line.trim() == "Index Cond: (is_public = true)",
                _ => line.starts_with("SEARCH offers USING") && line.ends_with("(is_public=?)"),
            };
            if walks {
                found.push(format!("{line} in {}", statement.sql));
            }
        }
    }
    found
}

/// Coverage with every filter and at every level, and the region comparison of a few
/// gemeenten, are counted through the stored area codes and the coordinates' index: no plan
/// reads the offers, locations or value tables whole (issue 17, `coverage`).
#[tokio::test]
async fn coverage_and_the_region_walk_an_index_with_every_filter() {
    let app = crate::query_cost::quiet_node(|c| {
        c.node.region = vec!["GM0268".into(), "GM0361".into(), "GM0935".into()];
    })
    .await;
    grow_catalogue(&app).await;
    let db = &app.state.db;
    // The copies lie where their buurt is (the catalogue keeps the demo's coordinates), so a
    // gemeente's box of coordinates holds its own share of the catalogue, as a national one's.
    db.execute_unprepared(
        "UPDATE locations SET \
         lat = (SELECT areas.centroid_lat FROM areas WHERE areas.code = locations.buurt_code), \
         lon = (SELECT areas.centroid_lon FROM areas WHERE areas.code = locations.buurt_code) \
         WHERE id LIKE 'test:%' AND buurt_code IS NOT NULL",
    )
    .await
    .unwrap();
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("ANALYZE").await.unwrap();
    }
    let some = location::Entity::find()
        .filter(location::Column::BuurtCode.is_not_null())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let buurt = some.buurt_code.clone().unwrap();
    let wijk = entities::area::Entity::find_by_id(buurt.as_str())
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .parent_code
        .unwrap();
    let query = "query($c: String!, $k: OfferKind, $d: LifeDomain, $s: Boolean! = false) {
        coverage(areaCode: $c, kind: $k, lifeDomain: $d, excludeStale: $s) { csv gapsCsv } }";
    for vars in [
        json!({"c": "GM0268"}),
        json!({"c": "GM0268", "k": "GROUP", "d": "BEWEGING", "s": true}),
        json!({"c": "GM0268", "s": true}),
        json!({"c": wijk, "d": "SOCIALE_CONTACTEN"}),
        json!({"c": buurt, "k": "HERSTELCIRKEL"}),
    ] {
        assert_indexed(&app, &format!("coverage {vars}"), true, query, vars.clone()).await;
        let walks = public_walks(&app, None, query, vars.clone()).await;
        assert!(walks.is_empty(), "coverage {vars}: {walks:#?}");
    }
    // Anonymous (the public columns), and as a node admin (referral counts and shares too).
    let region = "{ regionComparison(distanceKm: 1.5) { csv } }";
    assert_indexed(&app, "regionComparison", true, region, json!({})).await;
    let walks = public_walks(&app, None, region, json!({})).await;
    assert!(walks.is_empty(), "regionComparison: {walks:#?}");
    let app = app.signed_in(tests::demo::ADMIN).await;
    let admin = app.token.clone();
    assert_indexed_as(
        &app,
        admin.as_deref(),
        "regionComparison (admin)",
        true,
        region,
        json!({}),
    )
    .await;
    app.stop().await;
}
