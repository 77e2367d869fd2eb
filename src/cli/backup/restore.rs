//! `backup restore`: a backup from the bucket, or with `--from-snapshot` a Fly volume
//! snapshot, back into the tenant (or with `--to-tenant` into another one: the restore drill).
//! The plan is shown first and the target's id must be typed (or `--yes --confirm <tenant>`).

use std::time::Duration;

use serde::Serialize;
use tenantctl_core::ops::backup::{self, RestorePlan, human_size};
use tenantctl_core::ops::snapshot::{SnapshotRestoreReport, restore_from_snapshot};
use tenantctl_core::tenant::TenantId;

use super::{op_error, print_json, with_backups};
use crate::context::{Context, OutputFormat};
use crate::frame::Access;
use crate::ui::confirm::{self, Typed};

/// How often the health gate looks at the machine.
const HEALTH_POLL: Duration = Duration::from_millis(500);

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tenant whose backup (or snapshot) to restore
    pub tenant: String,
    /// Backup id, from `backup list`
    #[arg(
        required_unless_present = "from_snapshot",
        conflicts_with = "from_snapshot"
    )]
    pub id: Option<String>,
    /// Restore into this tenant instead (on the same tier): the restore drill
    #[arg(long, value_name = "TENANT", conflicts_with = "from_snapshot")]
    pub to_tenant: Option<String>,
    /// Restore a Fly volume snapshot instead: a new volume from it, the machine moved onto it
    #[arg(long, value_name = "SNAPSHOT_ID")]
    pub from_snapshot: Option<String>,
    /// The target tenant id again: with --yes, confirms without a prompt
    #[arg(long, value_name = "TENANT")]
    pub confirm: Option<String>,
}

#[derive(Serialize)]
struct RestoreDocument<'a> {
    #[serde(flatten)]
    plan: &'a RestorePlan,
    health: Option<String>,
    dry_run: bool,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let tenant = TenantId::parse(&args.tenant)?.to_string();
    let target = match &args.to_tenant {
        Some(other) => TenantId::parse(other)?.to_string(),
        None => tenant.clone(),
    };
    let typed = Typed {
        tenant: &target,
        action: format!("overwrite the data of tenant `{target}` with a restore"),
        doing: format!("restoring into tenant `{target}`"),
        short: "restore it",
        nothing_done: "nothing was restored",
    };
    confirm::check_flag(args.confirm.as_deref(), &target, &typed)?;
    let confirmed = args.confirm.is_some() && ctx.assume_yes;
    if let Some(snapshot) = &args.from_snapshot {
        return from_snapshot(ctx, &tenant, snapshot, confirmed, typed).await;
    }
    let id = args.id.clone().unwrap_or_default();
    let access = if ctx.dry_run {
        Access::Read
    } else {
        Access::Write
    };
    let outcome = with_backups(ctx, access, async |_, backups| {
        let plan = backup::plan_restore(backups, &tenant, &id, args.to_tenant.as_deref())
            .await
            .map_err(op_error(ctx))?;
        show_plan(ctx, &plan);
        if ctx.dry_run {
            return Ok((plan, None));
        }
        confirm::typed(ctx, confirmed, typed).await?;
        let progress = ctx.progress();
        let result = backup::restore(backups, &plan, HEALTH_POLL, &progress).await;
        drop(progress);
        let report = result.map_err(op_error(ctx))?;
        Ok((plan, Some(report.health)))
    })
    .await?;
    let (plan, health) = outcome;
    if let Some(health) = &health {
        ctx.audit.change(
            &plan.tenant,
            format!(
                "restored backup {} of tenant {} ({health})",
                plan.id, plan.source_tenant
            ),
        );
        ctx.printer.status(
            "Restored",
            &format!("backup {} into tenant {} ({health})", plan.id, plan.tenant),
        );
    }
    match ctx.output {
        OutputFormat::Json => print_json(
            ctx,
            "backup_restore",
            &RestoreDocument {
                dry_run: health.is_none(),
                plan: &plan,
                health,
            },
        ),
        OutputFormat::Table => ctx.print_table(
            &["BACKUP", "FROM", "INTO", "SIZE", "HEALTH"],
            &[vec![
                plan.id.clone(),
                plan.source_tenant.clone(),
                plan.tenant.clone(),
                human_size(plan.total_bytes),
                health.unwrap_or_else(|| "dry run: nothing restored".into()),
            ]],
        ),
    }
    Ok(())
}

fn show_plan(ctx: &Context, plan: &RestorePlan) {
    let verb = if ctx.dry_run {
        "Would restore"
    } else {
        "Will restore"
    };
    ctx.printer.status(
        verb,
        &format!(
            "backup {} of tenant {} (taken {}) into tenant {} (machine {}):",
            plan.id, plan.source_tenant, plan.taken_at, plan.tenant, plan.machine_id
        ),
    );
    for object in &plan.objects {
        ctx.printer.item(
            &format!(
                "{} ({}, {})",
                object.name,
                object.kind,
                human_size(object.size)
            ),
            true,
        );
    }
    ctx.printer.item(
        "then restart the machine and wait for the health gate",
        true,
    );
}

async fn from_snapshot(
    ctx: &Context,
    tenant: &str,
    snapshot: &str,
    confirmed: bool,
    typed: Typed<'_>,
) -> anyhow::Result<()> {
    let config = ctx.config()?;
    let access = if ctx.dry_run {
        Access::Read
    } else {
        Access::Write
    };
    let report: SnapshotRestoreReport = ctx
        .connected(access, async |connection| {
            if !ctx.dry_run {
                ctx.printer.status(
                    "Will restore",
                    &format!(
                        "snapshot {snapshot} onto a new volume for tenant {tenant}; the old volume is kept"
                    ),
                );
                confirm::typed(ctx, confirmed, typed).await?;
            }
            let progress = ctx.progress();
            let result = restore_from_snapshot(
                &connection.client,
                config,
                tenant,
                snapshot,
                &progress,
                ctx.dry_run,
            )
            .await;
            drop(progress);
            result.map_err(op_error(ctx))
        })
        .await?;
    if !report.dry_run {
        ctx.printer.status(
            "Restored",
            &format!(
                "tenant {} from snapshot {} onto volume {}",
                report.tenant,
                report.snapshot_id,
                report.new_volume_id.as_deref().unwrap_or("?")
            ),
        );
        ctx.audit.change(
            &report.tenant,
            format!(
                "restored snapshot {} onto volume {} (old volume {} kept)",
                report.snapshot_id,
                report.new_volume_id.as_deref().unwrap_or("?"),
                report.old_volume_id
            ),
        );
        ctx.printer.warn(&report.remove_old);
    }
    match ctx.output {
        OutputFormat::Json => print_json(ctx, "backup_restore_snapshot", &report),
        OutputFormat::Table => ctx.print_table(
            &["TENANT", "SNAPSHOT", "OLD VOLUME", "NEW VOLUME"],
            &[vec![
                report.tenant.clone(),
                report.snapshot_id.clone(),
                report.old_volume_id.clone(),
                report
                    .new_volume_id
                    .clone()
                    .unwrap_or_else(|| "(dry run)".into()),
            ]],
        ),
    }
    Ok(())
}
