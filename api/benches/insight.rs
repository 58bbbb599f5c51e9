//! Municipality insight benchmark: a gemeente's dashboard (`/inzicht`: its referral flows per
//! month, its group-based share and the region's) at 100 000 offers and 100 000 referrals
//! (synthetic, seeded: 50 gemeenten of 10 wijken of 5 buurten, referrals over two years with
//! their status events) on a SQLite file, or PostgreSQL when `TEST_DATABASE_URL` is set.
//! Reports p50/p99/mean latency of the dashboard; the goal is p99 under 300 ms.
//!
//! Run: `cargo bench -p api --bench insight` (`BENCH_OFFERS`, `BENCH_REFERRALS`,
//! `BENCH_QUERIES` to scale). `BENCH_SMOKE=1` runs a small size (2 000 offers, 2 000 referrals,
//! 20 dashboards) in seconds, as CI does; every run checks that the dashboard's total counts
//! every referral of the gemeente, and exits non-zero when not.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use api::domain::{Actor, AreaCode, NodeId};
use api::services::Ctx;
use api::services::insight::{
    self as insight, FlowGroup, FlowQuery, Granularity, Period, Scope, Side,
};
use chrono::{Days, NaiveDate, TimeZone, Utc};
use entities::json::{DateList, Schedule, StringList};
use entities::{
    AreaKind, Intake, OfferKind, OfferStatus, OrganisationKind, OrganisationStatus, ReferralSource,
    ReferralStatus, area, location, offer, organisation, referral, referral_event,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ConnectionTrait, DatabaseConnection, NotSet, Set};
use std::sync::Arc;
use std::time::{Duration, Instant};

const GEMEENTEN: usize = 50;
const WIJKEN: usize = 10;
const BUURTEN: usize = 5;

fn smoke() -> bool {
    std::env::var("BENCH_SMOKE").is_ok_and(|v| !v.is_empty() && v != "0")
}

fn env_or(name: &str, default: usize, smoke_default: usize) -> usize {
    std::env::var(format!("BENCH_{name}"))
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if smoke() { smoke_default } else { default })
}

fn gemeente(g: usize) -> String {
    format!("GM{:04}", 9000 + g)
}

fn buurt(g: usize, w: usize, b: usize) -> String {
    format!("BU{:04}{:02}{:02}", 9000 + g, w, b)
}

async fn areas(db: &DatabaseConnection) {
    let mut rows = Vec::new();
    let row = |code: String, kind, parent: Option<String>, g: usize| area::ActiveModel {
        code: Set(code),
        kind: Set(kind),
        name: Set(format!("Gebied {g}")),
        parent_code: Set(parent),
        gemeente_code: Set(gemeente(g)),
        centroid_lat: Set(52.0),
        centroid_lon: Set(5.0),
        geometry: Set(None),
    };
    for g in 0..GEMEENTEN {
        rows.push(row(gemeente(g), AreaKind::Gemeente, None, g));
        for w in 0..WIJKEN {
            let wijk = format!("WK{:04}{:02}", 9000 + g, w);
            rows.push(row(wijk.clone(), AreaKind::Wijk, Some(gemeente(g)), g));
            for b in 0..BUURTEN {
                rows.push(row(buurt(g, w, b), AreaKind::Buurt, Some(wijk.clone()), g));
            }
        }
    }
    api::db::insert_all(db, rows, None).await.unwrap();
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
        places.push(location::ActiveModel {
            id: Set(format!("bench:loc-{i}")),
            origin_node: Set("bench".into()),
            offer_id: Set(id.clone()),
            position: Set(0),
            name: Set(None),
            street: Set(None),
            postcode: Set(None),
            city: Set(None),
            lat: Set(52.0),
            lon: Set(5.0),
            buurt_code: Set(Some(buurt(g, w, b))),
            updated_at: Set(now),
            version: Set(1),
        });
    }
    api::db::insert_all(db, rows, None).await.unwrap();
    api::db::insert_all(db, places, None).await.unwrap();
    db.execute_unprepared(
        "UPDATE locations SET \
         gemeente_code = (SELECT areas.gemeente_code FROM areas WHERE areas.code = locations.buurt_code), \
         wijk_code = (SELECT areas.parent_code FROM areas WHERE areas.code = locations.buurt_code)",
    )
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
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
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

/// A fresh database on the PostgreSQL server of `admin`.
async fn tests_free_postgres(admin: &str) -> String {
    let name = format!("bench_insight_{}", std::process::id());
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

async fn run() {
    let n_offers = env_or("OFFERS", 100_000, 2_000);
    let n_referrals = env_or("REFERRALS", 100_000, 2_000);
    let n_queries = env_or("QUERIES", 200, 20);
    let dir = tempfile::tempdir().unwrap();
    let (db, backend) = database(dir.path()).await;
    api::ops::migrate::run(&db).await.unwrap();
    let mut rng = StdRng::seed_from_u64(20);
    let t = Instant::now();
    areas(&db).await;
    let ids = offers(&db, n_offers, &mut rng).await;
    referrals(&db, &ids, n_referrals, &mut rng).await;
    println!(
        "insight bench ({backend}): loaded {n_offers} offers and {n_referrals} referrals in {:.1} s",
        t.elapsed().as_secs_f64()
    );
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
    let mut failures = 0;
    for q in 0..n_queries {
        let g = q % GEMEENTEN;
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
        let own = insight::group_share(&ctx, &Actor::System, &Scope::Gemeente(code), &period)
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
        latencies.push(t.elapsed());
        // Every referral of the gemeente counts once, in the flows and in the share alike.
        let sent = flows.total.cell("sent").count();
        if sent.is_none()
            || sent != own.total.total.count()
            || whole.total.total.count() != Some(n_referrals as u64)
        {
            failures += 1;
        }
    }
    latencies.sort();
    let mean = latencies.iter().map(Duration::as_secs_f64).sum::<f64>() / latencies.len() as f64;
    println!(
        "insight bench ({backend}): dashboard p50 {:.1} ms, p99 {:.1} ms, mean {:.1} ms over {n_queries} (goal: p99 < 300 ms)",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        mean * 1000.0
    );
    if failures > 0 {
        eprintln!("insight bench: {failures} dashboards did not count every referral");
        std::process::exit(1);
    }
}
