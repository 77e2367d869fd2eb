//! `upgrade` over a fleet: each selected tenant moves to `--tier` (or stays on its own tier,
//! re-rendered from the current templates), in waves. A tenant is on the target when its tier
//! and template version match; those are skipped without a call.

use tenantctl_core::fleet::{Candidate, Selection};
use tenantctl_core::ops::{UpgradeOptions, upgrade};

use super::Args;
use crate::cli::backup::op_error;
use crate::cli::rollout::{self, Rollout};
use crate::cli::select::selection_words;
use crate::context::{Context, shell_word};
use crate::frame::Access;

pub async fn run(ctx: &Context, args: &Args, selection: &Selection) -> anyhow::Result<()> {
    let config = ctx.config()?;
    let templates = ctx.templates()?;
    let options = args.rollout.options()?;
    let version = templates.version();
    let access = if ctx.dry_run {
        Access::Read
    } else {
        Access::Write
    };
    let resume = resume_line(ctx, args);
    let on = |tier: &str| format!("{tier} @{version}");
    ctx.connected(access, async |connection| {
        let client = &connection.client;
        let chosen = selection
            .select(client, config)
            .await
            .map_err(op_error(ctx))?;
        let candidates = chosen
            .into_iter()
            .map(|t| {
                let tier = t.tier.clone().unwrap_or_else(|| "unknown".to_string());
                let template = t.template_version.clone().unwrap_or_else(|| "?".into());
                Candidate {
                    tenant: t.tenant.clone(),
                    before: format!("{tier} @{template}"),
                    target: on(args.tier.as_deref().unwrap_or(&tier)),
                    held_back: args.rollout.holds_back(&t.tenant),
                }
            })
            .collect();
        let target = match &args.tier {
            Some(tier) => format!("tier {tier} (templates {version})"),
            None => format!("templates {version}"),
        };
        let plan = Rollout {
            operation: "upgrade",
            target,
            options,
            resume: &resume,
        };
        rollout::drive(ctx, &plan, candidates, async |candidate, progress| {
            // The target's tier is the part of `target` before its template version.
            let tier = candidate
                .target
                .split(" @")
                .next()
                .unwrap_or_default()
                .to_string();
            let options = UpgradeOptions {
                force_protected: args.force_protected,
                ..UpgradeOptions::new(
                    config,
                    templates,
                    &candidate.tenant,
                    tier,
                    ctx.actor.clone(),
                )
            };
            let plan = upgrade::plan(client, &options).await?;
            if plan.already() {
                return Ok(false);
            }
            upgrade::check_protected(&plan, options.force_protected)?;
            upgrade::upgrade(client, &options, &plan, progress)
                .await
                .map(|report| report.changed)
        })
        .await
    })
    .await
}

/// The command that resumes this rollout.
fn resume_line(ctx: &Context, args: &Args) -> String {
    let mut words = selection_words(
        &args.tenants,
        &args.select,
        args.from_tier.as_deref().map(|t| ("--from-tier", t)),
    );
    if let Some(tier) = &args.tier {
        words.extend(["--tier".to_string(), shell_word(tier)]);
    }
    if args.force_protected {
        words.push("--force-protected".into());
    }
    rollout::resume_line(ctx, "upgrade", words, &args.rollout)
}
