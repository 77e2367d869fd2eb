//! Apps: create, get, list by org, delete (with everything in the app, as on Fly).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rusqlite::{Connection, params};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{S, Scope, json_ok, json_status};
use crate::auth::{self, Scope as TokenScope};
use crate::error::{ApiError, ApiResult};
use crate::store::{AppRow, get_app};
use crate::util::{Query, now_ms, parse_json, rfc3339_ms, sha256_hex, validate_app_name};

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CreateApp {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    app_name: Option<String>,
    #[serde(default)]
    org_slug: Option<String>,
    #[serde(default)]
    network: Option<String>,
    #[serde(default)]
    app_role_id: Option<String>,
    #[serde(default)]
    enable_subdomains: Option<bool>,
}

fn counts(conn: &Connection, app: &str) -> ApiResult<(i64, i64)> {
    let machines: i64 = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM machines WHERE app = ?1 AND state NOT IN ('destroying', 'destroyed')",
        )?
        .query_row([app], |r| r.get(0))?;
    let volumes: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM volumes WHERE app = ?1")?
        .query_row([app], |r| r.get(0))?;
    Ok((machines, volumes))
}

fn org_numeric_id(conn: &Connection, org: &str) -> ApiResult<i64> {
    Ok(conn
        .prepare_cached("SELECT numeric_id FROM orgs WHERE slug = ?1")?
        .query_row([org], |r| r.get(0))
        .unwrap_or(0))
}

/// `hashid.appname.fly.dev`, the name fly-go documents for ACME HTTP-01 over IPv6. Fly's hash
/// is its own; a digest of the app id stands in for it.
fn cname_target(app: &AppRow) -> String {
    format!(
        "{}.{}.fly.dev",
        &sha256_hex(app.id.as_bytes())[..8],
        app.name
    )
}

fn app_json(conn: &Connection, app: &AppRow) -> ApiResult<Value> {
    let (machines, volumes) = counts(conn, &app.name)?;
    Ok(json!({
        "id": app.id,
        "name": app.name,
        "internal_numeric_id": app.numeric_id,
        "network": app.network,
        "status": if machines > 0 { "deployed" } else { "pending" },
        "machine_count": machines,
        "volume_count": volumes,
        "created_at": rfc3339_ms(app.created_at),
        "cname_target": cname_target(app),
        "app_role": app.app_role,
        "organization": {
            "name": auth::org_display_name(&app.org),
            "slug": app.org,
            "internal_numeric_id": org_numeric_id(conn, &app.org)?,
        },
    }))
}

pub async fn create(
    sim: S,
    scope: Scope,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> ApiResult<Response> {
    let _ = Query::parse(q.as_deref()).flag("wait")?;
    let req: CreateApp = parse_json::<Option<CreateApp>>(&body)?.unwrap_or_default();
    let _ = req.enable_subdomains;
    let app_role = req.app_role_id.unwrap_or_default();
    scope.require_write("apps:create")?;
    if let TokenScope::App { app, .. } = &*scope {
        return Err(ApiError::unauthorized(format!(
            "unauthorized: token is scoped to app {app:?} and does not permit action \"apps:create\""
        )));
    }
    let name = req
        .name
        .filter(|n| !n.is_empty())
        .or(req.app_name.filter(|n| !n.is_empty()))
        .ok_or_else(|| ApiError::bad_request("app name is required (\"name\" or \"app_name\")"))?;
    validate_app_name(&name)?;
    let org = req
        .org_slug
        .filter(|o| !o.is_empty())
        .ok_or_else(|| ApiError::bad_request("org_slug is required"))?;
    if org != scope.org() {
        return Err(ApiError::not_found(format!(
            "organization not found: {org}"
        )));
    }
    let network = req.network.unwrap_or_default();
    let now = now_ms();
    let value = sim.store.tx(|tx| {
        if get_app(tx, &name)?.is_some() {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "name_taken",
                "Name has already been taken",
            ));
        }
        let id = crate::util::hex_id(16);
        tx.execute(
            "INSERT INTO apps (name, id, numeric_id, org, network, created_at, app_role) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![name, id, crate::store::numeric_id(), org, network, now, app_role],
        )?;
        let row = get_app(tx, &name)?.ok_or_else(|| ApiError::internal("app vanished"))?;
        app_json(tx, &row)
    })?;
    Ok(json_status(StatusCode::CREATED, &value))
}

