//! `GET /api/v1/apps/{app}/logs?next_token=&instance=&region=`.

use axum::extract::{Path, RawQuery};
use axum::response::Response;
use serde_json::json;

use super::{S, Scope, json_ok};
use crate::error::{ApiError, ApiResult};
use crate::lifecycle;
use crate::store::load_machines;
use crate::util::{Query, now_ms};

pub async fn list(
    sim: S,
    scope: Scope,
    Path(app): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(q.as_deref());
    let token = q.get("next_token").unwrap_or("").to_string();
    let after = if token.is_empty() {
        0
    } else {
        token
            .parse::<i64>()
            .map_err(|_| ApiError::bad_request(format!("invalid next_token {token:?}")))?
    };
    let instance = q
        .get("instance")
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let region = q
        .get("region")
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let now = now_ms();
    let value = sim.store.tx(|tx| {
        scope.app_access(tx, &app, "logs:read", false)?;
        // Bring every machine up to date so lines of due transitions exist.
        for mut m in load_machines(tx, &app)? {
            lifecycle::settle(&sim, tx, &mut m, now)?;
        }
        let (data, last) =
            crate::logs::page(tx, &app, after, instance.as_deref(), region.as_deref())?;
        let next = last.map(|id| format!("{id:020}")).unwrap_or(token.clone());
        Ok(json!({ "data": data, "meta": { "next_token": next } }))
    })?;
    Ok(json_ok(&value))
}
