//! `tenantctl render`: print a tenant's fly.toml, or the Machines API config a fly.toml becomes.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use tenantctl_core::flytoml::{AppConfig, ConvertOptions, to_machine_config};
use tenantctl_core::template::{TenantRenderRequest, render_tenant};
use tenantctl_core::tenant::TenantId;

use crate::context::{Context, OutputFormat};
use crate::error::CliError;
use crate::output::{RenderDocument, RenderFileDocument, SCHEMA_VERSION};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tenant id to render the fly.toml for
    #[arg(required_unless_present = "file")]
    pub tenant: Option<String>,
    /// Tier whose template to render (asked for on a terminal when missing)
    #[arg(long, conflicts_with = "file")]
    pub tier: Option<String>,
    /// Region [default: `region` in tenantctl.toml]
    #[arg(long, conflicts_with = "file")]
    pub region: Option<String>,
    /// Image [default: `image` in tenantctl.toml; for --file, the fly.toml's own]
    #[arg(long)]
    pub image: Option<String>,
    /// Convert this fly.toml instead of rendering a template (`-` reads stdin)
    #[arg(
        long,
        value_name = "PATH",
        conflicts_with = "tenant",
        requires = "machine_config"
    )]
    pub file: Option<PathBuf>,
    /// Only this process group [default: all groups, as an object group → config]
    #[arg(long, value_name = "NAME", requires = "machine_config")]
    pub group: Option<String>,
    /// Print the Machines API machine config instead of fly.toml
    #[arg(long)]
    pub machine_config: bool,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    match (&args.file, &args.tenant) {
        (Some(file), _) => render_file(ctx, file, &args).await,
        (None, Some(tenant)) => render_for_tenant(ctx, tenant, &args),
        (None, None) => Err(CliError::usage("nothing to render")
            .with_hint("pass a tenant id, or --file PATH --machine-config")
            .into()),
    }
}

fn render_for_tenant(ctx: &Context, tenant: &str, args: &Args) -> anyhow::Result<()> {
    // A bad tenant id is reported before anything else is looked at.
    TenantId::parse(tenant)?;
    let config = ctx.config()?;
    let templates = ctx.templates()?;
    let tier = match &args.tier {
        Some(tier) => tier.clone(),
        None => {
            let names = config.tier_names();
            let hint = format!("pass --tier {}", names.join("|"));
            let chosen = ctx.prompter.select("tier", &names, &hint)?;
            names.get(chosen).cloned().unwrap_or_default()
        }
    };
    let rendered = render_tenant(
        config,
        templates,
        &TenantRenderRequest {
            tenant: tenant.to_string(),
            tier,
            region: args.region.clone(),
            image: args.image.clone(),
        },
    )?;
    let machine_configs = if args.machine_config {
        let path = PathBuf::from(format!("{}.fly.toml (rendered)", rendered.app));
        Some(machine_configs(
            ctx,
            &rendered.fly_toml,
            &path,
            args.group.as_deref(),
            Some(rendered.image.clone()),
        )?)
    } else {
        None
    };
    ctx.printer.status(
        "Rendered",
        &format!(
            "{} from template `{}` (templates {})",
            rendered.app, rendered.template, rendered.template_version
        ),
    );
    match ctx.output {
        OutputFormat::Json => ctx.printer.json(&RenderDocument {
            schema_version: SCHEMA_VERSION,
            kind: RenderDocument::KIND.to_string(),
            tenant: rendered.tenant.to_string(),
            app: rendered.app.to_string(),
            tier: rendered.tier,
            template: rendered.template,
            template_version: rendered.template_version,
            region: rendered.region,
            image: rendered.image,
            fly_toml: rendered.fly_toml,
            machine_configs,
        }),
        OutputFormat::Table => match machine_configs {
            Some(configs) => print_configs(ctx, configs, args.group.as_deref()),
            None => ctx.printer.result(&rendered.fly_toml),
        },
    }
    Ok(())
}

