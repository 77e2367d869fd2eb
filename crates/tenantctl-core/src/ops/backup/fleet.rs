//! `backup --all`: every tenant with backups, concurrently, each one's failure its own.
//!
//! Shards (`--shard i/n`) split the fleet across runners, e.g. a GitHub Actions matrix: a
//! tenant's shard comes from a hash of its id alone, so every tenant is in exactly one shard
//! and stays there as the fleet grows.

use futures::StreamExt;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::BackupContext;
use super::take::{BackupReport, take};
use crate::engine::Reporter;
use crate::error::{ErrorClass, OpError};

/// Shard `index` of `count` (1-based, as people count matrix jobs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Parses `i/n` with 1 <= i <= n.
    pub fn parse(text: &str) -> Result<Shard, OpError> {
        let bad = || {
            OpError::invalid(format!(
                "`{}` is not a shard: write i/n with 1 <= i <= n, e.g. 2/4",
                text.escape_debug()
            ))
        };
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    pub fn contains(&self, tenant: &str) -> bool {
        let digest = Sha256::digest(tenant.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first) % u64::from(self.count) == u64::from(self.index - 1)
    }
}

/// How one tenant's backup ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantOutcome {
    pub tenant: String,
    /// `ok` or `failed`.
    pub status: &'static str,
    pub backup: Option<BackupReport>,
    pub error: Option<String>,
    pub error_class: Option<ErrorClass>,
}

/// Every tenant's outcome, in tenant order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FleetReport {
    pub tenants: Vec<TenantOutcome>,
    pub ok: usize,
    pub failed: usize,
    pub total_bytes: u64,
}

/// Backs up `tenants`, `concurrency` at a time; one failing tenant never stops the others.
pub async fn backup_fleet(
    ctx: &BackupContext<'_>,
    tenants: Vec<String>,
    concurrency: usize,
    reporter: &dyn Reporter,
) -> FleetReport {
    let mut outcomes: Vec<TenantOutcome> = futures::stream::iter(tenants)
        .map(|tenant| async move {
            match take(ctx, &tenant, reporter).await {
                Ok(report) => TenantOutcome {
                    tenant,
                    status: "ok",
                    backup: Some(report),
                    error: None,
                    error_class: None,
                },
                Err(e) => TenantOutcome {
                    tenant,
                    status: "failed",
                    backup: None,
                    error: Some(e.to_string()),
                    error_class: Some(e.class()),
                },
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    outcomes.sort_by(|a, b| a.tenant.cmp(&b.tenant));
    let ok = outcomes.iter().filter(|o| o.backup.is_some()).count();
    let total_bytes = outcomes
        .iter()
        .filter_map(|o| o.backup.as_ref())
        .map(|b| b.total_bytes)
        .sum();
    FleetReport {
        failed: outcomes.len() - ok,
        ok,
        total_bytes,
        tenants: outcomes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_tenant_exactly_once() {
        let tenants: Vec<String> = (0..500).map(|i| format!("t{i}")).collect();
        for count in 1..=7 {
            for t in &tenants {
                let hits = (1..=count)
                    .filter(|&i| Shard { index: i, count }.contains(t))
                    .count();
                assert_eq!(hits, 1, "{t} in {count} shards");
            }
        }
    }

    #[test]
    fn bad_shards_are_refused() {
        for bad in ["", "1", "0/3", "4/3", "a/b", "1/0"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Shard::parse("2/4").unwrap(), Shard { index: 2, count: 4 });
    }
}
