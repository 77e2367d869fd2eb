//! What the fleet benches share: a client of the in-process flysim, and seeding a fleet of
//! tenants with `provision` against a zero-latency flysim on a state directory that a bench
//! then reopens with the profile it measures. Each bench uses the part it needs.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Instant;

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use fly_api::{ClientConfig, FlyClient, Token};
use flysim::RequestRecord;
use tenantctl_core::config::Config;
use tenantctl_core::engine::NullReporter;
use tenantctl_core::ops::{ProvisionOptions, provision};
use tenantctl_core::template::TemplateSet;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// Provisions run at once while seeding.
const SEED_CONCURRENCY: usize = 32;

/// A client with tenantctl's default retries and client-side rate limits.
pub fn client(base: &str, token: &str) -> Result<FlyClient> {
    let config = ClientConfig::new(Token::parse(token)?).with_base_url(base);
    Ok(FlyClient::new(config)?)
}

/// How to seed: tenant ids `t0000`, `t0001`, ... on one tier.
pub struct Seed<'a> {
    pub config: &'a Config,
    pub templates: &'a TemplateSet,
    pub tenants: usize,
    pub tier: &'a str,
    /// Give each tenant one domain, `<id>.example.com`.
    pub domains: bool,
}

/// The id of seeded tenant number `i`.
pub fn tenant_id(i: usize) -> String {
    format!("t{i:04}")
}

/// Provisions `seed.tenants` tenants against a zero-latency flysim whose state lives in
/// `state_dir`, then shuts it down; returns the seconds it took.
pub async fn seed(state_dir: &std::path::Path, seed: &Seed<'_>) -> Result<f64> {
    let started = Instant::now();
    let sim = flysim::spawn(flysim::Config::new(state_dir)).await?;
    let client = client(&sim.base_url(), &sim.org_token())?;
    let shared = Arc::new((
        client,
        seed.config.clone(),
        seed.templates.clone(),
        seed.tier.to_string(),
    ));
    let permits = Arc::new(Semaphore::new(SEED_CONCURRENCY));
    let mut tasks = JoinSet::new();
    for i in 0..seed.tenants {
        let shared = shared.clone();
        let permit = permits.clone().acquire_owned().await?;
        let domains = seed.domains;
        tasks.spawn(async move {
            let _permit = permit;
            let (client, config, templates, tier) = &*shared;
            let tenant = tenant_id(i);
            let mut options =
                ProvisionOptions::new(config, templates, &tenant, tier, "ams", "bench");
            if domains {
                options.domains = vec![format!("{tenant}.example.com")];
            }
            provision(client, &options, &NullReporter)
                .await
                .err()
                .map(|e| format!("{tenant}: {e}"))
        });
    }
    let mut failures = Vec::new();
    while let Some(done) = tasks.join_next().await {
        if let Some(failure) = done? {
            failures.push(failure);
        }
    }
    if let Some(first) = failures.first() {
        bail!(
            "{} tenants failed to provision, e.g. {first}",
            failures.len()
        );
    }
    sim.shutdown().await;
    Ok(started.elapsed().as_secs_f64())
}

/// The 429s in a request log, by the kind of call (method and path with ids replaced).
pub fn throttled(log: &[RequestRecord]) -> BTreeMap<String, usize> {
    let mut by_kind = BTreeMap::new();
    for record in log.iter().filter(|r| r.status == 429) {
        let shape: Vec<&str> = record
            .path
            .split('/')
            .enumerate()
            .map(|(i, seg)| match i {
                3 | 5 => "*",
                _ => seg,
            })
            .collect();
        *by_kind
            .entry(format!("{} {}", record.method, shape.join("/")))
            .or_default() += 1;
    }
    by_kind
}
