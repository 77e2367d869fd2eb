//! `tenantctl logs`: show a tenant's logs.

use tenantctl_core::tenant::TenantId;

use crate::context::Context;
use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tenant id
    pub tenant: String,
    /// Keep streaming new lines
    #[arg(long, short = 'f')]
    pub follow: bool,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let _ = ctx;
    TenantId::parse(&args.tenant)?;
    Err(CliError::not_available("logs").into())
}
