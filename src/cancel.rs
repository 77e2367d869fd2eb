//! Ctrl-C and SIGTERM (which GitHub Actions sends when a run is cancelled).
//!
//! The first signal cancels: the command in its frame stops at its next await point, the
//! frame releases every machine lease the process holds and closes the connection, and
//! tenantctl exits 130. A second signal exits at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::watch;

/// Exit status of a process stopped by a signal, as shells report SIGINT.
const INTERRUPTED_EXIT: i32 = 130;

/// How long a frame may take to clean up after a cancel before the process stops waiting.
pub const CLEANUP_BOUND: Duration = Duration::from_secs(4);

/// The process's cancellation state, shared by the Context and every frame.
#[derive(Clone)]
pub struct Cancel {
    fired: Arc<watch::Sender<bool>>,
    /// Frames running now: they clean up themselves, so the outer wait lets them.
    frames: Arc<AtomicUsize>,
}

impl Default for Cancel {
    fn default() -> Self {
        Cancel::new()
    }
}

impl Cancel {
    pub fn new() -> Cancel {
        Cancel {
            fired: Arc::new(watch::channel(false).0),
            frames: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Listens for SIGINT and SIGTERM on the current runtime.
    pub fn listen(&self) {
        let cancel = self.clone();
        tokio::spawn(async move {
            let Some(mut signals) = Signals::install() else {
                return;
            };
            let mut seen = 0u32;
            while signals.next().await {
                seen += 1;
                if seen > 1 {
                    // The user insists: no more cleanup.
                    std::process::exit(INTERRUPTED_EXIT);
                }
                cancel.cancel();
            }
        });
    }

    /// Cancels as a first signal would.
    pub fn cancel(&self) {
        self.fired.send_replace(true);
    }

    pub fn is_cancelled(&self) -> bool {
        *self.fired.borrow()
    }

    /// Resolves once cancelled.
    pub async fn cancelled(&self) {
        let mut rx = self.fired.subscribe();
        // An error means the sender is gone, which cannot happen while `self` holds it.
        let _ = rx.wait_for(|fired| *fired).await;
    }

    /// Resolves once cancelled and no frame is still cleaning up (or the cleanup bound has
    /// passed): the moment the whole command may be dropped.
    pub async fn abandoned(&self) {
        self.cancelled().await;
        let deadline = tokio::time::Instant::now() + CLEANUP_BOUND;
        while self.frames.load(Ordering::SeqCst) > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Marks a frame as running until the guard drops.
    pub fn enter_frame(&self) -> FrameGuard {
        self.frames.fetch_add(1, Ordering::SeqCst);
        FrameGuard {
            frames: self.frames.clone(),
        }
    }
}

pub struct FrameGuard {
    frames: Arc<AtomicUsize>,
}

impl Drop for FrameGuard {
    fn drop(&mut self) {
        self.frames.fetch_sub(1, Ordering::SeqCst);
    }
}

/// SIGINT and SIGTERM listeners, installed once so no signal between two waits is lost.
#[cfg(unix)]
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn install() -> Option<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Some(Signals {
            interrupt: signal(SignalKind::interrupt()).ok()?,
            terminate: signal(SignalKind::terminate()).ok()?,
        })
    }

    /// The next signal; false when no more can arrive.
    async fn next(&mut self) -> bool {
        tokio::select! {
            got = self.interrupt.recv() => got.is_some(),
            got = self.terminate.recv() => got.is_some(),
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn install() -> Option<Signals> {
        Some(Signals)
    }

    async fn next(&mut self) -> bool {
        tokio::signal::ctrl_c().await.is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn abandoned_waits_for_running_frames_up_to_the_bound() {
        let cancel = Cancel::new();
        let frame = cancel.enter_frame();
        cancel.cancel();
        assert!(cancel.is_cancelled());
        let started = tokio::time::Instant::now();
        let waiter = tokio::spawn({
            let cancel = cancel.clone();
            async move { cancel.abandoned().await }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(frame);
        waiter.await.expect("joins");
        assert!(started.elapsed() < CLEANUP_BOUND);

        // A frame that never ends is waited for only up to the bound.
        let _stuck = cancel.enter_frame();
        let started = tokio::time::Instant::now();
        cancel.abandoned().await;
        assert!(started.elapsed() >= CLEANUP_BOUND);
    }
}
