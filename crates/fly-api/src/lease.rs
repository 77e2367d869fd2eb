//! Machine lease guards: take a lease (waiting while someone else holds it), keep it alive with
//! refreshes, and give it back on release, on drop, or from a shutdown path through the client.
//!
//! Every lease taken through [`FlyClient::lease`] is recorded in a registry shared by the client
//! and its clones. When a Ctrl-C drops the work future, the guards' drops start best-effort
//! releases, and [`FlyClient::release_held_leases`] finishes the job before the process exits.
//!
//! The nonce authorizes mutations of the machine, so it is never logged.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

use crate::client::FlyClient;
use crate::error::ApiError;
use crate::types::LeaseData;

/// How long a release waits for an in-flight refresh to finish, so the refresh cannot land
/// after the release and take the lease again.
const REFRESH_STOP_GRACE: Duration = Duration::from_secs(5);
/// Acquires whose outcome stays unknown with no lease visible afterwards before giving up.
const MAX_AMBIGUOUS_MISSES: u32 = 3;
/// Lower bound on the poll interval, so a zero poll does not spin.
const MIN_POLL: Duration = Duration::from_millis(10);

/// How [`FlyClient::lease`] takes and keeps a lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseOptions {
    /// Lease description Fly shows to others, e.g. "tenantctl provision acme (host myhost, pid 4242)".
    pub owner: String,
    /// Lease TTL; refreshed every third of it. Sent in whole seconds, at least 1.
    pub ttl: Duration,
    /// How long to wait for a lease someone else holds before failing.
    pub wait: Duration,
    /// Poll interval while waiting.
    pub poll: Duration,
}

impl LeaseOptions {
    /// TTL 30 s, wait 60 s, poll 1 s.
    pub fn new(owner: impl Into<String>) -> Self {
        LeaseOptions {
            owner: owner.into(),
            ttl: Duration::from_secs(30),
            wait: Duration::from_secs(60),
            poll: Duration::from_secs(1),
        }
    }

    pub fn wait(mut self, d: Duration) -> Self {
        self.wait = d;
        self
    }

    pub fn ttl(mut self, d: Duration) -> Self {
        self.ttl = d;
        self
    }

    pub fn poll(mut self, d: Duration) -> Self {
        self.poll = d;
        self
    }

    fn ttl_secs(&self) -> u64 {
        let secs = self.ttl.as_secs() + u64::from(self.ttl.subsec_nanos() > 0);
        secs.max(1)
    }
}

/// A lease description naming the operation, its subject, this host and this process:
/// "tenantctl <operation> <subject> (host H, pid P)". Host and pid make it unique per process,
/// which is what lets an acquire with an unknown outcome recognise its own lease.
pub fn owner_description(operation: &str, subject: &str) -> String {
    format!(
        "tenantctl {operation} {subject} (host {}, pid {})",
        host_name(),
        std::process::id()
    )
}

/// This host's name (HOSTNAME, else /etc/hostname), as lease and lock owners name it.
pub fn host_name() -> &'static str {
    static HOST: OnceLock<String> = OnceLock::new();
    HOST.get_or_init(|| {
        let from_env = std::env::var("HOSTNAME").ok();
        let from_files = || {
            ["/etc/hostname", "/proc/sys/kernel/hostname"]
                .iter()
                .find_map(|path| std::fs::read_to_string(path).ok())
        };
        from_env
            .or_else(from_files)
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "unknown".to_owned())
    })
}

/// One lease held through a guard.
struct HeldLease {
    id: u64,
    app: String,
    machine_id: String,
    nonce: String,
    /// Set to true to stop the refresh task.
    stop: watch::Sender<bool>,
    refresh: Mutex<Option<JoinHandle<()>>>,
}

impl HeldLease {
    fn take_refresh(&self) -> Option<JoinHandle<()>> {
        self.refresh
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }
}

/// The leases a client and its clones hold through guards.
#[derive(Default)]
pub(crate) struct LeaseRegistry {
    next_id: AtomicU64,
    held: Mutex<BTreeMap<u64, Arc<HeldLease>>>,
}

impl LeaseRegistry {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Arc<HeldLease>>> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn insert(&self, app: &str, machine_id: &str, nonce: String) -> Arc<HeldLease> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (stop, _) = watch::channel(false);
        let held = Arc::new(HeldLease {
            id,
            app: app.to_owned(),
            machine_id: machine_id.to_owned(),
            nonce,
            stop,
            refresh: Mutex::new(None),
        });
        self.lock().insert(id, Arc::clone(&held));
        held
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    fn snapshot(&self) -> Vec<Arc<HeldLease>> {
        self.lock().values().cloned().collect()
    }

