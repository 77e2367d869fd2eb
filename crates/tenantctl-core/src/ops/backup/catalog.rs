//! `backup list` and `backup verify`: what a tenant's backups are, and whether they still
//! read back as their manifests say.

use serde::Serialize;

use super::BackupContext;
use super::manifest::{self, BackupId, MANIFEST, Manifest, VERIFIED, Verified};
use super::retention::{Stored, group};
use crate::error::OpError;

/// One backup of a tenant, as `backup list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListedBackup {
    pub id: String,
    /// `object` (in the bucket) or `snapshot` (a Fly volume snapshot).
    pub kind: &'static str,
    /// RFC 3339.
    pub created_at: String,
    pub size_bytes: u64,
    /// Object backups: the manifest is there. Snapshots: Fly says `created`.
    pub complete: bool,
    /// Object backups: `backup verify` read every object back and it matched.
    pub verified: bool,
    /// The snapshot's volume; `None` for object backups.
    pub volume_id: Option<String>,
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The tenant's object backups, newest first.
pub async fn list(ctx: &BackupContext<'_>, tenant: &str) -> Result<Vec<ListedBackup>, OpError> {
    let layout = ctx.layout();
    let objects = ctx.store.list(&layout.tenant_prefix(tenant)).await?;
    let mut listed: Vec<ListedBackup> = group(&layout, tenant, &objects)
        .iter()
        .map(|b: &Stored| ListedBackup {
            id: b.id.to_string(),
            kind: "object",
            created_at: rfc3339(b.id.time()),
            size_bytes: b
                .objects
                .iter()
                .filter(|(n, _)| n != MANIFEST && n != VERIFIED)
                .map(|(_, s)| s)
                .sum(),
            complete: b.complete(),
            verified: b.has(VERIFIED),
            volume_id: None,
        })
        .collect();
    listed.reverse();
    Ok(listed)
}

/// Reads and parses the manifest of backup `id`; a backup without one does not exist.
pub async fn read_manifest(
    ctx: &BackupContext<'_>,
    tenant: &str,
    id: &BackupId,
) -> Result<Manifest, OpError> {
    let key = ctx.layout().object(tenant, id, MANIFEST);
    let bytes = ctx.store.get_small(&key).await?.ok_or_else(|| {
        OpError::not_found(format!(
            "backup `{id}` of tenant `{tenant}` does not exist (no manifest in bucket `{}`)",
            ctx.store.bucket()
        ))
        .with_hint(format!("`backup list {tenant}` shows the tenant's backups"))
    })?;
    let manifest = Manifest::parse(&bytes, &key)?;
    if manifest.tenant != tenant || manifest.id != *id {
        return Err(OpError::failed(format!(
            "manifest `{key}` describes backup `{}` of tenant `{}`, not this one",
            manifest.id, manifest.tenant
        )));
    }
    Ok(manifest)
}

/// The newest backup with a manifest, if any.
pub async fn newest(ctx: &BackupContext<'_>, tenant: &str) -> Result<Option<BackupId>, OpError> {
    let layout = ctx.layout();
    let objects = ctx.store.list(&layout.tenant_prefix(tenant)).await?;
    Ok(group(&layout, tenant, &objects)
        .into_iter()
        .rev()
        .find(Stored::complete)
        .map(|b| b.id))
}

/// One object checked by `verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifiedObject {
    pub name: String,
    pub size: u64,
    pub sha256: String,
    pub ok: bool,
    /// What did not match, when `ok` is false.
    pub problem: Option<String>,
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub tenant: String,
    pub id: String,
    pub ok: bool,
    pub objects: Vec<VerifiedObject>,
}

/// Downloads every object of backup `id` (default: the newest) through the runner, checks
/// its size and sha256 against the manifest and records `verified.json` when all match. A
/// mismatch is an error naming the object; the report is returned either way in `Ok` so the
/// CLI can print it, with `ok: false`.
pub async fn verify(
    ctx: &BackupContext<'_>,
    tenant: &str,
    id: Option<&str>,
) -> Result<VerifyReport, OpError> {
    let id = match id {
        Some(id) => BackupId::parse(id)?,
        None => newest(ctx, tenant).await?.ok_or_else(|| {
            OpError::not_found(format!(
                "tenant `{tenant}` has no complete backup to verify"
            ))
            .with_hint(format!("take one with `backup {tenant}`"))
        })?,
    };
    let manifest = read_manifest(ctx, tenant, &id).await?;
    let layout = ctx.layout();
    let mut objects = Vec::new();
    for object in &manifest.objects {
        let key = layout.object(tenant, &id, &object.name);
        let problem = match ctx.store.digest(&key).await? {
            None => Some("missing from the bucket".to_string()),
            Some((size, _)) if size != object.size => Some(format!(
                "{size} bytes in the bucket, the manifest says {}",
                object.size
            )),
            Some((_, sha)) if sha != object.sha256 => Some(format!(
                "sha256 {sha} in the bucket, the manifest says {}",
                object.sha256
            )),
            Some(_) => None,
        };
        objects.push(VerifiedObject {
            name: object.name.clone(),
            size: object.size,
            sha256: object.sha256.clone(),
            ok: problem.is_none(),
            problem,
        });
    }
    let ok = objects.iter().all(|o| o.ok);
    if ok {
        let verified = Verified {
            verified_at: manifest::now_rfc3339(),
            tool_version: ctx.tool_version.to_string(),
        };
        let bytes = serde_json::to_vec_pretty(&verified).unwrap_or_default();
        ctx.store
            .put_small(&layout.object(tenant, &id, VERIFIED), bytes)
            .await?;
    }
    Ok(VerifyReport {
        tenant: tenant.to_string(),
        id: id.to_string(),
        ok,
        objects,
    })
}
