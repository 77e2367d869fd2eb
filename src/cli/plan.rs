//! `tenantctl plan`: the fleet file against the live fleet, tenant by tenant. Read-only.
//!
//! With `--detailed-exitcode` the exit code says whether anything would change, as
//! Terraform's does: 0 no changes, 2 changes (drift), 1 error.

use std::path::PathBuf;

use serde::Serialize;
use tenantctl_core::fleet::{self, FleetFile, FleetPlan, Shard, TenantPlan, file};
use tenantctl_core::ops::{self, TenantStatus};

use crate::cli::backup::op_error;
use crate::context::{Context, OutputFormat};
use crate::error::{CliError, Exit, from_op};
use crate::frame::{Access, Connection};
use crate::output::SCHEMA_VERSION;

/// Where the fleet file is and which part of it to work on; shared by `plan` and `apply`.
#[derive(Debug, Clone, clap::Args)]
pub struct FleetArgs {
    /// The fleet file or folder [default: fleet.toml, else fleet/, beside tenantctl.toml]
    #[arg(long, value_name = "PATH")]
    pub fleet: Option<PathBuf>,
    /// Only shard i of n (e.g. 2/4) of the file's tenants
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub fleet: FleetArgs,
    /// Exit 0 when nothing would change, 2 when something would, 1 on error
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Also write the plan as Markdown to this file (for a pull request comment)
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
}

/// Where tenantctl.toml is (the working directory for the built-in local config): the fleet
/// file is looked for beside it.
fn config_dir(config: &tenantctl_core::config::Config) -> PathBuf {
    match &config.source {
        tenantctl_core::config::ConfigSource::File(p) => {
            p.parent().map(PathBuf::from).unwrap_or_default()
        }
        tenantctl_core::config::ConfigSource::BuiltinLocal => PathBuf::from("."),
    }
}

/// The fleet file beside tenantctl.toml when there is one (`backup --all` takes each
/// tenant's `backups` from it); a file that is there but does not validate is an error.
pub fn load_if_present(ctx: &Context) -> anyhow::Result<Option<FleetFile>> {
    let Some(path) = file::default_path(&config_dir(ctx.config()?)) else {
        return Ok(None);
    };
    let args = FleetArgs {
        fleet: Some(path),
        shard: None,
    };
    load_file(ctx, &args).map(|(loaded, _)| Some(loaded))
}

/// The fleet file, validated, before anything is read from the API.
pub fn load_file(ctx: &Context, args: &FleetArgs) -> anyhow::Result<(FleetFile, Option<Shard>)> {
    let config = ctx.config()?;
    let templates = ctx.templates()?;
    let shard = args
        .shard
        .as_deref()
        .map(Shard::parse)
        .transpose()
        .map_err(|e| from_op(&e, ""))?;
    let path = match &args.fleet {
        Some(path) => path.clone(),
        None => file::default_path(&config_dir(config)).ok_or_else(|| {
            CliError::not_found(format!(
                "no fleet file: neither fleet.toml nor fleet/ is beside {}",
                config.source
            ))
            .with_hint("write one (docs/fleet.md) or pass --fleet PATH")
        })?,
    };
    let mut loaded = file::load(&path, config, templates).map_err(|e| from_op(&e, ""))?;
    if let Some(shard) = shard {
        loaded.tenants.retain(|t| shard.contains(&t.tenant));
    }
    Ok((loaded, shard))
}

/// The live fleet (narrowed to the shard) and the plan against it.
pub async fn live_plan(
    ctx: &Context,
    connection: &Connection,
    loaded: &FleetFile,
    shard: Option<Shard>,
) -> anyhow::Result<(Vec<TenantStatus>, FleetPlan)> {
    let config = ctx.config()?;
    let templates = ctx.templates()?;
    let mut live = ops::list(&connection.client, config, &ops::ListOptions::default())
        .await
        .map_err(op_error(ctx))?;
    if let Some(shard) = shard {
        live.retain(|t| shard.contains(&t.tenant));
    }
    if let Some(broken) = live.iter().find(|t| t.error.is_some()) {
        return Err(CliError::new(
            Exit::Failed,
            format!(
                "tenant `{}` could not be read: {}",
                broken.tenant,
                broken.error.clone().unwrap_or_default()
            ),
        )
        .with_hint("a plan needs every tenant's state; run it again")
        .into());
    }
    let plan = fleet::plan(loaded, &live, &templates.version());
    Ok((live, plan))
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let detailed = args.detailed_exitcode;
    let result = plan(ctx, args).await;
    match result {
        // As Terraform's: 2 means "changes", so every error is 1.
        Err(e) if detailed && !is_drift(&e) => {
            let (_, hint) = crate::error::classify(&e);
            let result_printed = e
                .downcast_ref::<CliError>()
                .is_some_and(|c| c.result_printed);
            let mut error = CliError::new(Exit::Failed, format!("{e:#}"));
            error.hint = hint;
            error.result_printed = result_printed;
            Err(error.into())
        }
        other => other,
    }
}

