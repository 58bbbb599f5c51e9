//! Federation benchmark: how long a fresh node takes to mirror a peer with many offers (and its
//! peak memory), the steady-state lag while the origin makes a given number of changes per
//! second, and how fast a backlog of referrals queued while the origin was down is delivered.
//!
//! `cargo bench -p api --bench federation` (SQLite in temporary directories). Environment:
//! `OFFERS` (100000), `RATE` (changes per second, 100), `SECONDS` (steady-state duration, 30),
//! `PAGE` (feed page size, 1000), `SYNC_MS` (mirror's pull interval, 1000), `REFERRALS` (referral
//! backlog delivered after an outage, 2000),
//! `TEST_DATABASE_URL` (PostgreSQL admin URL: both nodes get fresh databases).
//! `BENCH_SMOKE=1` changes the defaults to a run of seconds (500 offers in pages of 100, 20
//! changes/s for 2 s, pull every 200 ms, 50 referrals), as CI runs it. Every run checks that the mirror holds every
//! offer, that it ends equal to the origin after the steady state, and that the whole referral
//! backlog arrives; a failed check exits non-zero.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use api::auth::Actor;
use api::config::{Config, PeerConfig};
use api::domain::GlobalId;
use api::services::changes;
use api::services::offer::{self, OfferFields, OfferPatch};
use api::state::AppState;
use chrono::Utc;
use entities::json::{DateList, Schedule, StringList};
use entities::{
    ChangeOp, Intake, LifeDomain, OfferKind, OfferStatus, OrganisationKind, OrganisationStatus,
    RecordKind, location, offer as offer_entity, offer_life_domain, organisation,
};
use rand::{Rng, SeedableRng};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Database, EntityTrait, PaginatorTrait, Set};
use std::time::{Duration, Instant};
use support::{env_or, percentile};

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

async fn database_url(dir: &std::path::Path, name: &str) -> String {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin) => {
            let db = format!("wijk_bench_{name}_{}", uuid::Uuid::new_v4().simple());
            let conn = Database::connect(&admin).await.unwrap();
            conn.execute_unprepared(&format!("CREATE DATABASE {db}"))
                .await
                .unwrap();
            let (base, _) = admin.rsplit_once('/').unwrap();
            format!("{base}/{db}")
        }
        Err(_) => format!(
            "sqlite://{}?mode=rwc",
            dir.join(format!("{name}.sqlite")).display()
        ),
    }
}

async fn node(id: &str, dir: &std::path::Path, port: u16, peers: Vec<PeerConfig>) -> AppState {
    let mut config = Config {
        data_dir: dir.join(id),
        ..Default::default()
    };
    config.node.id = id.into();
    config.seed.demo = false;
    config.server.bind = format!("127.0.0.1:{port}");
    config.database.url = database_url(dir, id).await;
    config.federation.peers = peers;
    config.federation.page_size = env_or("PAGE", 1000, 100);
    api::app::prepare(config)
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()))
}

/// How long the search indexer of `state` takes to apply every change committed so far.
async fn index_catch_up(state: &AppState) -> Duration {
    let t = Instant::now();
    state
        .search
        .sync_now()
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    t.elapsed()
}

