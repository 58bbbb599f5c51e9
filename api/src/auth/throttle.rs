//! In-memory keyed limiters: exponential lockout after failed sign-ins (per e-mail and per
//! client address, counted apart), a per-caller budget of mutations per minute, and an hourly
//! limit per client address ([`HourlyLimit`], for self-referrals).
//!
//! A sign-in is counted before its password is checked ([`LoginThrottle::begin`] reserves a
//! place under one lock), so parallel guesses cannot all pass the check before the first
//! failure is recorded; an attempt that is neither failed nor succeeded (a dropped request)
//! counts as a failure.

use crate::auth::client_ip::throttle_key;
use crate::error::{AppError, AppResult};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Longest lockout after repeated failures.
const MAX_LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// Failures of a key are forgotten after this long without a new one.
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);
/// Keys kept before forgettable ones are dropped.
const MAX_KEYS: usize = 10_000;

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    /// Attempts counted in but not finished yet.
    in_flight: u32,
    locked_until: Option<Instant>,
    last: Instant,
}

impl Failures {
    /// Nothing worth remembering: no lockout, no attempt running, failures forgotten.
    fn forgettable(&self, now: Instant) -> bool {
        self.in_flight == 0
            && self.locked_until.is_none_or(|u| u <= now)
            && (self.count == 0 || now.duration_since(self.last) >= FORGET_AFTER)
    }
}

struct Keys {
    map: HashMap<String, Failures>,
    /// Size at which forgettable keys are dropped next.
    sweep_at: usize,
}

/// Slows down password guessing: after `free` failures for a key, each further failure locks
/// the key for `base`, doubling per failure (capped at 15 minutes). Keys are an e-mail address
/// and a client address (IPv6 per /64); a success clears the e-mail's failures only.
pub struct LoginThrottle {
    keys: Mutex<Keys>,
    free: u32,
    base: Duration,
}

/// A sign-in attempt counted in by [`LoginThrottle::begin`]. [`succeeded`](Self::succeeded)
/// ends it well; anything else (also dropping it) counts as a failure.
pub struct Attempt<'a> {
    throttle: &'a LoginThrottle,
    email: String,
    ip: Option<String>,
    done: bool,
}

impl Attempt<'_> {
    /// The password was right: the e-mail's failures are forgotten, the address keeps its own.
    pub fn succeeded(mut self) {
        self.done = true;
        self.throttle.finish(&self.email, self.ip.as_deref(), false);
    }

    /// The password was wrong.
    pub fn failed(self) {
        drop(self);
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.done = true;
            self.throttle.finish(&self.email, self.ip.as_deref(), true);
        }
    }
}

impl LoginThrottle {
    /// A throttle with `free` unpunished failures and a first lockout of `base`.
    pub fn new(free: u32, base: Duration) -> Self {
        Self {
            keys: Mutex::new(Keys {
                map: HashMap::new(),
                sweep_at: MAX_KEYS,
            }),
            free,
            base,
        }
    }

