//! Apps: `/v1/apps`.

use serde::{Deserialize, Serialize};

/// Body of `POST /v1/apps`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateAppRequest {
    pub name: String,
    /// Organization slug (`personal` allowed).
    pub org_slug: String,
    /// Private network name. Set it per tenant so tenants cannot reach each other over 6PN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_role_id: Option<String>,
}

impl CreateAppRequest {
    pub fn new(name: impl Into<String>, org_slug: impl Into<String>) -> Self {
        CreateAppRequest {
            name: name.into(),
            org_slug: org_slug.into(),
            network: None,
            app_role_id: None,
        }
    }

    pub fn with_network(mut self, network: impl Into<String>) -> Self {
        self.network = Some(network.into());
        self
    }
}

/// What is sent for [`CreateAppRequest`]: fly-go names the field `name`, the 2024 OpenAPI spec
/// `app_name`; sending both satisfies either reading.
#[derive(Serialize)]
pub(crate) struct CreateAppWire<'a> {
    name: &'a str,
    app_name: &'a str,
    org_slug: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    network: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_role_id: Option<&'a str>,
}

impl<'a> From<&'a CreateAppRequest> for CreateAppWire<'a> {
    fn from(req: &'a CreateAppRequest) -> Self {
        CreateAppWire {
            name: &req.name,
            app_name: &req.name,
            org_slug: &req.org_slug,
            network: req.network.as_deref(),
            app_role_id: req.app_role_id.as_deref(),
        }
    }
}

/// The organization an app belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppOrganization {
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub name: String,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub slug: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_numeric_id: Option<i64>,
}

/// An app as `GET /v1/apps/{app}` and the list endpoint return it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct App {
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub id: String,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_numeric_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// `pending`, `deployed`, `suspended`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<AppOrganization>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cname_target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_role: Option<String>,
}

impl App {
    /// Fly counts `deployed` and `suspended` apps as deployed.
    pub fn is_deployed(&self) -> bool {
        matches!(self.status.as_deref(), Some("deployed") | Some("suspended"))
    }
}

/// Response of `GET /v1/apps?org_slug=...`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListAppsResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_apps: Option<u64>,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub apps: Vec<App>,
}
