//! `deploy`: ship a new image to one tenant and leave every other tenant alone.
//!
//! Two steps, run with rollback:
//!
//! ```text
//! machine ── health
//! ```
//!
//! The machine's lease is held from before the machine is read until the gate has passed or
//! the rollback is done, so another operation on the tenant (an upgrade, a second deploy)
//! waits for it instead of being overwritten by a config read before it ran. `machine` reads
//! the machine under the lease, updates it to the image and waits for it to start; `health`
//! waits for the health gate. When the gate fails, the engine undoes `machine`: the previous
//! config goes back and must become healthy again. Deploying the image the tenant already
//! runs changes nothing; a re-run that finds the image on a machine whose gate failed (an
//! interrupted deploy) restarts it once and gives the new boot the whole gate.

use std::sync::Arc;
use std::time::Duration;

use fly_api::types::{LaunchMachineInput, Machine, MachineConfig, RestartRequest};
use fly_api::{FlyClient, LeaseOptions, owner_description};
use serde::Serialize;

use crate::config::Config;
use crate::engine::{
    self, Applied, Graph, Observation, Reporter, RunError, RunOptions, Step, StepEvent,
};
use crate::error::{ErrorClass, OpError, Resume};
use crate::resources::{app, health, machine};
use crate::tenant::{AppName, TenantId};

use super::provision::StepReport;

/// What to deploy where.
#[derive(Debug, Clone)]
pub struct DeployOptions<'a> {
    pub tenant: String,
    pub image: String,
    pub config: &'a Config,
    /// How long the machine may take to reach `started`.
    pub start_timeout: Duration,
    /// How often the health gate polls the machine's checks.
    pub health_poll_interval: Duration,
    /// Only observe: real reads, no writes; the report says what would change.
    pub dry_run: bool,
}

impl<'a> DeployOptions<'a> {
    /// Options with a 2 minute start timeout and a 250 ms health poll.
    pub fn new(config: &'a Config, tenant: impl Into<String>, image: impl Into<String>) -> Self {
        DeployOptions {
            tenant: tenant.into(),
            image: image.into(),
            config,
            start_timeout: Duration::from_secs(120),
            health_poll_interval: Duration::from_millis(250),
            dry_run: false,
        }
    }
}

/// The result of [`deploy`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeployReport {
    pub tenant: String,
    pub app: String,
    pub machine_id: String,
    /// The image the machine ran before.
    pub previous_image: String,
    pub image: String,
    pub dry_run: bool,
    /// False when the tenant already ran the image (and always in a dry run).
    pub changed: bool,
    pub steps: Vec<StepReport>,
}

/// The machine as the `machine` step left it, and what to put back.
struct Deployed {
    machine: Machine,
    previous: MachineConfig,
    updated: bool,
}

struct Deploy<'a> {
    client: &'a FlyClient,
    reporter: &'a dyn Reporter,
    opts: &'a DeployOptions<'a>,
    app: String,
    /// The machine's lease nonce; `None` in a dry run, which only reads.
    nonce: Option<&'a str>,
    /// The machine, when it was found before the steps run: they read it again by id (under
    /// the lease, when one is held).
    machine_id: Option<&'a str>,
    /// (machine id, image) as the machine step's observe read them, for a dry run's report.
    planned: std::sync::Mutex<Option<(String, String)>>,
}

