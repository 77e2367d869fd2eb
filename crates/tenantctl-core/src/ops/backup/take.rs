//! `backup <tenant>`: one backup of one tenant.
//!
//! ```text
//! machine ── dump ── upload ── check ── manifest ── stop ── prune
//! ```
//!
//! The machine's lease is held from `machine` to `stop`, so no deploy or upgrade changes it
//! mid-dump. A machine that auto-stop had stopped is started for the backup and stopped
//! again afterwards, on every path. A failed backup leaves objects without a manifest, which
//! do not count and which the next prune removes; nothing is pruned for that tenant.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use fly_api::types::machines::state;
use fly_api::types::{Machine, StopRequest, WaitParams};
use fly_api::{LeaseGuard, LeaseOptions, owner_description};
use serde::Serialize;

use super::manifest::{self, BackupId, FORMAT, Manifest, ManifestObject};
use super::scripts::{self, Dumped, Upload};
use super::{BackupContext, Script, Steps, human_size, retention, run_script};
use crate::engine::Reporter;
use crate::error::OpError;
use crate::metadata;
use crate::ops::destroy::FinalBackup;
use crate::resources::{app, machine};
use crate::storage::PresignedUrl;
use crate::tenant::{AppName, TenantId};

/// What one backup did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupReport {
    pub tenant: String,
    pub app: String,
    pub id: String,
    pub objects: Vec<ManifestObject>,
    pub total_bytes: u64,
    /// The machine was stopped (auto-stop) and was started for the backup, then stopped.
    pub started_machine: bool,
    /// Ids of older backups removed by retention afterwards.
    pub pruned: Vec<String>,
}

/// The tenant's machine as the backup found it.
pub(crate) struct Target {
    pub tenant: String,
    pub app: String,
    pub machine: Machine,
    pub tier: Option<String>,
}

/// Finds the tenant's app and machine; an absent tenant is a not-found error.
pub(crate) async fn find_target(ctx: &BackupContext<'_>, tenant: &str) -> Result<Target, OpError> {
    let id = TenantId::parse(tenant)?;
    let app_name = AppName::for_tenant(&ctx.config.app_name_pattern, &id)?.to_string();
    app::require(ctx.client, tenant, &app_name, &ctx.config.org).await?;
    let found = machine::find(ctx.client, &app_name, tenant).await?.ok_or_else(|| {
        OpError::not_found(format!(
            "tenant `{tenant}` has no machine in app `{app_name}`; there is nothing to back up or restore into"
        ))
        .with_hint("finish provisioning it first (`provision` resumes)")
    })?;
    let tier = metadata::tier(&found).map(str::to_string);
    Ok(Target {
        tenant: tenant.to_string(),
        app: app_name,
        machine: found,
        tier,
    })
}

/// The machine held for a backup or restore: its lease, and whether it was started for it.
pub(crate) struct Held {
    pub guard: LeaseGuard,
    pub started: bool,
}

/// Takes the lease and starts the machine when auto-stop had stopped it.
pub(crate) async fn hold(
    ctx: &BackupContext<'_>,
    target: &Target,
    operation: &str,
    note: &(dyn Fn(String) + Send + Sync),
) -> Result<Held, OpError> {
    let id = &target.machine.id;
    let options = LeaseOptions::new(owner_description(operation, &target.tenant));
    let guard = machine::lease(ctx.client, &target.app, id, &options).await?;
    let current = ctx
        .client
        .get_machine(&target.app, id)
        .await
        .map_err(|e| OpError::api(format!("read machine {id}"), e));
    let current = match current {
        Ok(m) => m,
        Err(e) => {
            let _ = guard.release().await;
            return Err(e);
        }
    };
    if current.state == state::STARTED {
        return Ok(Held {
            guard,
            started: false,
        });
    }
    note(format!("machine {id} is {}; starting it", current.state));
    let started = async {
        ctx.client
            .start_machine(&target.app, id, Some(guard.nonce()))
            .await
            .map_err(|e| OpError::api(format!("start machine {id}"), e))?;
        machine::wait_started(ctx.client, &target.app, id, Duration::from_secs(120), note).await
    }
    .await;
    match started {
        Ok(()) => Ok(Held {
            guard,
            started: true,
        }),
        Err(e) => {
            let _ = guard.release().await;
            Err(e)
        }
    }
}

