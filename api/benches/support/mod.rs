//! What the benches share: the smoke switch, sizes from the environment and latency
//! percentiles. Each bench includes it with `mod support;` (a bench is its own crate, so a
//! helper one of them does not use is not dead code of the others).

#![allow(dead_code)]

use std::time::Duration;

/// The node binary's allocator (`web/src/main.rs`), so a bench measures what ships: with
/// glibc's malloc the federation bench's full mirror took a third longer.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Whether this is a smoke run (`BENCH_SMOKE` set to anything but `0`): small sizes, as CI
/// runs the benches.
pub fn smoke() -> bool {
    std::env::var("BENCH_SMOKE").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// The number in the environment variable `name`, else `default` (or `smoke_default` in a
/// smoke run).
pub fn env_or(name: &str, default: u64, smoke_default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if smoke() { smoke_default } else { default })
}

/// The `p` (0..=1) percentile of `sorted` latencies (zero when there are none).
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// A duration in milliseconds.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
