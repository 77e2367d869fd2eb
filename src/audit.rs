//! The audit trail at the edge: who runs (the GitHub actor and run, or the OS user), where the
//! records go (the local file, the backup bucket), and the one call [`crate::cli::dispatch`]
//! makes after every mutating command: [`record`].
//!
//! Which commands are recorded: those whose access is [`Access::Write`], i.e. every command
//! that may change tenants or the bucket; `--dry-run` plans only read and are not recorded.
//! One record per tenant the command reported through `ctx.audit` (the [`Recorder`]), else
//! one per tenant named on the command line, else one without a tenant.
//!
//! A record that cannot be written is a warning on stderr, after the command's own result or
//! error ([`print_notes`]): the command's exit code stands (docs/audit.md).
//!
//! [`Recorder`]: tenantctl_core::audit::Recorder

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use tenantctl_core::audit::{self, Actor, ActorSource, Outcome, RECORD_VERSION, Record};
use tenantctl_core::config::{Config, ConfigSource, DEFAULT_AUDIT_FILE};
use tenantctl_core::storage::{Store, redact_signatures};

use crate::cli::Command;
use crate::cli::backup::BackupCommand;
use crate::context::{Context, Env, resolve_actor, vars};
use crate::error::{CliError, Exit, classify};

/// Longest error text kept in a record.
const MAX_ERROR_CHARS: usize = 500;

/// What the environment says about the actor and the audit file.
#[derive(Debug, Clone)]
pub struct AuditEnv {
    pub actor: Actor,
    /// TENANTCTL_AUDIT_FILE, relative to the working directory.
    pub file: Option<PathBuf>,
}

impl AuditEnv {
    pub fn from_env(env: &Env) -> AuditEnv {
        let source = if env.get(vars::GITHUB_ACTOR).is_some() {
            ActorSource::Github
        } else if env.get(vars::USER).is_some() {
            ActorSource::User
        } else {
            ActorSource::Unknown
        };
        let run_url = match (
            env.get(vars::GITHUB_SERVER_URL),
            env.get(vars::GITHUB_REPOSITORY),
            env.get(vars::GITHUB_RUN_ID),
        ) {
            (Some(server), Some(repo), Some(run)) => Some(format!(
                "{}/{repo}/actions/runs/{run}",
                server.trim_end_matches('/')
            )),
            _ => None,
        };
        AuditEnv {
            actor: Actor {
                name: resolve_actor(env),
                source,
                run_url,
            },
            file: env.get(vars::AUDIT_FILE).map(|p| env.cwd.join(p)),
        }
    }
}

/// A mutating command as it was asked for, before it runs.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub command: String,
    /// The tenants named on the command line.
    pub tenants: Vec<String>,
    /// Whitelisted arguments: never a token, a URL or a confirmation.
    pub args: BTreeMap<String, String>,
    started: Instant,
}

impl Invocation {
    /// What `command` asks for, in the words a record keeps.
    pub fn of(command: &Command) -> Invocation {
        let mut args = Args::default();
        let (name, tenants): (&str, Vec<String>) = match command {
            Command::Provision(a) => {
                args.opt("tier", a.tier.as_deref());
                args.opt("region", a.region.as_deref());
                args.opt("image", a.image.as_deref());
                if !a.domains.is_empty() {
                    args.set("domains", a.domains.join(","));
                }
                ("provision", vec![a.tenant.clone()])
            }
            Command::Upgrade(a) => {
                args.opt("tier", a.tier.as_deref());
                args.opt("from_tier", a.from_tier.as_deref());
                args.flag("force_protected", a.force_protected);
                args.selection(&a.select);
                ("upgrade", named(&a.tenants, &a.select))
            }
            Command::Deploy(a) => {
                args.opt("image", a.image.as_deref());
                args.opt("tier_filter", a.tier.as_deref());
                args.selection(&a.select);
                ("deploy", named(&a.tenants, &a.select))
            }
            Command::Apply(a) => {
                args.opt(
                    "fleet",
                    a.fleet
                        .fleet
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .as_deref(),
                );
                args.opt("shard", a.fleet.shard.as_deref());
                args.flag("prune", a.prune);
                ("apply", Vec::new())
            }
            Command::Destroy(a) => {
                args.flag("force_protected", a.force_protected);
                args.flag("skip_final_backup", a.skip_final_backup);
                ("destroy", vec![a.tenant.clone()])
            }
            Command::Snapshot(a) => {
                args.opt("tier", a.tier.as_deref());
                args.selection(&a.select);
                ("snapshot", named(&a.tenants, &a.select))
            }
            Command::Backup(a) => match &a.command {
                None => {
                    args.opt("tier", a.tier.as_deref());
                    args.selection(&a.select);
                    ("backup", named(&a.tenants, &a.select))
                }
                Some(BackupCommand::List(l)) => ("backup list", vec![l.tenant.clone()]),
                Some(BackupCommand::Verify(v)) => {
                    args.opt("id", v.id.as_deref());
                    ("backup verify", vec![v.tenant.clone()])
                }
                Some(BackupCommand::Restore(r)) => {
                    args.opt("id", r.id.as_deref());
                    args.opt("from_snapshot", r.from_snapshot.as_deref());
                    let target = match &r.to_tenant {
                        Some(to) => {
                            args.set("from_tenant", r.tenant.clone());
                            to.clone()
                        }
                        None => r.tenant.clone(),
                    };
                    ("backup restore", vec![target])
                }
                Some(BackupCommand::Prune) => ("backup prune", Vec::new()),
            },
            other => (other.name(), Vec::new()),
        };
        Invocation {
            command: name.to_string(),
            tenants,
            args: args.0,
            started: Instant::now(),
        }
    }
}