/// Bulk-loads `n` published offers over `n / 5` organisations, one location each, with their
/// change-log rows, directly (the services' per-offer transactions would dominate the set-up).
async fn load(state: &AppState, n: u64) -> Vec<String> {
    let buurten: Vec<(String, f64, f64)> = api::geo::area_rows()
        .unwrap()
        .into_iter()
        .filter(|r| r.kind == "buurt")
        .map(|r| (r.code, r.centroid_lat, r.centroid_lon))
        .collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let now = Utc::now();
    let node = state.node_id.to_string();
    let orgs: Vec<String> = (0..(n / 5).max(1))
        .map(|_| GlobalId::new(&state.node_id).to_string())
        .collect();
    let txn = state.db.begin_write_for_bench().await;
    for chunk in orgs.chunks(500) {
        organisation::Entity::insert_many(chunk.iter().enumerate().map(|(i, id)| {
            published_organisation(
                id,
                &node,
                format!("Organisatie {i}"),
                OrganisationKind::Welfare,
            )
        }))
        .exec(&txn)
        .await
        .unwrap();
        for id in chunk {
            changes::record(&txn, RecordKind::Organisation, id, ChangeOp::Upsert, &node)
                .await
                .unwrap();
        }
    }
    let mut offers = Vec::with_capacity(n as usize);
    let ids: Vec<String> = (0..n)
        .map(|_| GlobalId::new(&state.node_id).to_string())
        .collect();
    for (c, chunk) in ids.chunks(400).enumerate() {
        let mut rows = Vec::new();
        let mut locs = Vec::new();
        let mut domains = Vec::new();
        for (i, id) in chunk.iter().enumerate() {
            let k = c * 400 + i;
            let (buurt, lat, lon) = &buurten[rng.random_range(0..buurten.len())];
            rows.push(offer_entity::ActiveModel {
                id: Set(id.clone()),
                origin_node: Set(node.clone()),
                organisation_id: Set(orgs[k % orgs.len()].clone()),
                title: Set(format!("Wandelgroep {k}")),
                description: Set(
                    "Samen wandelen in de wijk, voor wie in beweging wil komen.".into()
                ),
                kind: Set(OfferKind::Group),
                status: Set(OfferStatus::Open),
                published_at: Set(Some(now)),
                intake: Set(Intake::None),
                cost_cents: Set(None),
                cost_period: Set(None),
                cost_note: Set(None),
                capacity: Set(Some(20)),
                places_taken: Set(rng.random_range(0..20)),
                has_waitlist: Set(false),
                start_date: Set(None),
                end_date: Set(None),
                min_age: Set(None),
                max_age: Set(None),
                schedule: Set(Schedule::default()),
                schedule_note: Set(None),
                languages: Set(StringList(vec!["nl".into()])),
                accessibility: Set(None),
                how_to_join: Set(None),
                contact_name: Set(None),
                contact_email: Set(None),
                contact_phone: Set(None),
                hc_year: Set(None),
                hc_coaches: Set(StringList::default()),
                hc_regisseur: Set(None),
                hc_start_meeting: Set(None),
                hc_sounding_board: Set(DateList::default()),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            });
            locs.push(location::ActiveModel {
                id: Set(GlobalId::new(&state.node_id).to_string()),
                origin_node: Set(node.clone()),
                offer_id: Set(id.clone()),
                position: Set(0),
                name: Set(None),
                street: Set(None),
                postcode: Set(None),
                city: Set(None),
                lat: Set(*lat),
                lon: Set(*lon),
                buurt_code: Set(Some(buurt.clone())),
                updated_at: Set(now),
                version: Set(1),
            });
            domains.push(offer_life_domain::ActiveModel {
                offer_id: Set(id.clone()),
                life_domain: Set(LifeDomain::Beweging),
            });
            offers.push(id.clone());
        }
        offer_entity::Entity::insert_many(rows)
            .exec(&txn)
            .await
            .unwrap();
        location::Entity::insert_many(locs)
            .exec(&txn)
            .await
            .unwrap();
        offer_life_domain::Entity::insert_many(domains)
            .exec(&txn)
            .await
            .unwrap();
        for id in chunk {
            changes::record(&txn, RecordKind::Offer, id, ChangeOp::Upsert, &node)
                .await
                .unwrap();
        }
    }
    txn.commit().await.unwrap();
    offers
}

trait BeginWrite {
    async fn begin_write_for_bench(&self) -> sea_orm::DatabaseTransaction;
}

impl BeginWrite for sea_orm::DatabaseConnection {
    async fn begin_write_for_bench(&self) -> sea_orm::DatabaseTransaction {
        api::db::begin_write(self).await.unwrap()
    }
}

