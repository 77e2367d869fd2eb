//! `tenantctl backup`: back up one tenant or the fleet, and the subcommands around backups
//! (`list`, `verify`, `restore`, `prune`). The work is in `tenantctl_core::ops::backup`; this
//! module parses, confirms, prints.

mod catalog;
mod restore;

use std::time::Instant;

use serde::Serialize;
use tenantctl_core::config::Config;
use tenantctl_core::ops::backup::{self, BackupContext, BackupReport, FleetReport, human_size};
use tenantctl_core::storage::Store;
use tenantctl_core::tenant::TenantId;

use crate::cli::select::SelectArgs;
use crate::cli::status::target_suffix;
use crate::context::{Context, OutputFormat};
use crate::error::{CliError, Exit, from_op};
use crate::frame::{Access, Connection};
use crate::output::SCHEMA_VERSION;
use crate::ui::fleet::FleetProgress;
use crate::ui::progress::format_elapsed;
use tenantctl_core::fleet::Selection;

/// Tenants backed up at once by `--all` unless `--concurrency` says otherwise.
pub const DEFAULT_CONCURRENCY: usize = 4;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<BackupCommand>,
    /// Tenant id(s) to back up; --all: every tenant that has backups (its tier's `backups`,
    /// backup.tenants, or the fleet file's `backups`)
    pub tenants: Vec<String>,
    /// Only tenants on this tier
    #[arg(long, value_name = "TIER", help_heading = "Fleet selection")]
    pub tier: Option<String>,
    #[command(flatten)]
    pub select: SelectArgs,
    /// Tenants backed up at the same time
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
}

#[derive(Debug, clap::Subcommand)]
pub enum BackupCommand {
    /// List a tenant's backups and Fly volume snapshots, newest first
    List(catalog::ListArgs),
    /// Download a backup, check every object against its manifest
    Verify(catalog::VerifyArgs),
    /// Restore a backup (or a Fly snapshot) into a tenant
    Restore(restore::Args),
    /// Remove backups beyond the retention, for every tenant in the bucket
    Prune,
}

impl Args {
    /// `list` only reads, and so do the dry runs of `restore` and `prune`.
    pub fn access(&self, dry_run: bool) -> Access {
        match &self.command {
            Some(BackupCommand::List(_)) => Access::Read,
            Some(BackupCommand::Restore(_) | BackupCommand::Prune) if dry_run => Access::Read,
            _ => Access::Write,
        }
    }
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    match args.command {
        Some(BackupCommand::List(a)) => catalog::list(ctx, a).await,
        Some(BackupCommand::Verify(a)) => catalog::verify(ctx, a).await,
        Some(BackupCommand::Restore(a)) => restore::run(ctx, a).await,
        Some(BackupCommand::Prune) => catalog::prune(ctx).await,
        None => {
            let selection = args
                .select
                .checked(ctx, &args.tenants, args.tier.as_deref())?;
            match selection.single() {
                Some(tenant) => one(ctx, tenant).await,
                None => all(ctx, &args, &selection).await,
            }
        }
    }
}

/// A result document: `schema_version`, `kind`, then the report's own fields.
#[derive(Serialize)]
pub(crate) struct Document<'a, T: Serialize> {
    schema_version: u32,
    kind: &'a str,
    #[serde(flatten)]
    body: &'a T,
}

pub(crate) fn print_json<T: Serialize>(ctx: &Context, kind: &str, body: &T) {
    ctx.printer.json(&Document {
        schema_version: SCHEMA_VERSION,
        kind,
        body,
    });
}

