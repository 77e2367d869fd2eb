//! fly.toml: parsing (`appconfig`), flyctl's validation (`validate`) and conversion to the
//! Machines API's machine config (`convert`), following flyctl's `internal/appconfig`.
//!
//! Where this knowingly differs from flyctl:
//! - errors name the line (and field) of the offending value; flyctl only names the line for
//!   TOML syntax errors;
//! - `[build] compose` with a compose file present is refused (flyctl builds containers from
//!   it); describe containers in `machine_config` instead;
//! - relative `local_path`s and `.json` machine configs are resolved against the fly.toml's
//!   directory (flyctl: the working directory);
//! - `fly_flyctl_version` metadata is set only when a version is given;
//! - converting a group fly.toml does not define is refused;
//! - fields of `machine_config` JSON that fly-go does not know are kept (flyctl drops them);
//! - check headers are listed sorted by name (flyctl: map order, i.e. random);
//! - TOML 1.1-only syntax is accepted (flyctl reads TOML 1.0).

pub mod appconfig;
pub mod convert;
mod node;
mod patches;
pub mod support;
pub mod validate;

pub use appconfig::{AppConfig, DEFAULT_PROCESS_GROUP, FlyTomlError};
pub use convert::{
    ConvertError, ConvertOptions, to_console_machine_config, to_machine_config,
    to_release_machine_config,
};
pub use validate::ValidationError;
