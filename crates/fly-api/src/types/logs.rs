//! App logs: `GET {logs_base}/api/v1/apps/{app}/logs`.

use serde::{Deserialize, Serialize};

/// Filters and paging of a logs request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogsQuery {
    /// The `next_token` of the previous page; empty for the first.
    pub next_token: String,
    /// Machine ID.
    pub instance: Option<String>,
    pub region: Option<String>,
}

/// Event details of a log line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

/// Error details of a log line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LogError {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// URL details of a log line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogUrl {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full: Option<String>,
}

/// The `meta` part of a log line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LogMeta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<LogEvent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<LogError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<LogUrl>,
}

/// One log line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    /// RFC 3339.
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub timestamp: String,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub message: String,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub level: String,
    /// Machine ID.
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub instance: String,
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<LogMeta>,
}

/// One page of logs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LogsResponse {
    pub entries: Vec<LogEntry>,
    /// Pass back as [`LogsQuery::next_token`]; keep the previous one when this is empty.
    pub next_token: String,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct LogsWire {
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub data: Vec<LogRecordWire>,
    #[serde(default)]
    pub meta: Option<LogsMetaWire>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct LogRecordWire {
    #[serde(default)]
    pub attributes: LogEntry,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct LogsMetaWire {
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub next_token: String,
}

impl From<LogsWire> for LogsResponse {
    fn from(wire: LogsWire) -> Self {
        LogsResponse {
            entries: wire.data.into_iter().map(|r| r.attributes).collect(),
            next_token: wire.meta.map(|m| m.next_token).unwrap_or_default(),
        }
    }
}
