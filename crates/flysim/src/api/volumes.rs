//! Volumes: directories under the state directory; snapshots are copies.

use std::path::Path as FsPath;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Deserialize;
use serde_json::{Value, json};

use super::machines::{DEFAULT_REGION, validate_region};
use super::{S, Scope, json_ok};
use crate::error::{ApiError, ApiResult};
use crate::lifecycle;
use crate::store::load_machine;
use crate::util::{Query, now_ms, parse_json, parse_object, rfc3339_ms};

const VOLUME_COLS: &str = "id, app, name, region, zone, size_gb, state, encrypted, fstype, attached_machine_id, created_at, snapshot_retention, auto_backup_enabled";
const BLOCK_SIZE: i64 = 4096;

#[derive(Debug, Clone)]
struct VolumeRow {
    id: String,
    app: String,
    name: String,
    region: String,
    zone: String,
    size_gb: i64,
    state: String,
    encrypted: bool,
    fstype: String,
    attached_machine_id: Option<String>,
    created_at: i64,
    snapshot_retention: i64,
    auto_backup_enabled: bool,
}

fn volume_from_row(r: &Row<'_>) -> rusqlite::Result<VolumeRow> {
    Ok(VolumeRow {
        id: r.get(0)?,
        app: r.get(1)?,
        name: r.get(2)?,
        region: r.get(3)?,
        zone: r.get(4)?,
        size_gb: r.get(5)?,
        state: r.get(6)?,
        encrypted: r.get::<_, i64>(7)? != 0,
        fstype: r.get(8)?,
        attached_machine_id: r.get(9)?,
        created_at: r.get(10)?,
        snapshot_retention: r.get(11)?,
        auto_backup_enabled: r.get::<_, i64>(12)? != 0,
    })
}

fn load_volume(conn: &Connection, app: &str, id: &str) -> ApiResult<Option<VolumeRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {VOLUME_COLS} FROM volumes WHERE id = ?1 AND app = ?2"
    ))?;
    Ok(stmt
        .query_row(params![id, app], volume_from_row)
        .optional()?)
}

fn save_volume(conn: &Connection, v: &VolumeRow) -> ApiResult<()> {
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO volumes ({VOLUME_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
    ))?
    .execute(params![
        v.id,
        v.app,
        v.name,
        v.region,
        v.zone,
        v.size_gb,
        v.state,
        v.encrypted as i64,
        v.fstype,
        v.attached_machine_id,
        v.created_at,
        v.snapshot_retention,
        v.auto_backup_enabled as i64
    ])?;
    Ok(())
}

fn volume_json(v: &VolumeRow, used_bytes: u64) -> Value {
    let blocks = v.size_gb * 1024 * 1024 * 1024 / BLOCK_SIZE;
    let used_blocks = (used_bytes as i64 + BLOCK_SIZE - 1) / BLOCK_SIZE;
    let free = (blocks - used_blocks).max(0);
    json!({
        "id": v.id,
        "name": v.name,
        "state": v.state,
        "size_gb": v.size_gb,
        "region": v.region,
        "zone": v.zone,
        "encrypted": v.encrypted,
        "attached_machine_id": v.attached_machine_id,
        "attached_alloc_id": v.attached_machine_id,
        "created_at": rfc3339_ms(v.created_at),
        "host_dedication_id": "",
        "snapshot_retention": v.snapshot_retention,
        "auto_backup_enabled": v.auto_backup_enabled,
        "fstype": v.fstype,
        "block_size": BLOCK_SIZE,
        "blocks": blocks,
        "blocks_free": free,
        "blocks_avail": free,
        "bytes_used": used_bytes,
        "bytes_total": v.size_gb * 1024 * 1024 * 1024,
        "host_status": "ok",
    })
}

/// Recursively copy a directory tree (files, dirs, symlinks, permissions).
pub fn copy_tree(src: &FsPath, dst: &FsPath) -> std::io::Result<()> {
    std::fs::create_dir_all(dst)?;
    std::fs::set_permissions(dst, std::fs::metadata(src)?.permissions())?;
    for entry in std::fs::read_dir(src)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let to = dst.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &to)?;
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path())?, &to)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &to)?;
        }
    }
    Ok(())
}

