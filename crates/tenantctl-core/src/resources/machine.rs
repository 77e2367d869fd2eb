//! The tenant's machine: finding it by its tenant metadata, creating it once, waiting for a
//! state, and changing it only while holding its lease.

use std::collections::BTreeMap;
use std::time::Duration;

use fly_api::types::machines::state;
use fly_api::types::{LaunchMachineInput, ListMachinesParams, Machine, WaitParams};
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

/// Releases a lease; a release that fails leaves the lease to expire after its short TTL.
async fn release(guard: LeaseGuard, note: Note<'_>) {
    let id = guard.machine_id().to_string();
    if let Err(e) = guard.release().await {
        note(format!(
            "could not release the lease of machine {id} ({e}); it expires on its own"
        ));
    }
}

/// Starts a stopped machine while holding its lease; the lease is released on every path.
pub async fn start_under_lease(
    client: &FlyClient,
    app: &str,
    id: &str,
    options: &LeaseOptions,
    note: Note<'_>,
) -> Result<(), OpError> {
    let guard = lease(client, app, id, options).await?;
    let started = client.start_machine(app, id, Some(guard.nonce())).await;
    release(guard, note).await;
    started
        .map(drop)
        .map_err(|e| OpError::api(format!("start machine {id}"), e))
}

/// Replaces the machine's config while holding its lease; the lease is released on every path.
pub async fn update_under_lease(
    client: &FlyClient,
    app: &str,
    id: &str,
    input: &LaunchMachineInput,
    options: &LeaseOptions,
    note: Note<'_>,
) -> Result<Machine, OpError> {
    let guard = lease(client, app, id, options).await?;
    let updated = client
        .update_machine(app, id, input, Some(guard.nonce()))
        .await;
    release(guard, note).await;
    updated.map_err(|e| OpError::api(format!("update machine {id}"), e))
}
