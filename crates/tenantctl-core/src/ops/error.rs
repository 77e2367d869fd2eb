//! Errors of the read-only operations and the classes every operation error falls into.

use fly_api::ApiError;
use serde::Serialize;

/// The environment variable the CLI reads the Fly API token from; named in auth errors.
pub const TOKEN_VARIABLE: &str = "FLY_API_TOKEN";

/// What kind of failure an operation error is; the CLI maps each class to an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// The input was refused before anything was sent (tenant id, tier, region, domain, template).
    Invalid,
    /// The tenant (its app) does not exist.
    NotFound,
    /// Someone else holds the name or the machine (app name taken in another org, lease held,
    /// a resource in the way).
    Conflict,
    /// The token was refused (401/403).
    Auth,
    /// Anything else: API errors, timeouts, failing hooks, a health gate that did not pass.
    Failed,
}

impl ErrorClass {
    /// Classifies an API error. A 403 is an auth problem here; callers that know a 403 means
    /// "name taken elsewhere" (GET of an app) decide that themselves.
    pub(crate) fn of(error: &ApiError) -> ErrorClass {
        match error.status() {
            Some(401) | Some(403) => ErrorClass::Auth,
            Some(404) => ErrorClass::NotFound,
            Some(409) | Some(423) => ErrorClass::Conflict,
            _ if error.is_lease_held() => ErrorClass::Conflict,
            _ => ErrorClass::Failed,
        }
    }
}

/// Why `status` or `list` failed.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    #[error("{message}")]
    Invalid { message: String },
    #[error("tenant `{tenant}` not found: app `{app}` does not exist in org `{org}`")]
    NotFound {
        tenant: String,
        app: String,
        org: String,
    },
    #[error("{message}")]
    Auth { message: String },
    #[error("{context}: {source}")]
    Api {
        context: String,
        #[source]
        source: ApiError,
    },
}

impl OpsError {
    pub fn class(&self) -> ErrorClass {
        match self {
            OpsError::Invalid { .. } => ErrorClass::Invalid,
            OpsError::NotFound { .. } => ErrorClass::NotFound,
            OpsError::Auth { .. } => ErrorClass::Auth,
            OpsError::Api { source, .. } => ErrorClass::of(source),
        }
    }

    /// The next step for the user.
    pub fn hint(&self) -> Option<String> {
        match self {
            OpsError::Invalid { .. } => None,
            OpsError::NotFound { .. } => {
                Some("run `tenantctl list` to see the tenants that exist".to_string())
            }
            OpsError::Auth { .. } => Some(auth_hint()),
            OpsError::Api { source, .. } if source.is_transient() => {
                Some("the Fly API failed temporarily; try again".to_string())
            }
            OpsError::Api { .. } => None,
        }
    }
}

/// What to do about a refused token.
pub(crate) fn auth_hint() -> String {
    format!(
        "set {TOKEN_VARIABLE} to a token of the configured org with write access (`fly tokens create org`); read-only tokens can only run status and list"
    )
}

/// The message of an auth failure; always names the variable to set.
pub(crate) fn auth_message(error: &ApiError) -> String {
    format!(
        "the Fly API refused the token: {error}; set {TOKEN_VARIABLE} to a valid token for this org"
    )
}

/// Wraps an API error, turning 401/403 into [`OpsError::Auth`].
pub(crate) fn api(context: impl Into<String>, error: ApiError) -> OpsError {
    if error.is_unauthorized() {
        OpsError::Auth {
            message: auth_message(&error),
        }
    } else {
        OpsError::Api {
            context: context.into(),
            source: error,
        }
    }
}
