//! `backup --all` over a fleet in flysim, backing up to a real Garage (run with
//! `cargo bench --bench backup`; needs Garage: `.ci/install-garage`).
//!
//! Provisions the fleet in-process (each tenant seeds a database and a files folder of the
//! given size on its volume), then runs the real `tenantctl` binary with `backup --all
//! --concurrency 16` and reports tenants per minute, Fly API calls per tenant (from flysim's
//! request log), bytes moved (machine to storage) and tenantctl's peak resident memory
//! (VmHWM, read from /proc while it runs). The data goes from the machines to storage
//! directly, so the peak must stay flat in the number of tenants and in the size of their
//! data: the runs vary each.
#![allow(clippy::print_stdout)]

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use fly_api::{ClientConfig, FlyClient, Token};
use futures::StreamExt;
use tenantctl_core::config::{Config, ConfigSource};
use tenantctl_core::engine::NullReporter;
use tenantctl_core::ops::{ProvisionOptions, provision};
use tenantctl_core::template::TemplateSet;
use tenantctl_test_support::Garage;

const CONCURRENCY: usize = 16;

fn config_text(endpoint: &str, data_kib: u64) -> String {
    format!(
        r#"org = "personal"
region = "ams"
image = "registry.fly.io/bench:1"

[tiers.pro]
template = "local"
volume_size_gb = 1
vm_size = "shared-cpu-1x"
vm_memory = "512mb"
always_on = true
backups = true

[[hooks.post_provision]]
name = "seed"
command = ["sh", "-c", "head -c {db} /dev/urandom > \"$DATA_DIR/site.db\" && mkdir -p \"$DATA_DIR/files\" && head -c {files} /dev/urandom > \"$DATA_DIR/files/upload.bin\""]

[health]
require = ["machine_started"]
timeout = "60s"

[backup]
endpoint = "{endpoint}"
bucket = "tenantctl-test"
region = "garage"
part_size_mb = 8
timeout = "5m"

[backup.database]
name = "site.db"
dump = ["sh", "-c", "cp \"$DATA_DIR/site.db\" '{{file}}'"]
restore = ["sh", "-c", "cp '{{file}}' \"$DATA_DIR/site.db\""]

[backup.files]
paths = ["/data/files"]
"#,
        db = data_kib * 1024 * 3 / 4,
        files = data_kib * 1024 / 4,
    )
}

struct Figures {
    tenants: usize,
    data_kib: u64,
    seconds: f64,
    calls: usize,
    bytes: u64,
    peak_rss_kib: u64,
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn run(garage: &Garage, tenants: usize, data_kib: u64) -> Result<Figures> {
    let runtime = tokio::runtime::Runtime::new()?;
    let dir = tempfile::tempdir()?;
    let sim = runtime.block_on(tenantctl_test_support::spawn(
        &dir.path().join("flysim"),
        flysim::Profile::zero(),
    ));
    let text = config_text(&garage.endpoint(), data_kib);
    let config_path = dir.path().join("tenantctl.toml");
    std::fs::write(&config_path, &text)?;
    let config = Config::parse(&text, ConfigSource::File(config_path.clone()))?;
    let templates = TemplateSet::for_config(&config)?;
    let client = FlyClient::new(
        ClientConfig::new(Token::parse(&sim.org_token())?).with_base_url(sim.base_url()),
    )?;
    let ids: Vec<String> = (0..tenants).map(|i| format!("b{i:04}")).collect();
    runtime.block_on(async {
        let results: Vec<_> = futures::stream::iter(ids.iter())
            .map(|id| {
                let options = ProvisionOptions::new(&config, &templates, id, "pro", "ams", "bench");
                let client = &client;
                async move { provision(client, &options, &NullReporter).await }
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        results.into_iter().collect::<Result<Vec<_>, _>>().map(drop)
    })?;
    sim.clear_request_log();

    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenantctl"))
        .args([
            "backup",
            "--all",
            "--concurrency",
            &CONCURRENCY.to_string(),
            "-o",
            "json",
            "-q",
        ])
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .env("TENANTCTL_API_URL", sim.base_url())
        .env("FLY_API_TOKEN", sim.org_token())
        .env("AWS_ACCESS_KEY_ID", garage.access_key_id())
        .env("AWS_SECRET_ACCESS_KEY", garage.secret_access_key())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let pid = child.id();
    let mut peak = 0;
    let stdout = child.stdout.take().context("stdout")?;
    let reader = std::thread::spawn(move || std::io::read_to_string(stdout));
    loop {
        if let Some(kib) = peak_rss_kib(pid) {
            peak = peak.max(kib);
        }
        if child.try_wait()?.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let status = child.wait()?;
    let seconds = started.elapsed().as_secs_f64();
    let out = reader
        .join()
        .map_err(|_| anyhow::anyhow!("reader panicked"))??;
    if !status.success() {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            std::io::Read::read_to_string(&mut e, &mut err)?;
        }
        bail!("backup --all failed: {status}: {err}");
    }
    let doc: serde_json::Value = serde_json::from_str(&out)?;
    if doc["ok"].as_u64() != Some(tenants as u64) {
        bail!("not every tenant backed up: {}", doc["failed"]);
    }
    let calls = sim.request_log().len();
    let bytes = doc["total_bytes"].as_u64().unwrap_or(0);
    runtime.block_on(sim.shutdown());
    Ok(Figures {
        tenants,
        data_kib,
        seconds,
        calls,
        bytes,
        peak_rss_kib: peak,
    })
}

fn main() -> Result<()> {
    let Some(_) = Garage::binary() else {
        bail!("garage is not installed: run .ci/install-garage (or set TENANTCTL_GARAGE_BIN)");
    };
    let garage = Garage::start().map_err(anyhow::Error::msg)?;
    println!("backup --all, concurrency {CONCURRENCY}, flysim zero-latency, Garage on loopback");
    println!(
        "{:>8} {:>10} {:>10} {:>12} {:>14} {:>12} {:>14}",
        "tenants",
        "data/tnt",
        "seconds",
        "tenants/min",
        "calls/tenant",
        "MiB moved",
        "peak RSS MiB"
    );
    for (tenants, data_kib) in [(50, 1024), (200, 1024), (50, 16 * 1024)] {
        let f = run(&garage, tenants, data_kib)?;
        println!(
            "{:>8} {:>7} KiB {:>10.1} {:>12.0} {:>14.1} {:>12.1} {:>14.1}",
            f.tenants,
            f.data_kib,
            f.seconds,
            f.tenants as f64 / f.seconds * 60.0,
            f.calls as f64 / f.tenants as f64,
            f.bytes as f64 / 1048576.0,
            f.peak_rss_kib as f64 / 1024.0
        );
        std::io::stdout().flush()?;
    }
    Ok(())
}
