//! What every tenantctl test suite and bench shares, so none keeps its own copy: flysim started
//! in-process ([`sim`]), reading its request log ([`requests`]), the test configurations
//! ([`config`]), the fault tables ([`faults`]), a recording progress reporter ([`reporter`]),
//! a real S3 server for the backup tests ([`garage`]) and a proxy in front of it as strict as
//! AWS S3 ([`strict_s3`]).
//!
//! Test code: it panics with a message where a test would fail anyway.

#![allow(clippy::missing_panics_doc)]

pub mod config;
pub mod faults;
pub mod garage;
pub mod reporter;
pub mod requests;
pub mod sim;
pub mod strict_s3;

pub use config::{HEALTH_CHECKS, IMAGE, SEED_HOOK, cli_config, config_text};
pub use faults::{STEP_FAULTS, answer, fault};
pub use garage::Garage;
pub use reporter::Recorder;
pub use requests::{count, show};
pub use sim::{BlockingSim, client_for, spawn};
pub use strict_s3::StrictS3;
