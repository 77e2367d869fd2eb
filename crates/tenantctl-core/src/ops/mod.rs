//! Tenant operations the CLI calls: [`provision`], [`upgrade`], [`deploy`], [`destroy`], [`logs`], [`status`], [`list`] and [`snapshot`].
//!
//! Each takes a [`FlyClient`](fly_api::FlyClient), the loaded [`Config`](crate::config::Config)
//! and plain option values (no prompts happen here), reports progress through
//! [`Reporter`](crate::engine::Reporter) and returns a serde-serialisable result or an
//! [`OpError`] whose [`ErrorClass`] the CLI maps to an exit code.

pub mod backup;
pub mod deploy;
pub mod destroy;
pub mod list;
pub mod logs;
pub mod provision;
pub mod snapshot;
pub mod status;
pub mod upgrade;

pub use crate::error::{ErrorClass, OpError, Resume, Suggestion};
pub use crate::resources::secrets::GENERATED as GENERATED_SECRETS;
pub use deploy::{DeployOptions, DeployReport, deploy};
pub use destroy::{DestroyOptions, DestroyReport, FinalBackup, Inventory, destroy};
pub use list::{DEFAULT_LIST_CONCURRENCY, ListOptions, list};
pub use logs::{LogLine, LogsOptions, logs};
pub use provision::{ProvisionOptions, ProvisionReport, StepReport, StepStatus, provision};
pub use snapshot::{
    SnapshotItem, SnapshotReport, SnapshotRestoreReport, list_snapshots, restore_from_snapshot,
    take_snapshot,
};
pub use status::{CertificateState, TenantStatus, status};
pub use upgrade::{UpgradeOptions, UpgradePlan, UpgradeReport, upgrade};
