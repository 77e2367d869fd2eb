//! A progress reporter that keeps every event, for assertions on what an operation reported.

use std::sync::Mutex;

use tenantctl_core::engine::{Reporter, StepEvent};

/// Keeps every event as `"{tenant} {step}: {event:?}"`.
#[derive(Default)]
pub struct Recorder(pub Mutex<Vec<String>>);

impl Reporter for Recorder {
    fn step(&self, subject: &str, step: &str, event: StepEvent) {
        if let Ok(mut events) = self.0.lock() {
            events.push(format!("{subject} {step}: {event:?}"));
        }
    }
}
