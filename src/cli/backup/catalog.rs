//! `backup list`, `backup verify` and `backup prune`.

use serde::Serialize;
use tenantctl_core::ops::backup::{self, ListedBackup, human_size};
use tenantctl_core::ops::snapshot::list_snapshots;
use tenantctl_core::tenant::{AppName, TenantId};

use super::{op_error, print_json, with_backups};
use crate::context::{Context, OutputFormat};
use crate::error::{CliError, Exit};
use crate::frame::Access;

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Tenant id
    pub tenant: String,
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Tenant id
    pub tenant: String,
    /// Backup id [default: the newest complete backup]
    pub id: Option<String>,
}

#[derive(Serialize)]
struct ListDocument<'a> {
    tenant: &'a str,
    backups: &'a [ListedBackup],
}

pub async fn list(ctx: &Context, args: ListArgs) -> anyhow::Result<()> {
    let tenant = TenantId::parse(&args.tenant)?;
    let config = ctx.config()?;
    let app = AppName::for_tenant(&config.app_name_pattern, &tenant)?.to_string();
    let listed = with_backups(ctx, Access::Read, async |connection, backups| {
        let mut listed = backup::list(backups, tenant.as_str())
            .await
            .map_err(op_error(ctx))?;
        // A tenant already destroyed has no app, and no snapshots: its object backups remain.
        let snapshots = match connection.client.get_app(&app).await {
            Ok(Some(_)) => list_snapshots(&connection.client, &app)
                .await
                .map_err(op_error(ctx))?,
            _ => Vec::new(),
        };
        listed.extend(snapshots.into_iter().map(|s| ListedBackup {
            id: s.id,
            kind: "snapshot",
            created_at: s.created_at,
            size_bytes: s.size_bytes,
            complete: s.status == "created",
            verified: false,
            volume_id: Some(s.volume_id),
        }));
        listed.sort_by(|a, b| b.created_at.cmp(&a.created_at));
        Ok(listed)
    })
    .await?;
    match ctx.output {
        OutputFormat::Json => print_json(
            ctx,
            "backup_list",
            &ListDocument {
                tenant: tenant.as_str(),
                backups: &listed,
            },
        ),
        OutputFormat::Table => {
            let rows: Vec<Vec<String>> = listed
                .iter()
                .map(|b| {
                    let state = match (b.kind, b.complete, b.verified) {
                        ("snapshot", true, _) => "created",
                        ("snapshot", false, _) => "pending",
                        (_, false, _) => "incomplete",
                        (_, true, true) => "verified",
                        (_, true, false) => "complete",
                    };
                    vec![
                        b.id.clone(),
                        b.kind.to_string(),
                        b.created_at.clone(),
                        human_size(b.size_bytes),
                        state.to_string(),
                    ]
                })
                .collect();
            if rows.is_empty() {
                ctx.printer
                    .status("No backups", &format!("for tenant {tenant}"));
            } else {
                ctx.print_table(&["ID", "KIND", "CREATED", "SIZE", "STATE"], &rows);
            }
        }
    }
    Ok(())
}

pub async fn verify(ctx: &Context, args: VerifyArgs) -> anyhow::Result<()> {
    let tenant = TenantId::parse(&args.tenant)?;
    let report = with_backups(ctx, Access::Write, async |_, backups| {
        backup::verify(backups, tenant.as_str(), args.id.as_deref())
            .await
            .map_err(op_error(ctx))
    })
    .await?;
    if report.ok {
        ctx.audit
            .change(&report.tenant, format!("verified backup {}", report.id));
    }
    match ctx.output {
        OutputFormat::Json => print_json(ctx, "backup_verify", &report),
        OutputFormat::Table => {
            let rows: Vec<Vec<String>> = report
                .objects
                .iter()
                .map(|o| {
                    vec![
                        o.name.clone(),
                        human_size(o.size),
                        if o.ok {
                            "ok".into()
                        } else {
                            o.problem.clone().unwrap_or_default()
                        },
                    ]
                })
                .collect();
            ctx.print_table(&["OBJECT", "SIZE", "CHECK"], &rows);
        }
    }
    if !report.ok {
        let bad: Vec<String> = report
            .objects
            .iter()
            .filter(|o| !o.ok)
            .map(|o| {
                format!(
                    "`{}` ({})",
                    o.name,
                    o.problem.as_deref().unwrap_or("mismatch")
                )
            })
            .collect();
        return Err(CliError::new(
            Exit::Failed,
            format!(
                "backup {} of tenant {tenant} is damaged: {}",
                report.id,
                bad.join(", ")
            ),
        )
        .with_hint("restore from another backup (`backup list`), and take a new one")
        .after_result()
        .into());
    }
    ctx.printer.status(
        "Verified",
        &format!(
            "backup {} of tenant {tenant}: every object matches its manifest",
            report.id
        ),
    );
    Ok(())
}

#[derive(Serialize)]
struct PruneDocument<'a> {
    dry_run: bool,
    tenants: &'a [backup::PruneReport],
}

pub async fn prune(ctx: &Context) -> anyhow::Result<()> {
    let dry_run = ctx.dry_run;
    let access = if dry_run { Access::Read } else { Access::Write };
    let reports = with_backups(ctx, access, async |_, backups| {
        backup::prune_fleet(backups, dry_run)
            .await
            .map_err(op_error(ctx))
    })
    .await?;
    if !dry_run {
        for r in reports.iter().filter(|r| !r.removed.is_empty()) {
            ctx.audit.succeeded(
                &r.tenant,
                format!("pruned backup(s) {}", r.removed.join(", ")),
            );
        }
    }
    let removed: usize = reports.iter().map(|r| r.removed.len()).sum();
    ctx.printer.status(
        if dry_run { "Would remove" } else { "Removed" },
        &format!("{removed} backup(s) of {} tenant(s)", reports.len()),
    );
    match ctx.output {
        OutputFormat::Json => print_json(
            ctx,
            "backup_prune",
            &PruneDocument {
                dry_run,
                tenants: &reports,
            },
        ),
        OutputFormat::Table => {
            let rows: Vec<Vec<String>> = reports
                .iter()
                .map(|r| vec![r.tenant.clone(), r.kept.to_string(), r.removed.join(" ")])
                .collect();
            ctx.print_table(
                &[
                    "TENANT",
                    "KEPT",
                    if dry_run { "WOULD REMOVE" } else { "REMOVED" },
                ],
                &rows,
            );
        }
    }
    Ok(())
}