/// Tenants named on the command line: positional ones and `--tenants`.
fn named(positional: &[String], select: &crate::cli::select::SelectArgs) -> Vec<String> {
    positional
        .iter()
        .chain(select.tenants.iter())
        .cloned()
        .collect()
}

#[derive(Default)]
struct Args(BTreeMap<String, String>);

impl Args {
    fn selection(&mut self, select: &crate::cli::select::SelectArgs) {
        self.flag("all", select.all);
        self.opt("shard", select.shard.as_deref());
        self.opt(
            "tenants_file",
            select
                .tenants_file
                .as_ref()
                .map(|p| p.display().to_string())
                .as_deref(),
        );
    }

    fn set(&mut self, key: &str, value: String) {
        self.0.insert(key.to_string(), value);
    }
    fn opt(&mut self, key: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.set(key, v.to_string());
        }
    }
    fn flag(&mut self, key: &str, on: bool) {
        if on {
            self.set(key, "true".to_string());
        }
    }
}

/// The audit file: TENANTCTL_AUDIT_FILE, else `[audit] file` (relative to tenantctl.toml),
/// else `.tenantctl/audit.jsonl` next to tenantctl.toml (the working directory for the
/// built-in local configuration).
pub fn file_path(ctx: &Context, config: &Config) -> PathBuf {
    if let Some(path) = &ctx.audit_env.file {
        return path.clone();
    }
    let base = match &config.source {
        ConfigSource::File(path) => path
            .parent()
            .map_or_else(|| ctx.cwd.clone(), std::path::Path::to_path_buf),
        ConfigSource::BuiltinLocal => ctx.cwd.clone(),
    };
    base.join(config.audit.file.as_deref().unwrap_or(DEFAULT_AUDIT_FILE))
}

/// The bucket sink, when `[backup]` names an endpoint and `[audit] bucket` is not false: the
/// store and the key prefix records go under.
pub fn bucket(ctx: &Context, config: &Config) -> Result<Option<(Store, String)>, CliError> {
    if !config.audit.bucket {
        return Ok(None);
    }
    let store = crate::storage::open_endpoint(&ctx.storage_env, config)?;
    let prefix = config
        .backup
        .as_ref()
        .map(|b| b.prefix.clone())
        .unwrap_or_default();
    Ok(store.map(|s| (s, prefix)))
}

/// Where a bucket's records are, for messages and the JSON document.
pub fn bucket_location(store: &Store, prefix: &str) -> String {
    format!("s3://{}/{prefix}{}", store.bucket(), audit::BUCKET_DIR)
}

/// Writes the records of one finished mutating command to every sink. Nothing here changes
/// the command's result: a sink that fails is a warning.
pub async fn record(ctx: &Context, invocation: Invocation, result: &anyhow::Result<()>) {
    let touched = ctx.audit.take();
    let Ok(config) = ctx.config() else {
        // Nothing was changed without a configuration; the command reports why it has none.
        tracing::debug!("no configuration, so no audit record");
        return;
    };
    // A cancel waits for the records as it waits for a frame's cleanup.
    let _frame = ctx.cancel.enter_frame();
    let records = records(ctx, &invocation, touched, result);
    let path = file_path(ctx, config);
    for record in &records {
        if let Err(e) = audit::file::append(&path, record) {
            ctx.audit.note(format!(
                "audit record not written to {}: {e}; the command's result stands",
                path.display()
            ));
            break;
        }
    }
    let (store, prefix) = match bucket(ctx, config) {
        Ok(Some(found)) => found,
        Ok(None) => return,
        Err(e) => {
            let hint = e
                .hint
                .as_deref()
                .map(|h| format!(" ({h})"))
                .unwrap_or_default();
            ctx.audit.note(format!(
                "audit record not written to the backup bucket: {e}{hint}; it is in {}; `[audit] bucket = false` keeps the trail local",
                path.display()
            ));
            return;
        }
    };
    for record in &records {
        if let Err(e) = audit::bucket::put(&store, &prefix, record).await {
            ctx.audit.note(format!(
                "audit record not written to {}: {}; it is in {}",
                bucket_location(&store, &prefix),
                e.reason(),
                path.display()
            ));
            break;
        }
    }
}