/// Stops the machine again when it was started for the work, then gives the lease back.
pub(crate) async fn release(
    ctx: &BackupContext<'_>,
    target: &Target,
    held: Held,
    note: &(dyn Fn(String) + Send + Sync),
) -> Result<(), OpError> {
    let id = &target.machine.id;
    let mut result = Ok(());
    if held.started {
        note(format!("stopping machine {id} again"));
        result = async {
            ctx.client
                .stop_machine(
                    &target.app,
                    id,
                    &StopRequest::default(),
                    Some(held.guard.nonce()),
                )
                .await
                .map_err(|e| OpError::api(format!("stop machine {id}"), e))?;
            let params = WaitParams::new(&[state::STOPPED], Duration::from_secs(60));
            ctx.client
                .wait_for_state(&target.app, id, &params)
                .await
                .map_err(|e| OpError::api(format!("wait for machine {id} to stop"), e))
        }
        .await;
    }
    if let Err(e) = held.guard.release().await {
        note(format!(
            "could not release the lease of machine {id} ({e}); it expires on its own"
        ));
    }
    result
}

/// Backs up one tenant (see the module docs), then prunes its old backups.
pub async fn take(
    ctx: &BackupContext<'_>,
    tenant: &str,
    reporter: &dyn Reporter,
) -> Result<BackupReport, OpError> {
    let steps = Steps::new(reporter, tenant);
    let result = take_steps(ctx, tenant, &steps).await;
    steps.finished();
    result.map_err(|e| e.in_operation(format!("backing up tenant `{tenant}`")))
}

async fn take_steps(
    ctx: &BackupContext<'_>,
    tenant: &str,
    steps: &Steps<'_>,
) -> Result<BackupReport, OpError> {
    let started_at = manifest::now_rfc3339();
    let id = BackupId::starting_at(time::OffsetDateTime::now_utc());
    let note = steps.note("machine");
    let (target, held) = steps
        .run("machine", "find the machine and take its lease", async {
            ctx.store.check_access().await?;
            let target = find_target(ctx, tenant).await?;
            if !ctx.config.has_backups(tenant, target.tier.as_deref()) {
                return Err(OpError::invalid(format!(
                    "tenant `{tenant}` (tier `{}`) has no backups",
                    target.tier.as_deref().unwrap_or("unknown")
                ))
                .with_hint("set `backups = true` on its tier, or add it to backup.tenants (the Backups add-on)"));
            }
            let held = hold(ctx, &target, "backup", &note).await?;
            let detail = if held.started {
                format!("machine {} started for the backup", target.machine.id)
            } else {
                format!("machine {} is running", target.machine.id)
            };
            Ok(((target, held), detail))
        })
        .await?;

    let work = back_up_held(ctx, &target, &id, &started_at, steps).await;

    let started_machine = held.started;
    let stop_note = steps.note("stop");
    let stopped = if held.started {
        steps
            .run("stop", "stop the machine again", async {
                release(ctx, &target, held, &stop_note).await?;
                Ok(((), format!("machine {} stopped again", target.machine.id)))
            })
            .await
    } else {
        release(ctx, &target, held, &stop_note).await
    };
    let objects = work?;
    stopped?;

    let pruned = steps
        .run(
            "prune",
            format!(
                "keep backups per retention ({} days)",
                ctx.backup.retention_days
            ),
            async {
                let report = retention::prune_tenant(ctx, tenant, false).await?;
                let detail = if report.removed.is_empty() {
                    "nothing to prune".to_string()
                } else {
                    format!("removed {} old backup(s)", report.removed.len())
                };
                Ok((report.removed, detail))
            },
        )
        .await?;

    let total_bytes = objects.iter().map(|o| o.size).sum();
    Ok(BackupReport {
        tenant: tenant.to_string(),
        app: target.app.clone(),
        id: id.to_string(),
        objects,
        total_bytes,
        started_machine,
        pruned,
    })
}

