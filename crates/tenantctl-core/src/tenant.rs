//! Tenant ids and the Fly app names made from them.
//!
//! Fly app names become DNS labels (`<app>.fly.dev`), so both the tenant id and the final app
//! name are held to Fly's rules before anything else happens: lowercase ASCII letters, digits and
//! dashes, starting with a letter, not ending with a dash, at most 63 characters.

use std::fmt;

/// Longest app name Fly accepts (one DNS label).
pub const MAX_APP_NAME_LEN: usize = 63;

/// The placeholder an app-name pattern must contain exactly once.
pub const ID_PLACEHOLDER: &str = "{id}";

/// A tenant id that passed validation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TenantId(String);

/// A Fly app name that passed validation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AppName(String);

/// Why a tenant id, an app name or an app-name pattern was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TenantError {
    #[error("invalid tenant id `{id}`: {reason}")]
    InvalidId { id: String, reason: String },
    #[error("tenant id `{id}` gives app name `{app}`, which is {len} characters long (Fly allows at most {max})", max = MAX_APP_NAME_LEN)]
    AppNameTooLong { id: String, app: String, len: usize },
    #[error("tenant id `{id}` gives app name `{app}`, which Fly would refuse: {reason}")]
    InvalidAppName {
        id: String,
        app: String,
        reason: String,
    },
    #[error("app name pattern `{pattern}` must contain `{{id}}` exactly once")]
    BadPattern { pattern: String },
}

impl TenantError {
    /// What the user can do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            TenantError::InvalidId { .. } | TenantError::InvalidAppName { .. } => {
                "tenant ids use lowercase letters, digits and dashes, start with a letter and do not end with a dash (e.g. `acme-7`)"
            }
            TenantError::AppNameTooLong { .. } => {
                "use a shorter tenant id, or a shorter `app_name_pattern` in tenantctl.toml"
            }
            TenantError::BadPattern { .. } => {
                "set `app_name_pattern` in tenantctl.toml to something like `tenant-{id}`"
            }
        }
    }
}

/// Checks `s` against the label rules; returns the reason it fails.
fn label_problem(s: &str) -> Option<String> {
    let Some(first) = s.chars().next() else {
        return Some("it is empty".into());
    };
    if let Some((pos, ch)) = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        let shown = if ch.is_control() || ch.is_whitespace() {
            ch.escape_default().to_string()
        } else {
            ch.to_string()
        };
        let extra = if ch.is_ascii_uppercase() {
            " (use lowercase)"
        } else {
            ""
        };
        return Some(format!(
            "character `{shown}` at position {} is not allowed{extra}; only lowercase letters, digits and `-` are",
            pos + 1
        ));
    }
    if !first.is_ascii_lowercase() {
        return Some("it must start with a lowercase letter".into());
    }
    if s.ends_with('-') {
        return Some("it must not end with `-`".into());
    }
    None
}

impl TenantId {
    /// Validates a tenant id as typed by the user.
    pub fn parse(id: &str) -> Result<TenantId, TenantError> {
        if let Some(reason) = label_problem(id) {
            return Err(TenantError::InvalidId {
                id: id.to_string(),
                reason,
            });
        }
        if id.len() > MAX_APP_NAME_LEN {
            return Err(TenantError::InvalidId {
                id: id.to_string(),
                reason: format!(
                    "it is {} characters long (at most {MAX_APP_NAME_LEN})",
                    id.len()
                ),
            });
        }
        Ok(TenantId(id.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks that an app-name pattern can produce app names at all.
pub fn check_pattern(pattern: &str) -> Result<(), TenantError> {
    if pattern.matches(ID_PLACEHOLDER).count() != 1 {
        return Err(TenantError::BadPattern {
            pattern: pattern.to_string(),
        });
    }
    Ok(())
}

impl AppName {
    /// The app name for `id` under `pattern` (e.g. `tenant-{id}`), validated as a whole.
    pub fn for_tenant(pattern: &str, id: &TenantId) -> Result<AppName, TenantError> {
        check_pattern(pattern)?;
        let app = pattern.replace(ID_PLACEHOLDER, id.as_str());
        if let Some(reason) = label_problem(&app) {
            return Err(TenantError::InvalidAppName {
                id: id.to_string(),
                app,
                reason,
            });
        }
        if app.len() > MAX_APP_NAME_LEN {
            return Err(TenantError::AppNameTooLong {
                id: id.to_string(),
                len: app.len(),
                app,
            });
        }
        Ok(AppName(app))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AppName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_ids() {
        for id in ["a", "acme", "acme-7", "a1-b2-c3", "x0"] {
            assert_eq!(
                TenantId::parse(id).map(|t| t.to_string()),
                Ok(id.to_string())
            );
        }
    }

    #[test]
    fn refuses_bad_ids() {
        for id in [
            "", "Acme", "7acme", "-acme", "acme-", "ac_me", "ac.me", "ac me", "äcme", "acme\n",
            "a\u{0}", "\"", "]]",
        ] {
            assert!(
                matches!(TenantId::parse(id), Err(TenantError::InvalidId { .. })),
                "{id:?} was accepted"
            );
        }
    }

    #[test]
    fn names_the_offending_character() {
        let err = TenantId::parse("acme_co").unwrap_err().to_string();
        assert!(err.contains("`_` at position 5"), "{err}");
        let err = TenantId::parse("Acme").unwrap_err().to_string();
        assert!(err.contains("use lowercase"), "{err}");
    }

    #[test]
    fn app_name_length_counts_the_pattern() {
        let id = TenantId::parse(&"a".repeat(56)).unwrap();
        assert_eq!(
            AppName::for_tenant("tenant-{id}", &id)
                .unwrap()
                .as_str()
                .len(),
            63
        );
        let id = TenantId::parse(&"a".repeat(57)).unwrap();
        assert!(matches!(
            AppName::for_tenant("tenant-{id}", &id),
            Err(TenantError::AppNameTooLong { len: 64, .. })
        ));
    }

    #[test]
    fn pattern_must_hold_one_placeholder() {
        let id = TenantId::parse("acme").unwrap();
        assert!(AppName::for_tenant("tenant", &id).is_err());
        assert!(AppName::for_tenant("{id}-{id}", &id).is_err());
        assert!(matches!(
            AppName::for_tenant("Tenant-{id}", &id),
            Err(TenantError::InvalidAppName { .. })
        ));
        assert_eq!(
            AppName::for_tenant("{id}-prod", &id).unwrap().as_str(),
            "acme-prod"
        );
    }
}
