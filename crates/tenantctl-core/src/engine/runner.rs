//! Runs a set of dependent steps with as much concurrency as their dependencies allow.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use futures::stream::{FuturesUnordered, StreamExt};

use super::{Reporter, StepEvent};

type StepFuture<'a, E> = Pin<Box<dyn Future<Output = Result<StepOutcome, E>> + Send + 'a>>;

/// What a step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// It changed something; the detail says what ("created vol_123").
    Done(String),
    /// It found the work already done; the reason says what it found.
    Skipped(String),
}

/// One step of an operation: a name, the steps it waits for, a title, and the work.
pub struct Step<'a, E> {
    pub name: &'static str,
    pub needs: Vec<&'static str>,
    pub title: String,
    /// The API calls the step may make, for `--dry-run` plans.
    pub calls: Vec<String>,
    pub work: StepFuture<'a, E>,
}

impl<'a, E> Step<'a, E> {
    pub fn new(
        name: &'static str,
        needs: &[&'static str],
        title: impl Into<String>,
        work: impl Future<Output = Result<StepOutcome, E>> + Send + 'a,
    ) -> Self {
        Step {
            name,
            needs: needs.to_vec(),
            title: title.into(),
            calls: Vec::new(),
            work: Box::pin(work),
        }
    }

    /// Lists the API calls this step may make (shown by `--dry-run`).
    pub fn calls(mut self, calls: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.calls = calls.into_iter().map(Into::into).collect();
        self
    }
}

/// How a step that ran ended, and how long it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub outcome: StepOutcome,
    pub elapsed: Duration,
}

/// The shape of an operation without its work: what `--dry-run` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub steps: Vec<PlanStep>,
}

/// One step of a [`Plan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanStep {
    pub name: &'static str,
    pub needs: Vec<&'static str>,
    pub title: String,
    pub calls: Vec<String>,
}

impl Plan {
    /// The plan of these steps, in an order that respects their dependencies.
    pub fn of<E>(steps: &[Step<'_, E>]) -> Plan {
        let mut done: BTreeSet<&str> = BTreeSet::new();
        let mut ordered = Vec::with_capacity(steps.len());
        while ordered.len() < steps.len() {
            let before = ordered.len();
            for step in steps {
                if !done.contains(step.name) && step.needs.iter().all(|n| done.contains(n)) {
                    ordered.push(PlanStep {
                        name: step.name,
                        needs: step.needs.clone(),
                        title: step.title.clone(),
                        calls: step.calls.clone(),
                    });
                }
            }
            for step in &ordered[before..] {
                done.insert(step.name);
            }
            if ordered.len() == before {
                // A cycle or a missing dependency: list the rest as they are rather than loop.
                let rest: Vec<&Step<'_, E>> =
                    steps.iter().filter(|s| !done.contains(s.name)).collect();
                for step in rest {
                    ordered.push(PlanStep {
                        name: step.name,
                        needs: step.needs.clone(),
                        title: step.title.clone(),
                        calls: step.calls.clone(),
                    });
                    done.insert(step.name);
                }
            }
        }
        Plan { steps: ordered }
    }
}

/// A step failed (or the steps could not be ordered).
#[derive(Debug, thiserror::Error)]
pub enum RunError<E> {
    #[error("step '{step}' failed: {source}")]
    Step {
        step: &'static str,
        #[source]
        source: E,
    },
    #[error("step '{step}' needs '{missing}', which is not a step of this operation")]
    UnknownDependency {
        step: &'static str,
        missing: &'static str,
    },
    #[error("steps {0:?} depend on each other in a cycle")]
    Cycle(Vec<&'static str>),
}

/// Runs the steps, each as soon as everything it needs has finished, and returns how each step
/// ended, by name. Stops launching new steps at the first failure and returns it once the
/// steps already running have finished (so nothing is abandoned halfway).
pub async fn run<E: std::fmt::Display>(
    steps: Vec<Step<'_, E>>,
    reporter: &dyn Reporter,
) -> Result<BTreeMap<&'static str, Finished>, RunError<E>> {
    let names: BTreeSet<&'static str> = steps.iter().map(|s| s.name).collect();
    for step in &steps {
        if let Some(missing) = step.needs.iter().find(|n| !names.contains(*n)) {
            return Err(RunError::UnknownDependency {
                step: step.name,
                missing,
            });
        }
    }

    let mut waiting: Vec<Step<'_, E>> = steps;
    let mut finished: BTreeMap<&'static str, Finished> = BTreeMap::new();
    let mut running = FuturesUnordered::new();
    let mut first_error: Option<RunError<E>> = None;

