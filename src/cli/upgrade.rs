//! `tenantctl upgrade`: re-render tenants from the current templates and roll the change out.

use tenantctl_core::tenant::TenantId;

use crate::context::Context;
use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tenant ids to upgrade
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub tenants: Vec<String>,
    /// Upgrade every tenant
    #[arg(long)]
    pub all: bool,
    /// Move the tenants to this tier
    #[arg(long)]
    pub tier: Option<String>,
    /// Tenants upgraded at the same time
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let _ = ctx;
    for tenant in &args.tenants {
        TenantId::parse(tenant)?;
    }
    Err(CliError::not_available("upgrade").into())
}
