//! Runs a [`Graph`]: `plan` observes only, `run` observes and applies, with as much
//! concurrency as the dependencies allow, and undoes on failure when asked to.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::stream::{FuturesUnordered, StreamExt};

use super::graph::{BoxFuture, Graph, Handle, Observed, Value};
use super::{Reporter, StepEvent};

/// Where a step ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    /// Applied: it changed something.
    Changed,
    /// Observed as already done: nothing changed.
    Satisfied,
    /// In a plan: it would change something. In a failed run: it was not reached.
    Pending,
    /// Its observe or apply failed.
    Failed,
    /// It changed something, and a rollback reversed it.
    Undone,
}

/// One step of a plan or run, in graph order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRecord {
    pub name: &'static str,
    pub title: String,
    pub needs: Vec<&'static str>,
    pub calls: Vec<String>,
    pub state: StepState,
    /// What it did or found; in a plan, what it would change.
    pub detail: String,
    /// How long it ran; `None` for a step that did not run.
    pub elapsed: Option<Duration>,
}

/// What a plan or run left: every step's record and the outputs of the steps that have one.
pub struct Outcomes {
    values: Vec<Option<Value>>,
    pub steps: Vec<StepRecord>,
}

impl Outcomes {
    /// The step's output: what it found (satisfied) or made (changed).
    pub fn get<T: Send + Sync + 'static>(&self, handle: Handle<T>) -> Option<Arc<T>> {
        self.values.get(handle.index)?.clone()?.downcast::<T>().ok()
    }

    /// Some step changed something.
    pub fn changed(&self) -> bool {
        self.steps.iter().any(|s| s.state == StepState::Changed)
    }
}

impl std::fmt::Debug for Outcomes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outcomes")
            .field("steps", &self.steps)
            .finish_non_exhaustive()
    }
}

/// How a run treats a failure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Undo this run's changed steps, newest first, when a step fails.
    pub rollback: bool,
}

