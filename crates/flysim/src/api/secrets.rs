//! App secrets with an app-wide version counter. Machines get the values at boot/update.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::response::Response;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{S, Scope, json_ok};
use crate::error::{ApiError, ApiResult};
use crate::util::{Query, now_ms, parse_json, rfc3339_ms, sha256_hex};

fn validate_name(name: &str) -> ApiResult<()> {
    let ok = !name.is_empty()
        && name.len() <= 256
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "invalid secret name {name:?}: use letters, digits and underscores, starting with a letter or underscore"
        )))
    }
}

fn secret_json(r: &Row<'_>, show: bool) -> rusqlite::Result<Value> {
    let mut v = json!({
        "name": r.get::<_, String>(0)?,
        "digest": r.get::<_, String>(2)?,
        "created_at": rfc3339_ms(r.get::<_, i64>(3)?),
        "updated_at": rfc3339_ms(r.get::<_, i64>(4)?),
    });
    if show {
        v["value"] = Value::String(r.get::<_, String>(1)?);
    }
    Ok(v)
}

const COLS: &str = "name, value, digest, created_at, updated_at";

fn all(conn: &Connection, app: &str, show: bool) -> ApiResult<Vec<Value>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM secrets WHERE app = ?1 ORDER BY name"
    ))?;
    let rows = stmt.query_map([app], |r| secret_json(r, show))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

fn bump(conn: &Connection, app: &str) -> ApiResult<i64> {
    conn.prepare_cached("UPDATE apps SET secrets_version = secrets_version + 1 WHERE name = ?1")?
        .execute([app])?;
    Ok(conn
        .prepare_cached("SELECT secrets_version FROM apps WHERE name = ?1")?
        .query_row([app], |r| r.get(0))?)
}

fn put(conn: &Connection, app: &str, name: &str, value: &str, now: i64) -> ApiResult<()> {
    let digest = sha256_hex(value.as_bytes())[..16].to_string();
    conn.prepare_cached(
        "INSERT INTO secrets (app, name, value, digest, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT (app, name) DO UPDATE SET value = excluded.value, digest = excluded.digest, updated_at = excluded.updated_at",
    )?
    .execute(params![app, name, value, digest, now])?;
    Ok(())
}

pub async fn list(
    sim: S,
    scope: Scope,
    Path(app): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(q.as_deref());
    let show = q.flag("show_secrets")?;
    let value = sim.store.read(|conn| {
        scope.app_access(conn, &app, "secrets:read", false)?;
        Ok(json!({ "secrets": all(conn, &app, show)? }))
    })?;
    Ok(json_ok(&value))
}

pub async fn get(
    sim: S,
    scope: Scope,
    Path((app, name)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(q.as_deref());
    let show = q.flag("show_secrets")?;
    let value = sim.store.read(|conn| {
        scope.app_access(conn, &app, "secrets:read", false)?;
        conn.prepare_cached(&format!(
            "SELECT {COLS} FROM secrets WHERE app = ?1 AND name = ?2"
        ))?
        .query_row(params![app, name], |r| secret_json(r, show))
        .optional()?
        .ok_or_else(|| ApiError::not_found(format!("secret not found: {name}")))
    })?;
    Ok(json_ok(&value))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetOne {
    value: String,
}

pub async fn set(
    sim: S,
    scope: Scope,
    Path((app, name)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    validate_name(&name)?;
    let req: SetOne = parse_json(&body)?;
    let now = now_ms();
    let value = sim.store.tx(|tx| {
        scope.app_access(tx, &app, "secrets:write", true)?;
        put(tx, &app, &name, &req.value, now)?;
        let version = bump(tx, &app)?;
        let mut v = tx
            .prepare_cached(&format!(
                "SELECT {COLS} FROM secrets WHERE app = ?1 AND name = ?2"
            ))?
            .query_row(params![app, name], |r| secret_json(r, false))?;
        v["version"] = json!(version);
        Ok(v)
    })?;
    Ok(json_ok(&value))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Bulk {
    values: BTreeMap<String, Option<String>>,
}

pub async fn bulk(
    sim: S,
    scope: Scope,
    Path(app): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: Bulk = parse_json(&body)?;
    for name in req.values.keys() {
        validate_name(name)?;
    }
    let now = now_ms();
    let value = sim.store.tx(|tx| {
        scope.app_access(tx, &app, "secrets:write", true)?;
        for (name, value) in &req.values {
            match value {
                Some(v) => put(tx, &app, name, v, now)?,
                None => {
                    tx.prepare_cached("DELETE FROM secrets WHERE app = ?1 AND name = ?2")?
                        .execute(params![app, name])?;
                }
            }
        }
        let version = bump(tx, &app)?;
        Ok(json!({ "secrets": all(tx, &app, false)?, "version": version }))
    })?;
    Ok(json_ok(&value))
}

pub async fn unset(
    sim: S,
    scope: Scope,
    Path((app, name)): Path<(String, String)>,
) -> ApiResult<Response> {
    let value = sim.store.tx(|tx| {
        scope.app_access(tx, &app, "secrets:write", true)?;
        let n = tx
            .prepare_cached("DELETE FROM secrets WHERE app = ?1 AND name = ?2")?
            .execute(params![app, name])?;
        if n == 0 {
            return Err(ApiError::not_found(format!("secret not found: {name}")));
        }
        Ok(json!({ "version": bump(tx, &app)? }))
    })?;
    Ok(json_ok(&value))
}
