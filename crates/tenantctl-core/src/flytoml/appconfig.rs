//! The fly.toml schema as flyctl reads it (flyctl `internal/appconfig/config.go`).
//!
//! Parsing follows flyctl: the TOML is read into a tree, older forms are rewritten
//! ([`super::patches`]), and the result is decoded with Go `encoding/json` rules
//! ([`super::node`]). Everything flyctl keeps is kept here, including the sections only
//! `fly deploy`'s build and release steps use.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fly_api::types::{
    GoDuration, HttpOptions, HttpResponseOptions, MachineAutostop, MachineGuest, MachineMetrics,
    MachinePort, MachineServiceConcurrency, PersistRootfs, ProxyProtoOptions, ReplayCache,
    TlsOptions,
};

use super::node::{
    Decode, DecodeError, Node, Value, decode_fields, entries, match_field, mismatch,
};
use super::patches::patch_root;

/// The process group used when fly.toml defines none.
pub const DEFAULT_PROCESS_GROUP: &str = "app";

/// A parsed fly.toml.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppConfig {
    /// `app`.
    pub app: Option<String>,
    pub primary_region: String,
    pub kill_signal: Option<String>,
    /// Numbers are seconds.
    pub kill_timeout: Option<GoDuration>,
    pub swap_size_mb: Option<i64>,
    pub console_command: String,
    pub experimental: Option<Experimental>,
    pub build: Option<Build>,
    pub deploy: Option<Deploy>,
    /// `[env]`, or a list of `[[env]]` tables merged; non-string values are stringified.
    pub env: BTreeMap<String, String>,
    /// Group name → command line (`""` = the image's default command).
    pub processes: BTreeMap<String, String>,
    /// `[[mounts]]` and `[mount]`.
    pub mounts: Vec<Mount>,
    pub http_service: Option<HttpService>,
    pub services: Vec<Service>,
    /// `[checks.NAME]`.
    pub checks: BTreeMap<String, TopLevelCheck>,
    pub files: Vec<FileEntry>,
    pub host_dedication_id: String,
    /// A machine config as JSON text, or the path of a `.json` file.
    pub machine_config: String,
    /// Which container of `machine_config` runs the built image.
    pub container: String,
    pub machine_checks: Vec<ServiceMachineCheck>,
    pub restart: Vec<Restart>,
    /// `[[vm]]`, `[[compute]]` and `[[computes]]`, in that order: compute, computes, vm.
    pub vm: Vec<Compute>,
    pub statics: Vec<StaticEntry>,
    /// `[[metrics]]`, `[metric]` and `[experimental] metrics_port/metrics_path`.
    pub metrics: Vec<Metrics>,
    /// The file this came from; relative paths in it are resolved against its directory.
    pub path: PathBuf,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Experimental {
    pub cmd: Vec<String>,
    pub entrypoint: Vec<String>,
    pub exec: Vec<String>,
    pub auto_rollback: bool,
    pub enable_consul: bool,
    pub enable_etcd: bool,
    pub lazy_load_images: bool,
    pub attached: Attached,
    /// Takes precedence over the top-level `machine_config`.
    pub machine_config: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attached {
    pub secrets: AttachedSecrets,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AttachedSecrets {
    pub export: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Build {
    pub builder: String,
    pub args: BTreeMap<String, String>,
    pub buildpacks: Vec<String>,
    pub image: String,
    pub settings: BTreeMap<String, serde_json::Value>,
    pub builtin: String,
    pub dockerfile: String,
    pub ignorefile: String,
    /// `build-target` (older files: `build_target`).
    pub build_target: String,
    pub compose: Option<BuildCompose>,
    pub compression: String,
    pub compression_level: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct BuildCompose {
    pub file: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Deploy {
    pub strategy: String,
    pub max_unavailable: Option<f64>,
    pub wait_timeout: Option<GoDuration>,
    pub release_command: String,
    pub release_command_timeout: Option<GoDuration>,
    pub release_command_vm: Option<Compute>,
    pub seed_command: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mount {
    pub source: String,
    pub destination: String,
    /// Numbers are stringified; a size string in decimal units, bare numbers in GB.
    pub initial_size: String,
    pub snapshot_retention: Option<i64>,
    pub scheduled_snapshots: Option<bool>,
    pub auto_extend_size_threshold: i64,
    pub auto_extend_size_increment: String,
    pub auto_extend_size_limit: String,
    pub processes: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct HttpService {
    pub internal_port: i64,
    pub force_https: bool,
    pub auto_stop_machines: Option<MachineAutostop>,
    pub auto_start_machines: Option<bool>,
    pub min_machines_running: Option<i64>,
    pub processes: Vec<String>,
    pub concurrency: Option<MachineServiceConcurrency>,
    pub tls_options: Option<TlsOptions>,
    pub http_options: Option<HttpOptions>,
    /// `[[http_service.checks]]`.
    pub checks: Vec<ServiceHttpCheck>,
    pub machine_checks: Vec<ServiceMachineCheck>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Service {
    pub protocol: String,
    pub internal_port: i64,
    pub auto_stop_machines: Option<MachineAutostop>,
    pub auto_start_machines: Option<bool>,
    pub min_machines_running: Option<i64>,
    pub ports: Vec<MachinePort>,
    pub concurrency: Option<MachineServiceConcurrency>,
    pub tcp_checks: Vec<ServiceTcpCheck>,
    pub http_checks: Vec<ServiceHttpCheck>,
    pub machine_checks: Vec<ServiceMachineCheck>,
    pub processes: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceTcpCheck {
    pub interval: Option<GoDuration>,
    pub timeout: Option<GoDuration>,
    pub grace_period: Option<GoDuration>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceHttpCheck {
    pub interval: Option<GoDuration>,
    pub timeout: Option<GoDuration>,
    pub grace_period: Option<GoDuration>,
    pub method: Option<String>,
    pub path: Option<String>,
    pub protocol: Option<String>,
    pub tls_skip_verify: Option<bool>,
    pub tls_server_name: Option<String>,
    pub headers: BTreeMap<String, String>,
}

/// A check run in a throwaway machine (`[[http_service.machine_checks]]` and friends).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceMachineCheck {
    pub command: Vec<String>,
    pub image: String,
    pub entrypoint: Vec<String>,
    pub kill_signal: Option<String>,
    pub kill_timeout: Option<GoDuration>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TopLevelCheck {
    pub port: Option<i64>,
    /// `http` or `tcp`.
    pub r#type: Option<String>,
    pub interval: Option<GoDuration>,
    pub timeout: Option<GoDuration>,
    pub grace_period: Option<GoDuration>,
    pub method: Option<String>,
    pub path: Option<String>,
    pub protocol: Option<String>,
    pub tls_skip_verify: Option<bool>,
    pub tls_server_name: Option<String>,
    pub headers: BTreeMap<String, String>,
    pub processes: Vec<String>,
}

/// `[[files]]`: one of `local_path`, `secret_name`, `raw_value` gives the content.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileEntry {
    pub guest_path: String,
    pub local_path: String,
    pub secret_name: String,
    /// Plain text; flyctl base64-encodes it for the machine.
    pub raw_value: String,
    pub processes: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct StaticEntry {
    pub guest_path: String,
    pub url_prefix: String,
    pub tigris_bucket: String,
    pub index_document: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Restart {
    /// `always`, `on-failure` or `never`.
    pub policy: String,
    /// `retries`.
    pub max_retries: i64,
    pub processes: Vec<String>,
}

/// A `[[vm]]` section: a preset `size`, a `memory` string, and any guest field inline.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Compute {
    pub size: String,
    /// Numbers are stringified; bare numbers are MB.
    pub memory: String,
    /// The inline guest fields (`cpu_kind`, `cpus`, `memory_mb`, `gpu_kind`, ...), when any.
    pub guest: Option<MachineGuest>,
    pub processes: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    /// The inline `port`, `path`, `https`, when any.
    pub metrics: Option<MachineMetrics>,
    pub processes: Vec<String>,
}

/// A fly.toml that could not be read: names the file and, where known, the line.
#[derive(Debug, thiserror::Error)]
#[error("{path}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct FlyTomlError {
    pub path: String,
    pub line: Option<usize>,
    pub message: String,
}

impl AppConfig {
    /// Parses fly.toml text; `path` is used in error messages and to resolve relative paths.
    ///
    /// Rejects what flyctl cannot load as a machines config: TOML syntax errors, values of the
    /// wrong type, and old forms flyctl cannot rewrite (e.g. `concurrency = 20`).
    pub fn parse(text: &str, path: &Path) -> Result<AppConfig, FlyTomlError> {
        let error = |e: DecodeError| FlyTomlError {
            path: path.display().to_string(),
            line: Some(e.line),
            message: e.message,
        };
        let mut root = Node::parse_document(text).map_err(error)?;
        let root_line = root.line;
        if let Value::Table(map) = &mut root.value {
            patch_root(map, root_line).map_err(error)?;
        }
        let mut config = AppConfig::decode(&root, "").map_err(error)?;
        config.path = path.to_path_buf();
        Ok(config)
    }

    /// Reads and parses a fly.toml file.
    pub fn load(path: &Path) -> Result<AppConfig, FlyTomlError> {
        let text = std::fs::read_to_string(path).map_err(|e| FlyTomlError {
            path: path.display().to_string(),
            line: None,
            message: e.to_string(),
        })?;
        Self::parse(&text, path)
    }

    /// Process group names, sorted; `["app"]` when there is no `[processes]`.
    pub fn process_groups(&self) -> Vec<String> {
        if self.processes.is_empty() {
            vec![DEFAULT_PROCESS_GROUP.to_owned()]
        } else {
            self.processes.keys().cloned().collect()
        }
    }

    /// The group sections without a `processes` list apply to: `app` when it is a group,
    /// else the first group by name.
    pub fn default_process_group(&self) -> String {
        let groups = self.process_groups();
        if groups.iter().any(|g| g == DEFAULT_PROCESS_GROUP) {
            DEFAULT_PROCESS_GROUP.to_owned()
        } else {
            groups
                .into_iter()
                .next()
                .unwrap_or_else(|| DEFAULT_PROCESS_GROUP.to_owned())
        }
    }

    /// The machine config JSON source in effect: `[experimental] machine_config` wins over
    /// the top-level one.
    pub fn machine_config_source(&self) -> &str {
        match &self.experimental {
            Some(exp) if !exp.machine_config.is_empty() => &exp.machine_config,
            _ => &self.machine_config,
        }
    }
}

impl Decode for AppConfig {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut c = AppConfig::default();
        decode_fields!(node, path, c, {
            "app" => app,
            "primary_region" => primary_region,
            "kill_signal" => kill_signal,
            "kill_timeout" => kill_timeout,
            "swap_size_mb" => swap_size_mb,
            "console_command" => console_command,
            "experimental" => experimental,
            "build" => build,
            "deploy" => deploy,
            "env" => env,
            "processes" => processes,
            "mounts" => mounts,
            "http_service" => http_service,
            "services" => services,
            "checks" => checks,
            "files" => files,
            "host_dedication_id" => host_dedication_id,
            "machine_config" => machine_config,
            "container" => container,
            "machine_checks" => machine_checks,
            "restart" => restart,
            "vm" => vm,
            "statics" => statics,
            "metrics" => metrics,
        });
        Ok(c)
    }
}

impl Decode for Experimental {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut e = Experimental::default();
        decode_fields!(node, path, e, {
            "cmd" => cmd,
            "entrypoint" => entrypoint,
            "exec" => exec,
            "auto_rollback" => auto_rollback,
            "enable_consul" => enable_consul,
            "enable_etcd" => enable_etcd,
            "lazy_load_images" => lazy_load_images,
            "attached" => attached,
            "machine_config" => machine_config,
        });
        Ok(e)
    }
}

impl Decode for Attached {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut a = Attached::default();
        decode_fields!(node, path, a, { "secrets" => secrets });
        Ok(a)
    }
}

impl Decode for AttachedSecrets {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut s = AttachedSecrets::default();
        decode_fields!(node, path, s, { "export" => export });
        Ok(s)
    }
}

impl Decode for Build {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut b = Build::default();
        decode_fields!(node, path, b, {
            "builder" => builder,
            "args" => args,
            "buildpacks" => buildpacks,
            "image" => image,
            "settings" => settings,
            "builtin" => builtin,
            "dockerfile" => dockerfile,
            "ignorefile" => ignorefile,
            "build-target" => build_target,
            "compose" => compose,
            "compression" => compression,
            "compression_level" => compression_level,
        });
        Ok(b)
    }
}

impl Decode for BuildCompose {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut b = BuildCompose::default();
        decode_fields!(node, path, b, { "file" => file });
        Ok(b)
    }
}

impl Decode for Deploy {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut d = Deploy::default();
        decode_fields!(node, path, d, {
            "strategy" => strategy,
            "max_unavailable" => max_unavailable,
            "wait_timeout" => wait_timeout,
            "release_command" => release_command,
            "release_command_timeout" => release_command_timeout,
            "release_command_vm" => release_command_vm,
            "seed_command" => seed_command,
        });
        Ok(d)
    }
}

impl Decode for Mount {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut m = Mount::default();
        decode_fields!(node, path, m, {
            "source" => source,
            "destination" => destination,
            "initial_size" => initial_size,
            "snapshot_retention" => snapshot_retention,
            "scheduled_snapshots" => scheduled_snapshots,
            "auto_extend_size_threshold" => auto_extend_size_threshold,
            "auto_extend_size_increment" => auto_extend_size_increment,
            "auto_extend_size_limit" => auto_extend_size_limit,
            "processes" => processes,
        });
        Ok(m)
    }
}

impl Decode for HttpService {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut s = HttpService::default();
        decode_fields!(node, path, s, {
            "internal_port" => internal_port,
            "force_https" => force_https,
            "auto_stop_machines" => auto_stop_machines,
            "auto_start_machines" => auto_start_machines,
            "min_machines_running" => min_machines_running,
            "processes" => processes,
            "concurrency" => concurrency,
            "tls_options" => tls_options,
            "http_options" => http_options,
            "checks" => checks,
            "machine_checks" => machine_checks,
        });
        Ok(s)
    }
}

