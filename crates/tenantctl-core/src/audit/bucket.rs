//! The bucket sink: one object per record under `<backup prefix>_audit/<yyyy>/<mm>/<dd>/`,
//! named by the record's id (time first), so a listing returns records in time order and
//! concurrent runners never write the same key. `_` cannot start a tenant id, so the folder
//! never meets a tenant's backups.

use futures::{StreamExt, TryStreamExt};
use time::{Date, OffsetDateTime};

use super::{Record, Since};
use crate::error::OpError;
use crate::storage::Store;

/// The folder under the backup prefix that holds the records.
pub const BUCKET_DIR: &str = "_audit/";

/// Records read from the bucket at once.
const READ_CONCURRENCY: usize = 16;

/// A `--since` further back than this lists the whole folder instead of one prefix a day.
const MAX_DAY_PREFIXES: i64 = 62;

/// The key of `record` under `prefix`; `None` for a record whose time does not parse.
pub fn bucket_key(prefix: &str, record: &Record) -> Option<String> {
    let at = record.parsed_time()?;
    Some(format!(
        "{}{}.json",
        day_prefix(prefix, at.date()),
        record.id
    ))
}

fn day_prefix(prefix: &str, day: Date) -> String {
    format!(
        "{prefix}{BUCKET_DIR}{:04}/{:02}/{:02}/",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

/// Writes `record` as its own object.
pub async fn put(store: &Store, prefix: &str, record: &Record) -> Result<String, OpError> {
    let key = bucket_key(prefix, record).ok_or_else(|| {
        OpError::invalid(format!("record time `{}` is not RFC 3339", record.time))
    })?;
    store.put_small(&key, record.to_line().into_bytes()).await?;
    Ok(key)
}

/// What the bucket holds: records in key (time) order, and the keys that are not records.
#[derive(Debug, Default)]
pub struct BucketContents {
    pub records: Vec<Record>,
    pub bad_keys: Vec<String>,
}

/// Reads the records under `prefix`; with `since`, only the days from its date to `now`'s.
pub async fn read(
    store: &Store,
    prefix: &str,
    since: Option<Since>,
    now: OffsetDateTime,
) -> Result<BucketContents, OpError> {
    let prefixes = listing_prefixes(prefix, since, now);
    let mut keys = Vec::new();
    for p in &prefixes {
        keys.extend(
            store
                .list(p)
                .await?
                .into_iter()
                .map(|o| o.key)
                .filter(|k| k.ends_with(".json")),
        );
    }
    let bodies: Vec<(String, Option<Vec<u8>>)> = futures::stream::iter(keys)
        .map(|key| async move {
            let body = store.get_small(&key).await?;
            Ok::<_, OpError>((key, body))
        })
        .buffered(READ_CONCURRENCY)
        .try_collect()
        .await?;
    let mut contents = BucketContents::default();
    for (key, body) in bodies {
        // Listed, then gone: nothing deletes records, but a lifecycle rule may.
        let Some(body) = body else { continue };
        match std::str::from_utf8(&body)
            .map_err(|e| e.to_string())
            .and_then(|t| Record::parse(t.trim()))
        {
            Ok(record) => contents.records.push(record),
            Err(_) => contents.bad_keys.push(key),
        }
    }
    Ok(contents)
}

/// One prefix per day from `since` to `now` when that is few enough, else the whole folder.
fn listing_prefixes(prefix: &str, since: Option<Since>, now: OffsetDateTime) -> Vec<String> {
    let whole = vec![format!("{prefix}{BUCKET_DIR}")];
    let Some(Since(since)) = since else {
        return whole;
    };
    let first = since.to_offset(time::UtcOffset::UTC).date();
    let last = now.to_offset(time::UtcOffset::UTC).date();
    if first > last {
        return vec![day_prefix(prefix, first)];
    }
    if (last - first).whole_days() > MAX_DAY_PREFIXES {
        return whole;
    }
    let mut out = Vec::new();
    let mut day = first;
    while day <= last {
        out.push(day_prefix(prefix, day));
        match day.next_day() {
            Some(next) => day = next,
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::record::tests::sample;
    use time::macros::datetime;

    #[test]
    fn keys_are_per_day_and_named_by_id() {
        let mut record = sample(Some("acme"), "2026-03-09T23:59:59.000001Z");
        record.id = "20260309T235959.000001Z-0badcafe".into();
        assert_eq!(
            bucket_key("backups/", &record).as_deref(),
            Some("backups/_audit/2026/03/09/20260309T235959.000001Z-0badcafe.json")
        );
        record.time = "yesterday".into();
        assert_eq!(bucket_key("", &record), None);
    }

    #[test]
    fn since_narrows_the_listing_to_its_days() {
        let now = datetime!(2026-03-10 12:00 UTC);
        assert_eq!(listing_prefixes("p/", None, now), ["p/_audit/"]);
        let since = Some(Since(datetime!(2026-03-09 18:00 UTC)));
        assert_eq!(
            listing_prefixes("p/", since, now),
            ["p/_audit/2026/03/09/", "p/_audit/2026/03/10/"]
        );
        let long_ago = Some(Since(datetime!(2025-01-01 0:00 UTC)));
        assert_eq!(listing_prefixes("p/", long_ago, now), ["p/_audit/"]);
    }
}
