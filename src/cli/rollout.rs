//! Driving a rollout for `deploy` and `upgrade` over many tenants: the plan shown before, one
//! confirmation, fleet progress, then the per-tenant result as a table or JSON and, in GitHub
//! Actions, a step summary. The waves themselves are `tenantctl_core::fleet::roll_out`.

use serde::Serialize;
use tenantctl_core::fleet::{
    Candidate, Outcome, RolloutOptions, RolloutReport, TenantResult, TenantRollout, roll_out,
};

use crate::context::{Context, OutputFormat};
use crate::error::{CliError, Exit};
use crate::output::SCHEMA_VERSION;
use crate::ui::fleet::FleetProgress;
use crate::ui::progress::format_elapsed;

/// What is rolled out, for messages and the document.
pub struct Rollout<'a> {
    /// `deploy` or `upgrade`.
    pub operation: &'static str,
    /// e.g. "image registry.fly.io/cms:2" or "tier pro".
    pub target: String,
    pub options: RolloutOptions,
    /// The command line that resumes it, for the hint of a halted rollout.
    pub resume: &'a str,
}

/// The command line that resumes a rollout: `operation`, its own `words`, the rollout
/// options as given, and `--yes`, with the global options this run used.
pub fn resume_line(
    ctx: &Context,
    operation: &str,
    words: Vec<String>,
    rollout: &crate::cli::select::RolloutArgs,
) -> String {
    let mut line = vec!["tenantctl".to_string()];
    line.extend(ctx.target_args());
    line.push(operation.to_string());
    line.extend(words);
    line.extend(rollout.words());
    line.push("--yes".into());
    line.join(" ")
}

/// `--output json` of a rollout: kind `rollout` (docs/json.md).
#[derive(Serialize)]
struct RolloutDocument<'a> {
    schema_version: u32,
    kind: &'static str,
    operation: &'static str,
    target: &'a str,
    dry_run: bool,
    canary: usize,
    concurrency: usize,
    max_failures: String,
    #[serde(flatten)]
    report: &'a RolloutReport,
}

