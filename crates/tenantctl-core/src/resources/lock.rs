//! The tenant lock: one provisioning of a tenant at a time, across processes and runners.
//!
//! Once a tenant has a machine, the machine's lease is the lock (deploy, upgrade and backup
//! hold it while they work). Before that, the steps that create the volume, the IPs and the
//! machine have nothing Fly would lock, so two runs would each find none and each create one.
//! The app itself is the first lock: its name is unique, so of two runs creating it one gets
//! "name taken" and stops. For a run that finds the app already there, the lock is an app
//! secret, `TENANTCTL_LOCK`, whose value names the holder (operation, owner, host, pid) and
//! when it expires. The Machines API keeps it, any runner with the org token can read it, and
//! it needs nothing but the app.
//!
//! The API has no compare-and-set, so taking the lock is write, pause, read back: of two
//! writers the last one wins, and each sees who that was. The holder refreshes the expiry
//! while it works and deletes the secret when it is done (also on Ctrl-C, best effort). A
//! holder that died stops refreshing, so its lock expires and the next run takes it over; on
//! the same host a holder whose process is gone is taken over at once.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fly_api::FlyClient;
use fly_api::types::SecretValue;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::Note;
use crate::error::OpError;

/// The app secret that holds the lock.
pub const SECRET: &str = "TENANTCTL_LOCK";
/// How long a run waits for another run's lock before it fails.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(120);
/// How long a lock lives without a refresh.
const TTL: Duration = Duration::from_secs(60);
/// Refresh period: a third of the TTL, so two refreshes can fail before it lapses.
const REFRESH: Duration = Duration::from_secs(20);
/// Between writing the lock and reading it back: three times the write's round trip (a
/// concurrent writer's read-then-write takes two), within these bounds.
const SETTLE_MIN: Duration = Duration::from_millis(100);
const SETTLE_MAX: Duration = Duration::from_secs(2);
const POLL: Duration = Duration::from_secs(1);

/// Who holds a tenant's lock, as stored in the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// "provision".
    pub operation: String,
    /// Who runs it: the user or the GitHub actor, and the run URL when there is one.
    pub actor: String,
    pub host: String,
    pub pid: u32,
    /// Milliseconds since the Unix epoch.
    pub since_ms: u64,
    pub expires_ms: u64,
    /// Unique per acquisition: tells this run's write from any other.
    pub token: String,
}

impl Holder {
    fn describe(&self, now: u64) -> String {
        format!(
            "`{}` by {} (host {}, pid {}) since {}s ago",
            self.operation,
            self.actor,
            self.host,
            self.pid,
            now.saturating_sub(self.since_ms) / 1000
        )
    }

    /// Expired, or held by a process of this host that is gone.
    fn stale(&self, now: u64) -> bool {
        self.expires_ms <= now || (self.host == fly_api::host_name() && !process_alive(self.pid))
    }
}

