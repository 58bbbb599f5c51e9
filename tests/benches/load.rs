//! Load test: a node in-process on 127.0.0.1:0 (SQLite, or PostgreSQL when `TEST_DATABASE_URL`
//! is set) under a mixed GraphQL workload from concurrent clients, bounded in count and time.
//!
//! Mix: 80% listing (`offers` with text-free filters: area, kind, life domain, open places),
//! 15% offer detail, 5% `updateOffer(placesTaken)` with the current version, retried on
//! CONFLICT. Reports requests per second and p50/p99 latency per kind and overall, and fails
//! (exit 1) on any failed request, on requests left unanswered, or when no update succeeded.
//! `BENCH_SMOKE=1` runs 8 clients and 400 requests (seconds), as CI does.
//!
//! ```sh
//! cargo bench -p tests --bench load                         # SQLite
//! TEST_DATABASE_URL=postgres://postgres@127.0.0.1:55432/postgres cargo bench -p tests --bench load
//! WIJK_LOAD_CLIENTS=64 WIJK_LOAD_REQUESTS=20000 WIJK_LOAD_SECS=60 cargo bench -p tests --bench load
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tests::{TestApp, backend_name, error_code};

/// The node binary's allocator (`web/src/main.rs`), so the load measures what ships.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const LIST: &str = r#"query LoadList($filter: OfferFilterInput, $first: Int) {
  offers(filter: $filter, first: $first) {
    totalCount
    edges { node { id title status capacityStatus openPlaces
      organisation { id name } locations { postcode buurtCode } } } } }"#;
const DETAIL: &str = r#"query LoadDetail($id: ID!) {
  offer(id: $id) { id title description status version capacity placesTaken capacityStatus
    cost { amountCents period free } schedule { rrule opensAt closesAt }
    organisation { id name website } locations { name postcode city buurtCode }
    lifeDomains targetGroups } }"#;
const VERSION: &str = r#"query LoadVersion($id: ID!) { offer(id: $id) { version capacity } }"#;
const UPDATE: &str = r#"mutation LoadUpdate($id: ID!, $v: Int!, $n: Int!) {
  updateOffer(id: $id, version: $v, input: {placesTaken: $n}) { id version placesTaken } }"#;

const AREAS: [&str; 8] = [
    "GM0268", "GM0361", "GM0935", "GM0917", "GM0399", "GM0383", "GM1980", "GM0373",
];
const KINDS: [&str; 4] = ["GROUP", "ACTIVITY", "HERSTELCIRKEL", "COURSE"];
const DOMAINS: [&str; 4] = ["BEWEGING", "SOCIALE_CONTACTEN", "ONTSPANNING", "ZINGEVING"];

#[derive(Clone, Copy)]
enum Kind {
    List,
    Detail,
    Update,
}

