//! Municipality insight benchmark: a gemeente's dashboard at 100 000 offers and 100 000
//! referrals: what the `/inzicht` page computes (its referral flows per month, its group-based
//! share and the region's) and what `/dekking` and `/dekking/regio` compute (the gemeente's
//! coverage with its gaps, and the region comparison of the node's ten gemeenten), on synthetic,
//! seeded data (50 gemeenten of 10 wijken of 5 buurten with CBS-like populations, one location
//! per offer near its buurt's centroid, referrals over two years with their status events) on a
//! SQLite file, or PostgreSQL when `TEST_DATABASE_URL` is set. Reports p50/p99/mean latency of
//! the whole dashboard and of each part; the goal is p99 under 300 ms.
//!
//! Run: `cargo bench -p api --bench insight` (`BENCH_OFFERS`, `BENCH_REFERRALS`,
//! `BENCH_QUERIES` to scale; `BENCH_KEEP=1` keeps the SQLite database;
//! `BENCH_SLOW_MS=N` prints every dashboard statement slower than N ms). `BENCH_SMOKE=1` runs
//! a small size (2 000 offers, 2 000 referrals,
//! 20 dashboards) in seconds, as CI does; every run checks that the dashboard's total counts
//! every referral of the gemeente, that coverage counts every offer of the gemeente and that the
//! region comparison shows the same figures, and exits non-zero when not.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use api::domain::{Actor, AreaCode, NodeId};
use api::services::Ctx;
use api::services::coverage::{self, CoverageQuery};
use api::services::insight::{
    self as insight, FlowGroup, FlowQuery, Granularity, Period, Scope, Side,
};
use api::services::region;
use chrono::{Days, NaiveDate, TimeZone, Utc};
use entities::json::{DateList, Schedule, StringList};
use entities::{
    AreaKind, Intake, OfferKind, OfferStatus, OrganisationKind, OrganisationStatus, ReferralSource,
    ReferralStatus, area, area_population, location, node, offer, organisation, referral,
    referral_event,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, NotSet, Set};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{env_or, ms, percentile};

const GEMEENTEN: usize = 50;
const WIJKEN: usize = 10;
const BUURTEN: usize = 5;
/// Gemeenten in the node's region (the region comparison).
const REGION: usize = 10;

fn gemeente(g: usize) -> String {
    format!("GM{:04}", 9000 + g)
}

fn buurt(g: usize, w: usize, b: usize) -> String {
    format!("BU{:04}{:02}{:02}", 9000 + g, w, b)
}

/// The centroid of buurt `b` of wijk `w` of gemeente `g`: gemeenten about 20 km apart on a
/// grid, wijken about 3 km apart within them, buurten about 600 m apart within those.
fn centroid(g: usize, w: usize, b: usize) -> (f64, f64) {
    (
        51.0 + (g / 10) as f64 * 0.2 + (w / 5) as f64 * 0.03,
        4.0 + (g % 10) as f64 * 0.3 + (w % 5) as f64 * 0.04 + b as f64 * 0.008,
    )
}

/// The areas, each with a population (buurt 500-3,000 inhabitants, a fifth of them 65+; a
/// wijk and a gemeente the sum of theirs).
async fn areas(db: &DatabaseConnection, rng: &mut StdRng) {
    let mut rows = Vec::new();
    let mut people = Vec::new();
    let row = |code: String, kind, parent: Option<String>, g: usize, (lat, lon): (f64, f64)| {
        area::ActiveModel {
            code: Set(code),
            kind: Set(kind),
            name: Set(format!("Gebied {g}")),
            parent_code: Set(parent),
            gemeente_code: Set(gemeente(g)),
            centroid_lat: Set(lat),
            centroid_lon: Set(lon),
            geometry: Set(None),
        }
    };
    let population = |code: String, n: i64| area_population::ActiveModel {
        area_code: Set(code),
        year: Set(2024),
        inhabitants: Set(Some(n)),
        inhabitants_65_plus: Set(Some(n / 5)),
        households: Set(Some(n / 2)),
    };
    for g in 0..GEMEENTEN {
        rows.push(row(
            gemeente(g),
            AreaKind::Gemeente,
            None,
            g,
            centroid(g, 0, 0),
        ));
        let mut in_gemeente = 0;
        for w in 0..WIJKEN {
            let wijk = format!("WK{:04}{:02}", 9000 + g, w);
            rows.push(row(
                wijk.clone(),
                AreaKind::Wijk,
                Some(gemeente(g)),
                g,
                centroid(g, w, 0),
            ));
            let mut in_wijk = 0;
            for b in 0..BUURTEN {
                rows.push(row(
                    buurt(g, w, b),
                    AreaKind::Buurt,
                    Some(wijk.clone()),
                    g,
                    centroid(g, w, b),
                ));
                let n = rng.random_range(500..3000);
                in_wijk += n;
                people.push(population(buurt(g, w, b), n));
            }
            in_gemeente += in_wijk;
            people.push(population(wijk, in_wijk));
        }
        people.push(population(gemeente(g), in_gemeente));
    }
    api::db::insert_all(db, rows, None).await.unwrap();
    api::db::insert_all(db, people, None).await.unwrap();
}

