//! Volumes: `/v1/apps/{app}/volumes`.

use serde::{Deserialize, Serialize};

/// Body of `POST /volumes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateVolumeRequest {
    pub name: String,
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_gb: Option<u64>,
    /// Fly's default is true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_unique_zone: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_zone_app_wide: Option<bool>,
    /// Days to keep daily snapshots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_retention: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_backup_enabled: Option<bool>,
    /// `ext4` (default) or `raw`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fstype: Option<String>,
    /// Restore from this snapshot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_id: Option<String>,
    /// Fork this volume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_volume_id: Option<String>,
    /// The guest (MachineConfig `guest` object) of the machine that will mount this volume, so
    /// Fly places the volume on a host with room for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute: Option<super::MachineGuest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute_image: Option<String>,
}

/// Volume states that mean the volume is on its way out; fly-go hides these from listings.
pub const DESTROYING_VOLUME_STATES: [&str; 5] = [
    "scheduling_destroy",
    "fork_cleanup",
    "waiting_for_detach",
    "pending_destroy",
    "destroying",
];

/// A volume as the API returns it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Volume {
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub id: String,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub name: String,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub state: String,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub size_gb: u64,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub encrypted: bool,
    /// The machine that has it mounted, `None` when free.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attached_machine_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attached_alloc_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_dedication_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_retention: Option<u32>,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub auto_backup_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_status: Option<String>,
}

impl Volume {
    /// In one of the [`DESTROYING_VOLUME_STATES`] or already destroyed.
    pub fn is_being_destroyed(&self) -> bool {
        self.state == "destroyed" || DESTROYING_VOLUME_STATES.contains(&self.state.as_str())
    }
}

/// Body of `PUT /volumes/{id}/extend`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ExtendVolumeRequest {
    pub size_gb: u64,
}

/// Response of a volume extend.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtendVolumeResponse {
    #[serde(default)]
    pub volume: Volume,
    /// The attached machine must restart to see the new size.
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub needs_restart: bool,
}

/// One snapshot of a volume.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeSnapshot {
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub id: String,
    /// Bytes.
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
}
