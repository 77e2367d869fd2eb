//! Retention: which backups to keep, measured from each tenant's newest good backup (one
//! with its manifest), never from the clock alone, so a backup job that stalls for weeks
//! never expires everything.
//!
//! Kept: the newest good backup, the `keep_last` newest good ones, and every good one no
//! older than `retention_days` before the newest good one. Removed: older good ones, and
//! backups without a manifest (failed or interrupted) that are older than the newest good
//! one or older than twice the backup timeout (so one still uploading is left alone). A
//! backup is removed manifest first, so a half-removed one no longer counts.

use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;

use super::BackupContext;
use super::manifest::{BackupId, Layout, MANIFEST};
use crate::error::OpError;
use crate::storage::ObjectInfo;

/// One backup as the bucket holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub id: BackupId,
    /// Object names and sizes, manifest included.
    pub objects: Vec<(String, u64)>,
}

impl Stored {
    pub fn complete(&self) -> bool {
        self.has(MANIFEST)
    }

    pub fn has(&self, name: &str) -> bool {
        self.objects.iter().any(|(n, _)| n == name)
    }
}

/// Groups a tenant's objects by backup id, oldest first.
pub fn group(layout: &Layout, tenant: &str, objects: &[ObjectInfo]) -> Vec<Stored> {
    let mut by_id: BTreeMap<BackupId, Vec<(String, u64)>> = BTreeMap::new();
    for object in objects {
        if let Some((id, name)) = layout.split(tenant, &object.key) {
            by_id
                .entry(id)
                .or_default()
                .push((name.to_string(), object.size));
        }
    }
    by_id
        .into_iter()
        .map(|(id, objects)| Stored { id, objects })
        .collect()
}

/// The ids to remove, given the rules in the module docs.
pub fn to_remove(
    backups: &[Stored],
    retention_days: u32,
    keep_last: u32,
    incomplete_grace: time::Duration,
    now: OffsetDateTime,
) -> Vec<BackupId> {
    let good: Vec<&BackupId> = backups
        .iter()
        .filter(|b| b.complete())
        .map(|b| &b.id)
        .collect();
    let newest_good = good.last().copied();
    let mut remove = Vec::new();
    if let Some(newest) = newest_good {
        let cutoff = newest.time() - time::Duration::days(i64::from(retention_days));
        let keep_from = good.len().saturating_sub(keep_last.max(1) as usize);
        for (i, id) in good.iter().enumerate() {
            if i < keep_from && id.time() < cutoff {
                remove.push((*id).clone());
            }
        }
    }
    for b in backups.iter().filter(|b| !b.complete()) {
        let superseded = newest_good.is_some_and(|n| b.id < *n);
        let abandoned = b.id.time() + incomplete_grace < now;
        if superseded || abandoned {
            remove.push(b.id.clone());
        }
    }
    remove.sort();
    remove
}

/// What a prune did (or, dry, would do) for one tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PruneReport {
    pub tenant: String,
    pub removed: Vec<String>,
    pub kept: usize,
    pub dry_run: bool,
}

/// Prunes one tenant's backups.
pub async fn prune_tenant(
    ctx: &BackupContext<'_>,
    tenant: &str,
    dry_run: bool,
) -> Result<PruneReport, OpError> {
    let layout = ctx.layout();
    let objects = ctx.store.list(&layout.tenant_prefix(tenant)).await?;
    prune_listed(ctx, &layout, tenant, &objects, dry_run).await
}

async fn prune_listed(
    ctx: &BackupContext<'_>,
    layout: &Layout,
    tenant: &str,
    objects: &[ObjectInfo],
    dry_run: bool,
) -> Result<PruneReport, OpError> {
    let backups = group(layout, tenant, objects);
    let grace = time::Duration::seconds((ctx.backup.timeout.as_secs() * 2).max(3600) as i64);
    let remove = to_remove(
        &backups,
        ctx.backup.retention_days,
        ctx.backup.keep_last,
        grace,
        OffsetDateTime::now_utc(),
    );
    if !dry_run {
        for id in &remove {
            let Some(stored) = backups.iter().find(|b| &b.id == id) else {
                continue;
            };
            let mut names: Vec<&str> = stored.objects.iter().map(|(n, _)| n.as_str()).collect();
            // The manifest goes first: from then on the backup no longer counts.
            names.sort_by_key(|n| *n != MANIFEST);
            for name in names {
                ctx.store.delete(&layout.object(tenant, id, name)).await?;
            }
        }
    }
    Ok(PruneReport {
        tenant: tenant.to_string(),
        kept: backups.len() - remove.len(),
        removed: remove.iter().map(ToString::to_string).collect(),
        dry_run,
    })
}