impl Decode for Service {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut s = Service::default();
        decode_fields!(node, path, s, {
            "protocol" => protocol,
            "internal_port" => internal_port,
            "auto_stop_machines" => auto_stop_machines,
            "auto_start_machines" => auto_start_machines,
            "min_machines_running" => min_machines_running,
            "ports" => ports,
            "concurrency" => concurrency,
            "tcp_checks" => tcp_checks,
            "http_checks" => http_checks,
            "machine_checks" => machine_checks,
            "processes" => processes,
        });
        Ok(s)
    }
}

impl Decode for ServiceTcpCheck {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut c = ServiceTcpCheck::default();
        decode_fields!(node, path, c, {
            "interval" => interval,
            "timeout" => timeout,
            "grace_period" => grace_period,
        });
        Ok(c)
    }
}

impl Decode for ServiceHttpCheck {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut c = ServiceHttpCheck::default();
        decode_fields!(node, path, c, {
            "interval" => interval,
            "timeout" => timeout,
            "grace_period" => grace_period,
            "method" => method,
            "path" => path,
            "protocol" => protocol,
            "tls_skip_verify" => tls_skip_verify,
            "tls_server_name" => tls_server_name,
            "headers" => headers,
        });
        Ok(c)
    }
}

impl Decode for ServiceMachineCheck {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut c = ServiceMachineCheck::default();
        decode_fields!(node, path, c, {
            "command" => command,
            "image" => image,
            "entrypoint" => entrypoint,
            "kill_signal" => kill_signal,
            "kill_timeout" => kill_timeout,
        });
        Ok(c)
    }
}