/// This node's record, its region the first [`REGION`] gemeenten (the region comparison's).
async fn node(db: &DatabaseConnection) {
    let region = StringList((0..REGION).map(gemeente).collect());
    node::Entity::insert(node::ActiveModel {
        id: Set("bench".into()),
        name: Set("Bench".into()),
        base_url: Set(None),
        is_local: Set(true),
        region: Set(region),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(node::Column::Id)
            .update_column(node::Column::Region)
            .to_owned(),
    )
    .exec(db)
    .await
    .unwrap();
}

/// `offers` offers, one location each, spread evenly over the gemeenten; returns their ids.
async fn offers(db: &DatabaseConnection, n: usize, rng: &mut StdRng) -> Vec<String> {
    let now = Utc::now();
    let org = "bench:org".to_string();
    api::db::insert_all(
        db,
        vec![organisation::ActiveModel {
            id: Set(org.clone()),
            origin_node: Set("bench".into()),
            name: Set("Welzijn".into()),
            kind: Set(OrganisationKind::Welfare),
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
        }],
        None,
    )
    .await
    .unwrap();
    let ids: Vec<String> = (0..n).map(|i| format!("bench:offer-{i}")).collect();
    let mut rows = Vec::new();
    let mut places = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let kind = OfferKind::ALL[rng.random_range(0..OfferKind::ALL.len())];
        rows.push(offer::ActiveModel {
            id: Set(id.clone()),
            origin_node: Set("bench".into()),
            organisation_id: Set(org.clone()),
            title: Set(format!("Aanbod {i}")),
            description: Set(String::new()),
            kind: Set(kind),
            status: Set(OfferStatus::Open),
            published_at: Set(Some(now)),
            intake: Set(Intake::None),
            cost_cents: Set(None),
            cost_period: Set(None),
            cost_note: Set(None),
            capacity: Set(None),
            places_taken: Set(0),
            has_waitlist: Set(false),
            start_date: Set(None),
            end_date: Set(None),
            min_age: Set(None),
            max_age: Set(None),
            schedule: Set(Schedule::default()),
            schedule_note: Set(None),
            languages: Set(StringList(Vec::new())),
            accessibility: Set(None),
            how_to_join: Set(None),
            contact_name: Set(None),
            contact_email: Set(None),
            contact_phone: Set(None),
            hc_year: Set(None),
            hc_coaches: Set(StringList(Vec::new())),
            hc_regisseur: Set(None),
            hc_start_meeting: Set(None),
            hc_sounding_board: Set(DateList::default()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        });
        let (g, w, b) = (i % GEMEENTEN, (i / GEMEENTEN) % WIJKEN, i % BUURTEN);
        let (lat, lon) = centroid(g, w, b);
        places.push(location::ActiveModel {
            id: Set(format!("bench:loc-{i}")),
            origin_node: Set("bench".into()),
            offer_id: Set(id.clone()),
            position: Set(0),
            name: Set(None),
            street: Set(None),
            postcode: Set(None),
            city: Set(None),
            lat: Set(lat + rng.random_range(-0.004..0.004)),
            lon: Set(lon + rng.random_range(-0.006..0.006)),
            buurt_code: Set(Some(buurt(g, w, b))),
            updated_at: Set(now),
            version: Set(1),
        });
    }
    api::db::insert_all(db, rows, None).await.unwrap();
    api::db::insert_all(db, places, None).await.unwrap();
    // Visibility and the locations' gemeente and wijk, as every writer stores them.
    api::read_model::derived::refresh_offers(db, &ids)
        .await
        .unwrap();
    ids
}

/// `n` referrals to random offers over 2025-2026, each with its creation event and, for most,
/// an acceptance (and some a start).
async fn referrals(db: &DatabaseConnection, offers: &[String], n: usize, rng: &mut StdRng) {
    let start = Utc.with_ymd_and_hms(2025, 1, 1, 9, 0, 0).unwrap();
    let mut rows = Vec::new();
    let mut events = Vec::new();
    for i in 0..n {
        let at = start + Days::new(rng.random_range(0..700));
        let id = format!("bench:ref-{i}");
        let accepted = rng.random_bool(0.7);
        let status = if accepted {
            ReferralStatus::Accepted
        } else {
            ReferralStatus::Requested
        };
        rows.push(referral::ActiveModel {
            id: Set(id.clone()),
            origin_node: Set("bench".into()),
            offer_id: Set(offers[rng.random_range(0..offers.len())].clone()),
            offer_node: Set("bench".into()),
            referrer_user_id: Set(None),
            referrer_organisation_id: Set(None),
            patient_ref: Set(None),
            consent: Set(true),
            contact_preference: Set(None),
            reason_domains: Set(StringList(Vec::new())),
            practical_needs: Set(None),
            note: Set(None),
            status: Set(status),
            status_reason: Set(None),
            offer_was_full: Set(rng.random_bool(0.05)),
            created_at: Set(at),
            updated_at: Set(at),
            closed_at: Set(None),
            purged_at: Set(None),
            version: Set(1),
            source: Set(ReferralSource::Practice),
            outcome: Set(None),
            stop_reason: Set(None),
            first_meeting_on: Set(None),
            contact_patient: Set(false),
            contact_note: Set(None),
            expected_start: Set(None),
        });
        let event = |to, from, when| referral_event::ActiveModel {
            id: NotSet,
            referral_id: Set(id.clone()),
            at: Set(when),
            actor: Set("bench".into()),
            from_status: Set(from),
            to_status: Set(to),
            note: Set(None),
            source_node: Set(None),
            outcome: Set(None),
            stop_reason: Set(None),
            first_meeting_on: Set(None),
            contact_patient: Set(false),
            contact_note: Set(None),
            expected_start: Set(None),
        };
        events.push(event(ReferralStatus::Requested, None, at));
        if accepted {
            let when = at + Days::new(rng.random_range(0..20));
            events.push(event(
                ReferralStatus::Accepted,
                Some(ReferralStatus::Requested),
                when,
            ));
        }
    }
    api::db::insert_all(db, rows, None).await.unwrap();
    api::db::insert_all(db, events, None).await.unwrap();
    // What each referral derives from its offer, as every writer stores it.
    api::read_model::derived::refresh_offers(db, offers)
        .await
        .unwrap();
}

async fn database(dir: &std::path::Path) -> (DatabaseConnection, &'static str) {
    if let Ok(admin) = std::env::var("TEST_DATABASE_URL") {
        let url = tests_free_postgres(&admin).await;
        let (db, _) = api::db::connect(&url, 4).await.unwrap();
        return (db, "postgres");
    }
    let url = format!("sqlite://{}/bench.sqlite?mode=rwc", dir.display());
    let (db, _) = api::db::connect(&url, 4).await.unwrap();
    (db, "sqlite")
}

/// The name of this run's PostgreSQL database.
fn pg_name() -> String {
    format!("bench_insight_{}", std::process::id())
}

/// A fresh database on the PostgreSQL server of `admin`.
async fn tests_free_postgres(admin: &str) -> String {
    let name = pg_name();
    let conn = sea_orm::Database::connect(admin).await.unwrap();
    conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    match admin.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => format!("{admin}/{name}"),
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

/// The distance for gaps on the coverage and region pages (their default).
const DISTANCE_KM: f64 = 1.5;

/// The parts of the dashboard, timed apart.
const PARTS: [&str; 4] = ["flows", "shares", "coverage", "region"];

async fn run() {
    let n_offers = env_or("BENCH_OFFERS", 100_000, 2_000) as usize;
    let n_referrals = env_or("BENCH_REFERRALS", 100_000, 2_000) as usize;
    let n_queries = env_or("BENCH_QUERIES", 200, 20) as usize;
    let dir = tempfile::tempdir().unwrap();
    let (db, backend) = database(dir.path()).await;
    if std::env::var_os("BENCH_KEEP").is_some() {
        // For reading the plans afterwards (`sqlite3 <path>/bench.sqlite`).
        println!("insight bench: keeping {}", dir.keep().display());
    }
    api::ops::migrate::run(&db).await.unwrap();
    let mut rng = StdRng::seed_from_u64(20);
    let t = Instant::now();
    areas(&db, &mut rng).await;
    node(&db).await;
    let ids = offers(&db, n_offers, &mut rng).await;
    referrals(&db, &ids, n_referrals, &mut rng).await;
    if backend == "postgres" {
        // As autovacuum leaves a database in steady state: planner statistics, and visibility
        // maps so index-only scans stay in the index (right after a bulk load they are empty).
        db.execute_unprepared("VACUUM ANALYZE").await.unwrap();
    }
    println!(
        "insight bench ({backend}): loaded {n_offers} offers and {n_referrals} referrals in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let mut db = db;
    if let Some(slow) = std::env::var("BENCH_SLOW_MS")
        .ok()
        .and_then(|ms| ms.parse::<u64>().ok())
    {
        // Every statement slower than that, to see where a dashboard's time goes.
        db.set_metric_callback(move |info| {
            if info.elapsed >= Duration::from_millis(slow) {
                println!("{:>7.1} ms  {}", ms(info.elapsed), info.statement.sql);
            }
        });
    }
    let ctx = Ctx::new(
        db.clone(),
        NodeId::parse("bench").unwrap(),
        Arc::new(api::geo::Gazetteer::embedded().unwrap()),
    );
    let region: Vec<AreaCode> = (0..GEMEENTEN)
        .map(|g| AreaCode::parse(&gemeente(g)).unwrap())
        .collect();
    let period = Period::new(
        NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
        NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
        Granularity::Month,
    )
    .unwrap();
    let mut latencies = Vec::new();
    let mut parts: Vec<Vec<Duration>> = vec![Vec::new(); PARTS.len()];
    let mut failures = 0;
    for q in 0..n_queries {
        // The region's gemeenten, whose page shows the region comparison too.
        let g = q % REGION;
        let code = AreaCode::parse(&gemeente(g)).unwrap();
        let t = Instant::now();
        let flows = insight::referral_flows(
            &ctx,
            &Actor::System,
            &FlowQuery {
                gemeente: code.clone(),
                side: Side::ToOffers,
                period,
                group_by: FlowGroup::Period,
            },
        )
        .await
        .unwrap();
        let t_flows = t.elapsed();
        let own = insight::group_share(
            &ctx,
            &Actor::System,
            &Scope::Gemeente(code.clone()),
            &period,
        )
        .await
        .unwrap();
        let whole = insight::group_share(
            &ctx,
            &Actor::System,
            &Scope::Region(region.clone()),
            &period,
        )
        .await
        .unwrap();
        let t_shares = t.elapsed();
        let cover = coverage::coverage(
            &ctx,
            &Actor::System,
            CoverageQuery {
                area_code: code.clone(),
                kind: None,
                life_domain: None,
                distance_km: DISTANCE_KM,
                confirmed_since: None,
            },
        )
        .await
        .unwrap();
        let t_coverage = t.elapsed();
        let compared = region::region_comparison(&ctx, &Actor::System, DISTANCE_KM)
            .await
            .unwrap();
        let total = t.elapsed();
        latencies.push(total);
        for (i, d) in [
            t_flows,
            t_shares - t_flows,
            t_coverage - t_shares,
            total - t_coverage,
        ]
        .into_iter()
        .enumerate()
        {
            parts[i].push(d);
        }
        // Every referral of the gemeente counts once, in the flows and in the share alike;
        // coverage counts every offer of the gemeente, and the region comparison the same.
        let sent = flows.total.cell("sent").count();
        let offers_here = (0..n_offers).filter(|i| i % GEMEENTEN == g).count();
        let row = compared.rows.iter().find(|r| r.code == code.as_str());
        if sent.is_none()
            || sent != own.total.total.count()
            || whole.total.total.count() != Some(n_referrals as u64)
            || cover.totals.active_offers as usize != offers_here
            || compared.rows.len() != REGION
            || row.is_none_or(|r| {
                r.active_offers != cover.totals.active_offers
                    || r.residents_in_gaps != cover.totals.residents_in_gaps
                    || r.inhabitants != cover.totals.inhabitants
            })
        {
            failures += 1;
        }
    }
    latencies.sort();
    let mean = latencies.iter().map(Duration::as_secs_f64).sum::<f64>() / latencies.len() as f64;
    println!(
        "insight bench ({backend}): dashboard p50 {:.1} ms, p99 {:.1} ms, mean {:.1} ms over {n_queries} (goal: p99 < 300 ms)",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        mean * 1000.0
    );
    for (name, mut d) in PARTS.into_iter().zip(parts) {
        d.sort();
        println!(
            "insight bench ({backend}):   {name}: p50 {:.1} ms, p99 {:.1} ms",
            ms(percentile(&d, 0.5)),
            ms(percentile(&d, 0.99)),
        );
    }
    if let Ok(admin) = std::env::var("TEST_DATABASE_URL") {
        drop(ctx);
        db.close().await.unwrap();
        let conn = sea_orm::Database::connect(&admin).await.unwrap();
        conn.execute_unprepared(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            pg_name()
        ))
        .await
        .unwrap();
    }
    if failures > 0 {
        eprintln!(
            "insight bench: {failures} dashboards did not count every referral or offer, or the region disagreed with coverage"
        );
        std::process::exit(1);
    }
}
