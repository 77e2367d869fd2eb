//! How operations tell the outside world what they are doing.

use std::time::Duration;

/// One thing that happened to a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepEvent {
    /// The step started; `title` is a human description such as "create volume (20 GB, ams)".
    Started { title: String },
    /// The step changed something and finished.
    Done { detail: String, elapsed: Duration },
    /// The step found its work already done (a resumed run) and changed nothing.
    Skipped { reason: String, elapsed: Duration },
    /// The step failed; the operation stops after the steps already running finish.
    Failed { message: String, elapsed: Duration },
    /// Progress inside a long step, e.g. "waiting for checks (1/2 passing)".
    Progress { message: String },
}

/// Receives step events. Implementations must be cheap and must not block: events arrive from
/// concurrently running steps.
pub trait Reporter: Send + Sync {
    fn step(&self, step: &str, event: StepEvent);
}

/// Discards every event; for callers that want no progress.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullReporter;

impl Reporter for NullReporter {
    fn step(&self, _step: &str, _event: StepEvent) {}
}
