//! `backup restore`: put a backup back into its tenant, or into another one (the restore
//! drill).
//!
//! ```text
//! plan ── machine ── restore ── restart ── health
//! ```
//!
//! [`plan_restore`] reads the manifest and the target and refuses a target on another tier;
//! the CLI shows the plan and asks for a typed confirmation. [`restore`] holds the target
//! machine's lease, has the machine download every object through presigned GETs and check
//! it against the manifest (nothing is restored until all of them match), runs the restore
//! commands, restarts the machine so the site reopens its data, and waits for the health
//! gate. A failure says exactly how far the restore got.

use std::time::Duration;

use fly_api::types::RestartRequest;
use serde::Serialize;

use super::catalog::read_manifest;
use super::manifest::{BackupId, ManifestObject};
use super::scripts::{self, Download};
use super::take::{Target, find_target, hold, release};
use super::{BackupContext, Script, Steps, human_size, run_script};
use crate::engine::Reporter;
use crate::error::{OpError, Resume};
use crate::resources::{health, machine};

/// What a restore will do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestorePlan {
    pub id: String,
    /// Whose backup it is.
    pub source_tenant: String,
    /// Where it goes (the same tenant unless --to-tenant).
    pub tenant: String,
    pub app: String,
    pub machine_id: String,
    pub tier: Option<String>,
    /// When the backup finished (RFC 3339).
    pub taken_at: String,
    pub objects: Vec<ManifestObject>,
    pub total_bytes: u64,
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestoreReport {
    #[serde(flatten)]
    pub plan: RestorePlan,
    /// The health gate's summary after the restart.
    pub health: String,
}

/// Reads backup `id` of `tenant` and the target (`to_tenant`, default `tenant`).
pub async fn plan_restore(
    ctx: &BackupContext<'_>,
    tenant: &str,
    id: &str,
    to_tenant: Option<&str>,
) -> Result<RestorePlan, OpError> {
    let id = BackupId::parse(id)?;
    let manifest = read_manifest(ctx, tenant, &id).await?;
    let wanted = [
        ctx.backup.database.as_ref().map(|d| &d.name),
        ctx.backup.files.as_ref().map(|f| &f.name),
    ];
    for name in wanted.into_iter().flatten() {
        if !manifest.objects.iter().any(|o| &o.name == name) {
            return Err(OpError::invalid(format!(
                "backup `{id}` holds no `{name}`, which [backup] restores; nothing was restored"
            ))
            .with_hint(
                "the backup was taken with other [backup.database] / [backup.files] names",
            ));
        }
    }
    let target_tenant = to_tenant.unwrap_or(tenant);
    let target = find_target(ctx, target_tenant).await?;
    if let (Some(from), Some(to)) = (&manifest.tier, &target.tier)
        && from != to
    {
        return Err(OpError::conflict(format!(
            "backup `{id}` was taken on tier `{from}`, but tenant `{target_tenant}` is on tier `{to}`; nothing was restored"
        ))
        .with_hint(format!(
            "restore into a tenant on tier `{from}`, or `upgrade {target_tenant} --tier {from}` first"
        )));
    }
    Ok(RestorePlan {
        id: id.to_string(),
        source_tenant: tenant.to_string(),
        tenant: target.tenant.clone(),
        app: target.app.clone(),
        machine_id: target.machine.id.clone(),
        tier: target.tier.clone(),
        taken_at: manifest.finished_at.clone(),
        total_bytes: manifest.total_size(),
        objects: manifest.objects,
    })
}

/// Restores as planned (see the module docs).
pub async fn restore(
    ctx: &BackupContext<'_>,
    plan: &RestorePlan,
    health_poll: Duration,
    reporter: &dyn Reporter,
) -> Result<RestoreReport, OpError> {
    let steps = Steps::new(reporter, &plan.tenant);
    let result = restore_steps(ctx, plan, health_poll, &steps).await;
    steps.finished();
    result.map_err(|e| {
        let mut args = vec![plan.source_tenant.clone(), plan.id.clone()];
        if plan.tenant != plan.source_tenant {
            args.extend(["--to-tenant".to_string(), plan.tenant.clone()]);
        }
        args.extend([
            "--yes".to_string(),
            "--confirm".to_string(),
            plan.tenant.clone(),
        ]);
        e.in_operation(format!(
            "restoring backup `{}` into tenant `{}`",
            plan.id, plan.tenant
        ))
        .with_resume(Resume::new("backup restore", args))
    })
}

