//! `upgrade`: move a tenant to another tier (up or down) and roll back when its health gate
//! fails.
//!
//! [`plan`] reads the tenant and renders the new tier's template, without changing anything:
//! what the volume, VM size, auto-stop and minimum running become, and the machine config's
//! diff. [`upgrade`] takes the machine's lease, reads the tenant again (a plan made before a
//! prompt may be stale: if the tenant changed meanwhile it stops with a conflict instead of
//! overwriting that change) and runs the steps in [`steps`].
//!
//! A tenant counts as on the new tier when its machine records that tier and the current
//! template version; running the same upgrade again then changes nothing, and one interrupted
//! after the machine was updated finishes with the health gate. A down-tier never shrinks the
//! volume. Moving a tenant down from a protected tier needs `force_protected`.

mod plan;
mod steps;

use std::time::Duration;

use fly_api::types::machines::state;
use fly_api::{FlyClient, owner_description};
use serde::Serialize;

use crate::config::Config;
use crate::desired::{DesiredTenant, TenantRequest};
use crate::engine::{self, Reporter, RunError, RunOptions};
use crate::error::{OpError, Resume};
use crate::metadata;
use crate::resources::{app, health, machine};
use crate::template::TemplateSet;
use crate::tenant::{AppName, TenantId};

use super::provision::StepReport;
pub use plan::{Change, Direction, MachinePlan, VolumePlan};

/// What to upgrade to.
#[derive(Debug, Clone)]
pub struct UpgradeOptions<'a> {
    /// Tenant id as typed; validated here.
    pub tenant: String,
    /// The tier to move to.
    pub tier: String,
    pub config: &'a Config,
    pub templates: &'a TemplateSet,
    /// Who asks, for the lease description.
    pub actor: String,
    /// Move a tenant down from a protected tier.
    pub force_protected: bool,
    /// How long the machine may take to reach `started`.
    pub start_timeout: Duration,
    /// How often the health gate polls the machine's checks.
    pub health_poll_interval: Duration,
}

impl<'a> UpgradeOptions<'a> {
    /// Options with a 2 minute start timeout and a 250 ms health poll.
    pub fn new(
        config: &'a Config,
        templates: &'a TemplateSet,
        tenant: impl Into<String>,
        tier: impl Into<String>,
        actor: impl Into<String>,
    ) -> Self {
        UpgradeOptions {
            tenant: tenant.into(),
            tier: tier.into(),
            config,
            templates,
            actor: actor.into(),
            force_protected: false,
            start_timeout: Duration::from_secs(120),
            health_poll_interval: Duration::from_millis(250),
        }
    }

    /// Checks the tenant id and tier without calling the API.
    pub fn check(&self) -> Result<(), OpError> {
        let tenant = TenantId::parse(&self.tenant)?;
        AppName::for_tenant(&self.config.app_name_pattern, &tenant)?;
        self.config
            .tier(&self.tier)
            .map(drop)
            .map_err(|e| OpError::invalid(e.to_string()))
    }

    fn resume(&self) -> Resume {
        let mut args = vec![self.tenant.clone(), "--tier".into(), self.tier.clone()];
        if self.force_protected {
            args.push("--force-protected".into());
        }
        Resume::new("upgrade", args)
    }
}

/// What an upgrade would change.
#[derive(Debug, Clone, Serialize)]
pub struct UpgradePlan {
    pub tenant: String,
    pub app: String,
    pub region: String,
    pub from_tier: String,
    pub to_tier: String,
    pub direction: Direction,
    /// The image the tenant runs; an upgrade keeps it.
    pub image: String,
    /// The template version the new config is rendered from.
    pub template_version: String,
    /// A move down from a protected tier (needs `force_protected`).
    pub protected: bool,
    pub volume: VolumePlan,
    /// What changes, for people.
    pub changes: Vec<Change>,
    /// Unified diff of the machine config, live against upgraded; empty when unchanged.
    pub config_diff: Vec<String>,
    #[serde(skip)]
    pub machine: MachinePlan,
    /// The new tier keeps its machine running.
    #[serde(skip)]
    pub always_on: bool,
    /// The machine is healthy, or stopped on an auto-stop tier.
    #[serde(skip)]
    pub settled: bool,
}

impl UpgradePlan {
    /// The tenant is on the tier already, with a volume of the tier's size, and healthy (or
    /// idle on an auto-stop tier): there is nothing to do.
    pub fn already(&self) -> bool {
        self.unchanged() && self.settled
    }

