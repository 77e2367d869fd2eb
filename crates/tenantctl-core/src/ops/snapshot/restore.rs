//! Restoring a tenant from one of its snapshots, under the machine's lease:
//!
//! ```text
//! volume ── machine ── health
//! ```
//!
//! Fly has no in-place restore: `volume` creates a new volume from the snapshot (same name and
//! region as the old one, at least its size), `machine` stops the machine, points its mount at
//! the new volume and starts it, `health` waits for the health gate. The old volume is kept,
//! for the operator to delete once the restored data is checked.
//!
//! The restore is recorded in the machine's metadata ([`metadata::RESTORE_SNAPSHOT`] and the
//! other `RESTORE_*` keys), the snapshot id before the volume is created, so a re-run after an
//! interruption reuses the volume made by the earlier run instead of making another. When the
//! health gate fails, undo moves the machine back to the old volume, then deletes the new one:
//! a restore that did not pass leaves nothing behind.

use std::time::Duration;

use fly_api::types::{Machine, Volume};
use fly_api::{FlyClient, LeaseOptions, owner_description};
use serde::Serialize;

use super::steps::{self, Restore};
use super::{SnapshotItem, find_snapshot, mounted_volume, resolve};
use crate::config::Config;
use crate::engine::{self, Reporter, RunError, RunOptions, StepEvent};
use crate::error::OpError;
use crate::metadata;
use crate::resources::machine;

use crate::ops::provision::StepReport;

/// How long the machine may take to reach `started` after the move.
pub(super) const START_TIMEOUT: Duration = Duration::from_secs(120);
/// How often the health gate polls the machine's checks.
pub(super) const HEALTH_POLL: Duration = Duration::from_millis(250);

/// The result of [`restore_from_snapshot`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotRestoreReport {
    pub tenant: String,
    pub app: String,
    pub machine_id: String,
    pub snapshot_id: String,
    /// The volume the machine mounted before; kept.
    pub old_volume_id: String,
    /// The volume made from the snapshot; `None` in a dry run that would create it.
    pub new_volume_id: Option<String>,
    /// How to delete the old volume once the restored data is checked.
    pub remove_old: String,
    pub dry_run: bool,
    /// False when the tenant was already restored from this snapshot.
    pub changed: bool,
    pub steps: Vec<StepReport>,
}

/// A restore recorded on the machine by an earlier run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Record {
    pub snapshot: String,
    pub old_volume: String,
    pub volume: Option<String>,
    pub done: bool,
}

impl Record {
    pub fn of(machine: &Machine) -> Option<Record> {
        let get = |key| metadata::get(machine, key).filter(|v| !v.is_empty());
        let snapshot = get(metadata::RESTORE_SNAPSHOT)?.to_string();
        Some(Record {
            done: get(metadata::RESTORE_DONE) == Some(snapshot.as_str()),
            old_volume: get(metadata::RESTORE_OLD_VOLUME)
                .unwrap_or_default()
                .to_string(),
            volume: get(metadata::RESTORE_VOLUME).map(str::to_string),
            snapshot,
        })
    }
}

/// What the restore works from, read under the lease.
pub(super) struct RestorePlan {
    pub tenant: String,
    pub app: String,
    pub machine: Machine,
    pub snapshot: SnapshotItem,
    /// The volume to keep: name, region and minimum size of the new one come from it.
    pub old: Volume,
    /// The size of the new volume: the old one's, or the snapshot's source if larger.
    pub size_gb: u64,
    /// An earlier run's restore of this snapshot.
    pub record: Option<Record>,
}

impl RestorePlan {
    pub fn machine_id(&self) -> &str {
        &self.machine.id
    }

    pub fn mounted(&self) -> Option<String> {
        mounted_volume(&self.machine)
    }
}

