//! The restore's steps (see [`super::restore`]), run with the machine's lease held.

use std::sync::{Arc, Mutex};

use fly_api::FlyClient;
use fly_api::types::machines::state;
use fly_api::types::{CreateVolumeRequest, LaunchMachineInput, Machine, StopRequest, Volume};

use super::restore::RestorePlan;
use super::restore::{HEALTH_POLL, START_TIMEOUT};
use crate::config::Config;
use crate::engine::{Applied, Graph, Observation, Reporter, Step, StepEvent};
use crate::error::OpError;
use crate::metadata;
use crate::resources::{create_once, health, machine, remove_once};

type Observed<T, C> = Result<Observation<T, C>, OpError>;
type Done<T> = Result<Applied<T>, OpError>;

/// The volume made from the snapshot.
pub(super) struct NewVolume {
    pub id: String,
}

pub(super) enum VolumeChange {
    Create,
    /// Made by an earlier run that was interrupted: taken over, so undo deletes it too.
    Reuse(String),
}

/// What the machine step left.
pub(super) struct Placed {
    /// The machine was moved (or its move finished) in this run.
    pub moved: bool,
}

pub(super) enum MachineChange {
    /// Stop, mount the new volume, start.
    Move,
    /// An earlier run moved it; make sure it runs.
    Start,
}

pub(super) struct Restore<'a> {
    client: &'a FlyClient,
    config: &'a Config,
    reporter: &'a dyn Reporter,
    plan: &'a RestorePlan,
    nonce: &'a str,
    made: Mutex<Option<String>>,
}

/// Builds the graph.
pub(super) fn graph<'a>(r: &'a Restore<'a>) -> Graph<'a, OpError> {
    let plan = r.plan;
    let mut graph = Graph::new(plan.tenant.as_str());
    let volume = graph.add(
        Step::new(
            "volume",
            format!(
                "volume {} from snapshot {} ({} GB, {})",
                plan.old.name, plan.snapshot.id, plan.size_gb, plan.old.region
            ),
            (),
            move |()| r.observe_volume(),
            move |(), change| r.apply_volume(change),
        )
        .undo(move |made: Arc<NewVolume>| r.undo_volume(made))
        .calls([
            "POST /machines/{id}/metadata/{key}",
            "POST /volumes (snapshot_id)",
        ]),
    );
    let placed = graph.add(
        Step::new(
            "machine",
            format!(
                "machine {} on the restored volume and started",
                plan.machine.id
            ),
            volume,
            move |volume| r.observe_machine(volume),
            move |volume, change| r.apply_machine(volume, change),
        )
        .undo(move |placed: Arc<Placed>| r.undo_machine(placed))
        .calls([
            "POST /machines/{id}/stop (lease nonce)",
            "POST /machines/{id} (lease nonce)",
            "POST /machines/{id}/start (lease nonce)",
            "GET /machines/{id}/wait",
        ]),
    );
    graph.add(
        Step::new(
            "health",
            format!("health gate within {}", r.config.health.timeout),
            placed,
            move |placed| r.observe_health(placed),
            move |_, ()| r.apply_health(),
        )
        .calls(["GET /machines/{id}"]),
    );
    graph
}

impl<'a> Restore<'a> {
    pub fn new(
        client: &'a FlyClient,
        config: &'a Config,
        reporter: &'a dyn Reporter,
        plan: &'a RestorePlan,
        nonce: &'a str,
    ) -> Self {
        Restore {
            client,
            config,
            reporter,
            plan,
            nonce,
            made: Mutex::new(None),
        }
    }

    /// The new volume's id, once the volume step found or made it.
    pub fn new_volume(&self) -> Option<String> {
        self.made.lock().ok().and_then(|m| m.clone())
    }

    fn remember(&self, id: &str) {
        if let Ok(mut made) = self.made.lock() {
            *made = Some(id.to_string());
        }
    }

