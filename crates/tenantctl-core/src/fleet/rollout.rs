//! Rollouts: one change applied to many tenants in waves.
//!
//! ```text
//! held back ── reported, never touched
//! canary wave (first N pending) ── any failure halts
//! the rest, C at a time ── halts once failures exceed --max-failures
//! ```
//!
//! Tenants already on the target were found by the caller and are reported as unchanged
//! without running anything, which is what makes re-running a halted or interrupted rollout
//! resume it. Every tenant's own operation re-checks its state before changing it (the fleet
//! may have moved since it was listed) and rolls itself back when its health gate fails. Once
//! a rollout halts, no further tenant starts; those already running finish.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::Serialize;

use crate::error::{ErrorClass, OpError};

/// How many failures a rollout tolerates before it halts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FailureBudget {
    Count(usize),
    /// A share of the tenants the rollout changes, 0 to 100.
    Percent(f64),
}

impl FailureBudget {
    /// `3` or `10%`.
    pub fn parse(text: &str) -> Result<FailureBudget, OpError> {
        let bad = || {
            OpError::invalid(format!(
                "`{}` is not a failure budget: write a count (0, 3) or a percentage (10%)",
                text.escape_debug()
            ))
            .with_hint("e.g. --max-failures 2, or --max-failures 5% of the tenants to change")
        };
        let text = text.trim();
        match text.strip_suffix('%') {
            Some(percent) => {
                let value: f64 = percent.trim().parse().map_err(|_| bad())?;
                if !(0.0..=100.0).contains(&value) {
                    return Err(bad());
                }
                Ok(FailureBudget::Percent(value))
            }
            None => text.parse().map(FailureBudget::Count).map_err(|_| bad()),
        }
    }

    /// The most failures allowed among `total` tenants.
    pub fn limit(&self, total: usize) -> usize {
        match *self {
            FailureBudget::Count(n) => n,
            // Rounded down: 10% of 5 tenants tolerates none.
            FailureBudget::Percent(p) => (p / 100.0 * total as f64).floor() as usize,
        }
    }
}

impl std::fmt::Display for FailureBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FailureBudget::Count(n) => write!(f, "{n}"),
            FailureBudget::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// How to roll out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RolloutOptions {
    /// Tenants in the canary wave (0: no canary wave).
    pub canary: usize,
    /// Tenants changed at once after the canaries.
    pub concurrency: usize,
    pub max_failures: FailureBudget,
}

impl Default for RolloutOptions {
    fn default() -> Self {
        RolloutOptions {
            canary: 1,
            concurrency: 4,
            max_failures: FailureBudget::Count(0),
        }
    }
}

/// What became of one tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Changed to the target.
    Updated,
    /// Already on the target: nothing ran.
    Unchanged,
    /// The change failed and was undone: the tenant is as it was.
    RolledBack,
    /// The change failed and could not be undone, or failed before changing anything.
    Failed,
    /// Kept on what it runs by `--hold-back` (or a pin).
    HeldBack,
    /// Not started because the rollout halted.
    NotStarted,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Updated => "updated",
            Outcome::Unchanged => "unchanged",
            Outcome::RolledBack => "rolled_back",
            Outcome::Failed => "failed",
            Outcome::HeldBack => "held_back",
            Outcome::NotStarted => "not_started",
        }
    }

    fn failed(self) -> bool {
        matches!(self, Outcome::RolledBack | Outcome::Failed)
    }
}

/// One tenant of the rollout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantRollout {
    pub tenant: String,
    /// What it ran before (image, tier, ...), as the caller words it.
    pub before: String,
    /// What it runs now (the target when updated, `before` otherwise).
    pub after: String,
    pub outcome: Outcome,
    /// `canary` or `rest`; empty for tenants that did not run.
    pub wave: &'static str,
    pub duration_ms: u64,
    pub error: Option<String>,
    pub error_class: Option<ErrorClass>,
}

/// A tenant the rollout is asked to bring to `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub tenant: String,
    pub before: String,
    pub target: String,
    /// Held back: reported, never run.
    pub held_back: bool,
}

impl Candidate {
    /// Not held back and not on the target yet: the rollout would change it.
    pub fn pending(&self) -> bool {
        !self.held_back && self.before != self.target
    }
}

