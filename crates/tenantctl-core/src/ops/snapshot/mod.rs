//! Fly volume snapshots of a tenant: listing them, taking one on demand, and restoring the
//! tenant's machine onto a new volume made from one ([`restore`]).
//!
//! Fly answers a snapshot create with an empty 200, so the new snapshot is the one that
//! appears in the listing afterwards; it goes `waiting` → `running` → `created`, and only a
//! `created` snapshot counts as taken.

mod fleet;
mod restore;
mod steps;

use std::collections::BTreeSet;
use std::time::Duration;

use fly_api::FlyClient;
use fly_api::types::{Machine, Volume, VolumeSnapshot};
use serde::Serialize;

use crate::config::Config;
use crate::engine::{Reporter, StepEvent};
use crate::error::OpError;
use crate::resources::{app, machine};
use crate::tenant::{AppName, TenantId};

pub use fleet::snapshot_fleet;
pub use restore::{SnapshotRestoreReport, restore_from_snapshot};

/// The status of a finished snapshot.
pub const CREATED: &str = "created";

/// How long [`take_snapshot`] waits for the snapshot to reach `created`.
pub const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// One snapshot of one of the app's volumes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotItem {
    pub id: String,
    pub volume_id: String,
    pub size_bytes: u64,
    /// RFC 3339, as Fly sent it (empty when Fly sent none).
    pub created_at: String,
    /// `waiting`, `running`, `created`, ...
    pub status: String,
}

impl SnapshotItem {
    fn of(volume_id: &str, s: &VolumeSnapshot) -> SnapshotItem {
        SnapshotItem {
            id: s.id.clone(),
            volume_id: volume_id.to_string(),
            size_bytes: s.size,
            created_at: s.created_at.clone().unwrap_or_default(),
            status: s.status.clone(),
        }
    }
}

/// The result of [`take_snapshot`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotReport {
    pub tenant: String,
    pub app: String,
    pub volume_id: String,
    pub snapshot_id: String,
    pub size_bytes: u64,
    pub created_at: String,
    pub status: String,
}

/// The snapshots of every volume of `app` (volumes being destroyed included: their snapshots
/// stay restorable), newest first.
pub async fn list_snapshots(client: &FlyClient, app: &str) -> Result<Vec<SnapshotItem>, OpError> {
    Ok(list_all(client, app)
        .await?
        .into_iter()
        .map(|(item, _)| item)
        .collect())
}

/// Every snapshot with the size in GB of the volume it was taken of, newest first.
async fn list_all(
    client: &FlyClient,
    app: &str,
) -> Result<Vec<(SnapshotItem, Option<u64>)>, OpError> {
    let volumes = client
        .list_volumes(app)
        .await
        .map_err(|e| OpError::api("list volumes", e))?;
    let mut items = Vec::new();
    for volume in &volumes {
        items.extend(
            volume_snapshots(client, app, &volume.id)
                .await?
                .iter()
                .map(|s| (SnapshotItem::of(&volume.id, s), s.volume_size)),
        );
    }
    items.sort_by(|(a, _), (b, _)| newest_first(a, b));
    Ok(items)
}

/// Newest first; RFC 3339 times in one zone sort as text, ties by id for a stable order.
fn newest_first(a: &SnapshotItem, b: &SnapshotItem) -> std::cmp::Ordering {
    b.created_at
        .cmp(&a.created_at)
        .then_with(|| b.id.cmp(&a.id))
}

async fn volume_snapshots(
    client: &FlyClient,
    app: &str,
    volume_id: &str,
) -> Result<Vec<VolumeSnapshot>, OpError> {
    client
        .list_snapshots(app, volume_id)
        .await
        .map_err(|e| OpError::api(format!("list the snapshots of volume {volume_id}"), e))
}

/// The tenant's app, machine and the volume its machine mounts.
pub(crate) struct Resolved {
    pub tenant: String,
    pub app: String,
    pub machine: Machine,
    pub volume: Volume,
}

