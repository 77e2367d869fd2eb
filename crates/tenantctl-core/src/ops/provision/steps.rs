//! provision's steps: each observes what exists, then applies only what is missing, through
//! the building blocks in [`crate::resources`].

use std::sync::Arc;

use fly_api::types::machines::state;
use fly_api::types::{CreateVolumeRequest, LaunchMachineInput, Machine, Volume};
use fly_api::{FlyClient, LeaseOptions, owner_description};

use super::graph::{AppState, HealthChange, IpsChange, MachineChange, MachineState, Provision};
use crate::config::{HealthCheck, Hook};
use crate::engine::{Applied, Observation, StepEvent};
use crate::error::{ErrorClass, OpError, Suggestion};
use crate::metadata;
use crate::resources::secrets::{GENERATED, Written};
use crate::resources::{app, certificates, health, hooks, ips, lock, machine, secrets, volume};

type Observed<T, C> = Result<Observation<T, C>, OpError>;
type Done<T> = Result<Applied<T>, OpError>;

/// The app was created by this run: nothing in it needs looking up.
fn fresh(app: &Option<Arc<AppState>>) -> bool {
    app.as_ref().is_none_or(|a| a.created)
}

impl Provision<'_> {
    /// Progress notes of `step`, keyed by the tenant.
    fn note(&self, step: &'static str) -> impl Fn(String) + Send + Sync + '_ {
        move |message| {
            self.reporter
                .step(&self.desired.tenant, step, StepEvent::Progress { message })
        }
    }

    fn client_app(&self) -> (&FlyClient, &str) {
        (self.client, &self.desired.app)
    }

    // ----------------------------------------------------------------- app

    pub(super) async fn observe_app(&self) -> Observed<AppState, ()> {
        let d = self.desired;
        Ok(match app::find(self.client, &d.app, &d.org).await? {
            Some(_) => {
                // Without a machine, another run may be creating this tenant's volume and
                // machine right now: the steps after this one look and create under the tenant
                // lock. With one, the machine's lease guards what is left (the hooks), and a
                // re-run of a complete tenant only reads.
                if machine::find(self.client, &d.app, &d.tenant)
                    .await?
                    .is_none()
                {
                    self.take_lock().await?;
                }
                Observation::satisfied(AppState { created: false }, format!("app {} exists", d.app))
            }
            None => Observation::change(
                (),
                format!(
                    "tenant `{}` does not exist yet: create app {} on network {}",
                    d.tenant,
                    d.app,
                    d.network()
                ),
            ),
        })
    }

    pub(super) async fn apply_app(&self) -> Done<AppState> {
        let d = self.desired;
        app::create(self.client, &d.app, &d.org, &d.network(), &self.note("app")).await?;
        // Made just now, the app has nothing in it and the later steps skip their look-ups;
        // unless another run got the lock first and worked on it meanwhile.
        let waited = self.take_lock().await?;
        Ok(Applied::new(
            AppState { created: !waited },
            format!("created app {} on network {}", d.app, d.network()),
        ))
    }

    /// Takes the tenant lock (not in a dry run), waiting while another run holds it; true
    /// when another run held it first.
    async fn take_lock(&self) -> Result<bool, OpError> {
        let Some(actor) = &self.lock_actor else {
            return Ok(false);
        };
        let mut slot = self.lock.lock().await;
        if let Some(held) = slot.as_ref() {
            return Ok(held.waited());
        }
        {
            let held = lock::acquire(
                self.client,
                &self.desired.app,
                "provision",
                actor,
                lock::DEFAULT_WAIT,
                &self.note("app"),
            )
            .await?;
            let waited = held.waited();
            *slot = Some(held);
            Ok(waited)
        }
    }

    // ------------------------------------------------------------- secrets

    pub(super) async fn observe_secrets(
        &self,
        app: Option<Arc<AppState>>,
    ) -> Observed<Written, Vec<&'static str>> {
        let (client, name) = self.client_app();
        let missing = if fresh(&app) {
            GENERATED.to_vec()
        } else {
            secrets::missing(client, name, GENERATED).await?
        };
        if missing.is_empty() {
            return Ok(Observation::satisfied(
                Written::default(),
                format!("{} already set", GENERATED.join(", ")),
            ));
        }
        let summary = format!("generate {} (values not shown)", missing.join(", "));
        Ok(Observation::change(missing, summary))
    }

    pub(super) async fn apply_secrets(&self, missing: Vec<&'static str>) -> Done<Written> {
        let (client, name) = self.client_app();
        let reveal = |value: &fly_api::types::SecretValue| self.reporter.secret(value);
        let written = secrets::set_generated(client, name, &missing, &reveal).await?;
        Ok(Applied::new(
            written,
            format!("generated {} (values not shown)", missing.join(", ")),
        ))
    }

    // ----------------------------------------------------------------- ips

    pub(super) async fn observe_ips(
        &self,
        app: Option<Arc<AppState>>,
    ) -> Observed<Vec<String>, IpsChange> {
        let (client, name) = self.client_app();
        let existing = if fresh(&app) {
            Vec::new()
        } else {
            ips::list(client, name).await?
        };
        let v4 = !existing.iter().any(ips::is_public_v4);
        let v6 = !existing.iter().any(ips::is_public_v6);
        let public = ips::public(&existing);
        let summary = match (v4, v6) {
            (false, false) => {
                let detail = format!("addresses exist: {}", public.join(", "));
                return Ok(Observation::satisfied(public, detail));
            }
            (true, true) => "allocate a shared IPv4 and an IPv6 address",
            (true, false) => "allocate a shared IPv4 address",
            (false, true) => "allocate an IPv6 address",
        };
        Ok(Observation::change(IpsChange { public, v4, v6 }, summary))
    }

    pub(super) async fn apply_ips(&self, change: IpsChange) -> Done<Vec<String>> {
        let (client, name) = self.client_app();
        let org = &self.desired.org;
        let note = self.note("ips");
        let allocate = |wanted: bool, ip_type: &'static str, matches| {
            let note = &note;
            async move {
                if wanted {
                    ips::allocate(client, name, org, ip_type, matches, note)
                        .await
                        .map(Some)
                } else {
                    Ok(None)
                }
            }
        };
        let (v4, v6) = futures::join!(
            allocate(change.v4, "shared_v4", ips::is_public_v4),
            allocate(change.v6, "v6", ips::is_public_v6)
        );
        let mut public = change.public;
        let mut allocated = Vec::new();
        for ip in [v4?, v6?].into_iter().flatten() {
            if !public.contains(&ip) {
                public.push(ip.clone());
            }
            allocated.push(ip);
        }
        Ok(Applied::new(
            public,
            format!("allocated {}", allocated.join(", ")),
        ))
    }

    // -------------------------------------------------------------- volume

    pub(super) fn volume_summary(&self) -> String {
        let d = self.desired;
        format!(
            "create volume {} ({} GB, {})",
            d.volume_name, d.volume_size_gb, d.region
        )
    }

    pub(super) async fn observe_volume(&self, app: Option<Arc<AppState>>) -> Observed<Volume, ()> {
        let d = self.desired;
        if !fresh(&app)
            && let Some(found) =
                volume::find(self.client, &d.app, &d.volume_name, &d.region).await?
        {
            let detail = format!(
                "volume {} exists: {} ({} GB, {})",
                d.volume_name, found.id, found.size_gb, found.region
            );
            return Ok(Observation::satisfied(found, detail));
        }
        Ok(Observation::change((), self.volume_summary()))
    }

    pub(super) async fn apply_volume(&self) -> Done<Volume> {
        let d = self.desired;
        let request = CreateVolumeRequest {
            name: d.volume_name.clone(),
            region: d.region.clone(),
            size_gb: Some(u64::from(d.volume_size_gb)),
            // Placement hint: put the volume on a host with room for the machine.
            compute: d.machine_config.guest.clone(),
            ..CreateVolumeRequest::default()
        };
        let made = volume::create(self.client, &d.app, &request, &self.note("volume")).await?;
        let detail = format!(
            "created volume {}: {} ({} GB, {})",
            d.volume_name, made.id, made.size_gb, made.region
        );
        Ok(Applied::new(made, detail))
    }

    // -------------------------------------------------------- certificates

    pub(super) async fn observe_certificates(
        &self,
        app: Option<Arc<AppState>>,
    ) -> Observed<(), Vec<String>> {
        let (client, name) = self.client_app();
        let domains = &self.desired.domains;
        if domains.is_empty() {
            return Ok(Observation::satisfied((), "no domains"));
        }
        let existing = if fresh(&app) {
            Default::default()
        } else {
            certificates::hostnames(client, name).await?
        };
        let missing: Vec<String> = domains
            .iter()
            .filter(|d| !existing.contains(*d))
            .cloned()
            .collect();
        if missing.is_empty() {
            return Ok(Observation::satisfied(
                (),
                format!("certificates exist for {}", domains.join(", ")),
            ));
        }
        let summary = format!("add certificates for {}", missing.join(", "));
        Ok(Observation::change(missing, summary))
    }

    pub(super) async fn apply_certificates(&self, missing: Vec<String>) -> Done<()> {
        let (client, name) = self.client_app();
        let note = self.note("certificates");
        let results = futures::future::join_all(
            missing
                .iter()
                .map(|domain| certificates::add(client, name, domain, &note)),
        )
        .await;
        for result in results {
            result?;
        }
        Ok(Applied::new((), format!("added {}", missing.join(", "))))
    }

    // ------------------------------------------------------------- machine

    pub(super) fn machine_summary(&self) -> String {
        format!(
            "create machine ({}) and wait until started",
            self.desired.image
        )
    }

    pub(super) async fn observe_machine(
        &self,
        app: Option<Arc<AppState>>,
    ) -> Observed<MachineState, MachineChange> {
        let d = self.desired;
        let existing = if fresh(&app) {
            None
        } else {
            machine::find(self.client, &d.app, &d.tenant).await?
        };
        let Some(found) = existing else {
            return Ok(Observation::change(
                MachineChange::Create,
                self.machine_summary(),
            ));
        };
        self.check_same_tier(&found)?;
        let id = found.id.clone();
        let was = found.state.clone();
        let completed = hooks::pending(&d.hooks, &found).is_empty()
            && metadata::has(&found, metadata::HEALTH_PASSED);
        let state_of = |machine, idle| MachineState {
            machine,
            untouched: true,
            idle,
        };
        Ok(match was.as_str() {
            state::STARTED => {
                Observation::satisfied(state_of(found, false), format!("machine {id} is running"))
            }
            state::STARTING | state::REPLACING => Observation::change(
                MachineChange::Wait(found),
                format!("wait for machine {id} to start (it is {was})"),
            ),
            // Normal for an auto-stop tier: the proxy starts it on the next request.
            state::STOPPED | state::SUSPENDED if !d.always_on && completed => {
                Observation::satisfied(
                    state_of(found, true),
                    format!(
                        "machine {id} is {was} (auto-stop tier); it starts on the next request"
                    ),
                )
            }
            _ => Observation::change(
                MachineChange::Start(found),
                format!("start machine {id} (it is {was})"),
            ),
        })
    }

    pub(super) async fn apply_machine(
        &self,
        volume: Arc<Volume>,
        secrets: Arc<Written>,
        change: MachineChange,
    ) -> Done<MachineState> {
        let d = self.desired;
        let (client, name) = self.client_app();
        let note = self.note("machine");
        let (found, detail) = match change {
            MachineChange::Create => {
                let mut config = d.machine_config.clone();
                for mount in &mut config.mounts {
                    mount.volume = volume.id.clone();
                }
                let input = LaunchMachineInput {
                    config,
                    region: Some(d.region.clone()),
                    name: Some(d.app.clone()),
                    min_secrets_version: secrets.version,
                    ..LaunchMachineInput::default()
                };
                let made = machine::create(client, name, &input, &note).await?;
                machine::wait_started(client, name, &made.id, self.start_timeout, &note).await?;
                let detail = format!("created machine {}; it started", made.id);
                (made, detail)
            }
            MachineChange::Wait(found) => {
                machine::wait_started(client, name, &found.id, self.start_timeout, &note).await?;
                let detail = format!("machine {} was {}; it started", found.id, found.state);
                (found, detail)
            }
            MachineChange::Start(found) => {
                let lease = LeaseOptions::new(owner_description("provision", &d.tenant));
                machine::start_under_lease(client, name, &found.id, &lease, &note).await?;
                machine::wait_started(client, name, &found.id, self.start_timeout, &note).await?;
                let detail = format!("started machine {} (was {})", found.id, found.state);
                (found, detail)
            }
        };
        Ok(Applied::new(
            MachineState {
                machine: found,
                untouched: false,
                idle: false,
            },
            detail,
        ))
    }

    /// Resuming must not quietly report a tenant on another tier as provisioned: changing a
    /// tenant's tier is an upgrade, not a re-run of provision.
    fn check_same_tier(&self, found: &Machine) -> Result<(), OpError> {
        let wanted = &self.desired.tier;
        match metadata::tier(found) {
            Some(has) if has != wanted => Err(OpError::conflict(format!(
                "tenant `{}` is provisioned on tier `{has}`, not `{wanted}`",
                self.desired.tenant
            ))
            .with_suggestion(Suggestion::Tier(has.to_string()))),
            _ => Ok(()),
        }
    }

    // --------------------------------------------------------------- hooks

    pub(super) async fn observe_hooks(
        &self,
        found: Option<Arc<MachineState>>,
    ) -> Observed<(), Vec<(String, Hook)>> {
        let all = &self.desired.hooks;
        if all.is_empty() {
            return Ok(Observation::satisfied((), "no post-provision hooks"));
        }
        let pending: Vec<(String, Hook)> = match &found {
            Some(state) => hooks::pending(all, &state.machine)
                .into_iter()
                .cloned()
                .collect(),
            None => all.clone(),
        };
        if pending.is_empty() {
            return Ok(Observation::satisfied(
                (),
                format!("all {} hooks already ran", all.len()),
            ));
        }
        let names: Vec<&str> = pending.iter().map(|(_, h)| h.display_name()).collect();
        let summary = format!("run {}", names.join(", "));
        Ok(Observation::change(pending, summary))
    }

    pub(super) async fn apply_hooks(
        &self,
        found: Arc<MachineState>,
        secrets: Arc<Written>,
        pending: Vec<(String, Hook)>,
    ) -> Done<()> {
        let (client, name) = self.client_app();
        let id = found.machine.id.as_str();
        let note = self.note("hooks");
        // Under the machine's lease, and from the machine as it is then: a concurrent run of
        // this provisioning waits here and then finds the hooks recorded, instead of running
        // them a second time at once.
        let lease = LeaseOptions::new(owner_description("provision", &self.desired.tenant));
        let ran = machine::under_lease(client, name, id, &lease, &note, async |_| {
            let fresh = client
                .get_machine(name, id)
                .await
                .map_err(|e| OpError::api(format!("read machine {id}"), e))?;
            let still: Vec<(String, Hook)> = hooks::pending(&pending, &fresh)
                .into_iter()
                .cloned()
                .collect();
            hooks::run(client, name, id, &still, &secrets.values, &note).await
        })
        .await?;
        if ran.is_empty() {
            return Ok(Applied::new((), "the hooks ran meanwhile (another run)"));
        }
        Ok(Applied::new((), format!("ran {}", ran.join(", "))))
    }

    // -------------------------------------------------------------- health

    pub(super) fn requires_fly_checks(&self) -> bool {
        self.config.health.require.contains(&HealthCheck::FlyChecks)
    }

    pub(super) fn health_summary(&self) -> String {
        let health = &self.config.health;
        format!(
            "health gate: {} within {}",
            health
                .require
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            health.timeout
        )
    }

    pub(super) async fn observe_health(
        &self,
        found: Option<Arc<MachineState>>,
    ) -> Observed<(), HealthChange> {
        let Some(found) = found else {
            let change = HealthChange::Wait {
                first_look: None,
                recorded: false,
            };
            return Ok(Observation::change(change, self.health_summary()));
        };
        if found.idle {
            return Ok(Observation::satisfied(
                (),
                "machine stopped by auto-stop; provisioning had completed",
            ));
        }
        let machine = &found.machine;
        let id = &machine.id;
        let recorded = metadata::has(machine, metadata::HEALTH_PASSED);
        if !self.requires_fly_checks() {
            // `machine_started` was proven by the machine step's wait.
            let detail = format!("machine {id} started");
            return Ok(if found.untouched && recorded {
                Observation::satisfied((), detail)
            } else {
                Observation::change(HealthChange::Record { write: !recorded }, detail)
            });
        }
        // A machine the machine step found running and left alone was just read with its
        // checks; that answer is the first look.
        if found.untouched && recorded && health::is_healthy(machine) {
            return Ok(Observation::satisfied(
                (),
                health::Checks::of(machine).summary(),
            ));
        }
        let change = HealthChange::Wait {
            first_look: found.untouched.then(|| Box::new(machine.clone())),
            recorded,
        };
        Ok(Observation::change(change, self.health_summary()))
    }

    pub(super) async fn apply_health(
        &self,
        found: Arc<MachineState>,
        change: HealthChange,
    ) -> Done<()> {
        let (client, name) = self.client_app();
        let id = &found.machine.id;
        let version = &self.desired.template_version;
        match change {
            HealthChange::Record { write } => {
                if write {
                    health::record_passed(client, name, id, version).await?;
                }
                Ok(Applied::new((), format!("machine {id} started")))
            }
            HealthChange::Wait {
                first_look,
                recorded,
            } => {
                let timeout = self.config.health.timeout.as_duration();
                let note = self.note("health");
                // A machine an earlier run started and left with its gate not passed.
                let resumed = first_look.is_some() && !recorded;
                let waited = health::wait_healthy(
                    client,
                    name,
                    id,
                    timeout,
                    self.health_poll_interval,
                    first_look.map(|m| *m),
                    &note,
                )
                .await;
                let summary = match waited {
                    Ok(summary) => summary,
                    // Its checks went critical on that boot and stayed so: waiting on the same
                    // boot again would fail every re-run. Restart it once, under its lease, and
                    // give the new boot the whole gate.
                    Err(e) if resumed && e.class() == ErrorClass::Failed => {
                        note(format!(
                            "machine {id} still fails its health gate; restarting it"
                        ));
                        let lease =
                            LeaseOptions::new(owner_description("provision", &self.desired.tenant));
                        machine::restart_under_lease(client, name, id, &lease, &note).await?;
                        machine::wait_started(client, name, id, self.start_timeout, &note).await?;
                        health::wait_healthy(
                            client,
                            name,
                            id,
                            timeout,
                            self.health_poll_interval,
                            None,
                            &note,
                        )
                        .await?
                    }
                    Err(e) => return Err(e),
                };
                if !recorded {
                    health::record_passed(client, name, id, version).await?;
                }
                Ok(Applied::new((), summary))
            }
        }
    }
}
