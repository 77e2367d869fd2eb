//! `tenantctl destroy`: remove a tenant's app, machines and volumes.

use tenantctl_core::tenant::TenantId;

use crate::context::Context;
use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tenant id; asked to be typed again unless --yes is given
    pub tenant: String,
    /// Also destroy a tenant whose tier is protected
    #[arg(long)]
    pub force_protected: bool,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let _ = ctx;
    TenantId::parse(&args.tenant)?;
    Err(CliError::not_available("destroy").into())
}
