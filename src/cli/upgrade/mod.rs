//! `tenantctl upgrade`: move a tenant to another tier, after showing what changes and a
//! confirmation; rolls back when the health gate fails. Over a fleet (`--all`, `--tenants`,
//! `--from-tier`, `--shard`) it is a rollout in waves: each tenant moves to `--tier`, or is
//! re-rendered on its own tier from the current templates.
//!
//! In a terminal the operator answers a yes/no prompt (or passes --yes); elsewhere --yes is
//! required. `--dry-run` shows the plan only. Moving down from a protected tier needs
//! `--force-protected`.

mod fleet;

use std::time::Instant;

use tenantctl_core::ops::upgrade::{self, UpgradeOptions, UpgradePlan, UpgradeReport};

use crate::cli::provision::{choose_tier, step_documents, step_rows};
use crate::cli::select::{RolloutArgs, SelectArgs};
use crate::cli::status::target_suffix;
use crate::context::{Context, OutputFormat};
use crate::error::{CliError, Exit, from_op};
use crate::frame::Access;
use crate::output::{SCHEMA_VERSION, UpgradeChange, UpgradeDocument, UpgradeVolume};
use crate::ui::progress::format_elapsed;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tenant id(s) to upgrade
    pub tenants: Vec<String>,
    /// Move the tenant(s) to this tier (up or down) [fleet default: each stays on its tier]
    #[arg(long)]
    pub tier: Option<String>,
    /// Also move a tenant down from a protected tier
    #[arg(long)]
    pub force_protected: bool,
    /// Only tenants now on this tier
    #[arg(long, value_name = "TIER", help_heading = "Fleet selection")]
    pub from_tier: Option<String>,
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub rollout: RolloutArgs,
}

/// What the command did, for printing.
enum Outcome {
    Planned(UpgradePlan),
    Already(UpgradePlan),
    Upgraded(UpgradeReport),
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let selection = args
        .select
        .checked(ctx, &args.tenants, args.from_tier.as_deref())?;
    let config = ctx.config()?;
    if let Some(tier) = &args.tier {
        config.tier(tier)?;
    }
    let tenant = match selection.single() {
        Some(tenant) if args.rollout.hold_back.is_empty() => tenant.to_string(),
        _ => return fleet::run(ctx, &args, &selection).await,
    };
    let tenant = &tenant;
    let templates = ctx.templates()?;
    let tier = choose_tier(ctx, config, args.tier, "tier to move to")?;
    let options = UpgradeOptions {
        force_protected: args.force_protected,
        ..UpgradeOptions::new(config, templates, tenant, tier, ctx.actor.clone())
    };
    // Bad input is refused before a token is looked for.
    options.check()?;
    let access = if ctx.dry_run {
        Access::Read
    } else {
        Access::Write
    };
    let started = Instant::now();
    let outcome = ctx
        .connected(access, async |connection| {
            let client = &connection.client;
            let op_error = |e| anyhow::Error::new(from_op(&e, &target_suffix(ctx)));
            let plan = upgrade::plan(client, &options).await.map_err(op_error)?;
            if plan.already() {
                return Ok(Outcome::Already(plan));
            }
            // Only a wait for the health gate (an interrupted upgrade) needs no consent.
            let prompting = !ctx.dry_run && !ctx.assume_yes && !plan.unchanged();
            show_plan(ctx, &plan, prompting);
            if ctx.dry_run {
                if plan.protected && !options.force_protected {
                    ctx.printer
                        .warn("the tier is protected: the real upgrade needs --force-protected");
                }
                return Ok(Outcome::Planned(plan));
            }
            upgrade::check_protected(&plan, options.force_protected).map_err(op_error)?;
            if !plan.unchanged() {
                confirm(ctx, &plan).await?;
            }
            let progress = ctx.progress();
            let result = upgrade::upgrade(client, &options, &plan, &progress).await;
            drop(progress);
            result.map(Outcome::Upgraded).map_err(op_error)
        })
        .await?;
    match &outcome {
        Outcome::Already(plan) => ctx.printer.status(
            "Unchanged",
            &format!(
                "tenant {} is already on tier {} (template {})",
                plan.tenant, plan.to_tier, plan.template_version
            ),
        ),
        Outcome::Planned(_) => {}
        Outcome::Upgraded(report) => {
            let plan = &report.plan;
            if report.changed {
                let changes: Vec<String> = plan
                    .changes
                    .iter()
                    .map(|c| format!("{} {} -> {}", c.field, c.from, c.to))
                    .collect();
                ctx.audit.change(&plan.tenant, changes.join("; "));
            }
            ctx.printer.status(
                "Upgraded",
                &format!(
                    "{} from tier {} to {} in {}",
                    plan.app,
                    plan.from_tier,
                    plan.to_tier,
                    format_elapsed(started.elapsed())
                ),
            );
        }
    }
    if let Outcome::Already(plan) | Outcome::Upgraded(UpgradeReport { plan, .. }) = &outcome {
        let hostname = format!("{}.fly.dev", plan.app);
        ctx.set_step_outputs(&[
            ("tenant", &plan.tenant),
            ("app", &plan.app),
            ("hostname", &hostname),
            ("machine_id", &plan.machine.id),
            ("tier", &plan.to_tier),
            ("image", &plan.image),
        ]);
    }
    print_outcome(ctx, &outcome);
    Ok(())
}

