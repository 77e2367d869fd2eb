//! `flysim serve`: run the emulator until SIGINT/SIGTERM.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use flysim::{Config, ObjectStoreConfig, Profile};

#[derive(Parser)]
#[command(
    name = "flysim",
    about = "A local emulator of the Fly.io Machines API",
    version
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve the Machines API until SIGINT/SIGTERM.
    Serve(ServeArgs),
}

#[derive(Args)]
struct ServeArgs {
    /// State directory (SQLite database, volumes, snapshots).
    #[arg(long)]
    state: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:4280")]
    listen: SocketAddr,
    /// TOML profile file (flags below override its values).
    #[arg(long)]
    profile: Option<PathBuf>,
    /// Start from the realistic preset instead of the zero-latency one.
    #[arg(long)]
    realistic: bool,
    #[arg(long)]
    latency_ms: Option<u64>,
    #[arg(long)]
    boot_ms: Option<u64>,
    #[arg(long)]
    cold_start_ms: Option<u64>,
    #[arg(long)]
    stop_ms: Option<u64>,
    #[arg(long)]
    checks_pass_after_ms: Option<u64>,
    #[arg(long)]
    cert_issue_after_ms: Option<u64>,
    #[arg(long)]
    autostop_idle_ms: Option<u64>,
    /// Enforce Fly's per-action rate limits.
    #[arg(long)]
    rate_limit: bool,
    #[arg(long)]
    seed: Option<u64>,
    /// Also serve an S3-compatible object store under /s3 (key flysim-local, secret
    /// flysim-local-secret, region local, bucket tenantctl-local).
    #[arg(long)]
    objects: bool,
}

fn profile_from(args: &ServeArgs) -> anyhow::Result<Profile> {
    let mut p = match &args.profile {
        Some(path) => Profile::load(path)?,
        None if args.realistic => Profile::realistic(),
        None => Profile::zero(),
    };
    let set = |dst: &mut u64, v: Option<u64>| {
        if let Some(v) = v {
            *dst = v;
        }
    };
    set(&mut p.latency_ms, args.latency_ms);
    set(&mut p.boot_ms, args.boot_ms);
    set(&mut p.cold_start_ms, args.cold_start_ms);
    set(&mut p.stop_ms, args.stop_ms);
    set(&mut p.checks_pass_after_ms, args.checks_pass_after_ms);
    set(&mut p.cert_issue_after_ms, args.cert_issue_after_ms);
    set(&mut p.autostop_idle_ms, args.autostop_idle_ms);
    set(&mut p.seed, args.seed);
    if args.rate_limit {
        p.rate_limit = true;
    }
    Ok(p)
}

async fn terminated() {
    #[cfg(unix)]
    {
        if let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[allow(clippy::print_stdout)]
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Cmd::Serve(args) => {
            let profile = profile_from(&args)?;
            let handle = flysim::spawn(Config {
                state_dir: args.state.clone(),
                listen: args.listen,
                profile,
                objects: args.objects.then(ObjectStoreConfig::local),
            })
            .await
            .with_context(|| format!("starting flysim with state dir {}", args.state.display()))?;
            // Printing the tokens is this command's job: callers read them from stdout.
            println!("base_url={}", handle.base_url());
            println!("org_token={}", handle.org_token());
            println!("readonly_token={}", handle.readonly_token());
            if let Some(url) = handle.objects_url() {
                let o = ObjectStoreConfig::local();
                // Path-style endpoint for S3 clients; the secret is the fixed local one.
                println!("s3_endpoint={url}");
                println!(
                    "s3_credentials=access_key_id={} secret_access_key={} region={} bucket={}",
                    o.access_key_id,
                    o.secret_access_key,
                    o.region,
                    o.buckets.join(",")
                );
            }
            std::io::stdout().flush()?;
            terminated().await;
            handle.shutdown().await;
        }
    }
    Ok(())
}