/// Ships `opts.image` to the tenant's machine; see the module docs.
pub async fn deploy(
    client: &FlyClient,
    opts: &DeployOptions<'_>,
    reporter: &dyn Reporter,
) -> Result<DeployReport, OpError> {
    let tenant = TenantId::parse(&opts.tenant)?;
    let app = AppName::for_tenant(&opts.config.app_name_pattern, &tenant)?.to_string();
    check_image(&opts.image)?;
    if opts.dry_run {
        return run(client, opts, reporter, &tenant, &app, None, None).await;
    }
    // The machine is looked up to take its lease; the steps read it again under the lease.
    app::require(client, &opts.tenant, &app, &opts.config.org).await?;
    let Some(found) = machine::find(client, &app, &opts.tenant).await? else {
        return Err(no_machine(&opts.tenant));
    };
    // Already on the image and healthy: nothing to change, so no lease either.
    let current = found.config.as_ref().and_then(|c| c.image.as_deref());
    if current == Some(opts.image.as_str()) && health::is_healthy(&found) {
        return run(client, opts, reporter, &tenant, &app, Some(&found.id), None).await;
    }
    let lease = LeaseOptions::new(owner_description("deploy", tenant.as_str()));
    let note = |message: String| {
        reporter.step(tenant.as_str(), "machine", StepEvent::Progress { message })
    };
    machine::under_lease(client, &app, &found.id, &lease, &note, async |nonce| {
        run(
            client,
            opts,
            reporter,
            &tenant,
            &app,
            Some(&found.id),
            Some(nonce),
        )
        .await
    })
    .await
}

fn no_machine(tenant: &str) -> OpError {
    OpError::failed(format!(
        "tenant `{tenant}` has no machine; provision it first"
    ))
}

/// The step graph, run under the lease (with its nonce) or without one (a plan, or a tenant
/// already on the image).
async fn run(
    client: &FlyClient,
    opts: &DeployOptions<'_>,
    reporter: &dyn Reporter,
    tenant: &TenantId,
    app: &str,
    machine_id: Option<&str>,
    nonce: Option<&str>,
) -> Result<DeployReport, OpError> {
    let ctx = Deploy {
        client,
        reporter,
        opts,
        app: app.to_string(),
        nonce,
        machine_id,
        planned: std::sync::Mutex::new(None),
    };
    let mut graph = Graph::new(tenant.as_str());
    let p = &ctx;
    let deployed = graph.add(
        Step::new(
            "machine",
            format!(
                "update the machine to {} and wait until started",
                opts.image
            ),
            (),
            move |()| p.observe_machine(),
            move |(), found| p.apply_machine(found),
        )
        .undo(move |deployed: Arc<Deployed>| p.undo_machine(deployed)),
    );
    graph.add(Step::new(
        "health",
        format!("health gate within {}", opts.config.health.timeout),
        deployed,
        move |deployed| p.observe_health(deployed),
        move |deployed, ()| p.apply_health(deployed),
    ));

    let result = if opts.dry_run {
        engine::plan(&graph).await
    } else {
        engine::run(&graph, RunOptions { rollback: true }, reporter).await
    };
    let outcomes = match result {
        Ok(outcomes) => outcomes,
        Err(RunError::Step {
            step,
            error,
            rollback,
            ..
        }) => return Err(failure(&ctx, tenant, step, error, rollback)),
        Err(internal @ RunError::Internal { .. }) => {
            return Err(OpError::failed(internal.to_string()));
        }
    };
    let steps = outcomes.steps.iter().map(StepReport::from).collect();
    let (machine_id, previous_image) = match outcomes.get(deployed) {
        Some(result) => (
            result.machine.id.clone(),
            result.previous.image.clone().unwrap_or_default(),
        ),
        // A plan that would update the machine: the observe read it.
        None if opts.dry_run => {
            let planned = ctx.planned.lock().map(|p| p.clone()).unwrap_or_default();
            planned.unwrap_or_default()
        }
        None => return Err(OpError::failed("the machine step left no machine")),
    };
    Ok(DeployReport {
        tenant: tenant.to_string(),
        app: ctx.app.clone(),
        machine_id,
        previous_image,
        image: opts.image.clone(),
        dry_run: opts.dry_run,
        changed: outcomes.changed(),
        steps,
    })
}

