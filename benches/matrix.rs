//! A GitHub Actions matrix creating a fleet: 8 `tenantctl apply --shard i/8` processes at once
//! against one org, 400 new tenants between them, at flysim's realistic profile with Fly's rate
//! limits (run with `cargo bench --bench matrix`).
//!
//! Profile: `L` = 50 ms per API call, 1.5 s boot, checks passing 3 s after start, and Fly's
//! limits on. The one that binds is app creation: `POST /v1/apps` is 1 req/s with a burst of
//! 3 per org, shared by every process of the matrix. Everything else a provision sends goes
//! to a bucket of its own app or machine.
//!
//! The bench writes tenantctl.toml (tier `starter`, no hooks, health gate `machine_started` and
//! `fly_checks`) and a fleet file of `N` tenants (default 400; `TENANTCTL_BENCH_MATRIX_TENANTS`),
//! then spawns the real binary 8 times at once: `tenantctl apply --shard i/8 --yes
//! --concurrency C -o json --retry-budget 15m` (C = 4, apply's default;
//! `TENANTCTL_BENCH_MATRIX_CONCURRENCY`). The retry budget is raised from its default of 2
//! minutes because a creation waits behind the whole matrix's: at 1 creation per second, the
//! run's last ones come ~`N` s after the start, and which waiter gets the next token is left to
//! chance, so one request can wait for minutes. 15 minutes is more than the whole run (docs/
//! concurrency.md: raise the budget or use fewer runners).
//!
//! The bound is what the rate limit and the last tenant's own chain allow:
//!
//! - the bucket allows at most `burst + rate x t` creations by time `t` after its first use,
//!   so creation number `N` is answered no earlier than `(N - burst) / rate` after the first;
//! - the first creation is answered no earlier than `3L` after the start: apply's list of the
//!   org's apps, provision's look-up of the app, the creation itself (flysim spends the
//!   latency before it takes the token);
//! - after its app is created, the last tenant still has provision's chain (benches/provision.rs
//!   without hooks): the tenant lock (3 calls and a pause of 3L), the volume and the machine
//!   (8L in all), the boot, the checks passing (longer than the one health read), then
//!   recording the health gate and giving the lock back (3L).
//!
//! `bound = 3L + (N - burst) / rate + 11L + boot + checks` (402.2 s for 400 tenants).
//!
//! Reported: wall time from spawning the 8 processes to the last exit, the bound and the ratio
//! (goal <= 1.2), when the last app creation was answered (sampled from flysim's request log
//! every second), each process's wall time and outcomes, failed tenants (goal 0), the 429s
//! flysim sent by kind of call, and the 429s reaching the user (goal 0): tenant errors and
//! lines on any process's stderr that mention 429 or a rate limit (the client's "waiting"
//! notices go to a terminal only, so off a terminal any such line is an error). Afterwards it
//! reads back that every tenant's app exists with exactly one machine and one volume.
//!
//! Loopback only; about 7 minutes for 400 tenants, nearly all of it the rate limit.
#![allow(clippy::print_stdout)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use fly_api::types::ListMachinesParams;
use flysim::{Profile, RequestRecord};
use tokio::task::JoinSet;

use common::{client, tenant_id, throttled};

const PROCESSES: u32 = 8;
const DEFAULT_TENANTS: usize = 400;
const DEFAULT_CONCURRENCY: usize = 4;
const RETRY_BUDGET: &str = "15m";
const TARGET_RATIO: f64 = 1.2;
/// flysim's (and Fly's) app-creation bucket: 1 req/s, burst 3, per org.
const CREATE_RATE: f64 = 1.0;
const CREATE_BURST: f64 = 3.0;

const CONFIG: &str = r#"org = "personal"
region = "ams"
image = "registry.fly.io/bench:1"

[tiers.starter]
template = "local"
volume_size_gb = 1
vm_size = "shared-cpu-1x"
vm_memory = "256mb"
always_on = true

[health]
require = ["machine_started", "fly_checks"]
timeout = "60s"
"#;

