//! The steps of a destroy. Each observes what is left of its kind, so a re-run after an
//! interruption deletes only the rest, and each delete treats "already gone" as done.

use std::time::{Duration, Instant};

use fly_api::types::machines::state;
use fly_api::types::{ListMachinesParams, Machine, Volume, WaitParams};
use fly_api::{FlyClient, LeaseOptions};

use super::FinalBackup;
use crate::engine::{Applied, Graph, Observation, Reporter, Step, StepEvent};
use crate::error::OpError;
use crate::resources::{Note, app, certificates, ips, machine, remove_once};

/// How long a destroyed machine may take to let go of its volume.
const DETACH_TIMEOUT: Duration = Duration::from_secs(60);
const DETACH_POLL: Duration = Duration::from_millis(500);
/// How long a killed machine may take to reach `destroyed`.
const DESTROYED_TIMEOUT: Duration = Duration::from_secs(60);

pub(super) struct Teardown<'a> {
    pub client: &'a FlyClient,
    pub reporter: &'a dyn Reporter,
    pub tenant: String,
    pub app: String,
    pub org: String,
    pub final_backup: Option<&'a dyn FinalBackup>,
    pub lease: LeaseOptions,
}

/// Every machine of the app that is not already being destroyed.
pub(super) async fn active_machines(
    client: &FlyClient,
    app: &str,
) -> Result<Vec<Machine>, OpError> {
    let machines = client
        .list_machines(app, &ListMachinesParams::default())
        .await
        .map_err(|e| OpError::api("list machines", e))?;
    Ok(machines.into_iter().filter(Machine::is_active).collect())
}

/// Every volume of the app that is not already being destroyed.
pub(super) async fn live_volumes(client: &FlyClient, app: &str) -> Result<Vec<Volume>, OpError> {
    let volumes = client
        .list_volumes(app)
        .await
        .map_err(|e| OpError::api("list volumes", e))?;
    Ok(volumes
        .into_iter()
        .filter(|v| !v.is_being_destroyed())
        .collect())
}

/// A list of names for a step's summary: "a, b and 2 more".
fn named(kind: &str, names: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut text = names
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    format!("{} {kind}: {text}", names.len())
}

pub(super) fn graph<'a>(t: &'a Teardown<'a>) -> Graph<'a, OpError> {
    let mut graph = Graph::new(t.tenant.clone());
    let backup = graph.add(
        Step::new(
            "backup",
            "final backup of the tenant's data",
            (),
            move |()| t.observe_backup(),
            move |(), ()| t.apply_backup(),
        )
        .calls(["exec (the backup's dump)"]),
    );
    let machines = graph.add(
        Step::new(
            "machines",
            "destroy the machines (each under its lease)",
            backup,
            move |_| t.observe_machines(),
            move |_, found| t.apply_machines(found),
        )
        .calls([
            "GET /apps/{app}/machines",
            "POST /apps/{app}/machines/{id}/lease",
            "DELETE /apps/{app}/machines/{id}?force=true",
        ]),
    );
    let volumes = graph.add(
        Step::new(
            "volumes",
            "delete the volumes and their data",
            machines,
            move |_| t.observe_volumes(),
            move |_, found| t.apply_volumes(found),
        )
        .calls(["GET /apps/{app}/volumes", "DELETE /apps/{app}/volumes/{id}"]),
    );
    let certs = graph.add(
        Step::new(
            "certificates",
            "remove the custom domains' certificates",
            volumes,
            move |_| t.observe_certificates(),
            move |_, found| t.apply_certificates(found),
        )
        .calls([
            "GET /apps/{app}/certificates",
            "DELETE /apps/{app}/certificates/{hostname}",
        ]),
    );
    let addresses = graph.add(
        Step::new(
            "ips",
            "release the IP addresses",
            certs,
            move |_| t.observe_ips(),
            move |_, found| t.apply_ips(found),
        )
        .calls([
            "GET /apps/{app}/ip_assignments",
            "DELETE /apps/{app}/ip_assignments/{ip}",
        ]),
    );
    graph.add(
        Step::new(
            "app",
            "delete the app and its secrets",
            addresses,
            move |_| t.observe_app(),
            move |_, ()| t.apply_app(),
        )
        .calls(["DELETE /apps/{app}"]),
    );
    graph
}