impl Decode for TopLevelCheck {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut c = TopLevelCheck::default();
        decode_fields!(node, path, c, {
            "port" => port,
            "type" => r#type,
            "interval" => interval,
            "timeout" => timeout,
            "grace_period" => grace_period,
            "method" => method,
            "path" => path,
            "protocol" => protocol,
            "tls_skip_verify" => tls_skip_verify,
            "tls_server_name" => tls_server_name,
            "headers" => headers,
            "processes" => processes,
        });
        Ok(c)
    }
}

impl Decode for FileEntry {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut f = FileEntry::default();
        decode_fields!(node, path, f, {
            "guest_path" => guest_path,
            "local_path" => local_path,
            "secret_name" => secret_name,
            "raw_value" => raw_value,
            "processes" => processes,
        });
        Ok(f)
    }
}

impl Decode for StaticEntry {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut s = StaticEntry::default();
        decode_fields!(node, path, s, {
            "guest_path" => guest_path,
            "url_prefix" => url_prefix,
            "tigris_bucket" => tigris_bucket,
            "index_document" => index_document,
        });
        Ok(s)
    }
}

impl Decode for Restart {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut r = Restart::default();
        decode_fields!(node, path, r, {
            "policy" => policy,
            "retries" => max_retries,
            "processes" => processes,
        });
        Ok(r)
    }
}

