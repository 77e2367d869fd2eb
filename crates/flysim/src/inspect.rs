//! What of an app is left in flysim's state: rows in any table and files on disk.
//!
//! Tests of deletion (flysim's own and tenantctl's `destroy`) use this to prove that nothing
//! of a tenant survives, whatever order or calls removed it.

use std::collections::BTreeSet;
use std::path::Path;

use rusqlite::Connection;

use crate::Sim;
use crate::error::ApiResult;

/// Tables whose rows belong to one app by an `app` column.
const APP_TABLES: [&str; 8] = [
    "apps",
    "machines",
    "volumes",
    "snapshots",
    "secrets",
    "ips",
    "certs",
    "logs",
];

/// A description of each thing of `app` still in the state, plus anything orphaned anywhere
/// (history of a machine that no longer exists, a volume's files without its volume). Empty
/// when the app is wholly gone.
pub(crate) fn leftovers(sim: &Sim, app: &str) -> ApiResult<Vec<String>> {
    let (mut found, machines, volumes, snapshots) = sim.store.read(|conn| {
        let mut found = Vec::new();
        for table in APP_TABLES {
            let column = if table == "apps" { "name" } else { "app" };
            let n: i64 = conn.query_row(
                &format!("SELECT COUNT(*) FROM {table} WHERE {column} = ?1"),
                [app],
                |r| r.get(0),
            )?;
            if n > 0 {
                found.push(format!("{n} row(s) in {table}"));
            }
        }
        for table in ["machine_events", "machine_versions"] {
            let n: i64 = conn.query_row(
                &format!(
                    "SELECT COUNT(*) FROM {table} WHERE machine_id NOT IN (SELECT id FROM machines)"
                ),
                [],
                |r| r.get(0),
            )?;
            if n > 0 {
                found.push(format!("{n} orphaned row(s) in {table}"));
            }
        }
        Ok((
            found,
            ids(conn, "machines")?,
            ids(conn, "volumes")?,
            ids(conn, "snapshots")?,
        ))
    })?;
    for (dir, known, what) in [
        (sim.rootfs_dir(), &machines, "machine files"),
        (sim.state_dir.join("volumes"), &volumes, "volume data"),
        (sim.state_dir.join("snapshots"), &snapshots, "snapshot data"),
    ] {
        for entry in entries(&dir) {
            if !known.contains(&entry) {
                found.push(format!(
                    "{what} without an owner: {}",
                    dir.join(entry).display()
                ));
            }
        }
    }
    found.sort();
    Ok(found)
}

fn ids(conn: &Connection, table: &str) -> ApiResult<BTreeSet<String>> {
    let mut stmt = conn.prepare(&format!("SELECT id FROM {table}"))?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Everything that exists in flysim's state, read straight from the store: apps, machines
/// (with their due lifecycle steps applied, as any API read would), volumes, IP addresses and
/// certificates. For checks over a whole run, such as the reliability bench's count of
/// orphans, duplicates and leases left held.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Census {
    pub apps: Vec<String>,
    pub machines: Vec<CensusMachine>,
    pub volumes: Vec<CensusVolume>,
    /// (app, address)
    pub ips: Vec<(String, String)>,
    /// (app, hostname)
    pub certs: Vec<(String, String)>,
}

/// One machine row as the census saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct CensusMachine {
    pub id: String,
    pub app: String,
    pub state: String,
    /// The machine's config as last set (image, guest, metadata, mounts).
    pub config: serde_json::Value,
    /// Its current boot's checks report critical.
    pub checks_failing: bool,
    /// Owner of a lease that has not expired, if any: its description (who took it, as the
    /// taker wrote it), else the token's user.
    pub lease_owner: Option<String>,
}

/// One volume row as the census saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct CensusVolume {
    pub id: String,
    pub app: String,
    pub state: String,
    pub size_gb: i64,
    pub attached_machine_id: Option<String>,
}

pub(crate) fn census(sim: &Sim) -> ApiResult<Census> {
    let now = crate::util::now_ms();
    sim.store.tx(|conn| {
        let mut census = Census::default();
        {
            let mut stmt = conn.prepare("SELECT name FROM apps ORDER BY name")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            census.apps = rows.collect::<Result<_, _>>()?;
        }
        let mut apps_with_machines: BTreeSet<String> = BTreeSet::new();
        {
            let mut stmt = conn.prepare("SELECT DISTINCT app FROM machines")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            for app in rows {
                apps_with_machines.insert(app?);
            }
        }
        for app in &apps_with_machines {
            for mut m in crate::store::load_machines(conn, app)? {
                crate::lifecycle::settle(sim, conn, &mut m, now)?;
                census.machines.push(CensusMachine {
                    lease_owner: m.active_lease(now).map(|l| {
                        if l.description.is_empty() {
                            l.owner.clone()
                        } else {
                            l.description.clone()
                        }
                    }),
                    id: m.id,
                    app: m.app,
                    state: m.state,
                    config: m.config,
                    checks_failing: m.checks_failing,
                });
            }
        }
        {
            let mut stmt = conn.prepare(
                "SELECT id, app, state, size_gb, attached_machine_id FROM volumes ORDER BY app, id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(CensusVolume {
                    id: r.get(0)?,
                    app: r.get(1)?,
                    state: r.get(2)?,
                    size_gb: r.get(3)?,
                    attached_machine_id: r.get(4)?,
                })
            })?;
            census.volumes = rows.collect::<Result<_, _>>()?;
        }
        for (table, column, out) in [
            ("ips", "ip", &mut census.ips),
            ("certs", "hostname", &mut census.certs),
        ] {
            let mut stmt =
                conn.prepare(&format!("SELECT app, {column} FROM {table} ORDER BY app"))?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?;
            *out = rows.collect::<Result<_, _>>()?;
        }
        Ok(census)
    })
}
