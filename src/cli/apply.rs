//! `tenantctl apply`: make the fleet what the fleet file says, with the rollout machinery
//! (a canary wave, then `--concurrency` at a time, halting past `--max-failures`). Each
//! tenant is read again just before it is changed, so a plan made against an older state is
//! never applied blindly, and re-running a halted apply resumes it.
//!
//! Tenants in Fly but not in the file are reported; `--prune` destroys them only after the
//! operator types their ids (unattended: `--yes --confirm-prune a,b` repeats them).

use tenantctl_core::fleet::apply::{ApplyContext, converge};
use tenantctl_core::fleet::{Candidate, Change, FleetPlan, TenantPlan};
use tenantctl_core::ops::destroy::{self, DestroyOptions};

use crate::cli::backup::op_error;
use crate::cli::plan::{self, FleetArgs, counts, live_plan, load_file};
use crate::cli::rollout::{self, Rollout};
use crate::cli::select::RolloutArgs;
use crate::context::{Context, shell_word};
use crate::error::{CliError, Exit};
use crate::frame::{Access, Connection};
use crate::ui::confirm::{self, Typed};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub fleet: FleetArgs,
    #[command(flatten)]
    pub rollout: RolloutArgs,
    /// Also destroy the tenants that are in Fly but not in the fleet file
    #[arg(long)]
    pub prune: bool,
    /// With --prune and --yes: the tenants to prune, repeated (comma-separated)
    #[arg(long, value_name = "A,B", requires = "prune")]
    pub confirm_prune: Option<String>,
    /// With --prune: destroy without the final backup of tenants with backups
    #[arg(long, requires = "prune")]
    pub skip_final_backup: bool,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let (loaded, shard) = load_file(ctx, &args.fleet)?;
    let options = args.rollout.options()?;
    let config = ctx.config()?;
    let templates = ctx.templates()?;
    let access = if ctx.dry_run {
        Access::Read
    } else {
        Access::Write
    };
    let resume = resume_line(ctx, &args);
    ctx.connected(access, async |connection| {
        let (live, fleet_plan) = live_plan(ctx, connection, &loaded, shard).await?;
        ctx.printer.status("Plan", &counts(&fleet_plan));
        if ctx.dry_run {
            plan::print(ctx, &loaded, &fleet_plan);
            return Ok(());
        }
        let doomed = prunable(&fleet_plan);
        if !doomed.is_empty() && !args.prune {
            ctx.printer.warn(&format!(
                "{} tenant(s) are in Fly but not in the fleet file and are left alone: {} \
                 (apply --prune destroys them)",
                doomed.len(),
                doomed.join(", ")
            ));
        }
        if args.prune && !doomed.is_empty() {
            confirm_prune(ctx, &args, &doomed).await?;
        }
        let candidates = loaded
            .tenants
            .iter()
            .map(|wanted| candidate(wanted, fleet_plan.get(&wanted.tenant), &live))
            .collect();
        let apply = ApplyContext {
            client: &connection.client,
            config,
            templates,
            actor: ctx.actor.clone(),
        };
        let plan = Rollout {
            operation: "apply",
            target: format!("fleet file {}", loaded.path),
            options,
            resume: &resume,
        };
        let converged = rollout::drive(ctx, &plan, candidates, async |candidate, progress| {
            let Some(wanted) = loaded.get(&candidate.tenant) else {
                return Ok(false);
            };
            converge(&apply, wanted, progress).await
        })
        .await;
        // Pruning comes last, and only after everything in the file converged.
        converged?;
        if args.prune {
            prune(ctx, connection, &args, &doomed).await?;
        }
        Ok(())
    })
    .await
}

/// The tenants `--prune` would destroy.
fn prunable(plan: &FleetPlan) -> Vec<String> {
    plan.tenants
        .iter()
        .filter(|t| t.changes.iter().any(|c| matches!(c, Change::Prune { .. })))
        .map(|t| t.tenant.clone())
        .collect()
}

