//! `destroy`: delete a tenant and leave nothing of it behind.
//!
//! ```text
//! backup ── machines ── volumes ── certificates ── ips ── app
//! ```
//!
//! On Fly, deleting the app alone removes everything in it at once, data included. The steps
//! take the tenant apart one kind at a time instead, each only after the one before has
//! finished: what is left after an interruption is always a smaller tenant (volumes without
//! machines, an app without volumes), never something that still points at a deleted part, and
//! running the destroy again finishes it. `backup` is where a final backup runs, before
//! anything is deleted.
//!
//! [`inventory`] lists what will be deleted, for the confirmation; [`destroy`] refuses a
//! protected tier unless forced, and a tenant that is already gone is a not-found error.

mod teardown;

use std::future::Future;
use std::pin::Pin;

use fly_api::FlyClient;
use serde::Serialize;

use crate::config::Config;
use crate::engine::{self, Reporter, RunError, RunOptions};
use crate::error::{OpError, Resume};
use crate::metadata;
use crate::resources::{app, certificates, ips, machine};
use crate::tenant::{AppName, TenantId};

use super::provision::StepReport;

/// A last copy of the tenant's data, taken before anything is deleted. Backups plug in here;
/// without one the `backup` step is skipped.
pub trait FinalBackup: Send + Sync {
    /// Backs up the tenant's data and says where it went ("backup 2026-12-06T03:00Z").
    fn back_up<'a>(
        &'a self,
        tenant: &'a str,
        app: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<String, OpError>> + Send + 'a>>;
}

/// What to destroy.
#[derive(Clone, Copy)]
pub struct DestroyOptions<'a> {
    pub tenant: &'a str,
    pub config: &'a Config,
    /// Destroy a tenant whose tier is protected.
    pub force_protected: bool,
    pub final_backup: Option<&'a dyn FinalBackup>,
    /// Plan only: read the live state and say what each step would delete.
    pub dry_run: bool,
}

impl<'a> DestroyOptions<'a> {
    pub fn new(config: &'a Config, tenant: &'a str) -> Self {
        DestroyOptions {
            tenant,
            config,
            force_protected: false,
            final_backup: None,
            dry_run: false,
        }
    }
}

/// A machine of the tenant's app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MachineItem {
    pub id: String,
    pub state: String,
    pub region: String,
}

/// A volume of the tenant's app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VolumeItem {
    pub id: String,
    pub name: String,
    pub size_gb: u64,
    pub region: String,
}

/// Everything a destroy deletes, read from the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inventory {
    pub tenant: String,
    pub app: String,
    pub org: String,
    /// The tier recorded on the tenant's machine; `None` once the machine is gone.
    pub tier: Option<String>,
    /// The tier is protected (a tier no longer in the configuration counts as protected).
    pub protected: bool,
    pub machines: Vec<MachineItem>,
    pub volumes: Vec<VolumeItem>,
    pub ips: Vec<String>,
    pub certificates: Vec<String>,
}

impl Inventory {
    /// People's lines, one per thing deleted, the app last.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for m in &self.machines {
            lines.push(format!("machine {} ({}, {})", m.id, m.state, m.region));
        }
        for v in &self.volumes {
            lines.push(format!(
                "volume {} `{}` ({} GB, {}) and the data on it",
                v.id, v.name, v.size_gb, v.region
            ));
        }
        for hostname in &self.certificates {
            lines.push(format!("certificate {hostname}"));
        }
        for ip in &self.ips {
            lines.push(format!("IP address {ip}"));
        }
        lines.push(format!(
            "app {} (org {}) with its secrets",
            self.app, self.org
        ));
        lines
    }
}

/// The result of [`destroy`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DestroyReport {
    pub tenant: String,
    pub app: String,
    pub dry_run: bool,
    /// What there was when the destroy started.
    pub inventory: Inventory,
    pub steps: Vec<StepReport>,
}

