//! Machines: `/v1/apps/{app}/machines`.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::MachineConfig;

/// Machine states as Fly names them. [`Machine::state`] stays a string so unknown states decode.
pub mod state {
    pub const CREATED: &str = "created";
    pub const STARTING: &str = "starting";
    pub const STARTED: &str = "started";
    pub const STOPPING: &str = "stopping";
    pub const STOPPED: &str = "stopped";
    pub const SUSPENDING: &str = "suspending";
    pub const SUSPENDED: &str = "suspended";
    pub const REPLACING: &str = "replacing";
    pub const DESTROYING: &str = "destroying";
    pub const DESTROYED: &str = "destroyed";
    pub const FAILED: &str = "failed";
    pub const LAUNCH_FAILED: &str = "launch_failed";
}

/// Body of machine create (`POST /machines`) and update (`POST /machines/{id}`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LaunchMachineInput {
    pub config: MachineConfig,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Machine name; Fly generates one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Create without booting (the machine stays `created`/`stopped`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub skip_launch: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub skip_service_registration: bool,
    /// Boot without the app's secrets. Always sent, as fly-go does.
    #[serde(default)]
    pub skip_secrets: bool,
    /// Do not boot until the app's secrets are at least this version (the `version` returned by
    /// the last secrets write), so the machine never starts with stale secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_secrets_version: Option<u64>,
    /// Take a lease of this many seconds in the same call; its nonce comes back in
    /// [`Machine::nonce`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_ttl: Option<u64>,
    /// Update only: fail unless the machine is still at this version (optimistic concurrency).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_version: Option<String>,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// The image a machine runs, as resolved by Fly.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRef {
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub registry: String,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub repository: String,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub tag: String,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub digest: String,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub labels: BTreeMap<String, String>,
}

impl ImageRef {
    /// `registry/repository:tag` (and `@digest` when known), the way flyctl shows it.
    pub fn display_name(&self) -> String {
        let mut name = String::new();
        if !self.registry.is_empty() {
            name.push_str(&self.registry);
            name.push('/');
        }
        name.push_str(&self.repository);
        if !self.tag.is_empty() {
            name.push(':');
            name.push_str(&self.tag);
        }
        if !self.digest.is_empty() {
            name.push('@');
            name.push_str(&self.digest);
        }
        name
    }
}

/// Health of one check on a machine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckStatus {
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub name: String,
    /// `passing`, `warning` or `critical`.
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

impl CheckStatus {
    pub fn is_passing(&self) -> bool {
        self.status == "passing"
    }
}

/// Exit details of a machine's main process.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExitEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guest_exit_code: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guest_signal: Option<i64>,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub oom_killed: bool,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub requested_stop: bool,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub restarting: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exited_at: Option<String>,
}

/// The `MonitorEvent` part of an event request (capitalised on the wire).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_event: Option<ExitEvent>,
}

/// The `request` part of a machine event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineEventRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_event: Option<ExitEvent>,
    #[serde(
        rename = "MonitorEvent",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub monitor_event: Option<MonitorEvent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_count: Option<i64>,
}

/// One entry of a machine's event log (newest first in [`Machine::events`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `launch`, `start`, `stop`, `exit`, `update`, `restart`, `destroy`, `suspend`, ...
    #[serde(rename = "type", default, deserialize_with = "super::de::null_default")]
    pub kind: String,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub status: String,
    /// `user` or `flyd`.
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub source: String,
    /// Unix milliseconds.
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub timestamp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<MachineEventRequest>,
}

/// State of one container of a multi-container machine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerStatus {
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub name: String,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub state: String,
}

/// A machine as the API returns it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Machine {
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub id: String,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub name: String,
    /// See [`state`] for the values.
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub state: String,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_ref: Option<ImageRef>,
    /// Changes on every update: the machine's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The 6PN (private IPv6) address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<MachineConfig>,
    /// Partial config Fly sends when `host_status` is not `ok`; not fit to recreate the machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incomplete_config: Option<MachineConfig>,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub events: Vec<MachineEvent>,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub checks: Vec<CheckStatus>,
    /// Lease nonce, present only when this call also took a lease (`lease_ttl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// `ok`, `unknown` or `unreachable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_status: Option<String>,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub cordoned: bool,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub containers: Vec<ContainerStatus>,
}

impl Machine {
    /// Not destroying or destroyed.
    pub fn is_active(&self) -> bool {
        self.state != state::DESTROYING && self.state != state::DESTROYED
    }

    /// Checks minus the `bg_deployments_compat*` ones flaps injects.
    pub fn real_checks(&self) -> impl Iterator<Item = &CheckStatus> {
        self.checks
            .iter()
            .filter(|c| !c.name.starts_with("bg_deployments_compat"))
    }
}

/// Response of `POST /machines/{id}/start`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartMachineResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_state: Option<String>,
}

/// Optional body of `POST /machines/{id}/stop`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopRequest {
    /// e.g. `SIGTERM`, `SIGINT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
    /// Go duration string, e.g. `"10s"`; see [`go_duration`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
}

impl StopRequest {
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(go_duration(timeout));
        self
    }
}

