//! Per-identity limits on the control plane: a token bucket per caller, so one user, room
//! member or host cannot flood the coordinator for everyone else. Sans-IO: the caller
//! passes the time.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Requests a caller may send per second, sustained.
pub const RATE: f64 = 100.0;
/// Requests a caller may send at once after a quiet period.
pub const BURST: f64 = 500.0;
/// Most callers tracked; beyond it, the ones whose buckets are full again are forgotten.
pub const MAX_CALLERS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets by caller key.
#[derive(Debug)]
pub struct RateLimits {
    rate: f64,
    burst: f64,
    buckets: HashMap<String, Bucket>,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits::new(RATE, BURST)
    }
}

impl RateLimits {
    /// `rate` requests per second sustained, `burst` at once.
    pub fn new(rate: f64, burst: f64) -> Self {
        RateLimits {
            rate,
            burst,
            buckets: HashMap::new(),
        }
    }

    /// Takes one request of `key` at `now`: `Ok`, or how long until one would be allowed.
    pub fn take(&mut self, key: &str, now: Instant) -> Result<(), Duration> {
        if self.buckets.len() >= MAX_CALLERS && !self.buckets.contains_key(key) {
            let (rate, burst) = (self.rate, self.burst);
            self.buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * rate < burst
            });
            if self.buckets.len() >= MAX_CALLERS {
                return Err(Duration::from_secs(1));
            }
        }
        let b = self.buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let refill = now.saturating_duration_since(b.at).as_secs_f64() * self.rate;
        b.tokens = (b.tokens + refill).min(self.burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / self.rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_sustained_rate_per_caller() {
        let t0 = Instant::now();
        let mut l = RateLimits::new(10.0, 5.0);
        for _ in 0..5 {
            assert!(l.take("eve", t0).is_ok());
        }
        let wait = l.take("eve", t0).unwrap_err();
        assert!(wait <= Duration::from_millis(100), "{wait:?}");
        assert!(l.take("ann", t0).is_ok(), "another caller is not affected");
        assert!(l.take("eve", t0 + Duration::from_millis(100)).is_ok());
        assert!(l.take("eve", t0 + Duration::from_millis(100)).is_err());
        // Quiet for a while: the full burst again, never more.
        for _ in 0..5 {
            assert!(l.take("eve", t0 + Duration::from_secs(60)).is_ok());
        }
        assert!(l.take("eve", t0 + Duration::from_secs(60)).is_err());
    }
}