async fn prepare(
    client: &FlyClient,
    config: &Config,
    tenant: &str,
    snapshot_id: &str,
) -> Result<RestorePlan, OpError> {
    let r = resolve(client, config, tenant).await?;
    let (snapshot, source_gb) = find_snapshot(client, &r.app, &r.tenant, snapshot_id).await?;
    let record = Record::of(&r.machine);
    if let Some(other) = record
        .as_ref()
        .filter(|rec| rec.snapshot != snapshot_id && !rec.done)
    {
        return Err(OpError::conflict(format!(
            "machine {} of tenant `{}` records an unfinished restore from snapshot `{}`; nothing was changed",
            r.machine.id, r.tenant, other.snapshot
        ))
        .with_hint(format!(
            "restore snapshot `{}` again to finish (or roll back) that restore first",
            other.snapshot
        )));
    }
    let record = record.filter(|rec| rec.snapshot == snapshot_id);
    // The volume to keep: recorded by an earlier run (the machine may already mount the new
    // one), else the one mounted now.
    let old = match record.as_ref().map(|rec| rec.old_volume.as_str()) {
        Some(id) if !id.is_empty() && id != r.volume.id => {
            match client.get_volume(&r.app, id).await {
                Ok(v) => v,
                // Deleted by the operator after the restore: the mounted volume stands in.
                Err(e) if e.is_not_found() => r.volume.clone(),
                Err(e) => return Err(OpError::api(format!("read volume {id}"), e)),
            }
        }
        _ => r.volume.clone(),
    };
    Ok(RestorePlan {
        size_gb: old.size_gb.max(source_gb.unwrap_or(0)),
        tenant: r.tenant,
        app: r.app,
        machine: r.machine,
        snapshot,
        old,
        record,
    })
}

/// Restores the tenant's data from `snapshot_id` onto a new volume; see the module docs. With
/// `dry_run` it only reads and reports what each step would do.
pub async fn restore_from_snapshot(
    client: &FlyClient,
    config: &Config,
    tenant: &str,
    snapshot_id: &str,
    reporter: &dyn Reporter,
    dry_run: bool,
) -> Result<SnapshotRestoreReport, OpError> {
    let first = prepare(client, config, tenant, snapshot_id).await?;
    let operation = format!(
        "restoring tenant `{}` from snapshot `{snapshot_id}`",
        first.tenant
    );
    if dry_run {
        let ctx = Restore::new(client, config, reporter, &first, "");
        let graph = steps::graph(&ctx);
        return match engine::plan(&graph).await {
            Ok(outcomes) => Ok(report(&first, &outcomes, true, None)),
            Err(e) => Err(OpError::failed(e.to_string()).in_operation(operation)),
        };
    }
    let lease = LeaseOptions::new(owner_description("restore", &first.tenant));
    let note = |message: String| {
        reporter.step(&first.tenant, "machine", StepEvent::Progress { message });
    };
    machine::under_lease(
        client,
        &first.app,
        first.machine_id(),
        &lease,
        &note,
        async |nonce| {
            // Read again under the lease: the tenant as it is now is what gets changed.
            let plan = prepare(client, config, tenant, snapshot_id).await?;
            run(client, config, reporter, &plan, nonce).await
        },
    )
    .await
    .map_err(|e| {
        if e.step().is_some() {
            e
        } else {
            e.in_operation(operation)
        }
    })
}

async fn run(
    client: &FlyClient,
    config: &Config,
    reporter: &dyn Reporter,
    plan: &RestorePlan,
    nonce: &str,
) -> Result<SnapshotRestoreReport, OpError> {
    let ctx = Restore::new(client, config, reporter, plan, nonce);
    let graph = steps::graph(&ctx);
    match engine::run(&graph, RunOptions { rollback: true }, reporter).await {
        Ok(outcomes) => Ok(report(plan, &outcomes, false, Some(ctx.new_volume()))),
        Err(RunError::Step {
            step,
            error,
            rollback,
            ..
        }) => Err(failure(plan, step, error, rollback)),
        Err(internal @ RunError::Internal { .. }) => Err(OpError::failed(internal.to_string())),
    }
}

