//! Tenant operations the CLI calls: [`provision`], [`status`] and [`list`].
//!
//! Each takes a [`FlyClient`](fly_api::FlyClient), the loaded [`Config`](crate::config::Config)
//! and plain option values (no prompts happen here), reports progress through
//! [`Reporter`](crate::engine::Reporter) and returns a serde-serialisable result or a typed error
//! with an [`ErrorClass`] the CLI maps to an exit code.

mod error;
pub mod list;
pub mod provision;
mod secrets;
pub mod status;

pub use error::{ErrorClass, OpsError};
pub use list::{DEFAULT_LIST_CONCURRENCY, ListOptions, list};
pub use provision::{
    GENERATED_SECRETS, METADATA_HEALTH_PASSED, METADATA_PROVISIONED_BY, METADATA_TEMPLATE_VERSION,
    METADATA_TENANT, METADATA_TIER, ProvisionError, ProvisionOptions, ProvisionReport, StepReport,
    StepStatus, provision, shell_word,
};
pub use status::{CertificateState, TenantStatus, status};
