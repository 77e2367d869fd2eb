//! Progress over a fleet: the overall bar (on a terminal) advanced as each tenant finishes,
//! above the running tenants' own step lines.

use indicatif::ProgressBar;
use tenantctl_core::engine::{Reporter, StepEvent};

use super::progress::Progress;

/// Passes every event on and advances the fleet bar when a tenant finishes.
pub struct FleetProgress<'a> {
    inner: &'a Progress,
    bar: Option<ProgressBar>,
}

impl<'a> FleetProgress<'a> {
    /// A bar over `total` tenants labelled `label` (terminal only).
    pub fn new(inner: &'a Progress, total: u64, label: &str) -> Self {
        FleetProgress {
            bar: inner.over_subjects(total, label),
            inner,
        }
    }

    /// Clears the bar; the result table follows.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Reporter for FleetProgress<'_> {
    fn step(&self, subject: &str, step: &str, event: StepEvent) {
        self.inner.step(subject, step, event)
    }

    fn secret(&self, value: &fly_api::types::SecretValue) {
        self.inner.secret(value)
    }

    fn finished(&self, subject: &str) {
        self.inner.finished(subject);
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }
}