/// Total bytes and a content digest of a directory tree.
pub fn tree_digest(dir: &FsPath) -> std::io::Result<(u64, String)> {
    use sha2::Digest;
    fn walk(dir: &FsPath, rel: &str, h: &mut sha2::Sha256, size: &mut u64) -> std::io::Result<()> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = format!("{rel}/{}", e.file_name().to_string_lossy());
            let kind = e.file_type()?;
            h.update(name.as_bytes());
            if kind.is_dir() {
                walk(&e.path(), &name, h, size)?;
            } else if kind.is_symlink() {
                h.update(std::fs::read_link(e.path())?.to_string_lossy().as_bytes());
            } else if kind.is_file() {
                let data = std::fs::read(e.path())?;
                *size += data.len() as u64;
                h.update(&data);
            }
        }
        Ok(())
    }
    let mut h = sha2::Sha256::new();
    let mut size = 0;
    if dir.exists() {
        walk(dir, "", &mut h, &mut size)?;
    }
    Ok((size, hex::encode(h.finalize())))
}

fn used_bytes(dir: &FsPath) -> u64 {
    fn walk(dir: &FsPath) -> u64 {
        std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| match e.file_type() {
                        Ok(t) if t.is_dir() => walk(&e.path()),
                        Ok(t) if t.is_file() => e.metadata().map(|m| m.len()).unwrap_or(0),
                        _ => 0,
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(dir)
}

fn validate_volume_name(name: &str) -> ApiResult<()> {
    let ok = !name.is_empty()
        && name.len() <= 30
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "invalid volume name {name:?}: use only lowercase letters, numbers and underscores, at most 30 characters"
        )))
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CreateVolume {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    size_gb: Option<i64>,
    #[serde(default)]
    encrypted: Option<bool>,
    #[serde(default)]
    require_unique_zone: Option<bool>,
    #[serde(default)]
    unique_zone_app_wide: Option<bool>,
    #[serde(default)]
    snapshot_retention: Option<i64>,
    #[serde(default)]
    auto_backup_enabled: Option<bool>,
    #[serde(default)]
    fstype: Option<String>,
    #[serde(default)]
    snapshot_id: Option<String>,
    #[serde(default)]
    source_volume_id: Option<String>,
    #[serde(default)]
    compute: Option<Value>,
    #[serde(default)]
    compute_image: Option<String>,
    #[serde(default)]
    machines_only: Option<bool>,
}