    fn holds(&self, app: &str, machine_id: &str, nonce: &str) -> bool {
        self.lock()
            .values()
            .any(|h| h.app == app && h.machine_id == machine_id && h.nonce == nonce)
    }
}

/// A machine lease held until [`LeaseGuard::release`] or drop; refreshed in the background
/// meanwhile. Dropping it releases the lease best-effort (when a Tokio runtime is running).
pub struct LeaseGuard {
    client: FlyClient,
    held: Arc<HeldLease>,
    released: bool,
}

impl std::fmt::Debug for LeaseGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaseGuard")
            .field("app", &self.held.app)
            .field("machine_id", &self.held.machine_id)
            .field("nonce", &"<redacted>")
            .finish()
    }
}

impl LeaseGuard {
    pub fn app(&self) -> &str {
        &self.held.app
    }

    pub fn machine_id(&self) -> &str {
        &self.held.machine_id
    }

    /// The nonce to pass to mutating calls on the machine.
    pub fn nonce(&self) -> &str {
        &self.held.nonce
    }

    /// Releases now; removes it from the client's registry. Not-found / already-expired counts as released.
    pub async fn release(mut self) -> Result<(), ApiError> {
        let result = release_held(&self.client, &self.held).await;
        // Only after the release finished: if this future is dropped midway, Drop still
        // starts a release.
        self.released = true;
        result
    }
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        self.held.stop.send_replace(true);
        // The registry entry stays until the release is done, so a shutdown path that calls
        // `release_held_leases` still finds it if this task never gets to run.
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                let client = self.client.clone();
                let held = Arc::clone(&self.held);
                runtime.spawn(async move {
                    if let Err(e) = release_held(&client, &held).await {
                        tracing::warn!(
                            app = %held.app, machine_id = %held.machine_id, error = %e,
                            "could not release a dropped machine lease; it expires on its own"
                        );
                    }
                });
            }
            Err(_) => {
                if let Some(task) = self.held.take_refresh() {
                    task.abort();
                }
            }
        }
    }
}

