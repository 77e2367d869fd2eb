//! `apply` for one tenant: read it again (the fleet may have moved since the plan), then make
//! the changes its plan lists, each through the operation that owns it: provision, upgrade,
//! deploy, certificates. Every one of them looks before it changes, so a re-run resumes.

use fly_api::FlyClient;

use super::file::WantedTenant;
use super::plan::{Change, plan_tenant};
use crate::config::Config;
use crate::engine::{Reporter, StepEvent};
use crate::error::{ErrorClass, OpError};
use crate::ops::{self, DeployOptions, ProvisionOptions, UpgradeOptions, upgrade};
use crate::resources::certificates;
use crate::template::TemplateSet;
use crate::tenant::{AppName, TenantId};

/// What `converge` needs besides the tenant.
pub struct ApplyContext<'a> {
    pub client: &'a FlyClient,
    pub config: &'a Config,
    pub templates: &'a TemplateSet,
    /// Who applies, for the machine metadata and leases.
    pub actor: String,
}

/// Brings one tenant to what the fleet file wants; true when something changed.
pub async fn converge(
    ctx: &ApplyContext<'_>,
    wanted: &WantedTenant,
    reporter: &dyn Reporter,
) -> Result<bool, OpError> {
    let live = match ops::status(ctx.client, ctx.config, &wanted.tenant).await {
        Ok(live) => Some(live),
        Err(e) if e.class() == ErrorClass::NotFound => None,
        Err(e) => return Err(e),
    };
    let plan = plan_tenant(wanted, live.as_ref(), &ctx.templates.version());
    let mut changed = false;
    for change in &plan.changes {
        changed |= apply_change(ctx, wanted, change, reporter).await?;
    }
    Ok(changed)
}

async fn apply_change(
    ctx: &ApplyContext<'_>,
    wanted: &WantedTenant,
    change: &Change,
    reporter: &dyn Reporter,
) -> Result<bool, OpError> {
    let tenant = wanted.tenant.as_str();
    match change {
        Change::Create { .. } => {
            let mut options = ProvisionOptions::new(
                ctx.config,
                ctx.templates,
                tenant,
                &wanted.tier,
                &wanted.region,
                ctx.actor.clone(),
            );
            options.domains = wanted.domains.clone();
            options.image = Some(wanted.image.clone());
            ops::provision(ctx.client, &options, reporter)
                .await
                .map(|r| r.changed)
        }
        Change::Upgrade { to_tier, .. } => {
            let options = UpgradeOptions::new(
                ctx.config,
                ctx.templates,
                tenant,
                to_tier,
                ctx.actor.clone(),
            );
            let plan = upgrade::plan(ctx.client, &options).await?;
            if plan.already() {
                return Ok(false);
            }
            // A fleet file lowers a protected tier only through a one-tenant `upgrade
            // --force-protected`: a typo in a pull request must not shrink a paying tenant.
            upgrade::check_protected(&plan, false)?;
            if wanted.protected && plan.direction == upgrade::Direction::Down {
                return Err(OpError::conflict(format!(
                    "tenant `{tenant}` is protected in the fleet file: apply does not move it \
                     down from tier {} to {}",
                    plan.from_tier, plan.to_tier
                ))
                .with_hint(format!(
                    "`tenantctl upgrade {tenant} --tier {} --force-protected` moves it",
                    plan.to_tier
                )));
            }
            upgrade::upgrade(ctx.client, &options, &plan, reporter)
                .await
                .map(|r| r.changed)
        }
        Change::Deploy { to_image, .. } => {
            let options = DeployOptions::new(ctx.config, tenant, to_image.clone());
            ops::deploy(ctx.client, &options, reporter)
                .await
                .map(|r| r.changed)
        }
        Change::AddDomains { domains } => {
            let app = app_name(ctx, tenant)?;
            for domain in domains {
                let note = |message: String| {
                    reporter.step(tenant, "certificates", StepEvent::Progress { message })
                };
                certificates::add(ctx.client, &app, domain, &note).await?;
            }
            Ok(true)
        }
        Change::RemoveDomains { domains } => {
            let app = app_name(ctx, tenant)?;
            for domain in domains {
                match ctx.client.delete_certificate(&app, domain).await {
                    Ok(()) => {}
                    // Gone already: a re-run after a partial apply.
                    Err(e) if e.status() == Some(404) => {}
                    Err(e) => {
                        return Err(OpError::api(
                            format!("remove the certificate for {domain}"),
                            e,
                        ));
                    }
                }
            }
            Ok(true)
        }
        // Pruning is the CLI's, behind its typed confirmation.
        Change::Prune { .. } => Ok(false),
    }
}

fn app_name(ctx: &ApplyContext<'_>, tenant: &str) -> Result<String, OpError> {
    let id = TenantId::parse(tenant)?;
    Ok(AppName::for_tenant(&ctx.config.app_name_pattern, &id)?.to_string())
}