fn process_alive(pid: u32) -> bool {
    // Where /proc is missing, trust the expiry alone.
    !std::path::Path::new("/proc/self").exists()
        || std::path::Path::new(&format!("/proc/{pid}")).exists()
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

/// The lock as it stands; an unreadable value counts as no lock.
async fn read(client: &FlyClient, app: &str) -> Result<Option<Holder>, OpError> {
    let secret = client
        .get_secret_value(app, SECRET)
        .await
        .map_err(|e| OpError::api("read the tenant lock", e))?;
    Ok(secret
        .and_then(|s| s.value)
        .and_then(|v| serde_json::from_str(v.expose()).ok()))
}

async fn write(client: &FlyClient, app: &str, holder: &Holder) -> Result<(), OpError> {
    let text = serde_json::to_string(holder)
        .map_err(|e| OpError::failed(format!("encode the tenant lock: {e}")))?;
    client
        .set_secret(app, SECRET, &SecretValue::new(text))
        .await
        .map_err(|e| OpError::api("write the tenant lock", e))
}

/// A held tenant lock; [`TenantLock::release`] gives it back.
pub struct TenantLock {
    client: FlyClient,
    app: String,
    token: String,
    stop: watch::Sender<bool>,
    refresh: Option<JoinHandle<()>>,
    released: bool,
    /// Another run held the lock first: what it did since is to be looked at, not assumed.
    waited: bool,
}

/// Takes the tenant's lock for `operation`, waiting up to `wait` while another run holds it;
/// then fails with a conflict naming the holder.
pub async fn acquire(
    client: &FlyClient,
    app: &str,
    operation: &str,
    actor: &str,
    wait: Duration,
    note: Note<'_>,
) -> Result<TenantLock, OpError> {
    let token = format!("{:016x}", rand::random::<u64>());
    let started = tokio::time::Instant::now();
    // Whether another run held the lock at some point (this one waited, or lost a write
    // race), and whether the wait was reported.
    let mut waited = false;
    let mut told = false;
    loop {
        let now = now_ms();
        if let Some(other) = read(client, app).await?
            && other.token != token
            && !other.stale(now)
        {
            if started.elapsed() >= wait {
                return Err(OpError::conflict(format!(
                    "the tenant is locked by {}; the lock expires in {}s unless it is refreshed",
                    other.describe(now),
                    other.expires_ms.saturating_sub(now) / 1000
                ))
                .with_hint(
                    "wait for that run to finish, then run this one again; a lock whose holder \
                     died expires on its own within a minute",
                ));
            }
            waited = true;
            if !told {
                note(format!(
                    "waiting for the tenant lock, held by {}",
                    other.describe(now)
                ));
                told = true;
            }
            tokio::time::sleep(POLL).await;
            continue;
        }
        let mine = Holder {
            operation: operation.to_string(),
            actor: actor.to_string(),
            host: fly_api::host_name().to_string(),
            pid: std::process::id(),
            since_ms: now,
            expires_ms: now + ms(TTL),
            token: token.clone(),
        };
        let sent = tokio::time::Instant::now();
        write(client, app, &mine).await?;
        let settle = (sent.elapsed() * 3).clamp(SETTLE_MIN, SETTLE_MAX);
        tokio::time::sleep(settle).await;
        // The last writer holds it; a concurrent one sees that too and waits.
        if read(client, app).await?.is_some_and(|h| h.token == token) {
            let mut held = TenantLock::held(client, app, mine);
            held.waited = waited;
            return Ok(held);
        }
        waited = true;
    }
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl TenantLock {
    fn held(client: &FlyClient, app: &str, mine: Holder) -> TenantLock {
        let (stop, mut stopped) = watch::channel(false);
        let (c, a, mut holder) = (client.clone(), app.to_string(), mine.clone());
        let refresh = tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(REFRESH) => {}
                    _ = stopped.changed() => return,
                }
                // Only a lock that is still ours is extended.
                match read(&c, &a).await {
                    Ok(Some(h)) if h.token == holder.token => {}
                    _ => return,
                }
                holder.expires_ms = now_ms() + ms(TTL);
                if let Err(e) = write(&c, &a, &holder).await {
                    tracing::warn!(app = %a, error = %e, "could not refresh the tenant lock");
                }
            }
        });
        TenantLock {
            client: client.clone(),
            app: app.to_string(),
            token: mine.token,
            stop,
            refresh: Some(refresh),
            released: false,
            waited: false,
        }
    }

    /// True when another run held the lock before this one got it.
    pub fn waited(&self) -> bool {
        self.waited
    }

    /// Stops refreshing and deletes the lock, if it is still this run's.
    pub async fn release(mut self) -> Result<(), OpError> {
        self.released = true;
        let _ = self.stop.send(true);
        if let Some(task) = self.refresh.take() {
            let _ = task.await;
        }
        release(&self.client, &self.app, &self.token).await
    }
}

async fn release(client: &FlyClient, app: &str, token: &str) -> Result<(), OpError> {
    if read(client, app).await?.is_some_and(|h| h.token == token) {
        client
            .delete_secret(app, SECRET)
            .await
            .map_err(|e| OpError::api("release the tenant lock", e))?;
    }
    Ok(())
}

impl Drop for TenantLock {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        let _ = self.stop.send(true);
        // Dropped mid-work (Ctrl-C): give it back in the background; if that cannot finish,
        // the lock expires on its own.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let (client, app, token) = (self.client.clone(), self.app.clone(), self.token.clone());
            runtime.spawn(async move {
                if let Err(e) = release(&client, &app, &token).await {
                    tracing::warn!(app = %app, error = %e, "could not release the tenant lock");
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holder(host: &str, pid: u32, expires_ms: u64) -> Holder {
        Holder {
            operation: "provision".into(),
            actor: "octocat".into(),
            host: host.into(),
            pid,
            since_ms: 1_000,
            expires_ms,
            token: "t".into(),
        }
    }

    #[test]
    fn a_lock_is_stale_when_expired_or_its_process_on_this_host_is_gone() {
        let now = 10_000;
        let here = fly_api::host_name();
        assert!(
            !holder("elsewhere", 1, now + 1).stale(now),
            "live, other host"
        );
        assert!(holder("elsewhere", 1, now).stale(now), "expired");
        assert!(
            !holder(here, std::process::id(), now + 1).stale(now),
            "this process"
        );
        // Pids are below 2^22 on Linux: this one is not running.
        assert!(
            holder(here, u32::MAX - 7, now + 60_000).stale(now),
            "dead process"
        );
    }

    #[test]
    fn the_holder_is_described_for_a_person() {
        let text = holder("runner-7", 4242, 70_000).describe(13_000);
        assert_eq!(
            text,
            "`provision` by octocat (host runner-7, pid 4242) since 12s ago"
        );
    }
}
