//! fly.toml: parsing (`appconfig`) and conversion to the Machines API's machine config (`convert`).

pub mod appconfig;
pub mod convert;

pub use appconfig::{AppConfig, FlyTomlError};
pub use convert::{ConvertError, ConvertOptions, to_machine_config};