/// Runs `work` with the store and a backup context, connected with `access`.
pub(crate) async fn with_backups<T>(
    ctx: &Context,
    access: Access,
    work: impl AsyncFnOnce(&Connection, &BackupContext<'_>) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let config = ctx.config()?;
    crate::storage::backup_config(config)?;
    ctx.connected(access, async |connection| {
        let store = crate::storage::open(&ctx.storage_env, connection, config)?;
        let backups = context(connection, config, &store)?;
        work(connection, &backups).await
    })
    .await
}

pub fn context<'a>(
    connection: &'a Connection,
    config: &'a Config,
    store: &'a Store,
) -> Result<BackupContext<'a>, CliError> {
    BackupContext::new(&connection.client, config, store, env!("CARGO_PKG_VERSION"))
        .ok_or_else(|| CliError::usage("no [backup] table in the configuration"))
}

pub(crate) fn op_error(
    ctx: &Context,
) -> impl Fn(tenantctl_core::error::OpError) -> anyhow::Error + '_ {
    move |e| anyhow::Error::new(from_op(&e, &target_suffix(ctx)))
}

async fn one(ctx: &Context, tenant: &str) -> anyhow::Result<()> {
    TenantId::parse(tenant)?;
    if ctx.dry_run {
        return Err(
            CliError::usage("backup has no --dry-run: it changes nothing but the bucket")
                .with_hint(format!(
                    "`tenantctl{} backup list {tenant}` shows the backups",
                    target_suffix(ctx)
                ))
                .into(),
        );
    }
    let started = Instant::now();
    let report = with_backups(ctx, Access::Write, async |_, backups| {
        let progress = ctx.progress();
        let result = backup::take(backups, tenant, &progress).await;
        drop(progress);
        result.map_err(op_error(ctx))
    })
    .await?;
    ctx.printer.status(
        "Backed up",
        &format!(
            "tenant {} as {} ({}) in {}",
            report.tenant,
            report.id,
            human_size(report.total_bytes),
            format_elapsed(started.elapsed())
        ),
    );
    ctx.audit.change(
        &report.tenant,
        backed_up(&report.id, report.total_bytes, report.pruned.len()),
    );
    ctx.set_step_outputs(&[("tenant", &report.tenant), ("backup_id", &report.id)]);
    match ctx.output {
        OutputFormat::Json => print_json(ctx, "backup", &report),
        OutputFormat::Table => ctx.print_table(&BACKUP_HEADERS, &[backup_row(&report)]),
    }
    Ok(())
}

/// A backup as the audit trail words it.
fn backed_up(id: &str, bytes: u64, pruned: usize) -> String {
    format!(
        "backup {id} ({}); {pruned} old backup(s) pruned",
        human_size(bytes)
    )
}

const BACKUP_HEADERS: [&str; 5] = ["TENANT", "BACKUP", "SIZE", "OBJECTS", "PRUNED"];

fn backup_row(report: &BackupReport) -> Vec<String> {
    vec![
        report.tenant.clone(),
        report.id.clone(),
        human_size(report.total_bytes),
        report
            .objects
            .iter()
            .map(|o| o.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        report.pruned.len().to_string(),
    ]
}

/// `--all`'s result: the fleet report and what selected it.
#[derive(Serialize)]
struct FleetDocument<'a> {
    #[serde(flatten)]
    report: &'a FleetReport,
    shard: Option<String>,
    tier: Option<String>,
}

