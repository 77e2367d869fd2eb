//! Machines: create, get, list, update, start/stop/restart/suspend/signal, destroy, wait,
//! cordon, metadata, events, versions, ps, exec.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::leases::{check_nonce, new_lease};
use super::{S, Scope, json_ok, ok_true};
use crate::Sim;
use crate::auth::Scope as TokenScope;
use crate::error::{ApiError, ApiResult};
use crate::lifecycle::{self, STATES};
use crate::store::{
    AppRow, MachineRow, insert_event, load_machine, load_machines, machine_events, save_machine,
};
use crate::util::{
    Query, now_ms, parse_duration_ms, parse_json, parse_object, rfc3339_ms, sha256_hex, ulid,
};

/// Fly regions accepted for machines and volumes.
pub const REGIONS: &[&str] = &[
    "ams", "arn", "atl", "bog", "bom", "bos", "cdg", "den", "dfw", "ewr", "eze", "fra", "gdl",
    "gig", "gru", "hkg", "iad", "jnb", "lax", "lhr", "mad", "mia", "nrt", "ord", "otp", "phx",
    "qro", "scl", "sea", "sin", "sjc", "syd", "waw", "yul", "yyz",
];
pub const DEFAULT_REGION: &str = "iad";

pub fn validate_region(region: &str) -> ApiResult<()> {
    if REGIONS.contains(&region) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "invalid region {region:?}: not a known Fly region"
        )))
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LaunchInput {
    #[serde(default)]
    config: Option<Value>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    skip_launch: Option<bool>,
    #[serde(default)]
    skip_service_registration: Option<bool>,
    #[serde(default)]
    skip_secrets: Option<bool>,
    #[serde(default)]
    min_secrets_version: Option<u64>,
    #[serde(default)]
    lease_ttl: Option<i64>,
    #[serde(default)]
    lsvd: Option<bool>,
    #[serde(default)]
    current_version: Option<String>,
    #[serde(default)]
    id: Option<String>,
}

