//! `[backup]`: where backups go (an S3-compatible bucket), how long they are kept, which
//! tenants have them, and how a tenant's data is dumped and restored inside its machine.
//!
//! Credentials are never read from here: they come from the environment or a credentials
//! file (see the CLI's storage module), so tenantctl.toml can be committed.

use serde::Deserialize;

use super::ConfigDuration;

/// Bucket used when `[backup]` names no endpoint and tenantctl runs in local mode.
pub const LOCAL_BUCKET: &str = "tenantctl-local";

/// Smallest part S3 accepts in a multipart upload (every part but the last).
pub const MIN_PART_SIZE_MB: u64 = 5;

/// How object URLs name the bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Addressing {
    /// `https://endpoint/bucket/key`: R2, Garage, MinIO.
    #[default]
    Path,
    /// `https://bucket.endpoint/key`: AWS S3's default.
    VirtualHost,
}

/// `[backup]` as written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Backup {
    /// S3 endpoint, e.g. `https://<account>.r2.cloudflarestorage.com`. Local mode without one
    /// backs up to the emulator's object store.
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default)]
    pub bucket: Option<String>,
    /// Signing region; R2 uses `auto`.
    #[serde(default = "default_region")]
    pub region: String,
    /// Prepended to every object key, e.g. `backups/`.
    #[serde(default)]
    pub prefix: String,
    #[serde(default)]
    pub addressing: Addressing,
    /// A file holding AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (the environment wins).
    #[serde(default)]
    pub credentials_file: Option<String>,
    /// Backups older than this many days, counted back from the newest good one, are pruned.
    #[serde(default = "default_retention_days")]
    pub retention_days: u32,
    /// Keep at least this many newest good backups whatever their age (0: no minimum).
    #[serde(default)]
    pub keep_last: u32,
    /// The Backups add-on: tenants with backups whatever their tier's `backups` says.
    #[serde(default)]
    pub tenants: Vec<String>,
    /// Longest a dump, an upload or a restore command may run inside the machine.
    #[serde(default = "default_timeout")]
    pub timeout: ConfigDuration,
    /// Lifetime of the presigned URLs handed to a machine.
    #[serde(default = "default_url_expiry")]
    pub url_expiry: ConfigDuration,
    /// Objects larger than this go up as a multipart upload of parts this size (MiB, >= 5).
    #[serde(default = "default_part_size_mb")]
    pub part_size_mb: u64,
    /// Directory inside the machine for the dump files while they upload.
    #[serde(default = "default_scratch_dir")]
    pub scratch_dir: String,
    #[serde(default)]
    pub database: Option<DatabaseDump>,
    #[serde(default)]
    pub files: Option<FilesArchive>,
}

/// How the database is dumped and restored: argv lists run in the machine, where `{file}`
/// stands for the dump file's path.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseDump {
    /// Object name of the dump inside a backup.
    #[serde(default = "default_database_name")]
    pub name: String,
    pub dump: Vec<String>,
    pub restore: Vec<String>,
}

/// The tenant's uploaded files: directories archived with tar.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilesArchive {
    #[serde(default = "default_files_name")]
    pub name: String,
    /// Absolute paths inside the machine, e.g. `/data/files`.
    pub paths: Vec<String>,
}

fn default_region() -> String {
    "auto".into()
}
fn default_retention_days() -> u32 {
    30
}
fn default_timeout() -> ConfigDuration {
    ConfigDuration::from_secs(30 * 60)
}
fn default_url_expiry() -> ConfigDuration {
    ConfigDuration::from_secs(3600)
}
fn default_part_size_mb() -> u64 {
    64
}
fn default_scratch_dir() -> String {
    "/tmp/tenantctl-backup".into()
}
fn default_database_name() -> String {
    "database.dump".into()
}
fn default_files_name() -> String {
    "files.tar.gz".into()
}

impl Backup {
    /// Checks what serde cannot; errors name the key under `[backup]`.
    pub(super) fn check(&self) -> Result<(), (String, String)> {
        let err = |key: &str, message: &str| Err((format!("backup.{key}"), message.to_string()));
        if let Some(endpoint) = &self.endpoint
            && !(endpoint.starts_with("https://") || endpoint.starts_with("http://"))
        {
            return err(
                "endpoint",
                "must be an http(s) URL, e.g. https://<account>.r2.cloudflarestorage.com",
            );
        }
        if self.endpoint.is_some() && self.bucket.as_deref().is_none_or(str::is_empty) {
            return err("bucket", "must name the bucket backups go to");
        }
        if self.part_size_mb < MIN_PART_SIZE_MB {
            return err(
                "part_size_mb",
                "must be at least 5: S3 refuses smaller multipart parts",
            );
        }
        if self.url_expiry.as_secs() == 0 || self.url_expiry.as_secs() > 7 * 24 * 3600 {
            return err(
                "url_expiry",
                "must be between 1s and 7 days (the longest a presigned URL may live)",
            );
        }
        if self.database.is_none() && self.files.is_none() {
            return err(
                "database",
                "back up something: add [backup.database] (dump and restore commands) and/or [backup.files] (paths)",
            );
        }
        if let Some(db) = &self.database {
            for (key, argv) in [
                ("database.dump", &db.dump),
                ("database.restore", &db.restore),
            ] {
                if argv.first().is_none_or(|a| a.trim().is_empty()) {
                    return err(key, "must be a non-empty argv list using `{file}`");
                }
                if !argv.iter().any(|a| a.contains("{file}")) {
                    return err(key, "must use `{file}`, the dump file's path");
                }
            }
            check_object_name(&db.name).map_err(|m| ("backup.database.name".to_string(), m))?;
        }
        if let Some(files) = &self.files {
            if files.paths.is_empty() || files.paths.iter().any(|p| !p.starts_with('/')) {
                return err(
                    "files.paths",
                    "must list absolute paths, e.g. [\"/data/files\"]",
                );
            }
            check_object_name(&files.name).map_err(|m| ("backup.files.name".to_string(), m))?;
        }
        if self.database.as_ref().map(|d| &d.name) == self.files.as_ref().map(|f| &f.name) {
            return err("files.name", "must differ from backup.database.name");
        }
        if !self.scratch_dir.starts_with('/') || self.scratch_dir.contains('\'') {
            return err("scratch_dir", "must be an absolute path without quotes");
        }
        Ok(())
    }

    /// The bucket, falling back to the local one.
    pub fn bucket_name(&self) -> &str {
        self.bucket.as_deref().unwrap_or(LOCAL_BUCKET)
    }

    pub fn part_size_bytes(&self) -> u64 {
        self.part_size_mb * 1024 * 1024
    }
}

/// Object names become file names in the machine and key segments: keep them plain.
fn check_object_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name != "manifest.json"
        && name != "verified.json"
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not an object name: use letters, digits, `.`, `-` and `_` (not manifest.json)"
        ))
    }
}
