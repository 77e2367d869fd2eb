//! `tenantctl list`: list the org's tenants. Read-only.

use tenantctl_core::ops::{self, ListOptions};

use crate::cli::status::{HEADERS, row};
use crate::context::{Context, OutputFormat};
use crate::frame::Access;
use crate::output::{ListDocument, SCHEMA_VERSION, TenantDocument};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only tenants on this tier
    #[arg(long)]
    pub tier: Option<String>,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let config = ctx.config()?;
    if let Some(tier) = &args.tier {
        // A typo would otherwise look like an empty fleet.
        config.tier(tier)?;
    }
    let mut tenants = ctx
        .connected(Access::Read, async |connection| {
            Ok(ops::list(&connection.client, config, &ListOptions::default()).await?)
        })
        .await?;
    if let Some(tier) = &args.tier {
        // An unreadable tenant's tier is unknown; it stays so its error is not hidden.
        tenants.retain(|t| t.error.is_some() || t.tier.as_deref() == Some(tier.as_str()));
    }
    print(ctx, &tenants)
}

/// Tenants as `list` prints them; `status` of several tenants prints the same.
pub(crate) fn print(
    ctx: &Context,
    tenants: &[tenantctl_core::ops::TenantStatus],
) -> anyhow::Result<()> {
    let config = ctx.config()?;
    for tenant in tenants {
        if let Some(error) = &tenant.error {
            ctx.printer.warn(&format!(
                "tenant `{}`: cannot read its details: {error}",
                tenant.tenant
            ));
        }
    }
    ctx.printer.status(
        "Listed",
        &format!(
            "{} tenant{} in org `{}`",
            tenants.len(),
            if tenants.len() == 1 { "" } else { "s" },
            config.org
        ),
    );
    match ctx.output {
        OutputFormat::Json => ctx.printer.json(&ListDocument {
            schema_version: SCHEMA_VERSION,
            kind: ListDocument::KIND.to_string(),
            org: config.org.clone(),
            tenants: tenants.iter().map(TenantDocument::from).collect(),
        }),
        OutputFormat::Table => {
            let rows: Vec<Vec<String>> = tenants.iter().map(row).collect();
            ctx.print_table(HEADERS, &rows);
        }
    }
    Ok(())
}