/// What changes, on stderr, before anything does. The config diff is shown before a prompt,
/// in a dry run, and with -v.
fn show_plan(ctx: &Context, plan: &UpgradePlan, prompting: bool) {
    let verb = if ctx.dry_run {
        "Would upgrade"
    } else {
        "Upgrading"
    };
    let protected = if plan.protected { ", protected" } else { "" };
    let direction = match plan.direction {
        upgrade::Direction::Same => "same tier, newer templates",
        _ => direction_name(plan),
    };
    ctx.printer.status(
        verb,
        &format!(
            "tenant {} from tier {} to {} ({}{protected}):",
            plan.tenant, plan.from_tier, plan.to_tier, direction
        ),
    );
    for change in &plan.changes {
        let note = change
            .note
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        ctx.printer.item(
            &format!("{}: {} -> {}{note}", change.field, change.from, change.to),
            prompting,
        );
    }
    if plan.config_diff.is_empty() {
        return;
    }
    let diff = plan.config_diff.join("\n");
    if prompting || ctx.dry_run {
        ctx.printer.item("machine config:", prompting);
        ctx.printer.error(&diff);
    } else {
        ctx.printer.detail(&diff);
    }
}

/// Yes/no in a terminal; --yes elsewhere.
async fn confirm(ctx: &Context, plan: &UpgradePlan) -> anyhow::Result<()> {
    let prompter = ctx.prompter;
    let question = format!(
        "Upgrade tenant `{}` from tier {} to {}?",
        plan.tenant, plan.from_tier, plan.to_tier
    );
    let answer = tokio::task::spawn_blocking(move || {
        prompter.confirm(&question, "pass --yes to upgrade without a prompt")
    })
    .await
    .map_err(|e| CliError::new(Exit::Failed, format!("prompt failed: {e}")))??;
    if answer {
        Ok(())
    } else {
        Err(CliError::new(Exit::Failed, "upgrade declined: nothing was changed").into())
    }
}

fn print_outcome(ctx: &Context, outcome: &Outcome) {
    let (plan, report) = match outcome {
        Outcome::Planned(plan) | Outcome::Already(plan) => (plan, None),
        Outcome::Upgraded(report) => (&report.plan, Some(report)),
    };
    match ctx.output {
        OutputFormat::Json => ctx.printer.json(&document(ctx, plan, report)),
        OutputFormat::Table => match report {
            Some(report) => ctx.print_table(
                &["step", "outcome", "elapsed", "detail"],
                &step_rows(&report.steps),
            ),
            // Already on the tier: the status line said so and there is no change to list.
            None if plan.changes.is_empty() => {}
            None => {
                let rows: Vec<Vec<String>> = plan
                    .changes
                    .iter()
                    .map(|c| {
                        vec![
                            c.field.to_string(),
                            c.from.clone(),
                            c.to.clone(),
                            c.note.clone().unwrap_or_default(),
                        ]
                    })
                    .collect();
                ctx.print_table(&["change", "from", "to", "note"], &rows);
            }
        },
    }
}

fn document(ctx: &Context, plan: &UpgradePlan, report: Option<&UpgradeReport>) -> UpgradeDocument {
    UpgradeDocument {
        schema_version: SCHEMA_VERSION,
        kind: UpgradeDocument::KIND.to_string(),
        tenant: plan.tenant.clone(),
        app: plan.app.clone(),
        machine_id: plan.machine.id.clone(),
        from_tier: plan.from_tier.clone(),
        to_tier: plan.to_tier.clone(),
        direction: direction_name(plan).to_string(),
        image: plan.image.clone(),
        template_version: plan.template_version.clone(),
        volume: UpgradeVolume {
            id: plan.volume.id.clone(),
            size_gb: plan.volume.size_gb,
            tier_size_gb: plan.volume.tier_size_gb,
            target_size_gb: plan.volume.target_size_gb,
        },
        changes: plan
            .changes
            .iter()
            .map(|c| UpgradeChange {
                field: c.field.to_string(),
                from: c.from.clone(),
                to: c.to.clone(),
                note: c.note.clone(),
            })
            .collect(),
        config_diff: plan.config_diff.clone(),
        dry_run: ctx.dry_run,
        changed: report.is_some_and(|r| r.changed),
        steps: report.map(|r| step_documents(&r.steps)).unwrap_or_default(),
    }
}

fn direction_name(plan: &UpgradePlan) -> &'static str {
    match plan.direction {
        upgrade::Direction::Up => "up",
        upgrade::Direction::Down => "down",
        upgrade::Direction::Same => "same",
    }
}