/// What a rollback did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rollback {
    /// Steps undone, newest first, with what undoing them did.
    pub undone: Vec<(&'static str, String)>,
    /// The undo that failed (rollback stops there), and why.
    pub failed: Option<(&'static str, String)>,
    /// Changed steps that have no undo, or that were not reached after a failed undo.
    pub left: Vec<&'static str>,
}

/// A plan or run that failed.
#[derive(Debug)]
pub enum RunError<E> {
    /// A step failed. `outcomes` says what the other steps did.
    Step {
        step: &'static str,
        error: E,
        outcomes: Outcomes,
        rollback: Option<Rollback>,
    },
    /// The engine could not hand a step its inputs: a bug in the operation's graph.
    Internal { step: &'static str },
}

impl<E: std::fmt::Display> std::fmt::Display for RunError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Step { step, error, .. } => write!(f, "step `{step}` failed: {error}"),
            RunError::Internal { step } => {
                write!(f, "step `{step}` did not get the outputs it needs")
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Plan,
    Run,
}

enum Ended<E> {
    Satisfied(Value, String),
    Changed(Value, String),
    /// Plan only: the step would change something.
    WouldChange(String),
    Failed(E),
    Internal,
}

/// Observes every step without changing anything and returns what each would do. A step whose
/// dependency would change observes with no inputs and can only say what it would do.
pub async fn plan<E: std::fmt::Display + Send>(
    graph: &Graph<'_, E>,
) -> Result<Outcomes, RunError<E>> {
    execute(graph, Mode::Plan, RunOptions::default(), None).await
}

/// Runs every step: observe, then apply when there is something to do. Steps start as soon as
/// what they need has finished; the first failure stops new steps from starting and lets the
/// running ones finish, so nothing is abandoned halfway. With `rollback`, the steps this run
/// changed are then undone, newest first.
pub async fn run<E: std::fmt::Display + Send>(
    graph: &Graph<'_, E>,
    options: RunOptions,
    reporter: &dyn Reporter,
) -> Result<Outcomes, RunError<E>> {
    let result = execute(graph, Mode::Run, options, Some(reporter)).await;
    reporter.finished(&graph.subject);
    result
}

async fn execute<E: std::fmt::Display + Send>(
    graph: &Graph<'_, E>,
    mode: Mode,
    options: RunOptions,
    reporter: Option<&dyn Reporter>,
) -> Result<Outcomes, RunError<E>> {
    let subject = graph.subject.as_str();
    let report = |step: &str, event: StepEvent| {
        if let Some(reporter) = reporter {
            reporter.step(subject, step, event);
        }
    };
    let count = graph.nodes.len();
    let mut values: Vec<Option<Value>> = vec![None; count];
    let mut records: Vec<StepRecord> = graph
        .nodes
        .iter()
        .map(|node| StepRecord {
            name: node.name,
            title: node.title.clone(),
            needs: node.needs.iter().map(|&i| graph.nodes[i].name).collect(),
            calls: node.calls.clone(),
            state: StepState::Pending,
            detail: String::new(),
            elapsed: None,
        })
        .collect();
    let mut launched = vec![false; count];
    let mut resolved = vec![false; count];
    // Steps this run changed, in the order they finished.
    let mut changed_order: Vec<usize> = Vec::new();
    let mut failure: Option<(usize, E)> = None;
    let mut internal: Option<&'static str> = None;
    let mut running: FuturesUnordered<BoxFuture<'_, (usize, Duration, Ended<E>)>> =
        FuturesUnordered::new();

    loop {
        if failure.is_none() && internal.is_none() {
            for (index, node) in graph.nodes.iter().enumerate() {
                let ready = !launched[index] && node.needs.iter().all(|&n| resolved[n]);
                if !ready {
                    continue;
                }
                launched[index] = true;
                if mode == Mode::Run {
                    report(
                        node.name,
                        StepEvent::Started {
                            title: node.title.clone(),
                        },
                    );
                }
                let observing = node.step.observe(&values);
                // Inputs are fetched now, while the dependencies' outputs are at hand.
                let inputs = values.clone();
                let step = &node.step;
                running.push(Box::pin(async move {
                    let started = Instant::now();
                    let ended = match observing.await {
                        Err(error) => Ended::Failed(error),
                        Ok(Observed::Satisfied { output, detail }) => {
                            Ended::Satisfied(output, detail)
                        }
                        Ok(Observed::Change { summary, .. }) if mode == Mode::Plan => {
                            Ended::WouldChange(summary)
                        }
                        Ok(Observed::Change { change, .. }) => match step.apply(&inputs, change) {
                            None => Ended::Internal,
                            Some(applying) => match applying.await {
                                Ok((output, detail)) => Ended::Changed(output, detail),
                                Err(error) => Ended::Failed(error),
                            },
                        },
                    };
                    (index, started.elapsed(), ended)
                }));
            }
        }

        let Some((index, elapsed, ended)) = running.next().await else {
            break;
        };
        let name = graph.nodes[index].name;
        let record = &mut records[index];
        // A plan runs nothing; only a run's steps have an elapsed time.
        record.elapsed = (mode == Mode::Run).then_some(elapsed);
        match ended {
            Ended::Satisfied(output, detail) => {
                report(
                    name,
                    StepEvent::Skipped {
                        reason: detail.clone(),
                        elapsed,
                    },
                );
                record.state = StepState::Satisfied;
                record.detail = detail;
                values[index] = Some(output);
                resolved[index] = true;
            }
            Ended::Changed(output, detail) => {
                report(
                    name,
                    StepEvent::Done {
                        detail: detail.clone(),
                        elapsed,
                    },
                );
                record.state = StepState::Changed;
                record.detail = detail;
                values[index] = Some(output);
                resolved[index] = true;
                changed_order.push(index);
            }
            Ended::WouldChange(summary) => {
                record.state = StepState::Pending;
                record.detail = summary;
                resolved[index] = true;
            }
            Ended::Failed(error) => {
                let message = error.to_string();
                report(
                    name,
                    StepEvent::Failed {
                        message: message.clone(),
                        elapsed,
                    },
                );
                record.state = StepState::Failed;
                record.detail = message;
                if failure.is_none() {
                    failure = Some((index, error));
                }
            }
            Ended::Internal => {
                record.state = StepState::Failed;
                internal.get_or_insert(name);
            }
        }
    }

    if let Some(step) = internal {
        return Err(RunError::Internal { step });
    }
    let Some((failed, error)) = failure else {
        return Ok(Outcomes {
            values,
            steps: records,
        });
    };
    let rollback = if options.rollback && mode == Mode::Run {
        Some(roll_back(graph, &changed_order, &values, &mut records, &report).await)
    } else {
        None
    };
    Err(RunError::Step {
        step: graph.nodes[failed].name,
        error,
        outcomes: Outcomes {
            values,
            steps: records,
        },
        rollback,
    })
}

/// Undoes the changed steps, newest first, stopping at the first undo that fails: what it
/// left may be what later undos need gone.
async fn roll_back<E: std::fmt::Display>(
    graph: &Graph<'_, E>,
    changed_order: &[usize],
    values: &[Option<Value>],
    records: &mut [StepRecord],
    report: &(dyn Fn(&str, StepEvent) + Sync),
) -> Rollback {
    let mut rollback = Rollback::default();
    let mut stopped = false;
    for &index in changed_order.iter().rev() {
        let node = &graph.nodes[index];
        if stopped || !node.step.has_undo() {
            rollback.left.push(node.name);
            continue;
        }
        let undoing = values[index]
            .clone()
            .and_then(|output| node.step.undo(output));
        let Some(undoing) = undoing else {
            rollback.left.push(node.name);
            continue;
        };
        report(node.name, StepEvent::Undoing);
        let started = Instant::now();
        match undoing.await {
            Ok(detail) => {
                report(
                    node.name,
                    StepEvent::Undone {
                        detail: detail.clone(),
                        elapsed: started.elapsed(),
                    },
                );
                records[index].state = StepState::Undone;
                records[index].detail = detail.clone();
                rollback.undone.push((node.name, detail));
            }
            Err(error) => {
                let message = error.to_string();
                report(
                    node.name,
                    StepEvent::Failed {
                        message: format!("undo failed: {message}"),
                        elapsed: started.elapsed(),
                    },
                );
                rollback.failed = Some((node.name, message));
                stopped = true;
            }
        }
    }
    rollback
}