const GUEST_FIELDS: &[&str] = &[
    "cpu_kind",
    "cpus",
    "memory_mb",
    "max_memory_mb",
    "gpus",
    "gpu_kind",
    "host_dedication_id",
    "persist_rootfs",
    "kernel_args",
];

const METRICS_FIELDS: &[&str] = &["port", "path", "https"];

/// Whether a table sets any of an embedded struct's fields; Go allocates the embedded
/// pointer only then.
fn sets_any(node: &Node, path: &str, own: &[&str], embedded: &[&str]) -> Result<bool, DecodeError> {
    Ok(entries(node, path)?
        .keys()
        .any(|key| match_field(own, key).is_none() && match_field(embedded, key).is_some()))
}

impl Decode for Compute {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut c = Compute::default();
        decode_fields!(node, path, c, {
            "size" => size,
            "memory" => memory,
            "processes" => processes,
        });
        if sets_any(node, path, &["size", "memory", "processes"], GUEST_FIELDS)? {
            c.guest = Some(MachineGuest::decode(node, path)?);
        }
        Ok(c)
    }
}

impl Decode for Metrics {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut m = Metrics::default();
        decode_fields!(node, path, m, { "processes" => processes });
        if sets_any(node, path, &["processes"], METRICS_FIELDS)? {
            m.metrics = Some(MachineMetrics::decode(node, path)?);
        }
        Ok(m)
    }
}

