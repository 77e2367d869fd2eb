//! Log lines: written by the lifecycle and exec, read page by page by the logs API.

use rusqlite::{Connection, params};
use serde_json::{Value, json};

use crate::error::ApiResult;
use crate::util::rfc3339_ns;

pub const PAGE_SIZE: i64 = 100;

/// Entries after `after` (a log id), optionally filtered by instance and region.
/// Returns the entries and the id of the last one.
pub fn page(
    conn: &Connection,
    app: &str,
    after: i64,
    instance: Option<&str>,
    region: Option<&str>,
) -> ApiResult<(Vec<Value>, Option<i64>)> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, ts_ns, message, level, instance, region FROM logs
         WHERE app = ?1 AND id > ?2 AND (?3 IS NULL OR instance = ?3) AND (?4 IS NULL OR region = ?4)
         ORDER BY id LIMIT {PAGE_SIZE}",
    ))?;
    let rows = stmt.query_map(params![app, after, instance, region], |r| {
        let id: i64 = r.get(0)?;
        let instance: String = r.get(4)?;
        let region: String = r.get(5)?;
        Ok((
            id,
            json!({
                "id": format!("{id:020}"),
                "attributes": {
                    "timestamp": rfc3339_ns(r.get::<_, i64>(1)?),
                    "message": r.get::<_, String>(2)?,
                    "level": r.get::<_, String>(3)?,
                    "instance": instance,
                    "region": region,
                    "meta": {
                        "instance": instance,
                        "region": region,
                        "event": { "provider": "app" },
                        "http": null,
                        "error": null,
                        "url": null,
                    },
                },
            }),
        ))
    })?;
    let mut last = None;
    let mut out = Vec::new();
    for row in rows {
        let (id, v) = row?;
        last = Some(id);
        out.push(v);
    }
    Ok((out, last))
}