    /// Nothing would be sent but, maybe, a wait for the health gate (an upgrade interrupted
    /// after the machine was updated).
    pub fn unchanged(&self) -> bool {
        self.machine.on_target && !self.volume.extends()
    }
}

/// The result of [`upgrade`].
#[derive(Debug, Clone, Serialize)]
pub struct UpgradeReport {
    pub plan: UpgradePlan,
    /// False when nothing had to change.
    pub changed: bool,
    pub steps: Vec<StepReport>,
}

/// Reads the tenant and works out what moving it to `opts.tier` changes. Only reads.
pub async fn plan(client: &FlyClient, opts: &UpgradeOptions<'_>) -> Result<UpgradePlan, OpError> {
    opts.check()?;
    let tenant = TenantId::parse(&opts.tenant)?;
    let app = AppName::for_tenant(&opts.config.app_name_pattern, &tenant)?.to_string();
    let config = opts.config;
    app::require(client, tenant.as_str(), &app, &config.org).await?;
    let Some(found) = machine::find(client, &app, tenant.as_str()).await? else {
        return Err(OpError::failed(format!(
            "tenant `{tenant}` has no machine; provision it first"
        ))
        .with_hint(format!(
            "run `tenantctl provision {tenant} --tier <its tier>` to finish it"
        )));
    };
    let live = found.config.clone().unwrap_or_default();
    let Some(from_tier) = metadata::tier(&found).map(str::to_string) else {
        return Err(OpError::failed(format!(
            "machine {} of tenant `{tenant}` records no tier (metadata `{}`); it was not made by tenantctl",
            found.id,
            metadata::TIER
        )));
    };
    let Some(volume_id) = live
        .mounts
        .first()
        .map(|m| m.volume.clone())
        .filter(|v| !v.is_empty())
    else {
        return Err(OpError::failed(format!(
            "machine {} of tenant `{tenant}` mounts no volume",
            found.id
        )));
    };
    let volume = client
        .get_volume(&app, &volume_id)
        .await
        .map_err(|e| OpError::api(format!("read volume {volume_id}"), e))?;

    let desired = DesiredTenant::render(
        config,
        opts.templates,
        &TenantRequest {
            tenant: tenant.to_string(),
            tier: opts.tier.clone(),
            region: found.region.clone(),
            domains: Vec::new(),
            image: live.image.clone().filter(|i| !i.is_empty()),
            actor: opts.actor.clone(),
        },
    )?;
    let on_target = from_tier == desired.tier
        && metadata::get(&found, metadata::TEMPLATE_VERSION)
            == Some(desired.template_version.as_str());
    let target = if on_target {
        live.clone()
    } else {
        plan::target_config(&live, &desired)?
    };
    let machine_plan = MachinePlan {
        id: found.id.clone(),
        current: live.clone(),
        target,
        on_target,
        machine: found.clone(),
    };
    let volume_plan = plan::volume_plan(&volume, desired.volume_size_gb);
    let direction = plan::direction(config, &from_tier, &desired.tier);
    // A tier the config no longer lists counts as protected.
    let from_protected = config.tier(&from_tier).map(|t| t.protected).unwrap_or(true);
    Ok(UpgradePlan {
        changes: plan::changes(&from_tier, &desired.tier, &volume_plan, &machine_plan),
        config_diff: plan::config_diff(&machine_plan.current, &machine_plan.target),
        tenant: tenant.to_string(),
        app,
        region: found.region.clone(),
        protected: from_protected && direction == Direction::Down,
        direction,
        from_tier,
        to_tier: desired.tier.clone(),
        image: live.image.clone().unwrap_or_default(),
        template_version: desired.template_version.clone(),
        volume: volume_plan,
        machine: machine_plan,
        always_on: desired.always_on,
        settled: health::is_healthy(&found)
            || (!desired.always_on
                && matches!(found.state.as_str(), state::STOPPED | state::SUSPENDED)),
    })
}

/// Refuses to move a tenant down from a protected tier unless forced.
pub fn check_protected(plan: &UpgradePlan, force_protected: bool) -> Result<(), OpError> {
    if !plan.protected || force_protected {
        return Ok(());
    }
    Err(OpError::conflict(format!(
        "tenant `{}` is on tier `{}`, which is protected; moving it down to `{}` was refused and nothing changed",
        plan.tenant, plan.from_tier, plan.to_tier
    ))
    .with_hint("pass --force-protected to move it down anyway"))
}