    loop {
        if first_error.is_none() {
            let (ready, rest): (Vec<_>, Vec<_>) = waiting
                .into_iter()
                .partition(|s| s.needs.iter().all(|n| finished.contains_key(n)));
            waiting = rest;
            for step in ready {
                reporter.step(
                    step.name,
                    StepEvent::Started {
                        title: step.title.clone(),
                    },
                );
                let name = step.name;
                let work = step.work;
                running.push(async move {
                    let started = Instant::now();
                    let result = work.await;
                    (name, started.elapsed(), result)
                });
            }
        }

        let Some((name, elapsed, result)) = running.next().await else {
            break;
        };
        match result {
            Ok(outcome) => {
                let event = match &outcome {
                    StepOutcome::Done(detail) => StepEvent::Done {
                        detail: detail.clone(),
                        elapsed,
                    },
                    StepOutcome::Skipped(reason) => StepEvent::Skipped {
                        reason: reason.clone(),
                        elapsed,
                    },
                };
                reporter.step(name, event);
                finished.insert(name, Finished { outcome, elapsed });
            }
            Err(source) => {
                let message = source.to_string();
                reporter.step(name, StepEvent::Failed { message, elapsed });
                if first_error.is_none() {
                    first_error = Some(RunError::Step { step: name, source });
                }
            }
        }
    }

    if let Some(error) = first_error {
        return Err(error);
    }
    if !waiting.is_empty() {
        return Err(RunError::Cycle(waiting.iter().map(|s| s.name).collect()));
    }
    Ok(finished)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::engine::NullReporter;

    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);

    impl Reporter for Recorder {
        fn step(&self, step: &str, event: StepEvent) {
            let kind = match event {
                StepEvent::Started { .. } => "start",
                StepEvent::Done { .. } => "done",
                StepEvent::Skipped { .. } => "skip",
                StepEvent::Failed { .. } => "fail",
                StepEvent::Progress { .. } => "progress",
            };
            if let Ok(mut log) = self.0.lock() {
                log.push(format!("{kind} {step}"));
            }
        }
    }

    async fn sleeper(ms: u64) -> Result<StepOutcome, String> {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        Ok(StepOutcome::Done(format!("slept {ms}")))
    }

    #[tokio::test(start_paused = true)]
    async fn independent_steps_overlap_and_dependents_wait() {
        let recorder = Recorder::default();
        let started = tokio::time::Instant::now();
        let steps = vec![
            Step::new("a", &[], "a", sleeper(100)),
            Step::new("b", &["a"], "b", sleeper(100)),
            Step::new("c", &["a"], "c", sleeper(100)),
            Step::new("d", &["b", "c"], "d", sleeper(100)),
        ];
        let outcomes = run(steps, &recorder).await.expect("runs");
        assert_eq!(outcomes.len(), 4);
        // a, then b and c together, then d: three rounds, not four.
        assert_eq!(started.elapsed(), Duration::from_millis(300));
        let log = recorder.0.lock().expect("lock").clone();
        let pos = |s: &str| log.iter().position(|l| l == s).expect(s);
        assert!(pos("done a") < pos("start b"));
        assert!(pos("done b") < pos("start d"));
        assert!(pos("done c") < pos("start d"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_stops_new_steps_but_lets_running_ones_finish() {
        let recorder = Recorder::default();
        let steps = vec![
            Step::new("a", &[], "a", async {
                Err::<StepOutcome, _>("boom".to_string())
            }),
            Step::new("slow", &[], "slow", sleeper(50)),
            Step::new("after", &["a"], "after", sleeper(1)),
        ];
        let err = run(steps, &recorder).await.expect_err("fails");
        match err {
            RunError::Step { step, source } => {
                assert_eq!(step, "a");
                assert_eq!(source, "boom");
            }
            other => panic!("unexpected {other:?}"),
        }
        let log = recorder.0.lock().expect("lock").clone();
        assert!(log.contains(&"done slow".to_string()));
        assert!(!log.iter().any(|l| l.ends_with(" after")));
    }

    #[tokio::test]
    async fn unknown_dependencies_and_cycles_are_errors() {
        let steps = vec![Step::new("a", &["nope"], "a", sleeper(1))];
        assert!(matches!(
            run(steps, &NullReporter).await,
            Err(RunError::UnknownDependency {
                missing: "nope",
                ..
            })
        ));
        let steps = vec![
            Step::new("a", &["b"], "a", sleeper(1)),
            Step::new("b", &["a"], "b", sleeper(1)),
        ];
        assert!(matches!(
            run(steps, &NullReporter).await,
            Err(RunError::Cycle(_))
        ));
    }

    #[test]
    fn plan_orders_steps_by_dependency() {
        let steps = vec![
            Step::new("machine", &["volume"], "machine", sleeper(1)).calls(["POST machines"]),
            Step::new("volume", &["app"], "volume", sleeper(1)),
            Step::new("app", &[], "app", sleeper(1)),
        ];
        let plan = Plan::of(&steps);
        let names: Vec<_> = plan.steps.iter().map(|s| s.name).collect();
        assert_eq!(names, ["app", "volume", "machine"]);
        assert_eq!(plan.steps[2].calls, ["POST machines"]);
    }
}