impl Teardown<'_> {
    fn note(&self, step: &'static str) -> impl Fn(String) + Send + Sync + '_ {
        move |message| {
            self.reporter
                .step(&self.tenant, step, StepEvent::Progress { message })
        }
    }

    async fn observe_backup(&self) -> Result<Observation<(), ()>, OpError> {
        if self.final_backup.is_none() {
            return Ok(Observation::satisfied((), "no final backup configured"));
        }
        if live_volumes(self.client, &self.app).await?.is_empty() {
            return Ok(Observation::satisfied((), "no volume left to back up"));
        }
        Ok(Observation::change((), "back up the tenant's data"))
    }

    async fn apply_backup(&self) -> Result<Applied<()>, OpError> {
        let Some(backup) = self.final_backup else {
            return Ok(Applied::new((), "no final backup configured"));
        };
        let done = backup.back_up(&self.tenant, &self.app).await?;
        Ok(Applied::new((), done))
    }

    async fn observe_machines(&self) -> Result<Observation<(), Vec<Machine>>, OpError> {
        let machines = active_machines(self.client, &self.app).await?;
        if machines.is_empty() {
            return Ok(Observation::satisfied((), "no machines left"));
        }
        let names: Vec<String> = machines
            .iter()
            .map(|m| format!("{} ({})", m.id, m.state))
            .collect();
        Ok(Observation::change(
            machines,
            format!("destroy {}", named("machine(s)", &names)),
        ))
    }

    async fn apply_machines(&self, found: Vec<Machine>) -> Result<Applied<()>, OpError> {
        let note = self.note("machines");
        for m in &found {
            note(format!("destroying machine {}", m.id));
            self.destroy_machine(&m.id, &note).await?;
        }
        let ids: Vec<String> = found.iter().map(|m| m.id.clone()).collect();
        Ok(Applied::new(
            (),
            format!("destroyed {}", named("machine(s)", &ids)),
        ))
    }

    /// Kills and destroys one machine while holding its lease, then waits until Fly reports
    /// it destroyed, so its volume is free.
    async fn destroy_machine(&self, id: &str, note: Note<'_>) -> Result<(), OpError> {
        let (client, app) = (self.client, self.app.as_str());
        machine::under_lease(client, app, id, &self.lease, note, async |nonce| {
            remove_once(
                &format!("destroy machine {id}"),
                note,
                || client.destroy_machine(app, id, true, Some(nonce)),
                || async {
                    match client.get_machine(app, id).await {
                        Ok(m) => Ok(m.is_active()),
                        Err(e) if e.is_not_found() => Ok(false),
                        Err(e) => Err(OpError::api(format!("look up machine {id}"), e)),
                    }
                },
            )
            .await
        })
        .await?;
        let params = WaitParams::new(&[state::DESTROYED], DESTROYED_TIMEOUT);
        match client.wait_for_state(app, id, &params).await {
            Ok(()) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(OpError::api(
                format!("wait for machine {id} to be destroyed"),
                e,
            )),
        }
    }

    async fn observe_volumes(&self) -> Result<Observation<(), Vec<Volume>>, OpError> {
        let volumes = live_volumes(self.client, &self.app).await?;
        if volumes.is_empty() {
            return Ok(Observation::satisfied((), "no volumes left"));
        }
        let names: Vec<String> = volumes
            .iter()
            .map(|v| format!("{} ({} GB)", v.id, v.size_gb))
            .collect();
        Ok(Observation::change(
            volumes,
            format!("delete {} and the data on them", named("volume(s)", &names)),
        ))
    }

    async fn apply_volumes(&self, found: Vec<Volume>) -> Result<Applied<()>, OpError> {
        let note = self.note("volumes");
        for v in &found {
            note(format!("deleting volume {}", v.id));
            self.delete_volume(&v.id, &note).await?;
        }
        let ids: Vec<String> = found.iter().map(|v| v.id.clone()).collect();
        Ok(Applied::new(
            (),
            format!("deleted {}", named("volume(s)", &ids)),
        ))
    }

    /// Deletes one volume; while the API still sees it attached to the destroyed machine
    /// (412), it tries again for a bounded time.
    async fn delete_volume(&self, id: &str, note: Note<'_>) -> Result<(), OpError> {
        let (client, app) = (self.client, self.app.as_str());
        let started = Instant::now();
        remove_once(
            &format!("delete volume {id}"),
            note,
            || async move {
                loop {
                    match client.delete_volume(app, id).await {
                        Err(e) if e.status() == Some(412) && started.elapsed() < DETACH_TIMEOUT => {
                            note(format!(
                                "volume {id} is still attached; waiting for it to be released"
                            ));
                            tokio::time::sleep(DETACH_POLL).await;
                        }
                        other => return other,
                    }
                }
            },
            || async {
                match client.get_volume(app, id).await {
                    Ok(v) => Ok(!v.is_being_destroyed()),
                    Err(e) if e.is_not_found() => Ok(false),
                    Err(e) => Err(OpError::api(format!("look up volume {id}"), e)),
                }
            },
        )
        .await
    }

    async fn observe_certificates(&self) -> Result<Observation<(), Vec<String>>, OpError> {
        let hostnames: Vec<String> = certificates::hostnames(self.client, &self.app)
            .await?
            .into_iter()
            .collect();
        if hostnames.is_empty() {
            return Ok(Observation::satisfied((), "no certificates"));
        }
        let summary = format!("remove {}", named("certificate(s)", &hostnames));
        Ok(Observation::change(hostnames, summary))
    }

    async fn apply_certificates(&self, hostnames: Vec<String>) -> Result<Applied<()>, OpError> {
        let (client, app) = (self.client, self.app.as_str());
        let note = self.note("certificates");
        for hostname in &hostnames {
            remove_once(
                &format!("remove certificate {hostname}"),
                &note,
                || client.delete_certificate(app, hostname),
                || async {
                    let left = certificates::hostnames(client, app).await?;
                    Ok(left.contains(hostname))
                },
            )
            .await?;
        }
        Ok(Applied::new(
            (),
            format!("removed {}", named("certificate(s)", &hostnames)),
        ))
    }

    async fn observe_ips(&self) -> Result<Observation<(), Vec<String>>, OpError> {
        let addresses: Vec<String> = ips::list(self.client, &self.app)
            .await?
            .into_iter()
            .map(|ip| ip.ip)
            .collect();
        if addresses.is_empty() {
            return Ok(Observation::satisfied((), "no IP addresses"));
        }
        let summary = format!("release {}", named("IP address(es)", &addresses));
        Ok(Observation::change(addresses, summary))
    }

    async fn apply_ips(&self, addresses: Vec<String>) -> Result<Applied<()>, OpError> {
        let (client, app) = (self.client, self.app.as_str());
        let note = self.note("ips");
        for address in &addresses {
            remove_once(
                &format!("release IP address {address}"),
                &note,
                || client.release_ip(app, address),
                || async {
                    let left = ips::list(client, app).await?;
                    Ok(left.iter().any(|ip| &ip.ip == address))
                },
            )
            .await?;
        }
        Ok(Applied::new(
            (),
            format!("released {}", named("IP address(es)", &addresses)),
        ))
    }

    async fn observe_app(&self) -> Result<Observation<(), ()>, OpError> {
        match app::find(self.client, &self.app, &self.org).await? {
            Some(_) => Ok(Observation::change((), format!("delete app {}", self.app))),
            None => Ok(Observation::satisfied(
                (),
                format!("app {} is gone", self.app),
            )),
        }
    }

    async fn apply_app(&self) -> Result<Applied<()>, OpError> {
        let (client, app) = (self.client, self.app.as_str());
        remove_once(
            &format!("delete app {app}"),
            &self.note("app"),
            || client.delete_app(app),
            || async {
                Ok(client
                    .get_app(app)
                    .await
                    .map_err(|e| OpError::api("look up the app", e))?
                    .is_some())
            },
        )
        .await?;
        Ok(Applied::new(
            (),
            format!("deleted app {app} and its secrets"),
        ))
    }
}