pub async fn get(sim: S, scope: Scope, Path(name): Path<String>) -> ApiResult<Response> {
    let value = sim.store.read(|conn| {
        let row = get_app(conn, &name)?.ok_or_else(|| ApiError::app_not_found(&name))?;
        if !scope.may_see(&row) {
            // The name exists but belongs to someone else.
            return Err(ApiError::forbidden(format!(
                "unauthorized: you do not have access to app {name:?}"
            )));
        }
        app_json(conn, &row)
    })?;
    Ok(json_ok(&value))
}

pub async fn list(sim: S, scope: Scope, RawQuery(q): RawQuery) -> ApiResult<Response> {
    let q = Query::parse(q.as_deref());
    let org = q
        .get("org_slug")
        .filter(|o| !o.is_empty())
        .ok_or_else(|| ApiError::bad_request("org_slug is required"))?
        .to_string();
    if org != scope.org() {
        return Err(ApiError::not_found(format!(
            "organization not found: {org}"
        )));
    }
    // fly-go's ListApps sends `app_role` only when filtering (e.g. "postgres_cluster").
    let role = q
        .get("app_role")
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    let value = sim.store.read(|conn| {
        let mut stmt = conn.prepare_cached(
            "SELECT a.name, a.id, a.network,
                (SELECT COUNT(*) FROM machines m WHERE m.app = a.name AND m.state NOT IN ('destroying', 'destroyed')),
                (SELECT COUNT(*) FROM volumes v WHERE v.app = a.name),
                a.app_role
             FROM apps a WHERE a.org = ?1 ORDER BY a.name",
        )?;
        let only = match &*scope {
            TokenScope::App { app, .. } => Some(app.clone()),
            _ => None,
        };
        let rows = stmt.query_map([&org], |r| {
            Ok((
                r.get::<_, String>(0)?,
                json!({
                    "id": r.get::<_, String>(1)?,
                    "name": r.get::<_, String>(0)?,
                    "network": r.get::<_, String>(2)?,
                    "machine_count": r.get::<_, i64>(3)?,
                    "volume_count": r.get::<_, i64>(4)?,
                    "app_role": r.get::<_, String>(5)?,
                }),
            ))
        })?;
        let mut apps = Vec::new();
        for row in rows {
            let (name, v) = row?;
            let role_ok = role.as_ref().is_none_or(|r| v["app_role"] == r.as_str());
            if only.as_deref().is_none_or(|a| a == name) && role_ok {
                apps.push(v);
            }
        }
        Ok(json!({ "total_apps": apps.len(), "apps": apps }))
    })?;
    Ok(json_ok(&value))
}

pub async fn delete(
    sim: S,
    scope: Scope,
    Path(name): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    // Fly's DeleteApp takes no parameters and removes the app with everything in it, data
    // included. `force` is accepted (older clients send it) and changes nothing.
    let _ = Query::parse(q.as_deref()).flag("force")?;
    let volume_ids = sim.store.tx(|tx| {
        scope.app_access(tx, &name, "apps:delete", true)?;
        let mut stmt = tx.prepare_cached("SELECT id FROM volumes WHERE app = ?1")?;
        let vols = stmt
            .query_map([&name], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        let mut stmt = tx.prepare_cached("SELECT id FROM machines WHERE app = ?1")?;
        let machines = stmt
            .query_map([&name], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        let mut stmt = tx.prepare_cached("SELECT id FROM snapshots WHERE app = ?1")?;
        let snaps = stmt
            .query_map([&name], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        for table in ["machine_events", "machine_versions"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE machine_id IN (SELECT id FROM machines WHERE app = ?1)"),
                [&name],
            )?;
        }
        for table in ["machines", "volumes", "snapshots", "secrets", "ips", "certs", "logs"] {
            tx.execute(&format!("DELETE FROM {table} WHERE app = ?1"), [&name])?;
        }
        tx.execute("DELETE FROM apps WHERE name = ?1", [&name])?;
        Ok((vols, snaps, machines))
    })?;
    sim.changed.notify_waiters();
    let (vols, snaps, machines) = volume_ids;
    for m in machines {
        let _ = std::fs::remove_dir_all(sim.rootfs_dir().join(&m));
    }
    for v in vols {
        let _ = std::fs::remove_dir_all(sim.volume_dir(&v));
    }
    for s in snaps {
        let _ = std::fs::remove_dir_all(sim.snapshot_dir(&s));
    }
    Ok(StatusCode::ACCEPTED.into_response())
}
