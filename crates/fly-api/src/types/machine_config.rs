//! `MachineConfig` and its parts, with Fly's field names and wire formats.

use serde::{Deserialize, Serialize};

/// The machine configuration the Machines API takes on create and update.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}