impl FlyClient {
    /// Acquire with the owner description; if held by someone else, poll until `wait` elapses, then
    /// Err(ApiError::LeaseBusy{..}). Registers the lease in the client so it can be released on cancel.
    /// Spawns a refresh task (every ttl/3, using refresh_lease with the nonce) that lives until the guard
    /// is released or dropped.
    ///
    /// An acquire with an unknown outcome (timeout after sending, 500) looks the lease up and
    /// adopts it when its description is exactly `options.owner`.
    pub async fn lease(
        &self,
        app: &str,
        machine_id: &str,
        options: &LeaseOptions,
    ) -> Result<LeaseGuard, ApiError> {
        let data = self.acquire_waiting(app, machine_id, options).await?;
        // The refresh task needs a Tokio runtime; reqwest does too, so this is not expected.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            let _ = self.release_lease(app, machine_id, &data.nonce).await;
            return Err(ApiError::Config(
                "machine lease guards need a Tokio runtime".into(),
            ));
        };
        let held = self
            .lease_registry()
            .insert(app, machine_id, data.nonce.clone());
        let ttl_secs = options.ttl_secs();
        let task = runtime.spawn(refresh_loop(
            self.clone(),
            Arc::clone(&held),
            held.stop.subscribe(),
            ttl_secs,
        ));
        *held.refresh.lock().unwrap_or_else(|e| e.into_inner()) = Some(task);
        tracing::debug!(
            app,
            machine_id,
            expires_at = data.expires_at,
            ttl_secs,
            "machine lease acquired"
        );
        Ok(LeaseGuard {
            client: self.clone(),
            held,
            released: false,
        })
    }

    /// Releases every lease this client (and its clones) still holds, concurrently, giving up after `timeout`.
    /// Returns how many were released. Used on Ctrl-C/SIGTERM after the work future is dropped.
    pub async fn release_held_leases(&self, timeout: Duration) -> usize {
        let held = self.lease_registry().snapshot();
        if held.is_empty() {
            return 0;
        }
        let total = held.len();
        let mut releases = JoinSet::new();
        for lease in held {
            let client = self.clone();
            releases.spawn(async move {
                let result = release_held(&client, &lease).await;
                (lease, result)
            });
        }
        let mut released = 0;
        let all_done = tokio::time::timeout(timeout, async {
            while let Some(joined) = releases.join_next().await {
                match joined {
                    Ok((_, Ok(()))) => released += 1,
                    Ok((lease, Err(e))) => tracing::warn!(
                        app = %lease.app, machine_id = %lease.machine_id, error = %e,
                        "could not release a machine lease; it expires on its own"
                    ),
                    Err(e) => tracing::warn!(error = %e, "a lease release task failed"),
                }
            }
        })
        .await;
        if all_done.is_err() {
            tracing::warn!(
                released,
                pending = total - released,
                timeout_ms = timeout.as_millis() as u64,
                "gave up releasing machine leases; the rest expire on their own"
            );
        }
        released
    }

    /// (app, machine_id) of leases currently held through guards.
    pub fn held_leases(&self) -> Vec<(String, String)> {
        self.lease_registry()
            .snapshot()
            .iter()
            .map(|h| (h.app.clone(), h.machine_id.clone()))
            .collect()
    }

    /// Acquires, waiting while someone else holds the lease; returns the lease to keep.
    async fn acquire_waiting(
        &self,
        app: &str,
        machine_id: &str,
        options: &LeaseOptions,
    ) -> Result<LeaseData, ApiError> {
        let started = Instant::now();
        let description = Some(options.owner.as_str()).filter(|o| !o.is_empty());
        let poll = options.poll.max(MIN_POLL);
        // Set once an acquire's outcome was unknown: from then on a lease with our exact
        // description may be that acquire, landed late.
        let mut maybe_ours = false;
        let mut ambiguous_misses = 0;
        let mut told_waiting = false;
        loop {
            let holder = match self
                .acquire_lease(app, machine_id, Some(options.ttl_secs()), description)
                .await
            {
                Ok(data) => return Ok(data),
                Err(e) if e.is_ambiguous() => {
                    maybe_ours = true;
                    match self.get_lease(app, machine_id).await {
                        Ok(Some(current)) if self.is_own(app, machine_id, options, &current) => {
                            tracing::debug!(
                                app,
                                machine_id,
                                "acquire outcome was unknown; adopting the lease it took"
                            );
                            return Ok(current);
                        }
                        Ok(Some(current)) => current,
                        Ok(None) => {
                            ambiguous_misses += 1;
                            if ambiguous_misses >= MAX_AMBIGUOUS_MISSES {
                                return Err(e);
                            }
                            tracing::debug!(
                                app, machine_id, error = %e,
                                "acquire outcome unknown and no lease visible; trying again"
                            );
                            continue;
                        }
                        Err(lookup) => {
                            tracing::debug!(
                                app, machine_id, error = %lookup,
                                "could not look up the lease after an unknown acquire outcome"
                            );
                            return Err(e);
                        }
                    }
                }
                Err(e) if e.is_lease_held() || e.is_conflict() => {
                    match self.get_lease(app, machine_id).await {
                        Ok(Some(current))
                            if maybe_ours && self.is_own(app, machine_id, options, &current) =>
                        {
                            tracing::debug!(
                                app,
                                machine_id,
                                "an acquire with an unknown outcome took the lease; adopting it"
                            );
                            return Ok(current);
                        }
                        Ok(Some(current)) => current,
                        // Released in between, or unreadable: try again after the pause.
                        Ok(None) | Err(_) => LeaseData::default(),
                    }
                }
                Err(e) => return Err(e),
            };

            let waited = started.elapsed();
            let holder_name = holder_name(&holder);
            if waited >= options.wait {
                return Err(ApiError::LeaseBusy {
                    app: app.to_owned(),
                    machine_id: machine_id.to_owned(),
                    holder: holder_name,
                    expires_at: holder.expires_at,
                    waited,
                });
            }
            if !told_waiting {
                told_waiting = true;
                tracing::info!(
                    app, machine_id, holder = %holder_name,
                    wait_s = options.wait.as_secs(),
                    "machine is leased by someone else; waiting for the lease"
                );
            }
            tokio::time::sleep(poll.min(options.wait - waited)).await;
        }
    }

    /// The lease carries exactly our description and no guard of this client holds it.
    fn is_own(
        &self,
        app: &str,
        machine_id: &str,
        options: &LeaseOptions,
        lease: &LeaseData,
    ) -> bool {
        !options.owner.is_empty()
            && lease.description.as_deref() == Some(options.owner.as_str())
            && !self.lease_registry().holds(app, machine_id, &lease.nonce)
    }
}

fn holder_name(lease: &LeaseData) -> String {
    [lease.description.as_deref(), lease.owner.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|s| !s.is_empty())
        .unwrap_or("unknown")
        .to_owned()
}