/// The rollout's view of one tenant: before and after as short summaries, equal when the
/// plan has nothing to change (so it is skipped without a call).
fn candidate(
    wanted: &tenantctl_core::fleet::WantedTenant,
    plan: Option<&TenantPlan>,
    live: &[tenantctl_core::ops::TenantStatus],
) -> Candidate {
    let before = match live
        .iter()
        .find(|l| l.tenant == wanted.tenant && l.machine_id.is_some())
    {
        Some(l) => summary(
            l.tier.as_deref().unwrap_or("unknown"),
            l.image.as_deref().unwrap_or_default(),
            l.certificates.len(),
        ),
        None => "absent".to_string(),
    };
    let changes = plan.map(|p| p.changes.len()).unwrap_or_default();
    let mut target = summary(&wanted.tier, &wanted.image, wanted.domains.len());
    if changes == 0 {
        target = before.clone();
    } else if target == before {
        // Same tier, image and number of domains, but other templates or other domains.
        target.push_str(" (updated)");
    }
    Candidate {
        tenant: wanted.tenant.clone(),
        before,
        target,
        held_back: false,
    }
}

fn summary(tier: &str, image: &str, domains: usize) -> String {
    let domains = match domains {
        0 => String::new(),
        1 => ", 1 domain".to_string(),
        n => format!(", {n} domains"),
    };
    format!("{tier}, {image}{domains}")
}

async fn confirm_prune(ctx: &Context, args: &Args, doomed: &[String]) -> anyhow::Result<()> {
    let listed = doomed.join(",");
    let typed = Typed {
        tenant: &listed,
        action: format!(
            "destroy {} tenant(s) not in the fleet file and delete their data",
            doomed.len()
        ),
        doing: format!("pruning {}", doomed.join(", ")),
        short: "prune them",
        nothing_done: "nothing was changed",
    };
    if let Some(given) = &args.confirm_prune
        && given != &listed
    {
        return Err(CliError::usage(format!(
            "--confirm-prune `{}` does not match the tenants to prune `{listed}`; nothing was changed",
            given.escape_debug()
        ))
        .with_hint(format!("pass --confirm-prune {listed} to prune them"))
        .into());
    }
    let confirmed = args.confirm_prune.is_some() && ctx.assume_yes;
    confirm::typed(ctx, confirmed, typed).await.map_err(|e| {
        // The typed prompt's hint names --confirm; apply's flag is --confirm-prune.
        match e.downcast::<CliError>() {
            Ok(error) => anyhow::Error::new(error.with_hint(format!(
                "pass --yes --confirm-prune {listed} to prune without a prompt"
            ))),
            Err(other) => other,
        }
    })
}

async fn prune(
    ctx: &Context,
    connection: &Connection,
    args: &Args,
    doomed: &[String],
) -> anyhow::Result<()> {
    let config = ctx.config()?;
    for tenant in doomed {
        let options = DestroyOptions::new(config, tenant);
        let inventory = destroy::inventory(&connection.client, &options)
            .await
            .map_err(op_error(ctx))?;
        if inventory.protected {
            ctx.printer.warn(&format!(
                "tenant `{tenant}` is on a protected tier and is not pruned: \
                 `tenantctl destroy {tenant} --force-protected` destroys it"
            ));
            continue;
        }
        let progress = ctx.progress();
        crate::cli::destroy::destroy_with_final_backup(
            ctx,
            connection,
            options,
            inventory,
            args.skip_final_backup,
            &progress,
        )
        .await
        .map_err(|e| {
            CliError::new(
                Exit::Failed,
                format!("pruning tenant `{tenant}` failed: {e:#}"),
            )
            .with_hint("run apply --prune again to go on")
        })?;
        ctx.printer.status(
            "Pruned",
            &format!("tenant {tenant} (not in the fleet file)"),
        );
    }
    Ok(())
}

fn resume_line(ctx: &Context, args: &Args) -> String {
    let mut words = Vec::new();
    if let Some(path) = &args.fleet.fleet {
        words.extend([
            "--fleet".to_string(),
            shell_word(&path.display().to_string()),
        ]);
    }
    if let Some(shard) = &args.fleet.shard {
        words.extend(["--shard".to_string(), shell_word(shard)]);
    }
    rollout::resume_line(ctx, "apply", words, &args.rollout)
}
