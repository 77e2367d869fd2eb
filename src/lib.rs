//! The tenantctl command line. `main.rs` only calls [`main`]; tests and benches can call
//! [`run`] with their own arguments and environment.

pub mod audit;
pub mod cancel;
pub mod cli;
pub mod context;
pub mod error;
pub mod frame;
pub mod output;
pub mod role;
pub mod storage;
pub mod ui;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use crate::cli::Cli;
use crate::context::{Context, Env, OutputFormat};
use crate::error::{CliError, Exit};
use crate::ui::printer::{Printer, Verbosity};

/// Entry point of the `tenantctl` binary.
pub fn main() -> ExitCode {
    let env = Env::from_process();
    run(std::env::args_os(), &env).into()
}

/// Parses `args`, runs the command, reports any error, and returns the exit code.
pub fn run(args: impl IntoIterator<Item = OsString>, env: &Env) -> Exit {
    let args: Vec<OsString> = args.into_iter().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(error) => return report_usage(&error, &args, env),
    };
    let ctx = Context::resolve(&cli.global, env);
    init_tracing(&ctx, env);
    tracing::debug!(command = cli.command.name(), api_url = %ctx.api_url, "resolved context");

    // Two workers: the local emulator serves requests while a command awaits them.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let error = anyhow::Error::new(e).context("cannot start the async runtime");
            return error::report(&ctx.printer, ctx.output, ctx.github_actions, &error);
        }
    };
    let result = runtime.block_on(async {
        ctx.cancel.listen();
        tokio::select! {
            // A command that finished with its frame wins over the cancel it handled.
            biased;
            result = cli::dispatch(&ctx, cli.command) => result,
            // A command inside its frame cleans up and returns by itself; one waiting at a
            // prompt, or a frame that cannot finish its cleanup, is dropped here.
            () = ctx.cancel.abandoned() => Err(CliError::interrupted().into()),
        }
    });
    // A blocking read (stdin) may still be running after Ctrl-C; do not wait for it.
    runtime.shutdown_background();
    let exit = match result {
        Ok(()) => Exit::Ok,
        Err(error) => error::report(&ctx.printer, ctx.output, ctx.github_actions, &error),
    };
    audit::print_notes(&ctx);
    exit
}

/// clap's own errors: help and version go to stdout with 0; usage errors exit 2, as a JSON
/// object on stdout when JSON output was asked for.
fn report_usage(error: &clap::Error, args: &[OsString], env: &Env) -> Exit {
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        let _ = error.print();
        return Exit::Ok;
    }
    let printer = Printer::new(Verbosity::Normal, context::resolve_color(env));
    if wants_json(args) {
        let rendered = error.render().to_string();
        let message = rendered
            .lines()
            .next()
            .unwrap_or_default()
            .trim_start_matches("error: ")
            .to_string();
        let error = anyhow::Error::new(
            CliError::usage(message).with_hint("run `tenantctl --help` for usage"),
        );
        return error::report(&printer, OutputFormat::Json, false, &error);
    }
    let _ = error.print();
    Exit::Usage
}

/// Whether the arguments ask for JSON output, looked for without a successful parse.
fn wants_json(args: &[OsString]) -> bool {
    let args: Vec<&str> = args.iter().filter_map(|a| a.to_str()).collect();
    args.windows(2)
        .any(|w| matches!(w[0], "--output" | "-o") && w[1] == "json")
        || args
            .iter()
            .any(|a| matches!(*a, "--output=json" | "-ojson" | "-o=json"))
}

fn init_tracing(ctx: &Context, env: &Env) {
    let filter = context::resolve_log_filter(env, ctx.printer.verbosity());
    let filter = tracing_subscriber::EnvFilter::try_new(&filter).unwrap_or_else(|e| {
        ctx.printer
            .warn(&format!("ignoring TENANTCTL_LOG `{filter}`: {e}"));
        tracing_subscriber::EnvFilter::new("warn")
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ctx.printer.color())
        .with_target(true)
        .without_time()
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn finds_json_without_parsing() {
        assert!(wants_json(&os(&["tenantctl", "--output", "json", "bogus"])));
        assert!(wants_json(&os(&["tenantctl", "bogus", "-o", "json"])));
        assert!(wants_json(&os(&["tenantctl", "--output=json"])));
        assert!(!wants_json(&os(&["tenantctl", "render", "json"])));
        assert!(!wants_json(&os(&["tenantctl", "-o", "table"])));
    }
}