async fn restore_steps(
    ctx: &BackupContext<'_>,
    plan: &RestorePlan,
    health_poll: Duration,
    steps: &Steps<'_>,
) -> Result<RestoreReport, OpError> {
    let note = steps.note("machine");
    let (target, held) = steps
        .run("machine", "find the machine and take its lease", async {
            let target: Target = find_target(ctx, &plan.tenant).await?;
            if target.machine.id != plan.machine_id {
                return Err(OpError::conflict(format!(
                    "tenant `{}` now runs machine {}, not {} as planned",
                    plan.tenant, target.machine.id, plan.machine_id
                ))
                .with_hint("run the restore again to plan it afresh"));
            }
            let held = hold(ctx, &target, "restore", &note).await?;
            let detail = format!("machine {} held", target.machine.id);
            Ok(((target, held), detail))
        })
        .await?;

    let restored = steps
        .run(
            "restore",
            format!(
                "download and check {}, then restore",
                human_size(plan.total_bytes)
            ),
            run_restore(ctx, plan),
        )
        .await;
    let restarted = match &restored {
        Ok(()) => {
            steps
                .run(
                    "restart",
                    "restart the machine on the restored data",
                    async {
                        let id = &target.machine.id;
                        ctx.client
                            .restart_machine(
                                &target.app,
                                id,
                                &RestartRequest::default(),
                                Some(held.guard.nonce()),
                            )
                            .await
                            .map_err(|e| OpError::api(format!("restart machine {id}"), e))?;
                        machine::wait_started(
                            ctx.client,
                            &target.app,
                            id,
                            Duration::from_secs(120),
                            &steps.note("restart"),
                        )
                        .await?;
                        Ok(((), format!("machine {id} restarted")))
                    },
                )
                .await
        }
        Err(_) => Ok(()),
    };
    // A machine started only for the restore stays up: the health gate needs it running,
    // and auto-stop stops it again when idle.
    let held = super::take::Held {
        started: false,
        ..held
    };
    let released = release(ctx, &target, held, &note).await;
    restored?;
    restarted?;
    released?;

    let summary = steps
        .run("health", format!("health gate within {}", ctx.config.health.timeout), async {
            let summary = health::wait_healthy(
                ctx.client,
                &target.app,
                &target.machine.id,
                ctx.config.health.timeout.as_duration(),
                health_poll,
                None,
                &steps.note("health"),
            )
            .await
            .map_err(|e| {
                e.with_hint("the data is restored but the site is not healthy; check `logs` and the restore commands")
            })?;
            Ok((summary.clone(), summary))
        })
        .await?;
    Ok(RestoreReport {
        plan: plan.clone(),
        health: summary,
    })
}

async fn run_restore(ctx: &BackupContext<'_>, plan: &RestorePlan) -> Result<((), String), OpError> {
    let id = BackupId::parse(&plan.id)?;
    let layout = ctx.layout();
    let expiry = ctx.backup.url_expiry.as_duration();
    let urls: Vec<_> = plan
        .objects
        .iter()
        .map(|o| {
            ctx.store
                .presign_get(&layout.object(&plan.source_tenant, &id, &o.name), expiry)
        })
        .collect();
    let downloads: Vec<Download<'_>> = plan
        .objects
        .iter()
        .zip(&urls)
        .map(|(o, url)| Download {
            name: &o.name,
            sha256: &o.sha256,
            size: o.size,
            url: url.expose(),
        })
        .collect();
    let script = scripts::restore(ctx.backup, &plan.app, id.as_str());
    let result = run_script(
        ctx.client,
        &plan.app,
        &plan.machine_id,
        ctx.backup.timeout.as_duration(),
        Script {
            what: "restore",
            text: script,
            stdin: Some(scripts::download_input(&downloads)),
            urls: &urls,
        },
    )
    .await;
    match result {
        Ok(_) => Ok(((), format!("{} object(s) restored", plan.objects.len()))),
        Err((error, stdout)) => {
            let progress = if stdout.contains("restored database") {
                "the database was restored, the files were not: run the restore again"
            } else if stdout.contains("downloaded") {
                "every object downloaded and checked, but the restore commands failed part way: the data may be partly restored; run the restore again"
            } else {
                "nothing was restored: the downloads did not all check out"
            };
            let reason = format!("{}\n{progress}", error.reason());
            Err(error.with_reason(reason))
        }
    }
}
