//! The bench's world: flysim in this process with faults, a tenantctl.toml pointing at it, the
//! real `tenantctl` binary run as a child process, and the checks of flysim's state.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use flysim::{Census, Faults, ObjectStoreConfig, Profile};

/// The images tenants run: provisioned on the first, deployed to the second.
pub const IMAGE_1: &str = "registry.fly.io/bench:1";
pub const IMAGE_2: &str = "registry.fly.io/bench:2";
/// How many times a failed command is run again before the tenant counts as not converged.
pub const MAX_ATTEMPTS: u32 = 5;

/// 10% of API calls get a fault: 1.5% each of 500, 502, 503, 429 (with Retry-After: 1) and
/// connection resets, 2.5% slow answers (+300 ms); and 10% of machine boots get checks that
/// go critical. Everything else is instant (flysim's zero profile).
pub fn fault_profile(seed: u64) -> Profile {
    Profile {
        seed,
        faults: Faults {
            error_500: 0.015,
            error_502: 0.015,
            error_503: 0.015,
            error_429: 0.015,
            retry_after_s: 1,
            reset: 0.015,
            slow: 0.025,
            slow_ms: 300,
            failing_checks: 0.10,
            ..Faults::default()
        },
        ..Profile::zero()
    }
}

fn config_text(s3: &str) -> String {
    format!(
        r#"org = "personal"
app_name_pattern = "tenant-{{id}}"
region = "ams"
image = "{IMAGE_1}"

[tiers.starter]
template = "local"
volume_size_gb = 1
vm_size = "shared-cpu-1x"
vm_memory = "256mb"
always_on = true
backups = true

[tiers.pro]
template = "local"
volume_size_gb = 2
vm_size = "shared-cpu-2x"
vm_memory = "1gb"
always_on = true
backups = true

[tiers.small]
template = "local"
volume_size_gb = 1
vm_size = "shared-cpu-1x"
vm_memory = "256mb"
always_on = true

[tiers.large]
template = "local"
volume_size_gb = 1
vm_size = "shared-cpu-2x"
vm_memory = "1gb"
always_on = true

[backup]
endpoint = "{s3}"
bucket = "tenantctl-local"
region = "local"
prefix = "bench/"
part_size_mb = 5
timeout = "1m"

[backup.database]
name = "site.db"
dump = ["sh", "-c", "cp \"$DATA_DIR/site.db\" '{{file}}'"]
restore = ["sh", "-c", "cp '{{file}}' \"$DATA_DIR/site.db\""]

[backup.files]
paths = ["/data/files"]

[[hooks.post_provision]]
name = "seed"
command = ["sh", "-c", "mkdir -p \"$DATA_DIR/files\" && printf '%s' \"$TENANT_ID\" > \"$DATA_DIR/site.db\" && printf '%s' \"$TENANT_ID\" > \"$DATA_DIR/files/seed.txt\""]
timeout = "30s"

[health]
require = ["machine_started", "fly_checks"]
timeout = "2s"
"#
    )
}

/// flysim and a working directory with the config.
pub struct World {
    pub runtime: tokio::runtime::Runtime,
    pub sim: flysim::Handle,
    dir: tempfile::TempDir,
}