/// Runs the rollout (or, with --dry-run, shows it) and prints the result. Fails with exit 1
/// after printing when any tenant failed or the rollout halted.
pub async fn drive(
    ctx: &Context,
    rollout: &Rollout<'_>,
    candidates: Vec<Candidate>,
    change: impl AsyncFn(Candidate, &FleetProgress<'_>) -> TenantResult,
) -> anyhow::Result<()> {
    let pending = candidates.iter().filter(|c| c.pending()).count();
    if ctx.dry_run {
        let report = RolloutReport::planned(&candidates);
        ctx.printer.status(
            "Would roll out",
            &format!(
                "{} to {pending} of {} tenant(s); nothing was changed",
                rollout.target,
                candidates.len()
            ),
        );
        print(ctx, rollout, &report);
        return Ok(());
    }
    if pending > 0 {
        confirm(ctx, rollout, pending).await?;
    }
    let progress = ctx.progress();
    let fleet = FleetProgress::new(&progress, pending as u64, rollout.operation);
    let (change, fleet_ref) = (&change, &fleet);
    let report = roll_out(candidates, rollout.options, async |c| {
        change(c, fleet_ref).await
    })
    .await;
    fleet.finish();
    drop(progress);
    record(ctx, &report);
    let verb = match (&report.halted, report.failed) {
        (Some(_), _) => "Halted",
        (None, 0) => "Rolled out",
        (None, _) => "Failed",
    };
    ctx.printer.status(
        verb,
        &format!(
            "{}: {} updated, {} unchanged, {} failed, {} held back, {} not started, in {}",
            rollout.target,
            report.updated,
            report.unchanged,
            report.failed,
            report.held_back,
            report.not_started,
            format_elapsed(std::time::Duration::from_millis(report.duration_ms))
        ),
    );
    print(ctx, rollout, &report);
    ctx.append_step_summary(&summary(rollout, &report));
    ctx.set_step_outputs(&[
        ("updated", &report.updated.to_string()),
        ("unchanged", &report.unchanged.to_string()),
        ("failed", &report.failed.to_string()),
        ("not_started", &report.not_started.to_string()),
        (
            "halted",
            if report.halted.is_some() {
                "true"
            } else {
                "false"
            },
        ),
    ]);
    if report.failed == 0 && report.halted.is_none() {
        return Ok(());
    }
    let failed: Vec<&str> = report
        .tenants
        .iter()
        .filter(|t| matches!(t.outcome, Outcome::Failed | Outcome::RolledBack))
        .map(|t| t.tenant.as_str())
        .collect();
    let message = match &report.halted {
        Some(why) => format!(
            "the {} rollout halted: {why} ({}); {} tenant(s) were not started",
            rollout.operation,
            failed.join(", "),
            report.not_started
        ),
        None => format!(
            "{} of {} tenant(s) failed: {}",
            report.failed,
            report.tenants.len(),
            failed.join(", ")
        ),
    };
    Err(CliError::new(Exit::Failed, message)
        .with_hint(format!(
            "fix the cause, then run `{}` again: tenants already on the target are skipped",
            rollout.resume
        ))
        .after_result()
        .into())
}

/// One audit record per tenant the rollout ran, each with its own outcome.
fn record(ctx: &Context, report: &RolloutReport) {
    for t in &report.tenants {
        match t.outcome {
            Outcome::Updated => ctx
                .audit
                .succeeded(&t.tenant, format!("{} -> {}", t.before, t.after)),
            Outcome::RolledBack | Outcome::Failed => {
                ctx.audit.failed(&t.tenant, first_line(t.error.as_deref()))
            }
            Outcome::Unchanged | Outcome::HeldBack | Outcome::NotStarted => {}
        }
    }
}

async fn confirm(ctx: &Context, rollout: &Rollout<'_>, pending: usize) -> anyhow::Result<()> {
    let prompter = ctx.prompter;
    let options = rollout.options;
    let question = format!(
        "Roll {} out to {pending} tenant(s) ({} canary, then {} at a time)?",
        rollout.target,
        options.canary.min(pending),
        options.concurrency
    );
    let hint = format!("pass --yes to {} without a prompt", rollout.operation);
    let answer = tokio::task::spawn_blocking(move || prompter.confirm(&question, &hint))
        .await
        .map_err(|e| CliError::new(Exit::Failed, format!("prompt failed: {e}")))??;
    if answer {
        Ok(())
    } else {
        Err(CliError::new(Exit::Failed, "rollout declined: nothing was changed").into())
    }
}

fn print(ctx: &Context, rollout: &Rollout<'_>, report: &RolloutReport) {
    match ctx.output {
        OutputFormat::Json => ctx.printer.json(&RolloutDocument {
            schema_version: SCHEMA_VERSION,
            kind: "rollout",
            operation: rollout.operation,
            target: &rollout.target,
            dry_run: ctx.dry_run,
            canary: rollout.options.canary,
            concurrency: rollout.options.concurrency,
            max_failures: rollout.options.max_failures.to_string(),
            report,
        }),
        OutputFormat::Table => {
            let rows: Vec<Vec<String>> = report.tenants.iter().map(row).collect();
            ctx.print_table(
                &[
                    "tenant", "before", "after", "outcome", "wave", "duration", "error",
                ],
                &rows,
            );
        }
    }
}

fn row(t: &TenantRollout) -> Vec<String> {
    let duration = if t.duration_ms == 0 {
        "-".to_string()
    } else {
        format_elapsed(std::time::Duration::from_millis(t.duration_ms))
    };
    vec![
        t.tenant.clone(),
        t.before.clone(),
        t.after.clone(),
        t.outcome.name().to_string(),
        if t.wave.is_empty() { "-" } else { t.wave }.to_string(),
        duration,
        first_line(t.error.as_deref()),
    ]
}

fn first_line(text: Option<&str>) -> String {
    text.and_then(|t| t.lines().next())
        .unwrap_or_default()
        .to_string()
}

/// Markdown for the GitHub Actions run page.
fn summary(rollout: &Rollout<'_>, report: &RolloutReport) -> String {
    let mut md = format!(
        "### tenantctl {}: {}\n\n{} updated, {} unchanged, {} failed, {} held back, {} not started\n\n",
        rollout.operation,
        rollout.target,
        report.updated,
        report.unchanged,
        report.failed,
        report.held_back,
        report.not_started
    );
    if let Some(why) = &report.halted {
        md.push_str(&format!("**Halted:** {why}\n\n"));
    }
    md.push_str("| Tenant | Before | After | Outcome | Error |\n|---|---|---|---|---|\n");
    for t in &report.tenants {
        let cell = |s: &str| s.replace('|', "\\|");
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            t.tenant,
            cell(&t.before),
            cell(&t.after),
            t.outcome.name(),
            cell(&first_line(t.error.as_deref()))
        ));
    }
    md
}
