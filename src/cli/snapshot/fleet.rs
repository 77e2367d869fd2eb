//! `snapshot` of several tenants: each tenant's snapshot taken and waited for, `concurrency`
//! at a time; one tenant's failure never stops the others, and the command exits 1 naming
//! them after the table or document.

use serde::Serialize;
use tenantctl_core::fleet::Selection;
use tenantctl_core::ops;

use super::{document, human_bytes};
use crate::cli::backup::op_error;
use crate::context::{Context, OutputFormat};
use crate::error::{CliError, Exit};
use crate::frame::Access;
use crate::output::{SCHEMA_VERSION, SnapshotDocument};
use crate::ui::fleet::FleetProgress;

/// One tenant's snapshot, or why there is none.
#[derive(Serialize)]
struct TenantSnapshot {
    tenant: String,
    /// `ok`, `failed`, or `planned` in a dry run.
    status: &'static str,
    snapshot: Option<SnapshotDocument>,
    volume_id: Option<String>,
    error: Option<String>,
}

/// `-o json`: kind `snapshot_fleet` (docs/json.md).
#[derive(Serialize)]
struct FleetDocument {
    schema_version: u32,
    kind: &'static str,
    dry_run: bool,
    ok: usize,
    failed: usize,
    tenants: Vec<TenantSnapshot>,
}

pub async fn run(ctx: &Context, selection: &Selection, concurrency: usize) -> anyhow::Result<()> {
    let config = ctx.config()?;
    let access = if ctx.dry_run {
        Access::Read
    } else {
        Access::Write
    };
    let tenants = ctx
        .connected(access, async |connection| {
            let client = &connection.client;
            let chosen = selection
                .select(client, config)
                .await
                .map_err(op_error(ctx))?;
            if ctx.dry_run {
                return Ok(chosen
                    .into_iter()
                    .map(|t| TenantSnapshot {
                        tenant: t.tenant.clone(),
                        status: if t.volume_id.is_some() {
                            "planned"
                        } else {
                            "failed"
                        },
                        snapshot: None,
                        volume_id: t.volume_id.clone(),
                        error: t.volume_id.is_none().then(|| "no volume".to_string()),
                    })
                    .collect());
            }
            let progress = ctx.progress();
            let fleet = FleetProgress::new(&progress, chosen.len() as u64, "snapshot");
            let names: Vec<String> = chosen.iter().map(|t| t.tenant.clone()).collect();
            let results =
                ops::snapshot::snapshot_fleet(client, config, names, concurrency, &fleet).await;
            let done: Vec<TenantSnapshot> = results
                .into_iter()
                .map(|(tenant, result)| match result {
                    Ok(report) => TenantSnapshot {
                        tenant,
                        status: "ok",
                        volume_id: Some(report.volume_id.clone()),
                        snapshot: Some(document(&report)),
                        error: None,
                    },
                    Err(e) => TenantSnapshot {
                        volume_id: chosen
                            .iter()
                            .find(|l| l.tenant == tenant)
                            .and_then(|l| l.volume_id.clone()),
                        tenant,
                        status: "failed",
                        snapshot: None,
                        error: Some(e.to_string()),
                    },
                })
                .collect();
            fleet.finish();
            drop(progress);
            Ok(done)
        })
        .await?;
    for t in &tenants {
        match (&t.snapshot, &t.error) {
            (Some(s), _) => ctx.audit.succeeded(
                &t.tenant,
                format!(
                    "snapshot {} of volume {}",
                    s.snapshot_id.clone().unwrap_or_default(),
                    s.volume_id
                ),
            ),
            (None, Some(e)) if !ctx.dry_run => ctx.audit.failed(&t.tenant, e.clone()),
            _ => {}
        }
    }
    let failed: Vec<&str> = tenants
        .iter()
        .filter(|t| t.status == "failed")
        .map(|t| t.tenant.as_str())
        .collect();
    ctx.printer.status(
        if ctx.dry_run {
            "Would snapshot"
        } else if failed.is_empty() {
            "Snapshotted"
        } else {
            "Failed"
        },
        &format!(
            "{} of {} tenant(s)",
            tenants.len() - failed.len(),
            tenants.len()
        ),
    );
    let failed_count = failed.len();
    let message = (failed_count > 0).then(|| {
        format!(
            "{failed_count} of {} snapshot(s) failed: {}",
            tenants.len(),
            failed.join(", ")
        )
    });
    match ctx.output {
        OutputFormat::Json => ctx.printer.json(&FleetDocument {
            schema_version: SCHEMA_VERSION,
            kind: "snapshot_fleet",
            dry_run: ctx.dry_run,
            ok: tenants.len() - failed_count,
            failed: failed_count,
            tenants,
        }),
        OutputFormat::Table => {
            let rows: Vec<Vec<String>> = tenants.iter().map(row).collect();
            ctx.print_table(
                &["tenant", "status", "volume", "snapshot", "size", "error"],
                &rows,
            );
        }
    }
    match message {
        Some(message) => Err(CliError::new(Exit::Failed, message)
            .with_hint(
                "the others completed; run `snapshot <tenant>` for each after fixing the cause",
            )
            .after_result()
            .into()),
        None => Ok(()),
    }
}

fn row(t: &TenantSnapshot) -> Vec<String> {
    let dash = || "-".to_string();
    vec![
        t.tenant.clone(),
        t.status.to_string(),
        t.volume_id.clone().unwrap_or_else(dash),
        t.snapshot
            .as_ref()
            .and_then(|s| s.snapshot_id.clone())
            .unwrap_or_else(dash),
        t.snapshot
            .as_ref()
            .and_then(|s| s.size_bytes)
            .map(human_bytes)
            .unwrap_or_else(dash),
        t.error
            .as_deref()
            .and_then(|e| e.lines().next())
            .unwrap_or_default()
            .to_string(),
    ]
}
