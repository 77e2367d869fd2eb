//! `tenantctl provision`: create a tenant, or resume a provisioning that failed.

use std::time::Instant;

use tenantctl_core::ops::{
    self, ErrorClass, ProvisionError, ProvisionOptions, ProvisionReport, StepStatus,
};
use tenantctl_core::tenant::TenantId;

use crate::context::{Context, OutputFormat};
use crate::error::{CliError, exit_for_class};
use crate::output::{ProvisionDocument, SCHEMA_VERSION, StepDocument};
use crate::ui::progress::format_elapsed;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tenant id: lowercase letters, digits and dashes, starting with a letter
    pub tenant: String,
    /// Tier from tenantctl.toml, e.g. pro (asked for on a terminal when missing)
    #[arg(long)]
    pub tier: Option<String>,
    /// Fly region [default: `region` in tenantctl.toml]
    #[arg(long)]
    pub region: Option<String>,
    /// Custom domain to attach (repeatable)
    #[arg(long = "domain", value_name = "DOMAIN")]
    pub domains: Vec<String>,
    /// Image to run [default: `image` in tenantctl.toml]
    #[arg(long)]
    pub image: Option<String>,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    // A bad tenant id is reported before anything else is looked at.
    TenantId::parse(&args.tenant)?;
    let config = ctx.config()?;
    let templates = ctx.templates()?;
    let tier = match args.tier {
        Some(tier) => tier,
        None => {
            let names = config.tier_names();
            let hint = format!("pass --tier {}", names.join("|"));
            let chosen = ctx.prompter.select("tier", &names, &hint)?;
            names.get(chosen).cloned().unwrap_or_default()
        }
    };
    // tenantctl.toml always has a default region; --region overrides it.
    let region = args.region.unwrap_or_else(|| config.region.clone());

    let mut options = ProvisionOptions::new(
        config,
        templates,
        &args.tenant,
        tier,
        region,
        ctx.actor.clone(),
    );
    options.domains = args.domains;
    options.image = args.image;

    // The plan checks every input and calls nothing, so bad input is reported before a token
    // is looked for or the local emulator started; `--dry-run` stops here.
    options.dry_run = true;
    let plan = ops::provision(
        &ctx.offline_client()?,
        &options,
        &tenantctl_core::engine::NullReporter,
    )
    .await
    .map_err(|e| provision_error(ctx, &options, e))?;
    if ctx.dry_run {
        ctx.printer.status(
            "Planned",
            &format!(
                "{} steps for {}; nothing was changed (--dry-run)",
                plan.steps.len(),
                plan.app
            ),
        );
        print_report(ctx, &plan);
        return Ok(());
    }
    options.dry_run = false;

    let connection = ctx.connect().await?;
    let progress = ctx.progress();
    let started = Instant::now();
    let result = ops::provision(&connection.client, &options, &progress).await;
    connection.close().await;
    // Finished progress lines stay; what follows starts below them.
    drop(progress);
    let report = result.map_err(|e| provision_error(ctx, &options, e))?;
    let verb = if report.changed {
        "Provisioned"
    } else {
        "Unchanged"
    };
    ctx.printer.status(
        verb,
        &format!(
            "{} (tier {}, region {}) in {}",
            report.app,
            report.tier,
            report.region,
            format_elapsed(started.elapsed())
        ),
    );
    ctx.append_step_summary(&summary_markdown(&report));
    print_report(ctx, &report);
    Ok(())
}

/// The run's result for the GitHub Actions step summary.
fn summary_markdown(report: &ProvisionReport) -> String {
    let mut md = format!(
        "### tenantctl provision `{}`\n\napp `{}`, tier `{}`, region `{}`, image `{}`\n\n| step | outcome | elapsed | detail |\n|---|---|---|---|\n",
        report.tenant, report.app, report.tier, report.region, report.image
    );
    for step in &report.steps {
        md.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            step.name,
            status_name(step.status),
            step.elapsed.map_or_else(|| "-".to_string(), format_elapsed),
            markdown_cell(&step.detail)
        ));
    }
    md.push('\n');
    md
}

