//! `tenantctl backup`: back up a tenant's volume.

use tenantctl_core::tenant::TenantId;

use crate::context::Context;
use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tenant id
    pub tenant: String,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let _ = ctx;
    TenantId::parse(&args.tenant)?;
    Err(CliError::not_available("backup").into())
}