/// dump ── upload ── check ── manifest, with the machine held.
async fn back_up_held(
    ctx: &BackupContext<'_>,
    target: &Target,
    id: &BackupId,
    started_at: &str,
    steps: &Steps<'_>,
) -> Result<Vec<ManifestObject>, OpError> {
    let timeout = ctx.backup.timeout.as_duration();
    let machine_id = &target.machine.id;
    let dumped = steps
        .run(
            "dump",
            "dump the database and archive the files in the machine",
            async {
                let script = scripts::dump(ctx.backup, &target.app, id.as_str());
                let out = run_script(
                    ctx.client,
                    &target.app,
                    machine_id,
                    timeout,
                    Script {
                        what: "dump",
                        text: script,
                        stdin: None,
                        urls: &[],
                    },
                )
                .await
                .map_err(|(e, _)| e)?;
                let dumped = scripts::parse_dumped(&out.stdout);
                let expected =
                    ctx.backup.database.is_some() as usize + ctx.backup.files.is_some() as usize;
                if dumped.len() != expected {
                    return Err(OpError::failed(format!(
                        "the dump reported {} object(s), expected {expected}",
                        dumped.len()
                    )));
                }
                let detail = dumped
                    .iter()
                    .map(|d| format!("{} {}", d.name, human_size(d.size)))
                    .collect::<Vec<_>>()
                    .join(", ");
                Ok((dumped, detail))
            },
        )
        .await?;

    let layout = ctx.layout();
    let keys: Vec<String> = dumped
        .iter()
        .map(|d| layout.object(&target.tenant, id, &d.name))
        .collect();
    steps
        .run(
            "upload",
            "upload from the machine to presigned URLs",
            async {
                upload(ctx, target, id, &dumped, &keys).await?;
                let total: u64 = dumped.iter().map(|d| d.size).sum();
                Ok(((), format!("{} uploaded by the machine", human_size(total))))
            },
        )
        .await?;

    steps
        .run("check", "check every object's size and sha256", async {
            for (d, key) in dumped.iter().zip(&keys) {
                let head = ctx.store.head(key).await?.ok_or_else(|| {
                    OpError::failed(format!("object `{}` is missing after its upload", d.name))
                })?;
                if head.size != d.size {
                    return Err(OpError::failed(format!(
                        "object `{}` has {} bytes in storage, the machine uploaded {}",
                        d.name, head.size, d.size
                    )));
                }
                if head.sha256.as_deref() != Some(d.sha256.as_str()) {
                    return Err(OpError::failed(format!(
                        "object `{}` carries no matching sha256 in storage",
                        d.name
                    )));
                }
            }
            Ok(((), format!("{} object(s) match", dumped.len())))
        })
        .await?;

    let objects: Vec<ManifestObject> = dumped
        .iter()
        .map(|d| ManifestObject {
            name: d.name.clone(),
            kind: d.kind.clone(),
            size: d.size,
            sha256: d.sha256.clone(),
        })
        .collect();
    let volume = ctx
        .client
        .list_volumes(&target.app)
        .await
        .ok()
        .and_then(|vs| {
            vs.into_iter()
                .find(|v| v.attached_machine_id.as_deref() == Some(machine_id.as_str()))
        });
    let manifest = Manifest {
        format: FORMAT.to_string(),
        id: id.clone(),
        tenant: target.tenant.clone(),
        app: target.app.clone(),
        tier: target.tier.clone(),
        started_at: started_at.to_string(),
        finished_at: manifest::now_rfc3339(),
        tool_version: ctx.tool_version.to_string(),
        image: target.machine.config.as_ref().and_then(|c| c.image.clone()),
        volume_id: volume.as_ref().map(|v| v.id.clone()),
        volume_size_gb: volume.as_ref().map(|v| v.size_gb),
        objects: objects.clone(),
    };
    steps
        .run("manifest", "write the manifest, last", async {
            let bytes = serde_json::to_vec_pretty(&manifest)
                .map_err(|e| OpError::failed(format!("cannot encode the manifest: {e}")))?;
            let key = layout.object(&target.tenant, id, manifest::MANIFEST);
            ctx.store.put_small(&key, bytes).await?;
            Ok(((), format!("backup {id} complete")))
        })
        .await?;
    Ok(objects)
}

/// One object's upload plan: a single PUT, or a multipart upload with its parts.
enum Plan {
    Whole(PresignedUrl),
    Multipart {
        upload_id: String,
        parts: Vec<(u16, u64, u64, PresignedUrl)>,
    },
}