/// Warns about records that could not be written; called once the command's result or error
/// is out, so it does not come between the two.
pub fn print_notes(ctx: &Context) {
    for note in ctx.audit.take_notes() {
        ctx.printer.warn(&note);
    }
}

fn records(
    ctx: &Context,
    invocation: &Invocation,
    mut touched: Vec<audit::Touched>,
    result: &anyhow::Result<()>,
) -> Vec<Record> {
    let (outcome, exit, error) = match result {
        Ok(()) => (Outcome::Ok, Exit::Ok, None),
        Err(e) => {
            let (exit, _) = classify(e);
            let outcome = if exit == Exit::Interrupted {
                Outcome::Interrupted
            } else {
                Outcome::Failed
            };
            (outcome, exit, Some(error_text(&format!("{e:#}"))))
        }
    };
    if touched.is_empty() {
        touched = invocation
            .tenants
            .iter()
            .map(|t| audit::Touched {
                tenant: t.clone(),
                changes: Vec::new(),
                outcome: None,
                error: None,
            })
            .collect();
    }
    let now = time::OffsetDateTime::now_utc();
    let base = |tenant: Option<String>| Record {
        schema_version: RECORD_VERSION,
        id: Record::new_id(now),
        time: Record::format_time(now),
        actor: ctx.audit_env.actor.clone(),
        command: invocation.command.clone(),
        tenant,
        args: invocation.args.clone(),
        changes: Vec::new(),
        outcome,
        exit_code: exit.code(),
        error: error.clone(),
        duration_ms: u64::try_from(invocation.started.elapsed().as_millis()).unwrap_or(u64::MAX),
        version: env!("CARGO_PKG_VERSION").to_string(),
    };
    if touched.is_empty() {
        return vec![base(None)];
    }
    touched
        .into_iter()
        .map(|t| {
            let mut record = base(Some(t.tenant));
            record.changes = t.changes;
            match t.outcome {
                Some(Outcome::Ok) => {
                    record.outcome = Outcome::Ok;
                    record.exit_code = 0;
                    record.error = None;
                }
                Some(own) => {
                    record.outcome = own;
                    if record.exit_code == 0 {
                        record.exit_code = Exit::Failed.code();
                    }
                    record.error = t.error.as_deref().map(error_text).or(record.error);
                }
                None => {}
            }
            record
        })
        .collect()
}

/// An error as a record keeps it: one line, no signatures, bounded.
fn error_text(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let redacted = redact_signatures(&one_line);
    if redacted.chars().count() <= MAX_ERROR_CHARS {
        redacted
    } else {
        let mut cut: String = redacted.chars().take(MAX_ERROR_CHARS).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn invocation(args: &[&str]) -> Invocation {
        let cli = crate::cli::Cli::parse_from(args);
        Invocation::of(&cli.command)
    }

    #[test]
    fn arguments_are_whitelisted() {
        let i = invocation(&[
            "tenantctl",
            "destroy",
            "acme",
            "--confirm",
            "acme",
            "--skip-final-backup",
        ]);
        assert_eq!(i.command, "destroy");
        assert_eq!(i.tenants, ["acme"]);
        assert_eq!(
            i.args,
            BTreeMap::from([("skip_final_backup".to_string(), "true".to_string())])
        );
        let i = invocation(&[
            "tenantctl",
            "backup",
            "restore",
            "acme",
            "20260101T000000Z-abcd",
            "--to-tenant",
            "drill",
        ]);
        assert_eq!(i.command, "backup restore");
        assert_eq!(i.tenants, ["drill"]);
        assert_eq!(i.args["from_tenant"], "acme");
    }

    #[test]
    fn actor_and_run_url_come_from_github() {
        let env = Env::new(
            [
                ("GITHUB_ACTOR", "octocat"),
                ("USER", "runner"),
                ("GITHUB_SERVER_URL", "https://github.com/"),
                ("GITHUB_REPOSITORY", "o/r"),
                ("GITHUB_RUN_ID", "42"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string())),
            PathBuf::from("/w"),
            crate::context::Terminals::default(),
        );
        let a = AuditEnv::from_env(&env).actor;
        assert_eq!(a.name, "octocat");
        assert_eq!(a.source, ActorSource::Github);
        assert_eq!(
            a.run_url.as_deref(),
            Some("https://github.com/o/r/actions/runs/42")
        );
    }

    #[test]
    fn errors_are_one_redacted_line() {
        let text = error_text("put failed\n  caused by: https://x/y?X-Amz-Signature=abc123&z=1");
        assert!(!text.contains('\n'), "{text}");
        assert!(!text.contains("abc123"), "{text}");
    }
}