pub async fn create(
    sim: S,
    scope: Scope,
    Path(app): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: CreateVolume = parse_object(&body)?;
    let _ = (
        req.require_unique_zone,
        req.unique_zone_app_wide,
        req.compute,
        req.compute_image,
        req.machines_only,
    );
    let name = req
        .name
        .clone()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::bad_request("volume name is required"))?;
    validate_volume_name(&name)?;
    let fstype = req.fstype.clone().unwrap_or_else(|| "ext4".into());
    if !matches!(fstype.as_str(), "ext4" | "raw") {
        return Err(ApiError::bad_request(format!(
            "invalid fstype {fstype:?}: must be \"ext4\" or \"raw\""
        )));
    }
    if let Some(s) = req.size_gb
        && !(1..=500).contains(&s)
    {
        return Err(ApiError::bad_request(format!(
            "invalid size_gb {s}: must be between 1 and 500"
        )));
    }
    if req
        .snapshot_retention
        .is_some_and(|d| !(1..=60).contains(&d))
    {
        return Err(ApiError::bad_request(
            "invalid snapshot_retention: must be between 1 and 60 days",
        ));
    }
    let now = now_ms();
    // Work out the source (snapshot or volume) and defaults under the lock, copy outside it.
    let (source_dir, region, size_gb) = sim.store.read(|conn| {
        scope.app_access(conn, &app, "volumes:create", true)?;
        let mut region = req.region.clone().filter(|r| !r.is_empty());
        let mut min_size = 1;
        let mut source = None;
        if let Some(snap) = req.snapshot_id.as_deref().filter(|s| !s.is_empty()) {
            let row: Option<(i64, String)> = conn
                .prepare_cached(
                    "SELECT s.volume_size, a.org FROM snapshots s JOIN apps a ON a.name = s.app WHERE s.id = ?1",
                )?
                .query_row([snap], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            match row {
                Some((size, org)) if org == scope.org() => {
                    min_size = size;
                    source = Some(sim.snapshot_dir(snap));
                }
                _ => return Err(ApiError::not_found(format!("snapshot not found: {snap}"))),
            }
        }
        if let Some(src) = req.source_volume_id.as_deref().filter(|s| !s.is_empty()) {
            let v = load_volume(conn, &app, src)?
                .ok_or_else(|| ApiError::not_found(format!("source volume not found: {src}")))?;
            if region.is_none() {
                region = Some(v.region.clone());
            }
            min_size = min_size.max(v.size_gb);
            source = Some(sim.volume_dir(src));
        }
        let region = match region {
            Some(r) => r,
            None if source.is_some() => DEFAULT_REGION.to_string(),
            None => return Err(ApiError::bad_request("region is required")),
        };
        validate_region(&region)?;
        let size = req.size_gb.unwrap_or(min_size);
        if size < min_size {
            return Err(ApiError::bad_request(format!(
                "invalid size_gb {size}: must be at least the source's size ({min_size} GB)"
            )));
        }
        Ok((source, region, size))
    })?;
    let id = crate::util::volume_id();
    let dir = sim.volume_dir(&id);
    let copied = match &source_dir {
        Some(src) => copy_tree(src, &dir),
        None => std::fs::create_dir_all(&dir),
    };
    if let Err(e) = copied {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(ApiError::internal(format!(
            "failed to prepare volume storage: {e}"
        )));
    }
    let v = VolumeRow {
        id: id.clone(),
        app: app.clone(),
        name,
        region,
        zone: crate::util::hex_id(4),
        size_gb,
        state: "created".into(),
        encrypted: req.encrypted.unwrap_or(true),
        fstype,
        attached_machine_id: None,
        created_at: now,
        snapshot_retention: req.snapshot_retention.unwrap_or(5),
        auto_backup_enabled: req.auto_backup_enabled.unwrap_or(true),
    };
    let saved = sim.store.tx(|tx| {
        // The app may have been deleted while the data was copied.
        scope.app_access(tx, &app, "volumes:create", true)?;
        save_volume(tx, &v)
    });
    if let Err(e) = saved {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(e);
    }
    let used = if source_dir.is_some() {
        used_bytes(&dir)
    } else {
        0
    };
    Ok(json_ok(&volume_json(&v, used)))
}

