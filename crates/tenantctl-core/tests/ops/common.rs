//! Harness: an in-process flysim per test (from tenantctl-test-support), a client with
//! zero-delay retries, and provision options for the `basic` tier of its test config.

use std::path::PathBuf;
use std::time::Duration;

use fly_api::FlyClient;
use flysim::{Handle, Profile, RequestRecord};
use tempfile::TempDir;
use tenantctl_core::config::{Config, ConfigSource};
use tenantctl_core::ops::{ProvisionOptions, ProvisionReport, provision};
use tenantctl_core::template::TemplateSet;
pub use tenantctl_test_support::{
    HEALTH_CHECKS, IMAGE, Recorder, SEED_HOOK, client_for, config_text, count, show,
};

pub struct Env {
    pub sim: Handle,
    pub client: FlyClient,
    pub config: Config,
    pub templates: TemplateSet,
    pub state_dir: PathBuf,
    _dir: TempDir,
}

impl Env {
    pub async fn new(config_text: &str) -> Env {
        Env::with_profile(config_text, Profile::zero()).await
    }

    pub async fn with_profile(config_text: &str, profile: Profile) -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let state_dir = dir.path().join("flysim");
        let sim = tenantctl_test_support::spawn(&state_dir, profile).await;
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

    /// Requests since the last clear.
    pub fn log(&self) -> Vec<RequestRecord> {
        self.sim.request_log()
    }
}
