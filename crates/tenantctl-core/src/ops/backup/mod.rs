//! Backups of a tenant's data to S3-compatible storage, and everything around them.
//!
//! ```text
//! take:     machine ── dump ── upload ── check ── manifest ── (stop) ── prune
//! restore:  plan ── machine ── download+restore ── health
//! ```
//!
//! The data never passes through the runner: the machine dumps its database and archives its
//! files, then uploads them itself with curl to presigned URLs the runner made (no storage
//! credential enters a machine). The runner checks every object, then writes the manifest
//! last. [`take`] backs up one tenant, [`fleet`] many; [`retention`] prunes; [`catalog`] lists
//! and verifies; [`restore`] puts a backup back, into the same tenant or another one.

pub mod catalog;
pub mod fleet;
pub mod manifest;
pub mod restore;
pub mod retention;
mod scripts;
pub mod take;

use std::future::Future;
use std::time::{Duration, Instant};

use fly_api::FlyClient;
use fly_api::types::ExecRequest;

use crate::config::{Backup, Config};
use crate::engine::{Reporter, StepEvent};
use crate::error::OpError;
use crate::resources;
use crate::storage::{PresignedUrl, Store, redact_urls};

pub use crate::fleet::Shard;
pub use catalog::{ListedBackup, VerifyReport, list, verify};
pub use fleet::{FleetReport, TenantOutcome, backup_fleet};
pub use manifest::{BackupId, Layout, Manifest, ManifestObject};
pub use restore::{RestorePlan, RestoreReport, plan_restore, restore};
pub use retention::{PruneReport, prune_fleet, prune_tenant};
pub use take::{BackupReport, FinalBackupTaker, take};

/// Everything a backup operation needs: the Fly client, the config with its `[backup]`, and
/// the store.
#[derive(Clone, Copy)]
pub struct BackupContext<'a> {
    pub client: &'a FlyClient,
    pub config: &'a Config,
    pub backup: &'a Backup,
    pub store: &'a Store,
    /// Written into manifests.
    pub tool_version: &'a str,
}

impl<'a> BackupContext<'a> {
    /// `None` when the config has no `[backup]`.
    pub fn new(
        client: &'a FlyClient,
        config: &'a Config,
        store: &'a Store,
        tool_version: &'a str,
    ) -> Option<BackupContext<'a>> {
        Some(BackupContext {
            client,
            config,
            backup: config.backup.as_ref()?,
            store,
            tool_version,
        })
    }

    pub fn layout(&self) -> Layout {
        Layout {
            prefix: self.backup.prefix.clone(),
        }
    }
}

/// Runs one operation's steps in order, reporting each as the engine's steps are reported.
pub(crate) struct Steps<'a> {
    reporter: &'a dyn Reporter,
    subject: String,
}

impl<'a> Steps<'a> {
    pub fn new(reporter: &'a dyn Reporter, subject: &str) -> Self {
        Steps {
            reporter,
            subject: subject.to_string(),
        }
    }

    /// Runs `work` as step `step`: its `Ok((value, detail))` is the step's result.
    pub async fn run<T>(
        &self,
        step: &'static str,
        title: impl Into<String>,
        work: impl Future<Output = Result<(T, String), OpError>>,
    ) -> Result<T, OpError> {
        let started = Instant::now();
        self.reporter.step(
            &self.subject,
            step,
            StepEvent::Started {
                title: title.into(),
            },
        );
        match work.await {
            Ok((value, detail)) => {
                self.reporter.step(
                    &self.subject,
                    step,
                    StepEvent::Done {
                        detail,
                        elapsed: started.elapsed(),
                    },
                );
                Ok(value)
            }
            Err(error) => {
                self.reporter.step(
                    &self.subject,
                    step,
                    StepEvent::Failed {
                        message: error.to_string(),
                        elapsed: started.elapsed(),
                    },
                );
                Err(error.at_step(step))
            }
        }
    }

