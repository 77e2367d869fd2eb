//! `tenantctl destroy`: delete a tenant with everything in it, after listing what goes and
//! a typed confirmation.
//!
//! In a terminal the operator types the tenant id; a broad `--yes` alone is not consent
//! enough. Unattended, `--yes --confirm <tenant>` repeats the id. A protected tier needs
//! `--force-protected`. `--dry-run` lists and plans without asking or deleting.

use std::time::Instant;

use tenantctl_core::engine::Reporter;
use tenantctl_core::ops::backup::FinalBackupTaker;
use tenantctl_core::ops::destroy::{self, DestroyOptions, DestroyReport, FinalBackup, Inventory};
use tenantctl_core::tenant::TenantId;

use crate::cli::provision::{step_documents, step_rows};
use crate::cli::status::target_suffix;
use crate::context::{Context, OutputFormat};
use crate::error::from_op;
use crate::frame::{Access, Connection};
use crate::output::{DestroyDocument, DestroyedResources, SCHEMA_VERSION};
use crate::ui::confirm::{self, Typed};
use crate::ui::progress::format_elapsed;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tenant id to destroy
    pub tenant: String,
    /// The tenant id again: with --yes, confirms without a prompt (for scripts and CI)
    #[arg(long, value_name = "TENANT")]
    pub confirm: Option<String>,
    /// Also destroy a tenant whose tier is protected
    #[arg(long)]
    pub force_protected: bool,
    /// Destroy without the final backup a tenant with backups gets first
    #[arg(long)]
    pub skip_final_backup: bool,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let tenant = TenantId::parse(&args.tenant)?.to_string();
    let typed = Typed {
        tenant: &tenant,
        action: format!("destroy tenant `{tenant}` and delete its data"),
        doing: format!("destroying tenant `{tenant}`"),
        short: "destroy it",
        nothing_done: "nothing was deleted",
    };
    confirm::check_flag(args.confirm.as_deref(), &tenant, &typed)?;
    let config = ctx.config()?;
    let options = DestroyOptions {
        force_protected: args.force_protected,
        dry_run: ctx.dry_run,
        ..DestroyOptions::new(config, &tenant)
    };
    let confirmed = args.confirm.is_some() && ctx.assume_yes;
    let started = Instant::now();
    let report = ctx
        .connected(access(ctx), async |connection| {
            let client = &connection.client;
            let op_error = |e| anyhow::Error::new(from_op(&e, &target_suffix(ctx)));
            let inventory = destroy::inventory(client, &options)
                .await
                .map_err(op_error)?;
            let prompting = !ctx.dry_run && !confirmed;
            list(ctx, &inventory, prompting);
            if ctx.dry_run {
                if inventory.protected && !options.force_protected {
                    ctx.printer
                        .warn("the tier is protected: the real destroy needs --force-protected");
                }
            } else {
                destroy::check_protected(&inventory, options.force_protected).map_err(op_error)?;
            }
            if prompting {
                confirm::typed(ctx, false, typed).await?;
            }
            let progress = ctx.progress();
            let result = destroy_with_final_backup(
                ctx,
                connection,
                options,
                inventory,
                args.skip_final_backup,
                &progress,
            )
            .await;
            drop(progress);
            result
        })
        .await?;
    if !report.dry_run {
        ctx.printer.status(
            "Destroyed",
            &format!(
                "tenant {} (app {}) in {}",
                report.tenant,
                report.app,
                format_elapsed(started.elapsed())
            ),
        );
        let inventory = &report.inventory;
        ctx.audit.change(
            &report.tenant,
            format!(
                "destroyed app {}: {} machine(s), {} volume(s), {} IP(s), {} certificate(s)",
                report.app,
                inventory.machines.len(),
                inventory.volumes.len(),
                inventory.ips.len(),
                inventory.certificates.len()
            ),
        );
        ctx.set_step_outputs(&[("tenant", &report.tenant), ("app", &report.app)]);
    }
    print_report(ctx, &report);
    Ok(())
}

/// Destroys the tenant of `inventory`, taking the final backup first when it has backups
/// (unless `skip_final_backup`); a failed final backup stops the destroy. Shared with
/// `apply --prune`.
pub(crate) async fn destroy_with_final_backup(
    ctx: &Context,
    connection: &Connection,
    options: DestroyOptions<'_>,
    inventory: Inventory,
    skip_final_backup: bool,
    progress: &dyn Reporter,
) -> anyhow::Result<DestroyReport> {
    let config = ctx.config()?;
    let wants_backup =
        !skip_final_backup && config.has_backups(options.tenant, inventory.tier.as_deref());
    let store = if wants_backup {
        Some(crate::storage::open(&ctx.storage_env, connection, config)?)
    } else {
        None
    };
    let taker = match &store {
        Some(store) => Some(FinalBackupTaker {
            ctx: crate::cli::backup::context(connection, config, store)?,
            reporter: progress,
        }),
        None => None,
    };
    let options = DestroyOptions {
        final_backup: taker.as_ref().map(|t| t as &dyn FinalBackup),
        ..options
    };
    destroy::destroy(&connection.client, &options, inventory, progress)
        .await
        .map_err(|e| anyhow::Error::new(from_op(&e, &target_suffix(ctx))))
}

fn access(ctx: &Context) -> Access {
    if ctx.dry_run {
        Access::Read
    } else {
        Access::Write
    }
}

/// What will be deleted, on stderr, before anything is.
fn list(ctx: &Context, inventory: &Inventory, prompting: bool) {
    let tier = inventory
        .tier
        .as_deref()
        .unwrap_or("unknown: no machine left");
    let protected = if inventory.protected {
        ", protected"
    } else {
        ""
    };
    let verb = match (ctx.dry_run, prompting) {
        (true, _) => "Would delete",
        (false, true) => "Will delete",
        (false, false) => "Deleting",
    };
    ctx.printer.status(
        verb,
        &format!("tenant {} (tier {tier}{protected}):", inventory.tenant),
    );
    for line in inventory.lines() {
        ctx.printer.item(&line, prompting);
    }
}

fn print_report(ctx: &Context, report: &DestroyReport) {
    match ctx.output {
        OutputFormat::Json => {
            let inventory = &report.inventory;
            ctx.printer.json(&DestroyDocument {
                schema_version: SCHEMA_VERSION,
                kind: DestroyDocument::KIND.to_string(),
                tenant: report.tenant.clone(),
                app: report.app.clone(),
                tier: inventory.tier.clone(),
                protected: inventory.protected,
                dry_run: report.dry_run,
                resources: DestroyedResources {
                    machines: inventory.machines.iter().map(|m| m.id.clone()).collect(),
                    volumes: inventory
                        .volumes
                        .iter()
                        .map(|v| crate::output::DestroyedVolume {
                            id: v.id.clone(),
                            name: v.name.clone(),
                            size_gb: v.size_gb,
                            region: v.region.clone(),
                        })
                        .collect(),
                    ips: inventory.ips.clone(),
                    certificates: inventory.certificates.clone(),
                },
                steps: step_documents(&report.steps),
            })
        }
        OutputFormat::Table => {
            ctx.print_table(
                &["step", "outcome", "elapsed", "detail"],
                &step_rows(&report.steps),
            );
        }
    }
}
