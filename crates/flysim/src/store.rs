//! SQLite persistence: schema, connection, row types for apps and machines.
//!
//! One connection behind a mutex: SQLite serialises writers anyway, and cached
//! prepared statements on a single connection are the fastest path for small queries.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{ApiError, Error};

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS orgs (slug TEXT PRIMARY KEY, name TEXT NOT NULL, numeric_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, org TEXT NOT NULL, app TEXT, read_only INTEGER NOT NULL, kind TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS tokens_kind ON tokens (kind, org, app);
CREATE TABLE IF NOT EXISTS apps (
    name TEXT PRIMARY KEY, id TEXT NOT NULL, numeric_id INTEGER NOT NULL, org TEXT NOT NULL,
    network TEXT NOT NULL, created_at INTEGER NOT NULL, secrets_version INTEGER NOT NULL DEFAULT 0,
    app_role TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS apps_org ON apps (org);
CREATE TABLE IF NOT EXISTS machines (
    id TEXT PRIMARY KEY, app TEXT NOT NULL, name TEXT NOT NULL, region TEXT NOT NULL,
    state TEXT NOT NULL, plan TEXT NOT NULL, config TEXT NOT NULL, instance_id TEXT NOT NULL,
    private_ip TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
    started_at INTEGER, boot_secrets TEXT NOT NULL, checks_failing INTEGER NOT NULL DEFAULT 0,
    cordoned INTEGER NOT NULL DEFAULT 0, lease_nonce TEXT, lease_expires INTEGER,
    lease_owner TEXT, lease_desc TEXT, boot_id TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS machines_app ON machines (app);
CREATE TABLE IF NOT EXISTS machine_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, machine_id TEXT NOT NULL,
    type TEXT NOT NULL, status TEXT NOT NULL, source TEXT NOT NULL, ts INTEGER NOT NULL,
    request TEXT);
CREATE INDEX IF NOT EXISTS machine_events_machine ON machine_events (machine_id, seq);
CREATE TABLE IF NOT EXISTS machine_versions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, machine_id TEXT NOT NULL, version TEXT NOT NULL,
    config TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS machine_versions_machine ON machine_versions (machine_id, seq);
CREATE TABLE IF NOT EXISTS volumes (
    id TEXT PRIMARY KEY, app TEXT NOT NULL, name TEXT NOT NULL, region TEXT NOT NULL,
    zone TEXT NOT NULL, size_gb INTEGER NOT NULL, state TEXT NOT NULL, encrypted INTEGER NOT NULL,
    fstype TEXT NOT NULL, attached_machine_id TEXT, created_at INTEGER NOT NULL,
    snapshot_retention INTEGER NOT NULL, auto_backup_enabled INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS volumes_app ON volumes (app);
CREATE INDEX IF NOT EXISTS volumes_machine ON volumes (attached_machine_id);
CREATE TABLE IF NOT EXISTS snapshots (
    id TEXT PRIMARY KEY, volume_id TEXT NOT NULL, app TEXT NOT NULL, size INTEGER NOT NULL,
    volume_size INTEGER NOT NULL, digest TEXT NOT NULL, created_at INTEGER NOT NULL,
    status TEXT NOT NULL, retention_days INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS snapshots_volume ON snapshots (volume_id);
CREATE TABLE IF NOT EXISTS secrets (
    app TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, digest TEXT NOT NULL,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (app, name));
CREATE TABLE IF NOT EXISTS ips (
    app TEXT NOT NULL, ip TEXT NOT NULL, type TEXT NOT NULL, region TEXT NOT NULL,
    service_name TEXT NOT NULL, shared INTEGER NOT NULL, created_at INTEGER NOT NULL,
    PRIMARY KEY (app, ip));
CREATE TABLE IF NOT EXISTS certs (
    hostname TEXT PRIMARY KEY, app TEXT NOT NULL, created_at INTEGER NOT NULL,
    acme_at INTEGER, custom_at INTEGER);
CREATE INDEX IF NOT EXISTS certs_app ON certs (app);
CREATE TABLE IF NOT EXISTS logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, app TEXT NOT NULL, ts_ns INTEGER NOT NULL,
    message TEXT NOT NULL, level TEXT NOT NULL, instance TEXT NOT NULL, region TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS logs_app ON logs (app, id);
"#;

pub struct Store {
    conn: Mutex<Connection>,
}

impl Store {
    pub fn open(path: &Path) -> Result<Store, Error> {
        let conn = Connection::open(path)?;
        // Normal (shared) locking: several processes may serve one state directory, e.g.
        // concurrent `tenantctl --local` runs. Every request takes the locks once, in one
        // explicit transaction.
        // WAL + synchronous=NORMAL: a committed transaction survives a process kill
        // (only an OS crash may lose the last commits), without an fsync per commit.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "busy_timeout", 10_000)?;
        conn.execute_batch(SCHEMA)?;
        migrate(&conn)?;
        conn.set_prepared_statement_cache_capacity(256);
        Ok(Store {
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves at most an open transaction, which `tx`
        // rolls back before starting the next one, so a poisoned lock is safe to reuse.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Run `f` in a write transaction and commit before returning (rolled back on error).
    /// IMMEDIATE takes the write lock up front: another process sharing the database
    /// cannot invalidate our snapshot between a read and a write.
    pub fn tx<T>(&self, f: impl FnOnce(&Connection) -> Result<T, ApiError>) -> Result<T, ApiError> {
        self.run("BEGIN IMMEDIATE", f)
    }

    /// Read-only access, in one transaction for a consistent view and a single lock.
    pub fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        self.run("BEGIN", f)
    }

    fn run<T>(
        &self,
        begin: &str,
        f: impl FnOnce(&Connection) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let conn = self.lock();
        if !conn.is_autocommit() {
            conn.prepare_cached("ROLLBACK")?.execute([])?;
        }
        // Cached BEGIN/COMMIT statements: no SQL parsing on the hot path.
        conn.prepare_cached(begin)?.execute([])?;
        match f(&conn) {
            Ok(out) => {
                conn.prepare_cached("COMMIT")?.execute([])?;
                Ok(out)
            }
            Err(e) => {
                conn.prepare_cached("ROLLBACK")?.execute([])?;
                Err(e)
            }
        }
    }
}

/// Bring a database written by an older flysim up to the current schema. Each ALTER fails
/// harmlessly when its column is already there.
fn migrate(conn: &Connection) -> Result<(), Error> {
    let _ = conn.execute(
        "ALTER TABLE machines ADD COLUMN boot_id TEXT NOT NULL DEFAULT ''",
        [],
    );
    let _ = conn.execute(
        "ALTER TABLE apps ADD COLUMN app_role TEXT NOT NULL DEFAULT ''",
        [],
    );
    // Certificates used to be ACME-only: every older row is an ACME request made when the
    // hostname was added. Backfill only when the column is new, since a NULL `acme_at` is
    // also a valid later state (ACME certificate deleted).
    if conn
        .execute("ALTER TABLE certs ADD COLUMN acme_at INTEGER", [])
        .is_ok()
    {
        conn.execute("UPDATE certs SET acme_at = created_at", [])?;
    }
    let _ = conn.execute("ALTER TABLE certs ADD COLUMN custom_at INTEGER", []);
    // fly-go decodes internal_numeric_id as an int32; older databases drew ids up to 2^32.
    for table in ["apps", "orgs"] {
        conn.execute(
            &format!(
                "UPDATE {table} SET numeric_id = numeric_id % {NUMERIC_ID_LIMIT} WHERE numeric_id >= {NUMERIC_ID_LIMIT}"
            ),
            [],
        )?;
    }
    Ok(())
}

/// Numeric ids stay below 2^31: fly-go reads `internal_numeric_id` into an int32.
const NUMERIC_ID_LIMIT: i64 = 1 << 31;

/// A random `internal_numeric_id` that fits an int32.
pub fn numeric_id() -> i64 {
    i64::from(rand::random::<u32>() >> 1)
}

#[derive(Debug, Clone)]
pub struct AppRow {
    pub name: String,
    pub id: String,
    pub numeric_id: i64,
    pub org: String,
    pub network: String,
    pub created_at: i64,
    pub secrets_version: i64,
    /// From the create call's `app_role_id`; empty for ordinary apps.
    pub app_role: String,
}

pub fn get_app(conn: &Connection, name: &str) -> Result<Option<AppRow>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, id, numeric_id, org, network, created_at, secrets_version, app_role FROM apps WHERE name = ?1",
    )?;
    Ok(stmt
        .query_row([name], |r| {
            Ok(AppRow {
                name: r.get(0)?,
                id: r.get(1)?,
                numeric_id: r.get(2)?,
                org: r.get(3)?,
                network: r.get(4)?,
                created_at: r.get(5)?,
                secrets_version: r.get(6)?,
                app_role: r.get(7)?,
            })
        })
        .optional()?)
}

/// One scheduled lifecycle step: at `at` (unix ms) the machine enters `state`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Step {
    pub state: String,
    pub at: i64,
    /// Log lines written when the step is applied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub logs: Vec<String>,
    /// Machine event (type, status) recorded when the step is applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Lease {
    pub nonce: String,
    pub expires_at: i64,
    pub owner: String,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct MachineRow {
    pub id: String,
    pub app: String,
    pub name: String,
    pub region: String,
    pub state: String,
    pub plan: Vec<Step>,
    pub config: Value,
    pub instance_id: String,
    pub private_ip: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub started_at: Option<i64>,
    pub boot_secrets: BTreeMap<String, String>,
    /// Identifies the current boot: the private root filesystem lives as long as it does
    /// (a suspend/resume keeps it, a stop/start, restart or update replaces it).
    pub boot_id: String,
    pub checks_failing: bool,
    pub cordoned: bool,
    pub lease: Option<Lease>,
}

impl MachineRow {
    /// The lease if it has not expired at `now_ms`.
    pub fn active_lease(&self, now_ms: i64) -> Option<&Lease> {
        self.lease.as_ref().filter(|l| l.expires_at * 1000 > now_ms)
    }
}

const MACHINE_COLS: &str = "id, app, name, region, state, plan, config, instance_id, private_ip, created_at, updated_at, started_at, boot_secrets, checks_failing, cordoned, lease_nonce, lease_expires, lease_owner, lease_desc, boot_id";

fn machine_from_row(r: &Row<'_>) -> rusqlite::Result<MachineRow> {
    let plan: String = r.get(5)?;
    let config: String = r.get(6)?;
    let secrets: String = r.get(12)?;
    let nonce: Option<String> = r.get(15)?;
    let lease = match nonce {
        Some(nonce) => Some(Lease {
            nonce,
            expires_at: r.get::<_, Option<i64>>(16)?.unwrap_or(0),
            owner: r.get::<_, Option<String>>(17)?.unwrap_or_default(),
            description: r.get::<_, Option<String>>(18)?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(MachineRow {
        id: r.get(0)?,
        app: r.get(1)?,
        name: r.get(2)?,
        region: r.get(3)?,
        state: r.get(4)?,
        plan: serde_json::from_str(&plan).unwrap_or_default(),
        config: serde_json::from_str(&config).unwrap_or(Value::Null),
        instance_id: r.get(7)?,
        private_ip: r.get(8)?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
        started_at: r.get(11)?,
        boot_secrets: serde_json::from_str(&secrets).unwrap_or_default(),
        boot_id: r.get::<_, Option<String>>(19)?.unwrap_or_default(),
        checks_failing: r.get::<_, i64>(13)? != 0,
        cordoned: r.get::<_, i64>(14)? != 0,
        lease,
    })
}

pub fn load_machine(
    conn: &Connection,
    app: &str,
    id: &str,
) -> Result<Option<MachineRow>, ApiError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {MACHINE_COLS} FROM machines WHERE id = ?1 AND app = ?2"
    ))?;
    Ok(stmt
        .query_row(params![id, app], machine_from_row)
        .optional()?)
}

pub fn load_machines(conn: &Connection, app: &str) -> Result<Vec<MachineRow>, ApiError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {MACHINE_COLS} FROM machines WHERE app = ?1 ORDER BY created_at, id"
    ))?;
    let rows = stmt.query_map([app], machine_from_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

pub fn save_machine(conn: &Connection, m: &MachineRow) -> Result<(), ApiError> {
    let mut stmt = conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO machines ({MACHINE_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)"
    ))?;
    let lease = m.lease.as_ref();
    stmt.execute(params![
        m.id,
        m.app,
        m.name,
        m.region,
        m.state,
        serde_json::to_string(&m.plan).unwrap_or_else(|_| "[]".into()),
        m.config.to_string(),
        m.instance_id,
        m.private_ip,
        m.created_at,
        m.updated_at,
        m.started_at,
        serde_json::to_string(&m.boot_secrets).unwrap_or_else(|_| "{}".into()),
        m.checks_failing as i64,
        m.cordoned as i64,
        lease.map(|l| l.nonce.clone()),
        lease.map(|l| l.expires_at),
        lease.map(|l| l.owner.clone()),
        lease.map(|l| l.description.clone()),
        m.boot_id,
    ])?;
    Ok(())
}

pub fn insert_event(
    conn: &Connection,
    machine_id: &str,
    kind: &str,
    status: &str,
    source: &str,
    ts_ms: i64,
    request: Option<&Value>,
) -> Result<(), ApiError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO machine_events (id, machine_id, type, status, source, ts, request) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    stmt.execute(params![
        crate::util::ulid(),
        machine_id,
        kind,
        status,
        source,
        ts_ms,
        request.map(|r| r.to_string())
    ])?;
    Ok(())
}

/// A machine event as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct EventOut {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
    pub source: String,
    pub timestamp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<Value>,
}