struct Stats {
    latencies: [std::sync::Mutex<Vec<u32>>; 3],
    failures: AtomicU64,
    conflicts: AtomicU64,
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn post(app: &TestApp, query: &str, vars: Value) -> Result<Value, String> {
    post_as(app, None, query, vars).await
}

/// [`post`] with a bearer token.
async fn post_as(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    vars: Value,
) -> Result<Value, String> {
    let mut req = app.client.post(app.url("/graphql"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req
        .json(&json!({"query": query, "variables": vars}))
        .send()
        .await
        .map_err(|e| format!("transport: {e}"))?;
    let status = res.status();
    let body: Value = res.json().await.map_err(|e| format!("body: {e}"))?;
    if !status.is_success() {
        return Err(format!("HTTP {status}: {body}"));
    }
    Ok(body)
}

fn list_vars(rng: &mut impl Rng) -> Value {
    let mut filter = serde_json::Map::new();
    filter.insert(
        "areaCode".into(),
        json!(AREAS[rng.random_range(0..AREAS.len())]),
    );
    match rng.random_range(0..4) {
        0 => {
            filter.insert(
                "kinds".into(),
                json!([KINDS[rng.random_range(0..KINDS.len())]]),
            );
        }
        1 => {
            filter.insert(
                "lifeDomains".into(),
                json!([DOMAINS[rng.random_range(0..DOMAINS.len())]]),
            );
        }
        2 => {
            filter.insert("openPlacesOnly".into(), json!(true));
        }
        _ => {}
    }
    json!({"filter": filter, "first": 20})
}

/// One update of `placesTaken`, retried on CONFLICT with a fresh version.
async fn update(app: &TestApp, id: &str, stats: &Stats, rng_seed: u64) -> Result<(), String> {
    for _ in 0..20 {
        let v = post(app, VERSION, json!({"id": id})).await?;
        let version = v["data"]["offer"]["version"].as_i64().ok_or("no version")?;
        let capacity = v["data"]["offer"]["capacity"].as_i64().unwrap_or(10);
        let n = (rng_seed % (capacity.max(0) as u64 + 1)) as i64;
        let body = post_as(
            app,
            app.token.as_deref(),
            UPDATE,
            json!({"id": id, "v": version, "n": n}),
        )
        .await?;
        match error_code(&body) {
            None => return Ok(()),
            Some("CONFLICT") => {
                stats.conflicts.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            Some(_) => return Err(format!("update failed: {body}")),
        }
    }
    Err("update: still conflicting after 20 attempts".into())
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i]) / 1000.0
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let ok = runtime.block_on(run());
    if !ok {
        std::process::exit(1);
    }
}

async fn run() -> bool {
    // `BENCH_SMOKE=1`: a run of seconds (8 clients, 400 requests), as CI runs it.
    let smoke = std::env::var("BENCH_SMOKE").is_ok_and(|v| !v.is_empty() && v != "0");
    let clients = env_u64("WIJK_LOAD_CLIENTS", if smoke { 8 } else { 64 });
    let total = env_u64("WIJK_LOAD_REQUESTS", if smoke { 400 } else { 20_000 });
    let max_secs = env_u64("WIJK_LOAD_SECS", 60);
    // Updates are made by the demo node admin (editing needs a role); reads are anonymous.
    let app = Arc::new(
        TestApp::spawn_with(|c| {
            c.database.max_connections = env_u64("WIJK_LOAD_POOL", 16) as u32;
            // One admin makes every update: keep the per-user mutation rate limit out of the way.
            c.auth.mutations_per_minute = u32::MAX;
        })
        .await
        .signed_in(tests::demo::ADMIN)
        .await,
    );
    // Offers to read and to update (those with a capacity, so placesTaken has a bound).
    let body = post(&app, LIST, json!({"first": 100})).await.expect("list");
    let edges = body["data"]["offers"]["edges"].as_array().expect("edges");
    let ids: Arc<Vec<String>> = Arc::new(
        edges
            .iter()
            .filter_map(|e| e["node"]["id"].as_str().map(String::from))
            .collect(),
    );
    let writable: Arc<Vec<String>> = Arc::new(
        edges
            .iter()
            .filter(|e| e["node"]["openPlaces"].is_number())
            .filter_map(|e| e["node"]["id"].as_str().map(String::from))
            .collect(),
    );
    assert!(!ids.is_empty() && !writable.is_empty(), "demo data loaded");
    eprintln!(
        "load: backend={} clients={clients} requests={total} max={max_secs}s offers={} writable={}",
        backend_name(),
        ids.len(),
        writable.len()
    );
    let stats = Arc::new(Stats {
        latencies: Default::default(),
        failures: AtomicU64::new(0),
        conflicts: AtomicU64::new(0),
    });
    let issued = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(max_secs);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (app, stats, issued, ids, writable) = (
            app.clone(),
            stats.clone(),
            issued.clone(),
            ids.clone(),
            writable.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::from_os_rng();
            while issued.fetch_add(1, Ordering::Relaxed) < total && Instant::now() < deadline {
                let roll = rng.random_range(0..100);
                let kind = match roll {
                    0..80 => Kind::List,
                    80..95 => Kind::Detail,
                    _ => Kind::Update,
                };
                let t = Instant::now();
                let result = match kind {
                    Kind::List => post(&app, LIST, list_vars(&mut rng)).await.and_then(|b| {
                        if b.get("errors").is_some() {
                            Err(b.to_string())
                        } else {
                            Ok(())
                        }
                    }),
                    Kind::Detail => {
                        let id = &ids[rng.random_range(0..ids.len())];
                        post(&app, DETAIL, json!({"id": id})).await.and_then(|b| {
                            if b.get("errors").is_some() {
                                Err(b.to_string())
                            } else {
                                Ok(())
                            }
                        })
                    }
                    Kind::Update => {
                        let id = &writable[rng.random_range(0..writable.len())];
                        update(&app, id, &stats, rng.random()).await
                    }
                };
                let micros = t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
                match result {
                    Ok(()) => stats.latencies[kind as usize].lock().unwrap().push(micros),
                    Err(e) => {
                        if stats.failures.fetch_add(1, Ordering::Relaxed) < 5 {
                            eprintln!("failed request: {e}");
                        }
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("client task");
    }
    let elapsed = start.elapsed().as_secs_f64();
    let mut all = Vec::new();
    println!(
        "\n## Load: {} backend, {clients} clients, {elapsed:.1} s\n",
        backend_name()
    );
    println!("| kind | requests | req/s | p50 ms | p99 ms |\n|---|---|---|---|---|");
    for (name, i) in [
        ("list (offers)", 0),
        ("detail (offer)", 1),
        ("update (updateOffer)", 2),
    ] {
        let mut l = stats.latencies[i].lock().unwrap().clone();
        l.sort_unstable();
        println!(
            "| {name} | {} | {:.0} | {:.1} | {:.1} |",
            l.len(),
            l.len() as f64 / elapsed,
            percentile(&l, 0.50),
            percentile(&l, 0.99)
        );
        all.extend(l);
    }
    all.sort_unstable();
    let failures = stats.failures.load(Ordering::Relaxed);
    println!(
        "| **all** | {} | **{:.0}** | {:.1} | {:.1} |",
        all.len(),
        all.len() as f64 / elapsed,
        percentile(&all, 0.50),
        percentile(&all, 0.99)
    );
    println!(
        "\nfailed requests: {failures}; CONFLICT retries: {}",
        stats.conflicts.load(Ordering::Relaxed)
    );
    if let Ok(app) = Arc::try_unwrap(app) {
        app.stop().await;
    }
    let answered = all.len() as u64 + failures;
    let complete = answered == total || elapsed >= max_secs as f64;
    if !complete {
        eprintln!("only {answered} of {total} requests were answered");
    }
    let updated = !stats.latencies[2].lock().unwrap().is_empty();
    if !updated {
        eprintln!("no update succeeded");
    }
    failures == 0 && complete && updated
}
