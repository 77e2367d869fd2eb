//! fly.toml → `MachineConfig`, following flyctl's rules (`internal/appconfig/machines.go`,
//! `processgroups.go`, `service.go`, `toplevelcheck.go`, `internal/containerconfig`).
//!
//! The result is what flyctl builds for a new machine of one process group (no existing
//! machine config to overlay).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fly_api::types::machine_config::{
    METADATA_KEY_FLYCTL_VERSION, METADATA_KEY_PLATFORM_VERSION, METADATA_KEY_PROCESS_GROUP,
    PLATFORM_VERSION_V2, RESTART_POLICY_ALWAYS, RESTART_POLICY_NO, RESTART_POLICY_ON_FAILURE,
};
use fly_api::types::{
    File, MachineCheck, MachineConfig, MachineGuest, MachineHttpHeader, MachineMount, MachinePort,
    MachineRestart, MachineService, MachineServiceCheck, Static, StopConfig,
};

use super::AppConfig;
use super::appconfig::{
    Compute, FileEntry, HttpService, Service, ServiceHttpCheck, ServiceTcpCheck, TopLevelCheck,
};
use super::support::{base64_encode, parse_memory_mb, parse_volume_gb, shell_split};

/// Inputs the conversion takes from outside fly.toml.
#[derive(Debug, Clone, Default)]
pub struct ConvertOptions {
    /// The image to run; flyctl fills this in at deploy time. Containers of a
    /// `machine_config` whose image is `"."` get it too.
    pub image: Option<String>,
    /// Value of the `fly_flyctl_version` metadata key flyctl sets; omitted when `None`.
    pub flyctl_version: Option<String>,
    /// The guest `fly deploy` gives a new machine of a group without a `[[vm]]` section
    /// (`--vm-size` or the default size). When set, it is used for such groups and the
    /// top-level `host_dedication_id` is applied to the guest, as deploy does. When `None`
    /// the guest is left unset for such groups, as flyctl's `ToMachineConfig` does.
    pub default_guest: Option<MachineGuest>,
    /// The config of the machine being updated, which fly.toml is laid over (flyctl's
    /// `ToMachineConfig(group, existing)`): fields fly.toml manages are rebuilt, the rest
    /// (schedule, auto_destroy, dns, standbys, guest without `[[vm]]`, extra metadata, ...)
    /// are kept. `None` builds the config of a new machine.
    pub existing: Option<MachineConfig>,
}

/// Why a fly.toml could not become a machine config.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ConvertError {
    pub message: String,
}

impl ConvertError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

/// The docker compose file names flyctl looks for next to fly.toml.
const WELL_KNOWN_COMPOSE_FILES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

impl AppConfig {
    fn base_dir(&self) -> PathBuf {
        self.path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    /// Resolves a path written in fly.toml against the file's directory.
    pub fn resolve_path(&self, relative: &str) -> PathBuf {
        let path = Path::new(relative);
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.base_dir().join(path)
        }
    }

    /// Whether a section's `processes` list makes it apply to `group`: an empty list means
    /// the default group only; `""` in a list also stands for the default group.
    pub fn section_applies_to(&self, group: &str, processes: &[String]) -> bool {
        let default = self.default_process_group();
        if processes.is_empty() {
            return group == default;
        }
        processes
            .iter()
            .any(|p| p == group || (p.is_empty() && group == default))
    }

    /// The `[[vm]]` section for a group: the last one naming the group, else the first one
    /// that applies (no `processes` list, or `""` in it, applies to every group).
    pub fn compute_for_group(&self, group: &str) -> Option<&Compute> {
        let candidates: Vec<&Compute> = self
            .vm
            .iter()
            .filter(|c| {
                c.processes.is_empty() || c.processes.iter().any(|p| p == group || p.is_empty())
            })
            .collect();
        let mut chosen = *candidates.first()?;
        for candidate in candidates.into_iter().skip(1) {
            if candidate.processes.iter().any(|p| p == group) {
                chosen = candidate;
            }
        }
        Some(chosen)
    }

