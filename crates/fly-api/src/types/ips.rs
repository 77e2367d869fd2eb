//! IP assignments: `/v1/apps/{app}/ip_assignments`.

use serde::{Deserialize, Serialize};

/// An IP address assigned to an app.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpAssignment {
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub ip: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub shared: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
}

impl IpAssignment {
    /// A private Flycast address (inside the app's 6PN network).
    pub fn is_flycast(&self) -> bool {
        self.ip.starts_with("fdaa:")
    }
}

/// Response of `GET /ip_assignments`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListIpAssignmentsResponse {
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub ips: Vec<IpAssignment>,
}

/// Body of `POST /ip_assignments`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllocateIpRequest {
    /// `v4`, `shared_v4`, `v6` or `private_v6`.
    #[serde(rename = "type")]
    pub ip_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_slug: Option<String>,
    /// For Flycast (`private_v6`), set this to the app's network: left empty the address lands
    /// in the org network and cannot reach the tenant's machines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
}
