//! Harness: an in-process flysim per test, a client with zero-delay retries, and a config
//! whose tiers render the built-in `local` template.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use fly_api::{ClientConfig, FlyClient, RetryPolicy, Token};
use flysim::{Handle, Profile, RequestRecord};
use tempfile::TempDir;
use tenantctl_core::config::{Config, ConfigSource};
use tenantctl_core::engine::{Reporter, StepEvent};
use tenantctl_core::ops::{ProvisionOptions, ProvisionReport, provision};
use tenantctl_core::template::TemplateSet;

pub const IMAGE: &str = "registry.fly.io/demo:1";

/// Writes `$DATA_DIR/files/seed.txt` on the tenant's volume.
pub const SEED_HOOK: &str = r#"
[[hooks.post_provision]]
name = "seed"
command = ["sh", "-c", "mkdir -p \"$DATA_DIR/files\" && printf '%s' \"$TENANT_ID\" > \"$DATA_DIR/files/seed.txt\""]
timeout = "30s"
"#;

pub fn config_text(hooks: &str, health: &str) -> String {
    format!(
        r#"org = "personal"
region = "ams"
image = "{IMAGE}"

[tiers.basic]
template = "local"
volume_size_gb = 1
vm_size = "shared-cpu-1x"
vm_memory = "256mb"
always_on = true

{hooks}

{health}
"#
    )
}

pub const HEALTH_CHECKS: &str =
    "[health]\nrequire = [\"machine_started\", \"fly_checks\"]\ntimeout = \"5s\"\n";

pub struct Env {
    pub sim: Handle,
    pub client: FlyClient,
    pub config: Config,
    pub templates: TemplateSet,
    pub state_dir: PathBuf,
    _dir: TempDir,
}

pub fn client_for(base_url: &str, token: &str) -> FlyClient {
    let token = Token::parse(token).expect("token parses");
    let mut config = ClientConfig::new(token).with_base_url(base_url);
    config.retry = RetryPolicy::immediate(3);
    config.rate_limit = None;
    config.timeout = Duration::from_secs(30);
    FlyClient::new(config).expect("client")
}

impl Env {
    pub async fn new(config_text: &str) -> Env {
        Env::with_profile(config_text, Profile::zero()).await
    }

    pub async fn with_profile(config_text: &str, profile: Profile) -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let state_dir = dir.path().join("flysim");
        let mut sim_config = flysim::Config::new(&state_dir);
        sim_config.profile = profile;
        let sim = flysim::spawn(sim_config).await.expect("flysim spawns");
        let client = client_for(&sim.base_url(), &sim.org_token());
        let config = Config::parse(
            config_text,
            ConfigSource::File(dir.path().join("tenantctl.toml")),
        )
        .expect("test config is valid");
        let templates = TemplateSet::for_config(&config).expect("templates load");
        Env {
            state_dir: std::fs::canonicalize(&state_dir).expect("state dir"),
            sim,
            client,
            config,
            templates,
            _dir: dir,
        }
    }

    pub fn options(&self, tenant: &str) -> ProvisionOptions<'_> {
        let mut options = ProvisionOptions::new(
            &self.config,
            &self.templates,
            tenant,
            "basic",
            "ams",
            "ci-bot",
        );
        options.start_timeout = Duration::from_secs(20);
        options.health_poll_interval = Duration::from_millis(20);
        options
    }

    pub async fn provision(
        &self,
        options: &ProvisionOptions<'_>,
    ) -> Result<ProvisionReport, tenantctl_core::ops::OpError> {
        provision(&self.client, options, &Recorder::default()).await
    }

    pub fn volume_dir(&self, volume_id: &str) -> PathBuf {
        self.state_dir.join("volumes").join(volume_id)
    }

    /// Requests since the last clear, as "METHOD path status".
    pub fn log(&self) -> Vec<RequestRecord> {
        self.sim.request_log()
    }
}

pub fn count(log: &[RequestRecord], method: &str, path_suffix: &str, ok_only: bool) -> usize {
    log.iter()
        .filter(|r| r.method == method && r.path.ends_with(path_suffix))
        .filter(|r| !ok_only || (200..300).contains(&r.status))
        .count()
}

pub fn show(log: &[RequestRecord]) -> String {
    log.iter()
        .map(|r| format!("{} {} {}", r.method, r.path, r.status))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Keeps every event as text.
#[derive(Default)]
pub struct Recorder(pub Mutex<Vec<String>>);

impl Reporter for Recorder {
    fn step(&self, subject: &str, step: &str, event: StepEvent) {
        if let Ok(mut events) = self.0.lock() {
            events.push(format!("{subject} {step}: {event:?}"));
        }
    }
}
