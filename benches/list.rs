//! `list` of 1,000 tenants at a 50 ms round trip with flysim's rate limiter on
//! (run with `cargo bench --bench list`).
//!
//! 1. Seeds 1,000 tenants with `provision` against a zero-latency flysim (no hooks, one domain
//!    each), then restarts flysim on the same state directory with `latency_ms = 50` (one round
//!    trip per call) and Fly's per-action rate limits.
//! 2. Times `list` (default concurrency 64) a few times; counts the calls and the 429s in
//!    flysim's request log.
//!
//! The client keeps its default client-side limits (one bucket per app under a global cap), as
//! tenantctl runs it; flysim enforces Fly's own per-action limits.
//! Target: ≤ 3 s per list and zero 429s. Loopback only.
#![allow(clippy::print_stdout)]

mod common;

use std::time::Instant;

use anyhow::{Result, bail};
use flysim::Profile;
use tenantctl_core::config::{Config, ConfigSource};
use tenantctl_core::ops::{ListOptions, list};
use tenantctl_core::template::TemplateSet;

use common::{Seed, client};

const TENANTS: usize = 1_000;
const LATENCY_MS: u64 = 50;
const RUNS: usize = 3;
const TARGET_SECONDS: f64 = 3.0;

const CONFIG: &str = r#"org = "personal"
region = "ams"
image = "registry.fly.io/bench:1"

[tiers.free]
template = "local"
volume_size_gb = 1
vm_size = "shared-cpu-1x"
vm_memory = "256mb"
always_on = true

[health]
require = ["machine_started"]
timeout = "60s"
"#;

#[tokio::main]
async fn main() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let config = Config::parse(
        CONFIG,
        ConfigSource::File("/nonexistent/tenantctl.toml".into()),
    )?;
    let templates = TemplateSet::for_config(&config)?;

    // Seed at zero latency.
    let seeded = common::seed(
        dir.path(),
        &Seed {
            config: &config,
            templates: &templates,
            tenants: TENANTS,
            tier: "free",
            domains: true,
        },
    )
    .await?;
    println!("list bench: seeded {TENANTS} tenants (provision, zero latency) in {seeded:.1} s");

    let mut sim_config = flysim::Config::new(dir.path());
    sim_config.profile = Profile {
        latency_ms: LATENCY_MS,
        rate_limit: true,
        ..Profile::zero()
    };
    let sim = flysim::spawn(sim_config).await?;
    let client = client(&sim.base_url(), &sim.org_token())?;
    let options = ListOptions::default();
    println!(
        "flysim restarted: {LATENCY_MS} ms per call, rate limiter on; list concurrency {}",
        options.concurrency
    );
    let mut worst: f64 = 0.0;
    for run in 1..=RUNS {
        sim.clear_request_log();
        let started = Instant::now();
        let tenants = list(&client, &config, &options).await?;
        let seconds = started.elapsed().as_secs_f64();
        let log = sim.request_log();
        let throttled = log.iter().filter(|r| r.status == 429).count();
        let errors = tenants.iter().filter(|t| t.error.is_some()).count();
        if tenants.len() != TENANTS || errors > 0 {
            bail!("listed {} tenants, {errors} with errors", tenants.len());
        }
        println!(
            "run {run}: {} tenants in {seconds:.2} s ({} API calls, {throttled} x 429) {}",
            tenants.len(),
            log.len(),
            if seconds <= TARGET_SECONDS && throttled == 0 {
                "OK"
            } else {
                "MISSED"
            }
        );
        worst = worst.max(seconds);
    }
    println!("worst {worst:.2} s (target <= {TARGET_SECONDS} s, zero 429s)");
    sim.shutdown().await;
    Ok(())
}
