//! `tenantctl deploy`: ship a new image to one tenant, rolling back when its health gate fails;
//! or to a fleet (`--all`, `--tenants`, `--tier`, `--shard`) as a rollout in waves.

use std::time::Instant;

use tenantctl_core::fleet::{Candidate, Selection};
use tenantctl_core::ops::{self, DeployOptions, DeployReport};

use crate::cli::provision::{step_documents, step_rows};
use crate::cli::rollout::{self, Rollout};
use crate::cli::select::{RolloutArgs, SelectArgs};
use crate::cli::status::target_suffix;
use crate::context::{Context, OutputFormat};
use crate::frame::Access;
use crate::output::{DeployDocument, SCHEMA_VERSION};
use crate::ui::progress::format_elapsed;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tenant id(s) to deploy to
    pub tenants: Vec<String>,
    /// Image to deploy [default: `image` in tenantctl.toml]
    #[arg(long)]
    pub image: Option<String>,
    /// Only tenants on this tier
    #[arg(long, value_name = "TIER", help_heading = "Fleet selection")]
    pub tier: Option<String>,
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub rollout: RolloutArgs,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let selection = args
        .select
        .checked(ctx, &args.tenants, args.tier.as_deref())?;
    let config = ctx.config()?;
    let image = args.image.clone().unwrap_or_else(|| config.image.clone());
    let tenant = match selection.single() {
        Some(tenant) if args.rollout.hold_back.is_empty() => tenant.to_string(),
        _ => return fleet(ctx, &args, &selection, image).await,
    };
    let options = DeployOptions {
        dry_run: ctx.dry_run,
        ..DeployOptions::new(config, &tenant, image)
    };
    // A plan only reads.
    let access = if ctx.dry_run {
        Access::Read
    } else {
        Access::Write
    };
    let started = Instant::now();
    let report = ctx
        .connected(access, async |connection| {
            let progress = ctx.progress();
            let result = ops::deploy(&connection.client, &options, &progress).await;
            drop(progress);
            result.map_err(|e| anyhow::Error::new(crate::error::from_op(&e, &target_suffix(ctx))))
        })
        .await?;
    if report.dry_run {
        let verb = match report.steps.first() {
            Some(step) if step.status == ops::StepStatus::Skipped => "Unchanged",
            _ => "Would deploy",
        };
        ctx.printer.status(
            verb,
            &format!(
                "{} to {} (runs {}); nothing was changed",
                report.image, report.app, report.previous_image
            ),
        );
        print_report(ctx, &report);
        return Ok(());
    }
    let verb = if report.changed {
        "Deployed"
    } else {
        "Unchanged"
    };
    ctx.printer.status(
        verb,
        &format!(
            "{} runs {} (was {}) in {}",
            report.app,
            report.image,
            report.previous_image,
            format_elapsed(started.elapsed())
        ),
    );
    if report.changed {
        ctx.audit.change(
            &report.tenant,
            format!("image {} -> {}", report.previous_image, report.image),
        );
    }
    let hostname = format!("{}.fly.dev", report.app);
    ctx.set_step_outputs(&[
        ("tenant", &report.tenant),
        ("app", &report.app),
        ("hostname", &hostname),
        ("machine_id", &report.machine_id),
        ("image", &report.image),
        ("previous_image", &report.previous_image),
    ]);
    print_report(ctx, &report);
    Ok(())
}

fn print_report(ctx: &Context, report: &DeployReport) {
    match ctx.output {
        OutputFormat::Json => ctx.printer.json(&DeployDocument {
            schema_version: SCHEMA_VERSION,
            kind: DeployDocument::KIND.to_string(),
            tenant: report.tenant.clone(),
            app: report.app.clone(),
            machine_id: report.machine_id.clone(),
            previous_image: report.previous_image.clone(),
            image: report.image.clone(),
            dry_run: report.dry_run,
            changed: report.changed,
            steps: step_documents(&report.steps),
        }),
        OutputFormat::Table => {
            ctx.print_table(
                &["step", "outcome", "elapsed", "detail"],
                &step_rows(&report.steps),
            );
        }
    }
}

/// `deploy` over a fleet: every selected tenant not already on the image, in waves.
async fn fleet(
    ctx: &Context,
    args: &Args,
    selection: &Selection,
    image: String,
) -> anyhow::Result<()> {
    let config = ctx.config()?;
    let options = args.rollout.options()?;
    // The image is checked once, before anything is listed.
    ops::deploy::check_image(&image).map_err(|e| crate::error::from_op(&e, &target_suffix(ctx)))?;
    let access = if ctx.dry_run {
        Access::Read
    } else {
        Access::Write
    };
    let resume = resume_line(ctx, args, &image);
    ctx.connected(access, async |connection| {
        let client = &connection.client;
        let chosen = selection
            .select(client, config)
            .await
            .map_err(crate::cli::backup::op_error(ctx))?;
        let candidates = chosen
            .into_iter()
            .map(|t| Candidate {
                tenant: t.tenant.clone(),
                before: t.image.clone().unwrap_or_else(|| "none".to_string()),
                target: image.clone(),
                held_back: args.rollout.holds_back(&t.tenant),
            })
            .collect();
        let plan = Rollout {
            operation: "deploy",
            target: format!("image {image}"),
            options,
            resume: &resume,
        };
        rollout::drive(ctx, &plan, candidates, async |candidate, progress| {
            let options = DeployOptions::new(config, &candidate.tenant, image.clone());
            ops::deploy(client, &options, progress)
                .await
                .map(|report| report.changed)
        })
        .await
    })
    .await
}

/// The command that resumes this rollout: the same selection and image.
fn resume_line(ctx: &Context, args: &Args, image: &str) -> String {
    let mut words = crate::cli::select::selection_words(
        &args.tenants,
        &args.select,
        args.tier.as_deref().map(|t| ("--tier", t)),
    );
    words.push("--image".into());
    words.push(crate::context::shell_word(image));
    rollout::resume_line(ctx, "deploy", words, &args.rollout)
}
