//! Certificates: ACME hostnames move from "awaiting configuration" to "issued".

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::response::Response;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{S, Scope, json_ok, ok_true};
use crate::Sim;
use crate::error::{ApiError, ApiResult};
use crate::store::AppRow;
use crate::util::{Query, now_ms, parse_json, rfc3339_ms, sha256_hex};

const ISSUED: &str = "issued";
const AWAITING: &str = "awaiting configuration";
const NINETY_DAYS_MS: i64 = 90 * 24 * 3600 * 1000;

fn validate_hostname(host: &str) -> ApiResult<()> {
    let bare = host.strip_prefix("*.").unwrap_or(host);
    let ok = host.len() <= 253
        && bare.contains('.')
        && bare.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        });
    if ok {
        Ok(())
    } else {
        Err(ApiError::unprocessable(format!(
            "invalid hostname {host:?}"
        )))
    }
}

fn status(sim: &Sim, created_at: i64, now: i64) -> &'static str {
    if now - created_at >= sim.profile.cert_issue_after_ms as i64 {
        ISSUED
    } else {
        AWAITING
    }
}

fn summary(sim: &Sim, host: &str, created_at: i64, now: i64) -> Value {
    let issued = status(sim, created_at, now) == ISSUED;
    json!({
        "hostname": host,
        "status": status(sim, created_at, now),
        "dns_provider": "flysim",
        "acme_dns_configured": issued,
        "acme_alpn_configured": issued,
        "acme_http_configured": issued,
        "ownership_txt_configured": issued,
        "configured": issued,
        "acme_requested": true,
        "has_custom_certificate": false,
        "has_fly_certificate": issued,
        "created_at": rfc3339_ms(created_at),
        "updated_at": rfc3339_ms(if issued { created_at + sim.profile.cert_issue_after_ms as i64 } else { created_at }),
    })
}

fn app_ips(conn: &Connection, app: &str) -> ApiResult<(Vec<String>, Vec<String>)> {
    let mut stmt = conn.prepare_cached(
        "SELECT ip FROM ips WHERE app = ?1 AND type IN ('v4', 'shared_v4', 'v6') ORDER BY ip",
    )?;
    let ips = stmt
        .query_map([app], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ips.into_iter().partition(|ip| !ip.contains(':')))
}

fn detail(
    sim: &Sim,
    conn: &Connection,
    app: &AppRow,
    host: &str,
    created_at: i64,
) -> ApiResult<Value> {
    let now = now_ms();
    let st = status(sim, created_at, now);
    let issued = st == ISSUED;
    let issued_at = created_at + sim.profile.cert_issue_after_ms as i64;
    let (a, aaaa) = app_ips(conn, &app.name)?;
    let target = format!(
        "{}.{}.flydns.net",
        host.trim_start_matches("*."),
        &sha256_hex(app.name.as_bytes())[..6]
    );
    let mut v = json!({
        "hostname": host,
        "configured": issued,
        "acme_requested": true,
        "status": st,
        "dns_provider": "flysim",
        "rate_limited_until": null,
        "certificates": [],
        "validation": {
            "dns_configured": issued,
            "alpn_configured": issued,
            "http_configured": issued,
            "ownership_txt_configured": issued,
        },
        "dns_requirements": {
            "a": a,
            "aaaa": aaaa,
            "cname": format!("{}.fly.dev", app.name),
            "acme_challenge": { "name": format!("_acme-challenge.{}", host.trim_start_matches("*.")), "target": target },
            "ownership": {
                "name": format!("_fly-ownership.{}", host.trim_start_matches("*.")),
                "app_value": format!("app-{}", app.id),
                "org_value": format!("org-{}", app.org),
            },
        },
        "dns_records": {
            "a": if issued { a.clone() } else { Vec::new() },
            "aaaa": if issued { aaaa.clone() } else { Vec::new() },
            "cname": if issued { vec![format!("{}.fly.dev", app.name)] } else { Vec::new() },
            "resolved_addresses": if issued { a } else { Vec::new() },
            "soa": "",
            "acme_challenge_cname": if issued { target } else { String::new() },
            "ownership_txt": "",
        },
        "validation_errors": [],
        "created_at": rfc3339_ms(created_at),
    });
    if issued {
        let expires = rfc3339_ms(issued_at + NINETY_DAYS_MS);
        v["certificates"] = json!([{
            "source": "acme",
            "status": "active",
            "created_at": rfc3339_ms(issued_at),
            "expires_at": expires,
            "issuer": "Let's Encrypt R11",
            "issued": [
                { "type": "rsa", "expires_at": expires, "certificate_authority": "lets_encrypt" },
                { "type": "ecdsa", "expires_at": expires, "certificate_authority": "lets_encrypt" },
            ],
        }]);
    }
    Ok(v)
}

