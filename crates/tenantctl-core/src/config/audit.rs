//! `[audit]`: where the audit trail of mutating commands goes (docs/audit.md).

use serde::Deserialize;

/// Default audit file, relative to the directory of tenantctl.toml.
pub const DEFAULT_AUDIT_FILE: &str = ".tenantctl/audit.jsonl";

/// `[audit]` as written; every key is optional.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Audit {
    /// The JSON Lines file, relative to tenantctl.toml [default: .tenantctl/audit.jsonl].
    #[serde(default)]
    pub file: Option<String>,
    /// Also write each record to the backup bucket when `[backup]` names an endpoint.
    #[serde(default = "default_bucket")]
    pub bucket: bool,
}

impl Default for Audit {
    fn default() -> Audit {
        Audit {
            file: None,
            bucket: default_bucket(),
        }
    }
}

fn default_bucket() -> bool {
    true
}
