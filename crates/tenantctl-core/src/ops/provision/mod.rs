//! `provision`: create a tenant's app, secrets, IPs, volume, machine and certificates, run its
//! post-provision hooks and wait for its health gate.
//!
//! provision is a step graph ([`steps`]) over the tenant building blocks in
//! [`crate::resources`]. Every step observes before it applies, so running provision again
//! after a failure resumes where the last run stopped, and running it on a complete tenant
//! changes nothing (only GETs; every step is satisfied). When the `app` step created the app
//! in this run, the later steps know it is empty and skip their look-ups. With `dry_run` only
//! the observe parts run: real reads, no writes, and the report says what would change.
//!
//! Step graph (independent steps run concurrently):
//!
//! ```text
//! app ─┬─ secrets ─┐
//!      ├─ volume ──┴─ machine ── hooks ── health
//!      ├─ ips
//!      └─ certificates
//! ```

mod graph;
mod steps;

use std::time::Duration;

use fly_api::FlyClient;
use serde::Serialize;

use crate::config::Config;
use crate::desired::{DesiredTenant, TenantRequest};
use crate::engine::{self, Reporter, RunError, RunOptions, StepRecord, StepState};
use crate::error::{OpError, Resume};
use crate::template::TemplateSet;

/// What to provision. Missing values (tier, region) are the caller's job: prompt or fail there.
#[derive(Debug, Clone)]
pub struct ProvisionOptions<'a> {
    /// Tenant id as typed; validated here.
    pub tenant: String,
    pub tier: String,
    pub region: String,
    /// Hostnames to add certificates for.
    pub domains: Vec<String>,
    /// Image to run instead of the config's `image`.
    pub image: Option<String>,
    /// Who provisions (recorded in machine metadata), e.g. a user name or CI job.
    pub actor: String,
    /// Only observe: real reads, no writes; the report says what would change.
    pub dry_run: bool,
    pub config: &'a Config,
    pub templates: &'a TemplateSet,
    /// How long the machine may take to reach `started`.
    pub start_timeout: Duration,
    /// How often the health gate polls the machine's checks.
    pub health_poll_interval: Duration,
}

impl<'a> ProvisionOptions<'a> {
    /// Options with no domains, no image override, a 2 minute start timeout and a 250 ms
    /// health poll.
    pub fn new(
        config: &'a Config,
        templates: &'a TemplateSet,
        tenant: impl Into<String>,
        tier: impl Into<String>,
        region: impl Into<String>,
        actor: impl Into<String>,
    ) -> Self {
        ProvisionOptions {
            tenant: tenant.into(),
            tier: tier.into(),
            region: region.into(),
            domains: Vec::new(),
            image: None,
            actor: actor.into(),
            dry_run: false,
            config,
            templates,
            start_timeout: Duration::from_secs(120),
            health_poll_interval: Duration::from_millis(250),
        }
    }

    /// Checks every input (tenant id, tier, region, domains, template) without calling the
    /// API, so bad input is refused before a connection is made.
    pub fn check(&self) -> Result<(), OpError> {
        DesiredTenant::render(self.config, self.templates, &self.request()).map(drop)
    }

    /// How to resume this provisioning: provision again with the same arguments.
    pub fn resume(&self) -> Resume {
        let mut args = vec![
            self.tenant.clone(),
            "--tier".to_string(),
            self.tier.clone(),
            "--region".to_string(),
            self.region.clone(),
        ];
        for domain in &self.domains {
            args.push("--domain".to_string());
            args.push(domain.clone());
        }
        if let Some(image) = &self.image {
            args.push("--image".to_string());
            args.push(image.clone());
        }
        Resume::new("provision", args)
    }

    fn request(&self) -> TenantRequest {
        TenantRequest {
            tenant: self.tenant.clone(),
            tier: self.tier.clone(),
            region: self.region.clone(),
            domains: self.domains.clone(),
            image: self.image.clone(),
            actor: self.actor.clone(),
        }
    }
}

/// How one step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// It changed something.
    Done,
    /// Its work was already done.
    Skipped,
    /// Dry run: it would change something (the detail says what).
    Planned,
}

