//! `tenantctl completions <shell>`: print a completion script (the checked-in copies in
//! completions/ are generated the same way, and a test fails when they drift).

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::context::Context;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Shell to generate the script for
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The completion script for `shell`.
pub fn script(shell: Shell) -> String {
    let mut buffer = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "tenantctl", &mut buffer);
    String::from_utf8_lossy(&buffer).into_owned()
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<()> {
    ctx.printer.result(&script(args.shell));
    Ok(())
}