    fn note(&self, step: &'static str) -> impl Fn(String) + Send + Sync + '_ {
        move |message| {
            self.reporter
                .step(&self.plan.tenant, step, StepEvent::Progress { message })
        }
    }

    fn app(&self) -> &str {
        &self.plan.app
    }

    fn snapshot(&self) -> &str {
        &self.plan.snapshot.id
    }

    fn done(&self) -> bool {
        self.plan.record.as_ref().is_some_and(|r| r.done)
    }

    async fn set(&self, key: &str, value: &str) -> Result<(), OpError> {
        let id = self.plan.machine_id();
        self.client
            .set_metadata(self.app(), id, key, value)
            .await
            .map_err(|e| OpError::api(format!("record the restore on machine {id}"), e))
    }

    // -------------------------------------------------------------- volume

    /// A live volume by id; `None` when gone or on its way out.
    async fn live_volume(&self, id: &str) -> Result<Option<Volume>, OpError> {
        match self.client.get_volume(self.app(), id).await {
            Ok(v) if !v.is_being_destroyed() => Ok(Some(v)),
            Ok(_) => Ok(None),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(OpError::api(format!("read volume {id}"), e)),
        }
    }

    /// A volume an interrupted create left: the old volume's name and region, attached to
    /// nothing, and not one of `known`. Newest first when there are several.
    async fn left_by_create(&self, known: &[String]) -> Result<Option<Volume>, OpError> {
        let old = &self.plan.old;
        let mut volumes: Vec<Volume> = self
            .client
            .list_volumes(self.app())
            .await
            .map_err(|e| OpError::api("list volumes", e))?
            .into_iter()
            .filter(|v| {
                v.name == old.name
                    && v.region == old.region
                    && v.id != old.id
                    && v.attached_machine_id.is_none()
                    && !v.is_being_destroyed()
                    && !known.contains(&v.id)
            })
            .collect();
        volumes.sort_by(|a, b| b.created_at.cmp(&a.created_at));
        Ok(volumes.into_iter().next())
    }

    async fn observe_volume(&self) -> Observed<NewVolume, VolumeChange> {
        let create = || {
            Observation::change(
                VolumeChange::Create,
                format!(
                    "create volume {} from snapshot {} ({} GB, {})",
                    self.plan.old.name,
                    self.snapshot(),
                    self.plan.size_gb,
                    self.plan.old.region
                ),
            )
        };
        let Some(record) = &self.plan.record else {
            return Ok(create());
        };
        let found = match &record.volume {
            Some(id) => self.live_volume(id).await?,
            // Interrupted between the create and recording its id.
            None => self.left_by_create(&[]).await?,
        };
        let Some(found) = found else {
            return Ok(create());
        };
        if record.done && self.plan.mounted().as_deref() == Some(found.id.as_str()) {
            self.remember(&found.id);
            return Ok(Observation::satisfied(
                NewVolume {
                    id: found.id.clone(),
                },
                format!(
                    "volume {} was restored from snapshot {}",
                    found.id,
                    self.snapshot()
                ),
            ));
        }
        Ok(Observation::change(
            VolumeChange::Reuse(found.id.clone()),
            format!(
                "reuse volume {} made from snapshot {} by an earlier run",
                found.id,
                self.snapshot()
            ),
        ))
    }

    async fn apply_volume(&self, change: VolumeChange) -> Done<NewVolume> {
        let id = match change {
            VolumeChange::Reuse(id) => {
                self.set(metadata::RESTORE_VOLUME, &id).await?;
                self.remember(&id);
                return Ok(Applied::new(
                    NewVolume { id: id.clone() },
                    format!(
                        "reusing volume {id}, made from snapshot {} by an earlier run",
                        self.snapshot()
                    ),
                ));
            }
            VolumeChange::Create => self.create_volume().await?,
        };
        self.remember(&id.id);
        let detail = format!(
            "created volume {} from snapshot {} ({} GB, {})",
            id.id,
            self.snapshot(),
            self.plan.size_gb,
            self.plan.old.region
        );
        Ok(Applied::new(NewVolume { id: id.id }, detail))
    }

    async fn create_volume(&self) -> Result<NewVolume, OpError> {
        let old = &self.plan.old;
        // The intent first: a run interrupted after the create finds the volume by it.
        self.set(metadata::RESTORE_SNAPSHOT, self.snapshot())
            .await?;
        self.set(metadata::RESTORE_OLD_VOLUME, &old.id).await?;
        for key in [metadata::RESTORE_VOLUME, metadata::RESTORE_DONE] {
            self.forget(key).await?;
        }
        let known: Vec<String> = self
            .client
            .list_volumes(self.app())
            .await
            .map_err(|e| OpError::api("list volumes", e))?
            .into_iter()
            .map(|v| v.id)
            .collect();
        let request = CreateVolumeRequest {
            name: old.name.clone(),
            region: old.region.clone(),
            size_gb: Some(self.plan.size_gb),
            snapshot_id: Some(self.snapshot().to_string()),
            snapshot_retention: old.snapshot_retention,
            auto_backup_enabled: Some(old.auto_backup_enabled),
            // Placement hint: a host with room for the machine that will mount it.
            compute: self
                .plan
                .machine
                .config
                .as_ref()
                .and_then(|c| c.guest.clone()),
            ..CreateVolumeRequest::default()
        };
        let note = self.note("volume");
        let made = create_once(
            "create the volume from the snapshot",
            &note,
            || self.client.create_volume(self.app(), &request),
            || self.left_by_create(&known),
            |e| {
                OpError::api(
                    format!("create a volume from snapshot {}", self.snapshot()),
                    e,
                )
            },
        )
        .await?;
        self.set(metadata::RESTORE_VOLUME, &made.id).await?;
        Ok(NewVolume { id: made.id })
    }

    async fn forget(&self, key: &str) -> Result<(), OpError> {
        let id = self.plan.machine_id();
        match self.client.delete_metadata(self.app(), id, key).await {
            Err(e) if !e.is_not_found() => Err(OpError::api(
                format!("clear metadata {key} of machine {id}"),
                e,
            )),
            _ => Ok(()),
        }
    }

    /// Deletes the new volume (the machine is back on the old one) and the restore's record.
    async fn undo_volume(&self, made: Arc<NewVolume>) -> Result<String, OpError> {
        let id = made.id.as_str();
        let note = self.note("volume");
        remove_once(
            &format!("delete volume {id}"),
            &note,
            || self.client.delete_volume(self.app(), id),
            || async { Ok(self.live_volume(id).await?.is_some()) },
        )
        .await
        .map_err(|e| {
            e.with_hint(format!(
                "delete it with `fly volumes destroy {id} --app {}`",
                self.app()
            ))
        })?;
        for key in metadata::RESTORE_KEYS {
            self.forget(key).await?;
        }
        Ok(format!(
            "deleted volume {id}, made from snapshot {}",
            self.snapshot()
        ))
    }

    // ------------------------------------------------------------- machine

    async fn observe_machine(
        &self,
        volume: Option<Arc<NewVolume>>,
    ) -> Observed<Placed, MachineChange> {
        let id = self.plan.machine_id();
        let mounted = self.plan.mounted();
        match volume {
            Some(v) if mounted.as_deref() == Some(v.id.as_str()) => {
                if self.done() {
                    return Ok(Observation::satisfied(
                        Placed { moved: false },
                        format!("machine {id} mounts volume {}", v.id),
                    ));
                }
                Ok(Observation::change(
                    MachineChange::Start,
                    format!("machine {id} mounts volume {}; make sure it runs", v.id),
                ))
            }
            _ => Ok(Observation::change(
                MachineChange::Move,
                format!(
                    "stop machine {id}, mount the restored volume instead of {}, start it",
                    self.plan.old.id
                ),
            )),
        }
    }

    async fn apply_machine(&self, volume: Arc<NewVolume>, change: MachineChange) -> Done<Placed> {
        let id = self.plan.machine_id();
        if let MachineChange::Move = change {
            self.mount(&volume.id, false).await?;
        } else {
            self.ensure_started().await?;
        }
        Ok(Applied::new(
            Placed { moved: true },
            format!(
                "machine {id} mounts volume {} (was {}) and started",
                volume.id, self.plan.old.id
            ),
        ))
    }

    /// Stops the machine, points its mount at `volume` and starts it again. `forget_restore`
    /// drops the restore's metadata from the config (moving back).
    async fn mount(&self, volume: &str, forget_restore: bool) -> Result<(), OpError> {
        let id = self.plan.machine_id();
        let note = self.note("machine");
        // Fresh: the config carries the metadata the volume step just wrote.
        let current = self.get_machine().await?;
        if !matches!(
            current.state.as_str(),
            state::STOPPED | state::SUSPENDED | state::CREATED
        ) {
            note(format!("stopping machine {id}"));
            self.client
                .stop_machine(self.app(), id, &StopRequest::default(), Some(self.nonce))
                .await
                .map_err(|e| OpError::api(format!("stop machine {id}"), e))?;
            self.wait_for(state::STOPPED).await?;
        }
        let mut config = current.config.clone().unwrap_or_default();
        let Some(mount) = config.mounts.first_mut() else {
            return Err(OpError::failed(format!("machine {id} mounts no volume")));
        };
        mount.volume = volume.to_string();
        if forget_restore {
            for key in metadata::RESTORE_KEYS {
                config.metadata.remove(key);
            }
        }
        let input = LaunchMachineInput {
            config,
            // Started below, once, so the wait sees this boot.
            skip_launch: true,
            ..LaunchMachineInput::default()
        };
        note(format!("mounting volume {volume} on machine {id}"));
        self.client
            .update_machine(self.app(), id, &input, Some(self.nonce))
            .await
            .map_err(|e| OpError::api(format!("update machine {id}"), e))?;
        self.wait_for(state::STOPPED).await?;
        self.ensure_started().await
    }

    async fn ensure_started(&self) -> Result<(), OpError> {
        let id = self.plan.machine_id();
        let current = self.get_machine().await?;
        if current.state != state::STARTED {
            self.client
                .start_machine(self.app(), id, Some(self.nonce))
                .await
                .map_err(|e| OpError::api(format!("start machine {id}"), e))?;
        }
        let note = self.note("machine");
        machine::wait_started(self.client, self.app(), id, START_TIMEOUT, &note).await
    }

    async fn get_machine(&self) -> Result<Machine, OpError> {
        let id = self.plan.machine_id();
        self.client
            .get_machine(self.app(), id)
            .await
            .map_err(|e| OpError::api(format!("read machine {id}"), e))
    }

    async fn wait_for(&self, wanted: &str) -> Result<(), OpError> {
        let id = self.plan.machine_id();
        let params = fly_api::types::WaitParams::new(&[wanted], START_TIMEOUT);
        self.client
            .wait_for_state(self.app(), id, &params)
            .await
            .map_err(|e| OpError::api(format!("wait for machine {id} to be {wanted}"), e))
    }

    /// Moves the machine back to the old volume and waits until it is healthy there.
    async fn undo_machine(&self, placed: Arc<Placed>) -> Result<String, OpError> {
        let id = self.plan.machine_id();
        let old = &self.plan.old.id;
        if !placed.moved {
            return Ok(format!("machine {id} kept its volume"));
        }
        self.mount(old, true).await?;
        self.wait_healthy().await?;
        Ok(format!(
            "machine {id} mounts its old volume {old} again and is healthy"
        ))
    }

    // -------------------------------------------------------------- health

    async fn wait_healthy(&self) -> Result<String, OpError> {
        health::wait_healthy(
            self.client,
            self.app(),
            self.plan.machine_id(),
            self.config.health.timeout.as_duration(),
            HEALTH_POLL,
            None,
            &self.note("health"),
        )
        .await
    }

    async fn observe_health(&self, placed: Option<Arc<Placed>>) -> Observed<(), ()> {
        if placed.is_some_and(|p| !p.moved) && self.done() {
            return Ok(Observation::satisfied(
                (),
                format!(
                    "health gate passed after the restore from {}",
                    self.snapshot()
                ),
            ));
        }
        Ok(Observation::change((), "wait for the health gate"))
    }

    async fn apply_health(&self) -> Done<()> {
        let summary = self.wait_healthy().await?;
        self.set(metadata::RESTORE_DONE, self.snapshot()).await?;
        Ok(Applied::new((), summary))
    }
}
