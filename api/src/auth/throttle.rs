//! In-memory keyed limiters: exponential lockout after failed sign-ins (per e-mail and per IP)
//! and a per-caller budget of mutations per minute.

use crate::error::{AppError, AppResult};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Longest lockout after repeated failures.
const MAX_LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// Keys kept before idle ones are dropped.
const MAX_KEYS: usize = 10_000;

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    locked_until: Option<Instant>,
}

/// Slows down password guessing: after `free` failures for a key, each further failure locks
/// the key for `base`, doubling per failure (capped at 15 minutes).
pub struct LoginThrottle {
    keys: Mutex<HashMap<String, Failures>>,
    free: u32,
    base: Duration,
}

impl LoginThrottle {
    /// A throttle with `free` unpunished failures and a first lockout of `base`.
    pub fn new(free: u32, base: Duration) -> Self {
        Self {
            keys: Mutex::new(HashMap::new()),
            free,
            base,
        }
    }

    /// `TOO_MANY_REQUESTS` while any of `keys` is locked.
    pub fn check(&self, keys: &[String]) -> AppResult<()> {
        let now = Instant::now();
        let map = self.keys.lock().map_err(|_| poisoned())?;
        let locked = keys.iter().any(|k| {
            map.get(k)
                .and_then(|f| f.locked_until)
                .is_some_and(|until| until > now)
        });
        if locked {
            Err(AppError::TooManyRequests)
        } else {
            Ok(())
        }
    }

    /// Records a failed attempt for each key.
    pub fn failed(&self, keys: &[String]) -> AppResult<()> {
        let now = Instant::now();
        let mut map = self.keys.lock().map_err(|_| poisoned())?;
        if map.len() > MAX_KEYS {
            map.retain(|_, f| f.locked_until.is_some_and(|u| u > now));
        }
        for k in keys {
            let f = map.entry(k.clone()).or_insert(Failures {
                count: 0,
                locked_until: None,
            });
            f.count = f.count.saturating_add(1);
            if f.count > self.free {
                let doublings = (f.count - self.free - 1).min(16);
                let wait = self.base.saturating_mul(1 << doublings).min(MAX_LOCKOUT);
                f.locked_until = Some(now + wait);
            }
        }
        Ok(())
    }

    /// Forgets failures of `keys` after a successful sign-in.
    pub fn succeeded(&self, keys: &[String]) -> AppResult<()> {
        let mut map = self.keys.lock().map_err(|_| poisoned())?;
        for k in keys {
            map.remove(k);
        }
        Ok(())
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
}

fn poisoned() -> AppError {
    AppError::Internal(anyhow::anyhow!("limiter lock poisoned"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockout_starts_after_free_failures_and_clears_on_success() {
        let t = LoginThrottle::new(2, Duration::from_secs(60));
        let keys = vec!["email:a".to_string()];
        t.failed(&keys).unwrap();
        t.failed(&keys).unwrap();
        assert!(t.check(&keys).is_ok(), "two failures are free");
        t.failed(&keys).unwrap();
        assert!(matches!(t.check(&keys), Err(AppError::TooManyRequests)));
        assert!(
            t.check(&["email:b".to_string()]).is_ok(),
            "other keys unaffected"
        );
        t.succeeded(&keys).unwrap();
        assert!(t.check(&keys).is_ok());
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