impl World {
    pub fn start(profile: Profile) -> Result<World> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let dir = tempfile::tempdir()?;
        std::fs::create_dir_all(dir.path().join("home"))?;
        std::fs::create_dir_all(dir.path().join("work"))?;
        let mut config =
            flysim::Config::new(dir.path().join("flysim")).with_objects(ObjectStoreConfig::local());
        config.profile = profile;
        let sim = runtime.block_on(flysim::spawn(config))?;
        let s3 = sim.objects_url().context("the object store is on")?;
        std::fs::write(dir.path().join("work/tenantctl.toml"), config_text(&s3))?;
        Ok(World { runtime, sim, dir })
    }

    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    /// `tenantctl ARGS` with a clean environment pointed at the sim, output captured.
    pub fn command(&self, args: &[String]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tenantctl"));
        cmd.env_clear()
            .env("HOME", self.dir.path().join("home"))
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("TENANTCTL_API_URL", self.sim.base_url())
            .env("FLY_API_TOKEN", self.sim.org_token())
            .env("AWS_ACCESS_KEY_ID", "flysim-local")
            .env("AWS_SECRET_ACCESS_KEY", "flysim-local-secret")
            .current_dir(self.work())
            .arg("--no-input")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    pub fn spawn(&self, args: &[String]) -> Result<Child> {
        Ok(self.command(args).spawn()?)
    }

    /// Runs a command once.
    pub fn run_once(&self, args: &[String]) -> Result<Attempt> {
        let started = Instant::now();
        let output = self.command(args).output()?;
        Ok(Attempt::from_output(&output, started.elapsed()))
    }

    /// Runs a command, and again while it fails, up to [`MAX_ATTEMPTS`] runs. `done_code` is an
    /// exit code that means "already done" on a re-run (destroy's 3: the tenant is gone).
    pub fn run_until_ok(&self, args: &[String], done_code: Option<i32>) -> Result<Runs> {
        let mut runs = Runs::default();
        while runs.attempts.len() < MAX_ATTEMPTS as usize {
            let attempt = self.run_once(args)?;
            let ok =
                attempt.code == 0 || (!runs.attempts.is_empty() && Some(attempt.code) == done_code);
            runs.attempts.push(attempt);
            if ok {
                runs.ok = true;
                break;
            }
        }
        Ok(runs)
    }

    pub fn census(&self) -> Result<Census> {
        Ok(self.sim.census()?)
    }
}

/// One run of a command.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub code: i32,
    pub elapsed: Duration,
    /// The `error:` line of stderr, when there is one.
    pub error: Option<String>,
    pub panicked: bool,
}

impl Attempt {
    pub fn from_output(output: &std::process::Output, elapsed: Duration) -> Attempt {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Attempt {
            code: output.status.code().unwrap_or(-1),
            elapsed,
            error: stderr
                .lines()
                .find(|l| l.starts_with("error:"))
                .map(str::to_string),
            panicked: stderr.contains("panicked at"),
        }
    }
}

/// The runs of one command until it succeeded or ran out of attempts.
#[derive(Debug, Clone, Default)]
pub struct Runs {
    pub attempts: Vec<Attempt>,
    pub ok: bool,
}

pub fn args(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

pub fn app_of(tenant: &str) -> String {
    format!("tenant-{tenant}")
}

/// What a tenant should look like in flysim's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect<'a> {
    /// The app, one started and healthy machine of this tier and image, one volume of this
    /// size mounted by it.
    Live {
        tier: &'a str,
        image: &'a str,
        volume_gb: i64,
    },
    /// Nothing of the tenant: no app, no machine, volume, IP or certificate.
    Gone,
}

/// The consistency checks of one tenant's app in a census.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    pub converged: bool,
    /// Why not, when not converged.
    pub why: Vec<String>,
    /// More than one machine, or more than one volume.
    pub duplicate: bool,
    /// Volumes not mounted by a live machine of the app, and anything of an app that should
    /// be gone.
    pub orphans: usize,
    pub leases_held: usize,
}

fn live_machines<'c>(census: &'c Census, app: &str) -> Vec<&'c flysim::CensusMachine> {
    census
        .machines
        .iter()
        .filter(|m| m.app == app && !matches!(m.state.as_str(), "destroying" | "destroyed"))
        .collect()
}

fn live_volumes<'c>(census: &'c Census, app: &str) -> Vec<&'c flysim::CensusVolume> {
    census
        .volumes
        .iter()
        .filter(|v| {
            v.app == app
                && !matches!(
                    v.state.as_str(),
                    "pending_destroy" | "destroyed" | "destroying"
                )
        })
        .collect()
}

