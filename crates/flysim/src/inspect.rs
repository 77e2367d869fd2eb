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