/// Text safe inside a Markdown table cell.
fn markdown_cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// A failed step becomes one error that names the step, the reason, and the commands that
/// resume or clean up, with the global options this run used (`--local`, `--config`, ...).
fn provision_error(
    ctx: &Context,
    options: &ProvisionOptions<'_>,
    error: ProvisionError,
) -> anyhow::Error {
    let ProvisionError::Step {
        tenant,
        step,
        class,
        reason,
        ..
    } = &error
    else {
        return error.into();
    };
    let with_target = |command: String| {
        let rest = command.strip_prefix("tenantctl").unwrap_or(&command);
        format!("tenantctl{}{rest}", crate::cli::status::target_suffix(ctx))
    };
    let resume = with_target(options.resume_command());
    let cleanup = with_target(options.cleanup_command());
    let mut message = format!(
        "provisioning tenant `{tenant}` failed at step `{step}`: {reason}\nto resume: {resume}"
    );
    // Everything else is created after the app, so a failed `app` step left nothing behind.
    if *step != "app" {
        message.push_str(&format!("\nto remove what was created: {cleanup}"));
    }
    let hint = match class {
        ErrorClass::Auth => format!(
            "{}; then re-run `{resume}`",
            error.hint().unwrap_or_default()
        ),
        _ => format!("re-run `{resume}`: finished steps are skipped"),
    };
    ctx.append_step_summary(&format!(
        "### tenantctl provision `{tenant}` failed\n\nStep `{step}`: {}\n\nResume with `{resume}`\n\n",
        markdown_cell(reason)
    ));
    CliError::new(exit_for_class(*class), message)
        .with_hint(hint)
        .into()
}

fn print_report(ctx: &Context, report: &ProvisionReport) {
    match ctx.output {
        OutputFormat::Json => ctx.printer.json(&ProvisionDocument {
            schema_version: SCHEMA_VERSION,
            kind: ProvisionDocument::KIND.to_string(),
            tenant: report.tenant.clone(),
            app: report.app.clone(),
            tier: report.tier.clone(),
            region: report.region.clone(),
            image: report.image.clone(),
            template: report.template.clone(),
            template_version: report.template_version.clone(),
            actor: ctx.actor.clone(),
            dry_run: report.dry_run,
            changed: report.changed,
            steps: report
                .steps
                .iter()
                .map(|s| StepDocument {
                    name: s.name.clone(),
                    title: s.title.clone(),
                    needs: s.needs.clone(),
                    calls: s.calls.clone(),
                    status: status_name(s.status).to_string(),
                    detail: s.detail.clone(),
                    elapsed_ms: s
                        .elapsed
                        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
                })
                .collect(),
            machine_id: report.machine_id.clone(),
            volume_id: report.volume_id.clone(),
            ips: report.ips.clone(),
            domains: report.domains.clone(),
        }),
        OutputFormat::Table if report.dry_run => {
            let rows: Vec<Vec<String>> = report
                .steps
                .iter()
                .map(|s| {
                    vec![
                        s.name.clone(),
                        s.title.clone(),
                        if s.needs.is_empty() {
                            "-".to_string()
                        } else {
                            s.needs.join(", ")
                        },
                        if s.calls.is_empty() {
                            "-".to_string()
                        } else {
                            s.calls.join("\n")
                        },
                    ]
                })
                .collect();
            ctx.print_table(&["step", "what", "after", "api calls"], &rows);
        }
        OutputFormat::Table => {
            let rows: Vec<Vec<String>> = report
                .steps
                .iter()
                .map(|s| {
                    vec![
                        s.name.clone(),
                        status_name(s.status).to_string(),
                        s.elapsed.map_or_else(|| "-".to_string(), format_elapsed),
                        s.detail.clone(),
                    ]
                })
                .collect();
            ctx.print_table(&["step", "outcome", "elapsed", "detail"], &rows);
        }
    }
}

fn status_name(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Done => "done",
        StepStatus::Skipped => "skipped",
        StepStatus::Planned => "planned",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_cells_stay_in_their_cell() {
        assert_eq!(markdown_cell("a|b\nc"), "a\\|b c");
    }
}
