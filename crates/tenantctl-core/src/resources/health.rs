//! The health gate: a machine is healthy when it is started and every check it has passes.

use std::time::Duration;

use fly_api::FlyClient;
use fly_api::types::Machine;
use fly_api::types::machines::state;

use super::Note;
use crate::error::OpError;
use crate::metadata;

/// How one look at a machine's checks went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checks {
    pub passing: usize,
    pub total: usize,
    /// "name status" of each failing check.
    pub failing: Vec<String>,
}

impl Checks {
    pub fn of(machine: &Machine) -> Checks {
        let checks: Vec<_> = machine.real_checks().collect();
        Checks {
            passing: checks.iter().filter(|c| c.is_passing()).count(),
            total: checks.len(),
            failing: checks
                .iter()
                .filter(|c| !c.is_passing())
                .map(|c| format!("{} {}", c.name, c.status))
                .collect(),
        }
    }

    /// "1/2 checks passing".
    pub fn summary(&self) -> String {
        format!("{}/{} checks passing", self.passing, self.total)
    }
}

/// The machine is started and all its checks pass.
pub fn is_healthy(machine: &Machine) -> bool {
    let checks = Checks::of(machine);
    machine.state == state::STARTED && checks.passing == checks.total
}

/// Polls the machine every `poll` until it is healthy or `timeout` passes; returns the checks
/// summary. `first_look`, a copy of the machine just read, saves the first request.
pub async fn wait_healthy(
    client: &FlyClient,
    app: &str,
    machine_id: &str,
    timeout: Duration,
    poll: Duration,
    first_look: Option<Machine>,
    note: Note<'_>,
) -> Result<String, OpError> {
    let start = tokio::time::Instant::now();
    // A timeout the clock cannot add (the config accepts up to ~2^64 s) means "no limit".
    let deadline = start
        .checked_add(timeout)
        .unwrap_or_else(|| start + Duration::from_secs(100 * 365 * 24 * 3600));
    let mut last_shown = String::new();
    let mut already_read = first_look;
    loop {
        let machine = match already_read.take() {
            Some(machine) => machine,
            None => client
                .get_machine(app, machine_id)
                .await
                .map_err(|e| OpError::api("read the machine's checks", e))?,
        };
        let checks = Checks::of(&machine);
        let summary = checks.summary();
        if is_healthy(&machine) {
            return Ok(summary);
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return Err(OpError::failed(format!(
                "health gate not passed within {}: machine {machine_id} is {}, {summary} (failing: {})",
                humantime(timeout),
                machine.state,
                checks.failing.join(", ")
            )));
        }
        if summary != last_shown {
            note(format!("waiting for checks ({summary})"));
            last_shown = summary;
        }
        tokio::time::sleep(poll.min(deadline - now)).await;
    }
}

/// Records on the machine that its health gate passed (for this template version).
pub async fn record_passed(
    client: &FlyClient,
    app: &str,
    machine_id: &str,
    template_version: &str,
) -> Result<(), OpError> {
    client
        .set_metadata(app, machine_id, metadata::HEALTH_PASSED, template_version)
        .await
        .map_err(|e| OpError::api("record that the health gate passed", e))
}

/// The gate's timeout as the config writes durations ("5m", "1h30m").
fn humantime(duration: Duration) -> String {
    crate::config::ConfigDuration::from_secs(duration.as_secs()).to_string()
}
