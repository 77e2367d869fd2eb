//! fly.toml → `MachineConfig`, following flyctl's rules.

use fly_api::types::MachineConfig;

use super::AppConfig;

/// Inputs the conversion takes from outside fly.toml.
#[derive(Debug, Clone, Default)]
pub struct ConvertOptions {
    /// The image to run; flyctl fills this in at deploy time.
    pub image: Option<String>,
    /// Value of the `fly_flyctl_version` metadata key flyctl sets.
    pub flyctl_version: Option<String>,
}

/// Why a fly.toml could not become a machine config.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ConvertError {
    pub message: String,
}

/// Builds the machine config for one process group.
pub fn to_machine_config(
    config: &AppConfig,
    group: &str,
    options: &ConvertOptions,
) -> Result<MachineConfig, ConvertError> {
    let _ = (config, options);
    Err(ConvertError {
        message: format!("conversion of process group '{group}' is not available yet"),
    })
}
