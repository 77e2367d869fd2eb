//! Provision wall time against flysim at a 50 ms round trip (run with `cargo bench --bench provision`).
//!
//! Latency model: flysim's `latency_ms` is added once to every API call before it is answered,
//! so `latency_ms = 50` makes each call cost one 50 ms round trip (loopback adds ~0).
//!
//! For each scenario it measures:
//! - `provision` (the step engine: independent steps concurrent);
//! - the critical-path lower bound: the waits that cannot overlap. The dependent chain is
//!   GET app, POST app, the tenant lock (look, write, a pause of three write round trips, read
//!   back: 3 calls + 3L), POST volume, POST machine (10L), the boot, then either the hook chain
//!   (take the machine's lease, read the machine, exec + the hook's own run time, metadata,
//!   give the lease back, one health GET = 5 calls) or the time until the checks pass,
//!   whichever is longer, then recording that the health gate passed and giving the tenant
//!   lock back (3 calls): `10L + boot + max(5L + exec_run, checks_pass_after) + 3L`;
//! - the same work done the shell-script way: every call after the previous one;
//! - API calls per provision, counted from flysim's request log.
//!
//! Bounded: a few provisions per scenario, loopback only. Target: provision ≤ 1.15 × bound.
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use fly_api::types::{
    AllocateIpRequest, CreateAppRequest, CreateVolumeRequest, ExecRequest, LaunchMachineInput,
    ListMachinesParams, SecretValue, WaitParams,
};
use fly_api::{ClientConfig, FlyClient, Token};
use flysim::{Profile, RequestRecord};
use tenantctl_core::config::{Config, ConfigSource};
use tenantctl_core::engine::NullReporter;
use tenantctl_core::ops::{ProvisionOptions, provision};
use tenantctl_core::template::TemplateSet;

const LATENCY_MS: u64 = 50;
const ITERATIONS: usize = 3;
const POLL: Duration = Duration::from_millis(250);
const TARGET_RATIO: f64 = 1.15;

/// The post-provision hook proposed for local mode: a SQLite database and a files folder.
const HOOK: &str = r#"
[[hooks.post_provision]]
name = "init-data"
command = ["sh", "-c", "set -e; mkdir -p \"$DATA_DIR/files\"; if command -v sqlite3 >/dev/null 2>&1; then sqlite3 \"$DATA_DIR/site.db\" \"CREATE TABLE IF NOT EXISTS tenant (id TEXT PRIMARY KEY, created_at TEXT); INSERT OR IGNORE INTO tenant VALUES ('$TENANT_ID', datetime('now'));\"; elif command -v python3 >/dev/null 2>&1; then python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"CREATE TABLE IF NOT EXISTS tenant (id TEXT PRIMARY KEY, created_at TEXT)\"); c.execute(\"INSERT OR IGNORE INTO tenant VALUES (?, datetime(\\\"now\\\"))\", (sys.argv[2],)); c.commit()' \"$DATA_DIR/site.db\" \"$TENANT_ID\"; else printf '%s\\n' \"$TENANT_ID\" > \"$DATA_DIR/site.txt\"; fi"]
timeout = "60s"
"#;

struct Scenario {
    name: &'static str,
    boot_ms: u64,
    checks_pass_after_ms: u64,
}

fn config() -> Result<Config> {
    let text = format!(
        r#"org = "personal"
region = "ams"
image = "registry.fly.io/bench:1"

[tiers.pro]
template = "local"
volume_size_gb = 2
vm_size = "shared-cpu-2x"
vm_memory = "1gb"
always_on = true

{HOOK}

[health]
require = ["machine_started", "fly_checks"]
timeout = "60s"
"#
    );
    Ok(Config::parse(
        &text,
        ConfigSource::File("/nonexistent/tenantctl.toml".into()),
    )?)
}

fn client(base: &str, token: &str) -> Result<FlyClient> {
    let config = ClientConfig::new(Token::parse(token)?).with_base_url(base);
    Ok(FlyClient::new(config)?)
}

fn exec_run_ms(log: &[RequestRecord]) -> f64 {
    log.iter()
        .find(|r| r.path.ends_with("/exec"))
        .map(|r| (r.latency_ms - LATENCY_MS as f64).max(0.0))
        .unwrap_or(0.0)
}

/// The same provisioning, one call after the other, as a shell script of CLI calls would do it.
async fn sequential(
    client: &FlyClient,
    app: &str,
    template: &fly_api::types::MachineConfig,
    hook: &[String],
) -> Result<()> {
    client.get_app(app).await?;
    client
        .create_app(&CreateAppRequest::new(app, "personal").with_network(format!("{app}-net")))
        .await?;
    let secrets: BTreeMap<String, SecretValue> = [
        ("DATABASE_PASSWORD", "x".repeat(64)),
        ("HASH_SALT", "y".repeat(64)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), SecretValue::new(v)))
    .collect();
    let version = client.set_secrets(app, &secrets).await?.version;
    for ip_type in ["shared_v4", "v6"] {
        client
            .allocate_ip(
                app,
                &AllocateIpRequest {
                    ip_type: ip_type.into(),
                    org_slug: Some("personal".into()),
                    ..AllocateIpRequest::default()
                },
            )
            .await?;
    }
    let volume = client
        .create_volume(
            app,
            &CreateVolumeRequest {
                name: "data".into(),
                region: "ams".into(),
                size_gb: Some(2),
                ..CreateVolumeRequest::default()
            },
        )
        .await?;
    client
        .add_certificate(app, &format!("{app}.example.com"))
        .await?;
    let mut config = template.clone();
    for mount in &mut config.mounts {
        mount.volume = volume.id.clone();
    }
    let machine = client
        .create_machine(
            app,
            &LaunchMachineInput {
                config,
                region: Some("ams".into()),
                name: Some(app.into()),
                min_secrets_version: Some(version),
                ..LaunchMachineInput::default()
            },
        )
        .await?;
    client
        .wait_for_state(
            app,
            &machine.id,
            &WaitParams::new(&["started"], Duration::from_secs(60)),
        )
        .await?;
    let out = client
        .exec(app, &machine.id, &ExecRequest::new(hook.iter().cloned()))
        .await?;
    if out.exit_code != 0 {
        bail!("hook failed: {}", out.stderr);
    }
    client
        .set_metadata(app, &machine.id, "hook_done", "done")
        .await?;
    loop {
        let m = client.get_machine(app, &machine.id).await?;
        let checks: Vec<_> = m.real_checks().collect();
        if m.state == "started" && checks.iter().all(|c| c.is_passing()) {
            client
                .set_metadata(app, &machine.id, "health_passed", "yes")
                .await?;
            return Ok(());
        }
        tokio::time::sleep(POLL).await;
    }
}

