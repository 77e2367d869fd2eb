//! `tenantctl deploy`: roll a new image out to tenants.

use tenantctl_core::tenant::TenantId;

use crate::context::Context;
use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tenant ids to deploy to
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub tenants: Vec<String>,
    /// Deploy to every tenant
    #[arg(long)]
    pub all: bool,
    /// Image to deploy [default: `image` in tenantctl.toml]
    #[arg(long)]
    pub image: Option<String>,
    /// Tenants deployed at the same time
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let _ = ctx;
    for tenant in &args.tenants {
        TenantId::parse(tenant)?;
    }
    Err(CliError::not_available("deploy").into())
}