// Shapes used only to type-check a config the way Fly's decoder does (unknown keys are
// ignored, wrong types are refused); the config itself is stored and echoed as given.
#[derive(Deserialize)]
#[allow(dead_code)]
struct ConfigShape {
    image: Option<String>,
    env: Option<BTreeMap<String, String>>,
    init: Option<InitShape>,
    guest: Option<GuestShape>,
    services: Option<Vec<ServiceShape>>,
    checks: Option<BTreeMap<String, CheckShape>>,
    mounts: Option<Vec<MountShape>>,
    metadata: Option<BTreeMap<String, String>>,
    restart: Option<RestartShape>,
    auto_destroy: Option<bool>,
    stop_config: Option<StopShape>,
    schedule: Option<String>,
    standbys: Option<Vec<String>>,
    rootfs: Option<RootfsShape>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct InitShape {
    exec: Option<Vec<String>>,
    entrypoint: Option<Vec<String>>,
    cmd: Option<Vec<String>>,
    tty: Option<bool>,
    swap_size_mb: Option<i64>,
    kernel_args: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct GuestShape {
    cpu_kind: Option<String>,
    cpus: Option<i64>,
    memory_mb: Option<i64>,
    gpus: Option<i64>,
    gpu_kind: Option<String>,
    host_dedication_id: Option<String>,
    max_memory_mb: Option<i64>,
    kernel_args: Option<Vec<String>>,
    // fly-go's MachinePersistRootfs: a string or its protobuf enum number.
    persist_rootfs: Option<Value>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct RootfsShape {
    persist: Option<Value>,
    size_gb: Option<u64>,
}

/// The forms fly-go's MachinePersistRootfs decoder accepts: "", "none", "never", "restart",
/// "always", or 0..=3. Anything else is refused as Fly refuses it.
fn check_persist_rootfs(field: &str, v: &Option<Value>) -> ApiResult<()> {
    let ok = match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => {
            matches!(s.as_str(), "" | "none" | "never" | "restart" | "always")
        }
        Some(Value::Number(n)) => n.as_u64().is_some_and(|n| n <= 3),
        Some(_) => false,
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "invalid {field} {}: must be \"never\", \"restart\" or \"always\"",
            v.as_ref().unwrap_or(&Value::Null)
        )))
    }
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct ServiceShape {
    protocol: Option<String>,
    internal_port: Option<i64>,
    ports: Option<Vec<PortShape>>,
    autostop: Option<Value>,
    autostart: Option<bool>,
    min_machines_running: Option<i64>,
    checks: Option<Vec<CheckShape>>,
    concurrency: Option<ConcurrencyShape>,
    force_instance_key: Option<String>,
    force_instance_description: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PortShape {
    port: Option<i64>,
    start_port: Option<i64>,
    end_port: Option<i64>,
    handlers: Option<Vec<String>>,
    force_https: Option<bool>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct ConcurrencyShape {
    r#type: Option<String>,
    hard_limit: Option<i64>,
    soft_limit: Option<i64>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct CheckShape {
    r#type: Option<String>,
    port: Option<i64>,
    interval: Option<Value>,
    timeout: Option<Value>,
    grace_period: Option<Value>,
    method: Option<String>,
    path: Option<String>,
    protocol: Option<String>,
    tls_skip_verify: Option<bool>,
    tls_server_name: Option<String>,
    kind: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct MountShape {
    volume: Option<String>,
    path: Option<String>,
    name: Option<String>,
    encrypted: Option<bool>,
    size_gb: Option<i64>,
    extend_threshold_percent: Option<i64>,
    add_size_gb: Option<i64>,
    size_gb_limit: Option<i64>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct RestartShape {
    policy: Option<String>,
    max_retries: Option<i64>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct StopShape {
    timeout: Option<Value>,
    signal: Option<String>,
}

fn check_duration(field: &str, v: &Option<Value>) -> ApiResult<()> {
    match v {
        None | Some(Value::Null) => Ok(()),
        Some(v) => parse_duration_ms(v).map(|_| ()).ok_or_else(|| {
            ApiError::bad_request(format!("invalid {field}: {v} is not a duration"))
        }),
    }
}

fn check_check(field: &str, c: &CheckShape) -> ApiResult<()> {
    if let Some(t) = &c.r#type
        && !matches!(t.as_str(), "tcp" | "http")
    {
        return Err(ApiError::unprocessable(format!(
            "invalid {field}.type {t:?}: must be \"tcp\" or \"http\""
        )));
    }
    if let Some(p) = c.port
        && !(1..=65535).contains(&p)
    {
        return Err(ApiError::unprocessable(format!("invalid {field}.port {p}")));
    }
    check_duration(&format!("{field}.interval"), &c.interval)?;
    check_duration(&format!("{field}.timeout"), &c.timeout)?;
    check_duration(&format!("{field}.grace_period"), &c.grace_period)
}

/// Type-check and validate a MachineConfig; returns it with `autostop` normalised
/// (off -> false, stop -> true, "suspend" kept).
pub fn validate_config(config: Value) -> ApiResult<Value> {
    let Value::Object(mut obj) = config else {
        return Err(ApiError::bad_request(
            "invalid config: must be a JSON object",
        ));
    };
    let shape: ConfigShape = serde_json::from_value(Value::Object(obj.clone()))
        .map_err(|e| ApiError::bad_request(format!("invalid config: {e}")))?;
    match shape.image.as_deref() {
        Some(i) if !i.trim().is_empty() => {}
        _ => {
            return Err(ApiError::unprocessable(
                "invalid config.image: an image is required",
            ));
        }
    }
    if let Some(r) = &shape.rootfs {
        check_persist_rootfs("config.rootfs.persist", &r.persist)?;
    }
    if let Some(g) = &shape.guest {
        check_persist_rootfs("config.guest.persist_rootfs", &g.persist_rootfs)?;
        if let Some(k) = &g.cpu_kind
            && !matches!(k.as_str(), "shared" | "performance" | "")
        {
            return Err(ApiError::unprocessable(format!(
                "invalid config.guest.cpu_kind {k:?}: must be \"shared\" or \"performance\""
            )));
        }
        if g.cpus.is_some_and(|c| c < 1) {
            return Err(ApiError::unprocessable(
                "invalid config.guest.cpus: must be at least 1",
            ));
        }
        if let Some(mem) = g.memory_mb {
            // Fly's bounds per CPU: shared 256..=2048 MB, performance 2048..=8192 MB.
            let cpus = g.cpus.unwrap_or(1).max(1);
            let (min, max) = match g.cpu_kind.as_deref() {
                Some("performance") => (2048 * cpus, 8192 * cpus),
                _ => (256 * cpus, 2048 * cpus),
            };
            if mem % 256 != 0 || mem < min || mem > max {
                return Err(ApiError::unprocessable(format!(
                    "invalid config.guest.memory_mb {mem}: must be a multiple of 256 between {min} and {max} for {cpus} {} cpu(s)",
                    g.cpu_kind.as_deref().unwrap_or("shared")
                )));
            }
        }
    }
    for (i, svc) in shape.services.iter().flatten().enumerate() {
        if let Some(p) = &svc.protocol
            && !matches!(p.as_str(), "tcp" | "udp")
        {
            return Err(ApiError::unprocessable(format!(
                "invalid config.services[{i}].protocol {p:?}: must be \"tcp\" or \"udp\""
            )));
        }
        if let Some(p) = svc.internal_port
            && !(1..=65535).contains(&p)
        {
            return Err(ApiError::unprocessable(format!(
                "invalid config.services[{i}].internal_port {p}: must be between 1 and 65535"
            )));
        }
        for (j, port) in svc.ports.iter().flatten().enumerate() {
            if let Some(p) = port.port
                && !(0..=65535).contains(&p)
            {
                return Err(ApiError::unprocessable(format!(
                    "invalid config.services[{i}].ports[{j}].port {p}"
                )));
            }
        }
        for (j, c) in svc.checks.iter().flatten().enumerate() {
            check_check(&format!("config.services[{i}].checks[{j}]"), c)?;
        }
        match &svc.autostop {
            None | Some(Value::Null) | Some(Value::Bool(_)) => {}
            Some(Value::String(s)) if matches!(s.as_str(), "off" | "stop" | "suspend") => {}
            Some(other) => {
                return Err(ApiError::unprocessable(format!(
                    "invalid config.services[{i}].autostop {other}: must be true, false, \"off\", \"stop\" or \"suspend\""
                )));
            }
        }
    }
    for (name, c) in shape.checks.iter().flatten() {
        check_check(&format!("config.checks.{name}"), c)?;
    }
    if shape.mounts.as_ref().is_some_and(|m| m.len() > 1) {
        return Err(ApiError::unprocessable(
            "invalid config.mounts: a machine can mount at most one volume",
        ));
    }
    for (i, m) in shape.mounts.iter().flatten().enumerate() {
        match m.path.as_deref() {
            Some(p) if p.starts_with('/') => {}
            _ => {
                return Err(ApiError::unprocessable(format!(
                    "invalid config.mounts[{i}].path: an absolute path is required"
                )));
            }
        }
        if m.volume.as_deref().is_none_or(str::is_empty) {
            return Err(ApiError::unprocessable(format!(
                "invalid config.mounts[{i}].volume: a volume id is required"
            )));
        }
    }
    if let Some(r) = &shape.restart
        && let Some(p) = &r.policy
        && !matches!(
            p.as_str(),
            "no" | "always" | "on-failure" | "spot-price" | ""
        )
    {
        return Err(ApiError::unprocessable(format!(
            "invalid config.restart.policy {p:?}: must be \"no\", \"always\" or \"on-failure\""
        )));
    }
    if let Some(s) = &shape.stop_config {
        check_duration("config.stop_config.timeout", &s.timeout)?;
    }
    if let Some(Value::Array(services)) = obj.get_mut("services") {
        for svc in services {
            if let Some(a) = svc.get_mut("autostop") {
                match a.as_str() {
                    Some("off") => *a = Value::Bool(false),
                    Some("stop") => *a = Value::Bool(true),
                    _ => {}
                }
            }
        }
    }
    Ok(Value::Object(obj))
}

const ADJECTIVES: &[&str] = &[
    "young", "ancient", "bold", "calm", "damp", "eager", "fancy", "gentle", "hidden", "icy",
    "jolly", "lively", "misty", "noisy", "polished", "quiet", "rough", "shy", "twilight", "wild",
];
const NOUNS: &[&str] = &[
    "frog", "bird", "cloud", "dawn", "field", "flower", "forest", "glade", "lake", "leaf",
    "meadow", "moon", "pine", "river", "sea", "sky", "snow", "star", "sun", "wave",
];

fn machine_name() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    format!(
        "{}-{}-{}",
        ADJECTIVES[rng.random_range(0..ADJECTIVES.len())],
        NOUNS[rng.random_range(0..NOUNS.len())],
        rng.random_range(1000..10000)
    )
}

/// The app's private 6PN address space: one /48-ish prefix per org network.
fn private_ip(app: &AppRow) -> String {
    let net = sha256_hex(format!("{}/{}", app.org, app.network).as_bytes());
    let net_id = u16::from_str_radix(&net[..4], 16).unwrap_or(1);
    let host = crate::util::hex_id(11);
    format!(
        "fdaa:0:{net_id:x}:a7b:{}:{}:{}:2",
        &host[..3],
        &host[3..7],
        &host[7..11]
    )
}

#[derive(Serialize)]
pub struct ImageRef {
    registry: String,
    repository: String,
    tag: String,
    digest: String,
    labels: BTreeMap<String, String>,
}

pub fn image_ref(image: &str) -> ImageRef {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, d.to_string()),
        None => (image, format!("sha256:{}", sha256_hex(image.as_bytes()))),
    };
    let (registry, path) = match rest.split_once('/') {
        Some((host, p)) if host.contains('.') || host.contains(':') || host == "localhost" => {
            (host.to_string(), p.to_string())
        }
        _ => ("docker-hub-mirror.fly.io".to_string(), rest.to_string()),
    };
    let (repository, tag) = match path.rsplit_once(':') {
        Some((r, t)) if !t.contains('/') => (r.to_string(), t.to_string()),
        _ => (path.clone(), "latest".to_string()),
    };
    let repository = if registry == "docker-hub-mirror.fly.io" && !repository.contains('/') {
        format!("library/{repository}")
    } else {
        repository
    };
    ImageRef {
        registry,
        repository,
        tag,
        digest,
        labels: BTreeMap::new(),
    }
}

/// The Machine object of the API, serialised straight from the row (no intermediate
/// JSON tree: this is the hottest answer).
#[derive(Serialize)]
struct MachineOut<'a> {
    id: &'a str,
    name: &'a str,
    state: &'a str,
    region: &'a str,
    instance_id: &'a str,
    version: &'a str,
    private_ip: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    config: Option<&'a Value>,
    incomplete_config: Option<()>,
    image_ref: ImageRef,
    created_at: String,
    updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<Vec<crate::store::EventOut>>,
    checks: Vec<Value>,
    host_status: &'static str,
    cordoned: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
}

fn machine_out<'a>(
    sim: &Sim,
    conn: &Connection,
    m: &'a MachineRow,
    nonce: Option<&'a str>,
    summary: bool,
) -> ApiResult<MachineOut<'a>> {
    let image = m.config.get("image").and_then(Value::as_str).unwrap_or("");
    Ok(MachineOut {
        id: &m.id,
        name: &m.name,
        state: &m.state,
        region: &m.region,
        instance_id: &m.instance_id,
        version: &m.instance_id,
        private_ip: &m.private_ip,
        config: (!summary).then_some(&m.config),
        incomplete_config: None,
        image_ref: image_ref(image),
        created_at: rfc3339_ms(m.created_at),
        updated_at: rfc3339_ms(m.updated_at),
        events: if summary {
            None
        } else {
            Some(machine_events(conn, &m.id, 10)?)
        },
        checks: lifecycle::checks(sim, m, now_ms()),
        host_status: "ok",
        cordoned: m.cordoned,
        nonce,
    })
}

