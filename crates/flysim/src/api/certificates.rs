//! Certificates: hostnames with an ACME request ("awaiting configuration" until issued) and/or
//! an imported custom certificate.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::response::Response;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{S, Scope, json_ok, ok_true};
use crate::Sim;
use crate::auth::Scope as TokenScope;
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

/// One hostname and the certificates it has: an ACME request (issued after the profile's
/// delay) and/or an imported custom certificate.
struct Cert {
    hostname: String,
    created_at: i64,
    acme_at: Option<i64>,
    custom_at: Option<i64>,
}

impl Cert {
    fn acme_issued(&self, sim: &Sim, now: i64) -> bool {
        self.acme_at
            .is_some_and(|t| now - t >= sim.profile.cert_issue_after_ms as i64)
    }

    fn acme_issued_at(&self, sim: &Sim) -> Option<i64> {
        self.acme_at
            .map(|t| t + sim.profile.cert_issue_after_ms as i64)
    }

    /// Issued once any certificate serves the hostname; a hostname with none (ACME not yet
    /// through, or both certificates deleted) keeps awaiting configuration.
    fn status(&self, sim: &Sim, now: i64) -> &'static str {
        if self.custom_at.is_some() || self.acme_issued(sim, now) {
            ISSUED
        } else {
            AWAITING
        }
    }

    fn updated_at(&self, sim: &Sim, now: i64) -> i64 {
        let acme = self.acme_issued_at(sim).filter(|t| *t <= now);
        [Some(self.created_at), self.acme_at, acme, self.custom_at]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(self.created_at)
    }
}

