//! flysim in the test process: the binary under test talks to it through --api-url with the
//! sim's tokens, and the test inspects its request log and state.

use std::time::Duration;

use fly_api::types::ListMachinesParams;
use fly_api::{ClientConfig, FlyClient, Token};
use flysim::{FaultRule, Handle, RequestRecord};
use tempfile::TempDir;

use crate::harness::TestEnv;

/// A tenantctl.toml whose tiers render the built-in `local` template, in flysim's `personal`
/// org, with a hook that writes to the volume and a health gate on Fly's checks.
pub const CONFIG: &str = r#"org = "personal"
app_name_pattern = "tenant-{id}"
region = "ams"
image = "registry.fly.io/demo:1"

[tiers.starter]
template = "local"
volume_size_gb = 1
vm_size = "shared-cpu-1x"
vm_memory = "256mb"
always_on = true

[tiers.pro]
template = "local"
volume_size_gb = 2
vm_size = "shared-cpu-2x"
vm_memory = "1gb"
always_on = true

[[hooks.post_provision]]
name = "seed"
command = ["sh", "-c", "mkdir -p \"$DATA_DIR/files\" && printf '%s' \"$TENANT_ID\" > \"$DATA_DIR/files/seed.txt\""]
timeout = "30s"

[health]
require = ["machine_started", "fly_checks"]
timeout = "10s"
"#;

pub struct Sim {
    runtime: tokio::runtime::Runtime,
    handle: Option<Handle>,
    _dir: TempDir,
}

impl Sim {
    /// A zero-latency flysim on 127.0.0.1:0 with its state in a fresh temp dir.
    pub fn start() -> Sim {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let dir = tempfile::tempdir().expect("temp dir");
        let handle = runtime
            .block_on(flysim::spawn(flysim::Config::new(
                dir.path().join("flysim"),
            )))
            .expect("flysim starts");
        Sim {
            runtime,
            handle: Some(handle),
            _dir: dir,
        }
    }

    fn handle(&self) -> &Handle {
        self.handle.as_ref().expect("running")
    }

    pub fn url(&self) -> String {
        self.handle().base_url()
    }

    pub fn org_token(&self) -> String {
        self.handle().org_token()
    }

    pub fn readonly_token(&self) -> String {
        self.handle().readonly_token()
    }

    pub fn app_token(&self, app: &str) -> String {
        self.handle().app_token(app)
    }

    /// A full-access token of another organization.
    pub fn org_token_for(&self, org: &str) -> String {
        self.handle().org_token_for(org)
    }

    pub fn inject(&self, rule: FaultRule) {
        self.handle().inject(rule);
    }

    pub fn delay(&self, rule: flysim::DelayRule) {
        self.handle().delay(rule);
    }

    pub fn clear_faults(&self) {
        self.handle().clear_faults();
    }

    /// A client of the sim with the org token, and a way to run its calls.
    pub fn client(&self) -> FlyClient {
        let token = Token::parse(&self.org_token()).expect("token");
        FlyClient::new(ClientConfig::new(token).with_base_url(self.url())).expect("client")
    }

    pub fn block_on<T>(&self, work: impl std::future::Future<Output = T>) -> T {
        self.runtime.block_on(work)
    }

    pub fn log(&self) -> Vec<RequestRecord> {
        self.handle().request_log()
    }

    pub fn clear_log(&self) {
        self.handle().clear_request_log();
    }

    /// A TestEnv with [`CONFIG`], --api-url's variable and the org token set.
    pub fn env(&self) -> TestEnv {
        self.env_with_token(&self.org_token())
    }

    pub fn env_with_token(&self, token: &str) -> TestEnv {
        TestEnv::with_config(CONFIG)
            .var("TENANTCTL_API_URL", &self.url())
            .var("FLY_API_TOKEN", token)
    }

    /// (apps, volumes, machines) that exist in org `personal`, counted through the API.
    pub fn counts(&self) -> (usize, usize, usize) {
        let token = Token::parse(&self.org_token()).expect("token");
        let client =
            FlyClient::new(ClientConfig::new(token).with_base_url(self.url())).expect("client");
        self.runtime.block_on(async {
            let apps = client.list_apps("personal").await.expect("apps");
            let mut volumes = 0;
            let mut machines = 0;
            for app in &apps {
                volumes += client
                    .list_volumes(&app.name)
                    .await
                    .expect("volumes")
                    .iter()
                    .filter(|v| !v.is_being_destroyed())
                    .count();
                machines += client
                    .list_machines(&app.name, &ListMachinesParams::default())
                    .await
                    .expect("machines")
                    .len();
            }
            (apps.len(), volumes, machines)
        })
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            let _ = self.runtime.block_on(async {
                tokio::time::timeout(Duration::from_secs(5), handle.shutdown()).await
            });
        }
    }
}

/// Requests as "METHOD path status", for assertion messages.
pub fn show(log: &[RequestRecord]) -> String {
    log.iter()
        .map(|r| format!("{} {} {}", r.method, r.path, r.status))
        .collect::<Vec<_>>()
        .join("\n")
}