    /// The config as seen by one process group: only the sections that apply to it remain,
    /// each narrowed to that group (flyctl's `Flatten`).
    pub fn flatten(&self, group: &str) -> AppConfig {
        let mut flat = self.clone();
        let only_group = || vec![group.to_owned()];
        flat.processes.retain(|name, _| name == group);
        flat.checks = self
            .checks
            .iter()
            .filter(|(_, c)| self.section_applies_to(group, &c.processes))
            .map(|(name, c)| {
                let mut c = c.clone();
                c.processes = only_group();
                (name.clone(), c)
            })
            .collect();
        flat.http_service = self
            .http_service
            .as_ref()
            .filter(|s| self.section_applies_to(group, &s.processes))
            .map(|s| HttpService {
                processes: only_group(),
                ..s.clone()
            });
        flat.services = self
            .services
            .iter()
            .filter(|s| self.section_applies_to(group, &s.processes))
            .map(|s| Service {
                processes: only_group(),
                ..s.clone()
            })
            .collect();
        flat.mounts
            .retain(|m| self.section_applies_to(group, &m.processes));
        flat.files
            .retain(|f| self.section_applies_to(group, &f.processes));
        flat.metrics
            .retain(|m| self.section_applies_to(group, &m.processes));
        flat.restart
            .retain(|r| self.section_applies_to(group, &r.processes));
        for m in &mut flat.mounts {
            m.processes = only_group();
        }
        for f in &mut flat.files {
            f.processes = only_group();
        }
        for m in &mut flat.metrics {
            m.processes = only_group();
        }
        for r in &mut flat.restart {
            r.processes = only_group();
        }
        flat.vm = Vec::new();
        if let Some(compute) = self.compute_for_group(group) {
            if let Some(hdid) = compute
                .guest
                .as_ref()
                .map(|g| g.host_dedication_id.as_str())
                .filter(|id| !id.is_empty())
            {
                flat.host_dedication_id = hdid.to_owned();
            }
            flat.vm.push(Compute {
                processes: only_group(),
                ..compute.clone()
            });
        }
        flat
    }

    /// The group's command, shell-split; `None` when the group has no command.
    pub fn init_cmd(&self, group: &str) -> Result<Option<Vec<String>>, ConvertError> {
        match self.processes.get(group) {
            None => Ok(None),
            Some(cmd) if cmd.is_empty() => Ok(None),
            Some(cmd) => shell_split(cmd).map(Some).map_err(|e| {
                ConvertError::new(format!(
                    "could not parse command for {group} process group: {e}"
                ))
            }),
        }
    }

    /// `[http_service]` (as a service) first, then `[[services]]`.
    pub fn all_services(&self) -> Vec<Service> {
        let mut services = Vec::new();
        if let Some(http) = &self.http_service {
            services.push(http_service_to_service(http));
        }
        services.extend(self.services.iter().cloned());
        services
    }
}

/// `[http_service]` as the service flyctl deploys: ports 80 (http) and 443 (http + tls).
pub fn http_service_to_service(http: &HttpService) -> Service {
    Service {
        protocol: "tcp".into(),
        internal_port: http.internal_port,
        auto_stop_machines: http.auto_stop_machines,
        auto_start_machines: http.auto_start_machines,
        min_machines_running: http.min_machines_running,
        ports: vec![
            MachinePort {
                port: Some(80),
                handlers: vec!["http".into()],
                force_https: http.force_https,
                http_options: http.http_options.clone(),
                ..MachinePort::default()
            },
            MachinePort {
                port: Some(443),
                handlers: vec!["http".into(), "tls".into()],
                http_options: http.http_options.clone(),
                tls_options: http.tls_options.clone(),
                ..MachinePort::default()
            },
        ],
        concurrency: http.concurrency.clone(),
        tcp_checks: Vec::new(),
        http_checks: http.checks.clone(),
        machine_checks: http.machine_checks.clone(),
        processes: http.processes.clone(),
    }
}

