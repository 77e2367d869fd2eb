//! `backup --all`: every tenant with backups, concurrently, each one's failure its own.
//!
//! Which tenants run is the caller's choice (see [`crate::fleet::Selection`]).

use futures::StreamExt;
use serde::Serialize;

use super::BackupContext;
use super::take::{BackupReport, take};
use crate::engine::Reporter;
use crate::error::ErrorClass;

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