/// Newest first.
pub fn machine_events(
    conn: &Connection,
    machine_id: &str,
    limit: i64,
) -> Result<Vec<EventOut>, ApiError> {
    // A literal LIMIT: a bound one makes SQLite re-prepare the statement on every run.
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, type, status, source, ts, request FROM machine_events WHERE machine_id = ?1 ORDER BY seq DESC LIMIT {}",
        limit.max(0)
    ))?;
    let rows = stmt.query_map(params![machine_id], |r| {
        let request: Option<String> = r.get(5)?;
        Ok(EventOut {
            id: r.get(0)?,
            kind: r.get(1)?,
            status: r.get(2)?,
            source: r.get(3)?,
            timestamp: r.get(4)?,
            request: request.and_then(|s| serde_json::from_str::<Value>(&s).ok()),
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

pub fn insert_log(
    conn: &Connection,
    app: &str,
    ts_ns: i64,
    level: &str,
    instance: &str,
    region: &str,
    message: &str,
) -> Result<(), ApiError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO logs (app, ts_ns, message, level, instance, region) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    stmt.execute(params![app, ts_ns, message, level, instance, region])?;
    Ok(())
}

/// Remember a machine version (config as of an instance id).
pub fn insert_version(conn: &Connection, m: &MachineRow) -> Result<(), ApiError> {
    conn.prepare_cached(
        "INSERT INTO machine_versions (machine_id, version, config, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![m.id, m.instance_id, m.config.to_string(), m.updated_at])?;
    Ok(())
}

/// Newest first.
pub fn machine_versions(conn: &Connection, machine_id: &str) -> Result<Vec<Value>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT version, config FROM machine_versions WHERE machine_id = ?1 ORDER BY seq DESC",
    )?;
    let rows = stmt.query_map([machine_id], |r| {
        let config: String = r.get(1)?;
        Ok(serde_json::json!({
            "version": r.get::<_, String>(0)?,
            "user_config": serde_json::from_str::<Value>(&config).unwrap_or(Value::Null),
        }))
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_an_older_database_migrates_it() {
        let dir = std::env::temp_dir().join(format!("flysim-migrate-{}", crate::util::hex_id(8)));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("flysim.db");
        {
            // The tables as flysim wrote them before app roles, custom certificates and
            // int32 numeric ids.
            let conn = Connection::open(&path).expect("open");
            conn.execute_batch(
                "CREATE TABLE orgs (slug TEXT PRIMARY KEY, name TEXT NOT NULL, numeric_id INTEGER NOT NULL);
                 CREATE TABLE apps (
                    name TEXT PRIMARY KEY, id TEXT NOT NULL, numeric_id INTEGER NOT NULL, org TEXT NOT NULL,
                    network TEXT NOT NULL, created_at INTEGER NOT NULL, secrets_version INTEGER NOT NULL DEFAULT 0);
                 CREATE TABLE certs (hostname TEXT PRIMARY KEY, app TEXT NOT NULL, created_at INTEGER NOT NULL);
                 INSERT INTO orgs VALUES ('personal', 'Personal', 4000000000);
                 INSERT INTO apps (name, id, numeric_id, org, network, created_at) VALUES ('old', 'x', 3000000000, 'personal', '', 1);
                 INSERT INTO certs VALUES ('old.example.com', 'old', 5);",
            )
            .expect("old schema");
        }
        // Twice: the second open must not backfill again over a deleted ACME certificate.
        for expect_acme in [Some(5), None] {
            let store = Store::open(&path).expect("migrates");
            store
                .read(|conn| {
                    let app = get_app(conn, "old")?.ok_or_else(|| ApiError::internal("gone"))?;
                    assert_eq!(app.app_role, "");
                    assert!(app.numeric_id < NUMERIC_ID_LIMIT, "{}", app.numeric_id);
                    let org: i64 =
                        conn.query_row("SELECT numeric_id FROM orgs", [], |r| r.get(0))?;
                    assert!(org < NUMERIC_ID_LIMIT, "{org}");
                    let (acme, custom): (Option<i64>, Option<i64>) =
                        conn.query_row("SELECT acme_at, custom_at FROM certs", [], |r| {
                            Ok((r.get(0)?, r.get(1)?))
                        })?;
                    assert_eq!((acme, custom), (expect_acme, None));
                    Ok(())
                })
                .expect("read");
            store
                .tx(|tx| {
                    tx.execute("UPDATE certs SET acme_at = NULL", [])?;
                    Ok(())
                })
                .expect("write");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