fn headers_to_list(headers: &BTreeMap<String, String>) -> Vec<MachineHttpHeader> {
    headers
        .iter()
        .map(|(name, value)| MachineHttpHeader {
            name: name.clone(),
            values: vec![value.clone()],
        })
        .collect()
}

fn tcp_check_to_machine(check: &ServiceTcpCheck) -> MachineServiceCheck {
    MachineServiceCheck {
        r#type: Some("tcp".into()),
        interval: check.interval,
        timeout: check.timeout,
        grace_period: check.grace_period,
        ..MachineServiceCheck::default()
    }
}

fn http_check_to_machine(check: &ServiceHttpCheck) -> MachineServiceCheck {
    MachineServiceCheck {
        r#type: Some("http".into()),
        interval: check.interval,
        timeout: check.timeout,
        grace_period: check.grace_period,
        method: check.method.clone(),
        path: check.path.clone(),
        protocol: check.protocol.clone(),
        tls_skip_verify: check.tls_skip_verify,
        tls_server_name: check.tls_server_name.clone(),
        headers: headers_to_list(&check.headers),
        ..MachineServiceCheck::default()
    }
}

/// A fly.toml service as the Machines API service.
pub fn service_to_machine(service: &Service) -> MachineService {
    let checks = service
        .tcp_checks
        .iter()
        .map(tcp_check_to_machine)
        .chain(service.http_checks.iter().map(http_check_to_machine))
        .collect();
    MachineService {
        protocol: service.protocol.clone(),
        internal_port: service.internal_port,
        autostop: service.auto_stop_machines,
        autostart: service.auto_start_machines,
        min_machines_running: service.min_machines_running,
        ports: service.ports.clone(),
        checks,
        concurrency: service.concurrency.clone(),
        force_instance_key: None,
        force_instance_description: None,
    }
}

/// The message flyctl gives for a top-level check of another type.
pub const INVALID_CHECK_TYPE: &str = "Missing or invalid check type, must be 'http' or 'tcp'";

/// A `[checks.NAME]` section as the Machines API check (port not defaulted yet).
pub fn top_level_check_to_machine(check: &TopLevelCheck) -> Result<MachineCheck, String> {
    match check.r#type.as_deref() {
        Some("http" | "tcp") => {}
        _ => return Err(INVALID_CHECK_TYPE.to_owned()),
    }
    Ok(MachineCheck {
        port: check.port,
        r#type: check.r#type.clone(),
        interval: check.interval,
        timeout: check.timeout,
        grace_period: check.grace_period,
        method: check.method.as_ref().map(|m| m.to_uppercase()),
        path: check.path.clone(),
        protocol: check.protocol.clone(),
        tls_skip_verify: check.tls_skip_verify,
        tls_server_name: check.tls_server_name.clone(),
        headers: headers_to_list(&check.headers),
        ..MachineCheck::default()
    })
}

/// `always`, `on-failure`, or `never` (sent as `no`).
pub fn parse_restart_policy(policy: &str) -> Result<&'static str, String> {
    match policy {
        "always" => Ok(RESTART_POLICY_ALWAYS),
        "on-failure" => Ok(RESTART_POLICY_ON_FAILURE),
        "never" => Ok(RESTART_POLICY_NO),
        other => Err(format!("invalid restart policy: {other}")),
    }
}

