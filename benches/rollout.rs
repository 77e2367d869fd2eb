//! A rollout of a new image to 1,000 tenants, and `plan` over the same fleet, at flysim's
//! realistic profile with Fly's rate limits (run with `cargo bench --bench rollout`).
//!
//! 1. Seeds 1,000 always-on tenants with `provision` against a zero-latency flysim (no hooks,
//!    no domains), then restarts flysim on the same state directory with its realistic profile:
//!    `L` = 50 ms per API call, 0.8 s to stop a running machine, 1.5 s boot, checks passing 3 s
//!    after start, and Fly's per-action rate limits on (per machine and action 1 req/s burst 3,
//!    getting one machine 5 req/s burst 10, ...).
//! 2. Runs the real binary: `tenantctl deploy --all --image NEW --concurrency 64 --canary 1
//!    --yes -o json`, and times it from spawn to exit.
//! 3. Writes a fleet file of the same 1,000 tenants (tier and the new image) and times
//!    `tenantctl plan -o json` a few times; the plan must find no changes.
//!
//! The bound of the rollout is what cannot overlap:
//!
//! - the list that finds the tenants and their images: one call for the apps, then per tenant
//!   three reads sent together, 64 tenants at a time: `L + ceil(N / 64) x L`;
//! - the canary alone, then the other 999 over 64 slots. Every tenant's deploy is at least its
//!   critical path `C = 3L + stop + boot + max(2L, checks)` (benches/lifecycle.rs: the machine
//!   look-up, the lease and the update; the stop and the boot; then the longer of the checks
//!   passing and the wait's answer plus a health read). With 64 slots one slot runs at least
//!   `ceil(999 / 64)` = 16 deploys back to back, so the rest takes at least `16 x C`.
//!
//! `bound = L + ceil(N / 64) x L + C + ceil((N - 1) / 64) x C`.
//!
//! Rate limits do not raise it: each deploy sends one lease, one update and one lease release
//! to its own machine (separate buckets of burst 3), and polls that machine's checks every
//! 250 ms (4 req/s, under the 5 req/s of its get-machine bucket); the client's global cap of
//! 5,000 req/s spreads the rollout's calls over `calls / 5000` s, far below the bound. The
//! bench prints that figure beside the bound, counts the 429 answers flysim sent (its request
//! log) and the ones that reached the user (tenants failed, or errors mentioning 429: must be
//! 0), and checks that all 1,000 tenants run the new image afterwards.
//!
//! Loopback only; under 2 minutes on 2 cores, most of it the rollout.
#![allow(clippy::print_stdout)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;
use std::time::Instant;

use anyhow::{Context as _, Result, bail};
use flysim::{Profile, RequestRecord};
use tenantctl_core::config::{Config, ConfigSource};
use tenantctl_core::ops::{ListOptions, list};
use tenantctl_core::template::TemplateSet;

use common::{Seed, client, tenant_id, throttled};

const TENANTS: usize = 1_000;
const CONCURRENCY: usize = 64;
const CANARY: usize = 1;
const PLAN_RUNS: usize = 5;
const PLAN_TARGET_SECONDS: f64 = 3.0;
const OLD_IMAGE: &str = "registry.fly.io/bench:1";
const NEW_IMAGE: &str = "registry.fly.io/bench:2";

fn config_text() -> String {
    format!(
        r#"org = "personal"
region = "ams"
image = "{OLD_IMAGE}"

[tiers.starter]
template = "local"
volume_size_gb = 1
vm_size = "shared-cpu-1x"
vm_memory = "256mb"
always_on = true

[health]
require = ["machine_started", "fly_checks"]
timeout = "60s"
"#
    )
}

/// The fleet file: every tenant on `starter`, pinned to the new image.
fn fleet_text() -> String {
    let mut text = format!("[defaults]\ntier = \"starter\"\nimage = \"{NEW_IMAGE}\"\n");
    for i in 0..TENANTS {
        text.push_str(&format!("\n[tenants.{}]\n", tenant_id(i)));
    }
    text
}

/// Runs the tenantctl binary in `work` against the sim; (output, seconds).
async fn tenantctl(work: &Path, sim: &flysim::Handle, args: &[&str]) -> Result<(Output, f64)> {
    let started = Instant::now();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_tenantctl"))
        .args(args)
        .current_dir(work)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", work)
        .env("TENANTCTL_API_URL", sim.base_url())
        .env("FLY_API_TOKEN", sim.org_token())
        .output()
        .await?;
    Ok((output, started.elapsed().as_secs_f64()))
}