fn find(conn: &Connection, app: &str, host: &str) -> ApiResult<i64> {
    conn.prepare_cached("SELECT created_at FROM certs WHERE app = ?1 AND hostname = ?2")?
        .query_row(params![app, host], |r| r.get(0))
        .optional()?
        .ok_or_else(|| ApiError::not_found(format!("certificate not found: {host}")))
}

pub async fn list(
    sim: S,
    scope: Scope,
    Path(app): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(q.as_deref());
    let filter = q.get("filter").unwrap_or("").to_string();
    let now = now_ms();
    let value = sim.store.read(|conn| {
        scope.app_access(conn, &app, "certificates:read", false)?;
        let mut stmt = conn.prepare_cached(
            "SELECT hostname, created_at FROM certs WHERE app = ?1 ORDER BY hostname",
        )?;
        let rows = stmt
            .query_map([&app], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let certs: Vec<Value> = rows
            .iter()
            .filter(|(h, _)| h.contains(&filter))
            .map(|(h, c)| summary(&sim, h, *c, now))
            .collect();
        Ok(json!({ "certificates": certs, "next_cursor": null, "total_count": certs.len() }))
    })?;
    Ok(json_ok(&value))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddCert {
    hostname: String,
}

pub async fn add(
    sim: S,
    scope: Scope,
    Path(app): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: AddCert = parse_json(&body)?;
    let host = req.hostname.trim().to_ascii_lowercase();
    validate_hostname(&host)?;
    let now = now_ms();
    let value = sim.store.tx(|tx| {
        let app_row = scope.app_access(tx, &app, "certificates:create", true)?;
        let owner: Option<(String, i64)> = tx
            .prepare_cached("SELECT app, created_at FROM certs WHERE hostname = ?1")?
            .query_row([&host], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let created_at = match owner {
            Some((owner, created)) if owner == app => created,
            Some(_) => {
                return Err(ApiError::conflict(format!(
                    "hostname {host} is already in use by another app"
                )));
            }
            None => {
                tx.prepare_cached(
                    "INSERT INTO certs (hostname, app, created_at) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![host, app, now])?;
                now
            }
        };
        detail(&sim, tx, &app_row, &host, created_at)
    })?;
    Ok(json_ok(&value))
}

pub async fn get(
    sim: S,
    scope: Scope,
    Path((app, host)): Path<(String, String)>,
) -> ApiResult<Response> {
    let value = sim.store.read(|conn| {
        let app_row = scope.app_access(conn, &app, "certificates:read", false)?;
        let created = find(conn, &app, &host)?;
        detail(&sim, conn, &app_row, &host, created)
    })?;
    Ok(json_ok(&value))
}

pub async fn check(
    sim: S,
    scope: Scope,
    Path((app, host)): Path<(String, String)>,
) -> ApiResult<Response> {
    let value = sim.store.read(|conn| {
        let app_row = scope.app_access(conn, &app, "certificates:check", true)?;
        let created = find(conn, &app, &host)?;
        detail(&sim, conn, &app_row, &host, created)
    })?;
    Ok(json_ok(&value))
}

pub async fn delete(
    sim: S,
    scope: Scope,
    Path((app, host)): Path<(String, String)>,
) -> ApiResult<Response> {
    sim.store.tx(|tx| {
        scope.app_access(tx, &app, "certificates:delete", true)?;
        find(tx, &app, &host)?;
        tx.prepare_cached("DELETE FROM certs WHERE app = ?1 AND hostname = ?2")?
            .execute(params![app, host])?;
        Ok(())
    })?;
    Ok(ok_true())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames() {
        assert!(validate_hostname("www.example.com").is_ok());
        assert!(validate_hostname("*.example.com").is_ok());
        assert!(validate_hostname("localhost").is_err());
        assert!(validate_hostname("bad_host.example.com").is_err());
        assert!(validate_hostname("-a.example.com").is_err());
    }
}