/// Finds the tenant's app, its machine and the volume the machine mounts.
pub(crate) async fn resolve(
    client: &FlyClient,
    config: &Config,
    tenant: &str,
) -> Result<Resolved, OpError> {
    let id = TenantId::parse(tenant)?;
    let app = AppName::for_tenant(&config.app_name_pattern, &id)?.to_string();
    app::require(client, id.as_str(), &app, &config.org)
        .await
        .map_err(|e| {
            if e.class() == crate::error::ErrorClass::NotFound {
                e.with_hint(format!(
                    "check the tenant id (`tenantctl list` shows the tenants), or provision it with `tenantctl provision {id}`"
                ))
            } else {
                e
            }
        })?;
    let Some(found) = machine::find(client, &app, id.as_str()).await? else {
        return Err(
            OpError::failed(format!("tenant `{id}` has no machine")).with_hint(format!(
                "run `tenantctl provision {id} --tier <its tier>` to finish it"
            )),
        );
    };
    let Some(volume_id) = mounted_volume(&found) else {
        return Err(OpError::failed(format!(
            "machine {} of tenant `{id}` mounts no volume, so there is nothing to snapshot",
            found.id
        )));
    };
    let volume = client
        .get_volume(&app, &volume_id)
        .await
        .map_err(|e| OpError::api(format!("read volume {volume_id}"), e))?;
    Ok(Resolved {
        tenant: id.to_string(),
        app,
        machine: found,
        volume,
    })
}

/// The volume of the machine's first mount (a tenant machine has one).
pub(crate) fn mounted_volume(machine: &Machine) -> Option<String> {
    machine
        .config
        .as_ref()?
        .mounts
        .first()
        .map(|m| m.volume.clone())
        .filter(|v| !v.is_empty())
}

/// Takes an on-demand snapshot of the tenant's volume and waits until Fly lists it as
/// `created` (at most [`SNAPSHOT_TIMEOUT`]).
pub async fn take_snapshot(
    client: &FlyClient,
    config: &Config,
    tenant: &str,
    reporter: &dyn Reporter,
) -> Result<SnapshotReport, OpError> {
    take_snapshot_within(client, config, tenant, reporter, SNAPSHOT_TIMEOUT).await
}

/// [`take_snapshot`] with its own bound on the wait.
pub async fn take_snapshot_within(
    client: &FlyClient,
    config: &Config,
    tenant: &str,
    reporter: &dyn Reporter,
    timeout: Duration,
) -> Result<SnapshotReport, OpError> {
    let r = resolve(client, config, tenant).await?;
    let note = |message: String| {
        reporter.step(&r.tenant, "snapshot", StepEvent::Progress { message });
    };
    let volume_id = r.volume.id.as_str();
    // Fly's answer does not name the snapshot: it is the one not listed before.
    let before: BTreeSet<String> = volume_snapshots(client, &r.app, volume_id)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    note(format!("taking a snapshot of volume {volume_id}"));
    match client.create_snapshot(&r.app, volume_id).await {
        Ok(()) => {}
        Err(e) if e.is_ambiguous() => {
            // Never blindly repeated: the wait below finds it if Fly took it.
            note("the snapshot request's outcome is unknown; looking for it".to_string());
            let after = volume_snapshots(client, &r.app, volume_id).await?;
            if after.iter().all(|s| before.contains(&s.id)) {
                client
                    .create_snapshot(&r.app, volume_id)
                    .await
                    .map_err(|e| {
                        OpError::api(format!("take a snapshot of volume {volume_id}"), e)
                    })?;
            }
        }
        Err(e) => {
            return Err(OpError::api(
                format!("take a snapshot of volume {volume_id}"),
                e,
            ));
        }
    }
    let taken = wait_created(client, &r.app, volume_id, &before, timeout, &note).await?;
    reporter.finished(&r.tenant);
    Ok(SnapshotReport {
        tenant: r.tenant.clone(),
        app: r.app.clone(),
        volume_id: volume_id.to_string(),
        snapshot_id: taken.id,
        size_bytes: taken.size,
        created_at: taken.created_at.unwrap_or_default(),
        status: taken.status,
    })
}

