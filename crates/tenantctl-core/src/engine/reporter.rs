//! How operations tell the outside world what they are doing.
//!
//! Every event names its subject (the tenant) and its step, so many operations can run in one
//! process (a rollout over hundreds of tenants) without their progress mixing.

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
    /// A rollback started undoing the step.
    Undoing,
    /// A rollback undid the step.
    Undone { detail: String, elapsed: Duration },
}

/// Receives step events. Implementations must be cheap and must not block: events arrive from
/// concurrently running steps, of one subject or of many.
pub trait Reporter: Send + Sync {
    fn step(&self, subject: &str, step: &str, event: StepEvent);

    /// A secret value was generated and is about to be sent. A reporter whose log hides
    /// registered values (GitHub Actions' `::add-mask::`) registers it here; the default
    /// ignores it. It must never be shown.
    fn secret(&self, value: &fly_api::types::SecretValue) {
        let _ = value;
    }

    /// A run of `subject` ended (done or failed): no more events for it from that run.
    fn finished(&self, subject: &str) {
        let _ = subject;
    }
}

/// Discards every event; for callers that want no progress.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullReporter;

impl Reporter for NullReporter {
    fn step(&self, _subject: &str, _step: &str, _event: StepEvent) {}
}
