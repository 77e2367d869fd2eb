//! The command line: global options, the command enum, and the one dispatch `match`.
//!
//! Each command lives in its own module with an `Args` struct and
//! `pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()>`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::context::{Context, OutputFormat};
use crate::frame::Access;

pub mod apply;
pub mod audit;
pub mod backup;
pub mod completions;
pub mod deploy;
pub mod destroy;
pub mod list;
pub mod logs;
pub mod man;
pub mod plan;
pub mod provision;
pub mod render;
pub mod rollout;
pub mod select;
pub mod snapshot;
pub mod status;
pub mod upgrade;

/// Provision and operate per-tenant Fly.io apps.
///
/// Every tenant gets its own Fly app, machine and volume, rendered from per-tier fly.toml
/// templates. Results go to stdout, progress and errors to stderr.
#[derive(Debug, Parser)]
#[command(name = "tenantctl", version, propagate_version = true)]
#[command(
    after_help = "Exit codes: 0 ok, 1 failed, 2 usage or config, 3 not found, 4 conflict or locked, 130 interrupted."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Path to tenantctl.toml [default: found by walking up from the current directory]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Machines API base URL [default: https://api.machines.dev]
    #[arg(long, global = true, value_name = "URL")]
    pub api_url: Option<String>,

    /// Fly organization slug [default: `org` in tenantctl.toml]
    #[arg(long, global = true, value_name = "SLUG")]
    pub org: Option<String>,

    /// Format of results on stdout; json is the stable contract (docs/json.md)
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,

    /// More detail on stderr (-v info, -vv debug, -vvv trace)
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Only errors on stderr
    #[arg(long, short = 'q', global = true, action = clap::ArgAction::Count)]
    pub quiet: u8,

    /// Answer yes to confirmations (a destroy also needs --confirm <tenant>)
    #[arg(long, short = 'y', global = true)]
    pub yes: bool,

    /// Never prompt; fail with a hint instead
    #[arg(long, global = true)]
    pub no_input: bool,

    /// Run against the built-in local Machines API emulator
    #[arg(long, global = true, conflicts_with = "api_url")]
    pub local: bool,

    /// Show what would change without changing anything
    #[arg(long, global = true)]
    pub dry_run: bool,

    /// How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]
    #[arg(long, global = true, value_name = "DURATION")]
    pub retry_budget: Option<String>,

    /// operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "ROLE",
        hide_possible_values = true
    )]
    pub role: Option<crate::role::Role>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a tenant: app, volume, secrets, machine, certificates, then run hooks
    Provision(provision::Args),
    /// Re-render tenants' fly.toml from the current templates and roll it out
    Upgrade(upgrade::Args),
    /// Roll a new image out to tenants
    Deploy(deploy::Args),
    /// Show how the fleet differs from the fleet file (fleet.toml)
    Plan(plan::Args),
    /// Make the fleet what the fleet file says, in waves
    Apply(apply::Args),
    /// Back up tenants to S3-compatible storage; list, verify, restore, prune
    Backup(backup::Args),
    /// Take a Fly snapshot of a tenant's volume and wait until it is created
    Snapshot(snapshot::Args),
    /// Destroy a tenant's app, machines and volumes
    Destroy(destroy::Args),
    /// Show a tenant's logs
    Logs(logs::Args),
    /// Show the audit trail: who changed which tenant, when, and how it ended
    Audit(audit::Args),
    /// Show a tenant's app, machine, volume and health
    Status(status::Args),
    /// List tenants
    List(list::Args),
    /// Print a tenant's rendered fly.toml, or the machine config a fly.toml becomes
    Render(render::Args),
    /// Print a shell completion script
    Completions(completions::Args),
    /// Print the man page (roff)
    #[command(hide = true)]
    Man(man::Args),
}

