//! What a backup is in the bucket: its keys, its id, and the manifest written last.
//!
//! ```text
//! <prefix><tenant>/<id>/<object>        the dump and the files archive
//! <prefix><tenant>/<id>/manifest.json   written last: without it the backup does not count
//! <prefix><tenant>/<id>/verified.json   written by `backup verify` when every object checked
//! ```
//!
//! Ids start with the UTC time they were taken (`20261207T030000Z-3f9a`), so key order is
//! time order and retention never needs a clock other than the ids'.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

use crate::error::OpError;

pub const MANIFEST: &str = "manifest.json";
pub const VERIFIED: &str = "verified.json";
pub const FORMAT: &str = "tenantctl-backup/1";

/// Key layout under the configured prefix.
#[derive(Debug, Clone)]
pub struct Layout {
    pub prefix: String,
}

impl Layout {
    pub fn tenant_prefix(&self, tenant: &str) -> String {
        format!("{}{tenant}/", self.prefix)
    }

    pub fn backup_prefix(&self, tenant: &str, id: &BackupId) -> String {
        format!("{}{}/", self.tenant_prefix(tenant), id.0)
    }

    pub fn object(&self, tenant: &str, id: &BackupId, name: &str) -> String {
        format!("{}{name}", self.backup_prefix(tenant, id))
    }

    /// The backup id and object name of a key under the tenant's prefix.
    pub fn split<'k>(&self, tenant: &str, key: &'k str) -> Option<(BackupId, &'k str)> {
        let rest = key.strip_prefix(&self.tenant_prefix(tenant))?;
        let (id, name) = rest.split_once('/')?;
        let id = BackupId::parse(id).ok()?;
        (!name.is_empty() && !name.contains('/')).then_some((id, name))
    }
}

/// A backup id: `YYYYMMDDTHHMMSSZ-xxxx`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BackupId(String);

impl BackupId {
    /// A fresh id for a backup starting at `at`.
    pub fn starting_at(at: OffsetDateTime) -> BackupId {
        let stamp = at
            .to_offset(time::UtcOffset::UTC)
            .format(format_description!(
                "[year][month][day]T[hour][minute][second]Z"
            ))
            .unwrap_or_default();
        let suffix: u16 = rand::random();
        BackupId(format!("{stamp}-{suffix:04x}"))
    }

    pub fn parse(text: &str) -> Result<BackupId, OpError> {
        let bad = || {
            OpError::invalid(format!(
                "`{}` is not a backup id: ids look like 20261207T030000Z-3f9a (see `backup list`)",
                text.escape_debug()
            ))
        };
        let (stamp, suffix) = text.split_once('-').ok_or_else(bad)?;
        let ok = stamp.len() == 16
            && suffix.len() == 4
            && suffix.chars().all(|c| c.is_ascii_hexdigit())
            && parse_stamp(stamp).is_some();
        if ok {
            Ok(BackupId(text.to_string()))
        } else {
            Err(bad())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// When the backup started.
    pub fn time(&self) -> OffsetDateTime {
        parse_stamp(&self.0[..16]).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

impl std::fmt::Display for BackupId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn parse_stamp(stamp: &str) -> Option<OffsetDateTime> {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    time::PrimitiveDateTime::parse(stamp, format)
        .ok()
        .map(|t| t.assume_utc())
}

/// One object of a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestObject {
    pub name: String,
    /// `database` or `files`.
    pub kind: String,
    pub size: u64,
    pub sha256: String,
}

/// The manifest: what a backup holds and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub id: BackupId,
    pub tenant: String,
    pub app: String,
    pub tier: Option<String>,
    /// RFC 3339 start and end times.
    pub started_at: String,
    pub finished_at: String,
    pub tool_version: String,
    pub image: Option<String>,
    pub volume_id: Option<String>,
    pub volume_size_gb: Option<u64>,
    pub objects: Vec<ManifestObject>,
}

impl Manifest {
    pub fn parse(bytes: &[u8], key: &str) -> Result<Manifest, OpError> {
        let manifest: Manifest = serde_json::from_slice(bytes).map_err(|e| {
            OpError::failed(format!("manifest `{key}` does not parse: {e}"))
                .with_hint("the backup is damaged; use another one (`backup list`)")
        })?;
        if manifest.format != FORMAT {
            return Err(OpError::failed(format!(
                "manifest `{key}` has format `{}`, this tenantctl reads `{FORMAT}`",
                manifest.format
            )));
        }
        Ok(manifest)
    }

    pub fn total_size(&self) -> u64 {
        self.objects.iter().map(|o| o.size).sum()
    }
}

/// What `backup verify` records when every object of a backup checked out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verified {
    pub verified_at: String,
    pub tool_version: String,
}

pub fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_sort_by_time() {
        let at = time::macros::datetime!(2026-12-07 03:00:00 UTC);
        let id = BackupId::starting_at(at);
        assert!(id.as_str().starts_with("20261207T030000Z-"), "{id}");
        assert_eq!(BackupId::parse(id.as_str()).unwrap(), id);
        assert_eq!(id.time(), at);
        let later = BackupId::starting_at(at + time::Duration::days(1));
        assert!(later > id);
        for bad in [
            "",
            "x",
            "20261207T030000Z",
            "20261307T030000Z-aaaa",
            "../../etc-aaaa",
        ] {
            assert!(BackupId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn layout_splits_its_own_keys_only() {
        let layout = Layout {
            prefix: "b/".into(),
        };
        let id = BackupId::parse("20261207T030000Z-00aa").unwrap();
        let key = layout.object("acme", &id, "site.db");
        assert_eq!(key, "b/acme/20261207T030000Z-00aa/site.db");
        assert_eq!(layout.split("acme", &key), Some((id, "site.db")));
        assert_eq!(layout.split("acm", &key), None);
        assert_eq!(layout.split("acme", "b/acme/junk/x"), None);
    }

    #[test]
    fn bad_manifests_are_named() {
        let err = Manifest::parse(b"{", "k/manifest.json").unwrap_err();
        assert!(err.reason().contains("k/manifest.json"), "{err}");
    }
}