/// The Machine object as a JSON body; `nonce` only when the call created a lease.
pub fn machine_json(
    sim: &Sim,
    conn: &Connection,
    m: &MachineRow,
    nonce: Option<&str>,
) -> ApiResult<String> {
    let out = machine_out(sim, conn, m, nonce, false)?;
    serde_json::to_string(&out).map_err(|e| ApiError::internal(format!("encoding: {e}")))
}

/// Load a machine visible to this token, with its lifecycle settled to now.
pub fn load(
    sim: &Sim,
    tx: &Connection,
    scope: &TokenScope,
    app: &str,
    id: &str,
    action: &str,
    write: bool,
) -> ApiResult<(AppRow, MachineRow)> {
    let app_row = scope.app_access(tx, app, action, write)?;
    let mut m = load_machine(tx, app, id)?.ok_or_else(|| ApiError::machine_not_found(id))?;
    lifecycle::settle(sim, tx, &mut m, now_ms())?;
    Ok((app_row, m))
}

/// Check the mounts of a config against the app's volumes. Returns the machine's region
/// (the volumes' region when none was asked for) and the volume ids to attach.
fn resolve_mounts(
    tx: &Connection,
    app: &str,
    config: &Value,
    region: Option<&str>,
    machine_id: &str,
) -> ApiResult<(String, Vec<String>)> {
    let mut region = region.filter(|r| !r.is_empty()).map(str::to_string);
    let mut ids = Vec::new();
    for mount in config
        .get("mounts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let vol = mount.get("volume").and_then(Value::as_str).unwrap_or("");
        let row: Option<(String, Option<String>)> = tx
            .prepare_cached(
                "SELECT region, attached_machine_id FROM volumes WHERE id = ?1 AND app = ?2",
            )?
            .query_row(params![vol, app], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((vol_region, attached)) = row else {
            return Err(ApiError::not_found(format!("volume not found: {vol}")));
        };
        match &region {
            Some(r) if r != &vol_region => {
                return Err(ApiError::unprocessable(format!(
                    "volume {vol} is in region {vol_region}, the machine would be in region {r}"
                )));
            }
            None => region = Some(vol_region),
            _ => {}
        }
        if let Some(other) = attached
            && other != machine_id
        {
            return Err(ApiError::conflict(format!(
                "volume {vol} is already attached to machine {other}"
            )));
        }
        if ids.contains(&vol.to_string()) {
            return Err(ApiError::unprocessable(format!(
                "volume {vol} is mounted twice"
            )));
        }
        ids.push(vol.to_string());
    }
    let region = region.unwrap_or_else(|| DEFAULT_REGION.to_string());
    validate_region(&region)?;
    Ok((region, ids))
}

/// Machine names are unique among an app's machines that are not destroyed.
fn check_name_free(tx: &Connection, app: &str, name: &str, id: &str) -> ApiResult<()> {
    let taken: Option<String> = tx
        .prepare_cached(
            "SELECT id FROM machines WHERE app = ?1 AND name = ?2 AND id != ?3 AND state NOT IN ('destroying', 'destroyed') LIMIT 1",
        )?
        .query_row(params![app, name, id], |r| r.get(0))
        .optional()?;
    match taken {
        Some(other) => Err(ApiError::conflict(format!(
            "a machine named {name:?} already exists in this app ({other})"
        ))),
        None => Ok(()),
    }
}

fn attach(tx: &Connection, machine_id: &str, volumes: &[String]) -> ApiResult<()> {
    tx.prepare_cached(
        "UPDATE volumes SET attached_machine_id = NULL WHERE attached_machine_id = ?1",
    )?
    .execute([machine_id])?;
    for v in volumes {
        tx.prepare_cached("UPDATE volumes SET attached_machine_id = ?1 WHERE id = ?2")?
            .execute(params![machine_id, v])?;
    }
    Ok(())
}

pub fn app_secrets(tx: &Connection, app: &str) -> ApiResult<BTreeMap<String, String>> {
    let mut stmt = tx.prepare_cached("SELECT name, value FROM secrets WHERE app = ?1")?;
    let rows = stmt.query_map([app], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    Ok(rows.collect::<Result<BTreeMap<_, _>, _>>()?)
}

fn check_secrets_version(app: &AppRow, min: Option<u64>) -> ApiResult<()> {
    if let Some(min) = min
        && min as i64 > app.secrets_version
    {
        return Err(ApiError::precondition(format!(
            "min_secrets_version {min} is newer than the app's secrets version {}",
            app.secrets_version
        )));
    }
    Ok(())
}

fn boot_secrets(tx: &Connection, app: &str, skip: bool) -> ApiResult<BTreeMap<String, String>> {
    if skip {
        Ok(BTreeMap::new())
    } else {
        app_secrets(tx, app)
    }
}

pub async fn create(
    sim: S,
    scope: Scope,
    Path(app): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let input: LaunchInput = parse_object(&body)?;
    let _ = (
        input.skip_service_registration,
        input.lsvd,
        input.id,
        input.current_version,
    );
    let config = input.config.filter(|c| !c.is_null()).ok_or_else(|| {
        ApiError::unprocessable("invalid config: a config with an image is required")
    })?;
    let now = now_ms();
    let value = sim.store.tx(|tx| {
        let app_row = scope.app_access(tx, &app, "machines:create", true)?;
        let config = validate_config(config)?;
        check_secrets_version(&app_row, input.min_secrets_version)?;
        let id = crate::util::machine_id();
        let (region, volumes) = resolve_mounts(tx, &app, &config, input.region.as_deref(), &id)?;
        let name = input
            .name
            .filter(|n| !n.is_empty())
            .unwrap_or_else(machine_name);
        check_name_free(tx, &app, &name, &id)?;
        let skip_launch = input.skip_launch.unwrap_or(false);
        let mut m = MachineRow {
            id: id.clone(),
            app: app.clone(),
            name,
            region,
            state: "created".into(),
            plan: Vec::new(),
            config,
            instance_id: ulid(),
            private_ip: private_ip(&app_row),
            created_at: now,
            updated_at: now,
            started_at: None,
            boot_secrets: BTreeMap::new(),
            boot_id: String::new(),
            checks_failing: false,
            cordoned: false,
            lease: None,
        };
        insert_event(tx, &id, "launch", "created", "user", now, None)?;
        lifecycle::log_line(tx, &m, now, 0, "Machine created")?;
        if skip_launch {
            m.plan = vec![lifecycle::step("stopped", now, None, Vec::new())];
        } else {
            m.boot_secrets = boot_secrets(tx, &app, input.skip_secrets.unwrap_or(false))?;
            m.boot_id = ulid();
            m.plan = lifecycle::boot_steps(&sim, &m, now, false);
        }
        let nonce = match input.lease_ttl {
            Some(ttl) if ttl > 0 => Some(new_lease(&mut m, &scope, ttl, "", now)),
            _ => None,
        };
        attach(tx, &id, &volumes)?;
        save_machine(tx, &m)?;
        crate::store::insert_version(tx, &m)?;
        machine_json(&sim, tx, &m, nonce.as_deref())
    })?;
    sim.changed.notify_waiters();
    Ok(super::json_raw(value))
}

pub async fn get(
    sim: S,
    scope: Scope,
    Path((app, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    // Most reads find nothing due: a shared read transaction then does, and only a due
    // lifecycle step needs the write lock.
    let now = now_ms();
    let quick = sim.store.read(|conn| {
        scope.app_access(conn, &app, "machines:read", false)?;
        let m = load_machine(conn, &app, &id)?.ok_or_else(|| ApiError::machine_not_found(&id))?;
        if m.plan.first().is_some_and(|s| s.at <= now) {
            return Ok(None);
        }
        machine_json(&sim, conn, &m, None).map(Some)
    })?;
    let value = match quick {
        Some(v) => v,
        None => sim.store.tx(|tx| {
            let (_, m) = load(&sim, tx, &scope, &app, &id, "machines:read", false)?;
            machine_json(&sim, tx, &m, None)
        })?,
    };
    Ok(super::json_raw(value))
}

/// Load a machine for reading, settling it in a write transaction only when a step is due.
fn load_for_read(sim: &Sim, scope: &TokenScope, app: &str, id: &str) -> ApiResult<MachineRow> {
    let now = now_ms();
    let quick = sim.store.read(|conn| {
        scope.app_access(conn, app, "machines:read", false)?;
        let m = load_machine(conn, app, id)?.ok_or_else(|| ApiError::machine_not_found(id))?;
        Ok(m.plan.first().is_none_or(|s| s.at > now).then_some(m))
    })?;
    match quick {
        Some(m) => Ok(m),
        None => sim
            .store
            .tx(|tx| load(sim, tx, scope, app, id, "machines:read", false).map(|(_, m)| m)),
    }
}

pub async fn list(
    sim: S,
    scope: Scope,
    Path(app): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(q.as_deref());
    let include_deleted = q.flag("include_deleted")?;
    let summary = q.flag("summary")?;
    let region = q
        .get("region")
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    let states: Vec<String> = q
        .all("state")
        .iter()
        .flat_map(|s| s.split(','))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let meta: Vec<(String, String)> =
        q.0.iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("metadata.")
                    .map(|k| (k.to_string(), v.clone()))
            })
            .collect();
    let now = now_ms();
    // Settle in a write transaction only when some machine has a due step.
    let due = sim.store.read(|conn| {
        scope.app_access(conn, &app, "machines:list", false)?;
        Ok(load_machines(conn, &app)?
            .iter()
            .any(|m| m.plan.first().is_some_and(|s| s.at <= now)))
    })?;
    let work = |tx: &Connection| {
        scope.app_access(tx, &app, "machines:list", false)?;
        let mut out = Vec::new();
        for mut m in load_machines(tx, &app)? {
            lifecycle::settle(&sim, tx, &mut m, now)?;
            if !include_deleted && m.state == "destroyed" {
                continue;
            }
            if region.as_ref().is_some_and(|r| r != &m.region) {
                continue;
            }
            if !states.is_empty() && !states.contains(&m.state) {
                continue;
            }
            let md = m.config.get("metadata");
            if !meta.iter().all(|(k, v)| {
                md.and_then(|md| md.get(k)).and_then(Value::as_str) == Some(v.as_str())
            }) {
                continue;
            }
            let v = machine_out(&sim, tx, &m, None, summary)?;
            let v = serde_json::to_string(&v)
                .map_err(|e| ApiError::internal(format!("encoding: {e}")))?;
            out.push(v);
        }
        Ok(format!("[{}]", out.join(",")))
    };
    let value = if due {
        sim.store.tx(work)?
    } else {
        sim.store.read(work)?
    };
    Ok(super::json_raw(value))
}

pub async fn update(
    sim: S,
    scope: Scope,
    Path((app, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let input: LaunchInput = parse_object(&body)?;
    let config = input.config.filter(|c| !c.is_null()).ok_or_else(|| {
        ApiError::unprocessable("invalid config: a config with an image is required")
    })?;
    let now = now_ms();
    let value = sim.store.tx(|tx| {
        let (app_row, mut m) = load(&sim, tx, &scope, &app, &id, "machines:update", true)?;
        if matches!(m.state.as_str(), "destroying" | "destroyed") {
            return Err(ApiError::precondition(format!("machine {id} is destroyed")));
        }
        check_nonce(&m, &headers, now)?;
        if let Some(v) = input.current_version.as_deref().filter(|v| !v.is_empty())
            && v != m.instance_id
        {
            return Err(ApiError::precondition(format!(
                "machine version mismatch: current version is {}, not {v}",
                m.instance_id
            )));
        }
        let config = validate_config(config)?;
        check_secrets_version(&app_row, input.min_secrets_version)?;
        if let Some(r) = input.region.as_deref().filter(|r| !r.is_empty())
            && r != m.region
        {
            return Err(ApiError::unprocessable(format!(
                "a machine cannot change region (it is in {}, asked for {r})",
                m.region
            )));
        }
        let region = m.region.clone();
        let (_, volumes) = resolve_mounts(tx, &app, &config, Some(&region), &id)?;
        if let Some(name) = input.name.filter(|n| !n.is_empty()) {
            check_name_free(tx, &app, &name, &id)?;
            m.name = name;
        }
        let was_running = matches!(m.state.as_str(), "started" | "starting" | "replacing");
        m.config = config;
        m.instance_id = ulid();
        m.state = "replacing".into();
        m.updated_at = now;
        insert_event(tx, &id, "update", "replacing", "user", now, None)?;
        lifecycle::log_line(tx, &m, now, 0, "Updating machine config")?;
        let stop_delay = if was_running {
            sim.profile.stop_ms as i64
        } else {
            0
        };
        m.boot_secrets = boot_secrets(tx, &app, input.skip_secrets.unwrap_or(false))?;
        m.boot_id = ulid();
        // A running machine is replaced and boots again; a stopped one stays stopped.
        if input.skip_launch.unwrap_or(false) || !was_running {
            m.plan = vec![lifecycle::step(
                "stopped",
                now + stop_delay,
                Some(("update", "stopped")),
                vec!["Machine stopped".into()],
            )];
        } else {
            m.plan = lifecycle::boot_steps(&sim, &m, now + stop_delay, false);
        }
        let nonce = match input.lease_ttl {
            Some(ttl) if ttl > 0 && m.active_lease(now).is_none() => {
                Some(new_lease(&mut m, &scope, ttl, "", now))
            }
            _ => None,
        };
        attach(tx, &id, &volumes)?;
        save_machine(tx, &m)?;
        crate::store::insert_version(tx, &m)?;
        machine_json(&sim, tx, &m, nonce.as_deref())
    })?;
    sim.changed.notify_waiters();
    Ok(super::json_raw(value))
}

/// Common frame of a lifecycle action: load with write access, refuse destroyed machines,
/// check the lease nonce, run `f`, save, wake waiters.
fn mutate<T>(
    sim: &Sim,
    scope: &TokenScope,
    app: &str,
    id: &str,
    action: &str,
    headers: &HeaderMap,
    f: impl FnOnce(&Connection, &mut MachineRow, i64) -> ApiResult<T>,
) -> ApiResult<T> {
    let now = now_ms();
    let out = sim.store.tx(|tx| {
        let (_, mut m) = load(sim, tx, scope, app, id, action, true)?;
        if matches!(m.state.as_str(), "destroying" | "destroyed") {
            return Err(ApiError::precondition(format!(
                "machine {id} is {}, it cannot be changed",
                m.state
            )));
        }
        check_nonce(&m, headers, now)?;
        let out = f(tx, &mut m, now)?;
        save_machine(tx, &m)?;
        Ok(out)
    })?;
    sim.changed.notify_waiters();
    Ok(out)
}

pub async fn start(
    sim: S,
    scope: Scope,
    Path((app, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let previous = mutate(
        &sim,
        &scope,
        &app,
        &id,
        "machines:start",
        &headers,
        |tx, m, now| {
            let previous = m.state.clone();
            match m.state.as_str() {
                "stopped" | "created" | "suspended" => {
                    // A resume continues the suspended boot: same filesystem and environment.
                    if m.state != "suspended" {
                        m.boot_secrets = app_secrets(tx, &m.app)?;
                        m.boot_id = ulid();
                    }
                    let cold = m.state != "created";
                    m.plan = lifecycle::boot_steps(&sim, m, now, cold);
                    // Apply the immediate "starting" step now so the answer reflects it.
                    lifecycle::settle(&sim, tx, m, now)?;
                }
                "stopping" | "suspending" => {
                    if m.state == "stopping" {
                        m.boot_secrets = app_secrets(tx, &m.app)?;
                        m.boot_id = ulid();
                    }
                    let after = m.plan.last().map(|s| s.at).unwrap_or(now);
                    let boot = lifecycle::boot_steps(&sim, m, after, true);
                    m.plan.extend(boot);
                }
                other => {
                    return Err(ApiError::precondition(format!(
                        "unable to start machine from current state: '{other}'"
                    )));
                }
            }
            Ok(previous)
        },
    )?;
    Ok(json_ok(&json!({
        "message": "",
        "status": "success",
        "previous_state": previous,
    })))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StopInput {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    signal: Option<String>,
    #[serde(default)]
    timeout: Option<Value>,
}

pub async fn stop(
    sim: S,
    scope: Scope,
    Path((app, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let input: StopInput = parse_object::<Option<StopInput>>(&body)?.unwrap_or_default();
    let _ = input.id;
    check_duration("timeout", &input.timeout)?;
    let signal = input.signal;
    check_signal(signal.as_deref())?;
    mutate(
        &sim,
        &scope,
        &app,
        &id,
        "machines:stop",
        &headers,
        |tx, m, now| {
            if matches!(m.state.as_str(), "started" | "starting" | "replacing") {
                m.plan = lifecycle::stop_steps(&sim, m, now, signal.as_deref());
                lifecycle::settle(&sim, tx, m, now)?;
            }
            Ok(())
        },
    )?;
    Ok(ok_true())
}

pub async fn suspend(
    sim: S,
    scope: Scope,
    Path((app, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    mutate(
        &sim,
        &scope,
        &app,
        &id,
        "machines:suspend",
        &headers,
        |tx, m, now| match m.state.as_str() {
            "started" => {
                // Fly suspends only small machines without swap; others are stopped.
                m.plan = if lifecycle::can_suspend(&m.config) {
                    lifecycle::suspend_steps(&sim, now)
                } else {
                    lifecycle::stop_steps(&sim, m, now, None)
                };
                lifecycle::settle(&sim, tx, m, now)?;
                Ok(())
            }
            "suspended" | "suspending" => Ok(()),
            other => Err(ApiError::precondition(format!(
                "unable to suspend machine: it is {other}, only started machines can be suspended"
            ))),
        },
    )?;
    Ok(ok_true())
}

pub async fn restart(
    sim: S,
    scope: Scope,
    Path((app, id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let q = Query::parse(q.as_deref());
    let _ = q.flag("force_stop")?;
    if let Some(t) = q.get("timeout").filter(|t| !t.is_empty())
        && crate::util::parse_go_duration_ms(t).is_none()
    {
        return Err(ApiError::bad_request(format!("invalid timeout {t:?}")));
    }
    let signal = q
        .get("signal")
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    check_signal(signal.as_deref())?;
    mutate(
        &sim,
        &scope,
        &app,
        &id,
        "machines:restart",
        &headers,
        |tx, m, now| {
            if !matches!(m.state.as_str(), "started" | "starting" | "replacing") {
                return Err(ApiError::precondition(format!(
                    "unable to restart machine: it is {}, not started",
                    m.state
                )));
            }
            insert_event(tx, &m.id, "restart", "restarting", "user", now, None)?;
            m.boot_secrets = app_secrets(tx, &m.app)?;
            m.boot_id = ulid();
            let mut plan = lifecycle::stop_steps(&sim, m, now, signal.as_deref());
            let after = plan.last().map(|s| s.at).unwrap_or(now);
            plan.extend(lifecycle::boot_steps(&sim, m, after, false));
            m.plan = plan;
            lifecycle::settle(&sim, tx, m, now)?;
            Ok(())
        },
    )?;
    Ok(ok_true())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SignalInput {
    #[serde(default)]
    signal: Option<Value>,
}

fn signal_name(v: &Value) -> Option<String> {
    const NAMES: &[(i64, &str)] = &[
        (1, "SIGHUP"),
        (2, "SIGINT"),
        (3, "SIGQUIT"),
        (4, "SIGILL"),
        (5, "SIGTRAP"),
        (6, "SIGABRT"),
        (8, "SIGFPE"),
        (9, "SIGKILL"),
        (10, "SIGUSR1"),
        (11, "SIGSEGV"),
        (12, "SIGUSR2"),
        (13, "SIGPIPE"),
        (14, "SIGALRM"),
        (15, "SIGTERM"),
    ];
    match v {
        Value::Number(n) => {
            let n = n.as_i64()?;
            NAMES
                .iter()
                .find(|(k, _)| *k == n)
                .map(|(_, s)| s.to_string())
        }
        Value::String(s) => NAMES
            .iter()
            .find(|(_, name)| name == s)
            .map(|(_, s)| s.to_string()),
        _ => None,
    }
}

/// A stop or restart may name its signal; it must be one Fly knows.
fn check_signal(signal: Option<&str>) -> ApiResult<()> {
    match signal {
        Some(s) if signal_name(&Value::String(s.to_string())).is_none() => {
            Err(ApiError::bad_request(format!(
                "invalid signal {s:?}: expected a name like \"SIGTERM\""
            )))
        }
        _ => Ok(()),
    }
}

pub async fn signal(
    sim: S,
    scope: Scope,
    Path((app, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let input: SignalInput = parse_object(&body)?;
    let sig = input.signal.as_ref().and_then(signal_name).ok_or_else(|| {
        ApiError::bad_request("invalid signal: expected a signal name like \"SIGTERM\" or number")
    })?;
    mutate(
        &sim,
        &scope,
        &app,
        &id,
        "machines:signal",
        &headers,
        |tx, m, now| {
            if m.state != "started" {
                return Err(ApiError::precondition(format!(
                    "unable to signal machine: it is {}, not started",
                    m.state
                )));
            }
            lifecycle::log_line(tx, m, now, 0, &format!("Received signal {sig}"))?;
            if matches!(sig.as_str(), "SIGKILL" | "SIGTERM" | "SIGINT" | "SIGQUIT") {
                m.plan = lifecycle::stop_steps(&sim, m, now, Some(&sig));
                lifecycle::settle(&sim, tx, m, now)?;
            }
            Ok(())
        },
    )?;
    Ok(ok_true())
}

pub async fn destroy(
    sim: S,
    scope: Scope,
    Path((app, id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let q = Query::parse(q.as_deref());
    let force = q.flag("force")? || q.flag("kill")?;
    let now = now_ms();
    sim.store.tx(|tx| {
        let (_, mut m) = load(&sim, tx, &scope, &app, &id, "machines:destroy", true)?;
        if matches!(m.state.as_str(), "destroying" | "destroyed") {
            return Err(ApiError::machine_not_found(&id));
        }
        check_nonce(&m, &headers, now)?;
        let running = matches!(
            m.state.as_str(),
            "started" | "starting" | "replacing" | "stopping" | "suspending"
        );
        if running && !force {
            return Err(ApiError::precondition(
                "unable to destroy machine, not currently stopped, suspended or failed; pass force=true to kill it",
            ));
        }
        tx.prepare_cached("UPDATE volumes SET attached_machine_id = NULL WHERE attached_machine_id = ?1")?
            .execute([&id])?;
        m.lease = None;
        m.plan = lifecycle::destroy_steps(&sim, running, now);
        lifecycle::settle(&sim, tx, &mut m, now)?;
        save_machine(tx, &m)
    })?;
    // The machine's private filesystem goes with it; volumes stay.
    let _ = std::fs::remove_dir_all(sim.rootfs_dir().join(&id));
    sim.changed.notify_waiters();
    Ok(ok_true())
}

pub async fn cordon(
    sim: S,
    scope: Scope,
    Path((app, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    mutate(
        &sim,
        &scope,
        &app,
        &id,
        "machines:cordon",
        &headers,
        |_, m, _| {
            m.cordoned = true;
            Ok(())
        },
    )?;
    Ok(ok_true())
}

pub async fn uncordon(
    sim: S,
    scope: Scope,
    Path((app, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    mutate(
        &sim,
        &scope,
        &app,
        &id,
        "machines:uncordon",
        &headers,
        |_, m, _| {
            m.cordoned = false;
            Ok(())
        },
    )?;
    Ok(ok_true())
}

pub async fn wait(
    sim: S,
    scope: Scope,
    Path((app, id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(q.as_deref());
    let mut states: Vec<String> = q
        .all("state")
        .iter()
        .flat_map(|s| s.split(','))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if states.is_empty() {
        states.push("started".into());
    }
    for s in &states {
        if !STATES.contains(&s.as_str())
            || matches!(s.as_str(), "starting" | "stopping" | "replacing")
        {
            return Err(ApiError::bad_request(format!(
                "invalid state {s:?}: wait supports started, stopped, suspended, destroyed, created"
            )));
        }
    }
    let timeout_s: u64 = match q.get("timeout").filter(|t| !t.is_empty()) {
        None => 60,
        Some(t) => match t.parse::<u64>() {
            Ok(n) => n,
            Err(_) => crate::util::parse_go_duration_ms(t)
                .map(|ms| ms.div_ceil(1000))
                .ok_or_else(|| ApiError::bad_request(format!("invalid timeout {t:?}")))?,
        },
    };
    if timeout_s > 60 {
        return Err(ApiError::bad_request(format!(
            "invalid timeout {timeout_s}: must be at most 60 seconds"
        )));
    }
    let version = q
        .get("instance_id")
        .or_else(|| q.get("version"))
        .filter(|v| !v.is_empty())
        .map(str::to_string);
    let deadline = Instant::now() + Duration::from_secs(timeout_s);
    loop {
        let notified = sim.changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let m = load_for_read(&sim, &scope, &app, &id)?;
        let version_ok = version.as_ref().is_none_or(|v| v == &m.instance_id);
        if states.contains(&m.state) && version_ok {
            return Ok(ok_true());
        }
        if sim.stopping.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "server is shutting down, please retry",
            ));
        }
        if m.state == "destroyed" {
            return Err(ApiError::precondition(format!(
                "machine {id} was destroyed while waiting for state {}",
                states.join(", ")
            )));
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(ApiError::timeout(format!(
                "machine {id} did not reach state {} within {timeout_s}s (current state: {})",
                states.join(", "),
                m.state
            )));
        }
        // Another process sharing the state directory cannot notify us: poll as well.
        let until_due = m
            .plan
            .first()
            .map(|s| Duration::from_millis((s.at - now_ms()).max(0) as u64 + 1))
            .unwrap_or(remaining)
            .min(Duration::from_millis(250));
        tokio::select! {
            _ = tokio::time::sleep(until_due.min(remaining)) => {}
            _ = &mut notified => {}
        }
    }
}

pub async fn events(
    sim: S,
    scope: Scope,
    Path((app, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let value = sim.store.tx(|tx| {
        let (_, m) = load(&sim, tx, &scope, &app, &id, "machines:read", false)?;
        let events = machine_events(tx, &m.id, 1000)?;
        serde_json::to_string(&events).map_err(|e| ApiError::internal(format!("encoding: {e}")))
    })?;
    Ok(super::json_raw(value))
}

pub async fn versions(
    sim: S,
    scope: Scope,
    Path((app, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let value = sim.store.tx(|tx| {
        let (_, m) = load(&sim, tx, &scope, &app, &id, "machines:read", false)?;
        Ok(Value::Array(crate::store::machine_versions(tx, &m.id)?))
    })?;
    Ok(json_ok(&value))
}

pub async fn ps(
    sim: S,
    scope: Scope,
    Path((app, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let value = sim.store.tx(|tx| {
        let (_, m) = load(&sim, tx, &scope, &app, &id, "machines:read", false)?;
        if m.state != "started" {
            return Err(ApiError::precondition(format!(
                "machine {id} is {}, not started",
                m.state
            )));
        }
        let elapsed = (now_ms() - m.started_at.unwrap_or(m.updated_at)).max(0);
        Ok(json!([{
            "pid": 313,
            "command": "/.fly/init",
            "directory": "/",
            "cpu": elapsed / 100,
            "rss": 52_428_800,
            "rtime": elapsed,
            "stime": elapsed / 10,
            "listen_sockets": [],
        }]))
    })?;
    Ok(json_ok(&value))
}

pub async fn metadata_get(
    sim: S,
    scope: Scope,
    Path((app, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let value = sim.store.tx(|tx| {
        let (_, m) = load(&sim, tx, &scope, &app, &id, "machines:read", false)?;
        Ok(m.config
            .get("metadata")
            .filter(|v| v.is_object())
            .cloned()
            .unwrap_or_else(|| json!({})))
    })?;
    Ok(json_ok(&value))
}

fn validate_metadata_key(key: &str) -> ApiResult<()> {
    let ok = !key.is_empty()
        && key.len() <= 128
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "invalid metadata key {key:?}: use letters, digits, '_', '-' and '.'"
        )))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MetadataValue {
    value: String,
}

pub async fn metadata_set(
    sim: S,
    scope: Scope,
    Path((app, id, key)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    validate_metadata_key(&key)?;
    let input: MetadataValue = parse_json(&body)?;
    let now = now_ms();
    sim.store.tx(|tx| {
        let (_, mut m) = load(&sim, tx, &scope, &app, &id, "machines:metadata", true)?;
        if !m.config.is_object() {
            m.config = json!({});
        }
        let md = m.config.as_object_mut().map(|o| {
            o.entry("metadata")
                .or_insert_with(|| Value::Object(Map::new()))
        });
        if let Some(md) = md {
            if !md.is_object() {
                *md = Value::Object(Map::new());
            }
            if let Some(obj) = md.as_object_mut() {
                obj.insert(key.clone(), Value::String(input.value));
            }
        }
        m.updated_at = now;
        save_machine(tx, &m)
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn metadata_delete(
    sim: S,
    scope: Scope,
    Path((app, id, key)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    validate_metadata_key(&key)?;
    let now = now_ms();
    sim.store.tx(|tx| {
        let (_, mut m) = load(&sim, tx, &scope, &app, &id, "machines:metadata", true)?;
        if let Some(md) = m.config.get_mut("metadata").and_then(Value::as_object_mut) {
            md.remove(&key);
        }
        m.updated_at = now;
        save_machine(tx, &m)
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn exec(
    sim: S,
    scope: Scope,
    Path((app, id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: crate::exec::ExecRequest = parse_json(&body)?;
    let now = now_ms();
    let (m, volume_dirs) = sim.store.tx(|tx| {
        let (_, m) = load(&sim, tx, &scope, &app, &id, "machines:exec", true)?;
        if m.state != "started" {
            return Err(ApiError::precondition(format!(
                "machine {id} is {}, it must be started to run commands",
                m.state
            )));
        }
        let mut dirs = Vec::new();
        for mount in m
            .config
            .get("mounts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let (Some(vol), Some(path)) = (
                mount.get("volume").and_then(Value::as_str),
                mount.get("path").and_then(Value::as_str),
            ) {
                dirs.push((sim.volume_dir(vol), path.to_string()));
            }
        }
        Ok((m, dirs))
    })?;
    let boot = if crate::exec::can_isolate() {
        let boot_id = if m.boot_id.is_empty() {
            m.started_at.unwrap_or(m.created_at).to_string()
        } else {
            m.boot_id.clone()
        };
        crate::exec::prepare_boot(&sim.rootfs_dir(), &sim.state_dir, &m, &boot_id).map_err(|e| {
            ApiError::internal(format!("failed to prepare the machine filesystem: {e}"))
        })?
    } else {
        Vec::new()
    };
    let result = crate::exec::run(&m, &req, &volume_dirs, &boot).await;
    let finished = now_ms();
    sim.store.tx(|tx| {
        // Reload: the machine may have changed while the command ran.
        if let Some(mut cur) = load_machine(tx, &app, &id)? {
            let line = match &result {
                Ok(out) => format!(
                    "exec: `{}` exited with code {}",
                    req.display(),
                    out.exit_code
                ),
                Err(e) => format!("exec: `{}` failed: {}", req.display(), e.message),
            };
            lifecycle::log_line(tx, &cur, finished, 0, &line)?;
            // Exec counts as activity: push the idle autostop further out.
            if cur.state == "started" && lifecycle::autostop_mode(&cur.config).is_some() {
                cur.plan = lifecycle::autostop_steps(&sim, &cur, finished);
                save_machine(tx, &cur)?;
            }
        }
        let _ = now;
        Ok(())
    })?;
    let out = result?;
    Ok(json_ok(&json!({
        "exit_code": out.exit_code,
        "stdout": out.stdout,
        "stderr": out.stderr,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_validation() {
        assert_eq!(
            validate_config(json!({})).err().map(|e| e.status.as_u16()),
            Some(422)
        );
        assert_eq!(
            validate_config(json!({"image": "nginx", "guest": {"cpus": "two"}}))
                .err()
                .map(|e| e.status.as_u16()),
            Some(400)
        );
        let v = validate_config(json!({"image": "nginx", "services": [
            {"autostop": "off"}, {"autostop": "stop"}, {"autostop": "suspend"}, {"autostop": true}
        ], "unknown_field": 1}))
        .expect("valid");
        let a: Vec<&Value> = v["services"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| &s["autostop"])
            .collect();
        assert_eq!(
            a,
            vec![&json!(false), &json!(true), &json!("suspend"), &json!(true)]
        );
        assert!(
            validate_config(json!({"image": "x", "services": [{"autostop": "maybe"}]})).is_err()
        );
        assert!(
            validate_config(json!({"image": "x", "mounts": [{"volume": "vol_1", "path": "data"}]}))
                .is_err()
        );
    }

    #[test]
    fn image_refs() {
        let r = serde_json::to_value(image_ref("registry.fly.io/demo:deployment-1"))
            .expect("serialisable");
        assert_eq!(r["registry"], "registry.fly.io");
        assert_eq!(r["repository"], "demo");
        assert_eq!(r["tag"], "deployment-1");
        let r = serde_json::to_value(image_ref("nginx")).expect("serialisable");
        assert_eq!(r["repository"], "library/nginx");
        assert_eq!(r["tag"], "latest");
    }

    #[test]
    fn signals() {
        assert_eq!(signal_name(&json!(9)).as_deref(), Some("SIGKILL"));
        assert_eq!(signal_name(&json!("SIGTERM")).as_deref(), Some("SIGTERM"));
        assert_eq!(signal_name(&json!("SIGNOPE")), None);
    }
}