/// A `[[vm]]` section as a guest: the preset (default `shared-cpu-1x`, or `performance-8x`
/// when only a GPU kind is given), then the flattened `host_dedication_id`, then `memory`,
/// then every non-empty inline guest field.
pub fn compute_to_guest(
    compute: &Compute,
    host_dedication_id: &str,
) -> Result<MachineGuest, String> {
    let size = if !compute.size.is_empty() {
        compute.size.as_str()
    } else if compute
        .guest
        .as_ref()
        .is_some_and(|g| !g.gpu_kind.is_empty())
    {
        fly_api::types::machine_config::DEFAULT_GPU_VM_SIZE
    } else {
        fly_api::types::machine_config::DEFAULT_VM_SIZE
    };
    let mut guest = MachineGuest::from_size(size).map_err(|e| e.message)?;
    if !host_dedication_id.is_empty() {
        guest.host_dedication_id = host_dedication_id.to_owned();
    }
    if !compute.memory.is_empty() {
        let mb = parse_memory_mb(&compute.memory)?;
        if mb == 0 {
            return Err("memory cannot be zero".into());
        }
        guest.memory_mb = mb;
    }
    if let Some(inline) = &compute.guest {
        overlay_guest(&mut guest, inline);
    }
    Ok(guest)
}

/// Copies the non-empty fields of `from` onto `into`.
fn overlay_guest(into: &mut MachineGuest, from: &MachineGuest) {
    let set_str = |into: &mut String, from: &String| {
        if !from.is_empty() {
            into.clone_from(from);
        }
    };
    let set_int = |into: &mut i64, from: i64| {
        if from != 0 {
            *into = from;
        }
    };
    set_str(&mut into.cpu_kind, &from.cpu_kind);
    set_int(&mut into.cpus, from.cpus);
    set_int(&mut into.memory_mb, from.memory_mb);
    set_int(&mut into.max_memory_mb, from.max_memory_mb);
    set_int(&mut into.gpus, from.gpus);
    set_str(&mut into.gpu_kind, &from.gpu_kind);
    set_str(&mut into.host_dedication_id, &from.host_dedication_id);
    if from.persist_rootfs != fly_api::types::PersistRootfs::Unset {
        into.persist_rootfs = from.persist_rootfs;
    }
    if !from.kernel_args.is_empty() {
        into.kernel_args.clone_from(&from.kernel_args);
    }
}

/// A `[[files]]` entry as a machine file: a local file is read and base64-encoded, a raw
/// value is base64-encoded, a secret is referenced by name.
fn file_to_machine(config: &AppConfig, entry: &FileEntry) -> Result<File, ConvertError> {
    let mut file = File {
        guest_path: entry.guest_path.clone(),
        ..File::default()
    };
    if !entry.local_path.is_empty() {
        let path = config.resolve_path(&entry.local_path);
        let content = std::fs::read(&path).map_err(|e| {
            ConvertError::new(format!("could not read file {}: {e}", entry.local_path))
        })?;
        file.raw_value = Some(base64_encode(&content));
    } else if !entry.secret_name.is_empty() {
        file.secret_name = Some(entry.secret_name.clone());
    } else if !entry.raw_value.is_empty() {
        file.raw_value = Some(base64_encode(entry.raw_value.as_bytes()));
    }
    Ok(file)
}

/// fly-go's `MergeFiles`: later files replace earlier ones at the same guest path; one with
/// no content removes it.
fn merge_files(files: &mut Vec<File>, incoming: Vec<File>) {
    for file in incoming {
        match files.iter().position(|f| f.guest_path == file.guest_path) {
            None => files.push(file),
            Some(index) if file.raw_value.is_none() && file.secret_name.is_none() => {
                files.remove(index);
            }
            Some(index) => files[index] = file,
        }
    }
}

/// The compose file flyctl would build containers from, if any.
fn compose_file(config: &AppConfig) -> Option<String> {
    let compose = config.build.as_ref()?.compose.as_ref()?;
    if !compose.file.is_empty() {
        return Some(compose.file.clone());
    }
    WELL_KNOWN_COMPOSE_FILES
        .iter()
        .find(|name| config.base_dir().join(name).exists())
        .map(|name| (*name).to_owned())
}

