//! `tenantctl provision`: create a tenant, or resume a provisioning that failed.

use std::time::Instant;

use tenantctl_core::ops::{
    self, OpError, ProvisionOptions, ProvisionReport, StepReport, StepStatus,
};
use tenantctl_core::tenant::TenantId;

use crate::context::{Context, OutputFormat};
use crate::frame::Access;
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
    let tier = choose_tier(ctx, config, args.tier, "tier")?;
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

    // Bad input is reported before a token is looked for or the local emulator started.
    options.check()?;
    options.dry_run = ctx.dry_run;
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
            let result = ops::provision(&connection.client, &options, &progress).await;
            // Finished progress lines stay; what follows starts below them.
            drop(progress);
            result.map_err(|e| provision_error(ctx, &options.tenant, e))
        })
        .await?;
    if report.dry_run {
        ctx.printer.status("Planned", &plan_summary(&report));
        print_report(ctx, &report);
        return Ok(());
    }
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
    ctx.audit.change(&report.tenant, audit_change(&report));
    ctx.append_step_summary(&summary_markdown(&report));
    let hostname = format!("{}.fly.dev", report.app);
    ctx.set_step_outputs(&[
        ("tenant", &report.tenant),
        ("app", &report.app),
        ("hostname", &hostname),
        (
            "machine_id",
            report.machine_id.as_deref().unwrap_or_default(),
        ),
        ("tier", &report.tier),
        ("image", &report.image),
    ]);
    print_report(ctx, &report);
    Ok(())
}

/// What the provisioning changed, for the audit trail.
fn audit_change(report: &ProvisionReport) -> String {
    if !report.changed {
        return format!("{} was complete; nothing changed", report.app);
    }
    let done: Vec<&str> = report
        .steps
        .iter()
        .filter(|s| s.status == StepStatus::Done)
        .map(|s| s.name.as_str())
        .collect();
    format!(
        "provisioned {} (tier {}, region {}, image {}): {}",
        report.app,
        report.tier,
        report.region,
        report.image,
        done.join(", ")
    )
}

/// What a dry run found, in one line.
fn plan_summary(report: &ProvisionReport) -> String {
    let pending = report
        .steps
        .iter()
        .filter(|s| s.status == StepStatus::Planned)
        .count();
    let idle = report.steps.len() - pending;
    if report.new_tenant {
        let rest = match idle {
            0 => String::new(),
            1 => " (1 has nothing to do)".to_string(),
            n => format!(" ({n} have nothing to do)"),
        };
        format!(
            "tenant `{}` does not exist yet: {pending} steps would create it{rest}; nothing was changed (--dry-run)",
            report.tenant
        )
    } else if pending == 0 {
        format!(
            "{} is complete: no step would change anything (--dry-run)",
            report.app
        )
    } else {
        format!(
            "{pending} of {} steps would change {}; nothing was changed (--dry-run)",
            report.steps.len(),
            report.app
        )
    }
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

/// A failed step becomes one error that names the step, the reason, and the command that
/// resumes, with the global options this run used (`--local`, `--config`, ...).
fn provision_error(ctx: &Context, tenant: &str, error: OpError) -> anyhow::Error {
    let Some(step) = error.step() else {
        return error.into();
    };
    let target = crate::cli::status::target_suffix(ctx);
    let shown = crate::error::from_op(&error, &target);
    if let Some(resume) = error.resume() {
        ctx.append_step_summary(&format!(
            "### tenantctl provision `{tenant}` failed\n\nStep `{step}`: {}\n\nResume with `tenantctl{target} {}`\n\n",
            markdown_cell(error.reason()),
            resume.words()
        ));
    }
    shown.into()
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
            steps: step_documents(&report.steps),
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
                    let plan = match s.status {
                        StepStatus::Planned => "change",
                        _ => "up to date",
                    };
                    vec![s.name.clone(), plan.to_string(), s.detail.clone()]
                })
                .collect();
            ctx.print_table(&["step", "plan", "detail"], &rows);
        }
        OutputFormat::Table => {
            ctx.print_table(
                &["step", "outcome", "elapsed", "detail"],
                &step_rows(&report.steps),
            );
        }
    }
}

/// The steps of an operation as the JSON documents carry them.
pub(crate) fn step_documents(steps: &[StepReport]) -> Vec<StepDocument> {
    steps
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
        .collect()
}

/// The steps of a run as table rows: step, outcome, elapsed, detail.
pub(crate) fn step_rows(steps: &[StepReport]) -> Vec<Vec<String>> {
    steps
        .iter()
        .map(|s| {
            vec![
                s.name.clone(),
                status_name(s.status).to_string(),
                s.elapsed.map_or_else(|| "-".to_string(), format_elapsed),
                s.detail.clone(),
            ]
        })
        .collect()
}

pub(crate) fn status_name(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Done => "done",
        StepStatus::Skipped => "skipped",
        StepStatus::Planned => "planned",
    }
}

/// `--tier` when given; otherwise a pick from the configured tiers in a terminal (`what` names
/// it in the prompt), or a usage error naming the flag.
pub fn choose_tier(
    ctx: &Context,
    config: &tenantctl_core::config::Config,
    given: Option<String>,
    what: &str,
) -> anyhow::Result<String> {
    if let Some(tier) = given {
        return Ok(tier);
    }
    let names = config.tier_names();
    let hint = format!("pass --tier {}", names.join("|"));
    let chosen = ctx.prompter.select(what, &names, &hint)?;
    Ok(names.get(chosen).cloned().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_cells_stay_in_their_cell() {
        assert_eq!(markdown_cell("a|b\nc"), "a\\|b c");
    }
}
