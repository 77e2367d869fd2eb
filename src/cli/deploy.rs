//! `tenantctl deploy`: ship a new image to one tenant, rolling back when its health gate fails.

use std::time::Instant;

use tenantctl_core::ops::{self, DeployOptions, DeployReport};
use tenantctl_core::tenant::TenantId;

use crate::cli::provision::{step_documents, step_rows};
use crate::cli::status::target_suffix;
use crate::context::{Context, OutputFormat};
use crate::error::CliError;
use crate::frame::Access;
use crate::output::{DeployDocument, SCHEMA_VERSION};
use crate::ui::progress::format_elapsed;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tenant id to deploy to
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub tenants: Vec<String>,
    /// Deploy to every tenant (not available yet)
    #[arg(long)]
    pub all: bool,
    /// Image to deploy [default: `image` in tenantctl.toml]
    #[arg(long)]
    pub image: Option<String>,
    /// Tenants deployed at the same time
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    for tenant in &args.tenants {
        TenantId::parse(tenant)?;
    }
    let [tenant] = args.tenants.as_slice() else {
        // Rollouts across tenants (canaries, waves) come with the fleet.
        return Err(CliError::not_available("deploy")
            .with_hint("deploy one tenant at a time: `tenantctl deploy <tenant> --image REF`")
            .into());
    };
    if args.all {
        return Err(CliError::not_available("deploy").into());
    }
    let config = ctx.config()?;
    let image = args.image.unwrap_or_else(|| config.image.clone());
    let options = DeployOptions {
        dry_run: ctx.dry_run,
        ..DeployOptions::new(config, tenant, image)
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