/// A failed deploy, saying what the rollback did and so what state the tenant is in.
fn failure(
    ctx: &Deploy<'_>,
    tenant: &TenantId,
    step: &'static str,
    error: OpError,
    rollback: Option<engine::Rollback>,
) -> OpError {
    let operation = format!("deploying {} to tenant `{tenant}`", ctx.opts.image);
    let error = error.at_step(step).in_operation(operation);
    let Some(rollback) = rollback else {
        return error;
    };
    let reason = error.reason().to_string();
    if let Some((_, why)) = &rollback.failed {
        // The machine runs the new image and could not be put back: deploying again repairs.
        return error
            .with_reason(format!(
                "{reason}; rolling back failed too ({why}): the machine may still run {}",
                ctx.opts.image
            ))
            .with_resume(Resume::new(
                "deploy",
                [tenant.as_str(), "--image", ctx.opts.image.as_str()],
            ));
    }
    match rollback.undone.first() {
        Some((_, undone)) => error
            .with_reason(format!("{reason}; rolled back: {undone}"))
            .mark_rolled_back(),
        None => error,
    }
}

/// A plausible image reference (checked before anything is sent): no blanks or control characters, a lowercase repository.
pub fn check_image(image: &str) -> Result<(), OpError> {
    let invalid = |why: &str| {
        OpError::invalid(format!(
            "image `{}` is not an image reference: {why}",
            image.escape_debug()
        ))
        .with_hint("pass one such as registry.fly.io/my-app:2026-12-01")
    };
    if image.trim().is_empty() {
        return Err(invalid("it is empty"));
    }
    if image.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid("it contains blanks"));
    }
    let repository = image.split(['@', ':']).next().unwrap_or_default();
    let repository = match image.split_once('/') {
        // A registry host may have a port: `host:5000/name:tag`.
        Some((host, rest)) if host.contains(['.', ':']) => rest.split(['@', ':']).next(),
        _ => Some(repository),
    }
    .unwrap_or_default();
    if repository.is_empty() || repository.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(invalid("the repository must be lowercase and not empty"));
    }
    Ok(())
}

