//! Fault injection: targeted rules from tests and seeded random faults from the profile.

use std::sync::Mutex;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::profile::Faults;

/// A targeted fault: fail `times` matching requests after letting `skip` through.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// e.g. Some("POST"); None = any method.
    #[serde(default)]
    pub method: Option<String>,
    /// Substring of the path, e.g. "/volumes".
    #[serde(default)]
    pub path_contains: String,
    /// Status to answer (500, 502, 503, 429, ...); 0 = connection reset.
    pub status: u16,
    /// How many matching requests to fail, then the rule is spent.
    #[serde(default = "one")]
    pub times: u32,
    /// Let this many matching requests through first.
    #[serde(default)]
    pub skip: u32,
}

fn one() -> u32 {
    1
}

/// A targeted slow answer: hold `times` matching requests for `delay_ms` before handling them
/// normally (after `skip` pass at full speed). For tests that must act while a call is in
/// flight, such as a signal while a machine's lease is held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelayRule {
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub path_contains: String,
    pub delay_ms: u64,
    #[serde(default = "one")]
    pub times: u32,
    #[serde(default)]
    pub skip: u32,
}

impl DelayRule {
    fn matches(&self, method: &str, path: &str) -> bool {
        self.times > 0
            && self
                .method
                .as_ref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && path.contains(&self.path_contains)
    }
}

/// What to do with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Status(u16),
    Reset,
}

pub struct FaultEngine {
    rules: Mutex<Vec<FaultRule>>,
    delays: Mutex<Vec<DelayRule>>,
    /// Boots whose checks go critical no matter the profile, for tests of a failing health gate.
    failing_boots: std::sync::atomic::AtomicU32,
    rng: Mutex<StdRng>,
    faults: Faults,
}

impl FaultEngine {
    pub fn new(faults: Faults, seed: u64) -> FaultEngine {
        FaultEngine {
            rules: Mutex::new(Vec::new()),
            delays: Mutex::new(Vec::new()),
            failing_boots: std::sync::atomic::AtomicU32::new(0),
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            faults,
        }
    }

    pub fn inject(&self, rule: FaultRule) {
        self.rules
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(rule);
    }

    pub fn delay(&self, rule: DelayRule) {
        self.delays
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(rule);
    }

