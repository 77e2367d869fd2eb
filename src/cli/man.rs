//! `tenantctl man`: print the man page, generated from the same command definition as the
//! help and the completions (the checked-in completions/tenantctl.1 is generated the same
//! way, and a test fails when it drifts). Hidden: it is for packagers.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::context::Context;

#[derive(Debug, clap::Args)]
pub struct Args {}

/// tenantctl(1) as roff.
pub fn page() -> anyhow::Result<String> {
    let mut buffer = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut buffer)?;
    Ok(String::from_utf8_lossy(&buffer).into_owned())
}

pub async fn run(ctx: &Context, _args: Args) -> anyhow::Result<()> {
    ctx.printer.result(&page()?);
    Ok(())
}