fn env_count(name: &str, default: usize) -> Result<usize> {
    match std::env::var(name) {
        Ok(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .with_context(|| format!("{name}={text}: want a positive number")),
        Err(_) => Ok(default),
    }
}

fn fleet_text(tenants: usize) -> String {
    let mut text = String::from("[defaults]\ntier = \"starter\"\n");
    for i in 0..tenants {
        text.push_str(&format!("\n[tenants.{}]\n", tenant_id(i)));
    }
    text
}

fn is_app_creation(r: &RequestRecord) -> bool {
    r.method == "POST" && r.path.trim_end_matches('/') == "/v1/apps"
}

/// An error about a rate limit: "429" as a word (not inside an id such as `vol_6woo7id58429d`),
/// "rate limit" or Fly's `resource_exhausted`.
fn mentions_rate_limit(text: &str) -> bool {
    let text = text.to_lowercase();
    let bytes = text.as_bytes();
    let word_429 = text.match_indices("429").any(|(at, _)| {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(at + 3).copied();
        !before.is_some_and(|b| b.is_ascii_alphanumeric())
            && !after.is_some_and(|b| b.is_ascii_alphanumeric())
    });
    word_429 || text.contains("rate limit") || text.contains("resource_exhausted")
}

struct Process {
    shard: u32,
    output: Output,
    seconds: f64,
}

async fn apply(
    work: &Path,
    api: &(String, String),
    shard: u32,
    concurrency: usize,
) -> Result<Process> {
    let started = Instant::now();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_tenantctl"))
        .args([
            "apply",
            "--shard",
            &format!("{shard}/{PROCESSES}"),
            "--yes",
            "--concurrency",
            &concurrency.to_string(),
            "--retry-budget",
            RETRY_BUDGET,
            "-o",
            "json",
        ])
        .current_dir(work)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", work)
        .env("TENANTCTL_API_URL", &api.0)
        .env("FLY_API_TOKEN", &api.1)
        .output()
        .await?;
    Ok(Process {
        shard,
        output,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Every tenant's app, machines and volumes, read back: (apps found, apps with exactly one
/// machine and one volume, the first few that do not).
async fn read_back(sim: &flysim::Handle, tenants: usize) -> Result<(usize, usize, Vec<String>)> {
    let client = Arc::new(client(&sim.base_url(), &sim.org_token())?);
    let apps: BTreeSet<String> = client
        .list_apps("personal")
        .await?
        .into_iter()
        .map(|a| a.name)
        .collect();
    let mut tasks = JoinSet::new();
    for i in 0..tenants {
        let app = format!("tenant-{}", tenant_id(i));
        if !apps.contains(&app) {
            continue;
        }
        let client = client.clone();
        tasks.spawn(async move {
            let machines = client
                .list_machines(&app, &ListMachinesParams::default())
                .await?
                .len();
            let volumes = client.list_volumes(&app).await?.len();
            anyhow::Ok((app, machines, volumes))
        });
    }
    let mut found = 0;
    let mut whole = 0;
    let mut wrong = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (app, machines, volumes) = done??;
        found += 1;
        if machines == 1 && volumes == 1 {
            whole += 1;
        } else if wrong.len() < 5 {
            wrong.push(format!("{app}: {machines} machines, {volumes} volumes"));
        }
    }
    for i in 0..tenants {
        let app = format!("tenant-{}", tenant_id(i));
        if !apps.contains(&app) && wrong.len() < 5 {
            wrong.push(format!("{app}: no app"));
        }
    }
    Ok((found, whole, wrong))
}

#[tokio::main]
async fn main() -> Result<()> {
    let tenants = env_count("TENANTCTL_BENCH_MATRIX_TENANTS", DEFAULT_TENANTS)?;
    let concurrency = env_count("TENANTCTL_BENCH_MATRIX_CONCURRENCY", DEFAULT_CONCURRENCY)?;
    let dir = tempfile::tempdir()?;
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work)?;
    std::fs::write(work.join("tenantctl.toml"), CONFIG)?;
    std::fs::write(work.join("fleet.toml"), fleet_text(tenants))?;

    let profile = Profile {
        rate_limit: true,
        ..Profile::realistic()
    };
    let (l, boot, checks) = (
        profile.latency_ms as f64 / 1000.0,
        profile.boot_ms as f64 / 1000.0,
        profile.checks_pass_after_ms as f64 / 1000.0,
    );
    println!(
        "matrix bench: {PROCESSES} x `tenantctl apply --shard i/{PROCESSES} --concurrency {concurrency} --retry-budget {RETRY_BUDGET}`, \
         {tenants} new tenants; flysim realistic profile ({} ms per call, {} ms boot, checks pass {} ms after start), Fly's rate limits on",
        profile.latency_ms, profile.boot_ms, profile.checks_pass_after_ms
    );
    let mut sim_config = flysim::Config::new(dir.path().join("flysim"));
    sim_config.profile = profile;
    let sim = Arc::new(flysim::spawn(sim_config).await?);
    let api = Arc::new((sim.base_url(), sim.org_token()));

    // When the last app creation was answered: sample the request log once a second.
    let started = Instant::now();
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let sim = sim.clone();
        let done = done.clone();
        tokio::spawn(async move {
            let mut last_creation: Option<f64> = None;
            let mut seen = 0;
            while !done.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let created = sim
                    .request_log()
                    .iter()
                    .filter(|r| is_app_creation(r) && (200..300).contains(&r.status))
                    .count();
                if created > seen {
                    seen = created;
                    last_creation = Some(started.elapsed().as_secs_f64());
                }
            }
            last_creation
        })
    };

    let mut runs = JoinSet::new();
    for shard in 1..=PROCESSES {
        let work = work.clone();
        let api = api.clone();
        runs.spawn(async move { apply(&work, &api, shard, concurrency).await });
    }
    let mut processes = Vec::new();
    while let Some(done) = runs.join_next().await {
        processes.push(done??);
    }
    let wall = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let last_creation = sampler.await?;
    processes.sort_by_key(|p| p.shard);
    let log = sim.request_log();

    let mut rows = Vec::new();
    let mut shard_tenants = 0;
    let mut updated = 0;
    let mut failed = 0;
    let mut user_429 = 0;
    let mut examples = Vec::new();
    for p in &processes {
        let stderr = String::from_utf8_lossy(&p.output.stderr);
        let doc: serde_json::Value = serde_json::from_slice(&p.output.stdout).unwrap_or_default();
        let outcomes = doc["tenants"].as_array().cloned().unwrap_or_default();
        let count = |key: &str| doc[key].as_u64().unwrap_or(0);
        let mentions = |text: &str| mentions_rate_limit(text);
        let errors: Vec<String> = outcomes
            .iter()
            .filter_map(|t| t["error"].as_str())
            .map(str::to_string)
            .collect();
        let limited = errors.iter().filter(|e| mentions(e)).count()
            + stderr.lines().filter(|line| mentions(line)).count();
        user_429 += limited;
        for line in stderr.lines().filter(|line| mentions(line)).take(3) {
            if examples.len() < 8 {
                examples.push(format!(
                    "shard {}/{PROCESSES} stderr: {}",
                    p.shard,
                    line.trim()
                ));
            }
        }
        shard_tenants += outcomes.len();
        updated += count("updated");
        let process_failed = count("failed") as usize
            + usize::from(!p.output.status.success() && outcomes.is_empty());
        failed += process_failed;
        if !p.output.status.success() && examples.len() < 5 {
            examples.push(format!(
                "shard {}/{PROCESSES} exited {:?}: {}",
                p.shard,
                p.output.status.code(),
                stderr.trim().lines().last().unwrap_or("")
            ));
        }
        for error in errors.iter().take(2) {
            if examples.len() < 5 {
                examples.push(format!("shard {}/{PROCESSES}: {error}", p.shard));
            }
        }
        rows.push(format!(
            "| shard {}/{PROCESSES} | {} tenants, {} updated, {} failed, exit {:?}, {limited} rate-limit errors | {:.1} s |",
            p.shard,
            outcomes.len(),
            count("updated"),
            count("failed"),
            p.output.status.code(),
            p.seconds
        ));
    }

    let sim_429 = log.iter().filter(|r| r.status == 429).count();
    let creation_429 = log
        .iter()
        .filter(|r| r.status == 429 && is_app_creation(r))
        .count();
    let creations = log
        .iter()
        .filter(|r| is_app_creation(r) && (200..300).contains(&r.status))
        .count();
    let (found, whole, wrong) = read_back(&sim, tenants).await?;
    if let Ok(sim) = Arc::try_unwrap(sim) {
        sim.shutdown().await;
    }

    let creation_floor = (tenants as f64 - CREATE_BURST).max(0.0) / CREATE_RATE;
    let after_creation = 11.0 * l + boot + checks;
    let bound = 3.0 * l + creation_floor + after_creation;
    let ratio = wall / bound;
    let verdict = |ok: bool| if ok { "OK" } else { "MISSED" };

    for example in &examples {
        println!("  e.g. {example}");
    }
    println!();
    println!("| figure | value |");
    println!("|---|---|");
    println!(
        "| matrix wall time ({PROCESSES} processes, spawn to last exit), {tenants} tenants, --concurrency {concurrency} each | {wall:.1} s |"
    );
    println!(
        "| bound: 3L + ({tenants} - {CREATE_BURST}) / {CREATE_RATE} s + 11L + boot + checks = {:.2} + {creation_floor:.1} + {after_creation:.2} | {bound:.1} s |",
        3.0 * l
    );
    println!(
        "| ratio wall / bound | **{ratio:.3}** (goal <= {TARGET_RATIO}) {} |",
        verdict(ratio <= TARGET_RATIO)
    );
    println!(
        "| last app creation answered (sampled each second) vs {:.1} s | {} |",
        3.0 * l + creation_floor,
        last_creation.map_or("none".to_string(), |t| format!("{t:.0} s"))
    );
    for row in &rows {
        println!("{row}");
    }
    println!(
        "| tenants in the shards / updated / failed | {shard_tenants} / {updated} / {failed} {} |",
        verdict(shard_tenants == tenants && updated as usize == tenants && failed == 0)
    );
    println!(
        "| apps created (201s of POST /v1/apps) | {creations} {} |",
        verdict(creations == tenants)
    );
    println!(
        "| read back: apps found / with exactly 1 machine and 1 volume | {found} / {whole} of {tenants} {} |",
        verdict(found == tenants && whole == tenants)
    );
    for line in &wrong {
        println!("|   e.g. | {line} |");
    }
    println!(
        "| 429 answers flysim sent ({creation_429} of them to app creation) | {sim_429} {:?} |",
        throttled(&log)
    );
    println!(
        "| 429s reaching the user (tenant errors or stderr lines mentioning 429 / rate limit) | {user_429} {} |",
        verdict(user_429 == 0)
    );
    println!("| API calls in all | {} |", log.len());
    if failed > 0 || whole != tenants {
        bail!("the matrix did not converge: {failed} failed, {whole} of {tenants} whole");
    }
    Ok(())
}