impl Command {
    /// The command's name as typed.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Provision(_) => "provision",
            Command::Upgrade(_) => "upgrade",
            Command::Deploy(_) => "deploy",
            Command::Plan(_) => "plan",
            Command::Apply(_) => "apply",
            Command::Backup(_) => "backup",
            Command::Snapshot(_) => "snapshot",
            Command::Destroy(_) => "destroy",
            Command::Logs(_) => "logs",
            Command::Audit(_) => "audit",
            Command::Status(_) => "status",
            Command::List(_) => "list",
            Command::Render(_) => "render",
            Command::Completions(_) => "completions",
            Command::Man(_) => "man",
        }
    }
}

impl Command {
    /// What the command needs from the API: a `--dry-run` plan only reads.
    pub fn access(&self, dry_run: bool) -> Access {
        match self {
            Command::Provision(_)
            | Command::Upgrade(_)
            | Command::Deploy(_)
            | Command::Apply(_)
            | Command::Destroy(_)
            | Command::Snapshot(_)
                if dry_run =>
            {
                Access::Read
            }
            Command::Provision(_)
            | Command::Upgrade(_)
            | Command::Deploy(_)
            | Command::Apply(_)
            | Command::Snapshot(_)
            | Command::Destroy(_) => Access::Write,
            Command::Backup(args) => args.access(dry_run),
            Command::Logs(_)
            | Command::Audit(_)
            | Command::Plan(_)
            | Command::Status(_)
            | Command::List(_)
            | Command::Render(_)
            | Command::Completions(_)
            | Command::Man(_) => Access::Read,
        }
    }
}

/// Runs one command, after checking the role may run it. A command that may change tenants
/// (write access) leaves audit records, whatever its outcome (docs/audit.md).
pub async fn dispatch(ctx: &Context, command: Command) -> anyhow::Result<()> {
    let access = command.access(ctx.dry_run);
    let audited = (access == Access::Write).then(|| crate::audit::Invocation::of(&command));
    let result = run(ctx, access, command).await;
    if let Some(invocation) = audited {
        crate::audit::record(ctx, invocation, &result).await;
    }
    result
}

async fn run(ctx: &Context, access: Access, command: Command) -> anyhow::Result<()> {
    if access == Access::Write {
        ctx.role()?.allow(command.name(), access)?;
    }
    match command {
        Command::Provision(args) => provision::run(ctx, args).await,
        Command::Upgrade(args) => upgrade::run(ctx, args).await,
        Command::Deploy(args) => deploy::run(ctx, args).await,
        Command::Plan(args) => plan::run(ctx, args).await,
        Command::Apply(args) => apply::run(ctx, args).await,
        Command::Backup(args) => backup::run(ctx, args).await,
        Command::Snapshot(args) => snapshot::run(ctx, args).await,
        Command::Destroy(args) => destroy::run(ctx, args).await,
        Command::Logs(args) => logs::run(ctx, args).await,
        Command::Audit(args) => audit::run(ctx, args).await,
        Command::Status(args) => status::run(ctx, args).await,
        Command::List(args) => list::run(ctx, args).await,
        Command::Render(args) => render::run(ctx, args).await,
        Command::Completions(args) => completions::run(ctx, args).await,
        Command::Man(args) => man::run(ctx, args).await,
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn provision_takes_its_real_arguments() {
        let cli = Cli::parse_from([
            "tenantctl",
            "provision",
            "acme",
            "--tier",
            "pro",
            "--region",
            "fra",
            "--domain",
            "a.example",
            "--domain",
            "b.example",
            "--image",
            "img:2",
            "--yes",
        ]);
        let Command::Provision(args) = cli.command else {
            panic!("parsed as {:?}", cli.command);
        };
        assert_eq!(args.tenant, "acme");
        assert_eq!(args.tier.as_deref(), Some("pro"));
        assert_eq!(args.region.as_deref(), Some("fra"));
        assert_eq!(args.domains, ["a.example", "b.example"]);
        assert_eq!(args.image.as_deref(), Some("img:2"));
        assert!(cli.global.yes);
    }

    #[test]
    fn global_options_go_anywhere() {
        let cli = Cli::parse_from(["tenantctl", "status", "acme", "-o", "json", "-vv"]);
        assert_eq!(cli.global.output, OutputFormat::Json);
        assert_eq!(cli.global.verbose, 2);
    }
}