fn summary(sim: &Sim, c: &Cert, now: i64) -> Value {
    let issued = c.status(sim, now) == ISSUED;
    let acme = c.acme_issued(sim, now);
    json!({
        "hostname": c.hostname,
        "status": c.status(sim, now),
        "dns_provider": "flysim",
        "acme_dns_configured": acme,
        "acme_alpn_configured": acme,
        "acme_http_configured": acme,
        "ownership_txt_configured": issued,
        "configured": issued,
        "acme_requested": c.acme_at.is_some(),
        "has_custom_certificate": c.custom_at.is_some(),
        "has_fly_certificate": acme,
        "created_at": rfc3339_ms(c.created_at),
        "updated_at": rfc3339_ms(c.updated_at(sim, now)),
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

fn detail(sim: &Sim, conn: &Connection, app: &AppRow, c: &Cert) -> ApiResult<Value> {
    let now = now_ms();
    let host = c.hostname.as_str();
    let st = c.status(sim, now);
    let issued = st == ISSUED;
    let (a, aaaa) = app_ips(conn, &app.name)?;
    let bare = host.trim_start_matches("*.");
    let target = format!(
        "{bare}.{}.flydns.net",
        &sha256_hex(app.name.as_bytes())[..6]
    );
    let mut certificates = Vec::new();
    if let Some(issued_at) = c.acme_issued_at(sim).filter(|_| c.acme_issued(sim, now)) {
        let expires = rfc3339_ms(issued_at + NINETY_DAYS_MS);
        certificates.push(json!({
            "source": "acme",
            "status": "active",
            "created_at": rfc3339_ms(issued_at),
            "expires_at": expires,
            "issuer": "Let's Encrypt R11",
            "issued": [
                { "type": "rsa", "expires_at": expires, "certificate_authority": "lets_encrypt" },
                { "type": "ecdsa", "expires_at": expires, "certificate_authority": "lets_encrypt" },
            ],
        }));
    }
    if let Some(at) = c.custom_at {
        // The PEM is not parsed, so its expiry and issuer are unknown: those fields are
        // left out, as fly-go's omitempty fields allow.
        certificates.push(json!({
            "source": "custom",
            "status": "active",
            "created_at": rfc3339_ms(at),
            "issued": [],
        }));
    }
    Ok(json!({
        "hostname": host,
        "configured": issued,
        "acme_requested": c.acme_at.is_some(),
        "status": st,
        "dns_provider": "flysim",
        "rate_limited_until": null,
        "certificates": certificates,
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
            "acme_challenge": { "name": format!("_acme-challenge.{bare}"), "target": target },
            "ownership": {
                "name": format!("_fly-ownership.{bare}"),
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
        "created_at": rfc3339_ms(c.created_at),
    }))
}

const CERT_COLS: &str = "hostname, created_at, acme_at, custom_at";

fn cert_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Cert> {
    Ok(Cert {
        hostname: r.get(0)?,
        created_at: r.get(1)?,
        acme_at: r.get(2)?,
        custom_at: r.get(3)?,
    })
}

fn find(conn: &Connection, app: &str, host: &str) -> ApiResult<Cert> {
    conn.prepare_cached(&format!(
        "SELECT {CERT_COLS} FROM certs WHERE app = ?1 AND hostname = ?2"
    ))?
    .query_row(params![app, host], cert_from_row)
    .optional()?
    .ok_or_else(|| ApiError::not_found(format!("certificate not found: {host}")))
}

/// `GET /certificates[?limit=N][&cursor=C][&filter=F]`: hostnames in order; `next_cursor`
/// (the page's last hostname) is present only when more follow.
pub async fn list(
    sim: S,
    scope: Scope,
    Path(app): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(q.as_deref());
    let filter = q.get("filter").unwrap_or("").to_string();
    let cursor = q.get("cursor").unwrap_or("").to_string();
    let limit = match q.get("limit").filter(|l| !l.is_empty()) {
        None => None,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                return Err(ApiError::bad_request(format!(
                    "invalid limit {l:?}: must be a positive integer"
                )));
            }
        },
    };
    let now = now_ms();
    let value = sim.store.read(|conn| {
        scope.app_access(conn, &app, "certificates:read", false)?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {CERT_COLS} FROM certs WHERE app = ?1 ORDER BY hostname"
        ))?;
        let rows = stmt
            .query_map([&app], cert_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        let matching: Vec<&Cert> = rows
            .iter()
            .filter(|c| c.hostname.contains(&filter))
            .collect();
        let after: Vec<&Cert> = matching
            .iter()
            .copied()
            .filter(|c| cursor.is_empty() || c.hostname.as_str() > cursor.as_str())
            .collect();
        let page = &after[..limit.unwrap_or(after.len()).min(after.len())];
        let mut out = json!({
            "certificates": page.iter().map(|c| summary(&sim, c, now)).collect::<Vec<_>>(),
            "total_count": matching.len(),
        });
        if page.len() < after.len()
            && let Some(last) = page.last()
        {
            out["next_cursor"] = json!(last.hostname);
        }
        Ok(out)
    })?;
    Ok(json_ok(&value))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddCert {
    hostname: String,
}

/// Find the hostname's row for this app, creating it when free; 409 when another app has it.
fn claim(tx: &Connection, app: &str, host: &str, now: i64) -> ApiResult<()> {
    let owner: Option<String> = tx
        .prepare_cached("SELECT app FROM certs WHERE hostname = ?1")?
        .query_row([host], |r| r.get(0))
        .optional()?;
    match owner {
        Some(owner) if owner == app => Ok(()),
        Some(_) => Err(ApiError::conflict(format!(
            "hostname {host} is already in use by another app"
        ))),
        None => {
            tx.prepare_cached(
                "INSERT INTO certs (hostname, app, created_at, acme_at, custom_at) VALUES (?1, ?2, ?3, NULL, NULL)",
            )?
            .execute(params![host, app, now])?;
            Ok(())
        }
    }
}

/// `POST /certificates/acme`: add the hostname (if new) and request ACME issuance.
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
        claim(tx, &app, &host, now)?;
        // A repeated request keeps the issuance already under way.
        tx.prepare_cached("UPDATE certs SET acme_at = COALESCE(acme_at, ?1) WHERE hostname = ?2")?
            .execute(params![now, host])?;
        detail(&sim, tx, &app_row, &find(tx, &app, &host)?)
    })?;
    Ok(json_ok(&value))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportCert {
    hostname: String,
    fullchain: String,
    private_key: String,
}

