//! Retry policy: how often and how long the client retries transient failures.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::Rng;

/// Bounds on automatic retries.
///
/// Delays grow exponentially from `base_delay` up to `max_delay`, with full jitter (each delay is
/// uniformly random between zero and the bound). A `Retry-After` header replaces the computed
/// delay. The client stops after `max_attempts` attempts in total or when the next delay would
/// end after `max_elapsed` since the first attempt, and returns the last error.
///
/// A 429 is different: when many processes share one of Fly's buckets (app creation, one
/// org's token), a fixed count runs out long before the bucket would let them through. So a
/// 429 is retried for as long as `rate_limit_budget` allows, whatever the count, after its
/// Retry-After plus a random share of it, so that a crowd of waiters does not come back in
/// lockstep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, including the first; 1 disables retries.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    pub max_elapsed: Duration,
    /// How long 429 answers are retried for, from the first attempt.
    pub rate_limit_budget: Duration,
}

/// The default time budget for retrying 429 answers.
pub const DEFAULT_RATE_LIMIT_BUDGET: Duration = Duration::from_secs(120);

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_elapsed: Duration::from_secs(60),
            rate_limit_budget: DEFAULT_RATE_LIMIT_BUDGET,
        }
    }
}

impl RetryPolicy {
    /// Same attempt count, no waiting between attempts (Retry-After is still honoured). For tests.
    pub fn immediate(max_attempts: u32) -> Self {
        RetryPolicy {
            max_attempts,
            base_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
            max_elapsed: Duration::from_secs(60),
            rate_limit_budget: DEFAULT_RATE_LIMIT_BUDGET,
        }
    }

    /// A single attempt.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Delay before retrying a 429: its Retry-After (else the backoff, at least `base_delay`)
    /// plus up to half of it again, at random.
    pub(crate) fn rate_limited_delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let base = retry_after
            .unwrap_or_else(|| self.backoff(retry).max(self.base_delay))
            .max(Duration::from_millis(50));
        let half = u64::try_from(base.as_millis() / 2).unwrap_or(u64::MAX);
        base + Duration::from_millis(rand::rng().random_range(0..=half))
    }

    /// Delay before retry number `retry` (0 for the first retry).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.min(30));
        let bound = self.base_delay.saturating_mul(factor).min(self.max_delay);
        if bound.is_zero() {
            return Duration::ZERO;
        }
        let millis = u64::try_from(bound.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::rng().random_range(0..=millis))
    }
}

/// "2s", "0.4s": a delay as a person reads it.
pub(crate) fn seconds(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        format!("{}s", d.as_secs_f64().round())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// Parses a `Retry-After` value: delay seconds or an HTTP date (IMF-fixdate).
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = parse_http_date(value)?;
    let now_secs = now.duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(at.saturating_sub(now_secs)))
}

/// Parses `Sun, 06 Nov 1994 08:49:37 GMT` into Unix seconds.
fn parse_http_date(value: &str) -> Option<u64> {
    let (_weekday, rest) = value.split_once(", ")?;
    let mut parts = rest.split(' ');
    let day: u64 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: u64 = parts.next()?.parse().ok()?;
    let mut clock = parts.next()?.split(':');
    let hour: u64 = clock.next()?.parse().ok()?;
    let minute: u64 = clock.next()?.parse().ok()?;
    let second: u64 = clock.next()?.parse().ok()?;
    if parts.next()? != "GMT" || parts.next().is_some() || clock.next().is_some() {
        return None;
    }
    if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 || year < 1970 {
        return None;
    }
    let days = days_from_civil(year, month, day)?;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: u64, month: u64, day: u64) -> Option<u64> {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe).checked_sub(719_468)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds() {
        assert_eq!(
            parse_retry_after("7", SystemTime::now()),
            Some(Duration::from_secs(7))
        );
        assert_eq!(parse_retry_after("soon", SystemTime::now()), None);
    }

    #[test]
    fn retry_after_http_date() {
        // 1994-11-06T08:49:37Z is 784111777.
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        let now = UNIX_EPOCH + Duration::from_secs(784_111_770);
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::from_secs(7))
        );
        // A date in the past means "now".
        let later = UNIX_EPOCH + Duration::from_secs(784_111_800);
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", later),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 PST"), None);
    }

    #[test]
    fn rate_limited_delays_take_retry_after_plus_a_random_share() {
        let policy = RetryPolicy::default();
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..50 {
            let d = policy.rate_limited_delay(0, Some(Duration::from_secs(2)));
            assert!(
                d >= Duration::from_secs(2) && d <= Duration::from_secs(3),
                "{d:?}"
            );
            seen.insert(d.as_millis());
        }
        assert!(
            seen.len() > 5,
            "waiters must not all come back at once: {seen:?}"
        );
        assert_eq!(seconds(Duration::from_millis(2400)), "2s");
        assert_eq!(seconds(Duration::from_millis(400)), "0.4s");
    }

    #[test]
    fn backoff_is_bounded_and_zero_when_disabled() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(400),
            max_elapsed: Duration::from_secs(10),
            rate_limit_budget: Duration::from_secs(10),
        };
        for retry in 0..40 {
            assert!(policy.backoff(retry) <= Duration::from_millis(400));
        }
        for retry in 0..3 {
            assert!(policy.backoff(retry) <= Duration::from_millis(100 << retry));
        }
        assert_eq!(RetryPolicy::immediate(3).backoff(5), Duration::ZERO);
    }
}