/// Carries out `confirmed` (a plan from [`plan`] the operator agreed to); see the module docs.
pub async fn upgrade(
    client: &FlyClient,
    opts: &UpgradeOptions<'_>,
    confirmed: &UpgradePlan,
    reporter: &dyn Reporter,
) -> Result<UpgradeReport, OpError> {
    check_protected(confirmed, opts.force_protected)?;
    let lease = fly_api::LeaseOptions::new(owner_description("upgrade", confirmed.tenant.as_str()));
    let note = |message: String| {
        reporter.step(
            &confirmed.tenant,
            "machine",
            engine::StepEvent::Progress { message },
        )
    };
    let operation = format!(
        "upgrading tenant `{}` to tier `{}`",
        confirmed.tenant, confirmed.to_tier
    );
    machine::under_lease(
        client,
        &confirmed.app,
        &confirmed.machine.id,
        &lease,
        &note,
        async |nonce| {
            // Read again under the lease: the tenant as it is now is what gets changed.
            let fresh = plan(client, opts).await?;
            if !fresh.unchanged() {
                check_unchanged(confirmed, &fresh)?;
            }
            check_protected(&fresh, opts.force_protected)?;
            run(client, opts, &fresh, nonce, reporter).await
        },
    )
    .await
    .map_err(|e| {
        if e.step().is_some() {
            e
        } else {
            e.in_operation(operation)
        }
    })
}

/// A plan the operator agreed to no longer describes the tenant: another operation changed it.
fn check_unchanged(confirmed: &UpgradePlan, fresh: &UpgradePlan) -> Result<(), OpError> {
    if confirmed.from_tier == fresh.from_tier
        && confirmed.volume.size_gb == fresh.volume.size_gb
        && confirmed.machine.current == fresh.machine.current
    {
        return Ok(());
    }
    Err(OpError::conflict(format!(
        "tenant `{}` changed since the plan was made (it is now on tier `{}`, volume {} GB); nothing was changed",
        fresh.tenant, fresh.from_tier, fresh.volume.size_gb
    ))
    .with_hint("run the upgrade again to see the new plan"))
}

async fn run(
    client: &FlyClient,
    opts: &UpgradeOptions<'_>,
    plan: &UpgradePlan,
    nonce: &str,
    reporter: &dyn Reporter,
) -> Result<UpgradeReport, OpError> {
    let ctx = steps::Upgrade {
        client,
        reporter,
        opts,
        plan,
        nonce,
    };
    let graph = steps::graph(&ctx);
    match engine::run(&graph, RunOptions { rollback: true }, reporter).await {
        Ok(outcomes) => {
            let steps: Vec<StepReport> = outcomes.steps.iter().map(StepReport::from).collect();
            // Waiting for the health gate changes nothing on the tenant.
            let changed = steps
                .iter()
                .any(|s| s.name != "health" && s.status == super::StepStatus::Done);
            Ok(UpgradeReport {
                plan: plan.clone(),
                changed,
                steps,
            })
        }
        Err(RunError::Step {
            step,
            error,
            rollback,
            ..
        }) => Err(failure(opts, plan, step, error, rollback)),
        Err(internal @ RunError::Internal { .. }) => Err(OpError::failed(internal.to_string())),
    }
}

/// A failed upgrade, saying what the rollback did and so what state the tenant is in.
fn failure(
    opts: &UpgradeOptions<'_>,
    plan: &UpgradePlan,
    step: &'static str,
    error: OpError,
    rollback: Option<engine::Rollback>,
) -> OpError {
    let operation = format!(
        "upgrading tenant `{}` to tier `{}`",
        plan.tenant, plan.to_tier
    );
    let error = error.at_step(step).in_operation(operation);
    let reason = error.reason().to_string();
    let grown = if plan.volume.extends() && step != "volume" {
        format!(
            "; the volume stays at {} GB (a volume is never shrunk)",
            plan.volume.target_size_gb
        )
    } else {
        String::new()
    };
    let Some(rollback) = rollback.filter(|r| !r.undone.is_empty() || r.failed.is_some()) else {
        // Nothing was undone: the failed step can be run again.
        return error
            .with_reason(format!("{reason}{grown}"))
            .with_resume(opts.resume());
    };
    if let Some((_, why)) = &rollback.failed {
        return error
            .with_reason(format!(
                "{reason}; rolling back failed too ({why}): the machine may be on tier `{}`{grown}",
                plan.to_tier
            ))
            .with_resume(opts.resume());
    }
    match rollback.undone.first() {
        Some((_, undone)) => error
            .with_reason(format!("{reason}; rolled back: {undone}{grown}"))
            .mark_rolled_back(),
        None => error,
    }
}