    /// Counts in a sign-in for `email` from `ip`, or `TOO_MANY_REQUESTS` while either is
    /// locked, or while the attempts already running could use up its free failures.
    pub fn begin(&self, email: &str, ip: Option<IpAddr>) -> AppResult<Attempt<'_>> {
        let email = format!("email:{}", email.trim().to_lowercase());
        let ip = ip.map(throttle_key);
        let now = Instant::now();
        let mut keys = self.keys.lock().map_err(|_| poisoned())?;
        let names: Vec<&String> = std::iter::once(&email).chain(ip.as_ref()).collect();
        for name in &names {
            if let Some(f) = keys.map.get(*name) {
                let locked = f.locked_until.is_some_and(|u| u > now);
                let busy = f.in_flight > 0 && f.count + f.in_flight > self.free;
                if locked || busy {
                    return Err(AppError::TooManyRequests);
                }
            }
        }
        if keys.map.len() >= keys.sweep_at {
            keys.map.retain(|_, f| !f.forgettable(now));
            keys.sweep_at = (keys.map.len() * 2).max(MAX_KEYS);
        }
        for name in names {
            let f = keys.map.entry(name.clone()).or_insert(Failures {
                count: 0,
                in_flight: 0,
                locked_until: None,
                last: now,
            });
            f.in_flight += 1;
        }
        Ok(Attempt {
            throttle: self,
            email,
            ip,
            done: false,
        })
    }

    fn finish(&self, email: &str, ip: Option<&str>, failed: bool) {
        let now = Instant::now();
        let Ok(mut keys) = self.keys.lock() else {
            return;
        };
        for name in std::iter::once(email).chain(ip) {
            let Some(f) = keys.map.get_mut(name) else {
                continue;
            };
            f.in_flight = f.in_flight.saturating_sub(1);
            if failed {
                f.count = f.count.saturating_add(1);
                f.last = now;
                if f.count > self.free {
                    let doublings = (f.count - self.free - 1).min(16);
                    let wait = self.base.saturating_mul(1 << doublings).min(MAX_LOCKOUT);
                    f.locked_until = Some(now + wait);
                }
            } else if name == email {
                f.count = 0;
                f.locked_until = None;
            }
        }
    }

    /// Whether sign-ins for `email` or from `ip` are locked out now.
    pub fn is_locked(&self, email: &str, ip: Option<IpAddr>) -> bool {
        let email = format!("email:{}", email.trim().to_lowercase());
        let ip = ip.map(throttle_key);
        let now = Instant::now();
        let Ok(keys) = self.keys.lock() else {
            return true;
        };
        std::iter::once(&email).chain(ip.as_ref()).any(|name| {
            keys.map
                .get(name)
                .is_some_and(|f| f.locked_until.is_some_and(|u| u > now))
        })
    }

    /// Keys held (for tests).
    pub fn len(&self) -> usize {
        self.keys.lock().map(|k| k.map.len()).unwrap_or_default()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A fixed one-minute window of at most `per_minute` events per key.
pub struct RateLimiter {
    keys: Mutex<HashMap<String, (Instant, u32)>>,
    per_minute: u32,
}

impl RateLimiter {
    /// A limiter allowing `per_minute` events per key and minute.
    pub fn new(per_minute: u32) -> Self {
        Self {
            keys: Mutex::new(HashMap::new()),
            per_minute,
        }
    }

    /// Counts one event for `key`; `TOO_MANY_REQUESTS` over the budget.
    pub fn hit(&self, key: &str) -> AppResult<()> {
        let now = Instant::now();
        let window = Duration::from_secs(60);
        let mut map = self.keys.lock().map_err(|_| poisoned())?;
        if map.len() > MAX_KEYS {
            map.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = map.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        if entry.1 > self.per_minute {
            Err(AppError::TooManyRequests)
        } else {
            Ok(())
        }
    }

    /// Events counted in the current windows of all keys (a request that reached the
    /// GraphQL handler with a mutation shows here).
    pub fn events(&self) -> u64 {
        self.keys
            .lock()
            .map(|m| m.values().map(|(_, n)| u64::from(*n)).sum())
            .unwrap_or_default()
    }
}

/// At most `per_hour` events per client address and hour: a burst of `per_hour`, then one more
/// each `1/per_hour` of an hour (GCRA, `governor`). Addresses are keyed as for sign-ins (IPv6
/// per /64); requests without a known address share one key.
pub struct HourlyLimit {
    limiter: governor::DefaultKeyedRateLimiter<String>,
}

impl HourlyLimit {
    /// A limit of `per_hour` events (at least one) per address and hour.
    pub fn new(per_hour: u32) -> Self {
        let per_hour = std::num::NonZeroU32::new(per_hour).unwrap_or(std::num::NonZeroU32::MIN);
        Self {
            limiter: governor::RateLimiter::keyed(governor::Quota::per_hour(per_hour)),
        }
    }

    /// Counts one event from `ip`; `TOO_MANY_REQUESTS` over the limit.
    pub fn hit(&self, ip: Option<IpAddr>) -> AppResult<()> {
        if self.limiter.len() > MAX_KEYS {
            self.limiter.retain_recent();
        }
        let key = ip.map_or_else(|| "ip:unknown".to_string(), throttle_key);
        self.limiter
            .check_key(&key)
            .map_err(|_| AppError::TooManyRequests)
    }
}

fn poisoned() -> AppError {
    AppError::Internal(anyhow::anyhow!("limiter lock poisoned"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn lockout_starts_after_free_failures_and_success_clears_the_email_only() {
        let t = LoginThrottle::new(2, Duration::from_secs(60));
        t.begin("a@x", ip("192.0.2.1")).unwrap().failed();
        t.begin("a@x", ip("192.0.2.1")).unwrap().failed();
        t.begin("a@x", ip("192.0.2.2")).unwrap().succeeded();
        assert!(t.begin("a@x", ip("192.0.2.9")).is_ok(), "e-mail cleared");
        t.begin("b@x", ip("192.0.2.1")).unwrap().failed();
        assert!(
            matches!(
                t.begin("c@x", ip("192.0.2.1")),
                Err(AppError::TooManyRequests)
            ),
            "the address kept its failures"
        );
        assert!(
            t.begin("c@x", ip("192.0.2.3")).is_ok(),
            "other keys unaffected"
        );
    }

    #[test]
    fn attempts_are_counted_before_they_finish() {
        let t = LoginThrottle::new(3, Duration::from_secs(60));
        let running: Vec<_> = (0..4)
            .map(|_| t.begin("a@x", ip("192.0.2.1")).unwrap())
            .collect();
        assert!(
            matches!(
                t.begin("a@x", ip("192.0.2.1")),
                Err(AppError::TooManyRequests)
            ),
            "a fifth guess waits for the four running ones"
        );
        drop(running);
        assert!(matches!(
            t.begin("a@x", None),
            Err(AppError::TooManyRequests)
        ));
    }

    #[test]
    fn ipv6_neighbours_share_a_counter() {
        let t = LoginThrottle::new(1, Duration::from_secs(60));
        t.begin("a@x", ip("2001:db8::1")).unwrap().failed();
        t.begin("b@x", ip("2001:db8::2")).unwrap().failed();
        assert!(matches!(
            t.begin("c@x", ip("2001:db8::3")),
            Err(AppError::TooManyRequests)
        ));
    }

    #[test]
    fn a_flood_of_new_keys_does_not_forget_counted_ones() {
        let t = LoginThrottle::new(1, Duration::from_secs(60));
        t.begin("victim@x", None).unwrap().failed();
        t.begin("victim@x", None).unwrap().failed();
        for i in 0..(MAX_KEYS + 10) {
            t.begin(&format!("flood{i}@x"), None).unwrap().succeeded();
        }
        assert!(t.len() < MAX_KEYS + 10, "uncounted keys were dropped");
        assert!(matches!(
            t.begin("victim@x", None),
            Err(AppError::TooManyRequests)
        ));
    }

    #[test]
    fn hourly_limit_counts_per_address() {
        let l = HourlyLimit::new(2);
        assert!(l.hit(ip("192.0.2.1")).is_ok());
        assert!(l.hit(ip("192.0.2.1")).is_ok());
        assert!(matches!(
            l.hit(ip("192.0.2.1")),
            Err(AppError::TooManyRequests)
        ));
        assert!(l.hit(ip("192.0.2.2")).is_ok());
    }

    #[test]
    fn rate_limiter_counts_per_key() {
        let r = RateLimiter::new(2);
        assert!(r.hit("a").is_ok());
        assert!(r.hit("a").is_ok());
        assert!(matches!(r.hit("a"), Err(AppError::TooManyRequests)));
        assert!(r.hit("b").is_ok());
    }
}
