//! `tenantctl logs`: a tenant's log lines, optionally followed. Read-only.

use tenantctl_core::config::ConfigDuration;
use tenantctl_core::ops::{self, LogLine, LogsOptions};
use tenantctl_core::tenant::TenantId;

use crate::cli::status::target_suffix;
use crate::context::{Context, OutputFormat};
use crate::error::CliError;
use crate::frame::Access;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tenant id
    pub tenant: String,
    /// Keep printing new lines until Ctrl-C
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// Only lines newer than this, e.g. 10m or 2h
    #[arg(long, value_name = "DURATION")]
    pub since: Option<String>,
    /// Only lines from this region
    #[arg(long)]
    pub region: Option<String>,
    /// Only lines from this machine id
    #[arg(long, value_name = "ID")]
    pub machine: Option<String>,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    TenantId::parse(&args.tenant)?;
    let since = match &args.since {
        Some(text) => Some(
            ConfigDuration::parse(text)
                .map_err(|e| {
                    CliError::usage(format!("--since `{text}`: {e}"))
                        .with_hint("pass a duration such as 10m, 2h or 1h30m")
                })?
                .as_duration(),
        ),
        None => None,
    };
    let config = ctx.config()?;
    let mut options = LogsOptions::new(config, &args.tenant);
    options.since = since;
    options.region = args.region;
    options.machine = args.machine;
    options.follow = args.follow;

    // Under GitHub Actions a log line must never be taken for a workflow command.
    let stop_token = ctx.github_actions.then(stop_commands_token);
    if let Some(token) = &stop_token {
        ctx.printer.result(&format!("::stop-commands::{token}"));
    }
    let json = ctx.output == OutputFormat::Json;
    let printer = &ctx.printer;
    let mut emit = |line: &LogLine| {
        if json {
            match serde_json::to_string(line) {
                Ok(text) => printer.result(&text),
                Err(e) => printer.error(&format!("error: cannot encode a log line: {e}")),
            }
        } else {
            printer.result(&format!(
                "{} {} {} [{}] {}",
                line.timestamp, line.region, line.machine, line.level, line.message
            ));
        }
    };
    // Ctrl-C is how a follow ends: it is a success, not an interruption.
    let result = ctx
        .connected_until_cancel(Access::Read, async |connection| {
            ops::logs(&connection.client, &options, &mut emit)
                .await
                .map(drop)
                .map_err(|e| anyhow::Error::new(crate::error::from_op(&e, &target_suffix(ctx))))
        })
        .await;
    if let Some(token) = &stop_token {
        ctx.printer.result(&format!("::{token}::"));
    }
    result
}

/// A token no log line can guess: the time and process, hashed by the standard library.
fn stop_commands_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    hasher.write_u32(std::process::id());
    format!("tenantctl-logs-{:016x}", hasher.finish())
}