/// One step of a provisioning, in dependency order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepReport {
    pub name: String,
    pub title: String,
    pub needs: Vec<String>,
    /// The API calls the step may make.
    pub calls: Vec<String>,
    pub status: StepStatus,
    /// What it did or found; for a planned step, what it would change.
    pub detail: String,
    /// How long it ran; `None` when planned. The CLI's JSON carries it as `elapsed_ms`.
    #[serde(skip)]
    pub elapsed: Option<Duration>,
}

impl From<&StepRecord> for StepReport {
    fn from(record: &StepRecord) -> Self {
        StepReport {
            name: record.name.to_string(),
            title: record.title.clone(),
            needs: record.needs.iter().map(|n| n.to_string()).collect(),
            calls: record.calls.clone(),
            status: match record.state {
                StepState::Changed => StepStatus::Done,
                StepState::Satisfied => StepStatus::Skipped,
                _ => StepStatus::Planned,
            },
            detail: record.detail.clone(),
            elapsed: record.elapsed,
        }
    }
}

/// The result of [`provision`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProvisionReport {
    pub tenant: String,
    pub app: String,
    pub tier: String,
    pub region: String,
    pub image: String,
    pub template: String,
    pub template_version: String,
    pub dry_run: bool,
    /// True when some step changed something.
    pub changed: bool,
    /// The app does not exist yet (known in a dry run; a run creates it).
    pub new_tenant: bool,
    pub steps: Vec<StepReport>,
    pub machine_id: Option<String>,
    pub volume_id: Option<String>,
    /// Public addresses of the app.
    pub ips: Vec<String>,
    pub domains: Vec<String>,
}

/// Provisions a tenant (or resumes a provisioning that failed), or with `dry_run` says what
/// provisioning would change. See the module docs.
pub async fn provision(
    client: &FlyClient,
    opts: &ProvisionOptions<'_>,
    reporter: &dyn Reporter,
) -> Result<ProvisionReport, OpError> {
    let desired = DesiredTenant::render(opts.config, opts.templates, &opts.request())?;
    let ctx = graph::Provision {
        client,
        reporter,
        config: opts.config,
        desired: &desired,
        start_timeout: opts.start_timeout,
        health_poll_interval: opts.health_poll_interval,
        lock_actor: (!opts.dry_run).then(|| opts.actor.clone()),
        lock: tokio::sync::Mutex::new(None),
    };
    let (graph, handles) = graph::graph(&ctx);
    let result = if opts.dry_run {
        engine::plan(&graph).await
    } else {
        engine::run(&graph, RunOptions::default(), reporter).await
    };
    // Done or failed, the tenant lock goes back; one that cannot be deleted expires.
    if let Some(held) = ctx.lock.lock().await.take()
        && let Err(e) = held.release().await
    {
        reporter.step(
            &desired.tenant,
            "app",
            crate::engine::StepEvent::Progress {
                message: format!("could not release the tenant lock ({e}); it expires on its own"),
            },
        );
    }
    let outcomes = result.map_err(|e| match e {
        RunError::Step { step, error, .. } => error
            .at_step(step)
            .in_operation(format!("provisioning tenant `{}`", desired.tenant))
            .with_resume(opts.resume()),
        internal @ RunError::Internal { .. } => OpError::failed(internal.to_string()),
    })?;
    let steps = outcomes.steps.iter().map(StepReport::from).collect();
    let app = outcomes.get(handles.app);
    Ok(ProvisionReport {
        tenant: desired.tenant.clone(),
        app: desired.app.clone(),
        tier: opts.tier.clone(),
        region: opts.region.clone(),
        image: desired.image.clone(),
        template: desired.template.clone(),
        template_version: desired.template_version.clone(),
        dry_run: opts.dry_run,
        changed: outcomes.changed(),
        new_tenant: app.is_none_or(|a| a.created),
        steps,
        machine_id: outcomes.get(handles.machine).map(|m| m.machine.id.clone()),
        volume_id: outcomes.get(handles.volume).map(|v| v.id.clone()),
        ips: outcomes
            .get(handles.ips)
            .map(|ips| ips.as_ref().clone())
            .unwrap_or_default(),
        domains: desired.domains.clone(),
    })
}
