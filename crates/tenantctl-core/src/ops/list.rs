//! `list`: every tenant of the configured org, read-only.
//!
//! One `GET /v1/apps?org_slug=...`, then each tenant's details concurrently with a bound. Per
//! tenant at most three GETs (machines, volumes, certificates), sent together; the machines or
//! volumes call is skipped when the app listing says the app has none. One tenant that cannot be
//! read does not fail the listing: its entry carries the error.

use fly_api::FlyClient;
use futures::stream::{self, StreamExt};

use super::status::{Known, TenantStatus, fetch};
use crate::config::Config;
use crate::error::OpError;
use crate::tenant::{ID_PLACEHOLDER, TenantId};

/// Tenants fetched at once by default.
pub const DEFAULT_LIST_CONCURRENCY: usize = 64;

/// How to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListOptions {
    /// Tenants whose details are fetched at the same time (at least 1).
    pub concurrency: usize,
}

impl Default for ListOptions {
    fn default() -> Self {
        ListOptions {
            concurrency: DEFAULT_LIST_CONCURRENCY,
        }
    }
}

/// The tenant id inside `app`, if the app name follows `pattern` (e.g. `tenant-{id}`).
pub(crate) fn tenant_of(pattern: &str, app: &str) -> Option<TenantId> {
    let (prefix, suffix) = pattern.split_once(ID_PLACEHOLDER)?;
    let id = app.strip_prefix(prefix)?.strip_suffix(suffix)?;
    TenantId::parse(id).ok()
}

/// Lists the org's tenants, sorted by tenant id.
pub async fn list(
    client: &FlyClient,
    config: &Config,
    options: &ListOptions,
) -> Result<Vec<TenantStatus>, OpError> {
    let apps = client
        .list_apps(&config.org)
        .await
        .map_err(|e| OpError::api(format!("list the apps of org {}", config.org), e))?;
    let tenants: Vec<(String, String, Known)> = apps
        .into_iter()
        .filter_map(|app| {
            let tenant = tenant_of(&config.app_name_pattern, &app.name)?;
            let known = Known {
                no_machines: app.machine_count == Some(0),
                no_volumes: app.volume_count == Some(0),
            };
            Some((tenant.to_string(), app.name, known))
        })
        .collect();
    let mut statuses: Vec<TenantStatus> = stream::iter(tenants)
        .map(|(tenant, app, known)| async move {
            match fetch(client, config, &tenant, &app, known).await {
                Ok(status) => status,
                Err(error) => TenantStatus::failed(&tenant, &app, &error),
            }
        })
        .buffer_unordered(options.concurrency.max(1))
        .collect()
        .await;
    statuses.sort_by(|a, b| a.tenant.cmp(&b.tenant));
    Ok(statuses)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_ids_come_from_matching_app_names() {
        let id = |p: &str, a: &str| tenant_of(p, a).map(|t| t.to_string());
        assert_eq!(id("tenant-{id}", "tenant-acme"), Some("acme".into()));
        assert_eq!(id("tenant-{id}", "tenant-"), None);
        assert_eq!(id("tenant-{id}", "other-acme"), None);
        assert_eq!(id("{id}-prod", "acme-7-prod"), Some("acme-7".into()));
        assert_eq!(id("{id}-prod", "acme-7-staging"), None);
        assert_eq!(id("tenant-{id}", "tenant-Bad_Id"), None);
    }
}