/// The rollout's result, tenants in the order they were given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RolloutReport {
    pub tenants: Vec<TenantRollout>,
    /// Why it stopped early, when it did.
    pub halted: Option<String>,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: usize,
    pub held_back: usize,
    pub not_started: usize,
    pub duration_ms: u64,
}

impl RolloutReport {
    /// What a rollout of `candidates` would do, without running anything (a dry run).
    pub fn planned(candidates: &[Candidate]) -> RolloutReport {
        let tenants = candidates
            .iter()
            .map(|c| {
                let (outcome, after) = if c.held_back {
                    (Outcome::HeldBack, c.before.clone())
                } else if c.pending() {
                    (Outcome::Updated, c.target.clone())
                } else {
                    (Outcome::Unchanged, c.before.clone())
                };
                TenantRollout {
                    after,
                    outcome,
                    ..not_run(c, outcome)
                }
            })
            .collect();
        let mut report = RolloutReport::new(tenants, None, Instant::now());
        report.duration_ms = 0;
        report
    }

    fn new(tenants: Vec<TenantRollout>, halted: Option<String>, started: Instant) -> Self {
        let count = |o: Outcome| tenants.iter().filter(|t| t.outcome == o).count();
        RolloutReport {
            updated: count(Outcome::Updated),
            unchanged: count(Outcome::Unchanged),
            failed: tenants.iter().filter(|t| t.outcome.failed()).count(),
            held_back: count(Outcome::HeldBack),
            not_started: count(Outcome::NotStarted),
            duration_ms: millis(started.elapsed()),
            halted,
            tenants,
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// What one tenant's operation reports back: whether it changed anything, or why it failed.
pub type TenantResult = Result<bool, OpError>;

/// Runs `change` for every pending candidate in waves; see the module docs.
pub async fn roll_out<F, Fut>(
    candidates: Vec<Candidate>,
    options: RolloutOptions,
    change: F,
) -> RolloutReport
where
    F: Fn(Candidate) -> Fut,
    Fut: Future<Output = TenantResult>,
{
    let started = Instant::now();
    let pending: Vec<&Candidate> = candidates.iter().filter(|c| c.pending()).collect();
    let canaries = options.canary.min(pending.len());
    let limit = options.max_failures.limit(pending.len());
    let failures = AtomicUsize::new(0);
    let halted = AtomicBool::new(false);
    let mut done: Vec<TenantRollout> = Vec::new();

    let run_wave = async |wave: &'static str, members: &[&Candidate], concurrency: usize, limit| {
        futures::stream::iter(members.iter().copied())
            .map(|candidate| {
                let (failures, halted, change) = (&failures, &halted, &change);
                async move {
                    if halted.load(Ordering::SeqCst) {
                        return not_run(candidate, Outcome::NotStarted);
                    }
                    let began = Instant::now();
                    let result = change(candidate.clone()).await;
                    let mut record = finished(candidate, wave, result, began.elapsed());
                    if record.outcome.failed() && failures.fetch_add(1, Ordering::SeqCst) >= limit {
                        halted.store(true, Ordering::SeqCst);
                    }
                    if record.outcome == Outcome::Unchanged {
                        record.after = candidate.before.clone();
                    }
                    record
                }
            })
            .buffer_unordered(concurrency.max(1))
            .collect::<Vec<_>>()
            .await
    };

    // Canaries: any failure halts, whatever the budget of the later waves.
    done.extend(run_wave("canary", &pending[..canaries], canaries.max(1), 0).await);
    let canary_failed = halted.load(Ordering::SeqCst);
    done.extend(run_wave("rest", &pending[canaries..], options.concurrency, limit).await);

    let halt_reason = halted.load(Ordering::SeqCst).then(|| {
        let failed = failures.load(Ordering::SeqCst);
        if canary_failed {
            format!("{failed} canary tenant(s) failed")
        } else {
            format!(
                "{failed} tenant(s) failed, more than --max-failures {} allows ({limit})",
                options.max_failures
            )
        }
    });
    let mut tenants: Vec<TenantRollout> = Vec::with_capacity(candidates.len());
    for candidate in &candidates {
        let record = match done.iter().position(|r| r.tenant == candidate.tenant) {
            Some(i) => done.swap_remove(i),
            None if candidate.held_back => not_run(candidate, Outcome::HeldBack),
            None => not_run(candidate, Outcome::Unchanged),
        };
        tenants.push(record);
    }
    RolloutReport::new(tenants, halt_reason, started)
}

fn not_run(candidate: &Candidate, outcome: Outcome) -> TenantRollout {
    TenantRollout {
        tenant: candidate.tenant.clone(),
        before: candidate.before.clone(),
        after: candidate.before.clone(),
        outcome,
        wave: "",
        duration_ms: 0,
        error: None,
        error_class: None,
    }
}

fn finished(
    candidate: &Candidate,
    wave: &'static str,
    result: TenantResult,
    elapsed: Duration,
) -> TenantRollout {
    let (outcome, after, error) = match result {
        Ok(true) => (Outcome::Updated, candidate.target.clone(), None),
        Ok(false) => (Outcome::Unchanged, candidate.target.clone(), None),
        Err(e) if e.rolled_back() => (Outcome::RolledBack, candidate.before.clone(), Some(e)),
        // Failed and not undone: what the tenant runs now is not known for sure.
        Err(e) => (Outcome::Failed, "unknown".to_string(), Some(e)),
    };
    TenantRollout {
        tenant: candidate.tenant.clone(),
        before: candidate.before.clone(),
        after,
        outcome,
        wave,
        duration_ms: millis(elapsed),
        error_class: error.as_ref().map(OpError::class),
        error: error.map(|e| e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    fn candidates(n: usize) -> Vec<Candidate> {
        (0..n)
            .map(|i| Candidate {
                tenant: format!("t{i:02}"),
                before: "v1".into(),
                target: "v2".into(),
                held_back: false,
            })
            .collect()
    }

    fn options(canary: usize, max_failures: FailureBudget) -> RolloutOptions {
        RolloutOptions {
            canary,
            concurrency: 2,
            max_failures,
        }
    }

    #[tokio::test]
    async fn a_failing_canary_halts_with_the_rest_untouched() {
        let ran = Mutex::new(Vec::new());
        let report = roll_out(
            candidates(5),
            options(1, FailureBudget::Count(3)),
            async |c| {
                ran.lock().unwrap().push(c.tenant.clone());
                Err(OpError::failed("health gate").mark_rolled_back())
            },
        )
        .await;
        assert_eq!(ran.lock().unwrap().as_slice(), ["t00"]);
        assert_eq!(report.tenants[0].outcome, Outcome::RolledBack);
        assert_eq!(report.tenants[0].after, "v1");
        assert_eq!(report.not_started, 4);
        assert!(report.halted.unwrap().contains("canary"));
    }

    #[tokio::test]
    async fn failures_within_the_budget_do_not_halt() {
        let report = roll_out(
            candidates(6),
            options(1, FailureBudget::Count(2)),
            async |c| {
                if c.tenant == "t02" || c.tenant == "t04" {
                    Err(OpError::failed("boom"))
                } else {
                    Ok(true)
                }
            },
        )
        .await;
        assert_eq!(report.halted, None);
        assert_eq!((report.updated, report.failed), (4, 2));
        assert_eq!(report.tenants[2].after, "unknown");
    }

    #[tokio::test]
    async fn unchanged_and_held_back_tenants_never_run() {
        let mut fleet = candidates(3);
        fleet[0].before = "v2".into();
        fleet[1].held_back = true;
        let ran = Mutex::new(Vec::new());
        let report = roll_out(fleet, options(1, FailureBudget::Count(0)), async |c| {
            ran.lock().unwrap().push(c.tenant.clone());
            Ok(true)
        })
        .await;
        assert_eq!(ran.lock().unwrap().as_slice(), ["t02"]);
        let outcomes: Vec<Outcome> = report.tenants.iter().map(|t| t.outcome).collect();
        assert_eq!(
            outcomes,
            [Outcome::Unchanged, Outcome::HeldBack, Outcome::Updated]
        );
        assert_eq!(report.tenants[2].wave, "canary");
    }

    #[test]
    fn budgets_parse_and_round_down() {
        assert_eq!(FailureBudget::parse("3").unwrap().limit(100), 3);
        assert_eq!(FailureBudget::parse("10%").unwrap().limit(5), 0);
        assert_eq!(FailureBudget::parse("10%").unwrap().limit(25), 2);
        for bad in ["", "-1", "x", "120%", "%"] {
            assert!(FailureBudget::parse(bad).is_err(), "{bad}");
        }
    }
}
