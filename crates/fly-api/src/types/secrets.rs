//! App secrets: `/v1/apps/{app}/secrets`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A secret value. `Debug` never shows it; read it with [`SecretValue::expose`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretValue(String);

impl SecretValue {
    pub fn new(value: impl Into<String>) -> Self {
        SecretValue(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue(<redacted>)")
    }
}

impl From<String> for SecretValue {
    fn from(value: String) -> Self {
        SecretValue(value)
    }
}

impl From<&str> for SecretValue {
    fn from(value: &str) -> Self {
        SecretValue(value.to_owned())
    }
}

/// One app secret. Fly returns the value only when asked to (`show_secrets`), which this client
/// never does; `digest` identifies the value instead.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSecret {
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<SecretValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

/// Response of `GET /secrets`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListSecretsResponse {
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub secrets: Vec<AppSecret>,
}

/// Body of the bulk `POST /secrets`: a value sets the secret, `None` (sent as `null`) removes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateSecretsRequest {
    pub values: BTreeMap<String, Option<SecretValue>>,
}

/// Response of a secrets write. `version` is the app-wide secrets version after the write; pass
/// it as `min_secrets_version` on machine create/update.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateSecretsResponse {
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub secrets: Vec<AppSecret>,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub version: u64,
}