fn report(
    plan: &RestorePlan,
    outcomes: &engine::Outcomes,
    dry_run: bool,
    new_volume: Option<Option<String>>,
) -> SnapshotRestoreReport {
    let steps: Vec<StepReport> = outcomes.steps.iter().map(StepReport::from).collect();
    let new_volume_id = new_volume.flatten().or_else(|| {
        // A dry run names the new volume only when it exists already.
        plan.record.as_ref().and_then(|r| r.volume.clone())
    });
    SnapshotRestoreReport {
        tenant: plan.tenant.clone(),
        app: plan.app.clone(),
        machine_id: plan.machine.id.clone(),
        snapshot_id: plan.snapshot.id.clone(),
        old_volume_id: plan.old.id.clone(),
        new_volume_id,
        remove_old: remove_old_hint(&plan.old.id, &plan.app),
        dry_run,
        changed: !dry_run && outcomes.changed(),
        steps,
    }
}

/// The operator's next step once the restored data looks right.
pub(super) fn remove_old_hint(old_volume: &str, app: &str) -> String {
    format!(
        "the old volume {old_volume} is kept; once the restored data is checked, delete it with `fly volumes destroy {old_volume} --app {app}`"
    )
}

/// A failed restore, saying what the rollback did and so which volume the tenant is on.
fn failure(
    plan: &RestorePlan,
    step: &'static str,
    error: OpError,
    rollback: Option<engine::Rollback>,
) -> OpError {
    let operation = format!(
        "restoring tenant `{}` from snapshot `{}`",
        plan.tenant, plan.snapshot.id
    );
    let error = error.at_step(step).in_operation(operation);
    let reason = error.reason().to_string();
    let Some(rollback) = rollback.filter(|r| !r.undone.is_empty() || r.failed.is_some()) else {
        return error.with_hint("run the restore again to resume it");
    };
    let undone: Vec<&str> = rollback.undone.iter().map(|(_, d)| d.as_str()).collect();
    let undone = if undone.is_empty() {
        String::new()
    } else {
        format!("; rolled back: {}", undone.join("; "))
    };
    match &rollback.failed {
        Some((_, why)) => error
            .with_reason(format!(
                "{reason}{undone}; rolling back failed too ({why}): the machine may mount the restored volume, and the old volume {} is kept",
                plan.old.id
            ))
            .with_hint("run the restore again to finish it, or check the machine's mount with `tenantctl status`"),
        None => error.with_reason(format!("{reason}{undone}")),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use fly_api::types::MachineConfig;

    use super::*;

    fn machine(meta: &[(&str, &str)]) -> Machine {
        Machine {
            id: "m1".into(),
            config: Some(MachineConfig {
                metadata: meta
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect::<BTreeMap<_, _>>(),
                ..MachineConfig::default()
            }),
            ..Machine::default()
        }
    }

    #[test]
    fn records_are_read_from_metadata() {
        assert_eq!(Record::of(&machine(&[])), None);
        let rec = Record::of(&machine(&[
            (metadata::RESTORE_SNAPSHOT, "vs_1"),
            (metadata::RESTORE_OLD_VOLUME, "vol_old"),
        ]))
        .expect("record");
        assert_eq!(rec.volume, None);
        assert!(!rec.done);
        let rec = Record::of(&machine(&[
            (metadata::RESTORE_SNAPSHOT, "vs_1"),
            (metadata::RESTORE_VOLUME, "vol_new"),
            (metadata::RESTORE_DONE, "vs_1"),
        ]))
        .expect("record");
        assert_eq!(rec.volume.as_deref(), Some("vol_new"));
        assert!(rec.done);
        // Done for another snapshot is not done for this one.
        let rec = Record::of(&machine(&[
            (metadata::RESTORE_SNAPSHOT, "vs_2"),
            (metadata::RESTORE_DONE, "vs_1"),
        ]))
        .expect("record");
        assert!(!rec.done);
    }

    #[test]
    fn the_hint_names_the_command() {
        let hint = remove_old_hint("vol_9", "tenant-acme");
        assert!(hint.contains("fly volumes destroy vol_9 --app tenant-acme"));
    }
}
