//! IP assignments: shared_v4, v4 (dedicated), v6, private_v6 (Flycast, fdaa: prefix).

use axum::body::Bytes;
use axum::extract::Path;
use axum::response::Response;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Deserialize;
use serde_json::{Value, json};

use super::machines::validate_region;
use super::{S, Scope, json_ok, ok_true};
use crate::error::{ApiError, ApiResult};
use crate::util::{hex_id, now_ms, parse_json, rfc3339_ms, sha256_hex};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignIp {
    r#type: String,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    org_slug: Option<String>,
    #[serde(default)]
    network: Option<String>,
    #[serde(default)]
    service_name: Option<String>,
}

fn ip_json(r: &Row<'_>) -> rusqlite::Result<Value> {
    Ok(json!({
        "ip": r.get::<_, String>(0)?,
        "region": r.get::<_, String>(1)?,
        "service_name": r.get::<_, String>(2)?,
        "shared": r.get::<_, i64>(3)? != 0,
        "created_at": rfc3339_ms(r.get::<_, i64>(4)?),
        "type": r.get::<_, String>(5)?,
    }))
}

const COLS: &str = "ip, region, service_name, shared, created_at, type";

fn by_ip(conn: &Connection, app: &str, ip: &str) -> ApiResult<Option<Value>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLS} FROM ips WHERE app = ?1 AND ip = ?2"
        ))?
        .query_row(params![app, ip], ip_json)
        .optional()?)
}

pub async fn list(sim: S, scope: Scope, Path(app): Path<String>) -> ApiResult<Response> {
    let value = sim.store.read(|conn| {
        scope.app_access(conn, &app, "ips:read", false)?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLS} FROM ips WHERE app = ?1 ORDER BY created_at, ip"
        ))?;
        let rows = stmt
            .query_map([&app], ip_json)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(json!({ "ips": rows }))
    })?;
    Ok(json_ok(&value))
}

fn hex4(h: &str, at: usize) -> u16 {
    u16::from_str_radix(&h[at..at + 4], 16).unwrap_or(1)
}

pub async fn create(
    sim: S,
    scope: Scope,
    Path(app): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: AssignIp = parse_json(&body)?;
    let _ = req.org_slug;
    let region = req.region.clone().filter(|r| !r.is_empty());
    if let Some(r) = &region
        && r != "global"
    {
        validate_region(r)?;
    }
    let now = now_ms();
    let value = sim.store.tx(|tx| {
        let app_row = scope.app_access(tx, &app, "ips:create", true)?;
        // flaps always sends `network`; an empty one means the app's own network.
        let network = req
            .network
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or(&app_row.network);
        let net = sha256_hex(format!("{}/{network}", app_row.org).as_bytes());
        let app_hash = sha256_hex(app.as_bytes());
        let rnd = hex_id(8);
        let (ip, shared) = match req.r#type.as_str() {
            "shared_v4" => {
                let existing: Option<String> = tx
                    .prepare_cached("SELECT ip FROM ips WHERE app = ?1 AND type = 'shared_v4'")?
                    .query_row([&app], |r| r.get(0))
                    .optional()?;
                if let Some(ip) = existing {
                    return by_ip(tx, &app, &ip)?.ok_or_else(|| ApiError::internal("ip vanished"));
                }
                (format!("66.241.124.{}", hex4(&app_hash, 0) % 254 + 1), true)
            }
            "v4" => (
                format!("137.66.{}.{}", hex4(&rnd, 0) % 256, hex4(&rnd, 4) % 254 + 1),
                false,
            ),
            "v6" => (
                format!("2a09:8280:1::{:x}:{:x}", hex4(&app_hash, 0), hex4(&rnd, 0)),
                false,
            ),
            "private_v6" => (
                format!("fdaa:0:{:x}:0:1::{:x}", hex4(&net, 0), hex4(&rnd, 0) % 0xfff0 + 2),
                false,
            ),
            other => {
                return Err(ApiError::bad_request(format!(
                    "invalid ip type {other:?}: must be one of shared_v4, v4, v6, private_v6"
                )));
            }
        };
        let region = region.clone().unwrap_or_else(|| "global".to_string());
        tx.prepare_cached(
            "INSERT OR IGNORE INTO ips (app, ip, type, region, service_name, shared, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            app,
            ip,
            req.r#type,
            region,
            req.service_name.clone().unwrap_or_default(),
            shared as i64,
            now
        ])?;
        by_ip(tx, &app, &ip)?.ok_or_else(|| ApiError::internal("ip vanished"))
    })?;
    Ok(json_ok(&value))
}

pub async fn delete(
    sim: S,
    scope: Scope,
    Path((app, ip)): Path<(String, String)>,
) -> ApiResult<Response> {
    sim.store.tx(|tx| {
        scope.app_access(tx, &app, "ips:delete", true)?;
        let n = tx
            .prepare_cached("DELETE FROM ips WHERE app = ?1 AND ip = ?2")?
            .execute(params![app, ip])?;
        if n == 0 {
            return Err(ApiError::not_found(format!(
                "ip assignment not found: {ip}"
            )));
        }
        Ok(())
    })?;
    Ok(ok_true())
}
