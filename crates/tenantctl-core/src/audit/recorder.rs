//! What a command reports, while it runs, about the tenants it changes. The CLI turns this,
//! with the command's outcome, into records once the command returns.

use std::sync::Mutex;

use super::Outcome;

/// One tenant a command touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Touched {
    pub tenant: String,
    pub changes: Vec<String>,
    /// Set when the command knows this tenant's own outcome (a fleet command where some
    /// tenants fail); otherwise the command's outcome applies.
    pub outcome: Option<Outcome>,
    /// This tenant's error, with a failed outcome.
    pub error: Option<String>,
}

/// Collects [`Touched`] tenants in the order they are first reported. Shared by reference;
/// a poisoned lock is recovered (a record is better than none).
#[derive(Debug, Default)]
pub struct Recorder {
    touched: Mutex<Vec<Touched>>,
    /// Problems writing the trail itself, shown after the command's own result.
    notes: Mutex<Vec<String>>,
}

impl Recorder {
    pub fn new() -> Recorder {
        Recorder::default()
    }

    /// `tenant` changed as `summary` says; its outcome is the command's.
    pub fn change(&self, tenant: &str, summary: impl Into<String>) {
        self.with(tenant, |t| t.changes.push(summary.into()));
    }

    /// `tenant` changed as `summary` says and is done, whatever happens to other tenants.
    pub fn succeeded(&self, tenant: &str, summary: impl Into<String>) {
        self.with(tenant, |t| {
            t.changes.push(summary.into());
            t.outcome = Some(Outcome::Ok);
        });
    }

    /// `tenant` failed with `error`, whatever happens to other tenants.
    pub fn failed(&self, tenant: &str, error: impl Into<String>) {
        self.with(tenant, |t| {
            t.outcome = Some(Outcome::Failed);
            t.error = Some(error.into());
        });
    }

    /// Everything reported so far, emptying the recorder.
    pub fn take(&self) -> Vec<Touched> {
        let mut touched = self
            .touched
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        std::mem::take(&mut *touched)
    }

    /// A problem with the trail itself (a sink that could not be written).
    pub fn note(&self, message: impl Into<String>) {
        self.notes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(message.into());
    }

    /// The notes so far, emptying them.
    pub fn take_notes(&self) -> Vec<String> {
        let mut notes = self
            .notes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        std::mem::take(&mut *notes)
    }

    fn with(&self, tenant: &str, f: impl FnOnce(&mut Touched)) {
        let mut touched = self
            .touched
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let index = match touched.iter().position(|t| t.tenant == tenant) {
            Some(i) => i,
            None => {
                touched.push(Touched {
                    tenant: tenant.to_string(),
                    changes: Vec::new(),
                    outcome: None,
                    error: None,
                });
                touched.len() - 1
            }
        };
        f(&mut touched[index]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_per_tenant_in_first_reported_order() {
        let recorder = Recorder::new();
        recorder.change("b", "one");
        recorder.succeeded("a", "backed up");
        recorder.change("b", "two");
        recorder.failed("c", "database is locked");
        let touched = recorder.take();
        let names: Vec<&str> = touched.iter().map(|t| t.tenant.as_str()).collect();
        assert_eq!(names, ["b", "a", "c"]);
        assert_eq!(touched[0].changes, ["one", "two"]);
        assert_eq!(touched[0].outcome, None);
        assert_eq!(touched[1].outcome, Some(Outcome::Ok));
        assert_eq!(touched[2].error.as_deref(), Some("database is locked"));
        assert!(recorder.take().is_empty());
    }
}
