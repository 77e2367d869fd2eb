//! Machine leases and the nonce check guarding mutating calls.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::machines::load;
use super::{S, Scope, json_ok};
use crate::auth::Scope as TokenScope;
use crate::error::{ApiError, ApiResult};
use crate::store::{Lease, MachineRow, save_machine};
use crate::util::{Query, now_ms, parse_object, rfc3339_ms};

pub const NONCE_HEADER: &str = "fly-machine-lease-nonce";
const DEFAULT_TTL_S: i64 = 30;

fn header_nonce(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(NONCE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn held_error(lease: &Lease) -> ApiError {
    ApiError::conflict(format!(
        "lease currently held by {}, expires at {}",
        lease.owner,
        rfc3339_ms(lease.expires_at * 1000)
    ))
}

/// Mutating calls on a leased machine must carry the lease's nonce: without one the
/// answer is 409, with a wrong one 412; both say who holds the lease.
pub fn check_nonce(m: &MachineRow, headers: &HeaderMap, now: i64) -> ApiResult<()> {
    match (m.active_lease(now), header_nonce(headers)) {
        (Some(lease), None) => Err(held_error(lease)),
        (Some(lease), Some(n)) if n != lease.nonce => Err(ApiError::precondition(format!(
            "lease nonce mismatch: lease currently held by {}, expires at {}",
            lease.owner,
            rfc3339_ms(lease.expires_at * 1000)
        ))),
        _ => Ok(()),
    }
}

/// Take a new lease on the machine; returns its nonce.
pub fn new_lease(
    m: &mut MachineRow,
    scope: &TokenScope,
    ttl_s: i64,
    description: &str,
    now: i64,
) -> String {
    let nonce = crate::util::hex_id(12);
    m.lease = Some(Lease {
        nonce: nonce.clone(),
        expires_at: now / 1000 + ttl_s,
        owner: scope.owner(),
        description: description.to_string(),
    });
    nonce
}

fn lease_json(m: &MachineRow, lease: &Lease) -> Value {
    json!({
        "status": "success",
        "data": {
            "nonce": lease.nonce,
            "expires_at": lease.expires_at,
            "owner": lease.owner,
            "version": m.instance_id,
            "description": lease.description,
        },
    })
}

pub async fn get(
    sim: S,
    scope: Scope,
    Path((app, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let value = sim.store.tx(|tx| {
        let (_, m) = load(&sim, tx, &scope, &app, &id, "machines:lease", false)?;
        match m.active_lease(now_ms()) {
            Some(lease) => Ok(lease_json(&m, lease)),
            None => Err(ApiError::not_found(format!(
                "no active lease on machine {id}"
            ))),
        }
    })?;
    Ok(json_ok(&value))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LeaseInput {
    #[serde(default)]
    ttl: Option<i64>,
    #[serde(default)]
    description: Option<String>,
}

pub async fn acquire(
    sim: S,
    scope: Scope,
    Path((app, id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let input: LeaseInput = parse_object::<Option<LeaseInput>>(&body)?.unwrap_or_default();
    let q = Query::parse(q.as_deref());
    let ttl = match q.get("ttl").filter(|t| !t.is_empty()) {
        Some(t) => Some(
            t.parse::<i64>()
                .map_err(|_| ApiError::bad_request(format!("invalid ttl {t:?}")))?,
        ),
        None => input.ttl,
    }
    .unwrap_or(DEFAULT_TTL_S);
    if !(1..=86_400).contains(&ttl) {
        return Err(ApiError::bad_request(format!(
            "invalid ttl {ttl}: must be between 1 and 86400 seconds"
        )));
    }
    let now = now_ms();
    let value = sim.store.tx(|tx| {
        let (_, mut m) = load(&sim, tx, &scope, &app, &id, "machines:lease", true)?;
        if matches!(m.state.as_str(), "destroying" | "destroyed") {
            return Err(ApiError::precondition(format!("machine {id} is destroyed")));
        }
        match m.active_lease(now).cloned() {
            Some(mut lease) => {
                check_nonce(&m, &headers, now)?;
                // Refresh: same nonce, new expiry.
                lease.expires_at = now / 1000 + ttl;
                if let Some(d) = input.description {
                    lease.description = d;
                }
                m.lease = Some(lease);
            }
            None => {
                new_lease(
                    &mut m,
                    &scope,
                    ttl,
                    input.description.as_deref().unwrap_or(""),
                    now,
                );
            }
        }
        save_machine(tx, &m)?;
        let lease = m
            .lease
            .as_ref()
            .ok_or_else(|| ApiError::internal("lease vanished"))?;
        Ok(lease_json(&m, lease))
    })?;
    Ok(json_ok(&value))
}

pub async fn release(
    sim: S,
    scope: Scope,
    Path((app, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let now = now_ms();
    sim.store.tx(|tx| {
        let (_, mut m) = load(&sim, tx, &scope, &app, &id, "machines:lease", true)?;
        if m.active_lease(now).is_some() {
            check_nonce(&m, &headers, now)?;
            m.lease = None;
            save_machine(tx, &m)?;
        }
        Ok(())
    })?;
    Ok(json_ok(&json!({"status": "success"})))
}