/// Only the PEM framing is checked: flysim has no X.509 parser.
fn check_pem(field: &str, pem: &str, begin: impl Fn(&str) -> bool) -> ApiResult<()> {
    let pem = pem.trim();
    let first = pem.lines().next().unwrap_or("");
    let last = pem.lines().last().unwrap_or("");
    if first.starts_with("-----BEGIN ")
        && begin(first)
        && last.starts_with("-----END ")
        && last.ends_with("-----")
        && pem.lines().count() >= 3
    {
        Ok(())
    } else {
        Err(ApiError::unprocessable(format!(
            "invalid {field}: expected a PEM block"
        )))
    }
}

/// `POST /certificates/custom`: import a certificate; it serves at once and starts no ACME.
pub async fn add_custom(
    sim: S,
    scope: Scope,
    Path(app): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: ImportCert = parse_json(&body)?;
    let host = req.hostname.trim().to_ascii_lowercase();
    validate_hostname(&host)?;
    check_pem("fullchain", &req.fullchain, |l| {
        l == "-----BEGIN CERTIFICATE-----"
    })?;
    check_pem("private_key", &req.private_key, |l| {
        l.ends_with("PRIVATE KEY-----")
    })?;
    let now = now_ms();
    let value = sim.store.tx(|tx| {
        let app_row = scope.app_access(tx, &app, "certificates:create", true)?;
        claim(tx, &app, &host, now)?;
        tx.prepare_cached("UPDATE certs SET custom_at = ?1 WHERE hostname = ?2")?
            .execute(params![now, host])?;
        detail(&sim, tx, &app_row, &find(tx, &app, &host)?)
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
        detail(&sim, conn, &app_row, &find(conn, &app, &host)?)
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
        detail(&sim, conn, &app_row, &find(conn, &app, &host)?)
    })?;
    Ok(json_ok(&value))
}

/// `DELETE /certificates/{hostname}`: the hostname with all its certificates.
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

/// Drop one kind of certificate and keep the hostname (and the other kind, if any).
fn delete_kind(
    sim: &Sim,
    scope: &TokenScope,
    app: &str,
    host: &str,
    acme: bool,
) -> ApiResult<Value> {
    sim.store.tx(|tx| {
        let app_row = scope.app_access(tx, app, "certificates:delete", true)?;
        let c = find(tx, app, host)?;
        let (has, kind, sql) = if acme {
            (
                c.acme_at.is_some(),
                "ACME",
                "UPDATE certs SET acme_at = NULL WHERE hostname = ?1",
            )
        } else {
            (
                c.custom_at.is_some(),
                "custom",
                "UPDATE certs SET custom_at = NULL WHERE hostname = ?1",
            )
        };
        if !has {
            return Err(ApiError::not_found(format!(
                "no {kind} certificate for {host}"
            )));
        }
        tx.prepare_cached(sql)?.execute([host])?;
        detail(sim, tx, &app_row, &find(tx, app, host)?)
    })
}

/// `DELETE /certificates/{hostname}/acme`: stop ACME issuance and renewals.
pub async fn delete_acme(
    sim: S,
    scope: Scope,
    Path((app, host)): Path<(String, String)>,
) -> ApiResult<Response> {
    Ok(json_ok(&delete_kind(&sim, &scope, &app, &host, true)?))
}

/// `DELETE /certificates/{hostname}/custom`: remove the imported certificate.
pub async fn delete_custom(
    sim: S,
    scope: Scope,
    Path((app, host)): Path<(String, String)>,
) -> ApiResult<Response> {
    Ok(json_ok(&delete_kind(&sim, &scope, &app, &host, false)?))
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
