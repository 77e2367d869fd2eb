//! The upgrade's steps, run while the machine's lease is held (the nonce is passed in):
//!
//! ```text
//! volume ── machine ── health
//! ```
//!
//! `volume` grows the volume to the new tier's size (never shrinks it); `machine` sends the
//! re-rendered config and waits until the machine has started on it, or only restarts it when
//! the volume grew but the config is already the new one; `health` waits for the health gate.
//! When the gate fails, the engine undoes `machine`: the previous config goes back and must be
//! healthy again. A grown volume stays grown.

use std::sync::Arc;

use fly_api::FlyClient;
use fly_api::types::machines::state;
use fly_api::types::{LaunchMachineInput, Machine, MachineConfig, RestartRequest};

use super::UpgradeOptions;
use super::UpgradePlan;
use crate::engine::{Applied, Graph, Observation, Reporter, Step, StepEvent};
use crate::error::{ErrorClass, OpError};
use crate::resources::{health, machine};

type Observed<T, C> = Result<Observation<T, C>, OpError>;
type Done<T> = Result<Applied<T>, OpError>;

/// What the volume step left.
pub(super) struct Grown {
    pub needs_restart: bool,
}

/// What the machine step left.
pub(super) struct Placed {
    pub machine: Option<Machine>,
    /// The config was replaced in this run (so undo puts the previous one back).
    pub updated: bool,
    /// The machine was restarted or updated in this run.
    pub touched: bool,
}

pub(super) enum MachineChange {
    Update,
    Restart,
}

pub(super) struct Upgrade<'a> {
    pub client: &'a FlyClient,
    pub reporter: &'a dyn Reporter,
    pub opts: &'a UpgradeOptions<'a>,
    pub plan: &'a UpgradePlan,
    pub nonce: &'a str,
}

/// Builds the graph.
pub(super) fn graph<'a>(u: &'a Upgrade<'a>) -> Graph<'a, OpError> {
    let plan = u.plan;
    let mut graph = Graph::new(plan.tenant.as_str());
    let grown = graph.add(
        Step::new(
            "volume",
            format!(
                "volume {} at {} GB",
                plan.volume.id, plan.volume.target_size_gb
            ),
            (),
            move |()| u.observe_volume(),
            move |(), ()| u.apply_volume(),
        )
        .calls(["PUT /volumes/{id}/extend"]),
    );
    let placed = graph.add(
        Step::new(
            "machine",
            format!(
                "machine {} on tier {} and started",
                plan.machine.id, plan.to_tier
            ),
            grown,
            move |grown| u.observe_machine(grown),
            move |_, change| u.apply_machine(change),
        )
        .undo(move |placed: Arc<Placed>| u.undo_machine(placed))
        .calls([
            "POST /machines/{id} (lease nonce)",
            "POST /machines/{id}/restart",
            "GET /machines/{id}/wait",
        ]),
    );
    graph.add(
        Step::new(
            "health",
            format!("health gate within {}", u.opts.config.health.timeout),
            placed,
            move |placed| u.observe_health(placed),
            move |placed, ()| u.apply_health(placed),
        )
        .calls(["GET /machines/{id}"]),
    );
    graph
}

