//! `tenantctl snapshot`: take an on-demand Fly snapshot of a tenant's volume and wait until Fly
//! lists it as `created`. `--dry-run` only reads which volume it would snapshot. Several
//! tenants (`--all`, `--tenants`, `--tier`, `--shard`) are snapshotted concurrently, e.g.
//! before a risky rollout; see [`fleet`].

mod fleet;

use std::time::Instant;

use tenantctl_core::ops::{self, SnapshotReport};

use crate::cli::status::target_suffix;
use crate::context::{Context, OutputFormat};
use crate::error::{CliError, from_op};
use crate::frame::Access;
use crate::output::{SCHEMA_VERSION, SnapshotDocument};
use crate::ui::progress::format_elapsed;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tenant id(s) whose volume to snapshot
    pub tenants: Vec<String>,
    /// Only tenants on this tier
    #[arg(long, value_name = "TIER", help_heading = "Fleet selection")]
    pub tier: Option<String>,
    #[command(flatten)]
    pub select: crate::cli::select::SelectArgs,
    /// Tenants snapshotted at the same time
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let selection = args
        .select
        .checked(ctx, &args.tenants, args.tier.as_deref())?;
    let config = ctx.config()?;
    let Some(tenant) = selection.single() else {
        return fleet::run(ctx, &selection, usize::from(args.concurrency)).await;
    };
    let args_tenant = tenant.to_string();
    if ctx.dry_run {
        return plan(ctx, &args_tenant).await;
    }
    let started = Instant::now();
    let report = ctx
        .connected(Access::Write, async |connection| {
            let progress = ctx.progress();
            let result =
                ops::take_snapshot(&connection.client, config, &args_tenant, &progress).await;
            drop(progress);
            result.map_err(|e| anyhow::Error::new(from_op(&e, &target_suffix(ctx))))
        })
        .await?;
    ctx.printer.status(
        "Snapshotted",
        &format!(
            "volume {} of {} in {}",
            report.volume_id,
            report.app,
            format_elapsed(started.elapsed())
        ),
    );
    ctx.audit.change(
        &report.tenant,
        format!(
            "snapshot {} of volume {}",
            report.snapshot_id, report.volume_id
        ),
    );
    ctx.set_step_outputs(&[
        ("tenant", &report.tenant),
        ("app", &report.app),
        ("volume_id", &report.volume_id),
        ("snapshot_id", &report.snapshot_id),
    ]);
    match ctx.output {
        OutputFormat::Json => ctx.printer.json(&document(&report)),
        OutputFormat::Table => ctx.printer.result(&line(&report)),
    }
    Ok(())
}

/// `--dry-run`: which volume would be snapshotted; reads only.
async fn plan(ctx: &Context, tenant: &str) -> anyhow::Result<()> {
    let config = ctx.config()?;
    let status = ctx
        .connected(Access::Read, async |connection| {
            ops::status(&connection.client, config, tenant)
                .await
                .map_err(|e| anyhow::Error::new(from_op(&e, &target_suffix(ctx))))
        })
        .await?;
    let Some(volume_id) = status.volume_id.clone() else {
        return Err(CliError::new(
            crate::error::Exit::Failed,
            format!("tenant `{tenant}` has no volume to snapshot"),
        )
        .with_hint(format!(
            "run `tenantctl{} status {tenant}` to see what the tenant has",
            target_suffix(ctx)
        ))
        .into());
    };
    ctx.printer.status(
        "Would snapshot",
        &format!("volume {volume_id} of {}; nothing was changed", status.app),
    );
    let doc = SnapshotDocument {
        schema_version: SCHEMA_VERSION,
        kind: SnapshotDocument::KIND.to_string(),
        tenant: status.tenant.clone(),
        app: status.app.clone(),
        volume_id,
        snapshot_id: None,
        size_bytes: None,
        created_at: None,
        status: None,
        dry_run: true,
    };
    if ctx.output == OutputFormat::Json {
        ctx.printer.json(&doc);
    }
    Ok(())
}

pub(super) fn document(report: &SnapshotReport) -> SnapshotDocument {
    SnapshotDocument {
        schema_version: SCHEMA_VERSION,
        kind: SnapshotDocument::KIND.to_string(),
        tenant: report.tenant.clone(),
        app: report.app.clone(),
        volume_id: report.volume_id.clone(),
        snapshot_id: Some(report.snapshot_id.clone()),
        size_bytes: Some(report.size_bytes),
        created_at: Some(report.created_at.clone()).filter(|c| !c.is_empty()),
        status: Some(report.status.clone()),
        dry_run: false,
    }
}

/// The one-line table result: what a script greps for.
fn line(report: &SnapshotReport) -> String {
    let at = if report.created_at.is_empty() {
        String::new()
    } else {
        format!(", {}", report.created_at)
    };
    format!(
        "{}  {} (volume {}, {}{at})",
        report.snapshot_id,
        report.tenant,
        report.volume_id,
        human_bytes(report.size_bytes)
    )
}

/// Bytes as people read them: 512 B, 1.5 KB, 20.0 MB (powers of 1024).
pub(super) fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KB", "MB", "GB", "TB", "PB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> SnapshotReport {
        SnapshotReport {
            tenant: "acme".into(),
            app: "tenant-acme".into(),
            volume_id: "vol_1".into(),
            snapshot_id: "vs_1".into(),
            size_bytes: 1536,
            created_at: "2026-12-07T10:00:00Z".into(),
            status: "created".into(),
        }
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1536), "1.5 KB");
        assert_eq!(human_bytes(20 * 1024 * 1024), "20.0 MB");
        assert_eq!(human_bytes(u64::MAX), "16384.0 PB");
    }

    #[test]
    fn the_result_is_one_line() {
        let text = line(&report());
        assert_eq!(
            text,
            "vs_1  acme (volume vol_1, 1.5 KB, 2026-12-07T10:00:00Z)"
        );
        let doc = document(&report());
        assert_eq!(doc.kind, "snapshot");
        assert_eq!(doc.snapshot_id.as_deref(), Some("vs_1"));
    }
}