async fn render_file(ctx: &Context, file: &Path, args: &Args) -> anyhow::Result<()> {
    let text = read_source(file).await?;
    let configs = machine_configs(ctx, &text, file, args.group.as_deref(), args.image.clone())?;
    match ctx.output {
        OutputFormat::Json => ctx.printer.json(&RenderFileDocument {
            schema_version: SCHEMA_VERSION,
            kind: RenderFileDocument::KIND.to_string(),
            source: file.display().to_string(),
            machine_configs: configs,
        }),
        OutputFormat::Table => print_configs(ctx, configs, args.group.as_deref()),
    }
    Ok(())
}

/// One group's config when --group is given, else the object group → config.
fn print_configs(
    ctx: &Context,
    mut configs: BTreeMap<String, serde_json::Value>,
    group: Option<&str>,
) {
    match group.and_then(|g| configs.remove(g)) {
        Some(config) => ctx.printer.json(&config),
        None => ctx.printer.json(&configs),
    }
}

/// Reads a file, or stdin for `-`, off the async runtime so Ctrl-C still interrupts.
async fn read_source(file: &Path) -> anyhow::Result<String> {
    let path = file.to_path_buf();
    let read = tokio::task::spawn_blocking(move || {
        if path.as_os_str() == "-" {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).map(|_| text)
        } else {
            std::fs::read_to_string(&path)
        }
    })
    .await
    .context("reading the fly.toml")?;
    read.map_err(|e| {
        let shown = file.display();
        let error = if e.kind() == std::io::ErrorKind::NotFound {
            CliError::not_found(format!("cannot read {shown}: no such file"))
        } else {
            CliError::usage(format!("cannot read {shown}: {e}"))
        };
        error.with_hint("check the path given to --file").into()
    })
}

/// Machine configs per process group, via the fly.toml conversion.
fn machine_configs(
    ctx: &Context,
    text: &str,
    path: &Path,
    group: Option<&str>,
    image: Option<String>,
) -> anyhow::Result<BTreeMap<String, serde_json::Value>> {
    let app = AppConfig::parse(text, path)?;
    let groups = app.process_groups();
    let selected: Vec<String> = match group {
        Some(group) if groups.iter().any(|g| g == group) => vec![group.to_string()],
        Some(group) => {
            return Err(CliError::usage(format!(
                "{} has no process group `{group}`; it has: {}",
                path.display(),
                groups.join(", ")
            ))
            .with_hint("pass --group with one of those, or leave it out for all groups")
            .into());
        }
        None => groups,
    };
    // Refuse what `fly deploy` would refuse, with flyctl's reasons.
    let group_refs: Vec<&str> = selected.iter().map(String::as_str).collect();
    if let Err(problems) = app.validate_groups(&group_refs) {
        let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
        return Err(CliError::usage(format!(
            "{}: flyctl would refuse this fly.toml: {}",
            path.display(),
            problems.join("; ")
        ))
        .with_hint("fix the fly.toml; flyctl's fly.toml reference lists every key")
        .into());
    }
    for warning in app.validation_warnings() {
        ctx.printer.warn(&format!("{}: {warning}", path.display()));
    }
    // Like `fly deploy --image`: the flag, else the fly.toml's own `[build] image`.
    let image = image.or_else(|| {
        app.build
            .as_ref()
            .map(|b| b.image.clone())
            .filter(|i| !i.is_empty())
    });
    let options = ConvertOptions {
        image,
        ..ConvertOptions::default()
    };
    let mut configs = BTreeMap::new();
    for group in selected {
        let config = to_machine_config(&app, &group, &options)
            .with_context(|| format!("{}: process group `{group}`", path.display()))?;
        let value = serde_json::to_value(&config).context("encoding the machine config")?;
        configs.insert(group, value);
    }
    Ok(configs)
}