/// Formats a duration the way Go's `time.Duration` prints, which is what Fly parses:
/// `15s`, `1m0s`, `1m30s`, `1h0m0s`, `500ms`.
pub fn go_duration(duration: Duration) -> String {
    super::machine_config::GoDuration::from(duration).to_string()
}

/// Query of `POST /machines/{id}/restart`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestartRequest {
    pub force_stop: bool,
    pub timeout: Option<Duration>,
    pub signal: Option<String>,
}

/// Filters for `GET /machines`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListMachinesParams {
    /// Also return destroyed machines.
    pub include_deleted: bool,
    pub region: Option<String>,
    pub state: Option<String>,
    /// Only machines whose `config.metadata` has all these key/value pairs. Sent to the API as
    /// `metadata.<key>=<value>` and also applied to the response, so it holds even where the
    /// server ignores the filter.
    pub metadata: BTreeMap<String, String>,
}

/// Parameters of `wait_for_state`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitParams {
    /// Any of these states ends the wait (`started`, `stopped`, `suspended`, `destroyed`).
    pub states: Vec<String>,
    /// Wait for this version (`instance_id`) of the machine, e.g. the one an update returned.
    pub instance_id: Option<String>,
    pub from_event_id: Option<String>,
    /// Server-side timeout of each wait request, clamped to 1..=60 s (Fly's proxy limit).
    pub request_timeout: Duration,
    /// The overall deadline: 408 answers are retried until it passes.
    pub overall_timeout: Duration,
    /// For this long after the wait starts, 404 (machine not visible yet) is retried too.
    pub not_found_grace: Duration,
}

impl WaitParams {
    pub fn new(states: &[&str], overall_timeout: Duration) -> Self {
        WaitParams {
            states: states.iter().map(|s| (*s).to_owned()).collect(),
            instance_id: None,
            from_event_id: None,
            request_timeout: Duration::from_secs(60),
            overall_timeout,
            not_found_grace: Duration::from_secs(5),
        }
    }

    pub fn with_instance_id(mut self, instance_id: impl Into<String>) -> Self {
        self.instance_id = Some(instance_id.into());
        self
    }
}

/// The lease part of a lease response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseData {
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub nonce: String,
    /// Unix seconds.
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub expires_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Response of the lease endpoints: `{"status":"success","data":{...}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineLease {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<LeaseData>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// Optional body of a lease acquire.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LeaseRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Body of `POST /machines/{id}/exec`. `Debug` hides `stdin`, which may carry secrets.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecRequest {
    /// The command as an argument vector (the current API form).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// Deprecated single-string form, shell-split by the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<String>,
    /// Seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
}

impl ExecRequest {
    pub fn new<I, S>(command: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ExecRequest {
            command: command.into_iter().map(Into::into).collect(),
            ..ExecRequest::default()
        }
    }
}

impl fmt::Debug for ExecRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExecRequest")
            .field("command", &self.command)
            .field("cmd", &self.cmd)
            .field("timeout", &self.timeout)
            .field("stdin", &self.stdin.as_ref().map(|_| "<redacted>"))
            .field("container", &self.container)
            .finish()
    }
}

/// Response of exec. Fly omits zero/empty fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecResponse {
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub exit_code: i32,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub stdout: String,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub stderr: String,
}

/// Body of `POST /machines/{id}/metadata/{key}`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct MetadataValue<'a> {
    pub value: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_duration_matches_go_formatting() {
        assert_eq!(go_duration(Duration::from_secs(15)), "15s");
        assert_eq!(go_duration(Duration::from_secs(60)), "1m0s");
        assert_eq!(go_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(go_duration(Duration::from_secs(3600)), "1h0m0s");
        assert_eq!(go_duration(Duration::from_millis(500)), "500ms");
        assert_eq!(go_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(go_duration(Duration::ZERO), "0s");
    }

    #[test]
    fn machine_decodes_tolerantly() {
        let json = r#"{"id":"m1","name":null,"state":"started","region":"ord",
            "events":null,"checks":[{"name":"bg_deployments_compat_x","status":"passing"},
            {"name":"alive","status":"critical"}],"unknown_field":{"a":1},
            "image_ref":{"registry":"registry.fly.io","repository":"demo","tag":"v1"},
            "cordoned":false}"#;
        let m: Machine = serde_json::from_str(json).unwrap();
        assert_eq!(m.id, "m1");
        assert_eq!(m.name, "");
        assert!(m.events.is_empty());
        assert_eq!(m.real_checks().count(), 1);
        assert!(m.is_active());
        assert_eq!(
            m.image_ref.unwrap().display_name(),
            "registry.fly.io/demo:v1"
        );
    }

    #[test]
    fn launch_input_omits_unset_fields_but_sends_skip_secrets() {
        let input = LaunchMachineInput {
            region: Some("ord".into()),
            ..LaunchMachineInput::default()
        };
        let v = serde_json::to_value(&input).unwrap();
        assert_eq!(v["region"], "ord");
        assert_eq!(v["skip_secrets"], false);
        assert!(v.get("name").is_none());
        assert!(v.get("lease_ttl").is_none());
        assert!(v.get("skip_launch").is_none());
    }

    #[test]
    fn exec_debug_hides_stdin() {
        let mut req = ExecRequest::new(["drush", "uli"]);
        req.stdin = Some("password123".into());
        assert!(!format!("{req:?}").contains("password123"));
    }
}
