//! Token buckets shaped like Fly's per-action, per-identifier limits.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

struct Bucket {
    tokens: f64,
    last: Instant,
}

const MAX_BUCKETS: usize = 50_000;

#[derive(Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

/// (key, refill per second, burst)
pub fn classify(method: &str, path: &str) -> Option<(String, f64, f64)> {
    let rest = path.strip_prefix("/v1/apps")?;
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    match (method, segs.as_slice()) {
        // App deletions: 100 per minute.
        ("DELETE", [_app]) => Some(("app-delete".into(), 100.0 / 60.0, 100.0)),
        ("GET", [_app, "machines", id]) => Some((format!("get-machine:{id}"), 5.0, 10.0)),
        ("GET", _) | ("HEAD", _) => None,
        ("POST", []) => Some(("create-app".into(), 1.0, 3.0)),
        (_, []) => None,
        (m, [app]) => Some((format!("{m}:app:{app}"), 1.0, 3.0)),
        (m, [app, resource]) => Some((format!("{m}:{resource}:{app}"), 1.0, 3.0)),
        // Keyed by app too: a secret's name or a hostname is only unique within its app, and
        // Fly limits these actions per app.
        (m, [app, resource, id, action @ ..]) => Some((
            format!("{m}:{resource}/{}:{app}/{id}", action.join("/")),
            1.0,
            3.0,
        )),
    }
}

impl RateLimiter {
    /// Take one token; on refusal return the seconds to wait (Retry-After).
    pub fn check(&self, method: &str, path: &str) -> Result<(), u64> {
        let Some((key, rate, burst)) = classify(method, path) else {
            return Ok(());
        };
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > MAX_BUCKETS {
            // Buckets idle for a minute are full again: forgetting them changes nothing.
            buckets.retain(|_, b| now.duration_since(b.last).as_secs() < 60);
        }
        let b = buckets.entry(key).or_insert(Bucket {
            tokens: burst,
            last: now,
        });
        let elapsed = now.duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * rate).min(burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - b.tokens) / rate;
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refusal_per_identifier() {
        let rl = RateLimiter::default();
        let p = "/v1/apps/a/machines/m1/start";
        for _ in 0..3 {
            assert!(rl.check("POST", p).is_ok());
        }
        assert_eq!(rl.check("POST", p), Err(1));
        // Another machine has its own bucket.
        assert!(rl.check("POST", "/v1/apps/a/machines/m2/start").is_ok());
        // GET machine allows a burst of 10.
        for _ in 0..10 {
            assert!(rl.check("GET", "/v1/apps/a/machines/m1").is_ok());
        }
        assert!(rl.check("GET", "/v1/apps/a/machines/m1").is_err());
        // Lists are not limited.
        for _ in 0..20 {
            assert!(rl.check("GET", "/v1/apps/a/machines").is_ok());
        }
    }

    #[test]
    fn a_named_resource_of_one_app_does_not_share_a_bucket_with_another_apps() {
        let rl = RateLimiter::default();
        for app in ["a", "b", "c", "d", "e"] {
            let p = format!("/v1/apps/{app}/secrets/TENANTCTL_LOCK");
            assert!(rl.check("POST", &p).is_ok(), "{app}");
        }
        let p = "/v1/apps/a/secrets/TENANTCTL_LOCK";
        assert!(rl.check("POST", p).is_ok());
        assert!(rl.check("POST", p).is_ok());
        assert_eq!(
            rl.check("POST", p),
            Err(1),
            "one app's own bucket still limits it"
        );
    }
}