/// Prunes every tenant that has backups in the bucket (destroyed tenants included: their
/// newest good backup is kept like anyone's).
pub async fn prune_fleet(
    ctx: &BackupContext<'_>,
    dry_run: bool,
) -> Result<Vec<PruneReport>, OpError> {
    let layout = ctx.layout();
    let objects = ctx.store.list(&layout.prefix).await?;
    let mut by_tenant: BTreeMap<String, Vec<ObjectInfo>> = BTreeMap::new();
    for object in objects {
        let Some(rest) = object.key.strip_prefix(&layout.prefix) else {
            continue;
        };
        // Only tenant folders: `_audit/` (the audit trail) and strays are not backups.
        if let Some((tenant, _)) = rest.split_once('/')
            && crate::tenant::TenantId::parse(tenant).is_ok()
        {
            by_tenant
                .entry(tenant.to_string())
                .or_default()
                .push(object);
        }
    }
    let mut reports = Vec::new();
    for (tenant, objects) in by_tenant {
        reports.push(prune_listed(ctx, &layout, &tenant, &objects, dry_run).await?);
    }
    Ok(reports)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn id(day: u8, hex: &str) -> BackupId {
        BackupId::parse(&format!("202612{day:02}T030000Z-{hex}")).unwrap()
    }

    fn stored(day: u8, complete: bool) -> Stored {
        let mut objects = vec![("site.db".to_string(), 10)];
        if complete {
            objects.push((MANIFEST.to_string(), 1));
        }
        Stored {
            id: id(day, "0000"),
            objects,
        }
    }

    const NOW: OffsetDateTime = datetime!(2026-12-31 12:00:00 UTC);
    const GRACE: time::Duration = time::Duration::hours(1);

    #[test]
    fn retention_counts_back_from_the_newest_good_backup() {
        // Good backups on days 1..=20; retention 7 days from day 20 keeps 13..=20.
        let backups: Vec<Stored> = (1..=20).map(|d| stored(d, true)).collect();
        let removed = to_remove(&backups, 7, 0, GRACE, NOW);
        assert_eq!(removed, (1..=12).map(|d| id(d, "0000")).collect::<Vec<_>>());
    }

    #[test]
    fn failed_newest_backups_never_expire_the_last_good_one() {
        // Last good on day 2, then failures: day 2 stays even 29 days later.
        let mut backups = vec![stored(1, true), stored(2, true)];
        backups.extend((3..=30).map(|d| stored(d, false)));
        let removed = to_remove(&backups, 0, 0, GRACE, NOW);
        assert!(!removed.contains(&id(2, "0000")));
        assert!(removed.contains(&id(1, "0000")));
        // The failed ones are abandoned (older than the grace) and go.
        assert!(removed.contains(&id(30, "0000")));
    }

    #[test]
    fn keep_last_and_in_progress_backups_are_kept() {
        let backups: Vec<Stored> = (1..=5).map(|d| stored(d, true)).collect();
        assert_eq!(
            to_remove(&backups, 0, 3, GRACE, NOW),
            [id(1, "0000"), id(2, "0000")]
        );
        let running = vec![stored(1, true), stored(31, false)];
        let now = datetime!(2026-12-31 03:10:00 UTC);
        assert!(to_remove(&running, 0, 0, GRACE, now).is_empty());
    }

    #[test]
    fn grouping_ignores_foreign_keys() {
        let layout = Layout {
            prefix: String::new(),
        };
        let objects = vec![
            ObjectInfo {
                key: "acme/20261201T030000Z-0000/site.db".into(),
                size: 3,
            },
            ObjectInfo {
                key: "acme/20261201T030000Z-0000/manifest.json".into(),
                size: 1,
            },
            ObjectInfo {
                key: "acme/notes.txt".into(),
                size: 1,
            },
            ObjectInfo {
                key: "acmex/20261201T030000Z-0000/site.db".into(),
                size: 1,
            },
        ];
        let groups = group(&layout, "acme", &objects);
        assert_eq!(groups.len(), 1);
        assert!(groups[0].complete());
    }
}