/// `GET /v1/apps/{app}/machines/{id}`: the health gate's polls.
fn health_polls(log: &[RequestRecord]) -> usize {
    log.iter()
        .filter(|r| {
            let segments: Vec<&str> = r.path.split('/').filter(|s| !s.is_empty()).collect();
            r.method == "GET" && segments.len() == 5 && segments[3] == "machines"
        })
        .count()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

async fn run_scenario(scenario: &Scenario) -> Result<f64> {
    let dir = tempfile::tempdir()?;
    let mut sim_config = flysim::Config::new(dir.path());
    sim_config.profile = Profile {
        latency_ms: LATENCY_MS,
        boot_ms: scenario.boot_ms,
        checks_pass_after_ms: scenario.checks_pass_after_ms,
        rate_limit: true,
        ..Profile::zero()
    };
    let sim = flysim::spawn(sim_config).await?;
    let client = client(&sim.base_url(), &sim.org_token())?;
    let config = config()?;
    let templates = TemplateSet::for_config(&config)?;
    let hook_argv = config
        .hooks
        .post_provision
        .first()
        .context("hook")?
        .command
        .clone();

    let rtt = LATENCY_MS as f64;
    let mut walls = Vec::new();
    let mut bounds = Vec::new();
    let mut calls = 0;
    let mut polls = 0;
    let mut template = None;
    for i in 0..ITERATIONS {
        let tenant = format!("bench-{i}");
        let mut options =
            ProvisionOptions::new(&config, &templates, &tenant, "pro", "ams", "bench");
        options.domains = vec![format!("{tenant}.example.com")];
        options.health_poll_interval = POLL;
        sim.clear_request_log();
        let started = Instant::now();
        let report = provision(&client, &options, &NullReporter).await?;
        let wall = started.elapsed().as_secs_f64() * 1000.0;
        let log = sim.request_log();
        calls = log.len();
        polls = health_polls(&log);
        let exec = exec_run_ms(&log);
        let bound = 10.0 * rtt
            + scenario.boot_ms as f64
            + (5.0 * rtt + exec).max(scenario.checks_pass_after_ms as f64)
            + 3.0 * rtt;
        walls.push(wall);
        bounds.push(bound);
        if template.is_none() {
            let machines = client
                .list_machines(&report.app, &ListMachinesParams::default())
                .await?;
            let mut config = machines
                .first()
                .and_then(|m| m.config.clone())
                .context("machine config")?;
            config.metadata.clear();
            template = Some(config);
        }
    }
    let template = template.context("template")?;
    let mut seq_walls = Vec::new();
    let mut seq_calls = 0;
    let mut seq_polls = 0;
    for i in 0..ITERATIONS {
        sim.clear_request_log();
        let started = Instant::now();
        sequential(&client, &format!("tenant-seq-{i}"), &template, &hook_argv).await?;
        seq_walls.push(started.elapsed().as_secs_f64() * 1000.0);
        let log = sim.request_log();
        seq_calls = log.len();
        seq_polls = health_polls(&log);
    }
    let wall = median(&mut walls);
    let bound = median(&mut bounds);
    let seq = median(&mut seq_walls);
    let ratio = wall / bound;
    println!(
        "scenario {:<10} boot {:>5} ms, checks pass {:>5} ms after start, {} ms per call",
        scenario.name, scenario.boot_ms, scenario.checks_pass_after_ms, LATENCY_MS
    );
    println!(
        "  provision (median of {ITERATIONS}): {wall:>7.0} ms  | critical-path bound {bound:>7.0} ms | ratio {ratio:.3} (target <= {TARGET_RATIO}) {}",
        if ratio <= TARGET_RATIO {
            "OK"
        } else {
            "MISSED"
        }
    );
    println!(
        "  shell-script way (sequential):   {seq:>7.0} ms  | provision is {:.2}x faster",
        seq / wall
    );
    println!(
        "  API calls per provision: {calls} (engine; {polls} of them health-gate polls), {seq_calls} (sequential; {seq_polls} polls)"
    );
    sim.shutdown().await;
    Ok(ratio)
}

#[tokio::main]
async fn main() -> Result<()> {
    println!(
        "provision bench: flysim in-process, {LATENCY_MS} ms added per API call (one round trip), rate limiter on"
    );
    let scenarios = [
        Scenario {
            name: "realistic",
            boot_ms: 1500,
            checks_pass_after_ms: 3000,
        },
        Scenario {
            name: "api-bound",
            boot_ms: 300,
            checks_pass_after_ms: 0,
        },
    ];
    let mut worst: f64 = 0.0;
    for scenario in &scenarios {
        worst = worst.max(run_scenario(scenario).await?);
    }
    println!("worst ratio {worst:.3} (target <= {TARGET_RATIO})");
    Ok(())
}