    /// Removes every targeted fault and delay.
    pub fn clear(&self) {
        self.rules.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.delays
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// The targeted delay for this request, spending one use of the first matching rule.
    fn targeted_delay(&self, method: &str, path: &str) -> u64 {
        let mut delays = self.delays.lock().unwrap_or_else(|e| e.into_inner());
        let Some(rule) = delays.iter_mut().find(|r| r.matches(method, path)) else {
            return 0;
        };
        if rule.skip > 0 {
            rule.skip -= 1;
            return 0;
        }
        rule.times -= 1;
        let delay = rule.delay_ms;
        delays.retain(|r| r.times > 0);
        delay
    }

    /// Targeted rules first (in insertion order), then random profile faults.
    /// Returns the verdict and an extra delay in ms for slow answers.
    pub fn decide(&self, method: &str, path: &str) -> (Verdict, u64) {
        let (verdict, delay) = self.decide_fault(method, path);
        (verdict, delay + self.targeted_delay(method, path))
    }

    fn decide_fault(&self, method: &str, path: &str) -> (Verdict, u64) {
        {
            let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
            for rule in rules.iter_mut() {
                if rule.times == 0 {
                    continue;
                }
                if let Some(m) = &rule.method
                    && !m.eq_ignore_ascii_case(method)
                {
                    continue;
                }
                if !path.contains(&rule.path_contains) {
                    continue;
                }
                if rule.skip > 0 {
                    rule.skip -= 1;
                    continue;
                }
                rule.times -= 1;
                let verdict = if rule.status == 0 {
                    Verdict::Reset
                } else {
                    Verdict::Status(rule.status)
                };
                rules.retain(|r| r.times > 0);
                return (verdict, 0);
            }
        }
        let f = &self.faults;
        let any = f.error_500 + f.error_502 + f.error_503 + f.error_429 + f.reset + f.slow;
        if any <= 0.0 {
            return (Verdict::Pass, 0);
        }
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        let roll: f64 = rng.random();
        let slow_roll: f64 = rng.random();
        let delay = if slow_roll < f.slow { f.slow_ms } else { 0 };
        let mut acc = 0.0;
        for (p, verdict) in [
            (f.error_500, Verdict::Status(500)),
            (f.error_502, Verdict::Status(502)),
            (f.error_503, Verdict::Status(503)),
            (f.error_429, Verdict::Status(429)),
            (f.reset, Verdict::Reset),
        ] {
            acc += p;
            if roll < acc {
                return (verdict, delay);
            }
        }
        (Verdict::Pass, delay)
    }

    /// Makes the checks of the next `boots` machine boots fail.
    pub fn fail_checks_of_next_boots(&self, boots: u32) {
        self.failing_boots
            .store(boots, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether this boot's checks fail: a forced failure first, else the profile's chance.
    pub fn boot_checks_fail(&self) -> bool {
        use std::sync::atomic::Ordering;
        let forced = self
            .failing_boots
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        forced || self.chance(self.faults.failing_checks)
    }

    /// A seeded coin flip for lifecycle faults (failing checks, stuck states).
    pub fn chance(&self, p: f64) -> bool {
        if p <= 0.0 {
            return false;
        }
        if p >= 1.0 {
            return true;
        }
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        rng.random::<f64>() < p
    }

    pub fn retry_after_s(&self) -> u64 {
        self.faults.retry_after_s.max(1)
    }

    pub fn profile_faults(&self) -> &Faults {
        &self.faults
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_rules_slow_matching_requests_a_number_of_times() {
        let engine = FaultEngine::new(Faults::default(), 1);
        engine.delay(DelayRule {
            method: Some("POST".into()),
            path_contains: "/start".into(),
            delay_ms: 500,
            times: 1,
            skip: 1,
        });
        assert_eq!(
            engine.decide("GET", "/v1/apps/a/machines/m/start"),
            (Verdict::Pass, 0)
        );
        assert_eq!(
            engine.decide("POST", "/v1/apps/a/machines/m/start"),
            (Verdict::Pass, 0)
        );
        assert_eq!(
            engine.decide("POST", "/v1/apps/a/machines/m/start"),
            (Verdict::Pass, 500)
        );
        assert_eq!(
            engine.decide("POST", "/v1/apps/a/machines/m/start"),
            (Verdict::Pass, 0)
        );
    }

    #[test]
    fn targeted_rule_skips_then_fails_then_is_spent() {
        let engine = FaultEngine::new(Faults::default(), 1);
        engine.inject(FaultRule {
            method: Some("POST".into()),
            path_contains: "/volumes".into(),
            status: 503,
            times: 2,
            skip: 1,
        });
        assert_eq!(engine.decide("GET", "/v1/apps/a/volumes").0, Verdict::Pass);
        assert_eq!(engine.decide("POST", "/v1/apps/a/volumes").0, Verdict::Pass);
        assert_eq!(
            engine.decide("POST", "/v1/apps/a/volumes").0,
            Verdict::Status(503)
        );
        assert_eq!(
            engine.decide("post", "/v1/apps/a/volumes").0,
            Verdict::Status(503)
        );
        assert_eq!(engine.decide("POST", "/v1/apps/a/volumes").0, Verdict::Pass);
    }

    #[test]
    fn random_faults_are_reproducible() {
        let faults = Faults {
            error_500: 0.3,
            reset: 0.2,
            ..Faults::default()
        };
        let run = |seed| {
            let e = FaultEngine::new(faults.clone(), seed);
            (0..50)
                .map(|_| e.decide("GET", "/v1/apps").0)
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        let outcomes = run(7);
        assert!(outcomes.contains(&Verdict::Status(500)));
        assert!(outcomes.contains(&Verdict::Reset));
        assert!(outcomes.contains(&Verdict::Pass));
    }
}