impl Decode for MachineGuest {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut g = MachineGuest::default();
        decode_fields!(node, path, g, {
            "cpu_kind" => cpu_kind,
            "cpus" => cpus,
            "memory_mb" => memory_mb,
            "max_memory_mb" => max_memory_mb,
            "gpus" => gpus,
            "gpu_kind" => gpu_kind,
            "host_dedication_id" => host_dedication_id,
            "persist_rootfs" => persist_rootfs,
            "kernel_args" => kernel_args,
        });
        Ok(g)
    }
}

impl Decode for MachineMetrics {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut m = MachineMetrics::default();
        decode_fields!(node, path, m, { "port" => port, "path" => path, "https" => https });
        Ok(m)
    }
}

impl Decode for MachinePort {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut p = MachinePort::default();
        decode_fields!(node, path, p, {
            "port" => port,
            "start_port" => start_port,
            "end_port" => end_port,
            "handlers" => handlers,
            "force_https" => force_https,
            "tls_options" => tls_options,
            "http_options" => http_options,
            "proxy_proto_options" => proxy_proto_options,
        });
        Ok(p)
    }
}

impl Decode for TlsOptions {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut t = TlsOptions::default();
        decode_fields!(node, path, t, {
            "alpn" => alpn,
            "versions" => versions,
            "default_self_signed" => default_self_signed,
        });
        Ok(t)
    }
}

impl Decode for HttpOptions {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut h = HttpOptions::default();
        decode_fields!(node, path, h, {
            "compress" => compress,
            "response" => response,
            "h2_backend" => h2_backend,
            "idle_timeout" => idle_timeout,
            "headers_read_timeout" => headers_read_timeout,
            "replay_cache" => replay_cache,
        });
        Ok(h)
    }
}

impl Decode for HttpResponseOptions {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut r = HttpResponseOptions::default();
        decode_fields!(node, path, r, { "headers" => headers, "pristine" => pristine });
        Ok(r)
    }
}

impl Decode for ReplayCache {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut r = ReplayCache::default();
        decode_fields!(node, path, r, {
            "path_prefix" => path_prefix,
            "ttl_seconds" => ttl_seconds,
            "type" => r#type,
            "name" => name,
            "allow_bypass" => allow_bypass,
        });
        Ok(r)
    }
}

impl Decode for ProxyProtoOptions {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut p = ProxyProtoOptions::default();
        decode_fields!(node, path, p, { "version" => version });
        Ok(p)
    }
}

impl Decode for MachineServiceConcurrency {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let mut c = MachineServiceConcurrency::default();
        decode_fields!(node, path, c, {
            "type" => r#type,
            "hard_limit" => hard_limit,
            "soft_limit" => soft_limit,
        });
        Ok(c)
    }
}

impl Decode for MachineAutostop {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        match &node.value {
            Value::Bool(true) => Ok(MachineAutostop::Stop),
            Value::Bool(false) => Ok(MachineAutostop::Off),
            Value::Str(text) => MachineAutostop::parse(text)
                .map_err(|e| DecodeError::new(node.line, format!("{path}: {e}"))),
            _ => Err(DecodeError::new(
                node.line,
                format!("{path}: autostop value is not a valid bool or string"),
            )),
        }
    }
}

impl Decode for GoDuration {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        match &node.value {
            Value::Str(text) => GoDuration::parse(text)
                .map_err(|e| DecodeError::new(node.line, format!("{path}: {e}"))),
            // A bare number is nanoseconds, as fly-go's Duration decodes JSON numbers.
            Value::Int(i) => Ok(GoDuration::from_nanos(*i)),
            Value::Float(f) => Ok(GoDuration::from_nanos(*f as i64)),
            _ => Err(DecodeError::new(
                node.line,
                format!("{path}: unknown duration type: {}", node.go_type()),
            )),
        }
    }
}

impl Decode for PersistRootfs {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let parsed = match &node.value {
            Value::Str(text) => PersistRootfs::parse(text),
            Value::Int(i) => PersistRootfs::from_number(*i),
            _ => return Err(mismatch(node, path, "a string or an integer")),
        };
        parsed.map_err(|e| DecodeError::new(node.line, format!("{path}: {e}")))
    }
}