pub fn check(census: &Census, tenant: &str, expect: Expect<'_>) -> Verdict {
    let app = app_of(tenant);
    let machines = live_machines(census, &app);
    let volumes = live_volumes(census, &app);
    let ips = census.ips.iter().filter(|(a, _)| *a == app).count();
    let certs = census.certs.iter().filter(|(a, _)| *a == app).count();
    let app_exists = census.apps.contains(&app);
    let mut v = Verdict {
        duplicate: machines.len() > 1 || volumes.len() > 1,
        leases_held: census
            .machines
            .iter()
            .filter(|m| m.app == app && m.lease_owner.is_some())
            .count(),
        ..Verdict::default()
    };
    match expect {
        Expect::Gone => {
            v.orphans = machines.len() + volumes.len() + ips + certs + usize::from(app_exists);
            if v.orphans > 0 {
                v.why.push(format!(
                    "left after destroy: app {app_exists}, {} machine(s), {} volume(s), {ips} IP(s), {certs} certificate(s)",
                    machines.len(),
                    volumes.len()
                ));
            }
        }
        Expect::Live {
            tier,
            image,
            volume_gb,
        } => {
            let mounted: Vec<&str> = machines
                .iter()
                .filter_map(|m| m.config["mounts"][0]["volume"].as_str())
                .collect();
            v.orphans = volumes
                .iter()
                .filter(|vol| !mounted.contains(&vol.id.as_str()))
                .count();
            if !app_exists {
                v.why.push("no app".into());
            }
            match machines.as_slice() {
                [m] => {
                    if m.state != "started" {
                        v.why.push(format!("machine {}", m.state));
                    }
                    if m.checks_failing {
                        v.why.push("checks critical".into());
                    }
                    if m.config["image"].as_str() != Some(image) {
                        v.why.push(format!("image {}", m.config["image"]));
                    }
                    let got_tier = m.config["metadata"]["tenantctl_tier"].as_str();
                    if got_tier != Some(tier) {
                        v.why.push(format!("tier {got_tier:?}"));
                    }
                }
                other => v.why.push(format!("{} machines", other.len())),
            }
            match volumes.as_slice() {
                [vol] if vol.size_gb == volume_gb => {}
                [vol] => v.why.push(format!("volume of {} GB", vol.size_gb)),
                other => v.why.push(format!("{} volumes", other.len())),
            }
            if v.orphans > 0 {
                v.why.push(format!("{} volume(s) not mounted", v.orphans));
            }
        }
    }
    v.converged = v.why.is_empty();
    v
}

/// Across the whole state: resources of apps that do not exist, apps that are not a tenant's,
/// and apps with more than one machine or volume.
pub fn global_orphans(census: &Census, known_apps: &[String]) -> BTreeMap<String, usize> {
    let mut found: BTreeMap<String, usize> = BTreeMap::new();
    let exists = |app: &str| census.apps.iter().any(|a| a == app);
    for m in &census.machines {
        if !exists(&m.app) {
            *found.entry("machine without its app".into()).or_default() += 1;
        }
    }
    for v in &census.volumes {
        if !exists(&v.app) {
            *found.entry("volume without its app".into()).or_default() += 1;
        }
    }
    for (app, _) in &census.ips {
        if !exists(app) {
            *found.entry("IP without its app".into()).or_default() += 1;
        }
    }
    for (app, _) in &census.certs {
        if !exists(app) {
            *found
                .entry("certificate without its app".into())
                .or_default() += 1;
        }
    }
    for app in &census.apps {
        if !known_apps.contains(app) {
            *found.entry("app of no tenant".into()).or_default() += 1;
        }
    }
    found
}

pub fn tally(map: &mut BTreeMap<String, usize>, key: impl Into<String>) {
    *map.entry(key.into()).or_default() += 1;
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let i = ((values.len() - 1) as f64 * p).round() as usize;
    values[i.min(values.len() - 1)]
}