impl Deploy<'_> {
    fn note(&self, step: &'static str) -> impl Fn(String) + Send + Sync + '_ {
        move |message| {
            self.reporter
                .step(&self.opts.tenant, step, StepEvent::Progress { message })
        }
    }

    async fn observe_machine(&self) -> Result<Observation<Deployed, Machine>, OpError> {
        let found = match self.machine_id {
            // The app and the machine were found before the steps; the machine as it is now
            // (under the lease) is what gets changed.
            Some(id) => self
                .client
                .get_machine(&self.app, id)
                .await
                .map_err(|e| OpError::api(format!("read machine {id}"), e))?,
            None => {
                app::require(
                    self.client,
                    &self.opts.tenant,
                    &self.app,
                    &self.opts.config.org,
                )
                .await?;
                machine::find(self.client, &self.app, &self.opts.tenant)
                    .await?
                    .ok_or_else(|| no_machine(&self.opts.tenant))?
            }
        };
        let Some(previous) = found.config.clone() else {
            return Err(OpError::failed(format!(
                "machine {} has no config to deploy over",
                found.id
            )));
        };
        let current = previous.image.clone().unwrap_or_default();
        if let Ok(mut planned) = self.planned.lock() {
            *planned = Some((found.id.clone(), current.clone()));
        }
        if current == self.opts.image {
            let detail = format!("machine {} already runs {current}", found.id);
            let deployed = Deployed {
                machine: found,
                previous,
                updated: false,
            };
            return Ok(Observation::satisfied(deployed, detail));
        }
        let summary = format!("machine {} runs {current}", found.id);
        Ok(Observation::change(found, summary))
    }

    /// The lease's nonce. Changes happen under the lease only; without one, the machine moved
    /// since it was found on the image and healthy.
    fn nonce(&self, id: &str) -> Result<&str, OpError> {
        self.nonce.ok_or_else(|| {
            OpError::conflict(format!(
                "machine {id} changed while deploy was looking at it; nothing was changed"
            ))
            .with_hint("run the deploy again")
        })
    }

    /// Sends `config` to the machine with the lease's nonce and waits for it to start.
    async fn replace_config(&self, id: &str, config: MachineConfig) -> Result<Machine, OpError> {
        let input = LaunchMachineInput {
            config,
            ..LaunchMachineInput::default()
        };
        let nonce = self.nonce(id)?;
        let updated = self
            .client
            .update_machine(&self.app, id, &input, Some(nonce))
            .await
            .map_err(|e| OpError::api(format!("update machine {id}"), e))?;
        let note = self.note("machine");
        machine::wait_started(self.client, &self.app, id, self.opts.start_timeout, &note).await?;
        Ok(updated)
    }

    async fn apply_machine(&self, found: Machine) -> Result<Applied<Deployed>, OpError> {
        let previous = found.config.clone().unwrap_or_default();
        let mut config = previous.clone();
        config.image = Some(self.opts.image.clone());
        let updated = self.replace_config(&found.id, config).await?;
        let detail = format!(
            "machine {} runs {} (was {})",
            updated.id,
            self.opts.image,
            previous.image.clone().unwrap_or_default()
        );
        Ok(Applied::new(
            Deployed {
                machine: updated,
                previous,
                updated: true,
            },
            detail,
        ))
    }

    /// Puts the previous config back and waits until the tenant is healthy on it.
    async fn undo_machine(&self, deployed: Arc<Deployed>) -> Result<String, OpError> {
        let id = &deployed.machine.id;
        self.replace_config(id, deployed.previous.clone()).await?;
        self.wait_healthy(id).await?;
        Ok(format!(
            "machine {id} runs {} again and is healthy",
            deployed.previous.image.clone().unwrap_or_default()
        ))
    }

    async fn wait_healthy(&self, id: &str) -> Result<String, OpError> {
        health::wait_healthy(
            self.client,
            &self.app,
            id,
            self.opts.config.health.timeout.as_duration(),
            self.opts.health_poll_interval,
            None,
            &self.note("health"),
        )
        .await
    }

    async fn observe_health(
        &self,
        deployed: Option<Arc<Deployed>>,
    ) -> Result<Observation<(), ()>, OpError> {
        match deployed {
            // Nothing was deployed and the machine as read is healthy: nothing to wait for.
            Some(d) if !d.updated && health::is_healthy(&d.machine) => Ok(Observation::satisfied(
                (),
                health::Checks::of(&d.machine).summary(),
            )),
            _ => Ok(Observation::change((), "wait for the health gate")),
        }
    }

    async fn apply_health(&self, deployed: Arc<Deployed>) -> Result<Applied<()>, OpError> {
        let id = &deployed.machine.id;
        match self.wait_healthy(id).await {
            Ok(summary) => Ok(Applied::new((), summary)),
            // An earlier, interrupted deploy left the image on a boot whose checks failed:
            // waiting on that boot again would fail every re-run. One restart, then the gate.
            Err(e) if !deployed.updated && e.class() == ErrorClass::Failed => {
                let note = self.note("health");
                note(format!("machine {id} fails its health gate; restarting it"));
                self.client
                    .restart_machine(
                        &self.app,
                        id,
                        &RestartRequest::default(),
                        Some(self.nonce(id)?),
                    )
                    .await
                    .map_err(|e| OpError::api(format!("restart machine {id}"), e))?;
                machine::wait_started(self.client, &self.app, id, self.opts.start_timeout, &note)
                    .await?;
                let summary = self.wait_healthy(id).await?;
                Ok(Applied::new((), format!("{summary} (after a restart)")))
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references_are_checked() {
        for good in [
            "registry.fly.io/app:1",
            "nginx",
            "localhost:5000/a/b:tag",
            "ghcr.io/acme/drupal@sha256:abc",
        ] {
            assert!(check_image(good).is_ok(), "{good}");
        }
        for bad in ["", " ", "a b", "Registry.fly.io/App:1x", "x\n"] {
            assert!(check_image(bad).is_err(), "{bad:?}");
        }
    }
}