/// Presigns every upload, has the machine send them, then completes the multipart ones.
/// On failure the multipart uploads are aborted, so storage keeps no invisible parts.
async fn upload(
    ctx: &BackupContext<'_>,
    target: &Target,
    id: &BackupId,
    dumped: &[Dumped],
    keys: &[String],
) -> Result<(), OpError> {
    let expiry = ctx.backup.url_expiry.as_duration();
    let part_mib = ctx.backup.part_size_mb;
    let part_bytes = ctx.backup.part_size_bytes();
    let mut plans = Vec::new();
    for (d, key) in dumped.iter().zip(keys) {
        if d.size <= part_bytes {
            plans.push(Plan::Whole(ctx.store.presign_put(
                key,
                Some(&d.sha256),
                expiry,
            )));
            continue;
        }
        let count = d.size.div_ceil(part_bytes);
        if count > 10_000 {
            abort_all(ctx, &plans, keys).await;
            return Err(OpError::invalid(format!(
                "object `{}` ({}) needs more than 10000 parts of {part_mib} MiB; raise backup.part_size_mb",
                d.name,
                human_size(d.size)
            )));
        }
        let upload_id = match ctx.store.create_multipart(key, &d.sha256).await {
            Ok(u) => u,
            Err(e) => {
                abort_all(ctx, &plans, keys).await;
                return Err(e);
            }
        };
        let parts = (0..count)
            .map(|i| {
                let number = (i + 1) as u16;
                let url = ctx
                    .store
                    .presign_upload_part(key, number, &upload_id, expiry);
                (number, i * part_mib, part_mib, url)
            })
            .collect();
        plans.push(Plan::Multipart { upload_id, parts });
    }

    let mut uploads = Vec::new();
    let mut urls = Vec::new();
    for (d, plan) in dumped.iter().zip(&plans) {
        match plan {
            Plan::Whole(url) => {
                uploads.push(Upload::Whole {
                    name: &d.name,
                    sha256: &d.sha256,
                    url: url.expose(),
                });
                urls.push(url.clone());
            }
            Plan::Multipart { parts, .. } => {
                for (number, skip, count, url) in parts {
                    uploads.push(Upload::Part {
                        name: &d.name,
                        number: *number,
                        skip_mib: *skip,
                        count_mib: *count,
                        url: url.expose(),
                    });
                    urls.push(url.clone());
                }
            }
        }
    }
    let script = scripts::upload(ctx.backup, &target.app, id.as_str());
    let out = run_script(
        ctx.client,
        &target.app,
        &target.machine.id,
        ctx.backup.timeout.as_duration(),
        Script {
            what: "upload",
            text: script,
            stdin: Some(scripts::upload_input(&uploads)),
            urls: &urls,
        },
    )
    .await;
    let out = match out {
        Ok(out) => out,
        Err((e, _)) => {
            abort_all(ctx, &plans, keys).await;
            return Err(e);
        }
    };
    let etags = scripts::parse_etags(&out.stdout);
    for ((d, key), plan) in dumped.iter().zip(keys).zip(&plans) {
        let Plan::Multipart { upload_id, parts } = plan else {
            continue;
        };
        let mine: Vec<String> = parts
            .iter()
            .filter_map(|(n, ..)| {
                etags
                    .iter()
                    .find(|(name, part, _)| *name == d.name && part == n)
                    .map(|(_, _, etag)| etag.clone())
            })
            .collect();
        let completed = if mine.len() != parts.len() {
            Err(OpError::failed(format!(
                "the machine reported {} of {} part ETags for `{}`",
                mine.len(),
                parts.len(),
                d.name
            )))
        } else {
            ctx.store.complete_multipart(key, upload_id, &mine).await
        };
        if let Err(e) = completed {
            abort_all(ctx, &plans, keys).await;
            return Err(e);
        }
    }
    Ok(())
}

async fn abort_all(ctx: &BackupContext<'_>, plans: &[Plan], keys: &[String]) {
    for (plan, key) in plans.iter().zip(keys) {
        if let Plan::Multipart { upload_id, .. } = plan {
            let _ = ctx.store.abort_multipart(key, upload_id).await;
        }
    }
}

/// destroy's final backup: a backup taken with the destroy's reporter, stopping the destroy
/// when it fails.
pub struct FinalBackupTaker<'a> {
    pub ctx: BackupContext<'a>,
    pub reporter: &'a dyn Reporter,
}

impl FinalBackup for FinalBackupTaker<'_> {
    fn back_up<'a>(
        &'a self,
        tenant: &'a str,
        _app: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<String, OpError>> + Send + 'a>> {
        Box::pin(async move {
            let report = take(&self.ctx, tenant, &NoFinish(self.reporter)).await?;
            Ok(format!(
                "final backup {} ({})",
                report.id,
                human_size(report.total_bytes)
            ))
        })
    }
}

/// Passes events through but not `finished`: the destroy goes on after its final backup.
struct NoFinish<'a>(&'a dyn Reporter);

impl Reporter for NoFinish<'_> {
    fn step(&self, subject: &str, step: &str, event: crate::engine::StepEvent) {
        self.0.step(subject, &format!("backup/{step}"), event)
    }
}