/// Polls the volume's snapshots until one not in `before` is `created`.
async fn wait_created(
    client: &FlyClient,
    app: &str,
    volume_id: &str,
    before: &BTreeSet<String>,
    timeout: Duration,
    note: &(dyn Fn(String) + Send + Sync),
) -> Result<VolumeSnapshot, OpError> {
    let start = tokio::time::Instant::now();
    let mut poll = Duration::from_millis(100);
    let mut last_status = String::new();
    loop {
        let snapshots = volume_snapshots(client, app, volume_id).await?;
        let mut new: Vec<VolumeSnapshot> = snapshots
            .into_iter()
            .filter(|s| !before.contains(&s.id))
            .collect();
        // Newest last: should two appear (an unknown outcome repeated), the later one counts.
        new.sort_by(|a, b| a.created_at.cmp(&b.created_at));
        if let Some(done) = new.iter().rev().find(|s| s.status == CREATED) {
            return Ok(done.clone());
        }
        let status = new
            .last()
            .map(|s| format!("snapshot {} is {}", s.id, s.status))
            .unwrap_or_else(|| "the snapshot is not listed yet".to_string());
        if start.elapsed() >= timeout {
            return Err(OpError::failed(format!(
                "the snapshot of volume {volume_id} was not `created` within {}s ({status})",
                timeout.as_secs()
            ))
            .with_hint(format!(
                "Fly may still finish it: see `fly volumes snapshots list {volume_id} --app {app}`; a large volume takes longer"
            )));
        }
        if status != last_status {
            note(format!("waiting: {status}"));
            last_status = status;
        }
        let left = timeout.saturating_sub(start.elapsed());
        tokio::time::sleep(poll.min(left)).await;
        poll = (poll * 2).min(Duration::from_secs(2));
    }
}

/// The snapshot `snapshot_id` of one of the app's volumes, with the size in GB of the volume
/// it was taken of; unknown is a not-found error.
pub(crate) async fn find_snapshot(
    client: &FlyClient,
    app: &str,
    tenant: &str,
    snapshot_id: &str,
) -> Result<(SnapshotItem, Option<u64>), OpError> {
    let all = list_all(client, app).await?;
    all.into_iter()
        .find(|(s, _)| s.id == snapshot_id)
        .ok_or_else(|| {
            OpError::not_found(format!(
                "snapshot `{snapshot_id}` not found among the snapshots of tenant `{tenant}` (app `{app}`)"
            ))
            .with_hint(format!(
                "`tenantctl backup list {tenant}` shows the tenant's snapshots"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, at: &str) -> SnapshotItem {
        SnapshotItem {
            id: id.into(),
            volume_id: "vol_1".into(),
            size_bytes: 1,
            created_at: at.into(),
            status: CREATED.into(),
        }
    }

    #[test]
    fn newest_comes_first() {
        let mut items = [
            item("a", "2026-12-01T10:00:00.000Z"),
            item("c", "2026-12-03T10:00:00.000Z"),
            item("b", "2026-12-02T10:00:00.000Z"),
        ];
        items.sort_by(newest_first);
        let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["c", "b", "a"]);
    }

    #[test]
    fn items_carry_the_volume_and_fly_fields() {
        let s = VolumeSnapshot {
            id: "vs_1".into(),
            size: 42,
            created_at: Some("2026-12-01T10:00:00Z".into()),
            status: "running".into(),
            ..VolumeSnapshot::default()
        };
        let i = SnapshotItem::of("vol_9", &s);
        assert_eq!(
            (i.id.as_str(), i.volume_id.as_str(), i.size_bytes),
            ("vs_1", "vol_9", 42)
        );
        assert_eq!(i.status, "running");
    }
}