/// Stops the refresh task, releases the lease and drops it from the registry. A lease that is
/// gone already (machine not found, expired, taken by someone else since) counts as released.
async fn release_held(client: &FlyClient, held: &HeldLease) -> Result<(), ApiError> {
    held.stop.send_replace(true);
    if let Some(task) = held.take_refresh() {
        let abort = task.abort_handle();
        if tokio::time::timeout(REFRESH_STOP_GRACE, task)
            .await
            .is_err()
        {
            abort.abort();
        }
    }
    let result = client
        .release_lease(&held.app, &held.machine_id, &held.nonce)
        .await;
    client.lease_registry().remove(held.id);
    match result {
        Ok(()) => {
            tracing::debug!(app = %held.app, machine_id = %held.machine_id, "machine lease released");
            Ok(())
        }
        Err(e) if is_gone(&e) => {
            tracing::debug!(
                app = %held.app, machine_id = %held.machine_id, error = %e,
                "machine lease was already gone"
            );
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// The lease this nonce belonged to no longer exists: 404 (no lease, no machine), 412 (nonce
/// mismatch: it expired and was taken again) or 409 (held by someone else now).
fn is_gone(error: &ApiError) -> bool {
    error.is_not_found() || error.status() == Some(412) || error.is_lease_held()
}

/// Refreshes the lease every third of its TTL until told to stop or the lease is lost.
async fn refresh_loop(
    client: FlyClient,
    held: Arc<HeldLease>,
    mut stop: watch::Receiver<bool>,
    ttl_secs: u64,
) {
    let every = Duration::from_secs(ttl_secs) / 3;
    loop {
        tokio::select! {
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    return;
                }
                continue;
            }
            () = tokio::time::sleep(every) => {}
        }
        if *stop.borrow() {
            return;
        }
        let (app, machine_id) = (held.app.as_str(), held.machine_id.as_str());
        match client
            .refresh_lease(app, machine_id, &held.nonce, Some(ttl_secs))
            .await
        {
            Ok(data) if data.nonce == held.nonce => {
                tracing::debug!(
                    app,
                    machine_id,
                    expires_at = data.expires_at,
                    "machine lease refreshed"
                );
            }
            Ok(data) => {
                // The lease lapsed and the refresh took a new one the guard's holder cannot
                // know about; give it back rather than block others with it.
                tracing::warn!(
                    app,
                    machine_id,
                    "machine lease lapsed before it was refreshed; no longer holding it"
                );
                if let Err(e) = client.release_lease(app, machine_id, &data.nonce).await {
                    tracing::debug!(app, machine_id, error = %e, "could not release the new lease");
                }
                client.lease_registry().remove(held.id);
                return;
            }
            Err(e) if e.is_transient() => {
                tracing::warn!(
                    app, machine_id, error = %e,
                    "could not refresh the machine lease; trying again"
                );
            }
            Err(e) => {
                tracing::warn!(
                    app, machine_id, error = %e,
                    "machine lease lost; no longer refreshing it"
                );
                client.lease_registry().remove(held.id);
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn guard_is_send_and_sync() {
        assert_send_sync::<LeaseGuard>();
        assert_send_sync::<FlyClient>();
    }

    #[test]
    fn options_defaults_and_builders() {
        let o = LeaseOptions::new("me");
        assert_eq!(o.owner, "me");
        assert_eq!(o.ttl, Duration::from_secs(30));
        assert_eq!(o.wait, Duration::from_secs(60));
        assert_eq!(o.poll, Duration::from_secs(1));
        let o = o
            .ttl(Duration::from_millis(2500))
            .wait(Duration::from_secs(5))
            .poll(Duration::from_millis(200));
        assert_eq!(o.ttl_secs(), 3);
        assert_eq!(o.wait, Duration::from_secs(5));
        assert_eq!(o.poll, Duration::from_millis(200));
        assert_eq!(LeaseOptions::new("x").ttl(Duration::ZERO).ttl_secs(), 1);
    }

    #[test]
    fn owner_description_names_operation_subject_host_and_pid() {
        let d = owner_description("provision", "acme");
        assert!(d.starts_with("tenantctl provision acme (host "), "{d}");
        assert!(
            d.ends_with(&format!(", pid {})", std::process::id())),
            "{d}"
        );
        assert!(!d.contains("(host )"), "{d}");
        assert_eq!(d, owner_description("provision", "acme"));
    }

    #[test]
    fn holder_prefers_description_then_owner() {
        let mut l = LeaseData {
            description: Some("deploying".into()),
            owner: Some("ops@example.com".into()),
            ..LeaseData::default()
        };
        assert_eq!(holder_name(&l), "deploying");
        l.description = Some(" ".into());
        assert_eq!(holder_name(&l), "ops@example.com");
        l.owner = None;
        assert_eq!(holder_name(&l), "unknown");
    }
}
