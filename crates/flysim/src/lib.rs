//! flysim: a local emulator of the Fly.io Machines API.
//!
//! Start it in-process with [`spawn`] or as `flysim serve --state DIR --listen ADDR`.
//! State lives in SQLite (WAL) under the state directory; volumes and snapshots are
//! directories next to it, so a restart (even after `kill -9`) keeps every acknowledged
//! change, and the same tokens stay valid.
//!
//! A [`Profile`] sets timings and faults; as a TOML file (every key optional,
//! `preset = "realistic"` starts from [`Profile::realistic`]):
//!
//! ```toml
//! preset = "realistic"
//! latency_ms = 20
//! boot_ms = 1500
//! cold_start_ms = 500
//! stop_ms = 800
//! checks_pass_after_ms = 3000
//! cert_issue_after_ms = 10000
//! autostop_idle_ms = 0
//! rate_limit = true
//! seed = 7
//!
//! [faults]
//! error_503 = 0.02
//! error_429 = 0.01
//! retry_after_s = 2
//! reset = 0.005
//! slow = 0.05
//! slow_ms = 2000
//! failing_checks = 0.1
//! stuck_states = ["starting"]
//! stuck = 0.05
//! ```

mod auth;
pub mod error;
mod exec;
pub mod faults;
mod inspect;
mod lifecycle;
mod logs;
mod objects;
pub mod profile;
mod ratelimit;
pub mod requestlog;
mod server;
mod store;
mod util;

mod api;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;

pub use error::Error;
pub use faults::{DelayRule, FaultRule};
pub use inspect::{Census, CensusMachine, CensusVolume};
pub use objects::ObjectStoreConfig;
pub use profile::{Faults, Profile};
pub use requestlog::RequestRecord;

use auth::Tokens;
use faults::FaultEngine;
use ratelimit::RateLimiter;
use requestlog::RequestLog;
use store::Store;

/// How to run a flysim server.
#[derive(Debug, Clone)]
pub struct Config {
    /// SQLite db and volume directories live here.
    pub state_dir: PathBuf,
    /// "127.0.0.1:0" = ephemeral port.
    pub listen: SocketAddr,
    pub profile: Profile,
    /// The S3-compatible object store under `/s3`; off when None.
    pub objects: Option<ObjectStoreConfig>,
}

impl Config {
    /// Zero-latency profile on an ephemeral 127.0.0.1 port.
    pub fn new(state_dir: impl Into<PathBuf>) -> Config {
        Config {
            state_dir: state_dir.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            profile: Profile::zero(),
            objects: None,
        }
    }

    /// Serve the object store under `/s3` with these credentials and buckets.
    pub fn with_objects(mut self, objects: ObjectStoreConfig) -> Config {
        self.objects = Some(objects);
        self
    }
}

/// Shared server state.
pub(crate) struct Sim {
    pub(crate) store: Store,
    pub(crate) tokens: Tokens,
    pub(crate) profile: Profile,
    pub(crate) state_dir: PathBuf,
    pub(crate) faults: FaultEngine,
    pub(crate) reqlog: RequestLog,
    pub(crate) ratelimit: RateLimiter,
    pub(crate) objects: Option<objects::Objects>,
    /// Fired whenever a machine changes, to wake `wait` calls.
    pub(crate) changed: Notify,
    /// Set when the server is shutting down, so long waits end early.
    pub(crate) stopping: std::sync::atomic::AtomicBool,
}

impl Sim {
    pub(crate) fn volume_dir(&self, id: &str) -> PathBuf {
        self.state_dir.join("volumes").join(id)
    }
    /// Per-machine private directories (see `exec::prepare_boot`).
    pub(crate) fn rootfs_dir(&self) -> PathBuf {
        self.state_dir.join("rootfs")
    }
    pub(crate) fn snapshot_dir(&self, id: &str) -> PathBuf {
        self.state_dir.join("snapshots").join(id)
    }
}