pub async fn get(
    sim: S,
    scope: Scope,
    Path((app, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let v = sim.store.read(|conn| {
        scope.app_access(conn, &app, "volumes:read", false)?;
        load_volume(conn, &app, &id)?
            .ok_or_else(|| ApiError::not_found(format!("volume not found: {id}")))
    })?;
    Ok(json_ok(&volume_json(
        &v,
        used_bytes(&sim.volume_dir(&v.id)),
    )))
}

pub async fn list(
    sim: S,
    scope: Scope,
    Path(app): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let _ = Query::parse(q.as_deref()).flag("summary")?;
    let vols = sim.store.read(|conn| {
        scope.app_access(conn, &app, "volumes:list", false)?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {VOLUME_COLS} FROM volumes WHERE app = ?1 ORDER BY created_at, id"
        ))?;
        let rows = stmt.query_map([&app], volume_from_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    })?;
    let out: Vec<Value> = vols
        .iter()
        .map(|v| volume_json(v, used_bytes(&sim.volume_dir(&v.id))))
        .collect();
    Ok(json_ok(&Value::Array(out)))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct UpdateVolume {
    #[serde(default)]
    snapshot_retention: Option<i64>,
    #[serde(default)]
    auto_backup_enabled: Option<bool>,
}

pub async fn update(
    sim: S,
    scope: Scope,
    Path((app, id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: UpdateVolume = parse_object(&body)?;
    if req
        .snapshot_retention
        .is_some_and(|d| !(1..=60).contains(&d))
    {
        return Err(ApiError::bad_request(
            "invalid snapshot_retention: must be between 1 and 60 days",
        ));
    }
    let v = sim.store.tx(|tx| {
        scope.app_access(tx, &app, "volumes:update", true)?;
        let mut v = load_volume(tx, &app, &id)?
            .ok_or_else(|| ApiError::not_found(format!("volume not found: {id}")))?;
        if let Some(d) = req.snapshot_retention {
            v.snapshot_retention = d;
        }
        if let Some(b) = req.auto_backup_enabled {
            v.auto_backup_enabled = b;
        }
        save_volume(tx, &v)?;
        Ok(v)
    })?;
    Ok(json_ok(&volume_json(
        &v,
        used_bytes(&sim.volume_dir(&v.id)),
    )))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExtendVolume {
    size_gb: i64,
}

pub async fn extend(
    sim: S,
    scope: Scope,
    Path((app, id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: ExtendVolume = parse_json(&body)?;
    let (v, needs_restart) = sim.store.tx(|tx| {
        scope.app_access(tx, &app, "volumes:extend", true)?;
        let mut v = load_volume(tx, &app, &id)?
            .ok_or_else(|| ApiError::not_found(format!("volume not found: {id}")))?;
        if req.size_gb <= v.size_gb {
            return Err(ApiError::bad_request(format!(
                "invalid size_gb {}: volumes can only grow (current size {} GB)",
                req.size_gb, v.size_gb
            )));
        }
        if req.size_gb > 500 {
            return Err(ApiError::bad_request("invalid size_gb: at most 500 GB"));
        }
        v.size_gb = req.size_gb;
        save_volume(tx, &v)?;
        // A running machine sees the new size only after a restart.
        let needs_restart = match &v.attached_machine_id {
            Some(mid) => load_machine(tx, &app, mid)?.is_some_and(|m| m.state == "started"),
            None => false,
        };
        Ok((v, needs_restart))
    })?;
    Ok(json_ok(&json!({
        "volume": volume_json(&v, used_bytes(&sim.volume_dir(&v.id))),
        "needs_restart": needs_restart,
    })))
}

pub async fn delete(
    sim: S,
    scope: Scope,
    Path((app, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let now = now_ms();
    let mut v = sim.store.tx(|tx| {
        scope.app_access(tx, &app, "volumes:delete", true)?;
        let v = load_volume(tx, &app, &id)?
            .ok_or_else(|| ApiError::not_found(format!("volume not found: {id}")))?;
        if let Some(mid) = &v.attached_machine_id
            && let Some(mut m) = load_machine(tx, &app, mid)?
        {
            lifecycle::settle(&sim, tx, &mut m, now)?;
            if m.state != "destroyed" {
                return Err(ApiError::precondition(format!(
                    "volume {id} is attached to machine {mid} ({}); destroy the machine first",
                    m.state
                )));
            }
        }
        tx.prepare_cached("DELETE FROM volumes WHERE id = ?1")?
            .execute([&id])?;
        Ok(v)
    })?;
    let _ = std::fs::remove_dir_all(sim.volume_dir(&id));
    // Fly answers the volume as it starts its way out (fly-go's GetVolumes treats
    // "scheduling_destroy" as the first of the destroyed states); flysim removes it at once.
    v.state = "scheduling_destroy".into();
    v.attached_machine_id = None;
    Ok(json_ok(&volume_json(&v, 0)))
}

/// A snapshot row as Fly lists it. Fly's on-demand snapshots go waiting -> running -> created;
/// flysim reports `running` until the profile's `snapshot_ms` has passed since the create.
fn snapshot_json(r: &Row<'_>, now: i64, settle_ms: i64) -> rusqlite::Result<Value> {
    let created_at = r.get::<_, i64>(4)?;
    let stored = r.get::<_, String>(5)?;
    let status = if stored == "created" && now < created_at.saturating_add(settle_ms) {
        "running".to_string()
    } else {
        stored
    };
    Ok(json!({
        "id": r.get::<_, String>(0)?,
        "size": r.get::<_, i64>(1)?,
        "volume_size": r.get::<_, i64>(2)?,
        "digest": r.get::<_, String>(3)?,
        "created_at": rfc3339_ms(created_at),
        "status": status,
        "retention_days": r.get::<_, i64>(6)?,
    }))
}

pub async fn snapshots(
    sim: S,
    scope: Scope,
    Path((app, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let now = now_ms();
    let settle_ms = i64::try_from(sim.profile.snapshot_ms).unwrap_or(i64::MAX);
    let value = sim.store.read(|conn| {
        scope.app_access(conn, &app, "volumes:read", false)?;
        let exists = load_volume(conn, &app, &id)?.is_some();
        let mut stmt = conn.prepare_cached(
            "SELECT id, size, volume_size, digest, created_at, status, retention_days FROM snapshots WHERE volume_id = ?1 AND app = ?2 ORDER BY created_at, id",
        )?;
        let rows = stmt
            .query_map(params![id, app], |r| snapshot_json(r, now, settle_ms))?
            .collect::<Result<Vec<_>, _>>()?;
        if !exists && rows.is_empty() {
            return Err(ApiError::not_found(format!("volume not found: {id}")));
        }
        Ok(Value::Array(rows))
    })?;
    Ok(json_ok(&value))
}

pub async fn snapshot_create(
    sim: S,
    scope: Scope,
    Path((app, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let v = sim.store.read(|conn| {
        scope.app_access(conn, &app, "volumes:snapshot", true)?;
        load_volume(conn, &app, &id)?
            .ok_or_else(|| ApiError::not_found(format!("volume not found: {id}")))
    })?;
    let snap = crate::util::snapshot_id();
    let dst = sim.snapshot_dir(&snap);
    let copied = copy_tree(&sim.volume_dir(&id), &dst).and_then(|_| tree_digest(&dst));
    let (size, digest) = match copied {
        Ok(x) => x,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dst);
            return Err(ApiError::internal(format!(
                "failed to snapshot volume: {e}"
            )));
        }
    };
    let now = now_ms();
    let saved = sim.store.tx(|tx| {
        tx.prepare_cached(
            "INSERT INTO snapshots (id, volume_id, app, size, volume_size, digest, created_at, status, retention_days) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'created', ?8)",
        )?
        .execute(params![snap, id, app, size as i64, v.size_gb, digest, now, v.snapshot_retention])?;
        Ok(())
    });
    match saved {
        // Fly answers an empty 200 (spec: `content: {}`; fly-go's CreateVolumeSnapshot returns
        // only an error): the new snapshot is found by listing.
        Ok(()) => Ok(StatusCode::OK.into_response()),
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dst);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_is_byte_identical() {
        let dir = tempfile::tempdir().expect("tempdir");
        let src = dir.path().join("src");
        std::fs::create_dir_all(src.join("sub")).expect("mkdir");
        std::fs::write(src.join("a.txt"), b"hello").expect("write");
        std::fs::write(src.join("sub/b.bin"), [0u8, 1, 2, 255]).expect("write");
        std::os::unix::fs::symlink("a.txt", src.join("link")).expect("symlink");
        let dst = dir.path().join("dst");
        copy_tree(&src, &dst).expect("copy");
        assert_eq!(tree_digest(&src).ok(), tree_digest(&dst).ok());
        assert_eq!(tree_digest(&dst).map(|d| d.0).ok(), Some(9));
        std::fs::write(dst.join("a.txt"), b"changed").expect("write");
        assert_ne!(tree_digest(&src).ok(), tree_digest(&dst).ok());
    }

    #[test]
    fn volume_names() {
        assert!(validate_volume_name("pg_data").is_ok());
        assert!(validate_volume_name("pg-data").is_err());
        assert!(validate_volume_name(&"a".repeat(31)).is_err());
    }
}
