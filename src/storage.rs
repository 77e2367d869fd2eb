//! Opening the backup store: the `[backup]` endpoint with credentials from the environment
//! or a credentials file, or with --local and no endpoint, the local emulator's object store
//! (data under .tenantctl/local/, same presigned code path as R2).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use tenantctl_core::config::{Backup, Config, ConfigSource};
use tenantctl_core::storage::{StorageCredentials, Store, StoreConfig};

use crate::context::{Env, vars};
use crate::error::{CliError, Exit};
use crate::frame::Connection;

/// Credentials of the local emulator's object store (not secret: it only serves loopback).
const LOCAL_ACCESS_KEY_ID: &str = "flysim-local";
const LOCAL_SECRET_ACCESS_KEY: &str = "flysim-local-secret";
const LOCAL_REGION: &str = "local";

/// The storage variables of the environment. `Debug` hides the secret.
#[derive(Clone, Default)]
pub struct StorageEnv {
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    credentials_file: Option<PathBuf>,
}

impl fmt::Debug for StorageEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StorageEnv")
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "<redacted>"),
            )
            .field("credentials_file", &self.credentials_file)
            .finish()
    }
}

impl StorageEnv {
    pub fn from_env(env: &Env) -> StorageEnv {
        StorageEnv {
            access_key_id: env.get(vars::AWS_ACCESS_KEY_ID).map(str::to_string),
            secret_access_key: env.get(vars::AWS_SECRET_ACCESS_KEY).map(str::to_string),
            credentials_file: env
                .get(vars::BACKUP_CREDENTIALS_FILE)
                .map(|p| env.cwd.join(p)),
        }
    }
}

/// The `[backup]` table, or a usage error saying how to add one.
pub fn backup_config(config: &Config) -> Result<&Backup, CliError> {
    config.backup.as_ref().ok_or_else(|| {
        CliError::usage(format!("{} has no [backup] table", config.source))
            .with_hint("add [backup] with an endpoint, a bucket and what to dump (docs/backups.md)")
    })
}

/// Opens the store the configuration names.
pub fn open(env: &StorageEnv, connection: &Connection, config: &Config) -> Result<Store, CliError> {
    let backup = backup_config(config)?;
    let request_timeout = Duration::from_secs(60);
    let store_config = match (&backup.endpoint, connection.local_objects_url()) {
        (Some(endpoint), _) => StoreConfig {
            endpoint: endpoint.clone(),
            bucket: backup.bucket_name().to_string(),
            region: backup.region.clone(),
            addressing: backup.addressing,
            credentials: credentials(env, backup, config)?,
            request_timeout,
        },
        (None, Some(local)) => StoreConfig {
            endpoint: local,
            bucket: backup.bucket_name().to_string(),
            region: LOCAL_REGION.to_string(),
            addressing: tenantctl_core::config::Addressing::Path,
            credentials: StorageCredentials::new(LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY),
            request_timeout,
        },
        (None, None) => {
            return Err(CliError::usage(format!(
                "backup.endpoint is not set in {}; only --local backs up without one",
                config.source
            ))
            .with_hint("set backup.endpoint, e.g. https://<account>.r2.cloudflarestorage.com"));
        }
    };
    Store::new(&store_config).map_err(|e| CliError::usage(e.to_string()))
}

/// The store `[backup]` names by its endpoint, without a connection; `None` when there is no
/// `[backup]` or it names no endpoint (local mode's emulator store lives only while connected).
pub fn open_endpoint(env: &StorageEnv, config: &Config) -> Result<Option<Store>, CliError> {
    let Some(backup) = &config.backup else {
        return Ok(None);
    };
    let Some(endpoint) = &backup.endpoint else {
        return Ok(None);
    };
    let store_config = StoreConfig {
        endpoint: endpoint.clone(),
        bucket: backup.bucket_name().to_string(),
        region: backup.region.clone(),
        addressing: backup.addressing,
        credentials: credentials(env, backup, config)?,
        request_timeout: Duration::from_secs(20),
    };
    Store::new(&store_config)
        .map(Some)
        .map_err(|e| CliError::usage(e.to_string()))
}

/// Credentials: the environment first, then TENANTCTL_BACKUP_CREDENTIALS_FILE, then
/// backup.credentials_file (relative to tenantctl.toml).
fn credentials(
    env: &StorageEnv,
    backup: &Backup,
    config: &Config,
) -> Result<StorageCredentials, CliError> {
    match (&env.access_key_id, &env.secret_access_key) {
        (Some(id), Some(secret)) => return Ok(StorageCredentials::new(id, secret)),
        (Some(_), None) | (None, Some(_)) => {
            return Err(CliError::usage(
                "only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY is set; set both",
            ));
        }
        (None, None) => {}
    }
    let file = env.credentials_file.clone().or_else(|| {
        let path = PathBuf::from(backup.credentials_file.as_ref()?);
        Some(match &config.source {
            ConfigSource::File(cfg) if path.is_relative() => {
                cfg.parent().map_or(path.clone(), |d| d.join(&path))
            }
            _ => path,
        })
    });
    let Some(file) = file else {
        return Err(CliError::new(
            Exit::Usage,
            "no backup storage credentials",
        )
        .with_hint(
            "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (an R2 API token's key pair), or TENANTCTL_BACKUP_CREDENTIALS_FILE",
        ));
    };
    let text = std::fs::read_to_string(&file).map_err(|e| {
        CliError::usage(format!(
            "cannot read the backup credentials file {}: {e}",
            file.display()
        ))
    })?;
    StorageCredentials::parse_file(&text).map_err(|why| {
        CliError::usage(format!(
            "backup credentials file {} is not usable: {why}",
            file.display()
        ))
    })
}