    pub fn note(&self, step: &'static str) -> impl Fn(String) + Send + Sync + '_ {
        move |message| {
            self.reporter
                .step(&self.subject, step, StepEvent::Progress { message })
        }
    }

    pub fn finished(&self) {
        self.reporter.finished(&self.subject);
    }
}

/// Longest stderr shown from a script that failed.
const STDERR_TAIL_CHARS: usize = 1500;

/// What a script printed; kept even when it failed, to say how far it got.
pub(crate) struct ScriptOutput {
    pub stdout: String,
}

/// Runs `script` with `sh -c` in the machine, `stdin` on its stdin; a non-zero exit is an
/// error whose message is the end of its stderr (URLs removed) and a hint for the usual
/// causes. `Err` carries the stdout seen so far.
/// A script to run in a machine: what it is (for messages), its text, its stdin, and the
/// presigned URLs it was given (removed from whatever it prints).
pub(crate) struct Script<'a> {
    pub what: &'a str,
    pub text: String,
    pub stdin: Option<String>,
    pub urls: &'a [PresignedUrl],
}

pub(crate) async fn run_script(
    client: &FlyClient,
    app: &str,
    machine_id: &str,
    timeout: Duration,
    script: Script<'_>,
) -> Result<ScriptOutput, (OpError, String)> {
    let Script {
        what,
        text: script,
        stdin,
        urls,
    } = script;
    let mut request = ExecRequest::new(["sh".to_string(), "-c".to_string(), script]);
    request.stdin = stdin;
    request.timeout = Some(timeout.as_secs().max(1));
    let output = client.exec(app, machine_id, &request).await.map_err(|e| {
        (
            OpError::api(format!("run the {what} in machine {machine_id}"), e),
            String::new(),
        )
    })?;
    if output.exit_code == 0 {
        return Ok(ScriptOutput {
            stdout: output.stdout,
        });
    }
    let stderr = redact_urls(&output.stderr, urls);
    let stderr = resources::tail(stderr.trim(), STDERR_TAIL_CHARS);
    let shown = if stderr.is_empty() {
        "(no stderr)".to_string()
    } else {
        stderr.clone()
    };
    let mut error = OpError::failed(format!(
        "the {what} exited with code {} in machine {machine_id}; stderr:\n{shown}",
        output.exit_code
    ));
    if let Some(hint) = hint_for(output.exit_code, &stderr) {
        error = error.with_hint(hint);
    }
    Err((error, output.stdout))
}

fn hint_for(code: i32, stderr: &str) -> Option<&'static str> {
    let lower = stderr.to_ascii_lowercase();
    if lower.contains("no space left on device") || lower.contains("disk quota exceeded") {
        Some(
            "the machine's disk is full: the dump needs room in backup.scratch_dir; extend the volume (`upgrade`) or point scratch_dir at a disk with room",
        )
    } else if lower.contains("request has expired") || lower.contains("date is too old") {
        Some("the presigned URLs expired before the transfer ended; raise backup.url_expiry")
    } else if lower.contains("signaturedoesnotmatch")
        || lower.contains("invalidaccesskeyid")
        || lower.contains("invalid signature")
    {
        Some("storage refused the signature: check the credentials and backup.region")
    } else if lower.contains("nosuchbucket") {
        Some("the bucket does not exist: create it or fix backup.bucket")
    } else if code == scripts::MISSING_TOOL || lower.contains("not found") {
        Some(
            "a command is missing in the tenant's image: install it there, or fix the command in [backup.database]",
        )
    } else {
        None
    }
}

/// `1.5 MiB`-style sizes for people.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_size(12), "12 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(5 * 1024 * 1024), "5.0 MiB");
    }

    #[test]
    fn hints_name_the_usual_causes() {
        assert!(
            hint_for(1, "tar: write error: No space left on device")
                .unwrap()
                .contains("disk is full")
        );
        assert!(
            hint_for(127, "sh: drush: not found")
                .unwrap()
                .contains("missing")
        );
        assert!(hint_for(1, "storage answered HTTP 403: <Code>AccessDenied</Code><Message>Request has expired</Message>").unwrap().contains("url_expiry"));
        assert_eq!(hint_for(2, "boom"), None);
    }
}