impl Upgrade<'_> {
    fn note(&self, step: &'static str) -> impl Fn(String) + Send + Sync + '_ {
        move |message| {
            self.reporter
                .step(&self.plan.tenant, step, StepEvent::Progress { message })
        }
    }

    fn machine_id(&self) -> &str {
        &self.plan.machine.id
    }

    async fn observe_volume(&self) -> Observed<Grown, ()> {
        let v = &self.plan.volume;
        if !v.extends() {
            let kept = if v.tier_size_gb < v.size_gb {
                " (kept: a volume is never shrunk)"
            } else {
                ""
            };
            return Ok(Observation::satisfied(
                Grown {
                    needs_restart: false,
                },
                format!("volume {} is {} GB{kept}", v.id, v.size_gb),
            ));
        }
        Ok(Observation::change(
            (),
            format!(
                "extend volume {} from {} to {} GB",
                v.id, v.size_gb, v.target_size_gb
            ),
        ))
    }

    async fn apply_volume(&self) -> Done<Grown> {
        let v = &self.plan.volume;
        self.note("volume")(format!(
            "extending volume {} to {} GB",
            v.id, v.target_size_gb
        ));
        let answer = self
            .client
            .extend_volume(&self.plan.app, &v.id, v.target_size_gb)
            .await
            .map_err(|e| OpError::api(format!("extend volume {}", v.id), e))?;
        let restart = if answer.needs_restart {
            "; the machine must restart to see it"
        } else {
            ""
        };
        Ok(Applied::new(
            Grown {
                needs_restart: answer.needs_restart,
            },
            format!(
                "extended volume {} from {} to {} GB{restart}",
                v.id, v.size_gb, v.target_size_gb
            ),
        ))
    }

    async fn observe_machine(&self, grown: Option<Arc<Grown>>) -> Observed<Placed, MachineChange> {
        let plan = &self.plan.machine;
        if !plan.on_target {
            return Ok(Observation::change(
                MachineChange::Update,
                format!(
                    "update machine {} to tier {} and wait until started",
                    plan.id, self.plan.to_tier
                ),
            ));
        }
        // In a plan the volume step's output is missing exactly when it would grow the volume;
        // whether Fly then asks for a restart is only known after the call.
        let needs_restart = grown.is_none_or(|g| g.needs_restart);
        if needs_restart && self.plan.volume.extends() {
            return Ok(Observation::change(
                MachineChange::Restart,
                format!("restart machine {} to see the larger volume", plan.id),
            ));
        }
        Ok(Observation::satisfied(
            Placed {
                machine: Some(plan.machine.clone()),
                updated: false,
                touched: false,
            },
            format!("machine {} is on tier {}", plan.id, self.plan.to_tier),
        ))
    }

    async fn apply_machine(&self, change: MachineChange) -> Done<Placed> {
        let id = self.machine_id();
        match change {
            MachineChange::Update => {
                self.replace_config(self.plan.machine.target.clone())
                    .await?;
                Ok(Applied::new(
                    Placed {
                        machine: None,
                        updated: true,
                        touched: true,
                    },
                    format!(
                        "machine {id} runs the tier {} config (template {})",
                        self.plan.to_tier, self.plan.template_version
                    ),
                ))
            }
            MachineChange::Restart => {
                self.client
                    .restart_machine(
                        &self.plan.app,
                        id,
                        &RestartRequest::default(),
                        Some(self.nonce),
                    )
                    .await
                    .map_err(|e| OpError::api(format!("restart machine {id}"), e))?;
                self.wait_started().await?;
                Ok(Applied::new(
                    Placed {
                        machine: None,
                        updated: false,
                        touched: true,
                    },
                    format!("restarted machine {id}"),
                ))
            }
        }
    }

    /// Sends `config` with the lease's nonce and waits for the machine to start on it.
    async fn replace_config(&self, config: MachineConfig) -> Result<(), OpError> {
        let id = self.machine_id();
        let input = LaunchMachineInput {
            config,
            ..LaunchMachineInput::default()
        };
        self.client
            .update_machine(&self.plan.app, id, &input, Some(self.nonce))
            .await
            .map_err(|e| OpError::api(format!("update machine {id}"), e))?;
        self.wait_started().await
    }

    async fn wait_started(&self) -> Result<(), OpError> {
        let note = self.note("machine");
        machine::wait_started(
            self.client,
            &self.plan.app,
            self.machine_id(),
            self.opts.start_timeout,
            &note,
        )
        .await
    }

    /// Puts the previous config back and waits until the tenant is healthy on it.
    async fn undo_machine(&self, placed: Arc<Placed>) -> Result<String, OpError> {
        let id = self.machine_id();
        if !placed.updated {
            return Ok(format!("machine {id} kept its config"));
        }
        self.replace_config(self.plan.machine.current.clone())
            .await?;
        self.wait_healthy().await?;
        Ok(format!(
            "machine {id} runs its tier {} config again and is healthy",
            self.plan.from_tier
        ))
    }

    async fn wait_healthy(&self) -> Result<String, OpError> {
        health::wait_healthy(
            self.client,
            &self.plan.app,
            self.machine_id(),
            self.opts.config.health.timeout.as_duration(),
            self.opts.health_poll_interval,
            None,
            &self.note("health"),
        )
        .await
    }

    async fn observe_health(&self, placed: Option<Arc<Placed>>) -> Observed<(), ()> {
        let Some(seen) = placed.as_ref().filter(|p| !p.touched) else {
            return Ok(Observation::change((), "wait for the health gate"));
        };
        let Some(machine) = &seen.machine else {
            return Ok(Observation::change((), "wait for the health gate"));
        };
        if health::is_healthy(machine) {
            return Ok(Observation::satisfied(
                (),
                health::Checks::of(machine).summary(),
            ));
        }
        let idle = matches!(machine.state.as_str(), state::STOPPED | state::SUSPENDED);
        if idle && !self.plan.always_on {
            return Ok(Observation::satisfied(
                (),
                format!(
                    "machine {} is {} (auto-stop tier); it starts on the next request",
                    machine.id, machine.state
                ),
            ));
        }
        Ok(Observation::change((), "wait for the health gate"))
    }

    async fn apply_health(&self, placed: Arc<Placed>) -> Done<()> {
        match self.wait_healthy().await {
            Ok(summary) => Ok(Applied::new((), summary)),
            // An earlier, interrupted upgrade left the machine on the tier's config with a boot
            // whose checks failed: waiting on that boot again would fail every re-run. One
            // restart under the lease, then the whole gate.
            Err(e) if !placed.touched && e.class() == ErrorClass::Failed => {
                let id = self.machine_id();
                self.note("health")(format!("machine {id} fails its health gate; restarting it"));
                self.client
                    .restart_machine(
                        &self.plan.app,
                        id,
                        &RestartRequest::default(),
                        Some(self.nonce),
                    )
                    .await
                    .map_err(|e| OpError::api(format!("restart machine {id}"), e))?;
                self.wait_started().await?;
                let summary = self.wait_healthy().await?;
                Ok(Applied::new((), format!("{summary} (after a restart)")))
            }
            Err(e) => Err(e),
        }
    }
}