fn main() {
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .init();
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

async fn run() {
    let n = env_or("OFFERS", 100_000, 500);
    let rate = env_or("RATE", 100, 20);
    let seconds = env_or("SECONDS", 30, 2);
    let sync_every = Duration::from_millis(env_or("SYNC_MS", 1000, 200));
    let backend = if std::env::var("TEST_DATABASE_URL").is_ok() {
        "postgres"
    } else {
        "sqlite"
    };
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let origin = node("origin", dir.path(), port, vec![]).await;
    let secret = "bench-secret".to_string();
    let mut origin_config = (*origin.config).clone();
    origin_config.federation.peers = vec![PeerConfig {
        id: "mirror".into(),
        base_url: "http://127.0.0.1:1".into(),
        secret: Some(secret.clone()),
        interval_secs: 0,
        token_url: None,
        client_id: None,
        client_secret: None,
        inbound_client_id: None,
    }];
    let origin = AppState {
        config: std::sync::Arc::new(origin_config),
        ..origin
    };
    let t = Instant::now();
    let ids = load(&origin, n).await;
    println!(
        "loaded {n} offers at the origin in {:.1}s",
        t.elapsed().as_secs_f64()
    );
    let server = api::app::serve_on(
        origin.clone(),
        listener,
        axum::Router::new(),
        std::future::pending(),
    )
    .await
    .unwrap_or_else(|e| panic!("{}", e.message()));
    // A peer that is mirrored has long indexed its own offers: its indexer, started with the
    // server, catches up before the clock starts (it took a third of the CPU of the mirror
    // when it ran alongside).
    println!(
        "indexed them at the origin in {:.1}s",
        index_catch_up(&origin).await.as_secs_f64()
    );

    let peer = PeerConfig {
        id: "origin".into(),
        base_url: format!("http://{}", server.addr),
        secret: Some(secret),
        interval_secs: 0,
        token_url: None,
        client_id: None,
        client_secret: None,
        inbound_client_id: None,
    };
    let mirror = node("mirror", dir.path(), 0, vec![peer]).await;
    let rss_before = rss_kib("VmRSS:");
    let t = Instant::now();
    let status = mirror
        .puller()
        .sync_peer("origin")
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    let full = t.elapsed();
    // The mirror's own search index, fed from its change log after the records are stored
    // (the node's indexer does this in the background while it serves).
    let indexed = index_catch_up(&mirror).await;
    let mirrored = offer_entity::Entity::find()
        .count(&mirror.db)
        .await
        .unwrap();
    assert_eq!(mirrored, n, "every offer mirrored");
    let rss_after = rss_kib("VmRSS:");
    let hwm = rss_kib("VmHWM:");

    // Steady state: the origin updates random offers at `rate` per second; the mirror pulls
    // every `sync_every`. Lag of a change = time from its commit to the end of the pull that
    // applied it.
    let writes: std::sync::Arc<tokio::sync::Mutex<Vec<(i64, Instant)>>> = Default::default();
    let writer = {
        let (origin, writes, ids) = (origin.clone(), writes.clone(), ids.clone());
        tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(11);
            let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
            let deadline = Instant::now() + Duration::from_secs(seconds);
            while Instant::now() < deadline {
                tick.tick().await;
                let id = &ids[rng.random_range(0..ids.len())];
                let current = offer_entity::Entity::find_by_id(id.as_str())
                    .one(&origin.db)
                    .await
                    .unwrap()
                    .unwrap();
                let patch = OfferPatch::try_from(OfferFields {
                    places_taken: Some(rng.random_range(0..20)),
                    ..Default::default()
                })
                .unwrap();
                let id = GlobalId::parse(id).unwrap();
                if offer::update(&origin, &Actor::System, &id, current.version, patch)
                    .await
                    .is_ok()
                {
                    let seq = api::federation::feed::head_seq(&origin.db, "origin")
                        .await
                        .unwrap();
                    writes.lock().await.push((seq, Instant::now()));
                }
            }
        })
    };
    let mut lags = Vec::new();
    let mut applied_upto = status.cursor;
    let end = Instant::now() + Duration::from_secs(seconds + 3);
    while Instant::now() < end {
        tokio::time::sleep(sync_every).await;
        let status = mirror
            .puller()
            .sync_peer("origin")
            .await
            .unwrap_or_else(|e| panic!("{}", e.message()));
        let now = Instant::now();
        for (seq, at) in writes.lock().await.iter() {
            if *seq > applied_upto && *seq <= status.cursor {
                lags.push(now - *at);
            }
        }
        applied_upto = status.cursor;
    }
    writer.await.unwrap();
    let total_writes = writes.lock().await.len();
    lags.sort();
    // After the last pull the mirror holds the origin's state of every offer.
    mirror
        .puller()
        .sync_peer("origin")
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    let state_of = |db: sea_orm::DatabaseConnection| async move {
        let mut rows: Vec<(String, i32, i32)> = offer_entity::Entity::find()
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|o| (o.id, o.version, o.places_taken))
            .collect();
        rows.sort();
        rows
    };
    let (at_origin, at_mirror) = (
        state_of(origin.db.clone()).await,
        state_of(mirror.db.clone()).await,
    );
    assert_eq!(
        at_origin.len(),
        at_mirror.len(),
        "offer count after the steady state"
    );
    assert!(
        at_origin == at_mirror,
        "the mirror equals the origin after the steady state"
    );
    assert!(total_writes > 0, "the steady state made changes");

    // Referral delivery: GPs at the mirror refer to the origin's offers while the origin is
    // "down" (no delivery runs), then one run drains the backlog over HTTP.
    let referrals = env_or("REFERRALS", 2000, 50);
    let gp = referrer(&mirror).await;
    let t = Instant::now();
    for i in 0..referrals {
        let new = api::services::referral::NewReferral {
            offer_id: api::domain::GlobalId::parse(&ids[i as usize % ids.len()])
                .unwrap_or_else(|e| panic!("{}", e.message())),
            practice_id: None,
            patient_ref: format!("P-BENCH-{i:06}"),
            consent: true,
            contact_preference: None,
            reason_domains: vec![LifeDomain::SocialeContacten],
            practical_needs: Default::default(),
            note: None,
            contact: None,
            suitability: Default::default(),
        };
        api::services::referral::create(&mirror, &gp, new, &*mirror.peers)
            .await
            .unwrap_or_else(|e| panic!("{}", e.message()));
    }
    let queued = t.elapsed();
    let t = Instant::now();
    let delivered = mirror
        .delivery
        .deliver_due()
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    let drained = t.elapsed();
    assert_eq!(delivered as u64, referrals, "the whole backlog delivered");
    let at_origin = entities::referral::Entity::find()
        .count(&origin.db)
        .await
        .unwrap();
    assert_eq!(at_origin, referrals, "every referral stored at the origin");

    println!();
    println!("| federation ({backend}) | value |");
    println!("|---|---|");
    println!(
        "| offers mirrored | {mirrored} (+{} organisations) |",
        n / 5
    );
    println!(
        "| full mirror time | {:.1} s ({:.0} records/s) |",
        full.as_secs_f64(),
        (n + n / 5) as f64 / full.as_secs_f64()
    );
    println!(
        "| mirror's search index caught up after that | {:.1} s |",
        indexed.as_secs_f64()
    );
    println!(
        "| RSS during mirror | {} MiB -> {} MiB (peak {} MiB, both nodes in one process) |",
        rss_before / 1024,
        rss_after / 1024,
        hwm / 1024
    );
    println!(
        "| steady state | {total_writes} changes at {rate}/s for {seconds} s, pull every {} ms |",
        sync_every.as_millis()
    );
    println!("| changes applied at the mirror | {} |", lags.len());
    println!(
        "| lag p50 / p99 / max | {} / {} / {} ms |",
        percentile(&lags, 0.5).as_millis(),
        percentile(&lags, 0.99).as_millis(),
        lags.last().copied().unwrap_or_default().as_millis()
    );
    println!(
        "| referrals sent to the origin's offers while it was down | {referrals} in {:.1} s ({:.0}/s) |",
        queued.as_secs_f64(),
        referrals as f64 / queued.as_secs_f64()
    );
    println!(
        "| backlog delivered when it is back (one message per call, in order) | {:.1} s ({:.0} referrals/s) |",
        drained.as_secs_f64(),
        referrals as f64 / drained.as_secs_f64()
    );
}