const DRIFT: &str = "the fleet differs from the fleet file (--detailed-exitcode)";

fn is_drift(e: &anyhow::Error) -> bool {
    e.downcast_ref::<CliError>()
        .is_some_and(|c| c.message == DRIFT)
}

async fn plan(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let (loaded, shard) = load_file(ctx, &args.fleet)?;
    let plan = ctx
        .connected(Access::Read, async |connection| {
            live_plan(ctx, connection, &loaded, shard)
                .await
                .map(|(_, plan)| plan)
        })
        .await?;
    ctx.printer.status(
        if plan.has_changes() {
            "Plan"
        } else {
            "No changes"
        },
        &counts(&plan),
    );
    print(ctx, &loaded, &plan);
    let markdown = markdown(&loaded, &plan);
    ctx.append_step_summary(&markdown);
    if let Some(path) = &args.markdown {
        std::fs::write(path, &markdown).map_err(|e| {
            CliError::new(
                Exit::Failed,
                format!("cannot write the plan to {}: {e}", path.display()),
            )
        })?;
    }
    ctx.set_step_outputs(&[(
        "has_changes",
        if plan.has_changes() { "true" } else { "false" },
    )]);
    if args.detailed_exitcode && plan.has_changes() {
        return Err(CliError::new(Exit::Usage, DRIFT)
            .with_hint("`tenantctl apply` makes the changes listed above")
            .after_result()
            .into());
    }
    Ok(())
}

/// "1 to create, 2 to upgrade, ..." for the status line.
pub fn counts(plan: &FleetPlan) -> String {
    format!(
        "{} to create, {} to upgrade, {} to deploy, {} with domain changes, {} not in the file, {} unchanged",
        plan.creates,
        plan.upgrades,
        plan.deploys,
        plan.domain_changes,
        plan.unmanaged,
        plan.unchanged
    )
}

/// `--output json` of `plan`: kind `fleet_plan` (docs/json.md).
#[derive(Serialize)]
struct PlanDocument<'a> {
    schema_version: u32,
    kind: &'static str,
    fleet_file: &'a str,
    has_changes: bool,
    #[serde(flatten)]
    plan: &'a FleetPlan,
}

pub fn print(ctx: &Context, loaded: &FleetFile, plan: &FleetPlan) {
    match ctx.output {
        OutputFormat::Json => ctx.printer.json(&PlanDocument {
            schema_version: SCHEMA_VERSION,
            kind: "fleet_plan",
            fleet_file: &loaded.path,
            has_changes: plan.has_changes(),
            plan,
        }),
        OutputFormat::Table => {
            let rows: Vec<Vec<String>> = plan.tenants.iter().flat_map(rows).collect();
            if !rows.is_empty() {
                ctx.print_table(&["tenant", "change", "detail"], &rows);
            }
        }
    }
}

/// A tenant's rows: one per change and per warning; none when it is as the file says.
fn rows(tenant: &TenantPlan) -> Vec<Vec<String>> {
    let changes = tenant
        .changes
        .iter()
        .map(|c| vec![tenant.tenant.clone(), c.name().to_string(), c.describe()]);
    let warnings = tenant
        .warnings
        .iter()
        .map(|w| vec![tenant.tenant.clone(), "warning".to_string(), w.clone()]);
    changes.chain(warnings).collect()
}

fn markdown(loaded: &FleetFile, plan: &FleetPlan) -> String {
    let mut md = format!(
        "### tenantctl plan ({})\n\n{}\n\n",
        loaded.path,
        counts(plan)
    );
    let rows: Vec<Vec<String>> = plan.tenants.iter().flat_map(rows).collect();
    if rows.is_empty() {
        md.push_str("The fleet is as the file says.\n");
        return md;
    }
    md.push_str("| Tenant | Change | Detail |\n|---|---|---|\n");
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| c.replace('|', "\\|")).collect();
        md.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    md
}
