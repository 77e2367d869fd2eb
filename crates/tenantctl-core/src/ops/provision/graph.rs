//! provision's step graph: which steps there are, what each needs, and the outputs that
//! flow between them. What each step does is in [`super::steps`].

use std::time::Duration;

use fly_api::FlyClient;
use fly_api::types::{Machine, Volume};

use crate::config::Config;
use crate::desired::DesiredTenant;
use crate::engine::{Graph, Handle, Reporter, Step};
use crate::error::OpError;
use crate::metadata;
use crate::resources::secrets::GENERATED;

/// What the `app` step found or did: later steps skip their look-ups in an app just created.
#[derive(Debug)]
pub(super) struct AppState {
    pub created: bool,
}

/// The tenant's machine as the `machine` step left it.
#[derive(Debug)]
pub(super) struct MachineState {
    pub machine: Machine,
    /// The step changed nothing: the machine was there and running (or idle).
    pub untouched: bool,
    /// Stopped on purpose (auto-stop tier, provisioning complete).
    pub idle: bool,
}

pub(super) enum MachineChange {
    Create,
    /// It is starting already; wait for it.
    Wait(Machine),
    /// It is stopped; start it under its lease.
    Start(Machine),
}

pub(super) struct IpsChange {
    pub public: Vec<String>,
    pub v4: bool,
    pub v6: bool,
}

pub(super) enum HealthChange {
    /// No checks to wait for: record that the gate passed (when not recorded yet).
    Record { write: bool },
    /// Poll the checks; `first_look` is the machine as just read.
    Wait {
        first_look: Option<Box<Machine>>,
        recorded: bool,
    },
}

/// The outputs provision's report is made of.
pub(super) struct Handles {
    pub app: Handle<AppState>,
    pub ips: Handle<Vec<String>>,
    pub volume: Handle<Volume>,
    pub machine: Handle<MachineState>,
}

/// What every step of one provisioning shares.
pub(super) struct Provision<'a> {
    pub client: &'a FlyClient,
    pub reporter: &'a dyn Reporter,
    pub config: &'a Config,
    pub desired: &'a DesiredTenant,
    pub start_timeout: Duration,
    pub health_poll_interval: Duration,
    /// Who provisions, for the tenant lock the `app` step takes; `None` in a dry run, which
    /// only reads.
    pub lock_actor: Option<String>,
    /// The tenant lock, held from the `app` step to the end of the run.
    pub lock: tokio::sync::Mutex<Option<crate::resources::lock::TenantLock>>,
}

/// The steps of a provisioning; building them calls nothing.
pub(super) fn graph<'a>(p: &'a Provision<'a>) -> (Graph<'a, OpError>, Handles) {
    let d = p.desired;
    let v1 = format!("/v1/apps/{}", d.app);
    let mut graph = Graph::new(d.tenant.clone());
    let app = graph.add(
        Step::new(
            "app",
            format!("create app {} on network {}", d.app, d.network()),
            (),
            move |()| p.observe_app(),
            move |(), ()| p.apply_app(),
        )
        .calls([
            format!("GET {v1}"),
            "POST /v1/apps (if missing)".to_string(),
        ]),
    );
    let secrets = graph.add(
        Step::new(
            "secrets",
            format!("set generated secrets {}", GENERATED.join(", ")),
            app,
            move |app| p.observe_secrets(app),
            move |_, missing| p.apply_secrets(missing),
        )
        .calls([
            format!("GET {v1}/secrets (not when the app was just created)"),
            format!("POST {v1}/secrets (missing ones only)"),
        ]),
    );
    let ips = graph.add(
        Step::new(
            "ips",
            "allocate a shared IPv4 and an IPv6 address",
            app,
            move |app| p.observe_ips(app),
            move |_, change| p.apply_ips(change),
        )
        .calls([
            format!("GET {v1}/ip_assignments (not when the app was just created)"),
            format!("POST {v1}/ip_assignments (shared_v4, v6; missing ones only)"),
        ]),
    );
    let volume = graph.add(
        Step::new(
            "volume",
            p.volume_summary(),
            app,
            move |app| p.observe_volume(app),
            move |_, ()| p.apply_volume(),
        )
        .calls([
            format!("GET {v1}/volumes (not when the app was just created)"),
            format!("POST {v1}/volumes (if missing)"),
        ]),
    );
    let domains = if d.domains.is_empty() {
        "no domains".to_string()
    } else {
        d.domains.join(", ")
    };
    graph.add(
        Step::new(
            "certificates",
            format!("add certificates ({domains})"),
            app,
            move |app| p.observe_certificates(app),
            move |_, missing| p.apply_certificates(missing),
        )
        .calls(if d.domains.is_empty() {
            Vec::new()
        } else {
            vec![
                format!("GET {v1}/certificates (not when the app was just created)"),
                format!("POST {v1}/certificates/acme (per missing domain)"),
            ]
        }),
    );
    let machine = graph.add(
        Step::new(
            "machine",
            p.machine_summary(),
            (app, volume, secrets),
            move |(app, _, _)| p.observe_machine(app),
            move |(_, volume, secrets), change| p.apply_machine(volume, secrets, change),
        )
        .calls([
            format!("GET {v1}/machines?metadata.{}=... (not when the app was just created)", metadata::TENANT),
            format!("POST {v1}/machines (if missing)"),
            format!("POST {v1}/machines/{{id}}/lease, /start, DELETE .../lease (only to start a stopped machine)"),
            format!("GET {v1}/machines/{{id}}/wait?state=started"),
        ]),
    );
    let hooks = graph.add(
        Step::new(
            "hooks",
            format!(
                "run {} post-provision hook{}",
                d.hooks.len(),
                if d.hooks.len() == 1 { "" } else { "s" }
            ),
            (machine, secrets),
            move |(machine, _)| p.observe_hooks(machine),
            move |(machine, secrets), pending| p.apply_hooks(machine, secrets, pending),
        )
        .calls(if d.hooks.is_empty() {
            Vec::new()
        } else {
            vec![
                format!("POST {v1}/machines/{{id}}/exec (per hook not yet recorded)"),
                format!(
                    "POST {v1}/machines/{{id}}/metadata/{}... (per hook run)",
                    metadata::HOOK_PREFIX
                ),
            ]
        }),
    );
    graph.add(
        Step::new(
            "health",
            p.health_summary(),
            (machine, hooks),
            move |(machine, _)| p.observe_health(machine),
            move |(machine, _), change| p.apply_health(machine, change),
        )
        .calls(if p.requires_fly_checks() {
            vec![format!(
                "GET {v1}/machines/{{id}} (polled until the checks pass)"
            )]
        } else {
            Vec::new()
        }),
    );
    let handles = Handles {
        app,
        ips,
        volume,
        machine,
    };
    (graph, handles)
}
