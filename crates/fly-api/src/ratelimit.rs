//! Client-side token buckets, so a fleet-wide loop does not run into Fly's rate limits.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// Requests per second allowed by one bucket, with a burst.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: u32,
}

impl RateLimit {
    /// The default per-app limit: 10 req/s, burst 20. Fly limits each action per machine or app
    /// (about 1 req/s, burst 3; 5 req/s, burst 10 for getting one machine), so one app's calls
    /// are what can trip it; a fan-out across many apps is not limited by Fly per tenant.
    pub const PER_APP: RateLimit = RateLimit {
        per_second: 10.0,
        burst: 20,
    };
    /// The default cap across all apps of one client: high enough for a concurrent list of
    /// thousands of tenants, low enough that a runaway loop cannot flood the API.
    pub const GLOBAL: RateLimit = RateLimit {
        per_second: 5000.0,
        burst: 500,
    };
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit::PER_APP
    }
}

/// One bucket per app (the identifier Fly's limits are keyed by), plus an optional global cap.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    per_app: Option<RateLimit>,
    global: Option<TokenBucket>,
    apps: Mutex<HashMap<String, Arc<TokenBucket>>>,
}

impl RateLimiter {
    pub(crate) fn new(per_app: Option<RateLimit>, global: Option<RateLimit>) -> RateLimiter {
        RateLimiter {
            per_app: per_app.filter(|l| TokenBucket::new(*l).is_some()),
            global: global.and_then(TokenBucket::new),
            apps: Mutex::new(HashMap::new()),
        }
    }

    /// Waits until a request for `app` (None: not app-scoped, e.g. listing apps) may be sent.
    pub(crate) async fn acquire(&self, app: Option<&str>) {
        let bucket = match (app, self.per_app) {
            (Some(app), Some(limit)) => {
                let mut apps = match self.apps.lock() {
                    Ok(guard) => guard,
                    Err(poisoned) => poisoned.into_inner(),
                };
                apps.entry(app.to_owned())
                    .or_insert_with(|| {
                        Arc::new(TokenBucket::new(limit).unwrap_or_else(TokenBucket::unlimited))
                    })
                    .clone()
                    .into()
            }
            _ => None::<Arc<TokenBucket>>,
        };
        if let Some(bucket) = bucket {
            bucket.acquire().await;
        }
        if let Some(global) = &self.global {
            global.acquire().await;
        }
    }
}

#[derive(Debug)]
struct BucketState {
    tokens: f64,
    refilled_at: Instant,
}

#[derive(Debug)]
pub(crate) struct TokenBucket {
    per_second: f64,
    burst: f64,
    state: Mutex<BucketState>,
}

impl TokenBucket {
    pub(crate) fn new(limit: RateLimit) -> Option<TokenBucket> {
        if !(limit.per_second.is_finite() && limit.per_second > 0.0) {
            return None;
        }
        let burst = f64::from(limit.burst.max(1));
        Some(TokenBucket {
            per_second: limit.per_second,
            burst,
            state: Mutex::new(BucketState {
                tokens: burst,
                refilled_at: Instant::now(),
            }),
        })
    }

    fn unlimited() -> TokenBucket {
        TokenBucket {
            per_second: f64::MAX,
            burst: f64::MAX,
            state: Mutex::new(BucketState {
                tokens: f64::MAX,
                refilled_at: Instant::now(),
            }),
        }
    }

    /// Takes one token, sleeping until it is available. Callers reserve in arrival order: a
    /// caller that finds the bucket empty takes a token "on credit" and sleeps until it exists.
    pub(crate) async fn acquire(&self) {
        let wait = {
            let mut state = match self.state.lock() {
                Ok(guard) => guard,
                // A panic elsewhere while holding the lock leaves the numbers usable.
                Err(poisoned) => poisoned.into_inner(),
            };
            let now = Instant::now();
            let elapsed = now.duration_since(state.refilled_at).as_secs_f64();
            state.tokens = (state.tokens + elapsed * self.per_second).min(self.burst);
            state.refilled_at = now;
            state.tokens -= 1.0;
            if state.tokens >= 0.0 {
                Duration::ZERO
            } else {
                Duration::from_secs_f64(-state.tokens / self.per_second)
            }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spaces_requests_after_the_burst() {
        let bucket = TokenBucket::new(RateLimit {
            per_second: 10.0,
            burst: 2,
        })
        .unwrap();
        let start = Instant::now();
        bucket.acquire().await;
        bucket.acquire().await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        bucket.acquire().await;
        bucket.acquire().await;
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(199), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(250), "{elapsed:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn apps_have_separate_buckets_under_a_global_cap() {
        let limiter = RateLimiter::new(
            Some(RateLimit {
                per_second: 1.0,
                burst: 1,
            }),
            Some(RateLimit {
                per_second: 1000.0,
                burst: 1000,
            }),
        );
        let start = Instant::now();
        for app in 0..100 {
            limiter.acquire(Some(&format!("app-{app}"))).await;
        }
        // A hundred apps, one call each: nothing waits on another app's bucket.
        assert_eq!(start.elapsed(), Duration::ZERO);
        limiter.acquire(Some("app-0")).await;
        assert!(start.elapsed() >= Duration::from_millis(999));
    }

    #[test]
    fn zero_rate_disables() {
        assert!(
            TokenBucket::new(RateLimit {
                per_second: 0.0,
                burst: 1
            })
            .is_none()
        );
    }
}