fn document(output: &Output, what: &str) -> Result<serde_json::Value> {
    serde_json::from_slice(&output.stdout).with_context(|| {
        format!(
            "{what}: no JSON document (exit {:?}): {}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// "N calls (M GET, ...)".
fn call_summary(log: &[RequestRecord]) -> String {
    let mut by_method: BTreeMap<&str, usize> = BTreeMap::new();
    for record in log {
        *by_method.entry(record.method.as_str()).or_default() += 1;
    }
    let parts: Vec<String> = by_method.iter().map(|(m, n)| format!("{n} {m}")).collect();
    format!("{} calls ({})", log.len(), parts.join(", "))
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

fn ceil_div(a: usize, b: usize) -> f64 {
    a.div_ceil(b) as f64
}

#[tokio::main]
async fn main() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let work = dir.path().join("work");
    let state = dir.path().join("flysim");
    std::fs::create_dir_all(&work)?;
    let text = config_text();
    let config_path = work.join("tenantctl.toml");
    std::fs::write(&config_path, &text)?;
    let config = Config::parse(&text, ConfigSource::File(config_path))?;
    let templates = TemplateSet::for_config(&config)?;

    let seeded = common::seed(
        &state,
        &Seed {
            config: &config,
            templates: &templates,
            tenants: TENANTS,
            tier: "starter",
            domains: false,
        },
    )
    .await?;
    println!("rollout bench: seeded {TENANTS} tenants (provision, zero latency) in {seeded:.1} s");

    let profile = Profile {
        rate_limit: true,
        ..Profile::realistic()
    };
    let (l, stop, boot, checks) = (
        profile.latency_ms as f64 / 1000.0,
        profile.stop_ms as f64 / 1000.0,
        profile.boot_ms as f64 / 1000.0,
        profile.checks_pass_after_ms as f64 / 1000.0,
    );
    println!(
        "flysim restarted: realistic profile ({} ms per call, {} ms stop, {} ms boot, checks pass {} ms after start), Fly's rate limits on",
        profile.latency_ms, profile.stop_ms, profile.boot_ms, profile.checks_pass_after_ms
    );
    let mut sim_config = flysim::Config::new(&state);
    sim_config.profile = profile;
    let sim = flysim::spawn(sim_config).await?;

    // 1. The rollout.
    sim.clear_request_log();
    let concurrency = CONCURRENCY.to_string();
    let canary = CANARY.to_string();
    let (output, wall) = tenantctl(
        &work,
        &sim,
        &[
            "deploy",
            "--all",
            "--image",
            NEW_IMAGE,
            "--concurrency",
            &concurrency,
            "--canary",
            &canary,
            "--yes",
            "-o",
            "json",
            "-q",
        ],
    )
    .await?;
    let log = sim.request_log();
    let doc = document(&output, "deploy --all")?;
    let tenants = doc["tenants"].as_array().cloned().unwrap_or_default();
    let count = |key: &str| doc[key].as_u64().unwrap_or(0);
    let errors: Vec<&str> = tenants.iter().filter_map(|t| t["error"].as_str()).collect();
    let user_429 = errors.iter().filter(|e| e.contains("429")).count();
    let sim_429 = log.iter().filter(|r| r.status == 429).count();
    let mut durations: Vec<f64> = tenants
        .iter()
        .filter(|t| t["outcome"] == "updated")
        .filter_map(|t| t["duration_ms"].as_u64())
        .map(|ms| ms as f64 / 1000.0)
        .collect();
    let canary_seconds = tenants
        .iter()
        .filter(|t| t["wave"] == "canary")
        .filter_map(|t| t["duration_ms"].as_u64())
        .map(|ms| ms as f64 / 1000.0)
        .fold(0.0, f64::max);
    let waves_seconds = count("duration_ms") as f64 / 1000.0;
    if !output.status.success() {
        println!(
            "deploy --all exited {:?}: {}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
        for error in errors.iter().take(5) {
            println!("  e.g. {error}");
        }
    }

    // Converged: every tenant runs the new image (read in-process, after the log was taken).
    let fleet = list(
        &client(&sim.base_url(), &sim.org_token())?,
        &config,
        &ListOptions::default(),
    )
    .await?;
    let converged = fleet
        .iter()
        .filter(|t| t.error.is_none() && t.image.as_deref() == Some(NEW_IMAGE))
        .count();

    let per_tenant = 3.0 * l + stop + boot + (2.0 * l).max(checks);
    let list_bound = l + ceil_div(TENANTS, CONCURRENCY) * l;
    let waves_bound = per_tenant + ceil_div(TENANTS - CANARY, CONCURRENCY) * per_tenant;
    let bound = list_bound + waves_bound;
    let rate_bound = log.len() as f64 / fly_api::RateLimit::GLOBAL.per_second;
    let per_tenant_median = if durations.is_empty() {
        0.0
    } else {
        median(&mut durations)
    };
    let per_tenant_max = durations.last().copied().unwrap_or(0.0);

    // 2. plan over the fleet file.
    std::fs::write(work.join("fleet.toml"), fleet_text())?;
    let mut plan_walls = Vec::new();
    let mut plan_calls = String::new();
    let mut plan_429 = 0;
    for run in 1..=PLAN_RUNS {
        sim.clear_request_log();
        let (output, seconds) = tenantctl(&work, &sim, &["plan", "-o", "json", "-q"]).await?;
        let doc = document(&output, "plan")?;
        if !output.status.success() {
            bail!(
                "plan exited {:?}: {}",
                output.status.code(),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let planned = doc["tenants"].as_array().map_or(0, Vec::len);
        let log = sim.request_log();
        plan_429 += log.iter().filter(|r| r.status == 429).count();
        plan_calls = call_summary(&log);
        println!(
            "plan run {run}: {planned} tenants in {seconds:.2} s, has_changes {}, {plan_calls}",
            doc["has_changes"]
        );
        if planned != TENANTS || doc["has_changes"] != false {
            let first = doc["tenants"]
                .as_array()
                .and_then(|t| t.iter().find(|t| t["changes"] != serde_json::json!([])))
                .cloned()
                .unwrap_or_default();
            bail!(
                "plan saw {planned} tenants, has_changes {}, e.g. {first}",
                doc["has_changes"]
            );
        }
        plan_walls.push(seconds);
    }
    let plan_worst = plan_walls.iter().copied().fold(0.0, f64::max);
    let plan_median = median(&mut plan_walls);
    sim.shutdown().await;

    let verdict = |ok: bool| if ok { "OK" } else { "MISSED" };
    let ratio = wall / bound;
    println!();
    println!("| figure | value |");
    println!("|---|---|");
    println!(
        "| rollout wall time (spawn to exit), {TENANTS} tenants, canary {CANARY}, concurrency {CONCURRENCY} | {wall:.1} s |"
    );
    println!(
        "| bound: list {list_bound:.2} s + canary {per_tenant:.2} s + {} x {per_tenant:.2} s | {bound:.1} s |",
        (TENANTS - CANARY).div_ceil(CONCURRENCY)
    );
    println!("| ratio wall / bound | **{ratio:.3}** |");
    println!(
        "| waves alone (the rollout's own duration_ms) vs {waves_bound:.1} s | {waves_seconds:.1} s ({:.3}x) |",
        waves_seconds / waves_bound
    );
    println!(
        "| per-tenant deploy: canary / median / max vs C = {per_tenant:.2} s | {canary_seconds:.2} / {per_tenant_median:.2} / {per_tenant_max:.2} s |"
    );
    println!("| rate-limit floor (calls / client cap) | {rate_bound:.1} s |");
    println!("| API calls of the rollout | {} |", call_summary(&log));
    println!(
        "| 429 answers flysim sent | {sim_429} {:?} |",
        throttled(&log)
    );
    println!(
        "| 429s reaching the user (errors mentioning 429) / tenants failed | {user_429} / {} {} |",
        count("failed"),
        verdict(user_429 == 0 && count("failed") == 0)
    );
    println!(
        "| outcome: updated / unchanged / failed / not started | {} / {} / {} / {} |",
        count("updated"),
        count("unchanged"),
        count("failed"),
        count("not_started")
    );
    println!(
        "| converged (runs {NEW_IMAGE}, read back with list) | {converged} of {TENANTS} {} |",
        verdict(converged == TENANTS)
    );
    println!(
        "| plan over {TENANTS} tenants: median of {PLAN_RUNS} (worst) | {plan_median:.2} s ({plan_worst:.2} s) {} |",
        verdict(plan_worst <= PLAN_TARGET_SECONDS)
    );
    println!("| API calls of one plan; 429s over all runs | {plan_calls}; {plan_429} |");
    Ok(())
}