/// Reads everything the tenant is made of. A tenant whose app is gone is a not-found error
/// that says it is already destroyed.
pub async fn inventory(
    client: &FlyClient,
    opts: &DestroyOptions<'_>,
) -> Result<Inventory, OpError> {
    let tenant = TenantId::parse(opts.tenant)?;
    let app_name = AppName::for_tenant(&opts.config.app_name_pattern, &tenant)?.to_string();
    let org = &opts.config.org;
    if app::find(client, &app_name, org).await?.is_none() {
        return Err(OpError::not_found(format!(
            "tenant `{tenant}` is already gone: app `{app_name}` does not exist in org `{org}`; nothing to destroy"
        )));
    }
    let machines = teardown::active_machines(client, &app_name).await?;
    let tier = machine::find(client, &app_name, tenant.as_str())
        .await?
        .and_then(|m| metadata::tier(&m).map(str::to_string));
    let protected = tier
        .as_deref()
        .is_some_and(|t| opts.config.tier(t).map(|t| t.protected).unwrap_or(true));
    Ok(Inventory {
        tenant: tenant.to_string(),
        app: app_name.clone(),
        org: org.clone(),
        tier,
        protected,
        machines: machines
            .iter()
            .map(|m| MachineItem {
                id: m.id.clone(),
                state: m.state.clone(),
                region: m.region.clone(),
            })
            .collect(),
        volumes: teardown::live_volumes(client, &app_name)
            .await?
            .into_iter()
            .map(|v| VolumeItem {
                id: v.id,
                name: v.name,
                size_gb: v.size_gb,
                region: v.region,
            })
            .collect(),
        ips: ips::list(client, &app_name)
            .await?
            .into_iter()
            .map(|ip| ip.ip)
            .collect(),
        certificates: certificates::hostnames(client, &app_name)
            .await?
            .into_iter()
            .collect(),
    })
}

/// Refuses a protected tenant unless forced.
pub fn check_protected(inventory: &Inventory, force_protected: bool) -> Result<(), OpError> {
    if !inventory.protected || force_protected {
        return Ok(());
    }
    let tier = inventory.tier.as_deref().unwrap_or("unknown");
    Err(OpError::conflict(format!(
        "tenant `{}` is on tier `{tier}`, which is protected; nothing was deleted",
        inventory.tenant
    ))
    .with_hint("pass --force-protected to destroy it anyway"))
}

/// Destroys the tenant described by `inventory` (see the module docs), or with `dry_run` says
/// what each step would delete (a plan is made for a protected tenant too).
pub async fn destroy(
    client: &FlyClient,
    opts: &DestroyOptions<'_>,
    inventory: Inventory,
    reporter: &dyn Reporter,
) -> Result<DestroyReport, OpError> {
    if !opts.dry_run {
        check_protected(&inventory, opts.force_protected)?;
    }
    let ctx = teardown::Teardown {
        client,
        reporter,
        tenant: inventory.tenant.clone(),
        app: inventory.app.clone(),
        org: inventory.org.clone(),
        final_backup: opts.final_backup,
        lease: fly_api::LeaseOptions::new(fly_api::owner_description("destroy", &inventory.tenant)),
    };
    let graph = teardown::graph(&ctx);
    let outcomes = if opts.dry_run {
        engine::plan(&graph).await
    } else {
        engine::run(&graph, RunOptions { rollback: false }, reporter).await
    };
    let outcomes = match outcomes {
        Ok(outcomes) => outcomes,
        Err(RunError::Step { step, error, .. }) => {
            return Err(error
                .at_step(step)
                .in_operation(format!("destroying tenant `{}`", inventory.tenant))
                .with_resume(resume(&inventory.tenant, opts.force_protected)));
        }
        Err(internal @ RunError::Internal { .. }) => {
            return Err(OpError::failed(internal.to_string()));
        }
    };
    Ok(DestroyReport {
        tenant: inventory.tenant.clone(),
        app: inventory.app.clone(),
        dry_run: opts.dry_run,
        steps: outcomes.steps.iter().map(StepReport::from).collect(),
        inventory,
    })
}

/// The command that finishes an interrupted destroy, already confirmed.
fn resume(tenant: &str, force_protected: bool) -> Resume {
    let mut args = vec![tenant, "--yes", "--confirm", tenant];
    if force_protected {
        args.push("--force-protected");
    }
    Resume::new("destroy", args)
}