/// A published organisation of node `node`, without contact details.
fn published_organisation(
    id: &str,
    node: &str,
    name: String,
    kind: OrganisationKind,
) -> organisation::ActiveModel {
    let now = Utc::now();
    organisation::ActiveModel {
        id: Set(id.to_string()),
        origin_node: Set(node.to_string()),
        name: Set(name),
        kind: Set(kind),
        status: Set(OrganisationStatus::Published),
        description: Set(String::new()),
        kvk: Set(None),
        agb: Set(None),
        website: Set(None),
        email: Set(None),
        phone: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
}

/// A practitioner of a new practice at `state`.
async fn referrer(state: &AppState) -> Actor {
    let practice = GlobalId::new(&state.node_id).to_string();
    published_organisation(
        &practice,
        state.node_id.as_str(),
        "Huisartsenpraktijk Bench".into(),
        OrganisationKind::GpPractice,
    )
    .insert(&state.db)
    .await
    .unwrap();
    let user = api::auth::users::create(
        &state.db,
        &state.node_id,
        api::auth::users::NewUser {
            email: "huisarts@bench.example".into(),
            display_name: "Huisarts".into(),
            password: None,
            oidc_subject: None,
            memberships: vec![api::auth::Membership {
                role: entities::Role::Practitioner,
                organisation_id: Some(practice),
                gemeente_code: None,
            }],
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{}", e.message()));
    Actor::User(user)
}