async fn all(ctx: &Context, args: &Args, selection: &Selection) -> anyhow::Result<()> {
    if args.concurrency == 0 {
        return Err(CliError::usage("--concurrency must be at least 1").into());
    }
    let config = ctx.config()?;
    // A fleet file says per tenant whether it has backups.
    let fleet_file = crate::cli::plan::load_if_present(ctx)?;
    let started = Instant::now();
    let report = with_backups(ctx, Access::Write, async |connection, backups| {
        // Named tenants are backed up as asked; --all takes those that have backups.
        let selected: Vec<String> = selection
            .select(&connection.client, config)
            .await
            .map_err(op_error(ctx))?
            .into_iter()
            .filter(|t| {
                !selection.all
                    || match fleet_file.as_ref().and_then(|f| f.get(&t.tenant)) {
                        Some(wanted) => wanted.backups,
                        None => config.has_backups(&t.tenant, t.tier.as_deref()),
                    }
            })
            .map(|t| t.tenant.clone())
            .collect();
        let progress = ctx.progress();
        let fleet = FleetProgress::new(&progress, selected.len() as u64, "backup");
        let report = backup::backup_fleet(backups, selected, args.concurrency, &fleet).await;
        fleet.finish();
        drop(progress);
        Ok(report)
    })
    .await?;
    for t in &report.tenants {
        match &t.backup {
            Some(b) => ctx
                .audit
                .succeeded(&t.tenant, backed_up(&b.id, b.total_bytes, b.pruned.len())),
            None => ctx.audit.failed(&t.tenant, first_line(t.error.as_deref())),
        }
    }
    let doc = FleetDocument {
        report: &report,
        shard: args.select.shard.clone(),
        tier: args.tier.clone(),
    };
    ctx.printer.status(
        if report.failed == 0 {
            "Backed up"
        } else {
            "Failed"
        },
        &format!(
            "{} of {} tenant(s), {} in {}",
            report.ok,
            report.tenants.len(),
            human_size(report.total_bytes),
            format_elapsed(started.elapsed())
        ),
    );
    let rows: Vec<Vec<String>> = report
        .tenants
        .iter()
        .map(|t| match &t.backup {
            Some(b) => vec![
                t.tenant.clone(),
                "ok".into(),
                b.id.clone(),
                human_size(b.total_bytes),
                String::new(),
            ],
            None => vec![
                t.tenant.clone(),
                "failed".into(),
                "-".into(),
                "-".into(),
                first_line(t.error.as_deref()),
            ],
        })
        .collect();
    match ctx.output {
        OutputFormat::Json => print_json(ctx, "backup_fleet", &doc),
        OutputFormat::Table => {
            ctx.print_table(&["TENANT", "STATUS", "BACKUP", "SIZE", "ERROR"], &rows)
        }
    }
    ctx.append_step_summary(&step_summary(&report, args.select.shard.as_deref()));
    ctx.set_step_outputs(&[
        ("backed_up", &report.ok.to_string()),
        ("failed", &report.failed.to_string()),
    ]);
    if report.failed > 0 {
        let names: Vec<&str> = report
            .tenants
            .iter()
            .filter(|t| t.backup.is_none())
            .map(|t| t.tenant.as_str())
            .collect();
        return Err(CliError::new(
            Exit::Failed,
            format!("{} of {} tenant backup(s) failed: {}", report.failed, report.tenants.len(), names.join(", ")),
        )
        .with_hint("the others completed; nothing was pruned for the failed ones. Re-run `backup <tenant>` for each after fixing the cause")
        .after_result()
        .into());
    }
    Ok(())
}

fn first_line(text: Option<&str>) -> String {
    text.and_then(|t| t.lines().next())
        .unwrap_or_default()
        .to_string()
}

/// Markdown for the GitHub Actions run page.
fn step_summary(report: &FleetReport, shard: Option<&str>) -> String {
    let mut md = format!(
        "### tenantctl backup{}\n\n{} ok, {} failed, {}\n\n| Tenant | Status | Backup | Size |\n|---|---|---|---|\n",
        shard.map(|s| format!(" (shard {s})")).unwrap_or_default(),
        report.ok,
        report.failed,
        human_size(report.total_bytes)
    );
    for t in &report.tenants {
        let (id, size) = t
            .backup
            .as_ref()
            .map_or(("-".to_string(), "-".to_string()), |b| {
                (b.id.clone(), human_size(b.total_bytes))
            });
        let status = if t.backup.is_some() {
            "ok".to_string()
        } else {
            format!(
                "failed: {}",
                first_line(t.error.as_deref()).replace('|', "\\|")
            )
        };
        md.push_str(&format!("| {} | {status} | {id} | {size} |\n", t.tenant));
    }
    md
}
