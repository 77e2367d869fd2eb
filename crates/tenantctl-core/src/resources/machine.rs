//! The tenant's machine: finding it by its tenant metadata, creating it once, waiting for a
//! state, and changing it only while holding its lease.

use std::collections::BTreeMap;
use std::time::Duration;

use fly_api::types::machines::state;
use fly_api::types::{LaunchMachineInput, ListMachinesParams, Machine, RestartRequest, WaitParams};
use fly_api::{ApiError, FlyClient, LeaseGuard, LeaseOptions};

use super::{Note, create_once};
use crate::error::OpError;
use crate::metadata;

/// The tenant's active machine, found by its metadata (so an ambiguous create is found too).
pub async fn find(client: &FlyClient, app: &str, tenant: &str) -> Result<Option<Machine>, OpError> {
    let params = ListMachinesParams {
        metadata: BTreeMap::from([(metadata::TENANT.to_string(), tenant.to_string())]),
        ..ListMachinesParams::default()
    };
    let machines = client
        .list_machines(app, &params)
        .await
        .map_err(|e| OpError::api("list machines", e))?;
    Ok(machines.into_iter().find(Machine::is_active))
}

/// Creates the machine, once; `input.config.metadata` must carry the tenant key so an
/// unknown outcome can be looked up.
pub async fn create(
    client: &FlyClient,
    app: &str,
    input: &LaunchMachineInput,
    note: Note<'_>,
) -> Result<Machine, OpError> {
    let tenant = input
        .config
        .metadata
        .get(metadata::TENANT)
        .cloned()
        .unwrap_or_default();
    create_once(
        "create the machine",
        note,
        || client.create_machine(app, input),
        || find(client, app, &tenant),
        |e| OpError::api("create the machine", e),
    )
    .await
}

/// Waits until the machine is `started`.
pub async fn wait_started(
    client: &FlyClient,
    app: &str,
    id: &str,
    timeout: Duration,
    note: Note<'_>,
) -> Result<(), OpError> {
    note(format!("waiting for machine {id} to start"));
    let params = WaitParams::new(&[state::STARTED], timeout);
    client
        .wait_for_state(app, id, &params)
        .await
        .map_err(|e| match e {
            ApiError::WaitTimeout { .. } => OpError::failed(format!(
                "machine {id} did not reach `started` within {}s",
                timeout.as_secs()
            )),
            other => OpError::api(format!("wait for machine {id} to start"), other),
        })
}

/// Takes the machine's lease for `owner`'s work: held by someone else, it waits up to the
/// options' bound, then fails naming the holder and when the lease expires.
pub async fn lease(
    client: &FlyClient,
    app: &str,
    id: &str,
    options: &LeaseOptions,
) -> Result<LeaseGuard, OpError> {
    client.lease(app, id, options).await.map_err(|e| {
        if e.is_lease_held() || e.is_conflict() {
            OpError::conflict(format!("machine {id} is locked by another operation: {e}"))
                .with_hint("wait for the other operation to finish, then run this one again")
        } else {
            OpError::api(format!("take the lease of machine {id}"), e)
        }
    })
}

/// Runs `work` with the machine's lease held, passing it the nonce; the lease is released on
/// every path (a release that fails leaves it to expire after its short TTL).
pub async fn under_lease<T>(
    client: &FlyClient,
    app: &str,
    id: &str,
    options: &LeaseOptions,
    note: Note<'_>,
    work: impl AsyncFnOnce(&str) -> Result<T, OpError>,
) -> Result<T, OpError> {
    let guard = lease(client, app, id, options).await?;
    let result = work(guard.nonce()).await;
    if let Err(e) = guard.release().await {
        note(format!(
            "could not release the lease of machine {id} ({e}); it expires on its own"
        ));
    }
    result
}

/// Starts a stopped machine while holding its lease.
pub async fn start_under_lease(
    client: &FlyClient,
    app: &str,
    id: &str,
    options: &LeaseOptions,
    note: Note<'_>,
) -> Result<(), OpError> {
    under_lease(client, app, id, options, note, async |nonce| {
        client
            .start_machine(app, id, Some(nonce))
            .await
            .map(drop)
            .map_err(|e| OpError::api(format!("start machine {id}"), e))
    })
    .await
}

/// Restarts a running machine while holding its lease (a new boot: its checks start over).
pub async fn restart_under_lease(
    client: &FlyClient,
    app: &str,
    id: &str,
    options: &LeaseOptions,
    note: Note<'_>,
) -> Result<(), OpError> {
    under_lease(client, app, id, options, note, async |nonce| {
        client
            .restart_machine(app, id, &RestartRequest::default(), Some(nonce))
            .await
            .map_err(|e| OpError::api(format!("restart machine {id}"), e))
    })
    .await
}

/// Replaces the machine's config while holding its lease; with `wait_started`, the lease is
/// kept until the machine has started on the new config (or that time has passed).
pub async fn update_under_lease(
    client: &FlyClient,
    app: &str,
    id: &str,
    input: &LaunchMachineInput,
    options: &LeaseOptions,
    wait: Option<Duration>,
    note: Note<'_>,
) -> Result<Machine, OpError> {
    under_lease(client, app, id, options, note, async |nonce| {
        let updated = client
            .update_machine(app, id, input, Some(nonce))
            .await
            .map_err(|e| OpError::api(format!("update machine {id}"), e))?;
        if let Some(timeout) = wait {
            wait_started(client, app, id, timeout, note).await?;
        }
        Ok(updated)
    })
    .await
}