/// A running flysim server.
pub struct Handle {
    base_url: String,
    org_token: String,
    readonly_token: String,
    sim: Arc<Sim>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// Open (or create) the state directory, bind the listener and serve in the background.
pub async fn spawn(config: Config) -> Result<Handle, Error> {
    std::fs::create_dir_all(config.state_dir.join("volumes"))?;
    std::fs::create_dir_all(config.state_dir.join("snapshots"))?;
    // Volume directories are bind-mounted by absolute path.
    let state_dir = std::fs::canonicalize(&config.state_dir)?;
    let store = Store::open(&config.state_dir.join("flysim.db"))?;
    let tokens = Tokens::load(&store).map_err(|e| Error::Other(e.message))?;
    let org_token = tokens
        .ensure(&store, "org", "personal", None)
        .map_err(|e| Error::Other(e.message))?;
    let readonly_token = tokens
        .ensure(&store, "readonly", "personal", None)
        .map_err(|e| Error::Other(e.message))?;
    let objects = match config.objects {
        Some(cfg) => Some(objects::Objects::open(cfg, state_dir.join("objects"))?),
        None => None,
    };
    let sim = Arc::new(Sim {
        store,
        tokens,
        faults: FaultEngine::new(config.profile.faults.clone(), config.profile.seed),
        profile: config.profile,
        state_dir,
        reqlog: RequestLog::default(),
        ratelimit: RateLimiter::default(),
        objects,
        changed: Notify::new(),
        stopping: std::sync::atomic::AtomicBool::new(false),
    });
    lifecycle::retime_all(&sim).map_err(|e| Error::Other(e.message))?;
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel();
    let task = tokio::spawn(server::serve(listener, sim.clone(), rx));
    Ok(Handle {
        base_url: format!("http://{addr}"),
        org_token,
        readonly_token,
        sim,
        shutdown: Some(tx),
        task: Some(task),
    })
}

impl Handle {
    /// "http://127.0.0.1:PORT" (no /v1).
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }
    /// The object store's endpoint, "http://127.0.0.1:PORT/s3", when it is enabled. Give it to
    /// S3 clients as a path-style endpoint.
    pub fn objects_url(&self) -> Option<String> {
        self.sim
            .objects
            .as_ref()
            .map(|_| format!("{}/s3", self.base_url))
    }
    /// Full access to org "personal".
    pub fn org_token(&self) -> String {
        self.org_token.clone()
    }
    /// Org "personal", read only.
    pub fn readonly_token(&self) -> String {
        self.readonly_token.clone()
    }
    /// App-scoped token (created and persisted on first use). The app need not exist yet;
    /// it belongs to the app's org, or "personal".
    pub fn app_token(&self, app: &str) -> String {
        let org = self
            .sim
            .store
            .read(|c| store::get_app(c, app))
            .ok()
            .flatten()
            .map(|a| a.org)
            .unwrap_or_else(|| "personal".to_string());
        self.sim
            .tokens
            .ensure(&self.sim.store, "app", &org, Some(app))
            .unwrap_or_default()
    }
    /// Full-access token of another org (created on first use), for cross-org tests.
    pub fn org_token_for(&self, org: &str) -> String {
        self.sim
            .tokens
            .ensure(&self.sim.store, "org", org, None)
            .unwrap_or_default()
    }
    /// Requests in arrival order (admin paths excluded).
    pub fn request_log(&self) -> Vec<RequestRecord> {
        self.sim.reqlog.snapshot()
    }
    pub fn clear_request_log(&self) {
        self.sim.reqlog.clear();
    }
    /// Add a targeted fault.
    pub fn inject(&self, rule: FaultRule) {
        self.sim.faults.inject(rule);
    }
    /// Add a targeted slow answer.
    pub fn delay(&self, rule: DelayRule) {
        self.sim.faults.delay(rule);
    }
    /// The next `boots` machine boots get checks that go critical (as the profile's
    /// `failing_checks` would), whatever the profile says.
    pub fn fail_checks_of_next_boots(&self, boots: u32) {
        self.sim.faults.fail_checks_of_next_boots(boots);
    }
    /// Remove every targeted fault and delay.
    pub fn clear_faults(&self) {
        self.sim.faults.clear();
    }
    /// Everything of `app` still in the state (rows, data on disk) and anything orphaned, one
    /// line each; empty when the app is wholly gone. For tests of deletion.
    pub fn leftovers_of(&self, app: &str) -> Vec<String> {
        inspect::leftovers(&self.sim, app)
            .unwrap_or_else(|e| vec![format!("state unreadable: {}", e.message)])
    }
    /// Every app, machine, volume, IP address and certificate in the state, read from the store
    /// (machines' due lifecycle steps applied first), for checks over a whole run.
    pub fn census(&self) -> Result<Census, Error> {
        inspect::census(&self.sim).map_err(|e| Error::Other(e.message))
    }
    /// Stop serving and wait for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn call(
        client: &reqwest::Client,
        method: reqwest::Method,
        url: String,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut req = client
            .request(method, url)
            .header("Authorization", format!("FlyV1 {token}"));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        assert!(resp.headers().contains_key("fly-request-id"));
        let text = resp.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }

    #[tokio::test]
    async fn state_and_tokens_survive_a_restart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let client = reqwest::Client::new();
        let sim = spawn(Config::new(dir.path())).await.expect("spawn");
        let token = sim.org_token();
        let base = sim.base_url();
        let (status, _) = call(
            &client,
            reqwest::Method::POST,
            format!("{base}/v1/apps"),
            &token,
            Some(serde_json::json!({"name": "keep", "org_slug": "personal"})),
        )
        .await;
        assert_eq!(status, 201);
        let (status, m) = call(
            &client,
            reqwest::Method::POST,
            format!("{base}/v1/apps/keep/machines"),
            &token,
            Some(serde_json::json!({"config": {"image": "nginx"}})),
        )
        .await;
        assert_eq!(status, 200);
        let id = m["id"].as_str().expect("machine id").to_string();
        sim.shutdown().await;

        let sim = spawn(Config::new(dir.path())).await.expect("respawn");
        assert_eq!(sim.org_token(), token, "tokens persist");
        let (status, m) = call(
            &client,
            reqwest::Method::GET,
            format!("{}/v1/apps/keep/machines/{id}", sim.base_url()),
            &token,
            None,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(m["state"], "started");
        let log = sim.request_log();
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].scope, "org");
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn wait_blocks_until_the_boot_is_done_or_times_out() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = Config::new(dir.path());
        config.profile.boot_ms = 300;
        let sim = spawn(config).await.expect("spawn");
        let client = reqwest::Client::new();
        let (token, base) = (sim.org_token(), sim.base_url());
        call(
            &client,
            reqwest::Method::POST,
            format!("{base}/v1/apps"),
            &token,
            Some(serde_json::json!({"name": "waiter", "org_slug": "personal"})),
        )
        .await;
        let (_, m) = call(
            &client,
            reqwest::Method::POST,
            format!("{base}/v1/apps/waiter/machines"),
            &token,
            Some(serde_json::json!({"config": {"image": "nginx"}})),
        )
        .await;
        let id = m["id"].as_str().expect("id").to_string();
        let wait = format!("{base}/v1/apps/waiter/machines/{id}/wait");
        let started = std::time::Instant::now();
        let (status, _) = call(
            &client,
            reqwest::Method::GET,
            format!("{wait}?state=started&timeout=5"),
            &token,
            None,
        )
        .await;
        assert_eq!(status, 200);
        let waited = started.elapsed();
        assert!(
            waited >= std::time::Duration::from_millis(250),
            "{waited:?}"
        );
        assert!(waited < std::time::Duration::from_secs(3), "{waited:?}");
        let (status, body) = call(
            &client,
            reqwest::Method::GET,
            format!("{wait}?state=stopped&timeout=1"),
            &token,
            None,
        )
        .await;
        assert_eq!(status, 408, "{body}");
        let (status, _) = call(
            &client,
            reqwest::Method::GET,
            format!("{wait}?timeout=61"),
            &token,
            None,
        )
        .await;
        assert_eq!(status, 400);
        sim.shutdown().await;
    }
}