/// Reads `machine_config` (JSON text or a `.json` file) into the config being built, then
/// marks the container that runs the built image, as flyctl's `ParseContainerConfig` does.
fn apply_machine_config_json(
    config: &AppConfig,
    machine: &mut MachineConfig,
) -> Result<(), ConvertError> {
    if let Some(compose) = compose_file(config) {
        let path = config.resolve_path(&compose);
        if let Err(e) = std::fs::metadata(&path) {
            return Err(ConvertError::new(format!(
                "failed to read compose file: open {}: {e}",
                path.display()
            )));
        }
        return Err(ConvertError::new(format!(
            "building containers from a docker compose file ({compose}) is not supported; \
             describe the containers in machine_config instead"
        )));
    }
    let source = config.machine_config_source();
    if source.is_empty() {
        return Ok(());
    }
    let text = if source.starts_with('{') {
        source.to_owned()
    } else if source.ends_with(".json") {
        std::fs::read_to_string(config.resolve_path(source))
            .map_err(|e| ConvertError::new(format!("open {source}: {e}")))?
    } else {
        return Err(ConvertError::new(format!(
            "invalid machine config source: {source:?}"
        )));
    };
    let invalid =
        |e: serde_json::Error| ConvertError::new(format!("invalid machine config {source:?}: {e}"));
    let raw: serde_json::Value = serde_json::from_str(&text).map_err(invalid)?;
    // Decoded onto the config being built, as Go's json.Unmarshal does onto a struct.
    let mut merged = serde_json::to_value(&*machine).map_err(invalid)?;
    merge_json(&mut merged, &raw);
    *machine = serde_json::from_value(merged).map_err(invalid)?;
    read_local_files(config, machine, &raw)?;

    let Some(serde_json::Value::Array(containers)) = machine.extra.get_mut("containers") else {
        return Ok(());
    };
    if containers.is_empty() {
        return Ok(());
    }
    let wanted = if config.container.is_empty() {
        "app"
    } else {
        config.container.as_str()
    };
    let name_of = |c: &serde_json::Value| {
        c.get("name")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let selected = match containers.iter().position(|c| name_of(c) == wanted) {
        Some(index) => index,
        None if !config.container.is_empty() => {
            return Err(ConvertError::new(format!(
                "container {:?} not found",
                config.container
            )));
        }
        None => 0,
    };
    for (index, container) in containers.iter_mut().enumerate() {
        let has_image = container
            .get("image")
            .and_then(serde_json::Value::as_str)
            .is_some_and(|i| !i.is_empty());
        if index == selected {
            if let Some(object) = container.as_object_mut() {
                object.insert("image".into(), serde_json::Value::String(".".into()));
            }
        } else if !has_image {
            return Err(ConvertError::new(format!(
                "container {:?} must have an image specified",
                name_of(container)
            )));
        }
    }
    Ok(())
}

/// Go `encoding/json` decoding onto an existing value: objects merge key by key, anything
/// else replaces.
fn merge_json(base: &mut serde_json::Value, patch: &serde_json::Value) {
    match (base, patch) {
        (serde_json::Value::Object(base), serde_json::Value::Object(patch)) => {
            for (key, value) in patch {
                match base.get_mut(key) {
                    Some(existing) if existing.is_object() && value.is_object() => {
                        merge_json(existing, value);
                    }
                    _ => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (base, patch) => *base = patch.clone(),
    }
}

/// Files of the machine config JSON given by `local_path` are read and inlined.
fn read_local_files(
    config: &AppConfig,
    machine: &mut MachineConfig,
    raw: &serde_json::Value,
) -> Result<(), ConvertError> {
    let local_path_for = |files: Option<&serde_json::Value>, guest_path: &str| -> Option<String> {
        files?
            .as_array()?
            .iter()
            .filter(|f| f.get("guest_path").and_then(serde_json::Value::as_str) == Some(guest_path))
            .filter_map(|f| f.get("local_path").and_then(serde_json::Value::as_str))
            .rfind(|p| !p.is_empty())
            .map(str::to_owned)
    };
    let read = |local: &str| -> Result<String, ConvertError> {
        std::fs::read(config.resolve_path(local))
            .map(|content| base64_encode(&content))
            .map_err(|e| ConvertError::new(format!("failed to read file at {local}: {e}")))
    };
    for file in &mut machine.files {
        if file.raw_value.is_none()
            && file.secret_name.is_none()
            && let Some(local) = local_path_for(raw.get("files"), &file.guest_path)
        {
            file.raw_value = Some(read(&local)?);
        }
    }
    let raw_containers = raw.get("containers").and_then(serde_json::Value::as_array);
    if let (Some(serde_json::Value::Array(containers)), Some(raw_containers)) =
        (machine.extra.get_mut("containers"), raw_containers)
    {
        for container in containers.iter_mut() {
            let name = container
                .get("name")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let raw_files = raw_containers
                .iter()
                .find(|c| c.get("name").and_then(serde_json::Value::as_str) == Some(&name))
                .and_then(|c| c.get("files"));
            let Some(files) = container
                .get_mut("files")
                .and_then(serde_json::Value::as_array_mut)
            else {
                continue;
            };
            for file in files.iter_mut() {
                let unset = |key: &str| file.get(key).is_none_or(serde_json::Value::is_null);
                if !(unset("raw_value") && unset("secret_name")) {
                    continue;
                }
                let guest_path = file
                    .get("guest_path")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                if let Some(local) = local_path_for(raw_files, &guest_path)
                    && let Some(object) = file.as_object_mut()
                {
                    object.insert("raw_value".into(), serde_json::Value::String(read(&local)?));
                }
            }
        }
    }
    Ok(())
}

/// Builds the machine config for one process group.
pub fn to_machine_config(
    config: &AppConfig,
    group: &str,
    options: &ConvertOptions,
) -> Result<MachineConfig, ConvertError> {
    let groups = config.process_groups();
    if !groups.iter().any(|g| g == group) {
        return Err(ConvertError::new(format!(
            "process group '{group}' is not defined in fly.toml (groups: {})",
            groups.join(", ")
        )));
    }
    let flat = config.flatten(group);
    let mut machine = options.existing.clone().unwrap_or_default();
    apply_machine_config_json(config, &mut machine)?;

    machine.metrics = flat.metrics.first().and_then(|m| m.metrics.clone());

    let mut cmd = flat.init_cmd(group)?;
    if let Some(experimental) = &flat.experimental {
        if cmd.is_none() {
            cmd = Some(experimental.cmd.clone());
        }
        machine.init.entrypoint = experimental.entrypoint.clone();
        machine.init.exec = experimental.exec.clone();
    } else {
        machine.init.entrypoint = Vec::new();
        machine.init.exec = Vec::new();
    }
    machine.init.cmd = cmd.unwrap_or_default();
    machine.init.swap_size_mb = flat.swap_size_mb;

    if let Some(version) = &options.flyctl_version {
        machine
            .metadata
            .insert(METADATA_KEY_FLYCTL_VERSION.into(), version.clone());
    }
    machine.metadata.insert(
        METADATA_KEY_PLATFORM_VERSION.into(),
        PLATFORM_VERSION_V2.into(),
    );
    machine
        .metadata
        .insert(METADATA_KEY_PROCESS_GROUP.into(), group.into());

    machine.services = flat.all_services().iter().map(service_to_machine).collect();

    machine.checks = BTreeMap::new();
    for (name, check) in &flat.checks {
        let mut machine_check = top_level_check_to_machine(check).map_err(|e| {
            ConvertError::new(format!("Check '{name}' for process group '{group}': {e}"))
        })?;
        if machine_check.port.is_none() {
            let Some(http) = &flat.http_service else {
                return Err(ConvertError::new(format!(
                    "Check '{name}' for process group '{group}' has no port set and the group has no http_service to take it from"
                )));
            };
            machine_check.port = Some(http.internal_port);
        }
        machine.checks.insert(name.clone(), machine_check);
    }

    machine.env = flat.env.clone();
    machine
        .env
        .insert("FLY_PROCESS_GROUP".into(), group.to_owned());
    if !flat.primary_region.is_empty() {
        machine
            .env
            .insert("PRIMARY_REGION".into(), flat.primary_region.clone());
    }

    machine.statics = flat
        .statics
        .iter()
        .map(|s| Static {
            guest_path: s.guest_path.clone(),
            url_prefix: s.url_prefix.clone(),
            tigris_bucket: s.tigris_bucket.clone(),
            index_document: s.index_document.clone(),
        })
        .collect();

    machine.mounts = flat
        .mounts
        .iter()
        .map(|m| MachineMount {
            path: m.destination.clone(),
            name: m.source.clone(),
            extend_threshold_percent: m.auto_extend_size_threshold,
            // Bad sizes are reported by validation; flyctl converts them to 0 here.
            add_size_gb: non_empty_size(&m.auto_extend_size_increment),
            size_gb_limit: non_empty_size(&m.auto_extend_size_limit),
            ..MachineMount::default()
        })
        .collect();

    machine.stop_config = if flat.kill_signal.is_none() && flat.kill_timeout.is_none() {
        None
    } else {
        Some(StopConfig {
            timeout: flat.kill_timeout,
            signal: flat.kill_signal.clone(),
        })
    };

    // flyctl merges the files of every group (its merged-files list is built before the
    // config is narrowed to the group), so group-specific files reach every group.
    machine.files = Vec::new();
    let files = config
        .files
        .iter()
        .map(|f| file_to_machine(config, f))
        .collect::<Result<Vec<_>, _>>()?;
    merge_files(&mut machine.files, files);

    if let Some(compute) = flat.vm.first() {
        machine.guest = Some(
            compute_to_guest(compute, &flat.host_dedication_id).map_err(|e| {
                ConvertError::new(format!("[[vm]] for process group '{group}': {e}"))
            })?,
        );
    }

    machine.restart = None;
    for restart in &flat.restart {
        let policy = parse_restart_policy(&restart.policy).map_err(|e| {
            ConvertError::new(format!("[[restart]] for process group '{group}': {e}"))
        })?;
        machine.restart = Some(MachineRestart {
            policy: policy.to_owned(),
            max_retries: restart.max_retries,
        });
    }

    apply_deploy_options(config, &mut machine, options);
    Ok(machine)
}

fn non_empty_size(text: &str) -> i64 {
    if text.is_empty() {
        0
    } else {
        parse_volume_gb(text).unwrap_or(0)
    }
}

/// What `fly deploy` adds for a new machine: the image (also for `"."` containers and
/// image-config files) and, when a default guest is given, the guest and host dedication.
fn apply_deploy_options(config: &AppConfig, machine: &mut MachineConfig, options: &ConvertOptions) {
    if let Some(image) = &options.image {
        machine.image = Some(image.clone());
        for file in &mut machine.files {
            if file.image_config.as_deref() == Some(".") {
                file.image_config = Some(image.clone());
            }
        }
        if let Some(serde_json::Value::Array(containers)) = machine.extra.get_mut("containers") {
            for container in containers.iter_mut().filter_map(|c| c.as_object_mut()) {
                if container.get("image").and_then(serde_json::Value::as_str) == Some(".") {
                    container.insert("image".into(), serde_json::Value::String(image.clone()));
                }
                if let Some(files) = container
                    .get_mut("files")
                    .and_then(serde_json::Value::as_array_mut)
                {
                    for file in files.iter_mut().filter_map(|f| f.as_object_mut()) {
                        if file.get("image_config").and_then(serde_json::Value::as_str) == Some(".")
                        {
                            file.insert(
                                "image_config".into(),
                                serde_json::Value::String(image.clone()),
                            );
                        }
                    }
                }
            }
        }
    }
    if let Some(default_guest) = &options.default_guest {
        if machine.guest.is_none() {
            machine.guest = Some(default_guest.clone());
        }
        if !config.host_dedication_id.is_empty()
            && let Some(guest) = &mut machine.guest
        {
            guest
                .host_dedication_id
                .clone_from(&config.host_dedication_id);
        }
    }
}

/// Process group flyctl gives the release command machine.
pub const RELEASE_COMMAND_GROUP: &str = "fly_app_release_command";
/// Process group flyctl gives `fly console` machines.
pub const CONSOLE_GROUP: &str = "fly_app_console";

/// The settings flyctl's one-off machines share: never restarted, destroyed on exit, kept
/// out of DNS, tagged with the group.
fn one_off_machine(config: &AppConfig, group: &str, options: &ConvertOptions) -> MachineConfig {
    let mut machine = MachineConfig {
        restart: Some(MachineRestart {
            policy: RESTART_POLICY_NO.into(),
            max_retries: 0,
        }),
        auto_destroy: true,
        dns: Some(fly_api::types::DnsConfig {
            skip_registration: true,
            ..fly_api::types::DnsConfig::default()
        }),
        env: config.env.clone(),
        image: options.image.clone(),
        ..MachineConfig::default()
    };
    machine.init.swap_size_mb = config.swap_size_mb;
    if let Some(version) = &options.flyctl_version {
        machine
            .metadata
            .insert(METADATA_KEY_FLYCTL_VERSION.into(), version.clone());
    }
    machine.metadata.insert(
        METADATA_KEY_PLATFORM_VERSION.into(),
        PLATFORM_VERSION_V2.into(),
    );
    machine
        .metadata
        .insert(METADATA_KEY_PROCESS_GROUP.into(), group.into());
    machine
        .env
        .insert("FLY_PROCESS_GROUP".into(), group.to_owned());
    if !config.primary_region.is_empty() {
        machine
            .env
            .insert("PRIMARY_REGION".into(), config.primary_region.clone());
    }
    machine
}

/// The machine that runs `[deploy] release_command` (flyctl's `ToReleaseMachineConfig`).
pub fn to_release_machine_config(
    config: &AppConfig,
    options: &ConvertOptions,
) -> Result<MachineConfig, ConvertError> {
    let Some(deploy) = config.deploy.as_ref() else {
        return Err(ConvertError::new(
            "fly.toml has no [deploy] release_command",
        ));
    };
    let cmd = shell_split(&deploy.release_command).map_err(|e| {
        ConvertError::new(format!(
            "could not parse release_command '{}': {e}",
            deploy.release_command
        ))
    })?;
    let mut machine = one_off_machine(config, RELEASE_COMMAND_GROUP, options);
    machine.init.cmd = cmd;
    if let Some(experimental) = &config.experimental {
        machine.init.entrypoint = experimental.entrypoint.clone();
    }
    machine.env.insert("RELEASE_COMMAND".into(), "1".into());
    if config.kill_signal.is_some() || config.kill_timeout.is_some() {
        machine.stop_config = Some(StopConfig {
            timeout: config.kill_timeout,
            signal: config.kill_signal.clone(),
        });
    }
    let files = config
        .files
        .iter()
        .map(|f| file_to_machine(config, f))
        .collect::<Result<Vec<_>, _>>()?;
    merge_files(&mut machine.files, files);
    if let Some(compute) = &deploy.release_command_vm {
        machine.guest = Some(
            compute_to_guest(compute, &config.host_dedication_id)
                .map_err(|e| ConvertError::new(format!("[deploy] release_command_vm: {e}")))?,
        );
    }
    Ok(machine)
}

/// The machine `fly console` starts (flyctl's `ToConsoleMachineConfig`).
pub fn to_console_machine_config(config: &AppConfig, options: &ConvertOptions) -> MachineConfig {
    let mut machine = one_off_machine(config, CONSOLE_GROUP, options);
    // Something has to keep the machine up while the console attaches.
    machine.init.exec = vec!["/bin/sleep".into(), "inf".into()];
    machine
}
