//! Snapshots of several tenants, `concurrency` at a time; one tenant's failure never stops
//! the others.

use fly_api::FlyClient;
use futures::StreamExt;

use super::{SnapshotReport, take_snapshot};
use crate::config::Config;
use crate::engine::Reporter;
use crate::error::OpError;

/// Each tenant's snapshot or error, in tenant order.
pub async fn snapshot_fleet(
    client: &FlyClient,
    config: &Config,
    tenants: Vec<String>,
    concurrency: usize,
    reporter: &dyn Reporter,
) -> Vec<(String, Result<SnapshotReport, OpError>)> {
    let mut done: Vec<(String, Result<SnapshotReport, OpError>)> = futures::stream::iter(tenants)
        .map(|tenant| async move {
            let result = take_snapshot(client, config, &tenant, reporter).await;
            (tenant, result)
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    done.sort_by(|a, b| a.0.cmp(&b.0));
    done
}
