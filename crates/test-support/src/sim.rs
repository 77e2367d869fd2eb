//! flysim in the test process: spawned on an ephemeral loopback port with its state in a temp
//! dir, and clients for it.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use fly_api::types::ListMachinesParams;
use fly_api::{ClientConfig, FlyClient, RetryPolicy, Token};
use flysim::{DelayRule, FaultRule, Handle, Profile, RequestRecord};
use tempfile::TempDir;

/// Starts flysim with `profile`, its state under `state_dir`.
pub async fn spawn(state_dir: &Path, profile: Profile) -> Handle {
    let mut config = flysim::Config::new(state_dir);
    config.profile = profile;
    flysim::spawn(config).await.expect("flysim spawns")
}

/// A client of the sim at `base_url` with `token`: immediate retries and no client-side rate
/// limits, so faults and retries cost no test time.
pub fn client_for(base_url: &str, token: &str) -> FlyClient {
    let token = Token::parse(token).expect("token parses");
    let mut config = ClientConfig::new(token).with_base_url(base_url);
    config.retry = RetryPolicy::immediate(3);
    config.rate_limit = None;
    config.global_rate_limit = None;
    config.timeout = Duration::from_secs(30);
    FlyClient::new(config).expect("client")
}

/// flysim with a runtime of its own, for tests that are not async (the ones that run the
/// tenantctl binary against it).
pub struct BlockingSim {
    runtime: tokio::runtime::Runtime,
    handle: Option<Handle>,
    _dir: TempDir,
}

impl BlockingSim {
    /// A zero-latency flysim on 127.0.0.1:0 with its state in a fresh temp dir.
    pub fn start() -> BlockingSim {
        BlockingSim::start_with(Profile::zero())
    }

    /// flysim with `profile` (e.g. Fly's rate limits on) in a fresh temp dir.
    pub fn start_with(profile: Profile) -> BlockingSim {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let dir = tempfile::tempdir().expect("temp dir");
        let handle = runtime.block_on(spawn(&dir.path().join("flysim"), profile));
        BlockingSim {
            runtime,
            handle: Some(handle),
            _dir: dir,
        }
    }

    pub fn handle(&self) -> &Handle {
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

    pub fn delay(&self, rule: DelayRule) {
        self.handle().delay(rule);
    }

    pub fn clear_faults(&self) {
        self.handle().clear_faults();
    }

    pub fn fail_checks_of_next_boots(&self, boots: u32) {
        self.handle().fail_checks_of_next_boots(boots);
    }

    pub fn log(&self) -> Vec<RequestRecord> {
        self.handle().request_log()
    }

    pub fn clear_log(&self) {
        self.handle().clear_request_log();
    }

    /// A client of the sim with the org token.
    pub fn client(&self) -> FlyClient {
        client_for(&self.url(), &self.org_token())
    }

    pub fn block_on<T>(&self, work: impl Future<Output = T>) -> T {
        self.runtime.block_on(work)
    }

    /// (apps, volumes, machines) that exist in org `personal`, counted through the API.
    pub fn counts(&self) -> (usize, usize, usize) {
        let client = self.client();
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

impl Drop for BlockingSim {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            let _ = self.runtime.block_on(async {
                tokio::time::timeout(Duration::from_secs(5), handle.shutdown()).await
            });
        }
    }
}
